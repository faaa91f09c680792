//! Generate (L3): each unit's request, its answer, post-processing, and the context it is shown.

use super::*;
use crate::context;
use super::imports::ImportTarget;

/// The units of generation work and what generating them has gathered.
#[derive(Default)]
pub(super) struct GenerateState {
    pub(super) units: Vec<Unit>,
    /// Changes the core makes without a model: EXTRACT targets, facades, rewired dependents.
    pub(super) mechanical: Vec<(PlanEntry, String)>,
    /// Every generation prompt sent so far (hashes): no retry goes out identical to one of them.
    pub(super) sent_prompts: BTreeSet<u64>,
    /// Accepted section answers per file, spliced in when the file's last unit is done.
    pub(super) replacements: BTreeMap<String, Vec<(u32, u32, String)>>,
    /// Files that already failed: their remaining units are skipped.
    pub(super) failed_files: BTreeSet<String>,
    /// A unit could not be sent because its context exceeds the budget.
    pub(super) over_budget: bool,
    /// An answer waiting for the host to say whether the modules it imports exist.
    pub(super) pending: Option<Pending>,
    /// What every unit's brief is cut from, read once per plan.
    pub(super) briefs: Option<Briefs>,
}

/// An answer checked by the gate, and the relative imports it adds.
pub(super) enum Checked {
    /// No file to check: the answer held none, or one larger than any host reads back.
    Unusable(String),
    File { code: String, candidate: String, violations: Vec<Violation>, targets: Vec<ImportTarget> },
}

/// A unit's answer waiting for the host's answer about the import targets in `asked`.
pub(super) struct Pending {
    answer: String,
    checked: Checked,
    asked: Vec<String>,
}

/// At most this many other files in a unit's prompt (`Session::neighbours`); the rest are counted.
pub(super) const NEIGHBOUR_FILES: usize = 40;

/// The task and the plan as every unit's brief reads them: the task's sentences and the files each
/// names, the files the plan creates, and the run's files whose base name the task holds. Read
/// once per plan: read per unit, each over every file, they made a run quadratic in its files.
pub(super) struct Briefs {
    pub(super) parts: decompose::TaskParts,
    pub(super) created: Vec<String>,
    pub(super) mentioned: Vec<String>,
    /// Each planned path's (first) entry in the plan.
    pub(super) planned: BTreeMap<String, usize>,
}

impl Session {
    pub(super) fn budget(&self) -> u32 {
        self.input.options.context_budget.unwrap_or(DEFAULT_CONTEXT_BUDGET)
    }

    /// Read-only files as one unit sees them (`context::cut`): the stable views (whole, or the
    /// outline of a large file; the same for every unit of the run) and the sections of the large
    /// ones that this unit's `terms` reference. `outlines_only`, to fit the budget: every file as
    /// its outline, no sections.
    fn read_only_views(&self, terms: &context::Terms, outlines_only: bool) -> (Vec<ReadOnlyView>, Vec<ReadOnlyView>) {
        let mut stable = Vec::new();
        let mut parts = Vec::new();
        for p in &self.files.scope.read_only {
            let Some(text) = self.files.texts.get(p).cloned().flatten() else { continue };
            let analysis = self.files.analyses.get(p);
            if outlines_only {
                stable.push(ReadOnlyView { path: p.clone(), text: context::outline(p, &text, analysis), whole: false });
                continue;
            }
            let (view, used) = context::cut(p, &text, analysis, terms);
            stable.push(view);
            parts.extend(used);
        }
        // The task-named directories' files: outlines already, the same in every unit.
        stable.extend(self.files.dir_views.iter().cloned());
        (stable, parts)
    }

    /// Files of the run related to `path` by imports, either way, as the files were read.
    fn import_related(&self, path: &str) -> Vec<String> {
        self.import_edges(path).map(|edges| edges.keys().cloned().collect()).unwrap_or_default()
    }

    /// Files that import `path` (as read) and that it does not import: their exports are nothing
    /// it can use (an import back would be a cycle).
    fn importers_only(&self, path: &str) -> BTreeSet<&String> {
        self.import_edges(path).map(|edges| edges.iter().filter(|(_, imports)| !**imports).map(|(p, _)| p).collect()).unwrap_or_default()
    }

