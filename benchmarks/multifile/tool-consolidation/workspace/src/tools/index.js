'use strict';
// The export tools the CLI offers, by name.

const { exportCsv } = require('./csv-export');
const { exportTsv } = require('./tsv-export');

const tools = [
  { name: 'csv', description: 'comma-separated values', run: exportCsv },
  { name: 'tsv', description: 'tab-separated values', run: exportTsv },
];

function getTool(name) {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`unknown export tool: ${name} (known: ${tools.map((t) => t.name).join(', ')})`);
  return tool;
}

module.exports = { tools, getTool };
