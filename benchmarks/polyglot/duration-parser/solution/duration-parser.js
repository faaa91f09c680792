const UNITS = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

const PATTERN = /^(?:(\d+)d)? ?(?:(\d+)h)? ?(?:(\d+)m)? ?(?:(\d+)s)?$/;

export const parseDuration = (text) => {
  const match = typeof text === 'string' ? PATTERN.exec(text) : null;
  if (!match || text.trim() !== text || /\s{2}/.test(text) || match.slice(1).every((part) => part === undefined)) {
    throw new Error(`invalid duration: ${JSON.stringify(text)}`);
  }
  return UNITS.reduce((total, [, size], i) => total + Number(match[i + 1] ?? 0) * size, 0);
};

export const formatDuration = (seconds) => {
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`not a whole number of seconds: ${seconds}`);
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) out += `${count}${unit}`;
  }
  return out;
};
