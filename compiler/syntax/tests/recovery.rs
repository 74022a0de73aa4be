//! Error recovery: one file with three unrelated syntax errors reports each of
//! them where it is, and every item after them still parses.

use writ_diagnostics::{FileId, SourceFile};
use writ_syntax::ast::{ClauseKind, ItemKind, TestStmtKind};
use writ_syntax::parse;

const SOURCE: &str = r#"rule alpha {
  for in change.reaches(service)
  require check "unit" on change.touches(service)
}

rule beta {
  require approval { 1 of owners(svc) then }
  require check "e2e" on change.touches(service)
}

test "gamma" {
  change { touches "a.rs" }
  expect decison allow
  expect fires alpha
}

rule delta {
  for svc in change.reaches(service where tier == 0)
  require check "integration" on svc
}

forbid epsilon "no agents" {
  when change.author is agent
}

rule zeta { when true require check "smoke" on change.touches(service) }
"#;

#[test]
fn three_errors_are_reported_where_they_are_and_the_rest_parses() {
    let parsed = parse(FileId(0), SOURCE);
    let file = SourceFile::new("recovery.writ", SOURCE);

    let found: Vec<(&str, u32, u32, &str)> = parsed
        .diagnostics
        .iter()
        .map(|d| {
            let at = file.line_col(d.primary.span.start as usize);
            (d.code.id(), at.line, at.column, file.slice(d.primary.span))
        })
        .collect();
    assert_eq!(
        found,
        [
            ("E0201", 2, 7, "in"),
            ("E0201", 7, 44, "}"),
            ("E0201", 13, 10, "decison"),
        ],
        "{:#?}",
        parsed.diagnostics
    );
    let messages: Vec<&str> = parsed
        .diagnostics
        .iter()
        .map(|d| d.primary.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "expected a name",
            "expected `all` or an integer",
            "expected `decision`, `fires`, `not` or `requires`"
        ]
    );

    // Every item survives, in order, with its name.
    let names: Vec<String> = parsed
        .file
        .items
        .iter()
        .map(|item| match &item.kind {
            ItemKind::Rule(r) => format!("rule {}", r.name.name),
            ItemKind::Forbid(f) => format!("forbid {}", f.name.name),
            ItemKind::Test(t) => format!("test {}", t.name.value),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            "rule alpha",
            "rule beta",
            "test gamma",
            "rule delta",
            "forbid epsilon",
            "rule zeta"
        ]
    );

    // A broken clause costs that clause only: what follows it in the same
    // item is still there, and the items after the errors are whole.
    let clauses = |i: usize| match &parsed.file.items[i].kind {
        ItemKind::Rule(r) => r.clauses.iter().map(|c| c.kind.clone()).collect::<Vec<_>>(),
        ItemKind::Forbid(f) => f.clauses.iter().map(|c| c.kind.clone()).collect(),
        other => panic!("item {i} is {other:?}"),
    };
    let alpha = clauses(0);
    assert!(
        matches!(
            alpha[..],
            [ClauseKind::Error, ClauseKind::RequireCheck { .. }]
        ),
        "{alpha:?}"
    );
    let beta = clauses(1);
    assert!(
        matches!(
            beta[..],
            [
                ClauseKind::RequireApproval(_),
                ClauseKind::RequireCheck { .. }
            ]
        ),
        "{beta:?}"
    );
    let ItemKind::Test(gamma) = &parsed.file.items[2].kind else {
        unreachable!()
    };
    let stmts: Vec<&TestStmtKind> = gamma.stmts.iter().map(|s| &s.kind).collect();
    assert!(
        matches!(
            stmts[..],
            [
                TestStmtKind::Change(_),
                TestStmtKind::Error,
                TestStmtKind::ExpectFires { .. }
            ]
        ),
        "{stmts:?}"
    );
    assert!(matches!(
        clauses(3)[..],
        [ClauseKind::For { .. }, ClauseKind::RequireCheck { .. }]
    ));
    assert!(matches!(clauses(4)[..], [ClauseKind::When(_)]));
    assert!(matches!(
        clauses(5)[..],
        [ClauseKind::When(_), ClauseKind::RequireCheck { .. }]
    ));
}

#[test]
fn a_file_with_errors_is_not_formatted() {
    let errors = writ_syntax::format::format(SOURCE).expect_err("three syntax errors");
    assert_eq!(errors.len(), 3);
}
