'use strict';

const strings = require('../lib/strings');

function shout(text) {
  return `${strings.truncate(String(text).toUpperCase(), 20)}!`;
}

module.exports = { shout };
