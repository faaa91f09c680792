'use strict';
// Answers summary statistics (count, sum, mean, min, max) of a list of numbers.

const { ok, badRequest } = require('./respond');

const name = 'stats';
const describe = 'Summarise { values: number[] } as count, sum, mean, min and max.';

function validate(payload) {
  if (payload === null || typeof payload !== 'object') return 'payload must be an object';
  if (!Array.isArray(payload.values) || payload.values.length === 0) return 'values must be a non-empty list';
  if (!payload.values.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'values must all be numbers';
  return null;
}

function handle(payload) {
  const problem = validate(payload);
  if (problem) return badRequest(problem);
  const { values } = payload;
  const sum = values.reduce((a, b) => a + b, 0);
  return ok({
    count: values.length,
    sum,
    mean: Math.round((sum / values.length) * 100) / 100,
    min: Math.min(...values),
    max: Math.max(...values),
  });
}

module.exports = { name, describe, handle };
