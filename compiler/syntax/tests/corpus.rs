//! The data-driven corpus: `tests/corpus/pass/*.writ` must parse without a
//! single diagnostic (their formatted output is snapshotted beside them) and
//! `tests/corpus/fail/*.writ` must produce diagnostics (rendered as a user
//! sees them, snapshotted beside them). A fail case's file name starts with the
//! code it exists for (`e0102_…`, `w0201_…`), which it must produce.
//!
//! Also here: every E01xx/E02xx/W02xx code is produced by some fail case, and
//! the formatter's properties hold over the whole corpus.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo test -p writ-syntax --test corpus`
//! (or `cargo insta review`), then read every changed `.snap`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use writ_diagnostics::{FileId, SourceMap, codes, render};
use writ_syntax::ast::strip_spans;
use writ_syntax::format::format;
use writ_syntax::parse;

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The path users see in diagnostics: relative to the crate, `/`-separated.
fn display_name(path: &Path) -> String {
    let relative = path.strip_prefix(CRATE_DIR).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every `*.writ` file of `tests/corpus/<dir>`, sorted.
fn cases(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(CRATE_DIR).join("tests/corpus").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "writ"))
        .collect();
    files.sort();
    files
}

/// Snapshots `value` as `<case>.snap` beside the case file itself.
fn snapshot_beside(path: &Path, value: &str) {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("UTF-8 file name");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(path.parent().expect("case has a directory"));
    settings.remove_snapshot_suffix();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(stem, value));
}

/// The code a fail case exists for, from its file name (`e0102_unterminated` → `E0102`).
fn expected_code(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let code = stem.split('_').next().unwrap_or("").to_ascii_uppercase();
    assert!(
        codes::Code::lookup(&code).is_some(),
        "fail case {} must be named after the code it produces (e.g. e0201_missing_brace.writ)",
        path.display()
    );
    code
}

// ---------------------------------------------------------------- pass/

/// A pass case parses without any diagnostic (not even a warning), formats,
/// and its formatted output is the snapshot.
fn check_pass(path: &Path) {
    let text = read(path);
    let parsed = parse(FileId(0), &text);
    if !parsed.diagnostics.is_empty() {
        let mut files = SourceMap::new();
        files.add(display_name(path), text.as_str());
        panic!(
            "{} must parse cleanly, but:\n{}",
            display_name(path),
            render::human_string(&files, &parsed.diagnostics)
        );
    }
    let formatted = format(&text)
        .unwrap_or_else(|errors| panic!("{} does not format: {errors:?}", display_name(path)));
    snapshot_beside(path, &formatted);
}

#[test]
fn pass_cases() {
    insta::glob!("corpus/pass/*.writ", check_pass);
}

// ---------------------------------------------------------------- fail/

/// A fail case produces at least the code it is named after; every diagnostic
/// it produces, rendered as `writ check` shows it, is the snapshot.
fn check_fail(path: &Path) {
    let text = read(path);
    let parsed = parse(FileId(0), &text);
    let mut files = SourceMap::new();
    let file = files.add(display_name(path), text.as_str());
    assert_eq!(file, FileId(0));
    let rendered = render::human_string(&files, &parsed.diagnostics);
    let produced: BTreeSet<&str> = parsed.diagnostics.iter().map(|d| d.code.id()).collect();
    let expected = expected_code(path);
    assert!(
        produced.contains(expected.as_str()),
        "{} is named for {expected} but produced {produced:?}:\n{rendered}",
        display_name(path)
    );
    snapshot_beside(path, &rendered);
}

#[test]
fn fail_cases() {
    insta::glob!("corpus/fail/*.writ", check_fail);
}

/// The syntax front end's codes: lexical (E01xx), syntax (E02xx) and their warnings.
fn front_end_codes() -> BTreeSet<&'static str> {
    codes::ALL
        .iter()
        .map(|c| c.id())
        .filter(|id| id.starts_with("E01") || id.starts_with("E02") || id.starts_with("W02"))
        .collect()
}

#[test]
fn fail_cases_cover_every_front_end_code() {
    let mut produced = BTreeSet::new();
    for path in cases("fail") {
        let parsed = parse(FileId(0), &read(&path));
        produced.extend(parsed.diagnostics.iter().map(|d| d.code.id()));
    }
    let wanted = front_end_codes();
    assert!(wanted.len() >= 15, "the registry lost codes: {wanted:?}");
    let missing: Vec<&&str> = wanted.difference(&produced).collect();
    assert!(missing.is_empty(), "no fail case produces {missing:?}");
    let foreign: Vec<&&str> = produced.difference(&wanted).collect();
    assert!(
        foreign.is_empty(),
        "the parser produced codes outside its range: {foreign:?}"
    );
}

#[test]
fn corpus_is_large_enough() {
    let (pass, fail) = (cases("pass").len(), cases("fail").len());
    assert!(pass + fail >= 60, "only {pass} pass and {fail} fail cases");
}

// ---------------------------------------------------------------- the formatter

/// Plain `//` comments of `text`, as the lexer sees them (so `//` inside a
/// string does not count).
fn comment_texts(text: &str) -> Vec<String> {
    writ_syntax::lexer::lex(FileId(0), text)
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect()
}

fn tree(text: &str) -> String {
    strip_spans(&format!("{:?}", parse(FileId(0), text).file))
}

/// Idempotent, meaning-preserving, and every comment survives.
fn check_format_properties(path: &Path) -> bool {
    let name = display_name(path);
    let text = read(path);
    let Ok(once) = format(&text) else {
        return false;
    };
    let twice = format(&once)
        .unwrap_or_else(|e| panic!("{name}: formatted output has errors: {e:?}\n{once}"));
    assert_eq!(twice, once, "{name}: formatting is not idempotent");
    assert_eq!(
        tree(&once),
        tree(&text),
        "{name}: formatting changed the tree"
    );
    let mut remaining = once.as_str();
    for comment in comment_texts(&text) {
        // In order: each comment appears after the previous one.
        let at = remaining
            .find(comment.as_str())
            .unwrap_or_else(|| panic!("{name}: comment {comment:?} lost or reordered:\n{once}"));
        remaining = &remaining[at + comment.len()..];
    }
    assert_eq!(
        comment_texts(&once).len(),
        comment_texts(&text).len(),
        "{name}: comment count changed:\n{once}"
    );
    true
}

#[test]
fn formatter_properties_hold_over_the_corpus() {
    let mut formatted = 0;
    for path in cases("pass") {
        assert!(
            check_format_properties(&path),
            "{} does not format",
            display_name(&path)
        );
        formatted += 1;
    }
    // Fail cases whose only problems are warnings format too.
    for path in cases("fail") {
        formatted += usize::from(check_format_properties(&path));
    }
    assert!(
        formatted > cases("pass").len(),
        "no fail case was formattable"
    );
}
