//! The run's result and how it reads: the console report and the benchmark token line.

use crate::fence::fence_for;
use crate::protocol::{
    ErrorCode, Words, FileOutcome, ModelStage, GateMode, Outcome, PlanSource, RunResult, StageState, Status, Usage, UsageByStage, VerifyAttempt, VerifyReport,
};

/// `report::RunWarning::from_gate` is where the pipeline takes the gate's warnings from.
pub(crate) use crate::protocol::RunWarning;

impl RunWarning {
    /// The warnings the gate let through: violations on files that were written (or kept) anyway.
    pub(crate) fn from_gate(files: &[FileOutcome]) -> Vec<RunWarning> {
        files
            .iter()
            .filter(|f| !matches!(f.outcome, Outcome::Blocked | Outcome::Failed | Outcome::Withheld))
            .flat_map(|f| {
                f.violations.iter().map(|v| RunWarning {
                    code: "gate".into(),
                    rule: Some(v.rule.name().to_string()),
                    path: Some(f.path.clone()),
                    message: without_path(&v.message, &f.path).to_string(),
                })
            })
            .collect()
    }
}

impl VerifyAttempt {
    /// `exit 1`, `timed out`, `killed by SIGSEGV`, or why it could not run.
    pub(crate) fn how_it_ended(&self) -> String {
        if self.timed_out {
            return "timed out".into();
        }
        match (&self.exit_code, &self.signal) {
            (Some(code), _) => format!("exit {code}"),
            (None, Some(sig)) => format!("killed by {sig}"),
            (None, None) => "did not run".into(),
        }
    }
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

/// List prices in USD per million prompt tokens served from the provider's prompt cache (a cache
/// hit), as published in 2025; a model not listed here is priced at its full input rate.
pub(crate) const CACHED_INPUT_PRICES: &[(&str, f64)] = &[
    ("deepseek-chat", 0.028),
    ("deepseek-reasoner", 0.028),
    ("gpt-4.1", 0.50),
    ("gpt-4.1-mini", 0.10),
    ("gpt-4o", 1.25),
    ("gpt-4o-mini", 0.075),
];

pub(crate) fn estimate_cost(model: &str, usage: &Usage) -> Option<f64> {
    let (_, _, input, output) = PRICES.iter().find(|(name, ..)| *name == model)?;
    let cached_rate = CACHED_INPUT_PRICES.iter().find(|(name, _)| *name == model).map_or(*input, |(_, rate)| *rate);
    let cached = usage.cached_tokens.min(usage.prompt_tokens);
    let fresh = usage.prompt_tokens - cached;
    Some((fresh as f64 * input + cached as f64 * cached_rate + usage.completion_tokens as f64 * output) / 1_000_000.0)
}

/// `1234567` -> `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
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

/// Lines of a failing check's output the console report shows (the Markdown report has more).
const CONSOLE_TAIL_LINES: usize = 8;

/// `npm test: passed (attempt 2 of 2)` / `npm test: failed (exit 1), writes rolled back`.
pub(crate) fn verify_line(v: &VerifyReport, words: &Words) -> String {
    let n = v.attempts.len();
    let tries = if n > 1 { format!(" after {n} attempts") } else { String::new() };
    if v.passed {
        return format!("`{}` passed{tries}", v.command);
    }
    let how = v.attempts.last().map_or("did not run".to_string(), VerifyAttempt::how_it_ended);
    let writes = if v.kept {
        format!("writes kept ({})", words.word("keepOnFail", None))
    } else if v.rolled_back {
        "writes rolled back".into()
    } else {
        "writes left as they are".into()
    };
    format!("`{}` failed ({how}){tries}; {writes}", v.command)
}

/// Names one console line lists before it says "and N more".
const NAMES_SHOWN: usize = 10;

/// `text` safe for a terminal and for one report line: every control character (a newline or an
/// escape sequence in a file name or a model's message) shown as `\uXXXX`.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `a.js, b.js and 3 more`: names escaped, at most NAMES_SHOWN of them.
fn name_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    let shown: Vec<String> = names.iter().take(NAMES_SHOWN).map(|n| printable(n)).collect();
    let mut out = shown.join(", ");
    if names.len() > NAMES_SHOWN {
        out.push_str(&format!(" and {} more", names.len() - NAMES_SHOWN));
    }
    out
}

/// The one token line, in the form the original's runners parse (`Tokens:\s*([\d,]+)t`,
/// `Calls:\s*(\d+)`), with the wall time and the cost estimate.
pub(crate) fn token_line(result: &RunResult, wall_ms: u64) -> String {
    let u = &result.usage;
    let cost = result.cost_usd.map_or("n/a".to_string(), |c| format!("${c:.4}"));
    let cached = if u.cached_tokens > 0 { format!(" | cached: {}t", thousands(u.cached_tokens)) } else { String::new() };
    format!(
        "Tokens:   {}t | Calls: {} | {:.1}s | cost: {cost}{cached}",
        thousands(u.total_tokens),
        u.calls,
        wall_ms as f64 / 1000.0
    )
}

