//! Policies nested exactly as deep as the parser allows (`MAX_NESTING`) go
//! through every recursive pass — validation, the checker, lowering, the plan's
//! canonical bytes and its loader — on a test thread, whose stack is the 2 MiB
//! of a worker thread (the language server analyses on such threads). One
//! level more is refused with E0209 before any tree is built.

use writ_analysis::Host;
use writ_diagnostics::{FileId, codes};
use writ_syntax::MAX_NESTING;

fn host(text: String) -> Host {
    let graph =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/graph.json")).unwrap();
    Host::new(
        vec![("deep.writ".into(), "deep".into(), text)],
        Some(("graph.json".into(), graph)),
    )
}

/// A rule whose `when` is `cond`; `cond` adds `levels` levels below `when`.
fn rule(cond: &str) -> String {
    format!(
        "rule deep {{\n  for svc in change.touches(service)\n  when {cond}\n  require check \"unit\" on svc\n}}\n"
    )
}

/// Boolean conditions exactly at the limit (the rule's braces take one level).
fn conditions_at_the_limit() -> Vec<(&'static str, String)> {
    let n = MAX_NESTING - 1;
    vec![
        ("not", format!("{}true", "not ".repeat(n))),
        ("and chain", format!("true{}", " and true".repeat(n))),
        ("or chain", format!("false{}", " or true".repeat(n))),
        (
            "parentheses",
            format!("{}true{}", "(".repeat(n), ")".repeat(n)),
        ),
    ]
}

#[test]
fn conditions_at_the_limit_check_compile_and_load() {
    for (shape, cond) in conditions_at_the_limit() {
        let host = host(rule(&cond));
        let diagnostics = host.diagnostics();
        assert!(diagnostics.is_empty(), "{shape}: {diagnostics:?}");
        let plan = host.plan().unwrap_or_else(|d| panic!("{shape}: {d:?}"));
        let bytes = plan.to_canonical_bytes();
        let loaded = writ_plan::load(FileId(0), &bytes)
            .unwrap_or_else(|d| panic!("{shape}: the plan does not load back: {d:?}"));
        assert_eq!(loaded.to_canonical_bytes(), bytes, "{shape}");
    }
}

#[test]
fn other_shapes_at_the_limit_are_checked_without_overflow() {
    let n = MAX_NESTING - 1;
    for (shape, text) in [
        (
            "list",
            format!("let l = {}{}\n", "[".repeat(n + 1), "]".repeat(n + 1)),
        ),
        ("fields", format!("let f = change{}\n", ".x".repeat(n + 1))),
        ("calls", format!("let c = f{}\n", "()".repeat(n + 1))),
        (
            "comparisons in parentheses",
            format!("let p = {}1 == 1{}\n", "(".repeat(n), ")".repeat(n)),
        ),
    ] {
        let host = host(text);
        let diagnostics = host.diagnostics();
        assert!(
            diagnostics.iter().all(|d| d.code != codes::E0209),
            "{shape} is within the limit: {diagnostics:?}"
        );
        // Type errors are expected (`change.x` has no field `x`); what counts
        // is that the checker walked the whole tree and came back.
        let _ = host.plan();
    }
}

#[test]
fn one_level_more_is_refused_with_e0209() {
    let n = MAX_NESTING;
    for text in [
        rule(&format!("{}true", "not ".repeat(n))),
        rule(&format!("true{}", " and true".repeat(n))),
        format!("let l = {}{}\n", "[".repeat(n + 1), "]".repeat(n + 1)),
    ] {
        let host = host(text);
        let diagnostics = host.diagnostics();
        assert!(
            diagnostics.iter().any(|d| d.code == codes::E0209),
            "{diagnostics:?}"
        );
        assert!(host.plan().is_err(), "a refused file does not compile");
    }
}
