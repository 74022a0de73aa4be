//! writ's editor analysis, in editor terms: file paths and byte offsets in,
//! plain Rust structs out (hover markdown, completion items, locations,
//! edits, symbols, folding ranges, semantic tokens, code actions, code
//! lenses). It knows nothing of LSP: the `writ-lsp` crate converts positions
//! (UTF-16 on the wire) and types.
//!
//! [`AnalysisHost`] owns the salsa database (the same one `writ check` uses)
//! and takes edits; [`AnalysisHost::analysis`] hands out an [`Analysis`], a
//! read-only snapshot that can move to another thread. An edit made while a
//! snapshot computes cancels it: every [`Analysis`] method returns
//! [`Cancellable`], `Err` when an edit overtook it.
//!
//! Paths are opaque strings chosen by the caller (the language server uses
//! absolute file paths); the standard library's files are `<std>/…`.

mod actions;
mod assertions;
mod completion;
mod docs;
mod format;
mod hints;
mod hover;
mod index;
mod nav;
mod signature;
mod symbols;
mod tokens;
mod why;

pub use actions::{CodeAction, CodeLens, FileDiagnostic, Related};
pub use completion::{CompletionItem, CompletionKind};
pub use hints::InlayHint;
pub use hover::Hover;
pub use nav::{FileRename, SourceChange};
pub use signature::SignatureHelp;
pub use symbols::{Fold, FoldKind, Symbol, SymbolKind};
pub use tokens::{SemanticToken, TOKEN_MODIFIERS, TOKEN_TYPES, TokenModifier, TokenType};
pub use writ_analysis::files::{PolicyFiles, WalkError, policy_files_in};
pub use writ_analysis::module_name;
pub use writ_diagnostics::{Severity, Span};

pub use salsa::Cancelled;
use std::sync::Arc;
use writ_analysis::Host;
use writ_analysis::db::{self, Database, SourceFile, Workspace};

/// The result of a request on a snapshot: `Err` when an edit cancelled it.
pub type Cancellable<T> = Result<T, Cancelled>;

/// The path prefix of the standard library's files.
pub const STD_PREFIX: &str = "<std>/";

/// The standard library's modules: `(module, file name, text)`. A file
/// `<std>/{file name}` of the workspace holds each.
pub fn std_modules() -> &'static [(&'static str, &'static str, &'static str)] {
    writ_analysis::stdlib::MODULES
}

/// A place in a file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file's path.
    pub path: String,
    /// The bytes.
    pub span: Span,
}

/// Replace `span` of a file with `text`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TextEdit {
    /// The bytes replaced.
    pub span: Span,
    /// The new text.
    pub text: String,
}

/// Owns the workspace's database and takes edits.
pub struct AnalysisHost {
    host: Host,
}

impl Default for AnalysisHost {
    fn default() -> Self {
        AnalysisHost::new()
    }
}

impl AnalysisHost {
    /// An empty workspace (the standard library only), without a graph.
    pub fn new() -> AnalysisHost {
        AnalysisHost {
            host: Host::new(Vec::new(), None),
        }
    }

    /// Adds the policy file at `path` (module `module`) or replaces its text.
    /// Standard-library files are read-only: edits to them are ignored.
    pub fn set_file(&mut self, path: &str, module: &str, text: String) {
        if path.starts_with(STD_PREFIX) {
            return;
        }
        if let Some(file) = self.host.file_by_path(path)
            && file.module(&self.host.db) == module
        {
            if *file.text(&self.host.db) != text {
                self.host.set_text(file, text);
            }
            return;
        }
        self.host
            .add_file(path.to_string(), module.to_string(), text);
    }

    /// Removes the policy file at `path`, if any.
    pub fn remove_file(&mut self, path: &str) {
        if path.starts_with(STD_PREFIX) {
            return;
        }
        if let Some(file) = self.host.file_by_path(path) {
            self.host.remove_file(file);
        }
    }

