'use strict';

function toRoman() {
  throw new Error('Remove this line and implement toRoman');
}

function fromRoman() {
  throw new Error('Remove this line and implement fromRoman');
}

module.exports = { toRoman, fromRoman };
