//! The records a large proof repeats once per reached service (a `missing`
//! reason, a witness tree's node, a rule instance, a check obligation),
//! written as runs with fewer, larger pieces: the constant text between a
//! record's values is joined from the plan's [`Template`]s (`eval/json.rs`),
//! with the values the plan already knows baked in (a check obligation's
//! status, its empty `results`, its id up to the node and a small command
//! position; a witness node's edge kind; a witness in the first tree), and
//! the end of one record joined to the start of the next. Writing a record
//! is then one copy per value and one per stretch of text between values,
//! instead of a copy per template piece, separator and quote. The bytes
//! are those of the templates filled in piece by piece (the decide
//! benchmark, `tests/json_runs.rs` and the scenario tests compare the
//! direct JSON with the proof tree's). Like the templates, a run depends
//! on the plan alone: it is joined once per prepared plan, when a proof
//! first writes such a record ([`Runs`], `RuleJson::run`).

use crate::json_writer::{JsonWriter, Template, escape_into};
use crate::proof::write_check_id;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The runs of a prepared plan, joined when a proof first needs them
/// (`names::JsonTemplates::runs`); a rule's instances' run is its
/// `RuleJson::run`.
#[derive(Debug, Default)]
pub(crate) struct Runs {
    /// A `missing` reason.
    pub(crate) reason: OnceLock<ReasonRun>,
    /// A witness tree's node that is not a root.
    pub(crate) tree_node: OnceLock<TreeNodeRun>,
    /// Per check (as `Names::checks`), its obligation by status
    /// ([`status_slot`]), when it has no results.
    pub(crate) checks: OnceLock<Vec<[OnceLock<CheckRun>; 3]>>,
}

/// A status's place in a check's runs ([`Runs::checks`]).
pub(crate) fn status_slot(s: crate::proof::Status) -> usize {
    match s {
        crate::proof::Status::Satisfied => 0,
        crate::proof::Status::Missing => 1,
        crate::proof::Status::Failed => 2,
    }
}

/// The run in `slot`, joined by `join` from template `t` when first
/// needed, if `t` is the plan's own (borrowed); joined afresh from a
/// template laid out for this proof alone (owned: never, in a proof).
pub(crate) fn run_of<'a, R: Clone>(
    slot: &'a OnceLock<R>,
    t: &Cow<'a, Template>,
    join: impl FnOnce(&Template) -> R,
) -> Cow<'a, R> {
    match t {
        Cow::Borrowed(t) => Cow::Borrowed(slot.get_or_init(|| join(t))),
        Cow::Owned(t) => Cow::Owned(join(t)),
    }
}

/// The end of a record, alone (the run's last) and joined to the start of
/// the next record (`joint`), when that starts with lead `lead`.
#[derive(Clone, Debug)]
pub(crate) struct Ends {
    tail: String,
    joint: String,
    lead: usize,
}

impl Ends {
    /// `tail`, and `tail` followed by lead number `key`'s text `lead`.
    fn new(tail: String, lead: &str, key: usize) -> Ends {
        let mut joint = String::with_capacity(tail.len() + lead.len());
        joint.push_str(&tail);
        joint.push_str(lead);
        Ends {
            tail,
            joint,
            lead: key,
        }
    }
}

/// A run of records in one container: the end of the last record written
/// is held back so the next record's start can be copied with it.
#[derive(Default)]
pub(crate) struct Run<'r> {
    open: Option<&'r Ends>,
}

impl<'r> Run<'r> {
    /// Starts a record whose first piece is lead number `key`, `lead`
    /// (with its leading `,`): the previous record's end and this lead in
    /// one copy when they were joined, else one after the other.
    #[inline(always)]
    pub(crate) fn start(&mut self, w: &mut JsonWriter, key: usize, lead: &str) {
        match self.open.take() {
            Some(prev) if prev.lead == key => w.raw(&prev.joint),
            Some(prev) => {
                w.raw(&prev.tail);
                w.raw(lead);
            }
            None => w.lead(lead),
        }
    }

    /// The record just written ends with `ends` (held back).
    #[inline]
    pub(crate) fn end(&mut self, ends: &'r Ends) {
        self.open = Some(ends);
    }

