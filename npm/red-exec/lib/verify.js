// Runs the user's check command (`--verify`) for the core: in the workspace, through the shell,
// in its own process group so a timeout or Ctrl-C stops everything it started.

import { spawn } from 'node:child_process';
import { KEY_VARIABLES } from './models.js';
import { looksSecret } from './redact.js';

/** Output kept in memory: the core only wants the end, where runners print failures and totals. */
const KEEP_BYTES = 64 * 1024;
/** After SIGTERM, how long a command may take to exit before its group gets SIGKILL. */
const GRACE_MS = 2000;

/**
 * Variables that look like secrets, kept from the check unless passed with --pass-env NAME: the
 * check runs the project's code (and whatever a model wrote into it), which may print or send
 * its environment.
 */
export const SECRET_ENV = /(^|_)(TOKEN|SECRET|KEY|PASSWORD|PASSWD|PASS|CREDENTIALS?|AUTH|COOKIE)(_|$)|SECRET|TOKEN|PASSWORD|API_?KEY|^AWS_|^AZURE_|^GCP_|^GOOGLE_APPLICATION_CREDENTIALS$|^GH_|^GITHUB_TOKEN$|^NPM_TOKEN$|^NODE_AUTH_TOKEN$|^SSH_AUTH_SOCK$|^DOCKER_AUTH|^KUBECONFIG$/i;

/** Whether the variable `name` is kept from the check by default. */
export function looksSecretVariable(name) {
  return SECRET_ENV.test(name);
}

/**
 * The check's environment: ours without the model keys (a test has no use for them, and may
 * print its env) and without anything named like a secret, except the names in `passEnv`
 * (--pass-env, typed by the user; a model key is never passed).
 */
export function verifyEnv(env, apiKey, passEnv = []) {
  const out = {};
  const pass = new Set(passEnv);
  for (const [name, value] of Object.entries(env)) {
    if (KEY_VARIABLES.includes(name)) continue;
    if (looksSecretVariable(name) && !pass.has(name)) continue;
    // Set when red-exec itself runs under `node --test`: a check running `node --test` would
    // then report to that parent instead of exiting non-zero on failure.
    if (name === 'NODE_TEST_CONTEXT') continue;
    // A value holding the key goes too; a dummy key (`ollama`) is no secret, and would drop PATH and HOME.
    if (looksSecret(apiKey) && typeof value === 'string' && value.includes(apiKey)) continue;
    out[name] = value;
  }
  out.RED_EXEC_VERIFY = '1';
  return out;
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Run `command` with `sh -c` in `cwd`. Resolves { exitCode, signal, timedOut, durationMs, output }
 * (output: stdout and stderr interleaved, the last 64 KiB, redacted). Rejects with
 * code 'interrupted' when `signal` aborts, or the spawn error when the shell cannot start.
 */
export function runVerify({ command, cwd, timeoutMs, env, signal, redact = (s) => s }) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(Object.assign(new Error('interrupted before the check started'), { code: 'interrupted' }));
      return;
    }
    const started = performance.now();
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let chunks = [];
    let kept = 0;
    const keep = (chunk) => {
      chunks.push(chunk);
      kept += chunk.length;
      while (kept - chunks[0].length >= KEEP_BYTES) kept -= chunks.shift().length;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);

    let timedOut = false;
    let interrupted = false;
    let grace = null;
    const stop = () => {
      killGroup(child, 'SIGTERM');
      grace = setTimeout(() => killGroup(child, 'SIGKILL'), GRACE_MS);
      grace.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const onAbort = () => {
      interrupted = true;
      stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const settle = () => {
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
      signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (err) => {
      settle();
      reject(Object.assign(new Error(`could not run the check: ${err.message}`), { code: 'spawn' }));
    });
    let exited = null;
    child.on('exit', (exitCode, exitSignal) => {
      exited = { exitCode, exitSignal };
      // Whatever the command left running in its group goes with it (and lets the pipes close).
      killGroup(child, 'SIGKILL');
    });
    child.on('close', (closeCode, closeSignal) => {
      settle();
      const { exitCode, exitSignal } = exited ?? { exitCode: closeCode, exitSignal: closeSignal };
      if (interrupted) {
        reject(Object.assign(new Error('interrupted while the check was running'), { code: 'interrupted' }));
        return;
      }
      let bytes = Buffer.concat(chunks);
      if (bytes.length > KEEP_BYTES) bytes = bytes.subarray(bytes.length - KEEP_BYTES);
      chunks = [];
      resolve({
        exitCode,
        signal: exitSignal,
        timedOut,
        durationMs: Math.round(performance.now() - started),
        output: redact(bytes.toString('utf8')),
      });
    });
  });
}
