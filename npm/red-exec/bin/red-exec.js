#!/usr/bin/env node
// red-exec command-line entry point. All the work is in ../lib/main.js.

import tty from 'node:tty';
import { EXIT } from '../lib/exit-codes.js';

function finish(code) {
  // Let piped output drain, then exit even if a keep-alive socket lingers.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

// lib/ imports @codemaestro/core (the wasm and its host kit) as it loads: an install without a
// working core fails here, and says so, rather than with Node's bare stack trace. Only
// exit-codes.js (which imports nothing) is loaded before. A bare --version loads neither the
// wasm nor the rest of lib/ (lib/version.js: start-up, issue 20), and fails the same way.
let main;
let stdinIsPiped;
let readStream;
let version;
try {
  const { onlyVersion, versions, versionText } = await import('../lib/version.js');
  if (onlyVersion(process.argv.slice(2))) version = versionText(versions(), process.argv.includes('--json'), EXIT.OK);
  else ({ main } = await import('../lib/main.js'));
  if (main) ({ stdinIsPiped, readStream } = await import('../lib/task-input.js'));
} catch (err) {
  const text = String(err && err.stack ? err.stack : err);
  const fromCore = /@codemaestro[\\/]core|red_exec_wasm/.test(text);
  const message = fromCore ? `cannot load @codemaestro/core (is it built? run npm run build): ${err && err.message}` : `internal error: ${text}`;
  process.stderr.write(`red-exec: ${message}\n`);
  // --json answers on this path too (main.js, which knows the shape, could not be loaded).
  const args = process.argv.slice(2);
  if (args.slice(0, args.includes('--') ? args.indexOf('--') : undefined).includes('--json')) {
    process.stdout.write(`${JSON.stringify({ status: 'CRASHED', error: { code: 'internal', message }, exitCode: EXIT.INTERNAL }, null, 2)}\n`);
  }
  finish(EXIT.INTERNAL);
}

if (version !== undefined) {
  process.stdout.write(version);
  finish(EXIT.OK);
} else if (main) {
  main(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process,
    // Only a pipe or a file is read for a task; a terminal or /dev/null is not.
    stdinPiped: stdinIsPiped(0),
    stdinIsTTY: tty.isatty(0),
    readStdin: () => readStream(process.stdin),
  }).then(finish, (err) => {
    process.stderr.write(`red-exec: internal error: ${err && err.stack ? err.stack : err}\n`);
    finish(EXIT.INTERNAL);
  });
}
