//! A plan made ready for evaluation: the graph parsed and indexed once,
//! static node sets mapped to graph indices with membership bitsets, reach
//! queries interned, globs compiled, every index checked so that evaluation
//! can never index out of bounds.

use crate::names::{rule_clauses, source_ref};
use crate::proof::{ClauseRef, SourceRef, Text};
use crate::render::{Names, render_expr};
use std::sync::Arc;
use writ_graph::{Direction, EdgeMask, Graph, NodeIdx};
use writ_plan::{
    Approvers, ChainArg, ChangeField, CompareOp, Expr, NodeField, NodeSet, Plan, Requirement,
};

/// A plan that cannot be evaluated: it does not fit its own graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrepareError {
    /// What is wrong, one line each.
    pub problems: Vec<String>,
}

impl std::fmt::Display for PrepareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the plan cannot be evaluated: {}",
            self.problems.join("; ")
        )
    }
}

impl std::error::Error for PrepareError {}

/// A static node set: sorted graph indices and a membership bitset.
#[derive(Clone, Debug)]
pub(crate) struct StaticSet {
    pub nodes: Arc<[NodeIdx]>,
    bits: Vec<u64>,
}

impl StaticSet {
    /// Its membership bits: node `n` is bit `n % 64` of word `n / 64`.
    #[inline]
    pub fn words(&self) -> &[u64] {
        &self.bits
    }

    #[inline]
    pub fn contains(&self, n: NodeIdx) -> bool {
        self.bits
            .get(n.index() / 64)
            .is_some_and(|w| w & (1u64 << (n.index() % 64)) != 0)
    }
}

/// A distinct reach query (the start set is always the touched nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QueryDef {
    pub mask: EdgeMask,
    pub depth: Option<u32>,
    pub direction: Direction,
}

/// A node set in evaluation form.
#[derive(Clone, Debug)]
pub(crate) enum CNodes {
    Static(u32),
    Var(u32),
    Touches(u32),
    Reach { filter: u32, query: u32 },
    Union(Vec<CNodes>),
}

/// An expression in evaluation form.
#[derive(Clone, Debug)]
pub(crate) enum CExpr {
    Bool(bool),
    Int(i64),
    Str(String),
    Duration(u64),
    Time(i64),
    List(Vec<CExpr>),
    Range(Box<CExpr>, Box<CExpr>),
    Nodes(CNodes),
    NodeField(u32, NodeField),
    Person(String),
    Team(String),
    Change(ChangeField),
    /// `decision.time`.
    DecisionTime,
    AnyPath(u32),
    AllPaths(u32),
    Not(Box<CExpr>),
    And(Vec<CExpr>),
    Or(Vec<CExpr>),
    Compare(CompareOp, Box<CExpr>, Box<CExpr>),
}

/// A chain argument in evaluation form.
#[derive(Clone, Debug)]
pub(crate) enum CArg {
    Node(CNodes),
    Team(String),
    Person(String),
}

/// A `require` clause in evaluation form.
#[derive(Clone, Debug)]
pub(crate) enum CRequirement {
    /// `require check`: the check (index into `Prepared::checks`) and the
    /// nodes it is required on.
    Check { check: u32, on: CNodes },
    /// `require approval`: the chain (index into `plan.chains`) and one
    /// argument per parameter.
    Approval { chain: u32, args: Vec<CArg> },
}

/// A rule or forbid in evaluation form.
#[derive(Clone, Debug)]
pub(crate) struct CItem {
    pub bindings: Vec<CNodes>,
    pub when: Option<CExpr>,
    /// The `require` clauses, one per [`writ_plan::Rule::requirements`],
    /// in its order (empty for forbids).
    pub requirements: Vec<CRequirement>,
    /// Whether the `when` mentions `change.has_unowned`.
    pub tests_unowned: bool,
    /// `unless emergency` paths (indices into `plan.emergencies`).
    pub unless: Vec<u32>,
    /// The parts of the proof that depend on the plan alone.
    pub meta: ItemMeta,
}

