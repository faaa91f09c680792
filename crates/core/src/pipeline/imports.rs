//! Rule `import_resolves` for the session: whether the relative imports a written file adds name
//! modules that exist after the run. The run knows the files it read and the plan's; the host is
//! asked about any other target (a `Read` of those paths), once per path and run. Checked on
//! each unit's answer, so a missing module goes back to the model like any gate refusal, and once
//! more on everything staged before the writes (sections assembled, mechanical and supplied
//! changes), where it blocks.

use super::*;

/// A relative import of a written file: its specifier and the workspace paths it may load.
pub(super) type ImportTarget = (String, Vec<String>);

/// The most existing modules a refusal lists for the model.
const MODULES_LISTED: usize = 8;

/// How deep `export * from` chains are followed for a module's exports.
const STAR_DEPTH: usize = 4;

/// What the run knows of a workspace module after it, at this point of the run.
enum ModuleAfterRun {
    /// Its text after the run: a staged write, or a file the plan leaves as read.
    Known(std::rc::Rc<Analysis>),
    /// Not there after the run (absent, or deleted by the plan).
    Gone,
    /// A file of the plan not generated yet (or withheld), or one the run never read.
    Unknown,
}

impl Session {
    /// The relative imports of `new` (the text written at `path`) that `old` did not have, each
    /// with the paths it may load. One the file already had is not the run's doing: a module a
    /// build step generates must not make every change of its importer a refusal.
    pub(super) fn new_import_targets(&self, path: &str, old: Option<&str>, new: &str) -> Vec<ImportTarget> {
        if self.input.options.gate == GateMode::Off || !Language::of(path).is_script() {
            return Vec::new();
        }
        let before: BTreeSet<String> = match old {
            Some(old) => self.files.facts.analyze(path, old).requests.iter().cloned().collect(),
            None => BTreeSet::new(),
        };
        let analysis = self.files.facts.analyze_checked(path, new);
        let mut out: Vec<ImportTarget> = Vec::new();
        for spec in analysis.requests.iter().filter(|s| !before.contains(*s)) {
            let candidates = import_candidates(spec, path);
            if !candidates.is_empty() && !out.iter().any(|(s, _)| s == spec) {
                out.push((spec.clone(), candidates));
            }
        }
        out
    }

    /// Whether `path` is a file after the run, as far as the run knows: what it stages, then
    /// what it read, then what the host said when asked; None when no one has said.
    fn import_target_there(&self, path: &str) -> Option<bool> {
        // A file of the plan counts as there: `delete_still_imported` owns its delete, and the
        // plan-level withholding owns a file of it that was blocked or failed.
        if self.plan.entries.iter().any(|e| e.path == path) {
            return Some(true);
        }
        self.files.texts.get(path).map(Option::is_some).or_else(|| self.files.import_targets.get(path).copied())
    }

    /// What `path` is after the run, as far as the run knows now.
    fn module_after_run(&self, path: &str) -> ModuleAfterRun {
        if let Some(staged) = self.effects.staged.iter().find(|s| s.path == path) {
            return match (&staged.new, &staged.facts) {
                (None, _) => ModuleAfterRun::Gone,
                (Some(_), Some(facts)) => ModuleAfterRun::Known(facts.clone()),
                (Some(text), None) => ModuleAfterRun::Known(self.files.facts.analyze(path, text)),
            };
        }
        if self.plan.entries.iter().any(|e| e.path == path) {
            return ModuleAfterRun::Unknown;
        }
        match self.files.texts.get(path) {
            Some(Some(text)) => ModuleAfterRun::Known(self.files.facts.analyze(path, text)),
            Some(None) => ModuleAfterRun::Gone,
            None => ModuleAfterRun::Unknown,
        }
    }

    /// The module a relative import `spec` in `from` loads after the run, when the run knows its
    /// text: the first candidate path it knows (a sibling with another script extension that the
    /// run never read is not looked for); None when a file of the plan not generated yet could
    /// be it, or no candidate is known.
    fn imported_module(&self, spec: &str, from: &str) -> Option<(String, std::rc::Rc<Analysis>)> {
        for candidate in import_candidates(spec, from) {
            if !Language::of(&candidate).is_script() {
                continue;
            }
            match self.module_after_run(&candidate) {
                ModuleAfterRun::Known(facts) => return Some((candidate, facts)),
                ModuleAfterRun::Unknown if self.plan.entries.iter().any(|e| e.path == candidate) => return None,
                _ => {}
            }
        }
        None
    }

