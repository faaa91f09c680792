//! Pass `line_endings` / `byte_order_mark`: a changed file keeps its byte-level conventions.

use super::Fix;

/// A changed file keeps its byte-level conventions: models answer with LF line ends and no
/// byte-order mark, so a file that had CRLF throughout (or a BOM) gets them back, and its diff
/// shows only the lines that really changed.
pub(crate) fn keep_text_conventions(old: Option<&str>, new: &str) -> (String, Vec<Fix>) {
    let Some(old) = old else { return (new.to_string(), Vec::new()) };
    let mut text = new.to_string();
    let mut fixes = Vec::new();
    let line_ends = old.matches('\n').count();
    let all_crlf = line_ends > 0 && old.matches("\r\n").count() == line_ends;
    let bare_lf = text.matches('\n').count() > text.matches("\r\n").count();
    if all_crlf && bare_lf {
        text = text.replace("\r\n", "\n").replace('\n', "\r\n");
        fixes.push(Fix { pass: "line_endings", description: "CRLF line ends, as in the file before".into() });
    }
    if old.starts_with('\u{FEFF}') && !text.starts_with('\u{FEFF}') {
        text.insert(0, '\u{FEFF}');
        fixes.push(Fix { pass: "byte_order_mark", description: "the byte-order mark the file had".into() });
    }
    (text, fixes)
}

#[cfg(test)]
mod tests {
    use super::keep_text_conventions;

    #[test]
    fn crlf_and_bom_come_back_and_lf_files_are_left_alone() {
        let (text, fixes) = keep_text_conventions(Some("\u{FEFF}a\r\nb\r\n"), "a\nb\nc\n");
        assert_eq!(text, "\u{FEFF}a\r\nb\r\nc\r\n");
        assert_eq!(fixes.iter().map(|f| f.pass).collect::<Vec<_>>(), ["line_endings", "byte_order_mark"]);
        // Mixed answers are made uniform; an LF file or a new file is not touched.
        assert_eq!(keep_text_conventions(Some("a\r\n"), "x\r\ny\n").0, "x\r\ny\r\n");
        assert!(keep_text_conventions(Some("a\nb\r\n"), "x\n").1.is_empty());
        assert!(keep_text_conventions(None, "x\n").1.is_empty());
        assert!(keep_text_conventions(Some("a\r\n"), "x\r\n").1.is_empty());
    }
}
