//! The plan as it crosses the boundary: what L1 decided to do with each file.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    Create,
    Modify,
    /// Named top-level declarations move from `from` into this (new) file.
    Extract,
    Delete,
}

impl Action {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Action::Create => "CREATE",
            Action::Modify => "MODIFY",
            Action::Extract => "EXTRACT",
            Action::Delete => "DELETE",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        match s.trim().to_ascii_uppercase().as_str() {
            "CREATE" => Some(Action::Create),
            "MODIFY" => Some(Action::Modify),
            "EXTRACT" => Some(Action::Extract),
            "DELETE" => Some(Action::Delete),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanEntry {
    pub path: String,
    pub action: Action,
    pub intent: String,
    /// EXTRACT: the file the declarations come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// EXTRACT: the declarations that move.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<String>,
    /// MODIFY: the sections (`#n`, declared names or marker titles) the change touches; empty means
    /// the whole file is one unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
    /// MODIFY: only point this file's imports at code an EXTRACT moved; done mechanically.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rewire: bool,
    /// MODIFY: exports the task asks to remove (each must be named in the task).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop_exports: Vec<String>,
    /// CREATE and MODIFY: every name the file must export once the change is made, as the
    /// planner read it from the task. The gate holds the answer to it (`exports_planned`), and
    /// the other units are shown these names as the file's exports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<String>,
}

/// Where a run's plan came from: the planner's answer (`model`), or the scope itself (`derived`:
/// one file in scope and a task that asks for nothing but its change, so there is one valid plan
/// and no L1 call is made), or the content the caller supplied (`supplied`: no model at all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum PlanSource {
    #[default]
    Model,
    Derived,
    /// The caller supplied every file's content (`RunInput::supplied`): no L1, L2 or L3.
    Supplied,
}

impl Action {
    /// Every action, in the order the prompts name them.
    #[cfg(test)]
    pub(crate) const ALL: [Action; 4] = [Action::Create, Action::Modify, Action::Extract, Action::Delete];
}
