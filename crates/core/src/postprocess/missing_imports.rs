//! Pass `missing-imports`: import a name the file uses but never declares, when exactly one
//! in-scope neighbour exports it.

use super::imports::{Binding, ImportFacts, WantedImport, add_imports};
use super::{Fix, Neighbour, is_global};
use crate::analysis::ModuleFormat;

/// The pass name, as in [`Fix::pass`].
pub(crate) const MISSING_IMPORTS: &str = "missing-imports";

/// Import names the file uses but never declares or imports, when exactly one neighbour exports
/// them.
///
/// Only unresolved references at the top scope count (so a local or a parameter of the same name
/// is never shadowed by an import). Skipped: [globals](crate::lang::GLOBALS); names assigned to (an import
/// binding is read-only); names exported by no neighbour or by more than one, unless exactly one
/// of those is the plan's home for it (otherwise ambiguous: the gate or a retry decides, not a
/// guess); `default` exports (see [`super::recover_extends_import`]); in
/// CommonJS, names only used as types. In TypeScript ESM, names only used as types are imported
/// with `import type`.
///
/// Output: CommonJS `const { X } = require('./rel/path');` (merged into an existing destructuring
/// require of the same module), ESM `import { X } from './rel/path.js';` (merged into an existing
/// named import of the same module). Specifiers are relative to the file's directory, from
/// [`crate::lang::resolve::relative_specifier`]: CommonJS without extension, ESM with `.js` (also for `.ts` sources).
/// New statements go after the last top-level import/require.
#[cfg(test)]
fn recover_missing_imports(path: &str, text: &str, format: ModuleFormat, neighbours: &[Neighbour]) -> (String, Vec<Fix>) {
    match super::imports::import_facts(path, text) {
        Some(facts) => missing_imports_with(path, text, &facts, format, neighbours),
        None => (text.to_string(), Vec::new()),
    }
}

/// [`recover_missing_imports`] with the facts of `text` already read.
pub(super) fn missing_imports_with(path: &str, text: &str, facts: &ImportFacts, format: ModuleFormat, neighbours: &[Neighbour]) -> (String, Vec<Fix>) {
    let mut wanted = Vec::new();
    for (name, usage) in &facts.unresolved {
        if is_global(name) || usage.write || (!usage.value && format == ModuleFormat::Cjs) {
            continue;
        }
        let Some(from) = provider(path, name, neighbours) else { continue };
        let binding = if usage.value { Binding::Named } else { Binding::TypeNamed };
        wanted.push(WantedImport { name: name.clone(), from: *from, binding });
    }
    add_imports(path, text, facts, format, &wanted, MISSING_IMPORTS)
}

/// The one neighbour that exports `name`; of several, the one the plan declares it for (a file
/// that re-exports the name beside its home, as an answer may, does not make it ambiguous).
fn provider<'n, 'a>(path: &str, name: &str, neighbours: &'n [Neighbour<'a>]) -> Option<&'n Neighbour<'a>> {
    let exporting: Vec<&Neighbour> = neighbours.iter().filter(|n| n.path != path && n.exports.contains(name)).collect();
    let homes = if exporting.len() == 1 { exporting } else { exporting.into_iter().filter(|n| n.planned.iter().any(|p| p == name)).collect() };
    (homes.len() == 1).then(|| homes[0])
}

#[cfg(test)]
#[path = "missing_imports.tests.rs"]
mod tests;
