//! Every prompt the pipeline sends, in one place.
//!
//! Each user message opens with a machine-readable line, `@@red-exec {json}`, naming the stage,
//! target path and action, so any model, a proxy or the benchmark's reference model can tell what
//! is asked without reading the prose.

use serde::Serialize;
use serde_json::json;

use crate::analysis::{Language, ModuleFormat};
use crate::fence::{fence_for, fenced};
use crate::plan::PlanShape;
use crate::protocol::{Action, ChatMessage};

impl ChatMessage {
    fn new(role: &str, content: String) -> Self {
        ChatMessage { role: role.to_string(), content }
    }
}

/// The prefix of the machine-readable line.
pub(crate) const BLOCK_PREFIX: &str = "@@red-exec ";

/// The machine-readable first line of a user message: the stage, the file and what only a reader of
/// the line needs (a section, a retry's cause). Not the action, fence language or module format: the
/// message says those in words (YOU WRITE, the closing line, MODULE FORMAT), and each key here was
/// tokens in every call (issue 18).
fn block(stage: &str, path: Option<&str>, extra: serde_json::Value) -> String {
    let mut value = json!({ "stage": stage, "path": path });
    if let (Some(obj), serde_json::Value::Object(more)) = (value.as_object_mut(), extra) {
        obj.extend(more);
        // An absent key reads as null: the nulls were tokens in every call (issue 18).
        obj.retain(|_, v| !v.is_null());
    }
    format!("{BLOCK_PREFIX}{value}")
}

/// What L1 is told about one file in scope: never its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FileBrief {
    pub(crate) path: String,
    pub(crate) exists: bool,
    pub(crate) lines: usize,
    pub(crate) bytes: usize,
    pub(crate) format: Option<ModuleFormat>,
    pub(crate) exports: Vec<String>,
    pub(crate) declarations: Vec<String>,
    /// Section outline (`#n signature`) of a file large enough to be changed section by section.
    pub(crate) outline: Option<String>,
}

/// A read-only file as one prompt sees it: whole, or cut to its outline when the budget says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadOnlyView {
    pub(crate) path: String,
    pub(crate) text: String,
    pub(crate) whole: bool,
}

fn push_skills(user: &mut String, skills: &[String]) {
    if skills.is_empty() {
        return;
    }
    user.push_str("\nPROJECT CONVENTIONS (skill files):\n");
    for skill in skills {
        user.push_str(skill.trim());
        user.push('\n');
    }
}

fn push_read_only(user: &mut String, views: &[ReadOnlyView]) {
    for v in views {
        let how = if v.whole { "" } else { " (outline only)" };
        let fence = Language::of(&v.path).fence_tag();
        user.push_str(&format!("\nREAD-ONLY FILE {}{how}:\n{}", v.path, fenced(fence, &v.text)));
    }
}

/// The planner's system text, naming only the actions the run's plan can hold (`shape`).
fn plan_system(shape: &PlanShape) -> String {
    let what = |a: Action| match a {
        Action::Create => "CREATE (a file that does not exist yet)",
        Action::Modify => "MODIFY (change an existing file)",
        Action::Extract => "EXTRACT (move named top-level declarations of an existing file into a new file)",
        Action::Delete => "DELETE (remove an existing file)",
    };
    let actions: Vec<&str> = shape.actions.iter().map(|a| what(*a)).collect();
    format!(
        "You are the planning stage of a governed code executor; you write no code. For each file in scope decide one action: {}.",
        actions.join(", ")
    )
}

