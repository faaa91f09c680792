// red-exec's command: parse, configure, run the core with a filesystem + model host,
// log every event, print the report, and map the result to an exit code. Some commands run
// no task: --init-skill (a starter skill file), --export-debug --run-id (an earlier run's bundle),
// --undo, --runs, and `completion bash|zsh`. With --json every path ends in one JSON object on stdout.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, OPTIONS, optionLabel } from './args.js';
import { UsageError, ConfigError, WriteError, UndoRefused } from './errors.js';
import { EXIT, EXIT_TABLE, exitCodeForResult } from './exit-codes.js';
import { WORDS } from './words.js';
import { versions, versionText } from './version.js';
import { resolveModel, KEY_VARIABLES } from './models.js';
// Loaded with the module: a broken install is caught by bin/red-exec.js (exit 70, one line).
import * as core from '@codemaestro/core';
import { createOpenAICompleter, createReplayCompleter, mergeAliases, isInside, posixRelative, IO_REASONS } from '@codemaestro/core';
import { locateTranscript, loadTranscript } from './replay.js';
import { LOG_DIR } from './paths.js';
import { createFsHost } from './fs-host.js';
import { httpFetch } from './http-fetch.js';
import { openRunLog } from './run-log.js';
import { createProgress, wantsColor, paint } from './progress.js';
import { makeRedactor, looksSecret } from './redact.js';
import { helpText, failureMessage, diffsText, printable } from './output.js';
import { createViolationLog, writeReport, SKILL_FILE, REPORT_FILE } from './artifacts.js';
import { prepareDryRun } from './dry-run.js';
import { readSkillFiles, collectSources, SOURCE_CAP_TEXT } from './skill-files.js';
import { loadConfigLayers, applyConfig, findProjectConfig, readConfigBytes, parseConfigText, userConfigPath } from './project-config.js';
import { applyTrust, grantTrust, settingsNeedingTrust, sourceLabel, trustStorePath } from './trust.js';
import { readTask, readStream } from './task-input.js';
import { isCompletionCommand, completionScript, SHELLS } from './completion.js';
import { runVerify, verifyEnv } from './verify.js';
import { checkWritable } from './preflight.js';
import { openJournal } from './backup.js';
import { parseCrashAt, createCrashHook, createSyncCrashHook } from './crash-hook.js';
import { acquireLock, WorkspaceLocked } from './lock.js';
import { listRuns, runsText } from './runs.js';
import { findRepo, uncommitted, describeStatus, commitObstacle, commitRun, recordCommit } from './git.js';

const PACKAGE = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

function retryBaseMs(env) {
  const n = Number(env.RED_EXEC_RETRY_BASE_MS);
  return env.RED_EXEC_RETRY_BASE_MS !== undefined && Number.isFinite(n) && n >= 0 ? n : 500;
}

/** `file` relative to `cwd` when it is inside it (shorter to read), else absolute. */
function shown(cwd, file) {
  const rel = path.relative(cwd, file);
  return rel && isInside(cwd, file) ? rel : file;
}

/** The workspace directory, checked. Throws UsageError. */
function resolveWorkspace(cwd, option) {
  const workspace = path.resolve(cwd, option ?? '.');
  let st = null;
  try {
    st = fs.statSync(workspace);
  } catch {
    // reported below
  }
  if (!st || !st.isDirectory()) throw new UsageError(`--workspace ${option}: not a directory`);
  return workspace;
}

/** An absolute path inside the workspace is taken as the relative path it names. */
function workspaceRelative(workspace, f) {
  if (!path.isAbsolute(f)) return f;
  return path.relative(workspace, f) && isInside(workspace, f) ? posixRelative(workspace, f) : f;
}

/**
 * red-exec's own files are never in --files (exit 2): the core's list (core.toolPath), asked for
 * the path as given and for where it really is (a link to .red-exec.json is .red-exec.json), and
 * the per-user config and trust store wherever $XDG_CONFIG_HOME puts them.
 */
function refuseToolFiles(files, workspace, env, core) {
  const ownFiles = [findProjectConfig(workspace), userConfigPath(env), trustStorePath(env)].filter(Boolean);
  const own = ownFiles.map((p) => realOrSelf(p));
  // A hard link is the same file under another name: told by its device and inode.
  const inodes = ownFiles.map(inode).filter(Boolean);
  const root = realOrSelf(workspace);
  for (const f of files) {
    const abs = path.resolve(workspace, f);
    const real = realOrSelf(abs);
    const rel = posixRelative(root, real);
    const id = inode(abs);
    const same = own.includes(real) || (id && inodes.includes(id));
    const why = core.toolPath(f) ?? (rel && !rel.startsWith('..') ? core.toolPath(rel) : null) ?? (same ? `${f} is red-exec's own file (it is ${shownOwn(ownFiles, real, id)}); a run never writes or deletes it` : null);
    if (why) throw new UsageError(`--files: ${why}`);
  }
}

function inode(p) {
  try {
    const st = fs.statSync(p);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

function shownOwn(ownFiles, real, id) {
  const hit = ownFiles.find((p) => realOrSelf(p) === real || inode(p) === id);
  return hit ? path.basename(path.dirname(hit)) === 'red-exec' ? `the per-user ${path.basename(hit)}` : `the project config, under another name` : 'one of them';
}

/** Where `p` really is: its nearest existing ancestor's real path, with the rest of `p` after it. */
function realOrSelf(p) {
  const rest = [];
  let at = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...rest);
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return path.resolve(p);
      rest.unshift(path.basename(at));
      at = parent;
    }
  }
}

