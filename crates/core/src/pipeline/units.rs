//! Units (L2): the plan cut into units of generation work, and the changes made without a model.

use super::*;

impl Session {
    /// EXTRACT and rewiring are done here, by the core: the moved code never passes through a
    /// model. Several EXTRACTs from one source apply in plan order to the evolving facade.
    pub(super) fn prepare_mechanical(&mut self) -> Vec<Problem> {
        self.generate.mechanical.clear();
        let mut problems = Vec::new();
        let mut facades: BTreeMap<String, String> = BTreeMap::new();
        let mut moves: Vec<(String, String, Vec<String>)> = Vec::new();
        for entry in self.plan.entries.iter().filter(|e| e.action == Action::Extract) {
            let Some(from) = entry.from.clone() else { continue };
            let text = facades.get(&from).cloned().or_else(|| self.files.texts.get(&from).cloned().flatten()).unwrap_or_default();
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
                    self.generate.mechanical.push((entry.clone(), done.target_text));
                    moves.push((from, entry.path.clone(), done.moved));
                }
                Err(err) => problems.push(Problem::Model(format!("EXTRACT {} from {from}: {err}", entry.path))),
            }
        }
        // A source the plan also deletes was moved whole (a file moved or renamed): it gets no
        // facade, its importers point at the new file, and so all of it must have moved.
        let deleted: BTreeSet<String> = self.plan.entries.iter().filter(|e| e.action == Action::Delete).map(|e| e.path.clone()).collect();
        for source in facades.keys().filter(|s| deleted.contains(*s)) {
            let moved: BTreeSet<&String> = moves.iter().filter(|(s, _, _)| s == source).flat_map(|(_, _, m)| m).collect();
            let declared = self.files.analyses.get(source).map(section::declared_names).unwrap_or_default();
            let left: Vec<&str> = declared.iter().filter(|d| !moved.contains(d)).map(String::as_str).collect();
            if !left.is_empty() {
                problems.push(Problem::Model(format!(
                    "{source}: the plan deletes it but moves only part of it (not {}): EXTRACT every top-level declaration, or keep the file",
                    left.join(", ")
                )));
                continue;
            }
            // Moved whole into one file of the same folder: its relative imports still hold, so the
            // new file is the old one byte for byte (comments and all), not a re-assembly.
            let dir = |p: &str| p.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
            let targets: Vec<&String> = moves.iter().filter(|(s, _, _)| s == source).map(|(_, t, _)| t).collect();
            if let [target] = targets[..]
                && dir(target) == dir(source)
                && let Some(original) = self.files.texts.get(source).cloned().flatten()
                && let Some(unit) = self.generate.mechanical.iter_mut().find(|(e, _)| &e.path == target)
            {
                unit.1 = original;
            }
        }
        for entry in self.plan.entries.iter().filter(|e| e.action == Action::Modify && e.rewire) {
            let Some(mut text) = self.files.texts.get(&entry.path).cloned().flatten() else { continue };
            let format = self.expected_format(&entry.path).unwrap_or(ModuleFormat::Cjs);
            for (source, target, moved) in &moves {
                let rewired = if deleted.contains(source) {
                    extract::rewire_moved_file(&entry.path, &text, source, target, format)
                } else {
                    extract::rewire(&entry.path, &text, source, target, moved, format)
                };
                if let Some(rewired) = rewired {
                    text = rewired;
                }
            }
            self.generate.mechanical.push((entry.clone(), text));
        }
        for (source, text) in facades.into_iter().filter(|(s, _)| !deleted.contains(s)) {
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
            self.generate.mechanical.push((entry, text));
        }
        problems
    }

    /// L2: one unit per file the model writes; deletes and mechanical changes need no model and
    /// go straight to the gate.
    pub(super) fn build_units(&mut self) -> Request {
        for entry in self.stage_without_model() {
            self.push_units(entry);
        }
        self.set_stage(Stage::L2, StageState::Ok);
        if let Some(why) = self.budget_estimate_exceeded() {
            return self.fail(ErrorCode::BudgetExceeded, why);
        }
        self.next_unit(0)
    }

    /// Gate and stage the changes that need no model (mechanical moves, deletes); returns the
    /// plan entries that do.
    pub(super) fn stage_without_model(&mut self) -> Vec<PlanEntry> {
        for (entry, text) in self.generate.mechanical.clone() {
            let old = self.files.texts.get(&entry.path).cloned().flatten();
            self.gate_and_stage(&entry, old.as_deref(), Some(text), 0);
        }
        let extract_sources: BTreeSet<String> = self.plan.entries.iter().filter_map(|e| e.from.clone()).collect();
        let mut for_model = Vec::new();
        for entry in self.plan.entries.clone() {
            // Done mechanically above; a MODIFY of an EXTRACT source is folded into its facade.
            let mechanical = entry.action == Action::Extract
                || (entry.action == Action::Modify && (entry.rewire || extract_sources.contains(&entry.path)));
            if mechanical {
                continue;
            }
            if entry.action == Action::Delete {
                let old = self.files.texts.get(&entry.path).cloned().flatten();
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
        let sections = self.files.sections.get(&entry.path);
        let chosen = match (entry.action, sections) {
            (Action::Modify, Some(all)) if !entry.sections.is_empty() => {
                section::resolve(all, &entry.sections).ok().map(|idx| idx.iter().map(|i| all[i - 1].clone()).collect::<Vec<_>>())
            }
            _ => None,
        };
        // A whole-file MODIFY too large for one answer, or for half the prompt, goes section by section.
        let limit = chunk_tokens(self.budget());
        let chosen = chosen.or_else(|| match (entry.action, sections, self.files.texts.get(&entry.path).cloned().flatten()) {
            (Action::Modify, Some(all), Some(text)) if text_tokens(&text) > limit => Some(chunks(&text, all, limit)),
            _ => None,
        });
        match chosen {
            Some(chosen) => {
                for s in chosen {
                    self.generate.units.push(Unit::new(entry.clone(), Some(s)));
                }
            }
            None => self.generate.units.push(Unit::new(entry, None)),
        }
    }
}
