const DAY_MS = 86400000;

export const isoWeek = (date) => {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError('isoWeek needs a valid Date');
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const thursday = new Date(day + (3 - weekday) * DAY_MS); // the week belongs to its Thursday's year
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return { year, week };
};

export const daysInMonth = (year, month) => {
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new RangeError(`no month ${month}`);
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
};
