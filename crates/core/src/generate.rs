//! L3: pull a file's code out of a model answer. Fenced or bare; prose, empty and cut-off answers
//! are refused with a reason the retry prompt can quote.

use crate::analysis::{Language, analyze};

#[derive(Debug, PartialEq, Eq)]
struct Fence<'a> {
    info: &'a str,
    body: String,
    closed: bool,
}

fn fence_marker(line: &str) -> Option<(&'static str, &str)> {
    let t = line.trim_start();
    ["```", "~~~"].into_iter().find_map(|m| t.strip_prefix(m).map(|rest| (m, rest.trim())))
}

fn fences(answer: &str) -> Vec<Fence<'_>> {
    let mut out = Vec::new();
    let mut lines = answer.lines();
    while let Some(line) = lines.next() {
        let Some((marker, info)) = fence_marker(line) else { continue };
        let mut body = String::new();
        let mut closed = false;
        for inner in lines.by_ref() {
            if inner.trim() == marker {
                closed = true;
                break;
            }
            // Some models close the fence on the code's last line: `}```.
            if let Some(code) = inner.trim_end().strip_suffix(marker) {
                body.push_str(code);
                body.push('\n');
                closed = true;
                break;
            }
            body.push_str(inner);
            body.push('\n');
        }
        out.push(Fence { info, body, closed });
    }
    out
}

fn info_fits(info: &str, language: Language) -> bool {
    let tag = info.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    let accepted: &[&str] = match language {
        Language::JavaScript | Language::Jsx => &["", "js", "javascript", "jsx", "mjs", "cjs", "node"],
        Language::TypeScript | Language::Tsx => &["", "ts", "typescript", "tsx", "js", "javascript"],
        Language::Json => &["", "json", "jsonc"],
        Language::Xml => &["", "xml", "svg", "plist"],
        Language::Yaml => &["", "yaml", "yml"],
        Language::Toml => &["", "toml"],
        Language::Other => return true,
    };
    accepted.contains(&tag.as_str())
}

/// Does this unfenced answer read like code rather than prose?
fn looks_like_code(text: &str, path: &str) -> bool {
    let lang = Language::of(path);
    if !lang.is_script() {
        return lang == Language::Json;
    }
    analyze(path, text).is_valid() && text.contains(['(', '{', '=', ';'])
}

/// The file content an answer proposes for `path`, ending with a newline.
pub fn extract_code(answer: &str, path: &str) -> Result<String, String> {
    if answer.trim().is_empty() {
        return Err("the answer was empty".into());
    }
    let language = Language::of(path);
    let found = fences(answer);
    let mut best: Option<&Fence<'_>> = None;
    for f in found.iter().filter(|f| f.closed && info_fits(f.info, language)) {
        if best.is_none_or(|b| f.body.len() > b.body.len()) {
            best = Some(f);
        }
    }
    let code = match best {
        Some(f) => f.body.clone(),
        None if found.iter().any(|f| !f.closed) => {
            return Err("the answer was cut off: its code block is never closed".into());
        }
        None if !found.is_empty() => return Err(format!("the answer's code block is not {}", language.fence_tag())),
        None if looks_like_code(answer.trim(), path) => answer.trim().to_string(),
        None => return Err("the answer contains no code block".into()),
    };
    if code.trim().is_empty() {
        return Err("the answer's code block is empty".into());
    }
    let mut code = code;
    if !code.ends_with('\n') {
        code.push('\n');
    }
    Ok(code)
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
    fn picks_the_largest_fitting_block() {
        let a = "```bash\nnpm test\n```\n```js\nx();\n```\n```js\nfunction big() { return 1; }\n```\n";
        assert_eq!(extract_code(a, "a.js").unwrap(), "function big() { return 1; }\n");
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
