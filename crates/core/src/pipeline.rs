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

/// How much of each file in scope the plan prompt shows: less when the budget says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BriefDetail {
    /// Exports, declarations and the section outline (members of large classes included).
    Full,
    /// Exports and the outline of top-level sections.
    TopLevel,
    /// Exports only (at most 40).
    Exports,
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
/// How much of the check's output a retry's prompt carries: the end is where test runners
/// put the failures and the summary.
const VERIFY_TAIL_BYTES: usize = 4_000;
const VERIFY_TAIL_LINES: usize = 80;
/// The end of a failed check's output a retry is shown after its first error.
const FEEDBACK_TAIL_BYTES: usize = 1_200;
const FEEDBACK_TAIL_LINES: usize = 12;
const PACKAGE_JSON: &str = "package.json";

pub struct Session {
    input: RunInput,
    phase: Phase,
    seq: u64,
    events: Vec<Event>,
    next_id: u32,
    texts: BTreeMap<String, Option<String>>,
    analyses: BTreeMap<String, Analysis>,
    /// The facts of every text the session analyses, once per content.
    facts: crate::analysis::Cache,
    scope: Scope,
    /// Paths the task names: read-only context when they exist, ignored when they don't.
    optional_read: BTreeSet<String>,
    /// Sections of the files large enough to be changed section by section.
    sections: BTreeMap<String, Vec<Section>>,
    /// Accepted section answers per file, spliced in when the file's last unit is done.
    replacements: BTreeMap<String, Vec<(u32, u32, String)>>,
    /// Files that already failed: their remaining units are skipped.
    failed_files: BTreeSet<String>,
    /// A unit could not be sent because its context exceeds the budget.
    over_budget: bool,
    /// Changes the core makes without a model: EXTRACT targets, facades, rewired dependents.
    mechanical: Vec<(PlanEntry, String)>,
    package_format: Option<ModuleFormat>,
    toolchain: Toolchain,
    plan: Vec<PlanEntry>,
    plan_source: PlanSource,
    plan_problems: Vec<String>,
    /// Every generation prompt sent so far (hashes): no retry goes out identical to one of them.
    sent_prompts: BTreeSet<u64>,
    units: Vec<Unit>,
    staged: Vec<Staged>,
    /// Indexes into `staged` of the changes on disk, in the order they were made.
    applied: Vec<usize>,
    /// What the run last left at each path it changed (None: deleted); other paths are as read.
    disk: BTreeMap<String, Option<String>>,
    /// Restores the host refused because the file had changed since the run wrote it.
    rollback_conflicts: Vec<String>,
    /// Restores to request, newest change first: (path, content before the run; None = the run
    /// created it).
    rollback: Vec<(String, Option<String>)>,
    rollback_failures: Vec<String>,
    after_rollback: AfterRollback,
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
            texts: BTreeMap::new(),
            analyses: BTreeMap::new(),
            facts: crate::analysis::Cache::default(),
            scope: Scope::default(),
            optional_read: BTreeSet::new(),
            sections: BTreeMap::new(),
            replacements: BTreeMap::new(),
            failed_files: BTreeSet::new(),
            over_budget: false,
            mechanical: Vec::new(),
            package_format: None,
            toolchain: Toolchain::default(),
            plan: Vec::new(),
            plan_source: PlanSource::Model,
            plan_problems: Vec::new(),
            sent_prompts: BTreeSet::new(),
            units: Vec::new(),
            staged: Vec::new(),
            applied: Vec::new(),
            disk: BTreeMap::new(),
            rollback_conflicts: Vec::new(),
            rollback: Vec::new(),
            rollback_failures: Vec::new(),
            after_rollback: AfterRollback::Finish,
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

    fn start(&mut self) -> Request {
        let input = self.input.clone();
        self.emit(EventBody::RunStart {
            run_id: input.run_id.clone(),
            task: input.task.clone(),
            files: input.files.clone(),
            read: input.read.clone(),
            options: input.options.clone(),
        });
        if input.task.trim().is_empty() {
            return self.fail("input_task", "the task is empty");
        }
        if input.files.is_empty() {
            return self.fail("input_files", "no files in scope: give at least one path with --files");
        }
        for raw in &input.files {
            match gate::normalize_path(raw) {
                Ok(p) if gate::tool_path(&p).is_some() => {
                    return self.fail("input_path", gate::tool_path(&p).unwrap_or_default());
                }
                Ok(p) => {
                    self.scope.writable.insert(p);
                }
                Err(v) => return self.fail("input_path", v.message),
            }
        }
        for raw in &input.read {
            match gate::normalize_path(raw) {
                Ok(p) if !self.scope.writable.contains(&p) => {
                    self.scope.read_only.insert(p);
                }
                Ok(_) => {}
                Err(v) => return self.fail("input_path", v.message),
            }
        }
        for path in decompose::task_paths(&input.task) {
            if !self.scope.writable.contains(&path) && !self.scope.read_only.contains(&path) {
                self.optional_read.insert(path);
            }
        }
        let mut paths: Vec<String> =
            self.scope.writable.iter().chain(&self.scope.read_only).chain(&self.optional_read).cloned().collect();
        // package.json and the toolchain's config files tell which module syntax the project runs.
        for extra in std::iter::once(PACKAGE_JSON).chain(toolchain::CONFIG_FILES.iter().copied()) {
            if !paths.iter().any(|p| p == extra) {
                paths.push(extra.to_string());
            }
        }
        self.phase = Phase::AwaitFiles;
        Request::Read { paths }
    }

    fn on_files(&mut self, mut files: BTreeMap<String, FileState>) -> Request {
        let package_json = match files.get(PACKAGE_JSON) {
            Some(FileState::Present { text }) => Some(text.as_str()),
            _ => None,
        };
        let existing = files.iter().filter(|(_, state)| **state != FileState::Absent).map(|(p, _)| p.as_str());
        self.toolchain = Toolchain::detect(existing, package_json);
        let wanted: Vec<String> = self.scope.writable.iter().chain(&self.scope.read_only).cloned().collect();
        for path in std::mem::take(&mut self.optional_read) {
            // A path the task merely mentions joins only when it is there and readable.
            if let Some(FileState::Present { text }) = files.remove(&path) {
                self.scope.read_only.insert(path.clone());
                self.analyses.insert(path.clone(), (*self.facts.analyze(&path, &text)).clone());
                self.texts.insert(path, Some(text));
            }
        }
        for path in wanted {
            match files.remove(&path) {
                Some(FileState::Present { text }) => {
                    let analysis = (*self.facts.analyze(&path, &text)).clone();
                    if self.scope.writable.contains(&path)
                        && analysis.is_valid()
                        && text.lines().count() >= section::MIN_SECTIONED_LINES
                    {
                        self.sections.insert(path.clone(), section::sections(&text, &analysis));
                    }
                    self.analyses.insert(path.clone(), analysis);
                    self.texts.insert(path, Some(text));
                }
                Some(FileState::Absent) if self.scope.read_only.contains(&path) => {
                    return self.fail("input_missing", format!("{path}: read-only context file does not exist"));
                }
                Some(FileState::Absent) => {
                    self.texts.insert(path, None);
                }
                Some(FileState::Unreadable { reason, message }) => {
                    let code = if reason == "outside_workspace" { "input_path" } else { "input_unreadable" };
                    return self.fail(code, format!("{path}: {message}"));
                }
                None => return self.fail("host_protocol", format!("the host did not report on {path}")),
            }
        }
        self.package_format = match files.remove(PACKAGE_JSON).or_else(|| {
            self.texts.get(PACKAGE_JSON).cloned().flatten().map(|text| FileState::Present { text })
        }) {
            Some(FileState::Present { text }) => package_type(&text),
            _ => None,
        };
        if let Some(request) = self.derive_plan() {
            return request;
        }
        self.plan_request(0)
    }

