//! L1: turn the model's plan answer into a validated plan.
//!
//! The model proposes; this module checks. A problem is either the model's (re-ask once) or the
//! user's (a MODIFY of a file that is not there: the path is probably wrong, so stop and say so).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::gate::normalize_path;
use crate::protocol::{Action, PlanEntry};
use crate::section::{self, Section};

/// What the core knows of a file in scope when it validates a plan.
#[derive(Debug, Clone, Default)]
pub struct KnownFile {
    pub exists: bool,
    pub exports: BTreeSet<String>,
    pub declarations: BTreeSet<String>,
    /// Top-level names that come from another module, with its specifier (`Analysis::sources`).
    pub sources: BTreeMap<String, String>,
    /// Present only for files large enough to be worked on section by section.
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The plan makes no sense: re-ask with this message.
    Model(String),
    /// The task points at a file that is not there.
    MissingTarget(String),
}

impl Problem {
    pub fn message(&self) -> &str {
        match self {
            Problem::Model(m) | Problem::MissingTarget(m) => m,
        }
    }
}

/// Pull the plan out of an answer: bare JSON, JSON in a fence, or JSON inside prose.
pub fn parse_plan(answer: &str) -> Result<Vec<PlanEntry>, String> {
    let start = answer.find(['{', '[']).ok_or("the plan answer contains no JSON")?;
    let end = answer.rfind(['}', ']']).filter(|&e| e > start).ok_or("the plan answer contains no complete JSON")?;
    let value: Value =
        serde_json::from_str(&answer[start..=end]).map_err(|e| format!("the plan is not valid JSON: {e}"))?;
    let actions = match &value {
        Value::Array(items) => items,
        Value::Object(obj) => match obj.get("actions").or_else(|| obj.get("plan")).or_else(|| obj.get("files")) {
            Some(Value::Array(items)) => items,
            _ => return Err("the plan has no \"actions\" list".into()),
        },
        _ => return Err("the plan is not a JSON object".into()),
    };
    actions.iter().enumerate().map(|(i, item)| parse_entry(i, item)).collect()
}

fn parse_entry(index: usize, item: &Value) -> Result<PlanEntry, String> {
    let field = |name: &str| item.get(name).and_then(Value::as_str).map(str::to_string);
    let names = |name: &str| -> Vec<String> {
        item.get(name)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let path = field("path").or_else(|| field("file")).ok_or(format!("action {} has no \"path\"", index + 1))?;
    let raw_action = field("action").ok_or(format!("action for {path} has no \"action\""))?;
    let action =
        Action::parse(&raw_action).ok_or(format!("{path}: unknown action \"{raw_action}\" (use CREATE, MODIFY, EXTRACT or DELETE)"))?;
    Ok(PlanEntry {
        path,
        action,
        intent: field("intent").or_else(|| field("description")).unwrap_or_default(),
        from: field("from").or_else(|| field("source")),
        symbols: names("symbols"),
        sections: item
            .get("sections")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string).or_else(|| v.as_u64().map(|n| n.to_string()))).collect())
            .unwrap_or_default(),
        drop_exports: names("dropExports"),
        exports: names("exports"),
        rewire: item.get("rewire").and_then(Value::as_bool).unwrap_or(false),
    })
}

fn task_names(task: &str, name: &str) -> bool {
    words(task).any(|w| w == name)
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
}

/// Where the task's sentences end: the byte offset of each cut character (and its length). Cut at
/// `.`/`!`/`?` before a space (so `a.js` stays whole), at a line end before a blank line or a list
/// item (a sentence wrapped over lines stays whole), and, with `at_semicolon`, at `;`.
fn sentence_ends(task: &str, at_semicolon: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut chars = task.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at_end = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
        let paragraph_or_item = c == '\n' && {
            let next = task[i + 1..].lines().next().unwrap_or("").trim_start();
            let numbered = next.split_once(['.', ')']).is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            next.is_empty() || ["- ", "* ", "+ "].iter().any(|m| next.starts_with(m)) || numbered
        };
        if paragraph_or_item || (at_semicolon && c == ';') || (matches!(c, '.' | '!' | '?') && at_end) {
            out.push((i, c.len_utf8()));
        }
    }
    out
}

/// The task's sentences, each without the character that ends it; also cut at `;`.
fn sentences(task: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, len) in sentence_ends(task, true) {
        out.push(&task[start..i]);
        start = i + len;
    }
    out.push(&task[start..]);
    out
}

/// The task's sentences as byte ranges that cover it whole (each with its full stop and the
/// whitespace after it). Unlike [`sentences`], not cut at `;`: a part of the task keeps its clauses.
fn sentence_spans(task: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, len) in sentence_ends(task, false) {
        let end = i + len;
        if end <= start {
            continue;
        }
        let end = end + task[end..].len() - task[end..].trim_start().len();
        out.push(start..end);
        start = end;
    }
    if start < task.len() {
        out.push(start..task.len());
    }
    out
}

