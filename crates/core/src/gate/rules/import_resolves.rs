//! Rule `import_resolves`: every relative import of a file the run writes names a module that is
//! on disk after the run. Checked by the pipeline once every answer is staged: it knows the files
//! it read and the plan's changes, and asks the host about the other targets. A written file that
//! imports a missing module does not load, and neither does anything that imports it. A unit's
//! answer that does is sent back with [`refusal`]; out of retries, its file is blocked.

use crate::protocol::{Violation, Words};
use super::{Check, Rule};

pub(crate) const SUMMARY: &str = "every relative import of a written file names a module that exists after the run";

pub(crate) const CHECK: Check = Check::Pipeline;

/// The violation of a write of `path` whose import `spec` names no file that exists after the run.
pub(crate) fn missing(path: &str, spec: &str) -> Violation {
    Violation::new(
        Rule::ImportResolves,
        format!("{path}: imports {spec}, which is not in the workspace and which the plan does not create"),
    )
}

/// The refusal a unit is sent back with, in plain words: the module is not there, which are
/// (`modules`, as the file would import them), and the other way out. A small model told only
/// that its import is missing adds the same import again.
pub(crate) fn refusal(spec: &str, modules: &[String]) -> String {
    let from = if modules.is_empty() {
        String::new()
    } else {
        format!("import from one of the files that exist ({}); or ", modules.join(", "))
    };
    format!("`{spec}` does not exist and no file of the plan creates it: {from}define what you need in this file")
}

pub(crate) fn advice(path: &str, _message: &str, words: &Words) -> String {
    format!(
        "`{path}` would not load. Ask for the change without that import, or put the module it needs in `{}` \
         and say in the task that it is to be created.",
        words.word("files", None)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_file_and_the_import() {
        assert_eq!(
            missing("src/a.js", "./utils").message,
            "src/a.js: imports ./utils, which is not in the workspace and which the plan does not create"
        );
        assert!(advice("src/a.js", "", &crate::codes::cli_words()).contains("--files"));
        assert_eq!(
            refusal("./utils", &["./index.js".into(), "../lib/text.js".into()]),
            "`./utils` does not exist and no file of the plan creates it: import from one of the files that exist \
             (./index.js, ../lib/text.js); or define what you need in this file"
        );
        assert_eq!(refusal("./utils", &[]), "`./utils` does not exist and no file of the plan creates it: define what you need in this file");
    }
}
