//! The wasm-bindgen boundary of `red_exec_core`: values cross as plain JS objects; nothing else
//! happens here.

use std::cell::RefCell;

use red_exec_core::gate;
use red_exec_core::pipeline::Session as CoreSession;
use red_exec_core::protocol::{ErrorCode, ErrorCodeInfo, EventBody, GateRuleInfo, ModelInfo, Reply, RunInput, RunResult, Step, Words};
use red_exec_core::report;
use red_exec_core::skill;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics abort the wasm instance; keep the message so the JS wrapper can turn the trap into an
/// Error that says what went wrong, and still print it through console.error.
#[wasm_bindgen(start)]
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
        console_error_panic_hook::hook(info);
    }));
}

/// The message of the panic that aborted the last call, if any.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    // serde-wasm-bindgen's message is a JS Error's text: `Error: missing field ...`.
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        let e = e.to_string();
        JsError::new(&format!("invalid {what}: {}", e.strip_prefix("Error: ").unwrap_or(&e)))
    })
}

#[wasm_bindgen]
pub fn version() -> String {
    red_exec_core::VERSION.to_string()
}

/// `YYYYMMDD-HHMMSS-xxxxxx`: sortable by time, unique by 24 random bits.
#[wasm_bindgen(js_name = newRunId)]
pub fn new_run_id() -> Result<String, JsError> {
    let now = js_sys::Date::new_0();
    let mut bytes = [0u8; 3];
    getrandom::fill(&mut bytes).map_err(|e| JsError::new(&format!("no randomness: {e}")))?;
    Ok(format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{:02x}{:02x}{:02x}",
        now.get_utc_full_year(),
        now.get_utc_month() + 1,
        now.get_utc_date(),
        now.get_utc_hours(),
        now.get_utc_minutes(),
        now.get_utc_seconds(),
        bytes[0],
        bytes[1],
        bytes[2]
    ))
}

#[wasm_bindgen(js_name = knownModels)]
pub fn known_models() -> Result<JsValue, JsError> {
    let models: std::collections::BTreeMap<&str, ModelInfo> = report::PRICES
        .iter()
        .map(|&(name, provider, input_per_m, output_per_m)| (name, ModelInfo { provider, input_per_m, output_per_m }))
        .collect();
    to_js(&models)
}

#[wasm_bindgen(js_name = gateRules)]
pub fn gate_rules() -> Result<JsValue, JsError> {
    let rules: Vec<GateRuleInfo> = gate::Rule::ALL.iter().map(|&name| GateRuleInfo { name, summary: name.summary() }).collect();
    to_js(&rules)
}

/// Why `path` (workspace-relative) is one of red-exec's own files, which no run may write or
/// delete; `undefined` when it is not, or when it is not a path inside the workspace at all.
#[wasm_bindgen(js_name = toolPath)]
pub fn tool_path(path: String) -> Option<String> {
    gate::normalize_path(&path).ok().and_then(|p| gate::tool_path(&p))
}

/// How the host names its controls (`Words`); absent: the run input's own names.
fn words(words: JsValue) -> Result<Words, JsError> {
    if words.is_undefined() || words.is_null() { Ok(Words::default()) } else { from_js(words, "words") }
}

/// The console report of a run; `words`: the host's names for its controls.
#[wasm_bindgen(js_name = renderReport)]
pub fn render_report(result: JsValue, wall_ms: f64, words: JsValue) -> Result<String, JsError> {
    let result: RunResult = from_js(result, "run result")?;
    Ok(report::render_console(&result, wall_ms.max(0.0) as u64, &self::words(words)?))
}

/// The Markdown report (`red-exec --report` writes it to `.red-exec-logs/report.md`) of a run.
#[wasm_bindgen(js_name = renderMarkdownReport)]
pub fn render_markdown_report(result: JsValue, task: String, wall_ms: f64, words: JsValue) -> Result<String, JsError> {
    let result: RunResult = from_js(result, "run result")?;
    Ok(report::render_markdown(&result, &task, wall_ms.max(0.0) as u64, &self::words(words)?))
}

/// Every error code a run can stop with: its status, exit code, message and advice (in `words`).
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes(words: JsValue) -> Result<JsValue, JsError> {
    let words = self::words(words)?;
    let rows: Vec<ErrorCodeInfo> = ErrorCode::ALL
        .iter()
        .map(|&code| {
            let row = code.code();
            let advice = words.fill(row.advice).replace("RUN_ID", "<run-id>");
            ErrorCodeInfo { code, status: row.status, exit: row.exit, message: row.message, advice }
        })
        .collect();
    to_js(&rows)
}

/// A starter skill file from the project's sources (`[[path, text], ...]`) and package.json.
#[wasm_bindgen(js_name = skillStarter)]
pub fn skill_starter(files: JsValue, package_json: Option<String>, words: JsValue) -> Result<String, JsError> {
    let files: Vec<(String, String)> = from_js(files, "source files ([path, text] pairs)")?;
    Ok(skill::starter(&files, package_json.as_deref(), &self::words(words)?))
}

/// `{ banned, text }` of a skill file.
#[wasm_bindgen(js_name = parseSkill)]
pub fn parse_skill(markdown: String) -> Result<JsValue, JsError> {
    to_js(&skill::parse_skill(&markdown))
}

/// One run. `resume(reply)` returns `{ request, events }`.
#[wasm_bindgen]
pub struct Session {
    inner: CoreSession,
}

#[wasm_bindgen]
impl Session {
    #[wasm_bindgen(constructor)]
    pub fn new(input: JsValue) -> Result<Session, JsError> {
        let input: RunInput = from_js(input, "run input")?;
        Ok(Session { inner: CoreSession::new(input) })
    }

    pub fn resume(&mut self, reply: JsValue) -> Result<JsValue, JsError> {
        let reply: Option<Reply> = if reply.is_undefined() || reply.is_null() { None } else { Some(from_js(reply, "host reply")?) };
        let request = self.inner.resume(reply);
        let mut events = self.inner.take_events();
        // Large strings cross once (issue 20): a prompt in its `complete` request, an answer in the
        // host's own reply. The events about them come without; `runTask` puts them back.
        for event in &mut events {
            match &mut event.body {
                EventBody::ModelRequest { messages, .. } => messages.clear(),
                EventBody::ModelResponse { text, .. } => text.clear(),
                _ => {}
            }
        }
        to_js(&Step { request: &request, events: &events })
    }
}

#[cfg(test)]
mod typescript;

mod bench;

/// Diagnostic: make the core panic, so hosts can test that a panic becomes a clean error.
#[wasm_bindgen(js_name = panicForDiagnostics)]
pub fn panic_for_diagnostics(message: String) {
    panic!("{message}");
}
