const { isValidLuhn, checkDigit } = require('./luhn');

describe('isValidLuhn', () => {
  test.each([
    ['4539 3195 0343 6467', true], ['8273 1232 7352 0569', false], ['059', true],
    ['0', false], [' 0 ', false], ['0000 0', true], ['055-444-285', false], ['091', true], ['59a', false],
  ])('%j -> %s', (text, want) => expect(isValidLuhn(text)).toBe(want));
});

describe('checkDigit', () => {
  test('completes numbers', () => {
    expect(checkDigit('7992739871')).toBe(3);
    expect(checkDigit('453931950343646')).toBe(7);
  });
  test('the completed number is valid', () => {
    for (const base of ['1', '12', '123456', '98765432109876']) expect(isValidLuhn(base + checkDigit(base))).toBe(true);
  });
});
