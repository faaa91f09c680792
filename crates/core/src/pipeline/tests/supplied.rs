//! Supplied content (`RunInput::supplied`): the caller's text is gated as a model's answer,
//! the plan is derived from it, and no model is called.

use super::*;

const GREET: &str = "'use strict';\n\nfunction greet(name) {\n  return `Hello, ${name}!`;\n}\n\nmodule.exports = { greet };\n";
const GREET_BYE: &str = "'use strict';\n\nfunction greet(name) {\n  return `Hello, ${name}!`;\n}\n\nfunction bye() {\n  return 'bye';\n}\n\nmodule.exports = { greet, bye };\n";
const BYE_ONLY: &str = "'use strict';\n\nfunction bye() {\n  return 'bye';\n}\n\nmodule.exports = { bye };\n";
const USES_GREET: &str = "'use strict';\n\nconst { greet } = require('./greet');\n\nmodule.exports = { hello: () => greet('you') };\n";
const PKG: &str = "{ \"type\": \"commonjs\" }\n";

fn content(path: &str, text: &str) -> SuppliedFile {
    SuppliedFile { path: path.into(), content: Some(text.into()), ..SuppliedFile::default() }
}

fn delete(path: &str) -> SuppliedFile {
    SuppliedFile { path: path.into(), delete: true, ..SuppliedFile::default() }
}

fn run(host: &mut Host, supplied: Vec<SuppliedFile>, options: RunOptions) -> RunResult {
    let scope: Vec<String> = supplied.iter().map(|s| s.path.clone()).collect();
    let scope: Vec<&str> = scope.iter().map(String::as_str).collect();
    host.supplied = supplied;
    host.run("governed_write", &scope, options)
}