    /// Per file, its neighbours by imports, each `true` when the file imports it (built once a run).
    fn import_edges(&self, path: &str) -> Option<&BTreeMap<String, bool>> {
        let graph = self.files.import_graph.get_or_init(|| {
            let analyses = &self.files.analyses;
            let index = crate::lang::resolve::FileIndex::new(analyses.keys().map(String::as_str));
            let mut graph: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
            for (from, a) in analyses {
                for to in a.requests.iter().flat_map(|spec| index.targets(spec, from)).filter(|to| to != from) {
                    graph.entry(from.clone()).or_default().insert(to.to_string(), true);
                    graph.entry(to.to_string()).or_default().entry(from.clone()).or_insert(false);
                }
            }
            graph
        });
        graph.get(path)
    }

    /// What one unit is about, to cut read-only files by: its names (what it declares and exports
    /// now, what it must export), its intent and its part of the task.
    fn unit_terms(&self, entry: &PlanEntry, task: &str) -> context::Terms {
        let own = self.files.analyses.get(&entry.path);
        let names = own
            .into_iter()
            .flat_map(|a| a.exports.iter().chain(a.items.iter().flat_map(|i| i.names.iter())))
            .chain(&entry.exports)
            .chain(&entry.symbols)
            .cloned();
        context::Terms::of(names.collect::<Vec<_>>(), &[&entry.intent, task])
    }

