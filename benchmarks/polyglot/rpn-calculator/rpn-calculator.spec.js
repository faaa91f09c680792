const { evaluate } = require('./rpn-calculator');

describe('evaluate', () => {
  test.each([
    ['3 4 +', 7], ['5 1 2 + 4 * + 3 -', 14], ['2 3 4 * +', 14], ['10 4 /', 2.5],
    ['-3 2 *', -6], ['1.5 2 *', 3], ['4 dup *', 16], ['1 2 swap -', 1], ['42', 42],
  ])('%j = %d', (expr, want) => expect(evaluate(expr)).toBe(want));
  test('extra spaces are fine', () => expect(evaluate('  1   2 + ')).toBe(3));
  test('too few operands', () => expect(() => evaluate('1 +')).toThrow(/stack/));
  test('values left over', () => expect(() => evaluate('1 2')).toThrow(/stack/));
  test('empty expression', () => expect(() => evaluate('')).toThrow(/stack/));
  test('division by zero', () => expect(() => evaluate('1 0 /')).toThrow(/zero/));
  test('unknown token', () => expect(() => evaluate('1 2 ^')).toThrow(/unknown/));
});