/// How a derived plan is named in the reports.
fn derived_line(result: &RunResult) -> String {
    let n = result.plan.len();
    let files = format!("{n} file{}", if n == 1 { "" } else { "s" });
    match result.plan_source {
        PlanSource::Supplied => format!("supplied by the caller ({files}; no model call)"),
        _ => format!("derived from the scope ({files})"),
    }
}

/// The console report. `wall_ms` is the run's wall time as the host measured it; `words` are the
/// host's names for its controls.
pub fn render_console(result: &RunResult, wall_ms: u64, words: &Words) -> String {
    let s = &result.stages;
    let c = &result.counts;
    let mut out = String::from("=== Run Report ===\n");
    // FAILED and CRASHED say why in one word: the error code.
    let why = match (&result.status, &result.error) {
        (Status::Failed | Status::Crashed, Some(e)) => format!(" ({})", printable(e.code.as_str())),
        _ => String::new(),
    };
    out.push_str(&format!("Status:   {}{why}\n", result.status.name()));
    match result.gate {
        GateMode::Block => {}
        GateMode::Warn => out.push_str("Gate:     warn (violations are written, not blocked)\n"),
        GateMode::Off => out.push_str("Gate:     off (only scope is checked)\n"),
    }
    out.push_str(&format!(
        "Stages:   L1 {}  L2 {}  L3 {}  Gate {}\n",
        mark(s.l1),
        mark(s.l2),
        mark(s.l3),
        mark(s.gate)
    ));
    if matches!(result.plan_source, PlanSource::Derived | PlanSource::Supplied) {
        out.push_str(&format!("Plan:     {}\n", derived_line(result)));
    }
    out.push_str(&format!("Files:    {} written, {} deleted, {} blocked", c.written, c.deleted, c.blocked));
    if c.failed > 0 {
        out.push_str(&format!(", {} failed", c.failed));
    }
    if c.rolled_back > 0 {
        out.push_str(&format!(", {} rolled back", c.rolled_back));
    }
    if c.withheld > 0 {
        out.push_str(&format!(", {} withheld", c.withheld));
    }
    out.push('\n');
    for (label, outcome) in
        [("Written:  ", Outcome::Written), ("Deleted:  ", Outcome::Deleted), ("Restored: ", Outcome::RolledBack), ("Withheld: ", Outcome::Withheld)]
    {
        let mut names = result.files.iter().filter(|f| f.outcome == outcome).map(|f| f.path.as_str()).peekable();
        if names.peek().is_some() {
            out.push_str(&format!("{label}{}\n", name_list(names)));
        }
    }
    if let Some(v) = &result.verify {
        out.push_str(&format!("Verify:   {}\n", printable(&verify_line(v, words))));
        // The end of a failing check's output is what the user reads first.
        if let Some(last) = v.attempts.last().filter(|a| !a.passed) {
            let lines: Vec<&str> = last.output_tail.lines().filter(|l| !l.trim().is_empty()).collect();
            for line in &lines[lines.len().saturating_sub(CONSOLE_TAIL_LINES)..] {
                out.push_str(&format!("          | {}\n", printable(line)));
            }
        }
    }
    let bad: Vec<&FileOutcome> =
        result.files.iter().filter(|f| matches!(f.outcome, Outcome::Blocked | Outcome::Failed)).collect();
    for f in bad.iter().take(NAMES_SHOWN) {
        let why = f
            .violations
            .iter()
            .map(|v| format!("[{}] {}", v.rule.name(), without_path(&v.message, &f.path)))
            .chain(f.error.clone())
            .collect::<Vec<_>>()
            .join("; ");
        let label = if f.outcome == Outcome::Blocked { "Blocked:  " } else { "Failed:   " };
        out.push_str(&format!("{label}{} {}: {}\n", f.action.name(), printable(&f.path), printable(&why)));
    }
    if bad.len() > NAMES_SHOWN {
        out.push_str(&format!("          and {} more ({} lists them all)\n", bad.len() - NAMES_SHOWN, words.word("report", None)));
    }
    for w in &result.warnings {
        let tag = w.rule.as_deref().unwrap_or(&w.code);
        let path = w.path.as_deref().map_or(String::new(), |p| format!("{}: ", printable(p)));
        out.push_str(&format!("Warning:  [{}] {path}{}\n", printable(tag), printable(&w.message)));
    }
    if let Some(err) = &result.error {
        out.push_str(&format!("Error:    {} ({})\n", printable(&err.message), printable(err.code.as_str())));
    }
    out.push_str(&token_line(result, wall_ms));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::*;

    fn written(path: &str) -> FileOutcome {
        FileOutcome {
            path: path.into(),
            action: Action::Create,
            outcome: Outcome::Written,
            diff: String::new(),
            violations: vec![],
            attempts: 1,
            error: None,
        }
    }

    fn result() -> RunResult {
        RunResult {
            run_id: "r".into(),
            status: Status::Partial,
            stages: Stages { l1: StageState::Ok, l2: StageState::Ok, l3: StageState::Ok, gate: StageState::Failed },
            plan: vec![],
            plan_source: PlanSource::Model,
            files: vec![FileOutcome {
                path: "a.js".into(),
                action: Action::Modify,
                outcome: Outcome::Blocked,
                diff: String::new(),
                violations: vec![Violation { rule: Rule::Syntax, message: "a.js: bad".into() }],
                attempts: 3,
                error: None,
            }, written("b.js")],
            counts: Counts { written: 1, deleted: 0, blocked: 1, failed: 0, rolled_back: 0, withheld: 0 },
            usage: Usage { prompt_tokens: 1000, completion_tokens: 234, total_tokens: 1234, calls: 2, model_ms: 900, cached_tokens: 0 },
            cost_usd: Some(0.00038),
            error: None,
            usage_by_stage: UsageByStage::default(),
            verify: None,
            gate: GateMode::Block,
            warnings: vec![],
        }
    }

    #[test]
    fn console_report_lines() {
        let text = render_console(&result(), 2100, &crate::codes::cli_words());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "=== Run Report ===",
                "Status:   PARTIAL",
                "Stages:   L1 ✓  L2 ✓  L3 ✓  Gate ✗",
                "Files:    1 written, 0 deleted, 1 blocked",
                "Written:  b.js",
                "Blocked:  MODIFY a.js: [syntax] bad",
                "Tokens:   1,234t | Calls: 2 | 2.1s | cost: $0.0004",
            ]
        );
    }

    #[test]
    fn one_token_line_that_both_of_the_original_runners_regexes_read() {
        let text = render_console(&result(), 2100, &crate::codes::cli_words());
        let token_lines: Vec<&str> = text.lines().filter(|l| l.contains("Tokens")).collect();
        assert_eq!(token_lines.len(), 1, "{text}");
        // Tokens:\s*([\d,]+)t and Calls:\s*(\d+), by hand (no regex crate in the core).
        let after = token_lines[0].strip_prefix("Tokens:").unwrap().trim_start();
        let digits: String = after.chars().take_while(|c| c.is_ascii_digit() || *c == ',').collect();
        assert_eq!((digits.as_str(), after[digits.len()..].starts_with('t')), ("1,234", true));
        let calls = token_lines[0].split("Calls:").nth(1).unwrap().trim_start();
        assert!(calls.starts_with("2 "), "{calls}");
    }

    #[test]
    fn failed_and_crashed_name_their_error_code_in_the_status_line() {
        let mut r = result();
        r.files.clear();
        r.error = Some(RunError { code: ErrorCode::ModelAuth, message: "401 from the server".into() });
        r.status = Status::for_error(ErrorCode::ModelAuth);
        let text = render_console(&r, 0, &crate::codes::cli_words());
        assert!(text.contains("\nStatus:   FAILED (model_auth)\n"), "{text}");
        assert!(text.contains("\nError:    401 from the server (model_auth)\n"), "{text}");
        r.error = Some(RunError { code: ErrorCode::HostProtocol, message: "unexpected reply".into() });
        r.status = Status::for_error(ErrorCode::HostProtocol);
        assert!(render_console(&r, 0, &crate::codes::cli_words()).contains("\nStatus:   CRASHED (host_protocol)\n"));
        assert_eq!(Status::for_error(ErrorCode::Interrupted), Status::Interrupted);
        assert_eq!(Status::for_error(ErrorCode::VerifyFailed), Status::VerifyFailed);
        use ErrorCode::*;
        for code in [InputMissing, InputPath, InputOverBudget, ModelUnavailable, ModelAnswer, PlanInvalid, WriteFailed, Conflict] {
            assert_eq!(Status::for_error(code), Status::Failed, "{code}");
        }
        assert_eq!(serde_json::to_value(Status::Failed).unwrap(), "FAILED");
    }

    #[test]
    fn names_are_escaped_and_long_lists_capped() {
        let mut r = result();
        r.files = (0..13).map(|i| written(&format!("src/f{i}.js"))).collect();
        r.files[0].path = "evil\u{1b}[2J\nStatus:   OK.js".into();
        r.files[12].outcome = Outcome::Deleted;
        let text = render_console(&r, 0, &crate::codes::cli_words());
        let written = text.lines().find(|l| l.starts_with("Written:  ")).unwrap();
        assert!(written.starts_with("Written:  evil\\u001b[2J\\u000aStatus:   OK.js, src/f1.js, "), "{written}");
        assert!(written.ends_with(", src/f9.js and 2 more"), "{written}");
        assert_eq!(text.lines().find(|l| l.starts_with("Deleted:  ")), Some("Deleted:  src/f12.js"));
        assert_eq!(text.lines().filter(|l| l.starts_with("Status:")).count(), 1, "{text}");
    }

    #[test]
    fn warn_mode_says_so_and_shows_every_warning() {
        let mut r = result();
        r.status = Status::Ok;
        r.gate = GateMode::Warn;
        r.files = vec![FileOutcome {
            action: Action::Modify,
            violations: vec![
                Violation { rule: Rule::ExportsKept, message: "a.js: export(s) lost: g".into() },
                Violation { rule: Rule::ModuleFormat, message: "a.js: uses import/export".into() },
            ],
            ..written("a.js")
        }];
        r.warnings = RunWarning::from_gate(&r.files);
        r.warnings.push(RunWarning { code: "git_dirty".into(), rule: None, path: Some("b.js".into()), message: "uncommitted".into() });
        let text = render_console(&r, 0, &crate::codes::cli_words());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "Gate:     warn (violations are written, not blocked)");
        let warnings: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with("Warning:")).collect();
        assert_eq!(
            warnings,
            [
                "Warning:  [exports_kept] a.js: export(s) lost: g",
                "Warning:  [module_format] a.js: uses import/export",
                "Warning:  [git_dirty] b.js: uncommitted",
            ]
        );
        r.gate = GateMode::Off;
        assert!(render_console(&r, 0, &crate::codes::cli_words()).contains("\nGate:     off (only scope is checked)\n"));
        r.gate = GateMode::Block;
        assert!(!render_console(&r, 0, &crate::codes::cli_words()).contains("Gate:    "));
    }

    #[test]
    fn thousands_and_cost() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let u = Usage { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, ..Usage::default() };
        assert_eq!(estimate_cost("gpt-4o-mini", &u), Some(0.75));
        assert_eq!(estimate_cost("llama-local", &u), None);
        // Cached prompt tokens at the cached rate: half of the million cached at $0.075 instead of $0.15.
        let cached = Usage { cached_tokens: 500_000, ..u };
        assert!((estimate_cost("gpt-4o-mini", &cached).unwrap() - (0.075 + 0.0375 + 0.60)).abs() < 1e-9);
        assert!((estimate_cost("deepseek-chat", &cached).unwrap() - (0.14 + 0.014 + 0.42)).abs() < 1e-9);
    }
}

