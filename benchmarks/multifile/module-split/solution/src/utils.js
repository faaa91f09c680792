'use strict';
// Shared helpers for the reporting service. Three families live here: strings, dates, numbers.

// ---------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------

/** Upper-case the first letter of every word. */
function titleCase(text) {
  return String(text)
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}

/** Cut text to at most `max` characters, ending with an ellipsis when cut. */
function ellipsize(text, max) {
  const s = String(text);
  if (s.length <= max) return s;
  if (max <= 1) return '…'.slice(0, max);
  return `${s.slice(0, max - 1)}…`;
}

/** Pad a label on the right so columns line up in plain-text reports. */
function padRight(text, width) {
  const s = String(text);
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

// Dates moved to ./dates; re-exported so existing callers keep working.
const { parseIsoDate, formatDate, addDays, daysBetween } = require('./dates');

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/** Round to `digits` decimals without the binary surprises of toFixed on .5 values. */
function roundTo(value, digits) {
  const factor = 10 ** digits;
  return Math.round((value + Number.EPSILON) * factor) / factor;
}

/** Percentage of part in whole, rounded to one decimal; 0 when whole is 0. */
function percent(part, whole) {
  if (whole === 0) return 0;
  return roundTo((part / whole) * 100, 1);
}

/** Thousands separators with a plain comma, independent of the machine's locale. */
function groupThousands(n) {
  const [int, frac] = String(Math.abs(n)).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

/** Clamp a number into [min, max]. */
function clamp(value, min, max) {
  return Math.min(max, Math.max(min, value));
}

/** Arithmetic mean of a list; NaN for an empty list so callers notice. */
function mean(values) {
  if (values.length === 0) return NaN;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Median of a list (average of the middle two for even lengths). */
function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

module.exports = {
  titleCase,
  ellipsize,
  padRight,
  parseIsoDate,
  formatDate,
  addDays,
  daysBetween,
  roundTo,
  percent,
  groupThousands,
  clamp,
  mean,
  median,
};
