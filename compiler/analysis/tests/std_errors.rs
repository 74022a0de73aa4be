//! Errors inside a standard-library module are reported at the user's `use`
//! that brings it in, with the requirement spelled out and the library line
//! as a note — never only at `<std>/validation.writ:19`, which the user
//! cannot edit (issue #19).

use writ_analysis::Host;

#[test]
fn a_missing_check_is_reported_at_the_use() {
    let graph = r#"{"version": 1,
      "teams": [{"id": "t", "members": ["a", "b"]}], "people": [{"id": "a"}, {"id": "b"}],
      "nodes": [{"id": "svc", "kind": "library", "owners": ["t"], "paths": ["svc/**"],
                 "checks": {"sast": {"run": ["semgrep"]}}}]}"#;
    let policy = "//! Mine.\n\nuse std::validation::{touched_code}\n";
    let host = Host::new(
        vec![("main.writ".into(), "main".into(), policy.into())],
        Some(("graph.json".into(), graph.into())),
    );
    let diags = host.diagnostics();
    let unit: Vec<_> = diags
        .iter()
        .filter(|d| d.code.id() == "E0407" && d.message.contains("`unit`"))
        .collect();
    assert_eq!(unit.len(), 1, "{diags:?}");
    let d = unit[0];
    assert_eq!(
        d.message,
        "std::validation needs a check named `unit` on the nodes it selects: unknown check `unit`"
    );
    // at the user's `use`, in the user's file
    let main = host.sources.get(d.primary.file);
    assert_eq!(main.name(), "main.writ");
    assert_eq!(
        &main.text()[d.primary.span.start as usize..d.primary.span.end as usize],
        "use std::validation::{touched_code}"
    );
    assert!(
        d.notes
            .iter()
            .any(|n| n.starts_with("<std>/validation.writ:")
                && n.contains("require check \"unit\" on n")),
        "{:?}",
        d.notes
    );
    // every error of the module is at the user's file, none in `<std>`
    assert!(diags.iter().all(|d| d.primary.file == d.primary.file
        && host.sources.get(d.primary.file).name() == "main.writ"));
    // with the check declared, that error is gone
    let fixed = graph.replace(
        r#""sast": {"run": ["semgrep"]}"#,
        r#""sast": {"run": ["semgrep"]}, "unit": {"run": ["make", "test"]}"#,
    );
    let host = Host::new(
        vec![("main.writ".into(), "main".into(), policy.into())],
        Some(("graph.json".into(), fixed)),
    );
    assert!(
        !host
            .diagnostics()
            .iter()
            .any(|d| d.message.contains("`unit`")),
        "{:?}",
        host.diagnostics()
    );
}