/// The files of `scope` a piece of the task names: by path (`src/lib/text.js`, `./src/a.js`), or
/// by base name when no other file in scope has that base name.
fn named_files<'s>(text: &str, scope: &'s [String]) -> Vec<&'s String> {
    let base = |p: &'s String| p.rsplit('/').next().unwrap_or(p);
    let tokens: BTreeSet<&str> = text
        .split(|c: char| c.is_whitespace() || "`'\"()[]{}<>,;:".contains(c))
        .map(|w| w.trim_end_matches(['.', '!', '?']))
        .map(|w| w.strip_prefix("./").unwrap_or(w))
        .filter(|w| !w.is_empty())
        .collect();
    if tokens.is_empty() {
        return Vec::new();
    }
    // Base names counted once: this runs per sentence and per unit, so a count per file would
    // make a 200-file run cubic in its files (issue 20's bench).
    let mut bases: BTreeMap<&str, usize> = BTreeMap::new();
    for p in scope {
        *bases.entry(base(p)).or_default() += 1;
    }
    scope.iter().filter(|p| tokens.contains(p.as_str()) || (bases[base(p)] == 1 && tokens.contains(base(p)))).collect()
}

/// Words that point back at the sentence before ("Use it in src/fetcher.js").
const BACK_REFERENCES: [&str; 4] = ["it", "them", "this", "these"];

/// [`TaskParts::for_unit`] of a task read for one unit.
#[cfg(test)]
pub(crate) fn task_for_unit(task: &str, path: &str, scope: &[String], related: &[String]) -> String {
    TaskParts::new(task, scope).for_unit(path, related)
}

/// The task cut into sentences, each with the files of the plan it names: read once per run, since
/// the task and the plan stay the same from unit to unit (read per unit, every sentence against
/// every file, a 200-file run was quadratic in its files: issue 20's bench).
#[derive(Debug, Clone)]
pub(crate) struct TaskParts {
    task: String,
    /// The plan's paths the parts were read for.
    scope: Vec<String>,
    spans: Vec<std::ops::Range<usize>>,
    named: Vec<Vec<String>>,
    /// Per sentence: the files it is about, its own or, for one that names none but points back
    /// ("For a payload it answers ..."), those of the sentence before.
    about: Vec<Vec<String>>,
    /// Per sentence: it holds a word that points back at the sentence before.
    points_back: Vec<bool>,
}

impl TaskParts {
    pub(crate) fn new(task: &str, scope: &[String]) -> TaskParts {
        let spans = sentence_spans(task);
        let named: Vec<Vec<String>> = spans.iter().map(|r| named_files(&task[r.clone()], scope).into_iter().cloned().collect()).collect();
        let points_back: Vec<bool> = spans.iter().map(|r| words(&task[r.clone()]).any(|w| BACK_REFERENCES.contains(&w))).collect();
        let mut about: Vec<Vec<String>> = Vec::with_capacity(spans.len());
        for (i, own) in named.iter().enumerate() {
            about.push(if own.is_empty() && points_back[i] && i > 0 { about[i - 1].clone() } else { own.clone() });
        }
        TaskParts { task: task.to_string(), scope: scope.to_vec(), spans, named, about, points_back }
    }

    /// Read for this task and these paths (in this order)?
    pub(crate) fn is_for<'a>(&self, task: &str, scope: impl ExactSizeIterator<Item = &'a String>) -> bool {
        self.task == task && scope.len() == self.scope.len() && scope.zip(&self.scope).all(|(a, b)| a == b)
    }

    /// The parts of the task that concern one unit's file (issue 18: each unit gets its brief, not
    /// the whole task): every sentence that names no file of the plan (it is about the whole
    /// change), the sentences that name `path` or one of `related` (the files it imports), and the
    /// sentence before one of those when that one points back at it ("Use it in src/fetcher.js").
    /// A sentence about other files only is left out, and so is one that names none but points
    /// back at such a sentence ("It answers { count }"); when nothing is, the task comes back as it is.
    pub(crate) fn for_unit(&self, path: &str, related: &[String]) -> String {
        let task = self.task.as_str();
        let ours = |named: &Vec<String>| named.iter().any(|p| p.as_str() == path || related.contains(p));
        let mut keep: Vec<bool> = self.about.iter().map(|about| about.is_empty() || ours(about)).collect();
        for i in 1..self.spans.len() {
            let own = self.named[i].iter().any(|p| p.as_str() == path);
            if own && self.points_back[i] {
                keep[i - 1] = true;
            }
        }
        // A file no sentence names (nor one it imports) was planned from the task as a whole: it gets it whole.
        let concerns_it = self.named.iter().any(ours);
        if !concerns_it || keep.iter().all(|k| *k) {
            return task.to_string();
        }
        let parts: String = self.spans.iter().zip(&keep).filter(|(_, k)| **k).map(|(r, _)| &task[r.clone()]).collect();
        format!("{}\n(The parts of the task about other files are done in their own steps.)", parts.trim_end())
    }
}

