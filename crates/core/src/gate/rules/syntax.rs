//! Rule `syntax`: the answer parses in its file's own language, ECMAScript's early errors included
//! (a name declared twice, `import { X }` beside `class X`, a module importing itself); XML, YAML
//! and TOML files must be well-formed. Text that does not parse cannot run, and its exports and
//! module syntax are not facts, so the other rules of the answer are not checked. (`.json`: `json`.)

use crate::protocol::{Violation, Words};
use super::{Check, Rule};
use crate::analysis::{Analysis, Language};

pub(crate) const SUMMARY: &str = "the file parses in its own language, early errors included (JS/TS, XML, YAML, TOML)";

pub(crate) const CHECK: Check = Check::Parse(check);

fn check(path: &str, new: &Analysis) -> Option<Violation> {
    (Language::of(path) != Language::Json).then(|| parse_errors(Rule::Syntax, path, new)).flatten()
}

/// The first parse error of `analysis`, and how many more: the message of `syntax` and `json`.
pub(super) fn parse_errors(rule: Rule, path: &str, analysis: &Analysis) -> Option<Violation> {
    let first = analysis.syntax_errors.first()?;
    let more = analysis.syntax_errors.len() - 1;
    let tail = if more > 0 { format!(" (+{more} more)") } else { String::new() };
    Some(Violation::new(rule, format!("{path}: {first}{tail}")))
}

pub(crate) fn advice(path: &str, _message: &str, words: &Words) -> String {
    format!(
        "`{path}`: the generated code does not parse. Run again or raise `{}`; another `{}` may also help.",
        words.word("maxRetries", None),
        words.word("model", None)
    )
}

#[cfg(test)]
mod tests {
    use super::super::super::{Decision, GateMode, check, decide};
    use super::super::test_support::{create, modify, rules, scope};
    use super::*;

    #[test]
    fn syntax_error_blocks_and_warn_mode_warns() {
        let s = scope(&["a.js"]);
        let v = check(&modify("a.js", "let a;\n", "let a = ;\n", None), &s, GateMode::Block);
        assert_eq!(rules(&v), [Rule::Syntax]);
        assert!(v[0].message.contains("line 1"));
        assert_eq!(decide(&v, GateMode::Block), Decision::Block);
        assert_eq!(decide(&v, GateMode::Warn), Decision::Warn);
    }

    #[test]
    fn data_files_are_checked_by_the_syntax_rule() {
        let s = scope(&["AndroidManifest.xml", "ci.yml", "Cargo.toml"]);
        let manifest = "<manifest package=\"a\"/>\nmodule.exports = { register };\n";
        let v = check(&create("AndroidManifest.xml", manifest), &s, GateMode::Block);
        assert_eq!(rules(&v), [Rule::Syntax]);
        assert!(v[0].message.starts_with("AndroidManifest.xml: invalid XML:"), "{}", v[0].message);
        assert_eq!(rules(&check(&create("ci.yml", "a:\n\tb: 1\n"), &s, GateMode::Block)), [Rule::Syntax]);
        assert_eq!(rules(&check(&create("Cargo.toml", "a = 1\na = 2\n"), &s, GateMode::Block)), [Rule::Syntax]);
        assert!(check(&create("Cargo.toml", "a = 1\n"), &s, GateMode::Block).is_empty());
    }

    #[test]
    fn the_advice_is_to_run_again() {
        assert_eq!(
            advice("src/b.js", "src/b.js: Unexpected token at line 3", &crate::codes::cli_words()),
            "`src/b.js`: the generated code does not parse. Run again or raise `--max-retries`; another `--model` may also help."
        );
    }
}
