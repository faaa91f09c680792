// The tools of `red-exec mcp`, one table. Each writing or model tool is the CLI's own command run
// in-process (lib/main.js with a captured stdout and --json): the same config and trust, model and
// key, confinement, workspace lock, journal and backups, gate, check, rollback, undo and report.
// Nothing here decides what may be written; it only translates arguments and answers.

import * as core from '@codemaestro/core';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { locateRun, readEvents } from '../undo.js';
import * as S from './schemas.js';

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

/** The table: name, title, description, input and output schema, annotations, and the handler. */
export const TOOLS = [
  {
    name: 'governed_write',
    title: 'Governed write',
    description:
      'Write (or delete) files whose content you supply, through red-exec\'s gate: every InvariantGate rule (syntax, exports kept, module format, scope, new capabilities...) checks each file as it would a model\'s answer; the files are one plan, written whole or not at all, atomically, with a backup and a journal (undo with the undo tool); then the configured check runs, and a failing check restores every file. A refusal is isError with per-file verdicts (rule, message, line): correct the content and call again. No model is called.',
    inputSchema: S.governedWriteInput,
    outputSchema: S.runOutput,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    keyed: true,
    handler: (args, ctx) => ctx.run(governedWriteArgv(args, ctx), { supplied: suppliedFiles(args.files) }),
  },
  {
    name: 'run_task',
    title: 'Run a task',
    description:
      'The whole red-exec pipeline: the configured model plans the task over the given files, writes each unit, the gate checks every file, the plan is written whole or not at all (backup, journal, undo), the configured check runs and a failure restores every file. Same result shape as governed_write.',
    inputSchema: S.runTaskInput,
    outputSchema: S.runOutput,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    keyed: true,
    handler: (args, ctx) => ctx.run([...ctx.base({ check: args.check }), ...readArgs(args.read), '--files', ...paths(args.files), '--', args.task]),
  },
  {
    name: 'plan',
    title: 'Plan a task',
    description: 'The plan red-exec would follow for a task (per file: CREATE, MODIFY, EXTRACT or DELETE, with sections and intent): asks the configured model for the plan only (none for one file: the plan is derived), on a temporary copy. Changes nothing.',
    inputSchema: S.planInput,
    outputSchema: S.planOutput,
    annotations: { ...READ_ONLY, openWorldHint: true },
    handler: planTool,
  },
  {
    name: 'dry_run',
    title: 'Dry run',
    description: 'run_task (files as paths, with task) or governed_write (files with content) on a temporary copy of the files: the same gate and verdicts, the diffs that would be written; no file in the workspace changes and the check is not run.',
    inputSchema: S.dryRunInput,
    outputSchema: S.runOutput,
    annotations: { ...READ_ONLY, idempotentHint: false, openWorldHint: true },
    handler: (args, ctx) => {
      const supplied = args.files.some((f) => typeof f !== 'string');
      if (supplied) return ctx.run(governedWriteArgv({ ...args, check: false }, ctx, ['--dry-run']), { supplied: suppliedFiles(args.files) });
      if (!args.task) throw new UsageError('dry_run: files given as paths need a task (or give each file\'s content, as for governed_write)');
      return ctx.run([...ctx.base({ check: false }), '--dry-run', ...readArgs(args.read), '--files', ...paths(args.files), '--', args.task]);
    },
  },
  {
    name: 'undo',
    title: 'Undo a run',
    description: 'Put back every file a run (default: the last) wrote or deleted, from its backup, as red-exec --undo: refused when a file changed since (force: restore anyway, keeping the changed version). Undoing a run twice changes nothing the second time.',
    inputSchema: S.undoInput,
    outputSchema: S.undoOutput,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    keyed: true,
    handler: undoTool,
  },
  {
    name: 'runs',
    title: 'Recent runs',
    description: 'The recent runs of the workspace, newest first: id, start, status, file counts, task (red-exec --runs --json).',
    inputSchema: S.runsInput,
    outputSchema: S.runsOutput,
    annotations: READ_ONLY,
    handler: async (_args, ctx) => {
      const { code, json, message } = await ctx.cli(['--runs', '--workspace', ctx.workspace, '--json']);
      if (code !== EXIT.OK) return refused(message ?? json?.error?.message);
      return answer({ runs: json.runs, more: json.more ?? 0 });
    },
  },
  {
    name: 'get_run',
    title: 'A run\'s events and report',
    description: 'One run\'s result, its console report and its events (from .red-exec-logs/<run-id>/events.jsonl).',
    inputSchema: S.getRunInput,
    outputSchema: S.getRunOutput,
    annotations: READ_ONLY,
    handler: getRunTool,
  },
];

/** A supplied path must reach the CLI's --files as the one path it is. */
function paths(list) {
  for (const p of list) {
    if (p.includes(',')) throw new UsageError(`${p}: a path with a comma cannot be given (--files splits on commas)`);
    if (p.startsWith('-')) throw new UsageError(`${p}: a path may not start with "-" (write it as ./${p})`);
  }
  return list;
}

const readArgs = (read) => (read?.length ? ['--read', paths(read).join(',')] : []);

