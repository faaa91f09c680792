//! What a failed check's output says first: the error a retry must see, cut out of the output
//! before its tail of stack frames and summaries (issue 18: a tail of frames with the message cut
//! off sent a model looking for `@babel/parser`).
//!
//! Recognised, in order: Jest's `●` block (the failing test's name, the expectation and the
//! code frame), node's `SomeError: message` line with the first `at` frame that points into the
//! project, node:test's TAP `error:` / `location:` keys, and a `FAIL`/`✕`/`not ok` line.

/// Lines of the first error block kept at most, and its size.
const BLOCK_LINES: usize = 24;
const BLOCK_BYTES: usize = 2_000;

/// The first error of a check's output with its location, or None when nothing in it reads as one.
pub(crate) fn first_error(output: &str) -> Option<String> {
    let stripped: Vec<String> = output.lines().map(strip_ansi_line).collect();
    let lines: Vec<&str> = stripped.iter().map(String::as_str).collect();
    let block = jest_block(&lines).or_else(|| node_error(&lines)).or_else(|| tap_error(&lines)).or_else(|| marked_line(&lines))?;
    // Dedented by what all its lines share (Jest indents its whole report).
    let common = block.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    let mut out = String::new();
    for line in block.iter().map(|l| l.get(common..).unwrap_or("")).take(BLOCK_LINES) {
        if out.len() + line.len() > BLOCK_BYTES {
            out.push_str("[...]\n");
            break;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Some(out.trim_end().to_string())
}

/// The end of a check's output without the frames of node's internals and of dependencies (what
/// follows the first error is mostly those): at most `max_lines` lines.
pub(crate) fn short_tail(output: &str, max_lines: usize) -> String {
    // A line naming node's internals or a dependency is a frame, or the cut-off end of one.
    let noise = |l: &str| (is_frame(l) && !own_frame(l)) || l.contains("node_modules/") || l.contains("node:internal") || l.trim() == "[...]";
    // A tail that was cut (`[...]` first) starts inside a line: that fragment goes too.
    let output = match output.strip_prefix("[...]\n") {
        Some(rest) => rest.split_once('\n').map_or("", |(_, after)| after),
        None => output,
    };
    let kept: Vec<&str> = output.lines().filter(|l| !noise(l) && !l.trim().is_empty()).collect();
    let from = kept.len().saturating_sub(max_lines);
    let cut = if from > 0 { "[...]\n" } else { "" };
    format!("{cut}{}", kept[from..].join("\n"))
}

/// `answer` holds `source` copied back: at least 3 of its non-blank lines, and 80 % of them,
/// appear (trimmed) among the answer's lines.
pub(crate) fn copied_back(source: &str, answer: &str) -> bool {
    let answer: std::collections::BTreeSet<&str> = answer.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let lines: Vec<&str> = source.lines().map(str::trim).filter(|l| l.len() > 2).collect();
    let found = lines.iter().filter(|l| answer.contains(*l)).count();
    lines.len() >= 3 && found * 5 >= lines.len() * 4
}

fn strip_ansi_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for n in chars.by_ref() {
                if n.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// A frame of the project's own code: `at f (/ws/say.js:3:9)` or `at /ws/say.js:3:9`, not node's
/// internals and not a dependency.
fn own_frame(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("at ") && t.contains(':') && !t.contains("node:") && !t.contains("node_modules") && !t.contains("(<anonymous>)")
}

fn is_frame(line: &str) -> bool {
    line.trim_start().starts_with("at ")
}

/// Jest: from the first `● suite › test` line up to the first frame of the project's code (the
/// message, the expected/received lines and the code frame are between them).
fn jest_block<'a>(lines: &[&'a str]) -> Option<Vec<&'a str>> {
    let start = lines.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with("● ") && !t.starts_with("● Console")
    })?;
    let mut block = vec![lines[start]];
    for line in &lines[start + 1..] {
        let t = line.trim_start();
        if t.starts_with("● ") {
            break;
        }
        if is_frame(line) {
            if own_frame(line) {
                block.push(line);
                break;
            }
            continue;
        }
        block.push(line);
    }
    Some(trim_blank(block))
}

/// node: the first `Error: ...` / `TypeError: ...` / `AssertionError [ERR_ASSERTION]: ...` line,
/// the lines of its message, and the first frame in the project (the throwing file's own
/// `file:line` header above it too, when node printed one).
fn node_error<'a>(lines: &[&'a str]) -> Option<Vec<&'a str>> {
    let start = lines.iter().position(|l| error_head(l))?;
    let mut block = Vec::new();
    // node prints `/ws/say.js:3` and the source line with a caret above an uncaught error.
    if start >= 3 && lines[start - 1].trim().is_empty() && lines[start - 2].trim_start().starts_with('^') {
        block.extend_from_slice(&lines[start - 4.min(start)..start - 1]);
    }
    block.push(lines[start]);
    for line in &lines[start + 1..] {
        if is_frame(line) {
            if own_frame(line) {
                block.push(line);
                break;
            }
            continue;
        }
        if block.len() > BLOCK_LINES {
            break;
        }
        block.push(line);
    }
    Some(trim_blank(block))
}

