//! Read: the run's start, the files the host read, and what the session knows of them.

use super::*;
use crate::protocol::DirState;

const PACKAGE_JSON: &str = "package.json";

/// The files in scope as the host read them, and what the session knows of them.
#[derive(Default)]
pub(super) struct Files {
    /// Each path's text as read (None: the file does not exist).
    pub(super) texts: BTreeMap<String, Option<String>>,
    pub(super) analyses: BTreeMap<String, Analysis>,
    /// The facts of every text the session analyses, once per content.
    pub(super) facts: crate::analysis::Cache,
    pub(super) scope: Scope,
    /// Paths the task names: read-only context when they exist, ignored when they don't.
    pub(super) optional_read: BTreeSet<String>,
    /// Sections of the files large enough to be changed section by section.
    pub(super) sections: BTreeMap<String, Vec<Section>>,
    pub(super) package_format: Option<ModuleFormat>,
    pub(super) toolchain: Toolchain,
    /// Paths the task names that may be directories, asked of the host to list.
    pub(super) dirs: Vec<String>,
    /// The script files of the task-named directories as read-only outlines (`context::dir_views`),
    /// in every unit's stable prefix after the read-only files.
    pub(super) dir_views: Vec<ReadOnlyView>,
    /// Import targets outside the run, as the host found them when asked (true: a file is there);
    /// each path is asked about once per run.
    pub(super) import_targets: BTreeMap<String, bool>,
    /// Each analysed file's neighbours by imports, either way (`Session::import_related`): made
    /// once, at its first use, since no file's facts change after the read.
    pub(super) import_graph: std::cell::OnceCell<BTreeMap<String, BTreeMap<String, bool>>>,
}

impl Session {
    pub(super) fn start(&mut self) -> Request {
        self.files.scope.words = self.input.words.clone();
        let input = self.input.clone();
        self.emit(EventBody::RunStart {
            run_id: input.run_id.clone(),
            task: input.task.clone(),
            files: input.files.clone(),
            read: input.read.clone(),
            options: input.options.clone(),
        });
        if input.task.trim().is_empty() {
            return self.fail(ErrorCode::InputTask, "the task is empty");
        }
        if input.files.is_empty() {
            let message = format!("no files in scope: give at least one path with {}", self.word("files"));
            return self.fail(ErrorCode::InputFiles, message);
        }
        for raw in &input.files {
            match gate::normalize_path(raw) {
                Ok(p) if gate::tool_path(&p).is_some() => {
                    return self.fail(ErrorCode::InputPath, gate::tool_path(&p).unwrap_or_default());
                }
                Ok(p) => {
                    self.files.scope.writable.insert(p);
                }
                Err(v) => return self.fail(ErrorCode::InputPath, v.message),
            }
        }
        for raw in &input.read {
            match gate::normalize_path(raw) {
                Ok(p) if !self.files.scope.writable.contains(&p) => {
                    self.files.scope.read_only.insert(p);
                }
                Ok(_) => {}
                Err(v) => return self.fail(ErrorCode::InputPath, v.message),
            }
        }
        if !input.supplied.is_empty()
            && let Some(problem) = self.supplied_problem()
        {
            return self.fail(ErrorCode::InputFiles, problem);
        }
        // A supplied change's task is only its summary: the paths it names are not context.
        for path in decompose::task_paths(&input.task).into_iter().filter(|_| input.supplied.is_empty()) {
            if !self.files.scope.writable.contains(&path) && !self.files.scope.read_only.contains(&path) {
                self.files.optional_read.insert(path);
            }
        }
        if input.supplied.is_empty() {
            let named = crate::context::task_dirs(&input.task);
            self.files.dirs = named.into_iter().filter(|d| !self.files.scope.writable.contains(d) && !self.files.scope.read_only.contains(d)).collect();
        }
        let mut paths: Vec<String> =
            self.files.scope.writable.iter().chain(&self.files.scope.read_only).chain(&self.files.optional_read).cloned().collect();
        // package.json and the toolchain's config files tell which module syntax the project runs.
        for extra in std::iter::once(PACKAGE_JSON).chain(toolchain::CONFIG_FILES.iter().copied()) {
            if !paths.iter().any(|p| p == extra) {
                paths.push(extra.to_string());
            }
        }
        self.phase = Phase::AwaitFiles;
        Request::Read { paths, dirs: self.files.dirs.clone() }
    }

