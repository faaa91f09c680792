const { topoSort } = require('./topo-sort');

describe('topoSort', () => {
  test('empty graph', () => expect(topoSort({})).toEqual([]));
  test('a chain', () => expect(topoSort({ c: ['b'], b: ['a'], a: [] })).toEqual(['a', 'b', 'c']));
  test('dependencies that are not keys still count', () => {
    expect(topoSort({ app: ['lib', 'util'], lib: ['util'] })).toEqual(['util', 'lib', 'app']);
  });
  test('ties go alphabetically', () => {
    expect(topoSort({ z: [], y: [], x: ['z', 'y'], w: [] })).toEqual(['w', 'y', 'z', 'x']);
  });
  test('a cycle throws', () => {
    expect(() => topoSort({ a: ['b'], b: ['c'], c: ['a'] })).toThrow(/cycle/);
  });
  test('a self-dependency is a cycle', () => {
    expect(() => topoSort({ a: ['a'] })).toThrow(/cycle/);
  });
});
