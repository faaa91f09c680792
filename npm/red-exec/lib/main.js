// red-exec's command: parse, configure, run the core with a filesystem + model host,
// log every event, print the report, and map the result to an exit code.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from './args.js';
import { UsageError, ConfigError } from './errors.js';
import { EXIT, exitCodeForResult } from './exit-codes.js';
import { resolveModel } from './models.js';
import { createHttpCompleter } from './transport.js';
import { locateTranscript, loadTranscript, createReplayCompleter } from './replay.js';
import { createFsHost } from './fs-host.js';
import { openRunLog } from './run-log.js';
import { createProgress, wantsColor, paint } from './progress.js';
import { makeRedactor } from './redact.js';
import { helpText, failureMessage, diffsText } from './output.js';
import { isBenchCommand, runBenchCommand } from './bench-commands.js';

async function loadCore() {
  return import('@codemaestro/core');
}

function retryBaseMs(env) {
  const n = Number(env.RED_EXEC_RETRY_BASE_MS);
  return env.RED_EXEC_RETRY_BASE_MS !== undefined && Number.isFinite(n) && n >= 0 ? n : 500;
}

/**
 * Run the CLI. io: { env, cwd, stdout, stderr, signals } where `signals` is an
 * EventEmitter that may emit 'SIGINT' (normally `process`). Resolves to the exit code.
 */
export async function main(argv, io) {
  const { env, cwd, stdout, stderr, signals } = io;
  if (isBenchCommand(argv)) return runBenchCommand(argv, io);
  const started = performance.now();
  let redact = (s) => s;
  const color = paint(wantsColor(stderr, env));
  const fail = (message, code) => {
    stderr.write(`${color.red('red-exec:')} ${redact(message)}\n`);
    return code;
  };

  let options;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return fail(`${err.message} (see red-exec --help)`, EXIT.USAGE);
    throw err;
  }

  if (options.help) {
    let known = null;
    try {
      known = (await loadCore()).knownModels();
    } catch {
      // help still works without a built core
    }
    stdout.write(helpText(known));
    return EXIT.OK;
  }

  let core;
  try {
    core = await loadCore();
  } catch (err) {
    return fail(`cannot load @codemaestro/core (is it built? run npm run build): ${err.message}`, EXIT.INTERNAL);
  }

  if (options.version) {
    stdout.write(`red-exec ${core.version()}\n`);
    return EXIT.OK;
  }

  // Everything that can be refused is refused here, before the core runs or a log is made.
  let workspace;
  let model;
  let transcript = null;
  try {
    workspace = path.resolve(cwd, options.workspace ?? '.');
    let st = null;
    try {
      st = fs.statSync(workspace);
    } catch {
      // reported below
    }
    if (!st || !st.isDirectory()) throw new UsageError(`--workspace ${options.workspace}: not a directory`);
    model = resolveModel(options, env, core.knownModels());
    if (model.mode === 'replay') {
      transcript = loadTranscript(locateTranscript(options.replay, { cwd, workspace }));
      // Price the replay like the recording unless a model was asked for.
      if (options.model === undefined && !env.LLM_MODEL && transcript.recordedModel) model.model = transcript.recordedModel;
    }
    // An absolute path inside the workspace is taken as the relative path it names.
    options.files = options.files.map((f) => {
      if (!path.isAbsolute(f)) return f;
      const rel = path.relative(workspace, f);
      return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : f;
    });
  } catch (err) {
    if (err instanceof UsageError) return fail(`${err.message} (see red-exec --help)`, EXIT.USAGE);
    if (err instanceof ConfigError) return fail(err.message, EXIT.CONFIG);
    throw err;
  }
  redact = makeRedactor(model.apiKey);

  // Ctrl-C: cancel the model call in flight, refuse further writes, let the core finish.
  const stop = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) {
      stderr.write('\nred-exec: interrupted\n');
      process.exit(EXIT.INTERRUPTED);
    }
    interrupted = true;
    stop.abort();
  };
  signals?.on?.('SIGINT', onSigint);

  const runId = core.newRunId();
  const log = openRunLog(workspace, runId, redact);
  // The core logs the task, files and options itself (run_start); this line says who ran it.
  log.append({
    kind: 'host_start',
    runId,
    host: 'red-exec',
    core: core.version(),
    model: model.model,
    timeoutMs: options.timeoutMs,
    replay: transcript ? path.basename(transcript.file) : null,
  });

  const progress = createProgress({
    stream: stderr,
    enabled: Boolean(stderr.isTTY) && !options.quiet && !options.json,
    color: wantsColor(stderr, env),
    model: transcript ? 'the recording' : model.model,
  });
  const record = (event) => {
    try {
      log.append(event);
      progress.event(event);
    } catch {
      // a logging failure must not break the run
    }
  };

  const completer = transcript
    ? createReplayCompleter(transcript)
    : createHttpCompleter({
        baseUrl: model.baseUrl,
        apiKey: model.apiKey,
        model: model.model,
        timeoutMs: options.timeoutMs,
        maxRetries: 2,
        retryBaseMs: retryBaseMs(env),
        signal: stop.signal,
        redact,
        onRetry: (info) => record({ kind: 'host_retry', ...info }),
      });
  const files = createFsHost(workspace, { canWrite: () => !interrupted });
  const host = {
    readFile: files.readFile,
    writeFile: files.writeFile,
    deleteFile: files.deleteFile,
    async complete(request) {
      if (interrupted) throw Object.assign(new Error('interrupted: no more model calls'), { code: 'interrupted' });
      return completer(request);
    },
    onEvent: record,
  };

  let result;
  try {
    result = await core.runTask({
      task: options.task,
      files: options.files,
      options: { model: model.model, maxRetries: options.maxRetries, gate: options.gate, moduleFormat: options.moduleFormat },
      host,
      runId,
    });
  } catch (err) {
    progress.stop();
    record({ kind: 'host_error', message: redact(String(err && err.stack ? err.stack : err)) });
    log.close();
    signals?.removeListener?.('SIGINT', onSigint);
    if (interrupted) return fail('interrupted', EXIT.INTERRUPTED);
    return fail(`internal error: ${err && err.message ? err.message : err}`, EXIT.INTERNAL);
  }
  const wallMs = Math.round(performance.now() - started);
  progress.stop();
  log.append({ kind: 'result', ...result, wallMs });
  log.close();
  signals?.removeListener?.('SIGINT', onSigint);

  if (options.json) {
    stdout.write(redact(`${JSON.stringify(result, null, 2)}\n`));
  } else if (!options.quiet) {
    let text = core.renderReport(result, wallMs);
    if (!text.endsWith('\n')) text += '\n';
    if (options.diff) {
      const diffs = diffsText(result);
      if (diffs) text += `\n${diffs}`;
    }
    stdout.write(redact(text));
  }

  if (interrupted) return fail('interrupted', EXIT.INTERRUPTED);
  const code = exitCodeForResult(result);
  if (code !== EXIT.OK) fail(failureMessage(result), code);
  return code;
}
