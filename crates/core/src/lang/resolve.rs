//! Module specifiers and their resolution: the specifier one workspace file uses to load another,
//! and the workspace path a relative specifier names. Paths are workspace-relative with `/`
//! separators.

use std::collections::BTreeMap;

use super::{ModuleFormat, imported_as, script_extension, strip_script_extension};

/// The specifier `from_file` uses to import `to_file`: `./lib/x` for CommonJS (Node resolves
/// the extension and `index`), `./lib/x.js` for ES modules (TypeScript sources are imported by
/// their emitted `.js` name).
pub(crate) fn relative_specifier(from_file: &str, to_file: &str, format: ModuleFormat) -> String {
    let to = segments(to_file);
    let mut rel = relative_path(&parent(&segments(from_file)), &to);
    let ext = script_extension(&rel).unwrap_or("").to_string();
    let stem_len = rel.len() - if ext.is_empty() { 0 } else { ext.len() + 1 };
    let emitted = imported_as(&ext).first();
    match format {
        // Only extensions that leave the format open are dropped: `.mjs`, `.cjs` name themselves.
        ModuleFormat::Cjs if !ext.is_empty() && ModuleFormat::of_extension(&rel).is_none() => {
            rel.truncate(stem_len);
            if let Some(dir) = rel.strip_suffix("/index")
                && dir != "."
                && dir != ".."
            {
                rel.truncate(dir.len());
            }
        }
        _ => {
            if let Some(emitted) = emitted {
                rel.truncate(stem_len);
                rel.push('.');
                rel.push_str(emitted);
            }
        }
    }
    rel
}

/// A relative specifier written in `from_file`, rewritten to name the same file from `to_file`.
pub(crate) fn respecify(spec: &str, from_file: &str, to_file: &str) -> String {
    match resolve(spec, from_file) {
        Some(resolved) => relative_path(&parent(&segments(to_file)), &resolved),
        None => spec.to_string(),
    }
}

/// The workspace path a relative specifier names, as segments; `None` for packages.
pub(crate) fn resolve(spec: &str, from_file: &str) -> Option<Vec<String>> {
    let relative = spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../");
    if !relative {
        return None;
    }
    let dir = parent(&segments(from_file)).join("/");
    Some(segments(&format!("{dir}/{spec}")))
}

/// Does `spec`, written in `from_file`, load `file`? With or without the extension, a `.js`
/// name for a TypeScript file, or a directory for its `index` file.
pub(crate) fn resolves_to(spec: &str, from_file: &str, file: &str) -> bool {
    let Some(resolved) = resolve(spec, from_file) else { return false };
    let resolved = resolved.join("/");
    let file = segments(file).join("/");
    if resolved == file {
        return true;
    }
    let (file_stem, file_ext) = (strip_script_extension(&file), script_extension(&file));
    let Some(file_ext) = file_ext else { return false };
    let same_stem = match script_extension(&resolved) {
        None => resolved == file_stem,
        Some(ext) => {
            let compatible = imported_as(file_ext).contains(&ext);
            compatible && strip_script_extension(&resolved) == file_stem
        }
    };
    same_stem || file_stem.strip_suffix("/index").is_some_and(|dir| dir == resolved) || (file_stem == "index" && resolved.is_empty())
}

/// Files indexed by the stem a specifier names them by (`src/a` for `src/a.ts`), so that finding
/// which of many files an import loads is one lookup, not a [`resolves_to`] per file (a run's
/// import graph was quadratic in its files: issue 20's 200-file bench).
pub(crate) struct FileIndex<'a> {
    by_stem: BTreeMap<String, Vec<&'a str>>,
}

impl<'a> FileIndex<'a> {
    pub(crate) fn new(files: impl IntoIterator<Item = &'a str>) -> Self {
        let mut by_stem: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
        for file in files {
            by_stem.entry(strip_script_extension(&segments(file).join("/")).to_string()).or_default().push(file);
        }
        FileIndex { by_stem }
    }

    /// The files `spec`, written in `from_file`, loads: exactly those [`resolves_to`] accepts.
    pub(crate) fn targets(&self, spec: &str, from_file: &str) -> Vec<&'a str> {
        let Some(resolved) = resolve(spec, from_file) else { return Vec::new() };
        let resolved = resolved.join("/");
        // Every stem `resolves_to` can match: the path itself, without its extension, its `index`.
        let mut keys = vec![resolved.clone(), strip_script_extension(&resolved).to_string(), format!("{resolved}/index")];
        if resolved.is_empty() {
            keys.push("index".to_string());
        }
        let mut out: Vec<&'a str> = keys.iter().filter_map(|k| self.by_stem.get(k)).flatten().copied().filter(|f| resolves_to(spec, from_file, f)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

pub(crate) fn segments(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if out.last().is_some_and(|last| last != "..") => {
                out.pop();
            }
            _ => out.push(part.to_string()),
        }
    }
    out
}