/// `shape`: what this run's plan can hold (the schema it sends); the format rules name only that.
pub(crate) fn plan_messages(
    task: &str,
    files: &[FileBrief],
    read_only: &[String],
    dirs: &[ReadOnlyView],
    skills: &[String],
    problems: &[String],
    shape: &PlanShape,
) -> Vec<ChatMessage> {
    let mut user = block("L1", None, json!({}));
    user.push_str("\n\nTASK:\n");
    user.push_str(task.trim());
    user.push_str("\n\nFILES IN SCOPE:\n");
    for f in files {
        if f.exists {
            let format = match f.format {
                Some(ModuleFormat::Cjs) => ", CommonJS",
                Some(ModuleFormat::Esm) => ", ES module",
                None => "",
            };
            user.push_str(&format!("- {} (exists, {} lines{format})", f.path, f.lines));
            if !f.exports.is_empty() {
                user.push_str(&format!("; exports: {}", f.exports.join(", ")));
            }
            match &f.outline {
                Some(outline) => {
                    user.push_str("; sections:\n");
                    for line in outline.lines() {
                        user.push_str(&format!("    {line}\n"));
                    }
                }
                // What it declares besides its exports (those are listed already).
                None if f.declarations.iter().any(|d| !f.exports.contains(d)) => {
                    let others: Vec<&str> = f.declarations.iter().filter(|d| !f.exports.contains(d)).map(String::as_str).collect();
                    user.push_str(&format!("; {}declares: {}\n", if f.exports.is_empty() { "" } else { "also " }, others.join(", ")));
                }
                None if !f.exports.is_empty() || !f.declarations.is_empty() => user.push('\n'),
                None => user.push('\n'),
            }
        } else {
            user.push_str(&format!("- {} (does not exist)\n", f.path));
        }
    }
    if !read_only.is_empty() {
        user.push_str(&format!("\nREAD-ONLY CONTEXT (never plan these): {}\n", read_only.join(", ")));
    }
    // The task-named directories' files as outlines (`context::dir_views`): what is there to
    // study or import, so the intents can name it.
    if !dirs.is_empty() {
        user.push_str("\nIN THE DIRECTORIES THE TASK NAMES (read-only, never plan these; outlines):\n");
        for d in dirs {
            user.push_str(&format!("- {}:\n", d.path));
            for line in d.text.lines().filter(|l| !l.trim().is_empty()) {
                user.push_str(&format!("    {line}\n"));
            }
        }
    }
    push_skills(&mut user, skills);
    push_plan_format(&mut user, shape);
    if !problems.is_empty() {
        user.push_str("\nYOUR PREVIOUS PLAN WAS REJECTED:\n");
        for p in problems {
            user.push_str(&format!("- {p}\n"));
        }
        user.push_str("Answer again with a corrected plan.\n");
    }
    vec![ChatMessage::new("system", plan_system(shape)), ChatMessage::new("user", user)]
}

/// The answer format, cut to what the run's plan can hold (issue 18: the rules for EXTRACT,
/// sections, dropExports and DELETE went into every plan prompt, whether they could apply or not).
fn push_plan_format(user: &mut String, shape: &PlanShape) {
    let has = |a: Action| shape.actions.contains(&a);
    let names: Vec<&str> = shape.actions.iter().map(|a| a.name()).collect();
    user.push_str(&format!(
        "\nANSWER FORMAT (JSON only; one entry per file in scope, no other paths):\n\
{{\"actions\": [{{\"path\": \"<file in scope>\", \"action\": \"{}\", \"intent\": \"<what to do to this file, one sentence>\"}}]}}\n",
        names.join("|")
    ));
    if has(Action::Create) || has(Action::Modify) {
        user.push_str("CREATE/MODIFY of a script: \"exports\": [\"<every name it exports when done>\"] (checked).\n");
    }
    if has(Action::Modify) && shape.sections > 0 {
        user.push_str("MODIFY of a file listed with sections: add \"sections\": [\"#<n>\", ...], every section the change touches.\n");
    }
    if has(Action::Modify) && shape.drop_exports {
        user.push_str("MODIFY: add \"dropExports\": [\"<names>\"] only for exports the task says to remove.\n");
    }
    if has(Action::Extract) {
        user.push_str(
            "EXTRACT: add \"from\": \"<existing file>\", \"symbols\": [\"<top-level names that move>\"]; the code moves mechanically and \
\"from\" becomes a facade still exporting them (do not also MODIFY it). A file that only needs its imports pointed at the \
moved code: MODIFY with \"rewire\": true (done mechanically).\n",
        );
        if has(Action::Delete) {
            user.push_str("To move or rename a whole file: EXTRACT all its top-level names into the new file and DELETE the old one (no facade then); its importers: MODIFY with \"rewire\": true.\n");
        }
    }
    if has(Action::Delete) {
        user.push_str("DELETE only a file the task asks to delete, remove or replace by its name.\n");
    }
    // What each action applies to is in the system text (`plan_system`); one entry per file, in
    // the format's heading.
}

