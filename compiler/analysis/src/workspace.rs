//! Workspace-wide queries: which files take part in the plan, the
//! diagnostics only the whole workspace shows (errors at a `use` site, rules
//! shadowed across modules), span-free rule summaries, and assembling the
//! checked files into the plan and its policy tests (`compile_plan`,
//! `compile_tests`). Checking and lowering a file is `check/`; this module
//! only combines their results.

use crate::check::check_file;
use crate::db::{Db, SourceFile, Workspace, graph, load_graph};
use crate::items::{item_tree, module_map};
use crate::stdlib::is_std;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use writ_diagnostics::{Diagnostic, Span, codes};
use writ_plan::ir::{self, SetRefs};
use writ_plan::tests::TestCase;

/// The files whose items take part in the plan: every policy module, and
/// each standard-library module that some taking-part module imports.
#[salsa::tracked(returns(ref))]
pub fn participating(db: &dyn Db, workspace: Workspace) -> Vec<SourceFile> {
    let modules = module_map(db, workspace);
    let mut taking_part: BTreeSet<String> = workspace
        .files(db)
        .iter()
        .map(|f| f.module(db).clone())
        .filter(|m| !is_std(m))
        .collect();
    let mut queue: Vec<String> = taking_part.iter().cloned().collect();
    while let Some(module) = queue.pop() {
        let Some(file) = modules.get(&module) else {
            continue;
        };
        for import in &item_tree(db, *file).imports {
            if modules.contains_key(&import.module) && taking_part.insert(import.module.clone()) {
                queue.push(import.module.clone());
            }
        }
    }
    workspace
        .files(db)
        .iter()
        .copied()
        .filter(|f| taking_part.contains(f.module(db)))
        .collect()
}

/// The path a plan records for a source: relative to the policy root, so the
/// plan does not depend on where the compiler was run from.
fn plan_path(module: &str, shown: &str) -> String {
    if shown.starts_with("<std>") {
        shown.to_string()
    } else {
        format!("{}.writ", module.replace("::", "/"))
    }
}

/// Every diagnostic of the workspace: the graph's, each file's, and the
/// checks that need every rule at once (shadowed rules). Sorted.
#[salsa::tracked(returns(ref))]
pub fn workspace_diagnostics(db: &dyn Db, workspace: Workspace) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(g) = workspace.graph(db) {
        out.extend(load_graph(db, g).diagnostics.iter().cloned());
    }
    // A standard-library module is reported only when it takes part (the
    // names it hard-codes — tags, teams, checks — are a contract with the
    // graphs it is used with, not with every graph), and only its errors:
    // nobody can act on a warning inside the standard library.
    let taking_part = participating(db, workspace);
    for file in workspace.files(db) {
        let diagnostics = check_file(db, workspace, *file).diagnostics.iter();
        if is_std(file.module(db)) {
            if taking_part.contains(file) {
                let sites = use_sites(db, workspace, file.module(db));
                out.extend(
                    diagnostics
                        .filter(|d| d.is_error())
                        .map(|d| at_use_site(db, *file, d, &sites)),
                );
            }
        } else {
            out.extend(diagnostics.cloned());
        }
    }
    out.extend(shadowed_rules(db, workspace));
    writ_diagnostics::sort(&mut out);
    out
}

/// The user's `use` items through which a standard-library module takes
/// part (directly, or through the std modules it imports), in file order.
fn use_sites(db: &dyn Db, workspace: Workspace, module: &str) -> Vec<(SourceFile, Span)> {
    let modules = module_map(db, workspace);
    // std modules each std module brings in, transitively
    let reaches = |start: &str| -> bool {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue = vec![start.to_string()];
        while let Some(m) = queue.pop() {
            if m == module {
                return true;
            }
            if !seen.insert(m.clone()) {
                continue;
            }
            if let Some(f) = modules.get(&m) {
                queue.extend(item_tree(db, *f).imports.iter().map(|i| i.module.clone()));
            }
        }
        false
    };
    let mut out = Vec::new();
    for file in workspace.files(db) {
        if is_std(file.module(db)) {
            continue;
        }
        for item in &crate::db::parse(db, *file).file.items {
            if let writ_syntax::ast::ItemKind::Use(u) = &item.kind {
                let path = u
                    .module
                    .segments
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join("::");
                if reaches(&path) {
                    out.push((*file, item.span));
                }
            }
        }
    }
    out
}