/// Words that ask for something to go: a word starting with one of these (`deleted`, `Removal`,
/// `replaces`), or `rid` (get rid of).
const REMOVAL_STEMS: [&str; 13] =
    ["delet", "remov", "drop", "replac", "renam", "retir", "obsolet", "eliminat", "discard", "purg", "eras", "merg", "mov"];

fn asks_for_removal(sentence: &str) -> bool {
    words(sentence).filter(|w| !is_identifier(w)).map(str::to_lowercase).any(|w| w == "rid" || REMOVAL_STEMS.iter().any(|s| w.starts_with(s)))
}

/// A name from code, not a word of the sentence: camelCase (`mergeIntervals`), or with `_`/`$`/a
/// digit (`remove_item`). "Delete", "REMOVE" and "moved" are words.
fn is_identifier(w: &str) -> bool {
    let camel = w.chars().skip(1).any(char::is_uppercase) && w.chars().any(char::is_lowercase);
    camel || w.contains(['_', '$']) || w.chars().any(|c| c.is_ascii_digit())
}

/// Some sentence of the task asks for something to go (so a plan may drop exports).
pub(crate) fn task_asks_for_removal(task: &str) -> bool {
    sentences(task).into_iter().any(asks_for_removal)
}

/// The task says to remove `name`: one of its sentences names it (as a whole word) together with
/// a removal word ("remove PatchTool from the index").
pub(crate) fn task_removes(task: &str, name: &str) -> bool {
    sentences(task).into_iter().any(|s| task_names(s, name) && asks_for_removal(s))
}

/// The task asks for `path` to be deleted: one of its sentences names the file (by its path, its
/// base name, or its base name without the extension) together with a removal word.
pub(crate) fn task_deletes(task: &str, path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem = base.split_once('.').map_or(base, |(s, _)| s);
    let is_it = |w: &str| {
        let w = w.trim_end_matches(['.', '!', '?']);
        let w = w.strip_prefix("./").unwrap_or(w);
        w == path || w == base || (w.ends_with(&format!("/{base}")) && path.ends_with(w)) || (!stem.is_empty() && w == stem)
    };
    sentences(task).into_iter().any(|s| {
        let tokens: Vec<&str> = s.split(|c: char| c.is_whitespace() || "`'\"()[]{}<>,:".contains(c)).collect();
        // A file name is no removal word (`interval-merge.js`, `interval-merge.spec.js` hold "merge").
        let a_path = |w: &str| w.contains('/') || w.trim_end_matches(['.', '!', '?']).contains('.');
        tokens.iter().any(|w| is_it(w)) && tokens.iter().filter(|w| !is_it(w) && !a_path(w)).any(|w| asks_for_removal(w))
    })
}

/// Check a parsed plan against the files in scope; normalises the plan's paths in place.
pub fn validate(plan: &mut [PlanEntry], files: &BTreeMap<String, KnownFile>, task: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in plan.iter_mut() {
        match normalize_path(&entry.path) {
            Ok(p) => entry.path = p,
            Err(v) => {
                problems.push(Problem::Model(format!("{}: not a path in scope ({})", entry.path, v.message)));
                continue;
            }
        }
        // red-exec's own files are never planned, even when a host put one in scope.
        if let Some(why) = crate::gate::tool_path(&entry.path) {
            problems.push(Problem::Model(why));
            continue;
        }
        let Some(file) = files.get(&entry.path) else {
            problems.push(Problem::Model(format!("{} is not in scope; only these files may be planned: {}", entry.path, list(files))));
            continue;
        };
        if !seen.insert(entry.path.clone()) {
            problems.push(Problem::Model(format!("{} appears more than once", entry.path)));
        }
        match entry.action {
            Action::Create if file.exists => {
                problems.push(Problem::Model(format!("{} already exists: use MODIFY, not CREATE", entry.path)))
            }
            Action::Modify if !file.exists => problems.push(Problem::MissingTarget(format!(
                "{} does not exist, but the task asks to change it: check the path",
                entry.path
            ))),
            Action::Delete if !file.exists => {
                problems.push(Problem::Model(format!("{} does not exist and cannot be deleted", entry.path)))
            }
            Action::Delete if !task_deletes(task, &entry.path) => problems.push(Problem::Model(format!(
                "{}: the task does not ask for this file to be deleted (it must name the file with a word such as \
delete, remove or replace): plan MODIFY instead; an answer that changes nothing leaves it as it is",
                entry.path
            ))),
            Action::Extract => validate_extract(entry, file, files, &mut problems),
            Action::Modify if !entry.sections.is_empty() && !file.sections.is_empty() => {
                if let Err(message) = section::resolve(&file.sections, &entry.sections) {
                    problems.push(Problem::Model(format!("{}: {message}; name sections by #number from the outline", entry.path)));
                }
            }
            _ => {}
        }
        for name in &entry.drop_exports {
            if !task_names(task, name) {
                problems.push(Problem::Model(format!(
                    "{}: the task does not name \"{name}\", so its export may not be dropped",
                    entry.path
                )));
            }
        }
    }
    for path in files.keys() {
        if !seen.contains(path) && !plan.iter().any(|e| e.from.as_deref() == Some(path.as_str())) {
            problems.push(Problem::Model(format!("{path} is in scope but has no action")));
        }
    }
    if problems.is_empty() {
        add_drops_of_deleted_sources(plan, files, task);
    }
    problems
}

