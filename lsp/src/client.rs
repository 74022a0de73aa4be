//! What the server asks of the client, as a trait so tests can record it.

use std::future::Future;
use tower_lsp_server::ls_types::{
    Diagnostic, DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern,
    MessageType, Registration, Uri, WatchKind,
};

/// The client side of the protocol, as the server uses it.
pub trait Client: Send + Sync + 'static {
    /// `textDocument/publishDiagnostics`.
    fn publish_diagnostics(
        &self,
        uri: Uri,
        diagnostics: Vec<Diagnostic>,
        version: Option<i32>,
    ) -> impl Future<Output = ()> + Send;

    /// `window/logMessage`.
    fn log(&self, level: MessageType, message: String) -> impl Future<Output = ()> + Send;

    /// Registers file watchers for these glob patterns
    /// (`client/registerCapability` for `workspace/didChangeWatchedFiles`).
    fn watch_files(&self, globs: Vec<String>) -> impl Future<Output = ()> + Send;
}

/// The real client, over tower-lsp-server's connection.
#[derive(Clone, Debug)]
pub struct TowerClient(pub tower_lsp_server::Client);

impl Client for TowerClient {
    async fn publish_diagnostics(
        &self,
        uri: Uri,
        diagnostics: Vec<Diagnostic>,
        version: Option<i32>,
    ) {
        self.0.publish_diagnostics(uri, diagnostics, version).await;
    }

    async fn log(&self, level: MessageType, message: String) {
        self.0.log_message(level, message).await;
    }

    async fn watch_files(&self, globs: Vec<String>) {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: globs
                .into_iter()
                .map(|g| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(g),
                    kind: Some(WatchKind::Create | WatchKind::Change | WatchKind::Delete),
                })
                .collect(),
        };
        let registration = Registration {
            id: "writ-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        if let Err(e) = self.0.register_capability(vec![registration]).await {
            self.0
                .log_message(MessageType::WARNING, format!("cannot watch files: {e}"))
                .await;
        }
    }
}
