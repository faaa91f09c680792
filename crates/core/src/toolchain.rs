//! What the project's own toolchain runs, read from which of its config files exist.
//!
//! Plain Node runs a `.js` file as CommonJS unless package.json says `"type": "module"`, so
//! `import` in such a file fails there. A project with Babel, TypeScript or a bundler compiles
//! its sources first: `import` is what those tools read, and Babel also turns every `import` of
//! a CommonJS file into a `require` (Jest's `babel-jest` runs Exercism's ES-module stubs so). The
//! core asks the host for these files along with package.json and decides here, in one place,
//! which module syntax the gate must hold a file to.

use crate::analysis::ModuleFormat;

/// Config files at the workspace root that mean "these sources are compiled before they run".
/// Only their existence matters; an unreadable one exists too.
pub(crate) const CONFIG_FILES: &[&str] = &[
    "babel.config.js",
    "babel.config.cjs",
    "babel.config.mjs",
    "babel.config.cts",
    "babel.config.json",
    ".babelrc",
    ".babelrc.js",
    ".babelrc.cjs",
    ".babelrc.mjs",
    ".babelrc.json",
    "tsconfig.json",
    "vite.config.js",
    "vite.config.mjs",
    "vite.config.cjs",
    "vite.config.ts",
    "vite.config.mts",
    "webpack.config.js",
    "webpack.config.cjs",
    "webpack.config.mjs",
    "webpack.config.ts",
    "rollup.config.js",
    "rollup.config.mjs",
    "rollup.config.cjs",
    "rollup.config.ts",
];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Toolchain {
    /// Babel compiles the sources (and gives an `import` of a CommonJS file its exports).
    pub(crate) babel: bool,
    /// tsc, or a bundler (Vite, webpack, Rollup), reads ES modules whatever package.json says.
    pub(crate) compiles_esm: bool,
}

impl Toolchain {
    /// The toolchain of a project whose root holds `existing` (workspace-relative paths; others
    /// are ignored) and whose package.json reads `package_json`.
    pub(crate) fn detect<'a>(existing: impl IntoIterator<Item = &'a str>, package_json: Option<&str>) -> Toolchain {
        let mut toolchain = Toolchain::default();
        for path in existing {
            if !CONFIG_FILES.contains(&path) {
                continue;
            }
            if path.starts_with("babel.config.") || path.starts_with(".babelrc") {
                toolchain.babel = true;
            } else {
                toolchain.compiles_esm = true;
            }
        }
        // Babel's config may also live in package.json's "babel" key.
        let package = package_json.and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok());
        if package.as_ref().is_some_and(|p| p.get("babel").is_some_and(serde_json::Value::is_object)) {
            toolchain.babel = true;
        }
        toolchain
    }

    /// The format the gate holds a file to, in `auto` mode, when its own syntax, its language or
    /// the project (`expected`) says it should be in one. `None`: the toolchain runs either.
    /// A file whose extension fixes the format (`.mjs`, `.cjs`), or an explicit
    /// `options.moduleFormat`, is not this function's business: the caller keeps `expected` then.
    pub(crate) fn required(self, expected: ModuleFormat) -> Option<ModuleFormat> {
        match expected {
            _ if self.babel => None,
            ModuleFormat::Cjs if self.compiles_esm => None,
            format => Some(format),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_files_and_the_package_babel_key_are_detected() {
        assert_eq!(Toolchain::detect([], None), Toolchain::default());
        assert_eq!(Toolchain::detect(["src/a.js", "package.json"], Some("{\"type\":\"commonjs\"}")), Toolchain::default());
        let babel = Toolchain { babel: true, compiles_esm: false };
        assert_eq!(Toolchain::detect(["babel.config.js"], None), babel);
        assert_eq!(Toolchain::detect([".babelrc"], None), babel);
        assert_eq!(Toolchain::detect([], Some("{\"babel\": {\"presets\": [\"@babel/preset-env\"]}}")), babel);
        // A "babel" that is not a config object is not a config; broken JSON says nothing.
        assert_eq!(Toolchain::detect([], Some("{\"babel\": \"^7\"}")), Toolchain::default());
        assert_eq!(Toolchain::detect([], Some("{\"babel\": {")), Toolchain::default());
        let esm = Toolchain { babel: false, compiles_esm: true };
        for config in ["tsconfig.json", "vite.config.ts", "webpack.config.js", "rollup.config.mjs"] {
            assert_eq!(Toolchain::detect([config], None), esm, "{config}");
        }
        // Only the root's config counts: a package's own tsconfig in a subfolder is another project.
        assert_eq!(Toolchain::detect(["packages/a/tsconfig.json"], None), Toolchain::default());
    }

    #[test]
    fn what_each_toolchain_runs() {
        use ModuleFormat::{Cjs, Esm};
        let none = Toolchain::default();
        let babel = Toolchain { babel: true, compiles_esm: false };
        let tsc_or_bundler = Toolchain { babel: false, compiles_esm: true };
        // Plain Node: what the project is, nothing else (ESM in a CommonJS project stays blocked).
        assert_eq!((none.required(Cjs), none.required(Esm)), (Some(Cjs), Some(Esm)));
        // Babel runs both: `import` compiles to `require`, and an import of a CommonJS file works.
        assert_eq!((babel.required(Cjs), babel.required(Esm)), (None, None));
        // tsc and bundlers read `import` anywhere, but `require` in an ES-module file is still an error.
        assert_eq!((tsc_or_bundler.required(Cjs), tsc_or_bundler.required(Esm)), (None, Some(Esm)));
    }
}
