//! The one table of error codes (in the manner of ruff's `codes.rs`): for each [`ErrorCode`] the
//! run's status, the exit code a command-line host ends with, a one-line message and the advice
//! the report gives. The CLI's exit-code mapping is checked against it (`errorCodes()`,
//! `tests/wasm/api.test.mjs`). Advice names a host's controls only through [`Words`]: `{files}`
//! in a text is the host's word for the files in scope, `{allow:process}` its word for allowing
//! a capability.

use crate::protocol::{ErrorCode, Status, Words};

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub status: Status,
    /// What a command-line host exits with (the CLI's table: `npm/red-exec/lib/exit-codes.js`).
    pub exit: u8,
    /// What went wrong, in one line.
    pub message: &'static str,
    /// What to do about it (a template: see [`Words::fill`]).
    pub advice: &'static str,
}

const fn failed(exit: u8, message: &'static str, advice: &'static str) -> Code {
    Code { status: Status::Failed, exit, message, advice }
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::InputTask,
        ErrorCode::InputFiles,
        ErrorCode::InputPath,
        ErrorCode::InputMissing,
        ErrorCode::InputUnreadable,
        ErrorCode::InputOverBudget,
        ErrorCode::ModelAuth,
        ErrorCode::ModelUnavailable,
        ErrorCode::ModelAnswer,
        ErrorCode::PlanInvalid,
        ErrorCode::Blocked,
        ErrorCode::WriteFailed,
        ErrorCode::RollbackFailed,
        ErrorCode::Conflict,
        ErrorCode::VerifyFailed,
        ErrorCode::Interrupted,
        ErrorCode::BudgetExceeded,
        ErrorCode::HostProtocol,
    ];

    /// The table.
    pub const fn code(self) -> Code {
        match self {
            ErrorCode::InputTask => failed(4, "the task is empty", "Give a task and at least one file with `{files}`."),
            ErrorCode::InputFiles => failed(4, "no files in scope", "Give a task and at least one file with `{files}`."),
            ErrorCode::InputPath => failed(
                4,
                "a path leaves the workspace or names one of red-exec's own files",
                "Give paths inside the workspace: one leaves it (`..`, an absolute path, or a symbolic link that points outside).",
            ),
            ErrorCode::InputMissing => failed(
                4,
                "a file the run needs does not exist",
                "Check the path: a file the plan must MODIFY, or a `{read}` file, does not exist in the workspace. Fix the path, \
                 or say in the task that the file is to be created.",
            ),
            ErrorCode::InputUnreadable => failed(
                4,
                "a file in scope cannot be read as text",
                "A file in scope cannot be read as text (binary, not UTF-8, a directory or over the read limit): leave it out of `{files}` \
                 and `{read}`.",
            ),
            ErrorCode::InputOverBudget => failed(
                4,
                "a prompt is over the context budget, or an answer would be larger than one answer holds",
                "A prompt is larger than the context budget, or a unit's answer would be larger than one answer holds: raise \
                 `{contextBudget}`, pass fewer `{read}` files, or split the file or the task.",
            ),
            ErrorCode::ModelAuth => failed(5, "the model server refused the key", "The model server refused the key: check {apiKey}."),
            ErrorCode::ModelUnavailable => failed(
                6,
                "the model server could not be reached (rate limit, server error, timeout or network)",
                "The model could not be reached: run again later, raise `{timeout}`, or check `{baseUrl}`.",
            ),
            ErrorCode::ModelAnswer => failed(
                7,
                "the model's answers held no usable code",
                "The model's answers held no usable code: run again, raise `{maxRetries}`, or try another `{model}`.",
            ),
            ErrorCode::PlanInvalid => failed(
                7,
                "the model's plan was invalid twice",
                "The model's plan was invalid twice: say in the task which files change and how, using the paths given with \
                 `{files}`.",
            ),
            ErrorCode::Blocked => failed(
                1,
                "a file of the plan was blocked or failed, and a plan is applied whole: nothing was written",
                "Nothing was written: a plan is applied whole, and a file of it was blocked or failed (see above). Run again, \
                 make the task more specific, or pass `{partial}` to keep the files that do not depend on it.",
            ),
            ErrorCode::WriteFailed => failed(
                8,
                "a file could not be written",
                "A file could not be written: check permissions and free space in the workspace.",
            ),
            ErrorCode::RollbackFailed => failed(
                8,
                "a file could not be restored after a failed check",
                "A file could not be restored after a failed check: `{undo}` restores it from the run's backup.",
            ),
            ErrorCode::Conflict => failed(
                11,
                "a file changed on disk during the run",
                "A file changed on disk while the run was going (edited by hand, by another program, or by the check): it was \
                 left as it is now, and the run's other changes were taken back. The host keeps what the run would have written \
                 (red-exec: under `.red-exec-logs/<run-id>/conflicts/`); run again on the current files.",
            ),
            ErrorCode::VerifyFailed => Code {
                status: Status::VerifyFailed,
                exit: 9,
                message: "the check failed on every attempt",
                advice: "The check failed on every attempt and the files were restored: read the end of its output above, \
                         make the task more specific, or raise `{maxRetries}`.",
            },
            ErrorCode::Interrupted => Code {
                status: Status::Interrupted,
                exit: 130,
                message: "the run was interrupted",
                advice: "The run was interrupted before it finished: run it again, or take back what it wrote with `{undo}`.",
            },
            ErrorCode::BudgetExceeded => failed(
                13,
                "the run would go, or went, over its token or cost budget: nothing was written",
                "The run would cost more than its budget, or did: raise `{maxTokens}` or `{maxCost}`, narrow the task or the \
                 files, or pass fewer `{read}` files.",
            ),
            ErrorCode::HostProtocol => Code {
                status: Status::Crashed,
                exit: 70,
                message: "the host answered what the core did not ask: a bug in red-exec",
                advice: "Unexpected error `host_protocol`: export a debug bundle (`{exportDebug:RUN_ID}`) and report it.",
            },
        }
    }

    /// The run error code for a host's model-call error code (`Reply::CompletionError`).
    pub(crate) fn for_model_error(code: &str) -> ErrorCode {
        match code {
            "auth" => ErrorCode::ModelAuth,
            "rate_limit" | "server" | "timeout" | "network" => ErrorCode::ModelUnavailable,
            "interrupted" => ErrorCode::Interrupted,
            _ => ErrorCode::ModelAnswer,
        }
    }
}

