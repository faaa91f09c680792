//! A parsed skill file (`parseSkill`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A parsed skill file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Skill {
    /// Identifiers generated code must not use (`postprocess::strip_banned` removes them): plain
    /// names (`eval`), member paths (`console.log`) or `debugger`. In file order, no duplicates.
    pub banned: Vec<String>,
    /// The Markdown without HTML comments (notes for the human, not for the model), trimmed.
    pub text: String,
}
