'use strict';

const { capitalize } = require('../lib/strings');

function greet(name) {
  return `Hello, ${capitalize(name)}!`;
}

module.exports = { greet };