/** `flags`: more of the CLI's flags (they must come before the `--` that ends them). */
function governedWriteArgv(args, ctx, flags = []) {
  const files = args.files.map((f) => f.path);
  const seen = new Set();
  for (const f of args.files) {
    if (seen.has(f.path)) throw new UsageError(`${f.path}: given twice; each file once`);
    seen.add(f.path);
    const has = typeof f.content === 'string';
    if (has === Boolean(f.delete)) throw new UsageError(`${f.path}: give either its content or delete: true`);
  }
  const summary = args.summary?.trim() || `governed_write: ${files.join(', ')}`;
  const allow = args.allow?.length ? ['--allow', args.allow.join(',')] : [];
  return [...ctx.base({ check: args.check }), ...flags, ...allow, '--files', ...paths(files), '--', summary];
}

/** The core's supplied files: content or delete, and the exports dropped on purpose. */
function suppliedFiles(files) {
  return files.map((f) => {
    const out = f.delete ? { path: f.path, delete: true } : { path: f.path, content: f.content };
    if (f.dropExports?.length) out.dropExports = f.dropExports;
    return out;
  });
}

/** A tool answer: the structured content, and the same as text for clients that read only that. */
export function answer(structured, isError = false) {
  return { content: [{ type: 'text', text: JSON.stringify(structured, null, 2) }], structuredContent: structured, isError };
}

export function refused(message) {
  return { content: [{ type: 'text', text: message ?? 'refused' }], isError: true };
}

const LINE = /\bline (\d+)/;

/** The per-file verdicts an agent can act on: rule, message, and the line when the message names one. */
function verdicts(violations = []) {
  return violations.map((v) => {
    const m = LINE.exec(v.message);
    return { rule: v.rule, message: v.message, line: m ? Number(m[1]) : null };
  });
}

/** The CLI's --json answer (a RunResult, or a refusal) as the run tools' output. */
export function runAnswer({ code, json, message }) {
  const result = json ?? {};
  const lastCheck = result.verify?.attempts?.at(-1);
  const structured = {
    status: result.status ?? 'FAILED',
    exitCode: code,
    runId: result.runId ?? null,
    files: (result.files ?? []).map((f) => ({
      path: f.path,
      action: f.action,
      outcome: f.outcome,
      verdicts: verdicts(f.violations),
      diff: f.diff ?? '',
      error: f.error ?? null,
      attempts: f.attempts,
    })),
    check: result.verify
      ? { command: result.verify.command, passed: result.verify.passed, exitCode: lastCheck?.exitCode ?? null, outputTail: lastCheck?.outputTail ?? '', rolledBack: Boolean(result.verify.rolledBack) }
      : null,
    error: result.error ? { code: String(result.error.code), message: result.error.message } : code === EXIT.OK ? null : { code: 'refused', message: message ?? `exit ${code}` },
    warnings: result.warnings ?? [],
    plan: result.plan ?? [],
    report: result.runId ? core.renderReport(result, result.wallMs ?? 0) : (message ?? ''),
    idempotency: null,
  };
  return answer(structured, code !== EXIT.OK);
}

/** plan: a dry run stopped as soon as the plan is known (the model's L1 answer, or the derived plan). */
async function planTool(args, ctx) {
  let plan = null;
  const stop = new AbortController();
  const argv = [...ctx.base({ check: false }), '--dry-run', ...readArgs(args.read), '--files', ...paths(args.files), '--', args.task];
  const done = await ctx.cli(argv, {
    signal: stop.signal,
    onEvent: (e) => {
      if (e.kind === 'plan' && !plan) {
        plan = e;
        stop.abort();
      }
    },
  });
  const runId = done.json?.runId ?? null;
  if (plan) return answer({ status: 'OK', exitCode: EXIT.OK, runId, plan: plan.actions, source: plan.source ?? null, error: null });
  const error = done.json?.error ?? { code: 'refused', message: done.message ?? `exit ${done.code}` };
  return answer({ status: done.json?.status ?? 'FAILED', exitCode: done.code, runId, plan: [], source: null, error: { code: String(error.code), message: error.message } }, true);
}

async function undoTool(args, ctx) {
  if (args.runId !== undefined && args.runId.startsWith('-')) throw new UsageError(`${args.runId}: not a run id`);
  const argv = ['--undo', ...(args.runId ? [args.runId] : []), ...(args.force ? ['--force'] : []), '--workspace', ctx.workspace, '--json'];
  const { code, json, message } = await ctx.cli(argv);
  const s = json ?? {};
  const structured = {
    status: code === EXIT.OK ? 'OK' : 'FAILED',
    exitCode: code,
    runId: s.runId ?? args.runId ?? null,
    restored: s.restored ?? [],
    removed: s.removed ?? [],
    unchanged: s.unchanged ?? [],
    already: Boolean(s.already),
    error: code === EXIT.OK ? null : { code: String(s.error?.code ?? 'refused'), message: message ?? s.error?.message ?? `exit ${code}` },
    idempotency: null,
  };
  return answer(structured, code !== EXIT.OK);
}

async function getRunTool(args, ctx) {
  const { runId, runDir } = locateRun(ctx.workspace, args.runId, 'get_run runId');
  const events = readEvents(runDir);
  const result = events.findLast((e) => e.kind === 'result') ?? null;
  const report = result?.runId ? core.renderReport(result, result.wallMs ?? 0) : null;
  return answer({ runId, status: result?.status ?? null, result, report, events: args.events === false ? [] : events });
}
