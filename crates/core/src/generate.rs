//! L3: pull a file's code out of a model answer. Fenced or bare; prose, empty and cut-off answers
//! are refused with a reason the retry prompt can quote.

use crate::analysis::{Language, analyze};
use crate::fence::{Block, blocks};

/// The largest file a host may be set to read back (npm/core/host/limits.mjs LARGEST_FILE_BYTES,
/// the host's read limit option): code over it could be written and never read again, so an answer holding
/// more is refused here. What a model is sent is the context budget's call, not this limit's.
pub(crate) const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

fn info_fits(info: &str, language: Language) -> bool {
    let tag = info.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    language.accepted_fence_tags().is_none_or(|accepted| accepted.contains(&tag.as_str()))
}

/// Does this unfenced answer read like code rather than prose?
fn looks_like_code(text: &str, path: &str) -> bool {
    let lang = Language::of(path);
    if !lang.is_script() {
        return lang == Language::Json;
    }
    analyze(path, text).is_valid() && text.contains(['(', '{', '=', ';'])
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn stem(name: &str) -> &str {
    name.split_once('.').map_or(name, |(s, _)| s)
}

/// Does the info string name the target (`js title="src/a.js"`, `js src/a.js`, `a.js`)?
fn info_names(info: &str, path: &str) -> bool {
    info.split(|c: char| c.is_whitespace() || c == '=' || c == '"' || c == '\'' || c == ':' || c == '{' || c == '}')
        .map(|w| w.trim_start_matches("./"))
        .any(|w| w == path || (!w.is_empty() && (path.ends_with(&format!("/{w}")) || w == file_name(path))))
}

/// Test files are the one kind of file that may import the module under test and call `it(...)`.
fn is_test_path(path: &str) -> bool {
    let name = file_name(path);
    name.contains(".test.") || name.contains(".spec.") || path.split('/').any(|d| d == "__tests__" || d == "test" || d == "tests")
}

/// Relative module specifiers in `require(...)`, `import(...)`, `import ... from` and `import '...'`.
fn relative_specifiers(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in code.lines() {
        let t = line.trim_start();
        if t.starts_with("//") || t.starts_with('*') || t.starts_with("/*") {
            continue;
        }
        for quote in ['\'', '"', '`'] {
            let mut rest = line;
            while let Some(open) = rest.find(quote) {
                let before = rest[..open].trim_end();
                let after = &rest[open + 1..];
                let Some(close) = after.find(quote) else { break };
                let spec = &after[..close];
                let is_import = before.ends_with("require(") || before.ends_with("import(") || before.ends_with("from") || before.ends_with("import");
                if is_import && spec.starts_with('.') {
                    out.push(spec);
                }
                rest = &after[close + 1..];
            }
        }
    }
    out
}

/// Does `code` import the target itself? A file never does; its usage examples and tests do.
fn imports_target(code: &str, path: &str) -> bool {
    let own = stem(file_name(path));
    let dir = path.rsplit('/').nth(1).unwrap_or("");
    relative_specifiers(code).into_iter().any(|spec| {
        let last = spec.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        let last = if crate::lang::has_code_extension(last) { stem(last) } else { last };
        last == own || (own == "index" && !dir.is_empty() && last == dir)
    })
}

/// Does `code` call a test runner's `describe('...'`, `it("..."`, `test.each(...)('...'` at a line's start?
/// The name's string argument tells a test from a module's own `test(value)`.
fn calls_tests(code: &str) -> bool {
    code.lines().map(str::trim_start).any(|l| {
        ["describe", "it", "test"].iter().any(|f| {
            let Some(mut rest) = l.strip_prefix(f) else { return false };
            for modifier in [".only", ".skip", ".each"] {
                rest = rest.strip_prefix(modifier).unwrap_or(rest);
            }
            rest.starts_with("('") || rest.starts_with("(\"") || rest.starts_with("(`") || rest.starts_with("([") || rest.starts_with("`")
        })
    })
}

fn declares_all(body: &str, path: &str, exports: &[String]) -> bool {
    let analysis = analyze(path, body);
    exports.iter().all(|e| analysis.exports.contains(e))
}

/// Keep the blocks that pass `keep`, unless none does.
fn narrow(left: &mut Vec<&Block<'_>>, keep: impl Fn(&Block<'_>) -> bool) {
    if left.iter().any(|b| keep(b)) {
        left.retain(|b| keep(b));
    }
}