/// The words: each field of [`Words`], its key (on the wire and in a text: `{contextBudget}`)
/// and what it reads as when the host gives none (the run input's own name for it).
macro_rules! words {
    ($($field:ident: $key:literal => $default:literal,)*) => {
        /// The keys a text may name (`{key}`).
        pub(crate) const WORD_KEYS: &[&str] = &[$($key),*];

        impl Words {
            /// The default and the host's word for `key`.
            fn entry(&self, key: &str) -> Option<(&'static str, Option<&str>)> {
                match key {
                    $($key => Some(($default, self.$field.as_deref())),)*
                    _ => None,
                }
            }

            fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
                match key {
                    $($key => Some(&mut self.$field),)*
                    _ => None,
                }
            }
        }
    };
}

words! {
    files: "files" => "files",
    read: "read" => "read",
    context_budget: "contextBudget" => "options.contextBudget",
    max_tokens: "maxTokens" => "options.maxTokens",
    max_cost: "maxCost" => "options.maxCostUsd",
    max_retries: "maxRetries" => "options.maxRetries",
    model: "model" => "options.model",
    module_format: "moduleFormat" => "options.moduleFormat {}",
    allow: "allow" => "options.allow {}",
    partial: "partial" => "options.partial",
    keep_on_fail: "keepOnFail" => "options.keepOnFail",
    undo: "undo" => "undo",
    report: "report" => "the full report",
    export_debug: "exportDebug" => "run {}",
    base_url: "baseUrl" => "the model server's address",
    timeout: "timeout" => "the model call's time limit",
    api_key: "apiKey" => "the model server's key",
    skill: "skill" => "skills: [{}]",
    init_skill: "initSkill" => "skillStarter()",
}

