//! Loading what the evidence verbs work on: a plan, its graph, a change.
//! Errors are rendered diagnostics (with file, line and column) as text.

use std::path::Path;
use writ_diagnostics::{FileId, SourceMap};
use writ_graph::{Change, Graph};
use writ_plan::Plan;

/// Reads and validates a compiled plan.
pub fn load_plan(path: &Path) -> Result<Plan, String> {
    let bytes = writ_diagnostics::limits::read(path, writ_diagnostics::limits::Input::Plan)
        .map_err(|e| format!("cannot read the plan `{}`: {e}", path.display()))?;
    writ_plan::load(FileId(0), &bytes).map_err(|d| {
        let mut files = SourceMap::new();
        files.add(
            path.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        );
        writ_diagnostics::render::human_string(&files, &[*d])
    })
}

/// The graph embedded in a plan, validated.
pub fn plan_graph(plan: &Plan, plan_path: &Path) -> Result<Graph, String> {
    let mut files = SourceMap::new();
    let name = format!("{} (embedded graph)", plan_path.display());
    let (graph, diags) = Graph::parse(&mut files, name, plan.graph.as_str());
    graph.ok_or_else(|| writ_diagnostics::render::human_string(&files, &diags))
}

/// Reads and validates a change file.
pub fn load_change(path: &Path) -> Result<Change, String> {
    let mut files = SourceMap::new();
    let (change, diags) = Change::load(&mut files, path);
    change.ok_or_else(|| writ_diagnostics::render::human_string(&files, &diags))
}
