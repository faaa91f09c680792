'use strict';
// Plain-text sales report: one line per day, a total at the end.

const { titleCase, padRight, groupThousands } = require('./utils');
const { formatDate } = require('./dates');

/** rows: [{ day: Date, region: string, amount: number }] -> report text */
function renderReport(rows) {
  const lines = rows.map((r) => `${formatDate(r.day)}  ${padRight(titleCase(r.region), 10)}${groupThousands(r.amount)}`);
  const total = rows.reduce((sum, r) => sum + r.amount, 0);
  lines.push(`${padRight('Total', 22)}${groupThousands(total)}`);
  return lines.join('\n');
}

module.exports = { renderReport };