/// A MODIFY may drop an export whose source file the same plan deletes when the task says to
/// remove that name (the plan deletes `PatchTool.js`, the task says "remove PatchTool from the
/// index"): the planner need not repeat it in `dropExports`, and no prompt asks to keep it.
fn add_drops_of_deleted_sources(plan: &mut [PlanEntry], files: &BTreeMap<String, KnownFile>, task: &str) {
    let deleted: Vec<String> = plan.iter().filter(|e| e.action == Action::Delete).map(|e| e.path.clone()).collect();
    if deleted.is_empty() {
        return;
    }
    for entry in plan.iter_mut().filter(|e| e.action == Action::Modify) {
        let Some(file) = files.get(&entry.path) else { continue };
        for name in &file.exports {
            let from_deleted = file
                .sources
                .get(name)
                .is_some_and(|spec| deleted.iter().any(|d| crate::lang::resolve::resolves_to(spec, &entry.path, d)));
            if from_deleted && task_removes(task, name) && !entry.drop_exports.contains(name) {
                entry.drop_exports.push(name.clone());
            }
        }
    }
}

fn validate_extract(entry: &mut PlanEntry, target: &KnownFile, files: &BTreeMap<String, KnownFile>, problems: &mut Vec<Problem>) {
    if target.exists {
        problems.push(Problem::Model(format!("{}: EXTRACT needs a new file, but it exists", entry.path)));
    }
    let Some(from) = entry.from.as_deref().map(normalize_path) else {
        problems.push(Problem::Model(format!("{}: EXTRACT needs \"from\"", entry.path)));
        return;
    };
    let Some((from, source)) = from.ok().and_then(|f| files.get(&f).map(|s| (f, s))) else {
        problems.push(Problem::Model(format!("{}: EXTRACT \"from\" must be an existing file in scope", entry.path)));
        return;
    };
    if !source.exists {
        problems.push(Problem::MissingTarget(format!("{from} does not exist, so nothing can be extracted from it")));
    }
    if entry.symbols.is_empty() {
        problems.push(Problem::Model(format!("{}: EXTRACT needs \"symbols\"", entry.path)));
    }
    for s in &entry.symbols {
        if !source.declarations.contains(s) {
            problems.push(Problem::Model(format!("{from} declares no top-level \"{s}\"")));
        }
    }
    entry.from = Some(from);
}

/// Words that ask for code to go somewhere else: a word starting with one of these (`moved`,
/// `Renaming`, `extraction`, `splits`). Such a task may want an EXTRACT, a new file or a delete,
/// which only the planner can decide.
const RESHAPE_STEMS: [&str; 4] = ["mov", "renam", "extract", "split"];

/// Further words of a task that may move code between files. Wide on purpose: a task wrongly
/// offered EXTRACT costs its rules' tokens; one wrongly not offered it gets copies for moves.
const MOVE_STEMS: [&str; 15] = [
    "separat", "factor", "refactor", "relocat", "pull", "break", "decompos", "carv", "hoist", "lift",
    "reorgani", "restructur", "modulari", "consolidat", "merg",
];

/// The task may ask for code to move into a new file, so the planner is offered EXTRACT: a
/// move/rename/extract/split word, one of MOVE_STEMS, "own" (its own module) or "out of".
/// Otherwise the rules for EXTRACT are not sent (issue 18: they went into every plan prompt
/// with a new file).
pub(crate) fn task_may_move_code(task: &str) -> bool {
    let lower = task.to_lowercase();
    lower.contains("out of")
        || words(task).filter(|w| !is_identifier(w)).map(str::to_lowercase).any(|w| {
            w == "own" || RESHAPE_STEMS.iter().chain(MOVE_STEMS.iter()).any(|s| w.starts_with(s))
        })
}

/// Words that ask for a file to be made (`Create`, `new`, `write`, `generated`, `scaffold`).
const CREATE_STEMS: [&str; 5] = ["creat", "new", "writ", "generat", "scaffold"];