/// An error inside a standard-library module, reported at the user's `use`
/// that brings the module in, with the requirement spelled out ("std::
/// validation needs a check named `unit`…") and the library line as a note:
/// the user can act on their graph or their `use`, not on the library.
fn at_use_site(
    db: &dyn Db,
    std_file: SourceFile,
    d: &Diagnostic,
    sites: &[(SourceFile, Span)],
) -> Diagnostic {
    let Some((user, span)) = sites.first() else {
        return d.clone();
    };
    let module = std_file.module(db);
    let quoted = d
        .message
        .split('`')
        .nth(1)
        .map(str::to_string)
        .unwrap_or_default();
    let need = match d.code {
        codes::E0407 => format!("a check named `{quoted}` on the nodes it selects"),
        codes::E0405 => format!("a team `{quoted}`"),
        codes::E0406 => format!("a person `{quoted}`"),
        codes::E0403 => format!("nodes tagged `{quoted}`"),
        codes::E0404 => format!("nodes with an attribute `{quoted}`"),
        codes::E0402 => format!("nodes of kind `{quoted}`"),
        codes::E0408 => format!("edges of kind `{quoted}`"),
        _ => "something this graph does not have".to_string(),
    };
    let text = std_file.text(db);
    let start = d.primary.span.start as usize;
    let line_no = text[..start.min(text.len())].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
    let mut out = Diagnostic::new(
        d.code,
        user.file_id(db),
        *span,
        format!("{module} needs {need}: {}", d.message),
    )
    .with_label(format!("`{module}` is used here"))
    .with_note(format!("{}:{line_no}: {line}", std_file.path(db)));
    out = match &d.help {
        Some(h) => out.with_help(h.clone()),
        None => out.with_help(format!(
            "give the graph what `{module}` needs (the module's header and docs/stdlib/ list it)"
        )),
    };
    out
}

/// What a rule does, positions aside, and what it requires: two rules with
/// equal keys fire on exactly the same instances.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RuleSummary {
    /// The rule's id.
    pub id: String,
    /// Where the rule is written.
    pub span: Span,
    /// Bindings (variable names and sets) and condition, origins dropped.
    pub key: ByContent<RuleShape>,
    /// Its obligations, origins dropped.
    pub obligations: BTreeSet<ByContent<Obligation>>,
    /// Whether it uses an inline chain (never reported as shadowed).
    pub inline_chain: bool,
}

/// A rule's bindings (variable names and sets) and condition, origins dropped.
pub(crate) type RuleShape = (Vec<(String, ir::NodeSet)>, Option<ir::Expr>);

/// One obligation of a rule, without its origin.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Obligation {
    /// `require check "name" on set`.
    Check(String, ir::NodeSet),
    /// `require approval chain(args)`.
    Approval(String, Vec<ir::ChainArg>),
}

impl SetRefs for Obligation {
    fn for_each_set(&mut self, f: &mut dyn FnMut(&mut u32)) {
        match self {
            Obligation::Check(_, on) => on.for_each_set(f),
            Obligation::Approval(_, args) => args.for_each_set(f),
        }
    }
}

/// A piece of IR compared by what its node sets hold, not by their indices
/// (which are file-local): each set index is replaced by the position of
/// its content digest among the distinct digests in the order they first
/// occur, and those digests are kept beside it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ByContent<T> {
    value: T,
    sets: Vec<String>,
}

impl<T: SetRefs> ByContent<T> {
    fn new(mut value: T, digests: &[String]) -> ByContent<T> {
        let mut sets: Vec<String> = Vec::new();
        value.for_each_set(&mut |i| {
            let digest = digests.get(*i as usize).cloned().unwrap_or_default();
            *i = match sets.iter().position(|d| *d == digest) {
                Some(p) => p,
                None => {
                    sets.push(digest);
                    sets.len() - 1
                }
            } as u32;
        });
        ByContent { value, sets }
    }
}