/// How to answer (one fenced block, the whole file) is said once, where the prompt closes: the
/// unit's last line names the file and the block's language (issue 18: 14 tokens a call).
const UNIT_SYSTEM: &str = "You write exactly one file for a governed code executor. Keep everything the instructions \
do not ask you to change.";

/// The system message of every L3 call of a run: the system text, the project's conventions and
/// the read-only context, in that order and in identical bytes for each call of the run (issue 18,
/// a stable prefix: providers' prompt caches and a local server's KV cache reuse it). What differs
/// per unit (the target, its brief, its current content) is in the user message after it; so the
/// read-only files are also never next to the target, where a small model could take them for it.
fn unit_system(skills: &[String], read_only: &[ReadOnlyView]) -> String {
    let mut system = UNIT_SYSTEM.to_string();
    system.push('\n');
    push_skills(&mut system, skills);
    if !read_only.is_empty() {
        system.push_str("\nREAD-ONLY CONTEXT (reference only: never return, copy or change these files):");
        push_read_only(&mut system, read_only);
    }
    system
}

/// Everything one L3 call may see.
#[derive(Debug, Clone)]
pub(crate) struct UnitPrompt<'a> {
    pub(crate) task: &'a str,
    pub(crate) path: &'a str,
    pub(crate) action: Action,
    pub(crate) intent: &'a str,
    pub(crate) language: Language,
    pub(crate) module_format: Option<ModuleFormat>,
    pub(crate) current: Option<&'a str>,
    pub(crate) keep_exports: &'a [String],
    /// What the plan says this file must export when done.
    pub(crate) planned_exports: &'a [String],
    /// Other files' exports, so imports can be written right without their bodies.
    pub(crate) neighbours: &'a [(String, Vec<String>)],
    /// How many other files in scope were left out of `neighbours` (a run of many files).
    pub(crate) neighbours_left_out: usize,
    /// Set when the unit is one section of the file: `current` is then that section only.
    pub(crate) section: Option<SectionPrompt<'a>>,
    /// Read-only files as the run's stable prefix shows them (whole, or outlined).
    pub(crate) read_only: &'a [ReadOnlyView],
    /// The sections of outlined read-only files this unit references (`context::cut`).
    pub(crate) read_only_parts: &'a [ReadOnlyView],
    pub(crate) skills: &'a [String],
    pub(crate) previous_error: Option<&'a str>,
    /// Set on the retry after the user's check (`options.verify`) failed: [`verify_failure`]'s text.
    pub(crate) verify_failure: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub(crate) struct SectionPrompt<'a> {
    pub(crate) index: usize,
    /// The last section the unit covers: `index` itself, or a later one when a large file is
    /// cut into runs of sections.
    pub(crate) last: usize,
    pub(crate) label: &'a str,
    /// The rest of the file as signatures.
    pub(crate) outline: &'a str,
}

impl SectionPrompt<'_> {
    /// `section #3`, or `sections #3 to #9`.
    fn name(&self) -> String {
        if self.last > self.index {
            format!("sections #{} to #{}", self.index, self.last)
        } else {
            format!("section #{}", self.index)
        }
    }
}

