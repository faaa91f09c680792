'use strict';

function cell(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows (objects) as CSV; the header is the union of the rows' keys, in first-seen order. */
function formatCsv(rows) {
  const header = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!header.includes(key)) header.push(key);
  const lines = [header.map(cell).join(',')];
  for (const row of rows) lines.push(header.map((key) => cell(row[key])).join(','));
  return `${lines.join('\n')}\n`;
}

module.exports = { formatCsv };
