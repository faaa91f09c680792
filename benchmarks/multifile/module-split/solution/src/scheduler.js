'use strict';
// Which days a recurring report runs on, and how long until the next one.

const { parseIsoDate, formatDate, addDays, daysBetween } = require('./dates');
const { clamp } = require('./utils');

/** Every `everyDays`-th day from `startIso` (inclusive), `count` of them, as ISO dates. */
function runDays(startIso, everyDays, count) {
  const start = parseIsoDate(startIso);
  const step = clamp(everyDays, 1, 365);
  return Array.from({ length: count }, (_, i) => formatDate(addDays(start, i * step)));
}

/** Days from `todayIso` until the next run of a schedule starting at `startIso`. */
function daysUntilNext(startIso, everyDays, todayIso) {
  const elapsed = daysBetween(parseIsoDate(startIso), parseIsoDate(todayIso));
  if (elapsed <= 0) return -elapsed;
  const rest = elapsed % everyDays;
  return rest === 0 ? 0 : everyDays - rest;
}

module.exports = { runDays, daysUntilNext };
