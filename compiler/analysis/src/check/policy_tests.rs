//! Policy `test` blocks (not the crate's unit tests): the `change { … }`
//! description, `given` evidence and `expect` statements, checked against
//! the graph and the workspace's rules and chains, lowered to plan test
//! cases. The standard library's tests are not checked here, only their
//! names resolved (for editors).

use super::{Checker, Resolved};
use crate::items::{self, ItemKind};
use writ_diagnostics::Span;
use writ_graph::change::FileStatus;
use writ_plan::tests as pt;
use writ_syntax::ast::{self, ExprKind};

impl Checker<'_> {
    /// Resolves the chains and rules a test names without checking the
    /// test: the standard library's tests run against its own graph.
    pub(super) fn test_names(&mut self, test: &ast::TestDef) {
        for stmt in &test.stmts {
            let path = match &stmt.kind {
                ast::TestStmtKind::GivenApproval { chain, .. }
                | ast::TestStmtKind::ExpectApproval { chain, .. } => chain,
                ast::TestStmtKind::ExpectFires { rule, .. } => rule,
                ast::TestStmtKind::Change(_)
                | ast::TestStmtKind::GivenCheck { .. }
                | ast::TestStmtKind::ExpectDecision(_)
                | ast::TestStmtKind::ExpectCheck { .. }
                | ast::TestStmtKind::Error => continue,
            };
            if let Some(def) = items::resolve(self.db, self.workspace, self.file, path) {
                self.resolved(path.last().span, Resolved::Item(def));
            }
        }
    }

    pub(super) fn test(&mut self, test: &ast::TestDef, span: Span) {
        let mut change = pt::TestChange::default();
        let mut approvals = Vec::new();
        let mut checks = Vec::new();
        let mut expectations = Vec::new();
        for stmt in &test.stmts {
            let origin = self.origin(stmt.span);
            match &stmt.kind {
                ast::TestStmtKind::Change(fields) => self.test_change(fields, &mut change),
                ast::TestStmtKind::GivenApproval { chain, by } => {
                    if let Some(def) = self.resolve_path(chain, "approval chain or emergency path")
                    {
                        let ok =
                            matches!(def.kind, ItemKind::Approval { .. } | ItemKind::Emergency);
                        if self.expect_kind(
                            &def,
                            chain.span,
                            "an approval chain or emergency path",
                            ok,
                        ) {
                            for person in by {
                                self.person_exists(person);
                            }
                            approvals.push(pt::GivenApproval {
                                chain: def.id(),
                                by: by.iter().map(|p| p.value.clone()).collect(),
                                origin,
                            });
                        }
                    }
                }
                ast::TestStmtKind::GivenCheck {
                    check,
                    node,
                    outcome,
                } => {
                    self.check_name(check);
                    self.node_exists(node);
                    checks.push(pt::GivenCheck {
                        check: check.value.clone(),
                        node: node.value.clone(),
                        passed: outcome.name == "passed",
                        origin,
                    });
                }
                ast::TestStmtKind::ExpectDecision(d) => expectations.push(pt::Expectation {
                    kind: pt::ExpectationKind::Decision(d.name.clone()),
                    negated: false,
                    origin,
                }),
                ast::TestStmtKind::ExpectApproval { negated, chain } => {
                    if let Some(def) = self.resolve_path(chain, "approval chain") {
                        let ok = matches!(def.kind, ItemKind::Approval { .. });
                        if self.expect_kind(&def, chain.span, "an approval chain", ok) {
                            expectations.push(pt::Expectation {
                                kind: pt::ExpectationKind::RequiresApproval(def.id()),
                                negated: *negated,
                                origin,
                            });
                        }
                    }
                }
                ast::TestStmtKind::ExpectCheck {
                    negated,
                    check,
                    node,
                } => {
                    self.check_name(check);
                    self.node_exists(node);
                    expectations.push(pt::Expectation {
                        kind: pt::ExpectationKind::RequiresCheck {
                            check: check.value.clone(),
                            node: node.value.clone(),
                        },
                        negated: *negated,
                        origin,
                    });
                }
                ast::TestStmtKind::ExpectFires { negated, rule } => {
                    if let Some(def) = self.resolve_path(rule, "rule or forbid") {
                        let ok = matches!(def.kind, ItemKind::Rule | ItemKind::Forbid);
                        if self.expect_kind(&def, rule.span, "a rule or forbid", ok) {
                            expectations.push(pt::Expectation {
                                kind: pt::ExpectationKind::Fires(def.id()),
                                negated: *negated,
                                origin,
                            });
                        }
                    }
                }
                ast::TestStmtKind::Error => {}
            }
        }
        self.out.tests.push(pt::TestCase {
            name: test.name.value.clone(),
            module: self.module.clone(),
            origin: self.origin(span),
            change,
            approvals,
            checks,
            expectations,
        });
    }

    pub(super) fn test_change(&mut self, fields: &[ast::ChangeField], change: &mut pt::TestChange) {
        for field in fields {
            let strings: Vec<(String, Option<String>)> = field
                .values
                .iter()
                .filter_map(|v| match (&v.value.kind, v.to.as_ref().map(|t| &t.kind)) {
                    (ExprKind::Str(s), None) => Some((s.clone(), None)),
                    (ExprKind::Str(s), Some(ExprKind::Str(t))) => {
                        Some((s.clone(), Some(t.clone())))
                    }
                    _ => None,
                })
                .collect();
            match field.name.name.as_str() {
                "touches" | "adds" | "deletes" => {
                    let status = match field.name.name.as_str() {
                        "touches" => FileStatus::Modified,
                        "adds" => FileStatus::Added,
                        _ => FileStatus::Deleted,
                    };
                    for (path, _) in strings {
                        change.files.push(pt::TestFile {
                            path,
                            status,
                            old_path: None,
                        });
                    }
                }
                "renames" => {
                    for (old, new) in strings {
                        if let Some(new) = new {
                            change.files.push(pt::TestFile {
                                path: new,
                                status: FileStatus::Renamed,
                                old_path: Some(old),
                            });
                        }
                    }
                }
                "author" => {
                    if let Some(v) = field.values.first()
                        && let ExprKind::Str(s) = &v.value.kind
                    {
                        self.person_exists(&ast::StrLit {
                            value: s.clone(),
                            span: v.value.span,
                        });
                        change.author = Some(s.clone());
                    }
                }
                "label" => change.labels.extend(strings.into_iter().map(|(s, _)| s)),
                "emergency" => change.emergency = true,
                "at" => {
                    if let Some(v) = field.values.first() {
                        change.time = match &v.value.kind {
                            ExprKind::Date(d) => Some(d.days_since_epoch() * 86_400),
                            ExprKind::DateTime(dt) => Some(dt.unix_seconds),
                            _ => None,
                        };
                    }
                }
                _ => {}
            }
        }
    }
}