    pub(super) fn on_files(&mut self, mut files: BTreeMap<String, FileState>, dirs: BTreeMap<String, DirState>) -> Request {
        self.take_dir_files(&mut files, dirs);
        let package_json = match files.get(PACKAGE_JSON) {
            Some(FileState::Present { text }) => Some(text.as_str()),
            _ => None,
        };
        let existing = files.iter().filter(|(_, state)| **state != FileState::Absent).map(|(p, _)| p.as_str());
        self.files.toolchain = Toolchain::detect(existing, package_json);
        let wanted: Vec<String> = self.files.scope.writable.iter().chain(&self.files.scope.read_only).cloned().collect();
        for path in std::mem::take(&mut self.files.optional_read) {
            // A path the task merely mentions joins only when it is there and readable.
            if let Some(FileState::Present { text }) = files.remove(&path) {
                self.files.scope.read_only.insert(path.clone());
                self.files.analyses.insert(path.clone(), (*self.files.facts.analyze(&path, &text)).clone());
                self.files.texts.insert(path, Some(text));
            }
        }
        for path in wanted {
            match files.remove(&path) {
                Some(FileState::Present { text }) => {
                    let analysis = (*self.files.facts.analyze(&path, &text)).clone();
                    if self.files.scope.writable.contains(&path)
                        && analysis.is_valid()
                        // Counting stops at the threshold: a 200k-line file is not walked to its end.
                        && text.lines().nth(section::MIN_SECTIONED_LINES - 1).is_some()
                    {
                        self.files.sections.insert(path.clone(), section::sections(&text, &analysis));
                    }
                    self.files.analyses.insert(path.clone(), analysis);
                    self.files.texts.insert(path, Some(text));
                }
                Some(FileState::Absent) if self.files.scope.read_only.contains(&path) => {
                    return self.fail(ErrorCode::InputMissing, format!("{path}: read-only context file does not exist"));
                }
                Some(FileState::Absent) => {
                    self.files.texts.insert(path, None);
                }
                Some(FileState::Unreadable { reason, message }) => {
                    let code = if reason == "outside_workspace" { ErrorCode::InputPath } else { ErrorCode::InputUnreadable };
                    return self.fail(code, format!("{path}: {message}"));
                }
                None => return self.fail(ErrorCode::HostProtocol, format!("the host did not report on {path}")),
            }
        }
        self.files.package_format = match files.remove(PACKAGE_JSON).or_else(|| {
            self.files.texts.get(PACKAGE_JSON).cloned().flatten().map(|text| FileState::Present { text })
        }) {
            Some(FileState::Present { text }) => package_type(&text),
            _ => None,
        };
        if !self.input.supplied.is_empty() {
            return self.apply_supplied();
        }
        if let Some(request) = self.derive_plan() {
            return request;
        }
        self.plan_request(0)
    }

    /// The script files listed under the task-named directories, not otherwise in the run, as
    /// outlines within a share of the context budget. A directory the host did not list (absent, a
    /// file, outside the workspace) brings nothing, as a task-named file that is not there; the
    /// listed files are taken out of `files`, so a file the run reads anyway keeps its own role.
    fn take_dir_files(&mut self, files: &mut BTreeMap<String, FileState>, dirs: BTreeMap<String, DirState>) {
        let in_run = |p: &String| self.files.scope.writable.contains(p) || self.files.scope.read_only.contains(p) || self.files.optional_read.contains(p);
        let mut listed: BTreeSet<String> = BTreeSet::new();
        for dir in &self.files.dirs {
            if let Some(DirState::Listed { paths, .. }) = dirs.get(dir) {
                let prefix = format!("{dir}/");
                for raw in paths {
                    if let Ok(p) = gate::normalize_path(raw)
                        && p.starts_with(&prefix)
                        && gate::tool_path(&p).is_none()
                        && Language::of(&p).is_script()
                        && !in_run(&p)
                    {
                        listed.insert(p);
                    }
                }
            }
        }
        let mut shown = Vec::new();
        for p in listed {
            if let Some(FileState::Present { text }) = files.remove(&p) {
                let analysis = (*self.files.facts.analyze(&p, &text)).clone();
                shown.push((p, text, Some(analysis)));
            }
        }
        let share = (self.budget() / crate::context::DIR_OUTLINE_SHARE) as usize;
        self.files.dir_views = crate::context::dir_views(&shown, share);
    }

    pub(super) fn known_files(&self) -> BTreeMap<String, KnownFile> {
        self.files.scope
            .writable
            .iter()
            .map(|p| {
                let analysis = self.files.analyses.get(p);
                let known = KnownFile {
                    exists: self.files.texts.get(p).is_some_and(Option::is_some),
                    exports: analysis.map(|a| a.exports.clone()).unwrap_or_default(),
                    declarations: analysis.map(|a| section::declared_names(a).into_iter().collect()).unwrap_or_default(),
                    sources: analysis.map(|a| a.sources.clone()).unwrap_or_default(),
                    sections: self.files.sections.get(p).cloned().unwrap_or_default(),
                };
                (p.clone(), known)
            })
            .collect()
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
