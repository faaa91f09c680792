//! Effects: the staged changes written and deleted by the host, and what the run withholds.

use super::*;
use super::imports::ImportTarget;

/// The changes staged to be written, those on disk, and what the run left there.
#[derive(Default)]
pub(super) struct EffectsState {
    pub(super) staged: Vec<Staged>,
    /// Indexes into `staged` of the changes on disk, in the order they were made.
    pub(super) applied: Vec<usize>,
    /// What the run last left at each path it changed (None: deleted); other paths are as read.
    pub(super) disk: BTreeMap<String, Option<String>>,
    /// The relative imports the staged writes add (index into `staged`), while the host is asked
    /// about the targets in `asked`.
    pub(super) imports: Vec<(usize, ImportTarget)>,
    pub(super) asked: Vec<String>,
}

impl Session {
    pub(super) fn begin_effects(&mut self) -> Request {
        // Computed once: the host's answer, if one is needed, is checked against these.
        self.effects.imports = self.staged_import_targets();
        let unknown = self.unknown_import_targets(self.effects.imports.iter().map(|(_, (_, c))| c.as_slice()));
        if !unknown.is_empty() {
            self.phase = Phase::AwaitImports;
            self.effects.asked = unknown.clone();
            return Request::Read { paths: unknown, dirs: Vec::new() };
        }
        self.after_import_targets(BTreeMap::new())
    }

    /// The host's answer about import targets (`found`, empty when none was asked): block each
    /// write that imports a module that is not there after the run, then the rest of the gate.
    pub(super) fn after_import_targets(&mut self, found: BTreeMap<String, FileState>) -> Request {
        let asked = std::mem::take(&mut self.effects.asked);
        self.note_import_targets(&asked, &found);
        self.check_imports();
        self.check_imported_names();
        self.check_deletes();
        let blocked = self.outcomes.iter().any(|o| o.outcome == Outcome::Blocked);
        self.set_stage(Stage::Gate, if blocked { StageState::Failed } else { StageState::Ok });
        self.withhold();
        self.next_effect(0)
    }

    /// For each staged write of a script not yet held to `import_resolves` (a whole-file unit's
    /// answer was, when it came): the relative imports it adds and the paths each may load.
    fn staged_import_targets(&self) -> Vec<(usize, ImportTarget)> {
        let mut out = Vec::new();
        for (i, staged) in self.effects.staged.iter().enumerate() {
            let Some(text) = &staged.new else { continue };
            if staged.violations.iter().any(|v| v.rule == Rule::ImportResolves) {
                continue;
            }
            let old = self.files.texts.get(&staged.path).and_then(|t| t.as_deref());
            out.extend(self.new_import_targets(&staged.path, old, text).into_iter().map(|t| (i, t)));
        }
        out
    }

    /// Block every staged write that imports a module none of whose paths exists after the run
    /// (rule `import_resolves`): no one is asked again here, the answers are all in.
    fn check_imports(&mut self) {
        let mut by_write: BTreeMap<usize, Vec<ImportTarget>> = BTreeMap::new();
        for (i, target) in std::mem::take(&mut self.effects.imports) {
            by_write.entry(i).or_default().push(target);
        }
        let found: Vec<(usize, Vec<Violation>)> = by_write
            .into_iter()
            .map(|(i, targets)| {
                let path = &self.effects.staged[i].path;
                (i, self.missing_imports(path, &targets).into_iter().map(|(v, _)| v).collect())
            })
            .collect();
        self.block_staged(found);
    }

    /// Block every staged write that imports a name its module does not export after the run
    /// (rule `import_names_exported`), now that every module's text is known. A whole-file
    /// unit's answer was held to it when it came, against the files generated before it.
    fn check_imported_names(&mut self) {
        let found: Vec<(usize, Vec<Violation>)> = (0..self.effects.staged.len())
            .filter_map(|i| {
                let staged = &self.effects.staged[i];
                let text = staged.new.as_deref()?;
                if staged.violations.iter().any(|v| v.rule == Rule::ImportNamesExported) {
                    return None;
                }
                let old = self.files.texts.get(&staged.path).and_then(|t| t.as_deref());
                Some((i, self.unexported_imports(&staged.path, old, text).into_iter().map(|(v, _)| v).collect()))
            })
            .collect();
        self.block_staged(found);
    }

