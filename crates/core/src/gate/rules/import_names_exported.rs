//! Rule `import_names_exported`: every name a written file imports by name from a module of the
//! workspace (`import { a }`, `import d`, `export { a } from`, `const { a } = require()`) is a
//! name that module exports after the run. The module resolving is `import_resolves`; this is the
//! next thing that makes a file fail to load or call `undefined` (`range_1.range is not a
//! function`, seen live: a unit imported `range` from the file a unit before it had just written
//! without it). Checked by the pipeline, which knows the text each module has after the run: on
//! each unit's answer, against the files already generated and those the plan leaves alone
//! (the answer goes back to the model with [`refusal`]), and once more on everything staged
//! before the writes, where it blocks. A module whose exports cannot all be named (CommonJS
//! exports built at run time, TypeScript's `export =`, a re-export of a module the run did not
//! read) is not held to it; neither is a name the file already imported before the run.

use crate::protocol::{Violation, Words};
use super::{Check, Rule};

pub(crate) const SUMMARY: &str = "every name a written file imports from a workspace module is exported by that module after the run";

pub(crate) const CHECK: Check = Check::Pipeline;

/// The most exported names a message lists.
const NAMES_LISTED: usize = 12;

/// The violation of a write of `path` that imports `names` from `spec`, which does not export them.
pub(crate) fn unexported(path: &str, spec: &str, names: &[String]) -> Violation {
    Violation::new(Rule::ImportNamesExported, format!("{path}: imports {} from {spec}, which does not export {}", quoted(names), them(names)))
}

/// The refusal a unit is sent back with: what is not exported, what is, and the ways out.
pub(crate) fn refusal(spec: &str, names: &[String], exported: &[String]) -> String {
    let has = match exported.len() {
        0 => "it exports nothing".to_string(),
        n if n > NAMES_LISTED => format!("it exports {} and {} more", quoted(&exported[..NAMES_LISTED]), n - NAMES_LISTED),
        _ => format!("it exports {}", quoted(exported)),
    };
    format!(
        "`{spec}` does not export {} ({has}): import a name it exports, or define what you need in this file",
        quoted(names)
    )
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn them(names: &[String]) -> &'static str {
    if names.len() == 1 { "it" } else { "them" }
}

pub(crate) fn advice(path: &str, _message: &str, words: &Words) -> String {
    format!(
        "`{path}` would not load or would call a name that is not there. Ask for the change again naming what the module \
         exports, or put the module in `{}` with the task saying what it is to export.",
        words.word("files", None)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_file_the_module_and_the_names() {
        let names = ["range".to_string()];
        assert_eq!(
            unexported("src/index.ts", "./range", &names).message,
            "src/index.ts: imports `range` from ./range, which does not export it"
        );
        let two = ["a".to_string(), "b".to_string()];
        assert!(unexported("x.js", "./y", &two).message.ends_with("`a`, `b` from ./y, which does not export them"));
        assert_eq!(
            refusal("./range", &names, &["rangeRule".to_string()]),
            "`./range` does not export `range` (it exports `rangeRule`): import a name it exports, or define what you need in this file"
        );
        assert!(refusal("./range", &names, &[]).contains("(it exports nothing)"));
        let many: Vec<String> = (0..15).map(|i| format!("n{i}")).collect();
        assert!(refusal("./m", &names, &many).contains("`n11` and 3 more)"));
        assert!(advice("src/index.ts", "", &crate::codes::cli_words()).contains("--files"));
    }
}
