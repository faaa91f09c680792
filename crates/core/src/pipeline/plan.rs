//! Plan (L1): the plan derived from the task or asked of the model, and its answer.

use super::*;

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

/// The plan, where it came from, and what was wrong with the answers refused.
#[derive(Default)]
pub(super) struct PlanState {
    pub(super) entries: Vec<PlanEntry>,
    pub(super) source: PlanSource,
    pub(super) problems: Vec<String>,
}

impl Session {
    /// One file in scope and a task that asks for nothing but its change: the plan is the scope's
    /// (`decompose::derived_plan`), and no L1 call is made. It is validated like a planner's; one
    /// that does not pass (it should not) is left to the planner.
    pub(super) fn derive_plan(&mut self) -> Option<Request> {
        let known = self.known_files();
        let mut plan = decompose::derived_plan(&known, &self.input.task, &self.files.scope.read_only)?;
        if !decompose::validate(&mut plan, &known, &self.input.task).is_empty() {
            return None;
        }
        self.plan.entries = plan;
        if !self.prepare_mechanical().is_empty() {
            self.plan.entries.clear();
            return None;
        }
        self.plan.source = PlanSource::Derived;
        self.emit(EventBody::Plan { actions: self.plan.entries.clone(), source: PlanSource::Derived });
        self.set_stage(Stage::L1, StageState::Ok);
        Some(self.build_units())
    }

    /// What this run's plan can hold (the plan schema it sends): the actions the scope and the
    /// task allow, as `decompose::validate` will judge them.
    fn plan_shape(&self) -> PlanShape {
        let scope: Vec<String> = self.files.scope.writable.iter().cloned().collect();
        let exists = |p: &String| matches!(self.files.texts.get(p), Some(Some(_)));
        let existing: Vec<String> = scope.iter().filter(|p| exists(p)).cloned().collect();
        let absent = existing.len() < scope.len();
        let mut actions = Vec::new();
        if absent {
            actions.push(Action::Create);
        }
        if !existing.is_empty() {
            actions.push(Action::Modify);
        }
        if absent && !existing.is_empty() && decompose::task_may_move_code(&self.input.task) {
            actions.push(Action::Extract);
        }
        if existing.iter().any(|p| decompose::task_deletes(&self.input.task, p)) {
            actions.push(Action::Delete);
        }
        let sections = self.files.sections.values().map(Vec::len).max().unwrap_or(0);
        PlanShape { scope, existing, actions, sections, drop_exports: decompose::task_asks_for_removal(&self.input.task) }
    }

