const { mergeIntervals, totalCovered } = require('./interval-merge');

describe('mergeIntervals', () => {
  test('empty', () => expect(mergeIntervals([])).toEqual([]));
  test('disjoint intervals are sorted, not merged', () => {
    expect(mergeIntervals([[8, 9], [1, 2], [4, 5]])).toEqual([[1, 2], [4, 5], [8, 9]]);
  });
  test('overlapping and touching intervals merge', () => {
    expect(mergeIntervals([[1, 3], [2, 6], [6, 7], [10, 12], [11, 11]])).toEqual([[1, 7], [10, 12]]);
  });
  test('one interval containing the others', () => {
    expect(mergeIntervals([[2, 3], [0, 10], [4, 8]])).toEqual([[0, 10]]);
  });
  test('the input is not changed', () => {
    const input = [[5, 6], [1, 5]];
    mergeIntervals(input);
    expect(input).toEqual([[5, 6], [1, 5]]);
  });
});

describe('totalCovered', () => {
  test('counts overlaps once', () => expect(totalCovered([[0, 4], [2, 6], [10, 11]])).toBe(7));
  test('empty is zero', () => expect(totalCovered([])).toBe(0));
});