pub(crate) fn unit_messages(u: &UnitPrompt<'_>) -> Vec<ChatMessage> {
    let fence = u.language.fence_tag();
    let section = u.section.as_ref().map(|s| {
        let mut v = json!({ "index": s.index, "label": s.label });
        if s.last > s.index {
            v["last"] = json!(s.last);
        }
        v
    });
    let mut extra = json!({ "section": section });
    if u.verify_failure.is_some() {
        extra["retry"] = json!("verify");
    }
    let mut user = block("L3", Some(u.path), extra);
    // The target and what to produce lead the message (and close it, below).
    let what = match u.action {
        Action::Create => "CREATE this new file",
        _ => "MODIFY this existing file",
    };
    user.push_str(&format!("\n\nYOU WRITE: {} ({what}).\n", u.path));
    // An intent that is a sentence of the task already below would only say it twice.
    let squash = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    if !u.intent.trim().is_empty() && !squash(u.task).contains(&squash(u.intent.trim().trim_end_matches('.'))) {
        user.push_str(&format!("WHAT TO DO IN THIS FILE: {}\n", u.intent.trim()));
    }
    user.push_str(&format!("\nTASK:\n{}\n\n", u.task.trim()));
    if let Some(f) = u.module_format {
        let forbidden = match f {
            ModuleFormat::Cjs => "never import or export statements",
            ModuleFormat::Esm => "never require() or module.exports",
        };
        user.push_str(&format!("MODULE FORMAT: {}; {forbidden}.\n", f.describe()));
    }
    if !u.keep_exports.is_empty() {
        user.push_str(&format!("KEEP THESE EXPORTS: {}\n", u.keep_exports.join(", ")));
    }
    let planned: Vec<&str> =
        u.planned_exports.iter().filter(|e| !u.keep_exports.contains(e)).map(String::as_str).collect();
    if !planned.is_empty() {
        user.push_str(&format!("EXPORT THESE: {}\n", planned.join(", ")));
    }
    // A read-only file in the context shows its exports there already (whole, or its outline of
    // signatures): listing it again would only repeat it.
    let neighbours: Vec<&(String, Vec<String>)> =
        u.neighbours.iter().filter(|(p, _)| !u.read_only.iter().any(|v| &v.path == p)).collect();
    if !neighbours.is_empty() {
        user.push_str("OTHER FILES IN SCOPE (exports and their signatures only):\n");
        for (path, exports) in neighbours {
            if exports.is_empty() {
                user.push_str(&format!("- {path}: no exports\n"));
                continue;
            }
            user.push_str(&format!("- {path}:\n"));
            for export in exports {
                user.push_str(&format!("    {export}\n"));
            }
        }
        if u.neighbours_left_out > 0 {
            user.push_str(&format!("- (and {} other files in scope, not listed)\n", u.neighbours_left_out));
        }
    }
    for part in u.read_only_parts {
        let fence = Language::of(part.path.split(' ').next().unwrap_or(&part.path)).fence_tag();
        user.push_str(&format!("\nREAD-ONLY, THE PARTS THIS FILE USES: {} (reference only, not your answer):\n{}", part.path, fenced(fence, &part.text)));
    }
    if let Some(s) = &u.section {
        user.push_str(&format!("\nTHE REST OF {} (unchanged, shown as signatures):\n{}", u.path, s.outline));
    }
    if let Some(current) = u.current {
        let what = match &u.section {
            Some(s) => format!("{} ({}) OF {}", s.name().to_uppercase(), s.label, u.path),
            None => format!("CURRENT CONTENT OF {}", u.path),
        };
        user.push_str(&format!("\n{what}:\n{}", fenced(fence, current)));
    }
    if let Some(failure) = u.verify_failure {
        user.push('\n');
        user.push_str(failure);
    }
    if let Some(err) = u.previous_error {
        user.push_str(&format!("\nA PREVIOUS ANSWER WAS REJECTED: {err}\nAvoid that mistake.\n"));
    }
    // Code that holds ``` itself needs a longer fence in the answer too.
    let answer_fence = fence_for(u.current.unwrap_or(""));
    match &u.section {
        Some(s) => user.push_str(&format!(
            "\nAnswer with the new text of {} only, in one {answer_fence}{fence} block: it replaces {} exactly \
(comments included); add new top-level code there if the task needs it. Do not repeat the rest of the file.\n",
            s.name(),
            if s.last > s.index { "them" } else { "that section" }
        )),
        None => user.push_str(&format!(
            "\nAnswer with the complete new content of {} in one {answer_fence}{fence} block{}.\n",
            u.path,
            if u.read_only.is_empty() { "" } else { " (not a read-only file)" }
        )),
    }
    vec![ChatMessage::new("system", unit_system(u.skills, u.read_only)), ChatMessage::new("user", user)]
}

/// What a unit's retry is told after the project's check failed on the written files: the
/// command, how it ended, the first error in its output with its location (`failure::first_error`)
/// when one was found, and the end of the output. The files were restored first, so the retry
/// starts from the original content.
pub(crate) fn verify_failure(command: &str, how_it_ended: &str, first_error: Option<&str>, output_tail: &str) -> String {
    let tail = output_tail.trim_end();
    let first = first_error.map_or(String::new(), |e| format!("The first error it reported:\n{}", fenced("text", e.trim_end())));
    let end = if first_error.is_some() { "The end of its output" } else { "The end of the check's output" };
    format!(
        "THE PROJECT'S CHECK FAILED ON THE LAST ATTEMPT: after it was written, `{command}` ended with {how_it_ended}. \
The files were restored; this is a fresh attempt. {first}{end}:\n{}\
Change the code so that the check passes, and still do everything the task asks.\n",
        fenced("text", tail)
    )
}

