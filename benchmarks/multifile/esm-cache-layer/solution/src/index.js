// The price service's public surface.

import { createFetcher } from './fetcher.js';
import { TtlCache } from './cache.js';

export function createService(load, options = {}) {
  const fetcher = createFetcher(load, options);
  return {
    price: (symbol) => fetcher.get(symbol.toUpperCase()),
    stats: () => fetcher.stats(),
  };
}

export { createFetcher, TtlCache };
