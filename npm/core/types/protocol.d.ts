// Generated from the Rust types that cross the wasm boundary (`#[derive(TS)]`, ts-rs). Do not edit:
// change the Rust types, then run `UPDATE_TYPES=1 cargo test -p red_exec_wasm typescript`.

export type Action = "CREATE" | "MODIFY" | "EXTRACT" | "DELETE";

/**
 * A power a file's code can use beyond computing: the gate holds an answer that adds one the
 * file did not already use (`new_capability`), unless the task asks for it or `allow` names it.
 */
export type Capability = "process" | "network" | "dynamic-code" | "fs";

export type ChatMessage = {
  /**
   * The OpenAI chat roles; the core itself sends `system` and `user`.
   */
  role: 'system' | 'user' | 'assistant';
  content: string;
};

export type CompletionRequest = {
  id: number;
  /**
   * `stage`, `path` and `action` repeat the machine-readable line of the prompt.
   */
  stage: ModelStage;
  path: string | null;
  action: Action | null;
  /**
   * 0 for the first call of a unit (or of the plan); 1, 2, ... for its fresh retries.
   */
  attempt: number;
  messages: Array<ChatMessage>;
  temperature: number;
  maxTokens: number;
  /**
   * L1: the JSON schema the plan answer must match, for a server that can hold its output to one
   * (OpenAI's `response_format` `json_schema`); a host whose server refuses it sends the request
   * without it. The prompt says the same in words, and the answer is parsed the same strict way
   * either way: the schema is a constraint, not a substitute. None for every other call.
   */
  responseFormat?: ResponseFormat;
};

export type Counts = {
  written: number;
  deleted: number;
  blocked: number;
  failed: number;
  rolledBack: number;
  withheld: number;
};

/**
 * A directory the task names, as the host listed it.
 */
export type DirState =
  | { "state": "listed"; paths: Array<string>; truncated?: boolean }
  | { "state": "absent" }
  | { "state": "unreadable"; reason: string; message: string };

/**
 * Why a run stopped (`error.code` of the result): every code the core emits. Its status, exit
 * code, message and advice are one row of the core's table of codes (`errorCodes()`).
 */
export type ErrorCode =
  | "input_task"
  | "input_files"
  | "input_path"
  | "input_missing"
  | "input_unreadable"
  | "input_over_budget"
  | "model_auth"
  | "model_unavailable"
  | "model_answer"
  | "plan_invalid"
  | "blocked"
  | "write_failed"
  | "rollback_failed"
  | "conflict"
  | "verify_failed"
  | "interrupted"
  | "budget_exceeded"
  | "host_protocol";

/**
 * One row of `errorCodes()`: an error code, the status of a run it stops, the exit code of a
 * command-line host, what went wrong and what to do (in the words given).
 */
export type ErrorCodeInfo = {
  code: ErrorCode;
  status: Status;
  exit: number;
  message: string;
  advice: string;
};

/**
 * What a file must be just before the run writes or deletes it (compare-and-swap): the text the
 * run read there or last wrote itself, or no file at all. The whole text rather than a hash: every
 * host can compare it exactly, the browser's too, without a digest library, and files are capped
 * in size. A host that finds anything else refuses the change with the error code `conflict`.
 */
export type ExpectedFile = { "state": "present"; text: string } | { "state": "absent" };

export type FileOutcome = {
  path: string;
  action: Action;
  outcome: Outcome;
  diff: string;
  violations: Array<Violation>;
  attempts: number;
  /**
   * Why the file failed, or why it was withheld.
   */
  error?: string | null;
};

export type FileState =
  | { "state": "present"; text: string }
  | { "state": "absent" }
  | {
    "state": "unreadable";
    reason: 'binary' | 'not_utf8' | 'directory' | 'too_large' | 'outside_workspace' | 'io';
    message: string;
  };

export type GateDecision = "pass" | "warn" | "block";

