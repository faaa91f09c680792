//! Skill files: Markdown conventions a user hands to a run (`RunInput.skills`).
//!
//! [`starter`] writes a first skill file from what the project's own sources show (module format,
//! indentation, quotes, semicolons, test runner); [`parse_skill`] reads the banned identifiers out
//! of a skill file and gives back the text the prompts carry.

use oxc_allocator::Allocator;
use oxc_ast::ast::{Declaration, Directive, ExportDefaultDeclarationKind, Statement, StringLiteral};
use oxc_ast_visit::{Visit, walk};
use oxc_span::GetSpan;
use crate::analysis::{Language, ModuleFormat, analyze};
use crate::protocol::{Skill, Words};

/// Read a skill file.
///
/// Banned identifiers may be given in either (or both) of two forms, outside fenced code blocks:
///
/// - a line `Banned: a, b.c` (also `Banned identifiers:`, any case, optionally as a list item or
///   in bold: `- **Banned:** ...`), entries separated by commas;
/// - a heading whose text is `Banned` or `Banned identifiers` (any level, any case) followed by a
///   bullet list (`-`, `*` or `+`); the list runs to the next heading.
///
/// Each entry is the identifier path at its start, backticks optional, so
/// ``- `console.log` (use the logger)`` yields `console.log`. Entries that are not identifier
/// paths are ignored.
pub fn parse_skill(markdown: &str) -> Skill {
    let markdown = &strip_html_comments(markdown);
    let mut banned: Vec<String> = Vec::new();
    let mut add = |entry: &str| {
        if let Some(id) = identifier_path(entry)
            && !banned.contains(&id)
        {
            banned.push(id);
        }
    };
    let mut in_fence = false;
    let mut in_banned_section = false;
    for line in markdown.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if let Some(heading) = heading_text(trimmed) {
            let heading = heading.to_ascii_lowercase();
            in_banned_section = heading == "banned" || heading == "banned identifiers";
            continue;
        }
        if let Some(list) = banned_line(trimmed) {
            // In a comma list each entry is the whole identifier: "not an id" is prose, not "not".
            for entry in list.split(',') {
                let bare = entry.trim().trim_matches('`').trim_end_matches("()");
                if identifier_path(bare).as_deref() == Some(bare) {
                    add(bare);
                }
            }
        } else if in_banned_section && let Some(item) = bullet_text(trimmed) {
            add(item);
        }
    }
    Skill { banned, text: markdown.trim().to_string() }
}

fn heading_text(line: &str) -> Option<&str> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
        Some(line[hashes..].trim().trim_end_matches('#').trim())
    } else {
        None
    }
}

fn bullet_text(line: &str) -> Option<&str> {
    line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")).or_else(|| line.strip_prefix("+ ")).map(str::trim)
}

/// The entry list of a `Banned: ...` line.
fn banned_line(line: &str) -> Option<&str> {
    let line = bullet_text(line).unwrap_or(line);
    let line = line.trim_start_matches(['*', '_']);
    let lower = line.to_ascii_lowercase();
    let rest = ["banned identifiers:", "banned:"]
        .iter()
        .find_map(|prefix| lower.starts_with(prefix).then(|| &line[prefix.len()..]))?;
    Some(rest.trim_start_matches(['*', '_']))
}

/// The identifier path an entry starts with: `console.log` from `` `console.log` (why) ``.
fn identifier_path(entry: &str) -> Option<String> {
    let entry = entry.trim().trim_start_matches('`');
    let end = entry.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.')).unwrap_or(entry.len());
    let id = entry[..end].trim_end_matches('.');
    let valid = !id.is_empty()
        && id.split('.').all(|part| part.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$'));
    valid.then(|| id.to_string())
}

fn strip_html_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            // An unclosed comment hides the rest, as it would in rendered Markdown.
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// The text of an ATX heading (`## Title ##` -> `Title`).

/// Counts of the style facts in one or more source files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Style {
    tab_lines: u32,
    space_lines: u32,
    /// Indentation steps (a line indented deeper than the line before) of 2 and of 4 spaces.
    steps2: u32,
    steps4: u32,
    single_quoted: u32,
    double_quoted: u32,
    with_semicolon: u32,
    without_semicolon: u32,
}

impl Style {
    fn add(&mut self, o: Style) {
        self.tab_lines += o.tab_lines;
        self.space_lines += o.space_lines;
        self.steps2 += o.steps2;
        self.steps4 += o.steps4;
        self.single_quoted += o.single_quoted;
        self.double_quoted += o.double_quoted;
        self.with_semicolon += o.with_semicolon;
        self.without_semicolon += o.without_semicolon;
    }
}