/// The summaries of one file's rules (recomputed only when the file changes).
#[salsa::tracked(returns(ref))]
pub fn rule_summaries(db: &dyn Db, workspace: Workspace, file: SourceFile) -> Vec<RuleSummary> {
    let Some(lowered) = &check_file(db, workspace, file).lowered else {
        return Vec::new();
    };
    let digests: Vec<String> = lowered
        .sets
        .iter()
        .map(|set| {
            let bytes: Vec<u8> = set.iter().flat_map(|n| n.to_le_bytes()).collect();
            writ_plan::sha256_hex(&bytes)
        })
        .collect();
    lowered
        .rules
        .iter()
        .map(|rule| RuleSummary {
            id: rule.id.clone(),
            span: Span::new(rule.origin.span[0] as usize, rule.origin.span[1] as usize),
            key: ByContent::new(
                (
                    rule.bindings
                        .iter()
                        .map(|b| (b.var.clone(), b.set.clone()))
                        .collect(),
                    rule.when.as_ref().map(|w| w.expr.clone()),
                ),
                &digests,
            ),
            obligations: rule
                .requirements
                .iter()
                .map(|r| match r {
                    ir::Requirement::Check(c) => Obligation::Check(c.check.clone(), c.on.clone()),
                    ir::Requirement::Approval(a) => {
                        Obligation::Approval(a.chain.clone(), a.args.clone())
                    }
                })
                .map(|o| ByContent::new(o, &digests))
                .collect(),
            inline_chain: rule.requirements.iter().any(|r| match r {
                ir::Requirement::Approval(a) => lowered.inline_chains.contains(&a.chain),
                ir::Requirement::Check(_) => false,
            }),
        })
        .collect()
}

/// W0403: a rule whose instances and obligations another rule already has.
fn shadowed_rules(db: &dyn Db, workspace: Workspace) -> Vec<Diagnostic> {
    let mut rules: Vec<(SourceFile, &RuleSummary)> = Vec::new();
    for file in participating(db, workspace) {
        for summary in rule_summaries(db, workspace, *file) {
            rules.push((*file, summary));
        }
    }
    // Only rules that behave alike can shadow each other.
    // Looked up only, never iterated: a hash map is deterministic here.
    let mut groups: HashMap<&ByContent<_>, Vec<usize>> = HashMap::new();
    for (i, (_, summary)) in rules.iter().enumerate() {
        groups.entry(&summary.key).or_default().push(i);
    }
    let mut out = Vec::new();
    for (i, (file, rule)) in rules.iter().enumerate() {
        // Nobody can act on a warning inside the standard library.
        if rule.obligations.is_empty() || rule.inline_chain || is_std(file.module(db)) {
            continue;
        }
        for &j in &groups[&rule.key] {
            let (other_file, other) = &rules[j];
            // A library module tested from its source folder (`reach`) is
            // the same rule as its embedded copy (`std::reach`).
            if i == j || other.id.strip_prefix("std::") == Some(rule.id.as_str()) {
                continue;
            }
            let strictly_more = rule.obligations.is_subset(&other.obligations)
                && rule.obligations != other.obligations;
            let equal_and_later = rule.obligations == other.obligations && j < i;
            if strictly_more || equal_and_later {
                let d = Diagnostic::new(
                    codes::W0403,
                    file.file_id(db),
                    Span::new(rule.span.start as usize, rule.span.start as usize + 4),
                    format!("rule `{}` is shadowed by `{}`", rule.id, other.id),
                )
                .with_label("it fires exactly when the other does and requires nothing more")
                .with_secondary(
                    other_file.file_id(db),
                    other.span,
                    "this rule already imposes every obligation",
                )
                .with_help("remove it, or change its bindings or `when`");
                out.push(d);
                break;
            }
        }
    }
    out
}

/// A loaded graph's embedded form — its canonical JSON text and that text's
/// sha256 — made ahead of the plan ([`compile_plan_with`]), e.g. on a second
/// thread while the policy is checked (`writ plan`: about a sixth of its CPU
/// at 100,000 nodes). It remembers the graph it was made from; a plan takes
/// it only for that very graph.
pub struct PreparedGraph {
    from: std::sync::Arc<writ_graph::Graph>,
    graph: writ_plan::EmbeddedGraph,
    sha256: String,
}

impl PreparedGraph {
    /// The embedded form of `graph` (as [`compile_plan`] would make it).
    pub fn new(graph: std::sync::Arc<writ_graph::Graph>) -> Result<PreparedGraph, String> {
        let embedded = writ_plan::EmbeddedGraph::from_document(graph.document())?;
        let sha256 = writ_plan::graph_digest(&embedded);
        Ok(PreparedGraph {
            from: graph,
            graph: embedded,
            sha256,
        })
    }
}

/// Compiles the workspace into a plan, or returns the errors that prevent it.
pub fn compile_plan(db: &dyn Db, workspace: Workspace) -> Result<ir::Plan, Vec<Diagnostic>> {
    compile_plan_with(db, workspace, None)
}