export type GateMode = "block" | "warn" | "off";

/**
 * One gate rule as `gateRules()` lists it: its wire name and what it holds a write to.
 */
export type GateRuleInfo = { name: Rule; summary: string };

/**
 * What `knownModels()` says about one model: its provider and list prices (USD per million tokens).
 */
export type ModelInfo = { provider: 'deepseek' | 'openai'; inputPerM: number; outputPerM: number };

/**
 * A stage that calls the model: L1 (the plan) or L3 (the code).
 */
export type ModelStage = "L1" | "L3";

export type ModuleFormat = "auto" | "cjs" | "esm";

export type Outcome =
  | "written"
  | "deleted"
  | "blocked"
  | "failed"
  | "unchanged"
  | "rolled_back"
  | "withheld";

export type PlanEntry = {
  path: string;
  action: Action;
  intent: string;
  /**
   * EXTRACT: the file the declarations come from.
   */
  from?: string | null;
  /**
   * EXTRACT: the declarations that move.
   */
  symbols?: Array<string>;
  /**
   * MODIFY: the sections (`#n`, declared names or marker titles) the change touches; empty means
   * the whole file is one unit.
   */
  sections?: Array<string>;
  /**
   * MODIFY: only point this file's imports at code an EXTRACT moved; done mechanically.
   */
  rewire?: boolean;
  /**
   * MODIFY: exports the task asks to remove (each must be named in the task).
   */
  dropExports?: Array<string>;
  /**
   * CREATE and MODIFY: every name the file must export once the change is made, as the
   * planner read it from the task. The gate holds the answer to it (`exports_planned`), and
   * the other units are shown these names as the file's exports.
   */
  exports?: Array<string>;
};

/**
 * Where a run's plan came from: the planner's answer (`model`), or the scope itself (`derived`:
 * one file in scope and a task that asks for nothing but its change, so there is one valid plan
 * and no L1 call is made), or the content the caller supplied (`supplied`: no model at all).
 */
export type PlanSource = "model" | "derived" | "supplied";

export type ReadOnlyShown = { path: string; whole: boolean };

export type Reply =
  | {
    "kind": "files";
    files: { [key in string]: FileState };
    dirs?: { [key in string]: DirState };
  }
  | {
    "kind": "completion";
    text: string;
    usage?: Usage | null;
    durationMs?: number | null;
    responseFormat?: 'json_schema' | 'prompt';
  }
  | { "kind": "completion_error"; code: string; message: string }
  | { "kind": "written" }
  | { "kind": "write_error"; message: string; code?: string | null }
  | { "kind": "deleted" }
  | { "kind": "delete_error"; message: string; code?: string | null }
  | {
    "kind": "verified";
    exitCode?: number | null;
    signal?: string | null;
    timedOut?: boolean;
    durationMs?: number | null;
    output?: string;
  }
  | { "kind": "verify_error"; code: string; message: string };

export type Request =
  | { "kind": "read"; paths: Array<string>; dirs?: Array<string> }
  | { "kind": "complete"; request: CompletionRequest }
  | { "kind": "write"; path: string; text: string; rollback: boolean; expect: ExpectedFile }
  | { "kind": "delete"; path: string; rollback: boolean; expect: ExpectedFile }
  | { "kind": "verify"; command: string; timeoutMs: number; attempt: number }
  | { "kind": "done"; result: RunResult };

/**
 * A JSON schema for one answer: `name` (letters, digits, `_`) and the schema itself.
 */
export type ResponseFormat = {
  name: string;
  /**
   * A JSON Schema object (draft 2020-12 keywords; see `plan::plan_schema`). Sent with each
   * `properties` map in a fixed order, the required names first (see `plan::OrderedSchema`).
   */
  schema: Record<string, unknown>;
};

