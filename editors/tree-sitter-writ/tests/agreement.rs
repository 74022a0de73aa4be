//! The two grammars agree: every `.writ` file of the repository (the syntax
//! corpus's `pass/` and `fail/` cases, the checker's cases, the standard
//! library, the examples, the editors' test files) and every ```` ```writ ````
//! snippet of the docs is parsed by the compiler (lalrpop, `writ_syntax::parse`)
//! and by the tree-sitter grammar (`grammar.js`, generated into `src/parser.c`),
//! and both must give the same verdict: accepted or rejected.
//!
//! The compiler's verdict counts only what a grammar can see: lexical and
//! syntax errors (E0101 invalid character, E0102 unterminated string, E0104
//! for letters after a number, E0201 unexpected token, E0202 unexpected end,
//! E0203 misplaced doc comment). The codes that judge values or structure
//! (E0103, E0104 for a number too large, E0105, E0106, E0204–E0208) are
//! checked by the compiler alone; a file nested past the limit (E0209) gets no
//! tree from the compiler and is left out (and said so if it ever appears).
//!
//! A leading byte order mark is dropped before tree-sitter parses, as the
//! compiler's input layer (`writ_diagnostics::limits`) and editors do.
//!
//! Also here: the grammar's reserved words are exactly the lexer's keywords.

use std::path::{Path, PathBuf};
use tree_sitter::{Node, Parser};
use writ_diagnostics::{Code, FileId, codes};

/// The repository root (this crate is `editors/tree-sitter-writ`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the crate sits two folders below the root")
        .to_path_buf()
}

/// The codes a grammar decides.
const GRAMMAR_CODES: &[Code] = &[
    codes::E0101,
    codes::E0102,
    codes::E0201,
    codes::E0202,
    codes::E0203,
];

/// Whether a diagnostic is one a grammar decides: one of [`GRAMMAR_CODES`],
/// or E0104 for letters after a number (`48hours`, one bad token), not for a
/// number too large (a value).
fn is_grammar_error(d: &writ_diagnostics::Diagnostic, text: &str) -> bool {
    GRAMMAR_CODES.contains(&d.code)
        || d.code == codes::E0104
            && text
                .get(d.primary.span.range())
                .is_some_and(|t| t.chars().any(|c| !c.is_ascii_digit()))
}

