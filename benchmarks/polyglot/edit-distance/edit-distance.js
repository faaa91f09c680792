'use strict';

function distance() {
  throw new Error('Remove this line and implement distance');
}

function closest() {
  throw new Error('Remove this line and implement closest');
}

module.exports = { distance, closest };