/// The plan a run has without asking the planner, when the scope and the task leave one choice
/// for every file in scope: present and too small to go by sections, MODIFY; absent, and the task
/// asks for a file to be made, CREATE. The task must not ask for a file to be deleted, have no
/// move/rename/extract/split word, and name no file other than those in scope and the read-only
/// context (`context`: the paths that joined the run as read-only files). With several files,
/// the task must also name each of them: the planner would then only restate the scope and the
/// task (its rules ask one entry per file), so it is not asked either (issue 18). The plan still goes through [`validate`]. Exports a sentence of the task
/// removes are the entry's `dropExports`, as a planner would give them.
pub(crate) fn derived_plan(files: &BTreeMap<String, KnownFile>, task: &str, context: &BTreeSet<String>) -> Option<Vec<PlanEntry>> {
    if files.is_empty() {
        return None;
    }
    if words(task).filter(|w| !is_identifier(w)).map(str::to_lowercase).any(|w| RESHAPE_STEMS.iter().any(|s| w.starts_with(s))) {
        return None;
    }
    if task_paths(task).iter().any(|p| !files.contains_key(p) && !context.contains(p)) {
        return None;
    }
    // With several files, the planner's worth is an intent per file: when the task names each
    // one, each unit's part of the task says it already (`task_for_unit`); otherwise it is asked.
    let scope: Vec<String> = files.keys().cloned().collect();
    if scope.len() > 1 && named_files(task, &scope).len() < scope.len() {
        return None;
    }
    // Words of the sentences, not of the paths in them (`new.js` asks for nothing).
    let prose: String = task.split_whitespace().filter(|t| !t.trim_end_matches(['.', ',', ';', ':', '!', '?']).contains(['.', '/'])).collect::<Vec<_>>().join(" ");
    let asks_to_make = words(&prose).map(str::to_lowercase).any(|w| CREATE_STEMS.iter().any(|s| w.starts_with(s)));
    let mut plan = Vec::new();
    for (path, file) in files {
        // A file large enough to go by sections leaves a choice: which sections the change touches.
        // (A file that does not exist cannot be deleted: "delete(key)" in a new file's brief is its API.)
        if (file.exists && task_deletes(task, path)) || !file.sections.is_empty() {
            return None;
        }
        // A missing file the task does not ask to be made is more likely a wrong path than a new
        // file ("add a route to src/servr.js"): the planner's MODIFY of it stops the run with "check the path".
        // A task that says what the file exports ("src/range.ts exports `range(min, max)`") asks
        // for it to be made, and the names are the plan's declared exports (checked, and shown to
        // the other units).
        let declared = if file.exists { Vec::new() } else { declared_exports(task, path) };
        if !file.exists && !asks_to_make && declared.is_empty() && !new_in_known_folder(path, files, context) {
            return None;
        }
        // No intent: the unit's part of the task is its brief (an intent line would only repeat it).
        let action = if file.exists { Action::Modify } else { Action::Create };
        let drop_exports = if file.exists { file.exports.iter().filter(|e| task_removes(task, e)).cloned().collect() } else { Vec::new() };
        plan.push(PlanEntry {
            path: path.clone(),
            action,
            intent: String::new(),
            from: None,
            symbols: Vec::new(),
            sections: Vec::new(),
            rewire: false,
            drop_exports,
            exports: declared,
        });
    }
    // New files first: a unit that uses one is then shown what it really exports (no planner said it).
    plan.sort_by_key(|e| e.action != Action::Create);
    Some(plan)
}

/// Whether a missing `path` reads as a new file of a folder the run knows rather than a mistyped
/// path: a file the run knows exists (in scope or read-only) is in the same folder, and none of
/// those has a name within two edits of it (`servr.js` beside `server.js`, `a.js` beside `a.ts`).
fn new_in_known_folder(path: &str, files: &BTreeMap<String, KnownFile>, context: &BTreeSet<String>) -> bool {
    fn split(p: &str) -> (&str, String) {
        p.rsplit_once('/').map_or(("", p.to_lowercase()), |(d, f)| (d, f.to_lowercase()))
    }
    let (folder, name) = split(path);
    let existing = files.iter().filter(|(_, f)| f.exists).map(|(p, _)| p).chain(context);
    let siblings: Vec<String> = existing.filter_map(|p| {
        let (d, f) = split(p);
        (d == folder).then_some(f)
    }).collect();
    !siblings.is_empty() && siblings.iter().all(|s| edits_beyond(&name, s, 2))
}

/// Whether `a` and `b` are more than `most` single-character edits apart (Levenshtein).
fn edits_beyond(a: &str, b: &str, most: usize) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > most {
        return true;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()] > most
}

/// Words between "exports" and the name it exports that are not the name.
const EXPORT_FILLERS: [&str; 8] = ["a", "an", "the", "class", "function", "const", "constant", "one"];

