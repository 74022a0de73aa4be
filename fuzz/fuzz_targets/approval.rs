//! Fuzz approval files: the input is read both as a whole approval file and
//! as the payload of an envelope correctly signed by a person of the graph,
//! so the statement parser and the binding checks are reached too. Any bytes
//! give an approval or an error, never a panic.
#![no_main]

use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use writ_diagnostics::SourceMap;
use writ_evidence::approval::{APPROVAL_PAYLOAD_TYPE, read_approval};
use writ_graph::Graph;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn graph() -> &'static Graph {
    static GRAPH: OnceLock<Graph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let public = writ_plan::signature::public_key_text(&key().verifying_key());
        let text = format!(
            r#"{{"version": 1, "teams": [{{"id": "t", "members": ["ana"]}}],
  "people": [{{"id": "ana", "emails": ["ana@example.com"], "keys": ["{public}"]}}],
  "nodes": [{{"id": "svc", "kind": "service", "owners": ["t"], "paths": ["svc/**"]}}]}}"#
        );
        let mut map = SourceMap::new();
        let (graph, diags) = Graph::parse(&mut map, "graph.json", text);
        graph.unwrap_or_else(|| panic!("the fuzz graph loads: {diags:?}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = read_approval(data, graph());
    let envelope = writ_evidence::dsse::sign(APPROVAL_PAYLOAD_TYPE, data, &key());
    let bytes = serde_json::to_vec(&envelope).expect("an envelope serialises");
    if let Ok(record) = read_approval(&bytes, graph()) {
        // The payload parsed as a statement; the signature is by the key the
        // graph lists for the person the statement names, or it is refused.
        if record.signature.is_ok() {
            assert_eq!(record.statement.person, "ana");
        }
    }
});