    /// One file in scope and a task that asks for nothing but its change: the plan is the scope's
    /// (`decompose::derived_plan`), and no L1 call is made. It is validated like a planner's; one
    /// that does not pass (it should not) is left to the planner.
    fn derive_plan(&mut self) -> Option<Request> {
        let known = self.known_files();
        let mut plan = decompose::derived_plan(&known, &self.input.task, &self.scope.read_only)?;
        if !decompose::validate(&mut plan, &known, &self.input.task).is_empty() {
            return None;
        }
        self.plan = plan;
        if !self.prepare_mechanical().is_empty() {
            self.plan.clear();
            return None;
        }
        self.plan_source = PlanSource::Derived;
        self.emit(EventBody::Plan { actions: self.plan.clone(), source: PlanSource::Derived });
        self.set_stage("L1", StageState::Ok);
        Some(self.build_units())
    }

    fn known_files(&self) -> BTreeMap<String, KnownFile> {
        self.scope
            .writable
            .iter()
            .map(|p| {
                let analysis = self.analyses.get(p);
                let known = KnownFile {
                    exists: self.texts.get(p).is_some_and(Option::is_some),
                    exports: analysis.map(|a| a.exports.clone()).unwrap_or_default(),
                    declarations: analysis.map(|a| section::declared_names(a).into_iter().collect()).unwrap_or_default(),
                    sources: analysis.map(|a| a.sources.clone()).unwrap_or_default(),
                    sections: self.sections.get(p).cloned().unwrap_or_default(),
                };
                (p.clone(), known)
            })
            .collect()
    }

    /// What this run's plan can hold (the plan schema it sends): the actions the scope and the
    /// task allow, as `decompose::validate` will judge them.
    fn plan_shape(&self) -> PlanShape {
        let scope: Vec<String> = self.scope.writable.iter().cloned().collect();
        let exists = |p: &String| matches!(self.texts.get(p), Some(Some(_)));
        let existing: Vec<String> = scope.iter().filter(|p| exists(p)).cloned().collect();
        let absent = existing.len() < scope.len();
        let mut actions = Vec::new();
        if absent {
            actions.push(Action::Create);
        }
        if !existing.is_empty() {
            actions.push(Action::Modify);
        }
        if absent && !existing.is_empty() {
            actions.push(Action::Extract);
        }
        if existing.iter().any(|p| decompose::task_deletes(&self.input.task, p)) {
            actions.push(Action::Delete);
        }
        let sections = self.sections.values().map(Vec::len).max().unwrap_or(0);
        PlanShape { scope, existing, actions, sections, drop_exports: decompose::task_asks_for_removal(&self.input.task) }
    }

    fn briefs(&self, detail: BriefDetail) -> Vec<FileBrief> {
        self.scope
            .writable
            .iter()
            .map(|p| {
                let text = self.texts.get(p).cloned().flatten();
                let analysis = self.analyses.get(p);
                let source = text.as_deref().unwrap_or("");
                let mut exports: Vec<String> = analysis.map(|a| a.exports.iter().cloned().collect()).unwrap_or_default();
                let (declarations, outline) = match detail {
                    BriefDetail::Full => (
                        analysis.map(section::declared_names).unwrap_or_default(),
                        self.sections.get(p).map(|s| section::outline(source, s, &[])),
                    ),
                    BriefDetail::TopLevel => {
                        let top = |all: &Vec<Section>| all.iter().filter(|s| s.parent.is_none()).cloned().collect::<Vec<_>>();
                        (Vec::new(), self.sections.get(p).map(|s| section::outline(source, &top(s), &[])))
                    }
                    BriefDetail::Exports => {
                        const SHOWN: usize = 40;
                        if exports.len() > SHOWN {
                            let more = exports.len() - SHOWN;
                            exports.truncate(SHOWN);
                            exports.push(format!("... and {more} more"));
                        }
                        (Vec::new(), None)
                    }
                };
                FileBrief {
                    path: p.clone(),
                    exists: text.is_some(),
                    lines: text.as_deref().map_or(0, |t| t.lines().count()),
                    bytes: text.as_deref().map_or(0, str::len),
                    format: analysis.and_then(Analysis::module_format),
                    exports,
                    declarations,
                    outline,
                }
            })
            .collect()
    }

