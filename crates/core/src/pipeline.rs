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

use crate::analysis::{Analysis, Language, ModuleFormat};
use crate::decompose::{self, KnownFile, Problem};
use crate::diff;
use crate::extract::{self, ExtractSpec};
use crate::postprocess::{self, Neighbour};
use crate::gate::{self, Proposal, Rule, Scope};
use crate::plan::{JsonSchema, PLAN_SCHEMA_NAME, PlanShape, plan_schema_for};
use crate::prompts::{self, FileBrief, ReadOnlyView, SectionPrompt, UnitPrompt};
use crate::protocol::{
    Action, ChatMessage, CompletionRequest, Counts, Decision, ErrorCode, ModelStage, Stage, Event, EventBody, Expected, FileOutcome, FileState, FormatChoice,
    GateMode, Outcome, PlanEntry, PlanSource, ReadOnlyShown, Reply, Request, ResponseFormat, RunError, RunInput,
    RunResult, StageState, Stages, Status, TokenUsage, Usage, UsageByStage, VerifyAttempt, VerifyReport, Violation,
};
use crate::report;
use crate::section::{self, Section};
use crate::toolchain::{self, Toolchain};

impl Expected {
    fn of(text: Option<String>) -> Expected {
        text.map_or(Expected::Absent, |text| Expected::Present { text })
    }
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
    /// The facts of a script's new text, as the gate analysed it: kept here so that each later
    /// unit's import passes read them without finding the text in the cache again (a lookup
    /// compares whole texts: per unit and staged file, a run was quadratic in its bytes).
    facts: Option<std::rc::Rc<Analysis>>,
    violations: Vec<Violation>,
    attempts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    AwaitFiles,
    AwaitPlan { attempt: u32 },
    AwaitUnit { index: usize },
    /// A unit's answer imports modules the run has not seen: the host is asked before it is judged.
    AwaitUnitImports { index: usize },
    AwaitImports,
    AwaitEffect { index: usize },
    AwaitVerify { attempt: u32 },
    AwaitRollback { index: usize },
    Finished,
}

const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default per-call context budget, in estimated tokens: room for a large section, its file's
/// outline, a test file and the instructions, well inside every supported model's window.
pub(crate) const DEFAULT_CONTEXT_BUDGET: u32 = 24_000;
/// The most one answer may hold (`max_tokens`): what every supported model can produce. A unit
/// whose answer would need more is cut into sections, or fails; it is never sent to be truncated.
pub(crate) const MAX_OUTPUT_TOKENS: u32 = 8192;
/// The least a unit's answer is allowed: a small file may grow several times over.
const MIN_OUTPUT_TOKENS: u32 = 4096;
/// Room for growth over the current text, in an answer's `max_tokens`.
const GROWTH_TOKENS: u32 = 1024;
/// The check's default time limit when the host sets none.
pub(crate) const DEFAULT_VERIFY_TIMEOUT_MS: u64 = 300_000;

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
mod supplied;
mod budget;
mod imports;

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