impl UsageByStage {
    /// Count one answered call of `stage`.
    pub(crate) fn add(&mut self, stage: ModelStage, prompt_tokens: u64, completion_tokens: u64, cached_tokens: u64) {
        let slot = match stage {
            ModelStage::L1 => &mut self.l1,
            ModelStage::L3 => &mut self.l3,
        };
        slot.calls += 1;
        slot.cached_tokens += cached_tokens;
        slot.prompt_tokens += prompt_tokens;
        slot.completion_tokens += completion_tokens;
    }
}

/// A Markdown table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

/// A violation message without the `path: ` prefix the gate puts in front.
fn without_path<'m>(message: &'m str, path: &str) -> &'m str {
    message.strip_prefix(path).and_then(|m| m.strip_prefix(": ")).unwrap_or(message)
}

fn diff_stat(diff: &str) -> (usize, usize) {
    diff.lines().fold((0, 0), |(add, del), line| {
        if line.starts_with('+') && !line.starts_with("+++") {
            (add + 1, del)
        } else if line.starts_with('-') && !line.starts_with("---") {
            (add, del + 1)
        } else {
            (add, del)
        }
    })
}

fn state_name(state: StageState) -> &'static str {
    match state {
        StageState::Ok => "ok",
        StageState::Failed => "failed",
        StageState::Skipped => "skipped",
        StageState::Pending => "not reached",
    }
}

