//! writ's language server: LSP over stdio with tower-lsp-server, on top of
//! `writ-ide` (the analysis, in editor terms, on the same salsa database as
//! `writ check`). This crate is protocol glue only:
//!
//! - positions: UTF-16 on the wire ↔ byte offsets ([`line_index`]);
//! - a document store with incremental edits, applied in order before any
//!   `await` (tower-lsp runs handlers concurrently);
//! - debounced diagnostics, published for every file that has some (and
//!   cleared for files that no longer do);
//! - every request runs on a snapshot on a blocking thread: an edit cancels
//!   it (answered with `ContentModified`), and a panic becomes an error
//!   answer, never a crash;
//! - the graph file is watched (`workspace/didChangeWatchedFiles`) and, when
//!   open in the editor, its live text is used: editing it re-checks policies;
//! - a [`Client`] trait (publish diagnostics, log, register watchers) so
//!   handlers are tested without stdio.
//!
//! Where the graph comes from, first found wins: `writ lsp --graph FILE`,
//! the initialization option `{ "graph": "path" }` (relative to the
//! workspace root), then `graph.json` at the workspace root.

mod client;
pub mod line_index;
mod server;

pub use client::{Client, TowerClient};
pub use server::{Options, Server};
pub use tower_lsp_server::LanguageServer;
pub use tower_lsp_server::ls_types;

use tower_lsp_server::{LspService, Server as Transport};

/// Serves LSP on stdin/stdout until the client says `exit`.
pub fn run_stdio(options: Options) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (service, socket) =
            LspService::new(move |client| Server::new(TowerClient(client), options));
        Transport::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    Ok(())
}