fn run_error(code: ErrorCode, message: impl Into<String>) -> RunError {
    RunError { code, message: message.into() }
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

    fn set_stage(&mut self, stage: Stage, state: StageState) {
        let slot = match stage {
            Stage::L1 => &mut self.stages.l1,
            Stage::L2 => &mut self.stages.l2,
            Stage::L3 => &mut self.stages.l3,
            Stage::Gate => &mut self.stages.gate,
        };
        *slot = state;
        self.emit(EventBody::Stage { stage, state });
    }

    /// The host's word for one of its controls (`files`: the CLI gives its flag).
    fn word(&self, key: &str) -> String {
        self.input.words.word(key, None)
    }

    /// The stage whose model call is waiting: L1 while the plan is, L3 otherwise.
    fn model_stage(&self) -> ModelStage {
        if matches!(self.phase, Phase::AwaitPlan { .. }) { ModelStage::L1 } else { ModelStage::L3 }
    }

    fn max_retries(&self) -> u32 {
        self.input.options.max_retries.unwrap_or(DEFAULT_MAX_RETRIES)
    }

    /// Advance the run with the answer to the previous request (`None` for the first call).
    pub fn resume(&mut self, reply: Option<Reply>) -> Request {
        let request = match (self.phase, reply) {
            (Phase::Start, None) => match self.unpriced_budget() {
                Some(why) => self.fail(ErrorCode::BudgetExceeded, why),
                None => self.start(),
            },
            (Phase::AwaitFiles, Some(Reply::Files { files, dirs })) => self.on_files(files, dirs),
            (Phase::AwaitPlan { attempt }, Some(Reply::Completion { text, usage, duration_ms, response_format })) => {
                self.record_completion(text.clone(), usage, duration_ms, response_format);
                // Over the budget: stop here, before anything is written.
                if let Some(why) = self.budget_spent_exceeded() {
                    self.set_stage(Stage::L1, StageState::Failed);
                    self.fail(ErrorCode::BudgetExceeded, why)
                } else {
                    self.on_plan(attempt, &text)
                }
            }
            (Phase::AwaitUnit { index }, Some(Reply::Completion { text, usage, duration_ms, response_format })) => {
                self.record_completion(text.clone(), usage, duration_ms, response_format);
                // Over the budget: stop here, before anything is written.
                if let Some(why) = self.budget_spent_exceeded() {
                    self.set_stage(Stage::L3, StageState::Failed);
                    self.fail(ErrorCode::BudgetExceeded, why)
                } else {
                    self.on_unit(index, &text)
                }
            }
            (Phase::AwaitPlan { .. } | Phase::AwaitUnit { .. }, Some(Reply::CompletionError { code, message })) => {
                self.emit(EventBody::ModelError { id: self.next_id, code: code.clone(), message: message.clone() });
                self.set_stage(self.model_stage().into(), StageState::Failed);
                self.fail(ErrorCode::for_model_error(&code), message)
            }
            (Phase::AwaitUnitImports { index }, Some(Reply::Files { files, .. })) => self.on_unit_imports(index, files),
            (Phase::AwaitImports, Some(Reply::Files { files, .. })) => self.after_import_targets(files),
            (Phase::AwaitEffect { index }, Some(reply)) => self.on_effect(index, reply),
            (Phase::AwaitVerify { attempt }, Some(reply)) => self.on_verify(attempt, reply),
            (Phase::AwaitRollback { index }, Some(reply)) => self.on_rollback(index, reply),
            (Phase::Finished, _) => Request::Done { result: Box::new(self.result.clone().expect("finished run has a result")) },
            (phase, reply) => self.fail(ErrorCode::HostProtocol, format!("unexpected reply {reply:?} in phase {phase:?}")),
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
        let cached = u.cached_tokens.unwrap_or(0).min(u.prompt_tokens);
        self.usage.cached_tokens += cached;
        self.usage.total_tokens += u.prompt_tokens + u.completion_tokens;
        self.usage.model_ms += duration_ms.unwrap_or(0);
        self.usage_by_stage.add(self.model_stage(), u.prompt_tokens, u.completion_tokens, cached);
        self.emit(EventBody::ModelResponse { id: self.next_id, text, usage, duration_ms, response_format });
    }
}

/// The first of `files` that `path`'s code loads, by a relative specifier.
fn imported<'f>(path: &str, analysis: &Analysis, files: &'f BTreeSet<String>) -> Option<&'f String> {
    analysis.requests.iter().find_map(|spec| files.iter().find(|f| crate::lang::resolve::resolves_to(spec, path, f)))
}

/// Tokens a prompt will cost, estimated (about 3.5 bytes per token for code and English) so the
/// budget can be enforced before the call; the report uses the server's real counts.
pub(crate) fn estimate_tokens(messages: &[ChatMessage]) -> u32 {
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

#[cfg(test)]
mod tests;
