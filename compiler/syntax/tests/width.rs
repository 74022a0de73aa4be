//! The formatter's width: case files `tests/width/*.writ` (each starts with a
//! `// width: N` comment) are formatted at that width and snapshotted beside
//! them; the corpus is formatted at several widths; generated policies check
//! that the layout depends on the tree and the width only.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo test -p writ-syntax --test width`,
//! then read every changed `.snap`.

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use writ_diagnostics::FileId;
use writ_syntax::ast::strip_spans;
use writ_syntax::format::{DEFAULT_WIDTH, Options, format_with};
use writ_syntax::parse;

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn tree(text: &str) -> String {
    strip_spans(&format!("{:?}", parse(FileId(0), text).file))
}

fn at(width: usize) -> Options {
    Options { width }
}

/// Formats at `width`, checking it is idempotent and keeps the tree.
fn format_checked(name: &str, text: &str, width: usize) -> String {
    let once = format_with(text, at(width)).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let twice = format_with(&once, at(width))
        .unwrap_or_else(|e| panic!("{name} at {width}: output has errors: {e:?}\n{once}"));
    assert_eq!(twice, once, "{name} at {width}: not idempotent");
    assert_eq!(tree(&once), tree(text), "{name} at {width}: tree changed");
    once
}

/// The width a case asks for, from its first line.
fn case_width(path: &Path, text: &str) -> usize {
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("// width: "))
        .and_then(|w| w.trim().parse().ok())
        .unwrap_or_else(|| panic!("{} must start with `// width: N`", path.display()))
}

fn check_case(path: &Path) {
    let text = std::fs::read_to_string(path).expect("case file");
    let width = case_width(path, &text);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let formatted = format_checked(&name, &text, width);
    // A line past the width is one with nothing left to break: no `or`/`and`
    // chain, call or list that is not already one item per line.
    for line in formatted.lines().filter(|l| l.chars().count() > width) {
        let code = line.trim_start();
        assert!(
            !code.contains(" or ") && !code.contains(" and ") && !code.contains(", "),
            "{name}: line over {width} columns could break: {line}"
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(path.parent().expect("directory"));
    settings.remove_snapshot_suffix();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    settings.bind(|| insta::assert_snapshot!(stem, formatted));
}

#[test]
fn width_cases() {
    insta::glob!("width/*.writ", check_case);
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["tests/corpus/pass", "tests/width", "../../stdlib-policies"] {
        let dir = Path::new(CRATE_DIR).join(dir);
        for entry in std::fs::read_dir(&dir).expect("corpus directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "writ") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_corpus_formats_at_every_width() {
    let files = corpus_files();
    assert!(files.len() > 40, "only {} files", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("corpus file");
        let name = path.display().to_string();
        let mut layouts = Vec::new();
        for width in [0, 20, 40, 60, 80, DEFAULT_WIDTH, 1000] {
            layouts.push(format_checked(&name, &text, width));
        }
        // Narrower never means fewer lines.
        for pair in layouts.windows(2) {
            assert!(
                pair[0].lines().count() >= pair[1].lines().count(),
                "{name}: a wider layout has more lines"
            );
        }
    }
}

// ---------------------------------------------------------------- generated policies

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "n",
        "svc",
        "payments",
        "ledger_writer",
        "tags",
        "owner",
        "x",
    ])
    .prop_map(str::to_string)
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        name(),
        name().prop_map(|n| format!("change.{n}")),
        name().prop_map(|n| format!("{n}.tags has \"pci\"")),
        name().prop_map(|n| format!("{n} == \"a-rather-long-string-value\"")),
        (name(), name()).prop_map(|(a, b)| format!("change.reaches({a} where tags has \"{b}\")")),
        name().prop_map(|n| format!(
            "change.exposes(datastore where {n}, via calls | reads, depth <= 3)"
        )),
        name().prop_map(|n| format!("[\"{n}\", \"b\", 1, 2026-12-24]")),
        Just("change.labels has \"security-impact:reviewed\"".to_string()),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    atom().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..5).prop_map(|v| v.join(" or ")),
            prop::collection::vec(inner.clone(), 2..5).prop_map(|v| v.join(" and ")),
            inner.clone().prop_map(|e| format!("not ({e})")),
            inner.clone().prop_map(|e| format!("({e})")),
            inner.prop_map(|e| format!("f({e}, [{e}])")),
        ]
    })
}

/// A rule with generated clauses, laid out arbitrarily (one line, or broken
/// at random spaces).
fn policy() -> impl Strategy<Value = String> {
    (condition(), condition(), prop::collection::vec(any::<bool>(), 64)).prop_map(
        |(source, cond, breaks)| {
            let text = format!(
                "use acme::{{pci, hipaa, reach}}\n\nrule generated {{\n  for n in {source}\n  when {cond}\n  require check \"unit\" on n\n  require approval reach::owners(n, [\"a\", \"b\"])\n}}\n"
            );
            // Hand-wrap: turn some spaces outside strings into newlines.
            let mut out = String::new();
            let mut in_string = false;
            let mut spaces = 0;
            for ch in text.chars() {
                if ch == '"' {
                    in_string = !in_string;
                }
                if ch == ' ' && !in_string {
                    spaces += 1;
                    if breaks[spaces % breaks.len()] && spaces % 3 == 0 {
                        out.push_str("\n      ");
                        continue;
                    }
                }
                out.push(ch);
            }
            out
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Idempotent and tree-preserving at any width, and canonical: the layout
    /// does not depend on how the input was laid out.
    #[test]
    fn generated_policies_have_one_layout_per_width(text in policy(), w1 in 0usize..140, w2 in 0usize..140) {
        let first = format_checked("generated", &text, w1);
        let second = format_checked("generated", &first, w2);
        let direct = format_checked("generated", &text, w2);
        prop_assert_eq!(second, direct);
    }
}
