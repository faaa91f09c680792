'use strict';

function bestValue() {
  throw new Error('Remove this line and implement bestValue');
}

function bestSelection() {
  throw new Error('Remove this line and implement bestSelection');
}

module.exports = { bestValue, bestSelection };
