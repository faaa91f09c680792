'use strict';
// `node src/cli.js csv < rows.json` prints the rows in the chosen format.

const { getTool } = require('./tools');

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const rows = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  process.stdout.write(`${getTool(process.argv[2] || 'csv').run(rows)}\n`);
});
