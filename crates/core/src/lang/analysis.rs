//! Facts about one source file, read with oxc: does it parse, which module syntax does it use,
//! what does it export, and where are its top-level statements. Every later stage (plan summary,
//! sectioning, gate) asks these questions; they are answered here and nowhere else.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, BindingPattern, MemberExpression, CallExpression, ClassBody, ClassElement, Declaration, ExportAllDeclaration, ExportFromDeclaration,
    Expression, ExportDefaultDeclarationKind, ImportDeclaration, ImportDeclarationSpecifier, ImportExpression, ModuleExportName, ObjectPropertyKind,
    Program, Statement,
};
use oxc_ast_visit::{Visit, walk};
use oxc_semantic::SemanticBuilder;
use oxc_span::GetSpan;
use serde::Serialize;

pub use crate::lang::{Language, ModuleFormat};
use crate::protocol::Capability;

/// A syntax error, with a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (line {}, column {})", self.message, self.line, self.column)
    }
}

/// A top-level statement: what it declares and where it sits (byte offsets, leading comments
/// included in `start`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopLevelItem {
    pub names: Vec<String>,
    pub start: u32,
    pub end: u32,
    /// Members of a class declaration (methods, fields), each with its leading comments.
    pub members: Vec<ClassMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassMember {
    /// `constructor`, a method or field name, or `[computed]`.
    pub name: String,
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Analysis {
    pub syntax_errors: Vec<SyntaxError>,
    /// `import` / `export` statements are present.
    pub has_esm_syntax: bool,
    /// `module.exports` / `exports.x` assignments or top-level `require(...)` are present.
    pub has_cjs_syntax: bool,
    /// Exported names. `default` stands for an ESM default export and for a CommonJS
    /// `module.exports = <something that is not an object literal>`; `*:<source>` for a re-export of a whole module.
    pub exports: BTreeSet<String>,
    /// Local names export statements refer to (`module.exports = { a }`, `export { a as b }`).
    pub export_refs: BTreeSet<String>,
    /// Names bound at the top level: declarations and imports.
    pub bindings: BTreeSet<String>,
    /// Names the code reads or writes that no scope of the file binds: globals, or names that
    /// were deleted while still in use.
    pub unresolved: BTreeSet<String>,
    pub items: Vec<TopLevelItem>,
    /// Every module the file loads, as written: `import`/`export ... from`, `import()` and
    /// `require()` with a string literal, anywhere in the file.
    pub requests: BTreeSet<String>,
    /// Top-level names that come from another module, with its specifier: imported bindings,
    /// `const x = require('s')` (and `const { a } = require('s')`, `require('s').a`), re-exports.
    pub sources: BTreeMap<String, String>,
    /// The names each module is asked for by name, by its specifier as written: `import { a }`
    /// and `export { a } from` (`a`), `import d` (`default`), `const { a } = require()` and
    /// `require().a` at the top level (`a`). A namespace or whole-module import asks for none.
    pub imported: BTreeMap<String, BTreeSet<String>>,
    /// The module may export names `exports` does not list (so no import of a name from it is
    /// known to fail): TypeScript's `export =`, an exported namespace or `import =`, CommonJS
    /// exports built at run time (`Object.assign(module.exports, ...)`, `exports[k] =`,
    /// `module.exports = make()`, a spread), or an `exports` outside the forms read here.
    pub exports_open: bool,
    /// Every place the file uses a [`Capability`], in source order (gate rule `new_capability`).
    pub capabilities: Vec<CapabilityUse>,
}

impl Analysis {
    pub fn is_valid(&self) -> bool {
        self.syntax_errors.is_empty()
    }

    pub fn module_format(&self) -> Option<ModuleFormat> {
        match (self.has_esm_syntax, self.has_cjs_syntax) {
            (true, false) => Some(ModuleFormat::Esm),
            (false, true) => Some(ModuleFormat::Cjs),
            _ => None,
        }
    }
}

/// Parse `source` as the language of `path` and collect the facts later stages need.
/// Data files (JSON, XML, YAML, TOML) only get a well-formedness check; other files nothing.
/// Scripts get the parser's errors only: see [`analyze_checked`] for the rest.
pub fn analyze(path: &str, source: &str) -> Analysis {
    analyze_at(path, source, Depth::Parse)
}

/// [`analyze`] plus the semantic pass over the same tree: ECMAScript's early errors (and a
/// module importing itself) join `syntax_errors`, and `unresolved` is filled. What the gate asks
/// of an answer; the pipeline's own reads of the files before the run skip the pass's cost.
pub fn analyze_checked(path: &str, source: &str) -> Analysis {
    analyze_at(path, source, Depth::Semantic)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    Parse,
    Semantic,
}

fn analyze_at(path: &str, source: &str, depth: Depth) -> Analysis {
    let lang = Language::of(path);
    match lang {
        Language::Json | Language::Xml | Language::Yaml | Language::Toml => {
            Analysis { syntax_errors: data_error(lang, source).into_iter().collect(), ..Analysis::default() }
        }
        Language::Other => Analysis::default(),
        // Listed, not `_`: a new language must say here how it is read.
        Language::JavaScript | Language::Jsx | Language::TypeScript | Language::Tsx => analyze_script(path, source, depth),
    }
}

/// The facts of files computed once per content: [`analyze`] and [`analyze_checked`] remembered
/// for the length of a session, by path (the language and the file's own name are inputs of the
/// facts), depth and text. The gate's old text (read before the run), the texts
/// staged before this answer and a retried answer seen again are not parsed twice.
#[derive(Default)]
pub(crate) struct Cache {
    /// Every (depth, text) analysed so far, by path, with its facts. A run sees a few texts per
    /// path (the text read, an answer, its retries): a list per path, searched by depth, then by
    /// the whole text (length first). By path, so a run over many files finds each in log time.
    facts: RefCell<BTreeMap<String, Vec<Entry>>>,
}

struct Entry {
    depth: Depth,
    text: String,
    facts: Rc<Analysis>,
}

impl Cache {
    /// [`analyze`], once per content.
    pub(crate) fn analyze(&self, path: &str, source: &str) -> Rc<Analysis> {
        self.get(path, source, Depth::Parse)
    }

    /// [`analyze_checked`], once per content.
    pub(crate) fn analyze_checked(&self, path: &str, source: &str) -> Rc<Analysis> {
        self.get(path, source, Depth::Semantic)
    }

    fn get(&self, path: &str, source: &str, depth: Depth) -> Rc<Analysis> {
        let hit = self.facts.borrow().get(path).and_then(|entries| entries.iter().find(|e| e.depth == depth && e.text == source).map(|e| Rc::clone(&e.facts)));
        hit.unwrap_or_else(|| {
            let facts = Rc::new(analyze_at(path, source, depth));
            let entry = Entry { depth, text: source.to_string(), facts: Rc::clone(&facts) };
            self.facts.borrow_mut().entry(path.to_string()).or_default().push(entry);
            facts
        })
    }
}

/// The first error of a data file, each format read by its own well-kept parser: only whether
/// the text is well-formed matters here, never what it means.
fn data_error(lang: Language, source: &str) -> Option<SyntaxError> {
    let at = |message: String, line: usize, column: usize| Some(SyntaxError { message, line, column: column.max(1) });
    match lang {
        Language::Json => {
            let err = serde_json::from_str::<serde_json::Value>(source).err()?;
            // serde_json says column 0 for an error on a line's newline; ours are 1-based.
            at(format!("invalid JSON: {err}"), err.line(), err.column())
        }
        Language::Xml => {
            // DTDs are allowed (property lists and many manifests carry a DOCTYPE); roxmltree
            // bounds entity expansion itself.
            let options = roxmltree::ParsingOptions { allow_dtd: true, ..roxmltree::ParsingOptions::default() };
            let err = roxmltree::Document::parse_with_options(source, options).err()?;
            let pos = err.pos();
            at(format!("invalid XML: {err}"), pos.row as usize, pos.col as usize)
        }
        Language::Yaml => {
            for event in saphyr_parser::Parser::new_from_str(source) {
                if let Err(err) = event {
                    let mark = err.marker();
                    return at(format!("invalid YAML: {}", err.info()), mark.line(), mark.col() + 1);
                }
            }
            None
        }
        Language::Toml => {
            // The document parser alone (no serde): it also refuses a key or a table defined twice.
            let err = toml::de::DeTable::parse(source).err()?;
            let (line, column) = err.span().map_or((1, 1), |span| line_col(source, span.start));
            // The first line of the message is the finding; the rest draws the source.
            let what = err.message().lines().next().unwrap_or("").trim();
            at(format!("invalid TOML: {what}"), line, column)
        }
        _ => None,
    }
}

fn analyze_script(path: &str, source: &str, depth: Depth) -> Analysis {
    let allocator = Allocator::default();
    let ret = crate::lang::parse(&allocator, path, source);
    let syntax_error = |message: String, offset: u32| {
        let (line, column) = line_col(source, offset as usize);
        SyntaxError { message, line, column }
    };
    let mut analysis = Analysis {
        syntax_errors: ret
            .diagnostics
            .iter()
            .map(|d| syntax_error(d.message.to_string(), d.labels.first().map_or(0, |l| l.offset())))
            .collect(),
        ..Analysis::default()
    };
    if ret.fatal_error && analysis.syntax_errors.is_empty() {
        analysis.syntax_errors.push(SyntaxError { message: "the parser gave up".into(), line: 1, column: 1 });
    }
    analysis.has_esm_syntax = ret.module_record.has_module_syntax;
    collect_program(&ret.program, source, &mut analysis);
    // One walk of the whole tree for the modules it loads and the capabilities it uses.
    let mut finder = CapabilityFinder { source, found: Vec::new(), requests: BTreeSet::new(), line: (0, 1) };
    finder.visit_program(&ret.program);
    analysis.capabilities = finder.found;
    analysis.requests = finder.requests;
    collect_sources(&ret.program, &mut analysis);
    if depth == Depth::Parse || !analysis.is_valid() {
        // Scopes of a tree the parser could not finish are not facts.
        return analysis;
    }
    // The parser leaves ECMAScript's early errors (a name declared twice, `import { X }` then
    // `class X`, ...) to the semantic pass; engines and Babel refuse such a file before running it.
    let semantic = SemanticBuilder::new().with_check_syntax_error(true).build(&ret.program);
    // Their last label is the offending place ("can not be redeclared here"), the first the original.
    analysis.syntax_errors.extend(
        semantic.diagnostics.iter().map(|d| syntax_error(d.message.to_string(), d.labels.last().map_or(0, |l| l.offset()))),
    );
    analysis.unresolved = semantic
        .semantic
        .scoping()
        .root_unresolved_references()
        .keys()
        .map(|name| name.as_str().to_string())
        .collect();
    if let Some(import) = self_import(path, &ret.program) {
        analysis.syntax_errors.push(syntax_error(
            format!("the module imports itself ('{}'): a pasted test or usage example?", import.source.value),
            import.span.start,
        ));
    }
    analysis
}

/// An `import` (or `export ... from`) whose relative source names the file itself. Engines
/// accept it, but it either redeclares the file's own names or reads exports that do not exist
/// yet: in an answer it is a test or a usage example pasted above the module.
fn self_import<'p, 'a>(path: &str, program: &'p Program<'a>) -> Option<&'p oxc_ast::ast::ImportDeclaration<'a>> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    program.body.iter().find_map(|stmt| match stmt {
        Statement::ImportDeclaration(import) => {
            let source = import.source.value.as_str();
            // Only `./name` and `./name.<script extension>` (TypeScript writes `./x.js` for `x.ts`):
            // `import './Button.css'` in Button.jsx is another file.
            let rest = source.strip_prefix("./").filter(|r| !r.contains('/'))?;
            let same = rest == stem
                || rest.rsplit_once('.').is_some_and(|(s, _)| s == stem && Language::of(rest).is_script());
            same.then_some(&**import)
        }
        _ => None,
    })
}

