//! Tests of `lang/analysis`.

use super::*;

#[test]
fn module_requests_and_the_sources_of_top_level_names() {
    let a = analyze(
        "a.js",
        "const { a } = require('./a');\nconst B = require('./b').B;\nfunction f() { return require('./lazy'); }\nmodule.exports = { a, B };\n",
    );
    assert_eq!(a.requests.iter().map(String::as_str).collect::<Vec<_>>(), ["./a", "./b", "./lazy"]);
    assert_eq!(a.sources.get("a").map(String::as_str), Some("./a"));
    assert_eq!(a.sources.get("B").map(String::as_str), Some("./b"));
    let e = analyze("e.mjs", "import x from './x.js';\nexport { y } from './y.js';\nexport * from './z.js';\nconst m = () => import('./m.js');\n");
    assert_eq!(e.requests.len(), 4);
    assert_eq!((e.sources["x"].as_str(), e.sources["y"].as_str()), ("./x.js", "./y.js"));
}

fn names(a: &Analysis) -> Vec<&str> {
    a.exports.iter().map(String::as_str).collect()
}

#[test]
fn commonjs_object_exports() {
    let a = analyze("a.js", "const x = 1;\nfunction y() {}\nmodule.exports = { x, y, z: 3 };\n");
    assert!(a.is_valid());
    assert_eq!(names(&a), ["x", "y", "z"]);
    assert_eq!(a.module_format(), Some(ModuleFormat::Cjs));
}

#[test]
fn commonjs_property_exports_and_default() {
    let a = analyze("a.js", "exports.a = 1;\nmodule.exports.b = 2;\n");
    assert_eq!(names(&a), ["a", "b"]);
    let b = analyze("b.js", "class Foo {}\nmodule.exports = Foo;\n");
    assert_eq!(names(&b), ["default"]);
    let c = analyze("c.js", "module.exports = require('./impl');\n");
    assert_eq!(names(&c), ["*:./impl"]);
}

#[test]
fn esm_exports() {
    let a = analyze(
        "a.mjs",
        "export const a = 1, { b } = {};\nexport function f() {}\nexport default class K {}\nconst q = 1;\nexport { q as r };\nexport * from './s.js';\n",
    );
    assert!(a.is_valid(), "{:?}", a.syntax_errors);
    assert_eq!(names(&a), ["*:./s.js", "a", "b", "default", "f", "r"]);
    assert_eq!(a.module_format(), Some(ModuleFormat::Esm));
}

#[test]
fn typescript_and_tsx() {
    let a = analyze("a.ts", "export interface P { x: number }\nexport type T = string;\nexport enum E { A }\n");
    assert!(a.is_valid(), "{:?}", a.syntax_errors);
    assert_eq!(names(&a), ["E", "P", "T"]);
    let b = analyze("b.tsx", "export const C = (p: { n: number }) => <div>{p.n}</div>;\n");
    assert!(b.is_valid(), "{:?}", b.syntax_errors);
    // The same source is not valid plain TypeScript.
    assert!(!analyze("b.ts", "export const C = (p: { n: number }) => <div>{p.n}</div>;\n").is_valid());
}

#[test]
fn syntax_error_has_position() {
    let a = analyze("a.js", "const a = 1;\nfunction (\n");
    assert!(!a.is_valid());
    assert_eq!(a.syntax_errors[0].line, 2);
}

#[test]
fn json_is_checked() {
    assert!(analyze("p.json", "{\"a\": 1}").is_valid());
    assert!(!analyze("p.json", "{a: 1}").is_valid());
    assert!(analyze("notes.md", "anything {").is_valid());
}

fn data_errors(path: &str, src: &str) -> Vec<SyntaxError> {
    analyze(path, src).syntax_errors
}