export type Rule =
  | "in_scope"
  | "read_only"
  | "syntax"
  | "json"
  | "exports_kept"
  | "exports_declared"
  | "exports_planned"
  | "module_format"
  | "references_declared"
  | "delete_still_imported"
  | "import_resolves"
  | "import_names_exported"
  | "new_capability";

export type RunError = { code: ErrorCode; message: string };

export type RunEvent = {
  /**
   * Counts from 1 over the whole run.
   */
  seq: number;
} & (
  | {
    "kind": "run_start";
    runId: string;
    task: string;
    files: Array<string>;
    read: Array<string>;
    options: RunOptions;
  }
  | { "kind": "stage"; stage: Stage; state: StageState }
  | {
    "kind": "model_request";
    id: number;
    stage: ModelStage;
    path: string | null;
    action: Action | null;
    attempt: number;
    /**
     * The prompt. Empty in `Session.resume`'s step (see `SessionStep`): `runTask` fills it in.
     */
    messages: Array<ChatMessage>;
  }
  | {
    "kind": "model_response";
    id: number;
    /**
     * The answer. Empty in `Session.resume`'s step (see `SessionStep`): `runTask` fills it in.
     */
    text: string;
    usage: Usage | null;
    durationMs: number | null;
    /**
     * The host's word on a call that carried a schema: `json_schema` or `prompt` (see Reply).
     */
    responseFormat?: 'json_schema' | 'prompt';
  }
  | { "kind": "model_error"; id: number; code: string; message: string }
  | { "kind": "plan"; actions: Array<PlanEntry>; source: PlanSource }
  | { "kind": "plan_rejected"; problems: Array<string> }
  | { "kind": "unit_rejected"; path: string; attempt: number; reason: string }
  | {
    "kind": "gate";
    path: string;
    action: Action;
    decision: GateDecision;
    violations: Array<Violation>;
  }
  | { "kind": "write"; path: string }
  | { "kind": "delete"; path: string }
  | { "kind": "write_error"; path: string; message: string }
  | { "kind": "post_process"; path: string; pass: string; description: string }
  | {
    "kind": "context";
    path: string;
    section: number | null;
    tokens: number;
    budget: number;
    readOnly: Array<ReadOnlyShown>;
  }
  | { "kind": "verify_start"; attempt: number; command: string }
  | { "kind": "verify_end"; attempt: number; result: VerifyAttempt }
  | { "kind": "rollback"; path: string }
  | { "kind": "rollback_error"; path: string; message: string }
  | { "kind": "run_end"; status: Status; error: RunError | null }
);

export type RunInput = {
  task: string;
  files: Array<string>;
  /**
   * Read-only context files.
   */
  read?: Array<string>;
  /**
   * Skill files (Markdown conventions) added to the prompts.
   */
  skills?: Array<string>;
  options?: RunOptions;
  /**
   * How the host names its controls in the run's messages (the CLI: its flags).
   */
  words?: Words;
  /**
   * Empty or absent: the host made none (`runTask` makes one with `newRunId()`).
   */
  runId?: string;
  /**
   * The caller's own content for every file in `files` (`red-exec mcp`'s governed_write): the
   * plan is derived from it, no model is called, and each text is gated as a model's answer
   * (`pipeline/supplied.rs`). Empty or absent: the model writes the files.
   */
  supplied?: Array<SuppliedFile>;
};

