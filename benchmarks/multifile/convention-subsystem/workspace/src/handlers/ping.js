'use strict';
// Answers "ping" with "pong" and echoes an optional message back.

const { ok, badRequest } = require('./respond');

const name = 'ping';
const describe = 'Check that the service is up; echoes { message } back.';

function validate(payload) {
  if (payload === null || typeof payload !== 'object') return 'payload must be an object';
  if (payload.message !== undefined && typeof payload.message !== 'string') return 'message must be a string';
  return null;
}

function handle(payload) {
  const problem = validate(payload);
  if (problem) return badRequest(problem);
  return ok({ reply: 'pong', message: payload.message ?? null });
}

module.exports = { name, describe, handle };
