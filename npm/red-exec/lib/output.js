// What red-exec prints: help, the report, diffs, and the one-line failure message.

import { exitTableText } from './exit-codes.js';
import { PROVIDERS, DEFAULT_MODEL } from './models.js';

export function helpText(known) {
  const models = known
    ? Object.keys(known)
        .sort()
        .map((name) => {
          const p = PROVIDERS[known[name].provider];
          return `    ${name.padEnd(20)}${p ? p.keyEnv : known[name].provider}`;
        })
        .join('\n')
    : '    (the core is not loaded, so the model list is unavailable)';
  return `red-exec: a governed AI coding executor. A task and a bounded file list in, checked code out.

USAGE
  red-exec "<task>" --files <a.js,b.js>      paths are relative to the workspace
  red-exec "<task>" --files a.js b.js        every argument up to the next flag is a file
  red-exec --init-skill [--workspace <dir>] [--out <file>] [--force]
  red-exec --export-debug --run-id <id|last> [--workspace <dir>]
  red-exec --undo [<run-id>] [--force] [--json] [--workspace <dir>]
  red-exec --runs [--json] [--workspace <dir>]

OPTIONS
  --files <paths>          files the task may read and write (comma- or space-separated)
  --workspace <dir>        workspace directory (default: the current directory)
  --model <name>           model (default: $LLM_MODEL, else ${DEFAULT_MODEL})
  --base-url <url>         any OpenAI-compatible server (llama.cpp, vLLM, Ollama...);
                           any model name, key optional (default: $RED_EXEC_BASE_URL)
  --max-retries <n>        fresh retries of a unit whose answer fails checks (default 2)
  --gate <mode>            block | warn | off (default block)
  --no-gate                same as --gate off
  --module-format <fmt>    auto | cjs | esm (default auto)
  --timeout <seconds>      limit for one model call (default 120)
  --json                   print the run result as JSON instead of the report
  --diff                   print each file's unified diff after the report
  --replay <log|run-id>    answer model calls from a recorded events.jsonl (no key, no network)
  --quiet                  no progress line and no report (errors still go to stderr)
  --read <paths>           read-only context files (repeatable, comma-separated); never written
  --skill <file.md>        conventions for the model, e.g. from --init-skill (repeatable)
  --context-budget <n>     largest prompt one model call may send, in tokens (default 24000)
  --dry-run                run on a temporary copy; print the diffs, change nothing
  --verify <command>       after the writes, run <command> in the workspace (sh -c); if it
                           fails, restore every file and retry with the end of its output
                           (up to --max-retries times), else exit 9 with the files restored
  --verify-timeout <secs>  limit for one run of the check (default 300)
  --keep-on-fail           keep the writes when the check fails (exit 9 all the same)
  --no-verify              skip the check set in .red-exec.json
  --report                 write the Markdown run report to .red-exec-logs/report.md
  --commit                 after an OK run, git commit exactly the files it changed (message:
                           the task's first line and the run id); refused before the run if
                           the index has staged changes or a file in --files is uncommitted
  --export-debug           write .red-exec-logs/<run-id>/debug-<run-id>.zip (events, prompts,
                           answers, written files; never the key); automatic when a run crashes
  --run-id <id|last>       with --export-debug and no task: the bundle of an earlier run
  --init-skill             write a starter skill file (.red-exec-skill.md) from the project's
                           sources and package.json
  --out <file>             with --init-skill: where to write it
  --force                  with --init-skill: overwrite an existing file; with --undo:
                           restore files changed since the run (their versions are kept),
                           or the files of a committed run (the commit stays)
  --undo [<run-id>]        put back every file the run (default: the last) wrote or deleted,
                           from its backup; refused (exit 10) if a file changed since
  --runs                   list recent runs: id, start, status, files, task (--json too)
  -h, --help               this help
  --version                print the version

MODELS (name, key variable)
${models}
  With --base-url the key is $RED_EXEC_API_KEY, else the model's provider key if set, else none.

ENVIRONMENT
  DEEPSEEK_API_KEY, OPENAI_API_KEY   provider keys
  LLM_MODEL                          default model
  RED_EXEC_BASE_URL                  default --base-url
  RED_EXEC_API_KEY                   key sent to --base-url servers
  RED_EXEC_RETRY_BASE_MS             first retry delay in ms (default 500; then x4)
  NO_COLOR                           no colour in the progress line
  RED_EXEC_CRASH_AT                  test hook: <point>:<n> kills a run (or --undo) at one of its write steps;
                                     core-panic:<n> makes the core panic at a run's n-th event

PROJECT CONFIG
  .red-exec.json at the workspace root sets defaults; flags win. Keys: verify, verifyTimeout
  (seconds), keepOnFail, maxRetries, gate, moduleFormat, contextBudget, timeout (seconds).
  Example: { "verify": "npm test", "verifyTimeout": 120 }

LOGS AND BACKUPS
  Each run writes .red-exec-logs/<run-id>/events.jsonl in the workspace and records its
  id in .red-exec-logs/last-run. Replay one with --replay <run-id>. Every gate decision
  that blocks or warns is appended to .red-exec-logs/violations.jsonl. A .gitignore of *
  in .red-exec-logs/ keeps all of it out of git status.
  Before a run changes a file it copies the original to .red-exec-logs/<run-id>/backup/ and
  notes the change in journal.jsonl there: --undo works even for a run that was killed.

EXIT CODES
${exitTableText('  ')}
`;
}

/**
 * `text` safe for a terminal: control characters (a NUL in a path, an escape sequence in a
 * model's answer) shown as \\uXXXX instead of acting on the terminal.
 */
export function printable(text) {
  return String(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function oneLine(text) {
  return String(text).replace(/\s*\n\s*/g, ' ').trim();
}

function stripPath(message, file) {
  const prefix = `${file}: `;
  return String(message).startsWith(prefix) ? String(message).slice(prefix.length) : String(message);
}

/** The single stderr line for a run that did not end OK (without the "red-exec: " prefix). */
export function failureMessage(result) {
  if (!result) return 'the run did not complete';
  if (result.status === 'PARTIAL') {
    const bad = (result.files || []).filter((f) => f.outcome === 'blocked' || f.outcome === 'failed');
    const parts = bad.map((f) => {
      const why = f.violations && f.violations.length > 0
        ? f.violations.map((v) => `${v.rule}: ${stripPath(v.message, f.path)}`).join(', ')
        : f.error || 'no usable answer';
      return `${f.path} ${f.outcome} (${why})`;
    });
    const head = `partial: ${bad.length} of ${(result.files || []).length} file(s) not written`;
    const detail = parts.length > 0 ? `: ${parts.join('; ')}` : '';
    const msg = result.error ? `; ${result.error.message}` : '';
    return oneLine(`${head}${detail}${msg}`);
  }
  if (result.error) return oneLine(`${result.error.message} [${result.error.code}]`);
  return oneLine(`run ended ${result.status}`);
}

/** The diffs of all changed files, in plan order. */
export function diffsText(result) {
  // A rolled-back file's diff is what was tried, not what is on disk: the report says so instead.
  const diffs = (result.files || [])
    .filter((f) => f.outcome !== 'rolled_back')
    .map((f) => f.diff)
    .filter((d) => typeof d === 'string' && d.length > 0);
  return diffs.map((d) => (d.endsWith('\n') ? d : `${d}\n`)).join('\n');
}
