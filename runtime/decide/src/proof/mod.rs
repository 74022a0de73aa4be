//! The proof: why a change got its decision, as a deterministic JSON tree.
//!
//! The schema is documented in `docs/proof.md` and published as
//! `docs/proof.schema.json`. Every list is sorted (by id, path or key), no
//! map is iterated into the output, and every field is always present (empty
//! lists and `null`s are written; `unblock` is written on missing obligations
//! only), so the same inputs give the same bytes.
//!
//! A proof is self-contained: it quotes the text of every rule and forbid it
//! cites, so `writ explain` can render it without the plan.
//!
//! Witness paths are stored once, as trees ([`WitnessTree`]: each node
//! cited has one parent edge), and every binding points into a tree
//! ([`Witness`]); [`Proof::witness_path`] walks a path back out. The proof
//! grows with the reach, not with the sum of the paths (since `writ.proof/v2`).
//! A missing check's `unblock` command is stored once per (check, kind) in
//! [`Proof::commands`], with `<NODE>` for the node, and named by position
//! ([`Command::Template`]); [`Proof::unblock_command`] writes it back out
//! in full. The JSON is compact (`writ.proof/v3`). Since `writ.proof/v4`
//! an instance's id is not stored (its rule and bindings say it:
//! [`RuleProof::instance_id`]), an instance names its obligations by
//! position and an obligation the instances that impose it by position
//! ([`InstanceRef`]). In memory, the tree names node ids, edge kinds,
//! check names and binding variables by position ([`Name`]) into one
//! table per proof ([`Proof::names`]); the JSON writes them as text, as
//! before (`wire.rs`).

use serde::{Deserialize, Serialize};
use std::sync::Arc;

mod few;
mod names;
mod not_fired;
mod obligation;
mod upgrade;
mod wire;
pub use few::Few;
pub use names::{Interner, Name, NameTable};
pub use not_fired::NotFiredList;
pub use obligation::*;
pub use upgrade::{PROOF_FORMAT_V3, upgrade_v3};
pub use wire::Forbids;

/// A shared string, for the texts a proof shares with its prepared plan
/// (rule ids, sources, clauses, globs, command words). The texts it cites
/// per reached service (node ids, edge kinds, check names, variables) are
/// [`Name`]s into [`Proof::names`] instead. It serialises as a plain JSON
/// string.
pub type Text = Arc<str>;

/// The format tag every proof carries.
pub const PROOF_FORMAT: &str = "writ.proof/v4";

/// The decision on a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every obligation is discharged, no forbid applies, some rule judged it.
    Allow,
    /// Something forbids it (see the reasons).
    Deny,
    /// Evidence is still missing.
    Pending,
}

impl Outcome {
    /// `allow`, `deny` or `pending`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Pending => "pending",
        }
    }

    /// The process exit code of `writ eval`: 0 allow, 1 deny, 3 pending.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Allow => 0,
            Outcome::Deny => 1,
            Outcome::Pending => 3,
        }
    }
}

/// Why the decision is not `allow`. Each reason either denies or leaves the
/// change pending ([`Reason::outcome`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The plan, the change or the evidence is inconsistent (denies).
    InvalidInput {
        /// What is wrong.
        message: String,
    },
    /// A forbid applies and no emergency path lifted it (denies).
    Forbidden {
        /// The forbid's id.
        forbid: String,
        /// Its message.
        message: String,
    },
    /// A check failed (denies), whether or not a rule required it.
    CheckFailed {
        /// The check.
        check: String,
        /// The node id.
        node: String,
        /// Why it failed.
        reason: String,
        /// Whether a rule that fired required it.
        required: bool,
    },
    /// An approval is invalid: forged, by the author, by an agent, or by
    /// someone the graph does not know (denies).
    InvalidApproval {
        /// The person it claims.
        person: String,
        /// The approval record's digest.
        digest: String,
        /// Why it is invalid.
        why: String,
    },
    /// No rule fired: nothing judged the change (default deny).
    NoRuleJudged,
    /// Files belong to no node and no firing rule tested
    /// `change.has_unowned` (denies).
    UnownedFiles {
        /// The unowned paths, sorted.
        files: Vec<String>,
    },
    /// The author or a contributor (committer, co-author, uploader) resolves
    /// to no person of the graph, so separation of duties cannot be applied
    /// (denies).
    UnknownIdentity {
        /// `author` or `contributor`.
        role: String,
        /// The name git recorded.
        name: String,
        /// The email git recorded.
        email: String,
    },
    /// An obligation lacks evidence (pending).
    Missing {
        /// The obligation, by position in [`Proof::obligations`] (its
        /// id: [`ObligationProof::id`]).
        obligation: u32,
    },
}

