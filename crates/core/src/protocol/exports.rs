//! What the wasm crate's other exports return: `knownModels()`, `gateRules()`, and the step
//! `Session.resume(reply)` gives back.

use serde::Serialize;
use ts_rs::TS;

use super::{ErrorCode, Event, Request, Rule, Status};

/// What `knownModels()` says about one model: its provider and list prices (USD per million tokens).
#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    #[ts(type = "'deepseek' | 'openai'")]
    pub provider: &'static str,
    pub input_per_m: f64,
    pub output_per_m: f64,
}

/// One gate rule as `gateRules()` lists it: its wire name and what it holds a write to.
#[derive(Serialize, TS)]
pub struct GateRuleInfo {
    pub name: Rule,
    pub summary: &'static str,
}

/// What `Session.resume(reply)` returns: the next request and the events since the last call.
/// A prompt and an answer cross the wasm boundary once: in this step, a `model_request` event's
/// `messages` are empty (they are the `complete` request's, the same `id`) and a `model_response`
/// event's `text` is empty (it is the text of the reply just given). `runTask` fills both in
/// before the host's `onEvent` sees the event.
#[derive(Serialize, TS)]
#[ts(rename = "SessionStep")]
pub struct Step<'a> {
    pub request: &'a Request,
    pub events: &'a [Event],
}

/// One row of `errorCodes()`: an error code, the status of a run it stops, the exit code of a
/// command-line host, what went wrong and what to do (in the words given).
#[derive(Serialize, TS)]
pub struct ErrorCodeInfo {
    pub code: ErrorCode,
    pub status: Status,
    pub exit: u8,
    pub message: &'static str,
    pub advice: String,
}
