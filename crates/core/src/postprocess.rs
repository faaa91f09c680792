//! Post-processing: small mechanical repairs run on each generated file before the gate.
//!
//! Models get cross-module wiring wrong in a few recurring ways (a symbol used but never
//! imported, a base class never required, a `console.log` left in despite the conventions).
//! Each pass here fixes one of those deterministically: text in, text out, and a [`Fix`] for
//! every change so the report can say what the machine did rather than the model. A pass that
//! cannot repair a file safely leaves it byte-identical; the gate then judges it as generated.

use std::collections::{BTreeMap, BTreeSet};

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    ArrowFunctionBody, BindingPattern, Class, ComputedMemberExpression, DebuggerStatement, Expression,
    IdentifierReference, ImportDeclaration, ImportDeclarationSpecifier, Program, Statement, StaticMemberExpression,
    VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_parser::Parser;
use oxc_semantic::{Scoping, SemanticBuilder};
use oxc_span::{GetSpan, Span};
use serde::Serialize;

use crate::analysis::{Language, ModuleFormat, analyze, line_col, source_type_of};
use crate::extract::{relative_specifier, resolves_to};

/// Pass names, as they appear in [`Fix::pass`].
pub const MISSING_IMPORTS: &str = "missing-imports";
pub const EXTENDS_IMPORT: &str = "extends-import";
pub const STRIP_BANNED: &str = "strip-banned";

/// Another in-scope file the generated file may import from.
#[derive(Debug, Clone, Copy)]
pub struct Neighbour<'a> {
    /// Workspace-relative path, `/`-separated.
    pub path: &'a str,
    /// What it exports, as [`crate::analysis::Analysis::exports`] reports it.
    pub exports: &'a BTreeSet<String>,
    /// Its module format; `None` (unknown or mixed) is treated as the importing file's format.
    pub format: Option<ModuleFormat>,
}

/// What a pass changed (or, for [`strip_banned`], deliberately left alone), for the report and
/// the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub pass: &'static str,
    pub description: String,
}


/// A changed file keeps its byte-level conventions: models answer with LF line ends and no
/// byte-order mark, so a file that had CRLF throughout (or a BOM) gets them back, and its diff
/// shows only the lines that really changed.
pub fn keep_text_conventions(old: Option<&str>, new: &str) -> (String, Vec<Fix>) {
    let Some(old) = old else { return (new.to_string(), Vec::new()) };
    let mut text = new.to_string();
    let mut fixes = Vec::new();
    let line_ends = old.matches('\n').count();
    let all_crlf = line_ends > 0 && old.matches("\r\n").count() == line_ends;
    let bare_lf = text.matches('\n').count() > text.matches("\r\n").count();
    if all_crlf && bare_lf {
        text = text.replace("\r\n", "\n").replace('\n', "\r\n");
        fixes.push(Fix { pass: "line_endings", description: "CRLF line ends, as in the file before".into() });
    }
    if old.starts_with('\u{FEFF}') && !text.starts_with('\u{FEFF}') {
        text.insert(0, '\u{FEFF}');
        fixes.push(Fix { pass: "byte_order_mark", description: "the byte-order mark the file had".into() });
    }
    (text, fixes)
}

/// Names the platform provides (ECMAScript, Node, browsers, test runners, TypeScript's utility
/// types). A neighbour exporting one of these never makes the file import it: using `Map` or
/// `fetch` unqualified means the global.
pub const GLOBALS: &[&str] = &[
    // ECMAScript
    "globalThis", "undefined", "NaN", "Infinity", "arguments", "Object", "Function", "Array", "Number",
    "Boolean", "String", "Symbol", "BigInt", "Date", "Promise", "RegExp", "Error", "AggregateError",
    "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError", "JSON", "Math",
    "Intl", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Proxy", "Reflect",
    "ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "Int8Array", "Uint8Array",
    "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array",
    "Float64Array", "BigInt64Array", "BigUint64Array", "Iterator", "parseInt", "parseFloat", "isNaN",
    "isFinite", "eval", "encodeURI", "encodeURIComponent", "decodeURI", "decodeURIComponent", "escape",
    "unescape",
    // Node and the web platform Node shares
    "console", "process", "Buffer", "global", "require", "module", "exports", "__dirname", "__filename",
    "setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate",
    "queueMicrotask", "structuredClone", "URL", "URLSearchParams", "TextEncoder", "TextDecoder",
    "AbortController", "AbortSignal", "fetch", "Request", "Response", "Headers", "FormData", "Blob", "File",
    "Event", "EventTarget", "CustomEvent", "MessageChannel", "BroadcastChannel", "performance", "crypto",
    "atob", "btoa", "WebAssembly", "NodeJS",
    // Browsers
    "window", "document", "navigator", "location", "history", "localStorage", "sessionStorage", "self",
    "HTMLElement", "Element", "Node", "customElements", "requestAnimationFrame", "cancelAnimationFrame",
    "alert", "confirm", "prompt", "getComputedStyle", "MutationObserver", "IntersectionObserver",
    "ResizeObserver", "XMLHttpRequest", "WebSocket", "Worker", "FileReader", "Image",
    // Test runners
    "describe", "it", "test", "expect", "beforeEach", "afterEach", "beforeAll", "afterAll", "jest", "vi",
    // TypeScript's built-in types
    "Record", "Partial", "Required", "Readonly", "Pick", "Omit", "Exclude", "Extract", "NonNullable",
    "ReturnType", "Parameters", "ConstructorParameters", "InstanceType", "Awaited", "ThisType",
    "ThisParameterType", "OmitThisParameter", "Uppercase", "Lowercase", "Capitalize", "Uncapitalize",
    "PropertyKey", "PromiseLike", "ArrayLike", "Iterable", "IterableIterator", "AsyncIterable",
    "AsyncIterableIterator", "ReadonlyArray", "ReadonlyMap", "ReadonlySet", "TemplateStringsArray",
];