impl Reason {
    /// The outcome this reason leads to on its own.
    pub fn outcome(&self) -> Outcome {
        match self {
            Reason::Missing { .. } => Outcome::Pending,
            Reason::InvalidInput { .. }
            | Reason::Forbidden { .. }
            | Reason::CheckFailed { .. }
            | Reason::InvalidApproval { .. }
            | Reason::NoRuleJudged
            | Reason::UnownedFiles { .. }
            | Reason::UnknownIdentity { .. } => Outcome::Deny,
        }
    }

    /// One line for people; `proof` is the proof whose reason this is
    /// (a `missing` reason names its obligation by position in it).
    pub fn describe(&self, proof: &Proof) -> String {
        match self {
            Reason::InvalidInput { message } => format!("invalid input: {message}"),
            Reason::Forbidden { forbid, message } => format!("forbidden by `{forbid}`: {message}"),
            Reason::CheckFailed {
                check,
                node,
                reason,
                required,
            } => format!(
                "check `{check}` failed on `{node}`{}: {reason}",
                if *required {
                    ""
                } else {
                    " (not required, but a failure is never ignored)"
                }
            ),
            Reason::InvalidApproval { person, why, .. } => {
                format!("invalid approval by `{person}`: {why}")
            }
            Reason::NoRuleJudged => "no rule judged this change (default deny)".into(),
            Reason::UnownedFiles { files } => format!(
                "{} unowned file{} and no rule that fired tested `change.has_unowned`: {}",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                files.join(", ")
            ),
            Reason::UnknownIdentity { role, name, email } => format!(
                "unknown identity: the {role} {name} <{email}> is not a person of the graph, so \
                 nobody can be excluded from approving; add the email to a person's `emails` \
                 in the graph"
            ),
            Reason::Missing { obligation } => match proof.obligations.get(*obligation as usize) {
                Some(o) => format!("missing: {}", o.id(&proof.names)),
                None => format!("missing: obligation {obligation}, not in the proof"),
            },
        }
    }
}

/// The proof of one decision.
///
/// Serialises field by field in the order declared (`names` is not
/// written: every name is written as its text). Two proofs are equal
/// when their JSON is: fieldwise when their name tables are equal, else
/// through their JSON.
#[derive(Clone, Debug)]
pub struct Proof {
    /// Always [`PROOF_FORMAT`].
    pub format: String,
    /// The decision.
    pub outcome: Outcome,
    /// Why it is not `allow`, sorted; empty when allowed.
    pub reasons: Vec<Reason>,
    /// The plan that decided.
    pub plan: PlanRef,
    /// The change decided.
    pub change: ChangeRef,
    /// The decision time (approval expiry is measured against it), RFC 3339 UTC.
    pub decided_at: String,
    /// Every changed path (renames contribute their old path too), sorted.
    pub files: Vec<FileProof>,
    /// Paths that belong to no node, sorted.
    pub unowned: Vec<String>,
    /// Ids of the nodes the change touches, sorted.
    pub touched: Vec<Name>,
    /// The witness paths of every binding, stored once as trees; bindings
    /// point into them ([`Witness`]). In the order the proof first cites them.
    pub witnesses: Vec<WitnessTree>,
    /// Rules that fired, sorted by id, each with its instances.
    pub rules: Vec<RuleProof>,
    /// Rules that did not fire, sorted by id, with why (a list of
    /// [`NotFired`] in the JSON).
    pub not_fired: NotFiredList,
    /// Obligations, merged across rules, sorted by id.
    pub obligations: Vec<ObligationProof>,
    /// The commands that supply a missing check, one per (check, kind), in
    /// the order the obligations first name them: argument vectors in
    /// which `<NODE>` stands for the obligation's node (see [`Command`]).
    pub commands: Vec<Vec<Text>>,
    /// Every forbid of the plan, sorted by id: applied, lifted or not applied, and why.
    pub forbids: Vec<ForbidProof>,
    /// Evidence that was rejected or ignored, sorted.
    pub rejected: Vec<RejectedEvidence>,
    /// The texts the tree names by position ([`Name`]: `touched`, the
    /// witness nodes, the bindings, the check obligations); not written
    /// in the JSON. [`Proof::name`] reads one.
    pub names: NameTable,
}

