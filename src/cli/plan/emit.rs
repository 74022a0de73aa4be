//! `writ plan --emit`: the checks CI should run, as a GitHub Actions matrix
//! or a plain JSON list, so the CI a team already runs fans them out across
//! its runners (results come back with `writ evidence add`).
//!
//! With `--change`, the list is what *this change* requires: the check
//! obligations of its decision, less those the evidence folder (`--evidence`)
//! already shows passed. Without a change it is every check the plan could
//! ever require: for each `require check "c" on S`, the nodes `S` can hold
//! for some change (its filter set; the change only narrows it) that declare
//! `c` — for nightly full runs, or to list required status checks.

use std::collections::BTreeSet;
use std::path::Path;
use writ_graph::Graph;
use writ_plan::{NodeSet, Plan, Requirement, Rule};
use writ_runtime::proof::Status;

/// Output format of `--emit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EmitFormat {
    /// `{"include": [...]}` on one line, for `strategy.matrix` via `fromJSON`.
    GithubMatrix,
    /// A JSON list of the checks, pretty-printed.
    Json,
}

/// One check to run on one node.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Job {
    /// The check's name.
    pub check: String,
    /// The node's id.
    pub node: String,
    /// The command, program first (the graph's `run`).
    pub argv: Vec<String>,
    /// The graph's time limit, in seconds.
    pub timeout_secs: Option<u64>,
}

/// The checks to run: for `change` (less what `evidence` passed), or every
/// check the plan could require.
pub fn jobs(
    plan: &Plan,
    plan_path: &Path,
    change: Option<&Path>,
    evidence: Option<(&Path, &writ_evidence::store::ResultTrust)>,
) -> Result<Vec<Job>, String> {
    let graph = writ_evidence::context::plan_graph(plan, plan_path)?;
    let pairs: BTreeSet<(String, String)> = match change {
        Some(change_path) => {
            let change = writ_evidence::context::load_change(change_path)?;
            let evidence = match evidence {
                Some((dir, trust)) => {
                    let loaded = writ_evidence::store::EvidenceDir::open(dir)?
                        .load(&graph, &change, trust)?;
                    for note in &loaded.notes {
                        eprintln!("note: {note}");
                    }
                    loaded.evidence
                }
                None => writ_runtime::Evidence::default(),
            };
            let decision = writ_runtime::evaluate(plan, &change, &evidence);
            decision
                .proof
                .obligations
                .iter()
                .filter(|o| o.status != Status::Satisfied)
                .filter_map(|o| {
                    o.check.as_ref().map(|c| {
                        let name = |n| decision.proof.name(n).to_string();
                        (name(c.check), name(c.node))
                    })
                })
                .collect()
        }
        None => possible_checks(plan, &graph),
    };
    let mut jobs = Vec::new();
    for (check, node) in pairs {
        let decl = graph
            .node_by_id(&node)
            .and_then(|n| n.checks.iter().find(|c| c.name.value == check));
        match decl {
            Some(decl) => jobs.push(Job {
                check,
                node,
                argv: decl.run.iter().map(|a| a.to_string()).collect(),
                timeout_secs: decl.timeout_secs,
            }),
            None if change.is_some() => {
                // `writ run` records this as a failed check; say so here too.
                eprintln!(
                    "warning: the change requires check `{check}` on `{node}`, which the graph does not define"
                );
            }
            None => {}
        }
    }
    Ok(jobs)
}

/// Every (check, node) some rule could require: the upper bound of each
/// `require check` clause's node set, kept to nodes that declare the check.
fn possible_checks(plan: &Plan, graph: &Graph) -> BTreeSet<(String, String)> {
    let ids: Vec<&str> = plan.graph.node_ids().iter().map(String::as_str).collect();
    let mut out = BTreeSet::new();
    for rule in &plan.rules {
        for req in &rule.requirements {
            let req = match req {
                Requirement::Check(c) => c,
                Requirement::Approval(_) => continue,
            };
            let mut nodes = BTreeSet::new();
            upper_bound(plan, rule, &req.on, &mut nodes, 0);
            for i in nodes {
                let Some(id) = ids.get(i as usize) else {
                    continue;
                };
                let declares = graph
                    .node_by_id(id)
                    .is_some_and(|n| n.checks.iter().any(|c| c.name.value == req.check));
                if declares {
                    out.insert((req.check.clone(), (*id).to_string()));
                }
            }
        }
    }
    out
}

/// The nodes `set` can hold for some change: the change only narrows a
/// `touches` or `reaches` set within its filter.
fn upper_bound(plan: &Plan, rule: &Rule, set: &NodeSet, out: &mut BTreeSet<u32>, depth: usize) {
    let mut add = |i: u32| {
        if let Some(s) = plan.sets.get(i as usize) {
            out.extend(s.iter().copied());
        }
    };
    match set {
        NodeSet::Static(i) | NodeSet::Touches { filter: i } | NodeSet::Reach { filter: i, .. } => {
            add(*i)
        }
        NodeSet::Var(v) => {
            // a variable ranges over its binding's set (bindings refer only to earlier ones)
            if let Some(b) = rule.bindings.get(*v as usize)
                && depth <= rule.bindings.len()
            {
                upper_bound(plan, rule, &b.set, out, depth + 1);
            }
        }
        NodeSet::Union(sets) => {
            for s in sets {
                upper_bound(plan, rule, s, out, depth);
            }
        }
    }
}

/// The jobs in `format`, ending with a newline.
pub fn render(jobs: &[Job], format: EmitFormat) -> String {
    let entries: Vec<serde_json::Value> = jobs
        .iter()
        .map(|j| {
            serde_json::json!({
                "id": format!("{}@{}", j.check, j.node),
                "check": j.check,
                "node": j.node,
                "argv": j.argv,
                "command": shell_words(&j.argv),
                "timeout_minutes": j.timeout_secs.unwrap_or(1800).div_ceil(60).max(1),
            })
        })
        .collect();
    let mut text = match format {
        EmitFormat::GithubMatrix => serde_json::json!({ "include": entries }).to_string(),
        EmitFormat::Json => serde_json::to_string_pretty(&entries).unwrap_or_default(),
    };
    text.push('\n');
    text
}

/// `argv` as one POSIX shell command line, each word quoted when needed.
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prints the jobs on stdout and a count on stderr.
pub fn print(jobs: &[Job], format: EmitFormat) {
    print!("{}", render(jobs, format));
    eprintln!("{} to run", crate::cli::plural(jobs.len(), "check"));
    if format == EmitFormat::GithubMatrix && jobs.len() > 256 {
        eprintln!(
            "warning: GitHub Actions runs at most 256 jobs per matrix; split the list (e.g. by node)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_quote_only_when_needed() {
        let argv = ["sh", "-c", "echo it's ok", "a/b.rs", ""].map(String::from);
        assert_eq!(shell_words(&argv), r"sh -c 'echo it'\''s ok' a/b.rs ''");
    }
}
