//! The session driven the way a host drives it, with scripted model answers.

use std::collections::{BTreeMap, VecDeque};

use super::*;
use crate::analysis::analyze;
use crate::gate::Rule;
use crate::protocol::{DirState, RunOptions, SuppliedFile};

/// Answers taken rightly: several blocks, size limits, budgets and answer sizes (issue 13).
mod answers;
/// A run over many files: prompts that do not grow with them (issue 20).
mod many_files;
/// Parses per whole-file answer (issue 17).
mod parses;
/// Content the caller supplies: gated as an answer, no model (issue 19).
mod supplied;

const SERVER: &str = include_str!("../../tests/fixtures/server.js");

struct Host {
    files: BTreeMap<String, Option<String>>,
    answers: VecDeque<Reply>,
    requests: Vec<Request>,
    events: Vec<Event>,
    fail_writes: bool,
    /// Only writes of this path fail.
    fail_write_of: Option<String>,
    /// Answers to verify requests, in order; each also records the files it "saw".
    verifies: VecDeque<Reply>,
    seen_by_verify: Vec<BTreeMap<String, Option<String>>>,
    /// Someone else's edits: (after how many writes and deletes, path, new content). 0: before the first.
    edits: Vec<(usize, String, Option<String>)>,
    /// Someone else's edit made while the check runs (the check itself, say).
    edit_during_verify: Option<(String, Option<String>)>,
    /// The caller's own content (`RunInput::supplied`); empty: the model writes.
    supplied: Vec<SuppliedFile>,
}

fn answer(text: &str) -> Reply {
    Reply::Completion {
        text: text.to_string(),
        usage: Some(TokenUsage { prompt_tokens: 100, completion_tokens: 20, cached_tokens: None }),
        duration_ms: Some(5),
        response_format: None,
    }
}

fn plan(entries: &[(&str, &str)]) -> Reply {
    let actions: Vec<String> =
        entries.iter().map(|(p, a)| format!("{{\"path\":\"{p}\",\"action\":\"{a}\",\"intent\":\"do it\"}}")).collect();
    answer(&format!("{{\"actions\":[{}]}}", actions.join(",")))
}

fn fenced(code: &str) -> Reply {
    let newline = if code.ends_with('\n') { "" } else { "\n" };
    answer(&format!("```js\n{code}{newline}```\n"))
}

impl Host {
    fn new(files: &[(&str, &str)]) -> Host {
        Host {
            files: files.iter().map(|(p, t)| (p.to_string(), Some(t.to_string()))).collect(),
            answers: VecDeque::new(),
            requests: Vec::new(),
            events: Vec::new(),
            fail_writes: false,
            fail_write_of: None,
            verifies: VecDeque::new(),
            seen_by_verify: Vec::new(),
            edits: Vec::new(),
            edit_during_verify: None,
            supplied: Vec::new(),
        }
    }

    fn run(&mut self, task: &str, scope: &[&str], options: RunOptions) -> RunResult {
        self.run_reading(task, scope, &[], options)
    }

    /// `run` with read-only context files (`--read`).
    fn run_reading(&mut self, task: &str, scope: &[&str], read: &[&str], options: RunOptions) -> RunResult {
        let mut session = Session::new(RunInput {
            words: crate::codes::cli_words(),
            task: task.into(),
            files: scope.iter().map(|s| s.to_string()).collect(),
            read: read.iter().map(|s| s.to_string()).collect(),
            skills: vec![],
            options,
            run_id: "test-run".into(),
            supplied: self.supplied.clone(),
        });
        let mut reply = None;
        loop {
            let request = session.resume(reply.take());
            self.events.extend(session.take_events());
            self.requests.push(request.clone());
            reply = Some(match request {
                Request::Read { mut paths, dirs } => {
                    // A directory is listed by prefix, and its files are read with the rest.
                    let mut listings = BTreeMap::new();
                    for d in dirs {
                        let prefix = format!("{d}/");
                        let under: Vec<String> =
                            self.files.iter().filter(|(p, t)| p.starts_with(&prefix) && t.is_some()).map(|(p, _)| p.clone()).collect();
                        paths.extend(under.iter().cloned());
                        let state = if under.is_empty() { DirState::Absent } else { DirState::Listed { paths: under, truncated: false } };
                        listings.insert(d, state);
                    }
                    Reply::Files {
                        files: paths
                            .into_iter()
                            .map(|p| {
                                let state = match self.files.get(&p).cloned().flatten() {
                                    Some(text) if text == "\u{0}binary" => FileState::Unreadable {
                                        reason: "binary".into(),
                                        message: "is a binary file".into(),
                                    },
                                    Some(text) => FileState::Present { text },
                                    None => FileState::Absent,
                                };
                                (p, state)
                            })
                            .collect(),
                        dirs: listings,
                    }
                }
                // Running out of scripted answers ends the run with an error the assertions will show.
                // A scripted plan where the run asks for code: the run derived its plan. With one
                // file in scope the script should hold no plan; with several, a test that scripts
                // the plan the scope leaves no choice for (MODIFY what exists, CREATE what does not)
                // gets it skipped, and a test of the planner itself fails on its own assertions.
                Request::Complete { ref request }
                    if request.stage == "L3"
                        && matches!(self.answers.front(), Some(Reply::Completion { text, .. }) if text.starts_with("{\"actions\"")) =>
                {
                    if scope.len() == 1 {
                        panic!("a scripted plan answer is next, but the run asks for the code of {:?}: it derived its plan", request.path)
                    }
                    self.answers.pop_front();
                    self.answers.pop_front().unwrap_or(Reply::CompletionError { code: "bad_response".into(), message: "no scripted answer left".into() })
                }
                Request::Complete { .. } => self.answers.pop_front().unwrap_or(Reply::CompletionError {
                    code: "bad_response".into(),
                    message: format!("no scripted answer left; events: {:?}", self.events),
                }),
                Request::Write { path, text, expect, .. } => {
                    self.edit_now();
                    if self.fail_writes || self.fail_write_of.as_deref() == Some(path.as_str()) {
                        Reply::WriteError { message: "EACCES: permission denied".into(), code: None }
                    } else if !self.holds(&path, &expect) {
                        Reply::WriteError { message: "not what the run read".into(), code: Some("conflict".into()) }
                    } else {
                        self.files.insert(path, Some(text));
                        Reply::Written
                    }
                }
                Request::Delete { path, expect, .. } => {
                    self.edit_now();
                    if !self.holds(&path, &expect) {
                        Reply::DeleteError { message: "not what the run read".into(), code: Some("conflict".into()) }
                    } else {
                        self.files.insert(path, None);
                        Reply::Deleted
                    }
                }
                Request::Verify { .. } => {
                    if let Some((path, text)) = self.edit_during_verify.take() {
                        self.files.insert(path, text);
                    }
                    self.seen_by_verify.push(self.files.clone());
                    self.verifies.pop_front().expect("a scripted verify answer")
                }
                Request::Done { result } => return *result,
            });
        }
    }

    /// The compare-and-swap every host makes: the file is what the request expects.
    fn holds(&self, path: &str, expect: &Expected) -> bool {
        let now = self.files.get(path).cloned().flatten();
        *expect == Expected::of(now)
    }

    /// Make the edits due before the next write or delete (counted from the requests so far).
    fn edit_now(&mut self) {
        let done = self.writes() - 1;
        for (at, path, text) in self.edits.clone() {
            if at == done {
                self.files.insert(path, text);
            }
        }
    }

    fn prompts(&self) -> Vec<&CompletionRequest> {
        self.requests
            .iter()
            .filter_map(|r| match r {
                Request::Complete { request } => Some(request),
                _ => None,
            })
            .collect()
    }

    fn writes(&self) -> usize {
        self.requests.iter().filter(|r| matches!(r, Request::Write { .. } | Request::Delete { .. })).count()
    }

    fn text(&self, path: &str) -> Option<&str> {
        self.files.get(path).and_then(|t| t.as_deref())
    }
}

const HEALTH: &str = "module.exports = function health() {\n  return { status: 'ok' };\n};\n";

#[test]
fn create_one_file() {
    // One file in scope and a task that asks for it: the plan is derived, no L1 call is made.
    let mut host = Host::new(&[]);
    host.answers.extend([fenced(HEALTH)]);
    let r = host.run("Create src/health.js", &["src/health.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/health.js"), Some(HEALTH));
    assert_eq!((r.counts.written, r.usage.calls, r.usage.total_tokens), (1, 1, 120));
    assert_eq!(r.stages, Stages { l1: StageState::Ok, l2: StageState::Ok, l3: StageState::Ok, gate: StageState::Ok });
    assert!(r.files[0].diff.starts_with("--- /dev/null\n+++ b/src/health.js\n"));
    assert_eq!((r.plan_source, r.plan.len(), r.plan[0].action), (PlanSource::Derived, 1, Action::Create));
    let prompts = host.prompts();
    assert_eq!((prompts.len(), prompts[0].stage.as_str(), prompts[0].path.as_deref()), (1, "L3", Some("src/health.js")));
    let sources: Vec<PlanSource> =
        host.events.iter().filter_map(|e| match &e.body { EventBody::Plan { source, .. } => Some(*source), _ => None }).collect();
    assert_eq!(sources, [PlanSource::Derived]);
    assert!(report::render_console(&r, 10, &crate::codes::cli_words()).contains("Plan:     derived from the scope (1 file)\n"));
    assert!(report::render_markdown(&r, "Create src/health.js", 10, &crate::codes::cli_words()).contains("plan: derived from the scope (1 file) (no L1 call)."));
    // The recorded events carry what replay needs: every request and every answer.
    let kinds: Vec<&str> = host
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::ModelRequest { .. } => Some("request"),
            EventBody::ModelResponse { .. } => Some("response"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["request", "response"]);
}