export type RunOptions = {
  /**
   * Model name, for the report and the cost estimate.
   */
  model?: string | null;
  /**
   * Fresh retries of a unit whose answer fails extraction, syntax or the gate. Default 2.
   */
  maxRetries?: number | null;
  /**
   * Default `block`.
   */
  gate?: GateMode;
  /**
   * Default `auto`: follow the file's own syntax, then package.json `type`; where the project's
   * Babel, TypeScript or bundler config (at the workspace root) runs the other form, the gate lets it pass.
   */
  moduleFormat?: ModuleFormat;
  /**
   * Largest prompt one call may send, in tokens (estimated); a unit over it fails, it is never cut.
   */
  contextBudget?: number | null;
  /**
   * The most tokens (prompt and completion) the whole run may use: over the estimate made from
   * the plan before the first generation call, or over the tokens spent after any answer, the
   * run stops with `budget_exceeded` and nothing written.
   */
  maxTokens?: number | null;
  /**
   * The most the run may cost, in USD at the model's list prices (cached prompt tokens at the
   * cached rate); checked as `max_tokens`. A model without a price is refused before any call.
   */
  maxCostUsd?: number | null;
  /**
   * The user's check, run by the host in the workspace once the files are written: exit 0 passes.
   */
  verify?: string | null;
  /**
   * The check's time limit, passed on to the host. Default 300000.
   */
  verifyTimeoutMs?: number | null;
  /**
   * Keep the writes when the check fails, instead of restoring every file.
   */
  keepOnFail?: boolean;
  /**
   * When a file is blocked or fails, still write the files that passed, except those that import
   * (directly or through other files of the plan) one that is not written, and deletes of files
   * something still imports. Default: a plan is applied whole, or not at all.
   */
  partial?: boolean;
  /**
   * Capabilities an answer may add to a file that did not use them (gate rule `new_capability`):
   * `process`, `network`, `dynamic-code`, `fs`. The task asking for one allows it too.
   */
  allow?: Array<Capability>;
};

export type RunResult = {
  runId: string;
  status: Status;
  stages: Stages;
  plan: Array<PlanEntry>;
  /**
   * `derived`: the scope left one plan (one file), so no L1 call was made. A result recorded
   * before this field existed reads as `model`.
   */
  planSource: PlanSource;
  files: Array<FileOutcome>;
  counts: Counts;
  usage: RunUsage;
  costUsd: number | null;
  error: RunError | null;
  /**
   * Token usage split by stage (L1 plan, L3 code), for the Markdown report.
   */
  usageByStage: UsageByStage;
  /**
   * The user's check command and each of its runs; absent when the run had none.
   */
  verify?: VerifyReport | null;
  /**
   * The gate mode the run used (the report says so when it is not `block`).
   */
  gate: GateMode;
  /**
   * Everything the user should know although the run went on: each rule the `warn` mode let
   * through, and what the host adds (e.g. in-scope files with uncommitted changes).
   */
  warnings: Array<RunWarning>;
};

export type RunUsage = {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  calls: number;
  modelMs: number;
  /**
   * Of `prompt_tokens`, those the provider reported served from its prompt cache (priced at
   * the cached rate). A result recorded before this field existed reads as 0.
   */
  cachedTokens: number;
};

/**
 * One warning of a run.
 */
export type RunWarning = {
  /**
   * `gate` for a rule the gate let through; a host's own code otherwise (e.g. `git_dirty`).
   */
  code: string;
  /**
   * The gate rule, for `gate` warnings.
   */
  rule?: string | null;
  path?: string | null;
  message: string;
};

/**
 * What `Session.resume(reply)` returns: the next request and the events since the last call.
 * A prompt and an answer cross the wasm boundary once: in this step, a `model_request` event's
 * `messages` are empty (they are the `complete` request's, the same `id`) and a `model_response`
 * event's `text` is empty (it is the text of the reply just given). `runTask` fills both in
 * before the host's `onEvent` sees the event.
 */
export type SessionStep = { request: Request; events: Array<RunEvent> };

/**
 * A parsed skill file.
 */
export type Skill = {
  /**
   * Identifiers generated code must not use (`postprocess::strip_banned` removes them): plain
   * names (`eval`), member paths (`console.log`) or `debugger`. In file order, no duplicates.
   */
  banned: Array<string>;
  /**
   * The Markdown without HTML comments (notes for the human, not for the model), trimmed.
   */
  text: string;
};

/**
 * A stage of a run, as the `stage` event names it.
 */