/// The names the task says `path` exports, where it says so right after the path: "`path`
/// exports `email: Rule`", "path, exporting exportDelimited(rows)", "path that exports a class
/// TtlCache". A name counts only where it reads as code (in backticks, followed by `(` or `:`, or
/// with an upper-case letter), so "exports two functions" declares nothing: a wrong declared
/// export would block a right file.
pub(crate) fn declared_exports(task: &str, path: &str) -> Vec<String> {
    let tokens: Vec<&str> = task.split_whitespace().collect();
    let bare = |t: &str| t.trim_matches(|c: char| "`'\"()[]{}<>,;:.!?".contains(c)).to_string();
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if normalize_path(&bare(token)).ok().as_deref() != Some(path) {
            continue;
        }
        let mut rest = tokens[i + 1..].iter().copied().peekable();
        if rest.peek().is_some_and(|w| matches!(*w, "that" | "which")) {
            rest.next();
        }
        if !rest.next().is_some_and(|w| matches!(bare(w).as_str(), "exports" | "exporting")) {
            continue;
        }
        let Some(word) = rest.find(|w| !EXPORT_FILLERS.contains(&bare(w).to_lowercase().as_str())) else { continue };
        let name: String = word.trim_start_matches(['`', '\'', '"']).chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$').collect();
        let after = word.trim_start_matches(['`', '\'', '"']).get(name.len()..).unwrap_or("");
        let code_like = word.starts_with('`') || after.starts_with(['(', ':']) || name.chars().any(|c| c.is_uppercase());
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) && code_like && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Workspace paths a task names (`The test file is bowling.spec.js.`): they join the run as
/// read-only context when they exist.
pub fn task_paths(task: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in task.split(|c: char| c.is_whitespace() || "`'\"()[]{}<>,;".contains(c)) {
        let word = word.trim_end_matches(['.', ':', '!', '?']);
        if word.contains("://") {
            continue;
        }
        let Some((stem, ext)) = word.rsplit_once('.') else { continue };
        if stem.is_empty() || !crate::lang::is_task_path_extension(ext) {
            continue;
        }
        if let Ok(path) = normalize_path(word)
            && !found.contains(&path)
        {
            found.push(path);
        }
    }
    found
}