/// The plan that decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRef {
    /// `sha256:` digest of the plan's canonical bytes.
    pub digest: String,
    /// sha256 of the graph's canonical bytes, as the plan records it.
    pub graph_sha256: String,
    /// What the verb that decided established about the plan's signature
    /// (`writ eval`, `writ run`); absent where no verb did (policy tests,
    /// library callers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<writ_plan::signature::PlanTrust>,
}

/// The change decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRef {
    /// The change's id.
    pub id: String,
    /// The change digest (recomputed from the change, `sha256:…`).
    pub digest: String,
    /// The author's person id, if the graph knows them.
    pub author: Option<String>,
    /// `human` or `agent`.
    pub author_kind: String,
    /// The change's time, RFC 3339 as given.
    pub time: String,
    /// The emergency flag.
    pub emergency: bool,
    /// Labels, sorted.
    pub labels: Vec<String>,
}

/// One changed path and what it touches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileProof {
    /// The path.
    pub path: String,
    /// `added`, `modified`, `deleted`, `renamed`, or `renamed_from` for a rename's old path.
    pub status: String,
    /// Touched node ids, sorted; empty when unowned.
    pub nodes: Vec<Text>,
    /// The winning path globs, sorted.
    pub globs: Vec<String>,
}

/// Where an item is written, with its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// Module path.
    pub module: Text,
    /// File path relative to the policy root.
    pub path: Text,
    /// 1-based line of the item's start.
    pub line: u32,
    /// 1-based column of the item's start.
    pub column: u32,
    /// Byte offsets `[start, end)` of the item in its file.
    pub span: [u32; 2],
    /// The item's text (the bytes of `span`).
    pub text: Text,
}

/// A clause of an item, for labels in rendered snippets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseRef {
    /// What the clause is: `for svc`, `when`, `require check "integration"`, `require approval x`.
    pub clause: Text,
    /// Byte offsets `[start, end)` in the item's file.
    pub span: [u32; 2],
}

/// A rule that fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleProof {
    /// Full id.
    pub id: Text,
    /// The rule's source.
    pub source: SourceRef,
    /// Its clauses.
    pub clauses: Vec<ClauseRef>,
    /// Instances that fired, sorted by id.
    pub instances: Vec<InstanceProof>,
}

/// One instance of a rule or forbid: one binding of its variables. Its id,
/// `rule(var=node, …)` (the rule id alone when it has no `for`), is not
/// stored (since `writ.proof/v4`): [`RuleProof::instance_id`] and
/// [`ForbidProof::instance_id`] write it from the bindings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceProof {
    /// The bindings, in clause order (most instances have one: kept inline).
    pub bindings: Few<BindingProof>,
    /// The obligations this instance imposes: their positions in
    /// [`Proof::obligations`], ascending (so in id order); most impose one
    /// (kept inline). Empty on a forbid's instance.
    pub obligations: Few<u32>,
}

/// An instance of a rule that fired, by position: instance `instance` of
/// rule `rule` of [`Proof::rules`]. Written `[rule, instance]`; ordered by
/// rule, then instance, which is the instances' id order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "[u32; 2]", into = "[u32; 2]")]
pub struct InstanceRef {
    /// The rule's position in [`Proof::rules`].
    pub rule: u32,
    /// The instance's position in that rule's `instances`.
    pub instance: u32,
}

impl From<[u32; 2]> for InstanceRef {
    fn from([rule, instance]: [u32; 2]) -> Self {
        InstanceRef { rule, instance }
    }
}

