//! Pass `strip-banned`: take out the statements that use an identifier a skill file bans (`RunInput.skills`).

use std::collections::{BTreeMap, BTreeSet};

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    ArrowFunctionBody, BindingPattern, ComputedMemberExpression, DebuggerStatement, Expression, IdentifierReference,
    ImportDeclaration, ImportDeclarationSpecifier, Program, Statement, StaticMemberExpression, VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::{GetSpan, Span};

use super::Fix;
use super::imports::import_facts;
use crate::analysis::{Language, analyze, line_col};

/// The pass name, as in [`Fix::pass`].
pub(crate) const STRIP_BANNED: &str = "strip-banned";


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
pub(crate) fn strip_banned(path: &str, text: &str, banned: &[String]) -> (String, Vec<Fix>) {
    let unchanged = || (text.to_string(), Vec::new());
    let lang = Language::of(path);
    if banned.is_empty() || !lang.is_script() {
        return unchanged();
    }
    let removals = {
        let allocator = Allocator::default();
        let ret = crate::lang::parse(&allocator, path, text);
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
#[path = "strip_banned.tests.rs"]
mod tests;