/// 1-based line and column (in chars) of a byte offset.
pub(crate) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn collect_program(program: &Program<'_>, source: &str, out: &mut Analysis) {
    let mut prev_end = 0u32;
    let mut exports_read = 0usize;
    for stmt in &program.body {
        let span = stmt.span();
        let names = declared_names(stmt);
        out.bindings.extend(names.iter().cloned());
        if let Statement::ImportDeclaration(import) = stmt {
            for spec in import.specifiers.iter().flatten() {
                out.bindings.insert(spec.local().name.as_str().to_string());
            }
        }
        exports_read += collect_exports(stmt, out);
        if statement_uses_cjs(stmt) {
            out.has_cjs_syntax = true;
        }
        let start = leading_comment_start(source, prev_end, span.start);
        let members = class_of(stmt).map(|body| class_members(source, body)).unwrap_or_default();
        out.items.push(TopLevelItem { names, start, end: span.end, members });
        prev_end = span.end;
    }
    // CommonJS exports are whatever code puts on the object: they are known only when every
    // `exports` outside comments is one of the assignments read above.
    if out.has_cjs_syntax && exports_words(source, program) > exports_read {
        out.exports_open = true;
    }
}

/// How many times the word `exports` occurs in `source` outside comments.
fn exports_words(source: &str, program: &Program<'_>) -> usize {
    let bytes = source.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    source
        .match_indices("exports")
        .filter(|(i, w)| {
            let (start, end) = (*i, i + w.len());
            (start == 0 || !ident(bytes[start - 1])) && bytes.get(end).is_none_or(|b| !ident(*b))
        })
        .filter(|(i, _)| {
            // Comments come in source order: the one that could hold `i` is the last that starts before it.
            let before = program.comments.partition_point(|c| (c.span.start as usize) <= *i);
            !before.checked_sub(1).is_some_and(|k| (program.comments[k].span.end as usize) > *i)
        })
        .count()
}

