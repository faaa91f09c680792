//! Unified diffs of planned changes, for the report, the host's diff view and dry runs.

use similar::{ChangeTag, TextDiff};

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
    TextDiff::from_lines(before, after).unified_diff().context_radius(3).header(&from, &to).to_string()
}

/// Lines added and removed.
pub fn stat(old: Option<&str>, new: Option<&str>) -> (usize, usize) {
    let diff = TextDiff::from_lines(old.unwrap_or(""), new.unwrap_or(""));
    diff.iter_all_changes().fold((0, 0), |(add, del), change| match change.tag() {
        ChangeTag::Insert => (add + 1, del),
        ChangeTag::Delete => (add, del + 1),
        ChangeTag::Equal => (add, del),
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
}
