//! The front end never panics, whatever it is given: random bytes, random
//! token soup and random mutations of the corpus go through the lexer, the
//! parser, the diagnostic renderer and the formatter. Whenever formatting
//! succeeds, formatting its output again changes nothing and parses to the
//! same tree.
//!
//! Bounded so it stays well under 20 s in a debug build; the cargo-fuzz target
//! (`fuzz/fuzz_targets/parse.rs`) runs the same checks without a bound.

use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;
use writ_diagnostics::{FileId, SourceMap, render};
use writ_syntax::ast::strip_spans;
use writ_syntax::format::format;
use writ_syntax::{lexer, parse};

/// Lexes, parses, renders and formats `text`, checking what must hold.
fn check(text: &str) {
    let lexed = lexer::lex(FileId(0), text);
    let mut previous_end = 0;
    for (start, _, end) in &lexed.tokens {
        assert!(
            previous_end <= *start && start <= end && *end <= text.len(),
            "token {start}..{end}"
        );
        assert!(text.is_char_boundary(*start) && text.is_char_boundary(*end));
        previous_end = *end;
    }

    let parsed = parse(FileId(0), text);
    for d in &parsed.diagnostics {
        for span in std::iter::once(d.primary.span).chain(d.secondary.iter().map(|l| l.span)) {
            let (start, end) = (span.start as usize, span.end as usize);
            assert!(
                start <= end && end <= text.len(),
                "{}: span {start}..{end} of {}",
                d.code,
                text.len()
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{}: span splits a character",
                d.code
            );
        }
    }
    let mut files = SourceMap::new();
    files.add("fuzz.writ", text);
    let rendered = render::human_string(&files, &parsed.diagnostics);
    assert!(!rendered.contains("<cannot render"), "{rendered}");

    match format(text) {
        Ok(once) => {
            assert!(!parsed.has_errors());
            let again = format(&once)
                .unwrap_or_else(|e| panic!("formatted output does not parse: {e:?}\n{once}"));
            assert_eq!(again, once, "formatting is not idempotent");
            assert_eq!(
                strip_spans(&format!("{:?}", parse(FileId(0), &once).file)),
                strip_spans(&format!("{:?}", parsed.file)),
                "formatting changed the tree:\n{once}"
            );
        }
        Err(errors) => {
            assert!(parsed.has_errors() && !errors.is_empty());
            assert!(errors.iter().all(|e| e.is_error()));
        }
    }
}

fn corpus() -> &'static [String] {
    static CORPUS: OnceLock<Vec<String>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut files = Vec::new();
        for dir in ["pass", "fail"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("corpus directory") {
                let path = entry.expect("entry").path();
                if path.extension().is_some_and(|e| e == "writ") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("corpus file"))
            .collect()
    })
}

/// Characters mutations insert: the language's punctuation, quotes and
/// escapes, line breaks, digits, and multi-byte characters of every width.
const ALPHABET: &[char] = &[
    '{', '}', '(', ')', '[', ']', ',', '.', ':', '*', '=', '!', '<', '>', '|', '-', '+', '"', '\\',
    '/', '\n', '\r', '\t', ' ', '0', '9', 'T', 'Z', 'h', 'w', 'u', 'a', '_', '#', ';', '\'', '\0',
    'é', 'ß', '→', '✓', '日', '😀', '\u{feff}', '\u{202e}', '\u{200b}', '\u{7f}',
];

/// A word or symbol of the language, for token soup.
const WORDS: &[&str] = &[
    "use",
    "rule",
    "approval",
    "forbid",
    "emergency",
    "test",
    "let",
    "for",
    "in",
    "when",
    "unless",
    "require",
    "check",
    "on",
    "of",
    "then",
    "distinct",
    "from",
    "humans",
    "only",
    "followup",
    "review",
    "within",
    "expires",
    "after",
    "all",
    "where",
    "via",
    "depth",
    "and",
    "or",
    "not",
    "has",
    "is",
    "true",
    "false",
    "team",
    "person",
    "node",
    "change",
    "given",
    "expect",
    "by",
    "decision",
    "requires",
    "fires",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "..",
    "::",
    "*",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=",
    "|",
    "->",
    "svc",
    "touches",
    "renames",
    "author",
    "at",
    "allow",
    "passed",
    "\"a.rs\"",
    "\"\\u{e9}\"",
    "\"open",
    "0",
    "2",
    "48h",
    "0s",
    "2026-12-20",
    "2026-12-20T08:00Z",
    "2026-02-30",
    "// c\n",
    "/// d\n",
    "//! m\n",
    "\n",
    "@",
    "&&",
];

#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize),
    Insert(usize, char),
    Replace(usize, char),
    /// Copies a slice of the text elsewhere (unbalances braces, repeats clauses).
    Splice {
        from: usize,
        len: usize,
        to: usize,
    },
    /// Drops a slice of the text.
    Cut {
        from: usize,
        len: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let ch = proptest::sample::select(ALPHABET);
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), ch.clone()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        (any::<usize>(), ch).prop_map(|(i, c)| Mutation::Replace(i, c)),
        (any::<usize>(), 0..40usize, any::<usize>()).prop_map(|(from, len, to)| Mutation::Splice {
            from,
            len,
            to
        }),
        (any::<usize>(), 0..40usize).prop_map(|(from, len)| Mutation::Cut { from, len }),
    ]
}

/// Applies `mutation` at character positions (taken modulo the length), so
/// the text stays valid UTF-8 whatever characters it holds.
fn apply(text: &str, mutation: &Mutation) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    match *mutation {
        Mutation::Delete(i) if n > 0 => {
            chars.remove(i % n);
        }
        Mutation::Insert(i, c) => chars.insert(i % (n + 1), c),
        Mutation::Replace(i, c) if n > 0 => chars[i % n] = c,
        Mutation::Splice { from, len, to } if n > 0 => {
            let from = from % n;
            let piece: Vec<char> = chars[from..(from + len).min(n)].to_vec();
            let to = to % (n + 1);
            chars.splice(to..to, piece);
        }
        Mutation::Cut { from, len } if n > 0 => {
            let from = from % n;
            chars.drain(from..(from + len).min(n));
        }
        _ => {}
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_soup(words in proptest::collection::vec(proptest::sample::select(WORDS), 0..80),
                         spaces in proptest::collection::vec(proptest::sample::select(&[" ", "", "\n", "  "][..]), 80)) {
        let text: String = words.iter().zip(&spaces).flat_map(|(w, s)| [*w, *s]).collect();
        check(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_corpus_files(index in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..6)) {
        let corpus = corpus();
        let mut text = corpus[index % corpus.len()].clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        check(&text);
    }
}

#[test]
fn the_whole_corpus_passes_the_checks_unmutated() {
    assert!(corpus().len() >= 60);
    for text in corpus() {
        check(text);
    }
}

#[test]
fn mutations_stay_valid_utf8_and_hit_multi_byte_characters() {
    let text = "a日😀b";
    assert_eq!(apply(text, &Mutation::Delete(1)), "a😀b");
    assert_eq!(apply(text, &Mutation::Replace(2, 'é')), "a日éb");
    assert_eq!(apply(text, &Mutation::Insert(6, '}')), "a}日😀b");
    assert_eq!(
        apply(
            text,
            &Mutation::Splice {
                from: 1,
                len: 2,
                to: 0
            }
        ),
        "日😀a日😀b"
    );
    assert_eq!(apply(text, &Mutation::Cut { from: 1, len: 10 }), "a");
}
