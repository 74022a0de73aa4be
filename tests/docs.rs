//! The documentation keeps up with the code: every diagnostic code is
//! documented, and every keyword appears in the language reference.

use std::path::Path;

fn docs_text() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            text.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    text
}

#[test]
fn every_diagnostic_code_is_documented() {
    let docs = docs_text();
    let missing: Vec<&str> = writ_diagnostics::codes::ALL
        .iter()
        .map(|c| c.id())
        .filter(|id| !docs.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from docs/*.md: {missing:?}"
    );
}

#[test]
fn every_keyword_is_in_the_language_reference() {
    let reference =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md")).unwrap();
    let section = reference
        .split("**Keywords**")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("the reference lists the keywords");
    let listed: Vec<&str> = section
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    for (keyword, _) in writ_syntax::lexer::KEYWORDS {
        assert!(
            listed.contains(keyword),
            "keyword `{keyword}` missing from docs/language.md"
        );
    }
}