/// Words read as a map, so that a word the core does not know is an error that names it (and
/// one small map reader serves every field).
impl<'de> serde::Deserialize<'de> for Words {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Words, D::Error> {
        // Absent (`undefined`) or null: no words given.
        let given = Option::<std::collections::BTreeMap<String, Option<String>>>::deserialize(d)?.unwrap_or_default();
        let mut words = Words::default();
        for (key, word) in given {
            let Some(slot) = words.slot(&key) else {
                return Err(serde::de::Error::custom(format!("unknown word `{key}` (known: {})", WORD_KEYS.join(", "))));
            };
            *slot = word;
        }
        Ok(words)
    }
}

impl Words {
    /// The host's word for `key`, with `arg` in place of its `{}` (the `{}` and the space before
    /// it dropped when there is no argument). An unknown key is returned as it is.
    pub(crate) fn word(&self, key: &str, arg: Option<&str>) -> String {
        let Some((default, given)) = self.entry(key) else { return key.to_string() };
        let word = given.filter(|w| !w.trim().is_empty()).unwrap_or(default);
        match (word.split_once("{}"), arg) {
            (Some((before, after)), Some(arg)) => format!("{before}{arg}{after}"),
            (Some((before, after)), None) => format!("{}{after}", before.trim_end()),
            (None, _) => word.to_string(),
        }
    }

    /// `text` with each `{key}` or `{key:arg}` replaced by the host's word (`Words::word`).
    pub fn fill(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) if after[..close].chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == ':' || c == '-' || c.is_ascii_alphanumeric()) => {
                    let inner = &after[..close];
                    let (key, arg) = match inner.split_once(':') {
                        Some((k, a)) => (k, Some(a)),
                        None => (inner, None),
                    };
                    if WORD_KEYS.contains(&key) {
                        out.push_str(&self.word(key, arg));
                    } else {
                        out.push('{');
                        out.push_str(inner);
                        out.push('}');
                    }
                    rest = &after[close + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_row_and_its_wire_name() {
        for code in ErrorCode::ALL {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, serde_json::Value::String(code.as_str().into()));
            assert_eq!(serde_json::from_value::<ErrorCode>(wire).unwrap(), code);
            let row = code.code();
            assert!(!row.message.is_empty() && !row.advice.is_empty(), "{code:?}");
        }
        let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn every_word_an_advice_names_is_a_known_word() {
        let marked = Words { files: Some("<files>".into()), ..Words::default() };
        for code in ErrorCode::ALL {
            let filled = marked.fill(code.code().advice);
            for key in filled.match_indices('{').map(|(i, _)| &filled[i..]) {
                panic!("{code:?}: an unknown word in {key}");
            }
        }
    }

    #[test]
    fn a_host_word_replaces_the_default_and_takes_its_argument() {
        let cli = Words { allow: Some("--allow {}".into()), files: Some("--files".into()), ..Words::default() };
        assert_eq!(cli.fill("pass `{allow:fs}` or add it to `{files}`"), "pass `--allow fs` or add it to `--files`");
        assert_eq!(cli.word("allow", None), "--allow");
        let neutral = Words::default();
        assert_eq!(neutral.fill("pass `{allow:fs}` or add it to `{files}`"), "pass `options.allow fs` or add it to `files`");
        assert_eq!(neutral.fill("a {brace} and { alone"), "a {brace} and { alone");
    }

    #[test]
    fn words_read_from_json_refuse_an_unknown_word_and_take_null_as_none() {
        let w: Words = serde_json::from_str(r#"{ "files": "--files", "read": null }"#).unwrap();
        assert_eq!((w.files.as_deref(), w.read.as_deref()), (Some("--files"), None));
        let err = serde_json::from_str::<Words>(r#"{ "flies": "--files" }"#).unwrap_err().to_string();
        assert!(err.starts_with("unknown word `flies` (known: files, read, contextBudget,"), "{err}");
        // The CLI's table is a valid one, with a word for every key.
        let cli = cli_words();
        for key in WORD_KEYS {
            assert!(cli.entry(key).unwrap().1.is_some(), "words.json has no word for {key}");
        }
    }
}

/// The CLI's words (`npm/red-exec/lib/words.json`), for the tests that check a text as the CLI
/// shows it.
#[cfg(test)]
pub(crate) fn cli_words() -> Words {
    serde_json::from_str(include_str!("../../../npm/red-exec/lib/words.json")).expect("words.json is a Words")
}
