'use strict';

const strings = require('../lib/text');

function shout(text) {
  return `${strings.truncate(String(text).toUpperCase(), 20)}!`;
}

module.exports = { shout };