/// What to do next about a run that did not end OK: one line per distinct cause, in the host's
/// words.
fn suggested_actions(result: &RunResult, words: &Words) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |line: String| {
        if !out.contains(&line) {
            out.push(line);
        }
    };
    if let Some(err) = &result.error {
        let advice = match err.code {
            ErrorCode::VerifyFailed if result.verify.as_ref().is_some_and(|v| v.kept) => {
                "The check failed and the writes were kept (`{keepOnFail}`): fix them by hand, or take them back with \
                 `{undo}`."
            }
            code => code.code().advice,
        };
        push(words.fill(advice).replace("RUN_ID", &result.run_id));
    }
    for f in result.files.iter().filter(|f| matches!(f.outcome, Outcome::Blocked | Outcome::Failed)) {
        let p = &f.path;
        for v in &f.violations {
            push(v.rule.advice(p, &v.message, words));
        }
        if f.violations.is_empty() {
            let error = f.error.as_deref().unwrap_or("");
            let advice = if error.contains("context over budget") {
                "the prompt is over the context budget: raise `{contextBudget}` or split the file."
            } else {
                "no usable code in the answers. Run again, raise `{maxRetries}`, or try another `{model}`."
            };
            push(format!("`{p}`: {}", words.fill(advice)));
        }
    }
    out
}

