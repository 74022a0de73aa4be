//! The plan's data: a policy resolved against one system graph.
//!
//! Names are resolved (every reference is a full id such as
//! `payments::tier0`), selectors that do not depend on the change are
//! resolved to node sets (sorted node indices into the embedded graph), and
//! every rule, forbid, chain and emergency path carries its [`Origin`] in the
//! embedded sources. Field order is the serialisation order: do not reorder
//! fields without bumping [`crate::FORMAT`].

use serde::{Deserialize, Serialize};

/// A compiled plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always [`crate::FORMAT`].
    pub format: String,
    /// The version of writ that compiled it (informational; not checked).
    pub compiler: String,
    /// The policy sources, sorted by module.
    pub sources: Vec<Source>,
    /// The system graph in its native format (docs/graph.md), exactly as the
    /// compiler validated it, as canonical JSON text (compact, keys sorted).
    pub graph: crate::EmbeddedGraph,
    /// `crate::graph_digest` of `graph`: sha256 of its canonical JSON text, hex.
    pub graph_sha256: String,
    /// Static node sets, referenced by index from [`NodeSet::Static`]. Each is
    /// sorted node indices into the graph's `nodes` array (in file order).
    pub sets: Vec<Vec<u32>>,
    /// Rules, sorted by id.
    pub rules: Vec<Rule>,
    /// Forbids, sorted by id.
    pub forbids: Vec<Forbid>,
    /// Approval chains (named and inline), sorted by id.
    pub chains: Vec<Chain>,
    /// Emergency paths, sorted by id.
    pub emergencies: Vec<Emergency>,
    /// Assertions (`assert`), sorted by id; absent from the bytes when
    /// there are none, so a plan without assertions is a `writ.plan/v1`
    /// plan byte for byte. A plan holding any is `writ.plan/v2`
    /// ([`crate::FORMAT_V2`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertions: Vec<Assertion>,
}

/// One policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Module path, e.g. `teams::payments` or `std::approvals`.
    pub module: String,
    /// File path relative to the policy root (`<std>/approvals.writ` for the standard library).
    pub path: String,
    /// sha256 of `text`, hex.
    pub sha256: String,
    /// The file's text, so proofs and `writ explain` can quote it.
    pub text: String,
}

/// Where an item or clause is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    /// Index into [`Plan::sources`].
    pub source: u32,
    /// Byte offsets `[start, end)` in the source text.
    pub span: [u32; 2],
    /// 1-based line of `span[0]`.
    pub line: u32,
    /// 1-based column (Unicode scalar values) of `span[0]`.
    pub column: u32,
}

/// A rule: bindings, a condition, obligations. Its bytes are those of
/// `RuleBytes` (the requirements as two lists, `checks` and `approvals`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Full id, `module::name`.
    pub id: String,
    /// The doc comment, lines joined with `\n`.
    pub doc: String,
    /// The whole item.
    pub origin: Origin,
    /// `for` clauses, in order; variable `i` is `bindings[i]`.
    pub bindings: Vec<Binding>,
    /// The `when` clause.
    pub when: Option<Condition>,
    /// The `require` clauses, in plan order ([`Requirements`]).
    pub requirements: Requirements,
}

/// One `require` clause of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// `require check "name" on nodes`.
    Check(CheckRequirement),
    /// `require approval chain(args)`.
    Approval(ApprovalRequirement),
}

impl Requirement {
    /// The clause.
    pub fn origin(&self) -> &Origin {
        match self {
            Requirement::Check(c) => &c.origin,
            Requirement::Approval(a) => &a.origin,
        }
    }

    /// Its place in plan order: the position of its list in the plan's
    /// bytes (`checks`, then `approvals`).
    fn rank(&self) -> u8 {
        match self {
            Requirement::Check(_) => 0,
            Requirement::Approval(_) => 1,
        }
    }
}