    pub(super) fn expected_format(&self, path: &str) -> Option<ModuleFormat> {
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
        if let Some(own) = self.files.analyses.get(path).and_then(Analysis::module_format) {
            return Some(own);
        }
        if matches!(lang, Language::TypeScript | Language::Tsx | Language::Jsx) {
            // TypeScript and JSX sources are written with import/export whatever they compile to.
            return Some(ModuleFormat::Esm);
        }
        if let Some(pkg) = self.files.package_format {
            return Some(pkg);
        }
        // Follow the other script files of the run; Node's default for `.js` is CommonJS.
        let (mut cjs, mut esm) = (0, 0);
        for (p, a) in &self.files.analyses {
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
    pub(super) fn required_format(&self, path: &str) -> Option<ModuleFormat> {
        let expected = self.expected_format(path)?;
        if ModuleFormat::of_extension(path).is_some() || self.input.options.module_format != FormatChoice::Auto {
            return Some(expected);
        }
        self.files.toolchain.required(expected)
    }

    /// What a MODIFY's prompt asks it to keep: never a name the plan drops or the task says to remove.
    fn keep_exports(&self, entry: &PlanEntry) -> Vec<String> {
        match (entry.action, self.files.analyses.get(&entry.path)) {
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
    ///
    /// An existing file sees only the neighbours it deals with: those it imports or that import it
    /// (`related`), the files this run creates, and those its part of the `task` names; never a file
    /// that only imports it (nothing there it could import). A new file
    /// may import anything: it sees them all. Past [`NEIGHBOUR_FILES`] files, those that matter most
    /// are shown (related, then named, then the plan's, then the rest; each in path order) and the
    /// number of the others comes back with them: a long list for every unit made a run's prompts
    /// grow with the square of its files.
    fn neighbours(&self, path: &str, related: &[String], task: &str) -> (Vec<(String, Vec<String>)>, usize) {
        let briefs = self.generate.briefs.as_ref().expect("next_unit reads the briefs first");
        let planned = |p: &str| briefs.planned.get(p).map(|&i| &self.plan.entries[i]);
        let exists = self.files.analyses.contains_key(path);
        let named = decompose::task_paths(task);
        let in_run = |p: &String| self.files.analyses.contains_key(p) || briefs.created.contains(p);
        let base_named = |p: &String| task.contains(p.rsplit('/').next().unwrap_or(p));
        // How much a file matters to this unit: 0 imports or is imported (a file that only imports
        // it is dropped below), 1 named by its brief, 2 the
        // plan changes it, 3 any other (only a new file sees those).
        let mut ranked: BTreeMap<&String, u8> = BTreeMap::new();
        if exists {
            // The files it deals with, found without going through every file of the run.
            ranked.extend(related.iter().filter(|p| in_run(p)).map(|p| (p, 0)));
            let named_here = named.iter().filter_map(|n| self.files.analyses.get_key_value(n).map(|(k, _)| k).or_else(|| briefs.created.iter().find(|c| *c == n)));
            let mentioned = briefs.mentioned.iter().filter(|p| base_named(p));
            for p in named_here.chain(mentioned) {
                ranked.entry(p).or_insert(1);
            }
            for p in &briefs.created {
                ranked.entry(p).or_insert(2);
            }
        } else {
            for p in self.files.analyses.keys().chain(&briefs.created) {
                let rank = if named.contains(p) || base_named(p) { 1 } else if planned(p).is_some() { 2 } else { 3 };
                ranked.insert(p, rank);
            }
        }
        let importers = self.importers_only(path);
        let mut shown: Vec<(u8, &String)> = ranked
            .into_iter()
            .filter(|(p, _)| p.as_str() != path && Language::of(p).is_script() && !importers.contains(p))
            .filter(|(p, _)| planned(p).is_none_or(|e| e.action != Action::Delete))
            .map(|(p, rank)| (rank, p))
            .collect();
        let mut left_out = 0;
        if shown.len() > NEIGHBOUR_FILES {
            shown.sort();
            left_out = shown.len() - NEIGHBOUR_FILES;
            shown.truncate(NEIGHBOUR_FILES);
            shown.sort_by(|a, b| a.1.cmp(b.1));
        }
        let listed = shown
            .into_iter()
            .filter_map(|(_, p)| {
                // A new file no plan gave exports (a derived plan's), already written by an
                // earlier unit of this run: what it really exports (new files go first).
                let written = planned(p)
                    .filter(|e| e.action == Action::Create && e.exports.is_empty())
                    .and_then(|_| self.effects.staged.iter().find(|s| &s.path == p))
                    .and_then(|s| s.new.as_deref())
                    .map(|text| (text.to_string(), crate::analysis::analyze(p, text)));
                if let Some((text, analysis)) = written.filter(|(_, a)| a.is_valid()) {
                    let sections = section::sections(&text, &analysis);
                    let shapes = analysis
                        .exports
                        .iter()
                        .map(|name| match sections.iter().find(|s| s.names.contains(name)) {
                            Some(s) => format!("{name}: {}", section::signature(&text, s)),
                            None => name.clone(),
                        })
                        .collect();
                    return Some((p.clone(), shapes));
                }
                let before = self.files.analyses.get(p);
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
                let text = self.files.texts.get(p).cloned().flatten().unwrap_or_default();
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
            .collect();
        (listed, left_out)
    }

    /// The run's task read for the units' briefs, once per plan (see [`Briefs`]).
    fn read_briefs(&mut self) {
        let paths = || self.plan.entries.iter().map(|e| &e.path);
        if self.generate.briefs.as_ref().is_some_and(|b| b.parts.is_for(&self.input.task, paths())) {
            return;
        }
        let scope: Vec<String> = paths().cloned().collect();
        let created: Vec<String> = self
            .plan
            .entries
            .iter()
            .filter(|e| matches!(e.action, Action::Create | Action::Extract) && !self.files.analyses.contains_key(&e.path))
            .map(|e| e.path.clone())
            .collect();
        let task = &self.input.task;
        let mentioned = self.files.analyses.keys().chain(&created).filter(|p| task.contains(p.rsplit('/').next().unwrap_or(p))).cloned().collect();
        let planned = self.plan.entries.iter().enumerate().map(|(i, e)| (e.path.clone(), i)).rev().collect();
        self.generate.briefs = Some(Briefs { parts: decompose::TaskParts::new(task, &scope), created, mentioned, planned });
    }

    pub(super) fn next_unit(&mut self, index: usize) -> Request {
        let mut index = index;
        while self.generate.units.get(index).is_some_and(|u| self.generate.failed_files.contains(&u.entry.path)) {
            index += 1;
        }
        let Some(unit) = self.generate.units.get(index).cloned() else {
            let state = if self.generate.units.is_empty() { StageState::Skipped } else { StageState::Ok };
            self.set_stage(Stage::L3, state);
            return self.begin_effects();
        };
        self.read_briefs();
        let entry = &unit.entry;
        let file_text = self.files.texts.get(&entry.path).and_then(|t| t.as_deref());
        let keep = self.keep_exports(entry);
        // The unit's brief: its part of the task, and the neighbours it deals with (issue 18).
        let related = self.import_related(&entry.path);
        let task = self.generate.briefs.as_ref().map(|b| b.parts.for_unit(&entry.path, &related)).unwrap_or_default();
        let (neighbours, neighbours_left_out) = self.neighbours(&entry.path, &related, &task);
        let terms = self.unit_terms(entry, &task);
        let (current, outline, last) = match (&unit.section, file_text) {
            (Some(s), Some(text)) => {
                let all = &self.files.sections[&entry.path];
                // A unit may span several sections (a large file cut into chunks): all of them leave the outline.
                let covered: Vec<usize> = all.iter().filter(|x| x.start >= s.start && x.end <= s.end).map(|x| x.index).collect();
                let last = all.iter().filter(|x| covered.contains(&x.index) && x.parent == s.parent).map(|x| x.index).max();
                let current = text[s.start as usize..s.end as usize].to_string();
                (Some(current), section::outline(text, all, &covered), last.unwrap_or(s.index).max(s.index))
            }
            _ => (file_text.map(str::to_string), String::new(), 0),
        };
        let max_tokens = output_tokens(current.as_deref());
        if max_tokens > MAX_OUTPUT_TOKENS {
            let what = match &unit.section {
                Some(s) => format!("section #{} ({}) of {}", s.index, s.label, entry.path),
                None => entry.path.clone(),
            };
            let why = if unit.section.is_some() || self.files.sections.contains_key(&entry.path) {
                "and cannot be cut smaller"
            } else {
                "and it cannot be cut into sections (it does not parse, or is not a script)"
            };
            let reason = format!(
                "too large for one answer: {what} needs about {max_tokens} tokens of answer, over the {MAX_OUTPUT_TOKENS}-token \
limit, {why}; split the file or the task"
            );
            self.generate.over_budget = true;
            self.file_failed(&unit, Outcome::Failed, Vec::new(), reason);
            return self.next_unit(index + 1);
        }
        let budget = self.budget();
        for outlines_only in [false, true] {
            let (views, parts) = self.read_only_views(&terms, outlines_only);
            let messages = prompts::unit_messages(&UnitPrompt {
                task: &task,
                path: &entry.path,
                action: entry.action,
                intent: &entry.intent,
                language: Language::of(&entry.path),
                module_format: self.expected_format(&entry.path),
                current: current.as_deref(),
                keep_exports: &keep,
                planned_exports: &entry.exports,
                neighbours: &neighbours,
                neighbours_left_out,
                section: unit.section.as_ref().map(|s| SectionPrompt { index: s.index, last, label: &s.label, outline: &outline }),
                read_only: &views,
                read_only_parts: &parts,
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
                if !self.generate.sent_prompts.insert(prompt_hash(&messages)) {
                    // The same question again would get the same answer: say that it was asked before.
                    if let Some(last) = messages.iter_mut().rev().find(|m| m.role == "user") {
                        last.content.push_str(&format!(
                            "\nTHIS IS ATTEMPT {}: this same request was answered before, and that answer was not usable. Answer differently.\n",
                            unit.attempts + 1
                        ));
                    }
                    self.generate.sent_prompts.insert(prompt_hash(&messages));
                }
                self.phase = Phase::AwaitUnit { index };
                return Request::Complete {
                    request: CompletionRequest {
                        id: self.next_request_id(),
                        stage: ModelStage::L3,
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
            "context over budget: the prompt for {} needs more than {budget} tokens ({}); \
split the file or the task",
            entry.path,
            self.word("contextBudget")
        );
        self.generate.over_budget = true;
        self.file_failed(&unit, Outcome::Failed, Vec::new(), reason);
        self.next_unit(index + 1)
    }

    fn file_failed(&mut self, unit: &Unit, outcome: Outcome, violations: Vec<Violation>, reason: String) {
        self.generate.failed_files.insert(unit.entry.path.clone());
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

    pub(super) fn on_unit(&mut self, index: usize, answer: &str) -> Request {
        self.generate.units[index].attempts += 1;
        let checked = self.check_answer(index, answer);
        // Imports of modules the run has not seen: the host is asked before the answer is judged.
        if let Checked::File { targets, .. } = &checked {
            let unknown = self.unknown_import_targets(targets.iter().map(|(_, c)| c.as_slice()));
            if !unknown.is_empty() {
                self.phase = Phase::AwaitUnitImports { index };
                self.generate.pending = Some(Pending { answer: answer.to_string(), checked, asked: unknown.clone() });
                return Request::Read { paths: unknown, dirs: Vec::new() };
            }
        }
        self.judge_unit(index, answer, checked)
    }

    /// The host's answer about the import targets of the answer waiting in `pending`.
    pub(super) fn on_unit_imports(&mut self, index: usize, found: BTreeMap<String, FileState>) -> Request {
        let Some(Pending { answer, checked, asked }) = self.generate.pending.take() else {
            return self.fail(ErrorCode::HostProtocol, "a reply about imports when none was asked");
        };
        self.note_import_targets(&asked, &found);
        self.judge_unit(index, &answer, checked)
    }

    /// A unit's answer extracted, post-processed and gated (its file with it: a section is checked
    /// inside its file), with the relative imports it adds, for `import_resolves`.
    fn check_answer(&mut self, index: usize, answer: &str) -> Checked {
        let unit = self.generate.units[index].clone();
        let path = unit.entry.path.clone();
        let old = self.files.texts.get(&path).cloned().flatten();
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
        let code = match crate::generate::extract_code_for(answer, &path, &exports) {
            Err(reason) => return Checked::Unusable(reason),
            Ok(code) => code,
        };
        // Post-processing runs on whole files: for sections, once the file is assembled.
        let candidate = match (&unit.section, old.as_deref()) {
            (Some(s), Some(text)) => section::splice(text, &[(s.start, s.end, code.clone())]),
            _ => self.post_process(&path, code.clone()),
        };
        // A section answer can make its file larger than any host will read back.
        if candidate.len() > crate::generate::MAX_FILE_BYTES {
            return Checked::Unusable(crate::generate::too_large(candidate.len()));
        }
        let mut violations = self.check(&unit.entry, old.as_deref(), Some(&candidate));
        // A section's file may still import a deleted file from a section not yet redone:
        // the whole file is held to it, with every other change, by `check_deletes`.
        if unit.section.is_none() {
            violations.extend(self.imports_a_deleted_file(&unit.entry, &candidate));
        }
        let targets = self.new_import_targets(&path, old.as_deref(), &candidate);
        Checked::File { code, candidate, violations, targets }
    }

    /// Accept a checked answer, send its unit back with the reason, or, out of retries, give up on
    /// its file.
    fn judge_unit(&mut self, index: usize, answer: &str, checked: Checked) -> Request {
        let unit = self.generate.units[index].clone();
        let path = unit.entry.path.clone();
        let old = self.files.texts.get(&path).cloned().flatten();
        let checked = match checked {
            Checked::Unusable(reason) => Err((reason, Vec::new(), Outcome::Failed, None)),
            Checked::File { code, candidate, mut violations, targets } => {
                // A section's text is staged from its answer, not from this file: only a whole
                // file has its import paths mended.
                let (candidate, targets) = if unit.section.is_none() {
                    let (candidate, targets, fixes) = self.repair_import_depths(&path, old.as_deref(), candidate, targets);
                    for description in fixes {
                        self.emit(EventBody::PostProcess { path: path.clone(), pass: "import-depth".to_string(), description });
                    }
                    (candidate, targets)
                } else {
                    (candidate, targets)
                };
                // A missing module is refused in plain words: what is not there, what is.
                // So is a name the module it comes from does not export.
                let mut missing = self.missing_imports(&path, &targets);
                missing.extend(self.unexported_imports(&path, old.as_deref(), &candidate));
                let refusals: Vec<String> = missing.iter().map(|(_, r)| r.clone()).collect();
                violations.extend(missing.into_iter().map(|(v, _)| v));
                match gate::decide(&violations, self.input.options.gate) {
                    Decision::Block => {
                        let worded = |r: Rule| matches!(r, Rule::ImportResolves | Rule::ImportNamesExported);
                        let others = violations.iter().filter(|v| !worded(v.rule)).map(|v| v.message.clone());
                        let reason = others.chain(refusals).collect::<Vec<_>>().join("; ");
                        Err((reason, violations, Outcome::Blocked, Some(candidate)))
                    }
                    _ => Ok((code, candidate, violations)),
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
                    self.generate.units[index].last_error = Some(reason);
                    self.generate.units[index].last_rejected = Some(answer.to_string());
                    return self.next_unit(index);
                }
                // Out of retries, an answer whose one finding is that it still imports a file the
                // plan deletes is kept: the delete is what gives way, and `check_deletes` stops the
                // plan there (`options.partial`: the delete alone), naming both files.
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
                Some(s) => self.generate.replacements.entry(path.clone()).or_default().push((s.start, s.end, code)),
            },
        }
        let last_of_file = self.generate.units.get(index + 1).is_none_or(|next| next.entry.path != path);
        if last_of_file
            && !self.generate.failed_files.contains(&path)
            && let Some(replacements) = self.generate.replacements.remove(&path)
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
        let copied = self.files.scope.read_only.iter().find(|ro| {
            self.files.texts.get(*ro).cloned().flatten().is_some_and(|text| crate::failure::copied_back(&text, answer))
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
        let before = self.files.texts.get(path).and_then(|t| t.as_deref());
        let (text, more) = postprocess::keep_text_conventions(before, &text);
        fixes.extend(more);
        for fix in fixes {
            self.emit(EventBody::PostProcess { path: path.to_string(), pass: fix.pass.to_string(), description: fix.description });
        }
        text
    }

    fn script_passes(&self, path: &str, text: String) -> (String, Vec<postprocess::Fix>) {
        let format = self.expected_format(path).unwrap_or(ModuleFormat::Cjs);
        // Neighbours: files as they will be after this run (generated ones included), not deleted
        // ones. Borrowed, not copied: a staged script's facts are those the gate analysed its
        // text to (exports and format are the same at both depths).
        let staged = &self.effects.staged;
        // Stops at the first file that exports anything: in a run of many files, one of the first.
        let anyone_exports = staged.iter().any(|s| s.path != path && s.facts.as_ref().is_some_and(|a| !a.exports.is_empty()))
            || self.files.analyses.iter().any(|(p, a)| {
                p != path && !a.exports.is_empty() && Language::of(p).is_script() && !staged.iter().any(|s| &s.path == p)
            });
        let neighbours = || {
            let staged: BTreeMap<&str, Option<&Analysis>> = staged.iter().map(|s| (s.path.as_str(), s.facts.as_deref())).collect();
            let read = self.files.analyses.iter().filter(|(p, _)| !staged.contains_key(p.as_str())).map(|(p, a)| (p.as_str(), a));
            let declared: BTreeMap<&str, &[String]> = self.plan.entries.iter().map(|e| (e.path.as_str(), e.exports.as_slice())).collect();
            let mut after: Vec<(&str, &Analysis)> = read.chain(staged.iter().filter_map(|(p, a)| Some((*p, (*a)?)))).collect();
            after.sort_by(|a, b| a.0.cmp(b.0));
            after
                .into_iter()
                .filter(|(p, _)| *p != path && Language::of(p).is_script())
                .map(|(p, a)| {
                    let planned = declared.get(p).copied().unwrap_or_default();
                    Neighbour { path: p, exports: &a.exports, format: a.module_format(), planned }
                })
                .collect()
        };
        let banned: Vec<String> = self.input.skills.iter().flat_map(|s| crate::skill::parse_skill(s).banned).collect();
        let (text, mut fixes) = postprocess::recover_imports(path, &text, format, anyone_exports, neighbours);
        let (text, more) = postprocess::strip_banned(path, &text, &banned);
        fixes.extend(more);
        (text, fixes)
    }
}

/// Sampling for a unit's call (and the plan's re-ask): 0 the first time, then higher, since a
/// deterministic model asked again gives the same answer again.
pub(super) fn retry_temperature(attempts: u32) -> f32 {
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
