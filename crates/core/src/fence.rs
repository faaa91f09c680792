//! Markdown code fences, both ways: writing content into a prompt or report so nothing inside
//! can close the fence early, and reading the fenced blocks of a model's answer by the
//! CommonMark rules (so an answer fenced with ```` ```` ```` around code holding ``` is read whole).

/// A backtick fence longer than any run of backticks inside `text` (at least three).
pub(crate) fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// `text` as one fenced block with the info string `info`, ending with a newline.
pub(crate) fn fenced(info: &str, text: &str) -> String {
    let fence = fence_for(text);
    let newline = if text.is_empty() || text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{info}\n{text}{newline}{fence}\n")
}

/// One fenced block of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block<'a> {
    /// The info string, trimmed: `js`, `ts title="a.ts"`, or empty.
    pub(crate) info: &'a str,
    pub(crate) body: String,
    /// False when the answer ends before a closing fence: the answer was cut off.
    pub(crate) closed: bool,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// An opening fence: three or more backticks or tildes. Any indent is taken (CommonMark allows
/// up to three spaces, more inside a list item, and models nest blocks in their lists).
/// Returns (indent, fence character, fence length, info string).
fn opening(line: &str) -> Option<(usize, char, usize, &str)> {
    let indent = indent_of(line);
    let rest = &line[indent..];
    let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.len() - rest.trim_start_matches(ch).len();
    if len < 3 {
        return None;
    }
    let info = rest[len..].trim();
    // A backtick fence's info string may not hold a backtick (it would be inline code).
    if ch == '`' && info.contains('`') {
        return None;
    }
    Some((indent, ch, len, info))
}

/// A closing fence for an opening of `ch` x `len` at `open_indent`: at most three spaces more
/// indent than the opening, at least `len` of the same character, then only spaces.
fn closes(line: &str, ch: char, len: usize, open_indent: usize) -> bool {
    let indent = indent_of(line);
    if indent > open_indent + 3 {
        return false;
    }
    let rest = &line[indent..];
    let run = rest.len() - rest.trim_start_matches(ch).len();
    run >= len && rest[run..].trim().is_empty()
}

/// Code that ends in the fence on its own last line (`}```): some models close that way.
fn closed_on_last_line(line: &str, ch: char, len: usize) -> Option<&str> {
    let trimmed = line.trim_end();
    let code = trimmed.trim_end_matches(ch);
    let run = trimmed.len() - code.len();
    (run >= len && !code.trim().is_empty()).then_some(code)
}

/// The fenced blocks of `answer`, in order.
pub(crate) fn blocks(answer: &str) -> Vec<Block<'_>> {
    let lines: Vec<&str> = answer.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((indent, ch, len, info)) = opening(lines[i]) else {
            i += 1;
            continue;
        };
        let inner = &lines[i + 1..];
        // Each line joins the body in place, its indent up to the fence's stripped: no copy per
        // line of a 9 MB answer.
        let mut body = String::new();
        let mut push = |l: &str| {
            body.push_str(&l[indent_of(l).min(indent)..]);
            body.push('\n');
        };
        let mut closed = false;
        let mut consumed = inner.len();
        for (n, l) in inner.iter().enumerate() {
            if closes(l, ch, len, indent) {
                (closed, consumed) = (true, n + 1);
                break;
            }
            if let Some(code) = closed_on_last_line(l, ch, len) {
                push(code);
                (closed, consumed) = (true, n + 1);
                break;
            }
            push(l);
        }
        out.push(Block { info, body, closed });
        i += 1 + consumed;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fence_is_longer_than_any_backtick_run_inside() {
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("+const s = ```;"), "````");
        assert_eq!(fence_for("/**\n * ```js\n * f()\n * ```\n */"), "````");
        assert_eq!(fence_for("`````"), "``````");
        assert_eq!(fenced("js", "a"), "```js\na\n```\n");
    }

    #[test]
    fn content_written_with_fenced_reads_back_whole() {
        for text in ["/**\n * Example:\n * ```js\n * add(1, 2)\n * ```\n */\nfunction add(a, b) { return a + b; }\n", "```\n", "~~~\nx\n~~~\n"] {
            let written = fenced("js", text);
            let b = blocks(&written);
            assert_eq!(b.len(), 1, "{text:?}");
            assert_eq!((b[0].body.as_str(), b[0].closed), (text, true));
        }
    }

    #[test]
    fn commonmark_closing_rules() {
        // A longer closing fence closes; a shorter one is content.
        assert_eq!(blocks("````js\n```\ninner\n```\n`````\n")[0].body, "```\ninner\n```\n");
        // Tildes close tildes only.
        assert_eq!(blocks("~~~js\n```\nx\n~~~\n")[0].body, "```\nx\n");
        // Up to three spaces more indent than the opening; four more is content.
        let b = blocks("  ```js\n  a();\n    b();\n   ```\n");
        assert_eq!((b[0].body.as_str(), b[0].closed), ("a();\n  b();\n", true));
        let b = blocks("```js\na();\n    ```\n");
        assert!(!b[0].closed);
        // A block nested in a list item keeps its code's own indentation.
        let b = blocks("1. The file:\n\n    ```js\n    if (a) {\n      b();\n    }\n    ```\n");
        assert_eq!((b[0].body.as_str(), b[0].closed), ("if (a) {\n  b();\n}\n", true));
        // Text after the closing fence makes it no closing fence.
        assert!(!blocks("```js\na();\n``` not a close\n")[0].closed);
        // A backtick info string holding a backtick opens nothing.
        assert!(blocks("```js `x`\n").is_empty());
    }

    #[test]
    fn a_fence_closed_on_the_code_line() {
        let b = blocks("```js\nf();\n}```");
        assert_eq!((b[0].body.as_str(), b[0].closed), ("f();\n}\n", true));
        // Code ending in a shorter run of backticks is code.
        let b = blocks("````js\nconst s = ```\nf();\n````\n");
        assert_eq!(b[0].body, "const s = ```\nf();\n");
        // Glued, then another block: each is read on its own.
        let b = blocks("```\na();```\n\n```\nb();```\n");
        let got: Vec<(&str, bool)> = b.iter().map(|b| (b.body.as_str(), b.closed)).collect();
        assert_eq!(got, [("a();\n", true), ("b();\n", true)]);
    }

    #[test]
    fn several_blocks_in_order() {
        let b = blocks("a\n```js\nx\n```\ntext\n~~~ts title=\"a.ts\"\ny\n~~~\n```\nz");
        let got: Vec<(&str, &str, bool)> = b.iter().map(|b| (b.info, b.body.as_str(), b.closed)).collect();
        assert_eq!(got, [("js", "x\n", true), ("ts title=\"a.ts\"", "y\n", true), ("", "z\n", false)]);
    }
}