/// The proof fragments of a rule or forbid that do not depend on the
/// change, rendered once when the plan is prepared and copied into each proof.
#[derive(Clone, Debug)]
pub(crate) struct ItemMeta {
    /// Its id, shared.
    pub id: Text,
    /// Its source, with the quoted text.
    pub source: SourceRef,
    /// Its clauses (rules only).
    pub clauses: Vec<ClauseRef>,
    /// Per binding: "no node for `var`".
    pub no_node: Vec<Text>,
    /// Its parts of a proof's JSON, laid out when a proof's JSON first
    /// names the item (rules only; `eval/json.rs`).
    pub json: std::sync::OnceLock<crate::names::RuleJson>,
    /// The top-level parts of its `when`, rendered (forbids only).
    pub conditions: Vec<String>,
}

/// A plan ready for evaluation. Build it once per plan, evaluate many changes.
#[derive(Debug)]
pub struct Prepared {
    pub(crate) plan: Plan,
    pub(crate) digest: String,
    pub(crate) graph: Graph,
    pub(crate) sets: Vec<StaticSet>,
    pub(crate) queries: Vec<QueryDef>,
    pub(crate) rules: Vec<CItem>,
    pub(crate) forbids: Vec<CItem>,
    pub(crate) globs: Vec<globset::GlobMatcher>,
    /// For each plan node index, the graph's index.
    pub(crate) node_of_plan: Vec<NodeIdx>,
    /// Distinct check names required by rules (`CItem::checks` index them).
    pub(crate) checks: Vec<String>,
    /// Per chain (plan order): its source, shared by every proof that
    /// cites the chain.
    pub(crate) chain_sources: Vec<std::sync::Arc<SourceRef>>,
    /// The texts proofs repeat, shared.
    pub(crate) names: crate::names::Names,
    /// Per rule, the offset of its first `require` clause in the flat
    /// coverage flags, shared by every decision's [`crate::Coverage`] (requirement `k` of rule `ri` is flag
    /// `clause_base[ri] + k`); one more entry than rules (the last is the
    /// total).
    pub(crate) clause_base: std::sync::Arc<[u32]>,
    /// The rules by what their first binding can hold.
    pub(crate) rule_index: crate::rule_index::RuleIndex,
}

struct Compiler<'a> {
    plan: &'a Plan,
    graph: &'a Graph,
    queries: Vec<QueryDef>,
    globs: Vec<globset::GlobMatcher>,
    problems: Vec<String>,
}

