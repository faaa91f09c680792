'use strict';

function topWords() {
  throw new Error('Remove this line and implement topWords');
}

module.exports = { topWords };
