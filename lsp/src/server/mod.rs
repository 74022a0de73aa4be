//! The language server: its state (documents, paths, the analysis host),
//! lifecycle and document sync, and the `LanguageServer` impl, which hands
//! each feature request to its module (thin glue; conversions between LSP
//! and `writ-ide` terms live with the feature):
//!
//! - [`diagnostics`]: debounced publishing;
//! - [`navigation`]: definition, references, rename;
//! - [`editing`]: completion, formatting, code actions, code lenses;
//! - [`outline`]: hover, inlay hints, symbols, folding;
//! - [`tokens`]: semantic tokens, whole and as deltas;
//! - [`folders`]: workspace folders added and removed.

mod diagnostics;
mod editing;
mod folders;
mod navigation;
mod outline;
mod tokens;

use diagnostics::to_lsp_diagnostic;
use editing::edits_to_lsp;
use navigation::{at, location};

use crate::client::Client;
use crate::line_index::LineIndex;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tower_lsp_server::LanguageServer;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use writ_ide::{
    Analysis, AnalysisHost, Cancellable, CompletionKind, FoldKind, STD_PREFIX, SymbolKind as Sk,
};

/// How the server is started.
#[derive(Clone, Debug)]
pub struct Options {
    /// The graph file given on the command line (wins over every other source).
    pub graph: Option<PathBuf>,
    /// How long diagnostics wait for typing to pause.
    pub debounce: Duration,
    /// Where the standard library's sources are written so "go to definition"
    /// can open them (default: a folder under the system's temp folder).
    pub std_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            graph: None,
            debounce: Duration::from_millis(50),
            std_dir: None,
        }
    }
}

/// The language server, generic over its [`Client`].
pub struct Server<C: Client> {
    client: Arc<C>,
    state: Arc<Mutex<State>>,
    generation: Arc<AtomicU64>,
    options: Options,
    /// The client can register file watchers dynamically.
    can_watch: std::sync::atomic::AtomicBool,
}

struct State {
    host: AnalysisHost,
    /// Open documents by key (absolute path, or `<std>/…`).
    docs: HashMap<String, Doc>,
    paths: Paths,
    /// Files whose last published diagnostics were not empty.
    published: HashSet<String>,
    /// The last semantic tokens sent per document (for deltas).
    tokens: tokens::SentTokens,
}

struct Doc {
    version: i32,
    text: String,
}

/// Maps between URIs and the keys files have in the analysis.
#[derive(Clone, Debug, Default)]
struct Paths {
    /// The first workspace folder: a relative graph path is resolved against it.
    root: Option<PathBuf>,
    /// The other workspace folders (given at start or added later).
    extra: Vec<PathBuf>,
    graph: Option<PathBuf>,
    std_dir: Option<PathBuf>,
}

impl Paths {
    fn key(&self, uri: &Uri) -> Option<String> {
        let path = uri.to_file_path()?;
        if let Some(std_dir) = &self.std_dir
            && let Ok(rest) = path.strip_prefix(std_dir)
        {
            return Some(format!("{STD_PREFIX}{}", rest.display()));
        }
        Some(path.display().to_string())
    }

    fn uri(&self, key: &str) -> Option<Uri> {
        if let Some(rest) = key.strip_prefix(STD_PREFIX) {
            return Uri::from_file_path(self.std_dir.as_ref()?.join(rest));
        }
        Uri::from_file_path(key)
    }

    /// Every workspace folder, the first one first.
    fn folders(&self) -> impl Iterator<Item = &PathBuf> {
        self.root.iter().chain(&self.extra)
    }

    /// The module of a file: its path from the innermost workspace folder
    /// holding it (else from its own folder).
    fn module(&self, key: &str) -> String {
        let path = Path::new(key);
        match self
            .folders()
            .filter(|f| path.starts_with(f))
            .max_by_key(|f| f.components().count())
        {
            Some(folder) => writ_ide::module_name(folder, path),
            None => writ_ide::module_name(path.parent().unwrap_or(Path::new("")), path),
        }
    }

    /// Whether some workspace folder holds the file.
    fn holds(&self, key: &str) -> bool {
        self.folders().any(|f| Path::new(key).starts_with(f))
    }

