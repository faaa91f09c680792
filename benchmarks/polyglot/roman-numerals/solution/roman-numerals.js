'use strict';

const TABLE = [
  [1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'],
  [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I'],
];

function toRoman(n) {
  if (!Number.isInteger(n) || n < 1 || n > 3999) throw new RangeError(`cannot write ${n} in Roman numerals`);
  let out = '';
  let rest = n;
  for (const [value, symbol] of TABLE) {
    while (rest >= value) {
      out += symbol;
      rest -= value;
    }
  }
  return out;
}

function fromRoman(s) {
  const values = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };
  if (typeof s !== 'string' || !/^[IVXLCDM]+$/.test(s)) throw new RangeError(`not a Roman numeral: ${s}`);
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = values[s[i]];
    const next = values[s[i + 1]] ?? 0;
    total += v < next ? -v : v;
  }
  // Only the canonical spelling is accepted: it must come back unchanged.
  if (total < 1 || total > 3999 || toRoman(total) !== s) throw new RangeError(`not a canonical Roman numeral: ${s}`);
  return total;
}

module.exports = { toRoman, fromRoman };
