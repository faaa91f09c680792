// `red-exec --version`, answered without loading the wasm or the CLI's other modules (CLI
// start-up, issue 20: compiling the core alone took longer than Node's own start). The core's
// version is its package's: the package the CLI resolves, whose build the crate's version names
// (tests/wasm/api.test.mjs holds the wasm to the crate, tests/cli/args.test.mjs the CLI to the
// package). Imports only node:fs and node:path.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION_FLAGS = new Set(['--version', '-v', '-V']);

/** argv asks only for the version (with or without --json): nothing else to parse or check. */
export function onlyVersion(argv) {
  const flags = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : undefined);
  return flags.length === argv.length && flags.some((a) => VERSION_FLAGS.has(a)) && flags.every((a) => VERSION_FLAGS.has(a) || a === '--json');
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

/**
 * The two versions, the core's read from the package Node resolves for `@codemaestro/core` (a
 * missing package, or one whose wasm was never built, throws as loading it would).
 */
export function versions() {
  const cli = readJson(fileURLToPath(new URL('../package.json', import.meta.url))).version;
  const entry = fileURLToPath(import.meta.resolve('@codemaestro/core'));
  const dir = path.dirname(entry);
  if (!fs.existsSync(path.join(dir, 'dist', 'red_exec_wasm_bg.wasm'))) {
    throw new Error(`${path.join(dir, 'dist', 'red_exec_wasm_bg.wasm')} is missing (red_exec_wasm)`);
  }
  return { cli, core: readJson(path.join(dir, 'package.json')).version };
}

/** What --version prints (`json`: the --json object), with `EXIT_OK` as its exit code. */
export function versionText({ cli, core }, json, EXIT_OK) {
  return json
    ? `${JSON.stringify({ status: 'OK', name: 'red-exec', version: cli, core, exitCode: EXIT_OK }, null, 2)}\n`
    : `red-exec ${cli}${core === cli ? '' : ` (core ${core})`}\n`;
}