fn is_global(name: &str) -> bool {
    GLOBALS.contains(&name)
}

// ---------------------------------------------------------------------------------------------
// Facts about the file the import passes need, read in one parse.

/// How an unresolved name is used.
#[derive(Debug, Default, Clone, Copy)]
struct Usage {
    /// Read as a value somewhere (otherwise only in type positions).
    value: bool,
    /// Assigned to somewhere: an import binding cannot be, so such names are left alone.
    write: bool,
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
struct ImportFacts {
    unresolved: BTreeMap<String, Usage>,
    /// `class A extends B` where `B` resolves to nothing in the file.
    unresolved_supers: BTreeSet<String>,
    /// End of the last top-level import / require statement.
    last_import_end: Option<u32>,
    /// End of the last directive (`'use strict'`) or of the hashbang.
    preamble_end: Option<u32>,
    mergeable: Vec<Mergeable>,
}

/// Parse a script and read what the import passes need. `None` for non-scripts and for files
/// that do not parse (the gate reports those; guessing imports into broken code helps nobody).
fn import_facts(path: &str, text: &str) -> Option<ImportFacts> {
    let lang = Language::of(path);
    if !lang.is_script() {
        return None;
    }
    let allocator = Allocator::default();
    let ret = Parser::new(&allocator, text, source_type_of(path)).parse();
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
// File names. Specifiers come from [`relative_specifier`] (shared with EXTRACT, so every import
// the machine writes looks the same): `./lib/x` for CommonJS, `./lib/x.js` for ES modules, with
// TypeScript files named by their emitted `.js` name, which TypeScript resolves back to the
// `.ts` source under every module resolution mode and which still runs after compilation.

/// Whether a file's name is the natural home of class `name`: `b.js` or `B.js` for `B`,
/// `base-model.js` or `base_model.ts` for `BaseModel` (case and `-`/`_` ignored).
fn file_named_for(path: &str, name: &str) -> bool {
    let file = path.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let squash = |s: &str| s.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_lowercase();
    squash(stem) == squash(name)
}

// ---------------------------------------------------------------------------------------------
// Writing imports.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Binding {
    /// `import { X }` / `const { X } = require()`
    Named,
    /// `import type { X }` (TypeScript, names only used as types)
    TypeNamed,
    /// `import X from` / `const X = require()`
    Default,
}

#[derive(Debug)]
struct WantedImport<'n> {
    name: String,
    from: Neighbour<'n>,
    binding: Binding,
}

/// Add the wanted imports to `text`: names join an existing import of the same module when one
/// can take them, the rest become new statements after the last top-level import (or after the
/// directives, or above the first statement).
fn add_imports(path: &str, text: &str, facts: &ImportFacts, format: ModuleFormat, wanted: &[WantedImport<'_>], pass: &'static str) -> (String, Vec<Fix>) {
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

// ---------------------------------------------------------------------------------------------
// The import passes.

/// Import names the file uses but never declares or imports, when exactly one neighbour exports
/// them.
///
/// Only unresolved references at the top scope count (so a local or a parameter of the same name
/// is never shadowed by an import). Skipped: [globals](GLOBALS); names assigned to (an import
/// binding is read-only); names exported by no neighbour or by more than one (ambiguous: the gate
/// or a retry decides, not a guess); `default` exports (see [`recover_extends_import`]); in
/// CommonJS, names only used as types. In TypeScript ESM, names only used as types are imported
/// with `import type`.
///
/// Output: CommonJS `const { X } = require('./rel/path');` (merged into an existing destructuring
/// require of the same module), ESM `import { X } from './rel/path.js';` (merged into an existing
/// named import of the same module). Specifiers are relative to the file's directory, from
/// [`relative_specifier`]: CommonJS without extension, ESM with `.js` (also for `.ts` sources).
/// New statements go after the last top-level import/require.
pub fn recover_missing_imports(path: &str, text: &str, format: ModuleFormat, neighbours: &[Neighbour]) -> (String, Vec<Fix>) {
    let Some(facts) = import_facts(path, text) else { return (text.to_string(), Vec::new()) };
    let mut wanted = Vec::new();
    for (name, usage) in &facts.unresolved {
        if is_global(name) || usage.write || (!usage.value && format == ModuleFormat::Cjs) {
            continue;
        }
        let mut providers = neighbours.iter().filter(|n| n.path != path && n.exports.contains(name));
        let (Some(from), None) = (providers.next(), providers.next()) else { continue };
        let binding = if usage.value { Binding::Named } else { Binding::TypeNamed };
        wanted.push(WantedImport { name: name.clone(), from: *from, binding });
    }
    add_imports(path, text, &facts, format, &wanted, MISSING_IMPORTS)
}

/// Import the base class of `class A extends B` when `B` is unresolved.
///
/// Candidates: a neighbour exporting `B` by name, or a neighbour whose whole module is its
/// default export (`module.exports = B` / `export default B`) and whose file is named for `B`
/// (`b.js`, `B.js`, `base-model.js` for `BaseModel`). Exactly one candidate gets imported:
/// `const B = require('./b');` / `import B from './b.js';` for a whole-module export, the named
/// forms of [`recover_missing_imports`] otherwise. A CommonJS file is not given an ESM default
/// (that needs `require(...).default`, which is a guess about the runtime).
pub fn recover_extends_import(path: &str, text: &str, format: ModuleFormat, neighbours: &[Neighbour]) -> (String, Vec<Fix>) {
    let Some(facts) = import_facts(path, text) else { return (text.to_string(), Vec::new()) };
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
    add_imports(path, text, &facts, format, &wanted, EXTENDS_IMPORT)
}

// ---------------------------------------------------------------------------------------------
// strip_banned

/// Where a statement sits, which decides how it can be taken out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// In a statement list (program, block, function body, `case`): delete it.
    List,
    /// The single statement of `if`, a loop, a label: replace it with `{}`.
    Single,
    /// The expression body of an arrow function: replace it with `{}`.
    ArrowBody,
}

#[derive(Debug, Clone)]
struct Removal {
    span: Span,
    slot: Slot,
    /// The banned entries it uses.
    entries: BTreeSet<String>,
}

struct BannedFinder<'b> {
    names: BTreeSet<&'b str>,
    /// Local names that stand for a module or a member of one: `cp` for `child_process` after
    /// `const cp = require('child_process')`, `run` for `child_process.execSync` after
    /// `const { execSync: run } = require('node:child_process')` or the same `import`.
    aliases: BTreeMap<String, String>,
    paths: BTreeSet<&'b str>,
    debugger: bool,
    /// Enclosing statements (and arrow bodies), innermost last.
    stack: Vec<(Span, Slot)>,
    next_in_list: bool,
    removals: Vec<Removal>,
}