/// A rule's `require` clauses in plan order: the order the plan's bytes can
/// say. Format v1 writes a rule's requirements as two lists, `checks` then
/// `approvals` (`RuleBytes`), so plan order is every `require check` in
/// source order, then every `require approval` in source order; building a
/// `Requirements` puts them in that order ([`Requirements::new`]), so a
/// compiled plan and the same plan loaded from its bytes are equal.
/// Nothing reads a requirement by its kind's position: each requirement is
/// one entry, found by its index here (coverage, proofs) and matched by
/// kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirements(Vec<Requirement>);

impl Requirements {
    /// `requirements` in plan order (a stable sort by kind: the clauses of
    /// one kind keep the order they are given in).
    pub fn new(mut requirements: Vec<Requirement>) -> Requirements {
        requirements.sort_by_key(Requirement::rank);
        Requirements(requirements)
    }

    /// Each requirement, mutably, without letting it change kind (which
    /// would break plan order).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = RequirementMut<'_>> {
        self.0.iter_mut().map(|r| match r {
            Requirement::Check(c) => RequirementMut::Check(c),
            Requirement::Approval(a) => RequirementMut::Approval(a),
        })
    }
}

impl std::ops::Deref for Requirements {
    type Target = [Requirement];
    fn deref(&self) -> &[Requirement] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Requirements {
    type Item = &'a Requirement;
    type IntoIter = std::slice::Iter<'a, Requirement>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A requirement borrowed mutably ([`Requirements::iter_mut`]).
#[derive(Debug)]
pub enum RequirementMut<'a> {
    /// `require check`.
    Check(&'a mut CheckRequirement),
    /// `require approval`.
    Approval(&'a mut ApprovalRequirement),
}

/// A rule as the plan's bytes hold it (format v1): its fields in order, the
/// requirements as two lists, `checks` then `approvals`. [`Rule`] is read
/// through it, and written through [`RuleRef`], which has the same fields
/// borrowed.
#[derive(Deserialize)]
#[serde(rename = "Rule", deny_unknown_fields)]
struct RuleBytes {
    id: String,
    doc: String,
    origin: Origin,
    bindings: Vec<Binding>,
    when: Option<Condition>,
    checks: Vec<CheckRequirement>,
    approvals: Vec<ApprovalRequirement>,
}

/// [`RuleBytes`] borrowed from a [`Rule`], for writing.
#[derive(Serialize)]
#[serde(rename = "Rule")]
struct RuleRef<'a> {
    id: &'a str,
    doc: &'a str,
    origin: &'a Origin,
    bindings: &'a [Binding],
    when: &'a Option<Condition>,
    checks: Kind<'a, CheckRequirement>,
    approvals: Kind<'a, ApprovalRequirement>,
}

/// A rule's requirements of one kind, written as a JSON list without
/// collecting them.
struct Kind<'a, T>(&'a Requirements, fn(&Requirement) -> Option<&T>);

impl<T: Serialize> Serialize for Kind<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().filter_map(self.1))
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Every field named: a new field is a compile error here until its
        // bytes are decided (docs/plan.md § Format versions).
        let Rule {
            id,
            doc,
            origin,
            bindings,
            when,
            requirements,
        } = self;
        RuleRef {
            id,
            doc,
            origin,
            bindings,
            when,
            checks: Kind(requirements, |r| match r {
                Requirement::Check(c) => Some(c),
                Requirement::Approval(_) => None,
            }),
            approvals: Kind(requirements, |r| match r {
                Requirement::Approval(a) => Some(a),
                Requirement::Check(_) => None,
            }),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
        let RuleBytes {
            id,
            doc,
            origin,
            bindings,
            when,
            checks,
            approvals,
        } = RuleBytes::deserialize(d)?;
        let requirements = checks
            .into_iter()
            .map(Requirement::Check)
            .chain(approvals.into_iter().map(Requirement::Approval))
            .collect();
        Ok(Rule {
            id,
            doc,
            origin,
            bindings,
            when,
            requirements: Requirements::new(requirements),
        })
    }
}

/// `for var in set`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// The variable's name.
    pub var: String,
    /// The nodes it ranges over.
    pub set: NodeSet,
    /// The clause.
    pub origin: Origin,
}

