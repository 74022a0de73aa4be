//! Shared fixtures: a small graph whose people have deterministic keys, and changes.
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use writ_evidence::keys::public_key_text;
use writ_graph::{Change, ChangeFile, FileStatus, Graph, Identity, PrincipalKind};

pub const PLAN: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
pub const OTHER_PLAN: &str =
    "sha256:2222222222222222222222222222222222222222222222222222222222222222";

/// Every person of the fixture graph and the seed of their key.
pub const PEOPLE: &[(&str, u8, &str)] = &[
    ("ana", 1, "human"),
    ("bo", 2, "human"),
    ("sam", 3, "human"),
    ("dev1", 4, "human"),
    ("bot", 5, "agent"),
    ("wen", 6, "human"),
];

pub fn key(person: &str) -> SigningKey {
    let seed = PEOPLE
        .iter()
        .find(|p| p.0 == person)
        .expect("a fixture person")
        .1;
    SigningKey::from_bytes(&[seed; 32])
}

pub fn graph_json() -> String {
    let people: Vec<String> = PEOPLE
        .iter()
        .map(|(id, seed, kind)| {
            let k = SigningKey::from_bytes(&[*seed; 32]);
            format!(
                r#"{{"id": "{id}", "kind": "{kind}", "emails": ["{id}@example.com"], "keys": ["{}"]}}"#,
                public_key_text(&k.verifying_key())
            )
        })
        .collect();
    format!(
        r#"{{
  "version": 1,
  "teams": [
    {{"id": "payments", "members": ["ana", "bo", "dev1", "bot"]}},
    {{"id": "security", "members": ["sam"]}},
    {{"id": "web", "members": ["wen"]}}
  ],
  "people": [{}],
  "nodes": [
    {{"id": "payments-api", "kind": "service", "owners": ["payments"], "paths": ["payments/**"],
      "checks": {{"unit": {{"run": ["true"]}}}}}}
  ]
}}"#,
        people.join(",\n    ")
    )
}

pub fn graph() -> Graph {
    let mut map = writ_diagnostics::SourceMap::new();
    let (g, diags) = Graph::parse(&mut map, "graph.json", graph_json());
    g.unwrap_or_else(|| panic!("fixture graph: {diags:?}"))
}

pub fn change(id: &str, tree: &str) -> Change {
    let mut c = Change {
        version: 1,
        id: id.into(),
        base: "0".repeat(40),
        head: "a".repeat(40),
        head_tree: Some(tree.into()),
        author: Identity {
            id: Some("dev1".into()),
            name: "Dev One".into(),
            email: "dev1@example.com".into(),
            kind: PrincipalKind::Human,
        },
        contributors: vec![],
        files: vec![ChangeFile {
            path: "payments/src/lib.rs".into(),
            status: FileStatus::Modified,
            old_path: None,
        }],
        labels: vec![],
        emergency: false,
        timestamp: "2026-01-01T00:00:00Z".into(),
        digest: String::new(),
    };
    c.digest = c.compute_digest();
    c
}
