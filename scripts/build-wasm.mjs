#!/usr/bin/env node
// Builds the wasm core as described by wasm-pack.toml: cargo -> wasm-bindgen -> wasm-opt, into one output.
// Usage: node scripts/build-wasm.mjs   (or: npm run build)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse } from 'smol-toml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WASM_TARGET = 'wasm32-unknown-unknown';
const MIN_RUSTC = [1, 96];
const started = Date.now();

function fail(msg) {
  console.error(`build-wasm: error: ${msg}`);
  process.exit(1);
}
const readToml = (p) => parse(readFileSync(join(ROOT, p), 'utf8'));
// stdout of a command, or null when it cannot run.
function output(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
function run(cmd, args, opts = {}) {
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.error) fail(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} exited with ${r.status ?? r.signal}`);
}
function rustcOk(rustc, env) {
  const m = /^rustc (\d+)\.(\d+)/.exec(output(rustc, ['--version'], env) ?? '');
  return !!m && (+m[1] > MIN_RUSTC[0] || (+m[1] === MIN_RUSTC[0] && +m[2] >= MIN_RUSTC[1]));
}

// ---- configuration -------------------------------------------------------------------------------------------
const cfg = readToml('wasm-pack.toml');
const crateDir = cfg.crate?.path ?? fail('wasm-pack.toml: [crate] path is missing');
const profile = cfg.crate.profile ?? 'release';
const outName = cfg.crate['out-name'] ?? fail('wasm-pack.toml: [crate] out-name is missing');
const { target, 'out-dir': outDir } = cfg.output ?? fail('wasm-pack.toml: [output] is missing');
// npm/core/node.mjs calls the glue's initSync() and web.mjs its default init(): only the "web" glue has both.
if (target !== 'web') fail(`wasm-pack.toml: [output] target must be "web" (npm/core loads that glue in Node and browsers), not ${JSON.stringify(target)}`);
if (!outDir) fail('wasm-pack.toml: [output] out-dir is missing');
const keepNames = cfg.debug?.['keep-names'] ?? false;
const keepDwarf = cfg.debug?.['keep-dwarf'] ?? false;
const opt = cfg['wasm-opt'] ?? { enabled: false };
const stdFeatures = cfg.std?.features ?? [];
const crateName = readToml(join(crateDir, 'Cargo.toml')).package.name;

// The wasm-bindgen CLI must be exactly the version the crate pins with `=x.y.z`.
const wbDep = readToml('Cargo.toml').workspace?.dependencies?.['wasm-bindgen']
  ?? readToml(join(crateDir, 'Cargo.toml')).dependencies?.['wasm-bindgen'];
const wbPin = /^=(\d+\.\d+\.\d+)$/.exec(typeof wbDep === 'string' ? wbDep : wbDep?.version ?? '')?.[1]
  ?? fail('wasm-bindgen must be pinned as "=x.y.z" in Cargo.toml');

// ---- toolchain route -----------------------------------------------------------------------------------------
const cargoBin = join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin');
let env = { ...process.env };
let cargoArgs = ['build', '--target', WASM_TARGET, '--profile', profile, '-p', crateName];
const libdir = output('rustc', ['--print', 'target-libdir', '--target', WASM_TARGET]);
const hasWasmStd = !!libdir && existsSync(libdir) && readdirSync(libdir).some((f) => /^libstd-.*\.rlib$/.test(f));
if (rustcOk('rustc') && hasWasmStd) {
  console.log(`route a: rustc in PATH (${output('rustc', ['--version'])}) has a ${WASM_TARGET} std`);
  // A prebuilt std has its features fixed: say so rather than build a different wasm silently.
  if (stdFeatures.length > 0) console.log(`route a: wasm-pack.toml [std] features (${stdFeatures.join(', ')}) need a std built here (route b); the prebuilt one is used as it is`);
} else if (rustcOk('/usr/bin/rustc') && existsSync('/usr/lib/rustlib/src/rust/library')) {
  // Debian's rustc-web: std is compiled from rust-web-src (needs RUSTC_BOOTSTRAP on a stable rustc), linked by lld.
  console.log(`route b: Debian ${output('/usr/bin/rustc', ['--version'])} with -Z build-std and wasm-ld`);
  const rest = (process.env.PATH ?? '').split(delimiter).filter((p) => p && p !== '/usr/bin');
  env = {
    ...env,
    PATH: ['/usr/bin', ...rest, cargoBin].join(delimiter),
    RUSTC: '/usr/bin/rustc',
    RUSTC_BOOTSTRAP: '1',
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER: 'wasm-ld',
  };
  if (!output('wasm-ld', ['--version'], env)) fail('wasm-ld not found: apt-get install lld (or run scripts/setup.sh)');
  cargoArgs.push('-Z', 'build-std=std,panic_abort');
  if (stdFeatures.length > 0) cargoArgs.push('-Z', `build-std-features=${stdFeatures.join(',')}`);
} else {
  fail(`no usable Rust toolchain: need rustc >= ${MIN_RUSTC.join('.')} with a ${WASM_TARGET} std (rustup target add ${WASM_TARGET}),` +
    ` or Debian's rustc-web + rust-web-src + lld in /usr/bin. Run: bash scripts/setup.sh`);
}