    /// Every name the module at `path` (with `facts`) exports after the run, re-exports followed;
    /// None when they cannot all be named (see `Analysis::exports_open`, a re-exported module the
    /// run does not know, a file that parses badly or has no module syntax of one kind).
    fn module_exports(&self, path: &str, facts: &Analysis, depth: usize) -> Option<BTreeSet<String>> {
        if !facts.is_valid() || facts.exports_open || depth > STAR_DEPTH {
            return None;
        }
        let mut names = BTreeSet::new();
        // `import d from './cjs'` is the whole `module.exports`, in Node and in every bundler.
        if facts.module_format()? == ModuleFormat::Cjs {
            names.insert("default".to_string());
        }
        for export in &facts.exports {
            match export.strip_prefix("*:") {
                None => {
                    names.insert(export.clone());
                }
                Some(spec) => {
                    let (star, star_facts) = self.imported_module(spec, path)?;
                    // `export *` passes on every name but the default.
                    names.extend(self.module_exports(&star, &star_facts, depth + 1)?.into_iter().filter(|n| n != "default"));
                }
            }
        }
        Some(names)
    }

    /// The names `new` (written at `path`) imports from workspace modules that, as far as the
    /// run knows now, those do not export after the run; a name `old` already imported from the
    /// same module is not the run's doing. The violation of each module (for the report) and its
    /// refusal in plain words for the model (rule `import_names_exported`).
    pub(super) fn unexported_imports(&self, path: &str, old: Option<&str>, new: &str) -> Vec<(Violation, String)> {
        if self.input.options.gate == GateMode::Off || !Language::of(path).is_script() {
            return Vec::new();
        }
        let before = old.map(|old| self.files.facts.analyze(path, old));
        let analysis = self.files.facts.analyze_checked(path, new);
        let mut out = Vec::new();
        for (spec, names) in &analysis.imported {
            let had = before.as_ref().and_then(|b| b.imported.get(spec));
            let asked: Vec<&String> = names.iter().filter(|n| !had.is_some_and(|h| h.contains(*n))).collect();
            if asked.is_empty() {
                continue;
            }
            let Some((module, facts)) = self.imported_module(spec, path) else { continue };
            if module == path {
                continue;
            }
            let Some(exported) = self.module_exports(&module, &facts, 0) else { continue };
            let missing: Vec<String> = asked.into_iter().filter(|n| !exported.contains(*n)).cloned().collect();
            if missing.is_empty() {
                continue;
            }
            // The default every CommonJS module has is not one to offer the model.
            let exported: Vec<String> = exported.into_iter().filter(|n| n != "default" || facts.exports.contains(n)).collect();
            out.push((
                gate::import_names_exported::unexported(path, spec, &missing),
                gate::import_names_exported::refusal(spec, &missing, &exported),
            ));
        }
        out
    }

