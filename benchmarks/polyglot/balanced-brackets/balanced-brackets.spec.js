const { isBalanced, firstError } = require('./balanced-brackets');

describe('isBalanced', () => {
  test.each([
    ['', true], ['()', true], ['{[()]}', true], ['a(b[c]{d}e)f', true],
    ['(', false], [')(', false], ['{[}]', false], ['(()', false],
  ])('%j -> %s', (text, want) => expect(isBalanced(text)).toBe(want));
});

describe('firstError', () => {
  test('balanced text has none', () => expect(firstError('f(x[0])')).toBe(-1));
  test('unexpected closer', () => expect(firstError('(a]')).toBe(2));
  test('opener never closed', () => expect(firstError('x(y(z)')).toBe(1));
  test('closer with nothing open', () => expect(firstError('ok)')).toBe(2));
});
