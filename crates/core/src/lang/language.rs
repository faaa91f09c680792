//! Languages and their extensions: the one table every other module asks.

use serde::Serialize;

/// The language of a workspace file, decided by its extension (`EXTENSIONS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    JavaScript,
    Jsx,
    TypeScript,
    Tsx,
    Json,
    Xml,
    Yaml,
    Toml,
    /// Markdown, text and anything else: read as context, never parsed.
    Other,
}

/// Every extension the core gives a language (lower case). Adding a language: a [`Language`]
/// variant, its rows here, and the arms the compiler then asks for (fence tags, the parser in
/// [`super::parse()`] or the data check in `analysis`).
pub(crate) const EXTENSIONS: &[(&str, Language)] = &[
    ("js", Language::JavaScript),
    ("mjs", Language::JavaScript),
    ("cjs", Language::JavaScript),
    ("jsx", Language::Jsx),
    ("ts", Language::TypeScript),
    ("mts", Language::TypeScript),
    ("cts", Language::TypeScript),
    ("tsx", Language::Tsx),
    ("json", Language::Json),
    // XML under its common names: SVG, XSLT, Apple's property lists, MSBuild projects and
    // resources, NuGet specs, XAML.
    ("xml", Language::Xml),
    ("svg", Language::Xml),
    ("xsd", Language::Xml),
    ("xsl", Language::Xml),
    ("xslt", Language::Xml),
    ("plist", Language::Xml),
    ("csproj", Language::Xml),
    ("fsproj", Language::Xml),
    ("vbproj", Language::Xml),
    ("props", Language::Xml),
    ("targets", Language::Xml),
    ("resx", Language::Xml),
    ("nuspec", Language::Xml),
    ("xaml", Language::Xml),
    ("yaml", Language::Yaml),
    ("yml", Language::Yaml),
    ("toml", Language::Toml),
];

/// Extensions of files a task may name as context without the core reading them as a language.
const PROSE_EXTENSIONS: [&str; 2] = ["md", "txt"];

/// The extension of a path's file name as written (`None` without a dot).
pub(crate) fn extension(path: &str) -> Option<&str> {
    path.rsplit_once('.').map(|(_, e)| e)
}

/// The language of an extension written exactly (lower case), if the core knows it.
fn of_extension(ext: &str) -> Option<Language> {
    EXTENSIONS.iter().find(|(e, _)| *e == ext).map(|(_, l)| *l)
}

/// Is `ext` (exactly as written, lower case) the extension of a script?
pub(crate) fn is_script_extension(ext: &str) -> bool {
    of_extension(ext).is_some_and(Language::is_script)
}

/// The extension of a script file name (the last segment of `path`), as written.
pub(crate) fn script_extension(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    let (_, ext) = name.rsplit_once('.')?;
    is_script_extension(ext).then_some(ext)
}

/// `path` without its script extension (unchanged if it has none).
pub(crate) fn strip_script_extension(path: &str) -> &str {
    match script_extension(path) {
        Some(ext) => &path[..path.len() - ext.len() - 1],
        None => path,
    }
}

/// Extensions by which a task names a workspace file (`bowling.spec.js`, `README.md`): scripts,
/// JSON and prose.
pub(crate) fn is_task_path_extension(ext: &str) -> bool {
    is_script_extension(ext) || of_extension(ext) == Some(Language::Json) || PROSE_EXTENSIONS.contains(&ext)
}

/// Is `name` (a specifier's last segment) a file name with a script or JSON extension? Such a
/// name is compared by its stem.
pub(crate) fn has_code_extension(name: &str) -> bool {
    extension(name).is_some_and(|ext| is_script_extension(ext) || of_extension(ext) == Some(Language::Json))
}

/// The extensions a TypeScript file is imported by (its emitted names, first the one the core
/// writes): `x.ts` as `./x.js`, `x.tsx` as `./x.js` or `./x.jsx`, `x.mts` as `./x.mjs`.
pub(crate) fn imported_as(ext: &str) -> &'static [&'static str] {
    match ext {
        "ts" => &["js"],
        "tsx" => &["js", "jsx"],
        "mts" => &["mjs"],
        "cts" => &["cjs"],
        _ => &[],
    }
}

impl Language {
    pub fn of(path: &str) -> Language {
        let ext = extension(path).map(str::to_ascii_lowercase).unwrap_or_default();
        of_extension(&ext).unwrap_or(Language::Other)
    }

    pub fn is_script(self) -> bool {
        matches!(self, Language::JavaScript | Language::Jsx | Language::TypeScript | Language::Tsx)
    }

    /// The info string models use on a fenced block of this language.
    pub(crate) fn fence_tag(self) -> &'static str {
        match self {
            Language::JavaScript => "js",
            Language::Jsx => "jsx",
            Language::TypeScript => "ts",
            Language::Tsx => "tsx",
            Language::Json => "json",
            Language::Xml => "xml",
            Language::Yaml => "yaml",
            Language::Toml => "toml",
            Language::Other => "",
        }
    }

    /// The fence info strings (first word, lower case) an answer for a file of this language may
    /// carry; `None` accepts any.
    pub(crate) fn accepted_fence_tags(self) -> Option<&'static [&'static str]> {
        Some(match self {
            Language::JavaScript | Language::Jsx => &["", "js", "javascript", "jsx", "mjs", "cjs", "node"],
            Language::TypeScript | Language::Tsx => &["", "ts", "typescript", "tsx", "js", "javascript"],
            Language::Json => &["", "json", "jsonc"],
            Language::Xml => &["", "xml", "svg", "plist"],
            Language::Yaml => &["", "yaml", "yml"],
            Language::Toml => &["", "toml"],
            Language::Other => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_extension() {
        assert_eq!(Language::of("a/b.MJS"), Language::JavaScript);
        assert_eq!(Language::of("x.d.ts"), Language::TypeScript);
        assert_eq!(Language::of("icon.svg"), Language::Xml);
        assert_eq!(Language::of("README.md"), Language::Other);
        assert_eq!(Language::of("Makefile"), Language::Other);
        assert_eq!(script_extension("src/a.cts"), Some("cts"));
        assert_eq!(script_extension("src.d/a"), None);
        assert_eq!(strip_script_extension("./lib/x.js"), "./lib/x");
        assert!(is_task_path_extension("txt") && is_task_path_extension("json") && !is_task_path_extension("yaml"));
        assert!(has_code_extension("x.json") && has_code_extension("x.mts") && !has_code_extension("x.css"));
    }
}