    /// Add each staged write's `found` violations (by index, in order), and block the writes the
    /// gate's mode blocks them for.
    fn block_staged(&mut self, found: Vec<(usize, Vec<Violation>)>) {
        let mut blocked = Vec::new();
        // From the last, so the indexes of the ones still to look at stay valid.
        for (i, found) in found.into_iter().rev() {
            if found.is_empty() {
                continue;
            }
            let path = self.effects.staged[i].path.clone();
            let decision = gate::decide(&found, self.input.options.gate);
            self.effects.staged[i].violations.extend(found);
            let violations = self.effects.staged[i].violations.clone();
            self.emit(EventBody::Gate { path: path.clone(), action: self.effects.staged[i].action, decision, violations: violations.clone() });
            if decision == Decision::Block {
                let staged = self.effects.staged.remove(i);
                blocked.push(FileOutcome { path, action: staged.action, outcome: Outcome::Blocked, diff: String::new(), violations, attempts: staged.attempts, error: None });
            }
        }
        self.outcomes.extend(blocked.into_iter().rev());
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
            let partial = self.word("partial");
            withheld.extend(self.effects.staged.iter().enumerate().map(|(i, staged)| {
                let not = if staged.new.is_some() { "not written" } else { "not deleted" };
                (i, format!("{not}: {first}, and a plan is applied whole ({partial} keeps what does not need it)"))
            }));
        }
        loop {
            let mut changed = false;
            for (i, staged) in self.effects.staged.iter().enumerate() {
                if withheld.contains_key(&i) {
                    continue;
                }
                let why = match &staged.new {
                    Some(text) => imported(&staged.path, &self.files.facts.analyze(&staged.path, text), &missing)
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
        let staged = std::mem::take(&mut self.effects.staged);
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
                None => self.effects.staged.push(change),
            }
        }
    }

    /// A script file that will be on disk after the run (kept changes in place, withheld ones as
    /// they were) and imports `path`.
    pub(super) fn importer_after_run(&self, path: &str, withheld: &BTreeMap<usize, String>) -> Option<String> {
        let mut after: BTreeMap<&str, &str> =
            self.files.texts.iter().filter_map(|(p, t)| t.as_deref().map(|t| (p.as_str(), t))).collect();
        for (_, staged) in self.effects.staged.iter().enumerate().filter(|(i, _)| !withheld.contains_key(i)) {
            match &staged.new {
                Some(new) => after.insert(&staged.path, new),
                None => after.remove(staged.path.as_str()),
            };
        }
        let target = BTreeSet::from([path.to_string()]);
        after.into_iter().filter(|(p, _)| *p != path && Language::of(p).is_script()).find_map(|(p, text)| {
            let unchanged = self.files.texts.get(p).and_then(Option::as_deref) == Some(text);
            let analysis = match self.files.analyses.get(p) {
                Some(a) if unchanged => a.clone(),
                _ => (*self.files.facts.analyze(p, text)).clone(),
            };
            imported(p, &analysis, &target).map(|_| p.to_string())
        })
    }

    /// What `path` must be before the run changes it: what the run last wrote there, else what it read.
    pub(super) fn expected(&self, path: &str) -> Expected {
        // Every path the run may change is in scope, and every path in scope was read.
        Expected::of(self.effects.disk.get(path).or_else(|| self.files.texts.get(path)).cloned().flatten())
    }

    fn next_effect(&mut self, index: usize) -> Request {
        let Some(staged) = self.effects.staged.get(index).cloned() else { return self.after_effects() };
        let old = self.files.texts.get(&staged.path).cloned().flatten();
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

    pub(super) fn on_effect(&mut self, index: usize, reply: Reply) -> Request {
        let staged = self.effects.staged[index].clone();
        let old = self.files.texts.get(&staged.path).cloned().flatten();
        let diff = diff::unified(&staged.path, old.as_deref(), staged.new.as_deref());
        match reply {
            Reply::Written => {
                self.emit(EventBody::Write { path: staged.path.clone() });
                self.push_outcome(&staged, Outcome::Written, diff);
                self.effects.applied.push(index);
                self.effects.disk.insert(staged.path.clone(), staged.new.clone());
            }
            Reply::Deleted => {
                self.emit(EventBody::Delete { path: staged.path.clone() });
                self.push_outcome(&staged, Outcome::Deleted, diff);
                self.effects.applied.push(index);
                self.effects.disk.insert(staged.path.clone(), None);
            }
            Reply::WriteError { message, code } | Reply::DeleteError { message, code } => {
                if code.as_deref() == Some("interrupted") {
                    // The user stopped the run between two writes: take back the ones made.
                    let made = self.effects.applied.len();
                    let message = format!(
                        "interrupted during the writes: the {made} change(s) already made were rolled back, nothing else was written"
                    );
                    self.error = Some(run_error(ErrorCode::Interrupted, message));
                    self.rollback.after = AfterRollback::Finish;
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
                let restored = if self.effects.applied.is_empty() {
                    String::new()
                } else {
                    format!("; the {} change(s) made before it were rolled back", self.effects.applied.len())
                };
                self.error = Some(if code.as_deref() == Some("conflict") {
                    let message = format!("{} changed on disk during the run and was left as it is: {message}{restored}", staged.path);
                    run_error(ErrorCode::Conflict, message)
                } else {
                    run_error(ErrorCode::WriteFailed, format!("{}: {message}{restored}", staged.path))
                });
                self.rollback.after = AfterRollback::Finish;
                return self.begin_rollback();
            }
            other => return self.fail(ErrorCode::HostProtocol, format!("unexpected reply {other:?} to a write")),
        }
        self.next_effect(index + 1)
    }
}
