//! The gate's rules: one file each under `rules/`, listed once in `rules!` below.
//!
//! A rule's file holds what the rule is (its module doc), `SUMMARY` (one line for `gateRules()` and
//! a host's help), `CHECK` (when the gate runs it, and the function that finds the violation and
//! words its message), `advice` (what the user can do about a violation of it, for the report) and
//! its tests. Adding a rule: a new file, a line in `rules!` and its place in [`CHECK_ORDER`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Proposal, Scope};
use crate::protocol::{Violation, Words};
use crate::analysis::Analysis;

/// When the gate runs a rule, and what the rule is given.
#[derive(Clone, Copy)]
pub(crate) enum Check {
    /// Always, even with the gate off: the path alone.
    Scope(fn(path: &str, scope: &Scope) -> Option<Violation>),
    /// On the answer of a write as parsed, whether it parses or not.
    Parse(fn(path: &str, new: &Analysis) -> Option<Violation>),
    /// On the facts of an answer that parses.
    Facts(fn(&Facts<'_>) -> Option<Violation>),
    /// Not by the gate: the pipeline checks it, because it needs the whole plan.
    Pipeline,
}

/// What a `Check::Facts` rule is given.
pub(crate) struct Facts<'a> {
    pub(crate) proposal: &'a Proposal<'a>,
    /// The answer, analysed with the semantic pass; it parses.
    pub(crate) new: &'a Analysis,
    /// The old text of a MODIFY, whether it parses or not (`is_valid` says): what oxc recovered of it.
    pub(crate) old: Option<&'a Analysis>,
    /// The host's names for its controls.
    pub(crate) words: &'a Words,
}

/// Declares the rules: their modules, the `Rule` enum (wire name: the module's name) and
/// `Rule::ALL`, and dispatches `summary`, `advice` and the check to each rule's file.
macro_rules! rules {
    ($($variant:ident => $module:ident,)*) => {
        $(pub(crate) mod $module;)*

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            /// Every rule, in the order a host's help lists them.
            pub const ALL: [Rule; [$(stringify!($variant)),*].len()] = [$(Rule::$variant,)*];

            /// The rule's wire name (`"in_scope"`): the name of its file.
            pub fn name(self) -> &'static str {
                match self {
                    $(Rule::$variant => stringify!($module),)*
                }
            }

            /// What the rule holds a write to, in one line (`gateRules()`, a host's help).
            pub fn summary(self) -> &'static str {
                match self {
                    $(Rule::$variant => $module::SUMMARY,)*
                }
            }

            /// What to do about a violation of the rule at `path` with `message` (the report's
            /// "Suggested action").
            pub(crate) fn advice(self, path: &str, message: &str, words: &Words) -> String {
                match self {
                    $(Rule::$variant => $module::advice(path, message, words),)*
                }
            }

            pub(crate) fn check(self) -> Check {
                match self {
                    $(Rule::$variant => $module::CHECK,)*
                }
            }
        }
    };
}

rules! {
    InScope => in_scope,
    ReadOnly => read_only,
    Syntax => syntax,
    Json => json,
    ExportsKept => exports_kept,
    ExportsDeclared => exports_declared,
    ExportsPlanned => exports_planned,
    ModuleFormat => module_format,
    ReferencesDeclared => references_declared,
    DeleteStillImported => delete_still_imported,
    ImportResolves => import_resolves,
    ImportNamesExported => import_names_exported,
    NewCapability => new_capability,
}

impl Rule {
    /// The rules that say a file does not parse (the report lists them as syntax errors).
    pub(crate) fn is_parse_error(self) -> bool {
        matches!(self.check(), Check::Parse(_))
    }

    /// A violation that blocks whatever the mode: scope is not a rule a user can switch off.
    pub(crate) fn always_blocks(self) -> bool {
        matches!(self.check(), Check::Scope(_))
    }
}

/// The order the gate runs the rules in, and so the order of a proposal's violations.
pub(crate) const CHECK_ORDER: [Rule; Rule::ALL.len()] = [
    Rule::InScope,
    Rule::ReadOnly,
    Rule::Syntax,
    Rule::Json,
    Rule::ExportsDeclared,
    Rule::ExportsPlanned,
    Rule::ExportsKept,
    Rule::ReferencesDeclared,
    Rule::ModuleFormat,
    Rule::NewCapability,
    Rule::DeleteStillImported,
    Rule::ImportResolves,
    Rule::ImportNamesExported,
];

/// Helpers for the rules' tests.
#[cfg(test)]
pub(crate) mod test_support {

    use super::super::{Proposal, Rule, Scope, Violation};
    use crate::analysis::ModuleFormat;
    use crate::protocol::Action;

    pub(crate) fn scope(paths: &[&str]) -> Scope {
        Scope { writable: paths.iter().map(|p| p.to_string()).collect(), words: crate::codes::cli_words(), ..Scope::default() }
    }

    pub(crate) fn modify<'a>(path: &'a str, old: &'a str, new: &'a str, fmt: Option<ModuleFormat>) -> Proposal<'a> {
        Proposal { path, action: Action::Modify, old: Some(old), new: Some(new), module_format: fmt, may_drop: &[], planned_exports: &[], allowed: &[] }
    }

    pub(crate) fn create<'a>(path: &'a str, new: &'a str) -> Proposal<'a> {
        Proposal { path, action: Action::Create, old: None, new: Some(new), module_format: None, may_drop: &[], planned_exports: &[], allowed: &[] }
    }

    pub(crate) fn rules(v: &[Violation]) -> Vec<Rule> {
        v.iter().map(|v| v.rule).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_listed_once_with_its_wire_name_and_a_summary() {
        for (i, rule) in Rule::ALL.iter().enumerate() {
            assert!(!Rule::ALL[..i].contains(rule), "{rule:?} is listed twice");
            assert_eq!(serde_json::to_string(rule).unwrap(), format!("\"{}\"", rule.name()));
            assert!(!rule.summary().is_empty());
            assert_eq!(CHECK_ORDER.iter().filter(|r| *r == rule).count(), 1, "{rule:?} has no place in CHECK_ORDER");
        }
    }

    #[test]
    fn the_syntax_rules_are_the_parse_rules_and_scope_always_blocks() {
        let parse: Vec<Rule> = Rule::ALL.into_iter().filter(|r| r.is_parse_error()).collect();
        assert_eq!(parse, [Rule::Syntax, Rule::Json]);
        let scope: Vec<Rule> = Rule::ALL.into_iter().filter(|r| r.always_blocks()).collect();
        assert_eq!(scope, [Rule::InScope, Rule::ReadOnly]);
    }
}