/// The comment block directly above a statement belongs to it: everything in the gap after the
/// previous statement's line and after the last blank line (outside block comments).
pub(crate) fn leading_comment_start(source: &str, prev_end: u32, start: u32) -> u32 {
    // A comment on the previous statement's own line stays with that statement.
    comment_block_start(source, prev_end, start, prev_end != 0)
}

/// Where the comment block that ends at `start` begins: after the gap's first line (when
/// `skip_first_line`) and after its last blank line. Only newlines outside block comments count,
/// so a block comment with blank lines in it is never cut in two.
fn comment_block_start(source: &str, prev_end: u32, start: u32, skip_first_line: bool) -> u32 {
    let gap = &source[prev_end as usize..start as usize];
    let ends = line_ends_outside_block_comments(gap);
    let skip = if skip_first_line { ends.first().map_or(gap.len(), |&(end, _)| end) } else { 0 };
    let cut = ends.iter().rev().find(|&&(end, blank)| blank && end > skip).map_or(skip, |&(end, _)| end);
    prev_end + cut as u32
}

/// Offsets just past each newline of a gap between statements (blanks and comments only) that is
/// not inside a block comment, each with whether the line it ends is blank.
fn line_ends_outside_block_comments(gap: &str) -> Vec<(usize, bool)> {
    let mut ends = Vec::new();
    let (mut in_line_comment, mut in_block_comment, mut blank) = (false, false, true);
    let mut chars = gap.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        match c {
            '\n' if !in_block_comment => {
                ends.push((i + 1, blank));
                in_line_comment = false;
                blank = true;
            }
            // JavaScript's other line terminators also end a `//` comment.
            '\r' | '\u{2028}' | '\u{2029}' => in_line_comment = false,
            '/' if !in_line_comment && !in_block_comment && matches!(next, Some('/' | '*')) => {
                in_line_comment = next == Some('/');
                in_block_comment = next == Some('*');
                blank = false;
                chars.next();
            }
            '*' if in_block_comment && next == Some('/') => {
                in_block_comment = false;
                chars.next();
            }
            c if !c.is_whitespace() => blank = false,
            _ => {}
        }
    }
    ends
}

