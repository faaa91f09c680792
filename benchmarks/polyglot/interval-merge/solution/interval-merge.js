'use strict';

function mergeIntervals(list) {
  const sorted = list.map(([a, b]) => [a, b]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

function totalCovered(list) {
  return mergeIntervals(list).reduce((sum, [a, b]) => sum + (b - a), 0);
}

module.exports = { mergeIntervals, totalCovered };
