const { spiralOrder, spiralMatrix } = require('./spiral-matrix');

describe('spiralOrder', () => {
  test('empty matrix', () => expect(spiralOrder([])).toEqual([]));
  test('one row', () => expect(spiralOrder([[1, 2, 3]])).toEqual([1, 2, 3]));
  test('one column', () => expect(spiralOrder([[1], [2], [3]])).toEqual([1, 2, 3]));
  test('3 x 4', () => {
    expect(spiralOrder([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])).toEqual([1, 2, 3, 4, 8, 12, 11, 10, 9, 5, 6, 7]);
  });
  test('4 x 2', () => expect(spiralOrder([[1, 2], [3, 4], [5, 6], [7, 8]])).toEqual([1, 2, 4, 6, 8, 7, 5, 3]));
});

describe('spiralMatrix', () => {
  test('n = 0 and 1', () => {
    expect(spiralMatrix(0)).toEqual([]);
    expect(spiralMatrix(1)).toEqual([[1]]);
  });
  test('n = 3', () => expect(spiralMatrix(3)).toEqual([[1, 2, 3], [8, 9, 4], [7, 6, 5]]));
  test('spiralOrder undoes spiralMatrix', () => {
    expect(spiralOrder(spiralMatrix(6))).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
  });
});