#[test]
fn xml_yaml_and_toml_are_checked_by_their_parsers() {
    assert_eq!(Language::of("AndroidManifest.xml"), Language::Xml);
    assert_eq!(Language::of("icon.SVG"), Language::Xml);
    assert_eq!(Language::of(".github/workflows/ci.yml"), Language::Yaml);
    assert_eq!(Language::of("Cargo.toml"), Language::Toml);
    let manifest = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<manifest package=\"com.example\">\n  <application android:label=\"x\" xmlns:android=\"http://schemas.android.com/apk/res/android\"/>\n</manifest>\n";
    let plist = "<?xml version=\"1.0\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\"><dict><key>a</key><string>&lt;b&gt;</string></dict></plist>\n";
    let yaml = "# CI\nname: ci\non: [push]\njobs:\n  test:\n    steps:\n      - run: npm test\n      - &s { uses: x }\n      - *s\n---\nsecond: doc\n";
    let toml = "[package]\nname = \"a\"\n\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n\n[[bin]]\nname = \"b\"\n";
    for (path, src) in [("AndroidManifest.xml", manifest), ("Info.plist", plist), ("ci.yml", yaml), ("Cargo.toml", toml)] {
        assert_eq!(data_errors(path, src), [], "{path}");
    }
    // The issue's case: a manifest with the model's JavaScript appended after the root.
    let appended = format!("{manifest}\nfunction register() {{\n  return 1;\n}}\n");
    let e = &data_errors("AndroidManifest.xml", &appended)[0];
    assert!(e.message.starts_with("invalid XML:") && e.line == 6, "{e:?}");
    for (path, src, line) in [
        ("a.xml", "<a><b></a>\n", 1),
        ("a.xml", "<a/>\n<b/>\n", 2),
        ("a.svg", "<svg>\n  <g fill=red/>\n</svg>\n", 2),
        // A tab in YAML indentation.
        ("ci.yml", "jobs:\n  test:\n\truns-on: ubuntu\n", 3),
        ("a.yaml", "key: [1, 2\nother: 3\n", 2),
        // TOML forbids a key twice, and a table twice.
        ("Cargo.toml", "[package]\nname = \"a\"\nname = \"b\"\n", 3),
        ("a.toml", "[x]\na = 1\n[x]\nb = 2\n", 3),
        ("a.toml", "a = \n", 1),
    ] {
        let errors = data_errors(path, src);
        let lang = format!("{:?}", Language::of(path)).to_uppercase();
        assert!(!errors.is_empty(), "{path}: {src:?} passed");
        assert!(errors[0].message.starts_with(&format!("invalid {lang}:")), "{path}: {:?}", errors[0]);
        assert_eq!(errors[0].line, line, "{path}: {src:?}: {:?}", errors[0]);
    }
}

#[test]
fn json_error_columns_are_one_based() {
    // Found by tests/robustness.rs: a raw newline inside a string was reported at column 0.
    let a = analyze("p.json", "{\"a\": \"x\ny\"}");
    assert_eq!((a.syntax_errors[0].line, a.syntax_errors[0].column), (2, 1), "{:?}", a.syntax_errors);
}

#[test]
fn items_carry_leading_comments() {
    let src = "const a = 1; // trailing\n\n// about b\n// more\nfunction b() {}\n";
    let a = analyze("a.js", src);
    assert_eq!(a.items.len(), 2);
    let b = &a.items[1];
    assert_eq!(&src[b.start as usize..b.end as usize], "// about b\n// more\nfunction b() {}");
    assert_eq!(b.names, ["b"]);
}

#[test]
fn a_block_comment_with_blank_lines_is_not_cut_in_two() {
    // Found by tests/robustness.rs: the next item started inside the comment.
    let src = "function a(a, b) {\n  return a + b;\n} /* open\n\n close */\nfunction b() {}\n";
    let items = analyze("a.js", src).items;
    assert_eq!(&src[items[1].start as usize..items[1].end as usize], "function b() {}");
    let src = "class Q {\n  a() {} /* x\n\n  y */\n  b() {}\n}\n";
    let m = &analyze("q.js", src).items[0].members;
    assert_eq!(&src[m[1].start as usize..m[1].end as usize], "  b() {}");
    // A block opened after another one on the same line is still a block.
    let src = "a();\n/* x */ /* y\n\n z */\nb();\n";
    let items = analyze("a.js", src).items;
    assert_eq!(&src[items[1].start as usize..items[1].end as usize], "/* x */ /* y\n\n z */\nb();");
}

