//! Robustness of the gate, the sectioner and the answer parsers, as property tests (issue 7).
//!
//! Inputs: JS/TS-ish text from a token grammar, generated files of well-formed top-level items,
//! the repository's real fixtures cut, spliced and re-spaced at random, and model answers mutated
//! the ways models get them wrong. Properties: nothing panics; sections tile the file and splicing
//! a section back in unchanged is the identity; every gate verdict is a pass or names a known rule,
//! and the rules it names are the ones the analysis implies; plans parse or are refused with a
//! reason; a whole `Session` fed random answers, check results (`--verify`), interrupts and failing
//! writes always ends in `Done` with a consistent result, and a run that is taken back (failed
//! check, Ctrl-C, failed write) leaves the workspace byte for byte as it was.
//!
//! Each property runs PROPTEST_CASES cases (default 256) and prints how many it ran (see them with
//! `cargo test --test robustness -- --nocapture`). PROPTEST_RNG_SEED replays a run; a failure
//! prints the shrunk input.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use proptest::test_runner::{Config, TestCaseResult, TestRunner};

use red_exec_core::analysis::{Language, ModuleFormat, analyze, analyze_checked};
use red_exec_core::decompose::{self, KnownFile};
use red_exec_core::gate::{self, Proposal, Scope};
use red_exec_core::generate::extract_code;
use red_exec_core::pipeline::Session;
use red_exec_core::protocol::{
    Action, Decision, EventBody, Expected, FileState, FormatChoice, GateMode, Outcome, Reply, Request, RunInput, RunOptions,
    Status, TokenUsage,
};
use red_exec_core::lang::GLOBALS;
use red_exec_core::section;

// ---------------------------------------------------------------------------------------------
// Running a property

/// What a property's cases ran into (how many answers were accepted, which rules fired...), printed
/// with its case count so a property that only ever sees one kind of input shows.
#[derive(Default)]
struct Tally(Mutex<BTreeMap<String, usize>>);

impl Tally {
    fn add(&self, key: impl Into<String>) {
        *self.0.lock().unwrap().entry(key.into()).or_default() += 1;
    }

    fn summary(&self) -> String {
        self.0.lock().unwrap().iter().map(|(k, n)| format!("{k}={n}")).collect::<Vec<_>>().join(" ")
    }
}

/// Runs one property with proptest's configuration (PROPTEST_CASES and friends apply) and prints
/// the number of cases, which the issue's closing note records.
fn check_property<S>(name: &str, strategy: S, tally: &Tally, test: impl Fn(S::Value) -> TestCaseResult)
where
    S: Strategy,
    S::Value: Debug,
{
    // Regressions become plain unit tests next to the fixed code, not a proptest-regressions file.
    let config = Config { failure_persistence: None, ..Config::default() };
    let cases = config.cases;
    let ran = AtomicUsize::new(0);
    let started = Instant::now();
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&strategy, |value| {
        ran.fetch_add(1, Ordering::Relaxed);
        test(value)
    });
    match outcome {
        Ok(()) => eprintln!(
            "proptest {name}: {cases} cases passed ({} generated) in {:.1}s; {}",
            ran.load(Ordering::Relaxed),
            started.elapsed().as_secs_f64(),
            tally.summary()
        ),
        Err(e) => panic!("proptest {name}: {e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Real source files

struct Fixture {
    /// Repository-relative, for messages.
    name: String,
    text: String,
}

impl Fixture {
    fn ext(&self) -> &str {
        self.name.rsplit_once('.').map_or("js", |(_, e)| e)
    }
}

const SCRIPT_EXTENSIONS: [&str; 6] = ["js", "mjs", "cjs", "ts", "tsx", "jsx"];

fn collect_fixtures(root: &Path, dir: &Path, out: &mut Vec<Fixture>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_fixtures(root, &path, out);
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !SCRIPT_EXTENSIONS.contains(&ext) && ext != "json" {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else { continue };
        // Latin-1 and binary fixtures arrive as the host would see them after lossy decoding.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        out.push(Fixture { name, text });
    }
}

/// Every script and JSON fixture of the repository: crates/core/tests/fixtures and tests/fixtures.
fn fixtures() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        let core = Path::new(env!("CARGO_MANIFEST_DIR"));
        let repo = core.join("../..").canonicalize().expect("the repository root");
        let mut all = Vec::new();
        collect_fixtures(&repo, &core.join("tests/fixtures"), &mut all);
        collect_fixtures(&repo, &repo.join("tests/fixtures"), &mut all);
        all.sort_by(|a, b| a.name.cmp(&b.name));
        assert!(all.len() >= 20, "expected the repository's fixtures, found {}", all.len());
        all
    })
}

/// Fixtures a model answer can be built from: scripts that parse.
fn answer_fixtures() -> &'static [&'static Fixture] {
    static VALID: OnceLock<Vec<&'static Fixture>> = OnceLock::new();
    VALID.get_or_init(|| {
        fixtures()
            .iter()
            .filter(|f| SCRIPT_EXTENSIONS.contains(&f.ext()) && analyze(&f.name, &f.text).is_valid())
            .collect()
    })
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One random change to a text. Positions are `Index`es so they shrink and fit any length.
#[derive(Debug, Clone)]
enum Edit {
    Truncate(Index),
    Delete(Index, usize),
    Duplicate(Index, usize),
    Insert(Index, String),
    Crlf,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => any::<Index>().prop_map(Edit::Truncate),
        3 => (any::<Index>(), 1usize..200).prop_map(|(i, n)| Edit::Delete(i, n)),
        2 => (any::<Index>(), 1usize..200).prop_map(|(i, n)| Edit::Duplicate(i, n)),
        3 => (any::<Index>(), token()).prop_map(|(i, t)| Edit::Insert(i, t)),
        1 => Just(Edit::Crlf),
    ]
}

fn span(text: &str, at: &Index, len: usize) -> (usize, usize) {
    let a = floor_boundary(text, at.index(text.len() + 1));
    (a, floor_boundary(text, a.saturating_add(len)))
}

fn apply(text: &str, edit: &Edit) -> String {
    match edit {
        Edit::Truncate(at) => text[..floor_boundary(text, at.index(text.len() + 1))].to_string(),
        Edit::Delete(at, len) => {
            let (a, b) = span(text, at, *len);
            format!("{}{}", &text[..a], &text[b..])
        }
        Edit::Duplicate(at, len) => {
            let (a, b) = span(text, at, *len);
            format!("{}{}{}", &text[..b], &text[a..b], &text[b..])
        }
        Edit::Insert(at, token) => {
            let a = floor_boundary(text, at.index(text.len() + 1));
            format!("{}{token}{}", &text[..a], &text[a..])
        }
        Edit::Crlf => text.replace("\r\n", "\n").replace('\n', "\r\n"),
    }
}

// ---------------------------------------------------------------------------------------------
// JS/TS-ish text from a token grammar

const KEYWORDS: &[&str] = &[
    "function", "class", "const", "let", "var", "return", "if", "else", "for", "while", "do", "switch", "case",
    "break", "async", "await", "yield", "import", "export", "default", "from", "new", "this", "typeof", "extends",
    "static", "get", "set", "of", "in", "null", "true", "try", "catch", "finally", "throw", "interface", "type",
    "enum", "as", "satisfies", "declare", "namespace", "readonly", "private", "module", "exports", "require",
];

const PUNCT: &[&str] = &[
    "{", "}", "{", "}", "(", ")", "(", ")", "[", "]", ";", ",", ".", "...", "=>", "=", "===", "!=", "+", "-", "*",
    "/", "%", "**", "!", "?", ":", "?.", "??", "&&", "||", "<", ">", "</", "/>", "++", "@", "#", "\\",
];

const UNICODE: &[&str] = &[
    "😀", "é", "\u{200B}", "\u{FEFF}", "\u{2028}", "\u{A0}", "ẞ", "变量", "\u{10FFFF}", "\r", "\u{0}", "e\u{301}",
    "\u{202E}",
];

const MODULE_FORMS: &[&str] = &[
    "import fs from 'fs';",
    "import { a, b as c } from './a.js';",
    "import * as ns from \"./ns.mjs\";",
    "import './side-effect.js';",
    "export const answer = 42;",
    "export function f(x) { return x; }",
    "export default class K {}",
    "export default function () {}",
    "export { a, c as d };",
    "export * from './s.js';",
    "export * as all from './all.js';",
    "module.exports = { f, g: 1 };",
    "module.exports = require('./impl');",
    "module.exports = function main() {};",
    "exports.helper = helper;",
    "module.exports.x = x;",
    "const { a, b } = require('./ab');",
    "const path = require('path');",
    "a = module.exports = { z };",
    "export = Foo;",
    "import type { T } from './t';",
    "export type { T };",
    "'use strict';",
    "#!/usr/bin/env node\n",
];

const CLASSES: &[&str] = &[
    "class A { constructor() { this.n = 0; } m() { return 1; } static s = 2; #p = 3; get g() { return this.#p; } }",
    "class B extends A {\n  // note\n  [Symbol.iterator]() {}\n  static { init(); }\n}",
    "export class C {\n  private x: number = 1;\n  constructor(public y: string) {}\n  [key: string]: unknown;\n}",
    "class D { m() {} /* a\n\n b */ n() {} }",
];

