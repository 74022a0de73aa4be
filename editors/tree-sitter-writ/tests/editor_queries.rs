//! The editors' copies of the queries are generated from `queries/` and must
//! stay in step: Neovim (nvim-treesitter's capture names, later patterns
//! win) reads them as they are; Helix wants its own capture names and reads
//! overlapping patterns the other way round (the first pattern wins), so its
//! highlight query is the canonical one with the patterns reversed and the
//! captures renamed.
//!
//! Every query must compile against the grammar. Rewrite the generated files
//! with `WRIT_UPDATE_QUERIES=1 cargo test -p tree-sitter-writ --test editor_queries`.

use std::path::{Path, PathBuf};
use tree_sitter::Query;

/// Helix's name for each nvim-treesitter capture (`None`: Helix has no such
/// capture and the capture is dropped).
const HELIX_NAMES: &[(&str, Option<&str>)] = &[
    ("comment.documentation", Some("comment.line.documentation")),
    ("number", Some("constant.numeric.integer")),
    ("keyword.repeat", Some("keyword.control.repeat")),
    ("keyword.conditional", Some("keyword.control.conditional")),
    ("keyword.import", Some("keyword.control.import")),
    ("function.call", Some("function")),
    ("function.method.call", Some("function.method")),
    ("property", Some("variable.other.member")),
    ("module", Some("namespace")),
    ("indent.begin", Some("indent")),
    ("indent.branch", Some("outdent")),
    ("indent.end", None),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the crate sits two folders below the root")
        .to_path_buf()
}

fn canonical(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("queries")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn compile(name: &str, text: &str) -> Query {
    Query::new(&tree_sitter_writ::LANGUAGE.into(), text)
        .unwrap_or_else(|e| panic!("{name} does not compile against the grammar: {e}"))
}

/// The query's patterns (comment lines and blank lines dropped).
fn patterns(name: &str, text: &str) -> Vec<String> {
    let query = compile(name, text);
    (0..query.pattern_count())
        .map(|i| {
            text[query.start_byte_for_pattern(i)..query.end_byte_for_pattern(i)]
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with(';'))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// `@name` captures renamed for Helix (or dropped).
fn helix_captures(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..len];
        match HELIX_NAMES.iter().find(|(from, _)| *from == name) {
            Some((_, Some(to))) => out.push_str(&format!("@{to}")),
            Some((_, None)) => {
                // Dropped, with the space before it.
                if out.ends_with(' ') {
                    out.pop();
                }
            }
            None => out.push_str(&format!("@{name}")),
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

fn header(source: &str, how: &str) -> String {
    format!(
        "; Generated from editors/tree-sitter-writ/queries/{source} ({how}) by\n\
         ; editors/tree-sitter-writ/tests/editor_queries.rs: do not edit; rewrite with\n\
         ; WRIT_UPDATE_QUERIES=1 cargo test -p tree-sitter-writ --test editor_queries\n\n"
    )
}

/// Every generated file: (path from the root, expected text).
fn generated() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in [
        "highlights.scm",
        "folds.scm",
        "indents.scm",
        "textobjects.scm",
    ] {
        let text = canonical(name);
        compile(name, &text);
        out.push((
            format!("editors/nvim/queries/writ/{name}"),
            format!("{}{text}", header(name, "a copy")),
        ));
    }
    let highlights = canonical("highlights.scm");
    let mut reversed: Vec<String> = patterns("highlights.scm", &highlights)
        .iter()
        .map(|p| helix_captures(p))
        .collect();
    reversed.reverse();
    out.push((
        "editors/helix/queries/writ/highlights.scm".into(),
        format!(
            "{}{}\n",
            header(
                "highlights.scm",
                "patterns in reverse order, Helix's capture names"
            ),
            reversed.join("\n")
        ),
    ));
    for name in ["indents.scm", "textobjects.scm"] {
        let text = canonical(name);
        let mapped: Vec<String> = patterns(name, &text)
            .iter()
            .map(|p| helix_captures(p))
            .collect();
        out.push((
            format!("editors/helix/queries/writ/{name}"),
            format!(
                "{}{}\n",
                header(name, "Helix's capture names"),
                mapped.join("\n")
            ),
        ));
    }
    out
}

#[test]
fn editor_queries_are_generated_from_the_canonical_ones() {
    let root = root();
    let update = std::env::var_os("WRIT_UPDATE_QUERIES").is_some();
    let mut stale = Vec::new();
    for (path, expected) in generated() {
        let full = root.join(&path);
        compile(&path, &expected);
        let actual = std::fs::read_to_string(&full).unwrap_or_default();
        if actual != expected {
            if update {
                std::fs::create_dir_all(full.parent().expect("a folder")).expect("mkdir");
                std::fs::write(&full, &expected).expect("write");
            } else {
                stale.push(path);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "out of step with editors/tree-sitter-writ/queries: {stale:?}; rewrite them with \
         WRIT_UPDATE_QUERIES=1 cargo test -p tree-sitter-writ --test editor_queries"
    );
}

#[test]
fn helix_names_replace_whole_captures_only() {
    assert_eq!(
        helix_captures("(x) @number (y) @numbers [\"}\"] @indent.end @indent.branch"),
        "(x) @constant.numeric.integer (y) @numbers [\"}\"] @outdent"
    );
}
