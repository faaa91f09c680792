'use strict';
// Export rows as tab-separated text. Tabs and newlines inside values become spaces.

function exportTsv(rows) {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]);
  const clean = (value) => (value === null || value === undefined ? '' : String(value)).replace(/[\t\n]/g, ' ');
  const lines = [columns.map(clean).join('\t')];
  for (const row of rows) lines.push(columns.map((c) => clean(row[c])).join('\t'));
  return lines.join('\n');
}

module.exports = { exportTsv };
