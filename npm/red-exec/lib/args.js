// Command-line parsing. commander splits argv into options and operands (its variadic options
// give `--files a.js b.js`: every argument up to the next flag is a file); this module holds
// the one table of options (OPTIONS: the help text, the shell completion and the parser are made
// from it) and red-exec's own rules on top: which flags go together, value checks, and the
// messages (one line each, exit 2).
//
// Adding a flag: one row in OPTIONS. A boolean `--foo-bar` is then options.fooBar, a value flag
// options.fooBar as a string; a command that runs no task takes it only if its *_FLAGS set below
// lists it.

import { Command, Option, CommanderError } from 'commander';
import { LARGEST_FILE_BYTES } from '@codemaestro/core/host';
import { UsageError, ConfigError } from './errors.js';
import { isRunId } from './paths.js';

export const DEFAULT_MODEL = 'deepseek-chat';

/**
 * Every option, in help order. kind: bool | value | list (repeatable) | files (every following
 * argument up to the next flag) | optional (its value may be left out). value: the help's
 * placeholder; complete: what the shell completes after it (file | dir | a list of words).
 */
export const OPTIONS = Object.freeze([
  { name: 'files', kind: 'files', value: '<paths>', complete: 'file', help: 'files the task may read and write (comma- or space-separated)' },
  { name: 'task-file', kind: 'value', value: '<file>', complete: 'file', help: 'read the task from a file instead of the command line' },
  { name: 'workspace', kind: 'value', value: '<dir>', complete: 'dir', help: 'workspace directory (default: the current directory)' },
  { name: 'model', kind: 'value', value: '<name>', help: `model (default: $LLM_MODEL, else "model" in the config files,\nelse ${DEFAULT_MODEL})` },
  { name: 'base-url', kind: 'value', value: '<url>', help: 'any OpenAI-compatible server (llama.cpp, vLLM, Ollama...); any model\nname; key: $RED_EXEC_API_KEY or none (default: $RED_EXEC_BASE_URL,\nelse $OPENAI_BASE_URL, else "baseUrl" in the config files)' },
  { name: 'max-retries', kind: 'value', value: '<n>', help: 'fresh retries of a unit whose answer fails checks (default 2)' },
  { name: 'gate', kind: 'value', value: '<mode>', complete: ['block', 'warn', 'off'], help: 'block | warn | off (default block)' },
  { name: 'no-gate', kind: 'bool', help: 'same as --gate off' },
  { name: 'module-format', kind: 'value', value: '<fmt>', complete: ['auto', 'cjs', 'esm'], help: 'auto | cjs | esm (default auto)' },
  { name: 'timeout', kind: 'value', value: '<seconds>', help: 'limit for one model call (default 120)' },
  { name: 'json', kind: 'bool', help: 'print one JSON object on stdout instead of the report, on every path\n(errors too: {"status", "error": {"code", "message"}, "exitCode"})' },
  { name: 'diff', kind: 'bool', help: "print each file's unified diff after the report" },
  { name: 'replay', kind: 'value', value: '<log|run-id>', complete: 'file', help: 'answer model calls from a recorded events.jsonl (no key, no network)' },
  { name: 'quiet', kind: 'bool', help: 'no progress line and no report (errors still go to stderr)' },
  { name: 'read', kind: 'list', value: '<paths>', complete: 'file', help: 'read-only context files (repeatable, comma-separated); never written' },
  { name: 'skill', kind: 'list', value: '<file.md>', complete: 'file', help: 'conventions for the model, e.g. from --init-skill (repeatable)' },
  { name: 'context-budget', kind: 'value', value: '<n>', help: 'largest prompt one model call may send, the plan included, in tokens (default 24000)' },
  { name: 'max-tokens', kind: 'value', value: '<n>', help: 'the most tokens the whole run may use: over the estimate from the plan,\nor over what it has used after any answer, it stops (exit 13, nothing written)' },
  { name: 'max-cost', kind: 'value', value: '<usd>', help: 'the most the run may cost in USD at the model\'s list prices (cached\nprompt tokens at the cached rate), checked as --max-tokens (exit 13)' },
  { name: 'max-file-bytes', kind: 'value', value: '<n>', help: 'largest file in scope a run reads, in bytes (default 16777216, 16 MiB;\nat most 33554432); what a model sees is --context-budget\'s call' },
  { name: 'dry-run', kind: 'bool', help: 'run on a temporary copy; print the diffs, change nothing' },
  { name: 'verify', kind: 'value', value: '<command>', help: 'after the writes, run <command> in the workspace (sh -c); if it\nfails, restore every file and retry with the end of its output\n(up to --max-retries times), else exit 9 with the files restored' },
  { name: 'pass-env', kind: 'list', value: '<NAME>', help: 'let the check see the variable NAME although it looks like a secret\n(*_TOKEN, *_KEY, *SECRET*, *PASSWORD*, AWS_*...: dropped by default;\nrepeatable, comma-separated)' },
  { name: 'verify-timeout', kind: 'value', value: '<secs>', help: 'limit for one run of the check (default 300)' },
  { name: 'keep-on-fail', kind: 'bool', help: 'keep the writes when the check fails (exit 9 all the same)' },
  { name: 'partial', kind: 'bool', help: 'when a file is blocked, still write the files that passed, except\nthose that import it (or import one that imports it) and deletes of\nfiles still imported (default: a plan is written whole or not at all)' },
  { name: 'allow', kind: 'list', value: '<capability>', complete: ['process', 'network', 'dynamic-code', 'fs'], help: 'let answers add process | network | dynamic-code | fs use a file did\nnot have (gate rule new_capability; repeatable, comma-separated;\ndefault: only what the task asks for, e.g. "spawn", "fetch", "eval")' },
  { name: 'no-verify', kind: 'bool', help: 'skip the check set in a config file' },
  { name: 'trust', kind: 'bool', help: "trust the workspace's .red-exec.json as it is now: its verify, gate\n(warn/off) and keepOnFail apply from then on, until its content\nchanges (prints what it trusts; store: ~/.config/red-exec/trust.json)" },
  { name: 'yes', kind: 'bool', help: 'trust the .red-exec.json for this run only, without storing it\n(also RED_EXEC_TRUST_CONFIG=1; CI=true alone trusts nothing)' },
  { name: 'report', kind: 'bool', help: 'write the Markdown run report to .red-exec-logs/report.md' },
  { name: 'commit', kind: 'bool', help: 'after an OK run, git commit exactly the files it changed (message:\nthe task\'s first line and the run id); refused before the run if\nthe index has staged changes or a file in --files is uncommitted' },
  { name: 'export-debug', kind: 'bool', help: 'write .red-exec-logs/<run-id>/debug-<run-id>.zip (events, prompts,\nanswers, written files; never the key); automatic when a run crashes' },
  { name: 'run-id', kind: 'value', value: '<id|last>', help: 'with --export-debug and no task: the bundle of an earlier run' },
  { name: 'init-skill', kind: 'bool', help: "write a starter skill file (.red-exec-skill.md) from the project's\nsources and package.json" },
  { name: 'out', kind: 'value', value: '<file>', complete: 'file', help: 'with --init-skill: where to write it' },
  { name: 'force', kind: 'bool', help: 'with --init-skill: overwrite an existing file; with --undo:\nrestore files changed since the run (their versions are kept),\nor the files of a committed run (the commit stays)' },
  { name: 'undo', kind: 'optional', value: '[<run-id>]', help: 'put back every file the run (default: the last) wrote or deleted,\nfrom its backup; refused (exit 10) if a file changed since' },
  { name: 'runs', kind: 'bool', help: 'list recent runs: id, start, status, files, task (--json too)' },
  { name: 'help', short: ['-h'], kind: 'bool', help: 'this help (--json: as JSON)' },
  { name: 'version', short: ['-v', '-V'], kind: 'bool', help: 'print the version' },
]);

