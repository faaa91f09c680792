// The one table of red-exec's exit codes. The help text is generated from it and
// npm/red-exec/README.md repeats it (a test checks that the two agree).

export const EXIT = Object.freeze({
  OK: 0,
  PARTIAL: 1,
  USAGE: 2,
  CONFIG: 3,
  INPUT: 4,
  MODEL_AUTH: 5,
  MODEL_UNAVAILABLE: 6,
  MODEL_ANSWER: 7,
  WRITE_FAILED: 8,
  VERIFY_FAILED: 9,
  UNDO_REFUSED: 10,
  CONFLICT: 11,
  LOCKED: 12,
  BUDGET: 13,
  INTERNAL: 70,
  HANGUP: 129,
  INTERRUPTED: 130,
  TERMINATED: 143,
});

export const EXIT_TABLE = Object.freeze([
  { code: EXIT.OK, name: 'OK', meaning: 'every planned file was written (or deleted)' },
  { code: EXIT.PARTIAL, name: 'blocked', meaning: 'a file was blocked by the gate or failed: FAILED (blocked) with nothing written (a plan is written whole or not at all), or with --partial PARTIAL: only the files that do not import it were written' },
  { code: EXIT.USAGE, name: 'usage', meaning: 'unknown flag, missing or empty task (argument, standard input or --task-file), no --files, a red-exec file in --files (.red-exec.json, .red-exec-logs/...), --trust with no .red-exec.json, bad option value, --init-skill target exists, completion without bash or zsh, --commit that cannot commit (no git, no repository, staged changes, an uncommitted file in scope), a --base-url holding a key (user:pass@ or a key-like query parameter; not shown)' },
  { code: EXIT.CONFIG, name: 'config', meaning: 'unknown model, missing API key, a bad config file (.red-exec.json or the user config), replay log, --run-id, --undo run, --skill or --task-file file not found, a run id (--run-id, --undo, --replay, .red-exec-logs/last-run) not in the run-id format (20261201-120637-f18f4a), a base URL in the environment or a config file holding a key' },
  { code: EXIT.INPUT, name: 'input', meaning: 'a listed file is unreadable (directory, binary, not UTF-8, too large, outside the workspace), a MODIFY target is missing, or a prompt is over --context-budget or a unit too large for one answer' },
  { code: EXIT.MODEL_AUTH, name: 'model auth', meaning: 'the model server refused the key (401/403)' },
  { code: EXIT.MODEL_UNAVAILABLE, name: 'model unavailable', meaning: 'rate limit, server error, timeout or network failure after retries' },
  { code: EXIT.MODEL_ANSWER, name: 'model answer', meaning: 'the answer was unusable (no code, bad plan, bad response body, replay diverged)' },
  { code: EXIT.WRITE_FAILED, name: 'write failed', meaning: 'the workspace, .red-exec-logs/ or a --files target is not writable, or a file of red-exec\'s own (.red-exec-logs/ or anything in it) is a symbolic link (never followed: nothing is written or read through it) (checked before any model call; .red-exec-logs/ also holds the backups), or a checked file could not be written (the run\'s other changes are rolled back), a rollback or an --undo could not write, or the disk filled up (ENOSPC) in the workspace or in .red-exec-logs/ (the run stops there; every file is old or new; its log still ends with the result)' },
  { code: EXIT.VERIFY_FAILED, name: 'verify failed', meaning: 'the --verify command failed on every attempt; the files were restored (kept with --keep-on-fail)' },
  { code: EXIT.UNDO_REFUSED, name: 'undo refused', meaning: '--undo: a file changed since the run (without --force), the run is still going or was committed with --commit (use git revert), or its backup or journal is damaged; nothing changed' },
  { code: EXIT.CONFLICT, name: 'conflict', meaning: 'a file in scope changed on disk during the run (by you, another program or the --verify command): it was left as it is, the run\'s other changes were taken back, and what the run would have written is kept under .red-exec-logs/<run-id>/conflicts/' },
  { code: EXIT.LOCKED, name: 'locked', meaning: 'another red-exec run (or --undo) holds the workspace (.red-exec-logs/lock); nothing was done. A lock left by a killed run on this machine is taken over by itself' },
  { code: EXIT.BUDGET, name: 'budget exceeded', meaning: 'the run would go (estimated from its plan, before the first generation call) or went (after an answer) over --max-tokens or --max-cost; nothing was written. A --max-cost for a model without a price is refused before any call' },
  { code: EXIT.INTERNAL, name: 'internal', meaning: 'red-exec itself failed (a bug or a broken install): status CRASHED' },
  { code: EXIT.HANGUP, name: 'hangup', meaning: 'stopped by SIGHUP (the terminal closed): status INTERRUPTED, as for Ctrl-C' },
  { code: EXIT.INTERRUPTED, name: 'interrupted', meaning: 'stopped by Ctrl-C (SIGINT): the model call cancelled, the --verify check\'s process group stopped, unchecked changes restored; status INTERRUPTED' },
  { code: EXIT.TERMINATED, name: 'terminated', meaning: 'stopped by SIGTERM (kill, a service manager, CI cancelling the job): status INTERRUPTED, as for Ctrl-C' },
]);

