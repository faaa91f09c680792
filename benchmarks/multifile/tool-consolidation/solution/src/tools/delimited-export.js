'use strict';
// Export rows (plain objects with the same keys) as delimiter-separated text. A value holding the
// delimiter, a double quote or a newline is quoted, with inner quotes doubled (RFC 4180 style).

function exportDelimited(rows, { delimiter = ',' } = {}) {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]);
  const quote = (value) => {
    const s = value === null || value === undefined ? '' : String(value);
    const special = s.includes(delimiter) || s.includes('"') || s.includes('\n');
    return special ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.map(quote).join(delimiter)];
  for (const row of rows) lines.push(columns.map((c) => quote(row[c])).join(delimiter));
  return lines.join('\n');
}

module.exports = { exportDelimited };
