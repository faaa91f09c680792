//! The closed sets of words the wire uses: stages, error codes, and the words a host gives for its
//! own controls. What each error code means (exit code, message, advice) is in `crate::codes`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A stage of a run, as the `stage` event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum Stage {
    L1,
    L2,
    L3,
    #[serde(rename = "gate")]
    Gate,
}

/// A stage that calls the model: L1 (the plan) or L3 (the code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum ModelStage {
    L1,
    L3,
}

impl From<ModelStage> for Stage {
    fn from(stage: ModelStage) -> Stage {
        match stage {
            ModelStage::L1 => Stage::L1,
            ModelStage::L3 => Stage::L3,
        }
    }
}

impl ModelStage {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ModelStage::L1 => "L1",
            ModelStage::L3 => "L3",
        }
    }
}

impl PartialEq<&str> for ModelStage {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Why a run stopped (`error.code` of the result): every code the core emits. Its status, exit
/// code, message and advice are one row of the core's table of codes (`errorCodes()`).
// On the wire as its name (`as_str`; serde by hand: smaller wasm than the derived code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, TS)]
#[ts(rename_all = "snake_case")]
pub enum ErrorCode {
    InputTask,
    InputFiles,
    InputPath,
    InputMissing,
    InputUnreadable,
    InputOverBudget,
    ModelAuth,
    ModelUnavailable,
    ModelAnswer,
    PlanInvalid,
    Blocked,
    WriteFailed,
    RollbackFailed,
    Conflict,
    VerifyFailed,
    Interrupted,
    /// The run would go or went over `max_tokens` or `max_cost_usd`: nothing was written.
    BudgetExceeded,
    /// The host answered what the core never asked: a bug in red-exec (status CRASHED).
    HostProtocol,
}

impl ErrorCode {
    /// The wire name (`input_missing`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InputTask => "input_task",
            ErrorCode::InputFiles => "input_files",
            ErrorCode::InputPath => "input_path",
            ErrorCode::InputMissing => "input_missing",
            ErrorCode::InputUnreadable => "input_unreadable",
            ErrorCode::InputOverBudget => "input_over_budget",
            ErrorCode::ModelAuth => "model_auth",
            ErrorCode::ModelUnavailable => "model_unavailable",
            ErrorCode::ModelAnswer => "model_answer",
            ErrorCode::PlanInvalid => "plan_invalid",
            ErrorCode::Blocked => "blocked",
            ErrorCode::WriteFailed => "write_failed",
            ErrorCode::RollbackFailed => "rollback_failed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::VerifyFailed => "verify_failed",
            ErrorCode::Interrupted => "interrupted",
            ErrorCode::BudgetExceeded => "budget_exceeded",
            ErrorCode::HostProtocol => "host_protocol",
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ErrorCode, D::Error> {
        let name = String::deserialize(d)?;
        ErrorCode::ALL
            .into_iter()
            .find(|c| c.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code `{name}`")))
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the host names its own controls in the core's messages and advice: the CLI gives its
/// flags, the playground its fields. A word left out reads as the run input's own name (`files`,
/// `options.contextBudget`, ...). `{}` in a word stands for its argument (a capability, a format).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct Words {
    /// The files the run may change.
    pub files: Option<String>,
    /// Read-only context files.
    pub read: Option<String>,
    pub context_budget: Option<String>,
    /// The run's token budget.
    pub max_tokens: Option<String>,
    /// The run's cost budget.
    pub max_cost: Option<String>,
    pub max_retries: Option<String>,
    pub model: Option<String>,
    /// `{}`: `cjs` or `esm`.
    pub module_format: Option<String>,
    /// `{}`: a capability (`process`, `network`, `dynamic-code`, `fs`).
    pub allow: Option<String>,
    pub partial: Option<String>,
    pub keep_on_fail: Option<String>,
    /// Taking a run's changes back.
    pub undo: Option<String>,
    /// The full (Markdown) report of a run.
    pub report: Option<String>,
    /// `{}`: the run id. Making a bundle of a run for a bug report.
    pub export_debug: Option<String>,
    /// The model server's address.
    pub base_url: Option<String>,
    /// The time limit of a model call.
    pub timeout: Option<String>,
    /// Where the model server's key is set.
    pub api_key: Option<String>,
    /// `{}`: a skill file. Handing one to a run.
    pub skill: Option<String>,
    /// Writing a starter skill file.
    pub init_skill: Option<String>,
}
