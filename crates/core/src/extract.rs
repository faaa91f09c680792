//! EXTRACT: move named top-level declarations of a file into a new file, mechanically.
//!
//! No model writes the moved code: each declaration is cut out byte for byte (with its leading
//! comments), the new file gets the imports that code uses and exports the moved names, and the
//! old file becomes a facade that imports the moved names back so every export it had still
//! works. [`rewire`] then points dependents that only use moved names at the new file.
//!
//! Everything here is text in, text out; oxc tells us what the code declares and references.

use std::collections::{BTreeMap, BTreeSet};

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    BindingPattern, Declaration, ExportDefaultDeclarationKind, Expression, ImportDeclarationSpecifier,
    ImportOrExportKind, Statement, StringLiteral, VariableDeclaration,
};
use oxc_semantic::SemanticBuilder;
use oxc_span::GetSpan;

use crate::analysis::{self, ModuleFormat};
use crate::lang::resolve::{relative_specifier, resolves_to, respecify, same_file};
use crate::lang::{script_extension, strip_script_extension};

/// What to extract: `symbols` move from `source_path` into the new file `target_path`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExtractSpec<'a> {
    pub(crate) source_path: &'a str,
    pub(crate) source_text: &'a str,
    pub(crate) target_path: &'a str,
    pub(crate) symbols: &'a [String],
    /// The module syntax to write imports and exports in.
    pub(crate) format: ModuleFormat,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extracted {
    /// The new file.
    pub(crate) target_text: String,
    /// The old file as a facade: the moved code is gone, its names are imported back.
    pub(crate) source_text: String,
    /// Every name that moved, in source order.
    pub(crate) moved: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExtractError {
    /// The name is not declared at the top level of the source.
    UnknownSymbol(String),
    /// `symbol` cannot move alone: the moved code needs `uses` (top-level names of the source,
    /// transitively, plus names declared in the same statement), which would stay behind. Moving
    /// them too makes the extraction possible; importing them back would make an import cycle.
    NeedsLocal { symbol: String, uses: Vec<String> },
    /// The source does not parse.
    Parse(String),
    /// The extraction is understood but not done mechanically (see the reason).
    Unsupported { symbol: String, reason: String },
}

impl std::fmt::Display for ExtractError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExtractError::UnknownSymbol(name) => write!(f, "\"{name}\" is not a top-level declaration of the source"),
            ExtractError::NeedsLocal { symbol, uses } => write!(
                f,
                "\"{symbol}\" cannot move alone: the moved code also needs {} from the source; move them too",
                uses.iter().map(|u| format!("\"{u}\"")).collect::<Vec<_>>().join(", ")
            ),
            ExtractError::Parse(message) => write!(f, "the source does not parse: {message}"),
            ExtractError::Unsupported { symbol, reason } => write!(f, "cannot extract \"{symbol}\": {reason}"),
        }
    }
}

impl std::error::Error for ExtractError {}

/// Move `spec.symbols` into a new file and turn the source into a facade.
pub(crate) fn extract(spec: &ExtractSpec) -> Result<Extracted, ExtractError> {
    let source = spec.source_text;
    let file = parse(spec.source_path, source);
    if let Some(message) = file.errors.first() {
        return Err(ExtractError::Parse(message.clone()));
    }
    let requested = dedup(spec.symbols);
    let Some(first) = requested.first() else {
        return Err(ExtractError::Unsupported { symbol: String::new(), reason: "no symbols were named".into() });
    };
    if same_file(spec.source_path, spec.target_path) {
        return Err(ExtractError::Unsupported { symbol: first.clone(), reason: "the target is the source itself".into() });
    }

    let owner = file.owners();
    let mut moving = BTreeSet::new();
    for name in &requested {
        let statements = owner.get(name.as_str()).map(Vec::as_slice).unwrap_or_default();
        if statements.iter().any(|&i| matches!(file.stmts[i].kind, StmtKind::Import(_))) {
            return Err(ExtractError::Unsupported {
                symbol: name.clone(),
                reason: "it is imported by the source, not declared there".into(),
            });
        }
        if statements.is_empty() {
            return Err(ExtractError::UnknownSymbol(name.clone()));
        }
        // Every statement that declares it: overloads, merged declarations, `var` repeats.
        moving.extend(statements);
    }

    // Which top-level names of the source each moving statement refers to.
    let mut free = BTreeMap::new();
    for &i in &moving {
        free.insert(i, free_names(spec.source_path, file.stmt_text(source, i))?);
    }
    check_nothing_left_behind(spec.source_path, source, &file, &requested, &moving, &owner, &mut free)?;

    let moved = dedup(&moving.iter().flat_map(|&i| file.stmts[i].decl_names().iter().cloned()).collect::<Vec<_>>());
    let moved_set: BTreeSet<&str> = moved.iter().map(String::as_str).collect();
    let target_needs: BTreeSet<String> = free
        .values()
        .flatten()
        .filter(|name| !moved_set.contains(name.as_str()))
        .filter(|name| file.is_import_binding(&owner, name))
        .cloned()
        .collect();

    let pieces = file.pieces(&moving);
    let target_text = build_target(spec, &file, &moving, &pieces, &target_needs);
    let source_text = build_facade(spec, &file, &moving, &pieces, &moved, &target_needs)?;

    // Both files must stand on their own: a broken result is an error, never a write.
    let target_facts = analysis::analyze(spec.target_path, &target_text);
    let expected: BTreeSet<String> = moving.iter().flat_map(|&i| file.stmts[i].exported_names()).collect();
    if !target_facts.is_valid() || target_facts.exports != expected {
        return Err(ExtractError::Unsupported {
            symbol: first.clone(),
            reason: format!("the new file would not be valid or would not export {expected:?}"),
        });
    }
    let before = analysis::analyze(spec.source_path, source);
    let after = analysis::analyze(spec.source_path, &source_text);
    if !after.is_valid() || after.exports != before.exports {
        return Err(ExtractError::Unsupported {
            symbol: first.clone(),
            reason: "the source would not keep its exports after the move".into(),
        });
    }
    Ok(Extracted { target_text, source_text, moved })
}

