'use strict';
// The export tools the CLI offers, by name.

const { exportDelimited } = require('./delimited-export');

const tools = [
  { name: 'csv', description: 'comma-separated values', run: (rows) => exportDelimited(rows, { delimiter: ',' }) },
  { name: 'tsv', description: 'tab-separated values', run: (rows) => exportDelimited(rows, { delimiter: '\t' }) },
];

function getTool(name) {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`unknown export tool: ${name} (known: ${tools.map((t) => t.name).join(', ')})`);
  return tool;
}

module.exports = { tools, getTool };
