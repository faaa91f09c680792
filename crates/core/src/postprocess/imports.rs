//! What the import passes read of a file (in one parse) and how they write an import.

use std::collections::{BTreeMap, BTreeSet};

use oxc_allocator::Allocator;
use oxc_ast::ast::{BindingPattern, Class, Expression, ImportDeclarationSpecifier, Statement};
use oxc_ast_visit::{Visit, walk};
use oxc_semantic::{Scoping, SemanticBuilder};
use oxc_span::GetSpan;

use super::{Fix, Neighbour};
use crate::analysis::{Language, ModuleFormat, analyze};
use crate::lang::resolve::{relative_specifier, resolves_to};

// ---------------------------------------------------------------------------------------------
// Facts about the file the import passes need, read in one parse.

/// How an unresolved name is used.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Usage {
    /// Read as a value somewhere (otherwise only in type positions).
    pub(super) value: bool,
    /// Assigned to somewhere: an import binding cannot be, so such names are left alone.
    pub(super) write: bool,
}

/// An existing import the new names from the same module can join.
#[derive(Debug)]
struct Mergeable {
    specifier: String,
    kind: MergeKind,
    /// Where `, Name` goes: right after the last destructured property / specifier.
    insert_at: u32,
    /// `{}` with nothing in it: the name goes inside the braces instead.
    empty: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MergeKind {
    /// `const { a } = require('...')`
    Require,
    /// `import { a } from '...'`
    Import,
    /// `import type { A } from '...'`
    ImportType,
}

#[derive(Debug, Default)]
pub(super) struct ImportFacts {
    pub(super) unresolved: BTreeMap<String, Usage>,
    /// `class A extends B` where `B` resolves to nothing in the file.
    pub(super) unresolved_supers: BTreeSet<String>,
    /// End of the last top-level import / require statement.
    last_import_end: Option<u32>,
    /// End of the last directive (`'use strict'`) or of the hashbang.
    preamble_end: Option<u32>,
    mergeable: Vec<Mergeable>,
}

/// Parse a script and read what the import passes need. `None` for non-scripts and for files
/// that do not parse (the gate reports those; guessing imports into broken code helps nobody).
pub(super) fn import_facts(path: &str, text: &str) -> Option<ImportFacts> {
    let lang = Language::of(path);
    if !lang.is_script() {
        return None;
    }
    let allocator = Allocator::default();
    let ret = crate::lang::parse(&allocator, path, text);
    if !ret.diagnostics.is_empty() || ret.fatal_error {
        return None;
    }
    let program = &ret.program;
    let semantic = SemanticBuilder::new().build(program).semantic;
    let scoping = semantic.scoping();

    let mut facts = ImportFacts { unresolved: unresolved_usage(scoping), ..ImportFacts::default() };
    let mut supers = SuperClassFinder { scoping, names: BTreeSet::new() };
    supers.visit_program(program);
    facts.unresolved_supers = supers.names;

    facts.preamble_end = program
        .directives
        .last()
        .map(|d| d.span.end)
        .or_else(|| program.hashbang.as_ref().map(|h| h.span.end));
    for stmt in &program.body {
        if is_import_statement(stmt) {
            facts.last_import_end = Some(stmt.span().end);
        }
        if let Some(m) = mergeable(stmt) {
            facts.mergeable.push(m);
        }
    }
    Some(facts)
}

fn unresolved_usage(scoping: &Scoping) -> BTreeMap<String, Usage> {
    let mut out = BTreeMap::new();
    for (name, ids) in scoping.root_unresolved_references() {
        let mut usage = Usage::default();
        for id in ids {
            let flags = scoping.get_reference(*id).flags();
            usage.value |= flags.is_read();
            usage.write |= flags.is_write();
        }
        out.insert(name.as_str().to_string(), usage);
    }
    out
}

/// Collects `extends X` names whose reference resolves to no binding in the file.
struct SuperClassFinder<'s> {
    scoping: &'s Scoping,
    names: BTreeSet<String>,
}

impl<'a> Visit<'a> for SuperClassFinder<'_> {
    fn visit_class(&mut self, class: &Class<'a>) {
        if let Some(heritage) = &class.heritage
            && let Expression::Identifier(id) = &heritage.expression
            && let Some(reference) = id.reference_id.get()
            && self.scoping.get_reference(reference).symbol_id().is_none()
        {
            self.names.insert(id.name.as_str().to_string());
        }
        walk::walk_class(self, class);
    }
}

