// Types of @codemaestro/core: the governed execution core (Rust, compiled to WebAssembly).
// The core never touches the network or the disk: the host answers its requests.

export type Action = 'CREATE' | 'MODIFY' | 'EXTRACT' | 'DELETE';
/** FAILED: a user's mistake or a model/server failure (`error.code` says which); CRASHED: a bug. */
export type Status = 'OK' | 'PARTIAL' | 'VERIFY_FAILED' | 'INTERRUPTED' | 'FAILED' | 'CRASHED';
export type StageState = 'ok' | 'failed' | 'skipped' | 'pending';
export type GateMode = 'block' | 'warn' | 'off';
export type ModuleFormat = 'auto' | 'cjs' | 'esm';

export interface RunOptions {
  /** Model name, used for the report and the cost estimate. */
  model?: string;
  /** Fresh retries of a unit whose answer fails extraction, syntax or the gate. Default 2. */
  maxRetries?: number;
  /** Default 'block'. */
  gate?: GateMode;
  /** Default 'auto': follow the file's own syntax, then package.json "type". */
  moduleFormat?: ModuleFormat;
  /** Largest prompt one model call may send, in (estimated) tokens. A unit over it fails; nothing is cut silently. */
  contextBudget?: number;
  /** The user's check, run by the host (`host.verify`) once the files are written; exit 0 passes. On failure
   *  the core restores every file it changed and retries the units (up to `maxRetries` times) with the end of
   *  the check's output in their prompts. */
  verify?: string;
  /** The check's time limit, passed on to `host.verify`. Default 300000. */
  verifyTimeoutMs?: number;
  /** Keep the changes when the check fails (status VERIFY_FAILED), instead of restoring the files. */
  keepOnFail?: boolean;
}

/** What the host knows about one workspace file. */
export type FileState =
  | { state: 'present'; text: string }
  | { state: 'absent' }
  | {
      state: 'unreadable';
      reason: 'binary' | 'not_utf8' | 'directory' | 'too_large' | 'outside_workspace' | 'io';
      message: string;
    };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A request for one model completion. `stage`, `path` and `action` repeat the prompt's machine-readable block. */
