//! The TypeScript declarations of every value that crosses the wasm boundary, generated from the
//! Rust types (`#[derive(TS)]`, ts-rs) into `npm/core/types/protocol.d.ts`, which `index.d.ts`
//! re-exports. The test fails when the checked-in file differs from what the types say now;
//! `UPDATE_TYPES=1 cargo test -p red_exec_wasm typescript` rewrites it.
//!
//! ts-rs reads the serde attributes; three of its own say what serde alone does not:
//! - `#[ts(optional_fields = nullable)]` where an `Option` field may be left out (`x?: T | null`);
//! - `#[ts(as = "Option<_>", optional)]` on a `#[serde(default)]` field that is no `Option` (`x?: T`);
//! - `#[ts(type = "...")]` only where Rust holds a closed set of words in a string (stage names,
//!   chat roles, unreadable reasons, providers): a real enum there would let the type be derived.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use red_exec_core::protocol::{ErrorCodeInfo, GateRuleInfo, ModelInfo, Reply, RunInput, Skill, Step, Words};
use ts_rs::{Config, TS, TypeVisitor};

const REGENERATE: &str = "UPDATE_TYPES=1 cargo test -p red_exec_wasm typescript";

/// Every declared type reachable from the boundary's own values, by TypeScript name.
#[derive(Default)]
struct Declarations {
    seen: HashSet<TypeId>,
    by_name: BTreeMap<String, (&'static str, String)>,
    clashes: Vec<String>,
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and containers have no declaration of their own; their contents are visited.
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let cfg = config();
        let decl = format!("{}export {}", T::docs().unwrap_or_default(), layout::declaration(&T::decl(&cfg)));
        let rust = std::any::type_name::<T>();
        if let Some((other, _)) = self.by_name.insert(T::ident(&cfg), (rust, decl)) {
            self.clashes.push(format!("{} is the TypeScript name of both {other} and {rust}", T::ident(&cfg)));
        }
        T::visit_dependencies(self);
    }
}

/// u64 values cross as JS numbers (serde-wasm-bindgen's json_compatible serializer), not bigints.
fn config() -> Config {
    Config::new().with_large_int("number")
}

fn render() -> String {
    let mut d = Declarations::default();
    // What `new Session(input)` takes, what `resume(reply)` takes and returns, and what the other
    // exports return (`knownModels()` values, `parseSkill()`); everything else is reached from these.
    d.visit::<RunInput>();
    d.visit::<Reply>();
    d.visit::<Step<'static>>();
    d.visit::<ModelInfo>();
    d.visit::<GateRuleInfo>();
    d.visit::<Skill>();
    d.visit::<ErrorCodeInfo>();
    d.visit::<Words>();
    assert!(d.clashes.is_empty(), "two Rust types would be declared under one TypeScript name (add #[ts(rename)]):\n{}", d.clashes.join("\n"));
    let mut out = String::from(
        "// Generated from the Rust types that cross the wasm boundary (`#[derive(TS)]`, ts-rs). Do not edit:\n",
    );
    out.push_str(&format!("// change the Rust types, then run `{REGENERATE}`.\n"));
    for (_, decl) in d.by_name.values() {
        out.push('\n');
        out.push_str(decl);
        out.push('\n');
    }
    out
}

const CHECKED_IN: &str = "npm/core/types/protocol.d.ts";

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(CHECKED_IN)
}

#[test]
fn checked_in_declarations_match_the_rust_types() {
    let path = checked_in();
    let generated = render();
    if std::env::var_os("UPDATE_TYPES").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != generated {
        let first = current.lines().zip(generated.lines()).position(|(a, b)| a != b);
        let line = first.unwrap_or_else(|| current.lines().count().min(generated.lines().count()));
        panic!(
            "{CHECKED_IN} differs from the Rust types (first difference at line {}):\n  checked in: {}\n  generated:  {}\nRegenerate it with: {REGENERATE}",
            line + 1,
            current.lines().nth(line).unwrap_or("(end of file)"),
            generated.lines().nth(line).unwrap_or("(end of file)"),
        );
    }
}

/// `provider` is declared by hand (`#[ts(type)]`, the Rust field is a `&str`): it must name every
/// provider of the price table.
#[test]
fn model_info_declares_every_provider_of_the_price_table() {
    let decl = ModelInfo::decl(&config());
    for (model, provider, ..) in red_exec_core::report::PRICES {
        assert!(decl.contains(&format!("'{provider}'")), "{model}: provider {provider} missing from {decl}");
    }
}

/// ts-rs renders each declaration on one line. Break the long ones, one member of an object or a
/// union per line and each doc comment on lines of its own, so that a changed field is a one-line
/// diff and the file reads like the hand-written one did.
mod layout {
    use std::iter::Peekable;
    use std::str::Chars;

    const WIDTH: usize = 100;

    enum Node {
        Text(String),
        Doc(String),
        /// `{ a, b }` (members split on `,`) or `(A | B)` (split on `|`).
        Group { object: bool, members: Vec<Vec<Node>> },
    }

