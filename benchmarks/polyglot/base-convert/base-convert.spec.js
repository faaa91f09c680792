const { convertBase } = require('./base-convert');

describe('convertBase', () => {
  test('binary to decimal', () => expect(convertBase([1, 0, 1, 0, 1, 0], 2, 10)).toEqual([4, 2]));
  test('decimal to binary', () => expect(convertBase([4, 2], 10, 2)).toEqual([1, 0, 1, 0, 1, 0]));
  test('to base 36', () => expect(convertBase([1, 2, 9, 6], 10, 36)).toEqual([1, 0, 0]));
  test('zero and leading zeros', () => {
    expect(convertBase([0], 10, 2)).toEqual([0]);
    expect(convertBase([0, 0, 7], 10, 8)).toEqual([7]);
  });
  test('numbers past 2^53 stay exact', () => {
    expect(convertBase([1, ...new Array(64).fill(0)], 2, 16)).toEqual([1, ...new Array(16).fill(0)]);
  });
  test('bad input', () => {
    expect(() => convertBase([], 10, 2)).toThrow(RangeError);
    expect(() => convertBase([2], 2, 10)).toThrow(RangeError);
    expect(() => convertBase([1], 1, 10)).toThrow(RangeError);
    expect(() => convertBase([1], 10, 37)).toThrow(RangeError);
  });
});
