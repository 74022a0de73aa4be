//! Approval chains: `approval` definitions and their steps, approver
//! sources (teams, people, owners of a node set, chain parameters), whether
//! a step can be satisfied, the types of chain parameters (inferred from
//! their use), and chain uses in rules (`require approval chain(args)`,
//! inline chains), lowered to IR chains.

use super::{Checker, Context, ParamTy, Resolved, Ty};
use crate::db::parse;
use crate::items::{Def, ItemKind, module_map};
use std::collections::BTreeSet;
use writ_diagnostics::{Span, codes};
use writ_plan::ir;
use writ_syntax::ast::{self, ExprKind};

impl Checker<'_> {
    pub(super) fn approval(&mut self, def: &ast::ApprovalDef, span: Span, doc: String) {
        self.current_item = def.name.name.clone();
        self.locals.clear();
        self.params = def
            .params
            .iter()
            .map(|p| (p.name.clone(), ParamTy::Unused))
            .collect();
        let steps: Vec<ir::ApprovalStep> =
            def.body.steps.iter().map(|s| self.step(s, false)).collect();
        let expires_after = expiry(&def.body);
        let params = self.params.iter().map(|(n, _)| n.clone()).collect();
        self.params.clear();
        self.out.chains.push(ir::Chain {
            id: format!("{}::{}", self.module, def.name.name),
            doc,
            origin: self.origin(span),
            params,
            steps,
            expires_after,
        });
    }

    /// A step; in an emergency path (`fixed`) sources cannot depend on parameters.
    pub(super) fn step(&mut self, step: &ast::Step, fixed: bool) -> ir::ApprovalStep {
        let mut sources = Vec::new();
        for source in &step.sources {
            if let Some(s) = self.approvers(source, fixed) {
                sources.push(s);
            }
        }
        let mut distinct_from_author = false;
        let mut humans_only = false;
        for constraint in &step.constraints {
            match constraint {
                ast::Constraint::HumansOnly(_) => humans_only = true,
                ast::Constraint::DistinctFrom(e) => {
                    let is_author = matches!(&e.kind, ExprKind::Field(base, f) if base.kind == ExprKind::Change && f.name == "author");
                    if is_author {
                        distinct_from_author = true;
                    } else {
                        let d = self
                            .error(codes::E0409, e.span, "`distinct from` takes `change.author`")
                            .with_label("expected `change.author`")
                            .with_note("a person never counts twice in a chain; the author and agents never count at all");
                        self.report(d);
                    }
                }
            }
        }
        let count = match step.count.kind {
            ast::CountKind::Exactly(n) => Some(n.min(u64::from(u32::MAX)) as u32),
            ast::CountKind::All => None,
        };
        self.satisfiable(step, count, &sources);
        ir::ApprovalStep {
            count,
            sources,
            distinct_from_author,
            humans_only,
            origin: self.origin(step.span),
        }
    }

    /// Warns when the fixed sources of a step hold fewer humans than it needs.
    pub(super) fn satisfiable(
        &mut self,
        step: &ast::Step,
        count: Option<u32>,
        sources: &[ir::Approvers],
    ) {
        let Some(graph) = self.graph else { return };
        let Some(count) = count else { return };
        let mut humans: BTreeSet<&str> = BTreeSet::new();
        for source in sources {
            match source {
                ir::Approvers::Team(t) => {
                    if let Some(team) = graph.team(t) {
                        for m in &team.members {
                            if graph
                                .person(m)
                                .is_some_and(|p| p.kind == writ_graph::PrincipalKind::Human)
                            {
                                humans.insert(m);
                            }
                        }
                    }
                }
                ir::Approvers::Person(p) => {
                    if graph
                        .person(p)
                        .is_some_and(|p| p.kind == writ_graph::PrincipalKind::Human)
                    {
                        humans.insert(p);
                    }
                }
                ir::Approvers::OwnersOfNode(n) => {
                    let node = &graph.nodes()[*n as usize];
                    for p in graph.owner_people(&node.owners) {
                        if graph
                            .person(p)
                            .is_some_and(|p| p.kind == writ_graph::PrincipalKind::Human)
                        {
                            humans.insert(p);
                        }
                    }
                }
                // Depends on the rule instance or the change.
                _ => return,
            }
        }
        if (humans.len() as u64) < u64::from(count) {
            let d = self
                .error(
                    codes::W0404,
                    step.span,
                    format!(
                        "this step needs {} but its sources hold {}",
                        writ_diagnostics::plural(count as usize, "approver"),
                        writ_diagnostics::plural(humans.len(), "human")
                    ),
                )
                .with_label("no one can satisfy it")
                .with_note("agents never approve, and the author never approves their own change")
                .with_help("lower the count or add people to the sources");
            self.report(d);
        }
    }

    pub(super) fn approvers(&mut self, source: &ast::Expr, fixed: bool) -> Option<ir::Approvers> {
        match &source.kind {
            ExprKind::Entity(ast::EntityKind::Team, id) => {
                self.team_exists(id);
                Some(ir::Approvers::Team(id.value.clone()))
            }
            ExprKind::Entity(ast::EntityKind::Person, id) => {
                self.person_exists(id);
                Some(ir::Approvers::Person(id.value.clone()))
            }
            ExprKind::Call(callee, args) if matches!(&callee.kind, ExprKind::Name(n) if n.name == "owners") =>
            {
                let [ast::Arg::Expr(arg)] = args.as_slice() else {
                    let d = self
                        .error(codes::E0411, source.span, "`owners` takes one node")
                        .with_help("write `owners(svc)` or `owners(node \"id\")`");
                    self.report(d);
                    return None;
                };
                match &arg.kind {
                    ExprKind::Name(n) if !fixed && self.param(&n.name).is_some() => {
                        let i = self.param(&n.name)?;
                        self.resolved(n.span, Resolved::Param(n.name.clone()));
                        self.set_param(i, ParamTy::Node, arg.span);
                        Some(ir::Approvers::OwnersOfParam(i))
                    }
                    ExprKind::Entity(ast::EntityKind::Node, id) => {
                        let idx = self.node_exists(id)?;
                        Some(ir::Approvers::OwnersOfNode(idx))
                    }
                    _ => {
                        let d = self
                            .error(codes::E0409, arg.span, "`owners` takes a chain parameter or `node \"id\"`")
                            .with_help("declare a parameter (`approval review(n) { 1 of owners(n) }`) and pass the node from the rule");
                        self.report(d);
                        None
                    }
                }
            }
            ExprKind::Name(n) if !fixed && self.param(&n.name).is_some() => {
                let i = self.param(&n.name)?;
                self.resolved(n.span, Resolved::Param(n.name.clone()));
                self.set_param(i, ParamTy::Principal, source.span);
                Some(ir::Approvers::Param(i))
            }
            ExprKind::Name(n) => {
                // A `let` bound to a team or person.
                let path = ast::Path {
                    segments: vec![n.clone()],
                    span: n.span,
                };
                let def = self.resolve_path(&path, "team, person or parameter")?;
                if !self.expect_kind(
                    &def,
                    n.span,
                    "a `let` naming a team or person",
                    def.kind == ItemKind::Let,
                ) {
                    return None;
                }
                let value = self.let_value(&def, n.span)?;
                match value.expr {
                    ir::Expr::Team(t) => Some(ir::Approvers::Team(t)),
                    ir::Expr::Person(p) => Some(ir::Approvers::Person(p)),
                    _ => {
                        let d = self
                            .error(
                                codes::E0409,
                                n.span,
                                format!(
                                    "approvers must be teams or people, `{}` is {}",
                                    n.name,
                                    value.ty.describe()
                                ),
                            )
                            .with_label("not a team or person");
                        self.report(d);
                        None
                    }
                }
            }
            _ => {
                let d = self
                    .error(codes::E0409, source.span, "approvers are `team \"id\"`, `person \"id\"`, `owners(node)` or a chain parameter")
                    .with_label("not a source of approvers");
                self.report(d);
                None
            }
        }
    }

    pub(super) fn param(&self, name: &str) -> Option<u32> {
        self.params
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| i as u32)
    }

    pub(super) fn set_param(&mut self, i: u32, ty: ParamTy, span: Span) {
        let slot = &mut self.params[i as usize].1;
        if *slot == ParamTy::Unused {
            *slot = ty;
        } else if *slot != ty {
            let d = self
                .error(
                    codes::E0409,
                    span,
                    "a parameter is used both as a node and as a team or person",
                )
                .with_help("use two parameters");
            self.report(d);
        }
    }

    /// `require approval …` in a rule.
    pub(super) fn chain_use(
        &mut self,
        chain: &ast::ChainUse,
        clause_span: Span,
        bindings: &[ir::Binding],
    ) -> Option<ir::ApprovalRequirement> {
        match chain {
            ast::ChainUse::Named { path, args, span } => {
                let def = self.resolve_path(path, "approval chain")?;
                let params = match def.kind {
                    ItemKind::Approval { params } => params,
                    _ => {
                        self.expect_kind(&def, path.span, "an approval chain", false);
                        return None;
                    }
                };
                if args.len() != params as usize {
                    let d = self
                        .error(
                            codes::E0307,
                            *span,
                            format!(
                                "`{}` takes {params} argument{}, {} given",
                                def.name,
                                if params == 1 { "" } else { "s" },
                                args.len()
                            ),
                        )
                        .with_label("wrong number of arguments");
                    self.report(d);
                    return None;
                }
                let param_types = self.chain_param_types(&def);
                let mut lowered = Vec::new();
                for (i, arg) in args.iter().enumerate() {
                    let wanted = param_types.get(i).copied().unwrap_or(ParamTy::Unused);
                    lowered.push(self.chain_arg(arg, wanted)?);
                }
                self.instances_satisfiable(&def, &lowered, bindings, clause_span);
                Some(ir::ApprovalRequirement {
                    chain: def.id(),
                    args: lowered,
                    origin: self.origin(clause_span),
                })
            }
            ast::ChainUse::Inline(body) => {
                self.inline_chains += 1;
                let id = format!(
                    "{}::{}#{}",
                    self.module, self.current_item, self.inline_chains
                );
                // Rule variables used in the chain become its parameters.
                self.params = self
                    .locals
                    .iter()
                    .map(|l| (l.clone(), ParamTy::Unused))
                    .collect();
                let saved_locals = std::mem::take(&mut self.locals);
                let steps: Vec<ir::ApprovalStep> =
                    body.steps.iter().map(|s| self.step(s, false)).collect();
                self.locals = saved_locals;
                let params = std::mem::take(&mut self.params);
                let args = params
                    .iter()
                    .enumerate()
                    .map(|(i, (_, ty))| match ty {
                        ParamTy::Node => ir::ChainArg::Node(ir::NodeSet::Var(i as u32)),
                        _ => ir::ChainArg::Node(ir::NodeSet::Var(i as u32)),
                    })
                    .collect();
                self.out.inline_chains.insert(id.clone());
                self.out.chains.push(ir::Chain {
                    id: id.clone(),
                    doc: String::new(),
                    origin: self.origin(body.span),
                    params: params.iter().map(|(n, _)| n.clone()).collect(),
                    steps,
                    expires_after: expiry(body),
                });
                Some(ir::ApprovalRequirement {
                    chain: id,
                    args,
                    origin: self.origin(clause_span),
                })
            }
        }
    }

    /// The parameter types of a named chain, read from its definition.
    pub(super) fn chain_param_types(&self, def: &Def) -> Vec<ParamTy> {
        let Some(target) = module_map(self.db, self.workspace).get(&def.module) else {
            return Vec::new();
        };
        for item in &parse(self.db, *target).file.items {
            if let ast::ItemKind::Approval(a) = &item.kind
                && a.name.name == def.name
            {
                return a
                    .params
                    .iter()
                    .map(|p| param_use(&a.body, &p.name))
                    .collect();
            }
        }
        Vec::new()
    }

    pub(super) fn chain_arg(&mut self, arg: &ast::Expr, wanted: ParamTy) -> Option<ir::ChainArg> {
        let val = self.expr(arg, Context::Normal);
        match (wanted, &val.ty, val.expr) {
            (ParamTy::Node | ParamTy::Unused, Ty::Node, ir::Expr::Nodes(set)) => {
                Some(ir::ChainArg::Node(set))
            }
            (ParamTy::Principal | ParamTy::Unused, Ty::Team, ir::Expr::Team(t)) => {
                Some(ir::ChainArg::Team(t))
            }
            (ParamTy::Principal | ParamTy::Unused, Ty::Person, ir::Expr::Person(p)) => {
                Some(ir::ChainArg::Person(p))
            }
            (_, Ty::Error, _) => None,
            (wanted, ty, _) => {
                let expected = match wanted {
                    ParamTy::Node => "a node (a `for` variable or `node \"id\"`)",
                    _ => "a team or person",
                };
                let d = self
                    .error(
                        codes::E0409,
                        arg.span,
                        format!("expected {expected}, found {}", ty.describe()),
                    )
                    .with_label("wrong kind of argument");
                self.report(d);
                None
            }
        }
    }
}

fn expiry(body: &ast::ApprovalBody) -> Option<u64> {
    body.options
        .iter()
        .map(|ast::ChainOption::ExpiresAfter(d, _)| d.seconds())
        .next()
}

/// How a chain body uses a parameter.
fn param_use(body: &ast::ApprovalBody, name: &str) -> ParamTy {
    for step in &body.steps {
        for source in &step.sources {
            match &source.kind {
                ExprKind::Name(n) if n.name == name => return ParamTy::Principal,
                ExprKind::Call(_, args)
                    if args.iter().any(|a| {
                        matches!(a, ast::Arg::Expr(ast::Expr { kind: ExprKind::Name(n), .. }) if n.name == name)
                    }) =>
                {
                    return ParamTy::Node;
                }
                _ => {}
            }
        }
    }
    ParamTy::Unused
}
