//! Post-processing: small mechanical repairs run on each generated file before the gate.
//!
//! Models get cross-module wiring wrong in a few recurring ways (a symbol used but never
//! imported, a base class never required, a `console.log` left in despite the conventions).
//! Each pass here fixes one of those deterministically: text in, text out, and a [`Fix`] for
//! every change so the report can say what the machine did rather than the model. A pass that
//! cannot repair a file safely leaves it byte-identical; the gate then judges it as generated.
//!
//! One file per pass under `postprocess/`, each with its name (as in [`Fix::pass`]), its docs,
//! the pass and its tests: `text_conventions` (`line_endings`, `byte_order_mark`),
//! `missing_imports`, `extends_import`, `strip_banned`. The two import passes share
//! `imports` (what a file imports, read in one parse, and how an import is written).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::analysis::ModuleFormat;

mod extends_import;
mod imports;
mod missing_imports;
mod strip_banned;
mod text_conventions;

pub(crate) use extends_import::recover_extends_import;
pub(crate) use strip_banned::strip_banned;
pub(crate) use text_conventions::keep_text_conventions;

/// Another in-scope file the generated file may import from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Neighbour<'a> {
    /// Workspace-relative path, `/`-separated.
    pub(crate) path: &'a str,
    /// What it exports, as [`crate::analysis::Analysis::exports`] reports it.
    pub(crate) exports: &'a BTreeSet<String>,
    /// Its module format; `None` (unknown or mixed) is treated as the importing file's format.
    pub(crate) format: Option<ModuleFormat>,
    /// What the plan says it must export (its declared exports): the home of a name that several
    /// neighbours export (the others re-export it).
    pub(crate) planned: &'a [String],
}

/// What a pass changed (or, for [`strip_banned`], deliberately left alone), for the report and
/// the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Fix {
    pub(crate) pass: &'static str,
    pub(crate) description: String,
}

pub(crate) use crate::lang::is_global;

/// The import passes in order, the missing-imports pass (`missing_imports`) then [`recover_extends_import`],
/// reading the file's import facts once when the first pass leaves the text as it was. Both
/// import only what another file exports: with no such file (`anyone_exports` false), nothing is
/// parsed. `neighbours` (the files the text may import from) is made only for a text that leaves
/// a name unresolved: listing every file for every unit made a run quadratic in its files.
pub(crate) fn recover_imports<'n>(
    path: &str,
    text: &str,
    format: ModuleFormat,
    anyone_exports: bool,
    neighbours: impl FnOnce() -> Vec<Neighbour<'n>>,
) -> (String, Vec<Fix>) {
    if !anyone_exports {
        return (text.to_string(), Vec::new());
    }
    let Some(facts) = imports::import_facts(path, text) else { return (text.to_string(), Vec::new()) };
    if facts.unresolved.keys().chain(&facts.unresolved_supers).all(|name| is_global(name)) {
        return (text.to_string(), Vec::new());
    }
    let neighbours = neighbours();
    let (out, mut fixes) = missing_imports::missing_imports_with(path, text, &facts, format, &neighbours);
    let (out, more) = if out == text {
        extends_import::extends_import_with(path, &out, &facts, format, &neighbours)
    } else {
        recover_extends_import(path, &out, format, &neighbours)
    };
    fixes.extend(more);
    (out, fixes)
}

/// Helpers for the passes' tests.
#[cfg(test)]
mod test_support {
    use std::collections::BTreeSet;

    use super::{Fix, Neighbour};
    use crate::analysis::{ModuleFormat, analyze};

    macro_rules! fixture {
        ($path:literal) => {
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/postprocess/", $path))
        };
    }

    pub(crate) use fixture;

    /// A neighbour's facts as the pipeline would get them: analysed from its text.
    pub(crate) struct Facts {
        pub(crate) path: &'static str,
        pub(crate) exports: BTreeSet<String>,
        pub(crate) format: Option<ModuleFormat>,
    }

    pub(crate) fn facts(files: &[(&'static str, &str)]) -> Vec<Facts> {
        files
            .iter()
            .map(|(path, text)| {
                let a = analyze(path, text);
                assert!(a.is_valid(), "fixture {path} must parse: {:?}", a.syntax_errors);
                Facts { path, exports: a.exports.clone(), format: a.module_format() }
            })
            .collect()
    }

    pub(crate) fn neighbours(facts: &[Facts]) -> Vec<Neighbour<'_>> {
        facts.iter().map(|f| Neighbour { path: f.path, exports: &f.exports, format: f.format, planned: &[] }).collect()
    }

    pub(crate) fn exports(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    pub(crate) fn descriptions(fixes: &[Fix]) -> Vec<&str> {
        fixes.iter().map(|f| f.description.as_str()).collect()
    }
}
