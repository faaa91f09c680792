//! Rule `exports_declared`: nothing is exported that the file does not declare (or that is not a
//! global). `module.exports = { gone }` parses, but throws a ReferenceError the moment anything
//! requires the file.

use crate::protocol::{Violation, Words};
use super::{Check, Facts, Rule};

pub(crate) const SUMMARY: &str = "nothing is exported that the file does not declare";

pub(crate) const CHECK: Check = Check::Facts(check);

fn check(facts: &Facts<'_>) -> Option<Violation> {
    let new = facts.new;
    let missing: Vec<&str> = new
        .export_refs
        .iter()
        .filter(|name| !new.bindings.contains(*name) && !crate::lang::is_global(name))
        .map(String::as_str)
        .collect();
    (!missing.is_empty()).then(|| {
        Violation::new(
            Rule::ExportsDeclared,
            format!("{}: exports name(s) never declared: {}", facts.proposal.path, missing.join(", ")),
        )
    })
}

pub(crate) fn advice(path: &str, _message: &str, _words: &Words) -> String {
    format!(
        "`{path}`: the answer exports a name it no longer declares (the file would throw when loaded). Run \
         again; if the function was meant to go, remove it from the task's export list too."
    )
}

#[cfg(test)]
mod tests {
    use super::super::super::{GateMode, check};
    use super::super::test_support::{modify, rules, scope};
    use super::*;

    #[test]
    fn exported_names_must_be_declared() {
        let s = scope(&["a.js"]);
        let old = "function f() {}\nfunction g() {}\nmodule.exports = { f, g };\n";
        let new = "function f() {}\nmodule.exports = { f, g };\n";
        let v = check(&modify("a.js", old, new, None), &s, GateMode::Block);
        assert_eq!(rules(&v), [Rule::ExportsDeclared]);
        assert!(v[0].message.ends_with("never declared: g"));
        let fine = "const { g } = require('./g');\nfunction f() {}\nmodule.exports = { f, g, Math };\n";
        assert!(check(&modify("a.js", old, fine, None), &s, GateMode::Block).is_empty());
    }
}