impl BannedFinder<'_> {
    fn hit(&mut self, entry: &str) {
        let Some(&(span, slot)) = self.stack.last() else { return };
        match self.removals.iter_mut().find(|r| r.span == span) {
            Some(r) => {
                r.entries.insert(entry.to_string());
            }
            None => self.removals.push(Removal { span, slot, entries: BTreeSet::from([entry.to_string()]) }),
        }
    }

    fn check_member(&mut self, object: &Expression<'_>, property: &str) {
        // A banned plain name is banned as a property too: `cp.execSync`, `globalThis['eval']`.
        if let Some(&name) = self.names.get(property) {
            self.hit(name);
        }
        let written = member_path(object).map(|o| format!("{o}.{property}"));
        let resolved = resolved_path(object, &self.aliases).map(|o| format!("{o}.{property}"));
        for path in [written, resolved].into_iter().flatten() {
            if let Some(&entry) = self.paths.get(path.as_str()) {
                self.hit(entry);
                break;
            }
        }
    }
}

/// A module specifier as a ban entry writes it: `node:` dropped, `/` as `.` (`fs/promises` is `fs.promises`).
fn module_path(specifier: &str) -> String {
    specifier.strip_prefix("node:").unwrap_or(specifier).replace('/', ".")
}

/// Like [`member_path`], with a leading alias or `require('m')` / `await import('m')` replaced by the module path.
fn resolved_path(expr: &Expression<'_>, aliases: &BTreeMap<String, String>) -> Option<String> {
    match expr.get_inner_expression() {
        Expression::Identifier(id) => {
            let name = id.name.as_str();
            Some(aliases.get(name).cloned().unwrap_or_else(|| name.to_string()))
        }
        Expression::CallExpression(call) if call.is_require_call() => match call.arguments.first()?.as_expression()? {
            Expression::StringLiteral(s) => Some(module_path(s.value.as_str())),
            _ => None,
        },
        Expression::AwaitExpression(a) => match a.argument.get_inner_expression() {
            Expression::ImportExpression(i) => match &i.source {
                Expression::StringLiteral(s) => Some(module_path(s.value.as_str())),
                _ => None,
            },
            _ => None,
        },
        Expression::StaticMemberExpression(m) => {
            Some(format!("{}.{}", resolved_path(&m.object, aliases)?, m.property.name.as_str()))
        }
        Expression::ComputedMemberExpression(m) => match &m.expression {
            Expression::StringLiteral(s) => Some(format!("{}.{}", resolved_path(&m.object, aliases)?, s.value.as_str())),
            _ => None,
        },
        _ => None,
    }
}

/// Every alias of a module or a module's member the file binds (any scope: an alias used in
/// another scope under the same name is over-matched, and a removal that breaks the file is not made).
#[derive(Default)]
struct AliasCollector {
    aliases: BTreeMap<String, String>,
}

impl<'a> Visit<'a> for AliasCollector {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let module = module_path(it.source.value.as_str());
        for spec in it.specifiers.iter().flatten() {
            let target = match spec {
                ImportDeclarationSpecifier::ImportSpecifier(s) => format!("{module}.{}", s.imported.name().as_str()),
                _ => module.clone(),
            };
            self.aliases.insert(spec.local().name.as_str().to_string(), target);
        }
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let Some(init) = &it.init
            && let Some(source) = resolved_path(init, &self.aliases).filter(|p| p.contains('.') || is_module_load(init))
        {
            match &it.id {
                BindingPattern::BindingIdentifier(id) => {
                    self.aliases.insert(id.name.as_str().to_string(), source);
                }
                BindingPattern::ObjectPattern(obj) => {
                    for prop in &obj.properties {
                        if let (Some(key), BindingPattern::BindingIdentifier(id)) = (prop.key.static_name(), &prop.value) {
                            self.aliases.insert(id.name.as_str().to_string(), format!("{source}.{key}"));
                        }
                    }
                }
                _ => {}
            }
        }
        walk::walk_variable_declarator(self, it);
    }
}

fn is_module_load(expr: &Expression<'_>) -> bool {
    match expr.get_inner_expression() {
        Expression::CallExpression(call) => call.is_require_call(),
        Expression::AwaitExpression(a) => matches!(a.argument.get_inner_expression(), Expression::ImportExpression(_)),
        _ => false,
    }
}

/// `a`, `a.b.c`, `this.x`, `a['b']` as a dotted path; `None` for anything computed.
fn member_path(expr: &Expression<'_>) -> Option<String> {
    match expr {
        Expression::Identifier(id) => Some(id.name.as_str().to_string()),
        Expression::ThisExpression(_) => Some("this".to_string()),
        Expression::StaticMemberExpression(m) => Some(format!("{}.{}", member_path(&m.object)?, m.property.name.as_str())),
        Expression::ComputedMemberExpression(m) => match &m.expression {
            Expression::StringLiteral(s) => Some(format!("{}.{}", member_path(&m.object)?, s.value.as_str())),
            _ => None,
        },
        _ => None,
    }
}