/// Folders never walked: build output, dependencies, VCS data.
fn skipped(name: &str) -> bool {
    name.starts_with('.') || name == "target" || name == "node_modules"
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !skipped(name) {
                walk(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// One text to judge: where it comes from (`path` or `path:line`) and its text.
struct Case {
    name: String,
    text: String,
}

fn cases() -> Vec<Case> {
    let root = root();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let relative = |p: &Path| {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut out = Vec::new();
    for path in &files {
        let ext = path.extension().and_then(|e| e.to_str());
        if ext == Some("writ") {
            let bytes = std::fs::read(path).expect("readable case");
            out.push(Case {
                name: relative(path),
                text: String::from_utf8_lossy(&bytes).into_owned(),
            });
        } else if ext == Some("md") {
            let text = std::fs::read_to_string(path).expect("readable markdown");
            out.extend(snippets(&text).into_iter().map(|(line, text)| Case {
                name: format!("{}:{line}", relative(path)),
                text,
            }));
        }
    }
    out
}

/// The ```` ```writ ```` fenced blocks of a markdown text, with the line each starts on.
fn snippets(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence
                .strip_prefix("```")
                .is_some_and(|info| info.trim() == "writ") =>
            {
                current = Some((i + 2, String::new()));
            }
            Some(_) if fence.starts_with("```") => out.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    out
}

/// A verdict, with the first reason for a rejection.
#[derive(Debug)]
enum Verdict {
    Accepted,
    Rejected(String),
}

impl Verdict {
    fn accepted(&self) -> bool {
        matches!(self, Verdict::Accepted)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Accepted => f.write_str("accepted"),
            Verdict::Rejected(why) => write!(f, "rejected ({why})"),
        }
    }
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// The compiler's verdict, or `None` when the file is past the nesting limit.
fn lalrpop(text: &str) -> Option<Verdict> {
    let parse = writ_syntax::parse(FileId(0), text);
    if parse.diagnostics.iter().any(|d| d.code == codes::E0209) {
        return None;
    }
    Some(
        match parse.diagnostics.iter().find(|d| is_grammar_error(d, text)) {
            None => Verdict::Accepted,
            Some(d) => {
                let (line, col) = line_col(text, d.primary.span.start as usize);
                Verdict::Rejected(format!("{line}:{col}: {} {}", d.code, d.message))
            }
        },
    )
}

/// The first error or missing node, depth first.
fn first_error(node: Node<'_>) -> Option<Node<'_>> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error).or(Some(node))
}

fn tree_sitter(parser: &mut Parser, text: &str) -> Verdict {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = parser
        .parse(text, None)
        .expect("a tree (no timeout is set)");
    match first_error(tree.root_node()) {
        None => Verdict::Accepted,
        Some(node) => {
            let (line, col) = line_col(text, node.start_byte());
            let what = if node.is_missing() {
                format!("missing `{}`", node.kind())
            } else {
                let snippet: String = text[node.byte_range()].chars().take(40).collect();
                format!("cannot parse `{}`", snippet.escape_debug())
            };
            Verdict::Rejected(format!("{line}:{col}: {what}"))
        }
    }
}

/// What to do about a disagreement, in words a maintainer can act on.
fn advice(compiler: &Verdict, text: &str, tree_sitter: &Verdict) -> String {
    if compiler.accepted() {
        // New syntax the grammar lacks (e.g. a new item such as `assert`).
        let word = first_word_at_error(text, tree_sitter);
        format!(
            "the compiler accepts syntax that grammar.js lacks{}: in editors/tree-sitter-writ/grammar.js, \
             add any new keyword to KEYWORDS, mirror the new or changed rule of \
             compiler/syntax/src/grammar.lalrpop (a new item: a `<name>_definition` rule with \
             `optional($._docs)` first, listed in `_item`; a new clause: a `<name>_clause` in \
             `_clause`; a new test statement: in `_test_statement`), add highlight captures for \
             its keywords to queries/highlights.scm and a case to test/corpus/, then run \
             `tree-sitter generate && tree-sitter test` there and commit src/",
            word.map(|w| format!(" (starting at `{w}`)"))
                .unwrap_or_default()
        )
    } else {
        "grammar.js accepts what the compiler rejects: make its rule as strict as the lalrpop \
         rule (compiler/syntax/src/grammar.lalrpop) or the lexer (compiler/syntax/src/lexer.rs), \
         then run `tree-sitter generate && tree-sitter test` in editors/tree-sitter-writ and \
         commit src/"
            .to_string()
    }
}

/// The word at the line:column a tree-sitter rejection names.
fn first_word_at_error(text: &str, verdict: &Verdict) -> Option<String> {
    let Verdict::Rejected(why) = verdict else {
        return None;
    };
    let snippet = why.split('`').nth(1)?;
    let word: String = snippet
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty() && text.contains(&word)).then_some(word)
}

#[test]
fn both_grammars_accept_and_reject_the_same_files() {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_writ::LANGUAGE.into())
        .expect("the generated parser's ABI is one the runtime reads");
    let cases = cases();
    let (mut accepted, mut rejected, mut too_deep) = (0, 0, Vec::new());
    let mut disagreements = Vec::new();
    for case in &cases {
        let Some(compiler) = lalrpop(&case.text) else {
            too_deep.push(case.name.clone());
            continue;
        };
        let ts = tree_sitter(&mut parser, &case.text);
        if compiler.accepted() != ts.accepted() {
            disagreements.push(format!(
                "{}\n    compiler (lalrpop): {compiler}\n    tree-sitter:        {ts}\n    fix: {}",
                case.name,
                advice(&compiler, &case.text, &ts)
            ));
        } else if compiler.accepted() {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} cases get different verdicts from the two grammars:\n\n{}\n",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n\n")
    );
    // The walk found the corpora, and both verdicts occur.
    assert!(accepted >= 100, "only {accepted} accepted cases found");
    assert!(rejected >= 10, "only {rejected} rejected cases found");
    eprintln!(
        "{accepted} accepted and {rejected} rejected by both; left out (past the nesting limit): {too_deep:?}"
    );
}

/// The reserved words of `grammar.js` (read from the generated `src/grammar.json`).
fn grammar_reserved_words() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/grammar.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("src/grammar.json"))
            .expect("src/grammar.json is JSON");
    let mut words: Vec<String> = json["reserved"]["global"]
        .as_array()
        .expect("grammar.js declares `reserved.global`")
        .iter()
        .map(|w| w["value"].as_str().expect("a string").to_string())
        .collect();
    words.sort();
    words
}

#[test]
fn reserved_words_are_the_lexers_keywords() {
    let grammar = grammar_reserved_words();
    let lexer: Vec<String> = writ_syntax::lexer::KEYWORDS
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    let missing: Vec<&String> = lexer.iter().filter(|k| !grammar.contains(k)).collect();
    let extra: Vec<&String> = grammar.iter().filter(|k| !lexer.contains(k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "grammar.js' KEYWORDS differ from the lexer's (compiler/syntax/src/lexer.rs):\n  \
         add to KEYWORDS in editors/tree-sitter-writ/grammar.js: {missing:?}\n  \
         remove from it: {extra:?}\nthen run `tree-sitter generate` there and commit src/"
    );
}

#[test]
fn docs_snippets_are_found() {
    let md = "text\n```writ\nrule r {}\n```\n```json\n{}\n```\n  ```writ\nlet x = 1\n  ```\n";
    let found = snippets(md);
    assert_eq!(
        found,
        vec![
            (3, "rule r {}\n".to_string()),
            (9, "let x = 1\n".to_string())
        ]
    );
}
