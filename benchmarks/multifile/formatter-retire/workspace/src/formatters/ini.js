'use strict';

// Legacy: one [section] per top-level object, key=value lines for scalars.
function formatIni(config) {
  const out = [];
  const scalars = Object.entries(config).filter(([, v]) => typeof v !== 'object' || v === null);
  for (const [key, value] of scalars) out.push(`${key}=${value}`);
  for (const [name, section] of Object.entries(config)) {
    if (typeof section !== 'object' || section === null) continue;
    out.push('', `[${name}]`);
    for (const [key, value] of Object.entries(section)) out.push(`${key}=${value}`);
  }
  return `${out.join('\n')}\n`;
}

module.exports = { formatIni };
