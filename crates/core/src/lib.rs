//! red-exec's governed execution core: a task and a bounded file list in, checked writes out.
//!
//! The core does no I/O. [`pipeline::Session`] is a state machine: the host asks it what to do
//! next, performs that (read a file, call the model, write a file) and hands back the answer.
//! Stages: [`decompose`] (L1 plan), [`section`] (L2), [`generate`] (L3 answers), [`gate`]
//! (InvariantGate), `diff`, [`report`]; [`prompts`] holds every prompt, `context` cuts read-only files to what a unit uses, `fence` the Markdown fences
//! they and the answers use. `postprocess` holds
//! the mechanical repairs run on generated files before the gate. [`lang`] is what every stage
//! asks of languages and modules (extensions, parsing, formats, specifiers, a file's facts).
//! [`protocol`] holds every type that crosses the wasm boundary (input, requests, replies,
//! events, result).

pub(crate) mod context;
/// Benchmark-only: the stages of one edit timed one by one (`npm run bench:core`).
pub mod bench;
pub mod decompose;
pub(crate) mod codes;
pub(crate) mod diff;
pub(crate) mod extract;
pub(crate) mod failure;
pub(crate) mod fence;
pub mod gate;
pub mod generate;
pub mod lang;
/// The facts of one file (in the language layer, [`lang`]).
pub use lang::analysis;
pub mod pipeline;
pub(crate) mod plan;
pub(crate) mod postprocess;
pub mod prompts;
pub mod protocol;
pub mod report;
pub mod section;
pub mod skill;
pub(crate) mod toolchain;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