fn parent(segments: &[String]) -> Vec<String> {
    segments[..segments.len().saturating_sub(1)].to_vec()
}

/// `./x` or `../x` from directory `from` to path `to`.
fn relative_path(from: &[String], to: &[String]) -> String {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(to[common..].iter().map(String::as_str));
    if parts.first() != Some(&"..") {
        parts.insert(0, ".");
    }
    parts.join("/")
}

pub(crate) fn same_file(a: &str, b: &str) -> bool {
    segments(a) == segments(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers() {
        assert_eq!(relative_specifier("src/billing.js", "src/billing/invoices.js", ModuleFormat::Cjs), "./billing/invoices");
        assert_eq!(relative_specifier("src/billing.js", "src/billing/invoices.js", ModuleFormat::Esm), "./billing/invoices.js");
        assert_eq!(relative_specifier("src/routes/a.js", "src/lib/x.js", ModuleFormat::Esm), "../lib/x.js");
        assert_eq!(relative_specifier("src/a.ts", "src/b.ts", ModuleFormat::Esm), "./b.js");
        assert_eq!(relative_specifier("src/a.mts", "b.mts", ModuleFormat::Esm), "../b.mjs");
        assert_eq!(relative_specifier("a.js", "lib/index.js", ModuleFormat::Cjs), "./lib");
        assert_eq!(relative_specifier("lib/a.js", "lib/index.js", ModuleFormat::Cjs), "./index");
        assert_eq!(relative_specifier("a.js", "lib/x.mjs", ModuleFormat::Cjs), "./lib/x.mjs");
        assert_eq!(relative_specifier("./src/../a.js", "./b/c.js", ModuleFormat::Cjs), "./b/c");

        assert_eq!(respecify("./dates", "src/billing.js", "src/billing/invoices.js"), "../dates");
        assert_eq!(respecify("../money", "src/pricing/rates.ts", "src/card.ts"), "./money");
        assert_eq!(respecify("crypto", "src/billing.js", "x/y/z.js"), "crypto");

        assert!(resolves_to("../billing", "src/routes/a.js", "src/billing.js"));
        assert!(resolves_to("../billing.js", "src/routes/a.js", "src/billing.js"));
        assert!(resolves_to("./lib", "a.js", "lib/index.js"));
        assert!(resolves_to("./q.js", "a.ts", "q.ts"));
        assert!(!resolves_to("./q.mjs", "a.ts", "q.ts"));
        assert!(!resolves_to("../billing/x", "src/routes/a.js", "src/billing.js"));
        assert!(!resolves_to("billing", "src/a.js", "billing.js"));
    }

    #[test]
    fn the_index_finds_exactly_what_resolves_to_accepts() {
        let files = [
            "a.js", "index.js", "lib/index.js", "lib/x.mjs", "q.ts", "src/billing.js", "src/billing/index.ts", "src/card.tsx",
            "src/routes/a.js", "data.json", "docs/README.md",
        ];
        let index = FileIndex::new(files);
        let specs = [
            ".", "..", "./", "./a", "./a.js", "./index", "./lib", "./lib/", "./lib/index.js", "./lib/x", "./lib/x.mjs", "./q.js",
            "./q.mjs", "./q.ts", "../billing", "../billing.js", "./billing", "./billing/index.js", "./card.js", "./card.jsx",
            "../../a", "./data.json", "../docs/README.md", "lodash", "../../../up",
        ];
        for from in files {
            for spec in specs {
                let mut slow: Vec<&str> = files.iter().copied().filter(|f| resolves_to(spec, from, f)).collect();
                slow.sort_unstable();
                assert_eq!(index.targets(spec, from), slow, "{spec} from {from}");
            }
        }
        assert_eq!(index.targets("../billing", "src/routes/a.js"), ["src/billing.js", "src/billing/index.ts"]);
        assert_eq!(index.targets("../billing.js", "src/routes/a.js"), ["src/billing.js"]);
        assert!(index.targets("lodash", "src/card.tsx").is_empty());
    }
}
