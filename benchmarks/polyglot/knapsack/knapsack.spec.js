const { bestValue, bestSelection } = require('./knapsack');

const items = [
  { weight: 5, value: 10 }, { weight: 4, value: 40 }, { weight: 6, value: 30 }, { weight: 3, value: 50 },
];

describe('bestValue', () => {
  test('no items or no room', () => {
    expect(bestValue([], 10)).toBe(0);
    expect(bestValue(items, 0)).toBe(0);
  });
  test('classic case', () => expect(bestValue(items, 10)).toBe(90));
  test('greedy by ratio is not enough', () => {
    expect(bestValue([{ weight: 6, value: 30 }, { weight: 5, value: 24 }, { weight: 5, value: 24 }], 10)).toBe(48);
  });
  test('everything fits', () => expect(bestValue(items, 100)).toBe(130));
});

describe('bestSelection', () => {
  test('indexes of the best choice', () => expect(bestSelection(items, 10)).toEqual([1, 3]));
  test('the selection fits and reaches the best value', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ weight: (i * 7) % 11 + 1, value: (i * 13) % 17 + 1 }));
    const chosen = bestSelection(many, 25);
    expect(chosen.reduce((w, i) => w + many[i].weight, 0)).toBeLessThanOrEqual(25);
    expect(chosen.reduce((v, i) => v + many[i].value, 0)).toBe(bestValue(many, 25));
  });
});
