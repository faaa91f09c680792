'use strict';

class LruCache {
  constructor() {
    throw new Error('Remove this line and implement LruCache');
  }
}

module.exports = { LruCache };