/// `import ...`, `import x = require(...)`, `require('x');` and declarations initialised from a
/// require (`const a = require('a')`, `const b = require('b').b`, `const d = require('debug')('app')`).
fn is_import_statement(stmt: &Statement<'_>) -> bool {
    match stmt {
        Statement::ImportDeclaration(_) | Statement::TSImportEqualsDeclaration(_) => true,
        Statement::ExpressionStatement(s) => starts_with_require(&s.expression),
        Statement::VariableDeclaration(v) => {
            v.declarations.iter().any(|d| d.init.as_ref().is_some_and(starts_with_require))
        }
        _ => false,
    }
}

fn starts_with_require(expr: &Expression<'_>) -> bool {
    match expr.get_inner_expression() {
        Expression::CallExpression(call) => call.is_require_call() || starts_with_require(&call.callee),
        Expression::StaticMemberExpression(m) => starts_with_require(&m.object),
        Expression::ComputedMemberExpression(m) => starts_with_require(&m.object),
        _ => false,
    }
}

fn string_argument(expr: &Expression<'_>) -> Option<String> {
    let Expression::CallExpression(call) = expr.get_inner_expression() else { return None };
    if !call.is_require_call() {
        return None;
    }
    match call.arguments.first()?.as_expression()? {
        Expression::StringLiteral(s) => Some(s.value.as_str().to_string()),
        _ => None,
    }
}

