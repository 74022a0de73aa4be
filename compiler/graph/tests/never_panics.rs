//! The loaders never panic: random bytes, and random mutations of valid
//! graph and change files, always give a graph or diagnostics whose spans
//! lie inside the file.

use proptest::prelude::*;
use writ_diagnostics::SourceMap;
use writ_graph::{Change, Graph};

const FULL: &str = include_str!("corpus/good/full.json");
const CHANGE: &str = r#"{"version": 1, "id": "x", "base": "a", "head": "b", "author": {"name": "n", "kind": "agent"},
 "files": [{"path": "p", "status": "renamed", "old_path": "q"}], "labels": ["l"], "emergency": true, "timestamp": "2026-01-01T00:00:00Z"}"#;

fn check_graph(text: String) {
    let len = text.len() as u32;
    let mut map = SourceMap::new();
    let (graph, diags) = Graph::parse(&mut map, "fuzz.json", text);
    assert!(graph.is_some() || diags.iter().any(|d| d.is_error()));
    for d in &diags {
        assert!(
            d.primary.span.start <= d.primary.span.end && d.primary.span.end <= len,
            "{d:?}"
        );
    }
    let _ = writ_diagnostics::render::human_string(&map, &diags);
}

fn check_change(text: String) {
    let mut map = SourceMap::new();
    let (change, diags) = Change::parse(&mut map, "fuzz.json", text);
    assert!(change.is_some() || diags.iter().any(|d| d.is_error()));
    let _ = writ_diagnostics::render::human_string(&map, &diags);
}

/// Applies byte-level edits at char boundaries: delete, duplicate or insert
/// one of the JSON-significant characters.
fn mutate(base: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut s = base.to_string();
    for &(pos, op, ch) in edits {
        if s.is_empty() {
            break;
        }
        let mut at = pos % s.len();
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        const CHARS: &[u8] = b"{}[]\",:0a- \\n\"id\"";
        let c = CHARS[ch as usize % CHARS.len()] as char;
        match op % 3 {
            0 => {
                let end = (at + 1 + (ch as usize % 8)).min(s.len());
                let mut end = end;
                while !s.is_char_boundary(end) {
                    end += 1;
                }
                s.replace_range(at..end, "");
            }
            1 => {
                let end = (at + 1 + (ch as usize % 40)).min(s.len());
                let mut end = end;
                while !s.is_char_boundary(end) {
                    end += 1;
                }
                let dup = s[at..end].to_string();
                s.insert_str(at, &dup);
            }
            _ => s.insert(at, c),
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        check_graph(text.clone());
        check_change(text);
    }

    #[test]
    fn mutated_graphs(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)) {
        check_graph(mutate(FULL, &edits));
    }

    #[test]
    fn mutated_changes(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)) {
        check_change(mutate(CHANGE, &edits));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    check_graph("[".repeat(100_000));
    check_graph(format!(
        "{{\"version\": 1, \"nodes\": {}",
        "{\"a\":".repeat(50_000)
    ));
}
