const { toRoman, fromRoman } = require('./roman-numerals');

describe('toRoman', () => {
  test.each([
    [1, 'I'], [4, 'IV'], [9, 'IX'], [14, 'XIV'], [40, 'XL'], [90, 'XC'],
    [400, 'CD'], [944, 'CMXLIV'], [1990, 'MCMXC'], [2024, 'MMXXIV'], [3999, 'MMMCMXCIX'],
  ])('%i -> %s', (n, s) => expect(toRoman(n)).toBe(s));
  test('out of range', () => {
    expect(() => toRoman(0)).toThrow(RangeError);
    expect(() => toRoman(4000)).toThrow(RangeError);
  });
});

describe('fromRoman', () => {
  test('parses canonical numerals', () => {
    expect(fromRoman('MCMXC')).toBe(1990);
    expect(fromRoman('CDXLIV')).toBe(444);
  });
  test('round trip over the whole range', () => {
    for (let n = 1; n < 4000; n++) expect(fromRoman(toRoman(n))).toBe(n);
  });
  test('refuses non-canonical forms', () => {
    expect(() => fromRoman('IIII')).toThrow(RangeError);
    expect(() => fromRoman('IC')).toThrow(RangeError);
    expect(() => fromRoman('ABC')).toThrow(RangeError);
    expect(() => fromRoman('')).toThrow(RangeError);
  });
});
