//! Loading what the evidence verbs work on: a plan, its graph, a change.
//! A file that is read but not valid is a [`LoadError::Invalid`] holding its
//! diagnostics (file, line, column, code) with the sources they point into;
//! they are rendered only when the error is shown.

use std::fmt;
use std::path::{Path, PathBuf};
use writ_diagnostics::limits::ReadError;
use writ_diagnostics::{Diagnostic, FileId, SourceMap};
use writ_graph::{Change, Graph};
use writ_plan::Plan;

/// Why a plan, its graph or a change could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The plan file could not be read.
    ReadPlan(PathBuf, ReadError),
    /// The file was read but is not valid.
    Invalid {
        /// The sources the diagnostics point into.
        files: SourceMap,
        /// What is wrong, each with its location and code.
        diagnostics: Vec<Diagnostic>,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::ReadPlan(path, e) => {
                write!(f, "cannot read the plan `{}`: {e}", path.display())
            }
            LoadError::Invalid { files, diagnostics } => {
                f.write_str(&writ_diagnostics::render::human_string(files, diagnostics))
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// For callers that report errors as text.
impl From<LoadError> for String {
    fn from(e: LoadError) -> String {
        e.to_string()
    }
}

/// Reads and validates a compiled plan.
pub fn load_plan(path: &Path) -> Result<Plan, LoadError> {
    let bytes = writ_diagnostics::limits::read(path, writ_diagnostics::limits::Input::Plan)
        .map_err(|e| LoadError::ReadPlan(path.to_path_buf(), e))?;
    writ_plan::load(FileId(0), &bytes).map_err(|d| {
        let mut files = SourceMap::new();
        files.add(
            path.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        );
        LoadError::Invalid {
            files,
            diagnostics: vec![*d],
        }
    })
}

/// The graph embedded in a plan, validated.
pub fn plan_graph(plan: &Plan, plan_path: &Path) -> Result<Graph, LoadError> {
    let mut files = SourceMap::new();
    let name = format!("{} (embedded graph)", plan_path.display());
    let (graph, diagnostics) = Graph::parse(&mut files, name, plan.graph.as_str());
    graph.ok_or(LoadError::Invalid { files, diagnostics })
}

/// Reads and validates a change file.
pub fn load_change(path: &Path) -> Result<Change, LoadError> {
    let mut files = SourceMap::new();
    let (change, diagnostics) = Change::load(&mut files, path);
    change.ok_or(LoadError::Invalid { files, diagnostics })
}
