//! Supplied content (`RunInput::supplied`, `red-exec mcp`'s governed_write): the caller is the
//! model. The plan is derived from what it supplies (CREATE where the file is absent, MODIFY where
//! it is present, DELETE), no model is called, and each file's text is gated verbatim, as a
//! model's answer is once extracted: the same rules, the same plan-level all-or-nothing, effects,
//! check and rollback. No post-processing pass rewrites it (the caller reads the verdicts and
//! corrects its own text), and a refusal is not retried (there is no one to ask again).

use super::*;

impl Session {
    /// In `start`: the supplied files are the scope, each given once, with content or `delete`.
    pub(super) fn supplied_problem(&self) -> Option<String> {
        let mut seen = BTreeSet::new();
        for s in &self.input.supplied {
            let path = match gate::normalize_path(&s.path) {
                Ok(p) => p,
                Err(v) => return Some(v.message),
            };
            if !seen.insert(path.clone()) {
                return Some(format!("{path}: supplied twice; give each file once"));
            }
            if s.content.is_some() == s.delete {
                return Some(format!("{path}: give either its content or delete: true"));
            }
            if !self.files.scope.writable.contains(&path) {
                return Some(format!("{path}: supplied but not in the files in scope"));
            }
        }
        self.files.scope.writable.iter().find(|p| !seen.contains(*p)).map(|p| format!("{p}: in scope but no content supplied for it"))
    }

    /// In `on_files`, instead of L1, L2 and L3: the plan from the supplied files, each gated and staged.
    pub(super) fn apply_supplied(&mut self) -> Request {
        let mut entries = Vec::new();
        let mut texts = Vec::new();
        for s in self.input.supplied.clone() {
            let path = gate::normalize_path(&s.path).unwrap_or(s.path.clone());
            let exists = matches!(self.files.texts.get(&path), Some(Some(_)));
            let action = match (s.delete, exists) {
                (true, false) => return self.fail(ErrorCode::InputMissing, format!("{path}: cannot be deleted: it does not exist")),
                (true, true) => Action::Delete,
                (false, true) => Action::Modify,
                (false, false) => Action::Create,
            };
            entries.push(PlanEntry {
                path,
                action,
                intent: "supplied by the caller".into(),
                from: None,
                symbols: Vec::new(),
                sections: Vec::new(),
                rewire: false,
                drop_exports: s.drop_exports.clone(),
                exports: Vec::new(),
            });
            texts.push(s.content);
        }
        self.plan.entries = entries.clone();
        self.plan.source = PlanSource::Supplied;
        self.emit(EventBody::Plan { actions: entries.clone(), source: PlanSource::Supplied });
        self.set_stage(Stage::L1, StageState::Skipped);
        self.set_stage(Stage::L2, StageState::Skipped);
        for (entry, new) in entries.into_iter().zip(texts) {
            if let Some(text) = &new
                && text.len() > crate::generate::MAX_FILE_BYTES
            {
                self.outcomes.push(FileOutcome {
                    path: entry.path.clone(),
                    action: entry.action,
                    outcome: Outcome::Failed,
                    diff: String::new(),
                    violations: Vec::new(),
                    attempts: 1,
                    error: Some(crate::generate::too_large(text.len())),
                });
                continue;
            }
            let old = self.files.texts.get(&entry.path).cloned().flatten();
            // A file that still imports one the plan deletes stands; the delete is blocked (`check_deletes`).
            self.gate_and_stage(&entry, old.as_deref(), new, 1);
        }
        self.set_stage(Stage::L3, StageState::Skipped);
        self.begin_effects()
    }
}
