//! Stage (gate): each change checked by the gate and staged to be written.

use super::*;

impl Session {
    pub(super) fn check(&self, entry: &PlanEntry, old: Option<&str>, new: Option<&str>) -> Vec<Violation> {
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
        gate::check_with(&proposal, &self.files.scope, self.input.options.gate, &self.files.facts)
    }

    /// What `new_capability` lets an answer add: the user's `allow`, and what the task asks for.
    fn allowed_capabilities(&self) -> Vec<crate::protocol::Capability> {
        let mut allowed = self.input.options.allow.clone();
        allowed.extend(gate::capabilities_asked(&self.input.task));
        allowed
    }

    /// Rule `delete_still_imported`, for a file the plan writes: its new text should not import a
    /// file the same plan deletes. Its unit is sent back with the reason, like any gate finding
    /// (the model most often just forgot to update the import); out of retries, the answer stands
    /// and the delete is blocked instead (`check_deletes`).
    pub(super) fn imports_a_deleted_file(&self, entry: &PlanEntry, text: &str) -> Option<Violation> {
        if self.input.options.gate == GateMode::Off || !Language::of(&entry.path).is_script() {
            return None;
        }
        let deleted: BTreeSet<String> = self
            .plan
            .entries
            .iter()
            .filter(|e| e.action == Action::Delete && e.path != entry.path)
            .map(|e| e.path.clone())
            .collect();
        if deleted.is_empty() {
            return None;
        }
        let dep = imported(&entry.path, &self.files.facts.analyze(&entry.path, text), &deleted)?;
        Some(gate::delete_still_imported::importer(&entry.path, &dep))
    }

    /// Rule `delete_still_imported`, for a delete: no file that will be on disk after the run
    /// (new texts of the changes, old texts of the files in scope left alone, read-only files)
    /// may still import it. Checked once every change has passed the gate, before any effect;
    /// a delete that breaks it is blocked, and the plan with it (`options.partial`: the delete alone).
    pub(super) fn check_deletes(&mut self) {
        if self.input.options.gate == GateMode::Off
            || self.outcomes.iter().any(|o| matches!(o.outcome, Outcome::Blocked | Outcome::Failed))
        {
            // Something is already missing: `withhold` decides, from what will really be on disk.
            return;
        }
        let none = BTreeMap::new();
        let found: Vec<(usize, String)> = self
            .effects
            .staged
            .iter()
            .enumerate()
            .filter(|(_, s)| s.new.is_none())
            .filter_map(|(i, s)| self.importer_after_run(&s.path, &none).map(|by| (i, by)))
            .collect();
        let mut blocked = Vec::new();
        // From the last, so the indexes of the ones still to look at stay valid.
        for (i, by) in found.into_iter().rev() {
            let path = self.effects.staged[i].path.clone();
            let violation = gate::delete_still_imported::deleted(&path, &by);
            let decision = gate::decide(std::slice::from_ref(&violation), self.input.options.gate);
            self.effects.staged[i].violations.push(violation);
            let violations = self.effects.staged[i].violations.clone();
            self.emit(EventBody::Gate { path: path.clone(), action: Action::Delete, decision, violations: violations.clone() });
            if decision == Decision::Block {
                let staged = self.effects.staged.remove(i);
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
    pub(super) fn gate_and_stage(&mut self, entry: &PlanEntry, old: Option<&str>, new: Option<String>, attempts: u32) {
        let violations = self.check(entry, old, new.as_deref());
        self.stage(entry, new, violations, attempts);
    }

    /// Record the gate's decision on a checked change and, unless blocked, queue it for writing.
    pub(super) fn stage(&mut self, entry: &PlanEntry, new: Option<String>, violations: Vec<Violation>, attempts: u32) {
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
        let facts = new.as_deref().filter(|_| Language::of(&entry.path).is_script()).map(|text| self.files.facts.analyze_checked(&entry.path, text));
        self.effects.staged.push(Staged { path: entry.path.clone(), action: entry.action, new, facts, violations, attempts });
    }
}