fn list(files: &BTreeMap<String, KnownFile>) -> String {
    files.keys().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_beside_known_files_is_new_unless_its_name_is_one_of_theirs_mistyped() {
        let known = |paths: &[(&str, bool)]| -> BTreeMap<String, KnownFile> {
            paths.iter().map(|(p, exists)| (p.to_string(), KnownFile { exists: *exists, ..KnownFile::default() })).collect()
        };
        let none = BTreeSet::new();
        let files = known(&[("src/handlers/stats.js", false), ("src/handlers/index.js", true)]);
        assert!(new_in_known_folder("src/handlers/stats.js", &files, &none));
        // A read-only file counts as known too; one in another folder does not.
        let alone = known(&[("src/handlers/stats.js", false)]);
        assert!(new_in_known_folder("src/handlers/stats.js", &alone, &BTreeSet::from(["src/handlers/ping.js".to_string()])));
        assert!(!new_in_known_folder("src/handlers/stats.js", &alone, &BTreeSet::from(["src/ping.js".to_string()])));
        assert!(!new_in_known_folder("src/handlers/stats.js", &alone, &none));
        // Within two edits of a known file: likely that file, mistyped.
        assert!(!new_in_known_folder("src/servr.js", &known(&[("src/servr.js", false), ("src/server.js", true)]), &none));
        assert!(!new_in_known_folder("src/a.js", &known(&[("src/a.js", false), ("src/a.ts", true)]), &none));
        assert!(!edits_beyond("kitten", "sitting", 3) && edits_beyond("kitten", "sitting", 2));
    }

    #[test]
    fn a_task_that_says_what_a_new_file_exports_declares_it() {
        let task = "add two rules. src/validators/email.ts exports `email: Rule` (name 'email'). \
src/validators/range.ts exports `range(min, max): Rule`. Create src/cache.js exporting a class TtlCache whose constructor takes { ttlMs }. \
src/tools/delimited-export.js, exporting exportDelimited(rows, { delimiter }). src/a.js exports two functions. src/b.js that exports `b`.";
        let declared = |p: &str| declared_exports(task, p);
        assert_eq!(declared("src/validators/email.ts"), ["email"]);
        assert_eq!(declared("src/validators/range.ts"), ["range"]);
        assert_eq!(declared("src/cache.js"), ["TtlCache"]);
        assert_eq!(declared("src/tools/delimited-export.js"), ["exportDelimited"]);
        assert_eq!(declared("src/b.js"), ["b"]);
        // Not code: nothing declared. Not after the path: nothing either.
        assert!(declared("src/a.js").is_empty());
        assert!(declared_exports("Add a route to src/servr.js, which exports the app", "src/servr.js").is_empty());
        assert!(declared_exports("Use `range` from src/validators/range.ts", "src/validators/range.ts").is_empty());
    }

    #[test]
    fn each_unit_gets_the_parts_of_the_task_that_concern_it() {
        let task = "This project is an ES module package. Add a cache: create src/cache.js exporting a class TtlCache \
with get(key) and set(key, value). Use it in src/fetcher.js: createFetcher(load) serves a key from the cache. \
Also export TtlCache from src/index.js. Keep ES module syntax.";
        let scope: Vec<String> = ["src/cache.js", "src/fetcher.js", "src/index.js"].map(String::from).to_vec();
        let index = task_for_unit(task, "src/index.js", &scope, &[]);
        assert_eq!(
            index,
            "This project is an ES module package. Also export TtlCache from src/index.js. Keep ES module syntax.\n\
(The parts of the task about other files are done in their own steps.)"
        );
        // "Use it in src/fetcher.js" points back: the sentence before comes along.
        let fetcher = task_for_unit(task, "src/fetcher.js", &scope, &[]);
        assert!(fetcher.contains("class TtlCache") && fetcher.contains("createFetcher(load)") && !fetcher.contains("src/index.js"), "{fetcher}");
        // A file the unit imports counts as its own.
        let cache = task_for_unit(task, "src/cache.js", &scope, &["src/index.js".to_string()]);
        assert!(cache.contains("class TtlCache") && cache.contains("from src/index.js") && !cache.contains("createFetcher"), "{cache}");
        // Nothing left out, or a file the task does not name: the task as it is.
        assert_eq!(task_for_unit(task, "src/cache.js", &scope[..1], &[]), task);
        let more: Vec<String> = [&scope[..], &["src/log.js".to_string()]].concat();
        assert_eq!(task_for_unit(task, "src/log.js", &more, &[]), task);
        // A base name counts only where it is unique in scope (an ambiguous one names no file).
        let twins: Vec<String> = ["src/index.js", "src/handlers/index.js", "src/a.js"].map(String::from).to_vec();
        let t = "Register it in src/handlers/index.js. Export it from index.js too. Fix src/a.js.";
        assert_eq!(task_for_unit(t, "src/handlers/index.js", &twins, &[]), "Register it in src/handlers/index.js. Export it from index.js too.\n\
(The parts of the task about other files are done in their own steps.)");
        assert_eq!(task_for_unit(t, "src/index.js", &twins, &[]), t);
        // A sentence naming no file that points back goes with the sentence before.
        let t = "Add a handler in src/stats.js. For a payload it answers { count }. Bad input is a bad request. Register the handler in src/index.js.";
        let two: Vec<String> = ["src/stats.js", "src/index.js"].map(String::from).to_vec();
        assert_eq!(task_for_unit(t, "src/index.js", &two, &[]), "Bad input is a bad request. Register the handler in src/index.js.\n\
(The parts of the task about other files are done in their own steps.)");
        assert!(task_for_unit(t, "src/stats.js", &two, &[]).contains("it answers { count }"));
    }

    fn files() -> BTreeMap<String, KnownFile> {
        let mut m = BTreeMap::new();
        m.insert(
            "src/a.js".to_string(),
            KnownFile {
                exists: true,
                exports: ["f".to_string()].into(),
                declarations: ["f".to_string(), "g".to_string()].into(),
                ..KnownFile::default()
            },
        );
        m.insert("src/b.js".to_string(), KnownFile::default());
        m
    }

    #[test]
    fn parses_fenced_prose_wrapped_and_bare_plans() {
        let fenced = "Here you go:\n```json\n{\"actions\":[{\"path\":\"a.js\",\"action\":\"modify\",\"intent\":\"x\"}]}\n```";
        let p = parse_plan(fenced).unwrap();
        assert_eq!((p[0].path.as_str(), p[0].action), ("a.js", Action::Modify));
        let bare = "[{\"file\":\"b.js\",\"action\":\"CREATE\"}]";
        assert_eq!(parse_plan(bare).unwrap()[0].action, Action::Create);
    }

    #[test]
    fn rejects_nonsense() {
        assert!(parse_plan("I think we should edit the file.").unwrap_err().contains("no JSON"));
        assert!(parse_plan("{\"actions\": [").is_err());
        assert!(parse_plan("{\"actions\":[{\"path\":\"a.js\",\"action\":\"REWRITE\"}]}").unwrap_err().contains("unknown action"));
    }

    #[test]
    fn valid_plan_passes_and_paths_are_normalised() {
        let mut plan = parse_plan(
            "{\"actions\":[{\"path\":\"./src/a.js\",\"action\":\"MODIFY\"},{\"path\":\"src/b.js\",\"action\":\"CREATE\"}]}",
        )
        .unwrap();
        assert_eq!(validate(&mut plan, &files(), "t"), []);
        assert_eq!(plan[0].path, "src/a.js");
    }

    #[test]
    fn the_tools_own_files_are_never_planned_even_in_scope() {
        for path in [".red-exec.json", "sub/.red-exec.json", ".red-exec-logs/last-run", ".red-exec-skill.md"] {
            let mut files = files();
            files.insert(path.to_string(), KnownFile { exists: true, ..KnownFile::default() });
            for action in ["CREATE", "MODIFY", "DELETE"] {
                let mut plan = parse_plan(&format!("{{\"actions\":[{{\"path\":\"src/a.js\",\"action\":\"MODIFY\"}},{{\"path\":\"src/b.js\",\"action\":\"CREATE\"}},{{\"path\":\"{path}\",\"action\":\"{action}\"}}]}}")).unwrap();
                let problems = validate(&mut plan, &files, "t");
                assert!(problems.iter().any(|p| matches!(p, Problem::Model(m) if m.contains("red-exec's own file"))), "{path} {action}: {problems:?}");
            }
        }
    }

    #[test]
    fn model_problems_and_missing_targets() {
        let mut plan = parse_plan(
            "{\"actions\":[{\"path\":\"src/a.js\",\"action\":\"CREATE\"},{\"path\":\"src/b.js\",\"action\":\"MODIFY\"},{\"path\":\"../x.js\",\"action\":\"CREATE\"},{\"path\":\"other.js\",\"action\":\"CREATE\"}]}",
        )
        .unwrap();
        let problems = validate(&mut plan, &files(), "t");
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(matches!(&problems[0], Problem::Model(m) if m.contains("already exists")));
        assert!(matches!(&problems[1], Problem::MissingTarget(m) if m.starts_with("src/b.js does not exist")));
        assert!(problems[2].message().contains("'..'"));
        assert!(problems[3].message().contains("not in scope"));
    }

    #[test]
    fn unplanned_file_and_unnamed_drop() {
        let mut plan = parse_plan("{\"actions\":[{\"path\":\"src/a.js\",\"action\":\"MODIFY\",\"dropExports\":[\"f\"]}]}").unwrap();
        let problems = validate(&mut plan, &files(), "tidy up");
        assert!(problems.iter().any(|p| p.message().contains("may not be dropped")));
        assert!(problems.iter().any(|p| p.message() == "src/b.js is in scope but has no action"));
        let mut plan = parse_plan(
            "{\"actions\":[{\"path\":\"src/a.js\",\"action\":\"MODIFY\",\"dropExports\":[\"f\"]},{\"path\":\"src/b.js\",\"action\":\"CREATE\"}]}",
        )
        .unwrap();
        assert_eq!(validate(&mut plan, &files(), "remove f from the API"), []);
    }

    #[test]
    fn a_delete_must_be_asked_for_by_name_and_a_removal_word() {
        for (task, asked) in [
            ("Add a GET /health route", false),
            ("Delete src/b.js", true),
            ("Remove b.js.", true),
            ("Replace the b module with c", true),
            ("b.js is fine. Remove the comment in a.js", false),
            ("Get rid of ./src/b.js", true),
            ("Deduplicate b.js", false),
            ("Create c.js with the same content and\ndelete src/b.js when done", true),
            ("- Remove the logging\n- Tidy b.js", false),
        ] {
            assert_eq!(task_deletes(task, "src/b.js"), asked, "{task}");
        }
        let mut plan = parse_plan(
            "{\"actions\":[{\"path\":\"src/a.js\",\"action\":\"MODIFY\"},{\"path\":\"src/b.js\",\"action\":\"DELETE\"}]}",
        )
        .unwrap();
        let mut known = files();
        known.get_mut("src/b.js").unwrap().exists = true;
        let problems = validate(&mut plan, &known, "Add a GET /health route");
        assert!(matches!(&problems[..], [Problem::Model(m)] if m.starts_with("src/b.js: the task does not ask for this file to be deleted")));
        assert!(task_removes("Migrate. Remove PatchTool from the index.", "PatchTool"));
        assert!(!task_removes("Keep PatchTool. Remove the comment.", "PatchTool"));
    }

    #[test]
    fn extract_is_offered_only_to_a_task_that_may_move_code() {
        for task in [
            "Move the date helpers into src/dates.js",
            "Put parseDate in its own module",
            "Take the helpers out of utils.js",
            "Split lib/jobs.js",
            "Keep them separate",
            "Factor the parsing out into src/parse.js",
            "Refactor src/app.js: its validators go to src/validate.js",
            "Consolidate the three formatters in src/format.js",
            "Merge src/a.js and src/b.js into src/ab.js",
        ] {
            assert!(task_may_move_code(task), "{task}");
        }
        // A name from code is not a word of the task (`moveTo`), nor is adding a file a move.
        for task in ["Add a stats handler in src/stats.js and register it in src/index.js", "Implement moveTo in board.js"] {
            assert!(!task_may_move_code(task), "{task}");
        }
    }

    #[test]
    fn task_paths_are_found() {
        let task = "Make the tests pass. The test file is bowling.spec.js. Do not modify the test file. See `docs/API.md`, not https://x.io/a.js (v1.2).";
        assert_eq!(task_paths(task), ["bowling.spec.js", "docs/API.md"]);
    }

    #[test]
    fn extract_checks_source_and_symbols() {
        let mut plan = parse_plan(
            "{\"actions\":[{\"path\":\"src/b.js\",\"action\":\"EXTRACT\",\"from\":\"src/a.js\",\"symbols\":[\"g\",\"nope\"]},{\"path\":\"src/a.js\",\"action\":\"MODIFY\"}]}",
        )
        .unwrap();
        let problems = validate(&mut plan, &files(), "t");
        assert_eq!(problems, [Problem::Model("src/a.js declares no top-level \"nope\"".into())]);
    }
}