fn class_of<'s, 'a>(stmt: &'s Statement<'a>) -> Option<&'s ClassBody<'a>> {
    match stmt {
        Statement::ClassDeclaration(c) => Some(&c.body),
        Statement::ExportDeclaration(e) => match &e.declaration {
            Declaration::ClassDeclaration(c) => Some(&c.body),
            _ => None,
        },
        Statement::ExportDefaultDeclaration(e) => match &e.declaration {
            ExportDefaultDeclarationKind::ClassDeclaration(c) => Some(&c.body),
            _ => None,
        },
        _ => None,
    }
}

fn class_members(source: &str, body: &ClassBody<'_>) -> Vec<ClassMember> {
    // The body span starts at `{`; members' comments live between their neighbours.
    let mut prev_end = body.span.start + 1;
    let mut members = Vec::new();
    for element in &body.body {
        let span = element.span();
        let name = match element {
            ClassElement::MethodDefinition(m) => m.key.static_name().map(|n| n.to_string()),
            ClassElement::PropertyDefinition(p) => p.key.static_name().map(|n| n.to_string()),
            ClassElement::AccessorProperty(p) => p.key.static_name().map(|n| n.to_string()),
            ClassElement::StaticBlock(_) => Some("static".to_string()),
            ClassElement::TSIndexSignature(_) => Some("[index]".to_string()),
        };
        let start = member_comment_start(source, prev_end, span.start);
        members.push(ClassMember { name: name.unwrap_or_else(|| "[computed]".into()), start, end: span.end });
        prev_end = span.end;
    }
    members
}

/// Like [`leading_comment_start`], for members: the gap may start mid-line after `{` or `;`.
fn member_comment_start(source: &str, prev_end: u32, start: u32) -> u32 {
    comment_block_start(source, prev_end, start, true)
}

fn binding_names(pattern: &BindingPattern<'_>) -> Vec<String> {
    pattern.get_binding_identifiers().iter().map(|id| id.name.as_str().to_string()).collect()
}

/// The names a declaration binds (also used by extract's statement classifier).
pub(crate) fn declaration_names(decl: &Declaration<'_>) -> Vec<String> {
    match decl {
        Declaration::VariableDeclaration(v) => v.declarations.iter().flat_map(|d| binding_names(&d.id)).collect(),
        Declaration::FunctionDeclaration(f) => f.id.iter().map(|id| id.name.as_str().to_string()).collect(),
        Declaration::ClassDeclaration(c) => c.id.iter().map(|id| id.name.as_str().to_string()).collect(),
        Declaration::TSTypeAliasDeclaration(t) => vec![t.id.name.as_str().to_string()],
        Declaration::TSInterfaceDeclaration(t) => vec![t.id.name.as_str().to_string()],
        Declaration::TSEnumDeclaration(t) => vec![t.id.name.as_str().to_string()],
        _ => Vec::new(),
    }
}

fn declared_names(stmt: &Statement<'_>) -> Vec<String> {
    match stmt {
        Statement::ExportDeclaration(e) => declaration_names(&e.declaration),
        Statement::ExportDefaultDeclaration(e) => match &e.declaration {
            ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                f.id.iter().map(|id| id.name.as_str().to_string()).collect()
            }
            ExportDefaultDeclarationKind::ClassDeclaration(c) => {
                c.id.iter().map(|id| id.name.as_str().to_string()).collect()
            }
            _ => Vec::new(),
        },
        _ => match stmt.as_declaration() {
            Some(decl) => declaration_names(decl),
            None => Vec::new(),
        },
    }
}

fn export_name(name: &ModuleExportName<'_>) -> String {
    name.name().as_str().to_string()
}

/// Collects the exports of a top-level statement; returns how many words `exports` of it were read
/// (CommonJS assignments), for [`Analysis::exports_open`].
fn collect_exports(stmt: &Statement<'_>, out: &mut Analysis) -> usize {
    match stmt {
        Statement::ExportDeclaration(e) => {
            let names = declaration_names(&e.declaration);
            // A namespace, `import =`, `global`: names this reading does not follow.
            out.exports_open |= names.is_empty();
            out.exports.extend(names);
        }
        Statement::ExportNamedDeclaration(e) => {
            out.exports.extend(e.specifiers.iter().map(|spec| export_name(&spec.exported)));
            out.export_refs.extend(e.specifiers.iter().map(|spec| export_name(&spec.local)));
        }
        Statement::ExportFromDeclaration(e) => {
            out.exports.extend(e.specifiers.iter().map(|spec| export_name(&spec.exported)));
        }
        Statement::TSExportAssignment(_) => {
            out.exports.insert("default".into());
            out.exports_open = true;
        }
        Statement::TSNamespaceExportDeclaration(_) => out.exports_open = true,
        Statement::ExportDefaultDeclaration(e) => {
            out.exports.insert("default".into());
            if let ExportDefaultDeclarationKind::Identifier(id) = &e.declaration {
                out.export_refs.insert(id.name.as_str().to_string());
            }
        }
        Statement::ExportAllDeclaration(e) => match &e.exported {
            Some(name) => {
                out.exports.insert(export_name(name));
            }
            None => {
                out.exports.insert(format!("*:{}", e.source.value.as_str()));
            }
        },
        Statement::ExpressionStatement(s) => return collect_cjs_export(&s.expression, out),
        _ => {}
    }
    0
}

