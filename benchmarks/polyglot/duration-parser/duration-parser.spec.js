import { parseDuration, formatDuration } from './duration-parser';

describe('parseDuration', () => {
  test('one unit', () => {
    expect(parseDuration('45s')).toBe(45);
    expect(parseDuration('2m')).toBe(120);
    expect(parseDuration('3h')).toBe(10800);
    expect(parseDuration('1d')).toBe(86400);
  });

  test('several units, with or without spaces', () => {
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('1d 2h 3m 4s')).toBe(93784);
    expect(parseDuration('90m')).toBe(5400);
  });

  test('rejects what is not a duration', () => {
    expect(() => parseDuration('')).toThrowError(/^invalid duration/);
    expect(() => parseDuration('5')).toThrowError(/^invalid duration/);
    expect(() => parseDuration('3m2h')).toThrowError(/^invalid duration/);
    expect(() => parseDuration('1h  2m')).toThrowError(/^invalid duration/);
    expect(() => parseDuration('-1s')).toThrowError(/^invalid duration/);
  });
});

describe('formatDuration', () => {
  test('largest unit first, no zero parts', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(93784)).toBe('1d2h3m4s');
    expect(formatDuration(86401)).toBe('1d1s');
  });

  xtest('round-trips through parseDuration', () => {
    for (const s of [1, 59, 61, 3600, 100000]) expect(parseDuration(formatDuration(s))).toBe(s);
  });

  test('rejects negative and fractional seconds', () => {
    expect(() => formatDuration(-1)).toThrowError(RangeError);
    expect(() => formatDuration(1.5)).toThrowError(RangeError);
  });
});
