//! Finish: the run's result, its failure, and the blocked message.

use super::*;

impl Session {
    /// Which files stopped the run and why, for the `blocked` error.
    fn blocked_message(&self) -> String {
        let stopped: Vec<String> = self
            .outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Blocked | Outcome::Failed))
            .map(|o| {
                let prefix = format!("{}: ", o.path);
                let rules: Vec<String> = o
                    .violations
                    .iter()
                    .map(|v| format!("{} ({})", v.rule.name(), v.message.strip_prefix(&prefix).unwrap_or(&v.message)))
                    .collect();
                match (o.outcome, rules.is_empty()) {
                    (Outcome::Blocked, false) => format!("{} ({}) was blocked by {}", o.path, o.action.name(), rules.join(", ")),
                    _ => format!("{} ({}) failed: {}", o.path, o.action.name(), o.error.as_deref().unwrap_or("no usable answer")),
                }
            })
            .collect();
        let how = if self.input.options.partial {
            "every other change needs it or changes nothing".to_string()
        } else {
            format!("a plan is applied whole ({} keeps the changes that do not need it)", self.word("partial"))
        };
        format!("{}; nothing was written: {how}", stopped.join("; "))
    }

    pub(super) fn fail(&mut self, code: ErrorCode, message: impl Into<String>) -> Request {
        self.error = Some(run_error(code, message));
        self.finish()
    }

    pub(super) fn finish(&mut self) -> Request {
        let mut counts = Counts::default();
        for o in &self.outcomes {
            match o.outcome {
                Outcome::Written => counts.written += 1,
                Outcome::Deleted => counts.deleted += 1,
                Outcome::Blocked => counts.blocked += 1,
                Outcome::Failed => counts.failed += 1,
                Outcome::RolledBack => counts.rolled_back += 1,
                Outcome::Withheld => counts.withheld += 1,
                Outcome::Unchanged => {}
            }
        }
        let nothing_usable = self.error.is_none()
            && !self.generate.units.is_empty()
            && counts.failed as usize == self.outcomes.len()
            && counts.failed > 0;
        if nothing_usable {
            let reasons: Vec<String> = self.outcomes.iter().filter_map(|o| o.error.clone()).collect();
            self.set_stage(Stage::L3, StageState::Failed);
            self.error = Some(if self.generate.over_budget {
                run_error(ErrorCode::InputOverBudget, reasons.join("; "))
            } else {
                run_error(ErrorCode::ModelAnswer, format!("no usable code in the model's answers: {}", reasons.join("; ")))
            });
        }
        if self.error.is_none() && counts.blocked + counts.failed > 0 && counts.written + counts.deleted == 0 {
            self.error = Some(run_error(ErrorCode::Blocked, self.blocked_message()));
        }
        let status = match (&self.error, counts.blocked + counts.failed) {
            (Some(e), _) => Status::for_error(e.code),
            (None, 0) => Status::Ok,
            (None, _) => Status::Partial,
        };
        let model = self.input.options.model.clone().unwrap_or_default();
        let result = RunResult {
            run_id: self.input.run_id.clone(),
            status,
            stages: self.stages.clone(),
            plan: self.plan.entries.clone(),
            plan_source: self.plan.source,
            files: self.outcomes.clone(),
            counts,
            cost_usd: report::estimate_cost(&model, &self.usage),
            usage: self.usage,
            error: self.error.clone(),
            usage_by_stage: self.usage_by_stage,
            verify: self.verify.clone(),
            gate: self.input.options.gate,
            warnings: report::RunWarning::from_gate(&self.outcomes),
        };
        self.emit(EventBody::RunEnd { status, error: self.error.clone() });
        self.phase = Phase::Finished;
        self.result = Some(result.clone());
        Request::Done { result: Box::new(result) }
    }
}