/// The Markdown run report (the CLI writes it to `.red-exec-logs/report.md`): stages, plan, syntax
/// errors, gate violations, blocked and written files, what to do next, tokens per stage, diffs.
pub fn render_markdown(result: &RunResult, task: &str, wall_ms: u64, words: &Words) -> String {
    let mut out = String::from("# red-exec run report\n\n");
    out.push_str("| | |\n| --- | --- |\n");
    out.push_str(&format!("| Run | `{}` |\n", result.run_id));
    out.push_str(&format!("| Status | **{}** |\n", result.status.name()));
    if let Some(err) = &result.error {
        out.push_str(&format!("| Error | `{}`: {} |\n", err.code, cell(&err.message)));
    }
    let c = &result.counts;
    let rolled = if c.rolled_back > 0 { format!(", {} rolled back", c.rolled_back) } else { String::new() };
    let withheld = if c.withheld > 0 { format!(", {} withheld", c.withheld) } else { String::new() };
    out.push_str(&format!(
        "| Files | {} written, {} deleted, {} blocked, {} failed{rolled}{withheld} |\n",
        c.written, c.deleted, c.blocked, c.failed
    ));
    if result.gate != GateMode::Block {
        let mode = if result.gate == GateMode::Warn { "warn (violations written, not blocked)" } else { "off (only scope checked)" };
        out.push_str(&format!("| Gate | {mode} |\n"));
    }
    if let Some(v) = &result.verify {
        out.push_str(&format!("| Verify | {} |\n", cell(&verify_line(v, words))));
    }
    out.push_str(&format!("| Wall time | {:.1} s |\n", wall_ms as f64 / 1000.0));
    let cost = result.cost_usd.map_or("n/a (no price for this model)".to_string(), |c| format!("${c:.4} (estimate)"));
    out.push_str(&format!("| Cost | {cost} |\n\n"));

    out.push_str("## Task\n\n");
    for line in task.trim().lines().map(str::trim_end) {
        out.push_str(&if line.is_empty() { ">\n".to_string() } else { format!("> {line}\n") });
    }

    let s = &result.stages;
    out.push_str("\n## Stages\n\n| Stage | State |\n| --- | --- |\n");
    for (name, state) in [("L1 Decompose", s.l1), ("L2 Section", s.l2), ("L3 Generate", s.l3), ("Gate", s.gate)] {
        out.push_str(&format!("| {name} | {} {} |\n", mark(state), state_name(state)));
    }

    out.push_str("\n## L1 actions\n\n");
    if result.plan.is_empty() {
        out.push_str("No plan: the run stopped before L1 produced one.\n");
    } else {
        if matches!(result.plan_source, PlanSource::Derived | PlanSource::Supplied) {
            out.push_str(&format!("plan: {} (no L1 call).\n\n", derived_line(result)));
        }
        out.push_str("| # | Action | Path | Intent |\n| --- | --- | --- | --- |\n");
        for (i, e) in result.plan.iter().enumerate() {
            let mut intent = cell(&e.intent);
            if let Some(from) = &e.from {
                intent.push_str(&format!(" (from `{from}`: {})", e.symbols.join(", ")));
            }
            out.push_str(&format!("| {} | {} | `{}` | {intent} |\n", i + 1, e.action.name(), e.path));
        }
    }

    out.push_str("\n## Syntax errors\n\n");
    let syntax: Vec<String> = result
        .files
        .iter()
        .flat_map(|f| f.violations.iter().filter(|v| v.rule.is_parse_error()).map(move |v| (f, v)))
        .map(|(f, v)| format!("- `{}` ({}): {}\n", f.path, outcome_name(f.outcome), without_path(&v.message, &f.path)))
        .collect();
    out.push_str(&if syntax.is_empty() { "None.\n".to_string() } else { syntax.concat() });

    out.push_str("\n## Invariant violations\n\n");
    let rows: Vec<String> = result
        .files
        .iter()
        .flat_map(|f| f.violations.iter().filter(|v| !v.rule.is_parse_error()).map(move |v| (f, v)))
        .map(|(f, v)| {
            format!(
                "| `{}` | {} | {} | {} |\n",
                f.path,
                v.rule.name(),
                cell(without_path(&v.message, &f.path)),
                outcome_name(f.outcome)
            )
        })
        .collect();
    if rows.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str("| File | Rule | Message | Outcome |\n| --- | --- | --- | --- |\n");
        out.push_str(&rows.concat());
    }

    if !result.warnings.is_empty() {
        out.push_str("\n## Warnings\n\n| Warning | File | Message |\n| --- | --- | --- |\n");
        for w in &result.warnings {
            let path = w.path.as_deref().map_or(String::new(), |p| format!("`{p}`"));
            out.push_str(&format!("| {} | {path} | {} |\n", w.rule.as_deref().unwrap_or(&w.code), cell(&w.message)));
        }
    }

    if let Some(v) = &result.verify {
        out.push_str("\n## Verify\n\n");
        out.push_str(&format!("Command: `{}`\n\n| Attempt | Result | Time |\n| --- | --- | --- |\n", v.command));
        for (i, a) in v.attempts.iter().enumerate() {
            let result = if a.passed { "passed".to_string() } else { format!("failed ({})", a.how_it_ended()) };
            let time = a.duration_ms.map_or("n/a".to_string(), |ms| format!("{:.1} s", ms as f64 / 1000.0));
            out.push_str(&format!("| {} | {result} | {time} |\n", i + 1));
        }
        if let Some(last) = v.attempts.last().filter(|a| !a.passed && !a.output_tail.trim().is_empty()) {
            let fence = fence_for(&last.output_tail);
            out.push_str(&format!("\nEnd of the last failing run's output:\n\n{fence}\n{}\n{fence}\n", last.output_tail.trim_end()));
        }
    }

    out.push_str("\n## Blocked and failed files\n\n");
    let bad: Vec<String> = result
        .files
        .iter()
        .filter(|f| matches!(f.outcome, Outcome::Blocked | Outcome::Failed))
        .map(|f| {
            let why = f
                .violations
                .iter()
                .map(|v| format!("[{}] {}", v.rule.name(), without_path(&v.message, &f.path)))
                .chain(f.error.clone())
                .collect::<Vec<_>>()
                .join("; ");
            let tries = if f.attempts == 1 { "1 attempt".to_string() } else { format!("{} attempts", f.attempts) };
            format!("- `{}` ({} {}, {tries}): {}\n", f.path, f.action.name(), outcome_name(f.outcome), cell(&why))
        })
        .collect();
    out.push_str(&if bad.is_empty() { "None.\n".to_string() } else { bad.concat() });

    let withheld: Vec<String> = result
        .files
        .iter()
        .filter(|f| f.outcome == Outcome::Withheld)
        .map(|f| format!("- `{}` ({}): {}\n", f.path, f.action.name(), cell(f.error.as_deref().unwrap_or(""))))
        .collect();
    if !withheld.is_empty() {
        out.push_str("\n## Withheld files\n\nThey passed the gate but were not written:\n\n");
        out.push_str(&withheld.concat());
    }

    out.push_str("\n## Written files\n\n");
    let done: Vec<String> = result
        .files
        .iter()
        .filter(|f| matches!(f.outcome, Outcome::Written | Outcome::Deleted | Outcome::Unchanged))
        .map(|f| {
            let (add, del) = diff_stat(&f.diff);
            let what = match f.outcome {
                Outcome::Written => format!("written, +{add} -{del}"),
                Outcome::Deleted => format!("deleted, -{del}"),
                _ => "unchanged: the answer matched the file".to_string(),
            };
            format!("- `{}` ({}, {what})\n", f.path, f.action.name())
        })
        .collect();
    out.push_str(&if done.is_empty() { "None: nothing was written.\n".to_string() } else { done.concat() });

    if result.status != Status::Ok {
        out.push_str("\n## Suggested action\n\n");
        let actions = suggested_actions(result, words);
        if actions.is_empty() {
            out.push_str("- Read the blocked files above and run again.\n");
        }
        for a in actions {
            out.push_str(&format!("- {a}\n"));
        }
    }

    out.push_str("\n## Token usage\n\n| Stage | Calls | Prompt | Completion | Total |\n| --- | ---: | ---: | ---: | ---: |\n");
    let by = &result.usage_by_stage;
    for (name, st) in [("L1 plan", by.l1), ("L3 code", by.l3)] {
        out.push_str(&format!(
            "| {name} | {} | {} | {} | {} |\n",
            st.calls,
            thousands(st.prompt_tokens),
            thousands(st.completion_tokens),
            thousands(st.prompt_tokens + st.completion_tokens)
        ));
    }
    let u = &result.usage;
    out.push_str(&format!(
        "| **All** | {} | {} | {} | {} |\n\nModel time: {:.1} s.\n",
        u.calls,
        thousands(u.prompt_tokens),
        thousands(u.completion_tokens),
        thousands(u.total_tokens),
        u.model_ms as f64 / 1000.0
    ));
    if u.cached_tokens > 0 {
        out.push_str(&format!(
            "Cached prompt tokens (served from the provider's prompt cache, priced at its cached rate): {} (L1 {}, L3 {}).\n",
            thousands(u.cached_tokens),
            thousands(by.l1.cached_tokens),
            thousands(by.l3.cached_tokens)
        ));
    }

    out.push_str("\n## Diffs\n");
    let diffs: Vec<&FileOutcome> = result.files.iter().filter(|f| !f.diff.is_empty()).collect();
    if diffs.is_empty() {
        out.push_str("\nNo changes.\n");
    }
    for f in diffs {
        let fence = fence_for(&f.diff);
        let body = if f.diff.ends_with('\n') { f.diff.clone() } else { format!("{}\n", f.diff) };
        out.push_str(&format!("\n### `{}`\n\n{fence}diff\n{body}{fence}\n", f.path));
    }
    out
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Written => "written",
        Outcome::Deleted => "deleted",
        Outcome::Blocked => "blocked",
        Outcome::Failed => "failed",
        Outcome::Unchanged => "unchanged",
        Outcome::RolledBack => "rolled back",
        Outcome::Withheld => "withheld",
    }
}

