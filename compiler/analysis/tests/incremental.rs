//! Incrementality: after editing one rule in a 200-file workspace, only the
//! queries that depend on that file run again (asserted on salsa's execution
//! events).

use writ_analysis::Host;
use writ_analysis::db::Database;

fn policy(i: usize, check: &str) -> String {
    format!(
        "/// Rule {i}.\nrule r{i} {{\n  for svc in change.reaches(service where tier == {tier})\n  when change.labels has \"team-{i}\"\n  require check \"{check}\" on svc\n}}\n",
        tier = i % 3
    )
}

fn workspace() -> (Host, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let graph =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/graph.json")).unwrap();
    let files = (0..200)
        .map(|i| {
            (
                format!("m{i:03}.writ"),
                format!("m{i:03}"),
                policy(i, "unit"),
            )
        })
        .collect();
    let (db, log) = Database::with_execution_log();
    (
        Host::with_database(db, files, Some(("graph.json".into(), graph))),
        log,
    )
}

fn executed(log: &std::sync::Arc<std::sync::Mutex<Vec<String>>>) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

#[test]
fn editing_one_rule_reruns_only_that_files_queries() {
    let (mut host, log) = workspace();
    assert!(host.diagnostics().is_empty());
    let first = executed(&log);
    let parses = first.iter().filter(|q| q.starts_with("parse(")).count();
    assert_eq!(
        parses,
        200 + writ_analysis::stdlib::MODULES.len(),
        "every file (200 + std) parsed once: {first:?}"
    );

    let file = host.file_by_path("m100.writ").unwrap();
    host.set_text(file, policy(100, "integration"));
    assert!(host.diagnostics().is_empty());
    let again = executed(&log);
    let names: Vec<&str> = again.iter().map(|q| q.split('(').next().unwrap()).collect();
    // The edited file is re-parsed and re-checked; its item tree is
    // recomputed but unchanged, so no scope or other file re-runs.
    assert_eq!(
        names.iter().filter(|n| **n == "parse").count(),
        1,
        "{again:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "check_file").count(),
        1,
        "{again:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "scope").count(),
        0,
        "{again:?}"
    );
    for name in &names {
        assert!(
            [
                "parse",
                "item_tree",
                "line_index",
                "check_file",
                "rule_summaries",
                "workspace_diagnostics"
            ]
            .contains(name),
            "unexpected re-execution of {name}: {again:?}"
        );
    }

    // Nothing changed: nothing runs.
    assert!(host.diagnostics().is_empty());
    assert!(executed(&log).is_empty());
}

#[test]
fn renaming_an_item_reruns_scopes_that_see_it() {
    let (mut host, log) = workspace();
    let _ = host.diagnostics();
    executed(&log);
    let file = host.file_by_path("m007.writ").unwrap();
    host.set_text(file, policy(7, "unit").replace("rule r7", "rule renamed"));
    let _ = host.diagnostics();
    let again = executed(&log);
    assert!(again.iter().any(|q| q.starts_with("scope(")), "{again:?}");
    assert_eq!(
        again.iter().filter(|q| q.starts_with("parse(")).count(),
        1,
        "{again:?}"
    );
}
