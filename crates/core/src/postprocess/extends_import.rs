//! Pass `extends-import`: import the base class of `class A extends B` when `B` is unresolved.

use super::imports::{Binding, ImportFacts, WantedImport, add_imports, import_facts};
use super::{Fix, Neighbour, is_global};
use crate::analysis::ModuleFormat;

/// The pass name, as in [`Fix::pass`].
pub(crate) const EXTENDS_IMPORT: &str = "extends-import";

/// Whether a file's name is the natural home of class `name`: `b.js` or `B.js` for `B`,
/// `base-model.js` or `base_model.ts` for `BaseModel` (case and `-`/`_` ignored).
fn file_named_for(path: &str, name: &str) -> bool {
    let file = path.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let squash = |s: &str| s.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_lowercase();
    squash(stem) == squash(name)
}

/// Import the base class of `class A extends B` when `B` is unresolved.
///
/// Candidates: a neighbour exporting `B` by name, or a neighbour whose whole module is its
/// default export (`module.exports = B` / `export default B`) and whose file is named for `B`
/// (`b.js`, `B.js`, `base-model.js` for `BaseModel`). Exactly one candidate gets imported:
/// `const B = require('./b');` / `import B from './b.js';` for a whole-module export, the named
/// forms of [`super::recover_missing_imports`] otherwise. A CommonJS file is not given an ESM default
/// (that needs `require(...).default`, which is a guess about the runtime).
pub(crate) fn recover_extends_import(path: &str, text: &str, format: ModuleFormat, neighbours: &[Neighbour]) -> (String, Vec<Fix>) {
    match import_facts(path, text) {
        Some(facts) => extends_import_with(path, text, &facts, format, neighbours),
        None => (text.to_string(), Vec::new()),
    }
}

/// [`recover_extends_import`] with the facts of `text` already read.
pub(super) fn extends_import_with(path: &str, text: &str, facts: &ImportFacts, format: ModuleFormat, neighbours: &[Neighbour]) -> (String, Vec<Fix>) {
    let mut wanted = Vec::new();
    for name in &facts.unresolved_supers {
        if is_global(name) || facts.unresolved.get(name).is_some_and(|u| u.write) {
            continue;
        }
        let mut candidates = Vec::new();
        for n in neighbours.iter().filter(|n| n.path != path) {
            if n.exports.contains(name) {
                candidates.push((n, Binding::Named));
            } else if n.exports.contains("default")
                && file_named_for(n.path, name)
                && !(format == ModuleFormat::Cjs && n.format == Some(ModuleFormat::Esm))
            {
                candidates.push((n, Binding::Default));
            }
        }
        if let [(from, binding)] = candidates[..] {
            wanted.push(WantedImport { name: name.clone(), from: *from, binding });
        }
    }
    add_imports(path, text, facts, format, &wanted, EXTENDS_IMPORT)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;


    #[test]
    fn cjs_base_class_exported_as_the_whole_module_is_required() {
        let n = facts(&[
            ("src/models/user.js", fixture!("extends-cjs/src/models/user.js")),
            ("src/crypto.js", fixture!("extends-cjs/src/crypto.js")),
        ]);
        assert_eq!(n[0].exports, exports(&["default"]));
        let (out, fixes) = recover_extends_import(
            "src/models/admin.js",
            fixture!("extends-cjs/src/models/admin.js"),
            ModuleFormat::Cjs,
            &neighbours(&n),
        );
        assert_eq!(out, fixture!("extends-cjs/src/models/admin.expected.js"));
        assert_eq!(
            fixes,
            [Fix {
                pass: EXTENDS_IMPORT,
                description: "added `const User = require('./user');` (exported by src/models/user.js)".into()
            }]
        );
    }

    #[test]
    fn esm_default_base_class_from_a_kebab_case_file() {
        let n = facts(&[("src/base-model.js", fixture!("extends-esm/src/base-model.js"))]);
        let (out, fixes) =
            recover_extends_import("src/post.js", fixture!("extends-esm/src/post.js"), ModuleFormat::Esm, &neighbours(&n));
        assert_eq!(out, fixture!("extends-esm/src/post.expected.js"));
        assert_eq!(descriptions(&fixes), ["added `import BaseModel from './base-model.js';` (exported by src/base-model.js)"]);
    }

    #[test]
    fn extends_needs_exactly_one_candidate_and_an_unresolved_base() {
        let default = exports(&["default"]);
        let named = exports(&["Base"]);
        let src = "class A extends Base {}\nmodule.exports = A;\n";
        // A named export and a file named for the class: two candidates, no guess.
        let both = [
            Neighbour { path: "src/base.js", exports: &default, format: Some(ModuleFormat::Cjs), planned: &[] },
            Neighbour { path: "src/lib.js", exports: &named, format: Some(ModuleFormat::Cjs), planned: &[] },
        ];
        let (out, fixes) = recover_extends_import("src/a.js", src, ModuleFormat::Cjs, &both);
        assert_eq!((out.as_str(), fixes.len()), (src, 0));
        // A named export alone is imported by name.
        let (out, _) = recover_extends_import("src/a.js", src, ModuleFormat::Cjs, &both[1..]);
        assert_eq!(out, "const { Base } = require('./lib');\n\nclass A extends Base {}\nmodule.exports = A;\n");
        // A default export in a file named for something else is not a candidate.
        let other = [Neighbour { path: "src/other.js", exports: &default, format: Some(ModuleFormat::Cjs), planned: &[] }];
        assert_eq!(recover_extends_import("src/a.js", src, ModuleFormat::Cjs, &other).0, src);
        // A CommonJS file is not handed an ESM default.
        let esm = [Neighbour { path: "src/base.js", exports: &default, format: Some(ModuleFormat::Esm), planned: &[] }];
        assert_eq!(recover_extends_import("src/a.js", src, ModuleFormat::Cjs, &esm).0, src);
        // A base class declared in the file, or a global one, needs nothing.
        let local = "class Base {}\nclass A extends Base {}\nclass E extends Error {}\n";
        assert_eq!(recover_extends_import("src/a.js", local, ModuleFormat::Cjs, &both[..1]).0, local);
    }

    #[test]
    fn class_names_match_their_files() {
        assert!(file_named_for("src/models/user.js", "User"));
        assert!(file_named_for("src/User.ts", "User"));
        assert!(file_named_for("src/base_model.ts", "BaseModel"));
        assert!(!file_named_for("src/users.js", "User"));
    }
}
