//! Rule `module_format`: a script uses the module system its project runs (`options.moduleFormat`
//! `cjs|esm|auto`; `auto` is decided by the pipeline from the file, package.json `"type"` and the
//! toolchain, and given as `Proposal::module_format`). `import` in a file Node loads as CommonJS,
//! or `require` in an ES module, fails the moment the file is loaded.

use crate::protocol::{Violation, Words};
use super::{Check, Facts, Rule};
use crate::analysis::{Language, ModuleFormat};

pub(crate) const SUMMARY: &str = "the file uses the module format its project runs";

pub(crate) const CHECK: Check = Check::Facts(check);

fn check(facts: &Facts<'_>) -> Option<Violation> {
    let path = facts.proposal.path;
    let expected = facts.proposal.module_format.filter(|_| Language::of(path).is_script())?;
    let wrong = match expected {
        ModuleFormat::Cjs => facts.new.has_esm_syntax,
        ModuleFormat::Esm => facts.new.has_cjs_syntax,
    };
    wrong.then(|| {
        let found = match expected {
            ModuleFormat::Cjs => "import/export",
            ModuleFormat::Esm => "require/module.exports",
        };
        Violation::new(Rule::ModuleFormat, format!("{path}: uses {found}, but this file must be {}", expected.describe()))
    })
}

pub(crate) fn advice(path: &str, _message: &str, words: &Words) -> String {
    format!(
        "`{path}`: the answer used the other module system. State the project's with `{}` or `{}` (or set \"type\" in \
         package.json).",
        words.word("moduleFormat", Some("cjs")),
        words.word("moduleFormat", Some("esm"))
    )
}

#[cfg(test)]
mod tests {
    use super::super::super::{GateMode, check};
    use super::super::test_support::{modify, rules, scope};
    use super::*;

    #[test]
    fn esm_in_cjs_project_and_back() {
        let s = scope(&["a.js"]);
        let esm = "export function f() {}\n";
        let v = check(&modify("a.js", "", esm, Some(ModuleFormat::Cjs)), &s, GateMode::Block);
        assert_eq!(rules(&v), [Rule::ModuleFormat]);
        let cjs = "const x = require('x');\nmodule.exports = { x };\n";
        let v = check(&modify("a.js", "", cjs, Some(ModuleFormat::Esm)), &s, GateMode::Block);
        assert_eq!(rules(&v), [Rule::ModuleFormat]);
        assert!(check(&modify("a.js", "", cjs, Some(ModuleFormat::Cjs)), &s, GateMode::Block).is_empty());
    }

    #[test]
    fn the_advice_names_both_formats() {
        assert_eq!(
            advice("a.js", "a.js: uses import/export", &crate::codes::cli_words()),
            "`a.js`: the answer used the other module system. State the project's with `--module-format cjs` or `--module-format esm` (or set \"type\" in package.json)."
        );
    }
}