    /// Sets (`Some((path, text))`) or removes the system graph.
    pub fn set_graph(&mut self, graph: Option<(String, String)>) {
        if let (Some((path, text)), Some(existing)) =
            (&graph, self.host.workspace.graph(&self.host.db))
            && existing.path(&self.host.db) == path
            && **existing.text(&self.host.db) == **text
        {
            return;
        }
        self.host.set_graph(graph);
    }

    /// The path of the graph file, if any.
    pub fn graph_path(&self) -> Option<String> {
        self.host
            .workspace
            .graph(&self.host.db)
            .map(|g| g.path(&self.host.db).clone())
    }

    /// Whether a policy file with this path is in the workspace.
    pub fn contains(&self, path: &str) -> bool {
        self.host.file_by_path(path).is_some()
    }

    /// A read-only snapshot for requests (cheap: it shares the database).
    pub fn analysis(&self) -> Analysis {
        Analysis {
            db: self.host.db.clone(),
            workspace: self.host.workspace,
        }
    }
}

/// A read-only snapshot of the workspace. Every method catches cancellation.
#[derive(Clone)]
pub struct Analysis {
    pub(crate) db: Database,
    pub(crate) workspace: Workspace,
}

impl Analysis {
    /// Runs `f`, turning a cancellation (an edit overtook the snapshot) into `Err`.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&Ctx<'_>) -> T) -> Cancellable<T> {
        Cancelled::catch(std::panic::AssertUnwindSafe(|| {
            let ctx = Ctx {
                db: &self.db,
                workspace: self.workspace,
            };
            f(&ctx)
        }))
    }

    /// The text of a policy file or of the graph file.
    pub fn file_text(&self, path: &str) -> Cancellable<Option<String>> {
        self.with(|ctx| {
            if let Some(file) = ctx.file(path) {
                return Some(file.text(ctx.db).clone());
            }
            let graph = ctx.workspace.graph(ctx.db)?;
            (graph.path(ctx.db) == path).then(|| graph.text(ctx.db).to_string())
        })
    }

    /// Every policy file's path (standard library included), sorted by module.
    pub fn files(&self) -> Cancellable<Vec<String>> {
        self.with(|ctx| {
            ctx.workspace
                .files(ctx.db)
                .iter()
                .map(|f| f.path(ctx.db).clone())
                .collect()
        })
    }
}

/// What every feature works with: the database and the workspace.
pub(crate) struct Ctx<'a> {
    pub(crate) db: &'a Database,
    pub(crate) workspace: Workspace,
}

impl Ctx<'_> {
    pub(crate) fn file(&self, path: &str) -> Option<SourceFile> {
        self.workspace
            .files(self.db)
            .iter()
            .copied()
            .find(|f| f.path(self.db) == path)
    }

    pub(crate) fn graph(&self) -> Option<Arc<writ_graph::Graph>> {
        db::graph(self.db, self.workspace)
    }

    pub(crate) fn graph_path(&self) -> Option<String> {
        self.workspace
            .graph(self.db)
            .map(|g| g.path(self.db).clone())
    }

    pub(crate) fn module_file(&self, module: &str) -> Option<SourceFile> {
        writ_analysis::items::module_map(self.db, self.workspace)
            .get(module)
            .copied()
    }

    pub(crate) fn parse(&self, file: SourceFile) -> &writ_syntax::Parse {
        db::parse(self.db, file)
    }
}

/// The identifier (`[A-Za-z0-9_]` run) around `offset`, if any.
pub(crate) fn word_at(text: &str, offset: usize) -> Option<Span> {
    let offset = offset.min(text.len());
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut start = offset;
    while start > 0 && is_word(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = offset;
    while end < bytes.len() && is_word(bytes[end]) {
        end += 1;
    }
    (start < end).then(|| Span::new(start, end))
}

/// Whether `name` can be declared (an identifier, not a keyword).
pub(crate) fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !writ_syntax::lexer::KEYWORDS.iter().any(|(k, _)| *k == name)
}