fn mergeable(stmt: &Statement<'_>) -> Option<Mergeable> {
    match stmt {
        Statement::VariableDeclaration(v) if v.declarations.len() == 1 => {
            let decl = &v.declarations[0];
            let specifier = string_argument(decl.init.as_ref()?)?;
            let BindingPattern::ObjectPattern(pattern) = &decl.id else { return None };
            if pattern.rest.is_some() {
                return None;
            }
            Some(match pattern.properties.last() {
                Some(last) => Mergeable { specifier, kind: MergeKind::Require, insert_at: last.span.end, empty: false },
                None => Mergeable { specifier, kind: MergeKind::Require, insert_at: pattern.span.start + 1, empty: true },
            })
        }
        Statement::ImportDeclaration(import) => {
            let specifiers = import.specifiers.as_ref()?;
            let mut last_named = None;
            for spec in specifiers {
                match spec {
                    ImportDeclarationSpecifier::ImportSpecifier(s) => last_named = Some(s.span.end),
                    // `import * as ns` cannot take named specifiers; `import D, { a }` can, but only
                    // when the braces already exist, which `last_named` tells.
                    ImportDeclarationSpecifier::ImportNamespaceSpecifier(_) => return None,
                    ImportDeclarationSpecifier::ImportDefaultSpecifier(_) => {}
                }
            }
            let kind = if import.import_kind.is_type() { MergeKind::ImportType } else { MergeKind::Import };
            let specifier = import.source.value.as_str().to_string();
            Some(Mergeable { specifier, kind, insert_at: last_named?, empty: false })
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Writing imports. Specifiers come from [`relative_specifier`] (shared with EXTRACT, so every
// import the machine writes looks the same): `./lib/x` for CommonJS, `./lib/x.js` for ES modules, with
// TypeScript files named by their emitted `.js` name, which TypeScript resolves back to the
// `.ts` source under every module resolution mode and which still runs after compilation.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Binding {
    /// `import { X }` / `const { X } = require()`
    Named,
    /// `import type { X }` (TypeScript, names only used as types)
    TypeNamed,
    /// `import X from` / `const X = require()`
    Default,
}

#[derive(Debug)]
pub(super) struct WantedImport<'n> {
    pub(super) name: String,
    pub(super) from: Neighbour<'n>,
    pub(super) binding: Binding,
}

/// Add the wanted imports to `text`: names join an existing import of the same module when one
/// can take them, the rest become new statements after the last top-level import (or after the
/// directives, or above the first statement).
pub(super) fn add_imports(path: &str, text: &str, facts: &ImportFacts, format: ModuleFormat, wanted: &[WantedImport<'_>], pass: &'static str) -> (String, Vec<Fix>) {
    if wanted.is_empty() {
        return (text.to_string(), Vec::new());
    }
    // One statement (or one merge) per module and binding kind; BTreeMap keeps the output stable.
    let mut groups: BTreeMap<(&str, Binding), Vec<&str>> = BTreeMap::new();
    for w in wanted {
        groups.entry((w.from.path, w.binding)).or_default().push(&w.name);
    }
    let mut edits: Vec<(u32, String)> = Vec::new();
    let mut new_lines: Vec<String> = Vec::new();
    let mut fixes = Vec::new();
    for ((target, binding), names) in &groups {
        let origin = format!("exported by {target}");
        let merge_kind = match (format, binding) {
            (ModuleFormat::Cjs, Binding::Named) => Some(MergeKind::Require),
            (ModuleFormat::Esm, Binding::Named) => Some(MergeKind::Import),
            (ModuleFormat::Esm, Binding::TypeNamed) => Some(MergeKind::ImportType),
            _ => None,
        };
        let existing = merge_kind.and_then(|kind| {
            facts.mergeable.iter().find(|m| m.kind == kind && resolves_to(&m.specifier, path, target))
        });
        let list = names.join(", ");
        if let Some(m) = existing {
            let insertion = if m.empty { format!(" {list} ") } else { format!(", {list}") };
            edits.push((m.insert_at, insertion));
            fixes.push(Fix { pass, description: format!("added {list} to the existing import of '{}' ({origin})", m.specifier) });
            continue;
        }
        let spec = relative_specifier(path, target, format);
        let statement = match (format, binding) {
            (ModuleFormat::Cjs, Binding::Default) => format!("const {list} = require('{spec}');"),
            (ModuleFormat::Cjs, _) => format!("const {{ {list} }} = require('{spec}');"),
            (ModuleFormat::Esm, Binding::Default) => format!("import {list} from '{spec}';"),
            (ModuleFormat::Esm, Binding::TypeNamed) => format!("import type {{ {list} }} from '{spec}';"),
            (ModuleFormat::Esm, Binding::Named) => format!("import {{ {list} }} from '{spec}';"),
        };
        fixes.push(Fix { pass, description: format!("added `{statement}` ({origin})") });
        new_lines.push(statement);
    }
    if !new_lines.is_empty() {
        edits.push(statement_insertion(path, text, facts, &new_lines.join(line_break(text))));
    }
    let out = apply_edits(text, edits);
    if analyze(path, &out).is_valid() {
        (out, fixes)
    } else {
        // Not expected (every insertion is a whole statement or a list element), but a pass must
        // never turn a parsing file into a broken one.
        let names: Vec<&str> = wanted.iter().map(|w| w.name.as_str()).collect();
        let description = format!("left {} unimported: adding the import would not parse", names.join(", "));
        (text.to_string(), vec![Fix { pass, description }])
    }
}

/// Where and how new import statements go.
fn statement_insertion(path: &str, text: &str, facts: &ImportFacts, statements: &str) -> (u32, String) {
    if let Some(anchor) = facts.last_import_end.or(facts.preamble_end) {
        return after_line_of(text, anchor, statements);
    }
    // No imports and no preamble: above the first statement, below a header comment that is
    // separated from it by a blank line (analysis puts such comments outside the item).
    let nl = line_break(text);
    match analyze(path, text).items.first() {
        Some(item) => (item.start, format!("{statements}{nl}{nl}")),
        None if text.is_empty() => (0, format!("{statements}{nl}")),
        None if text.ends_with('\n') => (text.len() as u32, format!("{statements}{nl}")),
        None => (text.len() as u32, format!("{nl}{statements}{nl}")),
    }
}

/// The file's own line break, so added lines do not mix `\n` into a `\r\n` file.
fn line_break(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// Insert after the line `anchor` ends, so a trailing `// comment` stays with its statement; if
/// code follows on that line, right after `anchor` instead (the line may open a block).
fn after_line_of(text: &str, anchor: u32, statements: &str) -> (u32, String) {
    let rest = &text[anchor as usize..];
    let line_rest = rest.split('\n').next().unwrap_or_default();
    let tail = line_rest.trim();
    let nl = line_break(text);
    if tail.is_empty() || tail.starts_with("//") {
        (anchor + line_rest.trim_end_matches('\r').len() as u32, format!("{nl}{statements}"))
    } else {
        (anchor, format!("{nl}{statements}"))
    }
}

/// Apply non-overlapping insertions/replacements, given as (offset, text) insertions.
fn apply_edits(text: &str, mut edits: Vec<(u32, String)>) -> String {
    edits.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut out = text.to_string();
    for (at, insertion) in edits {
        out.insert_str(at as usize, &insertion);
    }
    out
}