#[test]
fn supplied_files_are_planned_gated_and_written_verbatim_without_a_model() {
    let mut host = Host::new(&[("package.json", PKG), ("src/greet.js", GREET)]);
    let r = run(&mut host, vec![content("src/greet.js", GREET_BYE), content("src/hello.js", USES_GREET)], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!((host.text("src/greet.js"), host.text("src/hello.js")), (Some(GREET_BYE), Some(USES_GREET)));
    assert!(host.prompts().is_empty(), "no model call");
    assert_eq!(r.plan_source, PlanSource::Supplied);
    let actions: Vec<(&str, Action)> = r.plan.iter().map(|e| (e.path.as_str(), e.action)).collect();
    assert_eq!(actions, [("src/greet.js", Action::Modify), ("src/hello.js", Action::Create)]);
    assert_eq!(r.stages, Stages { l1: StageState::Skipped, l2: StageState::Skipped, l3: StageState::Skipped, gate: StageState::Ok });
    assert!(host.events.iter().any(|e| matches!(&e.body, EventBody::Plan { source: PlanSource::Supplied, .. })));
    assert!(r.files.iter().all(|f| f.outcome == Outcome::Written && !f.diff.is_empty()));
}

#[test]
fn one_refused_file_stops_the_whole_supplied_plan() {
    let mut host = Host::new(&[("package.json", PKG), ("src/greet.js", GREET)]);
    let r = run(&mut host, vec![content("src/hello.js", USES_GREET), content("src/greet.js", BYE_ONLY)], RunOptions::default());
    assert_eq!((r.status, r.error.as_ref().map(|e| e.code.as_str())), (Status::Failed, Some("blocked")), "{r:?}");
    assert_eq!(host.writes(), 0, "nothing written");
    let greet = r.files.iter().find(|f| f.path == "src/greet.js").unwrap();
    assert_eq!((greet.outcome, greet.violations[0].rule), (Outcome::Blocked, Rule::ExportsKept));
    assert_eq!(r.files.iter().find(|f| f.path == "src/hello.js").unwrap().outcome, Outcome::Withheld);
    assert_eq!(host.text("src/greet.js"), Some(GREET));
}

#[test]
fn drop_exports_lets_a_supplied_change_remove_an_export() {
    let mut host = Host::new(&[("package.json", PKG), ("src/greet.js", GREET)]);
    let dropping = SuppliedFile { drop_exports: vec!["greet".into()], ..content("src/greet.js", BYE_ONLY) };
    let r = run(&mut host, vec![dropping], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/greet.js"), Some(BYE_ONLY));
}

#[test]
fn supplied_text_is_gated_in_the_project_module_format_and_must_parse() {
    for (text, rule) in [("export function greet(name) {\n  return name;\n}\n", Rule::ModuleFormat), ("function greet( {\n", Rule::Syntax)] {
        let mut host = Host::new(&[("package.json", PKG), ("src/greet.js", GREET)]);
        let r = run(&mut host, vec![content("src/greet.js", text)], RunOptions::default());
        assert_eq!(r.status, Status::Failed, "{r:?}");
        assert!(r.files[0].violations.iter().any(|v| v.rule == rule), "{:?}", r.files[0].violations);
        assert_eq!((host.writes(), r.files[0].attempts), (0, 1), "refused once, never retried");
    }
}

#[test]
fn supplied_text_is_not_post_processed() {
    // A model's answer gets the file's CRLF line ends back; the caller's text is written as given.
    let crlf = GREET.replace('\n', "\r\n");
    let mut host = Host::new(&[("package.json", PKG), ("src/greet.js", crlf.as_str())]);
    let r = run(&mut host, vec![content("src/greet.js", GREET_BYE)], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/greet.js"), Some(GREET_BYE));
    assert!(!host.events.iter().any(|e| matches!(e.body, EventBody::PostProcess { .. })));
}

#[test]
fn a_supplied_delete_of_a_file_still_imported_is_blocked() {
    let mut host = Host::new(&[("package.json", PKG), ("src/greet.js", GREET), ("src/hello.js", USES_GREET)]);
    let r = run(&mut host, vec![delete("src/greet.js"), content("src/hello.js", USES_GREET.replace("you", "me").as_str())], RunOptions::default());
    assert_eq!(r.status, Status::Failed, "{r:?}");
    let greet = r.files.iter().find(|f| f.path == "src/greet.js").unwrap();
    assert_eq!((greet.action, greet.outcome, greet.violations[0].rule), (Action::Delete, Outcome::Blocked, Rule::DeleteStillImported));
    assert_eq!(host.writes(), 0);

    let mut host = Host::new(&[("package.json", PKG), ("src/greet.js", GREET), ("src/hello.js", USES_GREET)]);
    let standalone = "'use strict';\n\nmodule.exports = { hello: () => 'Hello, you!' };\n";
    let r = run(&mut host, vec![delete("src/greet.js"), content("src/hello.js", standalone)], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!((host.text("src/greet.js"), host.text("src/hello.js")), (None, Some(standalone)));
}

#[test]
fn a_failed_check_restores_every_supplied_file_and_is_not_retried() {
    let mut host = Host::new(&[("package.json", PKG), ("src/greet.js", GREET)]);
    host.verifies.push_back(check_exit(1, "1 failing test\n"));
    let options = RunOptions { verify: Some("npm test".into()), ..RunOptions::default() };
    let r = run(&mut host, vec![content("src/greet.js", GREET_BYE), content("src/hello.js", USES_GREET)], options);
    assert_eq!(r.status, Status::VerifyFailed, "{r:?}");
    assert_eq!((host.text("src/greet.js"), host.text("src/hello.js")), (Some(GREET), None), "every file restored");
    let message = &r.error.as_ref().unwrap().message;
    assert!(message.contains("the content was supplied"), "{message}");
    assert_eq!(r.verify.as_ref().unwrap().attempts.len(), 1);
    assert!(host.prompts().is_empty());
}

#[test]
fn supplied_files_must_be_the_scope_each_once_with_content_or_delete() {
    for (supplied, scope, why) in [
        (vec![content("a.js", "x\n")], vec!["a.js", "b.js"], "b.js: in scope but no content supplied for it"),
        (vec![content("a.js", "x\n"), content("./a.js", "y\n")], vec!["a.js"], "a.js: supplied twice"),
        (vec![SuppliedFile { path: "a.js".into(), ..SuppliedFile::default() }], vec!["a.js"], "a.js: give either its content or delete: true"),
        (vec![content("c.js", "x\n")], vec!["a.js"], "c.js: supplied but not in the files in scope"),
    ] {
        let mut host = Host::new(&[]);
        host.supplied = supplied;
        let r = host.run("governed_write", &scope, RunOptions::default());
        let e = r.error.as_ref().unwrap();
        assert_eq!(e.code, "input_files");
        assert!(e.message.starts_with(why), "{}", e.message);
        assert!(host.requests.iter().all(|q| !matches!(q, Request::Read { .. })), "refused before anything is read");
    }
    let mut host = Host::new(&[]);
    let r = run(&mut host, vec![delete("gone.js")], RunOptions::default());
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("input_missing"));
}
