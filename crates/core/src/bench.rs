//! Benchmark-only: each stage of one whole-file edit timed on its own, for `npm run bench:core`
//! (benchmarks/scripts/core-speed.mjs). Not used by a run; the clock is the host's, passed in,
//! since the core has none.

use crate::analysis::{self, Cache};
use crate::gate::{self, Proposal, Scope};
use crate::protocol::{Action, GateMode};

/// Milliseconds each stage took, and what it found (so the work cannot be skipped unseen).
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageTimes {
    /// oxc's parse of the old and the new text, nothing else.
    pub parse_ms: f64,
    /// The facts (exports, items, sources, ...) of the old text, parse included: what a run
    /// computes when it reads the file.
    pub facts_ms: f64,
    /// The gate on the new text, with the old text's facts already known (as a run has them
    /// from its read): the semantic pass over the answer and every rule.
    pub gate_ms: f64,
    /// The unified diff (3 lines of context) from old to new.
    pub diff_ms: f64,
    pub parse_errors: usize,
    pub exports: usize,
    pub violations: usize,
    pub diff_bytes: usize,
}

/// Time each stage of a MODIFY of `path` from `old` to `new` with `now` (milliseconds).
pub fn stages(path: &str, old: &str, new: &str, now: &dyn Fn() -> f64) -> StageTimes {
    let mut t = StageTimes::default();

    let start = now();
    for text in [old, new] {
        let allocator = oxc_allocator::Allocator::default();
        t.parse_errors += crate::lang::parse(&allocator, path, text).diagnostics.len();
    }
    t.parse_ms = now() - start;

    let start = now();
    t.exports = analysis::analyze(path, old).exports.len();
    t.facts_ms = now() - start;

    let cache = Cache::default();
    cache.analyze(path, old);
    let scope = Scope { writable: [path.to_string()].into(), ..Scope::default() };
    let proposal = Proposal {
        path,
        action: Action::Modify,
        old: Some(old),
        new: Some(new),
        module_format: None,
        may_drop: &[],
        planned_exports: &[],
        allowed: &[],
    };
    let start = now();
    t.violations = gate::check_with(&proposal, &scope, GateMode::Block, &cache).len();
    t.gate_ms = now() - start;

    let start = now();
    t.diff_bytes = crate::diff::unified(path, Some(old), Some(new)).len();
    t.diff_ms = now() - start;
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_does_its_work() {
        let old = "function a() {}\nmodule.exports = { a };\n";
        let new = "function a() {}\nfunction b() {}\nmodule.exports = { a, b };\n";
        let t = stages("a.js", old, new, &|| 0.0);
        assert_eq!((t.parse_errors, t.exports, t.violations), (0, 1, 0));
        assert!(t.diff_bytes > 0);
    }
}
