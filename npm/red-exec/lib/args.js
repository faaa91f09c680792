// Command-line parsing. Hand-rolled because `--files a.js b.js` (every argument up to
// the next flag is a file) is not something node:util's parseArgs can express.

import { UsageError } from './errors.js';

const VALUE_FLAGS = new Set([
  'files',
  'model',
  'base-url',
  'max-retries',
  'gate',
  'module-format',
  'timeout',
  'replay',
  'workspace',
  'context-budget',
  'run-id',
  'out',
  'verify',
  'verify-timeout',
]);
// Repeatable: every occurrence adds to the list.
const LIST_FLAGS = new Set(['read', 'skill']);
const BOOLEAN_FLAGS = new Set([
  'no-gate',
  'json',
  'diff',
  'quiet',
  'help',
  'version',
  'report',
  'dry-run',
  'export-debug',
  'init-skill',
  'force',
  'keep-on-fail',
  'no-verify',
  'runs',
  'commit',
]);
const SHORT_FLAGS = { '-h': 'help' };
// What each command that runs no task takes; any other flag with it is a mistake.
const UNDO_FLAGS = new Set(['undo', 'workspace', 'force', 'json', 'quiet']);
const RUNS_FLAGS = new Set(['runs', 'workspace', 'json']);
const INIT_SKILL_FLAGS = new Set(['init-skill', 'workspace', 'out', 'force']);
const EXPORT_FLAGS = new Set(['export-debug', 'run-id', 'workspace']);

const GATE_MODES = ['block', 'warn', 'off'];
const MODULE_FORMATS = ['auto', 'cjs', 'esm'];

function looksLikeFlag(arg) {
  return arg.length > 1 && arg.startsWith('-');
}

function splitFileList(value) {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Turn argv (without node and the script) into raw option values. Throws UsageError.
 * Returns { positionals, files, filesGiven, flags: Map(name -> string|true), lists: Map(name -> string[]) }.
 */
export function tokenize(argv) {
  const positionals = [];
  const files = [];
  let filesGiven = false;
  const flags = new Map();
  const lists = new Map([...LIST_FLAGS].map((name) => [name, []]));

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!looksLikeFlag(arg)) {
      positionals.push(arg);
      continue;
    }
    if (SHORT_FLAGS[arg]) {
      flags.set(SHORT_FLAGS[arg], true);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown flag: ${arg}`);

    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);

    if (name === 'files') {
      filesGiven = true;
      if (inline !== undefined) files.push(...splitFileList(inline));
      // Every following argument up to the next flag is a file (commas split too).
      while (i + 1 < argv.length && !looksLikeFlag(argv[i + 1])) {
        files.push(...splitFileList(argv[++i]));
      }
      continue;
    }
    if (name === 'undo') {
      // The run id is optional: the next argument is it unless it is a flag.
      let value = inline ?? true;
      if (inline === undefined && i + 1 < argv.length && !looksLikeFlag(argv[i + 1])) value = argv[++i];
      flags.set('undo', value);
      continue;
    }
    if (BOOLEAN_FLAGS.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    if (VALUE_FLAGS.has(name) || LIST_FLAGS.has(name)) {
      let value = inline;
      if (value === undefined) {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        value = next;
        i++;
      }
      if (LIST_FLAGS.has(name)) {
        if (value.trim() === '') throw new UsageError(`--${name} needs a value`);
        lists.get(name).push(value);
      } else flags.set(name, value);
      continue;
    }
    throw new UsageError(`unknown flag: --${name}`);
  }
  return { positionals, files, filesGiven, flags, lists };
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
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parse and validate argv. Throws UsageError. `help` / `version` short-circuit the
 * checks for a task and files; `--init-skill` and `--export-debug --run-id` run no task.
 */
export function parseArgs(argv) {
  const { positionals, files, filesGiven, flags, lists } = tokenize(argv);
  const str = (name) => (flags.has(name) ? String(flags.get(name)) : undefined);

  const options = {
    help: flags.has('help'),
    version: flags.has('version'),
    task: undefined,
    files: [],
    workspace: str('workspace'),
    model: str('model'),
    baseUrl: str('base-url'),
    maxRetries: 2,
    gate: 'block',
    moduleFormat: 'auto',
    timeoutMs: 120_000,
    json: flags.has('json'),
    diff: flags.has('diff'),
    quiet: flags.has('quiet'),
    replay: str('replay'),
    read: [...new Set(lists.get('read').flatMap(splitFileList).map(normaliseFile))],
    skills: lists.get('skill'),
    contextBudget: undefined,
    report: flags.has('report'),
    dryRun: flags.has('dry-run'),
    commit: flags.has('commit'),
    exportDebug: flags.has('export-debug'),
    runId: str('run-id'),
    initSkill: flags.has('init-skill'),
    out: str('out'),
    force: flags.has('force'),
    verify: str('verify'),
    verifyTimeoutMs: 300_000,
    keepOnFail: flags.has('keep-on-fail'),
    noVerify: flags.has('no-verify'),
    // Flags given on the command line: they win over the project's .red-exec.json.
    given: new Set([...flags.keys(), ...[...lists].filter(([, v]) => v.length > 0).map(([k]) => k)]),
    // undefined, or { runId } (runId undefined: the last run)
    undo: flags.has('undo') ? { runId: flags.get('undo') === true ? undefined : String(flags.get('undo')) } : undefined,
    runs: flags.has('runs'),
  };
  if (options.help || options.version) return options;

  const modes = [
    options.initSkill && '--init-skill',
    options.runId !== undefined && '--run-id',
    options.undo && '--undo',
    options.runs && '--runs',
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
    if (id !== undefined && !RUN_ID.test(id)) {
      const flag = options.undo ? '--undo takes' : '--run-id must be';
      throw new UsageError(`${flag} a run id like 20250101-120000-a1b2c3 (or "last"), got "${id}"`);
    }
    if (options.out !== undefined && options.out.trim() === '') throw new UsageError('--out needs a value');
    if (options.workspace !== undefined && options.workspace.trim() === '') throw new UsageError('--workspace needs a value');
    return options;
  }

  if (positionals.length > 1) {
    throw new UsageError(`unexpected argument: "${positionals[1]}" (quote the task as one argument)`);
  }
  const task = positionals[0];
  if (task === undefined || task.trim() === '') {
    const hint = filesGiven && files.length > 0 ? ' (arguments after --files are file paths: put the task first)' : '';
    throw new UsageError(`missing task${hint}`);
  }
  options.task = task;

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
  if (lists.get('read').length > 0 && options.read.length === 0) throw new UsageError('--read is empty');
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
    throw new UsageError(`${where} is not a URL: "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${where} must be an http:// or https:// URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}