    /// The paths to ask the host about: the candidates no one has said anything of, of each
    /// import none of whose known candidates is there.
    pub(super) fn unknown_import_targets<'t>(&self, targets: impl IntoIterator<Item = &'t [String]>) -> Vec<String> {
        let mut unknown = BTreeSet::new();
        for candidates in targets {
            if candidates.iter().any(|p| self.import_target_there(p) == Some(true)) {
                continue;
            }
            unknown.extend(candidates.iter().filter(|p| self.import_target_there(p).is_none()).cloned());
        }
        unknown.into_iter().collect()
    }

    /// The host's answer about the `asked` import targets. A directory is no module; a path it
    /// could not read or did not answer for counts as there (the rule blocks only what it knows).
    pub(super) fn note_import_targets(&mut self, asked: &[String], found: &BTreeMap<String, FileState>) {
        for path in asked {
            let there = match found.get(path) {
                Some(FileState::Absent) => false,
                Some(FileState::Unreadable { reason, .. }) => reason != "directory",
                _ => true,
            };
            self.files.import_targets.insert(path.clone(), there);
        }
    }

    /// The imports of `targets` (written at `path`) none of whose paths exists after the run: the
    /// violation of each (for the report), and its refusal in plain words for the model.
    pub(super) fn missing_imports(&self, path: &str, targets: &[ImportTarget]) -> Vec<(Violation, String)> {
        let missing: Vec<&String> = targets
            .iter()
            .filter(|(_, candidates)| !candidates.iter().any(|p| self.import_target_there(p).unwrap_or(true)))
            .map(|(spec, _)| spec)
            .collect();
        if missing.is_empty() {
            return Vec::new();
        }
        let modules = self.existing_modules(path);
        missing
            .into_iter()
            .map(|spec| {
                let imported = self.imported_modules(path, spec, &modules);
                (gate::import_resolves::missing(path, spec), gate::import_resolves::refusal(spec, &modules, &imported))
            })
            .collect()
    }

    /// The modules the files the run read import today, as `path` would name them, that the run
    /// has not seen itself (a file in scope's `require('./ReadTool')`, when `ReadTool.js` is not in
    /// scope): most likely there, since code loads them now. Not `missing`, nor one of `listed`,
    /// nor one known to be absent; the nearest first, at most [`MODULES_LISTED`].
    fn imported_modules(&self, path: &str, missing: &str, listed: &[String]) -> Vec<String> {
        let gone = crate::lang::resolve::resolve(missing, path);
        let mut specs: BTreeSet<String> = BTreeSet::new();
        for (from, analysis) in &self.files.analyses {
            for spec in &analysis.requests {
                let candidates = import_candidates(spec, from);
                let seen = candidates.iter().map(|p| self.import_target_there(p)).collect::<Vec<_>>();
                // Known to be there (listed already), known to be absent, or the missing module itself.
                let known = seen.contains(&Some(true)) || seen.iter().all(Option::is_some);
                if candidates.is_empty() || known || crate::lang::resolve::resolve(spec, from) == gone {
                    continue;
                }
                let named = crate::lang::resolve::respecify(spec, from, path);
                if !listed.contains(&named) {
                    specs.insert(named);
                }
            }
        }
        let mut specs: Vec<String> = specs.into_iter().collect();
        specs.sort_by_key(|s| (s.matches("../").count(), s.clone()));
        specs.truncate(MODULES_LISTED);
        specs
    }

    /// Pass `import-depth`, on a whole-file answer: a relative import the host says names no file,
    /// whose file name is that of exactly one script the run knows exists after it, which exports
    /// every name the import asks for, is pointed at that file (`./types` written in
    /// `src/validators/` for `src/types.ts`: `../types`), keeping the import's own extension style.
    /// Seen live (ts-validators): the model wrote `./types` three times, told each time which
    /// modules exist, and the plan was blocked. Each rewrite comes back described, for a
    /// `post_process` event; `targets` are read again from the new text.
    pub(super) fn repair_import_depths(&self, path: &str, old: Option<&str>, candidate: String, targets: Vec<ImportTarget>) -> (String, Vec<ImportTarget>, Vec<String>) {
        let missing: Vec<&String> = targets
            .iter()
            .filter(|(_, candidates)| !candidates.iter().any(|p| self.import_target_there(p).unwrap_or(true)))
            .map(|(spec, _)| spec)
            .collect();
        if missing.is_empty() {
            return (candidate, targets, Vec::new());
        }
        let known = self.known_modules(path);
        let file_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        let stem = |p: &str| crate::lang::language::strip_script_extension(&file_name(p)).to_string();
        let asked = self.files.facts.analyze_checked(path, &candidate).imported.clone();
        let format = self.expected_format(path).unwrap_or(ModuleFormat::Cjs);
        let mut text = candidate;
        let mut fixes = Vec::new();
        for spec in missing {
            let name = file_name(spec);
            if name.is_empty() || name == "." || name == ".." || name == "index" {
                continue;
            }
            let homes: Vec<&str> = known.iter().copied().filter(|p| stem(p) == stem(&name)).collect();
            let [home] = homes.as_slice() else { continue };
            // What the import asks for must be there: a file of the same name is not enough.
            let exported = match self.module_after_run(home) {
                ModuleAfterRun::Known(facts) => self.module_exports(home, &facts, 0),
                _ => None,
            };
            let Some(exported) = exported else { continue };
            if !asked.get(spec).is_none_or(|names| names.iter().all(|n| exported.contains(n))) {
                continue;
            }
            let rel = crate::lang::resolve::relative_specifier(path, home, format);
            let dir = rel.rsplit_once('/').map_or(".", |(d, _)| d);
            let fixed = format!("{dir}/{name}");
            // Only on lines that load a module: the same string elsewhere is data, not an import.
            let loads = |line: &str| line.contains("from") || line.contains("import") || line.contains("require(");
            let mut changed = false;
            let lines: Vec<String> = text
                .split_inclusive('\n')
                .map(|line| {
                    let mut line = line.to_string();
                    for q in ['\'', '"'] {
                        let (from, to) = (format!("{q}{spec}{q}"), format!("{q}{fixed}{q}"));
                        if loads(&line) && line.contains(&from) {
                            line = line.replace(&from, &to);
                            changed = true;
                        }
                    }
                    line
                })
                .collect();
            text = lines.concat();
            if changed {
                fixes.push(format!("`{spec}` names no file; pointed at {home} as `{fixed}`"));
            }
        }
        if fixes.is_empty() {
            return (text, targets, fixes);
        }
        let targets = self.new_import_targets(path, old, &text);
        (text, targets, fixes)
    }

    /// The modules `path` can import that the run knows exist after it, as `path` would name them:
    /// the nearest first, at most [`MODULES_LISTED`] and a count of the rest.
    fn existing_modules(&self, path: &str) -> Vec<String> {
        let format = self.expected_format(path).unwrap_or(ModuleFormat::Cjs);
        let mut specs: Vec<String> =
            self.known_modules(path).into_iter().map(|p| crate::lang::resolve::relative_specifier(path, p, format)).collect();
        specs.sort_by_key(|s| (s.matches("../").count(), s.clone()));
        if specs.len() > MODULES_LISTED {
            let more = specs.len() - MODULES_LISTED;
            specs.truncate(MODULES_LISTED);
            specs.push(format!("and {more} more"));
        }
        specs
    }

    /// The scripts other than `path` that the run knows exist after it: read, planned (not
    /// deleted), or found by the host.
    fn known_modules(&self, path: &str) -> Vec<&str> {
        let planned = |p: &str| self.plan.entries.iter().find(|e| e.path == p).map(|e| e.action);
        let mut known: BTreeSet<&str> = self
            .files
            .scope
            .writable
            .iter()
            .chain(&self.files.scope.read_only)
            .filter(|p| matches!(self.files.texts.get(*p), Some(Some(_))))
            .map(String::as_str)
            .collect();
        known.extend(self.plan.entries.iter().map(|e| e.path.as_str()));
        known.extend(self.files.import_targets.iter().filter(|(_, there)| **there).map(|(p, _)| p.as_str()));
        known.extend(self.files.dir_views.iter().map(|v| v.path.as_str()).filter(|p| !p.starts_with('(')));
        known.into_iter().filter(|p| *p != path && Language::of(p).is_script() && planned(p) != Some(Action::Delete)).collect()
    }
}

/// The workspace paths a relative import `spec` in `from` may load: the path itself; with a script
/// extension, the same stem with any script extension (`./a.js` may be `a.ts`); without one, each
/// script extension, `.json` and the directory's index files. None for a bare or escaping import.
fn import_candidates(spec: &str, from: &str) -> Vec<String> {
    let Some(segments) = crate::lang::resolve::resolve(spec, from) else { return Vec::new() };
    if segments.is_empty() || segments.first().is_some_and(|s| s == "..") {
        return Vec::new();
    }
    let base = segments.join("/");
    let scripts = crate::lang::language::EXTENSIONS.iter().filter(|(e, _)| crate::lang::language::is_script_extension(e)).map(|(e, _)| *e);
    let mut out = vec![base.clone()];
    if crate::lang::language::script_extension(&base).is_some() {
        let stem = crate::lang::language::strip_script_extension(&base);
        out.extend(scripts.map(|e| format!("{stem}.{e}")));
    } else {
        out.extend(scripts.clone().map(|e| format!("{base}.{e}")));
        out.push(format!("{base}.json"));
        out.extend(scripts.map(|e| format!("{base}/index.{e}")));
    }
    out.dedup();
    out
}
