//! How often the core parses one whole-file answer (issue 17): counted by the language layer's
//! test-only counter, from the answer's arrival to the session's next request.

use super::*;
use crate::lang::parse::counter;

/// Run a session to its end; return, for each L3 answer, the parses made while taking it.
fn parses_per_answer(files: &[(&str, &str)], task: &str, scope: &[&str], read: &[&str], answers: Vec<Reply>) -> (RunResult, Vec<usize>) {
    let mut files: BTreeMap<String, String> = files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    let mut answers = VecDeque::from(answers);
    let mut session = Session::new(RunInput {
        words: crate::codes::cli_words(),
        task: task.into(),
        files: scope.iter().map(|s| s.to_string()).collect(),
        read: read.iter().map(|s| s.to_string()).collect(),
        skills: vec![],
        options: RunOptions::default(),
        run_id: "parses".into(),
        supplied: Vec::new(),
    });
    let mut counts = Vec::new();
    let mut reply = None;
    let mut l3 = false;
    loop {
        counter::reset();
        let request = session.resume(reply.take());
        if l3 {
            counts.push(counter::parses());
        }
        l3 = false;
        session.take_events();
        reply = Some(match request {
            Request::Read { paths, .. } => Reply::Files {
                files: paths
                    .into_iter()
                    .map(|p| {
                        let state = files.get(&p).map_or(FileState::Absent, |t| FileState::Present { text: t.clone() });
                        (p, state)
                    })
                    .collect(),
                dirs: Default::default(),
            },
            Request::Complete { request } => {
                l3 = request.stage == "L3";
                answers.pop_front().expect("a scripted answer")
            }
            Request::Write { path, text, .. } => {
                files.insert(path, text);
                Reply::Written
            }
            Request::Done { result } => return (*result, counts),
            other => panic!("unexpected request {other:?}"),
        });
    }
}

const PRICES: &str = "const { round } = require('./money');\n\nfunction total(items) {\n  return round(items.reduce((s, i) => s + i.price, 0));\n}\n\nmodule.exports = { total };\n";
const MONEY: &str = "function round(x) {\n  return Math.round(x * 100) / 100;\n}\n\nmodule.exports = { round };\n";

#[test]
fn parses_per_whole_file_answer() {
    // One file in scope: the plan is derived, so the scripts hold no plan answer.
    let created = "function health() {\n  return { status: 'ok' };\n}\n\nmodule.exports = { health };\n";
    let (r, create) = parses_per_answer(&[], "Create src/health.js", &["src/health.js"], &[], vec![fenced(created)]);
    assert_eq!(r.status, Status::Ok, "{r:?}");

    let modified = PRICES.replace("module.exports = { total };", "function count(items) {\n  return items.length;\n}\n\nmodule.exports = { total, count };");
    let (r, modify) = parses_per_answer(
        &[("src/prices.js", PRICES), ("src/money.js", MONEY)],
        "Add count(items) to src/prices.js",
        &["src/prices.js"],
        &["src/money.js"],
        vec![fenced(&modified)],
    );
    assert_eq!(r.status, Status::Ok, "{r:?}");

    // The module and a test of it in one answer: the block that is the file is chosen by its facts.
    let test = "const { health } = require('./health');\n\ntest('ok', () => {\n  expect(health().status).toBe('ok');\n});\n";
    let (r, blocks) = parses_per_answer(
        &[],
        "Create src/health.js",
        &["src/health.js"],
        &[],
        vec![answer(&format!("```js\n{created}```\nA test:\n```js\n{test}```\n"))],
    );
    assert_eq!(r.status, Status::Ok, "{r:?}");

    // Two files in one plan (derived: the task names both), in path order: the second answer
    // sees the first as a neighbour.
    let (r, two) = parses_per_answer(
        &[("src/prices.js", PRICES), ("src/money.js", MONEY)],
        "Add count(items) to src/prices.js and floor(x) to src/money.js",
        &["src/prices.js", "src/money.js"],
        &[],
        vec![
            fenced(&MONEY.replace("module.exports = { round };", "const floor = Math.floor;\n\nmodule.exports = { round, floor };")),
            fenced(&modified),
        ],
    );
    assert_eq!(r.status, Status::Ok, "{r:?}");
    eprintln!("parses per whole-file answer: create {create:?}, modify {modify:?}, two blocks {blocks:?}, two files {two:?}");
    // One parse for the gate; the import passes parse too only when a neighbour exports something
    // they could import (not for a new file alone, issue 20).
    assert_eq!((create, modify, blocks, two), (vec![1], vec![2], vec![1], vec![2, 2]));
}

#[test]
fn parses_per_answer_do_not_grow_with_the_files_staged_before_it() {
    // A chain of modules, each requiring the one before: every answer after the first has staged
    // neighbours whose facts the import passes read. Those come from the cache (each staged text
    // was analysed when it was checked), so each answer costs the same parses: linear in files.
    let n = 8;
    let texts: Vec<(String, String)> = (0..n)
        .map(|i| {
            let dep = if i > 0 { format!("const {{ v{} }} = require('./m{}');\n\n", i - 1, i - 1) } else { String::new() };
            (format!("src/m{i}.js"), format!("{dep}function v{i}(x) {{\n  return x + {i};\n}}\n\nmodule.exports = {{ v{i} }};\n"))
        })
        .collect();
    let files: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let scope: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
    let plan_entries: Vec<(&str, &str)> = scope.iter().map(|p| (*p, "MODIFY")).collect();
    let mut answers = vec![plan(&plan_entries)];
    for (i, (_, text)) in texts.iter().enumerate() {
        answers.push(fenced(&text.replace(&format!("module.exports = {{ v{i} }};"), &format!("const w{i} = 1;\n\nmodule.exports = {{ v{i}, w{i} }};"))));
    }
    let (r, counts) = parses_per_answer(&files, "Add a constant w<i> to every module", &scope, &[], answers);
    assert_eq!(r.status, Status::Ok, "{r:?}");
    eprintln!("parses per answer, {n} chained files: {counts:?}");
    assert_eq!(counts.len(), n);
    assert!(counts[1..].iter().all(|&c| c == counts[1]), "{counts:?}");
    assert_eq!(counts[1], 2, "{counts:?}");
}
