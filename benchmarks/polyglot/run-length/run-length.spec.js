const { encode, decode } = require('./run-length');

describe('run-length', () => {
  test('empty string', () => {
    expect(encode('')).toBe('');
    expect(decode('')).toBe('');
  });
  test('single characters carry no count', () => {
    expect(encode('XYZ')).toBe('XYZ');
  });
  test('runs are counted', () => {
    expect(encode('WWWWWWWWWWWWBWWWWWWWWWWWWBBBWWWWWWWWWWWWWWWWWWWWWWWWB')).toBe('12WB12W3B24WB');
  });
  test('spaces and lower case count as characters', () => {
    expect(encode('  hsqq qww  ')).toBe('2 hs2q q2w2 ');
  });
  test('decode expands counts of several digits', () => {
    expect(decode('12WB12W3B24WB')).toBe('WWWWWWWWWWWWBWWWWWWWWWWWWBBBWWWWWWWWWWWWWWWWWWWWWWWWB');
  });
  test('round trip', () => {
    const text = 'zzz ZZ  zZ';
    expect(decode(encode(text))).toBe(text);
  });
});
