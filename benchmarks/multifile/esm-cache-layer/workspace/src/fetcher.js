// Fetches prices through a loader (an async function key -> value) and counts the loads.

export function createFetcher(load) {
  let loads = 0;
  return {
    async get(key) {
      loads += 1;
      return load(key);
    },
    stats() {
      return { loads };
    },
  };
}