fn error_head(line: &str) -> bool {
    let t = line.trim_start();
    let Some((head, _)) = t.split_once(": ") else { return false };
    let name = head.split_once(' ').map_or(head, |(n, code)| if code.starts_with('[') { n } else { "" });
    !name.is_empty() && name.ends_with("Error") && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// node:test's TAP report: the first `not ok` line and its `error:` / `location:` keys.
fn tap_error<'a>(lines: &[&'a str]) -> Option<Vec<&'a str>> {
    let start = lines.iter().position(|l| l.trim_start().starts_with("not ok "))?;
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut block = vec![lines[start]];
    // Inside a kept key's value (`error: |-` and the lines indented under it): its indentation.
    let mut inside: Option<usize> = None;
    for line in &lines[start + 1..] {
        let t = line.trim_start();
        if t.starts_with("not ok ") || t.starts_with("ok ") {
            break;
        }
        if let Some(i) = inside {
            if indent(line) > i && !t.is_empty() {
                block.push(line);
                continue;
            }
            inside = None;
        }
        if ["error:", "location:", "expected:", "actual:", "operator:"].iter().any(|k| t.starts_with(k)) {
            block.push(line);
            inside = Some(indent(line));
        }
    }
    (block.len() > 1).then_some(block)
}

/// Anything else: the first line that says a test failed, with the few lines after it.
fn marked_line<'a>(lines: &[&'a str]) -> Option<Vec<&'a str>> {
    let start = lines.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with("FAIL") || t.starts_with('✕') || t.starts_with('✖') || t.starts_with("× ") || t.contains("Error:")
    })?;
    Some(trim_blank(lines[start..lines.len().min(start + 8)].iter().copied().filter(|l| !is_frame(l) || own_frame(l)).collect()))
}

fn trim_blank(mut block: Vec<&str>) -> Vec<&str> {
    while block.last().is_some_and(|l| l.trim().is_empty()) {
        block.pop();
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jests_first_failure_block_is_the_error_with_its_location_not_the_summary() {
        let output = "FAIL ./say.spec.js\n  say\n    ✕ says one (3 ms)\n\n  ● say › says one\n\n    expect(received).toBe(expected) // Object.is equality\n\n    Expected: \"one\"\n    Received: \"\"\n\n      2 | test('one', () => {\n    > 3 |   expect(say(1)).toBe('one');\n        |                  ^\n\n      at Object.toBe (say.spec.js:3:18)\n      at Promise.then.completed (node_modules/jest-circus/build/utils.js:298:28)\n\n  ● say › says two\n\n    other\n\nTest Suites: 1 failed, 1 total\nTests:       2 failed, 2 total\n";
        let e = first_error(output).unwrap();
        assert!(e.starts_with("● say › says one"), "{e}");
        assert!(e.contains("Expected: \"one\"") && e.contains("Received: \"\""), "{e}");
        assert!(e.ends_with("at Object.toBe (say.spec.js:3:18)"), "{e}");
        assert!(!e.contains("jest-circus") && !e.contains("says two"), "{e}");
    }

    #[test]
    fn nodes_error_line_and_the_first_frame_in_the_project() {
        let output = "node:internal/modules/cjs/loader:1228\n  throw err;\n  ^\n\nError: Cannot find module './sya'\nRequire stack:\n- /ws/say.spec.js\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)\n    at Object.<anonymous> (/ws/say.js:1:13)\n    at Module._compile (node:internal/modules/cjs/loader:1364:14) {\n  code: 'MODULE_NOT_FOUND'\n}\n\nNode.js v20.11.0\n";
        let e = first_error(output).unwrap();
        assert!(e.contains("Error: Cannot find module './sya'"), "{e}");
        assert!(e.ends_with("at Object.<anonymous> (/ws/say.js:1:13)"), "{e}");
        assert!(!e.contains("_compile"), "{e}");
        let assertion = "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n'' !== 'one'\n\n    at TestContext.<anonymous> (file:///ws/say.test.js:4:10)\n";
        let e = first_error(assertion).unwrap();
        assert!(e.starts_with("AssertionError [ERR_ASSERTION]: Expected") && e.contains("'' !== 'one'") && e.contains("say.test.js:4:10"), "{e}");
    }

    #[test]
    fn node_tests_tap_keys_and_nothing_for_clean_output() {
        let output = "TAP version 13\n# Subtest: one\nnot ok 1 - one\n  ---\n  duration_ms: 1.2\n  location: '/ws/say.test.js:3:1'\n  failureType: 'testCodeFailure'\n  error: |-\n    Expected values to be strictly equal:\n  stack: |-\n    at x\n  ...\n";
        let e = first_error(output).unwrap();
        assert!(e.contains("not ok 1 - one") && e.contains("location: '/ws/say.test.js:3:1'") && e.contains("error: |-"), "{e}");
        assert_eq!(first_error("all good\n3 passed\n"), None);
    }
}
