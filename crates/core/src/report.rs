//! The run's result and how it reads: the console report and the benchmark token line.

use serde::{Deserialize, Serialize};

use crate::gate::Violation;
use crate::plan::{Action, PlanEntry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Partial,
    Crashed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Partial => "PARTIAL",
            Status::Crashed => "CRASHED",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StageState {
    #[default]
    Pending,
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stages {
    #[serde(rename = "L1")]
    pub l1: StageState,
    #[serde(rename = "L2")]
    pub l2: StageState,
    #[serde(rename = "L3")]
    pub l3: StageState,
    pub gate: StageState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Written,
    Deleted,
    Blocked,
    Failed,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileOutcome {
    pub path: String,
    pub action: Action,
    pub outcome: Outcome,
    pub diff: String,
    pub violations: Vec<Violation>,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub written: u32,
    pub deleted: u32,
    pub blocked: u32,
    pub failed: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub calls: u32,
    pub model_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    pub run_id: String,
    pub status: Status,
    pub stages: Stages,
    pub plan: Vec<PlanEntry>,
    pub files: Vec<FileOutcome>,
    pub counts: Counts,
    pub usage: Usage,
    pub cost_usd: Option<f64>,
    pub error: Option<RunError>,
}

/// List prices in USD per million tokens (input, output), as published by the providers in 2025.
/// An estimate for the report, not a bill.
pub const PRICES: &[(&str, &str, f64, f64)] = &[
    ("deepseek-chat", "deepseek", 0.28, 0.42),
    ("deepseek-reasoner", "deepseek", 0.28, 0.42),
    ("gpt-4.1", "openai", 2.00, 8.00),
    ("gpt-4.1-mini", "openai", 0.40, 1.60),
    ("gpt-4o", "openai", 2.50, 10.00),
    ("gpt-4o-mini", "openai", 0.15, 0.60),
];

pub fn estimate_cost(model: &str, usage: &Usage) -> Option<f64> {
    let (_, _, input, output) = PRICES.iter().find(|(name, ..)| *name == model)?;
    Some((usage.prompt_tokens as f64 * input + usage.completion_tokens as f64 * output) / 1_000_000.0)
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mark(state: StageState) -> &'static str {
    match state {
        StageState::Ok => "✓",
        StageState::Failed => "✗",
        StageState::Pending | StageState::Skipped => "–",
    }
}

/// The console report. `wall_ms` is the run's wall time as the host measured it.
pub fn render_console(result: &RunResult, wall_ms: u64) -> String {
    let s = &result.stages;
    let c = &result.counts;
    let u = &result.usage;
    let mut out = String::from("=== Run Report ===\n");
    out.push_str(&format!("Status:   {}\n", result.status.name()));
    out.push_str(&format!(
        "Stages:   L1 {}  L2 {}  L3 {}  Gate {}\n",
        mark(s.l1),
        mark(s.l2),
        mark(s.l3),
        mark(s.gate)
    ));
    out.push_str(&format!("Files:    {} written, {} deleted, {} blocked", c.written, c.deleted, c.blocked));
    if c.failed > 0 {
        out.push_str(&format!(", {} failed", c.failed));
    }
    out.push('\n');
    out.push_str(&format!(
        "Tokens:   {} ({} calls, {:.1}s)\n",
        thousands(u.total_tokens),
        u.calls,
        wall_ms as f64 / 1000.0
    ));
    for f in result.files.iter().filter(|f| matches!(f.outcome, Outcome::Blocked | Outcome::Failed)) {
        let why = f
            .violations
            .iter()
            .map(|v| format!("[{}] {}", v.rule.name(), v.message))
            .chain(f.error.clone())
            .collect::<Vec<_>>()
            .join("; ");
        let label = if f.outcome == Outcome::Blocked { "Blocked:  " } else { "Failed:   " };
        out.push_str(&format!("{label}{} {}: {why}\n", f.action.name(), f.path));
    }
    if let Some(err) = &result.error {
        out.push_str(&format!("Error:    {} ({})\n", err.message, err.code));
    }
    let cost = result.cost_usd.map_or("n/a".to_string(), |c| format!("${c:.4}"));
    out.push_str(&format!("Tokens: {}t | Calls: {} | cost: {cost}\n", thousands(u.total_tokens), u.calls));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Rule;

    fn result() -> RunResult {
        RunResult {
            run_id: "r".into(),
            status: Status::Partial,
            stages: Stages { l1: StageState::Ok, l2: StageState::Ok, l3: StageState::Ok, gate: StageState::Failed },
            plan: vec![],
            files: vec![FileOutcome {
                path: "a.js".into(),
                action: Action::Modify,
                outcome: Outcome::Blocked,
                diff: String::new(),
                violations: vec![Violation { rule: Rule::Syntax, message: "a.js: bad".into() }],
                attempts: 3,
                error: None,
            }],
            counts: Counts { written: 1, deleted: 0, blocked: 1, failed: 0 },
            usage: Usage { prompt_tokens: 1000, completion_tokens: 234, total_tokens: 1234, calls: 2, model_ms: 900 },
            cost_usd: Some(0.00038),
            error: None,
        }
    }

    #[test]
    fn console_report_lines() {
        let text = render_console(&result(), 2100);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "=== Run Report ===");
        assert_eq!(lines[1], "Status:   PARTIAL");
        assert_eq!(lines[2], "Stages:   L1 ✓  L2 ✓  L3 ✓  Gate ✗");
        assert_eq!(lines[3], "Files:    1 written, 0 deleted, 1 blocked");
        assert_eq!(lines[4], "Tokens:   1,234 (2 calls, 2.1s)");
        assert_eq!(lines[5], "Blocked:  MODIFY a.js: [syntax] a.js: bad");
        assert_eq!(lines[6], "Tokens: 1,234t | Calls: 2 | cost: $0.0004");
    }

    #[test]
    fn thousands_and_cost() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let u = Usage { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, ..Usage::default() };
        assert_eq!(estimate_cost("gpt-4o-mini", &u), Some(0.75));
        assert_eq!(estimate_cost("llama-local", &u), None);
    }
}
