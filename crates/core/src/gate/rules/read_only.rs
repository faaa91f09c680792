//! Rule `read_only` (always on): no write to a file given as read-only context (`RunInput.read`). The
//! model sees such files to write the others; changing them is not what the user handed them over for.

use super::super::Scope;
use crate::protocol::{Violation, Words};
use super::{Check, Rule};

pub(crate) const SUMMARY: &str = "no write to a read-only context file (always on)";

pub(crate) const CHECK: Check = Check::Scope(check);

/// A read-only path (red-exec's own files are `in_scope`'s, whatever the scope says).
fn check(path: &str, scope: &Scope) -> Option<Violation> {
    if super::in_scope::tool_path(path).is_none() && scope.read_only.contains(path) {
        return Some(Violation::new(Rule::ReadOnly, format!("{path} is read-only context in this run")));
    }
    None
}

pub(crate) fn advice(path: &str, _message: &str, words: &Words) -> String {
    format!(
        "`{path}` was given as read-only context (`{}`): pass it with `{}` if the run may change it.",
        words.word("read", None),
        words.word("files", None)
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::scope;
    use super::*;

    #[test]
    fn a_read_only_path_is_refused_and_a_tool_file_is_in_scopes() {
        let mut s = scope(&["a.js"]);
        s.read_only.insert("spec.js".into());
        s.read_only.insert(".red-exec.json".into());
        assert_eq!(check("spec.js", &s).unwrap().message, "spec.js is read-only context in this run");
        assert!(check("a.js", &s).is_none());
        assert!(check("b.js", &s).is_none());
        assert!(check(".red-exec.json", &s).is_none());
        assert!(advice("spec.js", "", &crate::codes::cli_words()).starts_with("`spec.js` was given as read-only context (`--read`)"));
    }
}
