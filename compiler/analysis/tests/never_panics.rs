//! Bad input never panics the analysis: mutated policies (from the syntax
//! corpus, the semantic cases and the standard library) are checked against
//! the test graph and, when they check clean, compiled into a plan.

use proptest::prelude::*;
use std::path::Path;
use writ_analysis::Host;

fn sources() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        "../syntax/tests/corpus/pass",
        "tests/cases",
        "../../stdlib-policies",
    ] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.extension().is_some_and(|e| e == "writ") {
                out.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    assert!(out.len() > 50, "the corpus is there");
    out
}

fn graph() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/graph.json")).unwrap()
}

/// Applies `edits` (position fraction, kind, text) to `text` at char boundaries.
fn mutate(text: &str, edits: &[(f64, u8, String)]) -> String {
    let mut s = text.to_string();
    for (at, kind, insert) in edits {
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        if chars.is_empty() {
            s.push_str(insert);
            continue;
        }
        let i = ((*at * chars.len() as f64) as usize).min(chars.len() - 1);
        let (start, c) = chars[i];
        let end = (start + c.len_utf8() + (*kind as usize % 12)).min(s.len());
        let end = (end..=s.len())
            .find(|e| s.is_char_boundary(*e))
            .unwrap_or(s.len());
        match kind % 3 {
            0 => s.insert_str(start, insert),
            1 => s.replace_range(start..end, ""),
            _ => s.replace_range(start..end, insert),
        }
    }
    s
}

const SNIPPETS: &[&str] = &[
    "rule",
    "for x in",
    "when",
    "require check \"unit\" on",
    "require approval",
    "{",
    "}",
    "(",
    ")",
    "change.reaches(",
    "service where",
    "tags has \"pci\"",
    "node \"payments-api\"",
    "team \"security\"",
    "owners(x)",
    "use std::approvals::*\n",
    "let a = b\n",
    "let b = a\n",
    "expect fires",
    "1 of",
    "then",
    "distinct from change.author",
    "via calls |",
    "depth <= 0",
    "2026-12-20..",
    "é😀",
    "\"",
    "::",
    "\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_policies_never_panic(
        pick in 0usize..1000,
        edits in proptest::collection::vec((0.0f64..1.0, any::<u8>(), proptest::sample::select(SNIPPETS).prop_map(String::from)), 0..6),
    ) {
        let all = sources();
        let text = mutate(&all[pick % all.len()], &edits);
        let host = Host::new(vec![("p.writ".into(), "p".into(), text.clone())], Some(("graph.json".into(), graph())));
        let diagnostics = host.diagnostics();
        for d in &diagnostics {
            let file = host.sources.get(d.primary.file);
            prop_assert!(d.primary.span.end as usize <= file.text().len(), "span out of bounds: {d:?}");
        }
        let _ = writ_diagnostics::render::human_string(&host.sources, &diagnostics);
        if !diagnostics.iter().any(|d| d.is_error()) {
            let plan = host.plan();
            prop_assert!(plan.is_ok(), "a policy without errors compiles: {:?}", plan.err());
            let bytes = plan.unwrap().to_canonical_bytes();
            prop_assert!(writ_plan::load(writ_diagnostics::FileId(0), &bytes).is_ok());
        }
    }
}
