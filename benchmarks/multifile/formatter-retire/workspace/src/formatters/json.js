'use strict';

/** Pretty JSON with a trailing newline, keys in insertion order. */
function formatJson(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}

module.exports = { formatJson };