/// A condition with its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The condition.
    pub expr: Expr,
    /// The `when` clause.
    pub origin: Origin,
}

/// `require check "name" on nodes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequirement {
    /// The check's name on each node.
    pub check: String,
    /// The nodes it must pass on.
    pub on: NodeSet,
    /// The clause.
    pub origin: Origin,
}

/// `require approval chain(args)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequirement {
    /// The chain's id (inline chains get `module::rule#N`).
    pub chain: String,
    /// One argument per chain parameter.
    pub args: Vec<ChainArg>,
    /// The clause.
    pub origin: Origin,
}

/// An argument passed to a chain parameter.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ChainArg {
    /// A node (a rule variable or a fixed node), for `owners(param)`.
    Node(NodeSet),
    /// A team, by id.
    Team(String),
    /// A person, by id.
    Person(String),
}

/// A set of nodes, possibly depending on the change.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum NodeSet {
    /// A set known at compile time: index into [`Plan::sets`].
    Static(u32),
    /// The node bound to a rule variable (index into its bindings).
    Var(u32),
    /// Nodes of the filter set whose path globs match a changed file.
    Touches {
        /// Index into [`Plan::sets`].
        filter: u32,
    },
    /// Nodes of the filter set reachable from the touched nodes.
    Reach {
        /// Index into [`Plan::sets`].
        filter: u32,
        /// Edge kinds followed, by name, sorted; empty means every kind.
        via: Vec<String>,
        /// Maximum number of edges; `None`, unlimited.
        depth: Option<u32>,
        /// `reverse` for `change.reaches` (blast radius), `forward` for `change.exposes`.
        direction: Direction,
    },
    /// Union of several sets.
    Union(Vec<NodeSet>),
}

/// Which way reach follows edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From a node to what depends on it (`change.reaches`).
    Reverse,
    /// From a node to what it depends on (`change.exposes`).
    Forward,
}

/// A condition or value evaluated against a change and a rule instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expr {
    /// A boolean constant.
    Bool(bool),
    /// An integer constant.
    Int(i64),
    /// A string constant.
    Str(String),
    /// A duration, in seconds.
    Duration(u64),
    /// An instant, Unix seconds UTC (dates are midnight UTC).
    Time(i64),
    /// A list.
    List(Vec<Expr>),
    /// An inclusive range.
    Range(Box<Expr>, Box<Expr>),
    /// A node set; as a condition, "is not empty".
    Nodes(NodeSet),
    /// A field of the node bound to a variable.
    NodeField {
        /// Variable index.
        var: u32,
        /// The field.
        field: NodeField,
    },
    /// A person of the graph, by id.
    Person(String),
    /// A team of the graph, by id.
    Team(String),
    /// A field of the change.
    Change(ChangeField),
    /// `decision.time`: the trusted clock of the decision (the runner's, or
    /// `--now` in tests and replays), never a claim of the change.
    DecisionTime,
    /// Some changed file matches the glob.
    AnyPath(String),
    /// Every changed file matches the glob.
    AllPaths(String),
    /// Negation.
    Not(Box<Expr>),
    /// Conjunction (short-circuit, left to right).
    And(Vec<Expr>),
    /// Disjunction (short-circuit, left to right).
    Or(Vec<Expr>),
    /// A comparison.
    Compare(CompareOp, Box<Expr>, Box<Expr>),
}

/// A field of a node.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum NodeField {
    /// Its id.
    Id,
    /// Its kind.
    Kind,
    /// Its tags.
    Tags,
    /// Its owners (team and person ids).
    Owners,
    /// Its check names.
    Checks,
    /// An attribute, by name.
    Attr(String),
}

/// A field of the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeField {
    /// The author (a person).
    Author,
    /// Labels (set of strings).
    Labels,
    /// The emergency flag.
    Emergency,
    /// The change's timestamp.
    Time,
    /// Changed paths (set of strings).
    Files,
    /// Whether some changed file belongs to no node.
    HasUnowned,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `set has item`
    Has,
    /// `item in list-or-range`
    In,
    /// `person is agent|human`
    Is,
}

