'use strict';

function spiralOrder() {
  throw new Error('Remove this line and implement spiralOrder');
}

function spiralMatrix() {
  throw new Error('Remove this line and implement spiralMatrix');
}

module.exports = { spiralOrder, spiralMatrix };