    /// Writes the end held back, if any (before a record written otherwise
    /// and at the end of the container).
    #[inline]
    pub(crate) fn close(&mut self, w: &mut JsonWriter) {
        if let Some(prev) = self.open.take() {
            w.raw(&prev.tail);
        }
    }
}

/// A `missing` reason: lead, the obligation's position, end.
#[derive(Clone, Debug)]
pub(crate) struct ReasonRun {
    /// `,{"kind":"missing","obligation":`.
    pub(crate) lead: String,
    /// `}`.
    pub(crate) ends: Ends,
}

impl ReasonRun {
    /// From the reason's template (holes: the position).
    pub(crate) fn new(t: &Template) -> ReasonRun {
        ReasonRun {
            lead: t.text(0).to_string(),
            ends: Ends::new(t.text(1).to_string(), t.text(0), 0),
        }
    }
}

/// A witness tree's node that is not a root: lead, its node id, `mid`,
/// its parent's position, then the end for its edge kind.
#[derive(Clone, Debug)]
pub(crate) struct TreeNodeRun {
    /// `,{"node":"`.
    pub(crate) lead: String,
    /// `","parent":`.
    pub(crate) mid: String,
    /// Per edge kind (the plan's, escaped), then `null` and `"?"`: the
    /// record's end from `,"via":` with the kind baked in.
    pub(crate) ends: Vec<Ends>,
}

impl TreeNodeRun {
    /// From the node's template (holes: node, parent, via) and the plan's
    /// edge kinds, escaped.
    pub(crate) fn new(t: &Template, kinds: &[String]) -> TreeNodeRun {
        let lead = t.text(0);
        let via = |v: &str| {
            let mut tail = String::new();
            tail.push_str(t.text(2));
            tail.push_str(v);
            tail.push_str(t.text(3));
            Ends::new(tail, lead, 0)
        };
        let mut ends: Vec<Ends> = kinds.iter().map(|k| via(&format!("\"{k}\""))).collect();
        ends.push(via("null"));
        ends.push(via("\"?\""));
        TreeNodeRun {
            lead: lead.to_string(),
            mid: t.text(1).to_string(),
            ends,
        }
    }

    /// The end for edge kind `via` (`u32::MAX`: none; out of range: `?`).
    #[inline]
    pub(crate) fn ends(&self, via: u32) -> &Ends {
        let k = self.ends.len() - 2;
        let i = match via as usize {
            v if v < k => v,
            _ if via == u32::MAX => k,
            _ => k + 1,
        };
        &self.ends[i]
    }
}

/// A rule's instance with its rule's number of variables: lead, then per
/// binding its node and its witness (`{"tree":…,"node":…}` or `null`),
/// then the obligations' positions separated by `,`, then the end.
#[derive(Clone, Debug)]
pub(crate) struct InstanceRun {
    /// The first binding's start, up to its node (with the `[` of the
    /// obligations when the rule binds nothing).
    pub(crate) lead: String,
    /// Per binding: after its node, up to its witness's tree.
    pub(crate) to_tree: Vec<String>,
    /// Between the witness's tree and node.
    pub(crate) tree_node: String,
    /// Per binding: `to_tree`, tree `0` (the first tree, the commonest)
    /// and `tree_node` in one.
    pub(crate) to_node_of_tree0: Vec<String>,
    /// Per binding: after its witness's node up to the next binding's node
    /// (the last's: up to the first obligation's position, `[` included).
    pub(crate) after_witness: Vec<String>,
    /// Per binding without a witness: after its node up to the next
    /// binding's node (as `after_witness`), `null` baked in.
    pub(crate) no_witness: Vec<String>,
    /// `]}` and the next instance's lead.
    pub(crate) ends: Ends,
}