fn indentation(source: &str) -> Style {
    let mut s = Style::default();
    let mut previous = 0usize;
    for line in source.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('\t') {
            s.tab_lines += 1;
            continue;
        }
        let width = line.len() - line.trim_start_matches(' ').len();
        if width >= 2 {
            s.space_lines += 1;
        }
        // Only a step deeper says what one level is; block-comment ` *` lines step by one.
        match width.checked_sub(previous) {
            Some(2) => s.steps2 += 1,
            Some(4) => s.steps4 += 1,
            _ => {}
        }
        previous = width;
    }
    s
}

/// Quotes of string literals and the endings of statements that may end in a semicolon.
struct TokenStyle<'s> {
    source: &'s str,
    style: Style,
}

impl TokenStyle<'_> {
    fn ending(&mut self, span: oxc_span::Span) {
        let text = &self.source[span.start as usize..span.end as usize];
        if text.trim_end().ends_with(';') {
            self.style.with_semicolon += 1;
        } else {
            self.style.without_semicolon += 1;
        }
    }
}

impl<'a> Visit<'a> for TokenStyle<'_> {
    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        match self.source.as_bytes().get(it.span.start as usize) {
            Some(b'\'') => self.style.single_quoted += 1,
            Some(b'"') => self.style.double_quoted += 1,
            _ => {}
        }
    }

    fn visit_directive(&mut self, it: &Directive<'a>) {
        self.ending(it.span);
        walk::walk_directive(self, it);
    }

    fn visit_statement(&mut self, it: &Statement<'a>) {
        let ends_like_a_simple_statement = match it {
            Statement::ExpressionStatement(_)
            | Statement::VariableDeclaration(_)
            | Statement::ReturnStatement(_)
            | Statement::ThrowStatement(_)
            | Statement::BreakStatement(_)
            | Statement::ContinueStatement(_)
            | Statement::ImportDeclaration(_)
            | Statement::ExportAllDeclaration(_)
            | Statement::ExportNamedDeclaration(_)
            | Statement::ExportFromDeclaration(_) => true,
            Statement::ExportDeclaration(e) => matches!(e.declaration, Declaration::VariableDeclaration(_)),
            Statement::ExportDefaultDeclaration(e) => !matches!(
                e.declaration,
                ExportDefaultDeclarationKind::FunctionDeclaration(_)
                    | ExportDefaultDeclarationKind::ClassDeclaration(_)
                    | ExportDefaultDeclarationKind::TSInterfaceDeclaration(_)
            ),
            _ => false,
        };
        if ends_like_a_simple_statement {
            self.ending(it.span());
        }
        walk::walk_statement(self, it);
    }
}

fn token_style(path: &str, source: &str) -> Option<Style> {
    let allocator = Allocator::default();
    let ret = crate::lang::parse(&allocator, path, source);
    if !ret.diagnostics.is_empty() || ret.fatal_error {
        // A file that does not parse says nothing reliable about statements or literals.
        return None;
    }
    let mut visitor = TokenStyle { source, style: Style::default() };
    visitor.visit_program(&ret.program);
    Some(visitor.style)
}

fn percent(part: u32, whole: u32) -> u32 {
    if whole == 0 { 0 } else { (part * 100 + whole / 2) / whole }
}

fn module_line(files: &[(String, String)], package_json: Option<&serde_json::Value>) -> Option<String> {
    let describe = |f: ModuleFormat| match f {
        ModuleFormat::Cjs => "CommonJS: `require()` and `module.exports`, never `import`/`export`",
        ModuleFormat::Esm => "ES modules: `import` and `export`, never `require()`/`module.exports`",
    };
    match package_json.and_then(|p| p.get("type")).and_then(|t| t.as_str()) {
        Some("module") => return Some(format!("{} (package.json \"type\": \"module\").", describe(ModuleFormat::Esm))),
        Some("commonjs") => return Some(format!("{} (package.json \"type\": \"commonjs\").", describe(ModuleFormat::Cjs))),
        _ => {}
    }
    let (mut cjs, mut esm) = (0u32, 0u32);
    for (path, text) in files {
        // TypeScript is written with import/export whatever it compiles to: no evidence either way.
        let format = match Language::of(path) {
            Language::JavaScript | Language::Jsx => ModuleFormat::of_extension(path).or_else(|| analyze(path, text).module_format()),
            _ => None,
        };
        match format {
            Some(ModuleFormat::Cjs) => cjs += 1,
            Some(ModuleFormat::Esm) => esm += 1,
            None => {}
        }
    }
    let total = cjs + esm;
    if total == 0 {
        return None;
    }
    let (format, count) = if esm > cjs { (ModuleFormat::Esm, esm) } else { (ModuleFormat::Cjs, cjs) };
    Some(format!("{} ({count} of {total} JavaScript files; package.json sets no \"type\").", describe(format)))
}

