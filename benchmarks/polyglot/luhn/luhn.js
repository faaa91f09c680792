'use strict';

function isValidLuhn() {
  throw new Error('Remove this line and implement isValidLuhn');
}

function checkDigit() {
  throw new Error('Remove this line and implement checkDigit');
}

module.exports = { isValidLuhn, checkDigit };
