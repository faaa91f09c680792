'use strict';
// The two answers a handler can give.

function ok(body) {
  return { status: 200, body };
}

function badRequest(message) {
  return { status: 400, body: { error: message } };
}

module.exports = { ok, badRequest };
