//! The evaluation state: the [`Eval`] context one decision runs in (the
//! change, its evidence, the touched nodes, the reaches computed so far, the
//! caches of filtered node sets and witness globs, the errors and rejected
//! evidence collected on the way), the reusable [`Scratch`] memory it borrows
//! (with what the last decision computed from its files, [`FileSets`], and
//! the slots of the proof's names, [`NameSlots`]),
//! the limits ([`MAX_INSTANCES`], [`CLOCK_SKEW`]) and the small shared pieces
//! (the `Nodes` set handle, an Fx hash map, node id lookups, and the data
//! of a settled decision whose buffers the scratch space keeps: `Instance`,
//! `ObKey`, a chain's `Args`). Every other
//! module of `eval` adds methods to `Eval`; this one depends on none of them.

use crate::evidence::Evidence;
use crate::prepare::Prepared;
use crate::proof::{RejectedEvidence, Text, WitnessDirection};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use writ_graph::{Change, NodeIdx, Reach, ReachScratch, Touched};

// The data of settled decisions (defined here, the leaf, so the scratch
// space can keep their buffers; `settle` and `approvals` re-export them).

/// A chain's arguments; one argument (the common case) without allocating.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Args<'a> {
    /// Exactly one argument.
    One(Arg<'a>),
    /// None, or more than one.
    Many(Vec<Arg<'a>>),
}

impl<'a> Args<'a> {
    pub(super) fn new(args: impl ExactSizeIterator<Item = Arg<'a>>) -> Args<'a> {
        let mut args = args;
        if args.len() == 1 {
            if let Some(a) = args.next() {
                return Args::One(a);
            }
        }
        Args::Many(args.collect())
    }
}

impl<'a> std::ops::Deref for Args<'a> {
    type Target = [Arg<'a>];
    fn deref(&self) -> &[Arg<'a>] {
        match self {
            Args::One(a) => std::slice::from_ref(a),
            Args::Many(v) => v,
        }
    }
}

/// A chain argument's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Arg<'a> {
    Node(NodeIdx),
    Team(&'a str),
    Person(&'a str),
}

/// An obligation's key: what settling interns obligations by.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum ObKey<'a> {
    /// (check index into `Prepared::checks`, node)
    Check(u32, NodeIdx),
    Approval(u32, Args<'a>),
}

/// A rule instance that fires: its rule, bindings and obligations as
/// ranges of the settled decision's flat lists.
#[derive(Debug)]
pub(super) struct Instance {
    pub(super) item: u32,
    pub(super) vars: std::ops::Range<usize>,
    /// Range in the flat obligation list (indices into the obligations).
    pub(super) obligations: std::ops::Range<usize>,
}

/// At most this many rule or forbid instances per evaluation; past it the
/// change is denied (a policy whose `for` clauses multiply out of hand).
pub(crate) const MAX_INSTANCES: usize = 1_000_000;

/// Approvals signed more than this many seconds after the decision time are rejected.
pub(crate) const CLOCK_SKEW: i64 = 300;

/// An input one decision cannot evaluate. Each denies the change: the
/// proof states it as an `invalid_input` reason whose message is this
/// error's text (`Display`), so the text is part of the proof's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum InputError {
    /// The change's recorded digest is not the one its files and tree give.
    ChangeDigest {
        /// The digest the change records.
        recorded: String,
        /// The digest computed from it.
        computed: String,
    },
    /// The change's time is not RFC 3339.
    ChangeTime(String),
    /// A node set named a variable no binding filled.
    Unbound(writ_plan::eval::EvalError),
    /// A rule's `when` could not be evaluated.
    RuleWhen {
        /// The rule's id.
        rule: String,
        /// Why.
        error: writ_plan::eval::EvalError,
    },
    /// A forbid's `when` could not be evaluated.
    ForbidWhen {
        /// The forbid's id.
        forbid: String,
        /// Why.
        error: writ_plan::eval::EvalError,
    },
    /// The rules' `for` clauses multiplied past [`MAX_INSTANCES`].
    TooManyInstances,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::ChangeDigest { recorded, computed } => write!(
                f,
                "the change records digest {recorded} but its files and tree give {computed}"
            ),
            InputError::ChangeTime(time) => {
                write!(f, "the change's time `{time}` is not an RFC 3339 timestamp")
            }
            InputError::Unbound(e) => e.fmt(f),
            InputError::RuleWhen { rule, error } => write!(f, "rule `{rule}`: {error}"),
            InputError::ForbidWhen { forbid, error } => write!(f, "forbid `{forbid}`: {error}"),
            InputError::TooManyInstances => {
                write!(f, "more than {MAX_INSTANCES} rule instances")
            }
        }
    }
}

/// Reusable working memory for evaluations against one prepared plan
/// (visited marks and node→entry maps sized to the graph).
#[derive(Debug, Default)]
pub struct Scratch {
    pub(super) reach: ReachScratch,
    pub(super) pos: Vec<Vec<u32>>,
    /// Rule instance bindings, flat.
    pub(super) vars: Vec<NodeIdx>,
    /// Rule instance obligations, flat.
    pub(super) obs: Vec<u32>,
    /// One bit per graph node, all zero between uses (`Eval::nodes`
    /// marks a reach in it to intersect it with a filter in node order).
    pub(super) marks: Vec<u64>,
    /// Per check, per node: the check obligation of the decision being
    /// settled (`u32::MAX`: none); every entry `u32::MAX` between decisions.
    pub(super) check_obs: Vec<Vec<u32>>,
    /// Instances and obligations of the last decision (capacity hints).
    pub(super) sizes: (usize, usize),
    /// The last decision's rule instances, obligations and statuses
    /// buffers, emptied and handed back when its verdict is dropped
    /// (`Eval::recycle`), so the next decision fills memory already
    /// faulted in rather than growing fresh vectors.
    pub(super) instances: Vec<Instance>,
    /// See [`Scratch::instances`] (keys borrow nothing while here: empty).
    pub(super) obligations: Vec<ObKey<'static>>,
    /// See [`Scratch::instances`].
    pub(super) statuses: Vec<crate::proof::Status>,
    /// Entry buffers of earlier reaches, reused by the next decision.
    pub(super) reach_buffers: Vec<Vec<writ_graph::Reached>>,
    /// The names of the proof being written (`eval/naming.rs`).
    pub(super) names: NameSlots,
    /// Per witness tree: each node's position in it (`u32::MAX`: absent),
    /// sized to the graph, cleared after each proof.
    pub(super) tree_pos: Vec<Vec<u32>>,
    /// The reach entries of a witness path being added to its tree.
    pub(super) chain: Vec<usize>,
    /// Filtered node sets, each computed once per set of changed files:
    /// slot `k * sets + filter`, where `k` is 0 for `change.touches` and
    /// `1 + q` for reach query `q`. They belong with [`Scratch::sets`]: the
    /// slots it lists as filled hold the sets of its files, every other
    /// slot is `None` (kept here so a decision does not allocate and drop
    /// them all).
    pub(super) filtered: Vec<Option<Nodes>>,
    /// The plan digest and the sorted, distinct paths [`Scratch::sets`]
    /// were computed for.
    pub(super) sets_for: (String, Vec<String>),
    /// What the last decision computed from its change's files alone, for
    /// the next decision on the same files ([`FileSets`]).
    pub(super) sets: Option<FileSets>,
}

/// The names of the proof being written (in [`Scratch`]; `naming.rs`
/// fills and clears them).
#[derive(Debug, Default)]
pub(super) struct NameSlots {
    /// Per key: its name in `table` plus one (0: not named yet, so a
    /// fresh vector is zeroed memory the allocator need not write); keys
    /// are node indices, then `node_count + label`, then `?` last. Every
    /// entry is 0 once the names are taken or begun afresh.
    pub(super) pos: Vec<u32>,
    /// The keys named, in table order (the entries of `pos` to clear).
    pub(super) named: Vec<u32>,
    /// The texts named so far.
    pub(super) table: crate::proof::NameTable,
}

/// What a decision computes from its change's files alone: the touched
/// nodes, each reach (with the witness parents) and the filtered node sets
/// (in [`Scratch::filtered`]; the slots filled are listed here).
/// They are a function of the plan and the sorted, distinct changed paths,
/// nothing else (not the author, labels, flag, time or evidence), so
/// [`Scratch`] keeps them after a decision and the next decision on a
/// change with the same files, under the same plan, starts from them
/// ([`Scratch::file_sets`]): deciding one change under many authors, times
/// and sets of evidence (`writ prove`) computes them once, and no outcome
/// or proof byte depends on whether they were reused.
#[derive(Debug, Default)]
pub(super) struct FileSets {
    pub(super) touched: Touched,
    pub(super) reaches: Vec<Option<Reach>>,
    /// The slots of [`Scratch::filtered`] filled for these files.
    pub(super) filled: Vec<u32>,
    /// The rules worth looking at (`RuleIndex::candidates`), sorted.
    pub(super) candidates: Vec<u32>,
}

impl Scratch {
    /// Scratch space for evaluations of `prepared`.
    pub fn new(prepared: &Prepared) -> Scratch {
        Scratch {
            reach: ReachScratch::new(prepared.graph.node_count()),
            pos: Vec::new(),
            vars: Vec::new(),
            obs: Vec::new(),
            check_obs: Vec::new(),
            marks: Vec::new(),
            sizes: (0, 0),
            instances: Vec::new(),
            obligations: Vec::new(),
            statuses: Vec::new(),
            reach_buffers: Vec::new(),
            names: Default::default(),
            tree_pos: Vec::new(),
            chain: Vec::new(),
            filtered: Vec::new(),
            sets_for: (String::new(), Vec::new()),
            sets: None,
        }
    }

    /// The file sets of a change with the sorted, distinct `paths` under
    /// `p`: those the last decision left when it was on the same paths
    /// under the same plan, else computed afresh (reaches on demand), the
    /// old ones' buffers kept for reuse and their filtered slots emptied.
    pub(super) fn file_sets(&mut self, p: &Prepared, paths: &[&str]) -> FileSets {
        // The digest names the plan; the sizes are checked as well, so a
        // caller that names two plans alike (`Prepared::with_digest`) gets
        // fresh sets rather than another plan's.
        let same = self.sets_for.0 == p.digest
            && self.sets_for.1.len() == paths.len()
            && self.sets_for.1.iter().zip(paths).all(|(a, b)| a == b)
            && self.filtered.len() == (1 + p.queries.len()) * p.sets.len()
            && self
                .sets
                .as_ref()
                .is_some_and(|s| s.reaches.len() == p.queries.len());
        let mut candidates = Vec::new();
        match self.sets.take() {
            Some(sets) if same => return sets,
            Some(old) => {
                candidates = old.candidates;
                for r in old.reaches.into_iter().flatten() {
                    self.reach_buffers.push(r.into_entries());
                }
                for slot in old.filled {
                    if let Some(x) = self.filtered.get_mut(slot as usize) {
                        *x = None;
                    }
                }
            }
            None => {}
        }
        if !same {
            self.sets_for = (
                p.digest.clone(),
                paths.iter().map(|s| (*s).to_string()).collect(),
            );
        }
        // Sized to the plan once (every slot not listed as filled is `None`).
        let slots = (1 + p.queries.len()) * p.sets.len();
        if self.filtered.len() != slots {
            self.filtered = vec![None; slots];
        }
        let touched = p.graph.touched(paths.iter().copied());
        p.rule_index.candidates(&touched.nodes, &mut candidates);
        FileSets {
            touched,
            reaches: vec![None; p.queries.len()],
            filled: Vec::new(),
            candidates,
        }
    }
}

/// FxHash (rustc's hasher): keys here are small integers and short ids,
/// for which SipHash's DoS resistance buys nothing.
#[derive(Clone, Copy, Default)]
pub(super) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.write_u8(b);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

#[derive(Clone, Debug)]
pub(super) enum Nodes {
    Shared(Arc<[NodeIdx]>),
    One(NodeIdx),
    Owned(Vec<NodeIdx>),
}

impl Nodes {
    pub(super) fn as_slice(&self) -> &[NodeIdx] {
        match self {
            Nodes::Shared(a) => a,
            Nodes::One(n) => std::slice::from_ref(n),
            Nodes::Owned(v) => v,
        }
    }
}

pub(super) struct Eval<'a, 's> {
    pub(super) p: &'a Prepared,
    pub(super) change: &'a Change,
    pub(super) evidence: &'a Evidence,
    pub(super) now: i64,
    pub(super) change_time: i64,
    pub(super) change_digest: String,
    pub(super) paths: Vec<&'a str>,
    pub(super) touched: Touched,
    pub(super) scratch: &'s mut Scratch,
    pub(super) reaches: Vec<Option<Reach>>,
    /// The slots of [`Scratch::filtered`] filled for this change's files
    /// (handed back with them to [`Scratch::sets`] when it ends).
    pub(super) filled: Vec<u32>,
    /// The rules worth looking at for this change's files, sorted
    /// (`RuleIndex::candidates`; handed back likewise).
    pub(super) candidates: Vec<u32>,
    /// Shared paths of the touched files (filled when a proof is written).
    pub(super) files: Vec<Text>,
    /// Witness globs per (file, first node).
    pub(super) globs: FxMap<(u32, NodeIdx), Vec<Text>>,
    /// Inputs that could not be evaluated (each a deny reason).
    pub(super) errors: Vec<InputError>,
    pub(super) authors: Vec<&'a str>,
    pub(super) rejected: BTreeSet<RejectedEvidence>,
    /// The binding being built by `instances`.
    pub(super) cur: Vec<NodeIdx>,
    /// The witness trees the proof cites (filled when a proof is written).
    pub(super) trees: WitnessTrees,
    /// Whether settling the outcome evaluated `decision.time` or
    /// `change.time` (the values a proof shows but the outcome does not
    /// depend on do not count: see `Verdict::read_time`).
    pub(super) read_time: bool,
}

/// The witness trees of a proof being written, in index form: each set a
/// binding comes from (`change.touches`, or one reach query) gets one
/// tree, in the order the proof first cites them. The proof tree
/// (`WitnessTree`) or the JSON is written from them afterwards.
#[derive(Debug, Default)]
pub(super) struct WitnessTrees {
    /// The trees.
    pub(super) trees: Vec<IndexTree>,
    /// The tree of each source: slot 0 is `change.touches`, `1 + q` reach
    /// query `q`; `u32::MAX` when it has none yet.
    pub(super) of: Vec<u32>,
}

/// One witness tree in index form.
#[derive(Debug)]
pub(super) struct IndexTree {
    /// How its paths were followed.
    pub(super) direction: WitnessDirection,
    /// Its nodes; a node's parent always comes before it.
    pub(super) nodes: Vec<TreeNode>,
}

/// One node of an [`IndexTree`]; `u32::MAX` stands for none.
#[derive(Clone, Copy, Debug)]
pub(super) struct TreeNode {
    /// The graph node.
    pub(super) node: NodeIdx,
    /// The position of its parent in the same tree (none on a root).
    pub(super) parent: u32,
    /// The edge kind followed from the parent (none on a root).
    pub(super) via: u32,
    /// On a root: the touched file (index into `Touched::files`) that
    /// touches it.
    pub(super) file: u32,
}

impl<'a> Eval<'a, '_> {
    pub(super) fn node_id(&self, n: NodeIdx) -> &'a str {
        self.p.graph.node_id(n)
    }

    /// The shared id of node `n`.
    pub(super) fn node_text(&self, n: NodeIdx) -> Text {
        self.p.names.node(&self.p.graph, n)
    }
}

impl Drop for Eval<'_, '_> {
    /// Hands what was computed from the change's files back to the scratch
    /// space, for the next decision ([`FileSets`]).
    fn drop(&mut self) {
        self.scratch.sets = Some(FileSets {
            touched: std::mem::take(&mut self.touched),
            reaches: std::mem::take(&mut self.reaches),
            filled: std::mem::take(&mut self.filled),
            candidates: std::mem::take(&mut self.candidates),
        });
    }
}
