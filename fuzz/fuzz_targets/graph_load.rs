//! Fuzz the graph and change loaders: any bytes must give a graph/change or
//! diagnostics whose spans lie inside the input, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use writ_diagnostics::SourceMap;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let len = text.len() as u32;
    let mut map = SourceMap::new();
    let (graph, diags) = writ_graph::Graph::parse(&mut map, "fuzz.json", text.clone());
    assert!(graph.is_some() || diags.iter().any(|d| d.is_error()));
    for d in &diags {
        assert!(d.primary.span.end <= len);
    }
    let _ = writ_diagnostics::render::human_string(&map, &diags);
    let (change, diags) = writ_graph::Change::parse(&mut map, "change.json", text);
    assert!(change.is_some() || diags.iter().any(|d| d.is_error()));
});
