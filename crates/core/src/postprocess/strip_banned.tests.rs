//! Tests of `postprocess/strip_banned`.

use super::super::test_support::*;
use super::*;


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
