// The project's own tests: prices are served, and loaded once while fresh.
import test from 'node:test';
import assert from 'node:assert';
import { createService, createFetcher } from '../src/index.js';

test('the service serves prices by upper-cased symbol', async () => {
  const service = createService(async (symbol) => ({ symbol, price: symbol.length }));
  assert.deepStrictEqual(await service.price('abc'), { symbol: 'ABC', price: 3 });
});

test('a fresh answer is not loaded twice; a stale one is', async () => {
  let t = 0;
  let calls = 0;
  const fetcher = createFetcher(async (k) => `${k}${++calls}`, { ttlMs: 100, now: () => t });
  assert.strictEqual(await fetcher.get('a'), 'a1');
  t = 50;
  assert.strictEqual(await fetcher.get('a'), 'a1');
  t = 200;
  assert.strictEqual(await fetcher.get('a'), 'a2');
  assert.deepStrictEqual(fetcher.stats(), { loads: 2, hits: 1 });
});