impl From<InstanceRef> for [u32; 2] {
    fn from(r: InstanceRef) -> Self {
        [r.rule, r.instance]
    }
}

/// `item(var=node, …)` for an instance of `item` with `bindings`, or
/// `item` alone when it has none: the id an instance had in the proof
/// before `writ.proof/v4`, and what `writ explain` prints.
/// `names` is the table of the proof the bindings are in.
pub fn instance_id(names: &NameTable, item: &str, bindings: &[BindingProof]) -> String {
    let mut id = String::with_capacity(item.len() + 24 * bindings.len());
    write_instance_id(
        &mut id,
        item,
        bindings
            .iter()
            .map(|b| (names.get(b.var), names.get(b.node))),
    );
    id
}

/// [`instance_id`] from `(var, node)` pairs, appended to `out`: the one
/// layout of an instance's id, for the proof tree and the evaluator.
pub fn write_instance_id<'s>(
    out: &mut String,
    item: &str,
    bindings: impl IntoIterator<Item = (&'s str, &'s str)>,
) {
    out.push_str(item);
    let mut bindings = bindings.into_iter().peekable();
    if bindings.peek().is_none() {
        return;
    }
    out.push('(');
    for (i, (var, node)) in bindings.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(var);
        out.push('=');
        out.push_str(node);
    }
    out.push(')');
}

impl RuleProof {
    /// The id of `inst`, an instance of this rule: `rule(var=node, …)`;
    /// `names` is the table of the proof it is in.
    pub fn instance_id(&self, names: &NameTable, inst: &InstanceProof) -> String {
        instance_id(names, &self.id, &inst.bindings)
    }
}

impl ForbidProof {
    /// The id of `inst`, an instance of this forbid: `forbid(var=node, …)`;
    /// `names` is the table of the proof it is in.
    pub fn instance_id(&self, names: &NameTable, inst: &InstanceProof) -> String {
        instance_id(names, &self.id, &inst.bindings)
    }
}

/// `var = node`, and why the node is in the set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingProof {
    /// The variable.
    pub var: Name,
    /// The node id.
    pub node: Name,
    /// The witness path; `null` for a set that does not depend on the change.
    pub witness: Option<Witness>,
}

/// Where a binding's witness path ends: node `node` of tree `tree` of
/// [`Proof::witnesses`]. The path is that node's chain of parents, up to a
/// root (a touched node, with the changed file that touches it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    /// The tree's position in [`Proof::witnesses`].
    pub tree: u32,
    /// The node's position in the tree's `nodes`.
    pub node: u32,
}

/// How a witness path was followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WitnessDirection {
    /// The node is touched (`change.touches`): a path of one node.
    Touches,
    /// `change.reaches`: each step depends on the previous one.
    Reverse,
    /// `change.exposes`: the previous step depends on each step.
    Forward,
}

impl WitnessDirection {
    /// `touches`, `reverse` or `forward`.
    pub fn as_str(self) -> &'static str {
        match self {
            WitnessDirection::Touches => "touches",
            WitnessDirection::Reverse => "reverse",
            WitnessDirection::Forward => "forward",
        }
    }
}

/// The witness paths of one set (`change.touches`, or one reach query:
/// direction, edge kinds and depth), as a tree: every node cited once, with
/// the edge by which the breadth-first search first arrived at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessTree {
    /// How the paths were followed.
    pub direction: WitnessDirection,
    /// The nodes; a node's parent always comes before it.
    pub nodes: Vec<WitnessNode>,
}

/// One node of a [`WitnessTree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessNode {
    /// The node id.
    pub node: Name,
    /// The position of the previous node of the path in the same tree
    /// (always smaller than this node's); `null` on a root (a touched node).
    pub parent: Option<u32>,
    /// The edge kind followed from the parent to arrive here; `null` on a root.
    pub via: Option<Name>,
    /// On a root: the changed file and its globs (boxed: most nodes of a
    /// tree are not roots, and inline they would double every node's
    /// size); `None` when the file is `null` and the globs empty.
    pub root: Option<Box<WitnessRoot>>,
}

impl WitnessNode {
    /// On a root: the changed file that touches it; `null` otherwise.
    pub fn file(&self) -> Option<&str> {
        self.root.as_ref()?.file.as_deref()
    }