impl Compiler<'_> {
    fn set_index(&mut self, i: u32, what: &str) -> u32 {
        if i as usize >= self.plan.sets.len() {
            self.problems
                .push(format!("{what}: node set {i} does not exist"));
        }
        i
    }

    fn nodes(&mut self, s: &NodeSet, vars: usize, what: &str) -> CNodes {
        match s {
            NodeSet::Static(i) => CNodes::Static(self.set_index(*i, what)),
            NodeSet::Var(v) => {
                if *v as usize >= vars {
                    self.problems
                        .push(format!("{what}: variable {v} is not bound here"));
                }
                CNodes::Var(*v)
            }
            NodeSet::Touches { filter } => CNodes::Touches(self.set_index(*filter, what)),
            NodeSet::Reach {
                filter,
                via,
                depth,
                direction,
            } => {
                let filter = self.set_index(*filter, what);
                let mask = if via.is_empty() {
                    EdgeMask::ALL
                } else {
                    match self.graph.edge_mask(via.iter().map(String::as_str)) {
                        Ok(m) => m,
                        Err(k) => {
                            self.problems
                                .push(format!("{what}: unknown edge kind `{k}`"));
                            EdgeMask::NONE
                        }
                    }
                };
                let q = QueryDef {
                    mask,
                    depth: *depth,
                    direction: match direction {
                        writ_plan::Direction::Reverse => Direction::Reverse,
                        writ_plan::Direction::Forward => Direction::Forward,
                    },
                };
                let query = match self.queries.iter().position(|x| *x == q) {
                    Some(i) => i,
                    None => {
                        self.queries.push(q);
                        self.queries.len() - 1
                    }
                } as u32;
                CNodes::Reach { filter, query }
            }
            NodeSet::Union(parts) => {
                CNodes::Union(parts.iter().map(|p| self.nodes(p, vars, what)).collect())
            }
        }
    }

    fn glob(&mut self, g: &str, what: &str) -> u32 {
        match writ_graph::paths::compile_glob(g) {
            Ok(glob) => {
                self.globs.push(glob.compile_matcher());
                (self.globs.len() - 1) as u32
            }
            Err(e) => {
                // Never evaluated: a problem makes `Prepared::new` fail.
                self.problems
                    .push(format!("{what}: glob `{g}` does not compile: {e}"));
                u32::MAX
            }
        }
    }

    fn expr(&mut self, e: &Expr, vars: usize, what: &str) -> CExpr {
        match e {
            Expr::Bool(b) => CExpr::Bool(*b),
            Expr::Int(i) => CExpr::Int(*i),
            Expr::Str(s) => CExpr::Str(s.clone()),
            Expr::Duration(d) => CExpr::Duration(*d),
            Expr::Time(t) => CExpr::Time(*t),
            Expr::List(items) => {
                CExpr::List(items.iter().map(|x| self.expr(x, vars, what)).collect())
            }
            Expr::Range(a, b) => CExpr::Range(
                Box::new(self.expr(a, vars, what)),
                Box::new(self.expr(b, vars, what)),
            ),
            Expr::Nodes(s) => CExpr::Nodes(self.nodes(s, vars, what)),
            Expr::NodeField { var, field } => {
                if *var as usize >= vars {
                    self.problems
                        .push(format!("{what}: variable {var} is not bound here"));
                }
                CExpr::NodeField(*var, field.clone())
            }
            Expr::Person(p) => CExpr::Person(p.clone()),
            Expr::Team(t) => CExpr::Team(t.clone()),
            Expr::Change(f) => CExpr::Change(*f),
            Expr::DecisionTime => CExpr::DecisionTime,
            Expr::AnyPath(g) => CExpr::AnyPath(self.glob(g, what)),
            Expr::AllPaths(g) => CExpr::AllPaths(self.glob(g, what)),
            Expr::Not(x) => CExpr::Not(Box::new(self.expr(x, vars, what))),
            Expr::And(xs) => CExpr::And(xs.iter().map(|x| self.expr(x, vars, what)).collect()),
            Expr::Or(xs) => CExpr::Or(xs.iter().map(|x| self.expr(x, vars, what)).collect()),
            Expr::Compare(op, a, b) => CExpr::Compare(
                *op,
                Box::new(self.expr(a, vars, what)),
                Box::new(self.expr(b, vars, what)),
            ),
        }
    }

    fn bindings(&mut self, bindings: &[writ_plan::Binding], what: &str) -> Vec<CNodes> {
        bindings
            .iter()
            .enumerate()
            .map(|(i, b)| self.nodes(&b.set, i, &format!("{what}, `for {}`", b.var)))
            .collect()
    }
}

/// The index from nodes to `rules` (see `crate::rule_index`), from what
/// each rule's first binding ranges over.
fn index_rules(
    rules: &[CItem],
    sets: &[StaticSet],
    nodes: usize,
    per_node: Option<usize>,
) -> crate::rule_index::RuleIndex {
    use crate::rule_index::FirstBinding;
    let firsts: Vec<FirstBinding<'_>> = rules
        .iter()
        .map(|r| match r.bindings.first() {
            Some(CNodes::Touches(f)) => match sets.get(*f as usize) {
                Some(set) => FirstBinding::Touches(&set.nodes),
                None => FirstBinding::Other,
            },
            Some(CNodes::Reach { .. }) => FirstBinding::Reach,
            Some(CNodes::Static(_) | CNodes::Var(_) | CNodes::Union(_)) | None => {
                FirstBinding::Other
            }
        })
        .collect();
    crate::rule_index::RuleIndex::new(&firsts, nodes, per_node)
}

fn mentions_unowned(e: &Expr) -> bool {
    e.any(&mut |x| matches!(x, Expr::Change(ChangeField::HasUnowned)))
}