// wasm-bindgen: the first of $WASM_BINDGEN, ~/.cargo/bin, PATH whose version matches the pin.
const candidates = [process.env.WASM_BINDGEN, join(cargoBin, 'wasm-bindgen'), 'wasm-bindgen'].filter(Boolean);
const found = candidates.map((c) => [c, output(c, ['--version'])]).filter(([, v]) => v);
const wasmBindgen = found.find(([, v]) => v.split(/\s+/)[1] === wbPin)?.[0]
  ?? fail(`wasm-bindgen ${wbPin} is required (pinned in Cargo.toml); found: ${found.map(([c, v]) => `${c}: ${v}`).join(', ') || 'none'}.` +
    ` Install it: cargo install wasm-bindgen-cli --version =${wbPin}`);

let wasmOpt = null;
if (opt.enabled) {
  wasmOpt = join(ROOT, 'node_modules', 'binaryen', 'bin', 'wasm-opt');
  if (!existsSync(wasmOpt)) fail('node_modules/binaryen is missing (wasm-opt is enabled): run npm install');
}

// ---- build ---------------------------------------------------------------------------------------------------
// json-render-diagnostics: human output on stderr, artifact records on stdout (to find the .wasm wherever target/ is).
console.log(`$ cargo ${cargoArgs.join(' ')}`);
const cargo = spawnSync('cargo', [...cargoArgs, '--message-format=json-render-diagnostics'],
  { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
if (cargo.status !== 0) fail(`cargo build failed (exit ${cargo.status ?? cargo.signal})`);
const built = cargo.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
  .filter((m) => m.reason === 'compiler-artifact' && m.target.kind.includes('cdylib'))
  .flatMap((m) => m.filenames).find((f) => f.endsWith('.wasm'))
  ?? fail(`cargo produced no .wasm for ${crateName} (is it a cdylib?)`);

const dir = join(ROOT, outDir);
mkdirSync(dir, { recursive: true });
run(wasmBindgen, ['--target', target, '--out-dir', dir, '--out-name', outName,
  ...(keepNames ? [] : ['--remove-name-section']), ...(keepDwarf ? ['--keep-debug'] : []), built]);
const wasm = join(dir, `${outName}_bg.wasm`);
if (wasmOpt) run(wasmOpt, [...(opt.flags ?? []), ...(keepNames || keepDwarf ? ['-g'] : []), wasm, '-o', wasm]);

// ---- report --------------------------------------------------------------------------------------------------
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`\ncargo output: ${kb(readFileSync(built).length)} (${built})`);
const shipped = readFileSync(wasm);
console.log(`${outDir}/${outName}_bg.wasm: ${kb(shipped.length)} raw, ${kb(gzipSync(shipped, { level: 9 }).length)} gzipped`);
console.log(`build-wasm: done in ${((Date.now() - started) / 1000).toFixed(1)} s${wasmOpt ? ' (wasm-opt ' + (opt.flags ?? []).join(' ') + ')' : ' (no wasm-opt)'}`);
