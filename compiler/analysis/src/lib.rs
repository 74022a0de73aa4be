//! writ's incremental analysis, shared by the CLI (`writ check`, `writ plan`,
//! `writ test`) and the language server.
//!
//! Inputs ([`db::SourceFile`], [`db::GraphFile`], [`db::Workspace`]) live in a
//! salsa [`db::Database`]; everything else is a tracked query: [`db::parse`],
//! [`items::item_tree`], [`items::scope`], [`check::check_file`] (names,
//! types, the graph, and lowering to plan IR in one walk),
//! [`workspace::workspace_diagnostics`], [`workspace::compile_plan`]. After an edit
//! only the queries that depend on the edited input run again.
//!
//! [`Host`] is the convenient front door: it owns the database and the source
//! map, adds the standard library, and keeps file ids stable across edits.

pub mod check;
pub mod db;
pub mod files;
pub mod items;
pub mod stdlib;
pub mod workspace;

pub use workspace::{
    PreparedGraph, compile_plan, compile_plan_with, compile_tests, workspace_diagnostics,
};

use db::{Database, GraphFile, SourceFile, Workspace};
use salsa::Setter;
use std::path::Path;
use writ_diagnostics::{Diagnostic, SharedText, SourceMap};

/// The module name of a policy file: its path below `root`, `/` as `::`,
/// without `.writ` (`teams/payments.writ` → `teams::payments`).
pub fn module_name(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file);
    let mut parts: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if let Some(last) = parts.last_mut()
        && let Some(stem) = last.strip_suffix(".writ")
    {
        *last = stem.to_string();
    }
    if parts.is_empty() {
        "main".into()
    } else {
        parts.join("::")
    }
}

/// Owns a database, a workspace and the source map used to render diagnostics.
pub struct Host {
    /// The salsa database.
    pub db: Database,
    /// The workspace input.
    pub workspace: Workspace,
    /// Every file's text, by the file ids diagnostics use.
    pub sources: SourceMap,
    files: Vec<SourceFile>,
    graph: Option<GraphFile>,
}

impl Host {
    /// A host over `policies` (`(path shown, module, text)`), the standard
    /// library and an optional graph (`(path shown, text)`).
    pub fn new(policies: Vec<(String, String, String)>, graph: Option<(String, String)>) -> Host {
        Host::with_database(Database::default(), policies, graph)
    }

    /// Like [`Host::new`] on a given database (e.g. one that logs executions).
    pub fn with_database(
        db: Database,
        policies: Vec<(String, String, String)>,
        graph: Option<(String, String)>,
    ) -> Host {
        let mut sources = SourceMap::new();
        let mut all: Vec<(String, String, String)> = policies;
        for (module, name, text) in stdlib::MODULES {
            all.push((
                format!("<std>/{name}"),
                module.to_string(),
                text.to_string(),
            ));
        }
        all.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let mut files = Vec::new();
        for (path, module, text) in all {
            let id = sources.add(path.clone(), text.clone());
            files.push(SourceFile::new(&db, id, path, module, text));
        }
        let graph = graph.map(|(path, text)| {
            // The text read from the file becomes the shared text as it is
            // (no copy into a new allocation).
            let text = SharedText::from(text);
            let id = sources.add(path.clone(), text.clone());
            GraphFile::new(&db, id, path, text)
        });
        let workspace = Workspace::new(&db, files.clone(), graph);
        Host {
            db,
            workspace,
            sources,
            files,
            graph,
        }
    }

    /// Every file of the workspace (standard library included).
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The file with this path, if any.
    pub fn file_by_path(&self, path: &str) -> Option<SourceFile> {
        self.files
            .iter()
            .copied()
            .find(|f| f.path(&self.db) == path)
    }

    /// Replaces a policy file's text (an editor keystroke, a watched file).
    pub fn set_text(&mut self, file: SourceFile, text: String) {
        let id = file.file_id(&self.db);
        self.sources.replace(id, text.clone());
        file.set_text(&mut self.db).to(text);
    }

    /// Adds a policy file to the workspace, or replaces the text of the file
    /// already at `path` (its module is then updated too). Files stay sorted
    /// by module; the file ids of other files do not change.
    pub fn add_file(&mut self, path: String, module: String, text: String) -> SourceFile {
        if let Some(file) = self.file_by_path(&path) {
            if *file.module(&self.db) != module {
                file.set_module(&mut self.db).to(module);
                self.sort_files();
            }
            self.set_text(file, text);
            return file;
        }
        let id = self.sources.add(path.clone(), text.clone());
        let file = SourceFile::new(&self.db, id, path, module, text);
        self.files.push(file);
        self.sort_files();
        file
    }

    /// Removes a policy file from the workspace. Its file id is not reused.
    pub fn remove_file(&mut self, file: SourceFile) {
        let before = self.files.len();
        self.files.retain(|f| *f != file);
        if self.files.len() != before {
            self.workspace
                .set_files(&mut self.db)
                .to(self.files.clone());
        }
    }

    /// Sets the graph (`(path shown, text)`), adding one if the workspace had
    /// none, or removes it (`None`).
    pub fn set_graph(&mut self, graph: Option<(String, String)>) {
        match (self.graph, graph) {
            (Some(existing), Some((path, text))) if *existing.path(&self.db) == path => {
                self.set_graph_text(text);
            }
            (_, Some((path, text))) => {
                let text = SharedText::from(text);
                let id = self.sources.add(path.clone(), text.clone());
                let file = GraphFile::new(&self.db, id, path, text);
                self.graph = Some(file);
                self.workspace.set_graph(&mut self.db).to(Some(file));
            }
            (Some(_), None) => {
                self.graph = None;
                self.workspace.set_graph(&mut self.db).to(None);
            }
            (None, None) => {}
        }
    }

    fn sort_files(&mut self) {
        let db = &self.db;
        let mut files = self.files.clone();
        files.sort_by(|a, b| {
            a.module(db)
                .cmp(b.module(db))
                .then_with(|| a.path(db).cmp(b.path(db)))
        });
        self.files = files;
        self.workspace
            .set_files(&mut self.db)
            .to(self.files.clone());
    }

    /// Replaces the graph's text.
    pub(crate) fn set_graph_text(&mut self, text: String) {
        if let Some(graph) = self.graph {
            let id = graph.file_id(&self.db);
            let text = SharedText::from(text);
            self.sources.replace(id, text.clone());
            graph.set_text(&mut self.db).to(text);
        }
    }

    /// Every diagnostic of the workspace, sorted.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        workspace_diagnostics(&self.db, self.workspace).clone()
    }

    /// Compiles the plan.
    pub fn plan(&self) -> Result<writ_plan::Plan, Vec<Diagnostic>> {
        compile_plan(&self.db, self.workspace)
    }

    /// The workspace's graph, loaded and validated (`None` without one, or
    /// when it did not load).
    pub fn graph(&self) -> Option<std::sync::Arc<writ_graph::Graph>> {
        db::graph(&self.db, self.workspace)
    }

    /// Compiles the plan, with its embedded graph from `prepared` when that
    /// was made from this workspace's graph (see [`compile_plan_with`]).
    pub fn plan_prepared(
        &self,
        prepared: Option<PreparedGraph>,
    ) -> Result<writ_plan::Plan, Vec<Diagnostic>> {
        compile_plan_with(&self.db, self.workspace, prepared)
    }

    /// The lowered policy tests.
    pub fn tests(&self) -> Vec<writ_plan::tests::TestCase> {
        compile_tests(&self.db, self.workspace)
    }
}
