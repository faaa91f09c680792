'use strict';

const fs = require('node:fs');
const { format, formats } = require('./formatters');

/** Write rows to `file` in the format its extension names. */
function exportRows(rows, file) {
  const kind = file.slice(file.lastIndexOf('.') + 1);
  if (!formats.includes(kind)) throw new Error(`cannot export to .${kind} (use ${formats.map((f) => `.${f}`).join(', ')})`);
  fs.writeFileSync(file, format(kind, rows));
  return file;
}

module.exports = { exportRows };
