//! The events a run reports as it goes (`events` of each `resume`; the CLI's journal).

use serde::Serialize;
use ts_rs::TS;

use super::{Action, ChatMessage, ModelStage, Stage, Decision, PlanEntry, PlanSource, RunError, RunOptions, StageState, Status, TokenUsage, VerifyAttempt, Violation};

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum EventBody {
    RunStart { run_id: String, task: String, files: Vec<String>, read: Vec<String>, options: RunOptions },
    Stage {
        stage: Stage,
        state: StageState,
    },
    ModelRequest {
        id: u32,
        stage: ModelStage,
        path: Option<String>,
        action: Option<Action>,
        attempt: u32,
        /// The prompt. Empty in `Session.resume`'s step (see `SessionStep`): `runTask` fills it in.
        messages: Vec<ChatMessage>,
    },
    ModelResponse {
        id: u32,
        /// The answer. Empty in `Session.resume`'s step (see `SessionStep`): `runTask` fills it in.
        text: String,
        usage: Option<TokenUsage>,
        duration_ms: Option<u64>,
        /// The host's word on a call that carried a schema: `json_schema` or `prompt` (see Reply).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional, type = "'json_schema' | 'prompt'")]
        response_format: Option<String>,
    },
    ModelError { id: u32, code: String, message: String },
    /// `source`: `model` for the planner's answer, `derived` for the plan the scope left no choice
    /// about (one file; no L1 call was made).
    Plan { actions: Vec<PlanEntry>, source: PlanSource },
    PlanRejected { problems: Vec<String> },
    UnitRejected { path: String, attempt: u32, reason: String },
    Gate { path: String, action: Action, decision: Decision, violations: Vec<Violation> },
    Write { path: String },
    Delete { path: String },
    WriteError { path: String, message: String },
    /// A post-processing pass changed generated code before the gate saw it.
    PostProcess { path: String, pass: String, description: String },
    /// What one generation call is shown, and its estimated size.
    Context { path: String, section: Option<usize>, tokens: u32, budget: u32, read_only: Vec<ReadOnlyShown> },
    VerifyStart { attempt: u32, command: String },
    VerifyEnd { attempt: u32, result: VerifyAttempt },
    /// A file the run had changed was restored to its content before the run.
    Rollback { path: String },
    RollbackError { path: String, message: String },
    RunEnd { status: Status, error: Option<RunError> },
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "RunEvent")]
pub struct Event {
    /// Counts from 1 over the whole run.
    pub seq: u64,
    #[serde(flatten)]
    pub body: EventBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReadOnlyShown {
    pub path: String,
    pub whole: bool,
}
