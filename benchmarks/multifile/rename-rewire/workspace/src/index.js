'use strict';
// Entry point: the commands by name, plus the text helpers for plugins.

const { greet } = require('./commands/greet');
const { shout } = require('./commands/shout');
const { postLines } = require('./report');
const text = require('./lib/strings');

const commands = { greet, shout, posts: postLines };

function run(name, arg) {
  const command = commands[name];
  if (!command) throw new Error(`unknown command: ${name}`);
  return command(arg);
}

module.exports = { run, commands, text };
