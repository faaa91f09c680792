//! Rule `in_scope` (always on): every write and delete is a file the user handed over for writing
//! (`RunInput.files`), inside the workspace, and never one of red-exec's own files (`tool_path`), even when
//! a host passes one. A path that leaves the workspace is refused as this rule (`normalize_path`).

use super::super::Scope;
use crate::protocol::{Violation, Words};
use super::{Check, Rule};

pub(crate) const SUMMARY: &str = "every write and delete is a file in scope (always on)";

pub(crate) const CHECK: Check = Check::Scope(check);

/// Normalise a workspace-relative path and refuse what leaves the workspace.
/// Symlinks cannot be seen from here: the host reports those as `outside_workspace`.
pub fn normalize_path(raw: &str) -> Result<String, Violation> {
    let unified = raw.trim().replace('\\', "/");
    let out_of_workspace = |why: &str| Violation::new(Rule::InScope, format!("{raw}: {why}"));
    if unified.is_empty() {
        return Err(out_of_workspace("empty path"));
    }
    let absolute = || out_of_workspace("absolute paths are not allowed; give a path inside the workspace");
    if unified.starts_with('/') {
        return Err(absolute());
    }
    let mut parts = Vec::new();
    // Each part is trimmed like the whole path, so a normalised path normalises to itself.
    for part in unified.split('/').map(str::trim) {
        match part {
            "" | "." => {}
            ".." => return Err(out_of_workspace("'..' leaves the workspace")),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(out_of_workspace("not a file path"));
    }
    // A drive letter is looked for in the first part, not the raw text: `./C:/x.js` is absolute too.
    let first = parts[0].as_bytes();
    if first.len() >= 2 && first[1] == b':' && first[0].is_ascii_alphabetic() {
        return Err(absolute());
    }
    Ok(parts.join("/"))
}

/// red-exec's own files, by the name of one part of a workspace-relative path: the project config
/// (found by walking up, so one in any directory counts), the log directory and everything under
/// it, the report and violations files, and the starter skill file (the model's instructions).
const TOOL_FILE_NAMES: [&str; 5] = [".red-exec.json", ".red-exec-report.md", ".red-exec-violations.jsonl", ".red-exec-skill.md", ".red-exec-logs"];

/// Why `path` (normalised, workspace-relative) is one of red-exec's own files, or `None`.
/// The one list of them: a run never plans, writes or deletes such a path, whatever the scope says.
/// The per-user files (`.config/red-exec/...`: the config and the trust store) count too, for a
/// workspace that is a home directory; a host that knows where they really are checks that itself.
pub fn tool_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    if let Some(name) = parts.iter().find(|p| TOOL_FILE_NAMES.iter().any(|n| p.eq_ignore_ascii_case(n))) {
        return Some(format!("{path} is red-exec's own file ({name}); a run never writes or deletes it"));
    }
    if parts.windows(2).any(|w| w[0] == ".config" && w[1] == "red-exec") {
        return Some(format!("{path} is red-exec's own file (the per-user config and trust store); a run never writes or deletes it"));
    }
    None
}

/// A tool file, or a path that is neither writable nor read-only context (that is `read_only`'s).
fn check(path: &str, scope: &Scope) -> Option<Violation> {
    if let Some(why) = tool_path(path) {
        return Some(Violation::new(Rule::InScope, why));
    }
    if !scope.read_only.contains(path) && !scope.writable.contains(path) {
        return Some(Violation::new(Rule::InScope, format!("{path} is not in {}", scope.words.word("files", None))));
    }
    None
}

pub(crate) fn advice(path: &str, _message: &str, words: &Words) -> String {
    format!("`{path}` is not in `{}`: add it if the run may write it.", words.word("files", None))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::scope;
    use super::*;

    #[test]
    fn paths_are_normalised_or_refused() {
        assert_eq!(normalize_path("./src//a.js").unwrap(), "src/a.js");
        assert_eq!(normalize_path("src\\b.js").unwrap(), "src/b.js");
        for bad in ["../x.js", "src/../../x.js", "/etc/passwd", "C:\\x.js", "", "."] {
            assert_eq!(normalize_path(bad).unwrap_err().rule, Rule::InScope, "{bad}");
        }
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        // Found by tests/robustness.rs: "é /" gave "é ", which normalised again to "é".
        for raw in ["é /", "./ a.js", "src /b.js ", "a. /"] {
            let once = normalize_path(raw).unwrap();
            assert_eq!(normalize_path(&once).unwrap(), once, "{raw:?}");
        }
        assert_eq!(normalize_path("./ a.js").unwrap(), "a.js");
        assert_eq!(normalize_path("./ ../x.js").unwrap_err().rule, Rule::InScope);
    }

    #[test]
    fn a_drive_letter_after_dot_slash_is_still_absolute() {
        // Found by tests/robustness.rs: "./a:" gave "a:", which is refused as absolute.
        for raw in ["./a:", "./C:/Windows/x.js", ".\\C:\\x.js", " ./ C:x.js"] {
            let err = normalize_path(raw).unwrap_err();
            assert!(err.message.contains("absolute"), "{raw:?}: {err:?}");
        }
        assert_eq!(normalize_path("src/a:b.js").unwrap(), "src/a:b.js");
    }

    #[test]
    fn the_tools_own_files_are_never_in_scope() {
        for p in [".red-exec.json", "sub/.red-exec.json", ".red-exec-logs/last-run", ".red-exec-logs/x/journal.jsonl", ".red-exec-report.md", ".red-exec-violations.jsonl", ".red-exec-skill.md", ".RED-EXEC.JSON", ".config/red-exec/trust.json"] {
            let v = check(p, &scope(&[p])).unwrap_or_else(|| panic!("{p} was in scope"));
            assert_eq!(v.rule, Rule::InScope, "{p}");
            assert!(v.message.contains("red-exec's own file"), "{p}: {}", v.message);
        }
        for p in ["red-exec.json", "src/red-exec-logs.js", "a.js", ".config/other/x.json"] {
            assert!(tool_path(p).is_none(), "{p}");
            assert!(check(p, &scope(&[p])).is_none(), "{p}");
        }
    }

    #[test]
    fn a_path_not_handed_over_is_out_of_scope_and_a_read_only_one_is_not_this_rules() {
        let mut s = scope(&["a.js"]);
        s.read_only.insert("spec.js".into());
        assert_eq!(check("b.js", &s).unwrap().message, "b.js is not in --files");
        assert!(check("spec.js", &s).is_none());
        assert_eq!(advice("b.js", "b.js is not in --files", &crate::codes::cli_words()), "`b.js` is not in `--files`: add it if the run may write it.");
        // The host's words, not the core's: without them the message names the run input's field.
        s.words = Words::default();
        assert_eq!(check("b.js", &s).unwrap().message, "b.js is not in files");
        assert_eq!(advice("b.js", "", &s.words), "`b.js` is not in `files`: add it if the run may write it.");
    }
}
