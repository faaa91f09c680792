//! A run's result: the data the reports are rendered from (`Done`'s `result`, `renderReport`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Action, ErrorCode, GateMode, PlanEntry, PlanSource, Violation};

/// How a run ended. FAILED: a user's mistake or a model/server failure (`error.code` says which);
/// CRASHED: a bug in red-exec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Ok,
    Partial,
    /// The user's check (`options.verify`) failed on the written files; they were rolled back unless kept.
    VerifyFailed,
    /// Stopped by the user (Ctrl-C) before the run finished.
    Interrupted,
    /// Stopped by a user's mistake (a missing file, a bad path, over budget) or by the model or
    /// its server (auth, rate limit, timeout, unusable answer, invalid plan): `error.code` says which.
    Failed,
    /// Stopped by an internal error: a bug in red-exec, not something the user or the model did.
    Crashed,
}

impl Status {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Partial => "PARTIAL",
            Status::VerifyFailed => "VERIFY_FAILED",
            Status::Interrupted => "INTERRUPTED",
            Status::Failed => "FAILED",
            Status::Crashed => "CRASHED",
        }
    }

    /// The status of a run that stopped with error `code` (its row in `crate::codes`): only a
    /// broken contract between core and host (a bug) is CRASHED; everything a user or a model
    /// server can cause is FAILED.
    pub(crate) fn for_error(code: ErrorCode) -> Status {
        code.code().status
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum StageState {
    #[default]
    Pending,
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Stages {
    #[serde(rename = "L1")]
    pub l1: StageState,
    #[serde(rename = "L2")]
    pub l2: StageState,
    #[serde(rename = "L3")]
    pub l3: StageState,
    pub gate: StageState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Written,
    Deleted,
    Blocked,
    Failed,
    Unchanged,
    /// Written or deleted, then restored to what it was before the run (verify failed, or a
    /// later write of the run failed).
    #[serde(rename = "rolled_back")]
    RolledBack,
    /// Passed the gate but not written: another file of the plan was blocked or failed, and the
    /// plan is applied whole (or, with `partial`, this file depends on one that was). `error` says why.
    Withheld,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileOutcome {
    pub path: String,
    pub action: Action,
    pub outcome: Outcome,
    pub diff: String,
    pub violations: Vec<Violation>,
    pub attempts: u32,
    /// Why the file failed, or why it was withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub written: u32,
    pub deleted: u32,
    pub blocked: u32,
    pub failed: u32,
    #[serde(default)]
    pub rolled_back: u32,
    #[serde(default)]
    pub withheld: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "RunUsage")]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub calls: u32,
    pub model_ms: u64,
    /// Of `prompt_tokens`, those the provider reported served from its prompt cache (priced at
    /// the cached rate). A result recorded before this field existed reads as 0.
    #[serde(default)]
    pub cached_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RunError {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    pub run_id: String,
    pub status: Status,
    pub stages: Stages,
    pub plan: Vec<PlanEntry>,
    /// `derived`: the scope left one plan (one file), so no L1 call was made. A result recorded
    /// before this field existed reads as `model`.
    #[serde(default)]
    pub plan_source: PlanSource,
    pub files: Vec<FileOutcome>,
    pub counts: Counts,
    pub usage: Usage,
    pub cost_usd: Option<f64>,
    pub error: Option<RunError>,
    /// Token usage split by stage (L1 plan, L3 code), for the Markdown report.
    #[serde(default)]
    pub usage_by_stage: UsageByStage,
    /// The user's check command and each of its runs; absent when the run had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyReport>,
    /// The gate mode the run used (the report says so when it is not `block`).
    #[serde(default)]
    pub gate: GateMode,
    /// Everything the user should know although the run went on: each rule the `warn` mode let
    /// through, and what the host adds (e.g. in-scope files with uncommitted changes).
    #[serde(default)]
    pub warnings: Vec<RunWarning>,
}

/// One warning of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RunWarning {
    /// `gate` for a rule the gate let through; a host's own code otherwise (e.g. `git_dirty`).
    pub code: String,
    /// The gate rule, for `gate` warnings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
}

/// What the user's check (`options.verify`) did: the command, every attempt, and what became of the writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub command: String,
    pub attempts: Vec<VerifyAttempt>,
    pub passed: bool,
    /// The failing run's writes were restored (the default), or kept (`options.keepOnFail`).
    pub rolled_back: bool,
    pub kept: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VerifyAttempt {
    pub passed: bool,
    pub exit_code: Option<i32>,
    pub signal: Option<String>,
    pub timed_out: bool,
    pub duration_ms: Option<u64>,
    /// The end of the command's output (stdout and stderr, as the host captured them).
    pub output_tail: String,
}

/// Tokens and calls of one stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct StageUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub calls: u32,
    /// Of `prompt_tokens`, those served from the provider's prompt cache.
    #[serde(default)]
    pub cached_tokens: u64,
}

/// Usage per model stage: L1 (the plan) and L3 (the code). L2 makes no model call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct UsageByStage {
    #[serde(rename = "L1")]
    pub l1: StageUsage,
    #[serde(rename = "L3")]
    pub l3: StageUsage,
}