#[test]
fn class_members_with_comments() {
    let src = "class Q {\n  constructor() {\n    this.a = 1;\n  }\n\n  // adds\n  add(x) {\n    return x;\n  }\n  size = 0;\n}\n";
    let a = analyze("q.js", src);
    let m = &a.items[0].members;
    let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["constructor", "add", "size"]);
    assert_eq!(&src[m[1].start as usize..m[1].end as usize], "  // adds\n  add(x) {\n    return x;\n  }");
}

#[test]
fn export_refs_and_bindings() {
    let a = analyze("a.js", "const { x } = require('x');\nfunction f() {}\nexports.g = gone;\nmodule.exports = { f, x, h: missing, k: 1 };\n");
    assert_eq!(a.export_refs.iter().map(String::as_str).collect::<Vec<_>>(), ["f", "gone", "missing", "x"]);
    assert_eq!(a.bindings.iter().map(String::as_str).collect::<Vec<_>>(), ["f", "x"]);
    let b = analyze("b.mjs", "import { y as z } from './y.js';\nconst q = 1;\nexport { q as r, z };\nexport default w;\n");
    assert_eq!(b.export_refs.iter().map(String::as_str).collect::<Vec<_>>(), ["q", "w", "z"]);
    assert!(b.bindings.contains("z") && b.bindings.contains("q"));
}

fn first_error(path: &str, src: &str) -> String {
    let a = analyze_checked(path, src);
    a.syntax_errors.first().map(|e| e.to_string()).unwrap_or_else(|| panic!("{path}: no error in {src:?}"))
}

#[test]
fn early_errors_are_syntax_errors() {
    // The 1.5B model's answer: the spec pasted above the class it imports.
    let pasted = "import { ResistorColorTrio } from './resistor-color-trio';\n\nexport class ResistorColorTrio {}\n";
    let e = first_error("resistor-color-trio.js", pasted);
    assert!(e.contains("ResistorColorTrio") && e.contains("line 3"), "{e}");
    // The same import from another module is still a redeclaration.
    assert!(first_error("a.js", "import { X } from './x';\nexport class X {}\n").contains("X"));
    for (src, what) in [
        ("let a = 1;\nlet a = 2;\n", "let twice"),
        ("const a = 1;\nfunction a() {}\n", "const then function"),
        ("class K {}\nvar K;\n", "class then var"),
        ("import a from './a';\nconst a = 1;\n", "default import then const"),
        ("export function f() {}\nexport { f };\n", "an export twice"),
        ("export default 1;\nexport default 2;\n", "two default exports"),
        ("export { nowhere };\n", "exporting an undeclared name"),
        ("function f() { break; }\n", "break outside a loop"),
        ("class A { constructor() { super(); } }\n", "super() without extends"),
        ("a: a: ;\n", "a label twice"),
    ] {
        let a = analyze_checked("m.js", src);
        assert!(!a.is_valid(), "{what}: {src:?} passed");
    }
    // What is fine stays fine: shadowing in an inner scope, var twice, a function's own name.
    for src in ["let a = 1;\n{ let a = 2; }\n", "var a;\nvar a;\n", "function f(f) { return f; }\n", "export { a as b, a as c };\nconst a = 1;\n"] {
        let a = analyze_checked("m.js", src);
        assert!(a.is_valid(), "{src:?}: {:?}", a.syntax_errors);
    }
    // TypeScript's declaration merging is not a redeclaration.
    assert!(analyze_checked("m.ts", "interface P { a: number }\ninterface P { b: number }\nexport type { P };\n").is_valid());
}