    fn is_graph(&self, key: &str) -> bool {
        self.graph.as_ref().is_some_and(|g| Path::new(key) == g)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

fn cancelled() -> Error {
    Error {
        code: ErrorCode::ServerError(-32801),
        message: "content modified".into(),
        data: None,
    }
}

impl<C: Client> Server<C> {
    /// A server talking to `client`.
    pub fn new(client: C, options: Options) -> Server<C> {
        Server {
            client: Arc::new(client),
            state: Arc::new(Mutex::new(State {
                host: AnalysisHost::new(),
                docs: HashMap::new(),
                paths: Paths::default(),
                published: HashSet::new(),
                tokens: Default::default(),
            })),
            generation: Arc::new(AtomicU64::new(0)),
            options,
            can_watch: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The current text of an open document (for tests).
    pub fn document_text(&self, uri: &Uri) -> Option<String> {
        let state = lock(&self.state);
        let key = state.paths.key(uri)?;
        state.docs.get(&key).map(|d| d.text.clone())
    }

    /// Runs `f` on a snapshot on a blocking thread: cancellation becomes
    /// `ContentModified`, a panic an internal error.
    async fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Analysis, &Paths) -> Cancellable<T> + Send + 'static,
    ) -> Result<T> {
        let (analysis, paths) = {
            let state = lock(&self.state);
            (state.host.analysis(), state.paths.clone())
        };
        match tokio::task::spawn_blocking(move || f(&analysis, &paths)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err(cancelled()),
            Err(e) => {
                self.client
                    .log(MessageType::ERROR, format!("request failed: {e}"))
                    .await;
                Err(Error::internal_error())
            }
        }
    }

    /// Runs `f` on a snapshot with the key and text of the document at `uri`;
    /// answers `None` for a document the server does not know.
    async fn query_document<T: Send + 'static>(
        &self,
        uri: Uri,
        f: impl FnOnce(&Analysis, &Paths, &str, &str) -> Cancellable<Option<T>> + Send + 'static,
    ) -> Result<Option<T>> {
        self.query(move |a, paths| {
            let Some(key) = paths.key(&uri) else {
                return Ok(None);
            };
            let Some(text) = a.file_text(&key)? else {
                return Ok(None);
            };
            f(a, paths, &key, &text)
        })
        .await
    }

    fn load_workspace(&self, state: &mut State) -> Vec<String> {
        let mut messages = Vec::new();
        if let Some(std_dir) = &state.paths.std_dir {
            for (_, name, text) in writ_ide::std_modules() {
                let path = std_dir.join(name);
                if std::fs::read_to_string(&path).ok().as_deref() != Some(*text) {
                    let _ = std::fs::create_dir_all(std_dir);
                    let _ = std::fs::write(&path, text);
                }
            }
        }
        let folders: Vec<PathBuf> = state.paths.folders().cloned().collect();
        for folder in folders {
            Self::load_folder(state, &folder, &mut messages);
        }
        if let Some(graph) = state.paths.graph.clone() {
            match writ_diagnostics::limits::read_text(
                &graph,
                writ_diagnostics::limits::Input::Graph,
            ) {
                Ok(text) => state
                    .host
                    .set_graph(Some((graph.display().to_string(), text))),
                Err(e) => messages.push(format!("cannot read the graph {}: {e}", graph.display())),
            }
        }
        messages
    }

    /// Reads the policy files of one workspace folder into the analysis.
    fn load_folder(state: &mut State, folder: &Path, messages: &mut Vec<String>) {
        let walked = writ_ide::policy_files_in(folder);
        for e in &walked.errors {
            messages.push(format!("cannot read folder {}: {e}", e.path.display()));
        }
        for file in walked.files {
            match writ_diagnostics::limits::read_text(
                &file,
                writ_diagnostics::limits::Input::Policy,
            ) {
                Ok(text) => {
                    let key = file.display().to_string();
                    if state.docs.contains_key(&key) {
                        continue; // the editor's text wins while the file is open
                    }
                    let module = state.paths.module(&key);
                    state.host.set_file(&key, &module, text);
                }
                Err(e) => messages.push(format!("cannot read {}: {e}", file.display())),
            }
        }
    }

    /// Re-reads a file from disk after it changed there (or was closed).
    fn reload(state: &mut State, key: &str) {
        if state.docs.contains_key(key) {
            return; // the editor's text wins while the file is open
        }
        if state.paths.is_graph(key) {
            let text = writ_diagnostics::limits::read_text(
                Path::new(key),
                writ_diagnostics::limits::Input::Graph,
            )
            .unwrap_or_default();
            state.host.set_graph(Some((key.to_string(), text)));
        } else if key.ends_with(".writ") && !key.starts_with(STD_PREFIX) {
            match writ_diagnostics::limits::read_text(
                Path::new(key),
                writ_diagnostics::limits::Input::Policy,
            ) {
                Ok(text) => {
                    let module = state.paths.module(key);
                    state.host.set_file(key, &module, text);
                }
                Err(_) => state.host.remove_file(key),
            }
        }
    }

    /// Puts an open document's text into the analysis.
    fn sync(state: &mut State, key: &str) {
        let Some(doc) = state.docs.get(key) else {
            return;
        };
        let text = doc.text.clone();
        if state.paths.is_graph(key) {
            state.host.set_graph(Some((key.to_string(), text)));
        } else if key.ends_with(".writ") && !key.starts_with(STD_PREFIX) {
            let module = state.paths.module(key);
            state.host.set_file(key, &module, text);
        }
    }
}

/// The semantic token legend.
fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: writ_ide::TOKEN_TYPES
            .iter()
            .map(|t| SemanticTokenType::new(t))
            .collect(),
        token_modifiers: writ_ide::TOKEN_MODIFIERS
            .iter()
            .map(|m| SemanticTokenModifier::new(m))
            .collect(),
    }
}