const BY_NAME = new Map(OPTIONS.map((o) => [o.name, o]));
const SHORT = new Map(OPTIONS.flatMap((o) => (o.short ?? []).map((s) => [s, o.name])));

// What each command that runs no task takes; any other flag with it is a mistake.
const UNDO_FLAGS = new Set(['undo', 'workspace', 'force', 'json', 'quiet']);
const RUNS_FLAGS = new Set(['runs', 'workspace', 'json']);
const INIT_SKILL_FLAGS = new Set(['init-skill', 'workspace', 'out', 'force', 'json']);
const EXPORT_FLAGS = new Set(['export-debug', 'run-id', 'workspace', 'json']);
const TRUST_FLAGS = new Set(['trust', 'workspace', 'json']);

const GATE_MODES = ['block', 'warn', 'off'];
const MODULE_FORMATS = ['auto', 'cjs', 'esm'];
// The core's `Capability` names (crates/core/src/analysis.rs); the core refuses any other.
export const CAPABILITIES = ['process', 'network', 'dynamic-code', 'fs'];

/** How help and completion write an option: "-h, --help", "--files <paths>". */
export function optionLabel(o) {
  return [...(o.short ?? []), `--${o.name}`].join(', ') + (o.value ? ` ${o.value}` : '');
}

function looksLikeFlag(arg) {
  return arg.length > 1 && arg.startsWith('-');
}

