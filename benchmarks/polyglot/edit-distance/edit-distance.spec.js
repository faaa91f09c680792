const { distance, closest } = require('./edit-distance');

describe('distance', () => {
  test.each([
    ['', '', 0], ['abc', '', 3], ['', 'ab', 2], ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2], ['same', 'same', 0], ['intention', 'execution', 5],
  ])('%j vs %j = %i', (a, b, d) => {
    expect(distance(a, b)).toBe(d);
    expect(distance(b, a)).toBe(d);
  });
  test('long strings stay fast', () => {
    const a = 'ab'.repeat(1000);
    const b = 'ba'.repeat(1000);
    expect(distance(a, b)).toBe(2);
  });
});

describe('closest', () => {
  test('picks the nearest', () => expect(closest('colour', ['color', 'cooler', 'dolour'])).toBe('color'));
  test('first on a tie', () => expect(closest('cat', ['bat', 'cap', 'car'])).toBe('bat'));
  test('no candidates', () => expect(closest('x', [])).toBeNull());
});