impl<C: Client> LanguageServer for Server<C> {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .and_then(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .or_else(|| {
                #[allow(deprecated)]
                params
                    .root_uri
                    .as_ref()
                    .and_then(|u| u.to_file_path().map(|p| p.into_owned()))
            });
        // Every other folder the client opened with.
        let mut extra: Vec<PathBuf> = Vec::new();
        for folder in params.workspace_folders.iter().flatten().skip(1) {
            if let Some(path) = folder.uri.to_file_path() {
                let path = path.into_owned();
                if Some(&path) != root.as_ref() && !extra.contains(&path) {
                    extra.push(path);
                }
            }
        }
        let from_options = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("graph"))
            .and_then(|g| g.as_str())
            .filter(|g| !g.is_empty())
            .map(PathBuf::from);
        let resolve = |p: PathBuf| match (&root, p.is_absolute()) {
            (Some(root), false) => root.join(p),
            _ => p,
        };
        let graph = self
            .options
            .graph
            .clone()
            .map(|g| std::path::absolute(&g).unwrap_or(g))
            .or_else(|| from_options.map(resolve))
            .or_else(|| {
                root.as_ref()
                    .map(|r| r.join("graph.json"))
                    .filter(|p| p.is_file())
            });
        let can_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.can_watch.store(can_watch, Ordering::SeqCst);
        let std_dir = self.options.std_dir.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("writ-std-{}", env!("CARGO_PKG_VERSION")))
        });
        let messages = {
            let mut state = lock(&self.state);
            state.paths = Paths {
                root,
                extra,
                graph,
                std_dir: Some(std_dir),
            };
            let mut state_ref = state;
            self.load_workspace(&mut state_ref)
        };
        for m in messages {
            self.client.log(MessageType::WARNING, m).await;
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::UTF16),
                text_document_sync: Some(TextDocumentSyncCapability::Kind(
                    TextDocumentSyncKind::INCREMENTAL,
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(
                        [".", ":", "\"", " ", "|", "{"]
                            .iter()
                            .map(|s| s.to_string())
                            .collect(),
                    ),
                    ..Default::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: legend(),
                            full: Some(SemanticTokensFullOptions::Delta { delta: Some(true) }),
                            range: None,
                            work_done_progress_options: Default::default(),
                        },
                    ),
                ),
                document_formatting_provider: Some(OneOf::Left(true)),
                document_range_formatting_provider: Some(OneOf::Left(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".into(), ",".into()]),
                    retrigger_characters: None,
                    work_done_progress_options: Default::default(),
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "writ".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let globs = {
            let state = lock(&self.state);
            let mut globs = vec!["**/*.writ".to_string()];
            if let Some(g) = &state.paths.graph {
                globs.push(g.display().to_string());
            }
            globs
        };
        self.schedule_diagnostics();
        if self.can_watch.load(Ordering::SeqCst) {
            self.client.watch_files(globs).await;
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        {
            let mut state = lock(&self.state);
            let Some(key) = state.paths.key(&params.text_document.uri) else {
                return;
            };
            state.docs.insert(
                key.clone(),
                Doc {
                    version: params.text_document.version,
                    text: params.text_document.text,
                },
            );
            Self::sync(&mut state, &key);
        }
        self.schedule_diagnostics();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Applied synchronously, before any await: edits keep their order.
        {
            let mut state = lock(&self.state);
            let Some(key) = state.paths.key(&params.text_document.uri) else {
                return;
            };
            let Some(doc) = state.docs.get_mut(&key) else {
                return;
            };
            for change in params.content_changes {
                match change.range {
                    Some(range) => {
                        let span = LineIndex::new(&doc.text).span(range);
                        doc.text.replace_range(span.range(), &change.text);
                    }
                    None => doc.text = change.text,
                }
            }
            doc.version = params.text_document.version;
            Self::sync(&mut state, &key);
        }
        self.schedule_diagnostics();
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        {
            let mut state = lock(&self.state);
            let Some(key) = state.paths.key(&params.text_document.uri) else {
                return;
            };
            state.docs.remove(&key);
            state.tokens.forget(&key);
            Self::reload(&mut state, &key);
        }
        self.schedule_diagnostics();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        {
            let mut state = lock(&self.state);
            for change in params.changes {
                if let Some(key) = state.paths.key(&change.uri) {
                    Self::reload(&mut state, &key);
                }
            }
        }
        self.schedule_diagnostics();
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.hover_request(params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        self.completion_request(params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.goto_definition_request(params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        self.references_request(params).await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.prepare_rename_request(params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.rename_request(params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.document_symbol_request(params).await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        self.symbol_request(params).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.folding_range_request(params).await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.semantic_tokens_full_request(params).await
    }

    async fn semantic_tokens_full_delta(
        &self,
        params: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        self.semantic_tokens_delta_request(params).await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        self.formatting_request(params).await
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        self.range_formatting_request(params).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.inlay_hint_request(params).await
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        self.signature_help_request(params).await
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        self.workspace_folders_changed(params).await;
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.code_action_request(params).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.code_lens_request(params).await
    }
}