function splitFileList(value) {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

/** Edit distance (insert, delete, substitute, swap two neighbours). */
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate nearest to `word` when it is near enough to be a typo of it, else null. */
export function closest(word, candidates) {
  let best = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const n = distance(word.toLowerCase(), c.toLowerCase());
    if (n < bestDistance) [best, bestDistance] = [c, n];
  }
  // A third of the length, at least one and at most three edits: "jsno" -> "json", not "x" -> "out".
  const limit = Math.min(3, Math.max(1, Math.floor(best?.length / 3)));
  return best !== null && bestDistance <= limit ? best : null;
}

function unknownFlag(arg) {
  const bare = arg.replace(/^-+/, '');
  const eq = bare.indexOf('=');
  const name = eq === -1 ? bare : bare.slice(0, eq);
  const known = BY_NAME.get(name);
  if (arg.startsWith('--') && eq !== -1 && known?.kind === 'bool') return new UsageError(`--${name} takes no value`);
  const near = closest(name, OPTIONS.map((o) => o.name));
  const shown = arg.slice(0, arg.length - bare.length) + name;
  return new UsageError(`unknown flag: ${shown}${near ? `; did you mean --${near}?` : ''}`);
}

/** The commander program for one parse; `seen` receives every option occurrence in order. */
function makeParser(seen) {
  const program = new Command('red-exec')
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  for (const o of OPTIONS) {
    const short = o.short ?? [];
    const value = { bool: '', value: ' <value>', list: ' <value>', files: ' [paths...]', optional: ' [value]' }[o.kind];
    // commander takes one short flag per option: the others become hidden options of their own.
    const flags = [short[0], `--${o.name}${value}`].filter(Boolean).join(', ');
    program.addOption(new Option(flags));
    program.on(`option:${o.name}`, (v) => seen.push([o.name, v]));
    for (const extra of short.slice(1)) {
      program.addOption(new Option(extra).hideHelp());
      program.on(`option:${extra.slice(1)}`, () => seen.push([o.name, undefined]));
    }
  }
  return program;
}

/**
 * Turn argv (without node and the script) into raw option values. Throws UsageError.
 * Returns { positionals, files, filesGiven, flags: Map(name -> string|true), lists: Map(name -> string[]) }.
 */