/// The one block that is the target, or why none can be told apart. `exports`: what the file
/// must export (kept and planned exports), used to tell the module from its examples.
fn choose<'b, 'a>(candidates: &[&'b Block<'a>], path: &str, exports: &[String]) -> Result<&'b Block<'a>, String> {
    let script = Language::of(path).is_script();
    let not_the_file = |b: &Block<'_>| script && !is_test_path(path) && (imports_target(&b.body, path) || calls_tests(&b.body));
    if let [only] = candidates {
        // A lone block can still be the wrong file: the model answered with a test of the target.
        // (Other code that imports the file itself is the gate's: a module importing itself is a syntax error.)
        if script && !is_test_path(path) && imports_target(&only.body, path) && calls_tests(&only.body) {
            return Err(format!("the answer's code block is a test of {path} (it imports {path} and calls describe/it/test), not the file: answer with the content of {path}"));
        }
        return Ok(only);
    }
    let mut left: Vec<&Block<'_>> = candidates.to_vec();
    narrow(&mut left, |b| info_names(b.info, path));
    let before_tests = left.len();
    left.retain(|b| !not_the_file(b));
    if left.is_empty() {
        return Err(format!(
            "the answer's {before_tests} code blocks are tests or usage examples of {path} (they import it or call describe/it/test), not the file: \
answer with exactly one fenced block for {path}"
        ));
    }
    if !exports.is_empty() && script {
        narrow(&mut left, |b| declares_all(&b.body, path, exports));
    }
    match left.as_slice() {
        [only] => Ok(only),
        _ => Err(format!(
            "the answer has {} code blocks and nothing tells which one is {path}: answer with exactly one fenced block for {path}",
            candidates.len()
        )),
    }
}

/// The file content an answer proposes for `path`, ending with a newline.
pub fn extract_code(answer: &str, path: &str) -> Result<String, String> {
    extract_code_for(answer, path, &[])
}

/// [`extract_code`] knowing what the file must export: among several blocks, the one that
/// declares them is the file; a block that imports the file or tests it never is.
pub(crate) fn extract_code_for(answer: &str, path: &str, exports: &[String]) -> Result<String, String> {
    if answer.trim().is_empty() {
        return Err("the answer was empty".into());
    }
    // Far over what any file in scope may hold: refused before it is even parsed.
    if answer.len() > 2 * MAX_FILE_BYTES {
        return Err(too_large(answer.len()));
    }
    let language = Language::of(path);
    let found = blocks(answer);
    let mut fitting: Vec<&Block<'_>> = Vec::new();
    for b in found.iter().filter(|b| b.closed && info_fits(b.info, language)) {
        // The same block twice is one answer, not two.
        if !fitting.iter().any(|f| f.body == b.body) {
            fitting.push(b);
        }
    }
    let code = match fitting.as_slice() {
        [] if found.iter().any(|b| !b.closed) => {
            return Err("the answer was cut off: its code block is never closed".into());
        }
        [] if !found.is_empty() => return Err(format!("the answer's code block is not {}", language.fence_tag())),
        [] if looks_like_code(answer.trim(), path) => answer.trim().to_string(),
        [] => return Err("the answer contains no code block".into()),
        _ => choose(&fitting, path, exports)?.body.clone(),
    };
    if code.trim().is_empty() {
        return Err("the answer's code block is empty".into());
    }
    if code.len() > MAX_FILE_BYTES {
        return Err(too_large(code.len()));
    }
    let mut code = code;
    if !code.ends_with('\n') {
        code.push('\n');
    }
    Ok(code)
}

