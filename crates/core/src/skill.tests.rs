//! Tests of `skill`.

use super::*;

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect()
}

fn style_lines(text: &str) -> Vec<&str> {
    let section = text.split("## Code style\n\n").nth(1).unwrap().split("\n\n").next().unwrap();
    section.lines().collect()
}

const CJS_TWO_SINGLE_SEMI: &str = "'use strict';\n\nconst fs = require('fs');\n\nfunction load(p) {\n  if (p) {\n    return fs.readFileSync(p, 'utf8');\n  }\n  return \"\";\n}\n\nmodule.exports = { load };\n";
const ESM_FOUR_DOUBLE_NOSEMI: &str = "import fs from \"node:fs\"\n\nexport function load(p) {\n    if (p) {\n        return fs.readFileSync(p, \"utf8\")\n    }\n    return ''\n}\n";

#[test]
fn starter_reads_cjs_two_spaces_single_quotes_semicolons_and_jest() {
    let pkg = r#"{ "name": "x", "scripts": { "test": "jest --coverage" }, "devDependencies": { "jest": "29" } }"#;
    let text = starter(&files(&[("src/a.js", CJS_TWO_SINGLE_SEMI), ("src/b.js", CJS_TWO_SINGLE_SEMI)]), Some(pkg), &Words::default());
    assert!(text.starts_with("# Project conventions\n"));
    assert!(text.contains("from 2 source file(s) (2 parsed) and package.json."));
    assert_eq!(
        style_lines(&text),
        [
            "- Module format: CommonJS: `require()` and `module.exports`, never `import`/`export` (2 of 2 JavaScript files; package.json sets no \"type\").",
            "- Indentation: 2 spaces per level (4 of 4 indentation steps).",
            "- Strings: single quotes ('text'), other quotes only to avoid escaping (75% of 8 string literals).",
            "- Semicolons: end every statement with one (100% of 10 statements).",
            "- Tests: jest (`npm test` runs `jest --coverage`).",
        ]
    );
    // The starter itself parses back to no banned identifiers: the example list is a comment.
    let skill = parse_skill(&text);
    assert!(skill.banned.is_empty(), "{:?}", skill.banned);
    assert!(!skill.text.contains("console.log"));
}

#[test]
fn starter_reads_esm_four_spaces_double_quotes_no_semicolons() {
    let pkg = r#"{ "type": "module", "devDependencies": { "vitest": "1" } }"#;
    let text = starter(&files(&[("lib/a.mjs", ESM_FOUR_DOUBLE_NOSEMI)]), Some(pkg), &Words::default());
    assert_eq!(
        style_lines(&text),
        [
            "- Module format: ES modules: `import` and `export`, never `require()`/`module.exports` (package.json \"type\": \"module\").",
            "- Indentation: 4 spaces per level (2 of 2 indentation steps).",
            "- Strings: double quotes (\"text\"), other quotes only to avoid escaping (67% of 3 string literals).",
            "- Semicolons: none at the end of statements (100% of 3 statements).",
            "- Tests: vitest (package.json devDependencies).",
        ]
    );
}

#[test]
fn tabs_win_by_majority_and_node_test_is_found_in_imports() {
    let tabbed = "const test = require('node:test');\n\nfunction f() {\n\tif (x) {\n\t\treturn 1;\n\t}\n}\nmodule.exports = { f };\n";
    let text = starter(&files(&[("t.cjs", tabbed)]), None, &Words::default());
    let lines = style_lines(&text);
    assert_eq!(lines[0], "- Module format: CommonJS: `require()` and `module.exports`, never `import`/`export` (1 of 1 JavaScript files; package.json sets no \"type\").");
    assert_eq!(lines[1], "- Indentation: tabs (3 of 3 indented lines).");
    assert_eq!(lines.last().unwrap(), &"- Tests: node:test, the runner built into Node (1 file(s) import it).");
    assert!(text.contains("from 1 source file(s) (1 parsed)."));
}