const TS_JSX: &[&str] = &[
    ": number", "<T,>", "as const", "satisfies X", "<div className=\"a\">{x}</div>", "<>", "</>", "enum E { A, B }",
    "interface I { a: string }", "type U = A | B;", "declare module 'm' {}", "@decorator", "abstract class Z {}", "x!",
];

const COMMENTS: &[&str] = &[
    "// a note\n", "/* block */", "/* a\n\n b */", "/** @param {number} x */\n", "/* open", "*/", "// é 😀\n",
    "// SECTION 2: RUN\n", "// ==== Helpers ====\n", "// --- routes ---\n", "// #region r\n", "// #endregion\n",
    "// ----------\n", "// SECTION\n", "<!-- html -->",
];

fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z_$][a-zA-Z0-9_$]{0,6}",
        1 => select(&["café", "π", "变量", "\\u0061bc", "_ñ", "$", "_"][..]).prop_map(String::from),
    ]
}

fn string_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        r#"'([a-z ]|\\[nrt'"\\]|\\u\{1F600\}|é|😀|")*'"#,
        r#""([a-z ]|\\[nrt'"\\]|\\x41|')*""#,
        r"`([a-z ]|\$\{[a-z]{1,3}\}|\\`|\n|\$)*`",
        // Unterminated.
        r#"['"`][a-z \\]{0,5}"#,
        Just("`a${`b${c}`}d`".to_string()),
    ]
}

fn token() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(KEYWORDS).prop_map(String::from),
        4 => ident(),
        5 => select(PUNCT).prop_map(String::from),
        1 => select(&["0", "42", "1.5e3", "0x1F", "0b101", "1_000", "10n", ".5", "08", "1e"][..]).prop_map(String::from),
        2 => string_literal(),
        1 => select(&["/ab+c/gi", "/[/]/", r"/\//", r"/(?<y>\d{4})/u", "/[/", "/*/"][..]).prop_map(String::from),
        2 => select(COMMENTS).prop_map(String::from),
        1 => (1u8..9, "[A-Z ]{0,8}").prop_map(|(n, t)| format!("// SECTION {n}: {t}\n")),
        2 => select(MODULE_FORMS).prop_map(String::from),
        1 => select(CLASSES).prop_map(String::from),
        1 => select(UNICODE).prop_map(String::from),
        1 => select(TS_JSX).prop_map(String::from),
    ]
    .boxed()
}

fn separator() -> impl Strategy<Value = &'static str> {
    select(&[" ", " ", "", "\n", "\n", "\r\n", "\t", "\n\n", "\u{A0}"][..])
}

/// Token soup: mostly invalid, full of half-open strings, comments and regexes.
fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec((token(), separator()), 0..60)
        .prop_map(|parts| parts.into_iter().map(|(t, s)| format!("{t}{s}")).collect())
}

/// A whole top-level item, well formed, so files made of them are mostly valid and well sectioned.
fn item() -> impl Strategy<Value = String> {
    let name = "[a-z][a-zA-Z0-9]{0,5}";
    prop_oneof![
        3 => name.prop_map(|n| format!("function {n}(a, b) {{\n  return a + b;\n}}")),
        2 => name.prop_map(|n| format!("const {n} = (x) => x * 2;")),
        1 => name.prop_map(|n| format!("let {n} = `line\n${{1 + 1}}\n`;")),
        2 => (name, 0usize..24, prop::collection::vec(select(&["", "  // m\n", "  /* c\n\n  d */\n", "\n"][..]), 24))
            .prop_map(|(n, k, leads)| {
                let members: String = (0..k).map(|i| format!("{}  m{i}(x) {{\n    return x + {i};\n  }}\n", leads[i])).collect();
                format!("class {n} {{\n  constructor() {{\n    this.n = 0;\n  }}\n{members}}}")
            }),
        1 => (name, 0usize..20).prop_map(|(n, k)| {
            let members: String = (0..k).map(|i| format!("  m{i}() {{}} /* a\n\n  b */\n")).collect();
            format!("class {n} {{\n{members}}}")
        }),
        2 => name.prop_map(|n| format!("export function {n}() {{}}")),
        1 => name.prop_map(|n| format!("export const {n} = 1;")),
        1 => name.prop_map(|n| format!("export default function {n}() {{}}")),
        2 => name.prop_map(|n| format!("module.exports = {{ {n} }};")),
        1 => name.prop_map(|n| format!("exports.{n} = {n};")),
        1 => name.prop_map(|n| format!("const {n} = require('./{n}');")),
        1 => name.prop_map(|n| format!("import {{ {n} }} from './{n}.js';")),
        1 => Just("'use strict';".to_string()),
        1 => Just(";".to_string()),
        1 => Just("if (a) {\n  b();\n}".to_string()),
    ]
}

fn items_file() -> impl Strategy<Value = String> {
    let lead = select(&["", "\n", "// note\n", "/* a\n\n b */\n", "// SECTION 1: X\n", "/** doc */\n", "\n\n", "// ==== Y ====\n\n"][..]);
    let trail = select(&["", "", " // trailing", " /* t */", " /* open\n\n close */", " /* x */ /* y\n\n z */"][..]);
    (prop::collection::vec((lead, item(), trail), 0..30), any::<bool>()).prop_map(|(parts, crlf)| {
        let text: String = parts.into_iter().map(|(l, i, t)| format!("{l}{i}{t}\n")).collect();
        if crlf { text.replace('\n', "\r\n") } else { text }
    })
}

/// A source text and the language it is parsed as.
#[derive(Debug, Clone)]
enum Input {
    Soup { ext: &'static str, text: String },
    Items { ext: &'static str, text: String },
    Fixture { index: Index, edits: Vec<Edit> },
}

impl Input {
    /// (path, text, where it came from)
    fn materialize(&self) -> (String, String, String) {
        match self {
            Input::Soup { ext, text } => (format!("soup.{ext}"), text.clone(), "token soup".into()),
            Input::Items { ext, text } => (format!("items.{ext}"), text.clone(), "generated items".into()),
            Input::Fixture { index, edits } => {
                let f = index.get(fixtures());
                let text = edits.iter().fold(f.text.clone(), |t, e| apply(&t, e));
                (format!("fixture.{}", f.ext()), text, f.name.clone())
            }
        }
    }
}

fn script_ext() -> impl Strategy<Value = &'static str> {
    select(&SCRIPT_EXTENSIONS[..])
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        3 => (script_ext(), soup()).prop_map(|(ext, text)| Input::Soup { ext, text }),
        3 => (script_ext(), items_file()).prop_map(|(ext, text)| Input::Items { ext, text }),
        4 => (any::<Index>(), prop::collection::vec(edit(), 0..4)).prop_map(|(index, edits)| Input::Fixture { index, edits }),
    ]
}

// ---------------------------------------------------------------------------------------------
// Property: the sectioner

/// Sections are in bounds, on char boundaries, in order and not overlapping (members inside their
/// class); each resolves by number; splicing any of them back unchanged gives the same bytes; and
/// in a file that parses, everything outside the top-level sections is blank or comments.
fn check_sections(path: &str, text: &str, tally: &Tally) -> TestCaseResult {
    let analysis = analyze(path, text);
    tally.add(if analysis.is_valid() { "parses" } else { "does_not_parse" });
    for e in &analysis.syntax_errors {
        prop_assert!(e.line >= 1 && e.column >= 1 && e.line <= text.matches('\n').count() + 1, "{e:?}");
    }
    let sections = section::sections(text, &analysis);
    tally.add(match sections.len() {
        0 => "sections_0",
        1..=9 => "sections_1-9",
        _ => "sections_10+",
    });
    if sections.iter().any(|s| s.parent.is_some()) {
        tally.add("class_members");
    }
    let mut top_end = 0usize;
    let mut member_end = 0usize;
    for (i, s) in sections.iter().enumerate() {
        let (start, end) = (s.start as usize, s.end as usize);
        prop_assert_eq!(s.index, i + 1);
        prop_assert!(start <= end && end <= text.len(), "section {s:?} out of bounds ({} bytes)", text.len());
        prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "section {s:?} splits a char");
        match s.parent {
            None => {
                prop_assert!(start >= top_end, "section {s:?} overlaps the one before (ends at {top_end})");
                top_end = end;
                member_end = start;
            }
            Some(p) => {
                let parent = &sections[p - 1];
                prop_assert!(parent.parent.is_none() && p < s.index);
                prop_assert!(parent.start as usize <= start && end <= parent.end as usize, "member {s:?} outside {parent:?}");
                prop_assert!(start >= member_end, "member {s:?} overlaps the one before");
                member_end = end;
            }
        }
        let _ = section::signature(text, s);
        prop_assert_eq!(section::resolve(&sections, &[format!("#{}", s.index)]), Ok(vec![s.index]));
        let same = section::splice(text, &[(s.start, s.end, text[start..end].to_string())]);
        prop_assert!(same == text, "splicing section {s:?} back unchanged altered the file:\n{same:?}");
    }
    let all: Vec<(u32, u32, String)> = sections
        .iter()
        .filter(|s| s.parent.is_none())
        .map(|s| (s.start, s.end, text[s.start as usize..s.end as usize].to_string()))
        .collect();
    prop_assert!(section::splice(text, &all) == text, "splicing every section back unchanged altered the file");
    let _ = section::outline(text, &sections, &[]);
    let _ = section::outline(text, &sections, &[1, sections.len()]);
    let _ = section::declared_names(&analysis);
    // Ordered and disjoint, the sections and the gaps between them are the file; in a file that
    // parses, the gaps hold nothing but blanks, comments, directives and a `#!` line.
    if analysis.is_valid() && Language::of(path).is_script() {
        let mut gaps = Vec::new();
        let mut at = 0usize;
        for (start, end, _) in &all {
            gaps.push(&text[at..*start as usize]);
            at = *end as usize;
        }
        gaps.push(&text[at..]);
        let outside = gaps.join("\n");
        let rest = analyze(path, &outside);
        prop_assert!(
            rest.is_valid() && rest.items.is_empty(),
            "text outside the sections is not just blanks and comments: {outside:?} ({:?})",
            rest.syntax_errors
        );
    }
    Ok(())
}

