//! Assertions (`assert`): the node they are about (`for`), the author
//! classes (`by`), the changes they are restricted to (`when`, limited to
//! what `writ prove` enumerates: the author, labels, the emergency flag,
//! times and the node's own fields) and their claims (`expect`), lowered to
//! `ir::Assertion`.

use super::{Checker, ParamTy};
use writ_diagnostics::{Span, codes};
use writ_plan::ir;
use writ_syntax::ast::{self, EntityKind, ExprKind};

/// The names `by` accepts besides `team "id"` and `person "id"`.
pub(crate) const AUTHOR_CLASSES: &[&str] =
    &["agent", "human", "known", "outsider", "owner", "unknown"];

impl Checker<'_> {
    pub(super) fn assertion(&mut self, def: &ast::AssertDef, span: Span, doc: String) {
        self.current_item = def.name.name.clone();
        self.locals.clear();
        let mut binding = None;
        let mut authors = Vec::new();
        let mut when = None;
        let mut claims = Vec::new();
        for clause in &def.clauses {
            match &clause.kind {
                ast::AssertClauseKind::For { var, source } => {
                    let set = self.node_set(source);
                    if !matches!(
                        set,
                        ir::NodeSet::Static(_)
                            | ir::NodeSet::Touches { .. }
                            | ir::NodeSet::Reach { .. }
                            | ir::NodeSet::Union(_)
                    ) || matches!(&set, ir::NodeSet::Union(v) if !v.is_empty())
                    {
                        let d = self
                            .error(
                                codes::E0414,
                                source.span,
                                "an assertion ranges over one selector",
                            )
                            .with_label("not provable")
                            .with_help("write `service where …`, `change.touches(S)`, `change.reaches(S, …)` or `change.exposes(S, …)`");
                        self.report(d);
                    }
                    if binding.is_none() {
                        self.locals.push(var.name.clone());
                        binding = Some(ir::Binding {
                            var: var.name.clone(),
                            set,
                            origin: self.origin(clause.span),
                        });
                    }
                }
                ast::AssertClauseKind::By(classes) => {
                    for class in classes {
                        if let Some(c) = self.author_class(class) {
                            authors.push(c);
                        }
                    }
                }
                ast::AssertClauseKind::When(cond) => {
                    let expr = self.condition(cond);
                    if let Some(why) = unprovable(&expr) {
                        let d = self
                            .error(codes::E0414, cond.span, format!("`writ prove` cannot enumerate {why}"))
                            .with_label("not provable")
                            .with_help("an assertion's `when` may test the author, labels, `change.emergency`, `decision.time`, `change.time` and the node's fields");
                        self.report(d);
                    }
                    when.get_or_insert(ir::Condition {
                        expr,
                        origin: self.origin(clause.span),
                    });
                }
                ast::AssertClauseKind::ExpectDecision { negated, outcome } => {
                    claims.push(ir::Claim {
                        kind: ir::ClaimKind::Decision {
                            negated: *negated,
                            outcome: outcome.name.clone(),
                        },
                        origin: self.origin(clause.span),
                    });
                }
                ast::AssertClauseKind::ExpectApprovals(step) => {
                    // The assertion's node is parameter 0, so `owners(n)`
                    // lowers to `OwnersOfParam(0)`.
                    self.params = self
                        .locals
                        .iter()
                        .map(|n| (n.clone(), ParamTy::Unused))
                        .collect();
                    let lowered = self.step(step, false);
                    if self.params.iter().any(|(_, t)| *t == ParamTy::Principal) {
                        let d = self
                            .error(
                                codes::E0409,
                                step.span,
                                "the assertion's node is not a team or person",
                            )
                            .with_help("write `owners(n)` for the people who own it");
                        self.report(d);
                    }
                    self.params.clear();
                    claims.push(ir::Claim {
                        kind: ir::ClaimKind::Approvals(lowered),
                        origin: self.origin(clause.span),
                    });
                }
                ast::AssertClauseKind::ExpectCheck { check, on } => {
                    let on_set = self.node_set(on);
                    self.check_name(check);
                    claims.push(ir::Claim {
                        kind: ir::ClaimKind::Check {
                            check: check.value.clone(),
                            on: on_set,
                        },
                        origin: self.origin(clause.span),
                    });
                }
                ast::AssertClauseKind::Error => {}
            }
        }
        authors.sort();
        authors.dedup();
        if let Some(binding) = binding {
            self.never_fires(&def.name, "assertion", std::slice::from_ref(&binding));
            self.out.assertions.push(ir::Assertion {
                id: format!("{}::{}", self.module, def.name.name),
                doc,
                message: def
                    .message
                    .as_ref()
                    .map(|m| m.value.clone())
                    .unwrap_or_default(),
                origin: self.origin(span),
                binding,
                authors,
                when,
                claims,
            });
        }
        self.locals.clear();
    }

    fn author_class(&mut self, e: &ast::Expr) -> Option<ir::AuthorClass> {
        match &e.kind {
            ExprKind::Entity(EntityKind::Team, id) => {
                self.team_exists(id);
                Some(ir::AuthorClass::Team(id.value.clone()))
            }
            ExprKind::Entity(EntityKind::Person, id) => {
                self.person_exists(id);
                Some(ir::AuthorClass::Person(id.value.clone()))
            }
            ExprKind::Name(n) => match n.name.as_str() {
                "owner" => Some(ir::AuthorClass::Owner),
                "outsider" => Some(ir::AuthorClass::Outsider),
                "agent" => Some(ir::AuthorClass::Agent),
                "human" => Some(ir::AuthorClass::Human),
                "known" => Some(ir::AuthorClass::Known),
                "unknown" => Some(ir::AuthorClass::Unknown),
                other => {
                    let mut d = self
                        .error(
                            codes::E0413,
                            n.span,
                            format!("unknown author class `{other}`"),
                        )
                        .with_label(format!(
                            "expected {}, `team \"id\"` or `person \"id\"`",
                            AUTHOR_CLASSES.join(", ")
                        ));
                    if let Some(best) =
                        writ_diagnostics::did_you_mean(other, AUTHOR_CLASSES.iter().copied())
                    {
                        d = d.with_replacement(best);
                    }
                    self.report(d);
                    None
                }
            },
            _ => {
                let d = self
                    .error(codes::E0413, e.span, "not an author class")
                    .with_label(format!(
                        "expected {}, `team \"id\"` or `person \"id\"`",
                        AUTHOR_CLASSES.join(", ")
                    ));
                self.report(d);
                None
            }
        }
    }
}

