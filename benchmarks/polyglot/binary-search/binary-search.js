'use strict';

function lowerBound() {
  throw new Error('Remove this line and implement lowerBound');
}

function upperBound() {
  throw new Error('Remove this line and implement upperBound');
}

function countInRange() {
  throw new Error('Remove this line and implement countInRange');
}

module.exports = { lowerBound, upperBound, countInRange };
