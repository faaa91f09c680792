const { topWords } = require('./word-frequency');

describe('topWords', () => {
  test('empty text', () => expect(topWords('', 3)).toEqual([]));
  test('counts case-insensitively', () => {
    expect(topWords('The cat and the hat. THE END', 2)).toEqual([['the', 3], ['and', 1]]);
  });
  test('ties are alphabetical', () => {
    expect(topWords('b a c b a c d', 3)).toEqual([['a', 2], ['b', 2], ['c', 2]]);
  });
  test("apostrophes stay inside words", () => {
    expect(topWords("don't stop, don't STOP: won't", 3)).toEqual([["don't", 2], ['stop', 2], ["won't", 1]]);
  });
  test('k larger than the vocabulary', () => {
    expect(topWords('one two 2 two', 10)).toEqual([['two', 2], ['2', 1], ['one', 1]]);
  });
});