/// An approval chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chain {
    /// Full id: `module::name`, or `module::rule#N` for a chain written inline.
    pub id: String,
    /// The doc comment.
    pub doc: String,
    /// The chain's definition.
    pub origin: Origin,
    /// Parameter names.
    pub params: Vec<String>,
    /// Steps, completed in order.
    pub steps: Vec<ApprovalStep>,
    /// Approvals older than this many seconds do not count.
    pub expires_after: Option<u64>,
}

/// `N of sources constraints`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalStep {
    /// Distinct approvers needed; `None` means all of them.
    pub count: Option<u32>,
    /// Where approvers come from.
    pub sources: Vec<Approvers>,
    /// `distinct from change.author` was written (the author never counts anyway).
    pub distinct_from_author: bool,
    /// `humans only` was written (agents never count anyway).
    pub humans_only: bool,
    /// The step.
    pub origin: Origin,
}

/// A source of approvers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Approvers {
    /// Members of a team.
    Team(String),
    /// One person.
    Person(String),
    /// The owners of the node passed as a chain parameter (index).
    OwnersOfParam(u32),
    /// The team or person passed as a chain parameter (index).
    Param(u32),
    /// The owners of a fixed node (index into the graph's nodes).
    OwnersOfNode(u32),
    /// The owners of the nodes the change touches (follow-up `review`).
    OwnersOfTouched,
}

/// `forbid`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forbid {
    /// Full id.
    pub id: String,
    /// The doc comment.
    pub doc: String,
    /// The message shown when it applies.
    pub message: String,
    /// The whole item.
    pub origin: Origin,
    /// `for` clauses.
    pub bindings: Vec<Binding>,
    /// The `when` clause.
    pub when: Condition,
    /// Emergency paths that lift it (ids).
    pub unless: Vec<String>,
}

/// `emergency`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    /// Full id.
    pub id: String,
    /// The doc comment.
    pub doc: String,
    /// The whole item.
    pub origin: Origin,
    /// Who may invoke it.
    pub approvers: ApprovalStep,
    /// Who reviews afterwards; `OwnersOfTouched` for `followup review`.
    pub followup: ApprovalStep,
    /// Seconds within which the follow-up is owed.
    pub followup_within: u64,
}

/// `assert`: a property of the policy that `writ prove` checks for every
/// change of the space (docs/prove.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    /// Full id: `module::name`.
    pub id: String,
    /// The doc comment.
    pub doc: String,
    /// The message shown when it is violated (may be empty).
    pub message: String,
    /// The assertion.
    pub origin: Origin,
    /// The node it is about: the changes considered are those whose
    /// touched node is in `set` (`Touches`/`Static`) or reaches a node of it
    /// (`Reach`); the node is variable 0.
    pub binding: Binding,
    /// The author classes considered; empty means every class.
    pub authors: Vec<AuthorClass>,
    /// Only the changes for which this holds.
    pub when: Option<Condition>,
    /// What must hold of each of those changes.
    pub claims: Vec<Claim>,
}

/// A class of authors an assertion names in `by`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthorClass {
    /// An owner (directly or through a team) of the touched node.
    Owner,
    /// A known human who owns no node the change touches or reaches and is
    /// in no team the plan names.
    Outsider,
    /// Any agent of the graph.
    Agent,
    /// Any human of the graph.
    Human,
    /// Any person of the graph.
    Known,
    /// An author who resolves to no person of the graph.
    Unknown,
    /// A member of this team.
    Team(String),
    /// This person.
    Person(String),
}

/// One `expect` of an assertion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// What is claimed.
    pub kind: ClaimKind,
    /// The `expect` clause.
    pub origin: Origin,
}

