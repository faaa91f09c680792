// The host kit: hand-written types of its JS API (npm/core/host/*.mjs). The core's wire types
// (Host, FileState, CompletionRequest, ...) come from ../index.js.

import type { Completion, CompletionErrorCode, CompletionRequest, DirState, FileState, Host, RunEvent, Usage } from '../index.js';

/** Thrown by normalizeWorkspacePath for a path outside the workspace. */
export declare class WorkspacePathError extends Error {
  readonly code: 'outside_workspace';
  /** The path as given. */
  readonly path: unknown;
  /** Why it was refused, without the path. */
  readonly why: string;
}

/**
 * The workspace-relative form the core uses ('src/a.js' for './src/a.js', 'src\\a.js', 'src//a.js').
 * Throws WorkspacePathError for an empty path, an absolute one ('/x', 'C:\\x', 'C:x'), a '..' part or a NUL.
 */
export declare function normalizeWorkspacePath(path: string): string;

/**
 * A file in scope over this many bytes (16 MiB) is refused as 'too_large' by the file hosts of the
 * kit, unless set otherwise (createNodeHost's maxFileBytes). What goes to a model is the context
 * budget's call: a large file is sectioned, and a prompt over the budget is refused.
 */
export declare const MAX_FILE_BYTES: number;

/** The most maxFileBytes may be (32 MiB): the core refuses an answer whose code is larger. */
export declare const LARGEST_FILE_BYTES: number;

/** createOpenAICompleter's default maxResponseBytes (4 MiB): far over what one unit's max_tokens allows. */
export declare const MAX_RESPONSE_BYTES: number;

/** A failed model call, as createOpenAICompleter and createReplayCompleter throw it. */
export declare class CompletionError extends Error {
  readonly code: CompletionErrorCode;
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  readonly retryable: boolean;
  /** How long the server asked to wait (Retry-After), in ms. */
  readonly retryAfterMs?: number;
}

export interface RetryInfo {
  /** The CompletionRequest's id. */
  id: number;
  /** 1 for the first retry. */
  retry: number;
  code: CompletionErrorCode;
  status: number | null;
  delayMs: number;
  message: string;
}

export interface OpenAICompleterOptions {
  /** e.g. 'https://api.openai.com/v1' or 'http://127.0.0.1:11434/v1'; '/chat/completions' is added. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; none when empty. */
  apiKey?: string | null;
  model: string;
  /** Per HTTP call. Default 120000. */
  timeoutMs?: number;
  /** Retries of a 429, a 5xx or an unreachable server (a timeout is retried once at most). Default 2. */
  maxRetries?: number;
  /** The first retry waits this long, each next one 4x longer, or the server's Retry-After (at most 20 s) when longer. Default 500. */
  retryBaseMs?: number;
  /** Aborting it cancels the call in flight and any wait; the call fails with code 'interrupted'. */
  signal?: AbortSignal;
  /** Applied to every error message (a server may echo the key in its error body); never to the answer, which is file content. */
  redact?: (text: string) => string;
  onRetry?: (info: RetryInfo) => void;
  /** The server refused the request's JSON schema (`responseFormat`): told once, when the completer drops it for the rest of its life. */
  onFallback?: (info: { id: number; status: number | null; message: string }) => void;
  /** Default: globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  /** A response body over this many bytes is refused ('bad_response') as soon as it gets there, unread. Default MAX_RESPONSE_BYTES (4194304, 4 MB). */
  maxResponseBytes?: number;
}

/** A Host's complete() for an OpenAI-compatible chat-completions endpoint. Failures throw CompletionError.
 *  A request's `responseFormat` is sent as `response_format: {type: 'json_schema', json_schema: {name, schema, strict: true}}`;
 *  a server that refuses it gets the request again without it, and every later call goes without it.
 *  The completion's `responseFormat` says which way a call that carried a schema went. */
export declare function createOpenAICompleter(options: OpenAICompleterOptions): (request: CompletionRequest) => Promise<Completion>;

/** Is this error answer (HTTP status, body) a server refusing `response_format`? A 400 or 422 naming response_format, json_schema or schema. */
export declare function refusesResponseFormat(status: number, bodyText: string): boolean;

/** Text and usage of an OpenAI chat completion body; throws CompletionError 'bad_response' otherwise. */
/** `redact` applies to the error message only: the answer's text is returned as it came. */
export declare function parseCompletion(bodyText: string, redact?: (text: string) => string): Completion;

export interface RecordedCall {
  id: number;
  stage: CompletionRequest['stage'];
  path: string | null;
  text: string;
  usage: Usage | null;
  durationMs: number | null;
}

export interface Replay {
  /** The model the recorded run used, when its log says. */
  model: string | null;
  /** Every answered call, by id. */
  calls: RecordedCall[];
}

/** The calls of a recorded run's events.jsonl text. Throws when a line is not JSON or no call was answered. */
export declare function readReplay(eventsJsonl: string): Replay;

/**
 * A Host's complete() answering call N with the recording's answer N. A call the recording does
 * not hold, or holds for another stage or path, fails with code 'bad_response' ("replay diverged").
 */
