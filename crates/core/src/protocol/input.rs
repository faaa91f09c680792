//! What a run is given: the task, the files in scope and the options (`new Session(input)`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Capability, GateMode, Words};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "ModuleFormat")]
pub enum FormatChoice {
    #[default]
    Auto,
    Cjs,
    Esm,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
// Every field may be left out (`default`); the run_start event carries them all, unset ones as null.
#[ts(optional_fields = nullable)]
pub struct RunOptions {
    /// Model name, for the report and the cost estimate.
    pub model: Option<String>,
    /// Fresh retries of a unit whose answer fails extraction, syntax or the gate. Default 2.
    pub max_retries: Option<u32>,
    /// Default `block`.
    #[ts(as = "Option<_>", optional)]
    pub gate: GateMode,
    /// Default `auto`: follow the file's own syntax, then package.json `type`; where the project's
    /// Babel, TypeScript or bundler config (at the workspace root) runs the other form, the gate lets it pass.
    #[ts(as = "Option<_>", optional)]
    pub module_format: FormatChoice,
    /// Largest prompt one call may send, in tokens (estimated); a unit over it fails, it is never cut.
    pub context_budget: Option<u32>,
    /// The most tokens (prompt and completion) the whole run may use: over the estimate made from
    /// the plan before the first generation call, or over the tokens spent after any answer, the
    /// run stops with `budget_exceeded` and nothing written.
    pub max_tokens: Option<u64>,
    /// The most the run may cost, in USD at the model's list prices (cached prompt tokens at the
    /// cached rate); checked as `max_tokens`. A model without a price is refused before any call.
    pub max_cost_usd: Option<f64>,
    /// The user's check, run by the host in the workspace once the files are written: exit 0 passes.
    pub verify: Option<String>,
    /// The check's time limit, passed on to the host. Default 300000.
    pub verify_timeout_ms: Option<u64>,
    /// Keep the writes when the check fails, instead of restoring every file.
    #[ts(as = "Option<_>", optional)]
    pub keep_on_fail: bool,
    /// When a file is blocked or fails, still write the files that passed, except those that import
    /// (directly or through other files of the plan) one that is not written, and deletes of files
    /// something still imports. Default: a plan is applied whole, or not at all.
    #[ts(as = "Option<_>", optional)]
    pub partial: bool,
    /// Capabilities an answer may add to a file that did not use them (gate rule `new_capability`):
    /// `process`, `network`, `dynamic-code`, `fs`. The task asking for one allows it too.
    #[ts(as = "Option<_>", optional)]
    pub allow: Vec<Capability>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunInput {
    pub task: String,
    pub files: Vec<String>,
    /// Read-only context files.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub read: Vec<String>,
    /// Skill files (Markdown conventions) added to the prompts.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub skills: Vec<String>,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub options: RunOptions,
    /// How the host names its controls in the run's messages (the CLI: its flags).
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub words: Words,
    /// Empty or absent: the host made none (`runTask` makes one with `newRunId()`).
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub run_id: String,
    /// The caller's own content for every file in `files` (`red-exec mcp`'s governed_write): the
    /// plan is derived from it, no model is called, and each text is gated as a model's answer
    /// (`pipeline/supplied.rs`). Empty or absent: the model writes the files.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub supplied: Vec<SuppliedFile>,
}

/// One file whose content the caller supplies: its whole new text, or its deletion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SuppliedFile {
    pub path: String,
    /// The whole new text (the file is created when absent); none with `delete`.
    #[serde(default)]
    #[ts(optional)]
    pub content: Option<String>,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub delete: bool,
    /// Exports this change removes on purpose; losing any other is refused (`exports_kept`).
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub drop_exports: Vec<String>,
}
