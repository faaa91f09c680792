//! Read-only context cut to what one unit uses (issue 18).
//!
//! A read-only file small enough goes whole. A larger one goes as its outline (a script's section
//! signatures, a document's headings) in the run's stable prefix, the same bytes for every unit,
//! and each unit gets, beside it, only the sections its code or brief references: a section that
//! holds one of the unit's identifiers (its exports, declarations, the names in its brief), or a
//! document section whose heading holds a word of the brief. A file whose referenced sections are
//! most of it goes whole instead.

use std::collections::BTreeSet;

use crate::analysis::{Analysis, Language};
use crate::prompts::ReadOnlyView;
use crate::section;

/// Of the context budget, the share a task-named directory's outlines may take, all directories together.
pub(crate) const DIR_OUTLINE_SHARE: u32 = 4;

/// At most this many estimated tokens, a read-only file goes whole (its outline would save little).
/// An example file of 190 tokens shown whole to a unit that only registers a module was most of
/// that unit's context (issue 18): above this, the unit gets the outline and what it uses.
pub(crate) const SMALL_READ_ONLY_TOKENS: usize = 160;

/// When the referenced sections are this share of the file or more, it goes whole.
const MOSTLY_WHOLE: f64 = 0.8;

/// Words of a brief too common to pick a document's section by.
const STOP_WORDS: [&str; 24] = [
    "about", "after", "also", "before", "being", "change", "could", "every", "export", "exports", "file", "files",
    "their", "there", "these", "those", "under", "until", "where", "which", "while", "would", "should", "other",
];

/// What one unit is about, to pick sections by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Terms {
    /// Identifiers: matched as whole words, case-sensitive.
    pub(crate) names: BTreeSet<String>,
    /// Lower-case words of five letters or more: matched against a document's headings.
    pub(crate) words: BTreeSet<String>,
}

impl Terms {
    /// The terms of a unit: `names` it declares, exports or must export, and `brief` (its intent,
    /// its part of the task), whose identifier-shaped words (camelCase, snake_case, `backticked`)
    /// count as names and whose other long words count as words.
    pub(crate) fn of(names: impl IntoIterator<Item = String>, brief: &[&str]) -> Terms {
        let mut terms = Terms { names: names.into_iter().filter(|n| n.len() >= 3).collect(), words: BTreeSet::new() };
        for text in brief {
            for (i, piece) in text.split('`').enumerate() {
                if i % 2 == 1 {
                    terms.names.extend(identifiers(piece).filter(|w| w.len() >= 3).map(str::to_string));
                    continue;
                }
                for w in identifiers(piece) {
                    if is_code_name(w) {
                        terms.names.insert(w.to_string());
                    } else if w.len() >= 5 && w.chars().all(char::is_alphabetic) {
                        let lower = w.to_lowercase();
                        if !STOP_WORDS.contains(&lower.as_str()) {
                            terms.words.insert(lower);
                        }
                    }
                }
            }
        }
        terms
    }
}

fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).filter(|w| !w.is_empty())
}

/// camelCase, PascalCase with a second capital, snake_case, `$`: a name from code, not a word.
fn is_code_name(w: &str) -> bool {
    let camel = w.chars().skip(1).any(char::is_uppercase) && w.chars().any(char::is_lowercase);
    w.len() >= 3 && (camel || w.contains(['_', '$']))
}

/// One cut piece of a file: its byte range and how the prompt names it.
struct Piece {
    start: usize,
    end: usize,
    label: String,
    heading: Option<String>,
    /// The names a script's section declares (its data, its helpers).
    declares: Vec<String>,
}

/// A script's top-level sections, or a document's heading sections (the text before the first
/// heading is a piece of its own).
fn pieces(path: &str, text: &str, analysis: Option<&Analysis>) -> Option<Vec<Piece>> {
    match analysis {
        Some(a) if Language::of(path).is_script() && a.is_valid() => {
            let all = section::sections(text, a);
            Some(
                all.iter()
                    .filter(|s| s.parent.is_none())
                    .map(|s| Piece {
                        start: s.start as usize,
                        end: s.end as usize,
                        label: format!("#{}", s.index),
                        heading: None,
                        declares: s.names.clone(),
                    })
                    .collect(),
            )
        }
        // A document (Markdown, text) with headings: a section per heading.
        _ if Language::of(path) == Language::Other && text.lines().any(|l| l.starts_with('#')) => {
            let mut out: Vec<Piece> = Vec::new();
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                if line.starts_with('#') || out.is_empty() {
                    if let Some(last) = out.last_mut() {
                        last.end = offset;
                    }
                    let heading = line.starts_with('#').then(|| line.trim().to_string());
                    out.push(Piece { start: offset, end: text.len(), label: heading.clone().unwrap_or_default(), heading, declares: Vec::new() });
                }
                offset += line.len();
            }
            Some(out)
        }
        _ => None,
    }
}