fn check_approvers(
    plan: &Plan,
    step: &writ_plan::ApprovalStep,
    params: usize,
    what: &str,
    problems: &mut Vec<String>,
) {
    let nodes = plan.graph.node_count();
    if step.sources.is_empty() {
        problems.push(format!("{what}: a step with no approvers"));
    }
    for s in &step.sources {
        match s {
            Approvers::OwnersOfParam(p) | Approvers::Param(p) if *p as usize >= params => {
                problems.push(format!("{what}: parameter {p} does not exist"));
            }
            Approvers::OwnersOfNode(n) if *n as usize >= nodes => {
                problems.push(format!("{what}: node {n} does not exist"));
            }
            Approvers::OwnersOfParam(_)
            | Approvers::Param(_)
            | Approvers::OwnersOfNode(_)
            | Approvers::Team(_)
            | Approvers::Person(_)
            | Approvers::OwnersOfTouched => {}
        }
    }
}

impl Prepared {
    /// Prepares `plan`: parses and indexes its graph and checks that every
    /// reference inside it resolves. A plan that `writ_plan::load` accepted
    /// and the compiler wrote always prepares; a hand-made one may not.
    pub fn new(plan: Plan) -> Result<Prepared, PrepareError> {
        let digest = plan.digest();
        Prepared::with_digest(plan, digest)
    }

    /// [`Prepared::new`] for a plan whose digest is already known (the
    /// sha256 of the exact bytes `writ_plan::load` accepted).
    pub fn with_digest(plan: Plan, digest: String) -> Result<Prepared, PrepareError> {
        let graph = Prepared::parse_graph(&plan, false)?;
        Prepared::from_graph(plan, digest, graph)
    }

