//! Rule `json`: a `.json` file is valid JSON (`package.json`, `tsconfig.json` and the like are read
//! by tools that stop at the first error). The same check as `syntax`, named for the file kind.

use crate::protocol::{Violation, Words};
use super::{Check, Rule};
use crate::analysis::{Analysis, Language};

pub(crate) const SUMMARY: &str = "a .json file is valid JSON";

pub(crate) const CHECK: Check = Check::Parse(check);

fn check(path: &str, new: &Analysis) -> Option<Violation> {
    (Language::of(path) == Language::Json).then(|| super::syntax::parse_errors(Rule::Json, path, new)).flatten()
}

pub(crate) fn advice(path: &str, message: &str, words: &Words) -> String {
    super::syntax::advice(path, message, words)
}

#[cfg(test)]
mod tests {
    use super::super::super::{GateMode, check};
    use super::super::test_support::{create, rules, scope};
    use super::*;

    #[test]
    fn json_rule() {
        let s = scope(&["p.json"]);
        assert_eq!(rules(&check(&create("p.json", "{,}"), &s, GateMode::Block)), [Rule::Json]);
        assert!(check(&create("p.json", "{}"), &s, GateMode::Block).is_empty());
    }
}
