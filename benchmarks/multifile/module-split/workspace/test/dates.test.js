'use strict';
// The project's own tests: the date helpers live in src/dates.js and src/utils.js still offers them.
const test = require('node:test');
const assert = require('node:assert');

test('src/dates.js has the date helpers', () => {
  const d = require('../src/dates');
  assert.strictEqual(d.formatDate(d.addDays(d.parseIsoDate('2024-02-27'), 3)), '2024-03-01');
  assert.strictEqual(d.daysBetween(d.parseIsoDate('2024-01-01'), d.parseIsoDate('2024-01-31')), 30);
});

test('src/utils.js keeps offering them, and its own helpers', () => {
  const u = require('../src/utils');
  for (const name of ['parseIsoDate', 'formatDate', 'addDays', 'daysBetween', 'titleCase', 'clamp', 'median']) {
    assert.strictEqual(typeof u[name], 'function', name);
  }
  assert.strictEqual(u.formatDate(u.parseIsoDate('2023-12-31')), '2023-12-31');
});

test('report and scheduler still work', () => {
  const { renderReport } = require('../src/report');
  const { runDays, daysUntilNext } = require('../src/scheduler');
  assert.match(renderReport([{ day: new Date(Date.UTC(2024, 0, 5)), region: 'north east', amount: 1200 }]), /^2024-01-05/);
  assert.deepStrictEqual(runDays('2024-12-30', 2, 3), ['2024-12-30', '2025-01-01', '2025-01-03']);
  assert.strictEqual(daysUntilNext('2024-01-01', 7, '2024-01-10'), 5);
});