impl InstanceRun {
    /// From the rule's instance template (holes: per binding node and
    /// witness, then obligations) and witness template (holes: tree,
    /// node), for `k` bindings.
    pub(crate) fn new(inst: &Template, wit: Option<&Template>, k: usize) -> InstanceRun {
        // The text from hole `h`'s end to the next value, with the `[` of
        // the obligations when that is the next value.
        let next = |h: usize| {
            let mut s = inst.text(h).to_string();
            if h == 2 * k {
                s.push('[');
            }
            s
        };
        let lead = next(0);
        let (w0, w1, w2) = match wit {
            Some(t) => (t.text(0), t.text(1), t.text(2)),
            None => ("", "", ""),
        };
        let mut to_tree = Vec::with_capacity(k);
        let mut after_witness = Vec::with_capacity(k);
        let mut no_witness = Vec::with_capacity(k);
        let mut to_node_of_tree0 = Vec::with_capacity(k);
        for i in 0..k {
            to_tree.push(format!("{}{w0}", inst.text(2 * i + 1)));
            to_node_of_tree0.push(format!("{}{w0}0{w1}", inst.text(2 * i + 1)));
            after_witness.push(format!("{w2}{}", next(2 * i + 2)));
            no_witness.push(format!("{}null{}", inst.text(2 * i + 1), next(2 * i + 2)));
        }
        let tail = format!("]{}", inst.text(2 * k + 1));
        InstanceRun {
            ends: Ends::new(tail, &lead, 0),
            lead,
            to_tree,
            tree_node: w1.to_string(),
            to_node_of_tree0,
            after_witness,
            no_witness,
        }
    }
}

/// A check obligation of one check and status with at least one instance
/// imposing it: lead (its id up to the node), node, `to_cites`, the
/// `[rule, instance]` pairs (`rule`, `,`, `instance`, separated by
/// `],[`), `to_node`, node; then without results `no_results` and the
/// command's position when missing, and `ends`; with results `to_results`,
/// the results, `after_results` and the command's position when missing,
/// and `ends_after_results`.
#[derive(Clone, Debug)]
pub(crate) struct CheckRun {
    /// `,{"id":"check \"c\" on `.
    pub(crate) lead: String,
    /// `","status":"…","imposed_by":[[`.
    pub(crate) to_cites: String,
    /// `]],"check":{"check":"c","node":"`.
    pub(crate) to_node: String,
    /// When missing: `","results":[]},"approval":null,"unblock":{"command":`.
    pub(crate) no_results: String,
    /// `","results":`.
    pub(crate) to_results: String,
    /// When missing: `},"approval":null,"unblock":{"command":`.
    pub(crate) after_results: String,
    /// The end after no results (or, when missing, after the command).
    pub(crate) ends: Ends,
    /// The end after the results (or, when missing, after the command).
    pub(crate) ends_after_results: Ends,
    /// When missing, per command position below [`CheckRun::BAKED`]: the
    /// end from `no_results` with that position baked in.
    pub(crate) ends_of_command: Vec<Ends>,
}

impl CheckRun {
    /// How many command positions a missing check's run bakes in (a
    /// proof's `commands` are few: one per check and kind).
    pub(crate) const BAKED: u32 = 4;

    /// From check `check`'s template of its kind (holes: id, status,
    /// imposed_by, node, results, and the command when `missing`), with
    /// `status` baked in; `key` tells this run's lead from others'.
    pub(crate) fn new(
        t: &Template,
        check: &str,
        status: &str,
        missing: bool,
        key: usize,
    ) -> CheckRun {
        let mut raw = String::new();
        write_check_id(&mut raw, check, "");
        let mut lead = t.text(0).to_string();
        escape_into(&mut lead, &raw);
        let to_cites = format!("{}{status}{}[[", t.text(1), t.text(2));
        let to_node = format!("]]{}", t.text(3));
        let empty = format!("{}[]{}", t.text(4), t.text(5));
        let (no_results, after_results, tail, tail_after_results) = match missing {
            true => (
                empty,
                t.text(5).to_string(),
                t.text(6).to_string(),
                t.text(6).to_string(),
            ),
            false => (String::new(), String::new(), empty, t.text(5).to_string()),
        };
        let ends_of_command = match missing {
            true => (0..Self::BAKED)
                .map(|i| Ends::new(format!("{no_results}{i}{tail}"), &lead, key))
                .collect(),
            false => Vec::new(),
        };
        CheckRun {
            ends_of_command,
            ends: Ends::new(tail, &lead, key),
            ends_after_results: Ends::new(tail_after_results, &lead, key),
            to_results: t.text(4).to_string(),
            lead,
            to_cites,
            to_node,
            no_results,
            after_results,
        }
    }
}