#[test]
fn a_module_importing_itself_is_refused() {
    for (path, src) in [
        ("src/luhn.js", "import { valid } from './luhn';\nexport const check = (s) => valid(s);\n"),
        ("src/luhn.js", "import { valid } from './luhn.js';\nexport const check = (s) => valid(s);\n"),
        ("src/luhn.ts", "import { valid } from './luhn.js';\nexport const check = (s: string) => valid(s);\n"),
    ] {
        assert!(first_error(path, src).contains("imports itself"), "{path}: {src:?}");
    }
    // Its style sheet, a neighbour with the same stem elsewhere, a longer name: other files.
    for src in ["import './luhn.css';\n", "import { v } from '../luhn';\n", "import { v } from './lib/luhn';\n", "import { v } from './luhn-utils';\n"] {
        let a = analyze_checked("src/luhn.js", src);
        assert!(a.is_valid(), "{src:?}: {:?}", a.syntax_errors);
    }
}

#[test]
fn unresolved_names_are_collected() {
    let a = analyze_checked("a.js", "function f() { return helper(x) + console.log(y); }\nconst x = 1;\n");
    assert_eq!(a.unresolved.iter().map(String::as_str).collect::<Vec<_>>(), ["console", "helper", "y"]);
    // The pipeline's reads skip the pass: a file with an early error is still sectioned and outlined.
    let twice = analyze("a.js", "let a = 1;\nlet a = 2;\nfunction f() { return g(); }\n");
    assert!(twice.is_valid() && twice.unresolved.is_empty() && twice.items.len() == 3);
}

#[test]
fn line_col_counts_chars() {
    assert_eq!(line_col("ab\ncé d", 7), (2, 4));
}

#[test]
fn the_cache_parses_each_content_once_per_depth() {
    use crate::lang::parse::counter;
    let cache = Cache::default();
    counter::reset();
    let a = cache.analyze("a.js", "module.exports = { a: 1 };\n");
    let again = cache.analyze("a.js", "module.exports = { a: 1 };\n");
    assert!(Rc::ptr_eq(&a, &again));
    assert_eq!(counter::parses(), 1);
    // Another depth, another text, another path (the path is an input: language, self-imports).
    let checked = cache.analyze_checked("a.js", "module.exports = { a: 1 };\n");
    assert_eq!(*checked, analyze_checked("a.js", "module.exports = { a: 1 };\n"));
    cache.analyze("a.js", "module.exports = { b: 1 };\n");
    cache.analyze("a.ts", "module.exports = { a: 1 };\n");
    assert_eq!(counter::parses(), 1 + 1 + 1 + 1 + 1);
    assert_eq!(*a, analyze("a.js", "module.exports = { a: 1 };\n"));
}

#[test]
fn every_known_path_starts_from_a_listed_root() {
    // The finder builds a member chain's path only when its root is in PATH_ROOTS (or a global object).
    for (path, _) in PATH_CAPABILITIES {
        let root = path.split('.').next().unwrap();
        assert!(PATH_ROOTS.contains(&root), "{path}: its root {root} is missing from PATH_ROOTS");
    }
    for root in PATH_ROOTS {
        assert!(PATH_CAPABILITIES.iter().any(|(p, _)| p.split('.').next() == Some(root)), "{root} roots no path");
    }
}

#[test]
fn every_known_path_and_call_is_found_directly_and_through_a_global_object() {
    let found = |src: &str| analyze("a.js", src).capabilities.into_iter().map(|u| (u.capability, u.what)).collect::<Vec<_>>();
    for (path, capability) in PATH_CAPABILITIES {
        for prefix in ["", "globalThis.", "window.self."] {
            let src = format!("const x = {prefix}{path};\n");
            assert_eq!(found(&src), [(capability, path.to_string())], "{src}");
        }
    }
    // Each name `invoked` knows (listed here on their own, so a name missing from INVOKED fails),
    // called as it must be to count; a longer path of a known name is not one.
    for name in ["Function", "fetch", "WebSocket", "EventSource", "setTimeout", "setInterval", "setImmediate"] {
        let arg = if name.starts_with("set") || name == "Function" { "'code()'" } else { "'https://x.example/'" };
        let new = if name.starts_with("set") { "" } else { "new " };
        for prefix in ["", "global."] {
            let src = format!("{new}{prefix}{name}({arg});\n");
            assert_eq!(found(&src).len(), 1, "{src}: {:?}", found(&src));
            let src = format!("{new}{prefix}lib.{name}({arg});\n");
            assert_eq!(found(&src), [], "{src}");
        }
    }
    // A chain that merely ends in a known name, or starts from another identifier, is no capability.
    assert_eq!(found("const a = ts.process.binding;\nconst b = obj.eval;\nconst c = this.Deno.run;\n"), []);
}

