// One child process run to its end with a time limit: its output (the last 100-200 kB) and exit code.

import { spawn } from 'node:child_process';

/**
 * Resolves { code, timedOut, output }. The child leads its own process group, so the time limit
 * kills what it started too (npm's sh and jest, a harness's agent), and so does aborting `signal`.
 * A command that cannot start is code 127.
 */
export function spawnCollect(cmd, args, { cwd, env, timeoutMs, signal }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const keep = (c) => {
      output += c;
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    // `signal`: a caller stopping the run (Ctrl-C on a live benchmark) stops the group too.
    if (signal?.aborted) killGroup();
    else signal?.addEventListener('abort', killGroup, { once: true });
    // A run of many items shares one signal: each child's listener goes when the child does.
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', killGroup);
    };
    child.on('error', (err) => {
      done();
      resolve({ code: 127, timedOut, output: `${output}${err.message}` });
    });
    child.on('close', (code, signal) => {
      done();
      resolve({ code: code ?? (signal ? 128 : 1), timedOut, output });
    });
  });
}
