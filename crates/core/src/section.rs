//! L2: cut a file into sections, so a unit of work is described (and later sent) by the parts it
//! touches rather than the whole file.

use serde::Serialize;

use crate::analysis::Analysis;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    /// Names declared in the section (empty for imports, statements and marker blocks).
    pub names: Vec<String>,
    /// The text of a `// SECTION ...`-style marker comment that opens this section, if any.
    pub marker: Option<String>,
    pub start: u32,
    pub end: u32,
}

/// A comment line that announces a section: `// SECTION 2: EXECUTION`, `// ==== Helpers ====`,
/// `// --- routes ---`, `// #region x`.
pub fn marker_text(line: &str) -> Option<String> {
    let body = line.trim().strip_prefix("//")?.trim();
    let upper = body.to_ascii_uppercase();
    let is_marker = upper.starts_with("SECTION")
        || upper.starts_with("#REGION")
        || (body.len() > 3 && (body.starts_with("===") || body.starts_with("---")));
    let title = body.trim_matches(|c: char| c == '=' || c == '-' || c.is_whitespace());
    (is_marker && !title.is_empty()).then(|| title.to_string())
}

/// One section per top-level item, each carrying the marker comment that precedes it (if any).
pub fn sections(source: &str, analysis: &Analysis) -> Vec<Section> {
    analysis
        .items
        .iter()
        .map(|item| {
            let head = &source[item.start as usize..item.end as usize];
            let marker = head.lines().take_while(|l| l.trim_start().starts_with("//")).find_map(marker_text);
            Section { names: item.names.clone(), marker, start: item.start, end: item.end }
        })
        .collect()
}

/// Top-level declared names of a file, in source order.
pub fn declared_names(analysis: &Analysis) -> Vec<String> {
    analysis.items.iter().flat_map(|i| i.names.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    #[test]
    fn markers_are_recognised() {
        assert_eq!(marker_text("// SECTION 2: EXECUTION").as_deref(), Some("SECTION 2: EXECUTION"));
        assert_eq!(marker_text("  // ===== Helpers =====").as_deref(), Some("Helpers"));
        assert_eq!(marker_text("// just a note"), None);
        assert_eq!(marker_text("// ----------"), None);
    }

    #[test]
    fn sections_follow_top_level_items() {
        let src = "// SECTION 1: SETUP\nconst a = 1;\n\n// SECTION 2: RUN\n// runs\nfunction run() {}\n";
        let s = sections(src, &analyze("x.js", src));
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].marker.as_deref(), Some("SECTION 1: SETUP"));
        assert_eq!(s[1].names, ["run"]);
        assert_eq!(s[1].marker.as_deref(), Some("SECTION 2: RUN"));
    }
}