impl<'a> Visit<'a> for BannedFinder<'_> {
    fn visit_statements(&mut self, statements: &oxc_allocator::Vec<'a, Statement<'a>>) {
        for stmt in statements {
            self.next_in_list = true;
            self.visit_statement(stmt);
        }
    }

    fn visit_statement(&mut self, stmt: &Statement<'a>) {
        let slot = if std::mem::take(&mut self.next_in_list) { Slot::List } else { Slot::Single };
        self.stack.push((stmt.span(), slot));
        walk::walk_statement(self, stmt);
        self.stack.pop();
    }

    fn visit_arrow_function_body(&mut self, body: &ArrowFunctionBody<'a>) {
        if body.is_function_body() {
            walk::walk_arrow_function_body(self, body);
        } else {
            self.stack.push((body.span(), Slot::ArrowBody));
            walk::walk_arrow_function_body(self, body);
            self.stack.pop();
        }
    }

    fn visit_identifier_reference(&mut self, id: &IdentifierReference<'a>) {
        if self.names.contains(id.name.as_str()) {
            self.hit(id.name.as_str());
        }
        // An alias of a banned member: `run` after `const { execSync: run } = require('child_process')`.
        if let Some(target) = self.aliases.get(id.name.as_str()).cloned() {
            let last = target.rsplit('.').next().unwrap_or(&target);
            if let Some(&entry) = self.paths.get(target.as_str()).or_else(|| self.names.get(last)) {
                self.hit(entry);
            }
        }
    }

    fn visit_static_member_expression(&mut self, m: &StaticMemberExpression<'a>) {
        self.check_member(&m.object, m.property.name.as_str());
        walk::walk_static_member_expression(self, m);
    }

    fn visit_computed_member_expression(&mut self, m: &ComputedMemberExpression<'a>) {
        if let Expression::StringLiteral(s) = &m.expression {
            self.check_member(&m.object, s.value.as_str());
        }
        walk::walk_computed_member_expression(self, m);
    }

    fn visit_debugger_statement(&mut self, _: &DebuggerStatement) {
        if self.debugger {
            self.hit("debugger");
        }
    }
}

fn find_removals(program: &Program<'_>, banned: &[String]) -> Vec<Removal> {
    let mut aliases = AliasCollector::default();
    aliases.visit_program(program);
    let mut finder = BannedFinder {
        names: BTreeSet::new(),
        aliases: aliases.aliases,
        paths: BTreeSet::new(),
        debugger: false,
        stack: Vec::new(),
        next_in_list: false,
        removals: Vec::new(),
    };
    for entry in banned.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        if entry == "debugger" {
            finder.debugger = true;
        } else if entry.contains('.') {
            finder.paths.insert(entry);
        } else {
            finder.names.insert(entry);
        }
    }
    finder.visit_program(program);
    // A removal inside another one is covered by it.
    let mut removals = finder.removals;
    removals.sort_by_key(|r| (r.span.start, std::cmp::Reverse(r.span.end)));
    let mut kept: Vec<Removal> = Vec::new();
    for r in removals {
        match kept.last_mut() {
            Some(outer) if r.span.end <= outer.span.end => outer.entries.extend(r.entries),
            _ => kept.push(r),
        }
    }
    kept
}

