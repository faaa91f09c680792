//! The run's budget (`RunOptions::max_tokens`, `max_cost_usd`; issue 18): an estimate from the plan before the
//! first generation call, and the tokens spent after every answer. Over it, the run stops with
//! `budget_exceeded` before anything is written (writes come only after every unit is generated).

use super::*;

/// The answer a new file is guessed at, in tokens, when the run's cost is estimated (the current
/// text stands in for the answer of an existing file).
const NEW_FILE_ANSWER_GUESS: u64 = 400;

/// What a unit's prompt carries besides its file, the task and the read-only context, in tokens.
const UNIT_PROMPT_OVERHEAD: u64 = 150;

impl Session {
    fn max_tokens(&self) -> Option<u64> {
        self.input.options.max_tokens
    }

    fn max_cost(&self) -> Option<f64> {
        self.input.options.max_cost_usd
    }

    fn model_name(&self) -> String {
        self.input.options.model.clone().unwrap_or_default()
    }

    /// A cost limit needs a price: one for a model without one is refused before any call.
    pub(super) fn unpriced_budget(&self) -> Option<String> {
        let limit = self.max_cost()?;
        let model = self.model_name();
        report::estimate_cost(&model, &Usage::default()).is_none().then(|| {
            format!(
                "{} ${limit} cannot be held: no price is known for the model \"{model}\" (use {}, or a model with a price)",
                self.word("maxCost"),
                self.word("maxTokens")
            )
        })
    }

    /// Over either limit with `usage`: the message that says so.
    fn over(&self, usage: &Usage, what: &str) -> Option<String> {
        if let Some(limit) = self.max_tokens()
            && usage.total_tokens > limit
        {
            return Some(format!(
                "{what} {} tokens, over {} {}; nothing was written",
                report::thousands(usage.total_tokens),
                self.word("maxTokens"),
                report::thousands(limit)
            ));
        }
        let limit = self.max_cost()?;
        let cost = report::estimate_cost(&self.model_name(), usage)?;
        (cost > limit).then(|| format!("{what} ${cost:.4}, over {} ${limit}; nothing was written", self.word("maxCost")))
    }

    /// The run's cost estimated from the plan, before the first generation call: the tokens spent so
    /// far plus, per unit, its prompt (its file or section, the task, the read-only context and the
    /// instructions) and its answer (the size of its current text, or a guess for a new file).
    pub(super) fn budget_estimate_exceeded(&self) -> Option<String> {
        if self.max_tokens().is_none() && self.max_cost().is_none() {
            return None;
        }
        let read_only: u64 = self
            .files
            .scope
            .read_only
            .iter()
            .filter_map(|p| self.files.texts.get(p).cloned().flatten())
            .map(|t| text_tokens(&t) as u64)
            .sum::<u64>()
            + self.files.dir_views.iter().map(|v| text_tokens(&v.text) as u64).sum::<u64>();
        let task = text_tokens(&self.input.task) as u64;
        let mut estimate = self.usage;
        for unit in &self.generate.units {
            let text = self.files.texts.get(&unit.entry.path).cloned().flatten();
            let current = match (&unit.section, text.as_deref()) {
                (Some(s), Some(t)) => Some(text_tokens(&t[s.start as usize..s.end as usize]) as u64),
                (_, t) => t.map(|t| text_tokens(t) as u64),
            };
            let prompt = current.unwrap_or(0) + task + read_only + UNIT_PROMPT_OVERHEAD;
            let answer = current.unwrap_or(NEW_FILE_ANSWER_GUESS);
            estimate.prompt_tokens += prompt;
            estimate.completion_tokens += answer;
            estimate.total_tokens += prompt + answer;
        }
        let units = self.generate.units.len();
        self.over(&estimate, &format!("the run is estimated, from its plan ({units} unit(s) to generate), at about"))
    }

    /// After an answer: the tokens spent so far over the budget.
    pub(super) fn budget_spent_exceeded(&self) -> Option<String> {
        self.over(&self.usage, "the run has used")
    }
}
