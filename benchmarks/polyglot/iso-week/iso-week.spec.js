import { isoWeek, daysInMonth } from './iso-week';

const utc = (y, m, d) => new Date(Date.UTC(y, m - 1, d, 12));

describe('isoWeek', () => {
  test('a date in the middle of the year', () => {
    expect(isoWeek(utc(2026, 7, 15))).toEqual({ year: 2026, week: 29 });
  });

  test('early January can belong to the previous year', () => {
    expect(isoWeek(utc(2021, 1, 3))).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(utc(2027, 1, 1))).toEqual({ year: 2026, week: 53 });
  });

  test('late December can belong to the next year', () => {
    expect(isoWeek(utc(2024, 12, 30))).toEqual({ year: 2025, week: 1 });
  });

  test('week 1 starts on the Monday before the first Thursday', () => {
    expect(isoWeek(utc(2026, 1, 1))).toEqual({ year: 2026, week: 1 });
    expect(isoWeek(utc(2025, 12, 29))).toEqual({ year: 2026, week: 1 });
  });

  test('an invalid date', () => {
    expect(() => isoWeek(new Date('not a date'))).toThrowError(TypeError);
  });
});

describe('daysInMonth', () => {
  test.each([
    [2026, 1, 31],
    [2026, 2, 28],
    [2024, 2, 29],
    [1900, 2, 28],
    [2000, 2, 29],
    [2026, 4, 30],
  ])('%i-%i has %i days', (year, month, days) => expect(daysInMonth(year, month)).toBe(days));

  test('months outside 1-12', () => {
    expect(() => daysInMonth(2026, 0)).toThrowError(RangeError);
    expect(() => daysInMonth(2026, 13)).toThrowError(RangeError);
  });

  test.todo('weeks in a year');
});