fn test_runner_line(files: &[(String, String)], package_json: Option<&serde_json::Value>) -> Option<String> {
    const RUNNERS: [(&str, &str); 4] = [("vitest", "vitest"), ("jest", "jest"), ("mocha", "mocha"), ("node --test", "node:test")];
    if let Some(pkg) = package_json {
        if let Some(script) = pkg.pointer("/scripts/test").and_then(|s| s.as_str())
            && let Some((_, name)) = RUNNERS.iter().find(|(needle, _)| script.contains(needle))
        {
            return Some(format!("{name} (`npm test` runs `{script}`)."));
        }
        for field in ["devDependencies", "dependencies"] {
            let Some(deps) = pkg.get(field).and_then(|d| d.as_object()) else { continue };
            if let Some((_, name)) = RUNNERS.iter().take(3).find(|(dep, _)| deps.contains_key(*dep)) {
                return Some(format!("{name} (package.json {field})."));
            }
        }
    }
    let users = files.iter().filter(|(_, text)| text.contains("'node:test'") || text.contains("\"node:test\"")).count();
    (users > 0).then(|| format!("node:test, the runner built into Node ({users} file(s) import it)."))
}

/// A first skill file for a project: the conventions its sources and package.json show, each
/// with the evidence, and an empty banned-identifiers list to fill in. `files` are (path, text).
pub fn starter(files: &[(String, String)], package_json: Option<&str>, words: &Words) -> String {
    let package: Option<serde_json::Value> = package_json.and_then(|t| serde_json::from_str(t).ok());
    let mut style = Style::default();
    let mut parsed = 0;
    for (path, text) in files {
        style.add(indentation(text));
        if let Some(s) = token_style(path, text) {
            style.add(s);
            parsed += 1;
        }
    }

    let mut lines: Vec<String> = Vec::new();
    if let Some(line) = module_line(files, package.as_ref()) {
        lines.push(format!("Module format: {line}"));
    }
    let indented = style.tab_lines + style.space_lines;
    if style.tab_lines > style.space_lines {
        lines.push(format!("Indentation: tabs ({} of {indented} indented lines).", style.tab_lines));
    } else if style.steps2 + style.steps4 > 0 {
        let (width, steps) = if style.steps4 > style.steps2 { (4, style.steps4) } else { (2, style.steps2) };
        let all = style.steps2 + style.steps4;
        lines.push(format!("Indentation: {width} spaces per level ({steps} of {all} indentation steps)."));
    }
    let strings = style.single_quoted + style.double_quoted;
    if strings > 0 {
        let (kind, example, count) = if style.double_quoted > style.single_quoted {
            ("double", "\"text\"", style.double_quoted)
        } else {
            ("single", "'text'", style.single_quoted)
        };
        lines.push(format!(
            "Strings: {kind} quotes ({example}), other quotes only to avoid escaping ({}% of {strings} string literals).",
            percent(count, strings)
        ));
    }
    let statements = style.with_semicolon + style.without_semicolon;
    if statements > 0 {
        let rule = if style.without_semicolon > style.with_semicolon {
            format!("Semicolons: none at the end of statements ({}% of {statements} statements).", percent(style.without_semicolon, statements))
        } else {
            format!("Semicolons: end every statement with one ({}% of {statements} statements).", percent(style.with_semicolon, statements))
        };
        lines.push(rule);
    }
    if let Some(line) = test_runner_line(files, package.as_ref()) {
        lines.push(format!("Tests: {line}"));
    }

    let sources = match (files.len(), package.is_some()) {
        (0, false) => "no source files and no package.json".to_string(),
        (n, pkg) => format!("{n} source file(s) ({parsed} parsed){}", if pkg { " and package.json" } else { "" }),
    };
    let mut out = String::from("# Project conventions\n\n");
    out.push_str(&format!(
        "<!-- Written by `{}` from {sources}.\n\
         Check every line, add what only you know, and pass the file to a run with\n\
         `{}`. Text inside these comment markers is for you: it is not sent\n\
         to the model. -->\n\n",
        words.word("initSkill", None),
        words.word("skill", Some("<this file>"))
    ));
    out.push_str("## Code style\n\n");
    if lines.is_empty() {
        out.push_str("- Follow the style of the surrounding code.\n");
    }
    for line in &lines {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str(
        "\n## Banned identifiers\n\n\
         <!-- Identifiers the generated code must not use, one per bullet, e.g.\n\
         - console.log\n\
         - eval\n\
         -->\n",
    );
    out
}

#[cfg(test)]
#[path = "skill.tests.rs"]
mod tests;