    /// The plan's embedded graph, parsed, validated and indexed; with
    /// `for_cache` (its prepared-plan cache is to be written), with its
    /// node table built beside validation
    /// ([`Graph::parse_file_with_node_table`]).
    pub(crate) fn parse_graph(plan: &Plan, for_cache: bool) -> Result<Graph, PrepareError> {
        let text = plan.graph.as_str();
        let file = writ_diagnostics::FileId(0);
        let (graph, diags) = if for_cache {
            Graph::parse_file_with_node_table(file, text)
        } else {
            Graph::parse_file(file, text)
        };
        graph.ok_or_else(|| PrepareError {
            problems: diags
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("embedded graph: {} {}", d.code.id(), d.message))
                .collect(),
        })
    }

    /// Prepares `plan` over `graph`, its embedded graph already parsed (or
    /// read back from the prepared-plan cache), checking every reference
    /// of the plan against it.
    pub(crate) fn from_graph(
        plan: Plan,
        digest: String,
        graph: Graph,
    ) -> Result<Prepared, PrepareError> {
        let mut problems = Vec::new();
        // The plan numbers nodes in the order its graph text lists them; the
        // loaded graph sorts them by id. A graph that loads without errors
        // keeps every node it lists, so ordering the loaded nodes by where
        // they are written gives, for each plan node, its graph index.
        let node_of_plan: Vec<NodeIdx> = graph.file_order();
        if node_of_plan.len() != plan.graph.node_count() {
            problems.push(format!(
                "the embedded graph lists {} nodes, of which {} load",
                plan.graph.node_count(),
                node_of_plan.len()
            ));
        }
        let words = graph.node_count().div_ceil(64);
        let mut sets = Vec::with_capacity(plan.sets.len());
        for (si, s) in plan.sets.iter().enumerate() {
            let mut nodes: Vec<NodeIdx> = Vec::with_capacity(s.len());
            let mut bits = vec![0u64; words];
            for &p in s {
                match node_of_plan.get(p as usize) {
                    Some(&n) => {
                        nodes.push(n);
                        bits[n.index() / 64] |= 1u64 << (n.index() % 64);
                    }
                    None => problems.push(format!(
                        "node set {si} names node {p}, which does not exist"
                    )),
                }
            }
            nodes.sort_unstable();
            nodes.dedup();
            sets.push(StaticSet {
                nodes: nodes.into(),
                bits,
            });
        }
        let mut c = Compiler {
            plan: &plan,
            graph: &graph,
            queries: Vec::new(),
            globs: Vec::new(),
            problems,
        };
        let chain_ix = |id: &str| {
            plan.chains
                .binary_search_by(|ch| ch.id.as_str().cmp(id))
                .ok()
        };
        let no_node = |bindings: &[writ_plan::Binding]| -> Vec<Text> {
            bindings
                .iter()
                .map(|b| format!("no node for `{}`", b.var).into())
                .collect()
        };
        let mut check_names: Vec<String> = Vec::new();
        let mut rules = Vec::with_capacity(plan.rules.len());
        for r in &plan.rules {
            // Every field named (no `..`): a new kind of clause in the IR is a
            // compile error here until it is compiled here (and counted in `clause_base`, the coverage layout).
            let writ_plan::Rule {
                id: _,
                doc: _,
                origin: _,
                bindings: _,
                when: _,
                requirements: _,
            } = r;
            let what = format!("rule `{}`", r.id);
            let bindings = c.bindings(&r.bindings, &what);
            let vars = bindings.len();
            let when = r.when.as_ref().map(|w| c.expr(&w.expr, vars, &what));
            let mut requirements = Vec::with_capacity(r.requirements.len());
            for req in &r.requirements {
                match req {
                    Requirement::Check(ch) => {
                        let i = match check_names.iter().position(|x| *x == ch.check) {
                            Some(i) => i,
                            None => {
                                check_names.push(ch.check.clone());
                                check_names.len() - 1
                            }
                        };
                        requirements.push(CRequirement::Check {
                            check: i as u32,
                            on: c.nodes(&ch.on, vars, &what),
                        });
                    }
                    Requirement::Approval(a) => {
                        let Some(ci) = chain_ix(&a.chain) else {
                            c.problems.push(format!(
                                "{what}: approval chain `{}` does not exist",
                                a.chain
                            ));
                            continue;
                        };
                        if plan.chains[ci].params.len() != a.args.len() {
                            c.problems.push(format!(
                                "{what}: chain `{}` takes {} argument(s), {} given",
                                a.chain,
                                plan.chains[ci].params.len(),
                                a.args.len()
                            ));
                            continue;
                        }
                        let args = a
                            .args
                            .iter()
                            .map(|arg| match arg {
                                ChainArg::Node(s) => CArg::Node(c.nodes(s, vars, &what)),
                                ChainArg::Team(t) => CArg::Team(t.clone()),
                                ChainArg::Person(p) => CArg::Person(p.clone()),
                            })
                            .collect();
                        requirements.push(CRequirement::Approval {
                            chain: ci as u32,
                            args,
                        });
                    }
                }
            }
            rules.push(CItem {
                bindings,
                when,
                requirements,
                tests_unowned: r.when.as_ref().is_some_and(|w| mentions_unowned(&w.expr)),
                unless: Vec::new(),
                meta: ItemMeta {
                    id: r.id.as_str().into(),
                    source: source_ref(&plan, &r.origin),
                    clauses: rule_clauses(r),
                    no_node: no_node(&r.bindings),
                    json: Default::default(),
                    conditions: Vec::new(),
                },
            });
        }
        let mut forbids = Vec::with_capacity(plan.forbids.len());
        // Node ids for rendering conditions: from the graph, never by
        // scanning the plan's embedded text for them.
        let node_id = |i: u32| {
            node_of_plan
                .get(i as usize)
                .map(|&n| graph.node_id(n).to_owned())
        };
        let names = Names {
            plan: &plan,
            node_id: &node_id,
        };
        for f in &plan.forbids {
            let what = format!("forbid `{}`", f.id);
            let bindings = c.bindings(&f.bindings, &what);
            let when = Some(c.expr(&f.when.expr, bindings.len(), &what));
            let mut unless = Vec::new();
            for e in &f.unless {
                match plan.emergencies.binary_search_by(|x| x.id.as_str().cmp(e)) {
                    Ok(i) => unless.push(i as u32),
                    Err(_) => c
                        .problems
                        .push(format!("{what}: emergency path `{e}` does not exist")),
                }
            }
            let var_names: Vec<String> = f.bindings.iter().map(|b| b.var.clone()).collect();
            // The same parts `Eval` pairs with their values.
            let conditions = match &when {
                Some(CExpr::And(parts)) => match &f.when.expr {
                    writ_plan::Expr::And(xs) => parts
                        .iter()
                        .zip(xs)
                        .map(|(_, e)| render_expr(e, &names, &var_names))
                        .collect(),
                    _ => Vec::new(),
                },
                Some(_) => vec![render_expr(&f.when.expr, &names, &var_names)],
                None => Vec::new(),
            };
            forbids.push(CItem {
                bindings,
                when,
                requirements: Vec::new(),
                tests_unowned: false,
                unless,
                meta: ItemMeta {
                    id: f.id.as_str().into(),
                    source: source_ref(&plan, &f.origin),
                    clauses: Vec::new(),
                    no_node: no_node(&f.bindings),
                    json: Default::default(),
                    conditions,
                },
            });
        }
        let mut problems = std::mem::take(&mut c.problems);
        for ch in &plan.chains {
            if ch.steps.is_empty() {
                problems.push(format!("chain `{}` has no steps", ch.id));
            }
            for s in &ch.steps {
                check_approvers(
                    &plan,
                    s,
                    ch.params.len(),
                    &format!("chain `{}`", ch.id),
                    &mut problems,
                );
            }
        }
        for e in &plan.emergencies {
            check_approvers(
                &plan,
                &e.approvers,
                0,
                &format!("emergency `{}`", e.id),
                &mut problems,
            );
            check_approvers(
                &plan,
                &e.followup,
                0,
                &format!("emergency `{}` follow-up", e.id),
                &mut problems,
            );
        }
        for (what, sorted) in [
            ("rules", plan.rules.windows(2).all(|w| w[0].id < w[1].id)),
            (
                "forbids",
                plan.forbids.windows(2).all(|w| w[0].id < w[1].id),
            ),
            ("chains", plan.chains.windows(2).all(|w| w[0].id < w[1].id)),
            (
                "emergencies",
                plan.emergencies.windows(2).all(|w| w[0].id < w[1].id),
            ),
        ] {
            if !sorted {
                problems.push(format!("the plan's {what} are not sorted by id"));
            }
        }
        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(PrepareError { problems });
        }
        let queries = c.queries;
        let globs = c.globs;
        let chain_sources = plan
            .chains
            .iter()
            .map(|ch| std::sync::Arc::new(source_ref(&plan, &ch.origin)))
            .collect();
        let names = crate::names::Names::new(&plan, &graph, &check_names);
        let clause_base = std::iter::once(0)
            .chain(rules.iter().scan(0u32, |total, r| {
                *total += r.requirements.len() as u32;
                Some(*total)
            }))
            .collect();
        let rule_index = index_rules(
            &rules,
            &sets,
            graph.node_count(),
            Some(crate::rule_index::ENTRIES_PER_NODE),
        );
        Ok(Prepared {
            names,
            clause_base,
            rule_index,
            plan,
            digest,
            graph,
            sets,
            queries,
            rules,
            forbids,
            globs,
            node_of_plan,
            checks: check_names,
            chain_sources,
        })
    }

    /// The same prepared plan with its index from nodes to rules rebuilt:
    /// `Some(k)` files at most `k` entries per graph node (0: every
    /// `change.touches` rule is looked at whenever something is touched),
    /// `None` looks at every rule on every decision. Decisions and proofs
    /// do not depend on it; the tests hold them to that.
    #[doc(hidden)]
    pub fn with_rule_index(mut self, per_node: Option<usize>) -> Prepared {
        self.rule_index = index_rules(&self.rules, &self.sets, self.graph.node_count(), per_node);
        self
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The plan's digest (`sha256:…`), computed once.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The plan's graph, parsed and indexed.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The graph index of the plan's node `i` (position in the embedded graph's `nodes`).
    pub fn node_of_plan(&self, i: u32) -> Option<NodeIdx> {
        self.node_of_plan.get(i as usize).copied()
    }
}
