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
/// (`modules`: files the run knows exist; `imported`: modules the run's files import today), as
/// the file would import them, and the other way out. A small model told only that its import is
/// missing adds the same import again.
pub(crate) fn refusal(spec: &str, modules: &[String], imported: &[String]) -> String {
    let from = match (modules.is_empty(), imported.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!("import from one of the files that exist ({}); or ", modules.join(", ")),
        (true, false) => format!("import from one of the modules the run's files already import ({}); or ", imported.join(", ")),
        (false, false) => format!(
            "import from one of the files that exist ({}) or that the run's files already import ({}); or ",
            modules.join(", "),
            imported.join(", ")
        ),
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
        let (files, imported) = (["./index.js".to_string(), "../lib/text.js".to_string()], ["./ReadTool".to_string()]);
        assert_eq!(
            refusal("./utils", &files, &[]),
            "`./utils` does not exist and no file of the plan creates it: import from one of the files that exist \
             (./index.js, ../lib/text.js); or define what you need in this file"
        );
        assert_eq!(
            refusal("./utils", &files, &imported),
            "`./utils` does not exist and no file of the plan creates it: import from one of the files that exist \
             (./index.js, ../lib/text.js) or that the run's files already import (./ReadTool); or define what you need in this file"
        );
        assert!(refusal("./utils", &[], &imported).contains(": import from one of the modules the run's files already import (./ReadTool); or "));
        assert_eq!(refusal("./utils", &[], &[]), "`./utils` does not exist and no file of the plan creates it: define what you need in this file");
    }
}