/** The exit code of each error code the core stops a run with. The core's table of codes
 *  (crates/core/src/codes.rs, `errorCodes()`) is the source: tests/wasm/api.test.mjs fails when
 *  this differs from it. */
export const CORE_ERROR_EXIT = Object.freeze({
  input_task: EXIT.INPUT,
  input_files: EXIT.INPUT,
  input_path: EXIT.INPUT,
  input_missing: EXIT.INPUT,
  input_unreadable: EXIT.INPUT,
  input_over_budget: EXIT.INPUT,
  model_auth: EXIT.MODEL_AUTH,
  model_unavailable: EXIT.MODEL_UNAVAILABLE,
  model_answer: EXIT.MODEL_ANSWER,
  plan_invalid: EXIT.MODEL_ANSWER,
  // A file of the plan was blocked, so none was written: the same exit as PARTIAL.
  blocked: EXIT.PARTIAL,
  write_failed: EXIT.WRITE_FAILED,
  rollback_failed: EXIT.WRITE_FAILED,
  conflict: EXIT.CONFLICT,
  verify_failed: EXIT.VERIFY_FAILED,
  interrupted: EXIT.INTERRUPTED,
  budget_exceeded: EXIT.BUDGET,
  host_protocol: EXIT.INTERNAL,
});

/** Exit code for a RunResult returned by the core. */
export function exitCodeForResult(result) {
  if (!result || typeof result !== 'object') return EXIT.INTERNAL;
  if (result.status === 'OK') return EXIT.OK;
  if (result.status === 'PARTIAL') return EXIT.PARTIAL;
  if (result.status === 'VERIFY_FAILED') return EXIT.VERIFY_FAILED;
  if (result.status === 'INTERRUPTED') return EXIT.INTERRUPTED;
  // CRASHED: the core found red-exec itself at fault (a bug), whatever the code.
  if (result.status === 'CRASHED') return EXIT.INTERNAL;
  // FAILED: the error code says whose the failure is.
  const code = (result.error && result.error.code) || '';
  if (Object.hasOwn(CORE_ERROR_EXIT, code)) return CORE_ERROR_EXIT[code];
  // A code of the host's own (e.g. a failed run log is write_failed, in the table).
  if (code.startsWith('input_')) return EXIT.INPUT;
  return EXIT.MODEL_ANSWER;
}

/** The table as aligned text lines, for --help. */
export function exitTableText(indent = '  ') {
  return EXIT_TABLE.map((row) => `${indent}${String(row.code).padStart(3)}  ${row.name.padEnd(18)}${row.meaning}`).join('\n');
}
