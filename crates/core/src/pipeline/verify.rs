//! Verify: the host's check after the writes, and a retry of the units when it fails.

use super::*;

/// How much of the check's output a retry's prompt carries: the end is where test runners
/// put the failures and the summary.
const VERIFY_TAIL_BYTES: usize = 4_000;
const VERIFY_TAIL_LINES: usize = 80;
/// The end of a failed check's output a retry is shown after its first error.
const FEEDBACK_TAIL_BYTES: usize = 1_200;
const FEEDBACK_TAIL_LINES: usize = 12;

impl Session {
    fn verify_timeout_ms(&self) -> u64 {
        self.input.options.verify_timeout_ms.unwrap_or(DEFAULT_VERIFY_TIMEOUT_MS)
    }

    /// Every change is on disk: run the user's check, if there is one and it can tell anything.
    pub(super) fn after_effects(&mut self) -> Request {
        let command = self.input.options.verify.clone().unwrap_or_default();
        if command.trim().is_empty() || self.error.is_some() {
            return self.finish();
        }
        // Nothing written and something blocked: the check would only test the old code.
        let bad = self.outcomes.iter().any(|o| matches!(o.outcome, Outcome::Blocked | Outcome::Failed));
        if self.effects.applied.is_empty() && bad {
            return self.finish();
        }
        let report = self.verify.get_or_insert_with(|| VerifyReport {
            command: command.clone(),
            attempts: Vec::new(),
            passed: false,
            rolled_back: false,
            kept: false,
        });
        let attempt = report.attempts.len() as u32;
        self.emit(EventBody::VerifyStart { attempt, command: command.clone() });
        self.phase = Phase::AwaitVerify { attempt };
        Request::Verify { command, timeout_ms: self.verify_timeout_ms(), attempt }
    }

    pub(super) fn on_verify(&mut self, attempt: u32, reply: Reply) -> Request {
        let (result, can_help, first_error) = match reply {
            Reply::Verified { exit_code, signal, timed_out, duration_ms, output } => {
                let passed = exit_code == Some(0) && !timed_out;
                // 126/127: the shell could not run the command; new code will not change that.
                let can_help = !matches!(exit_code, Some(126 | 127));
                let output_tail = tail(&output, VERIFY_TAIL_BYTES, VERIFY_TAIL_LINES);
                // The whole output, not its tail: the first error may be far above the end.
                let first_error = if passed { None } else { crate::failure::first_error(&output) };
                (VerifyAttempt { passed, exit_code, signal, timed_out, duration_ms, output_tail }, can_help, first_error)
            }
            Reply::VerifyError { code, message } => {
                if code == "interrupted" {
                    // Unchecked is not done: restore, as after a failed check (unless told to keep).
                    if self.input.options.keep_on_fail {
                        let message = format!(
                            "interrupted while the check was running: the changes were kept unchecked ({}; {} takes them back)",
                            self.word("keepOnFail"),
                            self.word("undo")
                        );
                        return self.fail(ErrorCode::Interrupted, message);
                    }
                    let message = "interrupted while the check was running: every file was restored";
                    self.error = Some(run_error(ErrorCode::Interrupted, message));
                    self.rollback.after = AfterRollback::Finish;
                    return self.begin_rollback();
                }
                let result = VerifyAttempt {
                    passed: false,
                    exit_code: None,
                    signal: None,
                    timed_out: false,
                    duration_ms: None,
                    output_tail: message,
                };
                (result, false, None)
            }
            other => return self.fail(ErrorCode::HostProtocol, format!("unexpected reply {other:?} to a verify request")),
        };
        self.emit(EventBody::VerifyEnd { attempt, result: result.clone() });
        let report = self.verify.as_mut().expect("a verify request has a report");
        report.attempts.push(result.clone());
        if result.passed {
            report.passed = true;
            return self.finish();
        }
        let command = report.command.clone();
        let tries = report.attempts.len() as u32;
        let how = result.how_it_ended();
        if self.input.options.keep_on_fail {
            report.kept = true;
            let message = format!("`{command}` failed ({how}); the changes were kept ({})", self.word("keepOnFail"));
            return self.fail(ErrorCode::VerifyFailed, message);
        }
        let generated = !self.generate.units.is_empty();
        if can_help && generated && tries <= self.max_retries() {
            // The first error and its location, then only a short tail: the failure itself, not
            // a tail of frames with the message cut off.
            let end = match &first_error {
                Some(_) => tail(&crate::failure::short_tail(&result.output_tail, FEEDBACK_TAIL_LINES), FEEDBACK_TAIL_BYTES, FEEDBACK_TAIL_LINES),
                None => result.output_tail.clone(),
            };
            let feedback = prompts::verify_failure(&command, &how, first_error.as_deref(), &end);
            self.rollback.after = AfterRollback::Retry(feedback);
        } else {
            let why = if !can_help {
                " (the command could not be run: fix it, a new answer will not)"
            } else if self.plan.source == PlanSource::Supplied {
                " (the content was supplied: correct it and call again)"
            } else if !generated {
                " (every change was mechanical: a new answer would not differ)"
            } else {
                ""
            };
            let attempts = if tries > 1 { format!(" on all {tries} attempts") } else { String::new() };
            let message = format!("`{command}` failed ({how}){attempts}{why}; every file was restored");
            self.error = Some(run_error(ErrorCode::VerifyFailed, message));
            self.rollback.after = AfterRollback::Finish;
        }
        self.begin_rollback()
    }

    /// A fresh round: the same plan, every model unit generated again from the original files
    /// with the failed check in its prompt; mechanical changes are staged again as they were.
    pub(super) fn retry_after_verify(&mut self, feedback: String) -> Request {
        self.effects.staged.clear();
        self.outcomes.clear();
        self.generate.replacements.clear();
        self.generate.failed_files.clear();
        self.generate.over_budget = false;
        for unit in &mut self.generate.units {
            unit.round_start = unit.attempts;
            unit.last_error = None;
            unit.last_rejected = None;
            unit.verify_failure = Some(feedback.clone());
        }
        self.stage_without_model();
        self.next_unit(0)
    }
}
