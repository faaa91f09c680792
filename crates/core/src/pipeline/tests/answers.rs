//! How answers are taken: the block that is the file, answers too large for any file, and
//! units cut to what one prompt and one answer can hold.

use super::*;

const ADD: &str = "function add(a, b) {\n  return a + b;\n}\n\nmodule.exports = { add };\n";
const ADD_TEST: &str =
    "const { add } = require('./add');\n\ndescribe('add', () => {\n  it('adds two numbers and returns their sum', () => {\n    expect(add(1, 2)).toBe(3);\n  });\n});\n";

fn units(host: &Host) -> Vec<&CompletionRequest> {
    host.prompts().into_iter().filter(|r| r.stage == "L3").collect()
}

#[test]
fn the_module_is_written_not_the_test_that_follows_it() {
    let mut host = Host::new(&[]);
    let answer_text = format!("Here is the module:\n```js\n{ADD}```\nAnd a test for it:\n```js\n{ADD_TEST}```\n");
    host.answers.extend([answer(&answer_text)]);
    // A missing file the task says what it exports: made, with `add` declared (no planner call).
    let r = host.run("Add src/add.js exporting add(a, b)", &["src/add.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/add.js"), Some(ADD));
}

#[test]
fn a_lone_test_block_is_sent_back_not_written() {
    let mut host = Host::new(&[]);
    host.answers.extend([fenced(ADD_TEST), fenced(ADD)]);
    let r = host.run("Create src/add.js exporting add(a, b)", &["src/add.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/add.js"), Some(ADD));
    let retry = &units(&host)[1].messages[1].content;
    assert!(retry.contains("REJECTED: the answer was a test file, not src/add.js; return the implementation of src/add.js (the answer's code block is a test of src/add.js"), "{retry}");
}

#[test]
fn the_block_with_the_kept_exports_is_the_file_and_two_lookalikes_are_sent_back() {
    let new = format!("{SERVER}\nroutes.set('/health', () => ({{ status: 'ok' }}));\n");
    let helper = "function health() {\n  return { status: 'ok' };\n}\nmodule.exports = { health };\n";
    let mut host = Host::new(&[("src/server.js", SERVER)]);
    host.answers.extend([answer(&format!("```js\n{new}```\nA helper you may want:\n```js\n{helper}```\n"))]);
    let r = host.run("Add a health route", &["src/server.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/server.js"), Some(new.as_str()));

    // Two blocks that both could be the file: never guessed, sent back with the reason.
    let other = new.replace("'ok'", "'up'");
    let mut host = Host::new(&[("src/server.js", SERVER)]);
    host.answers.extend([
        answer(&format!("Either:\n```js\n{new}```\nor:\n```js\n{other}```\n")),
        fenced(&other),
    ]);
    let r = host.run("Add a health route", &["src/server.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("src/server.js"), Some(other.as_str()));
    let retry = &units(&host)[1].messages[1].content;
    assert!(retry.contains("answer with exactly one fenced block for src/server.js"), "{retry}");
}

#[test]
fn an_answer_over_the_file_limit_is_refused_and_nothing_is_written() {
    let mut host = Host::new(&[]);
    let line = "exports.x = 1;\n";
    let huge = line.repeat(crate::generate::MAX_FILE_BYTES / line.len() + 10);
    host.answers.extend([fenced(&huge)]);
    let r = host.run("Create src/big.js", &["src/big.js"], RunOptions { max_retries: Some(0), ..RunOptions::default() });
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert!(r.files[0].error.as_deref().unwrap_or("").contains("too large"), "{:?}", r.files[0]);
    assert_eq!(host.writes(), 0);
}

/// A sectioned file of `n` functions, each about 70 bytes.
fn many_functions(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("// step {i} of the pipeline\nfunction f{i}(x) {{\n  return x + {i};\n}}\n\n"));
    }
    let names: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
    text.push_str(&format!("module.exports = {{ {} }};\n", names.join(", ")));
    text
}