export function tokenize(argv) {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  // `--files=a.js b.js`: the inline value starts the list, the following arguments go on it.
  const args = head.flatMap((a) => (/^--files=[^-]/.test(a) ? ['--files', a.slice('--files='.length)] : [a]));
  if (end !== -1) args.push(...argv.slice(end));

  const seen = [];
  let parsed;
  try {
    parsed = makeParser(seen).parseOptions(args);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // commander stops when a value flag ends argv with nothing after it.
    const last = args.at(-1) ?? '';
    const name = SHORT.get(last) ?? last.replace(/^--/, '');
    throw new UsageError(`--${name} needs a value`);
  }
  const { operands, unknown } = parsed;
  // commander puts the first unknown flag, and everything after it, in `unknown`.
  if (unknown.length > 0) throw unknownFlag(unknown[0]);

  const files = [];
  let filesGiven = false;
  const flags = new Map();
  const lists = new Map(OPTIONS.filter((o) => o.kind === 'list').map((o) => [o.name, []]));
  for (const [name, v] of seen) {
    const o = BY_NAME.get(name);
    if (o.kind === 'files') {
      filesGiven = true;
      if (typeof v === 'string') files.push(...splitFileList(v));
    } else if (o.kind === 'optional') {
      flags.set(name, typeof v === 'string' ? v : true);
    } else if (o.kind === 'bool') {
      flags.set(name, true);
    } else {
      // commander would take `--model --json` as the model "--json": a value is never a long flag.
      if (v === undefined || v === null || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      if (o.kind === 'list') {
        if (v.trim() === '') throw new UsageError(`--${name} needs a value`);
        lists.get(name).push(v);
      } else flags.set(name, v);
    }
  }
  return { positionals: operands, files, filesGiven, flags, lists };
}

function parseNumber(name, value, { integer, min, max }) {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const kind = integer ? 'an integer' : 'a number';
    throw new UsageError(`--${name} must be ${kind} from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function oneOf(name, value, allowed) {
  if (!allowed.includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value;
}

function normaliseFile(p) {
  let out = p;
  while (out.startsWith('./')) out = out.slice(2);
  return out;
}

/** A run id as red-exec makes them (or "last"): no path separators, nothing hidden. */

/** The hint for a missing task when the task was probably swallowed by --files. */
export function missingTaskHint(options) {
  return options.filesSwallowedTask ? ' (arguments after --files are file paths: put the task first)' : '';
}

/**
 * Parse and validate argv. Throws UsageError. `help` / `version` short-circuit the
 * checks for a task and files; `--init-skill` and `--export-debug --run-id` run no task.
 *
 * The task is the positional argument; `-` (or no task argument while standard input is piped:
 * `stdinPiped`) means standard input, `--task-file` a file. Those two are read by the caller:
 * options.taskSource is { kind: 'arg', text } | { kind: 'stdin', explicit } | { kind: 'file', path }.
 */
export function parseArgs(argv, { stdinPiped = false } = {}) {
  const { positionals, files, filesGiven, flags, lists } = tokenize(argv);
  const str = (name) => (flags.has(name) ? String(flags.get(name)) : undefined);

  const options = {};
  // Every flag by its camelCase name first; the typed ones below replace theirs.
  for (const o of OPTIONS) {
    if (o.kind === 'bool') options[camel(o.name)] = flags.has(o.name);
    else if (o.kind === 'value') options[camel(o.name)] = str(o.name);
  }
  Object.assign(options, {
    task: undefined,
    taskSource: undefined,
    files: [],
    maxRetries: 2,
    gate: 'block',
    moduleFormat: 'auto',
    timeoutMs: 120_000,
    read: [...new Set(lists.get('read').flatMap(splitFileList).map(normaliseFile))],
    skills: lists.get('skill'),
    passEnv: [...new Set(lists.get('pass-env').flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean))],
    contextBudget: undefined,
    maxFileBytes: undefined,
    verifyTimeoutMs: 300_000,
    // Flags given on the command line: they win over the environment and the config files.
    given: new Set([...flags.keys(), ...[...lists].filter(([, v]) => v.length > 0).map(([k]) => k)]),
    // undefined, or { runId } (runId undefined: the last run)
    undo: flags.has('undo') ? { runId: flags.get('undo') === true ? undefined : String(flags.get('undo')) } : undefined,
    filesSwallowedTask: filesGiven && files.length > 0,
  });
  // Their typed forms are timeoutMs and verifyTimeoutMs.
  delete options.timeout;
  delete options.verifyTimeout;
  if (options.help || options.version) return options;

  const modes = [
    options.initSkill && '--init-skill',
    options.runId !== undefined && '--run-id',
    options.undo && '--undo',
    options.runs && '--runs',
    options.trust && '--trust',
  ].filter(Boolean);
  if (modes.length > 1) throw new UsageError(`${modes[0]} and ${modes[1]} do not go together`);
  if (flags.has('out') && !options.initSkill) throw new UsageError('--out is only used with --init-skill');
  if (options.force && !options.initSkill && !options.undo) throw new UsageError('--force is only used with --init-skill or --undo');
  if (options.runId !== undefined && !options.exportDebug) {
    throw new UsageError('--run-id is only used with --export-debug (red-exec --export-debug --run-id <id>)');
  }
  const noTask = options.undo
    ? ['--undo', UNDO_FLAGS]
    : options.runs
      ? ['--runs', RUNS_FLAGS]
      : options.trust
        ? ['--trust', TRUST_FLAGS]
      : options.initSkill
        ? ['--init-skill', INIT_SKILL_FLAGS]
        : options.runId !== undefined
          ? ['--export-debug --run-id', EXPORT_FLAGS]
          : null;
  if (noTask) {
    const [mode, allowed] = noTask;
    if (positionals.length > 0) throw new UsageError(`${mode} runs no task: unexpected argument "${positionals[0]}"`);
    if (filesGiven) throw new UsageError(`${mode} runs no task: leave out --files`);
    // A task's flags would be silently ignored here (`--undo --dry-run` would really undo).
    const stray = [...options.given].find((name) => !allowed.has(name));
    if (stray !== undefined) throw new UsageError(`--${stray} is not used with ${mode}`);
    const id = options.undo?.runId ?? options.runId;
    if (id !== undefined && id !== 'last' && !isRunId(id)) {
      // A run id is a name under .red-exec-logs/, never a path (exit 3, like a run not found).
      const flag = options.undo ? '--undo takes' : '--run-id must be';
      const got = id.length <= 40 && /^[\x20-\x7e]*$/.test(id) ? `, got "${id}"` : '';
      throw new ConfigError(`${flag} a run id like 20261201-120637-f18f4a (or "last")${got}`);
    }
    if (options.out !== undefined && options.out.trim() === '') throw new UsageError('--out needs a value');
    if (options.workspace !== undefined && options.workspace.trim() === '') throw new UsageError('--workspace needs a value');
    return options;
  }

  if (positionals.length > 1) {
    throw new UsageError(`unexpected argument: "${positionals[1]}" (quote the task as one argument)`);
  }
  const task = positionals[0];
  if (options.taskFile !== undefined) {
    if (task !== undefined) throw new UsageError(`--task-file and a task argument ("${task}") do not go together`);
    if (options.taskFile.trim() === '') throw new UsageError('--task-file needs a value');
    options.taskSource = { kind: 'file', path: options.taskFile };
  } else if (task === '-') {
    options.taskSource = { kind: 'stdin', explicit: true };
  } else if (task === undefined && stdinPiped) {
    options.taskSource = { kind: 'stdin', explicit: false };
  } else if (task === undefined || task.trim() === '') {
    throw new UsageError(`missing task${missingTaskHint(options)}`);
  } else {
    options.task = task;
    options.taskSource = { kind: 'arg' };
  }

  if (!filesGiven) throw new UsageError('no files: pass --files a.js,b.js (or --files a.js b.js)');
  const unique = [...new Set(files.map(normaliseFile))];
  if (unique.length === 0) throw new UsageError('--files is empty');
  options.files = unique;

  if (flags.has('max-retries')) {
    options.maxRetries = parseNumber('max-retries', str('max-retries'), { integer: true, min: 0, max: 10 });
  }
  if (flags.has('timeout')) {
    options.timeoutMs = Math.round(parseNumber('timeout', str('timeout'), { integer: false, min: 0.001, max: 3600 }) * 1000);
  }
  if (flags.has('gate')) options.gate = oneOf('gate', str('gate'), GATE_MODES);
  if (flags.has('no-gate')) options.gate = 'off';
  if (flags.has('module-format')) options.moduleFormat = oneOf('module-format', str('module-format'), MODULE_FORMATS);
  if (flags.has('context-budget')) {
    options.contextBudget = parseNumber('context-budget', str('context-budget'), { integer: true, min: 100, max: 10_000_000 });
  }
  if (flags.has('max-tokens')) options.maxTokens = parseNumber('max-tokens', str('max-tokens'), { integer: true, min: 1, max: 1e12 });
  if (flags.has('max-cost')) options.maxCost = parseNumber('max-cost', str('max-cost'), { integer: false, min: 0, max: 1e6 });
  if (flags.has('max-file-bytes')) {
    options.maxFileBytes = parseNumber('max-file-bytes', str('max-file-bytes'), { integer: true, min: 1, max: LARGEST_FILE_BYTES });
  }
  if (lists.get('read').length > 0 && options.read.length === 0) throw new UsageError('--read is empty');
  options.allow = [...new Set(lists.get('allow').flatMap(splitFileList))];
  if (lists.get('allow').length > 0 && options.allow.length === 0) throw new UsageError('--allow is empty');
  for (const name of options.allow) oneOf('allow', name, CAPABILITIES);
  if (options.commit && options.dryRun) throw new UsageError('--commit cannot be used with --dry-run: a dry run changes nothing to commit');
  // A dry run exists to show what would change.
  if (options.dryRun) options.diff = true;
  for (const name of ['model', 'base-url', 'replay', 'workspace']) {
    if (flags.has(name) && str(name).trim() === '') throw new UsageError(`--${name} needs a value`);
  }
  if (options.baseUrl !== undefined) options.baseUrl = checkBaseUrl(options.baseUrl, '--base-url');
  if (flags.has('verify') && options.verify.trim() === '') throw new UsageError('--verify needs a command');
  if (flags.has('verify-timeout')) {
    options.verifyTimeoutMs = Math.round(parseNumber('verify-timeout', str('verify-timeout'), { integer: false, min: 0.001, max: 86_400 }) * 1000);
  }
  if (options.noVerify && flags.has('verify')) throw new UsageError('--verify and --no-verify do not go together');
  return options;
}

/** Validate an http(s) base URL and drop its trailing slashes. */
export function checkBaseUrl(value, where) {
  let url;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: a malformed URL can still hold a key.
    throw new UsageError(`${where} is not a URL`);
  }
  credentialsProblem(url, where);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${where} must be an http:// or https:// URL, got "${url.protocol}"`);
  }
  return value.replace(/\/+$/, '');
}

