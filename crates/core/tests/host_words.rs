//! The core names no host's controls: a CLI flag in a message, an advice or a doc comment that
//! reaches `protocol.d.ts` is the host's word, which the host gives (`RunInput.words`, the
//! `words` of the render exports). This test reads every non-test source file of the core and
//! fails on any `--flag`.

use std::path::{Path, PathBuf};

/// `--` words that are not a host's flag: another program's, as the core detects it.
const NOT_FLAGS: &[(&str, &str)] = &[("--test", "node --test, a test runner the skill starter detects in package.json")];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "tests" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") && !name.ends_with(".tests.rs") && name != "tests.rs" {
            out.push(path);
        }
    }
}

/// `text` without its `#[cfg(test)]` items (a `mod x;` line, or an item up to its closing brace).
fn without_tests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let (semi, brace) = (item.find(';'), item.find('{'));
        let end = match (semi, brace) {
            (Some(s), Some(b)) if s < b => s + 1,
            (_, Some(b)) => {
                let mut depth = 0usize;
                let mut end = item.len();
                for (i, c) in item[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(s), None) => s + 1,
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

fn flags(line: &str) -> Vec<String> {
    let bytes = line.as_bytes();
    let mut found = Vec::new();
    for (i, _) in line.match_indices("--") {
        let before_ok = i == 0 || !(bytes[i - 1] == b'-' || bytes[i - 1].is_ascii_alphanumeric());
        let starts_word = bytes.get(i + 2).is_some_and(u8::is_ascii_lowercase);
        if before_ok && starts_word {
            let word: String = line[i..].chars().take_while(|c| *c == '-' || c.is_ascii_alphanumeric()).collect();
            found.push(word);
        }
    }
    found
}

#[test]
fn the_core_names_no_cli_flag() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 20, "read {} files under {}", files.len(), root.display());
    let mut hits = Vec::new();
    for file in &files {
        let text = without_tests(&std::fs::read_to_string(file).unwrap());
        for line in text.lines() {
            for flag in flags(line) {
                if !NOT_FLAGS.iter().any(|(f, _)| *f == flag) {
                    hits.push(format!("{}: {flag}: {}", file.strip_prefix(&root).unwrap().display(), line.trim()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "a host's flag in the core (give it as a word: RunInput.words, codes::Words):\n{}", hits.join("\n"));
}

#[test]
fn the_check_finds_a_flag_and_skips_test_code() {
    assert_eq!(flags("say `--files` or --max-retries, not -- or ---- or a--b"), ["--files", "--max-retries"]);
    let text = "fn a() { \"--files\" }\n#[cfg(test)]\nmod tests {\n    fn t() { \"--read\" }\n}\nfn b() {}\n#[cfg(test)]\nmod more;\n";
    let kept = without_tests(text);
    assert!(kept.contains("--files") && !kept.contains("--read") && kept.contains("fn b()") && !kept.contains("mod more"), "{kept}");
}