/// [`compile_plan`], taking the embedded graph from `prepared` when it was
/// made from the very graph the workspace loaded (the same allocation, not
/// an equal one); otherwise the graph's text is made here, as without it.
pub fn compile_plan_with(
    db: &dyn Db,
    workspace: Workspace,
    prepared: Option<PreparedGraph>,
) -> Result<ir::Plan, Vec<Diagnostic>> {
    let errors: Vec<Diagnostic> = workspace_diagnostics(db, workspace)
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(graph_file) = workspace.graph(db) else {
        return Err(vec![
            Diagnostic::new(
                codes::E0502,
                writ_diagnostics::FileId(0),
                Span::empty(0),
                "a plan needs a system graph",
            )
            .with_help("pass `--graph graph.json`"),
        ]);
    };
    let Some(graph) = graph(db, workspace) else {
        return Err(load_graph(db, graph_file).diagnostics.clone());
    };
    let files = participating(db, workspace);
    let mut sources = Vec::new();
    for file in files {
        let text = file.text(db).clone();
        sources.push(ir::Source {
            module: file.module(db).clone(),
            path: plan_path(file.module(db), file.path(db)),
            sha256: writ_plan::sha256_hex(text.as_bytes()),
            text,
        });
    }
    let mut assembler = Assembler::new(db, workspace);
    let mut rules = Vec::new();
    let mut forbids = Vec::new();
    let mut chains = Vec::new();
    let mut emergencies = Vec::new();
    for file in files {
        let Some(lowered) = &check_file(db, workspace, *file).lowered else {
            continue;
        };
        for rule in &lowered.rules {
            let mut rule = rule.clone();
            assembler.rule(&mut rule, &lowered.sets);
            rules.push(rule);
        }
        for forbid in &lowered.forbids {
            let mut forbid = forbid.clone();
            assembler.forbid(&mut forbid, &lowered.sets);
            forbids.push(forbid);
        }
        for chain in &lowered.chains {
            let mut chain = chain.clone();
            assembler.chain(&mut chain);
            chains.push(chain);
        }
        for emergency in &lowered.emergencies {
            let mut e = emergency.clone();
            assembler.origin(&mut e.origin);
            assembler.step(&mut e.approvers);
            assembler.step(&mut e.followup);
            emergencies.push(e);
        }
    }
    // Assertions last, so their node sets never move a rule's.
    let mut assertions = Vec::new();
    for file in files {
        let Some(lowered) = &check_file(db, workspace, *file).lowered else {
            continue;
        };
        for a in &lowered.assertions {
            let mut a = a.clone();
            assembler.assertion(&mut a, &lowered.sets);
            assertions.push(a);
        }
    }
    assertions.sort_by(|a, b| a.id.cmp(&b.id));
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    forbids.sort_by(|a, b| a.id.cmp(&b.id));
    chains.sort_by(|a, b| a.id.cmp(&b.id));
    emergencies.sort_by(|a, b| a.id.cmp(&b.id));
    let (graph, graph_sha256) = match prepared {
        Some(p) if std::sync::Arc::ptr_eq(&p.from, &graph) => (p.graph, p.sha256),
        _ => {
            let embedded =
                writ_plan::EmbeddedGraph::from_document(graph.document()).map_err(|e| {
                    vec![Diagnostic::new(
                        codes::E0501,
                        graph_file.file_id(db),
                        Span::empty(0),
                        format!(
                            "internal error: the graph did not serialise to canonical JSON: {e}"
                        ),
                    )]
                })?;
            let sha256 = writ_plan::graph_digest(&embedded);
            (embedded, sha256)
        }
    };
    Ok(ir::Plan {
        format: writ_plan::format_for(!assertions.is_empty()).into(),
        compiler: format!("writ {}", env!("CARGO_PKG_VERSION")),
        sources,
        graph,
        graph_sha256,
        sets: assembler.sets,
        rules,
        forbids,
        chains,
        emergencies,
        assertions,
    })
}

/// The workspace's policy tests, lowered, with origins pointing into the
/// sources of the plan [`compile_plan`] makes.
pub fn compile_tests(db: &dyn Db, workspace: Workspace) -> Vec<TestCase> {
    let files = participating(db, workspace);
    let assembler = Assembler::new(db, workspace);
    let mut out = Vec::new();
    for file in files {
        if let Some(lowered) = &check_file(db, workspace, *file).lowered {
            for test in &lowered.tests {
                let mut test = test.clone();
                assembler.origin(&mut test.origin);
                for a in &mut test.approvals {
                    assembler.origin(&mut a.origin);
                }
                for c in &mut test.checks {
                    assembler.origin(&mut c.origin);
                }
                for e in &mut test.expectations {
                    assembler.origin(&mut e.origin);
                }
                out.push(test);
            }
        }
    }
    out
}

