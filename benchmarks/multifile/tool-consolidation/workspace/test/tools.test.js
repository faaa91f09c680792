'use strict';
// The project's own tests: both registered tools export rows, quoting what needs quoting.
const test = require('node:test');
const assert = require('node:assert');
const { tools, getTool } = require('../src/tools');

// Rows are plain objects with the same keys; the first line is the header.
const rows = [
  { name: 'plain', note: 'a,b' },
  { name: 'tab', note: 'x\ty' },
  { name: 'quote', note: 'say "hi"' },
];

test('csv and tsv are registered', () => {
  assert.deepStrictEqual(tools.map((t) => t.name).sort(), ['csv', 'tsv']);
  assert.throws(() => getTool('xml'));
});

test('csv quotes commas and quotes', () => {
  const out = getTool('csv').run(rows).split('\n');
  assert.deepStrictEqual(out, ['name,note', 'plain,"a,b"', 'tab,x\ty', 'quote,"say ""hi"""']);
});

test('tsv quotes tabs', () => {
  const out = getTool('tsv').run(rows).split('\n');
  assert.deepStrictEqual(out, ['name\tnote', 'plain\ta,b', 'tab\t"x\ty"', 'quote\t"say ""hi"""']);
});