/// The byte range to replace and its replacement for one removal.
fn removal_edit(text: &str, r: &Removal) -> (usize, usize, &'static str) {
    let (start, end) = (r.span.start as usize, r.span.end as usize);
    if r.slot != Slot::List {
        return (start, end, "{}");
    }
    // Deleting a statement must not glue its neighbours into one expression (`a = b` then
    // `(f)()` would become the call `b(f)()`): in that case leave an empty statement.
    let prev = text[..start].trim_end().chars().last();
    let next = text[end..].trim_start().chars().next();
    let glues = matches!(next, Some('(' | '[' | '`' | '+' | '-' | '/')) && !matches!(prev, None | Some(';' | '{' | '}'));
    if glues {
        return (start, end, ";");
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let before = &text[line_start..start];
    let after = &text[end..line_end];
    if before.trim().is_empty() && after.trim().is_empty() {
        // Alone on its line(s): the whole line goes.
        (line_start, (line_end + 1).min(text.len()), "")
    } else if after.trim().is_empty() {
        (start - (before.len() - before.trim_end().len()), end, "")
    } else {
        (start, end + (after.len() - after.trim_start().len()), "")
    }
}

fn apply_removals(text: &str, removals: &[&Removal]) -> String {
    let mut edits: Vec<(usize, usize, &str)> = removals.iter().map(|r| removal_edit(text, r)).collect();
    edits.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    let mut out = text.to_string();
    for (start, end, replacement) in edits {
        out.replace_range(start..end, replacement);
    }
    out
}

/// What the original file offers that a stripped version must keep.
struct Baseline {
    exports: BTreeSet<String>,
    unresolved: BTreeSet<String>,
}

fn unresolved_names(path: &str, text: &str) -> BTreeSet<String> {
    import_facts(path, text).map(|f| f.unresolved.into_keys().collect()).unwrap_or_default()
}

/// Why `candidate` is not an acceptable result of stripping, if it is not.
fn breakage(path: &str, candidate: &str, baseline: &Baseline) -> Option<String> {
    let analysis = analyze(path, candidate);
    if let Some(err) = analysis.syntax_errors.first() {
        return Some(format!("leave invalid syntax ({err})"));
    }
    let lost: Vec<&str> = baseline.exports.difference(&analysis.exports).map(String::as_str).collect();
    if !lost.is_empty() {
        return Some(format!("drop the export {}", lost.join(", ")));
    }
    let now = unresolved_names(path, candidate);
    let undefined: Vec<&str> = now.difference(&baseline.unresolved).map(String::as_str).collect();
    if !undefined.is_empty() {
        return Some(format!("leave {} undefined", undefined.join(", ")));
    }
    None
}

/// The first line of a statement, shortened, for a Fix description.
fn excerpt(text: &str, span: Span) -> String {
    let source = &text[span.start as usize..span.end as usize];
    let first = source.lines().next().unwrap_or_default().trim();
    let short: String = first.chars().take(60).collect();
    if short.len() < source.trim().len() { format!("{short} ...") } else { short }
}

/// Remove every statement that uses a banned identifier.
///
/// Entries: `debugger` matches `debugger;` statements; a dotted entry (`console.log`) matches
/// that member expression (also `console['log']` and inside longer chains such as
/// `console.log.bind(...)`); a plain name (`eval`) matches identifier references to it (not
/// declarations or property names).
///
/// The innermost statement around each use goes: deleted when it sits in a statement list (with
/// its line when it is alone on it), replaced by `{}` when it is the body of an `if`, a loop or a
/// label, and an arrow function's expression body becomes `{}`. Everything else stays
/// byte-identical.
///
/// Every result is re-parsed and compared with the input: a removal that would leave a syntax
/// error, drop an export or leave a name undefined (a removed declaration that is still used) is
/// not made. Those statements stay, each with a Fix saying why; when none can go, the output is
/// the input unchanged. An input that does not parse is returned unchanged without Fixes.
pub fn strip_banned(path: &str, text: &str, banned: &[String]) -> (String, Vec<Fix>) {
    let unchanged = || (text.to_string(), Vec::new());
    let lang = Language::of(path);
    if banned.is_empty() || !lang.is_script() {
        return unchanged();
    }
    let removals = {
        let allocator = Allocator::default();
        let ret = Parser::new(&allocator, text, source_type_of(path)).parse();
        if !ret.diagnostics.is_empty() || ret.fatal_error {
            return unchanged();
        }
        find_removals(&ret.program, banned)
    };
    if removals.is_empty() {
        return unchanged();
    }
    let baseline = Baseline { exports: analyze(path, text).exports, unresolved: unresolved_names(path, text) };

    let all: Vec<&Removal> = removals.iter().collect();
    let mut accepted: Vec<&Removal> = Vec::new();
    let mut refused: Vec<(&Removal, String)> = Vec::new();
    if breakage(path, &apply_removals(text, &all), &baseline).is_none() {
        accepted = all;
    } else {
        // Some removal breaks the file: take them one by one, keeping each that the file survives
        // together with those already taken.
        for r in &removals {
            accepted.push(r);
            if let Some(reason) = breakage(path, &apply_removals(text, &accepted), &baseline) {
                accepted.pop();
                refused.push((r, reason));
            }
        }
    }

    let describe = |r: &Removal| {
        let (line, _) = line_col(text, r.span.start as usize);
        let entries: Vec<String> = r.entries.iter().map(|e| format!("`{e}`")).collect();
        (line, format!("`{}` (line {line}, uses banned {})", excerpt(text, r.span), entries.join(", ")))
    };
    let mut fixes: Vec<(usize, Fix)> = Vec::new();
    for r in &accepted {
        let (line, what) = describe(r);
        let verb = if r.slot == Slot::List { "removed" } else { "emptied" };
        fixes.push((line, Fix { pass: STRIP_BANNED, description: format!("{verb} {what}") }));
    }
    for (r, reason) in &refused {
        let (line, what) = describe(r);
        fixes.push((line, Fix { pass: STRIP_BANNED, description: format!("kept {what}: removing it would {reason}") }));
    }
    fixes.sort_by_key(|(line, _)| *line);
    let out = if accepted.is_empty() { text.to_string() } else { apply_removals(text, &accepted) };
    (out, fixes.into_iter().map(|(_, f)| f).collect())
}


#[cfg(test)]
mod convention_tests {
    use super::keep_text_conventions;

    #[test]
    fn crlf_and_bom_come_back_and_lf_files_are_left_alone() {
        let (text, fixes) = keep_text_conventions(Some("\u{FEFF}a\r\nb\r\n"), "a\nb\nc\n");
        assert_eq!(text, "\u{FEFF}a\r\nb\r\nc\r\n");
        assert_eq!(fixes.iter().map(|f| f.pass).collect::<Vec<_>>(), ["line_endings", "byte_order_mark"]);
        // Mixed answers are made uniform; an LF file or a new file is not touched.
        assert_eq!(keep_text_conventions(Some("a\r\n"), "x\r\ny\n").0, "x\r\ny\r\n");
        assert!(keep_text_conventions(Some("a\nb\r\n"), "x\n").1.is_empty());
        assert!(keep_text_conventions(None, "x\n").1.is_empty());
        assert!(keep_text_conventions(Some("a\r\n"), "x\r\n").1.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($path:literal) => {
            include_str!(concat!("../tests/fixtures/postprocess/", $path))
        };
    }

    /// A neighbour's facts as the pipeline would get them: analysed from its text.
    struct Facts {
        path: &'static str,
        exports: BTreeSet<String>,
        format: Option<ModuleFormat>,
    }

    fn facts(files: &[(&'static str, &str)]) -> Vec<Facts> {
        files
            .iter()
            .map(|(path, text)| {
                let a = analyze(path, text);
                assert!(a.is_valid(), "fixture {path} must parse: {:?}", a.syntax_errors);
                Facts { path, exports: a.exports.clone(), format: a.module_format() }
            })
            .collect()
    }

    fn neighbours(facts: &[Facts]) -> Vec<Neighbour<'_>> {
        facts.iter().map(|f| Neighbour { path: f.path, exports: &f.exports, format: f.format }).collect()
    }

    fn exports(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn descriptions(fixes: &[Fix]) -> Vec<&str> {
        fixes.iter().map(|f| f.description.as_str()).collect()
    }

    // --- recover_missing_imports -----------------------------------------------------------

    #[test]
    fn cjs_merges_into_the_existing_require_and_adds_a_new_one_after_the_last() {
        let n = facts(&[
            ("src/lib/money.js", fixture!("cjs/src/lib/money.js")),
            ("src/lib/validate.js", fixture!("cjs/src/lib/validate.js")),
        ]);
        let (out, fixes) = recover_missing_imports(
            "src/routes/orders.js",
            fixture!("cjs/src/routes/orders.js"),
            ModuleFormat::Cjs,
            &neighbours(&n),
        );
        assert_eq!(out, fixture!("cjs/src/routes/orders.expected.js"));
        // `roundCents` is a parameter where it is used: resolved, so never imported.
        assert_eq!(
            descriptions(&fixes),
            [
                "added `const { formatPrice } = require('../lib/money');` (exported by src/lib/money.js)",
                "added sanitize to the existing import of '../lib/validate' (exported by src/lib/validate.js)",
            ]
        );
        assert!(fixes.iter().all(|f| f.pass == MISSING_IMPORTS));
    }

    #[test]
    fn esm_without_imports_goes_below_the_header_comment() {
        let n = facts(&[
            ("src/tax.js", fixture!("esm/src/tax.js")),
            ("src/util/format.js", fixture!("esm/src/util/format.js")),
        ]);
        let (out, fixes) =
            recover_missing_imports("src/cart.js", fixture!("esm/src/cart.js"), ModuleFormat::Esm, &neighbours(&n));
        assert_eq!(out, fixture!("esm/src/cart.expected.js"));
        assert_eq!(fixes.len(), 2);
    }

    #[test]
    fn esm_merges_named_imports_but_not_into_a_namespace_import() {
        let n = facts(&[
            ("src/tax.js", fixture!("esm/src/tax.js")),
            ("src/util/format.js", fixture!("esm/src/util/format.js")),
        ]);
        let (out, fixes) = recover_missing_imports(
            "src/util/checkout.js",
            fixture!("esm/src/util/checkout.js"),
            ModuleFormat::Esm,
            &neighbours(&n),
        );
        assert_eq!(out, fixture!("esm/src/util/checkout.expected.js"));
        assert_eq!(
            descriptions(&fixes),
            [
                "added TAX_RATE to the existing import of '../tax.js' (exported by src/tax.js)",
                "added `import { currency } from './format.js';` (exported by src/util/format.js)",
            ]
        );
    }

    #[test]
    fn typescript_imports_types_with_import_type_and_names_the_compiled_js() {
        let n = facts(&[("src/model.ts", fixture!("ts/src/model.ts")), ("src/db.ts", fixture!("ts/src/db.ts"))]);
        let (out, fixes) =
            recover_missing_imports("src/service.ts", fixture!("ts/src/service.ts"), ModuleFormat::Esm, &neighbours(&n));
        assert_eq!(out, fixture!("ts/src/service.expected.ts"));
        assert_eq!(fixes.len(), 2);
    }

    #[test]
    fn a_name_two_neighbours_export_is_left_alone() {
        let n = facts(&[
            ("src/text.js", fixture!("ambiguous/src/text.js")),
            ("src/strings.js", fixture!("ambiguous/src/strings.js")),
            ("src/view.js", fixture!("ambiguous/src/view.js")),
        ]);
        let (out, fixes) =
            recover_missing_imports("src/page.js", fixture!("ambiguous/src/page.js"), ModuleFormat::Cjs, &neighbours(&n));
        // `titleCase` has one home and is imported; `slugify` has two and is not.
        assert_eq!(out, fixture!("ambiguous/src/page.expected.js"));
        assert_eq!(descriptions(&fixes), ["added `const { titleCase } = require('./text');` (exported by src/text.js)"]);
    }

    #[test]
    fn globals_are_never_imported_even_when_a_neighbour_exports_them() {
        let n = facts(&[("src/polyfills.js", fixture!("globals/src/polyfills.js"))]);
        assert!(n[0].exports.contains("fetch") && n[0].exports.contains("Map"));
        let input = fixture!("globals/src/client.js");
        let (out, fixes) = recover_missing_imports("src/client.js", input, ModuleFormat::Cjs, &neighbours(&n));
        assert_eq!(out, input);
        assert!(fixes.is_empty(), "{fixes:?}");
    }

    #[test]
    fn assigned_names_type_only_names_in_cjs_and_self_exports_are_skipped() {
        let e = exports(&["counter", "Options", "helper"]);
        let n = [Neighbour { path: "src/shared.js", exports: &e, format: Some(ModuleFormat::Cjs) }];
        // `counter = ...` would assign to a read-only import binding.
        let src = "counter = helper(1);\n";
        let (out, _) = recover_missing_imports("src/a.js", src, ModuleFormat::Cjs, &n);
        assert_eq!(out, "const { helper } = require('./shared');\n\ncounter = helper(1);\n");
        // A CommonJS TypeScript file cannot require a type.
        let (out, fixes) = recover_missing_imports("src/a.ts", "let o: Options;\n", ModuleFormat::Cjs, &n);
        assert_eq!((out.as_str(), fixes.len()), ("let o: Options;\n", 0));
        // The file itself is not its own provider.
        let self_only = [Neighbour { path: "src/a.js", exports: &e, format: None }];
        let (out, _) = recover_missing_imports("src/a.js", "helper();\n", ModuleFormat::Cjs, &self_only);
        assert_eq!(out, "helper();\n");
    }

    #[test]
    fn default_exports_are_not_the_general_pass_business() {
        let n = facts(&[("src/models/user.js", fixture!("extends-cjs/src/models/user.js"))]);
        let input = fixture!("extends-cjs/src/models/admin.js");
        let (out, fixes) = recover_missing_imports("src/models/admin.js", input, ModuleFormat::Cjs, &neighbours(&n));
        assert_eq!((out.as_str(), fixes.len()), (input, 0));
    }

    #[test]
    fn new_imports_follow_directives_and_skip_code_on_the_anchor_line() {
        let e = exports(&["helper"]);
        let n = [Neighbour { path: "lib/helper.js", exports: &e, format: None }];
        let (out, _) = recover_missing_imports("main.js", "'use strict';\nhelper();\n", ModuleFormat::Cjs, &n);
        assert_eq!(out, "'use strict';\nconst { helper } = require('./lib/helper');\nhelper();\n");
        // Code after the last require on its line may open a block: insert right after the require.
        let src = "const a = require('a'); function f() {\n  return helper(a);\n}\n";
        let (out, _) = recover_missing_imports("main.js", src, ModuleFormat::Cjs, &n);
        assert_eq!(
            out,
            "const a = require('a');\nconst { helper } = require('./lib/helper'); function f() {\n  return helper(a);\n}\n"
        );
    }

    #[test]
    fn jsx_components_are_references_and_crlf_files_stay_crlf() {
        let e = exports(&["Button"]);
        let n = [Neighbour { path: "src/ui/Button.jsx", exports: &e, format: Some(ModuleFormat::Esm) }];
        let src = "import React from 'react';\r\n\r\nexport const App = () => <Button label=\"go\" />;\r\n";
        let (out, _) = recover_missing_imports("src/App.jsx", src, ModuleFormat::Esm, &n);
        assert_eq!(
            out,
            "import React from 'react';\r\nimport { Button } from './ui/Button.jsx';\r\n\r\nexport const App = () => <Button label=\"go\" />;\r\n"
        );
    }

    #[test]
    fn unparsable_and_non_script_files_are_returned_as_given() {
        let e = exports(&["helper"]);
        let n = [Neighbour { path: "helper.js", exports: &e, format: None }];
        let (out, fixes) = recover_missing_imports("a.js", "helper(\n", ModuleFormat::Cjs, &n);
        assert_eq!((out.as_str(), fixes.len()), ("helper(\n", 0));
        let (out, fixes) = recover_missing_imports("a.json", "{\"helper\": 1}", ModuleFormat::Cjs, &n);
        assert_eq!((out.as_str(), fixes.len()), ("{\"helper\": 1}", 0));
    }

    #[test]
    fn typescript_cjs_and_nested_paths_use_the_shared_specifiers() {
        let e = exports(&["helper"]);
        let n = [Neighbour { path: "src/lib/helper.ts", exports: &e, format: None }];
        let (out, _) = recover_missing_imports("src/x/y/a.ts", "helper();\n", ModuleFormat::Esm, &n);
        assert_eq!(out, "import { helper } from '../../lib/helper.js';\n\nhelper();\n");
        let (out, _) = recover_missing_imports("src/x/y/a.ts", "helper();\n", ModuleFormat::Cjs, &n);
        assert_eq!(out, "const { helper } = require('../../lib/helper');\n\nhelper();\n");
        // An existing `.js` import of the `.ts` file is the same module: the name joins it.
        let src = "import { other } from '../../lib/helper.js';\nhelper(other);\n";
        let (out, _) = recover_missing_imports("src/x/y/a.ts", src, ModuleFormat::Esm, &n);
        assert_eq!(out, "import { other, helper } from '../../lib/helper.js';\nhelper(other);\n");
    }

    // --- recover_extends_import ------------------------------------------------------------

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
            Neighbour { path: "src/base.js", exports: &default, format: Some(ModuleFormat::Cjs) },
            Neighbour { path: "src/lib.js", exports: &named, format: Some(ModuleFormat::Cjs) },
        ];
        let (out, fixes) = recover_extends_import("src/a.js", src, ModuleFormat::Cjs, &both);
        assert_eq!((out.as_str(), fixes.len()), (src, 0));
        // A named export alone is imported by name.
        let (out, _) = recover_extends_import("src/a.js", src, ModuleFormat::Cjs, &both[1..]);
        assert_eq!(out, "const { Base } = require('./lib');\n\nclass A extends Base {}\nmodule.exports = A;\n");
        // A default export in a file named for something else is not a candidate.
        let other = [Neighbour { path: "src/other.js", exports: &default, format: Some(ModuleFormat::Cjs) }];
        assert_eq!(recover_extends_import("src/a.js", src, ModuleFormat::Cjs, &other).0, src);
        // A CommonJS file is not handed an ESM default.
        let esm = [Neighbour { path: "src/base.js", exports: &default, format: Some(ModuleFormat::Esm) }];
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

    // --- strip_banned ----------------------------------------------------------------------

    fn banned(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn strips_statements_with_banned_members_and_debugger() {
        let (out, fixes) =
            strip_banned("src/worker.js", fixture!("strip/src/worker.js"), &banned(&["console.log", "debugger"]));
        assert_eq!(out, fixture!("strip/src/worker.expected.js"));
        assert_eq!(
            descriptions(&fixes),
            [
                "removed `console.log('handling', job.id);` (line 4, uses banned `console.log`)",
                "emptied `console.log('retrying');` (line 5, uses banned `console.log`)",
                "removed `debugger;` (line 7, uses banned `debugger`)",
                "emptied `console.log(msg)` (line 11, uses banned `console.log`)",
                "removed `console.log('listening');` (line 13, uses banned `console.log`)",
            ]
        );
        assert!(fixes.iter().all(|f| f.pass == STRIP_BANNED));
    }

    #[test]
    fn a_removal_that_would_leave_a_name_undefined_is_not_made() {
        let (out, fixes) = strip_banned("src/debug.js", fixture!("strip/src/debug.js"), &banned(&["console.log"]));
        assert_eq!(out, fixture!("strip/src/debug.expected.js"));
        assert_eq!(
            descriptions(&fixes),
            [
                "kept `const log = console.log;` (line 1, uses banned `console.log`): removing it would leave log undefined",
                "kept `const arity = console.log.length;` (line 2, uses banned `console.log`): removing it would leave arity undefined",
                // Through the alias: `log` is `console.log`.
                "removed `log('start', task.name);` (line 5, uses banned `console.log`)",
                "removed `console.log('running');` (line 6, uses banned `console.log`)",
            ]
        );
    }

    #[test]
    fn a_removal_that_would_drop_an_export_leaves_the_input_unchanged() {
        let src = "export const debugLog = console.log.bind(console);\n";
        let (out, fixes) = strip_banned("src/log.mjs", src, &banned(&["console.log"]));
        assert_eq!(out, src);
        assert_eq!(
            descriptions(&fixes),
            ["kept `export const debugLog = console.log.bind(console);` (line 1, uses banned `console.log`): removing it would drop the export debugLog"]
        );
    }

    #[test]
    fn plain_names_match_references_and_property_reads_not_keys_or_declarations() {
        // `x.eval` is a read of a property named eval: `globalThis.eval` and `cp.execSync` are too.
        let src = "const x = { eval: 1 };\nfunction run(code) {\n  return eval(code);\n}\nrun(x.eval);\n";
        let (out, fixes) = strip_banned("a.js", src, &banned(&["eval"]));
        assert_eq!(out, "const x = { eval: 1 };\nfunction run(code) {\n}\n");
        assert_eq!(fixes.len(), 2);
        // Only the named member: `console.error` stays when `console.log` is banned.
        let src = "console.error('e');\nconsole['log']('l');\n";
        assert_eq!(strip_banned("a.js", src, &banned(&["console.log"])).0, "console.error('e');\n");
    }

    #[test]
    fn bans_hold_against_require_members_aliases_and_property_access() {
        let strip = |src: &str, entries: &[&str]| strip_banned("a.js", src, &banned(entries)).0;
        // A member path through `require('x').y`, an alias of the module, a destructured or renamed
        // member, an ESM import, `node:` and `fs/promises` forms, computed literal keys.
        for (src, entries) in [
            ("require('child_process').execSync('id');\nok();\n", &["child_process.execSync"][..]),
            ("const cp = require('child_process');\ncp.execSync('id');\nok();\n", &["child_process.execSync"]),
            ("const cp = require('node:child_process');\ncp['execSync']('id');\nok();\n", &["child_process.execSync"]),
            ("const { execSync: run } = require('child_process');\nrun('id');\nok();\n", &["child_process.execSync"]),
            ("const run = require('child_process').execSync;\nrun('id');\nok();\n", &["child_process.execSync"]),
            ("const { writeFile } = require('fs/promises');\nwriteFile('x', '');\nok();\n", &["fs.promises.writeFile"]),
            ("const cp = require('child_process');\ncp.execSync('id');\nok();\n", &["execSync"]),
            ("const { execSync: run } = require('child_process');\nrun('id');\nok();\n", &["execSync"]),
            ("globalThis['eval']('1');\nok();\n", &["eval"]),
            ("window.eval('1');\nok();\n", &["eval"]),
        ] {
            let out = strip(src, entries);
            assert!(out.ends_with("ok();\n") && !out.contains("('id')") && !out.contains("('1')") && !out.contains("('x', '')"), "{entries:?}: {src:?} gave {out:?}");
        }
        let esm = "import { execSync as run } from 'node:child_process';\nexport function f() {\n  run('id');\n  return 1;\n}\n";
        let out = strip_banned("a.mjs", esm, &banned(&["child_process.execSync"])).0;
        assert!(!out.contains("run('id')") && out.contains("return 1;"), "{out}");
        let esm = "import * as cp from 'child_process';\nexport const f = async () => {\n  cp.execSync('id');\n  (await import('child_process')).exec('id');\n};\n";
        let out = strip_banned("a.mjs", esm, &banned(&["child_process.execSync", "child_process.exec"])).0;
        assert!(!out.contains("('id')"), "{out}");
        // Another module's member of the same name is not the banned one.
        let other = "const db = require('./db');\ndb.execSync('x');\n";
        assert_eq!(strip(other, &["child_process.execSync"]), other);
    }

    #[test]
    fn removal_never_glues_neighbouring_statements() {
        // Without the `;`, `b` and `(f)()` would become one call.
        let src = "const a = b\nconsole.log(a);\n(f)()\n";
        let (out, _) = strip_banned("a.js", src, &banned(&["console.log"]));
        assert_eq!(out, "const a = b\n;\n(f)()\n");
        // Statements sharing a line keep the rest of the line.
        let (out, _) = strip_banned("a.js", "a(); console.log(1); b();\n", &banned(&["console.log"]));
        assert_eq!(out, "a(); b();\n");
    }

    #[test]
    fn nothing_banned_nothing_found_or_unparsable_means_unchanged() {
        let src = "console.log(1);\n";
        assert_eq!(strip_banned("a.js", src, &[]), (src.to_string(), vec![]));
        assert_eq!(strip_banned("a.js", src, &banned(&["alert"])), (src.to_string(), vec![]));
        assert_eq!(strip_banned("a.js", "console.log(\n", &banned(&["console.log"])), ("console.log(\n".to_string(), vec![]));
        assert_eq!(strip_banned("notes.md", src, &banned(&["console.log"])), (src.to_string(), vec![]));
    }

    #[test]
    fn breakage_reports_invalid_syntax() {
        let baseline = Baseline { exports: BTreeSet::new(), unresolved: BTreeSet::new() };
        let reason = breakage("a.js", "if (x) \n", &baseline).expect("a broken file is breakage");
        assert!(reason.starts_with("leave invalid syntax"), "{reason}");
        assert_eq!(breakage("a.js", "let x = 1;\n", &baseline), None);
    }

}