#[cfg(test)]
mod markdown_tests {
    use super::*;
    use crate::protocol::*;

    fn outcome(path: &str, action: Action, outcome: Outcome, diff: &str, violations: Vec<Violation>) -> FileOutcome {
        FileOutcome { path: path.into(), action, outcome, diff: diff.into(), violations, attempts: 1, error: None }
    }

    fn partial() -> RunResult {
        let lost = Violation { rule: Rule::ExportsKept, message: "src/a.js: export(s) lost: g, h".into() };
        let syntax = Violation { rule: Rule::Syntax, message: "src/b.js: Unexpected token at line 3".into() };
        RunResult {
            run_id: "20250101-000000-abcdef".into(),
            status: Status::Partial,
            stages: Stages { l1: StageState::Ok, l2: StageState::Ok, l3: StageState::Ok, gate: StageState::Failed },
            plan: vec![
                PlanEntry {
                    path: "src/a.js".into(),
                    action: Action::Modify,
                    intent: "drop | nothing".into(),
                    from: None,
                    symbols: vec![],
                    sections: vec![],
                    rewire: false,
                    drop_exports: vec![],
                    exports: vec![],
                },
                PlanEntry {
                    path: "src/c.js".into(),
                    action: Action::Extract,
                    intent: "move helpers".into(),
                    from: Some("src/a.js".into()),
                    symbols: vec!["f".into(), "k".into()],
                    sections: vec![],
                    rewire: false,
                    drop_exports: vec![],
                    exports: vec![],
                },
            ],
            plan_source: PlanSource::Model,
            files: vec![
                FileOutcome { attempts: 3, ..outcome("src/a.js", Action::Modify, Outcome::Blocked, "", vec![lost]) },
                FileOutcome { attempts: 3, ..outcome("src/b.js", Action::Modify, Outcome::Blocked, "", vec![syntax]) },
                outcome("src/c.js", Action::Extract, Outcome::Written, "--- /dev/null\n+++ b/src/c.js\n@@ -0,0 +1,2 @@\n+a\n+b\n", vec![]),
            ],
            counts: Counts { written: 1, deleted: 0, blocked: 2, failed: 0, rolled_back: 0, withheld: 0 },
            usage: Usage { prompt_tokens: 1500, completion_tokens: 300, total_tokens: 1800, calls: 3, model_ms: 4200, cached_tokens: 0 },
            cost_usd: Some(0.0005),
            error: None,
            usage_by_stage: UsageByStage {
                l1: StageUsage { prompt_tokens: 1000, completion_tokens: 100, calls: 1, cached_tokens: 0 },
                l3: StageUsage { prompt_tokens: 500, completion_tokens: 200, calls: 2, cached_tokens: 0 },
            },
            verify: None,
            gate: GateMode::Block,
            warnings: vec![],
        }
    }

