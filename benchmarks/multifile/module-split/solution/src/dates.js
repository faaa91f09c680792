'use strict';
// Date helpers (all in UTC: reports are compared across time zones).

const MS_PER_DAY = 24 * 60 * 60 * 1000;

function pad2(n) {
  return n < 10 ? `0${n}` : String(n);
}

/** Parse `YYYY-MM-DD` as midnight UTC; throws on anything else. */
function parseIsoDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text));
  if (!m) throw new Error(`not an ISO date: ${text}`);
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (date.getUTCMonth() !== Number(m[2]) - 1) throw new Error(`no such day: ${text}`);
  return date;
}

/** Format a Date as `YYYY-MM-DD` (UTC). */
function formatDate(date) {
  return `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}`;
}

/** A new Date `days` days after `date` (negative goes back). */
function addDays(date, days) {
  return new Date(date.getTime() + days * MS_PER_DAY);
}

/** Whole days from `a` to `b` (negative when b is earlier). */
function daysBetween(a, b) {
  return Math.round((b.getTime() - a.getTime()) / MS_PER_DAY);
}

module.exports = { parseIsoDate, formatDate, addDays, daysBetween };
