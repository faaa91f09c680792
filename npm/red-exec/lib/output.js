// What red-exec prints: help, the report, diffs, and the one-line failure message.

import { exitTableText } from './exit-codes.js';
import { PROVIDERS } from './models.js';
import { OPTIONS, optionLabel } from './args.js';
import { BENCH_OPTIONS, BENCH_USAGE } from './bench-commands.js';
import { RULE_FLAGS } from './words.js';

/** An options section from an option table: label in a 25-column field, then the help. */
function optionsText(options = OPTIONS) {
  return options.map((o) => {
    const label = optionLabel(o);
    const [first, ...more] = o.help.split('\n');
    const head = label.length < 25 ? `  ${label.padEnd(25)}${first}` : `  ${label}\n  ${' '.repeat(25)}${first}`;
    return [head, ...more.map((l) => `  ${' '.repeat(25)}${l}`)].join('\n');
  }).join('\n');
}

/** The help; `known` is the core's knownModels(), `rules` its gateRules(). */
export function helpText(known, rules) {
  const models = Object.keys(known)
    .sort()
    .map((name) => {
      const p = PROVIDERS[known[name].provider];
      return `    ${name.padEnd(20)}${p ? p.keyEnv : known[name].provider}`;
    })
    .join('\n');
  const gateRules = rules.map((r) => `  ${r.name.padEnd(23)}${r.summary}${RULE_FLAGS[r.name] ? ` (${RULE_FLAGS[r.name]})` : ''}`).join('\n');
  return `red-exec: a governed AI coding executor. A task and a bounded file list in, checked code out.

USAGE
  red-exec "<task>" --files <a.js,b.js>      paths are relative to the workspace
  red-exec "<task>" --files a.js b.js        every argument up to the next flag is a file
  red-exec - --files a.js < TASK.md          the task from standard input (or a pipe)
  red-exec --task-file TASK.md --files a.js  the task from a file
  red-exec --init-skill [--workspace <dir>] [--out <file>] [--force]
  red-exec --export-debug --run-id <id|last> [--workspace <dir>]
  red-exec --undo [<run-id>] [--force] [--json] [--workspace <dir>]
  red-exec --runs [--json] [--workspace <dir>]
  red-exec completion bash|zsh               print a shell completion script
  red-exec mcp [--http <port>] [--workspace <dir>] [run flags]
                                             serve red-exec's tools to an MCP client (Claude
                                             Code, Codex, Cursor...): governed_write, run_task,
                                             plan, dry_run, undo, runs, get_run (README: MCP)

OPTIONS
${optionsText()}

THE TASK
  The task is the one argument; "-" reads it from standard input, and so does a pipe when no
  task is given (echo "Add /health" | red-exec --files src/server.js). --task-file reads it
  from a file. An empty task is a usage error.

MODELS (name, key variable)
${models}
  A base URL (--base-url, $RED_EXEC_BASE_URL, the user config) gets $RED_EXEC_API_KEY, else no
  key; $OPENAI_BASE_URL gets $OPENAI_API_KEY; a provider key goes only to its provider's own
  host. A "baseUrl" from a project's .red-exec.json gets no key from the environment.
  A base URL holding a key (user:pass@host, or ?key= ?api_key= ?token= ?sig=...) is refused
  without showing it (exit 2 for --base-url, 3 from the environment or a config file).

ENVIRONMENT
  DEEPSEEK_API_KEY, OPENAI_API_KEY   provider keys
  LLM_MODEL                          default model
  RED_EXEC_BASE_URL                  default --base-url
  RED_EXEC_API_KEY                   key sent to the --base-url / $RED_EXEC_BASE_URL server
  OPENAI_BASE_URL                    base URL for every model (below $RED_EXEC_BASE_URL); its
                                     key is $OPENAI_API_KEY, as for the OpenAI SDKs
  XDG_CONFIG_HOME                    where the user config and trust store live (default ~/.config)
  RED_EXEC_TRUST_CONFIG              1: trust the project's .red-exec.json for this run (as --yes)
  RED_EXEC_RETRY_BASE_MS             first retry delay in ms (default 500; then x4)
  NO_COLOR                           no colour in the progress line
  RED_EXEC_CRASH_AT                  test hook: <point>:<n> kills a run (or --undo) at one of its write steps;
                                     core-panic:<n> makes the core panic at a run's n-th event

CONFIG FILES
  Defaults, below flags and environment variables: the project file (the first .red-exec.json
  found from the workspace up to the git root), then the user file
  ($XDG_CONFIG_HOME/red-exec/config.json, else ~/.config/red-exec/config.json). Keys: verify,
  verifyTimeout (seconds), keepOnFail, maxRetries, gate, moduleFormat, contextBudget,
  maxFileBytes, timeout (seconds), model, baseUrl. Example: { "verify": "npm test", "model": "qwen2.5-coder" }
  A project file's verify, gate (warn/off) and keepOnFail apply only once you trust its exact
  content (red-exec --trust; --yes for one run); until then each is ignored, with a warning.
  No run writes red-exec's own files (.red-exec.json, .red-exec-logs/, the skill file).

BENCHMARKS (from a clone of the repository after npm install; else exit 3)
${BENCH_USAGE.map(([usage, what]) => `  ${usage}\n      ${what}`).join('\n')}
${optionsText(BENCH_OPTIONS)}
  Exit 0: every check passed and no bad write reached disk; 1: otherwise; 2: a usage error or
  a refused checks.json (one line names the check and the key). With --live: 0 once every run
  is recorded (failures are results), 1 the server did not start, 130 stopped by Ctrl-C (the
  server is stopped; --resume continues). See benchmarks/README.md.

SHELL COMPLETION
  source <(red-exec completion bash)     or: source <(red-exec completion zsh)

LOGS AND BACKUPS
  Each run writes .red-exec-logs/<run-id>/events.jsonl in the workspace and records its
  id in .red-exec-logs/last-run. Replay one with --replay <run-id>. Every gate decision
  that blocks or warns is appended to .red-exec-logs/violations.jsonl. A .gitignore of *
  in .red-exec-logs/ keeps all of it out of git status.
  Before a run changes a file it copies the original to .red-exec-logs/<run-id>/backup/ and
  notes the change in journal.jsonl there: --undo works even for a run that was killed.
  None of these is ever opened through a symbolic link: a link as .red-exec-logs or anything
  in it is refused (exit 8), and a run id (--run-id, --undo, --replay, last-run) must look like
  20261201-120637-f18f4a (else exit 3).

GATE RULES (checked before anything is written; --gate block|warn|off)
${gateRules}
  A plan is written whole or not at all: one blocked file stops every write and delete of the
  run (FAILED (blocked), exit 1); --partial writes the files that passed, except those that
  import a file not written, and no delete of a file still imported.

SAFETY
  Every write, delete and restore happens only if the file is still exactly what the run read
  or last wrote (compare-and-swap); a file changed during the run is left as it is, the run's
  other changes are taken back, its version is kept in .red-exec-logs/<run-id>/conflicts/
  (exit 11). One run at a time: a run or --undo holds .red-exec-logs/lock, a second is refused
  (exit 12); a lock left by a killed run on this machine is taken over with a notice.
  The --verify check runs without the model keys and without any variable named like a
  secret (*_TOKEN, *_KEY, *SECRET*, *PASSWORD*, AWS_*, GITHUB_TOKEN, NPM_TOKEN...); pass one
  through with --pass-env NAME. Control characters in answers and files (ESC...) are shown
  escaped (\\u001b) in the report, the diffs and report.md, never sent to the terminal raw.

EXIT CODES
${exitTableText('  ')}
`;
}

/**
 * `text` safe for a terminal: control characters (a NUL in a path, an escape sequence in a
 * model's answer) shown as \\uXXXX instead of acting on the terminal.
 */
export function printable(text) {
  // C0 and C1 controls but tab and newline, and the bidirectional overrides and isolates that
  // make a line read differently from what it holds ("trojan source").
  return String(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
    const bad = (result.files || []).filter((f) => f.outcome === 'blocked' || f.outcome === 'failed' || f.outcome === 'withheld');
    const parts = bad.map((f) => {
      const why = f.outcome !== 'withheld' && f.violations && f.violations.length > 0
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
