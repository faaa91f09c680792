// Child process for the runtime checks: load one module, optionally evaluate an expression with
// the module bound to `m` (awaited), and print { keys, value } as JSON on stdout.
//   node load-child.mjs <file> <expr or "">
// The output also carries `types`: the typeof of each export, for the original's typeof checks.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [file, expr] = process.argv.slice(2);

async function load() {
  const require = createRequire(file);
  try {
    return require(file);
  } catch (err) {
    if (err && err.code === 'ERR_REQUIRE_ESM') return import(pathToFileURL(file).href);
    throw err;
  }
}

try {
  const m = await load();
  const keys = Object.keys(m).filter((k) => k !== '__esModule').sort();
  const types = Object.fromEntries(keys.map((k) => [k, typeof m[k]]));
  let value = null;
  if (expr) {
    const fn = new Function('m', `return (async () => (${expr}))();`);
    value = await fn(m);
  }
  process.stdout.write(JSON.stringify({ ok: true, keys, types, value: value === undefined ? null : value }));
  process.exit(0);
} catch (err) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(err && err.stack ? err.stack.split('\n')[0] : err) }));
  process.exit(0);
}
