'use strict';

const { capitalize } = require('../lib/text');

function greet(name) {
  return `Hello, ${capitalize(name)}!`;
}

module.exports = { greet };