#[test]
fn the_plan_is_derived_only_when_the_scope_leaves_no_choice() {
    let stub = "function say(n) {\n  return '';\n}\nmodule.exports = { say };\n";
    let spec = "const { say } = require('./say');\ntest('one', () => expect(say(1)).toBe('one'));\n";
    let done = "function say(n) {\n  return 'one';\n}\nmodule.exports = { say };\n";
    // (task, scope, derived?): present files (and a new one the task asks to make) are derived
    // when the task names each of them; a file it does not name, a delete, a move/rename/extract/split
    // word, another file named, or a large (sectioned) file is the planner's.
    let big: String = (0..130).map(|i| format!("function f{i}(x) {{\n  return x + {i};\n}}\n")).collect::<String>() + "module.exports = { f0 };\n";
    let cases: [(&str, &[&str], bool); 15] = [
        ("Implement say in say.js so that the tests in say.spec.js pass. Do not modify the test file.", &["say.js"], true),
        ("Implement say; it removes nothing it should keep", &["say.js"], true),
        // A name from code is not a removal word: `mergeSay` in say.js asks for no delete.
        ("Implement mergeSay in say.js", &["say.js"], true),
        // Nor is a word inside the file's own name (`say-merge.js` holds "merge").
        ("Implement say in say-merge.js so that say-merge.spec.js passes; it merges lists", &["say-merge.js"], true),
        ("Implement say in say.js and in other.js", &["say.js", "other.js"], true),
        ("Create new.js exporting say; use it in say.js", &["say.js", "new.js"], true),
        // A new file's API may hold a removal word: it asks for no delete of a file that is not there.
        ("Create new.js with add(key) and delete(key); use it in say.js", &["say.js", "new.js"], true),
        ("Implement say in say.js", &["say.js", "other.js"], false),
        ("Implement say in say.js and delete other.js", &["say.js", "other.js"], false),
        // A missing file beside files the run knows, with a name none of theirs is near: new.
        ("Use new.js in say.js", &["say.js", "new.js"], true),
        ("Delete say.js", &["say.js"], false),
        ("Move say into lib.js", &["say.js"], false),
        ("Rename say to speak", &["say.js"], false),
        ("Implement say like helpers.js does", &["say.js"], false),
        ("Tidy big.js", &["big.js"], false),
    ];
    for (i, (task, scope, derived)) in cases.into_iter().enumerate() {
        let mut host =
            Host::new(&[("say.js", stub), ("say-merge.js", stub), ("say-merge.spec.js", spec), ("say.spec.js", spec), ("other.js", stub), ("big.js", big.as_str())]);
        if derived {
            host.answers.extend(scope.iter().map(|_| fenced(done)));
        }
        let r = host.run(task, scope, RunOptions { max_retries: Some(0), ..RunOptions::default() });
        let l1 = host.prompts().iter().filter(|p| p.stage == "L1").count();
        assert_eq!((l1 == 0, r.plan_source == PlanSource::Derived), (derived, derived), "case {i}: {r:?}");
        if derived {
            assert_eq!((r.status, host.text(scope[0])), (Status::Ok, Some(done)), "case {i}");
            assert_eq!(host.prompts().len(), scope.len(), "case {i}: one call per file");
        }
    }
    // New files go first, and a later unit is shown what the new one really exports.
    let mut host = Host::new(&[("say.js", stub)]);
    let made = "function speak() {\n  return 'hi';\n}\nmodule.exports = { speak };\n";
    host.answers.extend([fenced(made), fenced(done)]);
    let r = host.run("Create new.js exporting speak; use it in say.js", &["say.js", "new.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let prompts = host.prompts();
    assert_eq!(prompts.iter().map(|p| p.path.as_deref()).collect::<Vec<_>>(), [Some("new.js"), Some("say.js")]);
    assert!(prompts[1].messages[1].content.contains("- new.js:\n    speak: function speak() { …\n"), "{}", prompts[1].messages[1].content);
    // A missing file the task does not ask to make may be a wrong path: the planner is asked.
    let mut host = Host::new(&[]);
    let _ = host.run("Add a route to src/servr.js", &["src/servr.js"], RunOptions::default());
    assert_eq!(host.prompts()[0].stage, "L1");
    // So may one whose name is a known file's mistyped; a new name beside known files is new.
    let mut host = Host::new(&[("src/server.js", "module.exports = {};\n")]);
    host.files.insert("src/servr.js".into(), None);
    let _ = host.run("Add a route to src/servr.js and use it in src/server.js", &["src/servr.js", "src/server.js"], RunOptions::default());
    assert_eq!(host.prompts()[0].stage, "L1");
    let mut host = Host::new(&[("src/handlers/index.js", "module.exports = {};\n")]);
    host.files.insert("src/handlers/stats.js".into(), None);
    host.answers.extend([fenced("exports.name = 'stats';\n"), fenced("module.exports = { stats: require('./stats') };\n")]);
    let r = host.run("Add a stats handler in src/handlers/stats.js. Register it in src/handlers/index.js.", &["src/handlers/stats.js", "src/handlers/index.js"], RunOptions::default());
    assert_eq!((r.status, r.plan_source, r.plan[0].action), (Status::Ok, PlanSource::Derived, Action::Create), "{r:?}");
    // One the task says what it exports is to be made, and must export it: no planner call, and
    // an answer without the name goes back.
    let mut host = Host::new(&[("src/index.ts", "export const rules = {};\n")]);
    host.files.insert("src/range.ts".into(), None);
    let wrong = "export function rangeRule(min: number, max: number) {\n  return min <= max;\n}\n";
    let right = "export function range(min: number, max: number) {\n  return min <= max;\n}\n";
    let index = "import { range } from './range';\n\nexport const rules = { pct: range(0, 100) };\n";
    host.answers.extend([fenced(wrong), fenced(right), fenced(index)]);
    let r = host.run("src/range.ts exports `range(min, max)`. Register range(0, 100) in src/index.ts as pct.", &["src/range.ts", "src/index.ts"], RunOptions::default());
    assert_eq!((r.status, r.plan_source), (Status::Ok, PlanSource::Derived), "{r:?}");
    assert_eq!(r.plan[0].exports, ["range"]);
    assert!(host.prompts().iter().all(|p| p.stage == "L3"));
    assert_eq!(host.text("src/range.ts"), Some(right));
}

#[test]
fn the_plan_call_carries_the_plans_schema_and_the_unit_calls_none() {
    let mut host = Host::new(&[]);
    // The host says the server took the schema for the plan call.
    let mut plan_reply = plan(&[("src/health.js", "CREATE")]);
    if let Reply::Completion { response_format, .. } = &mut plan_reply {
        *response_format = Some("json_schema".into());
    }
    host.answers.extend([plan_reply, fenced(HEALTH)]);
    let r = host.run("Add a health check in src/health.js", &["src/health.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let prompts = host.prompts();
    let rf = prompts[0].response_format.as_ref().expect("the L1 call carries a schema");
    assert_eq!(rf.name, crate::plan::PLAN_SCHEMA_NAME);
    // Narrowed to the run: one file that does not exist yet, so CREATE with its exports only.
    let entry = &rf.schema.0["properties"]["actions"]["items"];
    assert_eq!(entry["properties"]["action"]["enum"], serde_json::json!(["CREATE"]));
    assert_eq!(entry["properties"]["path"]["enum"], serde_json::json!(["src/health.js"]));
    let keys: Vec<&String> = entry["properties"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["action", "exports", "intent", "path"]);
    assert_eq!(prompts[1].response_format, None);
    // The prompt still spells the format out: the schema is a constraint, not a substitute.
    assert!(prompts[0].messages.iter().any(|m| m.content.contains("ANSWER FORMAT (JSON only")));
    // Serialized for the host: responseFormat on the plan call only.
    let json = serde_json::to_value(prompts[0]).unwrap();
    assert_eq!(json["responseFormat"]["name"], "red_exec_plan");
    assert!(serde_json::to_value(prompts[1]).unwrap().get("responseFormat").is_none());
    // The host's word on how it asked is in the log, on the plan call's response only.
    let formats: Vec<Option<&str>> = host
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::ModelResponse { response_format, .. } => Some(response_format.as_deref()),
            _ => None,
        })
        .collect();
    assert_eq!(formats, [Some("json_schema"), None]);
}

#[test]
fn a_reply_without_response_format_still_parses() {
    let reply: Reply = serde_json::from_value(serde_json::json!({ "kind": "completion", "text": "x", "usage": null, "durationMs": null })).unwrap();
    assert!(matches!(reply, Reply::Completion { response_format: None, .. }));
    let reply: Reply = serde_json::from_value(serde_json::json!({ "kind": "completion", "text": "x", "responseFormat": "prompt" })).unwrap();
    assert!(matches!(reply, Reply::Completion { response_format: Some(ref f), .. } if f == "prompt"));
}

#[test]
fn modify_keeps_exports_in_the_prompt_and_passes_the_gate() {
    let mut host = Host::new(&[("src/server.js", SERVER)]);
    let new = format!("{SERVER}\n// health\nroutes.set('/health', () => ({{ status: 'ok' }}));\n");
    host.answers.extend([fenced(&new)]);
    let r = host.run("Add a health route", &["./src/server.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/server.js"), Some(new.as_str()));
    let unit = &host.prompts()[0].messages[1].content;
    assert!(unit.contains("KEEP THESE EXPORTS: createServer, routes"), "{unit}");
    assert!(unit.contains("MODULE FORMAT: CommonJS"));
}

#[test]
fn modify_of_a_missing_file_is_the_users_error() {
    let mut host = Host::new(&[]);
    host.answers.push_back(plan(&[("src/servr.js", "MODIFY")]));
    let r = host.run("Add a route to src/servr.js", &["src/servr.js"], RunOptions::default());
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.error.as_ref().unwrap().code, "input_missing");
    assert_eq!((host.prompts().len(), host.writes()), (1, 0));

    // Beside other mistakes, a missing file is the model's: seen live on an extraction task, the
    // new file planned twice (CREATE and MODIFY) and the source given no action. It gets the
    // re-plan round with every problem listed, and its corrected plan runs.
    let source = "function a() {}\nfunction b() {}\nmodule.exports = { a, b };\n";
    let mut host = Host::new(&[("src/all.js", source)]);
    let wrong = plan(&[("src/b.js", "CREATE"), ("src/b.js", "MODIFY")]);
    let right = plan_json("{\"actions\":[{\"path\":\"src/b.js\",\"action\":\"EXTRACT\",\"from\":\"src/all.js\",\"symbols\":[\"b\"]}]}");
    host.answers.extend([wrong, right]);
    let r = host.run("Move b out of src/all.js into src/b.js", &["src/all.js", "src/b.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let replan = &host.prompts()[1].messages[1].content;
    for problem in [
        "src/b.js does not exist, but the task asks to change it: check the path; a file that does not exist yet can only be CREATEd",
        "src/b.js appears more than once",
        "src/all.js is in scope but has no action",
    ] {
        assert!(replan.contains(problem), "{problem}: {replan}");
    }
    assert!(host.text("src/b.js").is_some_and(|t| t.contains("function b()")), "{:?}", host.text("src/b.js"));
}

#[test]
fn invalid_plan_is_re_asked_once_with_the_problems() {
    let mut host = Host::new(&[]);
    host.answers.extend([answer("I would create the file."), plan(&[("a.js", "CREATE")]), fenced("const a = 1;\n")]);
    let r = host.run("make a.js", &["a.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok);
    assert!(host.prompts()[1].messages[1].content.contains("PREVIOUS PLAN WAS REJECTED"));
    // And with other sampling: a deterministic model asked again answers the same way again.
    assert_eq!((host.prompts()[0].temperature, host.prompts()[1].temperature > 0.0), (0.0, true));

    let mut host = Host::new(&[]);
    host.answers.extend([plan(&[("elsewhere.js", "CREATE")]), answer("{\"actions\": 5}")]);
    let r = host.run("make a.js", &["a.js"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "plan_invalid");
    assert_eq!(r.stages.l1, StageState::Failed);
    assert_eq!(host.writes(), 0);
}

#[test]
fn syntax_errors_are_retried_then_blocked() {
    let mut host = Host::new(&[("src/server.js", SERVER)]);
    host.answers.extend([fenced("function (\n"), fenced("let = ;\n")]);
    let options = RunOptions { max_retries: Some(1), ..RunOptions::default() };
    let r = host.run("break it", &["src/server.js"], options);
    // Nothing written: FAILED with the file and the rule that stopped it.
    assert_eq!((r.status, r.error.as_ref().unwrap().code.as_str()), (Status::Failed, "blocked"));
    assert!(r.error.as_ref().unwrap().message.starts_with("src/server.js (MODIFY) was blocked by syntax ("), "{r:?}");
    assert_eq!(r.files[0].outcome, Outcome::Blocked);
    assert_eq!(r.files[0].violations[0].rule, Rule::Syntax);
    assert_eq!(r.files[0].attempts, 2);
    assert_eq!(host.writes(), 0);
    assert_eq!(host.text("src/server.js"), Some(SERVER));
    // The retry is fresh: its own context plus the reason, not the conversation.
    let retry = &host.prompts()[1];
    assert_eq!((retry.attempt, retry.messages.len()), (1, 2));
    assert!(retry.messages[1].content.contains("A PREVIOUS ANSWER WAS REJECTED: src/server.js:"));
}

#[test]
fn esm_answer_in_a_commonjs_project_is_retried() {
    let mut host = Host::new(&[("src/server.js", SERVER)]);
    let esm = "export function createServer() {}\nexport const routes = new Map();\n";
    let fixed = format!("{SERVER}// more\n");
    host.answers.extend([fenced(esm), fenced(&fixed)]);
    let r = host.run("tweak", &["src/server.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok);
    assert_eq!(r.files[0].attempts, 2);
    assert!(host.prompts()[1].messages[1].content.contains("must be CommonJS"));
}

#[test]
fn lost_export_is_blocked_and_warn_mode_writes() {
    let dropped = "const routes = new Map();\nmodule.exports = { routes };\n";
    let mut host = Host::new(&[("src/server.js", SERVER)]);
    host.answers.extend([fenced(dropped)]);
    let r = host.run("tidy", &["src/server.js"], RunOptions { max_retries: Some(0), ..RunOptions::default() });
    assert_eq!((r.status, r.files[0].violations[0].rule), (Status::Failed, Rule::ExportsKept));

    let mut host = Host::new(&[("src/server.js", SERVER)]);
    host.answers.extend([fenced(dropped)]);
    let r = host.run("tidy", &["src/server.js"], RunOptions { gate: GateMode::Warn, ..RunOptions::default() });
    assert_eq!((r.status, r.files[0].outcome), (Status::Ok, Outcome::Written));
    assert_eq!(r.files[0].violations[0].rule, Rule::ExportsKept);
    assert_eq!(host.text("src/server.js"), Some(dropped));
    // The result says which mode it ran in and lists what the mode let through.
    assert_eq!(r.gate, GateMode::Warn);
    assert_eq!(r.warnings.len(), r.files[0].violations.len());
    assert_eq!((r.warnings[0].code.as_str(), r.warnings[0].rule.as_deref()), ("gate", Some("exports_kept")));
    assert_eq!(r.warnings[0].path.as_deref(), Some("src/server.js"));
}

#[test]
fn a_host_that_breaks_the_protocol_crashes_the_run() {
    let mut session = Session::new(RunInput {
        words: crate::codes::cli_words(),
        task: "make a.js".into(),
        files: vec!["a.js".into()],
        read: vec![],
        skills: vec![],
        options: RunOptions::default(),
        run_id: "t".into(),
        supplied: Vec::new(),
    });
    assert!(matches!(session.resume(None), Request::Read { .. }));
    // A write acknowledgement where the core asked for files: the host is wrong, not the user.
    let Request::Done { result } = session.resume(Some(Reply::Written)) else { panic!("the run should end") };
    assert_eq!(result.status, Status::Crashed);
    assert_eq!(result.error.as_ref().unwrap().code, "host_protocol");
}

#[test]
fn prose_only_answers_fail_the_run_without_writes() {
    let mut host = Host::new(&[]);
    host.answers.extend([plan(&[("a.js", "CREATE")]), answer("I created it."), answer("Done."), answer("All good.")]);
    let r = host.run("make a.js", &["a.js"], RunOptions::default());
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.error.as_ref().unwrap().code, "model_answer");
    assert_eq!(host.writes(), 0);
}

#[test]
fn transport_errors_map_to_run_errors() {
    for (code, expected) in [("auth", "model_auth"), ("server", "model_unavailable"), ("bad_response", "model_answer")] {
        let mut host = Host::new(&[]);
        host.answers.push_back(Reply::CompletionError { code: code.into(), message: "nope".into() });
        let r = host.run("make a.js", &["a.js"], RunOptions::default());
        assert_eq!(r.error.as_ref().unwrap().code, expected);
        assert_eq!((r.status, r.stages.l1), (Status::Failed, StageState::Failed));
    }
}

#[test]
fn bad_inputs_stop_before_the_model() {
    let mut host = Host::new(&[("img.js", "\u{0}binary")]);
    let r = host.run("t", &["img.js"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "input_unreadable");
    let r = Host::new(&[]).run("t", &["../etc/passwd"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "input_path");
    let r = Host::new(&[]).run("  ", &["a.js"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "input_task");
    assert!(host.prompts().is_empty());
}

#[test]
fn the_tools_own_files_in_scope_stop_the_run_before_the_model() {
    for path in [".red-exec.json", "./.red-exec-logs/last-run", "pkg/.red-exec.json", ".red-exec-report.md"] {
        let mut host = Host::new(&[(".red-exec.json", "{}"), ("a.js", "x\n")]);
        let r = host.run("edit the config", &["a.js", path], RunOptions::default());
        let e = r.error.as_ref().unwrap();
        assert_eq!(e.code, "input_path", "{path}");
        assert!(e.message.contains("red-exec's own file"), "{path}: {}", e.message);
        assert!(host.prompts().is_empty(), "{path}: the model was asked");
    }
}

#[test]
fn delete_needs_no_model_call_and_write_errors_fail_the_run() {
    let mut host = Host::new(&[("old.js", "module.exports = 1;\n"), ("new.js", "")]);
    host.files.insert("new.js".into(), None);
    host.answers.extend([plan(&[("old.js", "DELETE"), ("new.js", "CREATE")]), fenced("module.exports = 2;\n")]);
    let r = host.run("replace old.js with new.js", &["old.js", "new.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!((r.counts.written, r.counts.deleted, r.usage.calls), (1, 1, 2));
    assert_eq!(host.text("old.js"), None);

    let mut host = Host::new(&[]);
    host.fail_writes = true;
    host.answers.extend([plan(&[("a.js", "CREATE")]), fenced("const a = 1;\n")]);
    let r = host.run("make a.js", &["a.js"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "write_failed");
    assert_eq!(r.status, Status::Failed);
}

#[test]
fn module_format_follows_package_json_for_new_files() {
    let mut host = Host::new(&[("package.json", "{\"type\":\"module\"}")]);
    host.answers.extend([plan(&[("a.js", "CREATE")]), fenced("const x = require('x');\nmodule.exports = x;\n")]);
    let r = host.run("make a.js", &["a.js"], RunOptions { max_retries: Some(0), ..RunOptions::default() });
    assert_eq!(r.files[0].violations[0].rule, Rule::ModuleFormat);
}

const INVENTORY: &str = include_str!("../../tests/fixtures/inventory.js");

fn plan_json(json: &str) -> Reply {
    answer(json)
}

fn section_of(text: &str, name: &str) -> String {
    let a = analyze("inventory.js", text);
    let s = crate::section::sections(text, &a);
    let s = s.iter().find(|s| s.names.iter().any(|n| n == name)).unwrap();
    text[s.start as usize..s.end as usize].to_string()
}

#[test]
fn a_section_modify_sends_only_that_section_and_keeps_the_rest_byte_identical() {
    let mut host = Host::new(&[("inventory.js", INVENTORY)]);
    let old_ship = section_of(INVENTORY, "ship");
    let new_ship = old_ship.replace("if (units > have) {", "if (!Number.isInteger(units) || units <= 0) {\n    throw new RangeError('units must be a positive integer');\n  }\n  if (units > have) {");
    host.answers.extend([
        plan_json("{\"actions\":[{\"path\":\"inventory.js\",\"action\":\"MODIFY\",\"intent\":\"validate units\",\"sections\":[\"ship\"]}]}"),
        fenced(&new_ship),
    ]);
    let r = host.run("ship() must reject non-positive units", &["inventory.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("inventory.js").unwrap(), INVENTORY.replace(&old_ship, &new_ship));
    let l1 = &host.prompts()[0].messages[1].content;
    assert!(l1.contains("; sections:\n") && l1.contains("#10 function ship(sku, units) { …"), "{l1}");
    let unit = &host.prompts()[1].messages[1].content;
    let block = crate::prompts::read_block(&host.prompts()[1].messages).unwrap();
    assert_eq!(block["section"]["label"], "ship");
    assert!(unit.contains(&old_ship));
    // Other sections appear as signatures only, never with their bodies.
    assert!(unit.contains("function receive(sku, units) { …"));
    assert!(!unit.contains("events.emit('received'"));
    assert!(unit.len() < INVENTORY.len() + 1500, "the section prompt should be smaller than the whole file plus instructions");
}

#[test]
fn two_sections_two_calls_and_a_bad_section_blocks_the_whole_file() {
    let mut host = Host::new(&[("inventory.js", INVENTORY)]);
    let exports = section_of(INVENTORY, "reset").len(); // sanity: the fixture has what we need
    assert!(exports > 0);
    let new_reset = section_of(INVENTORY, "reset").replace("catalog.clear();", "catalog.clear(); // all of it");
    let new_fmt = section_of(INVENTORY, "formatCents").replace("const sign", "const negative = cents < 0;\n  const sign");
    host.answers.extend([
        plan_json("{\"actions\":[{\"path\":\"inventory.js\",\"action\":\"MODIFY\",\"sections\":[\"reset\",\"#13\"]}]}"),
        fenced(&new_fmt),
        fenced(&new_reset),
    ]);
    let r = host.run("touch two functions", &["inventory.js"], RunOptions::default());
    assert_eq!((r.status, r.usage.calls), (Status::Ok, 3), "{r:?}");
    let text = host.text("inventory.js").unwrap();
    assert!(text.contains("const negative = cents < 0;") && text.contains("catalog.clear(); // all of it"));

    // The exports section answered without an export: blocked, and the file stays as it was.
    let mut host = Host::new(&[("inventory.js", INVENTORY)]);
    let exports_section = INVENTORY[INVENTORY.find("module.exports").unwrap()..].trim_end().to_string();
    let dropped = exports_section.replace("  summary,\n", "");
    host.answers.extend([
        plan_json("{\"actions\":[{\"path\":\"inventory.js\",\"action\":\"MODIFY\",\"sections\":[\"module.exports\"]}]}"),
        fenced(&dropped),
    ]);
    let r = host.run("tidy the exports", &["inventory.js"], RunOptions { max_retries: Some(0), ..RunOptions::default() });
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.files[0].violations[0].rule, Rule::ExportsKept);
    assert_eq!(host.text("inventory.js"), Some(INVENTORY));
}

#[test]
fn unknown_section_is_a_plan_problem() {
    let mut host = Host::new(&[("inventory.js", INVENTORY)]);
    host.answers.extend([
        plan_json("{\"actions\":[{\"path\":\"inventory.js\",\"action\":\"MODIFY\",\"sections\":[\"restock\"]}]}"),
        plan_json("{\"actions\":[{\"path\":\"inventory.js\",\"action\":\"MODIFY\",\"sections\":[\"#99\"]}]}"),
    ]);
    let r = host.run("t", &["inventory.js"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "plan_invalid");
    assert!(host.prompts()[1].messages[1].content.contains("no section \"restock\""));
    assert!(r.error.as_ref().unwrap().message.contains("no section \"#99\""));
}

#[test]
fn task_named_files_join_read_only_and_the_budget_cuts_them_to_an_outline() {
    let spec = "const { score } = require('./bowling');\n\ntest('gutter game', () => {\n  expect(score(Array(20).fill(0))).toBe(0);\n});\n";
    let mut host = Host::new(&[("bowling.spec.js", spec)]);
    // In a folder the run knows nothing of, the missing file may be a wrong path: the planner is asked.
    host.answers.extend([plan(&[("src/bowling.js", "CREATE")]), fenced("function score() { return 0; }\nmodule.exports = { score };\n")]);
    let task = "Implement score(rolls). The test file is bowling.spec.js. Do not modify the test file.";
    let r = host.run(task, &["src/bowling.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert!(host.prompts()[0].messages[1].content.contains("READ-ONLY CONTEXT (never plan these): bowling.spec.js"));
    // The read-only context is in the system message (the stable prefix), never beside the target.
    let (system, unit) = (&host.prompts()[1].messages[0].content, &host.prompts()[1].messages[1].content);
    assert!(system.contains("READ-ONLY FILE bowling.spec.js:") && system.contains("gutter game"), "{system}");
    assert!(!unit.contains("gutter game") && unit.contains("YOU WRITE: src/bowling.js (CREATE this new file)"), "{unit}");

    // A plan that tries to write the spec is refused.
    let mut host = Host::new(&[("bowling.spec.js", spec)]);
    host.answers.extend([plan(&[("src/bowling.js", "CREATE"), ("bowling.spec.js", "MODIFY")]), plan(&[("src/bowling.js", "CREATE"), ("bowling.spec.js", "MODIFY")])]);
    let r = host.run(task, &["src/bowling.js"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "plan_invalid");
    assert_eq!(host.text("bowling.spec.js"), Some(spec));
}

#[test]
fn a_directory_the_task_names_is_listed_and_joins_as_outlines_within_the_budget() {
    let intake = "function intake(ticket) {\n  const level = ticket.severity > 3 ? 'high' : 'low';\n  return { ...ticket, level };\n}\nmodule.exports = { intake };\n";
    let route = "function route(ticket) {\n  if (ticket.level === 'high') return 'oncall';\n  return 'queue';\n}\nmodule.exports = { route };\n";
    let files = [("lib/triage/intake.js", intake), ("lib/triage/route.js", route), ("lib/triage/NOTES.md", "# notes\n"), ("lib/other.js", "module.exports = {};\n")];
    let mut host = Host::new(&files);
    host.answers.push_back(fenced("module.exports = { triage: () => 'queue' };\n"));
    let task = "Study the triage system at `lib/triage/` and write src/triage.js with the same routing.";
    let r = host.run(task, &["src/triage.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    // The session asked the host to list the directory; the file path with an extension is no directory.
    assert!(matches!(&host.requests[0], Request::Read { dirs, .. } if dirs == &["lib/triage".to_string()]), "{:?}", host.requests[0]);
    let system = &host.prompts()[0].messages[0].content;
    assert!(system.contains("READ-ONLY FILE lib/triage/intake.js (outline only):") && system.contains("function intake(ticket)"), "{system}");
    assert!(system.contains("READ-ONLY FILE lib/triage/route.js (outline only):") && system.contains("function route(ticket)"), "{system}");
    // Outlines, not bodies; script files only; nothing outside the directory.
    assert!(!system.contains("'oncall'") && !system.contains("NOTES.md") && !system.contains("lib/other.js"), "{system}");

    // Over the directories' share of the budget: the files past it are named, not shown.
    let mut many: Vec<(String, String)> = (0..12)
        .map(|i| (format!("lib/triage/step{i:02}.js"), format!("function step{i}(ticket, options, context) {{\n  return ticket;\n}}\nmodule.exports = {{ step{i} }};\n")))
        .collect();
    many.push(("lib/triage/.gitkeep".into(), String::new()));
    let refs: Vec<(&str, &str)> = many.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let mut host = Host::new(&refs);
    host.answers.push_back(fenced("module.exports = { triage: () => 'queue' };\n"));
    let options = RunOptions { context_budget: Some(1_200), ..RunOptions::default() };
    let r = host.run(task, &["src/triage.js"], options);
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let system = &host.prompts()[0].messages[0].content;
    assert!(system.contains("READ-ONLY FILE lib/triage/step00.js (outline only):") && !system.contains("READ-ONLY FILE lib/triage/step11.js"), "{system}");
    assert!(system.contains("not shown: over the context budget") && system.contains("\nlib/triage/step11.js\n"), "{system}");
}

#[test]
fn the_planner_is_shown_the_task_named_directory_as_outlines_too() {
    // "Study the triage system at systems/core/triage/ and add X": the planner, too, should know
    // which files are there and what they declare, to write the intents that use them.
    let intake = "function intake(ticket) {\n  const level = ticket.severity > 3 ? 'high' : 'low';\n  return { ...ticket, level };\n}\nmodule.exports = { intake };\n";
    let route = "function route(ticket) {\n  if (ticket.level === 'high') return 'oncall';\n  return 'queue';\n}\nmodule.exports = { route };\n";
    let index = "module.exports = {};\n";
    let files = [("systems/core/triage/intake.js", intake), ("systems/core/triage/route.js", route), ("src/index.js", index)];
    // (lib/ holds no file the run knows: the missing file may be a wrong path, so there is a planner to ask.)
    let task = "Study the triage system at systems/core/triage/ and add lib/escalate.js, exported from src/index.js.";
    let scope = ["lib/escalate.js", "src/index.js"];
    let mut host = Host::new(&files);
    host.answers.extend([
        plan(&[("lib/escalate.js", "CREATE"), ("src/index.js", "MODIFY")]),
        fenced("function escalate(t) {\n  return t;\n}\nmodule.exports = { escalate };\n"),
        fenced("const { escalate } = require('../lib/escalate');\nmodule.exports = { escalate };\n"),
    ]);
    let r = host.run(task, &scope, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let l1 = &host.prompts()[0];
    assert_eq!(l1.stage, ModelStage::L1);
    let user = &l1.messages[1].content;
    let listed = user.find("IN THE DIRECTORIES THE TASK NAMES (read-only, never plan these; outlines):").unwrap_or_else(|| panic!("{user}"));
    let dirs = &user[listed..];
    assert!(dirs.contains("- systems/core/triage/intake.js:\n    function intake(ticket)"), "{dirs}");
    assert!(dirs.contains("- systems/core/triage/route.js:\n    function route(ticket)"), "{dirs}");
    // Outlines, not bodies; and never among the files to plan.
    assert!(!user.contains("'oncall'"), "{user}");
    let in_scope = &user[user.find("FILES IN SCOPE:").unwrap()..listed];
    assert!(!in_scope.contains("triage"), "{in_scope}");

    // Within the budget: the directories' share of it cuts the list, the files past it are named.
    let many: Vec<(String, String)> = (0..12)
        .map(|i| (format!("systems/core/triage/step{i:02}.js"), format!("function step{i}(ticket, options, context) {{\n  return ticket;\n}}\nmodule.exports = {{ step{i} }};\n")))
        .chain([("src/index.js".to_string(), index.to_string())])
        .collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let mut host = Host::new(&refs);
    host.answers.extend([
        plan(&[("lib/escalate.js", "CREATE"), ("src/index.js", "MODIFY")]),
        fenced("function escalate(t) {\n  return t;\n}\nmodule.exports = { escalate };\n"),
        fenced("const { escalate } = require('../lib/escalate');\nmodule.exports = { escalate };\n"),
    ]);
    let options = RunOptions { context_budget: Some(1_200), ..RunOptions::default() };
    let r = host.run(task, &scope, options);
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let user = &host.prompts()[0].messages[1].content;
    assert!(user.contains("- systems/core/triage/step00.js:\n") && !user.contains("- systems/core/triage/step11.js:\n"), "{user}");
    assert!(user.contains("not shown: over the context budget):\n") && user.contains("\n    systems/core/triage/step11.js\n"), "{user}");
    assert!(crate::pipeline::estimate_tokens(&host.prompts()[0].messages) <= 1_200);
}

#[test]
fn over_budget_is_reported_not_truncated() {
    let mut host = Host::new(&[("inventory.js", INVENTORY)]);
    host.answers.push_back(plan(&[("inventory.js", "MODIFY")]));
    let options = RunOptions { context_budget: Some(600), ..RunOptions::default() };
    let r = host.run("rewrite everything", &["inventory.js"], options);
    assert_eq!(r.status, Status::Failed);
    let err = r.error.as_ref().unwrap();
    assert_eq!(err.code, "input_over_budget");
    assert!(err.message.contains("more than 600 tokens"), "{}", err.message);
    assert_eq!((host.prompts().len(), host.writes()), (1, 0));
}

#[test]
fn estimate_is_about_three_and_a_half_bytes_a_token() {
    let m = vec![ChatMessage { role: "user".into(), content: "x".repeat(3484) }];
    assert_eq!(estimate_tokens(&m), 1000);
}

const JOBS: &str = include_str!("../../../../tests/fixtures/module-split/lib/jobs.js");
const WORKER: &str = include_str!("../../../../tests/fixtures/module-split/lib/worker.js");
const CLI: &str = include_str!("../../../../tests/fixtures/module-split/lib/cli.js");

#[test]
fn extract_is_mechanical_one_call_byte_identical_with_facade_and_rewire() {
    let mut host = Host::new(&[("lib/jobs.js", JOBS), ("lib/worker.js", WORKER), ("lib/cli.js", CLI)]);
    host.answers.push_back(plan_json(
        "{\"actions\":[\
{\"path\":\"lib/execution.js\",\"action\":\"EXTRACT\",\"from\":\"lib/jobs.js\",\"symbols\":[\"retryDelay\",\"sleep\",\"withTimeout\",\"runJob\",\"JobQueue\",\"runAll\"]},\
{\"path\":\"lib/reporting.js\",\"action\":\"EXTRACT\",\"from\":\"lib/jobs.js\",\"symbols\":[\"formatDuration\",\"summarize\",\"successRate\",\"pad\",\"renderTable\",\"renderReport\",\"csvCell\",\"toCsv\",\"toJson\",\"writeReport\"]},\
{\"path\":\"lib/jobs.js\",\"action\":\"MODIFY\",\"intent\":\"keep config, re-export\"},\
{\"path\":\"lib/worker.js\",\"action\":\"MODIFY\",\"rewire\":true},\
{\"path\":\"lib/cli.js\",\"action\":\"MODIFY\",\"rewire\":true}]}",
    ));
    let scope = ["lib/jobs.js", "lib/execution.js", "lib/reporting.js", "lib/cli.js", "lib/worker.js"];
    let r = host.run("split lib/jobs.js by section", &scope, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.usage.calls, 1);
    assert_eq!((r.counts.written, r.counts.blocked), (5, 0));
    let execution = host.text("lib/execution.js").unwrap();
    let reporting = host.text("lib/reporting.js").unwrap();
    let facade = host.text("lib/jobs.js").unwrap();
    for name in ["runJob", "JobQueue", "withTimeout"] {
        assert!(execution.contains(&section_of(JOBS, name)), "{name} moved byte for byte");
        assert!(!facade.contains(&section_of(JOBS, name)), "{name} left the source");
    }
    assert!(reporting.contains(&section_of(JOBS, "toCsv")));
    assert!(facade.contains(&section_of(JOBS, "loadConfig")));
    assert_eq!(analyze("lib/jobs.js", facade).exports, analyze("lib/jobs.js", JOBS).exports);
    assert!(host.text("lib/worker.js").unwrap().contains("require('./execution')"));
    // A mixed importer gets one require per module.
    assert!(host.text("lib/cli.js").unwrap().contains(
        "const { loadConfig, mergeConfig, configFromEnv } = require('./jobs');\n\
         const { writeReport, renderReport } = require('./reporting');\n\
         const { runAll } = require('./execution');\n"
    ));
}

#[test]
fn a_file_moved_whole_is_one_call_byte_identical_and_every_importer_points_at_the_new_path() {
    let strings = "'use strict';\n// Text helpers.\n\nfunction shout(s) {\n  return s.toUpperCase();\n}\n\nfunction quiet(s) {\n  return s.toLowerCase();\n}\n\nmodule.exports = { shout, quiet };\n";
    let greet = "const { shout } = require('../lib/strings');\nmodule.exports = { greet: (n) => shout(n) };\n";
    let index = "const text = require('./lib/strings');\nconst { greet } = require('./cmd/greet');\nmodule.exports = { text, greet };\n";
    let files = [("src/lib/strings.js", strings), ("src/cmd/greet.js", greet), ("src/index.js", index)];
    let move_plan = "{\"actions\":[\
{\"path\":\"src/lib/text.js\",\"action\":\"EXTRACT\",\"from\":\"src/lib/strings.js\",\"symbols\":[\"shout\",\"quiet\"]},\
{\"path\":\"src/lib/strings.js\",\"action\":\"DELETE\"},\
{\"path\":\"src/cmd/greet.js\",\"action\":\"MODIFY\",\"rewire\":true},\
{\"path\":\"src/index.js\",\"action\":\"MODIFY\",\"rewire\":true}]}";
    let scope = ["src/lib/strings.js", "src/lib/text.js", "src/cmd/greet.js", "src/index.js"];
    let task = "Rename src/lib/strings.js to src/lib/text.js and delete src/lib/strings.js; update every import of it.";
    let mut host = Host::new(&files);
    host.answers.push_back(plan_json(move_plan));
    let r = host.run(task, &scope, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!((r.usage.calls, r.counts.written, r.counts.deleted), (1, 3, 1));
    // The plan prompt offers the move when the run can both EXTRACT and DELETE.
    assert!(host.prompts()[0].messages[1].content.contains("To move or rename a whole file"));
    // The same file under its new name (no facade left behind), and the whole-module require re-pointed too.
    assert_eq!(host.text("src/lib/text.js"), Some(strings));
    assert_eq!(host.text("src/lib/strings.js"), None);
    assert_eq!(host.text("src/cmd/greet.js"), Some(greet.replace("../lib/strings", "../lib/text").as_str()));
    assert_eq!(host.text("src/index.js"), Some(index.replace("./lib/strings", "./lib/text").as_str()));

    // A delete of a source only part of which moves would lose the rest: the plan goes back.
    let partial = move_plan.replace("[\"shout\",\"quiet\"]", "[\"shout\"]");
    let mut host = Host::new(&files);
    host.answers.extend([plan_json(&partial), plan_json(&partial)]);
    let r = host.run(task, &scope, RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "plan_invalid", "{r:?}");
    assert!(host.prompts()[1].messages[1].content.contains("moves only part of it (not quiet)"), "{}", host.prompts()[1].messages[1].content);
    assert_eq!(host.writes(), 0);
}

#[test]
fn extract_that_leaves_a_needed_helper_behind_is_re_planned() {
    let mut host = Host::new(&[("lib/jobs.js", JOBS)]);
    let leaves_sleep = "{\"actions\":[{\"path\":\"lib/execution.js\",\"action\":\"EXTRACT\",\"from\":\"lib/jobs.js\",\"symbols\":[\"runJob\",\"withTimeout\",\"retryDelay\"]}]}";
    host.answers.extend([plan_json(leaves_sleep), plan_json(leaves_sleep)]);
    let r = host.run("move runJob out", &["lib/jobs.js", "lib/execution.js"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "plan_invalid");
    assert!(host.prompts()[1].messages[1].content.contains("sleep"), "the re-ask names the helper left behind");
    assert_eq!(host.writes(), 0);
}

#[test]
fn post_processing_adds_a_missing_import_and_strips_banned_calls() {
    let mut host = Host::new(&[("src/slug.js", "function slugify(s) {\n  return s.toLowerCase();\n}\nmodule.exports = { slugify };\n")]);
    let answer_code = "function title(s) {\n  console.log('debug', s);\n  return slugify(s).toUpperCase();\n}\nmodule.exports = { title };\n";
    host.answers.extend([plan(&[("src/title.js", "CREATE"), ("src/slug.js", "MODIFY")]), fenced(answer_code), fenced("function slugify(s) {\n  return s.toLowerCase();\n}\nmodule.exports = { slugify };\n")]);
    let mut session_input = RunOptions::default();
    session_input.max_retries = Some(0);
    let r = {
        let mut session = Session::new(RunInput {
            words: crate::codes::cli_words(),
            task: "Create src/title.js".into(),
            files: vec!["src/title.js".into(), "src/slug.js".into()],
            read: vec![],
            skills: vec!["# Conventions\n\nBanned: console.log\n".into()],
            options: session_input,
            run_id: "t".into(),
            supplied: Vec::new(),
        });
        let mut reply = None;
        loop {
            let request = session.resume(reply.take());
            host.events.extend(session.take_events());
            reply = Some(match request {
                Request::Read { paths, .. } => Reply::Files {
                    files: paths
                        .into_iter()
                        .map(|p| {
                            let state = host.files.get(&p).cloned().flatten().map_or(FileState::Absent, |text| FileState::Present { text });
                            (p, state)
                        })
                        .collect(),
                    dirs: Default::default(),
                },
                Request::Complete { .. } => host.answers.pop_front().unwrap(),
                Request::Write { path, text, .. } => {
                    host.files.insert(path, Some(text));
                    Reply::Written
                }
                Request::Delete { .. } => Reply::Deleted,
                Request::Verify { .. } => unreachable!("no check in this run"),
                Request::Done { result } => break *result,
            });
        }
    };
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let title = host.text("src/title.js").unwrap();
    assert!(title.starts_with("const { slugify } = require('./slug');\n"), "{title}");
    assert!(!title.contains("console.log"), "{title}");
    let passes: Vec<String> = host
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::PostProcess { pass, .. } => Some(pass.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(passes.len(), 2, "{passes:?}");
}

#[test]
fn other_files_are_shown_as_export_signatures_not_bodies() {
    let mut host = Host::new(&[("src/server.js", SERVER)]);
    host.answers.extend([
        plan(&[("src/health.js", "CREATE"), ("src/server.js", "MODIFY")]),
        fenced(HEALTH),
        fenced(SERVER),
    ]);
    let r = host.run("add health", &["src/health.js", "src/server.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let unit = &host.prompts()[1].messages[1].content;
    assert!(unit.contains("- src/server.js:\n    createServer: function createServer() { …\n    routes: const routes = new Map();\n"), "{unit}");
    assert!(!unit.contains("res.setHeader"), "no bodies of other files");
}

fn check_exit(code: i32, output: &str) -> Reply {
    Reply::Verified { exit_code: Some(code), signal: None, timed_out: false, duration_ms: Some(40), output: output.into() }
}

const SUM_OLD: &str = "function sum(a, b) {\n  return a - b;\n}\nmodule.exports = { sum };\n";
const SUM_WRONG: &str = "function sum(a, b) {\n  return a * b;\n}\nmodule.exports = { sum };\n";
const SUM_RIGHT: &str = "function sum(a, b) {\n  return a + b;\n}\nmodule.exports = { sum };\n";
const SUM_TEST: &str = "const assert = require('assert');\nassert.strictEqual(require('./sum').sum(2, 3), 5);\n";

fn verify_options(command: &str) -> RunOptions {
    RunOptions { verify: Some(command.into()), ..RunOptions::default() }
}

fn kinds_of_events(host: &Host) -> Vec<&'static str> {
    host.events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Write { .. } => Some("write"),
            EventBody::Delete { .. } => Some("delete"),
            EventBody::VerifyStart { .. } => Some("verify"),
            EventBody::VerifyEnd { result, .. } => Some(if result.passed { "passed" } else { "failed" }),
            EventBody::Rollback { .. } => Some("rollback"),
            _ => None,
        })
        .collect()
}

#[test]
fn a_passing_check_makes_the_run_ok_and_is_reported() {
    let mut host = Host::new(&[("sum.js", SUM_OLD)]);
    host.answers.extend([fenced(SUM_RIGHT)]);
    host.verifies.push_back(check_exit(0, "ok 1 sum\n"));
    let r = host.run("fix sum", &["sum.js"], verify_options("node --test"));
    assert_eq!(r.status, Status::Ok, "{r:?}");
    // The check runs once everything is on disk.
    assert_eq!(host.seen_by_verify[0]["sum.js"].as_deref(), Some(SUM_RIGHT));
    let v = r.verify.as_ref().unwrap();
    assert_eq!((v.passed, v.attempts.len(), v.rolled_back), (true, 1, false));
    assert_eq!(kinds_of_events(&host), ["write", "verify", "passed"]);
    assert!(report::render_console(&r, 10, &crate::codes::cli_words()).contains("Verify:   `node --test` passed\n"));
}

#[test]
fn a_failing_check_restores_the_files_and_retries_with_the_end_of_its_output() {
    let mut host = Host::new(&[("sum.js", SUM_OLD), ("gone.js", "module.exports = 1;\n"), ("sum.test.js", SUM_TEST)]);
    host.files.insert("new.js".into(), None);
    host.answers.extend([
        plan(&[("sum.js", "MODIFY"), ("gone.js", "DELETE"), ("new.js", "CREATE")]),
        fenced(SUM_WRONG),
        fenced("module.exports = 2;\n"),
        fenced(SUM_RIGHT),
        fenced("module.exports = 2;\n"),
    ]);
    host.verifies.extend([check_exit(1, "AssertionError: 6 !== 5\n    at sum.test.js:2\n"), check_exit(0, "")]);
    let r = host.run("fix sum, drop gone.js, add new.js", &["sum.js", "gone.js", "new.js"], verify_options("node sum.test.js"));
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("sum.js"), Some(SUM_RIGHT));
    assert_eq!(host.text("gone.js"), None);
    // Before the retry every change was taken back: changed file, deleted file, created file.
    let second = &host.seen_by_verify[1];
    assert_eq!(second["sum.js"].as_deref(), Some(SUM_RIGHT));
    assert_eq!(
        kinds_of_events(&host),
        ["delete", "write", "write", "verify", "failed", "rollback", "rollback", "rollback", "delete", "write", "write", "verify", "passed"]
    );
    let rollback_requests: Vec<String> = host
        .requests
        .iter()
        .skip_while(|r| !matches!(r, Request::Verify { .. }))
        .skip(1)
        .take(3)
        .map(|r| match r {
            Request::Write { path, text, rollback, .. } => format!("write {path} {} {rollback}", text.len()),
            Request::Delete { path, rollback, .. } => format!("delete {path} {rollback}"),
            other => format!("{other:?}"),
        })
        .collect();
    // Newest first, each with the content from before the run.
    assert_eq!(rollback_requests, [format!("delete new.js true"), format!("write sum.js {} true", SUM_OLD.len()), format!("write gone.js 20 true")]);
    // The retry's prompts carry the check and the end of its output, and start from the original text.
    let retry = host.prompts().iter().filter(|p| p.stage == "L3").nth(2).map(|p| p.messages[1].content.clone()).unwrap();
    assert!(retry.contains("`node sum.test.js` ended with exit 1"), "{retry}");
    assert!(retry.contains("AssertionError: 6 !== 5"), "{retry}");
    assert!(retry.contains("return a - b;"), "{retry}");
    assert_eq!(prompts::read_block(&host.prompts()[4].messages).unwrap()["retry"], "verify");
    let v = r.verify.unwrap();
    assert_eq!((v.passed, v.attempts.len()), (true, 2));
    // Request attempt numbers stay unique across rounds.
    let attempts: Vec<u32> = host.prompts().iter().filter(|p| p.path.as_deref() == Some("sum.js")).map(|p| p.attempt).collect();
    assert_eq!(attempts, [0, 1]);
}

#[test]
fn a_check_that_keeps_failing_ends_verify_failed_with_every_file_as_before() {
    let mut host = Host::new(&[("sum.js", SUM_OLD)]);
    host.answers.extend([fenced(SUM_WRONG), fenced(SUM_WRONG)]);
    host.verifies.extend([check_exit(1, "fail 1\n"), check_exit(1, "fail 2\n")]);
    let options = RunOptions { max_retries: Some(1), ..verify_options("npm test") };
    let r = host.run("fix sum", &["sum.js"], options);
    assert_eq!(r.status, Status::VerifyFailed, "{r:?}");
    assert_eq!(host.text("sum.js"), Some(SUM_OLD));
    assert_eq!(r.error.as_ref().unwrap().code, "verify_failed");
    assert!(r.error.as_ref().unwrap().message.contains("on all 2 attempts"), "{r:?}");
    assert_eq!((r.counts.written, r.counts.rolled_back), (0, 1));
    assert_eq!(r.files[0].outcome, Outcome::RolledBack);
    assert!(!r.files[0].diff.is_empty(), "the report still shows what was tried");
    let v = r.verify.as_ref().unwrap();
    assert_eq!((v.passed, v.rolled_back, v.kept, v.attempts.len()), (false, true, false, 2));
    let text = report::render_console(&r, 10, &crate::codes::cli_words());
    assert!(text.contains("Status:   VERIFY_FAILED\n"), "{text}");
    assert!(text.contains("`npm test` failed (exit 1) after 2 attempts; writes rolled back"), "{text}");
    let md = report::render_markdown(&r, "fix sum", 10, &crate::codes::cli_words());
    assert!(md.contains("## Verify") && md.contains("fail 2"), "{md}");

    // --max-retries 0: one check, no retry.
    let mut host = Host::new(&[("sum.js", SUM_OLD)]);
    host.answers.extend([fenced(SUM_WRONG)]);
    host.verifies.push_back(check_exit(2, ""));
    let r = host.run("fix sum", &["sum.js"], RunOptions { max_retries: Some(0), ..verify_options("npm test") });
    assert_eq!((r.status, host.prompts().len()), (Status::VerifyFailed, 1));
    assert_eq!(host.text("sum.js"), Some(SUM_OLD));
}

#[test]
fn keep_on_fail_leaves_the_writes_and_a_missing_command_is_not_retried() {
    let mut host = Host::new(&[("sum.js", SUM_OLD)]);
    host.answers.extend([fenced(SUM_WRONG)]);
    host.verifies.push_back(check_exit(1, "boom"));
    let r = host.run("fix sum", &["sum.js"], RunOptions { keep_on_fail: true, ..verify_options("npm test") });
    assert_eq!(r.status, Status::VerifyFailed);
    assert_eq!(host.text("sum.js"), Some(SUM_WRONG));
    assert_eq!((r.counts.written, r.counts.rolled_back), (1, 0));
    assert!(r.verify.as_ref().unwrap().kept);

    let mut host = Host::new(&[("sum.js", SUM_OLD)]);
    host.answers.extend([fenced(SUM_RIGHT)]);
    host.verifies.push_back(check_exit(127, "sh: 1: nmp: not found"));
    let r = host.run("fix sum", &["sum.js"], verify_options("nmp test"));
    assert_eq!(r.status, Status::VerifyFailed);
    assert!(r.error.unwrap().message.contains("could not be run"));
    assert_eq!((host.prompts().len(), host.text("sum.js")), (1, Some(SUM_OLD)));

    // A timeout is a failure like any other.
    let mut host = Host::new(&[("sum.js", SUM_OLD)]);
    host.answers.extend([fenced(SUM_RIGHT)]);
    host.verifies.push_back(Reply::Verified {
        exit_code: None,
        signal: Some("SIGTERM".into()),
        timed_out: true,
        duration_ms: Some(1000),
        output: String::new(),
    });
    let r = host.run("fix sum", &["sum.js"], RunOptions { max_retries: Some(0), ..verify_options("sleep 9") });
    assert_eq!(r.status, Status::VerifyFailed);
    assert!(r.error.unwrap().message.contains("(timed out)"));
}

#[test]
fn an_interrupt_during_the_check_is_interrupted_not_failed() {
    let mut host = Host::new(&[("sum.js", SUM_OLD)]);
    host.answers.extend([fenced(SUM_RIGHT)]);
    host.verifies.push_back(Reply::VerifyError { code: "interrupted".into(), message: "SIGINT".into() });
    let r = host.run("fix sum", &["sum.js"], verify_options("npm test"));
    assert_eq!(r.status, Status::Interrupted);
    assert!(report::render_console(&r, 1, &crate::codes::cli_words()).contains("Status:   INTERRUPTED"));
    // Unchecked is not done: the file is restored.
    assert_eq!(host.text("sum.js"), Some(SUM_OLD));
    assert_eq!(r.counts.rolled_back, 1);
}

#[test]
fn a_failed_write_takes_back_the_writes_before_it() {
    let mut host = Host::new(&[("a.js", "module.exports = 1;\n"), ("b.js", "module.exports = 2;\n")]);
    host.fail_write_of = Some("b.js".into());
    host.answers.extend([plan(&[("a.js", "MODIFY"), ("b.js", "MODIFY")]), fenced("module.exports = 10;\n"), fenced("module.exports = 20;\n")]);
    let r = host.run("bump both", &["a.js", "b.js"], RunOptions::default());
    assert_eq!((r.status, r.error.as_ref().unwrap().code.as_str()), (Status::Failed, "write_failed"));
    assert_eq!(host.text("a.js"), Some("module.exports = 1;\n"));
    assert!(r.error.unwrap().message.contains("1 change(s) made before it were rolled back"));
    assert_eq!(r.counts.rolled_back, 1);
}

#[test]
fn output_tail_keeps_the_end_within_bounds() {
    assert_eq!(tail("a\nb\nc\n", 100, 2), "[...]\nb\nc");
    assert_eq!(tail("short", 100, 10), "short");
    let long = "é".repeat(3000);
    let t = tail(&long, 101, 10);
    assert!(t.starts_with("[...]\n") && t.len() <= 101 + 6, "{}", t.len());
}

#[test]
fn a_crlf_file_with_a_bom_keeps_both_when_the_model_answers_with_lf() {
    let old = "\u{FEFF}function sum(a, b) {\r\n  return a - b;\r\n}\r\nmodule.exports = { sum };\r\n";
    let mut host = Host::new(&[("sum.js", old)]);
    host.answers.extend([fenced(SUM_RIGHT)]);
    let r = host.run("fix sum", &["sum.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("sum.js"), Some(format!("\u{FEFF}{}", SUM_RIGHT.replace('\n', "\r\n")).as_str()));
    // Only the line that really changed is in the diff.
    let changed: Vec<&str> = r.files[0].diff.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).collect();
    assert_eq!(changed, ["+  return a + b;"]);
}

#[test]
fn an_interrupt_between_two_writes_takes_back_the_first() {
    let mut host = Host::new(&[("a.js", "module.exports = 1;\n"), ("b.js", "module.exports = 2;\n")]);
    host.answers.extend([plan(&[("a.js", "MODIFY"), ("b.js", "MODIFY")]), fenced("module.exports = 10;\n"), fenced("module.exports = 20;\n")]);
    let mut session = Session::new(RunInput {
        words: crate::codes::cli_words(),
        task: "bump both".into(),
        files: vec!["a.js".into(), "b.js".into()],
        options: RunOptions::default(),
        run_id: "t".into(),
        ..RunInput::default()
    });
    let mut reply = None;
    let mut writes = Vec::new();
    let result = loop {
        reply = Some(match session.resume(reply.take()) {
            Request::Read { paths, .. } => Reply::Files {
                files: paths.into_iter().map(|p| {
                    let state = host.files.get(&p).cloned().flatten().map_or(FileState::Absent, |text| FileState::Present { text });
                    (p, state)
                }).collect(),
                dirs: Default::default(),
            },
            Request::Complete { .. } => host.answers.pop_front().unwrap(),
            // The user presses Ctrl-C after the first write: the host refuses the next ordinary
            // write, and lets the rollback's through.
            Request::Write { path, text, rollback, .. } => {
                writes.push((path.clone(), rollback));
                if writes.len() == 2 && !rollback {
                    Reply::WriteError { message: "interrupted".into(), code: Some("interrupted".into()) }
                } else {
                    host.files.insert(path, Some(text));
                    Reply::Written
                }
            }
            Request::Done { result } => break *result,
            other => panic!("unexpected {other:?}"),
        });
    };
    assert_eq!(result.status, Status::Interrupted, "{result:?}");
    assert_eq!(writes, [("a.js".to_string(), false), ("b.js".to_string(), false), ("a.js".to_string(), true)]);
    assert_eq!(host.text("a.js"), Some("module.exports = 1;\n"));
    assert!(result.error.unwrap().message.contains("the 1 change(s) already made were rolled back"));
}

const A_OLD: &str = "module.exports = 1;\n";
const B_OLD: &str = "module.exports = 2;\n";
const USERS: &str = "module.exports = 'the user typed this';\n";

fn bump_both(host: &mut Host) -> RunResult {
    host.answers.extend([plan(&[("a.js", "MODIFY"), ("b.js", "MODIFY")]), fenced("module.exports = 10;\n"), fenced("module.exports = 20;\n")]);
    host.run("bump both", &["a.js", "b.js"], RunOptions::default())
}

#[test]
fn every_write_and_delete_expects_what_the_run_read_or_wrote() {
    let mut host = Host::new(&[("sum.js", SUM_OLD), ("gone.js", "module.exports = 0;\n")]);
    host.answers.extend([plan(&[("sum.js", "MODIFY"), ("gone.js", "DELETE"), ("new.js", "CREATE")]), fenced(SUM_WRONG), fenced("module.exports = 3;\n")]);
    host.answers.extend([fenced(SUM_RIGHT), fenced("module.exports = 3;\n")]);
    host.verifies.extend([check_exit(1, "AssertionError"), check_exit(0, "ok")]);
    let r = host.run("fix sum, drop gone.js, add new.js", &["sum.js", "gone.js", "new.js"], verify_options("node sum.test.js"));
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let present = |t: &str| Expected::Present { text: t.into() };
    let seen: Vec<(String, bool, Expected)> = host
        .requests
        .iter()
        .filter_map(|r| match r {
            Request::Write { path, rollback, expect, .. } | Request::Delete { path, rollback, expect } => Some((path.clone(), *rollback, expect.clone())),
            _ => None,
        })
        .collect();
    let want = [
        // First round: what the run read.
        ("gone.js", false, present("module.exports = 0;\n")),
        ("sum.js", false, present(SUM_OLD)),
        ("new.js", false, Expected::Absent),
        // The rollback: what the run wrote, newest first.
        ("new.js", true, present("module.exports = 3;\n")),
        ("sum.js", true, present(SUM_WRONG)),
        ("gone.js", true, Expected::Absent),
        // Second round: what the rollback put back.
        ("gone.js", false, present("module.exports = 0;\n")),
        ("sum.js", false, present(SUM_OLD)),
        ("new.js", false, Expected::Absent),
    ];
    let want: Vec<(String, bool, Expected)> = want.into_iter().map(|(p, r, e)| (p.to_string(), r, e)).collect();
    assert_eq!(seen, want);
}

#[test]
fn a_file_changed_before_its_write_is_kept_and_the_other_writes_are_taken_back() {
    // b.js is edited while the run works (after a.js was written): its write is refused.
    let mut host = Host::new(&[("a.js", A_OLD), ("b.js", B_OLD)]);
    host.edits.push((1, "b.js".into(), Some(USERS.into())));
    let r = bump_both(&mut host);
    assert_eq!((r.status, r.error.as_ref().unwrap().code.as_str()), (Status::Failed, "conflict"), "{r:?}");
    assert_eq!((host.text("a.js"), host.text("b.js")), (Some(A_OLD), Some(USERS)));
    let message = &r.error.as_ref().unwrap().message;
    assert!(message.starts_with("b.js changed on disk during the run and was left as it is: not what the run read"), "{message}");
    assert!(message.ends_with("the 1 change(s) made before it were rolled back"), "{message}");
    let b = r.files.iter().find(|f| f.path == "b.js").unwrap();
    assert_eq!(b.outcome, Outcome::Failed);
    assert_eq!((r.counts.written, r.counts.rolled_back, r.counts.failed), (0, 1, 1));
    let text = report::render_console(&r, 1, &crate::codes::cli_words());
    assert!(text.contains("Status:   FAILED (conflict)"), "{text}");

    // Edited before the first write: nothing is written at all.
    let mut host = Host::new(&[("a.js", A_OLD), ("b.js", B_OLD)]);
    host.edits.push((0, "a.js".into(), Some(USERS.into())));
    let r = bump_both(&mut host);
    assert_eq!(r.error.as_ref().unwrap().code, "conflict");
    assert_eq!((host.text("a.js"), host.text("b.js"), host.writes()), (Some(USERS), Some(B_OLD), 1));
}

#[test]
fn a_create_target_that_appears_and_a_delete_target_that_changes_are_conflicts() {
    let mut host = Host::new(&[("old.js", A_OLD)]);
    host.edits.push((0, "new.js".into(), Some(USERS.into())));
    host.answers.extend([fenced("module.exports = 3;\n")]);
    let r = host.run("create new.js", &["new.js"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "conflict", "{r:?}");
    assert_eq!(host.text("new.js"), Some(USERS));

    let mut host = Host::new(&[("old.js", A_OLD), ("b.js", B_OLD)]);
    host.answers.extend([plan(&[("b.js", "MODIFY"), ("old.js", "DELETE")]), fenced("module.exports = 20;\n")]);
    let r = host.run("drop old.js", &["b.js", "old.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let mut host = Host::new(&[("old.js", A_OLD), ("b.js", B_OLD)]);
    host.edits.push((0, "old.js".into(), Some(USERS.into())));
    host.answers.extend([plan(&[("b.js", "MODIFY"), ("old.js", "DELETE")]), fenced("module.exports = 20;\n")]);
    let r = host.run("drop old.js", &["b.js", "old.js"], RunOptions::default());
    assert_eq!(r.error.as_ref().unwrap().code, "conflict", "{r:?}");
    assert_eq!((host.text("old.js"), host.text("b.js")), (Some(USERS), Some(B_OLD)));

    // A file the user deleted is not there to be written over either.
    let mut host = Host::new(&[("a.js", A_OLD), ("b.js", B_OLD)]);
    host.edits.push((0, "a.js".into(), None));
    let r = bump_both(&mut host);
    assert_eq!(r.error.as_ref().unwrap().code, "conflict");
    assert_eq!((host.text("a.js"), host.text("b.js")), (None, Some(B_OLD)));
}

#[test]
fn a_file_changed_while_the_check_runs_is_not_restored_over() {
    let mut host = Host::new(&[("sum.js", SUM_OLD), ("b.js", B_OLD)]);
    host.answers.extend([plan(&[("sum.js", "MODIFY"), ("b.js", "MODIFY")]), fenced(SUM_WRONG), fenced("module.exports = 20;\n")]);
    host.verifies.push_back(check_exit(1, "AssertionError"));
    // The check appends to sum.js after the run wrote it, then fails.
    let edited = format!("{SUM_WRONG}// touched by the check\n");
    host.edit_during_verify = Some(("sum.js".into(), Some(edited.clone())));
    let r = host.run("fix sum", &["sum.js", "b.js"], verify_options("sh -c 'echo x >> sum.js; exit 1'"));
    assert_eq!((r.status, r.error.as_ref().unwrap().code.as_str()), (Status::Failed, "conflict"), "{r:?}");
    // The edited file is as the check left it; the other one is restored; no retry round.
    assert_eq!((host.text("sum.js"), host.text("b.js")), (Some(edited.as_str()), Some(B_OLD)));
    assert_eq!(host.prompts().len(), 3);
    let message = &r.error.as_ref().unwrap().message;
    assert!(message.starts_with("changed on disk after the run wrote it, so not restored (left as they are now): sum.js"), "{message}");
    let sum = r.files.iter().find(|f| f.path == "sum.js").unwrap();
    assert_eq!(sum.outcome, Outcome::Failed);
    assert!(sum.error.as_deref().unwrap().starts_with("changed on disk after the run wrote it"), "{sum:?}");
    assert_eq!((r.counts.written, r.counts.rolled_back, r.counts.failed), (0, 1, 1));
}

// The plan is the unit of application (issue 13).

const SERVER_NEEDS_HEALTH: &str =
    "const health = require('./health');\nfunction createServer() {}\nconst routes = new Map([['/health', health]]);\nmodule.exports = { createServer, routes };\n";
const APP: &str = "const { createServer } = require('./server');\nmodule.exports = { app: createServer };\n";
const APP_NEW: &str = "const { createServer } = require('./server');\nmodule.exports = { app: createServer, port: 3000 };\n";
const UTIL: &str = "module.exports = { id: (x) => x };\n";

fn outcome_of(r: &RunResult, path: &str) -> (Outcome, Option<String>) {
    let f = r.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no outcome for {path}: {r:?}"));
    (f.outcome, f.error.clone())
}

fn health_plan_host() -> Host {
    let mut host = Host::new(&[("src/server.js", SERVER), ("src/app.js", APP)]);
    host.answers.extend([
        plan(&[("src/server.js", "MODIFY"), ("src/health.js", "CREATE"), ("src/util.js", "CREATE"), ("src/app.js", "MODIFY")]),
        fenced(SERVER_NEEDS_HEALTH),
        fenced("module.exports = function health( {\n"),
        fenced(UTIL),
        fenced(APP_NEW),
    ]);
    host
}

const HEALTH_SCOPE: [&str; 4] = ["src/server.js", "src/health.js", "src/util.js", "src/app.js"];

#[test]
fn a_blocked_file_stops_the_whole_plan_by_default() {
    let mut host = health_plan_host();
    let r = host.run("Add a GET /health route", &HEALTH_SCOPE, RunOptions { max_retries: Some(0), ..RunOptions::default() });
    assert_eq!((r.status, r.error.as_ref().unwrap().code.as_str()), (Status::Failed, "blocked"), "{r:?}");
    let message = &r.error.as_ref().unwrap().message;
    assert!(message.starts_with("src/health.js (CREATE) was blocked by syntax (Expected `}` but found `EOF` (line 2, column 1)); nothing was written"), "{message}");
    assert_eq!(host.writes(), 0);
    assert_eq!((host.text("src/server.js"), host.text("src/util.js")), (Some(SERVER), None));
    for path in ["src/server.js", "src/util.js", "src/app.js"] {
        let (outcome, why) = outcome_of(&r, path);
        assert_eq!(outcome, Outcome::Withheld, "{path}");
        assert!(why.unwrap().contains("a plan is applied whole"), "{path}");
    }
    assert_eq!(
        outcome_of(&r, "src/server.js").1.as_deref(),
        Some("not written: src/health.js was blocked, and a plan is applied whole (--partial keeps what does not need it)")
    );
    assert_eq!((r.counts.written, r.counts.blocked, r.counts.withheld), (0, 1, 3));
    let console = report::render_console(&r, 10, &crate::codes::cli_words());
    assert!(console.contains("Status:   FAILED (blocked)\n"), "{console}");
    assert!(console.contains("Withheld: src/server.js, src/util.js, src/app.js\n"), "{console}");
}

#[test]
fn partial_keeps_what_does_not_need_the_blocked_file_and_nothing_that_does() {
    let mut host = health_plan_host();
    let options = RunOptions { max_retries: Some(0), partial: true, ..RunOptions::default() };
    let r = host.run("Add a GET /health route", &HEALTH_SCOPE, options);
    assert_eq!((r.status, r.error.as_ref()), (Status::Partial, None), "{r:?}");
    // server.js requires the blocked health.js; app.js requires server.js (withheld): both stay.
    assert_eq!(outcome_of(&r, "src/server.js").1.as_deref(), Some("not written: it imports src/health.js, which is not written"));
    assert_eq!(outcome_of(&r, "src/app.js").1.as_deref(), Some("not written: it imports src/server.js, which is not written"));
    assert_eq!(outcome_of(&r, "src/util.js").0, Outcome::Written);
    assert_eq!((host.text("src/server.js"), host.text("src/app.js"), host.text("src/util.js")), (Some(SERVER), Some(APP), Some(UTIL)));
}

const INDEX_OLD: &str = "const a = require('./a');\nconst legacy = require('./legacy');\nmodule.exports = { a, legacy };\n";

#[test]
fn partial_never_deletes_a_file_that_a_file_left_on_disk_imports() {
    // index.js is blocked, so its old text (which requires legacy.js) stays: legacy.js must stay too.
    // b.js is kept and still requires gone.js: gone.js stays. unused.js is imported by nothing: it goes.
    let mut host = Host::new(&[
        ("src/index.js", INDEX_OLD),
        ("src/a.js", "module.exports = 1;\n"),
        ("src/legacy.js", "module.exports = 2;\n"),
        ("src/gone.js", "module.exports = 3;\n"),
        ("src/unused.js", "module.exports = 4;\n"),
        ("src/b.js", "const gone = require('./gone');\nmodule.exports = { b: gone };\n"),
    ]);
    host.answers.extend([
        plan(&[
            ("src/index.js", "MODIFY"),
            ("src/a.js", "MODIFY"),
            ("src/legacy.js", "DELETE"),
            ("src/gone.js", "DELETE"),
            ("src/unused.js", "DELETE"),
            ("src/b.js", "MODIFY"),
        ]),
        fenced("const a = require('./a');\nmodule.exports = { a, \n"),
        fenced("module.exports = 10;\n"),
        fenced("const gone = require('./gone.js');\nmodule.exports = { b: gone + 1 };\n"),
    ]);
    let task = "Delete legacy.js, gone.js and unused.js; drop the legacy export from index.js";
    let scope = ["src/index.js", "src/a.js", "src/legacy.js", "src/gone.js", "src/unused.js", "src/b.js"];
    let r = host.run(task, &scope, RunOptions { max_retries: Some(0), partial: true, ..RunOptions::default() });
    assert_eq!(r.status, Status::Partial, "{r:?}");
    assert_eq!(outcome_of(&r, "src/index.js").0, Outcome::Blocked, "{r:?}");
    assert_eq!(outcome_of(&r, "src/legacy.js").1.as_deref(), Some("not deleted: src/index.js still imports it"));
    assert_eq!(outcome_of(&r, "src/gone.js").1.as_deref(), Some("not deleted: src/b.js still imports it"));
    assert_eq!((outcome_of(&r, "src/unused.js").0, outcome_of(&r, "src/a.js").0), (Outcome::Deleted, Outcome::Written));
    assert!(host.text("src/legacy.js").is_some() && host.text("src/gone.js").is_some() && host.text("src/unused.js").is_none());
}

#[test]
fn a_delete_the_task_never_asked_for_is_sent_back_once_then_fails() {
    let mut host = Host::new(&[("src/server.js", SERVER), ("src/routes.js", UTIL)]);
    host.answers.extend([
        plan(&[("src/server.js", "DELETE"), ("src/routes.js", "DELETE")]),
        plan(&[("src/server.js", "DELETE"), ("src/routes.js", "MODIFY")]),
    ]);
    let r = host.run("Add a GET /health route", &["src/server.js", "src/routes.js"], RunOptions::default());
    assert_eq!((r.status, r.error.as_ref().unwrap().code.as_str()), (Status::Failed, "plan_invalid"), "{r:?}");
    assert!(r.error.unwrap().message.contains("src/server.js: the task does not ask for this file to be deleted"));
    let again = &host.prompts()[1].messages[1].content;
    assert!(again.contains("- src/routes.js: the task does not ask for this file to be deleted"), "{again}");
    assert_eq!(host.writes(), 0);

    // Named with a removal word, by path, base name or name without the extension: it goes.
    for task in ["Move the routes into src/server.js and delete src/routes.js", "Remove routes.js.", "Get rid of the routes module; merge routes into server"] {
        let mut host = Host::new(&[("src/server.js", SERVER), ("src/routes.js", UTIL)]);
        host.answers.extend([plan(&[("src/server.js", "MODIFY"), ("src/routes.js", "DELETE")]), fenced(SERVER)]);
        let r = host.run(task, &["src/server.js", "src/routes.js"], RunOptions::default());
        assert_eq!(r.status, Status::Ok, "{task}: {r:?}");
        assert_eq!(host.text("src/routes.js"), None, "{task}");
    }
}

const TOOLS_INDEX: &str = "const { PatchTool } = require('./PatchTool');\nconst { ReadTool } = require('./ReadTool');\nmodule.exports = { PatchTool, ReadTool };\n";
const TOOLS_INDEX_NEW: &str = "const { ReadTool } = require('./ReadTool');\nmodule.exports = { ReadTool };\n";

#[test]
fn an_export_whose_source_the_plan_deletes_may_go_when_the_task_removes_it() {
    let mut host = Host::new(&[
        ("tools/index.js", TOOLS_INDEX),
        ("tools/PatchTool.js", "class PatchTool {}\nmodule.exports = { PatchTool };\n"),
        ("tools/ReadTool.js", "class ReadTool {}\nmodule.exports = { ReadTool };\n"),
    ]);
    host.answers.extend([
        plan(&[("tools/index.js", "MODIFY"), ("tools/PatchTool.js", "DELETE"), ("tools/ReadTool.js", "MODIFY")]),
        fenced(TOOLS_INDEX_NEW),
        fenced("class ReadTool {}\nmodule.exports = { ReadTool };\n"),
    ]);
    let task = "Migrate the tools: delete PatchTool.js and remove PatchTool from the index.";
    let r = host.run(task, &["tools/index.js", "tools/PatchTool.js", "tools/ReadTool.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!((host.text("tools/index.js"), host.text("tools/PatchTool.js")), (Some(TOOLS_INDEX_NEW), None));
    assert_eq!(r.plan[0].drop_exports, ["PatchTool"]);
    let unit = &host.prompts()[1].messages[1].content;
    assert!(unit.contains("KEEP THESE EXPORTS: ReadTool\n"), "{unit}");
    // The deleted file is no neighbour of anything.
    assert!(!unit.contains("- tools/PatchTool.js"), "{unit}");
}

#[test]
fn a_retry_never_asks_to_keep_what_the_task_removes_and_a_repeated_answer_stops_at_once() {
    // The task removes `routes`, but the plan has no dropExports and server.js is not deleted, so
    // losing it is still blocked; the retry must not ask to keep it, and the same answer twice ends it.
    let dropped = "function createServer() {}\nmodule.exports = { createServer };\n";
    let mut host = Host::new(&[("src/server.js", SERVER)]);
    host.answers.extend([plan(&[("src/server.js", "MODIFY")]), fenced(dropped), fenced(dropped), fenced(dropped)]);
    let r = host.run("Remove routes from server.js", &["src/server.js"], RunOptions { max_retries: Some(2), ..RunOptions::default() });
    assert_eq!(r.status, Status::Failed, "{r:?}");
    let prompts = host.prompts();
    assert_eq!(prompts.len(), 3, "one plan call, one answer, one retry: the repeat stops it");
    for p in &prompts[1..] {
        assert!(p.messages[1].content.contains("KEEP THESE EXPORTS: createServer\n"), "{}", p.messages[1].content);
    }
    let (outcome, why) = outcome_of(&r, "src/server.js");
    assert_eq!(outcome, Outcome::Blocked);
    assert!(why.unwrap().contains("the retry gave the same answer again: no further retries"));
}

#[test]
fn created_files_are_held_to_the_exports_the_plan_declares_and_neighbours_see_them() {
    let slug_plan = "{\"actions\":[\
{\"path\":\"src/slug.js\",\"action\":\"CREATE\",\"exports\":[\"slugify\",\"deslugify\"]},\
{\"path\":\"src/title.js\",\"action\":\"MODIFY\",\"exports\":[\"title\",\"titleSlug\"]},\
{\"path\":\"src/page.js\",\"action\":\"MODIFY\"}]}";
    let half = "function slugify(s) { return s; }\nmodule.exports = { slugify };\n";
    let whole = "function slugify(s) { return s; }\nfunction deslugify(s) { return s; }\nmodule.exports = { slugify, deslugify };\n";
    let title_old = "function title(s) { return s; }\nmodule.exports = { title, old: 1 };\n";
    let title_new = "const { slugify } = require('./slug');\nfunction title(s) { return s; }\nconst titleSlug = (s) => slugify(title(s));\nmodule.exports = { title, old: 1, titleSlug };\n";
    let mut host = Host::new(&[("src/title.js", title_old), ("src/page.js", UTIL)]);
    host.answers.extend([answer(slug_plan), fenced(half), fenced(whole), fenced(title_new), fenced(UTIL)]);
    let task = "Create src/slug.js exporting slugify and deslugify; add titleSlug to src/title.js";
    let r = host.run(task, &["src/slug.js", "src/title.js", "src/page.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let prompts = host.prompts();
    let retry = &prompts[2].messages[1].content;
    assert!(retry.contains("REJECTED: src/slug.js: planned export(s) missing: deslugify"), "{retry}");
    assert!(prompts[1].messages[1].content.contains("EXPORT THESE: slugify, deslugify\n"));
    // page.js is told what slug.js and title.js will export, not what they exported before.
    let page = &prompts[4].messages[1].content;
    assert!(page.contains("- src/slug.js:\n    deslugify\n    slugify\n"), "{page}");
    assert!(page.contains("- src/title.js:\n    old\n    title: function title(s) { return s; }\n    titleSlug\n"), "{page}");
}

/// An Exercism exercise: ES-module stub and spec, package.json without "type", Jest through Babel.
const STUB: &str = "export class Trio {\n  label() {\n    throw new Error('Remove this statement and implement this function');\n  }\n}\n";

#[test]
fn auto_follows_the_projects_toolchain() {
    let package = ("package.json", "{\"devDependencies\": {\"jest\": \"^29\"}}");
    let cjs_answer = "class Trio {\n  label() {\n    return 'ok';\n  }\n}\nmodule.exports = { Trio };\n";
    let esm_answer = "export function createServer() {}\nexport const routes = new Map();\n";
    // (files, scope file, its answer, written?): what Babel, tsc or a bundler runs passes; plain
    // Node's refusals stay refusals.
    let babel = ("babel.config.js", "module.exports = { presets: ['@babel/preset-env'] };\n");
    let cases: [(&[(&str, &str)], &str, &str, bool); 8] = [
        // Babel: an import of a CommonJS file works, so a CommonJS answer to an ESM stub runs.
        (&[package, babel, ("trio.js", STUB)], "trio.js", cjs_answer, true),
        (&[package, (".babelrc", "{}"), ("trio.js", STUB)], "trio.js", cjs_answer, true),
        (&[("package.json", "{\"babel\": {\"presets\": [\"@babel/preset-env\"]}}"), ("trio.js", STUB)], "trio.js", cjs_answer, true),
        // ... and ESM in a CommonJS project.
        (&[package, babel, ("src/server.js", SERVER)], "src/server.js", esm_answer, true),
        // tsc and bundlers read ESM anywhere, but `require` in an ES-module file is still refused.
        (&[package, ("vite.config.js", "export default {};\n"), ("src/server.js", SERVER)], "src/server.js", esm_answer, true),
        (&[package, ("tsconfig.json", "{}"), ("trio.js", STUB)], "trio.js", cjs_answer, false),
        // No toolchain: plain Node, as before.
        (&[package, ("trio.js", STUB)], "trio.js", cjs_answer, false),
        (&[package, ("src/server.js", SERVER)], "src/server.js", esm_answer, false),
    ];
    for (i, (files, path, new, written)) in cases.into_iter().enumerate() {
        let mut host = Host::new(files);
        host.answers.extend([fenced(new)]);
        let r = host.run("implement it", &[path], RunOptions { max_retries: Some(0), ..RunOptions::default() });
        let rules: Vec<Rule> = r.files[0].violations.iter().map(|v| v.rule).collect();
        if written {
            assert_eq!((r.status, rules), (Status::Ok, vec![]), "case {i}");
        } else {
            assert_eq!(rules, [Rule::ModuleFormat], "case {i}");
        }
    }
    // The extension and an explicit --module-format still decide alone.
    let mut host = Host::new(&[package, babel, ("trio.mjs", STUB)]);
    host.answers.extend([fenced(cjs_answer)]);
    let r = host.run("implement it", &["trio.mjs"], RunOptions { max_retries: Some(0), ..RunOptions::default() });
    assert_eq!(r.files[0].violations[0].rule, Rule::ModuleFormat);
    let mut host = Host::new(&[package, babel, ("trio.js", STUB)]);
    host.answers.extend([fenced(cjs_answer)]);
    let esm = RunOptions { max_retries: Some(0), module_format: FormatChoice::Esm, ..RunOptions::default() };
    assert_eq!(host.run("implement it", &["trio.js"], esm).files[0].violations[0].rule, Rule::ModuleFormat);
}

const MAIN_OLD: &str = "const legacy = require('./legacy');\nconst a = require('./a');\nmodule.exports = function main() { return legacy() + a; };\n";
const MAIN_NEW: &str = "const a = require('./a');\nmodule.exports = function main() { return a; };\n";
const LEGACY: &str = "module.exports = function legacy() { return 1; };\n";
const LEGACY_TASK: &str = "Delete src/legacy.js and stop using it in main.js";
/// In scope: main.js and legacy.js. a.js is on disk but out of scope.
const LEGACY_SCOPE: [&str; 2] = ["src/main.js", "src/legacy.js"];

fn legacy_host(extra: &[(&str, &str)]) -> Host {
    let mut files = vec![("src/main.js", MAIN_OLD), ("src/legacy.js", LEGACY), ("src/a.js", "module.exports = 2;\n")];
    files.extend_from_slice(extra);
    let mut host = Host::new(&files);
    host.answers.push_back(plan(&[("src/main.js", "MODIFY"), ("src/legacy.js", "DELETE")]));
    host
}

#[test]
fn an_answer_that_still_requires_a_file_the_plan_deletes_is_sent_back_with_the_reason() {
    // The model forgot the import (written with the extension this time): sent back, then fixed: OK.
    let forgot = "const legacy = require('./legacy.js');\nconst a = require('./a');\nmodule.exports = function main() { return a; };\n";
    let mut host = legacy_host(&[]);
    host.answers.extend([fenced(forgot), fenced(MAIN_NEW)]);
    let r = host.run(LEGACY_TASK, &LEGACY_SCOPE, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let retry = &host.prompts()[2].messages[1].content;
    assert!(retry.contains("src/main.js: still imports src/legacy.js, which the plan deletes: drop or replace that import"), "{retry}");
    assert_eq!((host.text("src/main.js"), host.text("src/legacy.js")), (Some(MAIN_NEW), None));

    // It never fixes it: the plan does not land, and the error names the rule and both files.
    let mut host = legacy_host(&[]);
    host.answers.extend([fenced(forgot)]);
    let r = host.run(LEGACY_TASK, &LEGACY_SCOPE, RunOptions { max_retries: Some(0), ..RunOptions::default() });
    assert_eq!((r.status, r.error.as_ref().map(|e| e.code.as_str())), (Status::Failed, Some("blocked")), "{r:?}");
    let message = &r.error.as_ref().unwrap().message;
    assert!(
        message.starts_with("src/legacy.js (DELETE) was blocked by delete_still_imported (the plan deletes it, but src/main.js still imports it (as the run leaves it on disk)); nothing was written"),
        "{message}"
    );
    assert_eq!(host.writes(), 0);
    assert_eq!((outcome_of(&r, "src/main.js").0, host.text("src/legacy.js")), (Outcome::Withheld, Some(LEGACY)));
    let rejected = |e: &&Event| matches!(&e.body, EventBody::UnitRejected { path, .. } if path == "src/main.js");
    assert_eq!(host.events.iter().filter(rejected).count(), 1);

    // --partial: main.js is kept as answered, and the delete it still needs is not made.
    let mut host = legacy_host(&[]);
    host.answers.extend([fenced(forgot)]);
    let r = host.run(LEGACY_TASK, &LEGACY_SCOPE, RunOptions { max_retries: Some(0), partial: true, ..RunOptions::default() });
    let got = (r.status, outcome_of(&r, "src/main.js").0, outcome_of(&r, "src/legacy.js").0);
    assert_eq!(got, (Status::Partial, Outcome::Written, Outcome::Blocked), "{r:?}");
    assert_eq!((host.text("src/main.js"), host.text("src/legacy.js")), (Some(forgot), Some(LEGACY)));
}

#[test]
fn an_in_scope_file_answered_unchanged_that_still_requires_the_deleted_file_stops_the_plan() {
    // app.js is in scope and the model leaves it as it is, require of legacy.js included.
    let app = "const legacy = require('./legacy');\nmodule.exports = { run: legacy };\n";
    let mut host = legacy_host(&[("src/app.js", app)]);
    host.answers[0] = plan(&[("src/main.js", "MODIFY"), ("src/legacy.js", "DELETE"), ("src/app.js", "MODIFY")]);
    host.answers.extend([fenced(MAIN_NEW), fenced(app)]);
    let options = RunOptions { max_retries: Some(0), ..RunOptions::default() };
    let r = host.run(LEGACY_TASK, &["src/main.js", "src/legacy.js", "src/app.js"], options);
    assert_eq!((r.status, r.error.as_ref().map(|e| e.code.as_str())), (Status::Failed, Some("blocked")), "{r:?}");
    let message = &r.error.as_ref().unwrap().message;
    assert!(message.starts_with("src/legacy.js (DELETE) was blocked by delete_still_imported (the plan deletes it, but src/app.js still"), "{message}");
    assert_eq!(host.writes(), 0);
    assert_eq!((host.text("src/main.js"), host.text("src/legacy.js")), (Some(MAIN_OLD), Some(LEGACY)));
}

#[test]
fn a_delete_that_a_read_only_file_still_imports_stops_the_plan() {
    // app.js is read-only context and requires legacy.js; main.js was updated correctly.
    let app = "const legacy = require('./legacy');\nmodule.exports = { run: legacy };\n";
    let mut host = legacy_host(&[("src/app.js", app)]);
    host.answers.extend([fenced(MAIN_NEW)]);
    let r = host.run_reading(LEGACY_TASK, &LEGACY_SCOPE, &["src/app.js"], RunOptions::default());
    assert_eq!((r.status, r.error.as_ref().map(|e| e.code.as_str())), (Status::Failed, Some("blocked")), "{r:?}");
    let message = &r.error.as_ref().unwrap().message;
    assert!(
        message.starts_with("src/legacy.js (DELETE) was blocked by delete_still_imported (the plan deletes it, but src/app.js still imports it (as the run leaves it on disk)); nothing was written"),
        "{message}"
    );
    assert_eq!(host.writes(), 0);
    assert_eq!((host.text("src/main.js"), host.text("src/legacy.js")), (Some(MAIN_OLD), Some(LEGACY)));
    assert_eq!(
        outcome_of(&r, "src/main.js").1.as_deref(),
        Some("not written: src/legacy.js was blocked, and a plan is applied whole (--partial keeps what does not need it)")
    );
    let blocked = |e: &&Event| matches!(&e.body, EventBody::Gate { path, decision: Decision::Block, .. } if path == "src/legacy.js");
    assert_eq!(host.events.iter().filter(blocked).count(), 1, "the blocked delete is in the gate log");
    assert!(report::render_markdown(&r, LEGACY_TASK, 1, &crate::codes::cli_words()).contains("deleting it would break loading"));

    // --partial: main.js no longer needs legacy.js and is written; the delete alone is not made.
    let mut host = legacy_host(&[("src/app.js", app)]);
    host.answers.extend([fenced(MAIN_NEW)]);
    let r = host.run_reading(LEGACY_TASK, &LEGACY_SCOPE, &["src/app.js"], RunOptions { partial: true, ..RunOptions::default() });
    let got = (r.status, outcome_of(&r, "src/legacy.js").0, outcome_of(&r, "src/main.js").0);
    assert_eq!(got, (Status::Partial, Outcome::Blocked, Outcome::Written), "{r:?}");
    assert_eq!((host.text("src/main.js"), host.text("src/legacy.js")), (Some(MAIN_NEW), Some(LEGACY)));

    // --gate warn: the user asked for warnings; the delete is made, with the finding on it.
    let mut host = legacy_host(&[("src/app.js", app)]);
    host.answers.extend([fenced(MAIN_NEW)]);
    let r = host.run_reading(LEGACY_TASK, &LEGACY_SCOPE, &["src/app.js"], RunOptions { gate: GateMode::Warn, ..RunOptions::default() });
    let legacy = r.files.iter().find(|f| f.path == "src/legacy.js").unwrap();
    assert_eq!((legacy.outcome, legacy.violations[0].rule), (Outcome::Deleted, Rule::DeleteStillImported), "{r:?}");
}

#[test]
fn a_delete_imported_from_another_folder_by_an_esm_path_is_blocked_and_an_updated_plan_lands() {
    // lib/legacy.js is imported, from another folder and without the extension, by read-only context.
    let mut host = Host::new(&[
        ("lib/legacy.js", LEGACY),
        ("lib/main.js", MAIN_OLD),
        ("lib/a.js", "module.exports = 2;\n"),
        ("bin/cli.mjs", "import legacy from '../lib/legacy';\nlegacy();\n"),
    ]);
    host.answers.extend([plan(&[("lib/main.js", "MODIFY"), ("lib/legacy.js", "DELETE")]), fenced(MAIN_NEW)]);
    let task = "Delete lib/legacy.js and stop using it in main.js";
    let r = host.run_reading(task, &["lib/main.js", "lib/legacy.js"], &["bin/cli.mjs"], RunOptions::default());
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert!(r.error.unwrap().message.contains("but bin/cli.mjs still imports it"));
    assert_eq!((host.writes(), host.text("lib/legacy.js")), (0, Some(LEGACY)));

    // Nothing left on disk needs it any more (main.js updated; the read-only file never used it): OK.
    let mut host = legacy_host(&[("src/other.js", "module.exports = require('./a');\n")]);
    host.answers.extend([fenced(MAIN_NEW)]);
    let r = host.run_reading(LEGACY_TASK, &LEGACY_SCOPE, &["src/other.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!((host.text("src/main.js"), host.text("src/legacy.js"), host.prompts().len()), (Some(MAIN_NEW), None, 2));
}

#[test]
fn a_failed_checks_retry_is_told_the_first_error_and_its_location_not_only_the_tail() {
    // Jest's report: the failure first, then pages of frames and summaries; the host's tail of it
    // (80 lines) holds none of the message.
    let frames: String = (0..120).map(|i| format!("      at step{i} (node_modules/jest-circus/build/run.js:{i}:1)\n")).collect();
    let output = format!(
        "FAIL ./sum.test.js\n  ● sum › adds\n\n    expect(received).toBe(expected)\n\n    Expected: 5\n    Received: 6\n\n      at Object.toBe (sum.test.js:2:31)\n{frames}\nTests: 1 failed, 1 total\n"
    );
    let mut host = Host::new(&[("sum.js", SUM_OLD)]);
    host.answers.extend([fenced(SUM_WRONG), fenced(SUM_RIGHT)]);
    host.verifies.extend([check_exit(1, &output), check_exit(0, "")]);
    let r = host.run("fix sum", &["sum.js"], verify_options("npx jest"));
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert!(!r.verify.as_ref().unwrap().attempts[0].output_tail.contains("Expected: 5"), "the tail alone lacks the message");
    let retry = &host.prompts()[1].messages[1].content;
    assert!(retry.contains("The first error it reported:\n```text\n● sum › adds\n"), "{retry}");
    assert!(retry.contains("Expected: 5\n  Received: 6") && retry.contains("at Object.toBe (sum.test.js:2:31)"), "{retry}");
    // Then a short tail without the dependencies' frames.
    assert!(retry.contains("The end of its output:") && retry.contains("Tests: 1 failed, 1 total"), "{retry}");
    assert!(!retry.contains("jest-circus"), "{retry}");
}

#[test]
fn a_spec_copied_back_is_refused_in_plain_words_and_the_retry_samples_differently() {
    let stub = "function say(n) {\n  return '';\n}\nmodule.exports = { say };\n";
    let spec = "const { say } = require('./say');\n\ndescribe('say', () => {\n  test('one', () => {\n    expect(say(1)).toBe('one');\n  });\n});\n";
    let done = "function say(n) {\n  return 'one';\n}\nmodule.exports = { say };\n";
    let mut host = Host::new(&[("say.js", stub), ("say.spec.js", spec)]);
    host.answers.extend([fenced(spec), fenced(done)]);
    let r = host.run("Implement say in say.js so that the tests in say.spec.js pass.", &["say.js"], RunOptions::default());
    assert_eq!((r.status, host.text("say.js")), (Status::Ok, Some(done)), "{r:?}");
    let prompts = host.prompts();
    let retry = &prompts[1].messages[1].content;
    assert!(
        retry.contains("A PREVIOUS ANSWER WAS REJECTED: the answer was say.spec.js copied back: that file is read-only context, not the file to write; return the implementation of say.js"),
        "{retry}"
    );
    assert_eq!((prompts[0].temperature, prompts[1].temperature), (0.0, 0.4));
}

#[test]
fn no_retry_goes_out_with_a_prompt_already_sent() {
    // The same failed check twice: the third prompt would be the second's again.
    let mut host = Host::new(&[("sum.js", SUM_OLD)]);
    host.answers.extend([fenced(SUM_WRONG), fenced(SUM_WRONG), fenced(SUM_RIGHT)]);
    host.verifies.extend([check_exit(1, "AssertionError: 6 !== 5\n"), check_exit(1, "AssertionError: 6 !== 5\n"), check_exit(0, "")]);
    let r = host.run("fix sum", &["sum.js"], RunOptions { max_retries: Some(2), ..verify_options("node sum.test.js") });
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let prompts = host.prompts();
    assert_eq!(prompts.len(), 3);
    let texts: BTreeSet<&str> = prompts.iter().map(|p| p.messages[1].content.as_str()).collect();
    assert_eq!(texts.len(), 3, "every prompt differs");
    assert!(prompts[2].messages[1].content.contains("THIS IS ATTEMPT 3: this same request was answered before"), "{}", prompts[2].messages[1].content);
    assert_eq!(prompts.iter().map(|p| p.temperature).collect::<Vec<_>>(), [0.0, 0.4, 0.7]);
}

#[test]
fn each_unit_gets_its_part_of_the_task_its_neighbours_and_the_read_only_sections_it_uses() {
    let mut contract = String::from("# Contract\n\nAll amounts are in cents.\n");
    for (name, body) in [("Billing", "invoiceTotal(items) sums item.cents."), ("Shipping", "shipOrder(order) returns a tracking id.")] {
        contract.push_str(&format!("\n## {name}\n\n{body}\n{}\n", "Every rule of this part holds for every order. ".repeat(18)));
    }
    let billing = "function invoiceTotal() {}\nmodule.exports = { invoiceTotal };\n";
    let ship = "function shipOrder() {}\nmodule.exports = { shipOrder };\n";
    let mut host = Host::new(&[("docs/CONTRACT.md", &contract), ("src/billing.js", billing), ("src/ship.js", ship)]);
    // The task names each file: the plan is derived (no L1 call), and each unit's brief is its part.
    host.answers.extend([fenced(billing), fenced(ship)]);
    let task = "Follow docs/CONTRACT.md. Implement invoiceTotal in src/billing.js. Implement shipOrder in src/ship.js.";
    let r = host.run(task, &["src/billing.js", "src/ship.js"], RunOptions::default());
    assert_eq!((r.status, r.plan_source), (Status::Ok, PlanSource::Derived), "{r:?}");
    let prompts = host.prompts();
    assert_eq!(prompts.len(), 2);
    let (b, s) = (&prompts[0].messages, &prompts[1].messages);
    // The same stable prefix for both units: the contract's outline, not its body.
    assert_eq!(b[0], s[0]);
    assert!(b[0].content.contains("READ-ONLY FILE docs/CONTRACT.md (outline only):\n```\n# Contract\n## Billing\n## Shipping\n```"), "{}", b[0].content);
    assert!(!b[0].content.contains("Every rule"));
    let (b, s) = (&b[1].content, &s[1].content);
    // Its part of the task; the other file's part is left out, and so is that file as a neighbour.
    assert!(b.contains("TASK:\nFollow docs/CONTRACT.md. Implement invoiceTotal in src/billing.js.\n(The parts of the task about other files"), "{b}");
    assert!(!b.contains("shipOrder") && !b.contains("src/ship.js"), "{b}");
    // The section of the contract it uses, labelled as read-only, before its own content.
    assert!(b.contains("READ-ONLY, THE PARTS THIS FILE USES: docs/CONTRACT.md (# Contract, ## Billing)"), "{b}");
    assert!(b.find("## Billing").unwrap() < b.find("CURRENT CONTENT OF src/billing.js").unwrap());
    assert!(s.contains("(# Contract, ## Shipping)") && !s.contains("invoiceTotal"), "{s}");
}

#[test]
fn a_unit_sees_its_neighbours_as_the_plan_leaves_them_not_as_they_were() {
    // Seen on main before issue 18: a unit editing an index was shown the exports of a file the
    // plan deletes, and none of the file the plan creates.
    let old = "function oldThing() {}\nmodule.exports = { oldThing };\n";
    let index = "const { oldThing } = require('./old');\nmodule.exports = { oldThing };\n";
    let mut host = Host::new(&[("src/old.js", old), ("src/index.js", index)]);
    host.files.insert("src/new.js".into(), None);
    host.answers.extend([
        plan_json(
            "{\"actions\":[{\"path\":\"src/old.js\",\"action\":\"DELETE\",\"intent\":\"replaced by src/new.js\"},\
{\"path\":\"src/new.js\",\"action\":\"CREATE\",\"intent\":\"newThing\",\"exports\":[\"newThing\"]},\
{\"path\":\"src/index.js\",\"action\":\"MODIFY\",\"intent\":\"export newThing\",\"exports\":[\"newThing\"]}]}",
        ),
        fenced("function newThing() {}\nmodule.exports = { newThing };\n"),
        fenced("const { newThing } = require('./new');\nmodule.exports = { newThing };\n"),
    ]);
    let task = "Delete src/old.js and remove oldThing from src/index.js. Create src/new.js with newThing and export it from src/index.js.";
    let r = host.run(task, &["src/old.js", "src/new.js", "src/index.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let unit = host.prompts().into_iter().find(|p| p.path.as_deref() == Some("src/index.js")).map(|p| p.messages[1].content.clone()).unwrap();
    assert!(unit.contains("- src/new.js:\n    newThing\n"), "{unit}");
    assert!(!unit.contains("- src/old.js:") && !unit.contains("oldThing: function"), "{unit}");
}

#[test]
fn a_run_over_its_budget_stops_before_anything_is_written() {
    let two = &[("src/a.js", "function a() {}\nmodule.exports = { a };\n"), ("src/b.js", "function b() {}\nmodule.exports = { b };\n")];
    let plan_ab = || plan(&[("src/a.js", "MODIFY"), ("src/b.js", "MODIFY")]);
    let code = |n: &str| fenced(&format!("function {n}() {{ return 1; }}\nmodule.exports = {{ {n} }};\n"));
    let task = "make a and b return 1";
    let scope = &["src/a.js", "src/b.js"];

    // The estimate from the plan (the plan call's 120 tokens plus two units) is over 200: refused
    // before the first generation call.
    let mut host = Host::new(two);
    host.answers.extend([plan_ab(), code("a"), code("b")]);
    let r = host.run(task, scope, RunOptions { max_tokens: Some(200), ..RunOptions::default() });
    let err = r.error.as_ref().unwrap();
    assert_eq!((r.status, err.code.as_str()), (Status::Failed, "budget_exceeded"), "{r:?}");
    assert!(err.message.contains("estimated, from its plan (2 unit(s) to generate)") && err.message.contains("over --max-tokens 200"), "{}", err.message);
    assert_eq!((host.prompts().len(), host.writes()), (1, 0), "no generation call, nothing written");

    // Within the estimate (480), but the answers (400 tokens each) take it over 600: stops after the
    // one that does (the second), with nothing written.
    let long = |n: &str| match code(n) {
        Reply::Completion { text, duration_ms, response_format, .. } => Reply::Completion {
            text,
            usage: Some(TokenUsage { prompt_tokens: 100, completion_tokens: 300, cached_tokens: None }),
            duration_ms,
            response_format,
        },
        other => other,
    };
    let mut host = Host::new(two);
    host.answers.extend([plan_ab(), long("a"), long("b")]);
    let r = host.run(task, scope, RunOptions { max_tokens: Some(600), ..RunOptions::default() });
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("budget_exceeded"), "{r:?}");
    assert!(r.error.as_ref().unwrap().message.contains("the run has used 920 tokens, over --max-tokens 600"), "{r:?}");
    assert_eq!(host.prompts().len(), 3);
    assert_eq!(host.writes(), 0);
    assert_eq!(host.text("src/a.js"), Some(two[0].1));

    // Enough budget: the run as without one.
    let mut host = Host::new(two);
    host.answers.extend([plan_ab(), code("a"), code("b")]);
    let r = host.run(task, scope, RunOptions { max_tokens: Some(10_000), ..RunOptions::default() });
    assert_eq!(r.status, Status::Ok, "{r:?}");

    // A cost limit on a model with no price cannot be held: refused before any call.
    let mut host = Host::new(two);
    host.answers.extend([plan_ab()]);
    let r = host.run(task, scope, RunOptions { max_cost_usd: Some(1.0), model: Some("llama-local".into()), ..RunOptions::default() });
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("budget_exceeded"));
    assert!(host.prompts().is_empty());
    // With a price: 3 calls of 100 + 20 tokens on gpt-4o are about $0.0014, over $0.001.
    let mut host = Host::new(two);
    host.answers.extend([plan_ab(), code("a"), code("b")]);
    let r = host.run(task, scope, RunOptions { max_cost_usd: Some(0.001), model: Some("gpt-4o".into()), ..RunOptions::default() });
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("budget_exceeded"), "{r:?}");
    assert!(r.error.as_ref().unwrap().message.contains("over --max-cost $0.001"), "{r:?}");
    assert_eq!(host.writes(), 0);
}

#[test]
fn over_the_context_budget_read_only_files_go_as_outlines_only() {
    // A read-only module whose every section the unit references (it imports every helper): whole in
    // the first try, and as its outline when that does not fit the budget.
    let mut lib = String::new();
    for i in 0..40 {
        lib.push_str(&format!("function helper{i}(value) {{\n  // step {i} of the pipeline, documented at length here\n  return value + {i};\n}}\n\n"));
    }
    lib.push_str(&format!("module.exports = {{ {} }};\n", (0..40).map(|i| format!("helper{i}")).collect::<Vec<_>>().join(", ")));
    let names = (0..40).map(|i| format!("helper{i}")).collect::<Vec<_>>().join(", ");
    let a = format!("const {{ {names} }} = require('../lib/helpers');\nmodule.exports = {{}};\n");
    let mut host = Host::new(&[("lib/helpers.js", &lib), ("src/a.js", &a)]);
    host.answers.extend([fenced("module.exports = { a: 1 };\n")]);
    let task = "Use lib/helpers.js (helper0 to helper39) in src/a.js.";
    let options = RunOptions { context_budget: Some(1_600), ..RunOptions::default() };
    let r = host.run(task, &["src/a.js"], options);
    let sizes: Vec<(u32, bool)> = host
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Context { tokens, read_only, .. } => Some((*tokens, read_only.iter().all(|v| v.whole))),
            _ => None,
        })
        .collect();
    assert_eq!(r.status, Status::Ok, "{sizes:?} {r:?}");
    assert!(sizes.len() == 2 && sizes[0].0 > 1_600 && sizes[0].1 && sizes[1].0 <= 1_600 && !sizes[1].1, "{sizes:?}");
    let system = &host.prompts()[0].messages[0].content;
    assert!(system.contains("READ-ONLY FILE lib/helpers.js (outline only):") && system.contains("#1 function helper0(value) {"), "{system}");
    assert!(!system.contains("documented at length"), "{system}");
}

#[test]
fn a_written_file_that_imports_a_missing_module_goes_back_to_the_model_and_out_of_retries_blocks_the_plan() {
    // Seen live (tool-consolidation): the new tool requires './utils', which nobody creates; its
    // registry imports the tool. Both would no longer load.
    let index = "const { a } = require('./tools/a');\n\nmodule.exports = { a };\n";
    let a = "function a() {}\n\nmodule.exports = { a };\n";
    let b_from = |spec: &str| format!("const {{ quote }} = require('{spec}');\n\nfunction b(x) {{\n  return quote(x);\n}}\n\nmodule.exports = {{ b }};\n");
    let b_own = "function quote(x) {\n  return `'${x}'`;\n}\n\nfunction b(x) {\n  return quote(x);\n}\n\nmodule.exports = { b };\n";
    let index_after = "const { a } = require('./tools/a');\nconst { b } = require('./tools/b');\n\nmodule.exports = { a, b };\n";
    let task = "create src/tools/b.js and use it in src/index.js";
    let scope = ["src/tools/b.js", "src/index.js"];
    let new_host = || {
        let mut host = Host::new(&[("src/index.js", index), ("src/tools/a.js", a)]);
        host.files.insert("src/tools/b.js".into(), None);
        host
    };

    // The retry fixes it: the unit is told in plain words (what is not there; what is, and what
    // src/index.js imports today: ./tools/a, not in scope), with other sampling, and its second
    // answer (the helper defined in the file) is written with the rest of the plan.
    let mut host = new_host();
    host.answers.extend([plan(&[("src/tools/b.js", "CREATE"), ("src/index.js", "MODIFY")]), fenced(&b_from("./utils")), fenced(b_own), fenced(index_after)]);
    let r = host.run(task, &scope, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.counts.written, 2, "{r:?}");
    assert_eq!(host.text("src/tools/b.js"), Some(b_own));
    let retry = host.prompts().into_iter().find(|p| p.path.as_deref() == Some("src/tools/b.js") && p.attempt == 1).cloned().expect("b.js asked again");
    let user = &retry.messages.last().unwrap().content;
    assert!(
        user.contains("REJECTED: `./utils` does not exist and no file of the plan creates it: import from one of the files that exist (../index) or that the run's files already import (./a); or define what you need in this file"),
        "{user}"
    );
    assert!(retry.temperature > 0.0, "{retry:?}");
    // The host was asked about the targets the run had not read, and only those, once.
    let asked: Vec<&Vec<String>> = host.requests.iter().skip(1).filter_map(|q| match q { Request::Read { paths, .. } => Some(paths), _ => None }).collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains(&"src/tools/utils.js".to_string()) && !asked[0].iter().any(|p| p.starts_with("src/tools/b.") || p.starts_with("src/tools/a.")), "{asked:?}");

    // Out of retries (three answers, each importing a module that is not there): the file is
    // blocked, naming the last import, and nothing that needs it is written.
    let mut host = new_host();
    host.answers.extend([plan(&[("src/tools/b.js", "CREATE"), ("src/index.js", "MODIFY")])]);
    host.answers.extend(["./utils", "./util", "./helpers"].map(|s| fenced(&b_from(s))));
    host.answers.push_back(fenced(index_after));
    let r = host.run(task, &scope, RunOptions::default());
    assert_ne!(r.status, Status::Ok, "{r:?}");
    let file = r.files.iter().find(|f| f.path == "src/tools/b.js").unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!((file.outcome, file.attempts), (Outcome::Blocked, 3), "{file:?}");
    let last = file.violations.last().unwrap();
    assert_eq!(last.rule, Rule::ImportResolves, "{:?}", file.violations);
    assert_eq!(last.message, "src/tools/b.js: imports ./helpers, which is not in the workspace and which the plan does not create");
    assert_eq!(r.files.iter().find(|f| f.path == "src/index.js").map(|f| f.outcome), Some(Outcome::Withheld), "{r:?}");
    assert_eq!(r.counts.written, 0, "{r:?}");
    assert_eq!(host.text("src/index.js"), Some(index));
    assert_eq!(host.text("src/tools/b.js"), None);

    // The same module on disk (outside the scope, not read): the run asks, finds it, writes both.
    let mut host = new_host();
    host.files.insert("src/tools/utils.js".into(), Some("module.exports = { quote: (x) => x };\n".into()));
    host.answers.extend([plan(&[("src/tools/b.js", "CREATE"), ("src/index.js", "MODIFY")]), fenced(&b_from("./utils")), fenced(index_after)]);
    let r = host.run(task, &scope, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.counts.written, 2);
}

#[test]
fn a_written_file_that_imports_a_name_its_module_does_not_export_goes_back_to_the_model() {
    // Seen live (ts-validators): index.ts imported `range` from the range.ts a unit before had
    // written as `rangeRule`; the run said OK and index.ts no longer loaded.
    let index = "import { minLength } from './minLength';\n\nexport const rules = { short: minLength(3) };\n";
    let min = "export function minLength(n: number) {\n  return (s: string) => s.length >= n;\n}\n";
    let range = "export function rangeRule(min: number, max: number) {\n  return (n: number) => n >= min && n <= max;\n}\n";
    let index_with = |import: &str| format!("import {{ minLength }} from './minLength';\n{import}\n\nexport const rules = {{ short: minLength(3), pct: range(0, 100) }};\n");
    let bad = index_with("import { range } from './range';");
    let good = index_with("import { rangeRule as range } from './range';");
    let task = "create src/range.ts and register range(0, 100) in src/index.ts";
    let scope = ["src/range.ts", "src/index.ts"];
    let new_host = || {
        let mut host = Host::new(&[("src/index.ts", index), ("src/minLength.ts", min)]);
        host.files.insert("src/range.ts".into(), None);
        host
    };
    let the_plan = || plan(&[("src/range.ts", "CREATE"), ("src/index.ts", "MODIFY")]);

    // The retry is told what the module exports, and its answer is written with the plan.
    let mut host = new_host();
    host.answers.extend([the_plan(), fenced(range), fenced(&bad), fenced(&good)]);
    let r = host.run(task, &scope, RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/index.ts"), Some(good.as_str()));
    let retry = host.prompts().into_iter().find(|p| p.path.as_deref() == Some("src/index.ts") && p.attempt == 1).cloned().expect("index.ts asked again");
    let user = &retry.messages.last().unwrap().content;
    assert!(
        user.contains("REJECTED: `./range` does not export `range` (it exports `rangeRule`): import a name it exports, or define what you need in this file"),
        "{user}"
    );

    // Out of retries: the file is blocked, naming the name, and nothing of the plan is written.
    let mut host = new_host();
    host.answers.extend([the_plan(), fenced(range), fenced(&bad), fenced(&bad.replace("0, 100", "0, 99")), fenced(&bad.replace("0, 100", "1, 100"))]);
    let r = host.run(task, &scope, RunOptions::default());
    assert_ne!(r.status, Status::Ok, "{r:?}");
    let file = r.files.iter().find(|f| f.path == "src/index.ts").unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!(file.outcome, Outcome::Blocked, "{file:?}");
    let last = file.violations.last().unwrap();
    assert_eq!((last.rule, last.message.as_str()), (Rule::ImportNamesExported, "src/index.ts: imports `range` from ./range, which does not export it"));
    assert_eq!(r.counts.written, 0, "{r:?}");
    assert_eq!((host.text("src/index.ts"), host.text("src/range.ts")), (Some(index), None));

    // With the gate warning, the write goes through and the report says why.
    let mut host = new_host();
    host.answers.extend([the_plan(), fenced(range), fenced(&bad)]);
    let r = host.run(task, &scope, RunOptions { gate: GateMode::Warn, ..RunOptions::default() });
    assert_eq!(host.text("src/index.ts"), Some(bad.as_str()), "{r:?}");
    let file = r.files.iter().find(|f| f.path == "src/index.ts").unwrap();
    assert!(file.violations.iter().any(|v| v.rule == Rule::ImportNamesExported), "{file:?}");
}

#[test]
fn an_imported_name_is_checked_against_the_module_as_the_plan_leaves_it() {
    // The importer is generated before the module it imports from: its answer cannot be judged
    // then, and is held to the rule once every answer is in, against what the module became.
    let util = "exports.trim = (s) => s.trim();\n";
    let main = "const { trim } = require('./util');\n\nmodule.exports = (s) => trim(s);\n";
    let main_new = "const { trim, pad } = require('./util');\n\nmodule.exports = (s) => pad(trim(s));\n";
    let util_with = "exports.trim = (s) => s.trim();\nexports.pad = (s) => ` ${s} `;\n";
    let util_without = "exports.trim = (s) => s.trim();\nexports.padded = (s) => ` ${s} `;\n";
    let task = "pad the output of main.js with a new helper in util.js";
    let run = |util_answer: &str| {
        let mut host = Host::new(&[("main.js", main), ("util.js", util)]);
        host.answers.extend([plan(&[("main.js", "MODIFY"), ("util.js", "MODIFY")]), fenced(main_new), fenced(util_answer)]);
        let r = host.run(task, &["main.js", "util.js"], RunOptions::default());
        (r, host)
    };
    let (r, host) = run(util_with);
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("main.js"), Some(main_new));
    let (r, host) = run(util_without);
    assert_ne!(r.status, Status::Ok, "{r:?}");
    let file = r.files.iter().find(|f| f.path == "main.js").unwrap();
    assert_eq!((file.outcome, file.violations[0].message.as_str()), (Outcome::Blocked, "main.js: imports `pad` from ./util, which does not export it"), "{r:?}");
    assert_eq!((host.text("main.js"), host.text("util.js")), (Some(main), Some(util)));

    // Exports built at run time cannot be named: not held to the rule. Nor is a name the file
    // imported before the run (the module not in scope, its export made by a build step).
    let (r, _) = run("exports.trim = (s) => s.trim();\nObject.assign(exports, { pad: (s) => ` ${s} ` });\n");
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let old = "const { gen } = require('./gen');\n\nmodule.exports = () => gen(1);\n";
    let mut host = Host::new(&[("a.js", old), ("gen.js", "exports.other = 1;\n")]);
    host.answers.push_back(fenced(&old.replace("gen(1)", "gen(2)")));
    let r = host.run_reading("call gen with 2 in a.js", &["a.js"], &["gen.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
}

#[test]
fn an_import_the_file_already_had_is_not_the_runs_doing() {
    // A module a build step generates is not on disk before the build: changing its importer is
    // no reason to refuse, nor to ask the host.
    let old = "const { parse } = require('./generated/parser');\n\nfunction run(x) {\n  return parse(x);\n}\n\nmodule.exports = { run };\n";
    let new = "const { parse } = require('./generated/parser');\n\nfunction run(x) {\n  return parse(x.trim());\n}\n\nmodule.exports = { run };\n";
    let mut host = Host::new(&[("src/run.js", old)]);
    host.answers.push_back(fenced(new));
    let r = host.run("trim the input in src/run.js", &["src/run.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/run.js"), Some(new));
    assert_eq!(host.requests.iter().filter(|q| matches!(q, Request::Read { .. })).count(), 1, "{:?}", host.requests);
}

#[test]
fn a_section_answer_that_imports_a_missing_module_is_asked_again_too() {
    let mut host = Host::new(&[("inventory.js", INVENTORY)]);
    let old_ship = section_of(INVENTORY, "ship");
    let check = "if (!Number.isInteger(units) || units <= 0) {\n    throw new RangeError('units must be a positive integer');\n  }\n  if (units > have) {";
    let bad = old_ship.replace("if (units > have) {", "require('./checks').assertUnits(units);\n  if (units > have) {");
    let good = old_ship.replace("if (units > have) {", check);
    host.answers.extend([
        plan_json("{\"actions\":[{\"path\":\"inventory.js\",\"action\":\"MODIFY\",\"intent\":\"validate units\",\"sections\":[\"ship\"]}]}"),
        fenced(&bad),
        fenced(&good),
    ]);
    let r = host.run("ship() must reject non-positive units", &["inventory.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("inventory.js").unwrap(), INVENTORY.replace(&old_ship, &good));
    let retry = &host.prompts()[2];
    assert_eq!((retry.attempt, crate::prompts::read_block(&retry.messages).unwrap()["section"]["label"].as_str()), (1, Some("ship")));
    assert!(retry.messages[1].content.contains("REJECTED: `./checks` does not exist and no file of the plan creates it"), "{}", retry.messages[1].content);
}

#[test]
fn a_name_a_written_file_leaves_unimported_is_imported_from_the_file_the_plan_declares_it_for() {
    // Seen live twice (esm-cache-layer): index.js answered `export { TtlCache };` without importing
    // it, while fetcher.js's answer re-exported TtlCache too, so its home was ambiguous; the retry
    // gave the same answer and the plan was blocked. The task declares src/cache.js's export.
    let fetcher = "export function createFetcher(load) {\n  return (k) => load(k);\n}\n";
    let index = "export { createFetcher } from './fetcher.js';\n";
    let cache = "export class TtlCache {}\n";
    let fetcher_new = "import { TtlCache } from './cache.js';\n\nexport { TtlCache };\nexport function createFetcher(load) {\n  const c = new TtlCache();\n  return (k) => c.get(k) ?? load(k);\n}\n";
    let index_new = "import { createFetcher } from './fetcher.js';\n\nexport { createFetcher, TtlCache };\n";
    let task = "create src/cache.js exporting a class TtlCache. Use it in src/fetcher.js. Also export TtlCache from src/index.js.";
    let mut host = Host::new(&[("package.json", "{\"type\":\"module\"}\n"), ("src/fetcher.js", fetcher), ("src/index.js", index)]);
    host.files.insert("src/cache.js".into(), None);
    host.answers.extend([fenced(cache), fenced(fetcher_new), fenced(index_new)]);
    let r = host.run(task, &["src/cache.js", "src/fetcher.js", "src/index.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(
        host.text("src/index.js"),
        Some("import { createFetcher } from './fetcher.js';\nimport { TtlCache } from './cache.js';\n\nexport { createFetcher, TtlCache };\n")
    );
    assert_eq!(host.prompts().len(), 3, "one call per file, no retry");
}

#[test]
fn an_import_of_a_real_file_at_the_wrong_depth_is_pointed_at_it() {
    // Seen live (ts-validators): email.ts, in src/validators/, imported `./types` for src/types.ts
    // three times although each retry was told which modules exist; the plan was blocked.
    let types = "export type Rule = (value: unknown) => string | null;\n";
    let index = "export const rules = {};\n";
    let email = |types_spec: &str, name: &str| {
        format!("import type {{ {name} }} from '{types_spec}';\n\nexport const email: {name} = (v) => (typeof v === 'string' && v.includes('@') ? null : 'must be an email address');\n")
    };
    let index_new = "import { email } from './email';\n\nexport const rules = { email };\n";
    let task = "src/validators/email.ts exports `email: Rule`. Register it in src/validators/index.ts as rules.email. Rule is in src/types.ts.";
    let scope = ["src/validators/email.ts", "src/validators/index.ts"];
    let run = |answers: Vec<Reply>| {
        let mut host = Host::new(&[("src/types.ts", types), ("src/validators/index.ts", index)]);
        host.files.insert("src/validators/email.ts".into(), None);
        host.answers.extend(answers);
        let r = host.run_reading(task, &scope, &["src/types.ts"], RunOptions::default());
        (r, host)
    };

    let (r, host) = run(vec![fenced(&email("./types", "Rule")), fenced(index_new)]);
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/validators/email.ts"), Some(email("../types", "Rule").as_str()));
    assert_eq!(host.prompts().len(), 2, "no retry");
    let fixes: Vec<String> = host
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::PostProcess { pass, description, .. } if pass == "import-depth" => Some(description.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(fixes, ["`./types` names no file; pointed at src/types.ts as `../types`"]);

    // A file of that name that does not export what the import asks for is no home for it: the
    // unit goes back, and an identical answer ends with the plan blocked, nothing written.
    let wrong = fenced(&email("./types", "Rules"));
    let (r, host) = run(vec![wrong.clone(), wrong]);
    assert_ne!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/validators/email.ts"), None);
    assert_eq!(host.text("src/validators/index.ts"), Some(index));
}
