//! L2: cut a file into sections, so a unit of work sees the part it changes in full and the rest of
//! the file only as an outline of signatures.

use serde::Serialize;

use crate::analysis::Analysis;

/// Files shorter than this are one unit: sectioning them saves nothing worth a second call.
pub const MIN_SECTIONED_LINES: usize = 120;
/// Classes at least this long are also offered member by member.
pub(crate) const LARGE_CLASS_LINES: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    /// 1-based position in the file; what plans and prompts call `#n`.
    pub index: usize,
    /// Names declared in the section (empty for plain statements).
    pub names: Vec<String>,
    /// The text of a `// SECTION ...`-style marker comment that opens this section, if any.
    pub marker: Option<String>,
    /// A short human name: the declared names, `module.exports`, or the statement's start.
    pub label: String,
    /// Byte span, leading comments included.
    pub start: u32,
    pub end: u32,
    /// For a member of a large class: the class's section index.
    pub parent: Option<usize>,
}

/// A comment line that announces a section: `// SECTION 2: EXECUTION`, `// ==== Helpers ====`,
/// `// --- routes ---`, `// #region x`.
pub(crate) fn marker_text(line: &str) -> Option<String> {
    let body = line.trim().strip_prefix("//")?.trim();
    let upper = body.to_ascii_uppercase();
    let is_marker = upper.starts_with("SECTION")
        || upper.starts_with("#REGION")
        || (body.len() > 3 && (body.starts_with("===") || body.starts_with("---")));
    let title = body.trim_matches(|c: char| c == '=' || c == '-' || c.is_whitespace());
    (is_marker && !title.is_empty()).then(|| title.to_string())
}

/// The statement's own text, without its leading comments.
fn code_of(text: &str) -> &str {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix("//") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = trimmed.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return trimmed;
        }
    }
}

fn clip(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        return line.to_string();
    }
    let cut: String = line.chars().take(max).collect();
    format!("{cut}…")
}

fn label_of(text: &str, names: &[String]) -> String {
    if !names.is_empty() {
        return names.join(", ");
    }
    let code = code_of(text);
    if code.starts_with("module.exports") || code.starts_with("export default") {
        return "module.exports".to_string();
    }
    clip(code.lines().next().unwrap_or("").trim(), 40)
}

/// One section per top-level item, each carrying the marker comment that precedes it (if any);
/// a large class is followed by one section per member (`Class.member`).
pub fn sections(source: &str, analysis: &Analysis) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for item in &analysis.items {
        let text = &source[item.start as usize..item.end as usize];
        let marker = text.lines().take_while(|l| l.trim_start().starts_with("//")).find_map(marker_text);
        let label = label_of(text, &item.names);
        let index = out.len() + 1;
        out.push(Section { index, names: item.names.clone(), marker, label: label.clone(), start: item.start, end: item.end, parent: None });
        if text.lines().nth(LARGE_CLASS_LINES - 1).is_some() {
            for m in &item.members {
                out.push(Section {
                    index: out.len() + 1,
                    names: Vec::new(),
                    marker: None,
                    label: format!("{label}.{}", m.name),
                    start: m.start,
                    end: m.end,
                    parent: Some(index),
                });
            }
        }
    }
    out
}

/// The first line of a section's code, clipped: enough to call or import it, not its body.
pub fn signature(source: &str, section: &Section) -> String {
    let code = code_of(&source[section.start as usize..section.end as usize]);
    let first = code.lines().next().unwrap_or("").trim_end();
    let more = if code.contains('\n') { " …" } else { "" };
    format!("{}{more}", clip(first, 120))
}

/// `#n label: signature` per section, except the listed ones; marker titles are kept as headings.
pub fn outline(source: &str, sections: &[Section], except: &[usize]) -> String {
    let mut out = String::new();
    let hidden = |s: &Section| except.contains(&s.index) || s.parent.is_some_and(|p| except.contains(&p));
    for s in sections.iter().filter(|s| !hidden(s)) {
        if let Some(marker) = &s.marker {
            out.push_str(&format!("// {marker}\n"));
        }
        let indent = if s.parent.is_some() { "  " } else { "" };
        out.push_str(&format!("{indent}#{} {}\n", s.index, signature(source, s)));
    }
    out
}

/// Find the sections a plan names: `#3`, `3`, a declared name, a label or a marker title.
pub fn resolve(sections: &[Section], refs: &[String]) -> Result<Vec<usize>, String> {
    let mut found = Vec::new();
    for r in refs {
        let key = r.trim();
        let by_number = key.trim_start_matches('#').parse::<usize>().ok().filter(|n| (1..=sections.len()).contains(n));
        let index = by_number.or_else(|| {
            sections
                .iter()
                .find(|s| {
                    s.names.iter().any(|n| n == key)
                        || s.label == key
                        || s.marker.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(key))
                })
                .map(|s| s.index)
        });
        match index {
            Some(i) if !found.contains(&i) => found.push(i),
            Some(_) => {}
            None => return Err(format!("no section \"{key}\"")),
        }
    }
    found.sort_unstable();
    // A class and one of its members would be replaced twice.
    if let Some(member) = found.iter().find(|&&i| sections[i - 1].parent.is_some_and(|p| found.contains(&p))) {
        let s = &sections[member - 1];
        return Err(format!("section #{} ({}) lies inside another chosen section; choose one of them", s.index, s.label));
    }
    Ok(found)
}

/// Replace spans of `source` (each `(start, end, new text)`, non-overlapping) in one pass.
pub fn splice(source: &str, replacements: &[(u32, u32, String)]) -> String {
    let mut ordered: Vec<&(u32, u32, String)> = replacements.iter().collect();
    ordered.sort_by_key(|r| r.0);
    let mut out = String::with_capacity(source.len());
    let mut at = 0usize;
    for (start, end, text) in ordered {
        out.push_str(&source[at..*start as usize]);
        // The span ends where the statement ends; the newline after it belongs to the file.
        // (A span of unparseable text may end in a newline of its own: then it keeps it.)
        let own_newline = source[*start as usize..*end as usize].ends_with('\n');
        out.push_str(if own_newline { text } else { text.strip_suffix('\n').unwrap_or(text) });
        at = *end as usize;
    }
    out.push_str(&source[at..]);
    out
}

/// Top-level declared names of a file, in source order.
pub fn declared_names(analysis: &Analysis) -> Vec<String> {
    analysis.items.iter().flat_map(|i| i.names.iter().cloned()).collect()
}

#[cfg(test)]
#[path = "section.tests.rs"]
mod tests;
