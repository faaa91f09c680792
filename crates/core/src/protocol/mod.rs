//! Every value that crosses the wasm boundary, in one place: what a run is given ([`RunInput`]),
//! what the core asks of its host ([`Request`]) and what the host answers ([`Reply`]), the events
//! of a run ([`Event`]), its result ([`RunResult`]) and what the other exports return. The
//! TypeScript declarations (`npm/core/types/protocol.d.ts`) are generated from these types
//! (`crates/wasm/src/typescript.rs`); the stage modules import them from here.

mod codes;
mod events;
mod exchange;
mod exports;
mod gate;
mod input;
mod plan;
mod result;
mod skill;

pub use codes::*;
pub use events::*;
pub use exchange::*;
pub use exports::*;
pub use gate::*;
pub use input::*;
pub use plan::*;
pub use result::*;
pub use skill::*;