/// What in a lowered `when` `writ prove` does not enumerate, if anything.
/// Each node is judged here; the recursion is the IR's (`writ_plan::walk`).
fn unprovable(e: &ir::Expr) -> Option<&'static str> {
    use writ_plan::walk::Visit::{Descend, Found};
    e.find((), &mut |e, ()| match e {
        ir::Expr::Nodes(_) => Found("the nodes a change touches or reaches here"),
        ir::Expr::AnyPath(_) | ir::Expr::AllPaths(_) => Found("changed file paths"),
        ir::Expr::Change(ir::ChangeField::Files) => Found("changed files"),
        ir::Expr::Change(ir::ChangeField::HasUnowned) => Found("unowned files"),
        ir::Expr::List(_)
        | ir::Expr::And(_)
        | ir::Expr::Or(_)
        | ir::Expr::Range(..)
        | ir::Expr::Compare(..)
        | ir::Expr::Not(_)
        | ir::Expr::Bool(_)
        | ir::Expr::Int(_)
        | ir::Expr::Str(_)
        | ir::Expr::Duration(_)
        | ir::Expr::Time(_)
        | ir::Expr::NodeField { .. }
        | ir::Expr::Person(_)
        | ir::Expr::Team(_)
        | ir::Expr::Change(
            ir::ChangeField::Author
            | ir::ChangeField::Labels
            | ir::ChangeField::Emergency
            | ir::ChangeField::Time,
        )
        | ir::Expr::DecisionTime => Descend(()),
    })
}
