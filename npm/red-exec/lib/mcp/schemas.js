// The declared input and output schemas of `red-exec mcp`'s tools (zod, as the SDK takes them;
// clients see them as JSON Schema in tools/list).

import * as z from 'zod/v4';
import { CAPABILITIES } from '../args.js';

const path = z.string().min(1).describe('a path relative to the workspace (the server\'s --workspace)');

/** One file the calling agent supplies: its whole new content, or its deletion. */
export const suppliedFile = z
  .object({
    path,
    content: z.string().optional().describe('the whole new content of the file (created when it does not exist)'),
    delete: z.boolean().optional().describe('true: delete the file (give no content)'),
    dropExports: z.array(z.string()).optional().describe('exports this change removes on purpose (otherwise losing an export is refused: rule exports_kept)'),
  })
  .strict();

const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe('a retried call with the same key returns the first call\'s result and applies nothing again (kept in the workspace\'s .red-exec-logs/, across restarts)');

const check = z.boolean().optional().describe('run the configured check (the server\'s --verify, or a trusted .red-exec.json verify) after the writes; default true');

export const governedWriteInput = {
  files: z.array(suppliedFile).min(1).describe('the files to write or delete: one plan, applied whole or not at all'),
  summary: z.string().optional().describe('what the change does (the run\'s task line in its log and report)'),
  check,
  allow: z.array(z.enum(CAPABILITIES)).optional().describe('capabilities the new content may add (process, network, dynamic-code, fs; gate rule new_capability)'),
  idempotencyKey,
};

const taskFields = {
  task: z.string().min(1).describe('what to change, in words (the model plans and writes it)'),
  files: z.array(path).min(1).describe('the files the task may write'),
  read: z.array(path).optional().describe('read-only context files'),
};

export const runTaskInput = { ...taskFields, check, idempotencyKey };
export const planInput = taskFields;
export const dryRunInput = {
  task: z.string().min(1).optional().describe('with files as paths: the task, as for run_task'),
  files: z
    .union([z.array(path).min(1), z.array(suppliedFile).min(1)])
    .describe('paths (with task: run_task on a temporary copy) or supplied files (governed_write on a temporary copy)'),
  read: z.array(path).optional(),
  summary: z.string().optional(),
  allow: governedWriteInput.allow,
};
export const undoInput = {
  runId: z.string().optional().describe('the run to undo (default: the last run)'),
  force: z.boolean().optional().describe('restore files changed since the run (their versions are kept), as red-exec --undo --force'),
  idempotencyKey,
};
export const runsInput = {};
export const getRunInput = {
  runId: z.string().describe('a run id from a result or from runs ("last": the last run)'),
  events: z.boolean().optional().describe('include the run\'s events (default true)'),
};

const verdict = z.object({
  rule: z.string().describe('the gate rule (see red-exec --help)'),
  message: z.string(),
  line: z.number().int().nullable().describe('the line the finding names, when it names one'),
});

const fileResult = z.looseObject({
  path: z.string(),
  action: z.string().describe('CREATE | MODIFY | EXTRACT | DELETE'),
  outcome: z.string().describe('written | deleted | blocked | failed | rolled_back | withheld | unchanged ...'),
  verdicts: z.array(verdict),
  diff: z.string(),
  error: z.string().nullable(),
});

const checkResult = z
  .object({
    command: z.string(),
    passed: z.boolean(),
    exitCode: z.number().int().nullable(),
    outputTail: z.string(),
    rolledBack: z.boolean(),
  })
  .nullable();

const idempotency = z.object({ key: z.string(), replayed: z.boolean() }).nullable();

/** What every run tool answers: governed_write, run_task, dry_run. */
export const runOutput = {
  status: z.string().describe('OK | BLOCKED | PARTIAL | FAILED | INTERRUPTED | CRASHED (a refusal before the run: FAILED)'),
  exitCode: z.number().int().describe('red-exec\'s exit code for the same run (README: exit codes)'),
  runId: z.string().nullable(),
  files: z.array(fileResult),
  check: checkResult,
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  warnings: z.array(z.looseObject({ code: z.string(), message: z.string() })),
  plan: z.array(z.looseObject({ path: z.string(), action: z.string() })),
  report: z.string().describe('the console report of the run (as red-exec prints it)'),
  idempotency,
};

export const planOutput = {
  status: z.string(),
  exitCode: z.number().int(),
  runId: z.string().nullable(),
  plan: z.array(z.looseObject({ path: z.string(), action: z.string() })),
  source: z.string().nullable().describe('model (L1 answered) or derived (one file: no model call)'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
};

export const undoOutput = {
  status: z.string(),
  exitCode: z.number().int(),
  runId: z.string().nullable(),
  restored: z.array(z.string()),
  removed: z.array(z.string()),
  unchanged: z.array(z.string()),
  already: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  idempotency,
};

export const runsOutput = {
  runs: z.array(z.looseObject({ id: z.string(), status: z.string().nullable(), task: z.string().nullable().optional() })).describe('newest first (red-exec --runs --json)'),
  more: z.number().int(),
};

export const getRunOutput = {
  runId: z.string(),
  status: z.string().nullable().describe('null: the run has no result (killed, or still going)'),
  result: z.looseObject({}).nullable(),
  report: z.string().nullable(),
  events: z.array(z.looseObject({ kind: z.string() })),
};