/** Query parameters that carry a key: refused in a base URL (they would be logged and shown). */
export const KEY_PARAM = /^(key|api[-_]?key|apikey|token|access[-_]?token|auth|authorization|sig|signature|secret|password|passwd|pwd|x-api-key|client[-_]?secret|session|credential[s]?)$|(key|token|secret|passw(or)?d|sig|signature|credential)$/i;

/**
 * Refuse a base URL that carries a credential (userinfo `user:pass@`, or a key-like query
 * parameter) without echoing it: exit 2 for the flag, 3 for an environment variable or a config
 * file. The key belongs in RED_EXEC_API_KEY (sent as a header, never logged).
 */
function credentialsProblem(url, where) {
  const ErrorClass = where === '--base-url' ? UsageError : ConfigError;
  if (url.username || url.password) {
    throw new ErrorClass(`${where} holds a user name or password (user:pass@host); refused, and not shown: put the key in RED_EXEC_API_KEY instead`);
  }
  for (const name of url.searchParams.keys()) {
    if (KEY_PARAM.test(name)) {
      throw new ErrorClass(`${where} has a key-like query parameter (${name.length <= 30 && /^[\w.-]*$/.test(name) ? `"${name}"` : 'name not shown'}); refused, and its value not shown: put the key in RED_EXEC_API_KEY instead`);
    }
  }
}
