//! The run as a state machine with no I/O: the host calls [`Session::resume`] with the answer to
//! the last request and gets the next one (read files, complete a prompt, write, delete, done).
//!
//! Order of a run: read every file in scope -> L1 plan (one re-ask on an invalid plan) -> L2 units
//! -> L3 one call per unit, each answer through the gate, with fresh retries -> writes -> the
//! user's check (`verify`, run by the host) -> result. Nothing is written before every unit has
//! been generated and gated. When the check fails (or a write fails), the core asks the host to
//! restore every file it changed, with ordinary write/delete requests carrying the original
//! content, and may retry the units once per `max_retries` with the end of the check's output.
//!
//! Every write and delete carries what the file must still be (`expect`: the text the run read
//! there, or last wrote itself, or nothing): the host compares just before the change and refuses
//! with code `conflict` when someone else changed the file meanwhile. The run then stops (error
//! `conflict`), and takes back its other changes the same way, never over a file changed since.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::analysis::{Analysis, Language, ModuleFormat};
use crate::decompose::{self, KnownFile, Problem};
use crate::diff;
use crate::extract::{self, ExtractSpec};
use crate::postprocess::{self, Neighbour};
use crate::gate::{self, Decision, GateMode, Proposal, Rule, Scope, Violation};
use crate::plan::{Action, JsonSchema, PLAN_SCHEMA_NAME, PlanEntry, PlanShape, PlanSource, plan_schema_for};
use crate::prompts::{self, ChatMessage, FileBrief, ReadOnlyView, SectionPrompt, UnitPrompt};
use crate::report::{
    self, Counts, FileOutcome, Outcome, RunError, RunResult, StageState, Stages, Status, Usage, UsageByStage, VerifyAttempt,
    VerifyReport,
};
use crate::section::{self, Section};
use crate::toolchain::{self, Toolchain};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "ModuleFormat")]
pub enum FormatChoice {
    #[default]
    Auto,
    Cjs,
    Esm,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
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
    pub allow: Vec<crate::analysis::Capability>,
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
    /// Empty or absent: the host made none (`runTask` makes one with `newRunId()`).
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub run_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FileState {
    Present { text: String },
    Absent,
    /// `reason`: the words the hosts use; the core only tells `outside_workspace` from the rest.
    Unreadable {
        #[ts(type = "'binary' | 'not_utf8' | 'directory' | 'too_large' | 'outside_workspace' | 'io'")]
        reason: String,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(rename = "Usage")]
pub struct TokenUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CompletionRequest {
    pub id: u32,
    /// `stage`, `path` and `action` repeat the machine-readable line of the prompt.
    #[ts(type = "'L1' | 'L3'")]
    pub stage: String,
    pub path: Option<String>,
    pub action: Option<Action>,
    /// 0 for the first call of a unit (or of the plan); 1, 2, ... for its fresh retries.
    pub attempt: u32,
    pub messages: Vec<ChatMessage>,
    pub temperature: f32,
    pub max_tokens: u32,
    /// L1: the JSON schema the plan answer must match, for a server that can hold its output to one
    /// (OpenAI's `response_format` `json_schema`); a host whose server refuses it sends the request
    /// without it. The prompt says the same in words, and the answer is parsed the same strict way
    /// either way: the schema is a constraint, not a substitute. None for every other call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub response_format: Option<ResponseFormat>,
}

/// A JSON schema for one answer: `name` (letters, digits, `_`) and the schema itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ResponseFormat {
    pub name: String,
    /// A JSON Schema object (draft 2020-12 keywords; see `plan::plan_schema`). Sent with each
    /// `properties` map in a fixed order, the required names first (see `plan::OrderedSchema`).
    #[ts(type = "Record<string, unknown>")]
    pub schema: JsonSchema,
}

/// What a file must be just before the run writes or deletes it (compare-and-swap): the text the
/// run read there or last wrote itself, or no file at all. The whole text rather than a hash: every
/// host can compare it exactly, the browser's too, without a digest library, and files are capped
/// in size. A host that finds anything else refuses the change with the error code `conflict`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(rename = "ExpectedFile")]
pub enum Expected {
    Present { text: String },
    Absent,
}

impl Expected {
    fn of(text: Option<String>) -> Expected {
        text.map_or(Expected::Absent, |text| Expected::Present { text })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Request {
    /// The files in scope, plus package.json and the root's toolchain configs (Babel, tsconfig,
    /// bundlers): those are read only to learn which module syntax the project runs, and may be absent.
    Read { paths: Vec<String> },
    Complete { request: CompletionRequest },
    /// `rollback`: restoring the content from before the run (the host lets these through
    /// even after the user interrupted the run, so the workspace ends as it was). `expect`: what
    /// the file must be right before the change; anything else is refused with code `conflict`.
    Write { path: String, text: String, rollback: bool, expect: Expected },
    Delete { path: String, rollback: bool, expect: Expected },
    /// Run the user's check in the workspace and report how it ended.
    Verify { command: String, timeout_ms: u64, attempt: u32 },
    Done { result: Box<RunResult> },
}

#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
// A missing Option field reads as None, so the host may leave it out.
#[ts(optional_fields = nullable)]
pub enum Reply {
    Files { files: BTreeMap<String, FileState> },
    /// `response_format`: how the host asked, when the request carried a schema: `json_schema`
    /// (the server took it) or `prompt` (it refused it, so the request went without).
    Completion {
        text: String,
        usage: Option<TokenUsage>,
        duration_ms: Option<u64>,
        #[serde(default)]
        #[ts(optional = nullable, type = "'json_schema' | 'prompt'")]
        response_format: Option<String>,
    },
    CompletionError { code: String, message: String },
    Written,
    /// `code` "interrupted": the host refused because the user stopped the run; "conflict": the
    /// file was not what the request's `expect` said (changed by someone else), and was left alone.
    WriteError {
        message: String,
        #[serde(default)]
        code: Option<String>,
    },
    Deleted,
    DeleteError {
        message: String,
        #[serde(default)]
        code: Option<String>,
    },
    /// The check ran: exit code (None when killed by a signal), whether the host's timeout
    /// killed it, and its output (the host may send only the end of it).
    Verified {
        exit_code: Option<i32>,
        #[serde(default)]
        signal: Option<String>,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        timed_out: bool,
        #[serde(default)]
        duration_ms: Option<u64>,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        output: String,
    },
    /// The check could not be run at all (`code` "interrupted" when the user stopped the run).
    VerifyError { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum EventBody {
    RunStart { run_id: String, task: String, files: Vec<String>, read: Vec<String>, options: RunOptions },
    Stage {
        #[ts(type = "'L1' | 'L2' | 'L3' | 'gate'")]
        stage: &'static str,
        state: StageState,
    },
    ModelRequest {
        id: u32,
        #[ts(type = "'L1' | 'L3'")]
        stage: String,
        path: Option<String>,
        action: Option<Action>,
        attempt: u32,
        messages: Vec<ChatMessage>,
    },
    ModelResponse {
        id: u32,
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

/// One piece of generation work: a whole file, or one section of an existing file.
#[derive(Debug, Clone)]
struct Unit {
    entry: PlanEntry,
    section: Option<Section>,
    /// Answers received over the whole run (request attempt numbers stay unique across rounds).
    attempts: u32,
    /// `attempts` when the current round began: each round has its own `max_retries`.
    round_start: u32,
    last_error: Option<String>,
    /// The answer the last rejection was about: the same answer again ends the unit's retries.
    last_rejected: Option<String>,
    /// Why the last round's files were restored: the failed check, for the retry's prompt.
    verify_failure: Option<String>,
}

impl Unit {
    fn new(entry: PlanEntry, section: Option<Section>) -> Unit {
        Unit { entry, section, attempts: 0, round_start: 0, last_error: None, last_rejected: None, verify_failure: None }
    }
}

/// What follows once every applied change has been restored.
#[derive(Debug, Clone)]
enum AfterRollback {
    Finish,
    /// Generate the units again; the text is the failed check for their prompts.
    Retry(String),
}

/// A change that passed (or was waved through by) the gate, waiting to be written.
#[derive(Debug, Clone)]
struct Staged {
    path: String,
    action: Action,
    new: Option<String>,
    violations: Vec<Violation>,
    attempts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    AwaitFiles,
    AwaitPlan { attempt: u32 },
    AwaitUnit { index: usize },
    AwaitEffect { index: usize },
    AwaitVerify { attempt: u32 },
    AwaitRollback { index: usize },
    Finished,
}

const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default per-call context budget, in estimated tokens: room for a large section, its file's
/// outline, a test file and the instructions, well inside every supported model's window.
pub const DEFAULT_CONTEXT_BUDGET: u32 = 24_000;
/// The most one answer may hold (`max_tokens`): what every supported model can produce. A unit
/// whose answer would need more is cut into sections, or fails; it is never sent to be truncated.
pub const MAX_OUTPUT_TOKENS: u32 = 8192;
/// The least a unit's answer is allowed: a small file may grow several times over.
const MIN_OUTPUT_TOKENS: u32 = 4096;
/// Room for growth over the current text, in an answer's `max_tokens`.
const GROWTH_TOKENS: u32 = 1024;
/// The check's default time limit when the host sets none.
pub const DEFAULT_VERIFY_TIMEOUT_MS: u64 = 300_000;

// The phases of a run, in the order a run goes through them: each file is an `impl Session`
// block holding one phase's handlers. `resume` below dispatches to them.
mod read;
mod plan;
mod units;
mod generate;
mod stage;
mod effects;
mod verify;
mod rollback;
mod finish;

/// A run, as a sans-IO state machine: the host calls `resume` with the answer to the last request
/// and carries out the next. Each phase keeps its own state; the rest is the run's input, the
/// event log and what the result reports.
pub struct Session {
    input: RunInput,
    phase: Phase,
    seq: u64,
    events: Vec<Event>,
    next_id: u32,
    /// The files in scope as read, and what is known of them (read).
    files: read::Files,
    /// The plan and where it came from (plan).
    plan: plan::PlanState,
    /// The units of work and what generating them has gathered (units, generate).
    generate: generate::GenerateState,
    /// The changes to write, those written, and what the run left on disk (stage, effects).
    effects: effects::EffectsState,
    /// The restores still to request and how they went (rollback).
    rollback: rollback::RollbackState,
    verify: Option<VerifyReport>,
    outcomes: Vec<FileOutcome>,
    stages: Stages,
    usage: Usage,
    usage_by_stage: UsageByStage,
    error: Option<RunError>,
    result: Option<RunResult>,
}

fn run_error(code: &str, message: impl Into<String>) -> RunError {
    RunError { code: code.to_string(), message: message.into() }
}

impl Session {
    pub fn new(input: RunInput) -> Session {
        Session {
            input,
            phase: Phase::Start,
            seq: 0,
            events: Vec::new(),
            next_id: 0,
            files: read::Files::default(),
            plan: plan::PlanState::default(),
            generate: generate::GenerateState::default(),
            effects: effects::EffectsState::default(),
            rollback: rollback::RollbackState::default(),
            verify: None,
            outcomes: Vec::new(),
            stages: Stages::default(),
            usage: Usage::default(),
            usage_by_stage: UsageByStage::default(),
            error: None,
            result: None,
        }
    }

    /// Events since the last call, for the host's log and progress display.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    fn emit(&mut self, body: EventBody) {
        self.seq += 1;
        self.events.push(Event { seq: self.seq, body });
    }

    fn set_stage(&mut self, stage: &'static str, state: StageState) {
        let slot = match stage {
            "L1" => &mut self.stages.l1,
            "L2" => &mut self.stages.l2,
            "L3" => &mut self.stages.l3,
            _ => &mut self.stages.gate,
        };
        *slot = state;
        self.emit(EventBody::Stage { stage, state });
    }

    fn max_retries(&self) -> u32 {
        self.input.options.max_retries.unwrap_or(DEFAULT_MAX_RETRIES)
    }

    /// Advance the run with the answer to the previous request (`None` for the first call).
    pub fn resume(&mut self, reply: Option<Reply>) -> Request {
        let request = match (self.phase, reply) {
            (Phase::Start, None) => self.start(),
            (Phase::AwaitFiles, Some(Reply::Files { files })) => self.on_files(files),
            (Phase::AwaitPlan { attempt }, Some(Reply::Completion { text, usage, duration_ms, response_format })) => {
                self.record_completion(text.clone(), usage, duration_ms, response_format);
                self.on_plan(attempt, &text)
            }
            (Phase::AwaitUnit { index }, Some(Reply::Completion { text, usage, duration_ms, response_format })) => {
                self.record_completion(text.clone(), usage, duration_ms, response_format);
                self.on_unit(index, &text)
            }
            (Phase::AwaitPlan { .. } | Phase::AwaitUnit { .. }, Some(Reply::CompletionError { code, message })) => {
                self.emit(EventBody::ModelError { id: self.next_id, code: code.clone(), message: message.clone() });
                let stage = if matches!(self.phase, Phase::AwaitPlan { .. }) { "L1" } else { "L3" };
                self.set_stage(stage, StageState::Failed);
                self.fail(model_error_code(&code), message)
            }
            (Phase::AwaitEffect { index }, Some(reply)) => self.on_effect(index, reply),
            (Phase::AwaitVerify { attempt }, Some(reply)) => self.on_verify(attempt, reply),
            (Phase::AwaitRollback { index }, Some(reply)) => self.on_rollback(index, reply),
            (Phase::Finished, _) => Request::Done { result: Box::new(self.result.clone().expect("finished run has a result")) },
            (phase, reply) => self.fail("host_protocol", format!("unexpected reply {reply:?} in phase {phase:?}")),
        };
        if let Request::Complete { request } = &request {
            self.emit(EventBody::ModelRequest {
                id: request.id,
                stage: request.stage.clone(),
                path: request.path.clone(),
                action: request.action,
                attempt: request.attempt,
                messages: request.messages.clone(),
            });
        }
        request
    }

    fn next_request_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn record_completion(&mut self, text: String, usage: Option<TokenUsage>, duration_ms: Option<u64>, response_format: Option<String>) {
        let u = usage.unwrap_or_default();
        self.usage.calls += 1;
        self.usage.prompt_tokens += u.prompt_tokens;
        self.usage.completion_tokens += u.completion_tokens;
        self.usage.total_tokens += u.prompt_tokens + u.completion_tokens;
        self.usage.model_ms += duration_ms.unwrap_or(0);
        let stage = if matches!(self.phase, Phase::AwaitPlan { .. }) { "L1" } else { "L3" };
        self.usage_by_stage.add(stage, u.prompt_tokens, u.completion_tokens);
        self.emit(EventBody::ModelResponse { id: self.next_id, text, usage, duration_ms, response_format });
    }
}

/// The first of `files` that `path`'s code loads, by a relative specifier.
fn imported<'f>(path: &str, analysis: &Analysis, files: &'f BTreeSet<String>) -> Option<&'f String> {
    analysis.requests.iter().find_map(|spec| files.iter().find(|f| crate::lang::resolve::resolves_to(spec, path, f)))
}

/// Tokens a prompt will cost, estimated (about 3.5 bytes per token for code and English) so the
/// budget can be enforced before the call; the report uses the server's real counts.
pub fn estimate_tokens(messages: &[ChatMessage]) -> u32 {
    let bytes: usize = messages.iter().map(|m| m.content.len() + 16).sum();
    (bytes * 2).div_ceil(7) as u32
}

/// Tokens of plain text, estimated as [`estimate_tokens`] does.
fn text_tokens(text: &str) -> u32 {
    (text.len() * 2).div_ceil(7).min(u32::MAX as usize) as u32
}

/// The answer a unit may need, in tokens: its current text with room to grow, or the most one
/// answer holds for a new file. Over [`MAX_OUTPUT_TOKENS`] means it must be cut smaller.
fn output_tokens(current: Option<&str>) -> u32 {
    match current {
        Some(text) => text_tokens(text).saturating_mul(5) / 4 + GROWTH_TOKENS,
        None => MAX_OUTPUT_TOKENS,
    }
}

/// The most text one unit of a large file carries: its answer must fit [`MAX_OUTPUT_TOKENS`],
/// and it may fill at most half of the prompt (the rest is the file's outline and instructions).
fn chunk_tokens(budget: u32) -> u32 {
    ((MAX_OUTPUT_TOKENS - GROWTH_TOKENS) * 4 / 5).min(budget / 2)
}

/// A large file cut into runs of consecutive top-level sections of at most `limit` tokens each;
/// a large class that is too big alone is cut between its members.
fn chunks(text: &str, all: &[Section], limit: u32) -> Vec<Section> {
    let fits = |start: u32, end: u32| text_tokens(&text[start as usize..end as usize]) <= limit;
    let mut out: Vec<Section> = Vec::new();
    let mut run: Vec<&Section> = Vec::new();
    let flush = |run: &mut Vec<&Section>, out: &mut Vec<Section>| {
        if let (Some(first), Some(last)) = (run.first(), run.last()) {
            let label = if run.len() == 1 { first.label.clone() } else { format!("{} ... {}", first.label, last.label) };
            out.push(Section {
                index: first.index,
                names: run.iter().flat_map(|s| s.names.iter().cloned()).collect(),
                marker: first.marker.clone(),
                label,
                start: first.start,
                end: last.end,
                parent: first.parent,
            });
        }
        run.clear();
    };
    for s in all.iter().filter(|s| s.parent.is_none()) {
        let members: Vec<&Section> = all.iter().filter(|m| m.parent == Some(s.index)).collect();
        if !fits(s.start, s.end) && !members.is_empty() {
            flush(&mut run, &mut out);
            for m in members {
                if run.first().is_some_and(|f| !fits(f.start, m.end)) {
                    flush(&mut run, &mut out);
                }
                run.push(m);
            }
            flush(&mut run, &mut out);
            continue;
        }
        if run.first().is_some_and(|f| !fits(f.start, s.end)) {
            flush(&mut run, &mut out);
        }
        run.push(s);
    }
    flush(&mut run, &mut out);
    out
}

/// The end of `text`: at most `max_lines` lines and `max_bytes` bytes, cut at a character boundary.
fn tail(text: &str, max_bytes: usize, max_lines: usize) -> String {
    let trimmed = text.trim_end();
    let mut start = trimmed.len().saturating_sub(max_bytes);
    while !trimmed.is_char_boundary(start) {
        start += 1;
    }
    let mut out = &trimmed[start..];
    if let Some((i, _)) = out.rmatch_indices('\n').nth(max_lines.saturating_sub(1)) {
        out = &out[i + 1..];
    }
    let cut = out.len() < trimmed.len();
    if cut { format!("[...]\n{out}") } else { out.to_string() }
}

/// Host transport codes -> run error codes.
fn model_error_code(code: &str) -> &'static str {
    match code {
        "auth" => "model_auth",
        "rate_limit" | "server" | "timeout" | "network" => "model_unavailable",
        "interrupted" => "interrupted",
        _ => "model_answer",
    }
}

#[cfg(test)]
mod tests;
