'use strict';
// Export rows (plain objects with the same keys) as comma-separated text.

function exportCsv(rows) {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]);
  const quote = (value) => {
    const s = value === null || value === undefined ? '' : String(value);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.map(quote).join(',')];
  for (const row of rows) lines.push(columns.map((c) => quote(row[c])).join(','));
  return lines.join('\n');
}

module.exports = { exportCsv };
