const { lowerBound, upperBound, countInRange } = require('./binary-search');

const values = [1, 3, 3, 3, 7, 9, 12];

describe('bounds', () => {
  test('empty list', () => {
    expect(lowerBound([], 5)).toBe(0);
    expect(upperBound([], 5)).toBe(0);
  });
  test('duplicates', () => {
    expect(lowerBound(values, 3)).toBe(1);
    expect(upperBound(values, 3)).toBe(4);
  });
  test('missing values and the ends', () => {
    expect(lowerBound(values, 8)).toBe(5);
    expect(lowerBound(values, 0)).toBe(0);
    expect(lowerBound(values, 13)).toBe(7);
    expect(upperBound(values, 12)).toBe(7);
  });
  test('logarithmic: a million elements, few reads', () => {
    let reads = 0;
    const big = new Proxy(Array.from({ length: 1_000_000 }, (_, i) => i * 2), {
      get(target, prop) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
        return target[prop];
      },
    });
    expect(lowerBound(big, 777_777)).toBe(388_889);
    expect(reads).toBeLessThan(64);
  });
});

describe('countInRange', () => {
  test('inclusive on both ends', () => expect(countInRange(values, 3, 9)).toBe(5));
  test('empty range', () => expect(countInRange(values, 4, 6)).toBe(0));
});
