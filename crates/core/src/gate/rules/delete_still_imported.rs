//! Rule `delete_still_imported`: no file on disk after the run imports a file the plan deletes.
//! Checked by the pipeline, which knows the whole plan: a CREATE or MODIFY answer that still
//! imports one is sent back (`importer`), and a delete that a file left on disk still needs is
//! blocked, and the plan with it (`deleted`).

use crate::protocol::{Violation, Words};
use super::{Check, Rule};

pub(crate) const SUMMARY: &str = "no file left on disk imports a file the plan deletes";

pub(crate) const CHECK: Check = Check::Pipeline;

/// The violation of an answer for `path` that still imports `dep`, which the plan deletes.
pub(crate) fn importer(path: &str, dep: &str) -> Violation {
    Violation::new(
        Rule::DeleteStillImported,
        format!("{path}: still imports {dep}, which the plan deletes: drop or replace that import"),
    )
}

/// The violation of the delete of `path`, which `by` still imports as the run leaves it on disk.
pub(crate) fn deleted(path: &str, by: &str) -> Violation {
    Violation::new(
        Rule::DeleteStillImported,
        format!("{path}: the plan deletes it, but {by} still imports it (as the run leaves it on disk)"),
    )
}

pub(crate) fn advice(path: &str, _message: &str, words: &Words) -> String {
    format!(
        "`{path}`: a file left on disk still imports it, so deleting it would break loading. Say in the task \
         that the import must go (and add that file to `{}` if it is not there), or keep `{path}`.",
        words.word("files", None)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_messages_name_the_files_and_the_advice_to_keep_it() {
        assert_eq!(importer("a.js", "./old"), Violation::new(Rule::DeleteStillImported, "a.js: still imports ./old, which the plan deletes: drop or replace that import"));
        assert_eq!(deleted("old.js", "a.js").message, "old.js: the plan deletes it, but a.js still imports it (as the run leaves it on disk)");
        assert!(advice("old.js", "", &crate::codes::cli_words()).ends_with("or keep `old.js`."));
    }
}