export type Stage = "L1" | "L2" | "L3" | "gate";

export type StageState = "pending" | "ok" | "failed" | "skipped";

/**
 * Tokens and calls of one stage.
 */
export type StageUsage = {
  promptTokens: number;
  completionTokens: number;
  calls: number;
  /**
   * Of `prompt_tokens`, those served from the provider's prompt cache.
   */
  cachedTokens: number;
};

export type Stages = { L1: StageState; L2: StageState; L3: StageState; gate: StageState };

/**
 * How a run ended. FAILED: a user's mistake or a model/server failure (`error.code` says which);
 * CRASHED: a bug in red-exec.
 */
export type Status = "OK" | "PARTIAL" | "VERIFY_FAILED" | "INTERRUPTED" | "FAILED" | "CRASHED";

/**
 * One file whose content the caller supplies: its whole new text, or its deletion.
 */
export type SuppliedFile = {
  path: string;
  /**
   * The whole new text (the file is created when absent); none with `delete`.
   */
  content?: string;
  delete?: boolean;
  /**
   * Exports this change removes on purpose; losing any other is refused (`exports_kept`).
   */
  dropExports?: Array<string>;
};

export type Usage = {
  promptTokens: number;
  completionTokens: number;
  /**
   * Of `prompt_tokens`, those the provider served from its prompt cache (OpenAI's
   * `usage.prompt_tokens_details.cached_tokens`, DeepSeek's `prompt_cache_hit_tokens`).
   */
  cachedTokens?: number;
};

/**
 * Usage per model stage: L1 (the plan) and L3 (the code). L2 makes no model call.
 */
export type UsageByStage = { L1: StageUsage; L3: StageUsage };

export type VerifyAttempt = {
  passed: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number | null;
  /**
   * The end of the command's output (stdout and stderr, as the host captured them).
   */
  outputTail: string;
};

/**
 * What the user's check (`options.verify`) did: the command, every attempt, and what became of the writes.
 */
export type VerifyReport = {
  command: string;
  attempts: Array<VerifyAttempt>;
  passed: boolean;
  /**
   * The failing run's writes were restored (the default), or kept (`options.keepOnFail`).
   */
  rolledBack: boolean;
  kept: boolean;
};

export type Violation = { rule: Rule; message: string };

/**
 * How the host names its own controls in the core's messages and advice: the CLI gives its
 * flags, the playground its fields. A word left out reads as the run input's own name (`files`,
 * `options.contextBudget`, ...). `{}` in a word stands for its argument (a capability, a format).
 */
export type Words = {
  /**
   * The files the run may change.
   */
  files?: string | null;
  /**
   * Read-only context files.
   */
  read?: string | null;
  contextBudget?: string | null;
  /**
   * The run's token budget.
   */
  maxTokens?: string | null;
  /**
   * The run's cost budget.
   */
  maxCost?: string | null;
  maxRetries?: string | null;
  model?: string | null;
  /**
   * `{}`: `cjs` or `esm`.
   */
  moduleFormat?: string | null;
  /**
   * `{}`: a capability (`process`, `network`, `dynamic-code`, `fs`).
   */
  allow?: string | null;
  partial?: string | null;
  keepOnFail?: string | null;
  /**
   * Taking a run's changes back.
   */
  undo?: string | null;
  /**
   * The full (Markdown) report of a run.
   */
  report?: string | null;
  /**
   * `{}`: the run id. Making a bundle of a run for a bug report.
   */
  exportDebug?: string | null;
  /**
   * The model server's address.
   */
  baseUrl?: string | null;
  /**
   * The time limit of a model call.
   */
  timeout?: string | null;
  /**
   * Where the model server's key is set.
   */
  apiKey?: string | null;
  /**
   * `{}`: a skill file. Handing one to a run.
   */
  skill?: string | null;
  /**
   * Writing a starter skill file.
   */
  initSkill?: string | null;
};
