// Types of @codemaestro/core: the governed execution core (Rust, compiled to WebAssembly).
// The core never touches the network or the disk: the host answers its requests.
//
// Every value the core takes or returns is declared in ./types/protocol.d.ts, generated from the
// Rust types (a Rust test fails when it is stale). This file holds what only the JS side has:
// the functions and the host contract, written in terms of those generated types.

import type { CompletionRequest, DirState, ErrorCodeInfo, ExpectedFile, FileState, GateRuleInfo, ModelInfo, Reply, Request, RunEvent, RunInput, RunResult, Skill, Words } from './types/protocol.js';

export * from './types/protocol.js';

/** One variant of a `kind`-tagged union, without the tag. */
type Variant<Union, Kind> = Omit<Extract<Union, { kind: Kind }>, 'kind'>;

/** What `host.complete` answers: the model's text, its token usage and the wall time of the HTTP call. */
export type Completion = Variant<Reply, 'completion'>;

/** Error codes a host may attach to a failed completion (`error.code`). 'interrupted': the user stopped the run. */
export type CompletionErrorCode = 'auth' | 'rate_limit' | 'server' | 'timeout' | 'network' | 'bad_response' | 'interrupted';

/** What `host.verify` is asked to run; `attempt` is 0 for the first check, then 1, 2, ... after each retry round. */
export type VerifyRequest = Variant<Request, 'verify'>;

/** How the check ended (`exitCode` null: killed by a signal). Throw (with `code: 'interrupted'` when the
 *  user stopped it) if it could not run. `output`: stdout and stderr; the end is what matters. */
export type VerifyOutcome = Variant<Reply, 'verified'>;

export type RunEventKind = RunEvent['kind'];

/** What the core passes with every write and delete. */
export interface ChangeOptions {
  rollback?: boolean;
  expect?: ExpectedFile;
}

export interface Host {
  /** Throw to fail the call; an `error.code` from CompletionErrorCode says how (default 'network'). */
  complete(request: CompletionRequest): Promise<Completion>;
  readFile(path: string): Promise<FileState>;
  /** Lists a directory the task names, recursively, as workspace paths (the core outlines their
   *  script files as read-only context); without it, no directory is listed. `absent` for nothing
   *  there or a file; `unreadable` with reason 'outside_workspace' for one that leads out. */
  listDir?(path: string): Promise<DirState>;
  /** `rollback`: the core is restoring the content from before the run; let it through even after
   *  the user stopped the run. Throw an error with `code: 'interrupted'` to refuse an ordinary write
   *  because the user stopped the run: the core then takes back the changes already made.
   *  `expect` (compare-and-swap): what the file must be right before the change, the text the run
   *  read or last wrote there, or no file; when it is anything else, leave it alone and throw an
   *  error with `code: 'conflict'`: the run stops and takes back its other changes. */
  writeFile(path: string, text: string, options?: ChangeOptions): Promise<void>;
  /** As writeFile; a file that is already gone is no error (nothing of anyone's is lost). */
  deleteFile(path: string, options?: ChangeOptions): Promise<void>;
  /** Runs the check (`options.verify`); without it a run with a check ends VERIFY_FAILED. */
  verify?(request: VerifyRequest): Promise<VerifyOutcome>;
  onEvent?(event: RunEvent): void;
}

/** A run: the task, the files it may write, read-only context, skills, options, and the host that does the I/O. */
export interface RunTaskInput extends RunInput {
  host: Host;
}

export function runTask(input: RunTaskInput): Promise<RunResult>;

/** The console report (`=== Run Report ===` ...), with the wall time measured by the host.
 *  `words`: the host's names for its controls in the advice (default: the run input's own names). */
export function renderReport(result: RunResult, wallMs: number, words?: Words): string;

/** The Markdown run report (what `red-exec --report` writes to `.red-exec-logs/report.md`). */
export function renderMarkdownReport(result: RunResult, task: string, wallMs: number, words?: Words): string;

/** A starter skill file (Markdown) from the project's sources as [path, text] pairs and its package.json text. */
export function skillStarter(files: [string, string][], packageJson?: string | null, words?: Words): string;

/** Every error code a run can stop with (`result.error.code`): the run's status, the exit code a
 *  command-line host ends with, what went wrong and the advice (in `words`). */
export function errorCodes(words?: Words): ErrorCodeInfo[];

/** A skill file's banned identifiers, and its text without HTML comments (what the prompts should carry). */
export function parseSkill(markdown: string): Skill;

/** A fresh run id (time + random), made inside the core. */
export function newRunId(): string;

/** Version of the core. */
export function version(): string;

/** Models the core has prices for, by name. */
export function knownModels(): Record<string, ModelInfo>;

/** Every gate rule: its name (as in violations) and what it holds a write to, in one line. */
export function gateRules(): GateRuleInfo[];

/** Why a workspace-relative path is one of red-exec's own files (never written by a run), else null. */
export function toolPath(path: string): string | null;

/** Diagnostic: make the core panic; the promise or call rejects with an Error (code 'core_panic'). */
export function panicForDiagnostics(message: string): never;

/** Browser build only: load the wasm (default: next to the module). `runTask` calls it itself.
 *  (`ArrayBuffer | ArrayBufferView` rather than the DOM's `BufferSource`, so Node projects without
 *  the DOM library type-check.) */
export function init(source?: string | URL | Response | ArrayBuffer | ArrayBufferView): Promise<unknown>;

export * from './host/index.js';