/// Names a moved statement needs must move too: its siblings in the same declaration list and,
/// transitively, every top-level declaration of the source it refers to.
fn check_nothing_left_behind(
    path: &str,
    source: &str,
    file: &ParsedFile,
    requested: &[String],
    moving: &BTreeSet<usize>,
    owner: &BTreeMap<&str, Vec<usize>>,
    free: &mut BTreeMap<usize, BTreeSet<String>>,
) -> Result<(), ExtractError> {
    // The declaring statements of a name, when it is declared (not imported) in the source.
    let local_decls = |name: &str| -> &[usize] {
        match owner.get(name) {
            Some(statements) if !file.is_import_binding(owner, name) => statements,
            _ => &[],
        }
    };
    let mut closure = moving.clone();
    let mut queue: Vec<usize> = moving.iter().copied().collect();
    while let Some(i) = queue.pop() {
        if !free.contains_key(&i) {
            free.insert(i, free_names(path, file.stmt_text(source, i))?);
        }
        for name in &free[&i] {
            for &j in local_decls(name) {
                if closure.insert(j) {
                    queue.push(j);
                }
            }
        }
    }
    let requested_set: BTreeSet<&str> = requested.iter().map(String::as_str).collect();
    let uses: Vec<String> = dedup(
        &closure
            .iter()
            .flat_map(|&i| file.stmts[i].decl_names().iter().cloned())
            .filter(|name| !requested_set.contains(name.as_str()))
            .collect::<Vec<_>>(),
    );
    if uses.is_empty() {
        return Ok(());
    }
    // Name the first requested declaration that pulls something in, in source order.
    let symbol = moving
        .iter()
        .find(|&&i| {
            file.stmts[i].decl_names().iter().any(|n| !requested_set.contains(n.as_str()))
                || free[&i].iter().any(|n| local_decls(n).iter().any(|j| !moving.contains(j)))
        })
        .and_then(|&i| file.stmts[i].decl_names().iter().find(|n| requested_set.contains(n.as_str())))
        .cloned()
        .unwrap_or_else(|| requested[0].clone());
    Err(ExtractError::NeedsLocal { symbol, uses })
}

fn build_target(
    spec: &ExtractSpec,
    file: &ParsedFile,
    moving: &BTreeSet<usize>,
    pieces: &[(u32, u32)],
    needs: &BTreeSet<String>,
) -> String {
    let source = spec.source_text;
    let mut out = String::new();
    if spec.format == ModuleFormat::Cjs {
        for &(start, end) in &file.directives {
            out.push_str(&source[start as usize..end as usize]);
            out.push('\n');
        }
        if !file.directives.is_empty() {
            out.push('\n');
        }
    }
    let imports: Vec<String> = file
        .stmts
        .iter()
        .filter_map(|stmt| match &stmt.kind {
            StmtKind::Import(import) => import.subset(source, stmt, needs, spec.source_path, spec.target_path),
            _ => None,
        })
        .collect();
    if !imports.is_empty() {
        out.push_str(&imports.join("\n"));
        out.push_str("\n\n");
    }
    // Consecutive moved statements keep the whitespace they had between them.
    let mut prev_end: Option<u32> = None;
    for &(start, end) in pieces {
        if let Some(prev) = prev_end {
            let gap = &source[prev as usize..start as usize];
            out.push_str(if gap.trim().is_empty() && gap.contains('\n') { gap } else { "\n\n" });
        }
        out.push_str(&source[start as usize..end as usize]);
        prev_end = Some(end);
    }
    out.push('\n');
    match spec.format {
        ModuleFormat::Cjs => {
            let names: Vec<&str> =
                moving.iter().flat_map(|&i| file.stmts[i].decl_names()).map(String::as_str).collect();
            out.push_str(&format!("\n{}\n", braced("module.exports = ", &names, ";")));
        }
        ModuleFormat::Esm => {
            let unexported: Vec<&str> = moving
                .iter()
                .filter(|&&i| matches!(&file.stmts[i].kind, StmtKind::Decl(d) if d.export == Export::No))
                .flat_map(|&i| file.stmts[i].decl_names())
                .map(String::as_str)
                .collect();
            if !unexported.is_empty() {
                out.push_str(&format!("\n{}\n", braced("export ", &unexported, ";")));
            }
        }
    }
    out
}