/// Rewrites file-local set indices and origins into the plan's.
struct Assembler {
    source_of: BTreeMap<u32, u32>,
    sets: Vec<Vec<u32>>,
    set_index: BTreeMap<Vec<u32>, u32>,
}

impl Assembler {
    /// An assembler for the plan of `workspace`: origins move from workspace
    /// file indices to plan source indices (the taking-part files, in order).
    fn new(db: &dyn Db, workspace: Workspace) -> Assembler {
        let all_files = workspace.files(db);
        let source_of = participating(db, workspace)
            .iter()
            .enumerate()
            .filter_map(|(i, file)| {
                let ws_index = all_files.iter().position(|f| f == file)?;
                Some((ws_index as u32, i as u32))
            })
            .collect();
        Assembler {
            source_of,
            sets: Vec::new(),
            set_index: BTreeMap::new(),
        }
    }

    fn origin(&self, origin: &mut ir::Origin) {
        origin.source = self.source_of.get(&origin.source).copied().unwrap_or(0);
    }

    fn set(&mut self, local: u32, local_sets: &[Vec<u32>]) -> u32 {
        let contents = local_sets.get(local as usize).cloned().unwrap_or_default();
        if let Some(&i) = self.set_index.get(&contents) {
            return i;
        }
        let i = self.sets.len() as u32;
        self.sets.push(contents.clone());
        self.set_index.insert(contents, i);
        i
    }

    /// Moves every set index `value` holds (a node set, an expression, …)
    /// from the file's numbering to the plan's.
    fn node_set(&mut self, value: &mut impl SetRefs, local_sets: &[Vec<u32>]) {
        value.for_each_set(&mut |i| *i = self.set(*i, local_sets));
    }

    fn bindings(&mut self, bindings: &mut [ir::Binding], local_sets: &[Vec<u32>]) {
        for b in bindings {
            self.origin(&mut b.origin);
            self.node_set(&mut b.set, local_sets);
        }
    }

    fn rule(&mut self, rule: &mut ir::Rule, local_sets: &[Vec<u32>]) {
        // Every field named (no `..`): a new kind of clause in the IR is a
        // compile error here until its origins and sets are relocated here
        // and its obligations compared in `rule_summaries` (W0403).
        let ir::Rule {
            id: _,
            doc: _,
            origin: _,
            bindings: _,
            when: _,
            requirements: _,
        } = rule;
        self.origin(&mut rule.origin);
        self.bindings(&mut rule.bindings, local_sets);
        if let Some(when) = &mut rule.when {
            self.origin(&mut when.origin);
            self.node_set(&mut when.expr, local_sets);
        }
        for r in rule.requirements.iter_mut() {
            match r {
                ir::RequirementMut::Check(c) => {
                    self.origin(&mut c.origin);
                    self.node_set(&mut c.on, local_sets);
                }
                ir::RequirementMut::Approval(a) => {
                    self.origin(&mut a.origin);
                    self.node_set(&mut a.args, local_sets);
                }
            }
        }
    }

    fn forbid(&mut self, forbid: &mut ir::Forbid, local_sets: &[Vec<u32>]) {
        self.origin(&mut forbid.origin);
        self.bindings(&mut forbid.bindings, local_sets);
        self.origin(&mut forbid.when.origin);
        self.node_set(&mut forbid.when.expr, local_sets);
    }

    fn step(&mut self, step: &mut ir::ApprovalStep) {
        self.origin(&mut step.origin);
    }

    fn assertion(&mut self, a: &mut ir::Assertion, local_sets: &[Vec<u32>]) {
        self.origin(&mut a.origin);
        self.bindings(std::slice::from_mut(&mut a.binding), local_sets);
        if let Some(when) = &mut a.when {
            self.origin(&mut when.origin);
            self.node_set(&mut when.expr, local_sets);
        }
        for c in &mut a.claims {
            self.origin(&mut c.origin);
            match &mut c.kind {
                ir::ClaimKind::Check { on, .. } => self.node_set(on, local_sets),
                ir::ClaimKind::Approvals(step) => self.step(step),
                ir::ClaimKind::Decision { .. } => {}
            }
        }
    }

    fn chain(&mut self, chain: &mut ir::Chain) {
        self.origin(&mut chain.origin);
        chain.steps.iter_mut().for_each(|s| self.step(s));
    }
}
