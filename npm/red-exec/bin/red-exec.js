#!/usr/bin/env node
// red-exec command-line entry point. All the work is in ../lib/main.js.

function finish(code) {
  // Let piped output drain, then exit even if a keep-alive socket lingers.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

// lib/ imports @codemaestro/core (the wasm and its host kit) as it loads: an install without a
// working core fails here, and says so, rather than with Node's bare stack trace.
let main;
try {
  ({ main } = await import('../lib/main.js'));
} catch (err) {
  const text = String(err && err.stack ? err.stack : err);
  const fromCore = /@codemaestro[\\/]core|red_exec_wasm/.test(text);
  process.stderr.write(
    fromCore
      ? `red-exec: cannot load @codemaestro/core (is it built? run npm run build): ${err && err.message}\n`
      : `red-exec: internal error: ${text}\n`,
  );
  finish(70);
}

if (main) {
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
}
