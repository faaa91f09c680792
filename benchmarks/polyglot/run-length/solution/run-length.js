'use strict';

function encode(text) {
  return text.replace(/(.)\1*/gs, (run, ch) => (run.length > 1 ? `${run.length}${ch}` : ch));
}

function decode(text) {
  return text.replace(/(\d+)(.)/gs, (_, count, ch) => ch.repeat(Number(count)));
}

module.exports = { encode, decode };