/// Why an answer of `bytes` is refused.
pub(crate) fn too_large(bytes: usize) -> String {
    format!(
        "the answer is too large: {bytes} bytes of code, over the {MAX_FILE_BYTES}-byte (32 MiB) limit for a file in scope, \
far more than this change needs"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_answer_with_prose_around() {
        let a = "Sure! Here it is:\n```javascript\nconst a = 1;\n```\nHope this helps.";
        assert_eq!(extract_code(a, "a.js").unwrap(), "const a = 1;\n");
    }

    #[test]
    fn other_languages_blocks_are_ignored() {
        let a = "```bash\nnpm test\n```\n```js\nfunction big() { return 1; }\n```\n```json\n{}\n```\n";
        assert_eq!(extract_code(a, "a.js").unwrap(), "function big() { return 1; }\n");
    }

    const MODULE: &str = "function add(a, b) {\n  return a + b;\n}\nmodule.exports = { add };\n";

    #[test]
    fn the_module_is_taken_not_its_test() {
        let test = "const { add } = require('./add');\ndescribe('add', () => {\n  it('adds', () => expect(add(1, 2)).toBe(3));\n});\n";
        // The test is larger than the module: the old rule took it.
        for a in [format!("```js\n{MODULE}```\nAnd a test:\n```js\n{test}```\n"), format!("```js\n{test}```\n```js\n{MODULE}```\n")] {
            assert_eq!(extract_code(&a, "src/add.js").unwrap(), MODULE, "{a}");
        }
        // ESM usage example: imports the target.
        let usage = "import { add } from './src/add.js';\nconsole.log(add(1, 2)); // a longer line that makes this block the largest one\n";
        assert_eq!(extract_code(&format!("```js\n{MODULE}```\nUsage:\n```js\n{usage}```"), "src/add.js").unwrap(), MODULE);
        // A lone test block is not the file either.
        let err = extract_code(&format!("```js\n{test}```"), "src/add.js").unwrap_err();
        assert!(err.contains("a test of src/add.js"), "{err}");
        // But a test file's own answer may be a test.
        assert_eq!(extract_code(&format!("```js\n{test}```"), "src/add.test.js").unwrap(), test);
        // A module's own call of a function named test is no test.
        let checker = "function test(v) {\n  return v > 0;\n}\nfunction check(v) {\n  test(v);\n}\nmodule.exports = { check };\n";
        assert!(!calls_tests(checker));
        assert!(calls_tests("test.each([[1, 2]])('adds %i', (a, b) => {});\n"));
        // Only tests: refused with what to do.
        let other = "const add = require('../src/add');\ntest('x', () => {});\n";
        let err = extract_code(&format!("```js\n{test}```\n```js\n{other}```"), "src/add.js").unwrap_err();
        assert!(err.contains("answer with exactly one fenced block for src/add.js"), "{err}");
    }

    #[test]
    fn an_index_file_is_told_from_an_example_that_requires_its_directory() {
        let usage = "const lib = require('./lib');\n// The larger block: taking the largest wrote the example.\nlib.run();\n";
        let index = "function run() {}\nmodule.exports = { run };\n";
        assert_eq!(extract_code(&format!("```js\n{index}```\n```js\n{usage}```"), "lib/index.js").unwrap(), index);
    }

    #[test]
    fn the_block_that_declares_the_planned_exports_is_taken() {
        let helper = "function sum(xs) {\n  return xs.reduce((a, b) => a + b, 0);\n}\nmodule.exports = { sum };\n";
        let a = format!("```js\n{helper}```\nand the module:\n```js\n{MODULE}```\n");
        assert_eq!(extract_code_for(&a, "src/add.js", &["add".to_string()]).unwrap(), MODULE);
        // Without knowing the exports, two plausible modules are not guessed between.
        let err = extract_code(&a, "src/add.js").unwrap_err();
        assert!(err.contains("2 code blocks") && err.contains("exactly one fenced block for src/add.js"), "{err}");
    }

    #[test]
    fn an_info_string_naming_the_target_decides() {
        // The other file's block is the larger one: taking the largest wrote it.
        let util = "function clamp(x, lo, hi) {\n  return Math.min(hi, Math.max(lo, x));\n}\n\nmodule.exports = { clamp };\n";
        assert!(util.len() > MODULE.len());
        let a = format!("```js title=\"src/util.js\"\n{util}```\n```js title=\"src/add.js\"\n{MODULE}```\n");
        assert_eq!(extract_code(&a, "src/add.js").unwrap(), MODULE);
        let a = format!("```js src/util.js\n{util}```\n```javascript add.js\n{MODULE}```\n");
        assert_eq!(extract_code(&a, "src/add.js").unwrap(), MODULE);
    }

    #[test]
    fn the_same_block_twice_is_one_answer() {
        let a = format!("```js\n{MODULE}```\nAgain:\n```js\n{MODULE}```\n");
        assert_eq!(extract_code(&a, "src/add.js").unwrap(), MODULE);
    }

    #[test]
    fn answers_in_a_longer_fence_are_read_whole() {
        let code = "/**\n * Example:\n * ```js\n * add(1, 2)\n * ```\n */\nfunction add(a, b) {\n  return a + b;\n}\n";
        assert_eq!(extract_code(&format!("````js\n{code}````\n"), "src/add.js").unwrap(), code);
        assert_eq!(extract_code(&format!("~~~js\n{code}~~~\n"), "src/add.js").unwrap(), code);
        // A closing fence longer than the opening one closes it.
        assert_eq!(extract_code(&format!("````js\n{code}`````\n"), "src/add.js").unwrap(), code);
    }

    #[test]
    fn answers_over_the_file_limit_are_refused() {
        let line = "x = 1;\n";
        let code = line.repeat(MAX_FILE_BYTES / line.len() + 1);
        let err = extract_code(&format!("```js\n{code}```\n"), "a.js").unwrap_err();
        assert!(err.contains("too large") && err.contains("32 MiB"), "{err}");
        let huge = "y".repeat(2 * MAX_FILE_BYTES + 1);
        assert!(extract_code(&huge, "a.js").unwrap_err().contains("too large"));
        let fits = line.repeat(1000);
        assert_eq!(extract_code(&format!("```js\n{fits}```\n"), "a.js").unwrap(), fits);
    }

    #[test]
    fn bare_code_is_accepted() {
        assert_eq!(extract_code("module.exports = { a: 1 };", "a.js").unwrap(), "module.exports = { a: 1 };\n");
    }

    #[test]
    fn prose_empty_and_cut_off_are_refused() {
        assert!(extract_code("I have updated the file as requested.", "a.js").unwrap_err().contains("no code"));
        assert!(extract_code("Done", "a.js").is_err());
        assert!(extract_code("   ", "a.js").unwrap_err().contains("empty"));
        assert!(extract_code("```js\nfunction a() {\n", "a.js").unwrap_err().contains("cut off"));
        assert!(extract_code("```python\nprint(1)\n```", "a.js").is_err());
    }

    #[test]
    fn fence_closed_on_the_last_code_line() {
        assert_eq!(extract_code("```js\nf();\n}```", "a.js").unwrap(), "f();\n}\n");
    }

    #[test]
    fn tilde_fences_and_typescript() {
        assert_eq!(extract_code("~~~ts\nlet a: number = 1;\n~~~", "a.ts").unwrap(), "let a: number = 1;\n");
    }
}
