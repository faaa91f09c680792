const { LruCache } = require('./lru-cache');

describe('LruCache', () => {
  test('capacity must be a positive integer', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
    expect(() => new LruCache(1.5)).toThrow(RangeError);
  });
  test('get and set', () => {
    const c = new LruCache(2);
    c.set('a', 1);
    expect(c.get('a')).toBe(1);
    expect(c.get('b')).toBeUndefined();
    expect(c.size).toBe(1);
  });
  test('evicts the least recently used', () => {
    const c = new LruCache(2);
    c.set('a', 1);
    c.set('b', 2);
    c.get('a');
    c.set('c', 3);
    expect(c.has('b')).toBe(false);
    expect(c.has('a')).toBe(true);
    expect(c.size).toBe(2);
  });
  test('has does not refresh recency', () => {
    const c = new LruCache(2);
    c.set('a', 1);
    c.set('b', 2);
    c.has('a');
    c.set('c', 3);
    expect(c.has('a')).toBe(false);
  });
  test('overwriting refreshes and keeps the size', () => {
    const c = new LruCache(2);
    c.set('a', 1);
    c.set('b', 2);
    c.set('a', 10);
    c.set('c', 3);
    expect(c.get('a')).toBe(10);
    expect(c.has('b')).toBe(false);
    expect(c.size).toBe(2);
  });
});