#[test]
fn sectioner_tiles_files_and_splice_back_is_the_identity() {
    let tally = Tally::default();
    check_property("sectioner", input(), &tally, |input| {
        let (path, text, source) = input.materialize();
        check_sections(&path, &text, &tally).map_err(|e| TestCaseError::fail(format!("{source}: {e}")))
    });
}

// ---------------------------------------------------------------------------------------------
// Property: the gate

const KNOWN_RULES: [&str; 10] = [
    "in_scope",
    "read_only",
    "syntax",
    "json",
    "exports_kept",
    "exports_declared",
    "module_format",
    "references_declared",
    "new_capability",
    "import_resolves",
];

fn test_scope() -> Scope {
    Scope {
        writable: ["src/a.js", "src/a.mjs", "src/a.cjs", "src/a.ts", "src/a.tsx", "src/a.jsx", "package.json", "notes.md"]
            .map(String::from)
            .into(),
        read_only: ["spec/a.spec.js".to_string()].into(),
        ..Scope::default()
    }
}

const GATE_PATHS: &[&str] = &[
    "src/a.js", "src/a.mjs", "src/a.cjs", "src/a.ts", "src/a.tsx", "src/a.jsx", "package.json", "notes.md",
    "spec/a.spec.js", "other.js", "../x.js", "src/A.js",
];

/// Checks a proposal and holds the verdict against what the analysis of old and new text implies:
/// each violation names a known rule and the path, and a rule is reported exactly when its
/// condition holds. Returns the decision.
fn check_gate(proposal: &Proposal<'_>, scope: &Scope, mode: GateMode, tally: &Tally) -> Result<Decision, TestCaseError> {
    let path = proposal.path;
    let violations = gate::check(proposal, scope, mode);
    for v in &violations {
        tally.add(v.rule.name());
    }
    prop_assert_eq!(&violations, &gate::check(proposal, scope, mode), "the gate is not deterministic");
    let decision = gate::decide(&violations, mode);
    tally.add(format!("{decision:?}").to_lowercase());
    let mut rules = BTreeSet::new();
    for v in &violations {
        let name = v.rule.name();
        prop_assert!(KNOWN_RULES.contains(&name), "unknown rule {name}");
        prop_assert_eq!(serde_json::to_value(v.rule).unwrap(), serde_json::json!(name), "rule name and its JSON differ");
        prop_assert!(v.message.contains(path), "the message of {name} does not name {path}: {}", v.message);
        rules.insert(name);
    }
    let read_only = scope.read_only.contains(path);
    let out_of_scope = read_only || !scope.writable.contains(path);
    prop_assert_eq!(rules.contains("read_only"), read_only);
    prop_assert_eq!(rules.contains("in_scope"), !read_only && out_of_scope);
    match decision {
        Decision::Pass => prop_assert!(violations.is_empty()),
        Decision::Block => prop_assert!(!violations.is_empty() && (mode == GateMode::Block || out_of_scope)),
        Decision::Warn => prop_assert!(!violations.is_empty() && mode != GateMode::Block && !out_of_scope),
    }
    let content_rules: BTreeSet<&str> = rules.iter().copied().filter(|r| !matches!(*r, "in_scope" | "read_only")).collect();
    let Some(new_text) = proposal.new.filter(|_| mode != GateMode::Off) else {
        prop_assert!(content_rules.is_empty(), "{content_rules:?} without new text or with the gate off");
        return Ok(decision);
    };
    let language = Language::of(path);
    let new = analyze_checked(path, new_text);
    let syntax_rule = if language == Language::Json { "json" } else { "syntax" };
    if !new.is_valid() {
        prop_assert_eq!(content_rules, BTreeSet::from([syntax_rule]), "text that does not parse");
        prop_assert_ne!(decision, Decision::Pass);
        return Ok(decision);
    }
    prop_assert!(!content_rules.contains("syntax") && !content_rules.contains("json"));
    let old = proposal.old.map(|o| analyze(path, o)).filter(|old| proposal.action == Action::Modify && old.is_valid());
    let lost: Vec<String> = match &old {
        Some(old) => {
            old.exports.iter().filter(|e| !new.exports.contains(*e) && !proposal.may_drop.contains(e)).cloned().collect()
        }
        None => Vec::new(),
    };
    prop_assert_eq!(content_rules.contains("exports_kept"), !lost.is_empty(), "lost exports: {:?}", lost);
    // A name the old file bound, used but bound nowhere now (exported ones are exports_declared's).
    let dangling = old.as_ref().is_some_and(|old| {
        new.unresolved.iter().any(|n| old.bindings.contains(n) && !GLOBALS.contains(&n.as_str()) && !new.export_refs.contains(n))
    });
    prop_assert_eq!(content_rules.contains("references_declared"), dangling);
    let undeclared = new.export_refs.iter().any(|r| !new.bindings.contains(r) && !GLOBALS.contains(&r.as_str()));
    prop_assert_eq!(content_rules.contains("exports_declared"), undeclared);
    let wrong_format = language.is_script()
        && match proposal.module_format {
            Some(ModuleFormat::Cjs) => new.has_esm_syntax,
            Some(ModuleFormat::Esm) => new.has_cjs_syntax,
            None => false,
        };
    prop_assert_eq!(content_rules.contains("module_format"), wrong_format);
    Ok(decision)
}

fn action() -> impl Strategy<Value = Action> {
    select(&[Action::Create, Action::Modify, Action::Modify, Action::Extract, Action::Delete][..])
}

fn mode() -> impl Strategy<Value = GateMode> {
    select(&[GateMode::Block, GateMode::Block, GateMode::Warn, GateMode::Off][..])
}

fn module_format() -> impl Strategy<Value = Option<ModuleFormat>> {
    select(&[None, Some(ModuleFormat::Cjs), Some(ModuleFormat::Esm)][..])
}

#[derive(Debug, Clone)]
struct GateCase {
    path: &'static str,
    action: Action,
    old: Option<Input>,
    new: Option<Input>,
    format: Option<ModuleFormat>,
    mode: GateMode,
    may_drop: Vec<Index>,
    /// A path as a plan or the command line might give it.
    raw_path: String,
}

#[test]
fn gate_verdicts_pass_or_name_a_known_rule() {
    let case = (
        select(GATE_PATHS),
        action(),
        prop::option::weighted(0.8, input()),
        prop::option::weighted(0.9, input()),
        module_format(),
        mode(),
        prop::collection::vec(any::<Index>(), 0..3),
        r"[./\\a-zé:~ ]{0,12}",
    )
        .prop_map(|(path, action, old, new, format, mode, may_drop, raw_path)| GateCase {
            path,
            action,
            old,
            new,
            format,
            mode,
            may_drop,
            raw_path,
        });
    let scope = test_scope();
    let tally = Tally::default();
    check_property("gate", case, &tally, |c| {
        // A normalised path stays inside the workspace and normalises to itself.
        match gate::normalize_path(&c.raw_path) {
            Ok(p) => {
                prop_assert!(!p.is_empty() && !p.starts_with('/') && !p.contains('\\'), "{p:?}");
                prop_assert!(p.split('/').all(|part| !matches!(part, "" | "." | "..")), "{p:?}");
                prop_assert_eq!(gate::normalize_path(&p), Ok(p.clone()));
            }
            Err(v) => prop_assert_eq!(v.rule.name(), "in_scope"),
        }
        let old = c.old.as_ref().map(|i| i.materialize().1);
        let new = c.new.as_ref().map(|i| i.materialize().1);
        // Some of the old file's exports may be dropped, as a plan's dropExports would allow.
        let old_exports: Vec<String> = old.as_deref().map(|o| analyze(c.path, o).exports.into_iter().collect()).unwrap_or_default();
        let may_drop: Vec<String> = if old_exports.is_empty() { Vec::new() } else { c.may_drop.iter().map(|i| i.get(&old_exports).clone()).collect() };
        let proposal = Proposal {
            path: c.path,
            action: c.action,
            old: old.as_deref(),
            new: new.as_deref(),
            module_format: c.format,
            may_drop: &may_drop,
            planned_exports: &[],
            allowed: &[],
        };
        check_gate(&proposal, &scope, c.mode, &tally).map(|_| ())
    });
}

