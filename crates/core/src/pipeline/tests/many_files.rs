//! A run over many files (issue 20): each unit's prompt names the files that matter to it, not
//! every file of the run, so prompts stay the same size whatever the number of files.

use super::*;
use crate::pipeline::generate::NEIGHBOUR_FILES;

/// `n` CommonJS modules, each requiring the one before it.
fn chain(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let dep = if i > 0 { format!("const {{ value{} }} = require('./m{}');\n\n", i - 1, i - 1) } else { String::new() };
            let body = if i > 0 { format!("value{}(x) + {i}", i - 1) } else { "x".to_string() };
            (format!("src/m{i}.js"), format!("{dep}function value{i}(x) {{\n  return {body};\n}}\n\nmodule.exports = {{ value{i} }};\n"))
        })
        .collect()
}

fn user_message(request: &CompletionRequest) -> &str {
    &request.messages[1].content
}

/// The paths `src/m<i>.js` a prompt names.
fn named_modules(text: &str) -> BTreeSet<String> {
    text.split(|c: char| c.is_whitespace() || c == ':' || c == ',').filter(|w| w.starts_with("src/m") && w.ends_with(".js")).map(str::to_string).collect()
}

#[test]
fn a_unit_of_a_200_file_run_names_only_the_files_it_imports() {
    let files = chain(200);
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let scope: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let mut host = Host::new(&refs);
    let entries: Vec<(&str, &str)> = scope.iter().map(|p| (*p, "MODIFY")).collect();
    host.answers.push_back(plan(&entries));
    host.answers.extend(files.iter().map(|(_, t)| fenced(t)));
    let r = host.run("Add a helper to every module in src/", &scope, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let units: Vec<&CompletionRequest> = host.prompts().into_iter().filter(|r| r.stage == "L3").collect();
    assert_eq!(units.len(), 200);
    let m100 = units.iter().find(|u| u.path.as_deref() == Some("src/m100.js")).unwrap();
    let text = user_message(m100);
    // Itself and the module it requires: no other of the 200, not even m101, which requires it
    // (nothing there m100 could import).
    assert_eq!(named_modules(text), ["src/m100.js", "src/m99.js"].map(String::from).into_iter().collect(), "{text}");
    assert!(text.contains("- src/m99.js:\n    value99: function value99(x) { …\n"), "{text}");
    assert!(!text.contains("other files in scope, not listed"), "{text}");
    // No unit's prompt grows with the run: the first and the last are as long as the middle one.
    let len = |i: usize| user_message(units[i]).len();
    assert!(len(0).max(len(199)) < len(100) + 64, "{} {} {}", len(0), len(100), len(199));
}

#[test]
fn a_new_file_in_a_run_of_many_sees_the_files_that_matter_and_a_count_of_the_rest() {
    let files = chain(100);
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let mut scope: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    scope.push("src/sum.js");
    let mut host = Host::new(&refs);
    let entries: Vec<(&str, &str)> = scope.iter().map(|p| (*p, if *p == "src/sum.js" { "CREATE" } else { "MODIFY" })).collect();
    host.answers.push_back(plan(&entries));
    host.answers.extend(files.iter().map(|(_, t)| fenced(t)));
    host.answers.push_back(fenced("const { value7 } = require('./m7');\n\nfunction sum(x) {\n  return value7(x);\n}\n\nmodule.exports = { sum };\n"));
    let r = host.run("Create src/sum.js: sum(x) returns value7(x) of src/m7.js and uses m42.js too.", &scope, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let unit = host.prompts().into_iter().find(|r| r.path.as_deref() == Some("src/sum.js")).unwrap();
    let text = user_message(unit);
    let named = named_modules(text);
    // The files the task names come first; the list stops at its size and counts the others.
    assert!(named.contains("src/m7.js") && named.contains("src/m42.js"), "{text}");
    assert_eq!(named.len(), NEIGHBOUR_FILES, "{text}");
    assert!(text.contains(&format!("- (and {} other files in scope, not listed)\n", 100 - NEIGHBOUR_FILES)), "{text}");
}

#[test]
fn a_new_file_in_a_small_run_sees_every_file() {
    let files = chain(5);
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let mut scope: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    scope.push("src/sum.js");
    let mut host = Host::new(&refs);
    let entries: Vec<(&str, &str)> = scope.iter().map(|p| (*p, if *p == "src/sum.js" { "CREATE" } else { "MODIFY" })).collect();
    host.answers.push_back(plan(&entries));
    host.answers.extend(files.iter().map(|(_, t)| fenced(t)));
    host.answers.push_back(fenced("function sum(x) {\n  return x;\n}\n\nmodule.exports = { sum };\n"));
    let r = host.run("Create src/sum.js with sum(x).", &scope, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let unit = host.prompts().into_iter().find(|r| r.path.as_deref() == Some("src/sum.js")).unwrap();
    let text = user_message(unit);
    assert_eq!(named_modules(text).len(), 5, "{text}");
    assert!(!text.contains("not listed"), "{text}");
}
