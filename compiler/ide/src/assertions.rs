//! Violated assertions as diagnostics (`E0415`), for the language server
//! (here, not in writ-analysis, so the compiler crates never depend on the
//! runtime): the workspace's plan is proved
//! with `writ_runtime::assertions::prove` (what `writ prove` runs) and each
//! counterexample becomes a diagnostic on the failing `expect`.
//!
//! Separate from [`writ_analysis::workspace_diagnostics`] on purpose: proving
//! decides many changes, so `writ check` does not pay for it; an editor
//! asks for it when a graph is configured, and only on graphs of up to
//! [`EDITOR_PROVE_LIMIT`] nodes: proving costs nodes × author classes × time
//! regions decisions (about 30 µs each, docs/prove.md), and every other
//! diagnostic of the workspace waits for it. Larger graphs are proved by
//! `writ prove` in CI.

use writ_analysis::db::{Db, Workspace};
use writ_analysis::workspace::{compile_plan, participating};
use writ_diagnostics::{Diagnostic, Span, codes};
use writ_runtime::time::format_rfc3339;

/// The largest graph (in nodes) the editor proves assertions over; about a
/// second of deciding at the measured cost.
pub const EDITOR_PROVE_LIMIT: usize = 1_000;

/// One `E0415` per violated assertion (none when the policy has errors,
/// no graph, no assertions, or a graph over [`EDITOR_PROVE_LIMIT`] nodes),
/// sorted.
#[salsa::tracked(returns(ref))]
pub(crate) fn assertion_diagnostics(db: &dyn Db, workspace: Workspace) -> Vec<Diagnostic> {
    let Ok(plan) = compile_plan(db, workspace) else {
        return Vec::new();
    };
    if plan.assertions.is_empty() {
        return Vec::new();
    }
    let Ok(prepared) = writ_runtime::Prepared::new(plan) else {
        return Vec::new();
    };
    if prepared.graph().nodes().len() > EDITOR_PROVE_LIMIT {
        return Vec::new();
    }
    let Ok(report) = writ_runtime::assertions::prove(&prepared) else {
        return Vec::new();
    };
    let files = participating(db, workspace);
    let mut out = Vec::new();
    for (a, r) in prepared.plan().assertions.iter().zip(&report.assertions) {
        let Some(c) = &r.counterexample else { continue };
        let Some(file) = files.get(a.origin.source as usize) else {
            continue;
        };
        let claim = &a.claims[c.claim.min(a.claims.len().saturating_sub(1))];
        let span = Span::new(claim.origin.span[0] as usize, claim.origin.span[1] as usize);
        let author = c.author_text();
        let labels = c.labels_text();
        let mut d = Diagnostic::new(
            codes::E0415,
            file.file_id(db),
            span,
            format!(
                "assertion `{}` is violated: {}",
                a.id.rsplit("::").next().unwrap_or(&a.id),
                c.why
            ),
        )
        .with_label(format!("{} for this change", c.outcome.as_str()))
        .with_note(format!(
            "counterexample: {author} modifies `{}` (node `{}`) at {}, {labels}, {}",
            c.file,
            c.touched,
            format_rfc3339(c.time),
            if c.emergency {
                "flagged as an emergency"
            } else {
                "not an emergency"
            }
        ));
        if !r.message.is_empty() {
            d = d.with_note(r.message.clone());
        }
        d = d.with_help(
            "`writ prove --out DIR` writes this change and its evidence, with the `writ eval` command that reproduces it",
        );
        out.push(d);
    }
    writ_diagnostics::sort(&mut out);
    out
}
