'use strict';

function evaluate() {
  throw new Error('Remove this line and implement evaluate');
}

module.exports = { evaluate };