/// The outline of a read-only file: a script's section signatures, a document's headings.
pub(crate) fn outline(path: &str, text: &str, analysis: Option<&Analysis>) -> String {
    match analysis {
        Some(a) if Language::of(path).is_script() && a.is_valid() => section::outline(text, &section::sections(text, a), &[]),
        // Prose keeps its headings: enough to know what the file is about.
        _ => text.lines().filter(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect(),
    }
}

fn tokens(text: &str) -> usize {
    (text.len() * 2).div_ceil(7)
}

fn refers(piece: &str, heading: Option<&str>, terms: &Terms) -> bool {
    let names = identifiers(piece).any(|w| terms.names.contains(w));
    let heading_words = heading.is_some_and(|h| identifiers(h).any(|w| terms.words.contains(&w.to_lowercase())));
    names || heading_words
}

/// One read-only file as one unit sees it: the stable view (whole, or its outline) and, for a file
/// shown as an outline, the sections the unit references (`None`: none is).
pub(crate) fn cut(path: &str, text: &str, analysis: Option<&Analysis>, terms: &Terms) -> (ReadOnlyView, Option<ReadOnlyView>) {
    let whole = || (ReadOnlyView { path: path.to_string(), text: text.to_string(), whole: true }, None);
    if tokens(text) <= SMALL_READ_ONLY_TOKENS {
        return whole();
    }
    let Some(pieces) = pieces(path, text, analysis) else { return whole() };
    let mut picked: Vec<bool> = pieces.iter().map(|p| refers(&text[p.start..p.end], p.heading.as_deref(), terms)).collect();
    // What a picked section uses from the rest of the file comes with it (a test's shared data,
    // a helper it calls): one level, so a test is never shown without the values it checks.
    let used_names: BTreeSet<&str> =
        pieces.iter().zip(&picked).filter(|(_, k)| **k).flat_map(|(p, _)| identifiers(&text[p.start..p.end])).collect();
    for (p, k) in pieces.iter().zip(picked.iter_mut()) {
        if !*k && p.declares.iter().any(|d| used_names.contains(d.as_str())) {
            *k = true;
        }
    }
    let used: Vec<&Piece> = pieces.iter().zip(&picked).filter(|(_, k)| **k).map(|(p, _)| p).collect();
    let used_bytes: usize = used.iter().map(|p| p.end - p.start).sum();
    if used_bytes as f64 >= MOSTLY_WHOLE * text.len() as f64 {
        return whole();
    }
    let stable = ReadOnlyView { path: path.to_string(), text: outline(path, text, analysis), whole: false };
    if used.is_empty() {
        return (stable, None);
    }
    let labels: Vec<&str> = used.iter().map(|p| p.label.as_str()).filter(|l| !l.is_empty()).collect();
    let mut body = String::new();
    for p in &used {
        body.push_str(&text[p.start..p.end]);
        if !body.ends_with('\n') {
            body.push('\n');
        }
    }
    let label = if labels.is_empty() { path.to_string() } else { format!("{path} ({})", labels.join(", ")) };
    (stable, Some(ReadOnlyView { path: label, text: body, whole: false }))
}

/// Paths the task names that may be directories: a path ending in `/` (`systems/core/triage/`),
/// or a path with a `/` whose last part has no extension (`lib/triage`): the host lists each, and
/// one that is not a directory comes back absent.
pub(crate) fn task_dirs(task: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in task.split(|c: char| c.is_whitespace() || "`'\"()[]{}<>,;".contains(c)) {
        let word = word.trim_end_matches(['.', ':', '!', '?']);
        if word.contains("://") || !word.contains('/') || word.starts_with('/') {
            continue;
        }
        if !word.chars().all(|c| c.is_alphanumeric() || "_-./@".contains(c)) {
            continue;
        }
        let last = word.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        if !word.ends_with('/') && last.contains('.') {
            continue;
        }
        if let Ok(path) = crate::gate::normalize_path(word)
            && !found.contains(&path)
        {
            found.push(path);
        }
    }
    found
}

/// A script's top-level declarations, one first line each (`function route(ticket) { …`), and
/// its exports: what a file of a named directory offers, without the statements around them.
/// None for a script that does not parse or declares nothing.
fn declarations_outline(text: &str, analysis: Option<&Analysis>) -> Option<String> {
    let a = analysis.filter(|a| a.is_valid())?;
    let mut out = String::new();
    for item in a.items.iter().filter(|i| !i.names.is_empty()) {
        let code = text.get(item.start as usize..item.end as usize)?;
        // An item's span may begin with what comes before it ('use strict', comments): the line
        // that declares one of its names is its signature.
        let mut lines = code.lines().map(str::trim_end);
        let Some(first) = lines.find(|l| identifiers(l).any(|w| item.names.iter().any(|n| n == w))) else {
            continue;
        };
        let rest = lines.any(|l| !l.trim().is_empty());
        let clipped: String = first.chars().take(120).collect();
        let more = if rest || clipped.len() < first.len() { " …" } else { "" };
        out.push_str(&format!("{clipped}{more}\n"));
    }
    if !a.exports.is_empty() {
        out.push_str(&format!("exports: {}\n", a.exports.iter().map(String::as_str).collect::<Vec<_>>().join(", ")));
    }
    (!out.is_empty()).then_some(out)
}

/// The read-only views of the script files listed under task-named directories (`files`: path,
/// text, analysis; in the order to show them): each as its outline, while all of them together fit
/// `max_tokens`; the files past it, and those with no outline, are named in one view, not shown.
pub(crate) fn dir_views(files: &[(String, String, Option<Analysis>)], max_tokens: usize) -> Vec<ReadOnlyView> {
    let mut views = Vec::new();
    let mut named = Vec::new();
    let mut used = 0;
    for (path, text, analysis) in files {
        let outline = declarations_outline(text, analysis.as_ref()).unwrap_or_else(|| outline(path, text, analysis.as_ref()));
        let cost = tokens(&outline) + tokens(path) + 8;
        if outline.trim().is_empty() || used + cost > max_tokens {
            named.push(path.as_str());
            continue;
        }
        used += cost;
        views.push(ReadOnlyView { path: path.clone(), text: outline, whole: false });
    }
    if !named.is_empty() {
        let text = named.iter().map(|p| format!("{p}\n")).collect();
        views.push(ReadOnlyView { path: "(files of the named directories not shown: over the context budget)".into(), text, whole: false });
    }
    views
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    fn contract() -> String {
        let mut doc = String::from("# Service contract\n\nIntro text.\n");
        for (name, body) in [("Billing", "invoiceTotal(items) sums the lines."), ("Shipping", "shipOrder(order) books a courier."), ("Refunds", "refund(order) pays back.")] {
            doc.push_str(&format!("\n## {name}\n\n{body}\n{}\n", "More detail on this part of the contract. ".repeat(20)));
        }
        doc
    }

    #[test]
    fn a_small_file_goes_whole_and_a_large_one_as_outline_plus_the_sections_the_unit_uses() {
        let small = "# Notes\n\nshort\n";
        let (view, parts) = cut("NOTES.md", small, None, &Terms::default());
        assert!(view.whole && view.text == small && parts.is_none());

        let doc = contract();
        let terms = Terms::of(["shipOrder".to_string()], &["Book the courier when an order ships."]);
        let (view, parts) = cut("docs/CONTRACT.md", &doc, None, &terms);
        assert!(!view.whole);
        assert_eq!(view.text, "# Service contract\n## Billing\n## Shipping\n## Refunds\n");
        let parts = parts.unwrap();
        assert_eq!(parts.path, "docs/CONTRACT.md (## Shipping)");
        assert!(parts.text.starts_with("## Shipping\n") && parts.text.contains("shipOrder(order)") && !parts.text.contains("invoiceTotal"), "{}", parts.text);

        // A heading word of the brief picks its section too; nothing referenced: the outline only.
        let by_heading = Terms::of([], &["Handle refunds for cancelled orders."]);
        assert!(cut("docs/CONTRACT.md", &doc, None, &by_heading).1.unwrap().text.starts_with("## Refunds\n"));
        assert!(cut("docs/CONTRACT.md", &doc, None, &Terms::of([], &["Do something unrelated."])).1.is_none());
    }

    #[test]
    fn a_scripts_sections_are_picked_by_the_names_they_hold_and_mostly_used_files_go_whole() {
        let mut spec = String::from("const { add, mul } = require('./calc');\n\n");
        for name in ["add", "mul", "div"] {
            spec.push_str(&format!("describe('{name}', () => {{\n"));
            for i in 0..12 {
                spec.push_str(&format!("  test('{name} case {i}', () => expect({name}({i}, 2)).toBe({i}));\n"));
            }
            spec.push_str("});\n\n");
        }
        let analysis = analyze("calc.spec.js", &spec);
        let (view, parts) = cut("calc.spec.js", &spec, Some(&analysis), &Terms::of(["div".to_string()], &[]));
        assert!(!view.whole && view.text.contains("#4 "), "{}", view.text);
        let parts = parts.unwrap();
        assert!(parts.path.starts_with("calc.spec.js (#4"), "{}", parts.path);
        assert!(parts.text.contains("div case 11") && !parts.text.contains("add case 0"), "{}", parts.text);
        // A unit that uses every section gets the file whole, in the stable prefix.
        let all = Terms::of(["add".to_string(), "mul".to_string(), "div".to_string()], &[]);
        let (view, parts) = cut("calc.spec.js", &spec, Some(&analysis), &all);
        assert!(view.whole && parts.is_none());
    }

    #[test]
    fn a_picked_section_brings_the_data_and_helpers_it_uses() {
        let mut spec = String::from("const { add, mul } = require('./calc');\n\nconst pairs = [[1, 2], [3, 4], [5, 6]];\n\nconst unused = 'nothing here uses this';\n\n");
        for name in ["add", "mul"] {
            spec.push_str(&format!("describe('{name}', () => {{\n"));
            for i in 0..12 {
                spec.push_str(&format!("  test('{name} pair {i}', () => expect({name}(...pairs[{i} % 3])).toBe({i}));\n"));
            }
            spec.push_str("});\n\n");
        }
        let analysis = analyze("calc.spec.js", &spec);
        let (view, parts) = cut("calc.spec.js", &spec, Some(&analysis), &Terms::of(["mul".to_string()], &[]));
        assert!(!view.whole);
        let parts = parts.unwrap();
        // The mul tests, and the pairs they check, not the add tests nor what no picked test uses.
        assert!(parts.text.contains("mul pair 11") && parts.text.contains("const pairs = [[1, 2]"), "{}", parts.text);
        assert!(!parts.text.contains("add pair 0") && !parts.text.contains("unused"), "{}", parts.text);
    }

    #[test]
    fn terms_take_code_names_from_the_brief_and_long_words_for_headings() {
        let t = Terms::of(["greet".to_string(), "ok".to_string()], &["Call `ping` and parseArgs; see the refunds section."]);
        assert_eq!(t.names, ["greet", "parseArgs", "ping"].map(String::from).into_iter().collect());
        assert!(t.words.contains("refunds") && t.words.contains("section") && !t.words.contains("parseargs"));
    }

    #[test]
    fn task_dirs_are_paths_ending_in_a_slash_or_without_an_extension() {
        let task = "Study the triage system at `systems/core/triage/` and lib/queue, see docs/API.md and https://x.org/a/.";
        assert_eq!(task_dirs(task), ["systems/core/triage", "lib/queue"]);
        assert!(task_dirs("Fix /etc/ and ../up/ and bowling.js.").is_empty());
    }

    #[test]
    fn directory_outlines_fit_their_budget_and_the_rest_are_named() {
        let a = "function alpha(x) {\n  return x + 1;\n}\nmodule.exports = { alpha };\n".to_string();
        let b = "function beta(y) {\n  return y * 2;\n}\nmodule.exports = { beta };\n".to_string();
        let files = vec![
            ("lib/a.js".to_string(), a.clone(), Some(analyze("lib/a.js", &a))),
            ("lib/b.js".to_string(), b.clone(), Some(analyze("lib/b.js", &b))),
        ];
        let all = dir_views(&files, 1_000);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].text, "function alpha(x) { …\nexports: alpha\n");
        assert!(!all[0].whole);
        let one = dir_views(&files, 25);
        assert_eq!(one.len(), 2);
        assert_eq!(one[0].path, "lib/a.js");
        assert!(one[1].path.contains("not shown") && one[1].text == "lib/b.js\n", "{one:?}");
    }
}
