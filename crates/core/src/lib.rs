//! red-exec's governed execution core: a task and a bounded file list in, checked writes out.
//!
//! The core does no I/O. [`pipeline::Session`] is a state machine: the host asks it what to do
//! next, performs that (read a file, call the model, write a file) and hands back the answer.

pub mod analysis;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