/// `module.exports = ...`, `module.exports.x = ...`, `exports.x = ...` (also chained `a = b = c`);
/// returns how many of them it read.
fn collect_cjs_export(expr: &Expression<'_>, out: &mut Analysis) -> usize {
    let Expression::AssignmentExpression(assign) = expr.get_inner_expression() else { return 0 };
    let mut read = 0;
    if let Some(member) = assign.left.as_member_expression() {
        let object = member.object();
        let property = member.static_property_name();
        if object.is_specific_id("module") && property == Some("exports") {
            read = 1;
            match assign.right.get_inner_expression() {
                Expression::ObjectExpression(obj) => {
                    for prop in &obj.properties {
                        match prop {
                            ObjectPropertyKind::ObjectProperty(p) => match p.key.static_name() {
                                Some(name) => {
                                    out.exports.insert(name.to_string());
                                    if let Expression::Identifier(id) = p.value.get_inner_expression() {
                                        out.export_refs.insert(id.name.as_str().to_string());
                                    }
                                }
                                None => out.exports_open = true,
                            },
                            ObjectPropertyKind::SpreadProperty(_) => out.exports_open = true,
                        }
                    }
                }
                Expression::CallExpression(call) if call.is_require_call() => {
                    if let Some(Some(source)) = call.arguments.first().map(|a| match a.as_expression() {
                        Some(Expression::StringLiteral(s)) => Some(s.value.as_str().to_string()),
                        _ => None,
                    }) {
                        out.exports.insert(format!("*:{source}"));
                    } else {
                        out.exports_open = true;
                    }
                }
                other => {
                    out.exports.insert("default".into());
                    // A function or class may carry properties; any other value is opaque.
                    out.exports_open = true;
                    if let Expression::Identifier(id) = other {
                        out.export_refs.insert(id.name.as_str().to_string());
                    }
                }
            }
        } else if let Some(name) = property
            && (object.is_specific_id("exports") || object.is_specific_member_access("module", "exports"))
        {
            read = 1;
            out.exports.insert(name.to_string());
            if let Expression::Identifier(id) = assign.right.get_inner_expression() {
                out.export_refs.insert(id.name.as_str().to_string());
            }
        }
    }
    // `a = module.exports = {...}`: the export is on the right.
    read + collect_cjs_export(&assign.right, out)
}

fn expression_uses_cjs(expr: &Expression<'_>) -> bool {
    match expr.get_inner_expression() {
        Expression::AssignmentExpression(assign) => {
            let target_is_exports = assign.left.as_member_expression().is_some_and(|m| {
                let object = m.object();
                object.is_specific_id("exports")
                    || object.is_specific_id("module") && m.static_property_name() == Some("exports")
                    || object.is_specific_member_access("module", "exports")
            });
            target_is_exports || expression_uses_cjs(&assign.right)
        }
        Expression::CallExpression(call) => call.is_require_call(),
        Expression::StaticMemberExpression(m) => expression_uses_cjs(&m.object),
        _ => false,
    }
}

fn statement_uses_cjs(stmt: &Statement<'_>) -> bool {
    match stmt {
        Statement::ExpressionStatement(s) => expression_uses_cjs(&s.expression),
        Statement::VariableDeclaration(v) => {
            v.declarations.iter().any(|d| d.init.as_ref().is_some_and(expression_uses_cjs))
        }
        _ => false,
    }
}

