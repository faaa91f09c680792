#!/usr/bin/env node
// red-exec command-line entry point. All the work is in ../lib/main.js.

import { main } from '../lib/main.js';

function finish(code) {
  // Let piped output drain, then exit even if a keep-alive socket lingers.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process,
}).then(finish, (err) => {
  process.stderr.write(`red-exec: internal error: ${err && err.stack ? err.stack : err}\n`);
  finish(70);
});
