//! Rule `exports_planned`: a CREATE or MODIFY of a script exports every name the plan declared for
//! it (`PlanEntry::exports`), so the files planned to import them find them. A file with an
//! `export * from` may provide any name, so it is not held to the list.

use crate::protocol::{Violation, Words};
use super::{Check, Facts, Rule};
use crate::analysis::Language;
use crate::protocol::Action;

pub(crate) const SUMMARY: &str = "a CREATE or MODIFY exports every name the plan declared for it";

pub(crate) const CHECK: Check = Check::Facts(check);

fn check(facts: &Facts<'_>) -> Option<Violation> {
    let proposal = facts.proposal;
    if !matches!(proposal.action, Action::Create | Action::Modify) || !Language::of(proposal.path).is_script() {
        return None;
    }
    if facts.new.exports.iter().any(|e| e.starts_with("*:")) {
        return None;
    }
    let missing: Vec<&str> =
        proposal.planned_exports.iter().filter(|name| !facts.new.exports.contains(*name)).map(String::as_str).collect();
    (!missing.is_empty()).then(|| {
        Violation::new(Rule::ExportsPlanned, format!("{}: planned export(s) missing: {}", proposal.path, missing.join(", ")))
    })
}

pub(crate) fn advice(path: &str, message: &str, _words: &Words) -> String {
    let names = message.rsplit_once("missing: ").map_or("", |(_, n)| n);
    format!(
        "`{path}`: the answer does not export {names}, which the plan says it must. Run again; name the \
         exports in the task if the plan got them wrong."
    )
}

#[cfg(test)]
mod tests {
    use super::super::super::{GateMode, Proposal, check};
    use super::super::test_support::{modify, rules, scope};
    use super::*;

    #[test]
    fn created_and_modified_files_export_what_the_plan_declared() {
        let s = scope(&["a.js"]);
        let planned = ["slugify".to_string(), "deslugify".to_string()];
        let create = |new: &'static str| Proposal {
            path: "a.js",
            action: Action::Create,
            old: None,
            new: Some(new),
            module_format: None,
            may_drop: &[],
            planned_exports: &planned,
            allowed: &[],
        };
        let v = check(&create("function slugify() {}\nmodule.exports = { slugify };\n"), &s, GateMode::Block);
        assert_eq!(rules(&v), [Rule::ExportsPlanned]);
        assert!(v[0].message.ends_with("planned export(s) missing: deslugify"), "{v:?}");
        let both = "function slugify() {}\nfunction deslugify() {}\nmodule.exports = { slugify, deslugify };\n";
        assert!(check(&create(both), &s, GateMode::Block).is_empty());
        assert!(check(&create("module.exports = require('./impl');\n"), &s, GateMode::Block).is_empty());
        let p = Proposal { planned_exports: &planned, ..modify("a.js", "", "export function slugify() {}\n", None) };
        assert_eq!(rules(&check(&p, &s, GateMode::Block)), [Rule::ExportsPlanned]);
        // Nothing declared: nothing to hold the answer to.
        assert!(check(&modify("a.js", "", "export function slugify() {}\n", None), &s, GateMode::Block).is_empty());
    }

    #[test]
    fn the_advice_names_the_missing_exports() {
        assert_eq!(
            advice("a.js", "a.js: planned export(s) missing: deslugify", &crate::codes::cli_words()),
            "`a.js`: the answer does not export deslugify, which the plan says it must. Run again; name the exports in the task if the plan got them wrong."
        );
    }
}
