'use strict';

function shortestPath() {
  throw new Error('Remove this line and implement shortestPath');
}

module.exports = { shortestPath };