export declare function createReplayCompleter(replay: Replay | string): (request: CompletionRequest) => Promise<Completion>;

/** The file callbacks of a Host over an in-memory copy of `files`. */
export interface MemoryHost extends Pick<Host, 'readFile' | 'writeFile' | 'deleteFile' | 'onEvent'> {
  /** The files whose paths start with `path/`, at most `max` (default 200). */
  listDir(path: string, options?: { max?: number }): Promise<DirState>;
  /** Every file now, by path. */
  files(): Record<string, string>;
  /** Each path whose content differs from the start: its text now, or null when it was deleted. */
  changes(): Map<string, string | null>;
}

export declare function createMemoryHost(
  files?: Record<string, string> | Map<string, string>,
  options?: { onEvent?: (event: RunEvent) => void },
): MemoryHost;

export interface NodeHostWrite {
  /** Workspace-relative, normalised. */
  path: string;
  /** Absolute, symbolic links followed. */
  target: string;
  text: string;
  /** The temporary file the text is written to before its rename over `target`. */
  tmp: string;
  /** Directories the write creates, outermost first. */
  dirs: string[];
  rollback: boolean;
  /** With `expect`: the bytes found at `target` (they matched it), null for no file. */
  before?: Uint8Array | null;
}

export interface NodeHostDelete {
  path: string;
  /** Absolute; a symbolic link is deleted itself, not what it points to. */
  target: string;
  rollback: boolean;
  /** With `expect`: the bytes found (through a link), which matched it. */
  before?: Uint8Array | null;
}

/** Policy around each change (a journal, backups, a test's stop points). A throw stops the change. */
export interface NodeHostHooks {
  /** Before anything is created on disk; its result is handed to afterWrite. */
  beforeWrite?(change: NodeHostWrite): unknown;
  /** Once the new file is in place and durable. */
  afterWrite?(change: NodeHostWrite, token: unknown): unknown;
  beforeDelete?(change: NodeHostDelete): unknown;
  afterDelete?(change: NodeHostDelete, token: unknown): unknown;
  /** A change that passed its before-hook did not happen (error.code 'conflict': the file changed). */
  failed?(change: NodeHostWrite | NodeHostDelete, token: unknown, error: Error): unknown;
  /** At 'mid-write' (half the bytes in the temp file) and 'before-rename'; `prepare` makes what is written so far durable. */
  step?(point: 'mid-write' | 'before-rename', prepare?: () => Promise<void>): unknown;
}

export interface NodeHostOptions {
  /** The directory every path is confined to (symbolic links leading out are refused). */
  workspace: string;
  hooks?: NodeHostHooks;
  /** Start of the temporary files' names. Default '.red-exec'. */
  tempPrefix?: string;
  /** A file over this many bytes is refused as 'too_large'. Default MAX_FILE_BYTES; at most LARGEST_FILE_BYTES. */
  maxFileBytes?: number;
}

/** The file callbacks of a Host over a directory; `root` is its real path. */
export interface NodeHost extends Pick<Host, 'readFile' | 'writeFile' | 'deleteFile'> {
  readonly root: string;
  /** The files under `path`, recursively, at most `max` (default 200): inside the
   *  workspace only, without what .gitignore files ignore, node_modules/, .git/ and .red-exec*. */
  listDir(path: string, options?: { max?: number }): Promise<DirState>;
}

/** Node only (not in the browser entry): a workspace-confined file host with atomic writes. */
export declare function createNodeHost(options: NodeHostOptions): NodeHost;

/** What mergeAliases made of the lists in scope. */
export interface MergedScope {
  files: string[];
  read: string[];
  /** Each kept name with the names merged into it. */
  merged: Array<{ path: string; aliases: string[] }>;
  /** `alias_merged` for each merge, `hard_link` for a --files entry with other names on disk. */
  warnings: Array<{ code: 'alias_merged' | 'hard_link'; path: string; message: string }>;
}

/**
 * Node only: one file, one unit. Names in `files` and `read` that open the same file (a symbolic
 * link and its target, hard links, another spelling) are merged before the core plans.
 */
export declare function mergeAliases(workspace: string, scope: { files: string[]; read?: string[] }): MergedScope;

/** Node only: whether `target` is `root` or below it (both absolute, already resolved). */
export declare function isInside(root: string, target: string): boolean;

/** Node only: `abs` relative to `root` with forward slashes (the form the core and the journal use). */
export declare function posixRelative(root: string, abs: string): string;

/** Node only: whether a link(2) error code means the file system has no hard links (EPERM, ENOTSUP, EXDEV, ...). */
export declare function noHardLinks(code: string | undefined): boolean;

/** Node only: plain words for the file-system error codes users meet (EACCES: 'permission denied', ...). */
export declare const IO_REASONS: Readonly<Record<'EACCES' | 'EPERM' | 'EROFS' | 'ELOOP' | 'EIO', string>>;

/** Node only: the hex sha256 of `bytes`, how the hosts name a file's content. */
export declare function sha256(bytes: string | Uint8Array): string;