    /// The lines of one `## title` section, without the heading and the blank line after it.
    fn section<'t>(text: &'t str, title: &str) -> Vec<&'t str> {
        let start = text.find(&format!("## {title}\n\n")).unwrap_or_else(|| panic!("no section {title}:\n{text}"));
        let body = &text[start + title.len() + 5..];
        body.split("\n## ").next().unwrap().trim_end().lines().collect()
    }

    #[test]
    fn partial_run_lists_everything_a_reader_needs() {
        let md = render_markdown(&partial(), "Drop g and h\n\nfrom src/a.js", 2150, &crate::codes::cli_words());
        assert!(md.starts_with("# red-exec run report\n\n| | |\n| --- | --- |\n| Run | `20250101-000000-abcdef` |\n| Status | **PARTIAL** |\n"));
        assert!(md.contains("| Files | 1 written, 0 deleted, 2 blocked, 0 failed |\n| Wall time | 2.1 s |\n| Cost | $0.0005 (estimate) |\n"));
        assert_eq!(section(&md, "Task"), ["> Drop g and h", ">", "> from src/a.js"]);
        assert_eq!(
            section(&md, "Stages")[2..],
            ["| L1 Decompose | ✓ ok |", "| L2 Section | ✓ ok |", "| L3 Generate | ✓ ok |", "| Gate | ✗ failed |"]
        );
        assert_eq!(
            section(&md, "L1 actions")[2..],
            ["| 1 | MODIFY | `src/a.js` | drop \\| nothing |", "| 2 | EXTRACT | `src/c.js` | move helpers (from `src/a.js`: f, k) |"]
        );
        assert_eq!(section(&md, "Syntax errors"), ["- `src/b.js` (blocked): Unexpected token at line 3"]);
        assert_eq!(section(&md, "Invariant violations")[2..], ["| `src/a.js` | exports_kept | export(s) lost: g, h | blocked |"]);
        assert_eq!(
            section(&md, "Blocked and failed files"),
            [
                "- `src/a.js` (MODIFY blocked, 3 attempts): [exports_kept] export(s) lost: g, h",
                "- `src/b.js` (MODIFY blocked, 3 attempts): [syntax] Unexpected token at line 3",
            ]
        );
        assert_eq!(section(&md, "Written files"), ["- `src/c.js` (EXTRACT, written, +2 -0)"]);
        let actions = section(&md, "Suggested action");
        assert_eq!(actions.len(), 2);
        assert!(actions[0].starts_with("- `src/a.js`: the change would remove export(s) g, h. If they must go, name them in the task"));
        assert!(actions[1].starts_with("- `src/b.js`: the generated code does not parse. Run again or raise `--max-retries`"));
        assert_eq!(
            section(&md, "Token usage")[2..],
            [
                "| L1 plan | 1 | 1,000 | 100 | 1,100 |",
                "| L3 code | 2 | 500 | 200 | 700 |",
                "| **All** | 3 | 1,500 | 300 | 1,800 |",
                "",
                "Model time: 4.2 s.",
            ]
        );
        assert!(md.ends_with("## Diffs\n\n### `src/c.js`\n\n```diff\n--- /dev/null\n+++ b/src/c.js\n@@ -0,0 +1,2 @@\n+a\n+b\n```\n"));
    }

    #[test]
    fn failed_run_suggests_by_error_code_and_ok_run_suggests_nothing() {
        let mut r = partial();
        r.status = Status::Failed;
        r.files.clear();
        r.plan.clear();
        r.error = Some(RunError { code: ErrorCode::InputMissing, message: "src/x.js: MODIFY target does not exist".into() });
        let md = render_markdown(&r, "t", 0, &crate::codes::cli_words());
        assert!(md.contains("| Error | `input_missing`: src/x.js: MODIFY target does not exist |\n"));
        assert_eq!(section(&md, "L1 actions"), ["No plan: the run stopped before L1 produced one."]);
        assert_eq!(section(&md, "Written files"), ["None: nothing was written."]);
        assert_eq!(section(&md, "Suggested action").len(), 1);
        assert!(section(&md, "Suggested action")[0].starts_with("- Check the path: a file the plan must MODIFY"));
        assert!(md.ends_with("## Diffs\n\nNo changes.\n"));

        r.error = Some(RunError { code: ErrorCode::HostProtocol, message: "?".into() });
        let md = render_markdown(&r, "t", 0, &crate::codes::cli_words());
        assert_eq!(
            section(&md, "Suggested action"),
            ["- Unexpected error `host_protocol`: export a debug bundle (`red-exec --export-debug --run-id 20250101-000000-abcdef`) and report it."]
        );
        // Without the host's words, the advice names the run input's own fields and no flag.
        let md = render_markdown(&r, "t", 0, &Words::default());
        assert_eq!(
            section(&md, "Suggested action"),
            ["- Unexpected error `host_protocol`: export a debug bundle (`run 20250101-000000-abcdef`) and report it."]
        );

        let mut ok = partial();
        ok.status = Status::Ok;
        ok.files.truncate(0);
        assert!(!render_markdown(&ok, "t", 0, &crate::codes::cli_words()).contains("## Suggested action"));
    }

    #[test]
    fn module_format_and_scope_rules_have_their_own_advice() {
        let mut r = partial();
        r.files = vec![
            outcome("a.js", Action::Modify, Outcome::Blocked, "", vec![Violation { rule: Rule::ModuleFormat, message: "a.js: uses import/export".into() }]),
            outcome("spec.md", Action::Modify, Outcome::Blocked, "", vec![Violation { rule: Rule::ReadOnly, message: "spec.md is read-only".into() }]),
            FileOutcome { error: Some("context over budget: ...".into()), ..outcome("big.js", Action::Modify, Outcome::Failed, "", vec![]) },
        ];
        let md = render_markdown(&r, "t", 0, &crate::codes::cli_words());
        let actions = section(&md, "Suggested action");
        assert_eq!(actions.len(), 3);
        assert!(actions[0].contains("`--module-format cjs` or `--module-format esm`"));
        assert!(actions[1].starts_with("- `spec.md` was given as read-only context (`--read`)"));
        assert!(actions[2].contains("raise `--context-budget`"));
    }

    #[test]
    fn warn_mode_and_its_warnings_are_in_the_markdown_report() {
        let mut r = partial();
        r.gate = GateMode::Warn;
        r.warnings = vec![RunWarning { code: "gate".into(), rule: Some("syntax".into()), path: Some("src/c.js".into()), message: "bad | token".into() }];
        let md = render_markdown(&r, "t", 0, &crate::codes::cli_words());
        assert!(md.contains("| Gate | warn (violations written, not blocked) |\n"), "{md}");
        assert_eq!(section(&md, "Warnings")[2..], ["| syntax | `src/c.js` | bad \\| token |"]);
        assert!(!render_markdown(&partial(), "t", 0, &crate::codes::cli_words()).contains("## Warnings"));
    }

    #[test]
    fn diff_stat_counts_changed_lines() {
        assert_eq!(diff_stat("--- a/x\n+++ b/x\n@@\n-a\n+b\n+c\n"), (2, 1));
    }

    #[test]
    fn usage_by_stage_adds_up_and_reads_from_json_without_it() {
        let mut by = UsageByStage::default();
        by.add(ModelStage::L1, 10, 2, 0);
        by.add(ModelStage::L3, 5, 1, 0);
        by.add(ModelStage::L3, 5, 1, 0);
        assert_eq!(by.l1, StageUsage { prompt_tokens: 10, completion_tokens: 2, calls: 1, cached_tokens: 0 });
        assert_eq!(by.l3, StageUsage { prompt_tokens: 10, completion_tokens: 2, calls: 2, cached_tokens: 0 });
        let json = serde_json::to_value(partial()).unwrap();
        assert_eq!(json["usageByStage"]["L3"]["promptTokens"], 500);
        let mut older = json.clone();
        older.as_object_mut().unwrap().remove("usageByStage");
        let back: RunResult = serde_json::from_value(older).unwrap();
        assert_eq!(back.usage_by_stage, UsageByStage::default());
    }
}
