//! The gate's words on the wire: its modes, decisions, violations and the capabilities it knows.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::gate::Rule;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Violation {
    pub rule: Rule,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum GateMode {
    /// Refuse the write and record the violation.
    #[default]
    Block,
    /// Write anyway and record the violation.
    Warn,
    /// Check nothing but scope: scope is not a rule a user can switch off.
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "GateDecision")]
pub enum Decision {
    Pass,
    Warn,
    Block,
}

/// A power a file's code can use beyond computing: the gate holds an answer that adds one the
/// file did not already use (`new_capability`), unless the task asks for it or `allow` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Starting processes: `child_process`, `cluster`, `Bun.spawn`, `Deno.Command`, `process.binding`.
    Process,
    /// Network access: `net`, `http(s)`, `http2`, `dgram`, `tls`, `dns`, client libraries, `fetch`
    /// or `WebSocket` to a literal absolute URL.
    Network,
    /// Code made at run time: `eval`, `Function()`, `vm`, a `require()`/`import()` of a computed
    /// name, computed access to the global object, a timer given a string.
    DynamicCode,
    /// File-system access: `fs`, `fs/promises`, Bun's and Deno's file calls.
    Fs,
}