    fn briefs(&self, detail: BriefDetail) -> Vec<FileBrief> {
        self.files.scope
            .writable
            .iter()
            .map(|p| {
                // Borrowed: a brief of a 9 MB file needs its outline, not a copy of it.
                let text = self.files.texts.get(p).and_then(|t| t.as_deref());
                let analysis = self.files.analyses.get(p);
                let source = text.unwrap_or("");
                let mut exports: Vec<String> = analysis.map(|a| a.exports.iter().cloned().collect()).unwrap_or_default();
                let (declarations, outline) = match detail {
                    BriefDetail::Full => (
                        analysis.map(section::declared_names).unwrap_or_default(),
                        self.files.sections.get(p).map(|s| section::outline(source, s, &[])),
                    ),
                    BriefDetail::TopLevel => {
                        let top = |all: &Vec<Section>| all.iter().filter(|s| s.parent.is_none()).cloned().collect::<Vec<_>>();
                        (Vec::new(), self.files.sections.get(p).map(|s| section::outline(source, &top(s), &[])))
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
                    lines: text.map_or(0, |t| t.lines().count()),
                    bytes: text.map_or(0, str::len),
                    format: analysis.and_then(Analysis::module_format),
                    exports,
                    declarations,
                    outline,
                }
            })
            .collect()
    }

    pub(super) fn plan_request(&mut self, attempt: u32) -> Request {
        let read_only: Vec<String> = self.files.scope.read_only.iter().cloned().collect();
        let budget = self.budget();
        // Large files cost the planner their outline; when even that is over the budget, only
        // their top-level outline, then only their exports.
        let mut tokens = 0;
        let shape = self.plan_shape();
        // The task-named directories' outlines are already cut to a share of the budget; they go
        // last, before the run gives up.
        let dirs = &self.files.dir_views;
        let tries = [(BriefDetail::Full, true), (BriefDetail::TopLevel, true), (BriefDetail::Exports, true), (BriefDetail::Exports, false)];
        for (detail, with_dirs) in tries.into_iter().filter(|(_, d)| *d || !dirs.is_empty()) {
            let messages = prompts::plan_messages(
                &self.input.task,
                &self.briefs(detail),
                &read_only,
                if with_dirs { dirs } else { &[] },
                &self.input.skills,
                &self.plan.problems,
                &shape,
            );
            tokens = estimate_tokens(&messages);
            if tokens > budget {
                continue;
            }
            self.phase = Phase::AwaitPlan { attempt };
            let files = self.files.scope.writable.len() as u32;
            return Request::Complete {
                request: CompletionRequest {
                    id: self.next_request_id(),
                    stage: ModelStage::L1,
                    path: None,
                    action: None,
                    attempt,
                    messages,
                    // A re-ask after a rejected plan samples differently too.
                    temperature: super::generate::retry_temperature(attempt),
                    // A plan is a line or two per file.
                    max_tokens: (1024 + 256 * files).clamp(2048, MAX_OUTPUT_TOKENS),
                    response_format: Some(ResponseFormat { name: PLAN_SCHEMA_NAME.into(), schema: JsonSchema(plan_schema_for(&shape)) }),
                },
            };
        }
        self.set_stage(Stage::L1, StageState::Failed);
        let message = format!(
            "context over budget: the plan prompt needs about {tokens} tokens even with every file shown as its exports only, \
more than {budget} ({}); give fewer files in {} or a larger budget",
            self.word("contextBudget"),
            self.word("files")
        );
        self.fail(ErrorCode::InputOverBudget, message)
    }

    pub(super) fn on_plan(&mut self, attempt: u32, answer: &str) -> Request {
        let problems = match decompose::parse_plan(answer) {
            Ok(mut plan) => {
                let mut problems = decompose::validate(&mut plan, &self.known_files(), &self.input.task);
                self.plan.entries = plan;
                if problems.is_empty() {
                    problems = self.prepare_mechanical();
                }
                problems
            }
            Err(message) => vec![Problem::Model(message)],
        };
        // A missing file alone is the task's (a path the user mistyped); beside other mistakes it
        // is the model's own (seen live: CREATE and MODIFY of one new file, the source given no
        // action), and the model gets its re-plan round with every problem listed.
        let missing = |p: &Problem| matches!(p, Problem::MissingTarget(_));
        if !problems.is_empty() && problems.iter().all(missing) {
            self.set_stage(Stage::L1, StageState::Failed);
            return self.fail(ErrorCode::InputMissing, problems[0].message().to_string());
        }
        if !problems.is_empty() {
            self.plan.problems = problems
                .iter()
                .map(|p| match p {
                    Problem::MissingTarget(m) => format!("{m}; a file that does not exist yet can only be CREATEd"),
                    Problem::Model(m) => m.clone(),
                })
                .collect();
            self.emit(EventBody::PlanRejected { problems: self.plan.problems.clone() });
            if attempt == 0 {
                return self.plan_request(1);
            }
            self.set_stage(Stage::L1, StageState::Failed);
            let message = format!("the model's plan is invalid: {}", self.plan.problems.join("; "));
            return self.fail(ErrorCode::PlanInvalid, message);
        }
        self.emit(EventBody::Plan { actions: self.plan.entries.clone(), source: PlanSource::Model });
        self.set_stage(Stage::L1, StageState::Ok);
        self.build_units()
    }
}
