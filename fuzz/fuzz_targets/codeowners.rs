//! Fuzz the CODEOWNERS importer: any text gives a document plus diagnostics
//! whose spans lie inside the input, never a panic (nor a stack overflow or
//! a quadratic glob); the imported document goes through the graph loader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use writ_diagnostics::{FileId, SourceMap};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (doc, diags) = writ_graph::import::codeowners::import(FileId(0), &text);
    for d in &diags {
        assert!(d.primary.span.end as usize <= text.len(), "{d:?}");
    }
    let mut map = SourceMap::new();
    let (graph, diags) = writ_graph::Graph::parse(&mut map, "imported.json", doc.to_json());
    assert!(graph.is_some() || diags.iter().any(|d| d.is_error()));
});
