//! Tests of `section`.

use super::*;
use crate::analysis::analyze;

const SRC: &str = "const http = require('http');\n\n// SECTION 1: SETUP\nconst a = 1;\n\n// SECTION 2: RUN\n// runs\nfunction run(x) {\n  return x;\n}\n\nmodule.exports = { run };\n";

#[test]
fn markers_are_recognised() {
    assert_eq!(marker_text("// SECTION 2: EXECUTION").as_deref(), Some("SECTION 2: EXECUTION"));
    assert_eq!(marker_text("  // ===== Helpers =====").as_deref(), Some("Helpers"));
    assert_eq!(marker_text("// just a note"), None);
    assert_eq!(marker_text("// ----------"), None);
}

#[test]
fn sections_follow_top_level_items() {
    let s = sections(SRC, &analyze("x.js", SRC));
    let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["http", "a", "run", "module.exports"]);
    assert_eq!(s[1].marker.as_deref(), Some("SECTION 1: SETUP"));
    assert_eq!(s[2].marker.as_deref(), Some("SECTION 2: RUN"));
    assert_eq!(signature(SRC, &s[2]), "function run(x) { …");
    assert_eq!(
        outline(SRC, &s, &[3]),
        "#1 const http = require('http');\n// SECTION 1: SETUP\n#2 const a = 1;\n#4 module.exports = { run };\n"
    );
}

#[test]
fn resolve_by_number_name_label_or_marker() {
    let s = sections(SRC, &analyze("x.js", SRC));
    let refs = |r: &[&str]| resolve(&s, &r.iter().map(|x| x.to_string()).collect::<Vec<_>>());
    assert_eq!(refs(&["run", "#1", "module.exports"]), Ok(vec![1, 3, 4]));
    assert_eq!(refs(&["section 1: setup", "2"]), Ok(vec![2]));
    assert_eq!(refs(&["nope"]), Err("no section \"nope\"".into()));
}

#[test]
fn large_classes_are_offered_member_by_member() {
    let mut src = String::from("class Big {\n  constructor() {\n    this.n = 0;\n  }\n");
    for i in 0..20 {
        src.push_str(&format!("\n  // step {i}\n  step{i}() {{\n    return {i};\n  }}\n"));
    }
    src.push_str("}\n\nmodule.exports = Big;\n");
    let s = sections(&src, &analyze("big.js", &src));
    assert_eq!(s.len(), 1 + 21 + 1);
    assert_eq!((s[1].label.as_str(), s[1].parent), ("Big.constructor", Some(1)));
    assert_eq!(&src[s[3].start as usize..s[3].end as usize], "  // step 1\n  step1() {\n    return 1;\n  }");
    let refs = |r: &[&str]| resolve(&s, &r.iter().map(|x| x.to_string()).collect::<Vec<_>>());
    assert_eq!(refs(&["Big.step1", "module.exports"]), Ok(vec![4, 23]));
    assert!(refs(&["Big", "Big.step1"]).unwrap_err().contains("inside another chosen section"));
    assert!(outline(&src, &s, &[]).contains("\n  #4 step1() { …\n"));
    let new = splice(&src, &[(s[3].start, s[3].end, "  step1() {\n    return 100;\n  }\n".into())]);
    assert_eq!(new, src.replace("  // step 1\n  step1() {\n    return 1;", "  step1() {\n    return 100;"));
}

#[test]
fn splicing_a_section_back_unchanged_is_the_identity() {
    // Found by tests/robustness.rs: in text that does not parse, a statement's span can end
    // in a newline, and splicing it back dropped that newline.
    let src = "\\\n\n0 ";
    let s = sections(src, &analyze("x.js", src));
    assert!(s.iter().any(|s| src[s.start as usize..s.end as usize].ends_with('\n')), "{s:?}");
    for s in &s {
        let same = src[s.start as usize..s.end as usize].to_string();
        assert_eq!(splice(src, &[(s.start, s.end, same)]), src, "{s:?}");
    }
}

#[test]
fn splice_keeps_everything_else_byte_identical() {
    let s = sections(SRC, &analyze("x.js", SRC));
    let new_run = "// SECTION 2: RUN\nfunction run(x) {\n  return x * 2;\n}\n".to_string();
    let out = splice(SRC, &[(s[2].start, s[2].end, new_run)]);
    assert_eq!(out, SRC.replace("// runs\n", "").replace("return x;", "return x * 2;"));
}