// ---------------------------------------------------------------------------------------------
// Property: model answers, extracted and gated

/// `export` declarations to CommonJS: `export default` becomes `module.exports =`, `export <decl>`
/// loses its keyword and gains a `module.exports.<name> = <name>;` line.
fn esm_to_cjs(text: &str) -> String {
    let mut out = String::new();
    let mut names = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("export default ") {
            out.push_str("module.exports = ");
            out.push_str(rest);
            continue;
        }
        let declared = line.strip_prefix("export ").and_then(|rest| {
            let after = ["async function ", "function ", "class ", "const ", "let ", "var "].iter().find_map(|k| rest.strip_prefix(k))?;
            let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$').collect();
            (!name.is_empty()).then_some((rest, name))
        });
        match declared {
            Some((rest, name)) => {
                out.push_str(rest);
                names.push(name);
            }
            None => out.push_str(line),
        }
    }
    if !names.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for name in names {
        out.push_str(&format!("module.exports.{name} = {name};\n"));
    }
    out
}

/// CommonJS to `import`/`export`, line by line: `module.exports =` -> `export default`,
/// `exports.x =` -> `export const x =`, `const a = require('m')` -> `import a from 'm'`.
fn cjs_to_esm(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let property = line.strip_prefix("module.exports.").or_else(|| line.strip_prefix("exports."));
        if let Some(rest) = line.strip_prefix("module.exports = ") {
            out.push_str("export default ");
            out.push_str(rest);
        } else if let Some((name, rest)) = property.and_then(|p| p.split_once(" = ")) {
            out.push_str(&format!("export const {name} = {rest}"));
        } else if let Some((binding, rest)) = line.strip_prefix("const ").and_then(|l| l.split_once(" = require(")) {
            let module = rest.split(')').next().unwrap_or("''");
            out.push_str(&format!("import {binding} from {module};\n"));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Drop the `pick`-th top-level statement that mentions `export`: an export removed.
fn drop_export(path: &str, text: &str, pick: &Index) -> String {
    let analysis = analyze(path, text);
    let exporting: Vec<_> = analysis.items.iter().filter(|i| text[i.start as usize..i.end as usize].contains("export")).collect();
    if exporting.is_empty() {
        return text.to_string();
    }
    let item = pick.get(&exporting);
    format!("{}{}", &text[..item.start as usize], &text[item.end as usize..])
}

#[derive(Debug, Clone)]
enum Change {
    Same,
    ToCjs,
    ToEsm,
    RoundTrip,
    DropExport(Index),
    Edits(Vec<Edit>),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => Just(Change::Same),
        2 => Just(Change::ToCjs),
        2 => Just(Change::ToEsm),
        1 => Just(Change::RoundTrip),
        2 => any::<Index>().prop_map(Change::DropExport),
        3 => prop::collection::vec(edit(), 1..3).prop_map(Change::Edits),
    ]
}

fn change_text(path: &str, text: &str, change: &Change) -> String {
    match change {
        Change::Same => text.to_string(),
        Change::ToCjs => esm_to_cjs(text),
        Change::ToEsm => cjs_to_esm(text),
        Change::RoundTrip => cjs_to_esm(&esm_to_cjs(text)),
        Change::DropExport(pick) => drop_export(path, text, pick),
        Change::Edits(edits) => edits.iter().fold(text.to_string(), |t, e| apply(&t, e)),
    }
}

const PROSE: &[&str] = &[
    "",
    "Here is the updated file:\n",
    "Sure! I made the change you asked for.\n\n",
    "I've kept every export. Let me know if you need anything else.\n",
    "Explanation: the function now validates its input (see below).\n",
    "Done.",
    "Voilà — le fichier modifié 😀\n",
    "Note: run `npm test` afterwards.\n",
];

const INFOS: &[&str] = &["js", "javascript", "", "ts", "typescript", "jsx", "JS", "js title=a.js", "node", "python", "json", "diff"];

/// The shape of a model answer around the code.
#[derive(Debug, Clone)]
enum Shape {
    Bare { before: &'static str, after: &'static str },
    Fenced {
        before: &'static str,
        after: &'static str,
        /// Blocks in other languages before the code (a shell command, a JSON snippet).
        extras: Vec<&'static str>,
        info: &'static str,
        tilde: bool,
        /// The code's block is given this many times; only the last one may be cut off.
        copies: usize,
        closed: bool,
        /// The closing fence sits on the code's last line: `}```.
        glued: bool,
    },
    Huge { repeat: usize },
    Blank(&'static str),
    Prose(&'static str),
}

fn shape() -> impl Strategy<Value = Shape> {
    let extra = select(&["```bash\nnpm test\n```\n", "```json\n{\"a\": 1}\n```\n", "~~~diff\n- a\n+ b\n~~~\n", "```python\nprint(1)\n```\n"][..]);
    prop_oneof![
        2 => (select(PROSE), select(PROSE)).prop_map(|(before, after)| Shape::Bare { before, after }),
        8 => (select(PROSE), select(PROSE), prop::collection::vec(extra, 0..3), select(INFOS), any::<bool>(), 1usize..4, prop::bool::weighted(0.8), prop::bool::weighted(0.2))
            .prop_map(|(before, after, extras, info, tilde, copies, closed, glued)| Shape::Fenced { before, after, extras, info, tilde, copies, closed, glued }),
        1 => (2usize..30).prop_map(|repeat| Shape::Huge { repeat }),
        1 => select(&["", " ", "\n\n", "\t\r\n"][..]).prop_map(Shape::Blank),
        1 => select(PROSE).prop_map(Shape::Prose),
    ]
}

/// The info tags a path's language accepts on a fence (the table in generate.rs, restated).
fn info_fits(info: &str, path: &str) -> bool {
    let tag = info.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    let accepted: &[&str] = match Language::of(path) {
        Language::JavaScript | Language::Jsx => &["", "js", "javascript", "jsx", "mjs", "cjs", "node"],
        Language::TypeScript | Language::Tsx => &["", "ts", "typescript", "tsx", "js", "javascript"],
        Language::Json => &["", "json", "jsonc"],
        Language::Xml => &["", "xml", "svg", "plist"],
        Language::Yaml => &["", "yaml", "yml"],
        Language::Toml => &["", "toml"],
        Language::Other => return true,
    };
    accepted.contains(&tag.as_str())
}

/// What a fence's body becomes after extraction: line by line, each ending in a newline. The
/// answer puts a newline after a body that lacks one, so a body cut after a `\r` ends in `\r\n`
/// there, and that is a line break, not a character of the last line.
fn normalized(body: &str) -> String {
    let delivered = if body.ends_with('\n') { body.to_string() } else { format!("{body}\n") };
    delivered.lines().map(|l| format!("{l}\n")).collect()
}

/// Build the answer and say what `extract_code` must make of it, when that is certain:
/// `Some(Ok(code))`, `Some(Err(part of the reason))`, or `None` when the code itself holds fence
/// markers and only the general properties apply.
fn build_answer(path: &str, code: &str, shape: &Shape) -> (String, Option<Result<String, &'static str>>) {
    let plain = !code.contains("```") && !code.contains("~~~");
    let blank_is_err = |expected: String| if expected.trim().is_empty() { Err("empty") } else { Ok(expected) };
    match shape {
        Shape::Bare { before, after } => {
            let answer = format!("{before}{code}{after}");
            let trimmed = answer.trim();
            let expected = if trimmed.is_empty() {
                Err("empty")
            } else if analyze(path, trimmed).is_valid() && trimmed.contains(['(', '{', '=', ';']) {
                Ok(format!("{trimmed}\n"))
            } else {
                Err("no code block")
            };
            (answer, (plain && !before.contains('`') && !after.contains('`')).then_some(expected))
        }
        Shape::Fenced { before, after, extras, info, tilde, copies, closed, glued } => {
            let marker = if *tilde { "~~~" } else { "```" };
            let body = if *glued && *closed { code.trim_end() } else { code };
            let mut answer = format!("{before}\n{}", extras.concat());
            for copy in 0..*copies {
                answer.push_str(&format!("{marker}{info}\n{body}"));
                let last = copy + 1 == *copies;
                if last && !*closed {
                    break;
                }
                if *glued && *closed {
                    answer.push_str(marker);
                } else {
                    if !body.ends_with('\n') {
                        answer.push('\n');
                    }
                    answer.push_str(marker);
                }
                answer.push_str(&format!("\n{after}\n"));
            }
            let fits = info_fits(info, path);
            let expected = match (fits, *closed || *copies > 1) {
                (true, true) => blank_is_err(normalized(body)),
                (true, false) => Err("cut off"),
                (false, _) if !*closed => Err("cut off"),
                (false, _) => Err("is not"),
            };
            let prose_plain = !before.contains('`') && !after.contains('`');
            (answer, (plain && prose_plain).then_some(expected))
        }
        Shape::Huge { repeat } => {
            let body = code.repeat(*repeat);
            let newline = if body.ends_with('\n') { "" } else { "\n" };
            let answer = format!("```js\n{body}{newline}```\n");
            (answer, (plain && info_fits("js", path)).then(|| blank_is_err(normalized(&body))))
        }
        Shape::Blank(text) => (text.to_string(), Some(Err("empty"))),
        Shape::Prose(text) => (text.to_string(), None),
    }
}

#[derive(Debug, Clone)]
enum Target {
    Own,
    OutOfScope,
    ReadOnly,
}

#[derive(Debug, Clone)]
struct AnswerCase {
    fixture: Index,
    change: Change,
    shape: Shape,
    target: Target,
    mode: GateMode,
}

#[test]
fn model_answers_are_extracted_or_refused_and_then_gated() {
    let case = (
        any::<Index>(),
        change(),
        shape(),
        prop_oneof![8 => Just(Target::Own), 1 => Just(Target::OutOfScope), 1 => Just(Target::ReadOnly)],
        mode(),
    )
        .prop_map(|(fixture, change, shape, target, mode)| AnswerCase { fixture, change, shape, target, mode });
    let tally = Tally::default();
    check_property("answers", case, &tally, |c| {
        let fixture = c.fixture.get(answer_fixtures());
        let own = format!("src/{}", fixture.name.rsplit('/').next().unwrap_or("a.js"));
        let code = change_text(&own, &fixture.text, &c.change);
        let (answer, expected) = build_answer(&own, &code, &c.shape);
        let extracted = extract_code(&answer, &own);
        tally.add(if extracted.is_ok() { "extracted" } else { "refused" });
        match &extracted {
            Ok(code) => prop_assert!(code.ends_with('\n') && !code.trim().is_empty(), "extracted {code:?}"),
            Err(reason) => prop_assert!(!reason.trim().is_empty()),
        }
        match (&expected, &extracted) {
            (Some(Ok(want)), Ok(got)) => prop_assert!(want == got, "extracted code differs from the answer's block"),
            (Some(Err(part)), Err(reason)) => prop_assert!(reason.contains(part), "reason {reason:?} should mention {part:?}"),
            (Some(want), got) => prop_assert!(false, "expected {want:?}, got {got:?}\nanswer: {answer:?}"),
            (None, _) => {}
        }
        let Ok(new) = extracted else { return Ok(()) };
        let path = match c.target {
            Target::Own => own.clone(),
            Target::OutOfScope => format!("other/{}", own.trim_start_matches("src/")),
            Target::ReadOnly => "spec/a.spec.js".to_string(),
        };
        let mut scope = Scope { writable: [own.clone()].into(), read_only: ["spec/a.spec.js".to_string()].into(), ..Scope::default() };
        if matches!(c.target, Target::ReadOnly) {
            scope.writable.insert(path.clone());
        }
        let old = analyze(&own, &fixture.text);
        let proposal = Proposal {
            path: &path,
            action: Action::Modify,
            old: Some(&fixture.text),
            new: Some(&new),
            module_format: old.module_format(),
            may_drop: &[],
            planned_exports: &[],
            allowed: &[],
        };
        let decision = check_gate(&proposal, &scope, c.mode, &tally)?;
        // The fixture handed back whole and unchanged is accepted when it passes its own gate.
        let unchanged = matches!(c.change, Change::Same) && matches!(c.target, Target::Own) && new == fixture.text;
        let clean = gate::check(&Proposal { new: Some(&fixture.text), ..proposal.clone() }, &scope, GateMode::Block).is_empty();
        if unchanged && clean {
            prop_assert_eq!(decision, Decision::Pass);
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Property: plans

const PLAN_PATHS: &[&str] = &[
    "src/inventory.js", "./src/server.js", "src\\server.js", "lib/queue.js", "src/new.js", "src/rates.ts", "../x.js",
    "/etc/passwd", "C:\\x.js", "", ".", "src//inventory.js", "other.js", "src/inventory.js ",
];
const PLAN_ACTIONS: &[&str] = &["CREATE", "MODIFY", "modify", " Modify ", "EXTRACT", "DELETE", "delete"];
const BAD_PLAN_ACTIONS: &[&str] = &["REWRITE", "", "MODIFY!"];

#[derive(Debug, Clone)]
struct EntryCase {
    path_key: &'static str,
    path: &'static str,
    action: Option<&'static str>,
    intent: String,
    sections: Vec<serde_json::Value>,
    symbols: Vec<&'static str>,
    from: Option<&'static str>,
    drop_exports: Vec<&'static str>,
    rewire: Option<bool>,
}

impl EntryCase {
    fn to_json(&self) -> serde_json::Value {
        let mut obj = serde_json::Map::new();
        obj.insert(self.path_key.into(), self.path.into());
        if let Some(a) = self.action {
            obj.insert("action".into(), a.into());
        }
        obj.insert("intent".into(), self.intent.clone().into());
        if !self.sections.is_empty() {
            obj.insert("sections".into(), self.sections.clone().into());
        }
        if !self.symbols.is_empty() {
            obj.insert("symbols".into(), self.symbols.clone().into());
        }
        if let Some(f) = self.from {
            obj.insert("from".into(), f.into());
        }
        if !self.drop_exports.is_empty() {
            obj.insert("dropExports".into(), self.drop_exports.clone().into());
        }
        if let Some(r) = self.rewire {
            obj.insert("rewire".into(), r.into());
        }
        obj.into()
    }

    /// Would `parse_plan` take this entry as it is?
    fn parses(&self) -> bool {
        matches!(self.path_key, "path" | "file") && self.action.is_some_and(|a| Action::parse(a).is_some())
    }
}

fn entry_case() -> impl Strategy<Value = EntryCase> {
    let section_ref = prop_oneof![
        (0u64..30).prop_map(serde_json::Value::from),
        select(&["#1", "#10", "ship", "SECTION 1: CATALOG", "nope", "#0", "#999", "addItem"][..]).prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
    ];
    let symbol = select(&["enqueue", "Queue", "nope", "createServer", "default", ""][..]);
    (
        select(&["path", "path", "path", "path", "file", "file", "name"][..]),
        select(PLAN_PATHS),
        prop::option::weighted(0.97, prop_oneof![12 => select(PLAN_ACTIONS), 1 => select(BAD_PLAN_ACTIONS)]),
        "[a-zA-Z é\"\\\\{}\\[\\]]{0,12}",
        prop::collection::vec(section_ref, 0..3),
        prop::collection::vec(symbol, 0..3),
        prop::option::of(select(PLAN_PATHS)),
        prop::collection::vec(select(&["createServer", "routes", "ship", "gone"][..]), 0..2),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(path_key, path, action, intent, sections, symbols, from, drop_exports, rewire)| EntryCase {
            path_key,
            path,
            action,
            intent,
            sections,
            symbols,
            from,
            drop_exports,
            rewire,
        })
}

#[derive(Debug, Clone)]
enum PlanAnswer {
    Json {
        entries: Vec<EntryCase>,
        /// 0: `{"actions": [...]}`, 1: bare array, 2: `plan`, 3: `files`, 4: `actions` not a list, 5: a string.
        wrapper: u8,
        before: &'static str,
        after: &'static str,
        fenced: bool,
        edits: Vec<Edit>,
    },
    Soup(String),
}

impl PlanAnswer {
    fn text(&self) -> String {
        match self {
            PlanAnswer::Soup(s) => s.clone(),
            PlanAnswer::Json { entries, wrapper, before, after, fenced, edits } => {
                let list = serde_json::Value::Array(entries.iter().map(EntryCase::to_json).collect());
                let value = match wrapper {
                    0 => serde_json::json!({ "actions": list }),
                    1 => list,
                    2 => serde_json::json!({ "plan": list }),
                    3 => serde_json::json!({ "files": list }),
                    4 => serde_json::json!({ "actions": { "path": "a.js" } }),
                    _ => serde_json::json!("plan"),
                };
                let json = serde_json::to_string_pretty(&value).unwrap();
                let body = if *fenced { format!("```json\n{json}\n```") } else { json };
                let text = format!("{before}{body}{after}");
                edits.iter().fold(text, |t, e| apply(&t, e))
            }
        }
    }
}

fn plan_answer() -> impl Strategy<Value = PlanAnswer> {
    let prose = select(&["", "Here is the plan:\n", "Plan follows.\n\n", "\nHope this helps!", "Voilà 😀\n"][..]);
    prop_oneof![
        6 => (
            prop::collection::vec(entry_case(), 0..5),
            prop_oneof![8 => 0u8..4, 1 => 4u8..6],
            prose.clone(),
            prose,
            any::<bool>(),
            prop_oneof![3 => Just(Vec::new()), 1 => prop::collection::vec(edit(), 1..3)],
        )
            .prop_map(|(entries, wrapper, before, after, fenced, edits)| PlanAnswer::Json { entries, wrapper, before, after, fenced, edits }),
        1 => soup().prop_map(PlanAnswer::Soup),
    ]
}

const INVENTORY: &str = include_str!("fixtures/inventory.js");
const SERVER: &str = include_str!("fixtures/server.js");
const QUEUE: &str = include_str!("fixtures/extract/queue.js");
const RATES: &str = include_str!("fixtures/extract/rates.ts");
const JOBS: &str = include_str!("../../../tests/fixtures/module-split/lib/jobs.js");
const GREET: &str = include_str!("../../../tests/fixtures/express-app/src/greet.js");

/// The files of the workspace the plan and session properties run in.
const WORKSPACE: &[(&str, &str)] = &[
    ("src/inventory.js", INVENTORY),
    ("src/server.js", SERVER),
    ("lib/queue.js", QUEUE),
    ("src/rates.ts", RATES),
    ("lib/jobs.js", JOBS),
    ("spec/greet.js", GREET),
    ("README.md", "# Demo\n\nA store.\n"),
];

fn known_files() -> BTreeMap<String, KnownFile> {
    let mut files: BTreeMap<String, KnownFile> = WORKSPACE
        .iter()
        .take(5)
        .map(|(path, text)| {
            let a = analyze(path, text);
            let sections = if text.lines().count() >= section::MIN_SECTIONED_LINES { section::sections(text, &a) } else { Vec::new() };
            let known = KnownFile {
                exists: true,
                exports: a.exports.clone(),
                declarations: section::declared_names(&a).into_iter().collect(),
                sources: a.sources.clone(),
                sections,
            };
            (path.to_string(), known)
        })
        .collect();
    files.insert("src/new.js".into(), KnownFile::default());
    files
}

#[test]
fn plans_parse_or_are_refused_with_a_reason() {
    let known = known_files();
    let case = (plan_answer(), "[a-zA-Z ./`'é]{0,40}");
    let tally = Tally::default();
    check_property("plans", case, &tally, |(answer, task)| {
        let text = answer.text();
        let parsed = decompose::parse_plan(&text);
        if let PlanAnswer::Json { entries, wrapper: 0..=3, before, after, edits, .. } = &answer
            && edits.is_empty()
            && entries.iter().all(EntryCase::parses)
            && !format!("{before}{after}").contains(['{', '}', '[', ']'])
        {
            let plan = parsed.as_ref().map_err(|e| TestCaseError::fail(format!("a well-formed plan was refused: {e}\n{text}")))?;
            let paths: Vec<&str> = plan.iter().map(|e| e.path.as_str()).collect();
            let want: Vec<&str> = entries.iter().map(|e| e.path).collect();
            prop_assert_eq!(paths, want);
        }
        match parsed {
            Err(reason) => {
                tally.add("refused");
                prop_assert!(!reason.trim().is_empty());
            }
            Ok(mut plan) => {
                // Validate against the files the plan names, so a plan can be complete.
                let named: BTreeSet<String> = plan
                    .iter()
                    .flat_map(|e| [Some(e.path.clone()), e.from.clone()])
                    .flatten()
                    .filter_map(|p| gate::normalize_path(&p).ok())
                    .collect();
                let files: BTreeMap<String, KnownFile> =
                    known.iter().filter(|(p, _)| named.contains(*p)).map(|(p, f)| (p.clone(), f.clone())).collect();
                let files = if files.is_empty() { known.clone() } else { files };
                let problems = decompose::validate(&mut plan, &files, &task);
                tally.add(if problems.is_empty() { "parsed_valid" } else { "parsed_with_problems" });
                for problem in problems {
                    prop_assert!(!problem.message().trim().is_empty());
                }
                let inventory = &known["src/inventory.js"].sections;
                for entry in &plan {
                    let _ = section::resolve(inventory, &entry.sections);
                }
            }
        }
        for path in decompose::task_paths(&format!("{task} {text}")) {
            prop_assert_eq!(gate::normalize_path(&path), Ok(path.clone()), "task path not normalised");
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Property: a whole session

/// What the scripted model says next.
#[derive(Debug, Clone)]
enum ModelTurn {
    /// What a model that read the prompt would say. Asked for a plan: one entry per file in scope,
    /// its action and sections picked by the indexes. Asked for code: the code the prompt shows,
    /// changed and shaped like an answer.
    Sensible { actions: Vec<Index>, sections: Vec<Index>, extract: bool, change: Change, shape: Shape },
    /// Any plan-shaped answer (often broken), whatever was asked.
    RandomPlan(PlanAnswer),
    Soup(String),
    Error(&'static str),
    /// A reply of the wrong kind: the host is broken.
    Wrong,
}

fn model_turn() -> impl Strategy<Value = ModelTurn> {
    prop_oneof![
        30 => (
            prop::collection::vec(any::<Index>(), 5),
            prop::collection::vec(any::<Index>(), 0..3),
            prop::bool::weighted(0.3),
            change(),
            shape(),
        )
            .prop_map(|(actions, sections, extract, change, shape)| ModelTurn::Sensible { actions, sections, extract, change, shape }),
        3 => plan_answer().prop_map(ModelTurn::RandomPlan),
        3 => soup().prop_map(ModelTurn::Soup),
        2 => select(&["auth", "rate_limit", "timeout", "interrupted", "bad_response"][..]).prop_map(ModelTurn::Error),
        1 => Just(ModelTurn::Wrong),
    ]
}

/// How the user's check (`--verify`) ends, as the host reports it.
#[derive(Debug, Clone)]
enum CheckTurn {
    Pass,
    Exit(i32),
    TimedOut,
    /// The host could not start it.
    CannotRun,
    /// The user pressed Ctrl-C while it ran.
    Interrupted,
}

fn check_turn() -> impl Strategy<Value = CheckTurn> {
    prop_oneof![
        4 => Just(CheckTurn::Pass),
        4 => select(&[1, 2, 126, 127][..]).prop_map(CheckTurn::Exit),
        1 => Just(CheckTurn::TimedOut),
        1 => Just(CheckTurn::CannotRun),
        1 => Just(CheckTurn::Interrupted),
    ]
}

#[derive(Debug, Clone)]
struct SessionCase {
    scope: Vec<&'static str>,
    read: Vec<&'static str>,
    task: &'static str,
    package: Option<&'static str>,
    gate: GateMode,
    max_retries: Option<u32>,
    format: FormatChoice,
    budget: Option<u32>,
    turns: Vec<ModelTurn>,
    unreadable: Option<Index>,
    failing_write: Option<Index>,
    /// The check's command and how its runs end (out of script: it passes).
    verify: Option<(&'static str, Vec<CheckTurn>)>,
    keep_on_fail: bool,
    /// Keep the changes that do not need a blocked file (otherwise a plan is applied whole).
    partial: bool,
    /// From this ordinary write on, the host refuses writes as interrupted (Ctrl-C).
    interrupt_at: Option<Index>,
    /// The first rollback write fails.
    failing_rollback: bool,
}

const SCOPE_PATHS: &[&str] = &["src/inventory.js", "src/server.js", "lib/queue.js", "src/rates.ts", "lib/jobs.js", "src/new.js", "src/new.mjs"];
const ODD_SCOPE_PATHS: &[&str] = &["./src/server.js", "src\\inventory.js", "../escape.js", "/abs.js", "spec/greet.js", "README.md"];

fn session_case() -> impl Strategy<Value = SessionCase> {
    let scope = prop_oneof![
        9 => subsequence(SCOPE_PATHS, 1..=4),
        1 => (subsequence(SCOPE_PATHS, 0..=2), subsequence(ODD_SCOPE_PATHS, 1..=2)).prop_map(|(mut a, b)| {
            a.extend(b);
            a
        }),
    ];
    let task = select(&[
        "ship() must reject non-positive units",
        "Add a health route to src/server.js",
        "Move enqueue into its own file; see spec/greet.js",
        "Tidy up. The test file is spec/missing.spec.js.",
        "remove createServer from the API",
    ][..]);
    let task = prop_oneof![20 => task, 1 => Just("  ")];
    let package = prop::option::of(select(&["{\"type\":\"module\"}", "{\"type\":\"commonjs\"}", "{not json", "{}"][..]));
    let options = (
        mode(),
        prop::option::of(0u32..3),
        select(&[FormatChoice::Auto, FormatChoice::Auto, FormatChoice::Cjs, FormatChoice::Esm][..]),
        prop::option::weighted(0.15, 200u32..5000),
    );
    let faults = (
        prop::option::weighted(0.05, any::<Index>()),
        prop::option::weighted(0.1, any::<Index>()),
        prop::option::weighted(0.05, any::<Index>()),
        prop::bool::weighted(0.05),
    );
    let verify = (
        prop::option::weighted(0.4, (select(&["npm test", "node --test", " "][..]), prop::collection::vec(check_turn(), 0..4))),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.3),
    );
    (scope, subsequence(&["spec/greet.js", "README.md"][..], 0..=2), task, package, options, prop::collection::vec(model_turn(), 0..12), faults, verify)
        .prop_map(|(scope, read, task, package, (gate, max_retries, format, budget), turns, (unreadable, failing_write, interrupt_at, failing_rollback), (verify, keep_on_fail, partial))| SessionCase {
            scope,
            read,
            task,
            package,
            gate,
            max_retries,
            format,
            budget,
            turns,
            unreadable,
            failing_write,
            verify,
            keep_on_fail,
            partial,
            interrupt_at,
            failing_rollback,
        })
}

/// Error codes the core may end a run with; each maps to an exit code in npm/red-exec/lib/exit-codes.js.
const RUN_ERROR_CODES: &[&str] = &[
    "input_task", "input_files", "input_path", "input_missing", "input_unreadable", "input_over_budget", "host_protocol",
    "model_auth", "model_unavailable", "interrupted", "model_answer", "plan_invalid", "write_failed", "verify_failed",
    "rollback_failed", "conflict", "blocked",
];

/// A bounded run takes a handful of requests per unit; far more means the session loops.
const MAX_STEPS: usize = 400;

/// The plan a sensible model would give: every file in scope gets an action that fits it.
fn plan_for(session_files: &BTreeMap<String, Option<String>>, scope: &[String], actions: &[Index], sections: &[Index], extract: bool) -> String {
    let mut entries = Vec::new();
    let mut extracted = false;
    for (i, path) in scope.iter().enumerate() {
        let text = session_files.get(path).cloned().flatten();
        let pick = actions.get(i).map_or(0, |a| a.index(4));
        let mut entry = serde_json::json!({ "path": path, "intent": "do what the task says" });
        match (&text, pick) {
            (None, _) => entry["action"] = "CREATE".into(),
            (Some(_), 3) => entry["action"] = "DELETE".into(),
            (Some(text), _) => {
                entry["action"] = "MODIFY".into();
                let a = analyze(path, text);
                let names = section::declared_names(&a);
                if !names.is_empty() && !sections.is_empty() {
                    let chosen: Vec<String> = sections.iter().map(|s| s.get(&names).clone()).collect();
                    entry["sections"] = chosen.into();
                }
                // EXTRACT one declaration into a new file in scope, when there is one.
                if extract && !extracted && !names.is_empty() {
                    if let Some(target) = scope.iter().find(|p| !session_files.get(*p).is_some_and(Option::is_some)) {
                        let symbol = actions.get(4).map_or(&names[0], |x| x.get(&names));
                        entries.push(serde_json::json!({ "path": target, "action": "EXTRACT", "from": path, "symbols": [symbol] }));
                        extracted = true;
                    }
                }
            }
        }
        entries.push(entry);
    }
    if extracted {
        // The target is planned by its EXTRACT entry.
        let targets: Vec<String> = entries.iter().filter(|e| e["action"] == "EXTRACT").map(|e| e["path"].as_str().unwrap_or("").to_string()).collect();
        entries.retain(|e| e["action"] == "EXTRACT" || !targets.iter().any(|t| e["path"] == t.as_str()));
    }
    serde_json::json!({ "actions": entries }).to_string()
}

/// What a write or delete must expect: nothing but this host changes its files, so exactly what is there.
fn on_disk(files: &BTreeMap<String, Option<String>>, path: &str) -> Expected {
    files.get(path).cloned().flatten().map_or(Expected::Absent, |text| Expected::Present { text })
}

fn run_session(c: &SessionCase, tally: &Tally) -> TestCaseResult {
    let mut files: BTreeMap<String, Option<String>> = WORKSPACE.iter().map(|(p, t)| (p.to_string(), Some(t.to_string()))).collect();
    if let Some(pkg) = c.package {
        files.insert("package.json".into(), Some(pkg.to_string()));
    }
    let before = files.clone();
    let input = RunInput {
        words: Default::default(),
        task: c.task.to_string(),
        files: c.scope.iter().map(|s| s.to_string()).collect(),
        read: c.read.iter().map(|s| s.to_string()).collect(),
        skills: Vec::new(),
        options: RunOptions {
            model: None,
            max_retries: c.max_retries,
            gate: c.gate,
            module_format: c.format,
            context_budget: c.budget,
            verify: c.verify.as_ref().map(|(command, _)| command.to_string()),
            verify_timeout_ms: Some(5_000),
            keep_on_fail: c.keep_on_fail,
            partial: c.partial,
            allow: Vec::new(),
            max_tokens: None,
            max_cost_usd: None,
        },
        run_id: "proptest".into(),
        supplied: Vec::new(),
    };
    let writable: BTreeSet<String> = c.scope.iter().filter_map(|p| gate::normalize_path(p).ok()).collect();
    let scope: Vec<String> = writable.iter().cloned().collect();
    let mut session = Session::new(input);
    let mut turns = c.turns.iter();
    let mut reply: Option<Reply> = None;
    let mut last_seq = 0u64;
    // Ordinary writes and deletes on disk now (a rollback takes one back), by path: true = written.
    let mut live: BTreeMap<String, bool> = BTreeMap::new();
    let mut effects = 0usize;
    let mut write_log: Vec<(String, String)> = Vec::new();
    let mut check_turns = c.verify.as_ref().map(|(_, t)| t.iter());
    let mut checks = 0usize;
    let mut interrupted_by: Option<&'static str> = None;
    let mut rollbacks = 0usize;
    let mut rollback_failed = false;
    for _ in 0..MAX_STEPS {
        let request = session.resume(reply.take());
        for event in session.take_events() {
            prop_assert!(event.seq > last_seq, "event numbers must increase");
            last_seq = event.seq;
            match &event.body {
                EventBody::Gate { path, decision, violations, .. } => {
                    prop_assert_eq!(*decision, gate::decide(violations, c.gate), "gate event for {} disagrees with its violations", path);
                    for v in violations {
                        prop_assert!(KNOWN_RULES.contains(&v.rule.name()));
                    }
                }
                EventBody::UnitRejected { reason, .. } => prop_assert!(!reason.trim().is_empty(), "a unit rejected without a reason"),
                _ => {}
            }
        }
        reply = Some(match request {
            Request::Read { paths, .. } => {
                let unreadable = c.unreadable.as_ref().map(|i| i.get(&paths).clone());
                let states = paths
                    .iter()
                    .map(|p| {
                        let state = match files.get(p).cloned().flatten() {
                            _ if unreadable.as_deref() == Some(p.as_str()) => {
                                FileState::Unreadable { reason: "binary".into(), message: "is a binary file".into() }
                            }
                            Some(text) => FileState::Present { text },
                            None => FileState::Absent,
                        };
                        (p.clone(), state)
                    })
                    .collect();
                Reply::Files { files: states, dirs: Default::default() }
            }
            Request::Complete { request } => {
                let user = request.messages.iter().rev().find(|m| m.role == "user").map(|m| m.content.clone()).unwrap_or_default();
                let path = request.path.clone().unwrap_or_default();
                if red_exec_core::prompts::read_block(&request.messages).is_some_and(|b| !b["section"].is_null()) {
                    tally.add("section_prompts");
                }
                let text = match turns.next() {
                    // Out of script: a model that answers sensibly, so runs get to their writes.
                    None if request.stage == "L1" => plan_for(&files, &scope, &[], &[], false),
                    None => extract_code(&user, &path).unwrap_or_default(),
                    Some(ModelTurn::Sensible { actions, sections, extract, .. }) if request.stage == "L1" => {
                        plan_for(&files, &scope, actions, sections, *extract)
                    }
                    Some(ModelTurn::RandomPlan(p)) => p.text(),
                    Some(ModelTurn::Sensible { change, shape, .. }) => {
                        // The prompt's own code block is the current file or section.
                        let current = extract_code(&user, &path).unwrap_or_default();
                        build_answer(&path, &change_text(&path, &current, change), shape).0
                    }
                    Some(ModelTurn::Soup(s)) => s.clone(),
                    Some(ModelTurn::Error(code)) => {
                        reply = Some(Reply::CompletionError { code: code.to_string(), message: format!("{code} (scripted)") });
                        continue;
                    }
                    Some(ModelTurn::Wrong) => {
                        reply = Some(Reply::Written);
                        continue;
                    }
                };
                Reply::Completion { text, usage: Some(TokenUsage { prompt_tokens: 10, completion_tokens: 5, cached_tokens: None }), duration_ms: Some(1), response_format: None }
            }
            // A rollback puts back exactly what was there before the run.
            Request::Write { path, text, rollback, expect } => {
                prop_assert!(writable.contains(&path), "wrote {path}, which is not in --files {writable:?}");
                prop_assert_eq!(&expect, &on_disk(&files, &path), "the write of {} expects another file than is there", path);
                if rollback {
                    prop_assert!(live.contains_key(&path), "rolled back {path}, which this round did not change");
                    prop_assert_eq!(Some(&Some(text.clone())), before.get(&path), "rollback of {} is not its old content", path);
                    rollbacks += 1;
                    if c.failing_rollback && !rollback_failed {
                        rollback_failed = true;
                        Reply::WriteError { message: "EIO (scripted)".into(), code: None }
                    } else {
                        live.remove(&path);
                        files.insert(path, Some(text));
                        Reply::Written
                    }
                } else {
                    effects += 1;
                    if interrupted_by.is_none() && c.interrupt_at.as_ref().is_some_and(|i| i.index(4) + 1 == effects) {
                        interrupted_by = Some("write");
                    }
                    if interrupted_by.is_some() {
                        Reply::WriteError { message: "interrupted".into(), code: Some("interrupted".into()) }
                    } else if c.failing_write.as_ref().is_some_and(|i| i.index(4) + 1 == effects) {
                        Reply::WriteError { message: "EACCES (scripted)".into(), code: None }
                    } else {
                        if c.gate == GateMode::Block {
                            let a = analyze(&path, &text);
                            prop_assert!(a.is_valid(), "gate on block wrote {path} that does not parse: {:?}", a.syntax_errors);
                        }
                        write_log.push((path.clone(), text.clone()));
                        files.insert(path.clone(), Some(text));
                        live.insert(path, true);
                        Reply::Written
                    }
                }
            }
            Request::Delete { path, rollback, expect } => {
                prop_assert!(writable.contains(&path), "deleted {path}, which is not in --files");
                prop_assert_eq!(&expect, &on_disk(&files, &path), "the delete of {} expects another file than is there", path);
                if rollback {
                    prop_assert!(live.contains_key(&path), "rolled back {path}, which this round did not change");
                    prop_assert_eq!(Some(&None), before.get(&path).or(Some(&None)), "rollback deletes {}, which was there before", path);
                    rollbacks += 1;
                    live.remove(&path);
                    files.remove(&path);
                    Reply::Deleted
                } else {
                    effects += 1;
                    files.insert(path.clone(), None);
                    live.insert(path, false);
                    Reply::Deleted
                }
            }
            Request::Verify { command, timeout_ms, attempt } => {
                let (want, _) = c.verify.as_ref().ok_or_else(|| TestCaseError::fail("a check ran without --verify"))?;
                prop_assert_eq!(command.as_str(), *want);
                prop_assert!(!command.trim().is_empty(), "a blank command was run");
                prop_assert_eq!(timeout_ms, 5_000);
                prop_assert_eq!(attempt as usize, checks, "check attempts are numbered from 0");
                prop_assert!(checks as u32 <= c.max_retries.unwrap_or(2), "more checks than --max-retries allows");
                checks += 1;
                tally.add("checks_run");
                match check_turns.as_mut().and_then(|t| t.next()).unwrap_or(&CheckTurn::Pass) {
                    CheckTurn::Pass => Reply::Verified { exit_code: Some(0), signal: None, timed_out: false, duration_ms: Some(3), output: "ok\n".into() },
                    CheckTurn::Exit(code) => Reply::Verified {
                        exit_code: Some(*code),
                        signal: None,
                        timed_out: false,
                        duration_ms: Some(3),
                        output: "not ok 1 - sums\n  expected 3, got 4\n".repeat(40),
                    },
                    CheckTurn::TimedOut => Reply::Verified { exit_code: None, signal: Some("SIGKILL".into()), timed_out: true, duration_ms: Some(5_000), output: String::new() },
                    CheckTurn::CannotRun => Reply::VerifyError { code: "spawn_failed".into(), message: "sh: not found".into() },
                    CheckTurn::Interrupted => {
                        interrupted_by = Some("check");
                        Reply::VerifyError { code: "interrupted".into(), message: "interrupted".into() }
                    }
                }
            }
            Request::Done { result } => {
                let r = *result;
                tally.add(match &r.error {
                    Some(e) => e.code.to_string(),
                    None => format!("{:?}", r.status).to_lowercase(),
                });
                if !write_log.is_empty() {
                    tally.add("runs_with_writes");
                }
                if rollbacks > 0 {
                    tally.add("runs_rolled_back");
                }
                if r.plan.iter().any(|e| e.action == Action::Extract) && !matches!(r.status, Status::Failed | Status::Crashed) {
                    tally.add("extracts_run");
                }
                let code = r.error.as_ref().map(|e| e.code.as_str());
                match r.status {
                    Status::Ok => prop_assert!(r.error.is_none() && r.counts.blocked == 0 && r.counts.failed == 0, "{r:?}"),
                    // Some written, some not: only when asked for (`partial`).
                    Status::Partial => prop_assert!(c.partial && r.error.is_none() && r.counts.blocked + r.counts.failed > 0, "{r:?}"),
                    Status::VerifyFailed => prop_assert_eq!(code, Some("verify_failed")),
                    Status::Interrupted => prop_assert_eq!(code, Some("interrupted")),
                    Status::Failed => prop_assert!(!matches!(code, None | Some("verify_failed" | "interrupted" | "host_protocol")), "{r:?}"),
                    // Only a broken host contract is an internal error; this host keeps it.
                    Status::Crashed => prop_assert_eq!(code, Some("host_protocol")),
                }
                if let Some(e) = &r.error {
                    prop_assert!(RUN_ERROR_CODES.contains(&e.code.as_str()), "unknown error code {}", e.code);
                    prop_assert!(!e.message.trim().is_empty());
                }
                // The result counts what is on disk now.
                let live_written = live.values().filter(|w| **w).count() as u32;
                let live_deleted = live.values().filter(|w| !**w).count() as u32;
                prop_assert_eq!((r.counts.written, r.counts.deleted), (live_written, live_deleted), "counts {:?}, on disk {:?}", r.counts, live);
                let written = r.files.iter().filter(|f| f.outcome == Outcome::Written).count() as u32;
                prop_assert_eq!(written, live_written);
                // The plan is applied whole: a blocked or failed file means nothing changed on disk.
                if !c.partial && r.counts.blocked + r.counts.failed > 0 {
                    prop_assert_eq!(live_written + live_deleted, 0, "a blocked plan changed files: {:?}", r);
                }
                // The check: asked for only with a command, a pass is OK, a failure is VERIFY_FAILED.
                match (&c.verify, &r.verify) {
                    (None, Some(v)) => prop_assert!(false, "a verify report without --verify: {v:?}"),
                    (_, None) => prop_assert_eq!(checks, 0),
                    (Some(_), Some(v)) => {
                        prop_assert!(v.attempts.len() <= checks, "{} attempts reported, {} run", v.attempts.len(), checks);
                        prop_assert_eq!(v.passed, v.attempts.last().is_some_and(|a| a.passed));
                        prop_assert!(v.attempts.iter().rev().skip(1).all(|a| !a.passed), "the check was run again after it passed");
                        if v.passed {
                            prop_assert!(matches!(r.status, Status::Ok | Status::Partial), "{:?} after the check passed", r.status);
                        }
                        if r.status == Status::VerifyFailed {
                            prop_assert!(!v.passed);
                            prop_assert_eq!(v.kept, c.keep_on_fail);
                        }
                    }
                }
                // Taken back means the workspace is exactly as it was: after a failed check (unless
                // kept), an interrupt, or a failed write.
                let restores = match (r.status, code) {
                    (Status::VerifyFailed, _) => !c.keep_on_fail,
                    (Status::Interrupted, _) => interrupted_by == Some("write") || !c.keep_on_fail,
                    (_, Some("write_failed")) => true,
                    _ => false,
                };
                if restores {
                    prop_assert!(live.is_empty(), "{:?} ended with changes still on disk: {:?}", r.status, live);
                    prop_assert!(files == before, "{:?} did not restore the workspace", r.status);
                    tally.add("restored");
                }
                if rollback_failed {
                    prop_assert_eq!(code, Some("rollback_failed"));
                }
                for f in &r.files {
                    prop_assert!(writable.contains(&f.path), "outcome for {} outside the scope", f.path);
                    match f.outcome {
                        Outcome::Blocked => prop_assert!(!f.violations.is_empty(), "blocked without a violation: {f:?}"),
                        Outcome::Failed => prop_assert!(f.error.as_ref().is_some_and(|e| !e.trim().is_empty()), "failed without a reason: {f:?}"),
                        _ => {}
                    }
                    for v in &f.violations {
                        prop_assert!(KNOWN_RULES.contains(&v.rule.name()));
                    }
                }
                // With the gate blocking, a modified file keeps its exports unless the plan may drop them.
                if c.gate == GateMode::Block {
                    for (path, text) in &write_log {
                        let Some(Some(old)) = before.get(path) else { continue };
                        let old = analyze(path, old);
                        if !old.is_valid() {
                            continue;
                        }
                        let new = analyze(path, text);
                        let may_drop: Vec<&String> = r.plan.iter().filter(|e| &e.path == path).flat_map(|e| &e.drop_exports).collect();
                        let lost: Vec<&String> = old.exports.iter().filter(|e| !new.exports.contains(*e) && !may_drop.contains(e)).collect();
                        prop_assert!(lost.is_empty(), "{path} was written without exports {lost:?}");
                    }
                }
                // Files nobody was allowed to write are untouched.
                for (path, text) in &files {
                    if !writable.contains(path) {
                        prop_assert_eq!(text, &before[path], "{} changed", path);
                    }
                }
                // A finished session stays finished.
                match session.resume(None) {
                    Request::Done { result } => prop_assert_eq!(result.status, r.status),
                    other => prop_assert!(false, "after Done the session asked for {other:?}"),
                }
                return Ok(());
            }
        });
    }
    Err(TestCaseError::fail(format!("no Done after {MAX_STEPS} requests")))
}

#[test]
fn a_session_fed_random_answers_always_ends_with_a_result() {
    let tally = Tally::default();
    check_property("session", session_case(), &tally, |c| run_session(&c, &tally));
}