fn build_facade(
    spec: &ExtractSpec,
    file: &ParsedFile,
    moving: &BTreeSet<usize>,
    pieces: &[(u32, u32)],
    moved: &[String],
    target_needs: &BTreeSet<String>,
) -> Result<String, ExtractError> {
    let path = spec.source_path;
    let cut_once = cut(spec.source_text, pieces);
    let after_cut = parse(path, &cut_once);
    if let Some(name) = moved.iter().find(|n| after_cut.written.contains(n.as_str())) {
        return Err(ExtractError::Unsupported {
            symbol: name.clone(),
            reason: "the code that stays assigns to it, and an imported binding cannot be assigned".into(),
        });
    }

    // An import only the moved code used goes (the new file imports it, so the module still
    // loads); one that is still used or was unused before stays.
    let dead_imports: Vec<(u32, u32)> = after_cut
        .stmts
        .iter()
        .filter(|stmt| match &stmt.kind {
            StmtKind::Import(import) => {
                let names = import.local_names();
                !names.is_empty()
                    && names.iter().all(|n| after_cut.unused.contains(n.as_str()))
                    && names.iter().any(|n| target_needs.contains(n.as_str()))
            }
            _ => false,
        })
        .map(|stmt| (stmt.lead, stmt.tail))
        .collect();
    let text = cut(&cut_once, &dead_imports);
    let facade = parse(path, &text);

    // Names the remaining code uses, and (ESM) moved declarations that were exported.
    let mut exported_again: Vec<(String, bool)> = Vec::new(); // (name, was default export)
    if spec.format == ModuleFormat::Esm {
        for &i in moving {
            if let StmtKind::Decl(d) = &file.stmts[i].kind {
                match d.export {
                    Export::Named => exported_again.extend(d.names.iter().map(|n| (n.clone(), false))),
                    Export::Default => exported_again.extend(d.names.iter().map(|n| (n.clone(), true))),
                    Export::No => {}
                }
            }
        }
    }
    let imported: Vec<&String> = moved
        .iter()
        .filter(|n| after_cut.unresolved.contains(n.as_str()) || exported_again.iter().any(|(e, _)| e == *n))
        .collect();
    if imported.is_empty() {
        return Ok(text);
    }
    let type_only: BTreeSet<&str> = moving
        .iter()
        .filter(|&&i| matches!(&file.stmts[i].kind, StmtKind::Decl(d) if d.type_only))
        .flat_map(|&i| file.stmts[i].decl_names())
        .map(String::as_str)
        .collect();
    let mut specifier = relative_specifier(path, spec.target_path, spec.format);
    if spec.format == ModuleFormat::Esm && file.relative_imports_omit_extension() {
        specifier = strip_script_extension(&specifier).to_string();
    }
    let quote = file.quote(spec.source_text);
    let mut lines = match spec.format {
        ModuleFormat::Cjs => {
            let names: Vec<&str> = imported.iter().map(|n| n.as_str()).collect();
            braced("const ", &names, &format!(" = require({quote}{specifier}{quote});"))
        }
        ModuleFormat::Esm => {
            let default = exported_again.iter().find(|(_, d)| *d).map(|(n, _)| n);
            let named: Vec<String> = imported
                .iter()
                .filter(|n| Some(**n) != default)
                .map(|n| if type_only.contains(n.as_str()) { format!("type {n}") } else { n.to_string() })
                .collect();
            let from = format!(" from {quote}{specifier}{quote};");
            match (default, named.is_empty()) {
                (Some(d), true) => format!("import {d}{from}"),
                (Some(d), false) => braced(&format!("import {d}, "), &named, &from),
                (None, _) => braced("import ", &named, &from),
            }
        }
    };
    if !exported_again.is_empty() {
        let names: Vec<String> = exported_again
            .iter()
            .map(|(n, default)| match (default, type_only.contains(n.as_str())) {
                (true, _) => format!("{n} as default"),
                (false, true) => format!("type {n}"),
                (false, false) => n.clone(),
            })
            .collect();
        lines.push('\n');
        lines.push_str(&braced("export ", &names, ";"));
    }
    Ok(insert_after_imports(&text, &facade, &lines))
}

/// `{prefix}{ a, b }{suffix}` on one line, or one name per line when that gets long. A name
/// declared by several statements (overloads) is listed once.
fn braced<S: AsRef<str>>(prefix: &str, names: &[S], suffix: &str) -> String {
    let mut seen = BTreeSet::new();
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).filter(|n| seen.insert(*n)).collect();
    let line = format!("{prefix}{{ {} }}{suffix}", names.join(", "));
    if line.len() <= 100 {
        return line;
    }
    let body: String = names.iter().map(|n| format!("  {n},\n")).collect();
    format!("{prefix}{{\n{body}}}{suffix}")
}

/// Put `lines` after the last top-level import, else after the directives, else before the
/// first statement (below a detached file header), else at the end.
fn insert_after_imports(text: &str, facade: &ParsedFile, lines: &str) -> String {
    let last_import = facade.stmts.iter().rev().find(|s| matches!(s.kind, StmtKind::Import(_)));
    let (at, insert) = if let Some(stmt) = last_import {
        (stmt.tail as usize, format!("\n{lines}"))
    } else if let Some(&(_, end)) = facade.directives.last() {
        (line_end(text, end) as usize, format!("\n\n{lines}"))
    } else if let Some(stmt) = facade.stmts.first() {
        (stmt.lead as usize, format!("{lines}\n\n"))
    } else {
        let trimmed = text.trim_end().len();
        let sep = if trimmed == 0 { "" } else { "\n\n" };
        return format!("{}{sep}{lines}\n", &text[..trimmed]);
    };
    format!("{}{insert}{}", &text[..at], &text[at..])
}

