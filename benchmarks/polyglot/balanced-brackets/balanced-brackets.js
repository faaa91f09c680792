'use strict';

function isBalanced() {
  throw new Error('Remove this line and implement isBalanced');
}

function firstError() {
  throw new Error('Remove this line and implement firstError');
}

module.exports = { isBalanced, firstError };
