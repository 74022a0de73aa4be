//! A client that records what the server sends, and helpers to drive a
//! [`Server`] directly (no stdio).
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;
use writ_lsp::ls_types::*;
use writ_lsp::{Client, Options, Server};

/// Diagnostics published for one file.
#[derive(Clone, Debug)]
pub struct Published {
    pub uri: Uri,
    pub diagnostics: Vec<Diagnostic>,
    pub version: Option<i32>,
}

/// Records publications on a channel and counts log messages.
pub struct Recorder {
    pub tx: mpsc::UnboundedSender<Published>,
}

impl Client for Recorder {
    async fn publish_diagnostics(
        &self,
        uri: Uri,
        diagnostics: Vec<Diagnostic>,
        version: Option<i32>,
    ) {
        let _ = self.tx.send(Published {
            uri,
            diagnostics,
            version,
        });
    }

    async fn log(&self, _: MessageType, _: String) {}

    async fn watch_files(&self, _: Vec<String>) {}
}

/// A server over a recorder, with its publication channel.
pub fn server(
    debounce: Duration,
    std_dir: &Path,
) -> (Server<Recorder>, mpsc::UnboundedReceiver<Published>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let options = Options {
        graph: None,
        debounce,
        std_dir: Some(std_dir.to_path_buf()),
    };
    (Server::new(Recorder { tx }, options), rx)
}

pub fn uri(path: &Path) -> Uri {
    Uri::from_file_path(path).unwrap()
}

pub fn init_params(root: &Path, options: Option<serde_json::Value>) -> InitializeParams {
    InitializeParams {
        workspace_folders: Some(vec![WorkspaceFolder {
            uri: uri(root),
            name: "root".into(),
        }]),
        initialization_options: options,
        ..Default::default()
    }
}

pub fn pos_params(uri: &Uri, line: u32, character: u32) -> TextDocumentPositionParams {
    TextDocumentPositionParams {
        text_document: TextDocumentIdentifier { uri: uri.clone() },
        position: Position { line, character },
    }
}

/// Waits for diagnostics of `uri` (at least `version`), skipping others.
pub async fn diagnostics_for(
    rx: &mut mpsc::UnboundedReceiver<Published>,
    uri: &Uri,
    version: Option<i32>,
) -> Vec<Diagnostic> {
    loop {
        let p = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("diagnostics were published in time")
            .expect("channel open");
        if p.uri == *uri && (version.is_none() || p.version >= version) {
            return p.diagnostics;
        }
    }
}

pub const GRAPH: &str = r#"{
  "version": 1,
  "teams": [ { "id": "payments", "members": ["ana", "bo"] }, { "id": "security", "members": ["sam"] } ],
  "people": [
    { "id": "ana", "emails": ["ana@example.com"] },
    { "id": "bo", "emails": ["bo@example.com"] },
    { "id": "sam", "emails": ["sam@example.com"] }
  ],
  "nodes": [
    { "id": "web-ui", "kind": "service", "owners": ["payments"], "paths": ["web/**"],
      "checks": { "unit": { "run": ["npm", "test"] } }, "edges": { "calls": ["payments-api"] } },
    { "id": "payments-api", "kind": "service", "tags": ["pci"], "owners": ["payments"], "paths": ["payments/**"],
      "checks": { "integration": { "run": ["cargo", "test"] } } },
    { "id": "ledger-db", "kind": "datastore", "tags": ["pci"], "owners": ["sam"], "paths": ["db/**"] }
  ]
}
"#;
