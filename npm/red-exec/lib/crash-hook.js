// Test hook: RED_EXEC_CRASH_AT=<point>:<n>[:SIGINT] makes the CLI signal its own process at
// exactly the n-th time it reaches <point> (SIGKILL unless SIGINT is named), so the crash test
// can stop a run between any two steps of the write phase, and --undo between any two of its
// own. Read once, when a run or an undo starts. One point is no signal: core-panic:<n> makes the
// core itself panic (its diagnostic entry point) at the n-th event of a run, so the internal-error
// path (CRASHED, exit 70, the automatic debug bundle) can be tested with a real wasm panic.

import { ConfigError } from './errors.js';

const CRASH_POINTS = Object.freeze([
  'after-journal', // a change is journaled (and its original backed up); the file is untouched
  'mid-write', // half of the new bytes are in the temp file (fsynced)
  'before-rename', // the temp file is complete; the target is still the old file
  'after-write', // the target was renamed into place; the journal has no done record yet
  'before-delete', // a delete is journaled; the file is still there
  'after-delete', // the file is gone; the journal has no done record yet
  'undo-before-rename', // --undo: a restored file is complete in its temp file, not yet in place
  'undo-after-step', // --undo: a file was restored or removed; the others are not yet
  'core-panic', // the n-th event of a run: the core panics (no signal)
]);

const SIGNALS = ['SIGKILL', 'SIGINT'];

/** Parse the variable; undefined or empty means no hook. Throws ConfigError when malformed. */
export function parseCrashAt(value) {
  if (value === undefined || value === '') return null;
  const m = /^([a-z-]+):([1-9]\d*)(?::(SIG[A-Z]+))?$/.exec(value);
  if (!m || !CRASH_POINTS.includes(m[1]) || (m[3] && !SIGNALS.includes(m[3]))) {
    throw new ConfigError(
      `RED_EXEC_CRASH_AT must be <point>:<n>[:SIGINT] with point one of ${CRASH_POINTS.join(', ')}, got "${value}"`,
    );
  }
  return { point: m[1], n: Number(m[2]), signal: m[3] ?? 'SIGKILL' };
}

/**
 * An async hook(point, prepare?) that counts each point and signals the process at the chosen
 * one, after awaiting prepare() (e.g. an fsync that only matters when the hook fires).
 */
export function createCrashHook(spec) {
  if (!spec) return async () => {};
  const seen = new Map();
  return async (point, prepare) => {
    const n = (seen.get(point) ?? 0) + 1;
    seen.set(point, n);
    if (point !== spec.point || n !== spec.n) return;
    if (prepare) await prepare();
    if (spec.signal === 'SIGKILL') {
      process.kill(process.pid, 'SIGKILL');
      // SIGKILL cannot be caught; nothing after this line runs.
      await new Promise(() => {});
    }
    // Wait for the CLI's own SIGINT handler to have run, so the next step sees the interrupt
    // exactly as if Ctrl-C had come at this point.
    // Signal handles do not keep Node's event loop alive: a timer does, until the signal lands.
    const keepAlive = setInterval(() => {}, 1000);
    const handled = new Promise((resolve) => process.once(spec.signal, resolve));
    process.kill(process.pid, spec.signal);
    await handled;
    clearInterval(keepAlive);
  };
}

/** The same for synchronous code (--undo): a hook(point) that never returns at its point. */
export function createSyncCrashHook(spec) {
  if (!spec) return () => {};
  const seen = new Map();
  return (point) => {
    const n = (seen.get(point) ?? 0) + 1;
    seen.set(point, n);
    if (point !== spec.point || n !== spec.n) return;
    process.kill(process.pid, spec.signal);
    // Nothing may run on after the signal: block until it lands (--undo has no SIGINT handler,
    // so either signal ends the process).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
    throw new Error(`RED_EXEC_CRASH_AT: ${spec.signal} at ${point}:${n} did not stop the process`);
  };
}
