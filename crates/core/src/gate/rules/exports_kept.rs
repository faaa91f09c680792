//! Rule `exports_kept`: a MODIFY keeps every export the file had, unless the plan may drop it
//! (`Proposal::may_drop`: moved by an EXTRACT, or named for removal by the task). A lost export
//! breaks every file that imports it, and nothing in the answer itself shows it.

use crate::protocol::{Violation, Words};
use super::{Check, Facts, Rule};

pub(crate) const SUMMARY: &str = "a MODIFY keeps its exports unless the plan moves them or the task removes them";

pub(crate) const CHECK: Check = Check::Facts(check);

fn check(facts: &Facts<'_>) -> Option<Violation> {
    let old = facts.old.filter(|old| old.is_valid())?;
    let lost: Vec<&str> = old
        .exports
        .iter()
        .filter(|name| !facts.new.exports.contains(*name) && !facts.proposal.may_drop.contains(name))
        .map(String::as_str)
        .collect();
    if lost.is_empty() {
        return None;
    }
    Some(Violation::new(Rule::ExportsKept, format!("{}: export(s) lost: {}", facts.proposal.path, lost.join(", "))))
}

pub(crate) fn advice(path: &str, message: &str, _words: &Words) -> String {
    let names = message.rsplit_once("lost: ").map_or("", |(_, n)| n);
    format!(
        "`{path}`: the change would remove export(s) {names}. If they must go, name them in the task \
         (\"remove the export {names}\"); otherwise run again."
    )
}

#[cfg(test)]
mod tests {
    use super::super::super::{GateMode, Proposal, check};
    use super::super::test_support::{modify, rules, scope};
    use super::*;

    #[test]
    fn lost_export_is_caught_unless_allowed() {
        let s = scope(&["a.js"]);
        let old = "function f() {}\nfunction g() {}\nmodule.exports = { f, g };\n";
        let new = "function f() {}\nmodule.exports = { f };\n";
        let v = check(&modify("a.js", old, new, None), &s, GateMode::Block);
        assert_eq!(rules(&v), [Rule::ExportsKept]);
        assert!(v[0].message.ends_with("lost: g"));
        let allowed = ["g".to_string()];
        let p = Proposal { may_drop: &allowed, ..modify("a.js", old, new, None) };
        assert!(check(&p, &s, GateMode::Block).is_empty());
        // Adding exports is fine.
        let grown = "function f() {}\nfunction g() {}\nmodule.exports = { f, g, h: 1 };\n";
        assert!(check(&modify("a.js", old, grown, None), &s, GateMode::Block).is_empty());
    }

    #[test]
    fn the_advice_names_the_lost_exports() {
        assert_eq!(
            advice("src/a.js", "src/a.js: export(s) lost: g, h", &crate::codes::cli_words()),
            "`src/a.js`: the change would remove export(s) g, h. If they must go, name them in the task (\"remove the export g, h\"); otherwise run again."
        );
    }
}
