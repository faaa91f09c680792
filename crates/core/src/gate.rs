//! InvariantGate: every rule a write must pass before it may touch disk.
//!
//! The gate sees a proposed change (path, old text, new text) and the run's scope; it returns the
//! rules the change breaks. What to do about a violation (block, warn) is the mode's business.
//! The gate is the list of its rules: each is one file under `gate/rules/` (its check, message,
//! advice and tests), listed once in `gate/rules.rs`.

use std::collections::BTreeSet;

use crate::analysis::{self, Analysis, ModuleFormat};
use crate::protocol::{Action, Capability, Decision, GateMode, Violation, Words};

mod rules;

pub use rules::Rule;
pub use rules::in_scope::{normalize_path, tool_path};
pub(crate) use rules::new_capability::capabilities_asked;
pub(crate) use rules::delete_still_imported;
pub(crate) use rules::import_resolves;
pub(crate) use rules::import_names_exported;
use rules::{CHECK_ORDER, Check, Facts};

impl Violation {
    pub(crate) fn new(rule: Rule, message: impl Into<String>) -> Self {
        Violation { rule, message: message.into() }
    }
}

/// Which paths a run may write, and which it may only read.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub writable: BTreeSet<String>,
    pub read_only: BTreeSet<String>,
    /// The host's names for its controls, for the messages that point at one.
    pub words: Words,
}

/// One change the pipeline wants to make.
#[derive(Debug, Clone)]
pub struct Proposal<'a> {
    pub path: &'a str,
    pub action: Action,
    pub old: Option<&'a str>,
    /// `None` for a delete.
    pub new: Option<&'a str>,
    /// The module format the file must be in, when one applies.
    pub module_format: Option<ModuleFormat>,
    /// Exports the plan may drop (moved by EXTRACT, or named for deletion by the task).
    pub may_drop: &'a [String],
    /// What the plan says the file must export when done (`PlanEntry::exports`); empty: nothing declared.
    pub planned_exports: &'a [String],
    /// Capabilities the answer may add (`new_capability`): the user's `allow` and what the task asks for.
    pub allowed: &'a [Capability],
}

/// Every rule the proposal breaks, in a fixed order (`CHECK_ORDER`, in `gate/rules.rs`).
pub fn check(proposal: &Proposal<'_>, scope: &Scope, mode: GateMode) -> Vec<Violation> {
    check_with(proposal, scope, mode, &analysis::Cache::default())
}

/// [`check`], taking the facts of both texts from a session's `cache` (the old text was read
/// before the run, a retried answer may come back unchanged).
pub(crate) fn check_with(proposal: &Proposal<'_>, scope: &Scope, mode: GateMode, cache: &analysis::Cache) -> Vec<Violation> {
    let mut violations = run(Phase::Scope(proposal.path, scope));
    if mode == GateMode::Off {
        return violations;
    }
    let Some(new_text) = proposal.new else { return violations };
    // Only the answer needs the semantic pass (early errors, unresolved names); of the old text
    // the gate reads its exports, top-level bindings and capabilities.
    let new = cache.analyze_checked(proposal.path, new_text);
    violations.extend(run(Phase::Parse(proposal.path, &new)));
    if !new.is_valid() {
        // Exports and module syntax of text that does not parse are not facts.
        return violations;
    }
    let old = match (proposal.action, proposal.old) {
        (Action::Modify, Some(old_text)) => Some(cache.analyze(proposal.path, old_text)),
        _ => None,
    };
    let facts = Facts { proposal, new: &new, old: old.as_deref(), words: &scope.words };
    violations.extend(run(Phase::Facts(&facts)));
    violations
}

/// What the gate has at hand at each step of [`check`].
enum Phase<'a> {
    Scope(&'a str, &'a Scope),
    Parse(&'a str, &'a Analysis),
    Facts(&'a Facts<'a>),
}

/// The violations of the rules checked at `phase`, in [`CHECK_ORDER`].
fn run(phase: Phase<'_>) -> Vec<Violation> {
    let check = |rule: &Rule| match (rule.check(), &phase) {
        (Check::Scope(f), Phase::Scope(path, scope)) => f(path, scope),
        (Check::Parse(f), Phase::Parse(path, new)) => f(path, new),
        (Check::Facts(f), Phase::Facts(facts)) => f(facts),
        _ => None,
    };
    CHECK_ORDER.iter().filter_map(check).collect()
}

/// What the mode makes of a list of violations.
pub fn decide(violations: &[Violation], mode: GateMode) -> Decision {
    let scope_broken = violations.iter().any(|v| v.rule.always_blocks());
    match (violations.is_empty(), mode) {
        (true, _) => Decision::Pass,
        _ if scope_broken => Decision::Block,
        (false, GateMode::Block) => Decision::Block,
        (false, _) => Decision::Warn,
    }
}

#[cfg(test)]
mod tests {
    use super::rules::test_support::{modify, rules, scope};
    use super::*;

    #[test]
    fn out_of_scope_and_read_only_are_blocked_even_with_gate_off() {
        let mut s = scope(&["a.js"]);
        s.read_only.insert("spec.js".into());
        let p = Proposal { path: "b.js", action: Action::Create, old: None, new: Some("x"), module_format: None, may_drop: &[], planned_exports: &[], allowed: &[] };
        let v = check(&p, &s, GateMode::Off);
        assert_eq!(rules(&v), [Rule::InScope]);
        assert_eq!(decide(&v, GateMode::Off), Decision::Block);
        let p = Proposal { path: "spec.js", ..p };
        assert_eq!(rules(&check(&p, &s, GateMode::Warn)), [Rule::ReadOnly]);
    }

    #[test]
    fn violations_come_in_check_order_and_a_broken_parse_stops_the_rest() {
        // Out of scope, undeclared export, lost export and the wrong module format at once.
        let old = "function f() {}\nfunction g() {}\nmodule.exports = { f, g };\n";
        let new = "function f() {}\nmodule.exports = { f, h };\n";
        let v = check(&modify("a.js", old, new, Some(ModuleFormat::Esm)), &scope(&[]), GateMode::Warn);
        assert_eq!(rules(&v), [Rule::InScope, Rule::ExportsDeclared, Rule::ExportsKept, Rule::ModuleFormat], "{v:?}");
        let v = check(&modify("a.js", old, "export { f, h ;\n", Some(ModuleFormat::Cjs)), &scope(&["a.js"]), GateMode::Block);
        assert_eq!(rules(&v), [Rule::Syntax]);
    }
}