/** A base URL fit for logs: no user:password@, no query (either may hold a credential). */
function safeUrl(url) {
  if (!url) return url ?? null;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return null;
  }
}

/** One redactor for every key variable set in the environment (exports of earlier runs). */
function envRedactor(env) {
  const keys = KEY_VARIABLES.map((k) => env[k]).filter((v) => typeof v === 'string' && v.trim());
  const each = keys.map((k) => makeRedactor(k.trim()));
  return (text) => each.reduce((t, r) => r(t), text);
}

/** Whether argv asks for JSON (looked for before parsing, so a usage error answers in JSON too). */
function wantsJson(argv) {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** The one JSON object of a path that printed no other: { status, error: { code, message }, exitCode }. */
function errorJson(code, message) {
  const row = EXIT_TABLE.find((r) => r.code === code);
  const status = code === EXIT.OK ? 'OK' : code === EXIT.INTERNAL ? 'CRASHED' : [EXIT.INTERRUPTED, EXIT.TERMINATED, EXIT.HANGUP].includes(code) ? 'INTERRUPTED' : 'FAILED';
  const error = code === EXIT.OK ? null : { code: row ? row.name.replace(/ /g, '_') : 'unknown', message: message ?? `exit ${code}` };
  return { status, error, exitCode: code };
}

/**
 * Run the CLI. io: { env, cwd, stdout, stderr, signals, stdinPiped, stdinIsTTY, readStdin } where `signals`
 * is an EventEmitter that may emit 'SIGINT' (normally `process`), `stdinPiped` says whether
 * standard input is a pipe or a file (a task may come from it) and readStdin() resolves to its
 * bytes. Resolves to the exit code.
 */
export async function main(argv, io) {
  // Loaded only when a run may need them (CLI start-up, issue 20): the benchmarks' forwarder, the
  // zip writer of --export-debug, undo.
  if (argv.some((a) => a.startsWith('--benchmark') || a.startsWith('--score') || a.startsWith('--compare'))) {
    const bench = await import('./bench-commands.js');
    if (bench.isBenchCommand(argv)) return bench.runBenchCommand(argv, io);
  }
  const json = wantsJson(argv);
  // With --json, whatever reaches stdout is the answer; a path that wrote none gets errorJson().
  const seen = { answered: false, error: null };
  const tracked = {
    ...io,
    stdout: {
      isTTY: io.stdout.isTTY,
      write: (text, ...rest) => {
        seen.answered = true;
        return io.stdout.write(text, ...rest);
      },
    },
    noteError: (message) => (seen.error = message),
    readStdin: io.readStdin ?? (() => readStream(process.stdin)),
  };
  let code;
  try {
    code = await dispatch(argv, tracked, json);
  } catch (err) {
    // A bug: still one line, and with --json still an answer.
    const message = `internal error: ${err && err.stack ? err.stack : err}`;
    io.stderr.write(`red-exec: ${printable(message)}\n`);
    seen.error = message;
    code = EXIT.INTERNAL;
  }
  if (json && !seen.answered) io.stdout.write(`${JSON.stringify(errorJson(code, seen.error), null, 2)}\n`);
  return code;
}

async function dispatch(argv, io, json) {
  const { env, stdout, stderr } = io;
  const color = paint(wantsColor(stderr, env));
  const say = (message) => {
    io.noteError(message);
    stderr.write(`${color.red('red-exec:')} ${printable(message)}\n`);
  };

  if (isCompletionCommand(argv)) {
    const script = completionScript(argv[1]);
    if (script === null) {
      say(`completion needs a shell: red-exec completion ${SHELLS.join('|')}${argv[1] ? ` (got "${argv[1]}")` : ''}`);
      return EXIT.USAGE;
    }
    stdout.write(script);
    return EXIT.OK;
  }

  // The MCP server (lib/mcp/) and its SDK load only for `red-exec mcp`: no other command pays for them.
  if (argv[0] === 'mcp') {
    const { serveMcp } = await import('./mcp/server.js');
    try {
      return await serveMcp(argv.slice(1), io, { main });
    } catch (err) {
      return refusal(err, say);
    }
  }

  let options;
  try {
    options = parseArgs(argv, { stdinPiped: Boolean(io.stdinPiped) });
  } catch (err) {
    return refusal(err, say);
  }

  if (options.help) {
    const text = helpText(core.knownModels(), core.gateRules());
    if (options.json) {
      const flags = OPTIONS.map((o) => ({ flag: optionLabel(o), description: o.help.replace(/\s*\n\s*/g, ' ') }));
      const { BENCH_OPTIONS } = await import('./bench-commands.js');
      const benchmarkOptions = BENCH_OPTIONS.map((o) => ({ flag: optionLabel(o), description: o.help }));
      stdout.write(`${JSON.stringify({ status: 'OK', help: text, options: flags, benchmarkOptions, exitCode: EXIT.OK }, null, 2)}\n`);
    } else stdout.write(text);
    return EXIT.OK;
  }

  if (options.version) {
    // The same answer as bin/red-exec.js's bare --version (lib/version.js).
    stdout.write(versionText(versions(), options.json, EXIT.OK));
    return EXIT.OK;
  }

  try {
    if (options.initSkill) return initSkill(options, core, io);
    if (options.runId !== undefined) return await exportEarlierRun(options, io);
    if (options.undo) return await undoCommand(options, io);
    if (options.runs) return runsCommand(options, io);
    if (options.trust) return trustCommand(options, io);
    return await runTaskCommand(options, core, io);
  } catch (err) {
    return refusal(err, say);
  }
}

/** The refusals red-exec raises itself: the error class, its exit code, and its line. */
const REFUSALS = [
  [UsageError, EXIT.USAGE, (message) => `${message} (see red-exec --help)`],
  [ConfigError, EXIT.CONFIG, (message) => message],
  [UndoRefused, EXIT.UNDO_REFUSED, (message) => `undo refused: ${message}`],
  [WriteError, EXIT.WRITE_FAILED, (message) => message],
  [WorkspaceLocked, EXIT.LOCKED, (message) => message],
];

/** Say a refusal's line and resolve to its exit code; anything else is rethrown (a crash). */
function refusal(err, say) {
  const row = REFUSALS.find(([kind]) => err instanceof kind);
  if (!row) throw err;
  say(row[2](err.message));
  return row[1];
}

/** The workspace lock (lib/lock.js) for `what`; a file-system error taking it is a WriteError. */
function lockWorkspace(workspace, what, runId) {
  try {
    return acquireLock(workspace, { what, runId });
  } catch (err) {
    if (err instanceof WorkspaceLocked) throw err;
    const why = DISK_REASONS[err.code] ? `${DISK_REASONS[err.code]}, ${err.code}` : (err.code ?? err.message);
    throw new WriteError(`cannot take the workspace lock ${LOG_DIR}/lock (${why}); nothing was changed`);
  }
}

/** The one line a taken-over stale lock is worth. */
function tookOverNotice(lock, options, stderr) {
  if (lock.tookOver && !options.quiet) {
    stderr.write(`red-exec: notice: took over the workspace lock of ${printable(lock.tookOver)}: that process is no longer running\n`);
  }
}

/** --undo [run-id]: restore what a run wrote or deleted, from its journal and backups. */
async function undoCommand(options, { env, cwd, stdout, stderr }) {
  const { undoRun } = await import('./undo.js');
  const crash = createSyncCrashHook(parseCrashAt(env.RED_EXEC_CRASH_AT));
  const workspace = resolveWorkspace(cwd, options.workspace);
  const lock = lockWorkspace(workspace, 'undo', options.undo.runId ?? null);
  let s;
  try {
    tookOverNotice(lock, options, stderr);
    s = undoRun({ workspace, runId: options.undo.runId, force: options.force, crash });
  } finally {
    lock.release();
  }
  if (options.json) {
    stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  } else if (!options.quiet) {
    stdout.write(printable(undoText(s)));
  }
  return EXIT.OK;
}

function undoText(s) {
  if (s.already) return `run ${s.runId} was already undone (${s.already.time ?? 'earlier'}); nothing to undo\n`;
  if (s.nothing) return `run ${s.runId} changed no file; nothing to undo\n`;
  const lines = [
    ...s.restored.map((p) => `  restored   ${p}`),
    ...s.removed.map((p) => `  removed    ${p} (the run created it)`),
    ...s.unchanged.map((p) => `  unchanged  ${p} (already as before the run)`),
    ...s.skipped.map((p) => `  skipped    ${p} (a directory now; left alone)`),
  ];
  let text = `undid run ${s.runId}: ${s.restored.length} restored, ${s.removed.length} removed, ${s.unchanged.length} unchanged\n${lines.join('\n')}\n`;
  if (s.commit) text += `--force: the run's commit ${s.commit.slice(0, 12)} stays in the history; the restored files are uncommitted changes\n`;
  if (s.overwritten.length > 0) {
    text += `--force: the changed versions it replaced are kept under ${LOG_DIR}/${s.runId}/overwritten/\n`;
  }
  return text;
}

/** --trust [--workspace dir]: trust the project file's current content; print what that lets it do. */
function trustCommand(options, { env, cwd, stdout }) {
  const workspace = resolveWorkspace(cwd, options.workspace);
  const file = findProjectConfig(workspace);
  if (!file) throw new UsageError(`--trust: no .red-exec.json in ${shown(cwd, workspace) || '.'} or above it (up to the git root)`);
  const label = shown(cwd, file);
  const bytes = readConfigBytes(file, label);
  const config = parseConfigText(bytes.toString('utf8'), label);
  const settings = settingsNeedingTrust(config);
  const granted = grantTrust(env, file, bytes, settings);
  if (options.json) {
    const values = Object.fromEntries(settings.map((k) => [k, config[k]]));
    stdout.write(`${JSON.stringify({ status: 'OK', file: label, sha256: granted.sha256, settings: values, store: granted.store, exitCode: EXIT.OK }, null, 2)}\n`);
    return EXIT.OK;
  }
  const what = settings.length > 0 ? settings.map((k) => `${k} = ${JSON.stringify(config[k])}`).join(', ') : 'no setting that needs trust (verify, gate warn/off, keepOnFail)';
  stdout.write(printable(`trusted ${label} (sha256 ${granted.sha256.slice(0, 12)}): ${what}; a change to the file needs --trust again\n`));
  return EXIT.OK;
}

/** --runs [--json]: the recent runs of the workspace. */
function runsCommand(options, { cwd, stdout }) {
  const workspace = resolveWorkspace(cwd, options.workspace);
  const listing = listRuns(workspace);
  stdout.write(options.json ? `${JSON.stringify({ runs: listing.runs, more: listing.more }, null, 2)}\n` : printable(runsText(listing)));
  return EXIT.OK;
}

/** --init-skill: write a starter skill file from what the core finds in the workspace. */
function initSkill(options, core, { cwd, stdout }) {
  const workspace = resolveWorkspace(cwd, options.workspace);
  const out = options.out !== undefined ? path.resolve(cwd, options.out) : path.join(workspace, SKILL_FILE);
  if (fs.existsSync(out) && !options.force) {
    throw new UsageError(`${shown(cwd, out)} already exists; pass --force to overwrite it`);
  }
  const { files, packageJson, skipped } = collectSources(workspace);
  const text = core.skillStarter(files, packageJson, WORDS);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  if (options.json) {
    const answer = { status: 'OK', file: shown(cwd, out), sourceFiles: files.length, packageJson: packageJson !== null, skipped, exitCode: EXIT.OK };
    stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return EXIT.OK;
  }
  const from = `${files.length} source file(s)${packageJson !== null ? ' and package.json' : ''}`;
  const cap = skipped > 0 ? ` (${skipped} more skipped: over the ${SOURCE_CAP_TEXT} cap, or not UTF-8)` : '';
  stdout.write(`wrote ${shown(cwd, out)} from ${from}${cap}; check it, then pass it with --skill ${shown(cwd, out)}\n`);
  return EXIT.OK;
}

/** --export-debug --run-id <id>: the bundle of an earlier run, from its log. */
async function exportEarlierRun(options, { env, cwd, stdout }) {
  const workspace = resolveWorkspace(cwd, options.workspace);
  const [{ locateRun }, { writeDebugBundle }] = await Promise.all([import('./undo.js'), import('./debug-bundle.js')]);
  const { runId, runDir: logDir } = locateRun(workspace, options.runId, '--run-id');
  const file = await writeDebugBundle({
    logDir,
    runId,
    filesRoot: workspace,
    redact: envRedactor(env),
    exportedBy: { redExec: PACKAGE.version, node: process.version, later: true },
  });
  stdout.write(options.json ? `${JSON.stringify({ status: 'OK', runId, bundle: shown(cwd, file), exitCode: EXIT.OK }, null, 2)}\n` : `${shown(cwd, file)}\n`);
  return EXIT.OK;
}

/** The ordinary command: run the task, report, and map the result to an exit code. */
async function runTaskCommand(options, core, io) {
  const { env, cwd, stdout, stderr, signals } = io;
  const started = performance.now();
  let redact = (s) => s;
  const color = paint(wantsColor(stderr, env));
  const fail = (message, code) => {
    io.noteError?.(redact(message));
    stderr.write(`${color.red('red-exec:')} ${printable(redact(message))}\n`);
    return code;
  };

  // Everything that can be refused is refused here, before the core runs or a log is made.
  const crashAt = parseCrashAt(env.RED_EXEC_CRASH_AT);
  options.task = await readTask(options, io);
  const workspace = resolveWorkspace(cwd, options.workspace);
  const configFiles = loadConfigLayers(workspace, env, (p) => shown(cwd, p));
  const trust = applyTrust(configFiles, { yes: options.yes, env });
  options.configUsed = applyConfig(options, trust.layers);
  options.configFiles = configFiles.map((l) => ({ source: l.source, file: l.file }));
  for (const key of trust.needing ?? []) {
    if (options.settingSources[key] === 'project') options.settingSources[key] = { store: 'project-trusted', yes: 'project-yes', env: 'project-env' }[trust.trustedBy];
  }
  options.untrusted = trust.ignored;
  if (trust.ignored.length > 0) {
    const names = trust.ignored.map((k) => `${k} (${JSON.stringify(trust.file.config[k])})`).join(', ');
    stderr.write(`red-exec: warning: ${printable(`${trust.file.label} is not trusted: ignored ${names}; check it, then run red-exec --trust${options.workspace ? ` --workspace ${options.workspace}` : ''} (or pass --yes for this run)`)}\n`);
  }
  // Content supplied by the caller (`red-exec mcp`'s governed_write, io.supplied): the core asks no model.
  const supplied = io.supplied ?? null;
  const model = supplied ? SUPPLIED_MODEL() : resolveModel(options, env, core.knownModels());
  options.settingSources.model = model.modelSource;
  if (model.baseUrlSource) options.settingSources.baseUrl = model.baseUrlSource;
  if (model.notice && !options.quiet) stderr.write(`red-exec: warning: ${printable(model.notice)}\n`);
  let transcript = null;
  if (model.mode === 'replay') {
    transcript = loadTranscript(locateTranscript(options.replay, { cwd, workspace }));
    // Price the replay like the recording unless a model was asked for.
    if (options.model === undefined && !env.LLM_MODEL && transcript.recordedModel) model.model = transcript.recordedModel;
  }
  options.files = options.files.map((f) => workspaceRelative(workspace, f));
  refuseToolFiles(options.files, workspace, env, core);
  options.read = options.read.map((f) => workspaceRelative(workspace, f));
  // One file, one unit: a link and its target (or two hard links) in scope are merged here, before the core plans.
  const aliases = mergeAliases(workspace, { files: options.files, read: options.read });
  options.files = aliases.files;
  options.read = aliases.read;
  // Skill files go to the model without their HTML comments (notes for the human).
  const skills = readSkillFiles(options.skills, cwd).map((text) => core.parseSkill(text).text);
  redact = makeRedactor(model.apiKey);
  // A run that could not save its result (or its log) stops here, before it spends tokens.
  checkWritable(workspace, options.files, { targets: !options.dryRun, show: (p) => shown(cwd, p) });
  const git = await gitBeforeRun(options, workspace, cwd);

  // Ctrl-C, SIGTERM (a service manager, `kill`, CI cancelling a job) and SIGHUP (the terminal
  // closed) all mean the same: cancel the model call in flight, stop the check's process group,
  // refuse further writes, let the core restore and finish. A second signal exits at once.
  const stop = new AbortController();
  let interrupted = null;
  let dry = null;
  let dryDir = null;
  const onSignal = (name) => {
    if (interrupted) {
      stderr.write(`\nred-exec: ${interruptedMessage(name)}\n`);
      if (dryDir) fs.rmSync(dryDir, { recursive: true, force: true });
      process.exit(SIGNAL_EXIT[name]);
    }
    interrupted = name;
    stop.abort();
  };
  const listeners = Object.keys(SIGNAL_EXIT).map((name) => [name, () => onSignal(name)]);
  for (const [name, listener] of listeners) signals?.on?.(name, listener);
  const canWrite = () => !interrupted;
  // The run log broke (a full disk): the run stops as for a signal, and ends FAILED (write_failed).
  const halt = () => {
    if (interrupted) return;
    interrupted = 'log';
    stop.abort();
  };
  try {
    // A dry run reads and writes a temporary copy; logs and reports still go to the workspace.
    dry = options.dryRun ? await prepareDryRun(workspace, [...options.files, ...options.read, 'package.json'], { canWrite, onCreated: (dir) => (dryDir = dir), maxFileBytes: options.maxFileBytes }) : null;
    return await runInside({ options, core, io, workspace, model, transcript, skills, dry, stop, canWrite, redact, fail, started, crashAt, git, aliases, halt, supplied, interruptedBy: () => interrupted });
  } finally {
    for (const [name, listener] of listeners) signals?.removeListener?.(name, listener);
    dry?.remove();
  }
}

/** The model of a run whose content the caller supplied: none is called, no key is needed. */
const SUPPLIED_MODEL = () => ({ model: 'supplied', modelSource: 'supplied', mode: 'supplied', baseUrl: null, baseUrlSource: null, apiKey: null, keyEnv: null, notice: null });

/** The signals a run stops on, and the exit code of each (128 + its number, as shells report it). */
const SIGNAL_EXIT = Object.freeze({ SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED, SIGHUP: EXIT.HANGUP });

function interruptedMessage(signal) {
  return signal === 'SIGINT' ? 'interrupted' : `interrupted (${signal})`;
}

/**
 * Git, before the run: { repo, warnings }. The warnings name the files in scope with uncommitted
 * changes (the run's changes could not be told apart from them, nor `git checkout` undo only the
 * run's). --commit refuses (exit 2, before a token is spent) outside a repository, without git,
 * or when the commit would take in changes that are not the run's.
 */
async function gitBeforeRun(options, workspace, cwd) {
  const repo = options.dryRun ? null : await findRepo(workspace);
  if (options.commit) {
    if (repo?.missing) throw new UsageError('--commit: git is not installed (no `git` on the PATH)');
    if (!repo) throw new UsageError(`--commit: the workspace ${shown(cwd, workspace) || '.'} is not inside a git repository`);
    const obstacle = await commitObstacle(repo, options.files);
    if (obstacle) throw new UsageError(`--commit: ${obstacle}`);
  }
  const dirty = repo?.root ? await uncommitted(repo, options.files) : [];
  const warnings = dirty.map((d) => ({
    code: 'git_dirty',
    path: d.path,
    message: `${describeStatus(d.xy)} before the run (git status ${d.xy.replace(/ /g, '.')}); the run's changes mix with them`,
  }));
  return { repo: repo?.root ? repo : null, warnings };
}

/**
 * A `secret_in_file` warning for each written file that holds the API key: the model echoed it
 * into code. The file keeps it (redaction never edits content); the user must hear of it, since
 * the diff and the log show *** there.
 */
async function filesHoldingKey(result, files, apiKey) {
  if (!looksSecret(apiKey)) return [];
  const out = [];
  for (const f of result.files ?? []) {
    if (f.outcome !== 'written') continue;
    const state = await files.readFile(f.path).catch(() => null);
    if (state?.state === 'present' && state.text.includes(apiKey)) {
      out.push({ code: 'secret_in_file', path: f.path, message: 'the written file holds the API key (the model put it there); it is shown as *** in the diff and the log: remove it before you commit' });
    }
  }
  return out;
}

/** Plain words for the errors a full or failing disk gives. */
const DISK_REASONS = Object.freeze({ ENOSPC: 'no space left on device', EDQUOT: 'disk quota exceeded', EIO: IO_REASONS.EIO, EROFS: IO_REASONS.EROFS, EFBIG: 'file too large' });

/**
 * The run log could not be written: the result says so (FAILED, write_failed, exit 8), whatever
 * the core ended with, since the run was stopped at that point or its record is incomplete.
 */
function logBroke(result, log, runId) {
  const err = log.broken;
  const why = DISK_REASONS[err.code] ? `${DISK_REASONS[err.code]} (${err.code})` : String(err.code ?? err.message);
  const c = result.counts ?? {};
  const changed = (c.written ?? 0) + (c.deleted ?? 0);
  const files = changed > 0 ? `${changed} file(s) changed before it stopped (each whole: old or new; red-exec --undo ${runId} takes them back)` : 'no file was changed';
  const before = result.status === 'INTERRUPTED' || result.status === 'OK' ? '' : `; the run had ended ${result.status}${result.error ? `: ${result.error.message}` : ''}`;
  result.status = 'FAILED';
  result.error = { code: 'write_failed', message: `the run log ${LOG_DIR}/${runId}/events.jsonl could not be written: ${why}; the run stopped there, ${files}${before}` };
}

/** --commit after the run: commit what an OK run wrote and deleted; the outcome for the result. */
async function commitAfterRun(git, result, task, workspace) {
  if (result.status !== 'OK') return { skipped: `the run ended ${result.status}; nothing committed` };
  const written = result.files.filter((f) => f.outcome === 'written').map((f) => f.path);
  const deleted = result.files.filter((f) => f.outcome === 'deleted').map((f) => f.path);
  if (written.length + deleted.length === 0) return { skipped: 'the run changed no file; nothing committed' };
  const commit = await commitRun(git.repo, { written, deleted, task, runId: result.runId });
  if (commit.sha) recordCommit(workspace, result.runId, commit);
  return commit;
}

/**
 * The gate mode and the check in force, and where each came from (flag / user config / project
 * config (trusted) / default), with the project settings held back for want of trust.
 */
function settingsInForce(options, dry) {
  const src = (key) => sourceLabel(options.settingSources?.[key]);
  const command = options.verify && !dry ? options.verify : null;
  return {
    gate: { mode: options.gate, source: src('gate') },
    check: command ? { command, source: src('verify') } : null,
    keepOnFail: options.keepOnFail ? { value: true, source: src('keepOnFail') } : null,
    untrusted: options.untrusted ?? [],
  };
}

const GATE_WORDS = { block: 'block (a violation stops the write)', warn: 'warn (violations are written, not blocked)', off: 'off (only scope is checked)' };

function gateNote(settings) {
  const held = settings.untrusted.length > 0 ? `; ignored from the untrusted project config: ${settings.untrusted.join(', ')}` : '';
  return `${GATE_WORDS[settings.gate.mode]}, from ${settings.gate.source}${held}`;
}

/**
 * The console report with the Gate line (shown unless the gate is block by default and nothing
 * was held back) and a Check line when a check is in force, both after Status.
 */
function withSettingLines(text, settings) {
  const lines = text.split('\n').filter((l) => !l.startsWith('Gate:     '));
  const add = [];
  if (settings.gate.mode !== 'block' || settings.gate.source !== 'default' || settings.untrusted.length > 0) add.push(`Gate:     ${printable(gateNote(settings))}`);
  if (settings.check) add.push(`Check:    ${printable(settings.check.command)} (from ${settings.check.source}${settings.keepOnFail ? `; keepOnFail from ${settings.keepOnFail.source}` : ''})`);
  const at = lines.findIndex((l) => l.startsWith('Status:'));
  lines.splice(at + 1, 0, ...add);
  return lines.join('\n');
}

/** The Markdown report with Gate and Check rows (always) in its summary table. */
function withSettingRows(md, settings) {
  const cell = (t) => printable(t).replace(/\|/g, '\\|');
  const lines = md.split('\n');
  const task = lines.indexOf('## Task');
  const head = lines.slice(0, task === -1 ? lines.length : task).filter((l) => !l.startsWith('| Gate | '));
  const rest = task === -1 ? [] : lines.slice(task);
  const rows = [`| Gate | ${cell(gateNote(settings))} |`, `| Check | ${settings.check ? `\`${cell(settings.check.command)}\` (from ${settings.check.source})` : 'none'} |`];
  const at = head.findIndex((l) => l.startsWith('| Wall time |'));
  head.splice(at === -1 ? head.length : at, 0, ...rows);
  return [...head, ...rest].join('\n');
}

/** One run at a time per workspace: the run holds the lock from before its log is made until it ends. */
async function runInside(ctx) {
  const runId = ctx.core.newRunId();
  const lock = lockWorkspace(ctx.workspace, 'run', runId);
  try {
    tookOverNotice(lock, ctx.options, ctx.io.stderr);
    return await runLocked({ ...ctx, runId, lock });
  } finally {
    lock.release();
  }
}

async function runLocked(ctx) {
  const { options, core, io, workspace, model, transcript, skills, dry, stop, canWrite, redact, fail, started, crashAt, git, aliases, halt, supplied, interruptedBy, runId, lock } = ctx;
  // Stopped: by a signal, or because the log broke. Signalled: by a signal (exit 130, 143, 129).
  const isInterrupted = () => interruptedBy() !== null;
  const signalled = () => isInterrupted() && interruptedBy() !== 'log';
  const interruptedFail = () => fail(interruptedMessage(interruptedBy()), SIGNAL_EXIT[interruptedBy()]);
  const { env, cwd, stdout, stderr } = io;
  const runDir = dry ? dry.dir : workspace;

  // The log, the journal and the backups must be writable before the run may change a file.
  let log;
  let files;
  try {
    log = openRunLog(workspace, runId, redact, { onBroken: halt });
    files = dry
      ? dry.host
      : createFsHost(workspace, { canWrite, journal: (root) => openJournal(log.dir, root), crash: createCrashHook(crashAt), maxFileBytes: options.maxFileBytes });
  } catch (err) {
    // checkWritable found the directory fine; this is a full disk, a race, or the like.
    log?.close();
    const why = DISK_REASONS[err.code] ? `${DISK_REASONS[err.code]}, ${err.code}` : (err.code ?? err.message);
    return fail(`cannot write the run log and backups under ${LOG_DIR}/ (${why}); nothing was changed`, EXIT.WRITE_FAILED);
  }
  // The core logs the task, files and options itself (run_start); this line says who ran it, how.
  log.append({
    kind: 'host_start',
    runId,
    time: new Date().toISOString(),
    host: 'red-exec',
    // So --undo can tell a run that is still going from one that was killed.
    pid: process.pid,
    hostname: os.hostname(),
    lockTakenOver: lock.tookOver,
    core: core.version(),
    versions: { core: core.version(), redExec: PACKAGE.version, node: process.version },
    model: model.model,
    timeoutMs: options.timeoutMs,
    replay: transcript ? path.basename(transcript.file) : null,
    cli: {
      files: options.files,
      read: options.read,
      aliases: aliases.merged,
      skills: options.skills,
      gate: options.gate,
      allow: options.allow ?? [],
      moduleFormat: options.moduleFormat,
      maxRetries: options.maxRetries,
      contextBudget: options.contextBudget ?? null,
      maxTokens: options.maxTokens ?? null,
      maxCost: options.maxCost ?? null,
      timeoutMs: options.timeoutMs,
      baseUrl: safeUrl(model.baseUrl),
      dryRun: options.dryRun,
      report: options.report,
      exportDebug: options.exportDebug,
      verify: options.verify ?? null,
      verifyTimeoutMs: options.verifyTimeoutMs,
      keepOnFail: options.keepOnFail,
      commit: options.commit,
      fromProjectConfig: options.configUsed.project,
      fromUserConfig: options.configUsed.user,
      configFiles: options.configFiles,
      settingSources: options.settingSources,
      // Project settings held back: the file's content is not trusted (lib/trust.js).
      untrustedSettings: options.untrusted,
    },
  });

  const violations = createViolationLog(workspace, runId, redact);
  const progress = createProgress({
    // Its lines name paths and reasons from the run: redacted like every other line.
    stream: { get columns() { return stderr.columns; }, write: (text) => stderr.write(redact(text)) },
    enabled: Boolean(stderr.isTTY) && !options.quiet && !options.json,
    color: wantsColor(stderr, env),
    model: transcript ? 'the recording' : model.model,
  });
  const record = (event) => {
    try {
      log.append(event);
      violations.record(event);
      progress.event(event);
      io.onEvent?.(event);
    } catch {
      // a logging failure must not break the run
    }
  };

  const completer = supplied
    ? () => Promise.reject(Object.assign(new Error('the content was supplied: no model call is made'), { code: 'host_protocol' }))
    : transcript
    ? createReplayCompleter(transcript)
    : createOpenAICompleter({
        baseUrl: model.baseUrl,
        apiKey: model.apiKey,
        model: model.model,
        timeoutMs: options.timeoutMs,
        maxRetries: 2,
        retryBaseMs: retryBaseMs(env),
        signal: stop.signal,
        redact,
        onRetry: (info) => record({ kind: 'host_retry', ...info }),
        // The server refused the plan's JSON schema: this run's plan calls go prompt-only.
        onFallback: (info) => record({ kind: 'host_response_format_refused', ...info }),
        // node:http(s), not Node's fetch: the first call does not wait for fetch to load (start-up).
        fetch: httpFetch,
      });
  let eventsSeen = 0;
  const host = {
    readFile: dry ? dry.readFile : files.readFile,
    listDir: dry ? dry.listDir : files.listDir,
    writeFile: files.writeFile,
    deleteFile: files.deleteFile,
    verify: ({ command, timeoutMs }) =>
      runVerify({ command, cwd: workspace, timeoutMs, env: verifyEnv(env, model.apiKey, options.passEnv), signal: stop.signal, redact }),
    async complete(request) {
      if (isInterrupted()) throw Object.assign(new Error('interrupted: no more model calls'), { code: 'interrupted' });
      return completer(request);
    },
    onEvent(event) {
      record(event);
      if (crashAt?.point === 'core-panic' && ++eventsSeen === crashAt.n) core.panicForDiagnostics(`RED_EXEC_CRASH_AT core-panic:${crashAt.n}`);
    },
  };

  const bundle = () =>
    import('./debug-bundle.js')
      .then(({ writeDebugBundle }) =>
        writeDebugBundle({
          logDir: log.dir,
          runId,
          filesRoot: runDir,
          redact,
          exportedBy: { redExec: PACKAGE.version, node: process.version, later: false },
        }),
      )
      .then(
        (file) => shown(cwd, file),
        (err) => {
          stderr.write(`red-exec: could not write the debug bundle: ${redact(String(err && err.message))}\n`);
          return null;
        },
      );

  const coreOptions = { model: model.model, maxRetries: options.maxRetries, gate: options.gate, moduleFormat: options.moduleFormat };
  if (options.partial) coreOptions.partial = true;
  if (options.allow?.length > 0) coreOptions.allow = options.allow;
  if (options.contextBudget !== undefined) coreOptions.contextBudget = options.contextBudget;
  if (options.maxTokens !== undefined) coreOptions.maxTokens = options.maxTokens;
  if (options.maxCost !== undefined) coreOptions.maxCostUsd = options.maxCost;
  // A dry run's copy holds only the files in scope: the project's check cannot run there.
  if (options.verify && !dry) {
    Object.assign(coreOptions, { verify: options.verify, verifyTimeoutMs: options.verifyTimeoutMs, keepOnFail: options.keepOnFail });
  }
  let result;
  try {
    const input = { task: options.task, files: options.files, read: options.read, skills, options: coreOptions, words: WORDS, host, runId };
    if (supplied) input.supplied = supplied;
    result = await core.runTask(input);
  } catch (err) {
    files.journal?.close();
    progress.stop();
    record({ kind: 'host_error', message: redact(String(err && err.stack ? err.stack : err)) });
    // The run's status for --runs and the bundle: the core could not say it, so the host does.
    log.finish({ kind: 'result', runId, status: 'CRASHED', error: { code: err?.code ?? 'internal', message: redact(String(err?.message ?? err)) }, wallMs: Math.round(performance.now() - started) });
    log.close();
    if (signalled()) return interruptedFail();
    const zip = await bundle();
    const where = zip ? ` (debug bundle: ${zip})` : '';
    const message = String(err && err.message ? err.message : err).replace(/\s*\n\s*/g, ' ');
    return fail(`internal error: ${message}${where}`, EXIT.INTERNAL);
  }
  files.journal?.close();
  const wallMs = Math.round(performance.now() - started);
  progress.stop();
  const hostWarnings = [...aliases.warnings, ...git.warnings, ...(await filesHoldingKey(result, files, model.apiKey))];
  if (hostWarnings.length > 0) result.warnings = [...(result.warnings ?? []), ...hostWarnings];
  if (log.broken) logBroke(result, log, runId);
  if (options.commit) result.commit = isInterrupted() ? { skipped: `${log.broken ? 'the run log broke' : 'interrupted'}; nothing committed` } : await commitAfterRun(git, result, options.task, workspace);
  const unlogged = log.finish({ kind: 'result', ...result, wallMs });
  log.close();
  if (unlogged && !log.broken) logBroke(result, log, runId);

  let reportProblem = null;
  let reportFile = null;
  if (options.report) {
    try {
      reportFile = writeReport(workspace, redact(withSettingRows(core.renderMarkdownReport(result, options.task, wallMs, WORDS), settingsInForce(options, Boolean(dry)))), { dryRun: Boolean(dry) });
    } catch (err) {
      reportProblem = `could not write the run report ${REPORT_FILE}: ${err.code ?? err.message}`;
    }
  }

  const settings = settingsInForce(options, Boolean(dry));
  if (options.json) {
    stdout.write(redact(`${JSON.stringify({ ...result, settings }, null, 2)}\n`));
  } else if (!options.quiet) {
    let text = withSettingLines(core.renderReport(result, wallMs, WORDS), settings);
    if (!text.endsWith('\n')) text += '\n';
    if (options.diff) {
      const diffs = diffsText(result);
      if (diffs) text += `\n${diffs}`;
    }
    if (result.commit?.sha) text += `Commit:   ${result.commit.sha.slice(0, 12)} (${result.commit.paths.length} file${result.commit.paths.length === 1 ? '' : 's'}; undo with git revert ${result.commit.sha.slice(0, 12)})\n`;
    if (reportFile) text += `Report:   ${shown(cwd, reportFile)}\n`;
    if (dry) text += '\nDry run: no file in the workspace was changed; the diffs show what the run would write.\n';
    if (dry && options.verify) text += `Dry run: the check \`${options.verify}\` was not run.\n`;
    // Control characters from answers and files (ESC, CR...) are shown escaped, never acted on.
    stdout.write(printable(redact(text)));
  }

  if (signalled()) return interruptedFail();
  // Only a run that crashed (a bug) exports its bundle by itself: a FAILED run's cause is in its
  // report, and an interrupt is the user's choice.
  const zip = options.exportDebug || result.status === 'CRASHED' ? await bundle() : null;
  const code = exitCodeForResult(result);
  const commitProblem = result.commit?.error ? `--commit: ${result.commit.error}; the run's changes are in the working tree, uncommitted` : null;
  if (code === EXIT.OK && (reportProblem || commitProblem)) return fail([commitProblem, reportProblem].filter(Boolean).join('; also '), EXIT.WRITE_FAILED);
  if (code !== EXIT.OK) {
    // One line all the same: the run's failure first, a missing report after it.
    const also = reportProblem ? `; also ${reportProblem}` : '';
    const commitNote = options.commit ? ' (--commit: nothing committed)' : '';
    fail(`${failureMessage(result)}${also}${commitNote}${zip ? ` (debug bundle: ${zip})` : ''}`, code);
  } else if (zip) {
    stderr.write(`red-exec: debug bundle: ${zip}\n`);
  }
  return code;
}