#[test]
fn capability_lines_are_counted_as_line_col_counts_them_in_any_order() {
    let source = "a\nb é\n\nc\r\nd\u{2028}e\n";
    let mut finder = CapabilityFinder { source, found: Vec::new(), requests: BTreeSet::new(), line: (0, 1) };
    // Forward, then back, then past the end: the same lines as counting from the start each time.
    for at in [0, 1, 2, 4, 5, 7, 8, 3, 0, 12, 9, 100] {
        assert_eq!(finder.line_of(at), line_col(source, at as usize).0, "offset {at}");
    }
}

#[test]
fn requests_come_from_the_same_walk_as_capabilities() {
    // Loads under the places the capability walk treats specially: a `require` call's callee
    // object and arguments, a `require.x` member, `typeof require`, a type-only import.
    let a = analyze(
        "a.ts",
        "import type { T } from './types';\nconst m = require('./a').require('./b');\nconst r = require.resolve(require('./c'));\nif (typeof require === 'function') require(`./d`);\nlazy(() => import('./e'));\nexport * from './f';\n",
    );
    assert_eq!(a.requests.iter().map(String::as_str).collect::<Vec<_>>(), ["./a", "./c", "./e", "./f", "./types"]);
}

fn asked(a: &Analysis, spec: &str) -> Vec<String> {
    a.imported.get(spec).map(|n| n.iter().cloned().collect()).unwrap_or_default()
}

#[test]
fn the_names_each_module_is_asked_for() {
    let e = analyze(
        "e.ts",
        "import d, { a, b as c, type T } from './x';\nimport * as ns from './ns';\nexport { y as z, default as w } from './y';\nexport * from './all';\n",
    );
    assert_eq!(asked(&e, "./x"), ["a", "b", "default", "T"].map(String::from).into_iter().collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>());
    assert!(asked(&e, "./ns").is_empty() && asked(&e, "./all").is_empty());
    assert_eq!(asked(&e, "./y"), ["default", "y"]);
    let c = analyze("c.js", "const { a, b: c } = require('./a');\nconst B = require('./b').B;\nconst whole = require('./w');\n");
    assert_eq!((asked(&c, "./a"), asked(&c, "./b")), (vec!["a".to_string(), "b".to_string()], vec!["B".to_string()]));
    assert!(asked(&c, "./w").is_empty());
}

#[test]
fn exports_are_open_where_they_are_not_all_named() {
    let open = |path: &str, src: &str| analyze(path, src).exports_open;
    // Read in full: ESM, TypeScript declarations, CommonJS assignments (a comment naming exports too).
    assert!(!open("a.mjs", "export const a = 1;\nexport * from './s.js';\n"));
    assert!(!open("a.ts", "export interface P { x: number }\nexport declare function f(): void;\n"));
    assert!(!open("a.js", "// exports the cache\nexports.a = 1;\nmodule.exports.b = exports.c = 2;\n"));
    assert!(!open("a.js", "const x = 1;\nmodule.exports = { x, y: 2 };\n"));
    // Not: built at run time, opaque, or TypeScript forms this reading does not follow.
    assert!(open("a.js", "Object.assign(module.exports, { a: 1 });\nexports.b = 2;\n"));
    assert!(open("a.js", "for (const k of ['a']) exports[k] = 1;\nexports.b = 2;\n"));
    assert!(open("a.js", "function make() {}\nmodule.exports = make();\n"));
    assert!(open("a.js", "const base = {};\nmodule.exports = { ...base, a: 1 };\n"));
    assert!(open("a.js", "if (x) { exports.a = 1; }\nexports.b = 2;\n"));
    assert!(open("a.ts", "const f = () => 1;\nexport = f;\n"));
    assert!(open("a.ts", "export namespace N { export const a = 1; }\n"));
}