/// Remove byte ranges, leaving at most one blank line (and never fewer line breaks than either
/// side had) where each was.
fn cut(text: &str, ranges: &[(u32, u32)]) -> String {
    let bytes = text.as_bytes();
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut sorted = ranges.to_vec();
    sorted.sort();
    // (start, end, line breaks before, line breaks after), widened over surrounding whitespace.
    let mut widened: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (start, end) in sorted {
        let (mut a, mut b) = (start as usize, end as usize);
        while a > 0 && is_space(bytes[a - 1]) {
            a -= 1;
        }
        let mut far = b;
        while far < bytes.len() && is_space(bytes[far]) {
            far += 1;
        }
        // Keep the indentation of the line that follows.
        if far < bytes.len() {
            far = text[b..far].rfind('\n').map_or(b, |i| b + i + 1);
        }
        let breaks_before = text[a..start as usize].matches('\n').count();
        let breaks_after = text[end as usize..far].matches('\n').count();
        b = far;
        match widened.last_mut() {
            Some(last) if a <= last.1 => {
                last.1 = last.1.max(b);
                last.3 = breaks_after;
            }
            _ => widened.push((a, b, breaks_before, breaks_after)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (a, b, before, after) in widened {
        out.push_str(&text[at..a]);
        if a == 0 {
            // Nothing above: the file starts with what follows.
        } else if b >= text.len() {
            out.push('\n');
        } else {
            out.push_str(&"\n".repeat(before.max(after).clamp(1, 2)));
        }
        at = b;
    }
    out.push_str(&text[at..]);
    out
}

// ---------------------------------------------------------------------------------------------
// The parsed file, reduced to owned facts.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Export {
    No,
    Named,
    Default,
}

#[derive(Debug, Clone)]
struct Decl {
    names: Vec<String>,
    export: Export,
    /// An interface or type alias: no value at run time.
    type_only: bool,
}

/// A string literal: its span (quotes included) and value.
#[derive(Debug, Clone)]
struct Lit {
    start: u32,
    end: u32,
    value: String,
}

impl Lit {
    fn of(lit: &StringLiteral<'_>) -> Lit {
        Lit { start: lit.span.start, end: lit.span.end, value: lit.value.as_str().to_string() }
    }
}

#[derive(Debug, Clone)]
struct EsmSpec {
    local: String,
    start: u32,
    end: u32,
}

#[derive(Debug, Clone)]
enum Import {
    Esm {
        type_only: bool,
        source: Lit,
        /// What follows the module name: import attributes, the semicolon if any.
        after_source: String,
        default: Option<EsmSpec>,
        namespace: Option<EsmSpec>,
        named: Vec<EsmSpec>,
    },
    /// `const|let|var <declarators>` where every initializer is rooted in `require(...)`.
    Cjs { keyword: String, declarators: Vec<CjsDeclarator> },
}

#[derive(Debug, Clone)]
struct CjsDeclarator {
    start: u32,
    end: u32,
    source: Lit,
    init: (u32, u32),
    /// `{ a, b: c }` = require(...): the properties, each a separable unit. `None`: one binding
    /// (or a pattern taken whole).
    properties: Option<Vec<Property>>,
    /// `...rest` in an object pattern: the properties can no longer be split.
    has_rest: bool,
    names: Vec<String>,
}

#[derive(Debug, Clone)]
struct Property {
    names: Vec<String>,
    start: u32,
    end: u32,
}

impl Import {
    fn local_names(&self) -> Vec<String> {
        match self {
            Import::Esm { default, namespace, named, .. } => {
                default.iter().chain(namespace).chain(named).map(|s| s.local.clone()).collect()
            }
            Import::Cjs { declarators, .. } => declarators.iter().flat_map(|d| d.names.clone()).collect(),
        }
    }

    /// The statement cut down to the bindings in `needs`, its relative specifiers re-aimed from
    /// `from_file`'s directory to `to_file`'s. `None` when it binds none of them.
    fn subset(&self, source: &str, stmt: &Stmt, needs: &BTreeSet<String>, from_file: &str, to_file: &str) -> Option<String> {
        let literal = |lit: &Lit| {
            let quote = &source[lit.start as usize..lit.start as usize + 1];
            format!("{quote}{}{quote}", respecify(&lit.value, from_file, to_file))
        };
        let unchanged = |lit: &Lit| respecify(&lit.value, from_file, to_file) == lit.value;
        match self {
            Import::Esm { type_only, source: lit, after_source, default, namespace, named } => {
                let keep = |s: &&EsmSpec| needs.contains(&s.local);
                let default = default.as_ref().filter(keep);
                let namespace = namespace.as_ref().filter(keep);
                let kept: Vec<&EsmSpec> = named.iter().filter(keep).collect();
                if default.is_none() && namespace.is_none() && kept.is_empty() {
                    return None;
                }
                let whole = self.local_names().iter().all(|n| needs.contains(n));
                if whole && unchanged(lit) {
                    return Some(source[stmt.start as usize..stmt.end as usize].to_string());
                }
                let text = |s: &EsmSpec| &source[s.start as usize..s.end as usize];
                let mut clause: Vec<String> = default.iter().chain(namespace.iter()).map(|s| text(s).to_string()).collect();
                if !kept.is_empty() {
                    clause.push(format!("{{ {} }}", kept.iter().map(|s| text(s)).collect::<Vec<_>>().join(", ")));
                }
                let type_kw = if *type_only { "type " } else { "" };
                Some(format!("import {type_kw}{} from {}{after_source}", clause.join(", "), literal(lit)))
            }
            Import::Cjs { keyword, declarators } => {
                let mut parts = Vec::new();
                let mut whole = true;
                for d in declarators {
                    let needed: Vec<&String> = d.names.iter().filter(|n| needs.contains(*n)).collect();
                    if needed.is_empty() {
                        whole = false;
                        continue;
                    }
                    let init = splice(source, d.init, &d.source, &literal(&d.source));
                    match &d.properties {
                        Some(props) if !d.has_rest && needed.len() < d.names.len() => {
                            whole = false;
                            let kept: Vec<&str> = props
                                .iter()
                                .filter(|p| p.names.iter().any(|n| needs.contains(n)))
                                .map(|p| &source[p.start as usize..p.end as usize])
                                .collect();
                            parts.push(format!("{{ {} }} = {init}", kept.join(", ")));
                        }
                        _ => parts.push(splice(source, (d.start, d.end), &d.source, &literal(&d.source))),
                    }
                }
                if parts.is_empty() {
                    return None;
                }
                if whole && declarators.iter().all(|d| unchanged(&d.source)) {
                    return Some(source[stmt.start as usize..stmt.end as usize].to_string());
                }
                Some(format!("{keyword} {};", parts.join(", ")))
            }
        }
    }
}

/// The text of `outer` with the literal inside it replaced.
fn splice(source: &str, outer: (u32, u32), lit: &Lit, replacement: &str) -> String {
    format!(
        "{}{replacement}{}",
        &source[outer.0 as usize..lit.start as usize],
        &source[lit.end as usize..outer.1 as usize]
    )
}

#[derive(Debug, Clone)]
enum StmtKind {
    Import(Import),
    Decl(Decl),
    Other,
}

#[derive(Debug, Clone)]
struct Stmt {
    /// The statement itself.
    start: u32,
    end: u32,
    /// Where its leading comments start.
    lead: u32,
    /// Where it ends with a comment on its last line.
    tail: u32,
    /// A detached comment block (a heading) above it, after the previous statement's line.
    heading: Option<u32>,
    kind: StmtKind,
}

impl Stmt {
    fn decl_names(&self) -> &[String] {
        match &self.kind {
            StmtKind::Decl(d) => &d.names,
            _ => &[],
        }
    }

    /// The names the moved copy of this declaration exports from the new file.
    fn exported_names(&self) -> Vec<String> {
        match &self.kind {
            StmtKind::Decl(d) if d.export == Export::Default => vec!["default".to_string()],
            StmtKind::Decl(d) => d.names.clone(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
struct ParsedFile {
    errors: Vec<String>,
    stmts: Vec<Stmt>,
    directives: Vec<(u32, u32)>,
    /// Names referenced but not declared in the file (globals and, in a facade, moved names).
    unresolved: BTreeSet<String>,
    /// Unresolved names that are assigned to.
    written: BTreeSet<String>,
    /// Top-level bindings nothing refers to.
    unused: BTreeSet<String>,
}

impl ParsedFile {
    /// Top-level name -> the statements that bind it.
    fn owners(&self) -> BTreeMap<&str, Vec<usize>> {
        let mut owner = BTreeMap::new();
        for (i, stmt) in self.stmts.iter().enumerate() {
            let names: Vec<&str> = match &stmt.kind {
                StmtKind::Decl(d) => d.names.iter().map(String::as_str).collect(),
                StmtKind::Import(import) => match import {
                    Import::Esm { default, namespace, named, .. } => {
                        default.iter().chain(namespace).chain(named).map(|s| s.local.as_str()).collect()
                    }
                    Import::Cjs { declarators, .. } => {
                        declarators.iter().flat_map(|d| d.names.iter().map(String::as_str)).collect()
                    }
                },
                StmtKind::Other => Vec::new(),
            };
            for name in names {
                let statements: &mut Vec<usize> = owner.entry(name).or_default();
                if statements.last() != Some(&i) {
                    statements.push(i);
                }
            }
        }
        owner
    }

    fn is_import_binding(&self, owner: &BTreeMap<&str, Vec<usize>>, name: &str) -> bool {
        owner.get(name).is_some_and(|s| s.iter().any(|&i| matches!(self.stmts[i].kind, StmtKind::Import(_))))
    }

    fn stmt_text<'s>(&self, source: &'s str, i: usize) -> &'s str {
        &source[self.stmts[i].start as usize..self.stmts[i].end as usize]
    }

    /// The byte ranges that move: each statement with its leading and trailing comments, plus
    /// the heading above it when every declaration under that heading moves (a whole section
    /// takes its title along).
    fn pieces(&self, moving: &BTreeSet<usize>) -> Vec<(u32, u32)> {
        let mut pieces = Vec::new();
        for &i in moving {
            let stmt = &self.stmts[i];
            let mut start = stmt.lead;
            if let Some(heading) = stmt.heading {
                let group_end = (i + 1..self.stmts.len()).find(|&j| self.stmts[j].heading.is_some()).unwrap_or(self.stmts.len());
                let whole_group = (i..group_end)
                    .filter(|&j| matches!(self.stmts[j].kind, StmtKind::Decl(_)))
                    .all(|j| moving.contains(&j));
                if whole_group {
                    start = heading;
                }
            }
            pieces.push((start, stmt.tail));
        }
        pieces
    }

    fn relative_imports(&self) -> impl Iterator<Item = &str> {
        self.stmts.iter().flat_map(|s| match &s.kind {
            StmtKind::Import(Import::Esm { source, .. }) => vec![source.value.as_str()],
            StmtKind::Import(Import::Cjs { declarators, .. }) => declarators.iter().map(|d| d.source.value.as_str()).collect(),
            _ => Vec::new(),
        })
        .filter(|spec| spec.starts_with('.'))
    }

    /// Some projects (bundlers, TypeScript) import without file extensions; follow their lead.
    fn relative_imports_omit_extension(&self) -> bool {
        let mut any = false;
        for spec in self.relative_imports() {
            if script_extension(spec).is_some() {
                return false;
            }
            // `./data.json`, `./styles.css`: say nothing about how scripts are imported.
            let has_other_extension = spec.rsplit('/').next().is_some_and(|name| name.contains('.'));
            any |= !has_other_extension;
        }
        any
    }

    /// The quote the file's imports use.
    fn quote(&self, source: &str) -> char {
        let first = self.stmts.iter().find_map(|s| match &s.kind {
            StmtKind::Import(Import::Esm { source: lit, .. }) => Some(lit.start),
            StmtKind::Import(Import::Cjs { declarators, .. }) => declarators.first().map(|d| d.source.start),
            _ => None,
        });
        first.and_then(|at| source[at as usize..].chars().next()).unwrap_or('\'')
    }
}

fn parse(path: &str, source: &str) -> ParsedFile {
    let allocator = Allocator::default();
    let ret = crate::lang::parse(&allocator, path, source);
    let mut file = ParsedFile {
        errors: ret
            .diagnostics
            .iter()
            .map(|d| {
                let offset = d.labels.first().map_or(0, |l| l.offset() as usize);
                let (line, column) = analysis::line_col(source, offset);
                format!("{} (line {line}, column {column})", d.message)
            })
            .collect(),
        ..ParsedFile::default()
    };
    if ret.fatal_error && file.errors.is_empty() {
        file.errors.push("the parser gave up".into());
    }
    let program = &ret.program;
    file.directives = program.directives.iter().map(|d| (d.span.start, d.span.end)).collect();
    // A `#!` line and directives are nobody's leading comments.
    let preamble_end = program.hashbang.as_ref().map_or(0, |h| h.span.end);
    let mut prev_end = program.directives.last().map_or(preamble_end, |d| d.span.end);
    let mut prev_tail = prev_end;
    for (index, stmt) in program.body.iter().enumerate() {
        let span = stmt.span();
        let lead = analysis::leading_comment_start(source, prev_end, span.start);
        let heading = if index == 0 { None } else { heading_start(source, prev_tail, lead) };
        let tail = trailing_comment_end(source, span.end);
        file.stmts.push(Stmt { start: span.start, end: span.end, lead, tail, heading, kind: classify(source, stmt) });
        prev_end = span.end;
        prev_tail = tail;
    }

    let semantic = SemanticBuilder::new().build(program).semantic;
    let scoping = semantic.scoping();
    for (name, ids) in scoping.root_unresolved_references() {
        file.unresolved.insert(name.as_str().to_string());
        if ids.iter().any(|&id| scoping.get_reference(id).is_write()) {
            file.written.insert(name.as_str().to_string());
        }
    }
    for (name, &symbol) in scoping.get_bindings(scoping.root_scope_id()) {
        if scoping.get_resolved_reference_ids(symbol).is_empty() {
            file.unused.insert(name.as_str().to_string());
        }
    }
    file
}

/// Names `code` (one statement, parsed alone) refers to without declaring them.
fn free_names(path: &str, code: &str) -> Result<BTreeSet<String>, ExtractError> {
    let file = parse(path, code);
    match file.errors.first() {
        Some(message) => Err(ExtractError::Parse(message.clone())),
        None => Ok(file.unresolved),
    }
}

/// A comment after the statement on its last line belongs to it.
fn trailing_comment_end(source: &str, end: u32) -> u32 {
    let rest = &source[end as usize..line_end(source, end) as usize];
    let trimmed = rest.trim_start();
    let offset = end + (rest.len() - trimmed.len()) as u32;
    if trimmed.starts_with("//") {
        return end + rest.trim_end().len() as u32;
    }
    if let Some(body) = trimmed.strip_prefix("/*")
        && let Some(close) = body.find("*/")
        && body[close + 2..].trim().is_empty()
    {
        return offset + 2 + close as u32 + 2;
    }
    end
}

fn line_end(source: &str, from: u32) -> u32 {
    source[from as usize..].find('\n').map_or(source.len() as u32, |i| from + i as u32)
}

/// The first line with a comment in the gap between the previous statement's line and a
/// statement's leading comments: a heading over what follows.
fn heading_start(source: &str, prev_tail: u32, lead: u32) -> Option<u32> {
    if lead <= prev_tail {
        return None;
    }
    let gap = &source[prev_tail as usize..lead as usize];
    let skip = gap.find('\n')? + 1;
    let mut offset = skip;
    for line in gap[skip..].split_inclusive('\n') {
        if !line.trim().is_empty() {
            return Some(prev_tail + offset as u32);
        }
        offset += line.len();
    }
    None
}

fn classify(source: &str, stmt: &Statement<'_>) -> StmtKind {
    let names = crate::lang::analysis::declaration_names;
    let type_only =
        |decl: &Declaration<'_>| matches!(decl, Declaration::TSTypeAliasDeclaration(_) | Declaration::TSInterfaceDeclaration(_));
    let decl = |names: Vec<String>, export, type_only| {
        if names.is_empty() { StmtKind::Other } else { StmtKind::Decl(Decl { names, export, type_only }) }
    };
    match stmt {
        Statement::ImportDeclaration(import) => {
            let Some(specifiers) = &import.specifiers else { return StmtKind::Other };
            let mut default = None;
            let mut namespace = None;
            let mut named = Vec::new();
            for specifier in specifiers {
                let span = specifier.span();
                let spec = EsmSpec { local: specifier.local().name.as_str().to_string(), start: span.start, end: span.end };
                match specifier {
                    ImportDeclarationSpecifier::ImportDefaultSpecifier(_) => default = Some(spec),
                    ImportDeclarationSpecifier::ImportNamespaceSpecifier(_) => namespace = Some(spec),
                    ImportDeclarationSpecifier::ImportSpecifier(_) => named.push(spec),
                }
            }
            StmtKind::Import(Import::Esm {
                type_only: import.import_kind == ImportOrExportKind::Type,
                source: Lit::of(&import.source),
                after_source: source[import.source.span.end as usize..import.span.end as usize].to_string(),
                default,
                namespace,
                named,
            })
        }
        Statement::ExportDeclaration(e) => decl(names(&e.declaration), Export::Named, type_only(&e.declaration)),
        Statement::ExportDefaultDeclaration(e) => {
            let id = match &e.declaration {
                ExportDefaultDeclarationKind::FunctionDeclaration(f) => f.id.as_ref(),
                ExportDefaultDeclarationKind::ClassDeclaration(c) => c.id.as_ref(),
                _ => None,
            };
            decl(id.iter().map(|id| id.name.as_str().to_string()).collect(), Export::Default, false)
        }
        Statement::VariableDeclaration(v) if let Some(import) = require_declaration(source, v) => StmtKind::Import(import),
        _ => match stmt.as_declaration() {
            Some(d) => decl(names(d), Export::No, type_only(d)),
            None => StmtKind::Other,
        },
    }
}

/// `const x = require('m')`, `const { a, b: c } = require('m')`, `const x = require('m').y`,
/// `const debug = require('debug')('app')`: every initializer is rooted in a `require` call.
fn require_declaration(source: &str, v: &VariableDeclaration<'_>) -> Option<Import> {
    let mut declarators = Vec::new();
    for d in &v.declarations {
        let init = d.init.as_ref()?;
        let lit = require_root(init)?;
        let names: Vec<String> = d.id.get_binding_identifiers().iter().map(|id| id.name.as_str().to_string()).collect();
        let (properties, has_rest) = match &d.id {
            BindingPattern::ObjectPattern(pattern) => (
                Some(
                    pattern
                        .properties
                        .iter()
                        .map(|p| Property {
                            names: p.value.get_binding_identifiers().iter().map(|id| id.name.as_str().to_string()).collect(),
                            start: p.span.start,
                            end: p.span.end,
                        })
                        .collect(),
                ),
                pattern.rest.is_some(),
            ),
            _ => (None, false),
        };
        let init_span = init.span();
        declarators.push(CjsDeclarator {
            start: d.span.start,
            end: d.span.end,
            source: Lit::of(lit),
            init: (init_span.start, init_span.end),
            properties,
            has_rest,
            names,
        });
    }
    let first = v.declarations.first()?;
    let keyword = source[v.span.start as usize..first.span.start as usize].trim().to_string();
    Some(Import::Cjs { keyword, declarators })
}

/// The module name of the `require('...')` call an expression is built on, if any.
fn require_root<'s, 'a>(expr: &'s Expression<'a>) -> Option<&'s StringLiteral<'a>> {
    match expr.get_inner_expression() {
        Expression::CallExpression(call) if call.is_require_call() => match call.arguments.first()?.as_expression()? {
            Expression::StringLiteral(lit) => Some(lit),
            _ => None,
        },
        Expression::CallExpression(call) => require_root(&call.callee),
        Expression::StaticMemberExpression(member) => require_root(&member.object),
        _ => None,
    }
}

/// `require('<spec>')` with a string argument: the literal.
fn plain_require<'s, 'a>(expr: &'s Expression<'a>) -> Option<&'s StringLiteral<'a>> {
    match expr.get_inner_expression() {
        Expression::CallExpression(call) if call.is_require_call() => match call.arguments.first()?.as_expression()? {
            Expression::StringLiteral(lit) => Some(lit),
            _ => None,
        },
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Dependents.

/// Point a dependent's imports at the new file when they take only moved names from the source
/// (`const { a } = require('./big')`, `import { a } from './big.js'`, `export { a } from ...`,
/// `require('./big').a`). Imports that also take other names, or the whole module (namespace,
/// default, `const big = require(...)`), keep pointing at the facade, which still has them.
/// `None` when nothing changes.
pub(crate) fn rewire(
    dependent_path: &str,
    dependent_text: &str,
    source_path: &str,
    target_path: &str,
    moved: &[String],
    format: ModuleFormat,
) -> Option<String> {
    rewire_imports(dependent_path, dependent_text, source_path, target_path, moved, format, false)
}

/// [`rewire`] for a source the plan deletes once all of it moved (a file moved or renamed): every
/// top-level import of it points at the new file, the whole module included (namespace, default,
/// `const text = require('./strings')`, `export * from`), since the new file has everything. An
/// import it cannot see (a `require` inside a function) stays, and the gate's
/// `delete_still_imported` blocks the plan.
pub(crate) fn rewire_moved_file(
    dependent_path: &str,
    dependent_text: &str,
    source_path: &str,
    target_path: &str,
    format: ModuleFormat,
) -> Option<String> {
    rewire_imports(dependent_path, dependent_text, source_path, target_path, &[], format, true)
}

fn rewire_imports(
    dependent_path: &str,
    dependent_text: &str,
    source_path: &str,
    target_path: &str,
    moved: &[String],
    format: ModuleFormat,
    whole: bool,
) -> Option<String> {
    let allocator = Allocator::default();
    let ret = crate::lang::parse(&allocator, dependent_path, dependent_text);
    if ret.fatal_error || !ret.diagnostics.is_empty() {
        return None;
    }
    let moved: BTreeSet<&str> = moved.iter().map(String::as_str).collect();
    let at_source = |lit: &StringLiteral<'_>| resolves_to(lit.value.as_str(), dependent_path, source_path);
    let new_spec = |lit: &StringLiteral<'_>| {
        let spec = relative_specifier(dependent_path, target_path, format);
        if format == ModuleFormat::Esm && script_extension(lit.value.as_str()).is_none() {
            strip_script_extension(&spec).to_string()
        } else {
            spec
        }
    };
    // (start, end, replacement): a specifier's text, or a whole statement split in two.
    let mut literals: Vec<(u32, u32, String)> = Vec::new();
    let text_of = |start: u32, end: u32| &dependent_text[start as usize..end as usize];
    // `import { a, b } from './src'` / `const { a, b } = require('./src')` with a moved and b kept:
    // the names go to one statement per module, each keeping its own text (renames included).
    let split = |head: &str, kept: Vec<&str>, moving: Vec<&str>, lit: &StringLiteral<'_>, end: u32| {
        let quote = &text_of(lit.span.start, lit.span.start + 1);
        let semi = if text_of(end - 1, end) == ";" { ";" } else { "" };
        let old = text_of(lit.span.start + 1, lit.span.end - 1);
        let new = new_spec(lit);
        if head == "import" {
            format!(
                "import {{ {} }} from {quote}{old}{quote}{semi}\nimport {{ {} }} from {quote}{new}{quote}{semi}",
                kept.join(", "),
                moving.join(", ")
            )
        } else {
            format!(
                "{head} {{ {} }} = require({quote}{old}{quote}){semi}\n{head} {{ {} }} = require({quote}{new}{quote}){semi}",
                kept.join(", "),
                moving.join(", ")
            )
        }
    };
    for stmt in &ret.program.body {
        match stmt {
            Statement::ImportDeclaration(import) if at_source(&import.source) && whole => {
                literals.push((import.source.span.start + 1, import.source.span.end - 1, new_spec(&import.source)));
            }
            Statement::ExportFromDeclaration(export) if at_source(&export.source) && whole => {
                literals.push((export.source.span.start + 1, export.source.span.end - 1, new_spec(&export.source)));
            }
            Statement::ExportAllDeclaration(export) if at_source(&export.source) && whole => {
                literals.push((export.source.span.start + 1, export.source.span.end - 1, new_spec(&export.source)));
            }
            Statement::ImportDeclaration(import) if at_source(&import.source) => {
                let only_moved = import.specifiers.as_ref().is_some_and(|specs| {
                    !specs.is_empty()
                        && specs.iter().all(|s| match s {
                            ImportDeclarationSpecifier::ImportSpecifier(s) => moved.contains(s.imported.name().as_str()),
                            _ => false,
                        })
                });
                if only_moved {
                    literals.push((import.source.span.start + 1, import.source.span.end - 1, new_spec(&import.source)));
                } else if let Some(specs) = import.specifiers.as_ref()
                    && !import.import_kind.is_type()
                    && specs.iter().all(|s| matches!(s, ImportDeclarationSpecifier::ImportSpecifier(_)))
                {
                    let (moving, kept): (Vec<_>, Vec<_>) = specs.iter().partition(|s| match s {
                        ImportDeclarationSpecifier::ImportSpecifier(s) => moved.contains(s.imported.name().as_str()),
                        _ => false,
                    });
                    if !moving.is_empty() && !kept.is_empty() {
                        let texts = |v: Vec<&ImportDeclarationSpecifier<'_>>| {
                            v.into_iter().map(|s| text_of(s.span().start, s.span().end)).collect::<Vec<_>>()
                        };
                        let replacement = split("import", texts(kept), texts(moving), &import.source, import.span.end);
                        literals.push((import.span.start, import.span.end, replacement));
                    }
                }
            }
            Statement::ExportFromDeclaration(export) if at_source(&export.source) => {
                if !export.specifiers.is_empty() && export.specifiers.iter().all(|s| moved.contains(s.local.name().as_str())) {
                    literals.push((export.source.span.start + 1, export.source.span.end - 1, new_spec(&export.source)));
                }
            }
            Statement::VariableDeclaration(v) => {
                for d in &v.declarations {
                    let Some(init) = &d.init else { continue };
                    if let Some(lit) = plain_require(init).filter(|lit| at_source(lit)) {
                        if whole {
                            literals.push((lit.span.start + 1, lit.span.end - 1, new_spec(lit)));
                            continue;
                        }
                        let only_moved = match &d.id {
                            BindingPattern::ObjectPattern(p) => {
                                p.rest.is_none()
                                    && !p.properties.is_empty()
                                    && p.properties.iter().all(|prop| {
                                        !prop.computed && prop.key.static_name().is_some_and(|k| moved.contains(k.as_ref()))
                                    })
                            }
                            _ => false,
                        };
                        if only_moved {
                            literals.push((lit.span.start + 1, lit.span.end - 1, new_spec(lit)));
                        } else if let BindingPattern::ObjectPattern(p) = &d.id
                            && v.declarations.len() == 1
                            && p.rest.is_none()
                            && p.properties.iter().all(|prop| !prop.computed && prop.key.static_name().is_some())
                        {
                            let (moving, kept): (Vec<_>, Vec<_>) = p
                                .properties
                                .iter()
                                .partition(|prop| prop.key.static_name().is_some_and(|k| moved.contains(k.as_ref())));
                            if !moving.is_empty() && !kept.is_empty() {
                                let texts = |v: Vec<&_>| {
                                    v.into_iter()
                                        .map(|prop: &oxc_ast::ast::BindingProperty<'_>| text_of(prop.span.start, prop.span.end))
                                        .collect::<Vec<_>>()
                                };
                                let head = text_of(v.span.start, d.span.start).trim();
                                let replacement = split(head, texts(kept), texts(moving), lit, v.span.end);
                                literals.push((v.span.start, v.span.end, replacement));
                            }
                        }
                    } else if let Expression::StaticMemberExpression(member) = init.get_inner_expression()
                        && let Some(lit) = plain_require(&member.object).filter(|lit| at_source(lit))
                        && (whole || moved.contains(member.property.name.as_str()))
                    {
                        literals.push((lit.span.start + 1, lit.span.end - 1, new_spec(lit)));
                    }
                }
            }
            _ => {}
        }
    }
    if literals.is_empty() {
        return None;
    }
    let mut out = dependent_text.to_string();
    literals.sort();
    for (start, end, spec) in literals.into_iter().rev() {
        out.replace_range(start as usize..end as usize, &spec);
    }
    (out != dependent_text).then_some(out)
}

fn dedup(symbols: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    symbols.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && seen.insert(s.clone())).collect()
}

#[cfg(test)]
#[path = "extract.tests.rs"]
mod tests;
