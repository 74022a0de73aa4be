//! Fuzz the workspace and telemetry importers (npm / pnpm package.json and
//! pnpm-workspace.yaml, go.work / go.mod / `go list -json`, pyproject.toml,
//! Jaeger and OTLP service-graph JSON): any text gives a document plus
//! diagnostics, never a panic; the imported document goes through the graph
//! loader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use writ_diagnostics::{FileId, SourceMap};
use writ_graph::import::{Manifest, go, npm, python, telemetry};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let f = FileId(0);
    let _ = npm::workspace_globs(f, &text);
    let _ = npm::pnpm_workspace_globs(f, &text);
    let _ = python::workspace_globs(f, &text);
    let _ = go::work_uses(&text);
    let m = [Manifest { file: f, text: &text, dir: "pkg/a" }];
    let docs = [
        npm::import(&m).0,
        python::import(&m).0,
        go::import_go_work(&m).0,
        go::import_go_list(f, &text, Path::new("/")).0,
        telemetry::import(f, &text, &writ_graph::Document::default()).0,
    ];
    for doc in docs {
        let mut map = SourceMap::new();
        let (graph, diags) = writ_graph::Graph::parse(&mut map, "imported.json", doc.to_json());
        assert!(graph.is_some() || diags.iter().any(|d| d.is_error()));
    }
});
