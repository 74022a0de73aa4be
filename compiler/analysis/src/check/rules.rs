//! Rules, forbids and emergency paths: `for` bindings (and bindings that
//! can never fire), `when` conditions, `require check` / `require approval`
//! obligations, forbids with their `unless emergency` clauses, and the
//! emergency paths themselves, each lowered to its IR item.

use super::Checker;
use crate::items::ItemKind;
use writ_diagnostics::{Span, codes};
use writ_plan::ir;
use writ_syntax::ast;

impl Checker<'_> {
    pub(super) fn bindings(&mut self, clauses: &[ast::Clause]) -> Vec<ir::Binding> {
        self.locals.clear();
        let mut bindings = Vec::new();
        for clause in clauses {
            if let ast::ClauseKind::For { var, source } = &clause.kind {
                let set = self.node_set(source);
                if self.locals.contains(&var.name) {
                    let d = self
                        .error(
                            codes::E0302,
                            var.span,
                            format!("variable `{}` is bound twice", var.name),
                        )
                        .with_help("use another name");
                    self.report(d);
                }
                self.locals.push(var.name.clone());
                bindings.push(ir::Binding {
                    var: var.name.clone(),
                    set,
                    origin: self.origin(clause.span),
                });
            }
        }
        bindings
    }

    /// Warns when a binding can never produce an instance on this graph.
    pub(super) fn never_fires(&mut self, name: &ast::Ident, what: &str, bindings: &[ir::Binding]) {
        if self.graph.is_none() {
            return;
        }
        for binding in bindings {
            if self.statically_empty(&binding.set) {
                let d = self
                    .error(
                        codes::W0402,
                        name.span,
                        format!("{what} `{}` can never fire on this graph", name.name),
                    )
                    .with_label(format!("`{}` ranges over no node", binding.var))
                    .with_help("check the selector against the graph, or remove the item");
                self.report(d);
                return;
            }
        }
    }

    pub(super) fn statically_empty(&self, set: &ir::NodeSet) -> bool {
        match set {
            ir::NodeSet::Static(i)
            | ir::NodeSet::Touches { filter: i }
            | ir::NodeSet::Reach { filter: i, .. } => self.set_contents(*i).is_empty(),
            // An empty union stands for a selector that already has an error.
            ir::NodeSet::Union(sets) => {
                !sets.is_empty() && sets.iter().all(|s| self.statically_empty(s))
            }
            ir::NodeSet::Var(_) => false,
        }
    }

    pub(super) fn rule(&mut self, rule: &ast::Rule, span: Span, doc: String) {
        self.current_item = rule.name.name.clone();
        self.inline_chains = 0;
        let bindings = self.bindings(&rule.clauses);
        let when = self.when_clause(&rule.clauses);
        let mut requirements = Vec::new();
        for clause in &rule.clauses {
            match &clause.kind {
                ast::ClauseKind::RequireCheck { check, on } => {
                    let on_set = self.node_set(on);
                    self.check_name(check);
                    requirements.push(ir::Requirement::Check(ir::CheckRequirement {
                        check: check.value.clone(),
                        on: on_set,
                        origin: self.origin(clause.span),
                    }));
                }
                ast::ClauseKind::RequireApproval(chain) => {
                    if let Some(req) = self.chain_use(chain, clause.span, &bindings) {
                        requirements.push(ir::Requirement::Approval(req));
                    }
                }
                // Bindings and `when` are lowered above; `unless` belongs to
                // forbids (E0204 in a rule).
                ast::ClauseKind::For { .. }
                | ast::ClauseKind::When(_)
                | ast::ClauseKind::Unless(_)
                | ast::ClauseKind::Error => {}
            }
        }
        self.never_fires(&rule.name, "rule", &bindings);
        self.out.rules.push(ir::Rule {
            id: format!("{}::{}", self.module, rule.name.name),
            doc,
            origin: self.origin(span),
            bindings,
            when,
            requirements: ir::Requirements::new(requirements),
        });
        self.locals.clear();
    }

    /// The (first) `when` clause, checked as a condition.
    pub(super) fn when_clause(&mut self, clauses: &[ast::Clause]) -> Option<ir::Condition> {
        let clause = clauses
            .iter()
            .find(|c| matches!(c.kind, ast::ClauseKind::When(_)))?;
        let ast::ClauseKind::When(cond) = &clause.kind else {
            return None;
        };
        let expr = self.condition(cond);
        Some(ir::Condition {
            expr,
            origin: self.origin(clause.span),
        })
    }

    pub(super) fn check_name(&mut self, check: &ast::StrLit) {
        let Some(facts) = self.facts else { return };
        let names = &facts.checks;
        if !names.contains(check.value.as_str()) {
            let candidates = names.iter().cloned().collect();
            self.unknown_quoted(codes::E0407, check, "check", candidates);
        }
    }

    pub(super) fn forbid(&mut self, forbid: &ast::Forbid, span: Span, doc: String) {
        self.current_item = forbid.name.name.clone();
        let bindings = self.bindings(&forbid.clauses);
        let when = self.when_clause(&forbid.clauses);
        let mut unless = Vec::new();
        for clause in &forbid.clauses {
            if let ast::ClauseKind::Unless(path) = &clause.kind
                && let Some(def) = self.resolve_path(path, "emergency path")
                && self.expect_kind(
                    &def,
                    path.span,
                    "an emergency path",
                    def.kind == ItemKind::Emergency,
                )
            {
                unless.push(def.id());
            }
        }
        if unless.is_empty()
            && !forbid
                .clauses
                .iter()
                .any(|c| matches!(c.kind, ast::ClauseKind::Unless(_)))
        {
            let d = self
                .error(
                    codes::W0405,
                    forbid.name.span,
                    format!("no emergency path can lift forbid `{}`", forbid.name.name),
                )
                .with_label("it denies even in an emergency")
                .with_help("add `unless emergency <path>` if a break-glass path should lift it");
            self.report(d);
        }
        self.never_fires(&forbid.name, "forbid", &bindings);
        let when = when.unwrap_or(ir::Condition {
            expr: ir::Expr::Bool(true),
            origin: self.origin(span),
        });
        self.out.forbids.push(ir::Forbid {
            id: format!("{}::{}", self.module, forbid.name.name),
            doc,
            message: forbid
                .message
                .as_ref()
                .map(|m| m.value.clone())
                .unwrap_or_default(),
            origin: self.origin(span),
            bindings,
            when,
            unless,
        });
        self.locals.clear();
    }

    pub(super) fn emergency(&mut self, def: &ast::EmergencyDef, span: Span, doc: String) {
        self.current_item = def.name.name.clone();
        self.locals.clear();
        self.params.clear();
        let mut approvers = None;
        let mut followup = None;
        let mut within = 0;
        for clause in &def.clauses {
            match clause {
                ast::EmergencyClause::Approvers(step) => {
                    let s = self.step(step, true);
                    approvers.get_or_insert(s);
                }
                ast::EmergencyClause::Followup {
                    reviewers,
                    within: w,
                    span,
                } => {
                    within = w.seconds();
                    let step = match reviewers {
                        Some(step) => self.step(step, true),
                        None => ir::ApprovalStep {
                            count: Some(1),
                            sources: vec![ir::Approvers::OwnersOfTouched],
                            distinct_from_author: true,
                            humans_only: true,
                            origin: self.origin(*span),
                        },
                    };
                    followup.get_or_insert(step);
                }
                ast::EmergencyClause::Error(_) => {}
            }
        }
        if let (Some(approvers), Some(followup)) = (approvers, followup) {
            self.out.emergencies.push(ir::Emergency {
                id: format!("{}::{}", self.module, def.name.name),
                doc,
                origin: self.origin(span),
                approvers,
                followup,
                followup_within: within,
            });
        }
    }
}