    /// On a root: the globs by which that file touches it, sorted; empty otherwise.
    pub fn globs(&self) -> &[Text] {
        self.root.as_ref().map_or(&[], |r| &r.globs)
    }

    /// The root's parts as [`WitnessNode::root`] holds them: `None` for a
    /// `null` file and no globs.
    pub fn root_of(file: Option<Text>, globs: Vec<Text>) -> Option<Box<WitnessRoot>> {
        (file.is_some() || !globs.is_empty()).then(|| Box::new(WitnessRoot { file, globs }))
    }
}

/// A witness tree root's changed file and globs ([`WitnessNode::root`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessRoot {
    /// The changed file that touches the root (`null` in a proof read
    /// back that says so).
    pub file: Option<Text>,
    /// The globs by which that file touches it, sorted.
    pub globs: Vec<Text>,
}

/// A witness path walked out of its tree ([`Proof::witness_path`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessPath<'p> {
    /// How it was followed.
    pub direction: WitnessDirection,
    /// The changed file that touches the first node.
    pub file: &'p str,
    /// The globs by which that file touches the first node, sorted.
    pub globs: &'p [Text],
    /// The nodes, from the touched node to the bound node: (node id, the
    /// edge kind followed to arrive there, `None` on the first).
    pub steps: Vec<(&'p str, Option<&'p str>)>,
}

impl Proof {
    /// The text of name `n` of this proof's tree; `?` for a name outside
    /// its table (a hand-built proof).
    pub fn name(&self, n: Name) -> &str {
        self.names.get(n)
    }

    /// The name of `text` in this proof's table, added the first time:
    /// for building or editing a proof by hand (it looks the table through;
    /// the evaluator and reading name each text once by other means).
    pub fn intern(&mut self, text: &str) -> Name {
        let found = self.names.texts().position(|t| t == text);
        match found {
            Some(i) => Name(i as u32),
            None => self.names.push(text),
        }
    }

    /// The rule and instance `r` points at; `None` when it points outside
    /// the proof (a hand-edited proof).
    pub fn instance(&self, r: InstanceRef) -> Option<(&RuleProof, &InstanceProof)> {
        let rule = self.rules.get(r.rule as usize)?;
        Some((rule, rule.instances.get(r.instance as usize)?))
    }

    /// The id of the instance `r` points at (`rule(var=node, …)`); `?`
    /// when it points outside the proof.
    pub fn instance_id(&self, r: InstanceRef) -> String {
        match self.instance(r) {
            Some((rule, inst)) => rule.instance_id(&self.names, inst),
            None => "?".into(),
        }
    }

    /// The ids of the instances that impose `o`, in order.
    pub fn imposed_by(&self, o: &ObligationProof) -> Vec<String> {
        o.imposed_by.iter().map(|&r| self.instance_id(r)).collect()
    }

    /// The obligations `inst` imposes, in order; a position outside
    /// [`Proof::obligations`] (a hand-edited proof) is left out.
    pub fn obligations_of<'p>(
        &'p self,
        inst: &'p InstanceProof,
    ) -> impl Iterator<Item = &'p ObligationProof> + 'p {
        inst.obligations
            .iter()
            .filter_map(|&i| self.obligations.get(i as usize))
    }

    /// The full path `w` points at, from the changed file to the bound
    /// node; `None` when `w` points outside the proof's trees or the tree
    /// is malformed (a parent not before its child, a root without a file),
    /// as in a hand-edited proof.
    pub fn witness_path(&self, w: &Witness) -> Option<WitnessPath<'_>> {
        let tree = self.witnesses.get(w.tree as usize)?;
        let mut steps = Vec::new();
        let mut at = w.node as usize;
        loop {
            let n = tree.nodes.get(at)?;
            steps.push((self.name(n.node), n.via.map(|v| self.name(v))));
            match n.parent {
                // Parents come first: the walk ends in at most `at` steps.
                Some(p) if (p as usize) < at => at = p as usize,
                Some(_) => return None,
                None => {
                    steps.reverse();
                    return Some(WitnessPath {
                        direction: tree.direction,
                        file: n.file()?,
                        globs: n.globs(),
                        steps,
                    });
                }
            }
        }
    }

    /// The whole argument vector of missing obligation `o`'s `unblock`
    /// command: a template of [`Proof::commands`] with `<NODE>` replaced by
    /// the obligation's node (a node id cannot hold `<`), or the vector the
    /// obligation holds. `None` when it
    /// has none, or names a template the proof does not hold, or a
    /// template without a check node (a hand-edited proof).
    pub fn unblock_command(&self, o: &ObligationProof) -> Option<Vec<Text>> {
        match o.unblock.as_ref()?.command.as_ref()? {
            Command::Argv(argv) => Some(argv.to_vec()),
            Command::Template(i) => {
                let node = self.name(o.check.as_ref()?.node);
                let argv = self.commands.get(*i as usize)?;
                Some(
                    argv.iter()
                        .map(|a| {
                            if a.contains(NODE_HOLE) {
                                Text::from(a.replace(NODE_HOLE, node))
                            } else {
                                a.clone()
                            }
                        })
                        .collect(),
                )
            }
        }
    }
}