#[test]
fn node_test_script_and_mocha_dependency() {
    let by_script = starter(&[], Some(r#"{ "scripts": { "test": "node --test test/" } }"#), &Words::default());
    assert_eq!(style_lines(&by_script), ["- Tests: node:test (`npm test` runs `node --test test/`)."]);
    let by_dep = starter(&[], Some(r#"{ "dependencies": { "mocha": "10" } }"#), &Words::default());
    assert_eq!(style_lines(&by_dep), ["- Tests: mocha (package.json dependencies)."]);
}

#[test]
fn nothing_found_says_so_and_unparsable_files_only_count_for_indentation() {
    let text = starter(&[], None, &Words::default());
    assert!(text.contains("from no source files and no package.json."));
    assert_eq!(style_lines(&text), ["- Follow the style of the surrounding code."]);
    let broken = "function f( {\n  return 'a'\n}\n";
    let text = starter(&files(&[("x.js", broken)]), Some("not json"), &Words::default());
    assert!(text.contains("from 1 source file(s) (0 parsed)."), "{text}");
    assert_eq!(style_lines(&text), ["- Indentation: 2 spaces per level (1 of 1 indentation steps)."]);
}

#[test]
fn typescript_is_parsed_as_typescript_and_is_no_module_evidence() {
    let ts = "import type { A } from './a';\nexport const f = (a: A): number => {\n  return 1;\n};\n";
    let text = starter(&files(&[("src/f.ts", ts)]), None, &Words::default());
    let lines = style_lines(&text);
    assert!(!lines[0].starts_with("- Module format"), "{lines:?}");
    assert_eq!(lines[0], "- Indentation: 2 spaces per level (1 of 1 indentation steps).");
    assert_eq!(lines[2], "- Semicolons: end every statement with one (100% of 3 statements).");
}

#[test]
fn parse_skill_reads_banned_line_and_banned_section() {
    let md = "# Conventions\n\nUse 2 spaces.\nBanned: eval, console.log , `process.exit()`, not an id\n\n\
              ## Banned identifiers\n\n- `Function`\n* lodash.merge: we removed lodash\n- eval\n\nA paragraph: ignored.\n\n\
              ## Style\n\n- var\n";
    let skill = parse_skill(md);
    assert_eq!(skill.banned, ["eval", "console.log", "process.exit", "Function", "lodash.merge"]);
    assert_eq!(skill.text, md.trim());
}

#[test]
fn parse_skill_ignores_comments_and_case_of_the_label() {
    let md = "<!-- Banned: secret -->\n## BANNED\n<!--\n- hidden\n-->\n- setTimeout\n- BANNED: also.this\n";
    let skill = parse_skill(md);
    assert_eq!(skill.banned, ["setTimeout", "also.this"]);
    assert_eq!(skill.text, "## BANNED\n\n- setTimeout\n- BANNED: also.this");
    assert_eq!(parse_skill("Nothing banned here.\n- eval\n").banned, Vec::<String>::new());
    assert_eq!(parse_skill("text <!-- unclosed\nBanned: x").text, "text");
}

macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!("../tests/fixtures/postprocess/", $path))
    };
}

#[test]
fn skill_banned_from_line_and_heading_list() {
    let md = fixture!("skill/house-style.md");
    let skill = parse_skill(md);
    // `HttpError` sits in another section; `notThis` in a code fence.
    assert_eq!(skill.banned, ["console.log", "eval", "console.error", "debugger"]);
    assert_eq!(skill.text, md.trim());
}

#[test]
fn skill_line_variants() {
    assert_eq!(parse_skill("- **Banned:** `alert`, window.open\n").banned, ["alert", "window.open"]);
    assert_eq!(parse_skill("banned identifiers: process.exit\n").banned, ["process.exit"]);
    assert_eq!(parse_skill("### Banned\n* eval\n+ `Function`\nText.\n# Next\n- kept\n").banned, ["eval", "Function"]);
    assert!(parse_skill("Nothing is banned here.\n- console.log\n").banned.is_empty());
    assert_eq!(identifier_path("`1abc`"), None);
    assert_eq!(identifier_path("$.ajax (jQuery)"), Some("$.ajax".to_string()));
}
