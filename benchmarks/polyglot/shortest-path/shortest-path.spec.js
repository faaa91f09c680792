const { shortestPath } = require('./shortest-path');

const roads = [
  ['A', 'B', 4], ['A', 'C', 1], ['C', 'B', 2], ['B', 'D', 1],
  ['C', 'D', 5], ['D', 'E', 3], ['E', 'A', 1],
];

describe('shortestPath', () => {
  test('start is the goal', () => expect(shortestPath(roads, 'A', 'A')).toEqual({ cost: 0, path: ['A'] }));
  test('a detour is cheaper than the direct edge', () => {
    expect(shortestPath(roads, 'A', 'B')).toEqual({ cost: 3, path: ['A', 'C', 'B'] });
  });
  test('longer route', () => expect(shortestPath(roads, 'A', 'E')).toEqual({ cost: 7, path: ['A', 'C', 'B', 'D', 'E'] }));
  test('edges are one-way', () => expect(shortestPath(roads, 'E', 'C')).toEqual({ cost: 2, path: ['E', 'A', 'C'] }));
  test('unreachable', () => expect(shortestPath(roads, 'A', 'Z')).toBeNull());
  test('zero-cost edges', () => {
    expect(shortestPath([['x', 'y', 0], ['y', 'z', 0], ['x', 'z', 1]], 'x', 'z')).toEqual({ cost: 0, path: ['x', 'y', 'z'] });
  });
});