/// `sources`: which top-level names come from which module (`requests`, every module the file
/// loads, is found by [`CapabilityFinder`]'s walk).
fn collect_sources(program: &Program<'_>, out: &mut Analysis) {
    for stmt in &program.body {
        match stmt {
            Statement::ImportDeclaration(import) => {
                let source = import.source.value.as_str();
                for spec in import.specifiers.iter().flatten() {
                    out.sources.insert(spec.local().name.as_str().to_string(), source.to_string());
                    let name = match spec {
                        ImportDeclarationSpecifier::ImportSpecifier(s) => export_name(&s.imported),
                        ImportDeclarationSpecifier::ImportDefaultSpecifier(_) => "default".to_string(),
                        ImportDeclarationSpecifier::ImportNamespaceSpecifier(_) => continue,
                    };
                    out.imported.entry(source.to_string()).or_default().insert(name);
                }
            }
            Statement::ExportFromDeclaration(e) => {
                let source = e.source.value.as_str();
                for spec in &e.specifiers {
                    out.sources.insert(export_name(&spec.exported), source.to_string());
                    out.imported.entry(source.to_string()).or_default().insert(export_name(&spec.local));
                }
            }
            Statement::VariableDeclaration(v) => {
                for d in &v.declarations {
                    let Some(init) = d.init.as_ref() else { continue };
                    if let Some(source) = required_source(init) {
                        for name in binding_names(&d.id) {
                            out.sources.insert(name, source.clone());
                        }
                    }
                    if let Some((source, names)) = required_names(init, &d.id) {
                        out.imported.entry(source).or_default().extend(names);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The module and the names `const { a, b: c } = require('s')` and `const x = require('s').a`
/// ask for (a computed key asks for none this can read).
fn required_names(init: &Expression<'_>, id: &BindingPattern<'_>) -> Option<(String, Vec<String>)> {
    match init.get_inner_expression() {
        Expression::CallExpression(call) => {
            let source = literal_require(call)?;
            let BindingPattern::ObjectPattern(pattern) = id else { return None };
            let names = pattern.properties.iter().filter_map(|p| p.key.static_name().map(|n| n.to_string())).collect();
            Some((source, names))
        }
        Expression::StaticMemberExpression(m) => match m.object.get_inner_expression() {
            Expression::CallExpression(call) => Some((literal_require(call)?, vec![m.property.name.as_str().to_string()])),
            _ => None,
        },
        _ => None,
    }
}

/// The specifier of `require('s')` or `require('s').x`.
fn required_source(expr: &Expression<'_>) -> Option<String> {
    match expr.get_inner_expression() {
        Expression::CallExpression(call) => literal_require(call),
        Expression::StaticMemberExpression(m) => required_source(&m.object),
        _ => None,
    }
}

fn literal_require(call: &CallExpression<'_>) -> Option<String> {
    if !call.is_require_call() {
        return None;
    }
    match call.arguments.first()?.as_expression()? {
        Expression::StringLiteral(s) => Some(s.value.as_str().to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Capabilities: what the code can reach beyond computing (gate rule `new_capability`).

impl Capability {
    pub(crate) const ALL: [Capability; 4] = [Capability::Process, Capability::Network, Capability::DynamicCode, Capability::Fs];

    /// The name `options.allow` takes.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Capability::Process => "process",
            Capability::Network => "network",
            Capability::DynamicCode => "dynamic-code",
            Capability::Fs => "fs",
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Capability::Process => "process spawning",
            Capability::Network => "network access",
            Capability::DynamicCode => "dynamic code",
            Capability::Fs => "file-system access",
        }
    }
}

/// One place a file uses a capability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapabilityUse {
    pub capability: Capability,
    /// What was found, as written (shortened, control characters replaced): `require('child_process')`.
    pub what: String,
    /// 1-based.
    pub line: usize,
}

/// The capability a module gives, by its specifier (`node:` and subpaths folded: `node:fs/promises` is `fs`).
pub(crate) fn module_capability(specifier: &str) -> Option<Capability> {
    let name = specifier.strip_prefix("node:").unwrap_or(specifier);
    let root = name.split('/').next().unwrap_or(name);
    match root {
        "child_process" | "cluster" => Some(Capability::Process),
        "net" | "http" | "https" | "http2" | "dgram" | "tls" | "dns" | "undici" | "node-fetch" | "axios" | "ws" | "got"
        | "request" | "superagent" => Some(Capability::Network),
        "vm" => Some(Capability::DynamicCode),
        "fs" => Some(Capability::Fs),
        _ => None,
    }
}

/// Member paths (after a global-object prefix is dropped) that are a capability by themselves.
const PATH_CAPABILITIES: [(&str, Capability); 28] = {
    use Capability::{DynamicCode, Fs, Network, Process};
    [
        ("eval", DynamicCode),
        ("process.binding", Process),
        ("process._linkedBinding", Process),
        ("process.dlopen", Process),
        ("Bun.spawn", Process),
        ("Bun.spawnSync", Process),
        ("Bun.$", Process),
        ("Deno.Command", Process),
        ("Deno.run", Process),
        ("Deno.connect", Network),
        ("Deno.connectTls", Network),
        ("Deno.listen", Network),
        ("Deno.listenTls", Network),
        ("Deno.serve", Network),
        ("Bun.serve", Network),
        ("Bun.connect", Network),
        ("Bun.listen", Network),
        ("Bun.udpSocket", Network),
        ("Bun.file", Fs),
        ("Bun.write", Fs),
        ("Deno.readFile", Fs),
        ("Deno.readTextFile", Fs),
        ("Deno.writeFile", Fs),
        ("Deno.writeTextFile", Fs),
        ("Deno.open", Fs),
        ("Deno.remove", Fs),
        ("Deno.mkdir", Fs),
        ("Deno.readDir", Fs),
    ]
};

fn path_capability(path: &str) -> Option<Capability> {
    PATH_CAPABILITIES.iter().find(|(p, _)| *p == path).map(|&(_, c)| c)
}

/// The first segment of every path [`path_capability`] knows (its test keeps the two lists together).
const PATH_ROOTS: [&str; 4] = ["eval", "process", "Bun", "Deno"];

/// The names [`CapabilityFinder::invoked`] knows: a call of any other path is no capability.
const INVOKED: [&str; 7] = ["Function", "fetch", "WebSocket", "EventSource", "setTimeout", "setInterval", "setImmediate"];

const GLOBAL_OBJECTS: [&str; 4] = ["globalThis", "window", "global", "self"];

/// The identifier a member chain starts from (`a` of `a.b['c']`), without building its path:
/// most expressions of a file are member chains, and a path can only be known if it starts
/// from a known name or a global object, so the strings are built for those alone.
fn chain_root<'a>(expr: &'a Expression<'_>) -> Option<&'a str> {
    match expr.get_inner_expression() {
        Expression::Identifier(id) => Some(id.name.as_str()),
        Expression::StaticMemberExpression(m) => chain_root(&m.object),
        Expression::ComputedMemberExpression(m) => chain_root(&m.object),
        _ => None,
    }
}

/// Whether the path of `expr` may be one of `known` (after a global-object prefix is dropped).
fn may_be_one_of(expr: &Expression<'_>, known: &[&str]) -> bool {
    chain_root(expr).is_some_and(|root| known.contains(&root) || GLOBAL_OBJECTS.contains(&root))
}

/// `a.b['c']` as `a.b.c`, with a leading global object dropped (`globalThis.eval` is `eval`).
fn global_path(expr: &Expression<'_>) -> Option<String> {
    fn path(expr: &Expression<'_>) -> Option<String> {
        match expr.get_inner_expression() {
            Expression::Identifier(id) => Some(id.name.as_str().to_string()),
            Expression::StaticMemberExpression(m) => Some(format!("{}.{}", path(&m.object)?, m.property.name.as_str())),
            Expression::ComputedMemberExpression(m) => match &m.expression {
                Expression::StringLiteral(s) => Some(format!("{}.{}", path(&m.object)?, s.value.as_str())),
                _ => None,
            },
            _ => None,
        }
    }
    let mut p = path(expr)?;
    while let Some((head, rest)) = p.split_once('.')
        && GLOBAL_OBJECTS.contains(&head)
    {
        p = rest.to_string();
    }
    Some(p)
}

/// The text of a string literal, a template literal without expressions, or `'a' + b`'s leftmost literal.
fn leading_literal<'a>(expr: &'a Expression<'_>) -> Option<&'a str> {
    match expr.get_inner_expression() {
        Expression::StringLiteral(s) => Some(s.value.as_str()),
        Expression::TemplateLiteral(t) => t.quasis.first().map(|q| q.value.raw.as_str()),
        Expression::BinaryExpression(b) if b.operator == oxc_ast::ast::BinaryOperator::Addition => {
            leading_literal(&b.left)
        }
        _ => None,
    }
}

fn whole_literal<'a>(expr: &'a Expression<'_>) -> Option<&'a str> {
    match expr.get_inner_expression() {
        Expression::StringLiteral(s) => Some(s.value.as_str()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => t.quasis.first().map(|q| q.value.raw.as_str()),
        _ => None,
    }
}

fn is_absolute_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    ["http://", "https://", "ws://", "wss://", "//"].iter().any(|p| lower.starts_with(p))
}

/// Safe to show: no control characters, at most 60 characters.
fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(60).map(|c| if c.is_control() { '?' } else { c }).collect();
    if text.chars().count() > 60 {
        out.push_str("...");
    }
    out
}

/// The walk that finds every place the file uses a capability and every module it loads
/// (`requests`: `import`/`export ... from`, `import()` and `require()` of a string literal).
struct CapabilityFinder<'s> {
    source: &'s str,
    found: Vec<CapabilityUse>,
    requests: BTreeSet<String>,
    /// The last offset a line was counted for, and its line: the walk goes forward through the
    /// source, so each newline is counted once, not once per capability found after it.
    line: (usize, usize),
}

impl CapabilityFinder<'_> {
    /// The 1-based line of `at`, as [`line_col`] counts it.
    fn line_of(&mut self, at: u32) -> usize {
        let at = floor_char_boundary(self.source, (at as usize).min(self.source.len()));
        let (from, line) = if at >= self.line.0 { self.line } else { (0, 1) };
        let line = line + self.source[from..at].matches('\n').count();
        self.line = (at, line);
        line
    }

    fn request(&mut self, specifier: &str) {
        self.requests.insert(specifier.to_string());
    }

    fn add(&mut self, capability: Capability, what: String, at: u32) {
        let line = self.line_of(at);
        if !self.found.iter().any(|u| u.capability == capability && u.line == line && u.what == what) {
            self.found.push(CapabilityUse { capability, what, line });
        }
    }

    fn module(&mut self, how: &str, specifier: &str, at: u32) {
        if let Some(c) = module_capability(specifier) {
            self.add(c, format!("{how}('{}')", shown(specifier)), at);
        }
    }

    /// A call or `new` of `callee` with `args`: `eval`, `Function`, `fetch`/`WebSocket` to a literal host.
    fn invoked(&mut self, callee: &Expression<'_>, args: &oxc_allocator::Vec<'_, Argument<'_>>, is_new: bool, at: u32) {
        if !may_be_one_of(callee, &INVOKED) {
            return;
        }
        let Some(path) = global_path(callee) else { return };
        let first = args.first().and_then(|a| a.as_expression());
        match path.as_str() {
            "Function" => self.add(Capability::DynamicCode, if is_new { "new Function()" } else { "Function()" }.into(), at),
            "fetch" | "WebSocket" | "EventSource" => {
                if let Some(url) = first.and_then(leading_literal).filter(|u| is_absolute_url(u)) {
                    let what = if is_new { format!("new {path}('{}')", shown(url)) } else { format!("{path}('{}')", shown(url)) };
                    self.add(Capability::Network, what, at);
                }
            }
            "setTimeout" | "setInterval" | "setImmediate" if !is_new => {
                if first.is_some_and(|e| matches!(e.get_inner_expression(), Expression::StringLiteral(_) | Expression::TemplateLiteral(_))) {
                    self.add(Capability::DynamicCode, format!("{path}() given a string of code"), at);
                }
            }
            _ => {}
        }
    }

    fn member(&mut self, expr: &Expression<'_>, at: u32) {
        if may_be_one_of(expr, &PATH_ROOTS)
            && let Some(path) = global_path(expr)
            && let Some(c) = path_capability(&path)
        {
            self.add(c, shown(&path), at);
        }
    }
}

fn is_require_callee(callee: &Expression<'_>) -> bool {
    match callee.get_inner_expression() {
        Expression::Identifier(id) => id.name == "require",
        // `module.require`, `process.mainModule.require`, `createRequire(...)` kept under another name is out of reach.
        Expression::StaticMemberExpression(m) => m.property.name == "require",
        _ => false,
    }
}

impl<'a> Visit<'a> for CapabilityFinder<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        self.request(it.source.value.as_str());
        if !it.import_kind.is_type() {
            self.module("import", it.source.value.as_str(), it.span.start);
        }
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        self.request(it.source.value.as_str());
        self.module("export from", it.source.value.as_str(), it.span.start);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        self.request(it.source.value.as_str());
        self.module("export from", it.source.value.as_str(), it.span.start);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Expression::StringLiteral(s) = &it.source {
            self.request(s.value.as_str());
        }
        match whole_literal(&it.source) {
            Some(specifier) => self.module("import", specifier, it.span.start),
            None => self.add(Capability::DynamicCode, "import() of a computed name".into(), it.span.start),
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if let Some(specifier) = literal_require(it) {
            self.requests.insert(specifier);
        }
        if is_require_callee(&it.callee) {
            match it.arguments.first().and_then(|a| a.as_expression()).and_then(whole_literal) {
                Some(specifier) => self.module("require", specifier, it.span.start),
                None => self.add(Capability::DynamicCode, "require() of a computed name".into(), it.span.start),
            }
            // The callee is not walked: `require` called is a load, `require` as a value is dynamic code.
            if let Expression::StaticMemberExpression(m) = it.callee.get_inner_expression() {
                self.visit_expression(&m.object);
            }
            for arg in &it.arguments {
                self.visit_argument(arg);
            }
            return;
        }
        self.invoked(&it.callee, &it.arguments, false, it.span.start);
        walk::walk_call_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &oxc_ast::ast::NewExpression<'a>) {
        self.invoked(&it.callee, &it.arguments, true, it.span.start);
        walk::walk_new_expression(self, it);
    }

    fn visit_tagged_template_expression(&mut self, it: &oxc_ast::ast::TaggedTemplateExpression<'a>) {
        self.member(&it.tag, it.span.start);
        walk::walk_tagged_template_expression(self, it);
    }

    fn visit_identifier_reference(&mut self, it: &oxc_ast::ast::IdentifierReference<'a>) {
        match it.name.as_str() {
            "eval" => self.add(Capability::DynamicCode, "eval".into(), it.span.start),
            "require" => self.add(Capability::DynamicCode, "require used as a value".into(), it.span.start),
            _ => {}
        }
    }

    fn visit_unary_expression(&mut self, it: &oxc_ast::ast::UnaryExpression<'a>) {
        // `typeof require !== 'undefined'` asks whether the file runs under CommonJS.
        if it.operator == oxc_ast::ast::UnaryOperator::Typeof
            && matches!(it.argument.get_inner_expression(), Expression::Identifier(_))
        {
            return;
        }
        walk::walk_unary_expression(self, it);
    }

    fn visit_expression(&mut self, it: &Expression<'a>) {
        if let Some(member) = it.as_member_expression() {
            self.member(it, member.span().start);
            if let MemberExpression::ComputedMemberExpression(c) = member
                && whole_literal(&c.expression).is_none()
                && let Expression::Identifier(id) = c.object.get_inner_expression()
                && (GLOBAL_OBJECTS.contains(&id.name.as_str()) || ["process", "Bun", "Deno"].contains(&id.name.as_str()))
            {
                // `globalThis['ev' + 'al']`: which member is read is decided at run time.
                self.add(Capability::DynamicCode, format!("computed access to {}[...]", id.name.as_str()), c.span.start);
            }
            if member.object().is_specific_id("require") {
                // `require.main`, `require.resolve(...)`, `require.cache`: asked about, not loaded through.
                if let MemberExpression::ComputedMemberExpression(c) = member {
                    self.visit_expression(&c.expression);
                }
                return;
            }
        }
        walk::walk_expression(self, it);
    }
}

#[cfg(test)]
#[path = "analysis.tests.rs"]
mod tests;
