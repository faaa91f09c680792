// Fetches prices through a loader (an async function key -> value), caching each answer for
// ttlMs, and counts the loads and cache hits.

import { TtlCache } from './cache.js';

export function createFetcher(load, { ttlMs = 1000, now = Date.now } = {}) {
  const cache = new TtlCache({ ttlMs, now });
  let loads = 0;
  let hits = 0;
  return {
    async get(key) {
      if (cache.has(key)) {
        hits += 1;
        return cache.get(key);
      }
      loads += 1;
      const value = await load(key);
      cache.set(key, value);
      return value;
    },
    stats() {
      return { loads, hits };
    },
  };
}
