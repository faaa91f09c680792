'use strict';

const escapeXml = (text) => String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

// Legacy: <rows><row key="value" .../></rows>.
function formatXml(rows) {
  const body = rows.map((row) => {
    const attrs = Object.entries(row).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
    return `  <row${attrs}/>`;
  });
  return `<rows>\n${body.join('\n')}\n</rows>\n`;
}

module.exports = { formatXml };
