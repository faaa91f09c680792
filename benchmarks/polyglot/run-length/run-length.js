'use strict';

function encode() {
  throw new Error('Remove this line and implement encode');
}

function decode() {
  throw new Error('Remove this line and implement decode');
}

module.exports = { encode, decode };
