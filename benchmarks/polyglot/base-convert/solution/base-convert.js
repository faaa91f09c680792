'use strict';

function convertBase(digits, fromBase, toBase) {
  for (const b of [fromBase, toBase]) {
    if (!Number.isInteger(b) || b < 2 || b > 36) throw new RangeError(`base must be from 2 to 36, got ${b}`);
  }
  if (digits.length === 0) throw new RangeError('no digits');
  let value = 0n;
  for (const d of digits) {
    if (!Number.isInteger(d) || d < 0 || d >= fromBase) throw new RangeError(`digit ${d} is not valid in base ${fromBase}`);
    value = value * BigInt(fromBase) + BigInt(d);
  }
  if (value === 0n) return [0];
  const out = [];
  const to = BigInt(toBase);
  while (value > 0n) {
    out.unshift(Number(value % to));
    value /= to;
  }
  return out;
}

module.exports = { convertBase };