    /// `type Name = body;` laid out.
    pub fn declaration(decl: &str) -> String {
        let (head, body) = decl.split_once(" = ").expect("a ts-rs declaration is `type Name = ...;`");
        let body = body.trim().trim_end_matches(';');
        let members = parse(&mut body.chars().peekable(), None, '|');
        let prefix = format!("{head} = ");
        let one_line: Option<Vec<String>> = members.iter().map(|m| flat_member(m)).collect();
        if let Some(parts) = &one_line {
            let line = parts.join(" | ");
            if prefix.len() + line.len() < WIDTH || members.len() == 1 && !line.contains('{') {
                return format!("{prefix}{line};");
            }
        }
        if members.len() == 1 {
            return format!("{prefix}{};", member(&members[0], 0, prefix.len()));
        }
        let lines: Vec<String> = members.iter().map(|m| format!("  | {}", member(m, 2, 4))).collect();
        format!("{head} =\n{};", lines.join("\n"))
    }

    fn parse(chars: &mut Peekable<Chars<'_>>, close: Option<char>, separator: char) -> Vec<Vec<Node>> {
        let mut members = Vec::new();
        let mut current = Vec::new();
        let mut text = String::new();
        // `<...>` and `[...]` hold no member separators (`Array<A>`, `{ [key in K]: V }`).
        let mut nesting = 0usize;
        while let Some(c) = chars.next() {
            match c {
                '\'' | '"' => {
                    text.push(c);
                    while let Some(d) = chars.next() {
                        text.push(d);
                        if d == '\\' {
                            text.extend(chars.next());
                        } else if d == c {
                            break;
                        }
                    }
                }
                '/' if chars.peek() == Some(&'*') => {
                    flush(&mut text, &mut current);
                    let mut doc = String::from("/");
                    while let Some(d) = chars.next() {
                        doc.push(d);
                        if doc.len() > 3 && doc.ends_with("*/") {
                            break;
                        }
                    }
                    current.push(Node::Doc(doc));
                }
                '{' | '(' => {
                    flush(&mut text, &mut current);
                    let (end, sep) = if c == '{' { ('}', ',') } else { (')', '|') };
                    current.push(Node::Group { object: c == '{', members: parse(chars, Some(end), sep) });
                }
                '<' | '[' => {
                    nesting += 1;
                    text.push(c);
                }
                '>' | ']' => {
                    nesting = nesting.saturating_sub(1);
                    text.push(c);
                }
                _ if Some(c) == close => break,
                _ if c == separator && nesting == 0 => {
                    flush(&mut text, &mut current);
                    if !current.is_empty() {
                        members.push(std::mem::take(&mut current));
                    }
                }
                _ => text.push(c),
            }
        }
        flush(&mut text, &mut current);
        if !current.is_empty() {
            members.push(current);
        }
        members
    }

    fn flush(text: &mut String, current: &mut Vec<Node>) {
        let words: Vec<&str> = text.split_whitespace().collect();
        if !words.is_empty() {
            current.push(Node::Text(words.join(" ")));
        }
        text.clear();
    }

    /// One line, or None when a doc comment needs lines of its own.
    fn flat_member(nodes: &[Node]) -> Option<String> {
        let parts: Option<Vec<String>> = nodes.iter().map(flat_node).collect();
        Some(parts?.join(" "))
    }

    fn flat_node(node: &Node) -> Option<String> {
        match node {
            Node::Text(t) => Some(t.clone()),
            Node::Doc(_) => None,
            Node::Group { object, members } => {
                let parts: Option<Vec<String>> = members.iter().map(|m| flat_member(m)).collect();
                Some(flat_group(*object, &parts?))
            }
        }
    }

    fn flat_group(object: bool, parts: &[String]) -> String {
        match (object, parts.is_empty()) {
            (true, true) => "{}".to_string(),
            (true, false) => format!("{{ {} }}", parts.join("; ")),
            (false, _) => format!("({})", parts.join(" | ")),
        }
    }

    /// A member whose first line starts at `column`; its own lines are indented by `indent`.
    fn member(nodes: &[Node], indent: usize, column: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = String::new();
        let mut column = column;
        let mut line_start = true;
        for node in nodes {
            if !line_start && !matches!(node, Node::Doc(_)) {
                out.push(' ');
                column += 1;
            }
            match node {
                Node::Doc(doc) => {
                    for line in doc.lines().map(str::trim).filter(|l| !l.is_empty()) {
                        let line = if line.starts_with('*') { format!(" {line}") } else { line.to_string() };
                        out.push_str(&format!("{line}\n{pad}"));
                    }
                    column = indent;
                    line_start = true;
                    continue;
                }
                Node::Text(t) => {
                    out.push_str(t);
                    column += t.len();
                }
                Node::Group { object, members } => {
                    let group = group(*object, members, indent, column);
                    column = match group.rsplit_once('\n') {
                        Some((_, last)) => last.len(),
                        None => column + group.len(),
                    };
                    out.push_str(&group);
                }
            }
            line_start = false;
        }
        out
    }

    fn group(object: bool, members: &[Vec<Node>], indent: usize, column: usize) -> String {
        let flat: Option<Vec<String>> = members.iter().map(|m| flat_member(m)).collect();
        if let Some(parts) = flat {
            let line = flat_group(object, &parts);
            if column + line.len() < WIDTH {
                return line;
            }
        }
        let pad = " ".repeat(indent);
        let inner = " ".repeat(indent + 2);
        let lines: Vec<String> = members
            .iter()
            .map(|m| if object { format!("{inner}{};", member(m, indent + 2, indent + 2)) } else { format!("{inner}| {}", member(m, indent + 2, indent + 4)) })
            .collect();
        let (open, close) = if object { ('{', '}') } else { ('(', ')') };
        format!("{open}\n{}\n{pad}{close}", lines.join("\n"))
    }
}