    fn next_request_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn plan_request(&mut self, attempt: u32) -> Request {
        let read_only: Vec<String> = self.scope.read_only.iter().cloned().collect();
        let budget = self.budget();
        // Large files cost the planner their outline; when even that is over the budget, only
        // their top-level outline, then only their exports.
        let mut tokens = 0;
        let shape = self.plan_shape();
        for detail in [BriefDetail::Full, BriefDetail::TopLevel, BriefDetail::Exports] {
            let messages = prompts::plan_messages(
                &self.input.task,
                &self.briefs(detail),
                &read_only,
                &self.input.skills,
                &self.plan_problems,
                &shape,
            );
            tokens = estimate_tokens(&messages);
            if tokens > budget {
                continue;
            }
            self.phase = Phase::AwaitPlan { attempt };
            let files = self.scope.writable.len() as u32;
            return Request::Complete {
                request: CompletionRequest {
                    id: self.next_request_id(),
                    stage: "L1".into(),
                    path: None,
                    action: None,
                    attempt,
                    messages,
                    temperature: 0.0,
                    // A plan is a line or two per file.
                    max_tokens: (1024 + 256 * files).clamp(2048, MAX_OUTPUT_TOKENS),
                    response_format: Some(ResponseFormat { name: PLAN_SCHEMA_NAME.into(), schema: JsonSchema(plan_schema_for(&shape)) }),
                },
            };
        }
        self.set_stage("L1", StageState::Failed);
        self.fail(
            "input_over_budget",
            format!(
                "context over budget: the plan prompt needs about {tokens} tokens even with every file shown as its exports only, \
more than {budget} (--context-budget); give fewer files in --files or a larger budget"
            ),
        )
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

    fn on_plan(&mut self, attempt: u32, answer: &str) -> Request {
        let problems = match decompose::parse_plan(answer) {
            Ok(mut plan) => {
                let mut problems = decompose::validate(&mut plan, &self.known_files(), &self.input.task);
                self.plan = plan;
                if problems.is_empty() {
                    problems = self.prepare_mechanical();
                }
                problems
            }
            Err(message) => vec![Problem::Model(message)],
        };
        if let Some(missing) = problems.iter().find(|p| matches!(p, Problem::MissingTarget(_))) {
            self.set_stage("L1", StageState::Failed);
            return self.fail("input_missing", missing.message().to_string());
        }
        if !problems.is_empty() {
            self.plan_problems = problems.iter().map(|p| p.message().to_string()).collect();
            self.emit(EventBody::PlanRejected { problems: self.plan_problems.clone() });
            if attempt == 0 {
                return self.plan_request(1);
            }
            self.set_stage("L1", StageState::Failed);
            let message = format!("the model's plan is invalid: {}", self.plan_problems.join("; "));
            return self.fail("plan_invalid", message);
        }
        self.emit(EventBody::Plan { actions: self.plan.clone(), source: PlanSource::Model });
        self.set_stage("L1", StageState::Ok);
        self.build_units()
    }

    /// EXTRACT and rewiring are done here, by the core: the moved code never passes through a
    /// model. Several EXTRACTs from one source apply in plan order to the evolving facade.
    fn prepare_mechanical(&mut self) -> Vec<Problem> {
        self.mechanical.clear();
        let mut problems = Vec::new();
        let mut facades: BTreeMap<String, String> = BTreeMap::new();
        let mut moves: Vec<(String, String, Vec<String>)> = Vec::new();
        for entry in self.plan.iter().filter(|e| e.action == Action::Extract) {
            let Some(from) = entry.from.clone() else { continue };
            let text = facades.get(&from).cloned().or_else(|| self.texts.get(&from).cloned().flatten()).unwrap_or_default();
            let spec = ExtractSpec {
                source_path: &from,
                source_text: &text,
                target_path: &entry.path,
                symbols: &entry.symbols,
                format: self.expected_format(&from).unwrap_or(ModuleFormat::Cjs),
            };
            match extract::extract(&spec) {
                Ok(done) => {
                    facades.insert(from.clone(), done.source_text);
                    self.mechanical.push((entry.clone(), done.target_text));
                    moves.push((from, entry.path.clone(), done.moved));
                }
                Err(err) => problems.push(Problem::Model(format!("EXTRACT {} from {from}: {err}", entry.path))),
            }
        }
        for entry in self.plan.iter().filter(|e| e.action == Action::Modify && e.rewire) {
            let Some(mut text) = self.texts.get(&entry.path).cloned().flatten() else { continue };
            let format = self.expected_format(&entry.path).unwrap_or(ModuleFormat::Cjs);
            for (source, target, moved) in &moves {
                if let Some(rewired) = extract::rewire(&entry.path, &text, source, target, moved, format) {
                    text = rewired;
                }
            }
            self.mechanical.push((entry.clone(), text));
        }
        for (source, text) in facades {
            let entry = PlanEntry {
                path: source,
                action: Action::Modify,
                intent: "facade: re-exports the extracted code".into(),
                from: None,
                symbols: Vec::new(),
                sections: Vec::new(),
                rewire: false,
                drop_exports: Vec::new(),
                exports: Vec::new(),
            };
            self.mechanical.push((entry, text));
        }
        problems
    }

    /// L2: one unit per file the model writes; deletes and mechanical changes need no model and
    /// go straight to the gate.
    fn build_units(&mut self) -> Request {
        for entry in self.stage_without_model() {
            self.push_units(entry);
        }
        self.set_stage("L2", StageState::Ok);
        self.next_unit(0)
    }

    /// Gate and stage the changes that need no model (mechanical moves, deletes); returns the
    /// plan entries that do.
    fn stage_without_model(&mut self) -> Vec<PlanEntry> {
        for (entry, text) in self.mechanical.clone() {
            let old = self.texts.get(&entry.path).cloned().flatten();
            self.gate_and_stage(&entry, old.as_deref(), Some(text), 0);
        }
        let extract_sources: BTreeSet<String> = self.plan.iter().filter_map(|e| e.from.clone()).collect();
        let mut for_model = Vec::new();
        for entry in self.plan.clone() {
            // Done mechanically above; a MODIFY of an EXTRACT source is folded into its facade.
            let mechanical = entry.action == Action::Extract
                || (entry.action == Action::Modify && (entry.rewire || extract_sources.contains(&entry.path)));
            if mechanical {
                continue;
            }
            if entry.action == Action::Delete {
                let old = self.texts.get(&entry.path).cloned().flatten();
                self.gate_and_stage(&entry, old.as_deref(), None, 1);
            } else {
                for_model.push(entry);
            }
        }
        for_model
    }

    /// A MODIFY that names sections of a sectioned file becomes one unit per section; anything
    /// else is one whole-file unit.
    fn push_units(&mut self, entry: PlanEntry) {
        let sections = self.sections.get(&entry.path);
        let chosen = match (entry.action, sections) {
            (Action::Modify, Some(all)) if !entry.sections.is_empty() => {
                section::resolve(all, &entry.sections).ok().map(|idx| idx.iter().map(|i| all[i - 1].clone()).collect::<Vec<_>>())
            }
            _ => None,
        };
        // A whole-file MODIFY too large for one answer, or for half the prompt, goes section by section.
        let limit = chunk_tokens(self.budget());
        let chosen = chosen.or_else(|| match (entry.action, sections, self.texts.get(&entry.path).cloned().flatten()) {
            (Action::Modify, Some(all), Some(text)) if text_tokens(&text) > limit => Some(chunks(&text, all, limit)),
            _ => None,
        });
        match chosen {
            Some(chosen) => {
                for s in chosen {
                    self.units.push(Unit::new(entry.clone(), Some(s)));
                }
            }
            None => self.units.push(Unit::new(entry, None)),
        }
    }

    fn budget(&self) -> u32 {
        self.input.options.context_budget.unwrap_or(DEFAULT_CONTEXT_BUDGET)
    }

    /// Read-only files as a unit sees them: whole, or (`whole == false`) cut to their outline.
    fn read_only_views(&self, whole: bool) -> Vec<ReadOnlyView> {
        self.scope
            .read_only
            .iter()
            .filter_map(|p| {
                let text = self.texts.get(p).cloned().flatten()?;
                if whole {
                    return Some(ReadOnlyView { path: p.clone(), text, whole: true });
                }
                let cut = match self.analyses.get(p) {
                    Some(a) if Language::of(p).is_script() && a.is_valid() => {
                        section::outline(&text, &section::sections(&text, a), &[])
                    }
                    // Prose keeps its headings: enough to know what the file is about.
                    _ => text.lines().filter(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect(),
                };
                Some(ReadOnlyView { path: p.clone(), text: cut, whole: false })
            })
            .collect()
    }

    fn expected_format(&self, path: &str) -> Option<ModuleFormat> {
        let lang = Language::of(path);
        if !lang.is_script() {
            return None;
        }
        if let Some(fixed) = ModuleFormat::of_extension(path) {
            return Some(fixed);
        }
        match self.input.options.module_format {
            FormatChoice::Cjs => return Some(ModuleFormat::Cjs),
            FormatChoice::Esm => return Some(ModuleFormat::Esm),
            FormatChoice::Auto => {}
        }
        if let Some(own) = self.analyses.get(path).and_then(Analysis::module_format) {
            return Some(own);
        }
        if matches!(lang, Language::TypeScript | Language::Tsx | Language::Jsx) {
            // TypeScript and JSX sources are written with import/export whatever they compile to.
            return Some(ModuleFormat::Esm);
        }
        if let Some(pkg) = self.package_format {
            return Some(pkg);
        }
        // Follow the other script files of the run; Node's default for `.js` is CommonJS.
        let (mut cjs, mut esm) = (0, 0);
        for (p, a) in &self.analyses {
            if p != path && Language::of(p).is_script() {
                match a.module_format() {
                    Some(ModuleFormat::Cjs) => cjs += 1,
                    Some(ModuleFormat::Esm) => esm += 1,
                    None => {}
                }
            }
        }
        Some(if esm > cjs { ModuleFormat::Esm } else { ModuleFormat::Cjs })
    }

    /// The format the gate holds a file to: the [expected](Self::expected_format) one, unless
    /// `auto` found a toolchain that also runs the other (see [`Toolchain::required`]).
    fn required_format(&self, path: &str) -> Option<ModuleFormat> {
        let expected = self.expected_format(path)?;
        if ModuleFormat::of_extension(path).is_some() || self.input.options.module_format != FormatChoice::Auto {
            return Some(expected);
        }
        self.toolchain.required(expected)
    }

    /// What a MODIFY's prompt asks it to keep: never a name the plan drops or the task says to remove.
    fn keep_exports(&self, entry: &PlanEntry) -> Vec<String> {
        match (entry.action, self.analyses.get(&entry.path)) {
            (Action::Modify, Some(a)) => a
                .exports
                .iter()
                .filter(|e| !entry.drop_exports.contains(e) && !decompose::task_removes(&self.input.task, e))
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Other script files as a unit sees them once the plan is done: each export with the signature
    /// of its declaration (`createServer: function createServer(port) { …`), never a body. A file the
    /// plan creates or modifies shows the exports the plan declared for it (a MODIFY also those it
    /// must keep); a file the plan deletes is not shown.
    fn neighbours(&self, path: &str) -> Vec<(String, Vec<String>)> {
        let planned = |p: &str| self.plan.iter().find(|e| e.path == p);
        let mut paths: BTreeSet<&String> = self.analyses.keys().collect();
        paths.extend(self.plan.iter().filter(|e| matches!(e.action, Action::Create | Action::Extract)).map(|e| &e.path));
        paths
            .into_iter()
            .filter(|p| p.as_str() != path && Language::of(p).is_script())
            .filter(|p| planned(p).is_none_or(|e| e.action != Action::Delete))
            .filter_map(|p| {
                let before = self.analyses.get(p);
                let names: BTreeSet<String> = match planned(p) {
                    Some(e) if e.action == Action::Modify => {
                        let kept = before.map(|a| a.exports.iter().filter(|x| !e.drop_exports.contains(x)).cloned());
                        kept.into_iter().flatten().chain(e.exports.iter().cloned()).collect()
                    }
                    Some(e) if e.action == Action::Create => e.exports.iter().cloned().collect(),
                    Some(e) if e.action == Action::Extract => e.symbols.iter().chain(&e.exports).cloned().collect(),
                    _ => before?.exports.clone(),
                };
                // A new file whose exports the plan does not say: nothing to show but that it exists.
                if names.is_empty() && before.is_none() {
                    return Some((p.clone(), vec!["(created by this run; its exports are not planned)".to_string()]));
                }
                let text = self.texts.get(p).cloned().flatten().unwrap_or_default();
                let sections = before.map(|a| section::sections(&text, a)).unwrap_or_default();
                let shapes = names
                    .into_iter()
                    .map(|name| match sections.iter().find(|s| s.names.contains(&name)) {
                        Some(s) => format!("{name}: {}", section::signature(&text, s)),
                        None => name,
                    })
                    .collect();
                Some((p.clone(), shapes))
            })
            .collect()
    }

    fn next_unit(&mut self, index: usize) -> Request {
        let mut index = index;
        while self.units.get(index).is_some_and(|u| self.failed_files.contains(&u.entry.path)) {
            index += 1;
        }
        let Some(unit) = self.units.get(index).cloned() else {
            let state = if self.units.is_empty() { StageState::Skipped } else { StageState::Ok };
            self.set_stage("L3", state);
            return self.begin_effects();
        };
        let entry = &unit.entry;
        let file_text = self.texts.get(&entry.path).cloned().flatten();
        let keep = self.keep_exports(entry);
        let neighbours = self.neighbours(&entry.path);
        let (current, outline, last) = match (&unit.section, file_text.as_deref()) {
            (Some(s), Some(text)) => {
                let all = &self.sections[&entry.path];
                // A unit may span several sections (a large file cut into chunks): all of them leave the outline.
                let covered: Vec<usize> = all.iter().filter(|x| x.start >= s.start && x.end <= s.end).map(|x| x.index).collect();
                let last = all.iter().filter(|x| covered.contains(&x.index) && x.parent == s.parent).map(|x| x.index).max();
                let current = text[s.start as usize..s.end as usize].to_string();
                (Some(current), section::outline(text, all, &covered), last.unwrap_or(s.index).max(s.index))
            }
            _ => (file_text.clone(), String::new(), 0),
        };
        let max_tokens = output_tokens(current.as_deref());
        if max_tokens > MAX_OUTPUT_TOKENS {
            let what = match &unit.section {
                Some(s) => format!("section #{} ({}) of {}", s.index, s.label, entry.path),
                None => entry.path.clone(),
            };
            let why = if unit.section.is_some() || self.sections.contains_key(&entry.path) {
                "and cannot be cut smaller"
            } else {
                "and it cannot be cut into sections (it does not parse, or is not a script)"
            };
            let reason = format!(
                "too large for one answer: {what} needs about {max_tokens} tokens of answer, over the {MAX_OUTPUT_TOKENS}-token \
limit, {why}; split the file or the task"
            );
            self.over_budget = true;
            self.file_failed(&unit, Outcome::Failed, Vec::new(), reason);
            return self.next_unit(index + 1);
        }
        let budget = self.budget();
        for whole in [true, false] {
            let views = self.read_only_views(whole);
            let messages = prompts::unit_messages(&UnitPrompt {
                task: &self.input.task,
                path: &entry.path,
                action: entry.action,
                intent: &entry.intent,
                language: Language::of(&entry.path),
                module_format: self.expected_format(&entry.path),
                current: current.as_deref(),
                keep_exports: &keep,
                planned_exports: &entry.exports,
                neighbours: &neighbours,
                section: unit.section.as_ref().map(|s| SectionPrompt { index: s.index, last, label: &s.label, outline: &outline }),
                read_only: &views,
                skills: &self.input.skills,
                previous_error: unit.last_error.as_deref(),
                verify_failure: unit.verify_failure.as_deref(),
            });
            let tokens = estimate_tokens(&messages);
            self.emit(EventBody::Context {
                path: entry.path.clone(),
                section: unit.section.as_ref().map(|s| s.index),
                tokens,
                budget,
                read_only: views.iter().map(|v| ReadOnlyShown { path: v.path.clone(), whole: v.whole }).collect(),
            });
            if tokens <= budget {
                let mut messages = messages;
                if !self.sent_prompts.insert(prompt_hash(&messages)) {
                    // The same question again would get the same answer: say that it was asked before.
                    if let Some(last) = messages.iter_mut().rev().find(|m| m.role == "user") {
                        last.content.push_str(&format!(
                            "\nTHIS IS ATTEMPT {}: this same request was answered before, and that answer was not usable. Answer differently.\n",
                            unit.attempts + 1
                        ));
                    }
                    self.sent_prompts.insert(prompt_hash(&messages));
                }
                self.phase = Phase::AwaitUnit { index };
                return Request::Complete {
                    request: CompletionRequest {
                        id: self.next_request_id(),
                        stage: "L3".into(),
                        path: Some(entry.path.clone()),
                        action: Some(entry.action),
                        attempt: unit.attempts,
                        messages,
                        temperature: retry_temperature(unit.attempts),
                        max_tokens: max_tokens.max(MIN_OUTPUT_TOKENS),
                        response_format: None,
                    },
                };
            }
            if views.is_empty() {
                break;
            }
        }
        // Over budget even with read-only context cut to outlines: say so, never truncate.
        let reason = format!(
            "context over budget: the prompt for {} needs more than {budget} tokens (--context-budget); \
split the file or the task",
            entry.path
        );
        self.over_budget = true;
        self.file_failed(&unit, Outcome::Failed, Vec::new(), reason);
        self.next_unit(index + 1)
    }

    fn file_failed(&mut self, unit: &Unit, outcome: Outcome, violations: Vec<Violation>, reason: String) {
        self.failed_files.insert(unit.entry.path.clone());
        let error = if outcome == Outcome::Failed { Some(reason) } else { None };
        self.outcomes.push(FileOutcome {
            path: unit.entry.path.clone(),
            action: unit.entry.action,
            outcome,
            diff: String::new(),
            violations,
            attempts: unit.attempts,
            error,
        });
    }

    fn on_unit(&mut self, index: usize, answer: &str) -> Request {
        self.units[index].attempts += 1;
        let unit = self.units[index].clone();
        let path = unit.entry.path.clone();
        let old = self.texts.get(&path).cloned().flatten();
        // What the file must export (kept and planned) tells the module from its examples when an
        // answer holds several blocks.
        let exports = match unit.section {
            None => {
                let mut exports = self.keep_exports(&unit.entry);
                exports.extend(unit.entry.exports.iter().filter(|e| !exports.contains(e)).cloned().collect::<Vec<_>>());
                exports
            }
            Some(_) => Vec::new(),
        };
        let checked = match crate::generate::extract_code_for(answer, &path, &exports) {
            Err(reason) => Err((reason, Vec::new(), Outcome::Failed, None)),
            Ok(code) => {
                // A section answer is checked inside its file: the gate always sees whole files.
                // Post-processing runs on whole files: for sections, once the file is assembled.
                let candidate = match (&unit.section, old.as_deref()) {
                    (Some(s), Some(text)) => section::splice(text, &[(s.start, s.end, code.clone())]),
                    _ => self.post_process(&path, code.clone()),
                };
                // A section answer can make its file larger than any host will read back.
                if candidate.len() > crate::generate::MAX_FILE_BYTES {
                    Err((crate::generate::too_large(candidate.len()), Vec::new(), Outcome::Failed, None))
                } else {
                    let mut violations = self.check(&unit.entry, old.as_deref(), Some(&candidate));
                    // A section's file may still import a deleted file from a section not yet redone:
                    // the whole file is held to it, with every other change, by `check_deletes`.
                    if unit.section.is_none() {
                        violations.extend(self.imports_a_deleted_file(&unit.entry, &candidate));
                    }
                    match gate::decide(&violations, self.input.options.gate) {
                        Decision::Block => {
                            let reason = violations.iter().map(|v| v.message.clone()).collect::<Vec<_>>().join("; ");
                            Err((reason, violations, Outcome::Blocked, Some(candidate)))
                        }
                        _ => Ok((code, candidate, violations)),
                    }
                }
            }
        };
        match checked {
            Err((reason, violations, outcome, candidate)) => {
                let reason = self.plain_reason(&path, answer, reason);
                self.emit(EventBody::UnitRejected { path: path.clone(), attempt: unit.attempts - 1, reason: reason.clone() });
                if !violations.is_empty() {
                    self.emit(EventBody::Gate {
                        path: path.clone(),
                        action: unit.entry.action,
                        decision: Decision::Block,
                        violations: violations.clone(),
                    });
                }
                // The same answer to the same question: another retry would only cost another call.
                let repeated = unit.last_rejected.as_deref() == Some(answer);
                if !repeated && unit.attempts - unit.round_start <= self.max_retries() {
                    self.units[index].last_error = Some(reason);
                    self.units[index].last_rejected = Some(answer.to_string());
                    return self.next_unit(index);
                }
                // Out of retries, an answer whose one finding is that it still imports a file the
                // plan deletes is kept: the delete is what gives way, and `check_deletes` stops the
                // plan there (`--partial`: the delete alone), naming both files.
                if violations.iter().all(|v| v.rule == Rule::DeleteStillImported)
                    && let Some(candidate) = candidate.filter(|_| !violations.is_empty())
                {
                    self.stage(&unit.entry, Some(candidate), Vec::new(), unit.attempts);
                } else {
                    self.file_failed(&unit, outcome, violations, reason);
                    if repeated && let Some(o) = self.outcomes.last_mut() {
                        let note = "the retry gave the same answer again: no further retries";
                        o.error = Some(o.error.take().map_or(note.to_string(), |e| format!("{e} ({note})")));
                    }
                }
            }
            Ok((code, candidate, violations)) => match &unit.section {
                // A whole-file answer was just checked: stage it with those findings, don't parse it again.
                None => self.stage(&unit.entry, Some(candidate), violations, unit.attempts),
                Some(s) => self.replacements.entry(path.clone()).or_default().push((s.start, s.end, code)),
            },
        }
        let last_of_file = self.units.get(index + 1).is_none_or(|next| next.entry.path != path);
        if last_of_file
            && !self.failed_files.contains(&path)
            && let Some(replacements) = self.replacements.remove(&path)
        {
            let text = section::splice(old.as_deref().unwrap_or(""), &replacements);
            let text = self.post_process(&path, text);
            self.gate_and_stage(&unit.entry, old.as_deref(), Some(text), unit.attempts);
        }
        self.next_unit(index + 1)
    }

    /// A refusal in plain words first when the answer was not the file at all: a read-only file
    /// (the spec, most often) copied back, or a test of the file. A small model reads "exports
    /// lost" as a reason to fix exports, not to stop returning the spec.
    fn plain_reason(&self, path: &str, answer: &str, reason: String) -> String {
        let copied = self.scope.read_only.iter().find(|ro| {
            self.texts.get(*ro).cloned().flatten().is_some_and(|text| crate::failure::copied_back(&text, answer))
        });
        if let Some(ro) = copied {
            return format!(
                "the answer was {ro} copied back: that file is read-only context, not the file to write; return the \
implementation of {path} ({reason})"
            );
        }
        if reason.contains("is a test of") {
            return format!("the answer was a test file, not {path}; return the implementation of {path} ({reason})");
        }
        reason
    }

    /// The small mechanical repairs models most often need, each a named pass in `postprocess`.
    fn post_process(&mut self, path: &str, text: String) -> String {
        let (text, mut fixes) = if Language::of(path).is_script() { self.script_passes(path, text) } else { (text, Vec::new()) };
        // Last, so lines the passes added get the file's line ends too.
        let before = self.texts.get(path).cloned().flatten();
        let (text, more) = postprocess::keep_text_conventions(before.as_deref(), &text);
        fixes.extend(more);
        for fix in fixes {
            self.emit(EventBody::PostProcess { path: path.to_string(), pass: fix.pass.to_string(), description: fix.description });
        }
        text
    }

    fn script_passes(&self, path: &str, text: String) -> (String, Vec<postprocess::Fix>) {
        let format = self.expected_format(path).unwrap_or(ModuleFormat::Cjs);
        // Neighbours: files as they will be after this run (generated ones included), not deleted ones.
        let mut after: BTreeMap<String, Analysis> = self.analyses.clone();
        for staged in &self.staged {
            match &staged.new {
                Some(new) => {
                    after.insert(staged.path.clone(), (*self.facts.analyze(&staged.path, new)).clone());
                }
                None => {
                    after.remove(&staged.path);
                }
            }
        }
        let neighbours: Vec<Neighbour<'_>> = after
            .iter()
            .filter(|(p, _)| p.as_str() != path && Language::of(p).is_script())
            .map(|(p, a)| Neighbour { path: p, exports: &a.exports, format: a.module_format() })
            .collect();
        let banned: Vec<String> = self.input.skills.iter().flat_map(|s| crate::skill::parse_skill(s).banned).collect();
        let (text, mut fixes) = postprocess::recover_imports(path, &text, format, &neighbours);
        let (text, more) = postprocess::strip_banned(path, &text, &banned);
        fixes.extend(more);
        (text, fixes)
    }

    fn check(&self, entry: &PlanEntry, old: Option<&str>, new: Option<&str>) -> Vec<Violation> {
        let proposal = Proposal {
            path: &entry.path,
            action: entry.action,
            old,
            new,
            module_format: self.required_format(&entry.path),
            may_drop: &entry.drop_exports,
            planned_exports: &entry.exports,
            allowed: &self.allowed_capabilities(),
        };
        gate::check_with(&proposal, &self.scope, self.input.options.gate, &self.facts)
    }

    /// What `new_capability` lets an answer add: the user's `allow`, and what the task asks for.
    fn allowed_capabilities(&self) -> Vec<crate::analysis::Capability> {
        let mut allowed = self.input.options.allow.clone();
        allowed.extend(gate::capabilities_asked(&self.input.task));
        allowed
    }

    /// Rule `delete_still_imported`, for a file the plan writes: its new text should not import a
    /// file the same plan deletes. Its unit is sent back with the reason, like any gate finding
    /// (the model most often just forgot to update the import); out of retries, the answer stands
    /// and the delete is blocked instead (`check_deletes`).
    fn imports_a_deleted_file(&self, entry: &PlanEntry, text: &str) -> Option<Violation> {
        if self.input.options.gate == GateMode::Off || !Language::of(&entry.path).is_script() {
            return None;
        }
        let deleted: BTreeSet<String> = self
            .plan
            .iter()
            .filter(|e| e.action == Action::Delete && e.path != entry.path)
            .map(|e| e.path.clone())
            .collect();
        if deleted.is_empty() {
            return None;
        }
        let dep = imported(&entry.path, &self.facts.analyze(&entry.path, text), &deleted)?;
        Some(gate::delete_still_imported::importer(&entry.path, &dep))
    }

    /// Rule `delete_still_imported`, for a delete: no file that will be on disk after the run
    /// (new texts of the changes, old texts of the files in scope left alone, read-only files)
    /// may still import it. Checked once every change has passed the gate, before any effect;
    /// a delete that breaks it is blocked, and the plan with it (`--partial`: the delete alone).
    fn check_deletes(&mut self) {
        if self.input.options.gate == GateMode::Off
            || self.outcomes.iter().any(|o| matches!(o.outcome, Outcome::Blocked | Outcome::Failed))
        {
            // Something is already missing: `withhold` decides, from what will really be on disk.
            return;
        }
        let none = BTreeMap::new();
        let found: Vec<(usize, String)> = self
            .staged
            .iter()
            .enumerate()
            .filter(|(_, s)| s.new.is_none())
            .filter_map(|(i, s)| self.importer_after_run(&s.path, &none).map(|by| (i, by)))
            .collect();
        let mut blocked = Vec::new();
        // From the last, so the indexes of the ones still to look at stay valid.
        for (i, by) in found.into_iter().rev() {
            let path = self.staged[i].path.clone();
            let violation = gate::delete_still_imported::deleted(&path, &by);
            let decision = gate::decide(std::slice::from_ref(&violation), self.input.options.gate);
            self.staged[i].violations.push(violation);
            let violations = self.staged[i].violations.clone();
            self.emit(EventBody::Gate { path: path.clone(), action: Action::Delete, decision, violations: violations.clone() });
            if decision == Decision::Block {
                let staged = self.staged.remove(i);
                blocked.push(FileOutcome {
                    path,
                    action: staged.action,
                    outcome: Outcome::Blocked,
                    diff: String::new(),
                    violations,
                    attempts: staged.attempts,
                    error: None,
                });
            }
        }
        self.outcomes.extend(blocked.into_iter().rev());
    }

    /// Gate a change and, unless blocked, queue it for writing.
    fn gate_and_stage(&mut self, entry: &PlanEntry, old: Option<&str>, new: Option<String>, attempts: u32) {
        let violations = self.check(entry, old, new.as_deref());
        self.stage(entry, new, violations, attempts);
    }

    /// Record the gate's decision on a checked change and, unless blocked, queue it for writing.
    fn stage(&mut self, entry: &PlanEntry, new: Option<String>, violations: Vec<Violation>, attempts: u32) {
        let decision = gate::decide(&violations, self.input.options.gate);
        self.emit(EventBody::Gate { path: entry.path.clone(), action: entry.action, decision, violations: violations.clone() });
        if decision == Decision::Block {
            self.outcomes.push(FileOutcome {
                path: entry.path.clone(),
                action: entry.action,
                outcome: Outcome::Blocked,
                diff: String::new(),
                violations,
                attempts,
                error: None,
            });
            return;
        }
        self.staged.push(Staged { path: entry.path.clone(), action: entry.action, new, violations, attempts });
    }

    fn begin_effects(&mut self) -> Request {
        self.check_deletes();
        let blocked = self.outcomes.iter().any(|o| o.outcome == Outcome::Blocked);
        self.set_stage("gate", if blocked { StageState::Failed } else { StageState::Ok });
        self.withhold();
        self.next_effect(0)
    }

    /// The plan is the unit of application: once a file of it is blocked or failed, none of the
    /// other changes is written; with `partial`, the ones that do not need it still are. A change
    /// is needed when it imports a file that is not written (directly, or through another withheld
    /// change), and a delete is withheld while any file left on disk still imports the file.
    fn withhold(&mut self) {
        let stopped = |o: &&FileOutcome| matches!(o.outcome, Outcome::Blocked | Outcome::Failed);
        // A delete that is not made leaves its file in place: nothing that imports it misses it.
        let mut missing: BTreeSet<String> =
            self.outcomes.iter().filter(stopped).filter(|o| o.action != Action::Delete).map(|o| o.path.clone()).collect();
        let Some(first) = self.outcomes.iter().find(stopped) else { return };
        let first = format!("{} was {}", first.path, if first.outcome == Outcome::Blocked { "blocked" } else { "not generated" });
        let mut withheld: BTreeMap<usize, String> = BTreeMap::new();
        if !self.input.options.partial {
            withheld.extend(self.staged.iter().enumerate().map(|(i, staged)| {
                let not = if staged.new.is_some() { "not written" } else { "not deleted" };
                (i, format!("{not}: {first}, and a plan is applied whole (--partial keeps what does not need it)"))
            }));
        }
        loop {
            let mut changed = false;
            for (i, staged) in self.staged.iter().enumerate() {
                if withheld.contains_key(&i) {
                    continue;
                }
                let why = match &staged.new {
                    Some(text) => imported(&staged.path, &self.facts.analyze(&staged.path, text), &missing)
                        .map(|dep| format!("not written: it imports {dep}, which is not written")),
                    None => self
                        .importer_after_run(&staged.path, &withheld)
                        .map(|by| format!("not deleted: {by} still imports it")),
                };
                if let Some(why) = why {
                    if staged.new.is_some() {
                        missing.insert(staged.path.clone());
                    }
                    withheld.insert(i, why);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let staged = std::mem::take(&mut self.staged);
        for (i, change) in staged.into_iter().enumerate() {
            match withheld.remove(&i) {
                Some(why) => self.outcomes.push(FileOutcome {
                    path: change.path,
                    action: change.action,
                    outcome: Outcome::Withheld,
                    diff: String::new(),
                    violations: change.violations,
                    attempts: change.attempts,
                    error: Some(why),
                }),
                None => self.staged.push(change),
            }
        }
    }

    /// A script file that will be on disk after the run (kept changes in place, withheld ones as
    /// they were) and imports `path`.
    fn importer_after_run(&self, path: &str, withheld: &BTreeMap<usize, String>) -> Option<String> {
        let mut after: BTreeMap<&str, &str> =
            self.texts.iter().filter_map(|(p, t)| t.as_deref().map(|t| (p.as_str(), t))).collect();
        for (_, staged) in self.staged.iter().enumerate().filter(|(i, _)| !withheld.contains_key(i)) {
            match &staged.new {
                Some(new) => after.insert(&staged.path, new),
                None => after.remove(staged.path.as_str()),
            };
        }
        let target = BTreeSet::from([path.to_string()]);
        after.into_iter().filter(|(p, _)| *p != path && Language::of(p).is_script()).find_map(|(p, text)| {
            let unchanged = self.texts.get(p).and_then(Option::as_deref) == Some(text);
            let analysis = match self.analyses.get(p) {
                Some(a) if unchanged => a.clone(),
                _ => (*self.facts.analyze(p, text)).clone(),
            };
            imported(p, &analysis, &target).map(|_| p.to_string())
        })
    }

    /// What `path` must be before the run changes it: what the run last wrote there, else what it read.
    fn expected(&self, path: &str) -> Expected {
        // Every path the run may change is in scope, and every path in scope was read.
        Expected::of(self.disk.get(path).or_else(|| self.texts.get(path)).cloned().flatten())
    }

    fn next_effect(&mut self, index: usize) -> Request {
        let Some(staged) = self.staged.get(index).cloned() else { return self.after_effects() };
        let old = self.texts.get(&staged.path).cloned().flatten();
        self.phase = Phase::AwaitEffect { index };
        match staged.new.clone() {
            Some(text) if old.as_deref() == Some(text.as_str()) => {
                self.push_outcome(&staged, Outcome::Unchanged, String::new());
                self.next_effect(index + 1)
            }
            Some(text) => Request::Write { expect: self.expected(&staged.path), path: staged.path, text, rollback: false },
            None => Request::Delete { expect: self.expected(&staged.path), path: staged.path, rollback: false },
        }
    }

    fn push_outcome(&mut self, staged: &Staged, outcome: Outcome, diff: String) {
        self.outcomes.push(FileOutcome {
            path: staged.path.clone(),
            action: staged.action,
            outcome,
            diff,
            violations: staged.violations.clone(),
            attempts: staged.attempts,
            error: None,
        });
    }

    fn on_effect(&mut self, index: usize, reply: Reply) -> Request {
        let staged = self.staged[index].clone();
        let old = self.texts.get(&staged.path).cloned().flatten();
        let diff = diff::unified(&staged.path, old.as_deref(), staged.new.as_deref());
        match reply {
            Reply::Written => {
                self.emit(EventBody::Write { path: staged.path.clone() });
                self.push_outcome(&staged, Outcome::Written, diff);
                self.applied.push(index);
                self.disk.insert(staged.path.clone(), staged.new.clone());
            }
            Reply::Deleted => {
                self.emit(EventBody::Delete { path: staged.path.clone() });
                self.push_outcome(&staged, Outcome::Deleted, diff);
                self.applied.push(index);
                self.disk.insert(staged.path.clone(), None);
            }
            Reply::WriteError { message, code } | Reply::DeleteError { message, code } => {
                if code.as_deref() == Some("interrupted") {
                    // The user stopped the run between two writes: take back the ones made.
                    let made = self.applied.len();
                    let message = format!(
                        "interrupted during the writes: the {made} change(s) already made were rolled back, nothing else was written"
                    );
                    self.error = Some(run_error("interrupted", message));
                    self.after_rollback = AfterRollback::Finish;
                    return self.begin_rollback();
                }
                self.emit(EventBody::WriteError { path: staged.path.clone(), message: message.clone() });
                self.outcomes.push(FileOutcome {
                    path: staged.path.clone(),
                    action: staged.action,
                    outcome: Outcome::Failed,
                    diff: String::new(),
                    violations: staged.violations.clone(),
                    attempts: staged.attempts,
                    error: Some(message.clone()),
                });
                // All or nothing: the changes already made are taken back.
                let restored = if self.applied.is_empty() {
                    String::new()
                } else {
                    format!("; the {} change(s) made before it were rolled back", self.applied.len())
                };
                self.error = Some(if code.as_deref() == Some("conflict") {
                    let message = format!("{} changed on disk during the run and was left as it is: {message}{restored}", staged.path);
                    run_error("conflict", message)
                } else {
                    run_error("write_failed", format!("{}: {message}{restored}", staged.path))
                });
                self.after_rollback = AfterRollback::Finish;
                return self.begin_rollback();
            }
            other => return self.fail("host_protocol", format!("unexpected reply {other:?} to a write")),
        }
        self.next_effect(index + 1)
    }

    fn verify_timeout_ms(&self) -> u64 {
        self.input.options.verify_timeout_ms.unwrap_or(DEFAULT_VERIFY_TIMEOUT_MS)
    }

    /// Every change is on disk: run the user's check, if there is one and it can tell anything.
    fn after_effects(&mut self) -> Request {
        let command = self.input.options.verify.clone().unwrap_or_default();
        if command.trim().is_empty() || self.error.is_some() {
            return self.finish();
        }
        // Nothing written and something blocked: the check would only test the old code.
        let bad = self.outcomes.iter().any(|o| matches!(o.outcome, Outcome::Blocked | Outcome::Failed));
        if self.applied.is_empty() && bad {
            return self.finish();
        }
        let report = self.verify.get_or_insert_with(|| VerifyReport {
            command: command.clone(),
            attempts: Vec::new(),
            passed: false,
            rolled_back: false,
            kept: false,
        });
        let attempt = report.attempts.len() as u32;
        self.emit(EventBody::VerifyStart { attempt, command: command.clone() });
        self.phase = Phase::AwaitVerify { attempt };
        Request::Verify { command, timeout_ms: self.verify_timeout_ms(), attempt }
    }

    fn on_verify(&mut self, attempt: u32, reply: Reply) -> Request {
        let (result, can_help, first_error) = match reply {
            Reply::Verified { exit_code, signal, timed_out, duration_ms, output } => {
                let passed = exit_code == Some(0) && !timed_out;
                // 126/127: the shell could not run the command; new code will not change that.
                let can_help = !matches!(exit_code, Some(126 | 127));
                let output_tail = tail(&output, VERIFY_TAIL_BYTES, VERIFY_TAIL_LINES);
                // The whole output, not its tail: the first error may be far above the end.
                let first_error = if passed { None } else { crate::failure::first_error(&output) };
                (VerifyAttempt { passed, exit_code, signal, timed_out, duration_ms, output_tail }, can_help, first_error)
            }
            Reply::VerifyError { code, message } => {
                if code == "interrupted" {
                    // Unchecked is not done: restore, as after a failed check (unless told to keep).
                    if self.input.options.keep_on_fail {
                        let message = "interrupted while the check was running: the changes were kept unchecked \
(--keep-on-fail; red-exec --undo takes them back)";
                        return self.fail("interrupted", message);
                    }
                    let message = "interrupted while the check was running: every file was restored";
                    self.error = Some(run_error("interrupted", message));
                    self.after_rollback = AfterRollback::Finish;
                    return self.begin_rollback();
                }
                let result = VerifyAttempt {
                    passed: false,
                    exit_code: None,
                    signal: None,
                    timed_out: false,
                    duration_ms: None,
                    output_tail: message,
                };
                (result, false, None)
            }
            other => return self.fail("host_protocol", format!("unexpected reply {other:?} to a verify request")),
        };
        self.emit(EventBody::VerifyEnd { attempt, result: result.clone() });
        let report = self.verify.as_mut().expect("a verify request has a report");
        report.attempts.push(result.clone());
        if result.passed {
            report.passed = true;
            return self.finish();
        }
        let command = report.command.clone();
        let tries = report.attempts.len() as u32;
        let how = result.how_it_ended();
        if self.input.options.keep_on_fail {
            report.kept = true;
            let message = format!("`{command}` failed ({how}); the changes were kept (--keep-on-fail)");
            return self.fail("verify_failed", message);
        }
        let generated = !self.units.is_empty();
        if can_help && generated && tries <= self.max_retries() {
            // The first error and its location, then only a short tail: the failure itself, not
            // a tail of frames with the message cut off.
            let end = match &first_error {
                Some(_) => tail(&crate::failure::short_tail(&result.output_tail, FEEDBACK_TAIL_LINES), FEEDBACK_TAIL_BYTES, FEEDBACK_TAIL_LINES),
                None => result.output_tail.clone(),
            };
            let feedback = prompts::verify_failure(&command, &how, first_error.as_deref(), &end);
            self.after_rollback = AfterRollback::Retry(feedback);
        } else {
            let why = if !can_help {
                " (the command could not be run: fix it, a new answer will not)"
            } else if !generated {
                " (every change was mechanical: a new answer would not differ)"
            } else {
                ""
            };
            let attempts = if tries > 1 { format!(" on all {tries} attempts") } else { String::new() };
            let message = format!("`{command}` failed ({how}){attempts}{why}; every file was restored");
            self.error = Some(run_error("verify_failed", message));
            self.after_rollback = AfterRollback::Finish;
        }
        self.begin_rollback()
    }

    /// Ask the host to restore every applied change, newest first.
    fn begin_rollback(&mut self) -> Request {
        self.rollback = self
            .applied
            .iter()
            .rev()
            .map(|&i| {
                let path = self.staged[i].path.clone();
                let before = self.texts.get(&path).cloned().flatten();
                (path, before)
            })
            .collect();
        self.applied.clear();
        self.next_rollback(0)
    }

    fn next_rollback(&mut self, done: usize) -> Request {
        let Some((path, before)) = self.rollback.get(done).cloned() else {
            return self.after_rolled_back();
        };
        self.phase = Phase::AwaitRollback { index: done };
        // Over what the run wrote, and nothing else: a file changed since is the user's now.
        let expect = self.expected(&path);
        match before {
            Some(text) => Request::Write { path, text, rollback: true, expect },
            None => Request::Delete { path, rollback: true, expect },
        }
    }

    fn on_rollback(&mut self, done: usize, reply: Reply) -> Request {
        let (path, before) = self.rollback[done].clone();
        match reply {
            Reply::Written | Reply::Deleted => {
                self.emit(EventBody::Rollback { path: path.clone() });
                self.disk.insert(path.clone(), before);
                if let Some(o) = self
                    .outcomes
                    .iter_mut()
                    .find(|o| o.path == path && matches!(o.outcome, Outcome::Written | Outcome::Deleted))
                {
                    o.outcome = Outcome::RolledBack;
                }
            }
            Reply::WriteError { message, code: Some(code) } | Reply::DeleteError { message, code: Some(code) }
                if code == "conflict" =>
            {
                // Changed since the run wrote it (by the check, or by hand): the user's now. Both
                // versions survive: that one on disk, the original in the host's backup.
                self.emit(EventBody::RollbackError { path: path.clone(), message: message.clone() });
                if let Some(o) = self
                    .outcomes
                    .iter_mut()
                    .find(|o| o.path == path && matches!(o.outcome, Outcome::Written | Outcome::Deleted))
                {
                    o.outcome = Outcome::Failed;
                    o.error = Some(format!("changed on disk after the run wrote it; left as it is ({message})"));
                }
                self.rollback_conflicts.push(format!("{path} ({message})"));
            }
            Reply::WriteError { message, .. } | Reply::DeleteError { message, .. } => {
                // Keep going: every other file is still restored; the backup covers this one.
                self.emit(EventBody::RollbackError { path: path.clone(), message: message.clone() });
                self.rollback_failures.push(format!("{path}: {message}"));
            }
            other => return self.fail("host_protocol", format!("unexpected reply {other:?} to a rollback")),
        }
        self.next_rollback(done + 1)
    }

    fn after_rolled_back(&mut self) -> Request {
        self.rollback.clear();
        if let Some(report) = self.verify.as_mut() {
            report.rolled_back = true;
        }
        if !self.rollback_conflicts.is_empty() {
            let also = if self.rollback_failures.is_empty() {
                String::new()
            } else {
                format!("; could not restore {} either", self.rollback_failures.join("; "))
            };
            let message = format!(
                "changed on disk after the run wrote it, so not restored (left as they are now): {}{also}; every other change was taken back",
                self.rollback_conflicts.join("; ")
            );
            // A write refused the same way keeps its message first.
            let message = match self.error.take() {
                Some(e) if e.code == "conflict" => format!("{}; also {message}", e.message),
                _ => message,
            };
            return self.fail("conflict", message);
        }
        if !self.rollback_failures.is_empty() {
            let message = format!(
                "could not restore {} (red-exec --undo restores from the run's backup)",
                self.rollback_failures.join("; ")
            );
            return self.fail("rollback_failed", message);
        }
        match std::mem::replace(&mut self.after_rollback, AfterRollback::Finish) {
            AfterRollback::Finish => self.finish(),
            AfterRollback::Retry(feedback) => self.retry_after_verify(feedback),
        }
    }

    /// A fresh round: the same plan, every model unit generated again from the original files
    /// with the failed check in its prompt; mechanical changes are staged again as they were.
    fn retry_after_verify(&mut self, feedback: String) -> Request {
        self.staged.clear();
        self.outcomes.clear();
        self.replacements.clear();
        self.failed_files.clear();
        self.over_budget = false;
        for unit in &mut self.units {
            unit.round_start = unit.attempts;
            unit.last_error = None;
            unit.last_rejected = None;
            unit.verify_failure = Some(feedback.clone());
        }
        self.stage_without_model();
        self.next_unit(0)
    }

    /// Which files stopped the run and why, for the `blocked` error.
    fn blocked_message(&self) -> String {
        let stopped: Vec<String> = self
            .outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Blocked | Outcome::Failed))
            .map(|o| {
                let prefix = format!("{}: ", o.path);
                let rules: Vec<String> = o
                    .violations
                    .iter()
                    .map(|v| format!("{} ({})", v.rule.name(), v.message.strip_prefix(&prefix).unwrap_or(&v.message)))
                    .collect();
                match (o.outcome, rules.is_empty()) {
                    (Outcome::Blocked, false) => format!("{} ({}) was blocked by {}", o.path, o.action.name(), rules.join(", ")),
                    _ => format!("{} ({}) failed: {}", o.path, o.action.name(), o.error.as_deref().unwrap_or("no usable answer")),
                }
            })
            .collect();
        let how = if self.input.options.partial {
            "every other change needs it or changes nothing"
        } else {
            "a plan is applied whole (--partial keeps the changes that do not need it)"
        };
        format!("{}; nothing was written: {how}", stopped.join("; "))
    }

    fn fail(&mut self, code: &str, message: impl Into<String>) -> Request {
        self.error = Some(run_error(code, message));
        self.finish()
    }

    fn finish(&mut self) -> Request {
        let mut counts = Counts::default();
        for o in &self.outcomes {
            match o.outcome {
                Outcome::Written => counts.written += 1,
                Outcome::Deleted => counts.deleted += 1,
                Outcome::Blocked => counts.blocked += 1,
                Outcome::Failed => counts.failed += 1,
                Outcome::RolledBack => counts.rolled_back += 1,
                Outcome::Withheld => counts.withheld += 1,
                Outcome::Unchanged => {}
            }
        }
        let nothing_usable = self.error.is_none()
            && !self.units.is_empty()
            && counts.failed as usize == self.outcomes.len()
            && counts.failed > 0;
        if nothing_usable {
            let reasons: Vec<String> = self.outcomes.iter().filter_map(|o| o.error.clone()).collect();
            self.set_stage("L3", StageState::Failed);
            self.error = Some(if self.over_budget {
                run_error("input_over_budget", reasons.join("; "))
            } else {
                run_error("model_answer", format!("no usable code in the model's answers: {}", reasons.join("; ")))
            });
        }
        if self.error.is_none() && counts.blocked + counts.failed > 0 && counts.written + counts.deleted == 0 {
            self.error = Some(run_error("blocked", self.blocked_message()));
        }
        let status = match (&self.error, counts.blocked + counts.failed) {
            (Some(e), _) => Status::for_error(&e.code),
            (None, 0) => Status::Ok,
            (None, _) => Status::Partial,
        };
        let model = self.input.options.model.clone().unwrap_or_default();
        let result = RunResult {
            run_id: self.input.run_id.clone(),
            status,
            stages: self.stages.clone(),
            plan: self.plan.clone(),
            plan_source: self.plan_source,
            files: self.outcomes.clone(),
            counts,
            cost_usd: report::estimate_cost(&model, &self.usage),
            usage: self.usage,
            error: self.error.clone(),
            usage_by_stage: self.usage_by_stage,
            verify: self.verify.clone(),
            gate: self.input.options.gate,
            warnings: report::RunWarning::from_gate(&self.outcomes),
        };
        self.emit(EventBody::RunEnd { status, error: self.error.clone() });
        self.phase = Phase::Finished;
        self.result = Some(result.clone());
        Request::Done { result: Box::new(result) }
    }
}

/// Sampling for a unit's call: 0 the first time, then higher, since a deterministic model asked
/// again gives the same answer again.
fn retry_temperature(attempts: u32) -> f32 {
    match attempts {
        0 => 0.0,
        1 => 0.4,
        _ => 0.7,
    }
}

fn prompt_hash(messages: &[ChatMessage]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for m in messages {
        m.role.hash(&mut h);
        m.content.hash(&mut h);
    }
    h.finish()
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

fn package_type(text: &str) -> Option<ModuleFormat> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    match value.get("type").and_then(|t| t.as_str()) {
        Some("module") => Some(ModuleFormat::Esm),
        Some("commonjs") => Some(ModuleFormat::Cjs),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
