//! Rule `references_declared`: a MODIFY still declares every top-level name it declared before the
//! run and still uses. Dropping `function helper` while a caller stays parses, passes the export
//! rules, and throws a ReferenceError when the caller runs.

use crate::protocol::{Violation, Words};
use super::{Check, Facts, Rule};

pub(crate) const SUMMARY: &str = "a MODIFY does not call a top-level name it no longer declares";

pub(crate) const CHECK: Check = Check::Facts(check);

fn check(facts: &Facts<'_>) -> Option<Violation> {
    let old = facts.old.filter(|old| old.is_valid())?;
    let new = facts.new;
    let dangling: Vec<&str> = new
        .unresolved
        .iter()
        // A name the old file bound that is now bound nowhere (not even by a global the old
        // declaration shadowed: `fetch`, `name`).
        .filter(|name| old.bindings.contains(*name) && !crate::lang::is_global(name))
        // An exported one is `exports_declared`'s to report: one cause, one violation.
        .filter(|name| !new.export_refs.contains(*name))
        .map(String::as_str)
        .collect();
    (!dangling.is_empty()).then(|| {
        Violation::new(
            Rule::ReferencesDeclared,
            format!("{}: still uses name(s) it no longer declares: {}", facts.proposal.path, dangling.join(", ")),
        )
    })
}

pub(crate) fn advice(path: &str, message: &str, _words: &Words) -> String {
    let names = message.rsplit_once("declares: ").map_or("", |(_, n)| n);
    format!(
        "`{path}`: the answer removed {names} but still uses it (a ReferenceError when that code runs). Run \
         again; if it must go, say in the task what replaces it."
    )
}

#[cfg(test)]
mod tests {
    use super::super::super::{GateMode, Proposal, check};
    use super::super::test_support::{modify, rules, scope};
    use super::*;
    use crate::protocol::Action;

    #[test]
    fn a_deleted_helper_still_called_is_caught() {
        let s = scope(&["a.js", "a.ts"]);
        let check_modify = |path: &str, old: &str, new: &str| check(&modify(path, old, new, None), &s, GateMode::Block);
        let old = "function helper(x) { return x * 2; }\nfunction run(x) { return helper(x); }\nmodule.exports = { run };\n";
        for (what, path, old, new, dangling) in [
            ("a function", "a.js", old, "function run(x) { return helper(x); }\nmodule.exports = { run };\n", "helper"),
            (
                "a const used in a nested function",
                "a.js",
                "const RATE = 2;\nfunction run(xs) { return xs.map((x) => { const f = () => x * RATE; return f(); }); }\nmodule.exports = { run };\n",
                "function run(xs) { return xs.map((x) => { const f = () => x * RATE; return f(); }); }\nmodule.exports = { run };\n",
                "RATE",
            ),
            (
                "a class",
                "a.js",
                "class Stack {}\nfunction make() { return new Stack(); }\nmodule.exports = { make };\n",
                "function make() { return new Stack(); }\nmodule.exports = { make };\n",
                "Stack",
            ),
            (
                "an import",
                "a.ts",
                "import { clamp } from './clamp';\nexport const f = (x: number) => clamp(x);\n",
                "export const f = (x: number) => clamp(x);\n",
                "clamp",
            ),
            (
                "two at once, written to",
                "a.js",
                "let count = 0;\nfunction tick() {}\nfunction run() { count += 1; tick(); }\nmodule.exports = { run };\n",
                "function run() { count += 1; tick(); }\nmodule.exports = { run };\n",
                "count, tick",
            ),
        ] {
            let v = check_modify(path, old, new);
            assert_eq!(rules(&v), [Rule::ReferencesDeclared], "{what}: {v:?}");
            assert_eq!(v[0].message, format!("{path}: still uses name(s) it no longer declares: {dangling}"), "{what}");
        }
        // Fine: the helper goes with its last caller; a local of the same name replaces it; it
        // moved into the caller; globals were never the file's own; a new, undeclared name is the
        // other rules' business (or a global we do not know), not this one's.
        for (what, new) in [
            ("dropped with its caller", "function run(x) { return x * 2; }\nmodule.exports = { run };\n"),
            ("shadowed locally", "function run(x) { const helper = (y) => y * 2; return helper(x); }\nmodule.exports = { run };\n"),
            ("a parameter of the same name", "function run(x, helper = (y) => y) { return helper(x); }\nmodule.exports = { run };\n"),
            ("globals", "function run(x) { console.log(x); return Math.max(x, 0); }\nmodule.exports = { run };\n"),
            ("a name the old file never had", "function run(x) { return twice(x); }\nmodule.exports = { run };\n"),
            ("only as a property name", "function run(x) { return x.helper; }\nmodule.exports = { run, helper: 1 };\n"),
        ] {
            assert!(check_modify("a.js", old, new).is_empty(), "{what}");
        }
        // A global the old file shadowed may be used again once the shadow goes.
        let old = "function fetch() {}\nfunction get() { return fetch('/x'); }\nmodule.exports = { get };\n";
        assert!(check_modify("a.js", old, "function get() { return fetch('/x'); }\nmodule.exports = { get };\n").is_empty());
        // A CREATE has no old declarations to lose.
        let p = Proposal { action: Action::Create, old: None, ..modify("a.js", "", "helper();\n", None) };
        assert!(check(&p, &s, GateMode::Block).is_empty());
    }

    #[test]
    fn a_dangling_reference_names_what_was_removed() {
        assert_eq!(
            advice("a.js", "a.js: still uses name(s) it no longer declares: digit, RATE", &crate::codes::cli_words()),
            "`a.js`: the answer removed digit, RATE but still uses it (a ReferenceError when that code runs). Run again; if it must go, say in the task what replaces it."
        );
    }
}
