//! Unified diffs of planned changes, for the report, the host's diff view and dry runs.
//!
//! The lines are diffed as `&str` slices by `similar`'s Myers, which trims the common head and
//! tail first: for a whole-file answer that changes a few lines of a large file, the work is one
//! comparison pass over each text. (`TextDiff::from_lines` interns every line of both texts in
//! a hash map first, which costs more than the rest together on a 200k-line file.) The output is
//! `TextDiff`'s unified diff, byte for byte: the same line split, the same ops (`Compact` and
//! `Replace` included), the same hunks and headers; tested against it on random edits.

use std::fmt::Write;

use similar::{Algorithm, ChangeTag, DiffOp};

/// The lines of `text` as `similar` splits them: each with its `\n`, `\r\n` or lone `\r`.
fn lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    while let Some(at) = bytes[start..].iter().position(|&b| b == b'\n' || b == b'\r') {
        let mut end = start + at + 1;
        if bytes[end - 1] == b'\r' && bytes.get(end) == Some(&b'\n') {
            end += 1;
        }
        lines.push(&text[start..end]);
        start = end;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

fn ops<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<DiffOp> {
    similar::capture_diff_deadline(Algorithm::Myers, old, 0..old.len(), new, 0..new.len(), None)
}

/// `start,len` as a unified diff's hunk header writes a range (`similar`'s format).
fn range(start: usize, end: usize) -> String {
    match end - start {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        len => format!("{},{len}", start + 1),
    }
}

/// A unified diff (3 lines of context) from `old` to `new`; `None` stands for an absent file.
/// Empty when nothing changes.
pub(crate) fn unified(path: &str, old: Option<&str>, new: Option<&str>) -> String {
    let before = old.unwrap_or("");
    let after = new.unwrap_or("");
    if old.is_some() == new.is_some() && before == after {
        return String::new();
    }
    let from = if old.is_some() { format!("a/{path}") } else { "/dev/null".to_string() };
    let to = if new.is_some() { format!("b/{path}") } else { "/dev/null".to_string() };
    let (a, b) = (lines(before), lines(after));
    let mut out = String::new();
    for hunk in similar::group_diff_ops(ops(&a, &b), 3).into_iter().filter(|h| !h.is_empty()) {
        if out.is_empty() {
            let _ = write!(out, "--- {from}\n+++ {to}\n");
        }
        let (first, last) = (hunk[0], hunk[hunk.len() - 1]);
        let old_range = range(first.old_range().start, last.old_range().end);
        let new_range = range(first.new_range().start, last.new_range().end);
        let _ = writeln!(out, "@@ -{old_range} +{new_range} @@");
        for op in &hunk {
            for change in op.iter_changes(&a, &b) {
                let line = change.value();
                out.push(match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                });
                out.push_str(line);
                if !line.ends_with(['\r', '\n']) {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// Lines added and removed (the tests hold the diff's operations to `similar`'s count).
#[cfg(test)]
fn stat(old: Option<&str>, new: Option<&str>) -> (usize, usize) {
    use similar::DiffTag;
    let (a, b) = (lines(old.unwrap_or("")), lines(new.unwrap_or("")));
    ops(&a, &b).iter().fold((0, 0), |(add, del), op| match op.tag() {
        DiffTag::Insert => (add + op.new_range().len(), del),
        DiffTag::Delete => (add, del + op.old_range().len()),
        DiffTag::Replace => (add + op.new_range().len(), del + op.old_range().len()),
        DiffTag::Equal => (add, del),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modify_has_headers_and_hunks() {
        let d = unified("src/a.js", Some("a\nb\nc\n"), Some("a\nB\nc\n"));
        assert_eq!(d, "--- a/src/a.js\n+++ b/src/a.js\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
        assert_eq!(stat(Some("a\nb\nc\n"), Some("a\nB\nc\n")), (1, 1));
    }

    #[test]
    fn create_and_delete_use_dev_null() {
        assert!(unified("n.js", None, Some("x\n")).starts_with("--- /dev/null\n+++ b/n.js\n"));
        assert!(unified("o.js", Some("x\n"), None).starts_with("--- a/o.js\n+++ /dev/null\n"));
    }

    #[test]
    fn no_change_no_diff() {
        assert_eq!(unified("a.js", Some("x\n"), Some("x\n")), "");
    }

    /// What the diff was before it skipped `TextDiff`'s line interning: its output must not move.
    fn similar_unified(path: &str, old: Option<&str>, new: Option<&str>) -> String {
        let (before, after) = (old.unwrap_or(""), new.unwrap_or(""));
        if old.is_some() == new.is_some() && before == after {
            return String::new();
        }
        let from = if old.is_some() { format!("a/{path}") } else { "/dev/null".to_string() };
        let to = if new.is_some() { format!("b/{path}") } else { "/dev/null".to_string() };
        similar::TextDiff::from_lines(before, after).unified_diff().context_radius(3).header(&from, &to).to_string()
    }

    fn similar_stat(old: &str, new: &str) -> (usize, usize) {
        similar::TextDiff::from_lines(old, new).iter_all_changes().fold((0, 0), |(add, del), c| match c.tag() {
            ChangeTag::Insert => (add + 1, del),
            ChangeTag::Delete => (add, del + 1),
            ChangeTag::Equal => (add, del),
        })
    }

    #[test]
    fn edge_cases_match_similar() {
        let long = "x\n".repeat(120);
        let texts = ["", "\n", "a", "a\n", "a\r\n", "a\r", "a\rb", "a\r\nb\n", "a\nb", "a\nb\n", "\r\n\r\n", &long];
        for old in texts {
            for new in texts {
                assert_eq!(unified("f.js", Some(old), Some(new)), similar_unified("f.js", Some(old), Some(new)), "{old:?} -> {new:?}");
                assert_eq!(stat(Some(old), Some(new)), similar_stat(old, new), "{old:?} -> {new:?}");
            }
            assert_eq!(unified("f.js", None, Some(old)), similar_unified("f.js", None, Some(old)));
            assert_eq!(unified("f.js", Some(old), None), similar_unified("f.js", Some(old), None));
        }
    }

    use proptest::prelude::*;

    /// A text of lines from a small alphabet (repeats make the diff's choices matter), each ending
    /// in `\n`, `\r\n` or `\r`, the last one maybe without any.
    fn text() -> impl Strategy<Value = String> {
        let line = (prop::sample::select(vec!["", "a", "b", "}", "  x();", "function f() {"]), prop::sample::select(vec!["\n", "\n", "\n", "\r\n", "\r"]));
        (prop::collection::vec(line, 0..160), any::<bool>()).prop_map(|(lines, cut_last)| {
            let mut s: String = lines.iter().map(|(l, end)| format!("{l}{end}")).collect();
            if cut_last {
                while s.ends_with(['\r', '\n']) {
                    s.pop();
                }
            }
            s
        })
    }

    /// An edit of `old`: a few lines replaced, inserted or removed anywhere.
    fn edited() -> impl Strategy<Value = (String, String)> {
        (text(), prop::collection::vec((any::<prop::sample::Index>(), 0..4usize, text()), 1..4)).prop_map(|(old, edits)| {
            let mut new = old.clone();
            for (at, cut, insert) in edits {
                let starts: Vec<usize> = std::iter::once(0).chain(lines(&new).iter().scan(0, |n, l| { *n += l.len(); Some(*n) })).collect();
                let i = at.index(starts.len());
                let from = starts[i];
                let to = starts[(i + cut).min(starts.len() - 1)];
                let insert: String = insert.chars().take(40).collect();
                new.replace_range(from..to, &insert);
            }
            (old, new)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn the_diff_is_similars_byte_for_byte((old, new) in edited()) {
            prop_assert_eq!(unified("src/f.js", Some(&old), Some(&new)), similar_unified("src/f.js", Some(&old), Some(&new)));
            prop_assert_eq!(stat(Some(&old), Some(&new)), similar_stat(&old, &new));
        }

        #[test]
        fn unrelated_texts_too(old in text(), new in text()) {
            prop_assert_eq!(unified("src/f.js", Some(&old), Some(&new)), similar_unified("src/f.js", Some(&old), Some(&new)));
        }
    }
}
