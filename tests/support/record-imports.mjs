// `node --import ./record-imports.mjs ...`: every module URL the process loads is appended to the
// file $RECORD_IMPORTS (one a line), so a test can tell what a command paid for at start-up.

import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  fs.appendFileSync(${JSON.stringify(process.env.RECORD_IMPORTS)}, r.url + '\\n');
  return r;
}
`)}`,
);