/// A rule that did not fire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotFired {
    /// The rule's id.
    pub rule: Text,
    /// Why: no node to bind, or the `when` was false for every binding.
    pub why: Text,
}

/// Whether a forbid applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForbidStatus {
    /// It applies and denies the change.
    Applied,
    /// It applies, but an emergency path lifted it.
    Lifted,
    /// It does not apply.
    NotApplied,
}

/// One forbid of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForbidProof {
    /// Full id.
    pub id: String,
    /// The message.
    pub message: String,
    /// Applied, lifted or not applied.
    pub status: ForbidStatus,
    /// Why, in one line.
    pub why: String,
    /// The forbid's source.
    pub source: SourceRef,
    /// The top-level parts of its `when`, rendered, with their values (for
    /// the first binding, or the only instance).
    pub conditions: Vec<ConditionValue>,
    /// The instances for which it applies (its `for` bindings, with witnesses).
    pub instances: Vec<InstanceProof>,
    /// The emergency paths tried (only for a change flagged as an emergency
    /// to which the forbid applies), in `unless` order.
    pub emergencies: Vec<EmergencyProof>,
}

/// A part of a condition and its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionValue {
    /// The expression, rendered.
    pub expr: String,
    /// Its truth value; `null` when it could not be evaluated.
    pub value: Option<bool>,
}

/// An emergency path tried to lift a forbid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyProof {
    /// The emergency path's id.
    pub id: String,
    /// Whether its approvers step is satisfied.
    pub satisfied: bool,
    /// Its approvers step.
    pub approvers: StepProof,
    /// The follow-up owed when it lifted the forbid; `null` otherwise.
    pub followup: Option<FollowUp>,
}

/// A follow-up review owed after an emergency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    /// Who reviews: the step's sources as written.
    pub sources: Vec<String>,
    /// Distinct people needed.
    pub need: u32,
    /// The people who may do it, sorted.
    pub people: Vec<String>,
    /// Owed by: the change's time plus `within`, RFC 3339 UTC.
    pub due: String,
}

/// Evidence that was not used, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectedEvidence {
    /// An approval or a check result.
    pub kind: EvidenceKind,
    /// The approval's person, or `check on node`.
    pub subject: String,
    /// The record's digest.
    pub digest: String,
    /// Why it was rejected.
    pub reason: String,
    /// Denies (invalid evidence) or ignored (stale, expired, not for this chain, …).
    pub effect: Effect,
}

/// The kind of a piece of evidence. Declared in the order of its names, so
/// sorting follows the JSON text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A signed approval.
    Approval,
    /// A check result.
    Check,
}

/// What rejected evidence does to the decision. Declared in the order of
/// its names, so sorting follows the JSON text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Invalid evidence: the decision is deny.
    Denies,
    /// Evidence that does not count (stale, expired, not for this chain).
    Ignored,
}

impl std::fmt::Display for EvidenceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EvidenceKind::Approval => "approval",
            EvidenceKind::Check => "check",
        })
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Effect::Denies => "denies",
            Effect::Ignored => "ignored",
        })
    }
}