/// Read the machine-readable line back out of a prompt (used by tests and by replay checks).
pub fn read_block(messages: &[ChatMessage]) -> Option<serde_json::Value> {
    messages.iter().filter(|m| m.role == "user").find_map(|m| {
        m.content.lines().find_map(|l| l.strip_prefix(BLOCK_PREFIX)).and_then(|j| serde_json::from_str(j).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prompt_carries_its_block() {
        let plan = plan_messages("do it", &[], &[], &[], &[], &[], &PlanShape::any(&[]));
        let b = read_block(&plan).unwrap();
        assert_eq!(b["stage"], "L1");
        assert!(b["path"].is_null());
        // What is not set is left out, not sent as null in every call.
        assert!(plan[1].content.starts_with("@@red-exec {\"stage\":\"L1\"}\n"), "{}", plan[1].content);

        let unit = unit_messages(&UnitPrompt {
            task: "t",
            path: "src/a.js",
            action: Action::Modify,
            intent: "i",
            language: Language::JavaScript,
            module_format: Some(ModuleFormat::Cjs),
            current: Some("x"),
            keep_exports: &["f".to_string()],
            planned_exports: &["f".to_string(), "g".to_string()],
            neighbours: &[],
            neighbours_left_out: 0,
            section: None,
            read_only: &[],
            read_only_parts: &[],
            skills: &[],
            previous_error: Some("bad"),
            verify_failure: None,
        });
        let b = read_block(&unit).unwrap();
        assert_eq!(b, json!({ "stage": "L3", "path": "src/a.js" }), "the action, fence and format are said in words, once");
        let text = &unit[1].content;
        assert!(text.contains("KEEP THESE EXPORTS: f\nEXPORT THESE: g\n"), "{text}");
        assert!(text.contains("```js\nx\n```"));
        assert!(text.contains("REJECTED: bad"));
    }

    #[test]
    fn content_holding_a_fence_gets_a_longer_one() {
        let doc = "/**\n * Example:\n * ```js\n * add(1, 2) // 3\n * ```\n */\nfunction add(a, b) {\n  return a + b;\n}\n";
        let read_only = [ReadOnlyView { path: "README.md".into(), text: "Use it:\n```\nnpm i\n```\n".into(), whole: true }];
        let unit = unit_messages(&UnitPrompt {
            task: "t",
            path: "src/add.js",
            action: Action::Modify,
            intent: "",
            language: Language::JavaScript,
            module_format: None,
            current: Some(doc),
            keep_exports: &[],
            planned_exports: &[],
            neighbours: &[],
            neighbours_left_out: 0,
            section: None,
            read_only: &read_only,
            read_only_parts: &[],
            skills: &[],
            previous_error: None,
            verify_failure: Some(&verify_failure("npm test", "exit code 1", None, "Expected:\n```\n3\n```")),
        });
        let text = &unit[1].content;
        // Each fenced piece of the prompt reads back whole, as the model's Markdown reader sees it.
        let bodies: Vec<String> = unit.iter().flat_map(|m| crate::fence::blocks(&m.content)).map(|b| b.body).collect();
        assert_eq!(bodies, ["Use it:\n```\nnpm i\n```\n", doc, "Expected:\n```\n3\n```\n"], "{text}");
        assert!(text.contains("in one ````js block"), "{text}");
    }

    #[test]
    fn unit_prompts_share_a_stable_prefix_and_name_the_target_first_and_last() {
        let read_only = [
            ReadOnlyView { path: "say.spec.js".into(), text: "test('says hi', () => {});\n".into(), whole: true },
            ReadOnlyView { path: "words.js".into(), text: "module.exports = { hi: 'hi' };\n".into(), whole: true },
        ];
        let skills = ["Use two spaces.".to_string()];
        let neighbours = [
            ("say.spec.js".to_string(), Vec::new()),
            ("b.js".to_string(), vec!["g".to_string()]),
            ("words.js".to_string(), vec!["hi".to_string()]),
        ];
        let prompt = |path: &'static str, action: Action, error: Option<&'static str>| {
            unit_messages(&UnitPrompt {
                task: "Implement say.js and b.js.",
                path,
                action,
                intent: "do it",
                language: Language::JavaScript,
                module_format: Some(ModuleFormat::Cjs),
                current: if action == Action::Create { None } else { Some("module.exports = {};\n") },
                keep_exports: &[],
                planned_exports: &[],
                neighbours: &neighbours,
                neighbours_left_out: 0,
                section: None,
                read_only: &read_only,
                read_only_parts: &[],
                skills: &skills,
                previous_error: error,
                verify_failure: None,
            })
        };
        let (a, b, retry) = (prompt("say.js", Action::Modify, None), prompt("c.js", Action::Create, None), prompt("say.js", Action::Modify, Some("bad")));
        // What is the same across the run's calls comes first, in identical bytes.
        assert_eq!(a[0], b[0]);
        assert_eq!(a[0], retry[0]);
        let system = &a[0].content;
        assert!(system.starts_with(UNIT_SYSTEM), "{system}");
        let (conventions, context) = (system.find("Use two spaces.").unwrap(), system.find("READ-ONLY FILE say.spec.js:").unwrap());
        assert!(conventions < context && system.contains("never return, copy or change these files"), "{system}");
        // The target leads and closes the unit's message; the read-only file is not beside it.
        let user = &a[1].content;
        let second_line = user.lines().nth(2).unwrap();
        assert_eq!(second_line, "YOU WRITE: say.js (MODIFY this existing file).");
        assert!(b[1].content.contains("YOU WRITE: c.js (CREATE this new file)."));
        assert!(user.trim_end().ends_with("Answer with the complete new content of say.js in one ```js block (not a read-only file)."), "{user}");
        assert!(!user.contains("says hi") && !user.contains("say.spec.js: no exports") && user.contains("- b.js:\n    g\n"), "{user}");
        // A read-only file shown whole shows its exports there: the neighbour list does not repeat them.
        assert!(!user.contains("words.js") && system.contains("READ-ONLY FILE words.js:"), "{user}");
    }

    #[test]
    fn plan_prompt_lists_files_without_bodies() {
        let files = [FileBrief {
            path: "a.js".into(),
            exists: true,
            lines: 3,
            bytes: 20,
            format: Some(ModuleFormat::Cjs),
            exports: vec!["f".into()],
            declarations: vec!["f".into(), "helper".into()],
            outline: None,
        }];
        let m = plan_messages("t", &files, &[], &[], &[], &["a.js is missing".into()], &PlanShape::any(&[]));
        // Declarations are listed besides the exports, not again.
        assert!(m[1].content.contains("- a.js (exists, 3 lines, CommonJS); exports: f; also declares: helper\n"), "{}", m[1].content);
        assert!(m[1].content.contains("PREVIOUS PLAN WAS REJECTED:\n- a.js is missing"));
    }

    #[test]
    fn the_plan_format_names_only_what_the_runs_plan_can_hold() {
        let scope = vec!["a.js".to_string(), "b.js".to_string()];
        let modify_only = PlanShape { scope: scope.clone(), existing: scope.clone(), actions: vec![Action::Modify], sections: 0, drop_exports: false };
        let text = |shape: &PlanShape| plan_messages("change a.js and b.js", &[], &[], &[], &[], &[], shape)[1].content.clone();
        let small = text(&modify_only);
        let system = plan_messages("change a.js and b.js", &[], &[], &[], &[], &[], &modify_only)[0].content.clone();
        assert!(system.contains("MODIFY (change an existing file)") && !system.contains("EXTRACT") && !system.contains("DELETE"), "{system}");
        assert!(small.contains("\"action\": \"MODIFY\""), "{small}");
        for absent in ["EXTRACT", "DELETE", "CREATE|", "\"sections\"", "dropExports", "rewire"] {
            assert!(!small.contains(absent), "{absent}: {small}");
        }
        assert!(small.contains("\"exports\": [") && small.contains("ANSWER FORMAT (JSON only; one entry per file in scope, no other paths):"), "{small}");
        let all = text(&PlanShape::any(&scope));
        for present in ["CREATE|MODIFY|EXTRACT|DELETE", "\"sections\"", "dropExports", "rewire", "DELETE only a file"] {
            assert!(all.contains(present), "{present}: {all}");
        }
        assert!(estimate_tokens_of(&small) + 100 < estimate_tokens_of(&all), "the compact format is shorter");
    }

    fn estimate_tokens_of(text: &str) -> usize {
        text.len() / 4
    }
}