#[test]
fn a_whole_file_modify_of_a_large_file_goes_by_sections_within_the_answer_limit() {
    let text = many_functions(500);
    assert!(output_tokens(Some(&text)) > MAX_OUTPUT_TOKENS, "the fixture must be too large for one answer");
    let all = section::sections(&text, &analyze("lib/steps.js", &text));
    let pieces = chunks(&text, &all, chunk_tokens(DEFAULT_CONTEXT_BUDGET));
    assert!(pieces.len() >= 2, "{}", pieces.len());
    let mut host = Host::new(&[("lib/steps.js", &text)]);
    host.answers.push_back(plan(&[("lib/steps.js", "MODIFY")]));
    for piece in &pieces {
        host.answers.push_back(fenced(&text[piece.start as usize..piece.end as usize].replace("return x +", "return x -")));
    }
    let r = host.run("Make every step subtract", &["lib/steps.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("lib/steps.js"), Some(text.replace("return x +", "return x -").as_str()));
    let sent = units(&host);
    assert_eq!(sent.len(), pieces.len());
    for (request, piece) in sent.iter().zip(&pieces) {
        assert!(request.max_tokens <= MAX_OUTPUT_TOKENS);
        let shown = &text[piece.start as usize..piece.end as usize];
        // Enough room for this piece's answer, and the piece is fenced whole in the prompt.
        assert!(output_tokens(Some(shown)) <= request.max_tokens, "{} > {}", output_tokens(Some(shown)), request.max_tokens);
        assert!(request.messages[1].content.contains(shown));
        assert!(estimate_tokens(&request.messages) <= DEFAULT_CONTEXT_BUDGET);
    }
    let first = &sent[0].messages[1].content;
    assert!(first.contains(&format!("Answer with the new text of sections #1 to #{} only", pieces[1].index - 1)), "{first}");
}

#[test]
fn a_file_over_half_a_small_budget_goes_by_sections_too() {
    // About 2,600 tokens: one answer could hold it, but not a 3,000-token prompt.
    let text = many_functions(120);
    let budget = 3000;
    let pieces = chunks(&text, &section::sections(&text, &analyze("lib/steps.js", &text)), chunk_tokens(budget));
    assert!(pieces.len() >= 2);
    let mut host = Host::new(&[("lib/steps.js", &text)]);
    host.answers.push_back(plan(&[("lib/steps.js", "MODIFY")]));
    for piece in &pieces {
        host.answers.push_back(fenced(&text[piece.start as usize..piece.end as usize].replace("return x +", "return x -")));
    }
    let r = host.run("Make every step subtract", &["lib/steps.js"], RunOptions { context_budget: Some(budget), ..RunOptions::default() });
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(host.text("lib/steps.js"), Some(text.replace("return x +", "return x -").as_str()));
    assert!(units(&host).iter().all(|u| estimate_tokens(&u.messages) <= budget));
}

#[test]
fn a_section_too_large_for_one_answer_fails_clearly() {
    let mut body = String::from("function giant(x) {\n");
    for i in 0..1500 {
        body.push_str(&format!("  x = x + {i}; // one more step\n"));
    }
    body.push_str("  return x;\n}\n");
    let text = format!("{}{body}\nmodule.exports = {{ giant }};\n", many_functions(120).replace("module.exports", "exports.unused"));
    let mut host = Host::new(&[("lib/giant.js", &text)]);
    host.answers.push_back(plan_json("{\"actions\":[{\"path\":\"lib/giant.js\",\"action\":\"MODIFY\",\"sections\":[\"giant\"]}]}"));
    let r = host.run("Make giant faster", &["lib/giant.js"], RunOptions::default());
    assert_eq!(r.status, Status::Failed, "{r:?}");
    let err = r.error.as_ref().unwrap();
    assert_eq!(err.code, "input_over_budget");
    assert!(err.message.contains("too large for one answer: section #") && err.message.contains("(giant) of lib/giant.js"), "{}", err.message);
    assert_eq!((units(&host).len(), host.writes()), (0, 0));
}

#[test]
fn max_tokens_follows_the_expected_answer() {
    let mut host = Host::new(&[("src/server.js", SERVER)]);
    host.answers.extend([plan(&[("src/server.js", "MODIFY"), ("src/health.js", "CREATE")]), fenced(SERVER), fenced(HEALTH)]);
    let r = host.run("Add a health route", &["src/server.js", "src/health.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let by_path: BTreeMap<&str, u32> = units(&host).iter().map(|r| (r.path.as_deref().unwrap(), r.max_tokens)).collect();
    // A new file may take a whole answer; a small one gets the floor, never less.
    assert_eq!(by_path["src/health.js"], MAX_OUTPUT_TOKENS);
    assert_eq!(by_path["src/server.js"], MIN_OUTPUT_TOKENS);
    assert_eq!(host.prompts()[0].max_tokens, 2048);
}

#[test]
fn the_plan_prompt_is_held_to_the_context_budget() {
    let text = many_functions(3000);
    let mut host = Host::new(&[("lib/steps.js", &text)]);
    let budget = 6000;
    host.answers.push_back(plan_json("{\"actions\":[{\"path\":\"lib/steps.js\",\"action\":\"MODIFY\",\"sections\":[\"f7\"]}]}"));
    host.answers.push_back(fenced("// step 7 of the pipeline\nfunction f7(x) {\n  return x * 7;\n}\n"));
    let r = host.run("Make step 7 multiply", &["lib/steps.js"], RunOptions { context_budget: Some(budget), ..RunOptions::default() });
    let plan_prompt = host.prompts()[0];
    assert!(estimate_tokens(&plan_prompt.messages) <= budget, "{}", estimate_tokens(&plan_prompt.messages));
    // The file is still described: its size and its exports.
    assert!(plan_prompt.messages[1].content.contains("- lib/steps.js (exists, "), "{}", plan_prompt.messages[1].content);
    // That unit's own prompt holds the file's outline, which is over this budget: refused, not cut.
    assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("input_over_budget"), "{r:?}");

    // Over the budget even with every file cut to its exports: refused before any call.
    let mut host = Host::new(&[("lib/steps.js", &text)]);
    let r = host.run("Make step 7 multiply", &["lib/steps.js"], RunOptions { context_budget: Some(150), ..RunOptions::default() });
    assert_eq!(r.status, Status::Failed);
    let err = r.error.as_ref().unwrap();
    assert_eq!(err.code, "input_over_budget");
    assert!(err.message.contains("the plan prompt needs about") && err.message.contains("more than 150 (--context-budget)"), "{}", err.message);
    assert_eq!((host.prompts().len(), host.writes()), (0, 0));
}

#[test]
fn a_large_class_is_shown_to_the_planner_without_its_members_when_the_budget_is_tight() {
    let mut text = String::from("class Big {\n");
    for i in 0..400 {
        text.push_str(&format!("  // member {i}\n  step{i}(x) {{\n    return x + {i};\n  }}\n\n"));
    }
    text.push_str("}\n\nmodule.exports = { Big };\n");
    let session_with = |budget: Option<u32>| {
        let mut host = Host::new(&[("lib/big.js", &text)]);
        host.answers.push_back(answer("not a plan"));
        host.run("t", &["lib/big.js"], RunOptions { context_budget: budget, max_retries: Some(0), ..RunOptions::default() });
        host.prompts()[0].messages[1].content.clone()
    };
    let full = session_with(None);
    assert!(full.contains("#2 step0(x)"), "{full}");
    let tight = session_with(Some(estimate_tokens(&[ChatMessage { role: "user".into(), content: full.clone() }]) - 1));
    assert!(tight.contains("#1 class Big {") && !tight.contains("step0(x)"), "{tight}");
}

#[test]
fn a_created_file_is_told_from_a_helper_by_the_exports_its_plan_declares() {
    let helper = "function clamp(x, lo, hi) {\n  return Math.min(hi, Math.max(lo, x));\n}\n\nmodule.exports = { clamp };\n";
    let mut host = Host::new(&[]);
    host.answers.extend([answer(&format!("A helper first:\n```js\n{helper}```\nThen the module:\n```js\n{ADD}```\n"))]);
    // The task says what the new file exports: the derived plan declares `add`, no planner call.
    let r = host.run("Add src/add.js exporting add(a, b)", &["src/add.js"], RunOptions::default());
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!((r.plan_source, r.plan[0].exports.as_slice()), (PlanSource::Derived, ["add".to_string()].as_slice()));
    assert_eq!(host.text("src/add.js"), Some(ADD));
}