/// What an `expect` of an assertion claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ClaimKind {
    /// `expect [not] decision D`: with the strongest evidence (every check
    /// passes, everyone who may approve approves) the decision is (not) D.
    Decision {
        /// `not`.
        negated: bool,
        /// `allow`, `deny` or `pending`.
        outcome: String,
    },
    /// `expect requires N of sources`: never allowed unless at least N
    /// distinct people of the sources approved (`OwnersOfParam(0)` is the
    /// owners of the assertion's node).
    Approvals(ApprovalStep),
    /// `expect requires check "c" on nodes`: never allowed unless the check
    /// passed on each of the nodes.
    Check {
        /// The check's name.
        check: String,
        /// The nodes (variable 0 is the assertion's node).
        on: NodeSet,
    },
}

/// Calls `f` on every index into [`Plan::sets`] held by a value (the one
/// walk over the IR's static set references: `NodeSet::Static`, and the
/// `filter` of `Touches` and `Reach`), in serialisation order, letting `f`
/// replace it.
pub trait SetRefs {
    /// Visits (and may rewrite) every set index, in serialisation order.
    fn for_each_set(&mut self, f: &mut dyn FnMut(&mut u32));
}

impl SetRefs for NodeSet {
    fn for_each_set(&mut self, f: &mut dyn FnMut(&mut u32)) {
        match self {
            NodeSet::Static(i)
            | NodeSet::Touches { filter: i }
            | NodeSet::Reach { filter: i, .. } => f(i),
            NodeSet::Var(_) => {}
            NodeSet::Union(sets) => sets.iter_mut().for_each(|s| s.for_each_set(f)),
        }
    }
}

impl SetRefs for Expr {
    fn for_each_set(&mut self, f: &mut dyn FnMut(&mut u32)) {
        // The nodes that hold a set themselves; the recursion is
        // `Expr::children_mut` (`walk.rs`).
        match self {
            Expr::Nodes(set) => set.for_each_set(f),
            Expr::List(_)
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::Range(..)
            | Expr::Compare(..)
            | Expr::Not(_)
            | Expr::Bool(_)
            | Expr::Int(_)
            | Expr::Str(_)
            | Expr::Duration(_)
            | Expr::Time(_)
            | Expr::NodeField { .. }
            | Expr::Person(_)
            | Expr::Team(_)
            | Expr::Change(_)
            | Expr::DecisionTime
            | Expr::AnyPath(_)
            | Expr::AllPaths(_) => {}
        }
        self.children_mut().for_each(|e| e.for_each_set(f));
    }
}

impl SetRefs for ChainArg {
    fn for_each_set(&mut self, f: &mut dyn FnMut(&mut u32)) {
        match self {
            ChainArg::Node(set) => set.for_each_set(f),
            ChainArg::Team(_) | ChainArg::Person(_) => {}
        }
    }
}

impl<T: SetRefs> SetRefs for Vec<T> {
    fn for_each_set(&mut self, f: &mut dyn FnMut(&mut u32)) {
        self.iter_mut().for_each(|v| v.for_each_set(f))
    }
}

impl<T: SetRefs> SetRefs for Option<T> {
    fn for_each_set(&mut self, f: &mut dyn FnMut(&mut u32)) {
        if let Some(v) = self {
            v.for_each_set(f)
        }
    }
}

impl<A: SetRefs, B: SetRefs> SetRefs for (A, B) {
    fn for_each_set(&mut self, f: &mut dyn FnMut(&mut u32)) {
        self.0.for_each_set(f);
        self.1.for_each_set(f);
    }
}

impl SetRefs for Assertion {
    fn for_each_set(&mut self, f: &mut dyn FnMut(&mut u32)) {
        self.binding.set.for_each_set(f);
        if let Some(w) = &mut self.when {
            w.expr.for_each_set(f);
        }
        for c in &mut self.claims {
            match &mut c.kind {
                ClaimKind::Check { on, .. } => on.for_each_set(f),
                ClaimKind::Decision { .. } | ClaimKind::Approvals(_) => {}
            }
        }
    }
}

impl SetRefs for String {
    fn for_each_set(&mut self, _: &mut dyn FnMut(&mut u32)) {}
}
