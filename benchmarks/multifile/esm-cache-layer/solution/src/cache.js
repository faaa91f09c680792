// A small time-to-live cache. `now` is injectable so expiry can be tested without waiting.

export class TtlCache {
  constructor({ ttlMs, now = Date.now } = {}) {
    if (!(ttlMs > 0)) throw new RangeError('ttlMs must be a positive number');
    this.ttlMs = ttlMs;
    this.now = now;
    this.entries = new Map();
  }

  get(key) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  has(key) {
    return this.get(key) !== undefined;
  }

  set(key, value) {
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
    return this;
  }

  delete(key) {
    return this.entries.delete(key);
  }

  get size() {
    for (const key of [...this.entries.keys()]) this.get(key);
    return this.entries.size;
  }
}
