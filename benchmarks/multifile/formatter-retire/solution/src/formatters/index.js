'use strict';

const { formatJson } = require('./json');
const { formatCsv } = require('./csv');

const FORMATTERS = {
  json: formatJson,
  csv: formatCsv,
};

/** Format a value as `kind`; an unknown kind names the ones there are. */
function format(kind, value) {
  const formatter = FORMATTERS[kind];
  if (!formatter) throw new Error(`unknown format "${kind}" (known: ${Object.keys(FORMATTERS).join(', ')})`);
  return formatter(value);
}

const formats = Object.keys(FORMATTERS);

module.exports = { format, formats, formatJson, formatCsv };
