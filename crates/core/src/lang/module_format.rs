//! Module formats: which module system a file's code uses, and what its extension alone fixes.

use serde::Serialize;

/// Which module system a file's code uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModuleFormat {
    Cjs,
    Esm,
}

impl ModuleFormat {
    /// The format Node gives a file for its extension alone (`.mjs`, `.cjs` and TypeScript's
    /// `.mts`, `.cts`), whatever package.json or any toolchain says.
    pub(crate) fn of_extension(path: &str) -> Option<ModuleFormat> {
        match super::extension(path).map(str::to_ascii_lowercase).as_deref() {
            Some("mjs" | "mts") => Some(ModuleFormat::Esm),
            Some("cjs" | "cts") => Some(ModuleFormat::Cjs),
            _ => None,
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            ModuleFormat::Cjs => "CommonJS (require / module.exports)",
            ModuleFormat::Esm => "ES modules (import / export)",
        }
    }
}