export interface CompletionRequest {
  id: number;
  stage: 'L1' | 'L3';
  path: string | null;
  action: Action | null;
  /** 0 for the first call of a unit (or of the plan); 1, 2, ... for its fresh retries. */
  attempt: number;
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface Completion {
  text: string;
  usage?: Usage;
  /** Wall time of the HTTP call, measured by the host. */
  durationMs?: number;
}

/** Error codes a host may attach to a failed completion (`error.code`). 'interrupted': the user stopped the run. */
export type CompletionErrorCode = 'auth' | 'rate_limit' | 'server' | 'timeout' | 'network' | 'bad_response' | 'interrupted';

export interface Violation {
  rule: 'in_scope' | 'syntax' | 'exports_kept' | 'exports_declared' | 'module_format' | 'read_only' | 'json';
  message: string;
}

export interface FileOutcome {
  path: string;
  action: Action;
  /** 'rolled_back': written or deleted, then restored (the check failed, or a later write of the run failed). */
  outcome: 'written' | 'deleted' | 'blocked' | 'failed' | 'unchanged' | 'rolled_back';
  /** Unified diff of the change (empty when nothing changed). */
  diff: string;
  violations: Violation[];
  attempts: number;
  error?: string;
}

export interface PlanEntry {
  path: string;
  action: Action;
  intent: string;
  from?: string;
  symbols?: string[];
  /** MODIFY: the sections the change touches (absent: the whole file). */
  sections?: string[];
  /** MODIFY: only point imports at code an EXTRACT moved. */
  rewire?: boolean;
  /** MODIFY: exports the task asks to remove. */
  dropExports?: string[];
}

export interface RunError {
  /** Stable machine-readable code, e.g. 'input_missing', 'model_auth', 'plan_invalid'. */
  code: string;
  message: string;
}

export interface RunResult {
  runId: string;
  status: Status;
  stages: { L1: StageState; L2: StageState; L3: StageState; gate: StageState };
  plan: PlanEntry[];
  files: FileOutcome[];
  counts: { written: number; deleted: number; blocked: number; failed: number; rolledBack: number };
  usage: { promptTokens: number; completionTokens: number; totalTokens: number; calls: number; modelMs: number };
  costUsd: number | null;
  error: RunError | null;
  /** Usage split by model stage; L2 makes no model call. */
  usageByStage: { L1: StageUsage; L3: StageUsage };
  /** Present when the run had a check (`options.verify`). */
  verify?: VerifyReport;
  /** The gate mode the run used. */
  gate: 'block' | 'warn' | 'off';
  /** What the gate let through (`code: 'gate'`, with the rule) and what the host adds (e.g. `git_dirty`). */
  warnings: RunWarning[];
}

export interface RunWarning {
  code: string;
  rule?: string;
  path?: string;
  message: string;
}

export interface VerifyAttempt {
  passed: boolean;
  /** null when the command was killed by a signal or could not run. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number | null;
  /** The end of the command's output (at most 80 lines / 4000 bytes). */
  outputTail: string;
}

export interface VerifyReport {
  command: string;
  attempts: VerifyAttempt[];
  passed: boolean;
  /** The failing run's changes were restored. */
  rolledBack: boolean;
  /** The failing run's changes were kept (`keepOnFail`). */
  kept: boolean;
}

/** What `host.verify` is asked to do. */
export interface VerifyRequest {
  command: string;
  timeoutMs: number;
  /** 0 for the first check, then 1, 2, ... after each retry round. */
  attempt: number;
}

/** How the check ended. Throw (with `code: 'interrupted'` when the user stopped it) if it could not run. */
export interface VerifyOutcome {
  exitCode: number | null;
  signal?: string | null;
  timedOut?: boolean;
  durationMs?: number;
  /** stdout and stderr; the end is what matters. */
  output?: string;
}

export interface StageUsage {
  promptTokens: number;
  completionTokens: number;
  calls: number;
}

export type GateDecision = 'pass' | 'warn' | 'block';

/** Every event the core reports through `host.onEvent`, in order; `seq` counts from 1. */
export type RunEvent = { seq: number } & (
  | { kind: 'run_start'; runId: string; task: string; files: string[]; read: string[]; options: RunOptions }
  | { kind: 'stage'; stage: 'L1' | 'L2' | 'L3' | 'gate'; state: StageState }
  | {
      kind: 'model_request';
      id: number;
      stage: 'L1' | 'L3';
      path: string | null;
      action: Action | null;
      /** 0 for the first call, then 1, 2, ... for fresh retries (as in CompletionRequest). */
      attempt: number;
      messages: ChatMessage[];
    }
  | { kind: 'model_response'; id: number; text: string; usage: Usage | null; durationMs: number | null }
  | { kind: 'model_error'; id: number; code: CompletionErrorCode | string; message: string }
  | { kind: 'plan'; actions: PlanEntry[] }
  | { kind: 'plan_rejected'; problems: string[] }
  /** `attempt` is the rejected call's attempt: 0 for the first. */
  | { kind: 'unit_rejected'; path: string; attempt: number; reason: string }
  | { kind: 'gate'; path: string; action: Action; decision: GateDecision; violations: Violation[] }
  | { kind: 'write'; path: string }
  | { kind: 'delete'; path: string }
  | { kind: 'write_error'; path: string; message: string }
  /** What one generation call is shown (read-only files whole or as outlines) and its estimated tokens. */
  | {
      kind: 'context';
      path: string;
      section: number | null;
      tokens: number;
      budget: number;
      readOnly: { path: string; whole: boolean }[];
    }
  | { kind: 'verify_start'; attempt: number; command: string }
  | { kind: 'verify_end'; attempt: number; result: VerifyAttempt }
  /** A changed file was restored to its content before the run. */
  | { kind: 'rollback'; path: string }
  | { kind: 'rollback_error'; path: string; message: string }
  | { kind: 'run_end'; status: Status; error: RunError | null }
);

export type RunEventKind = RunEvent['kind'];

export interface Host {
  complete(request: CompletionRequest): Promise<Completion>;
  readFile(path: string): Promise<FileState>;
  /** `rollback`: the core is restoring the content from before the run; let it through even after
   *  the user stopped the run. Throw an error with `code: 'interrupted'` to refuse an ordinary write
   *  because the user stopped the run: the core then takes back the changes already made. */
  writeFile(path: string, text: string, options?: { rollback?: boolean }): Promise<void>;
  deleteFile(path: string, options?: { rollback?: boolean }): Promise<void>;
  /** Runs the check (`options.verify`); without it a run with a check ends VERIFY_FAILED. */
  verify?(request: VerifyRequest): Promise<VerifyOutcome>;
  onEvent?(event: RunEvent): void;
}

export interface RunTaskInput {
  task: string;
  /** Files the run may write (and read). */
  files: string[];
  /** Read-only context files: never written (the gate blocks it). */
  read?: string[];
  /** Skill files' Markdown text: conventions added to the prompts. */
  skills?: string[];
  options?: RunOptions;
  host: Host;
  runId?: string;
}

export function runTask(input: RunTaskInput): Promise<RunResult>;

/** The console report (`=== Run Report ===` ...), with the wall time measured by the host. */
export function renderReport(result: RunResult, wallMs: number): string;

/** The Markdown run report (what `red-exec --report` writes to `.red-exec-logs/report.md`). */
export function renderMarkdownReport(result: RunResult, task: string, wallMs: number): string;

/** A starter skill file (Markdown) from the project's sources as [path, text] pairs and its package.json text. */
export function skillStarter(files: [string, string][], packageJson?: string | null): string;

/** A skill file's banned identifiers, and its text without HTML comments (what the prompts should carry). */
export function parseSkill(markdown: string): { banned: string[]; text: string };

/** A fresh run id (time + random), made inside the core. */
export function newRunId(): string;

/** Version of the core. */
export function version(): string;

/** Models the core has prices for: name -> provider. */
export function knownModels(): Record<string, { provider: 'deepseek' | 'openai'; inputPerM: number; outputPerM: number }>;

/** Diagnostic: make the core panic; the promise or call rejects with an Error (code 'core_panic'). */
export function panicForDiagnostics(message: string): never;

/** Browser build only: load the wasm (default: next to the module). `runTask` calls it itself. */
export function init(source?: string | URL | Response | BufferSource): Promise<unknown>;

export * from './host/index.js';
