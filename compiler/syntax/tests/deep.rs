//! The formatter at the nesting limit: every shape exactly `MAX_NESTING`
//! levels deep formats (on a test thread, whose 2 MiB stack is that of a
//! worker thread), formats to a fixed point, and one level more is E0209.

use writ_syntax::{MAX_NESTING, format::format};

fn rule(cond: &str) -> String {
    format!(
        "rule deep {{\n  for n in change.touches(any)\n  when {cond}\n  require check \"unit\" on n\n}}\n"
    )
}

/// Shapes exactly at the limit (the rule's braces take one level, so the
/// conditions get one fewer), and the same shapes one level deeper.
fn shapes(extra: usize) -> Vec<(&'static str, String)> {
    let n = MAX_NESTING - 1 + extra;
    vec![
        ("not", rule(&format!("{}true", "not ".repeat(n)))),
        ("and chain", rule(&format!("true{}", " and true".repeat(n)))),
        ("or chain", rule(&format!("false{}", " or true".repeat(n)))),
        (
            "parentheses",
            rule(&format!("{}true{}", "(".repeat(n), ")".repeat(n))),
        ),
        (
            "list",
            format!("let l = {}{}\n", "[".repeat(n + 1), "]".repeat(n + 1)),
        ),
        ("fields", format!("let f = change{}\n", ".x".repeat(n + 1))),
    ]
}

#[test]
fn shapes_at_the_limit_format_to_a_fixed_point() {
    for (shape, text) in shapes(0) {
        let once = format(&text).unwrap_or_else(|d| panic!("{shape}: {d:?}"));
        let twice = format(&once).unwrap_or_else(|d| panic!("{shape} again: {d:?}"));
        assert_eq!(once, twice, "{shape}");
    }
}

#[test]
fn one_level_more_is_e0209() {
    for (shape, text) in shapes(1) {
        let diagnostics = format(&text).expect_err(shape);
        assert!(
            diagnostics.iter().any(|d| d.code.id() == "E0209"),
            "{shape}: {diagnostics:?}"
        );
    }
}
