//! Coverage: what an evaluation exercised (rules fired, `when` true and
//! false, `require` clauses that imposed an obligation, forbids applied or
//! not), kept as flat flags while settling (`CoverageBits`) and expanded into
//! the public [`Coverage`] that `writ test --coverage` merges. A rule's
//! `require` clauses are named by their index in
//! [`writ_plan::Rule::requirements`], each with its own entry.

use super::state::Eval;
use crate::prepare::Prepared;

/// What a set of evaluations exercised: the basis of `writ test --coverage`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Per rule (plan order): some instance fired.
    pub rule_fired: Vec<bool>,
    /// Per rule: its `when` was true for some instance.
    pub when_true: Vec<bool>,
    /// Per rule: its `when` was false for some instance.
    pub when_false: Vec<bool>,
    /// Per rule, per `require` clause (in the order of
    /// [`writ_plan::Rule::requirements`]): it imposed an obligation (read
    /// with [`Coverage::imposed`]).
    pub requirement_imposed: Vec<Vec<bool>>,
    /// Per forbid (plan order): it applied (lifted or not).
    pub forbid_applied: Vec<bool>,
    /// Per forbid: it did not apply.
    pub forbid_not_applied: Vec<bool>,
}

impl Coverage {
    /// Whether requirement `k` of rule `rule` (the indices of
    /// [`writ_plan::Plan::rules`] and [`writ_plan::Rule::requirements`])
    /// imposed an obligation in some evaluation.
    pub fn imposed(&self, rule: usize, k: usize) -> bool {
        self.requirement_imposed
            .get(rule)
            .and_then(|r| r.get(k))
            .copied()
            .unwrap_or(false)
    }

    /// Adds what `other` exercised.
    pub fn merge(&mut self, other: &Coverage) {
        fn or(a: &mut Vec<bool>, b: &[bool]) {
            if a.len() < b.len() {
                a.resize(b.len(), false);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x |= *y;
            }
        }
        // Every field named: a new field is a compile error here until it
        // is merged.
        let Coverage {
            rule_fired,
            when_true,
            when_false,
            requirement_imposed,
            forbid_applied,
            forbid_not_applied,
        } = self;
        or(rule_fired, &other.rule_fired);
        or(when_true, &other.when_true);
        or(when_false, &other.when_false);
        or(forbid_applied, &other.forbid_applied);
        or(forbid_not_applied, &other.forbid_not_applied);
        if requirement_imposed.len() < other.requirement_imposed.len() {
            requirement_imposed.resize(other.requirement_imposed.len(), Vec::new());
        }
        for (a, b) in requirement_imposed
            .iter_mut()
            .zip(&other.requirement_imposed)
        {
            or(a, b);
        }
    }
}

/// The flags of [`CoverageBits::rules`], one bit each: the one place that
/// says which bit means what.
pub(super) mod rule_flags {
    /// Some instance of the rule fired.
    pub(crate) const FIRED: u8 = 1;
    /// Its `when` was true for some instance.
    pub(crate) const WHEN_TRUE: u8 = 2;
    /// Its `when` was false for some instance.
    pub(crate) const WHEN_FALSE: u8 = 4;
}

/// The flags of [`CoverageBits::forbids`], one bit each.
pub(super) mod forbid_flags {
    /// The forbid applied (lifted or not).
    pub(crate) const APPLIED: u8 = 1;
    /// The forbid did not apply.
    pub(crate) const NOT_APPLIED: u8 = 2;
}

/// What an evaluation exercised, as flat flags (expanded into [`Coverage`]
/// only when the decision is written out).
pub(super) struct CoverageBits {
    /// Per rule: a set of [`rule_flags`].
    pub(super) rules: Vec<u8>,
    /// Per rule `require` clause, rules after one another: requirement `k`
    /// of rule `ri` is `clauses[clause_base[ri] + k]`
    /// (`Prepared::clause_base`); written through [`CoverageBits::impose`]
    /// and read in [`Eval::coverage`].
    clauses: Vec<bool>,
    /// Per forbid: a set of [`forbid_flags`].
    pub(super) forbids: Vec<u8>,
}

impl CoverageBits {
    /// No flag set, for the rules and forbids of `p`.
    pub(super) fn new(p: &Prepared) -> CoverageBits {
        CoverageBits {
            rules: vec![0; p.rules.len()],
            clauses: vec![false; p.clause_base.last().copied().unwrap_or(0) as usize],
            forbids: vec![0; p.forbids.len()],
        }
    }

    /// Records that requirement `k` of rule `ri` imposed an obligation.
    pub(super) fn impose(&mut self, p: &Prepared, ri: usize, k: usize) {
        self.clauses[p.clause_base[ri] as usize + k] = true;
    }
}

impl Eval<'_, '_> {
    /// Expands the flat coverage flags into [`Coverage`].
    pub(super) fn coverage(&self, bits: &CoverageBits) -> Coverage {
        let base = &self.p.clause_base;
        Coverage {
            rule_fired: flag(&bits.rules, rule_flags::FIRED),
            when_true: flag(&bits.rules, rule_flags::WHEN_TRUE),
            when_false: flag(&bits.rules, rule_flags::WHEN_FALSE),
            requirement_imposed: (0..bits.rules.len())
                .map(|ri| bits.clauses[base[ri] as usize..base[ri + 1] as usize].to_vec())
                .collect(),
            forbid_applied: flag(&bits.forbids, forbid_flags::APPLIED),
            forbid_not_applied: flag(&bits.forbids, forbid_flags::NOT_APPLIED),
        }
    }
}

/// Whether each of `sets` holds `flag`.
fn flag(sets: &[u8], flag: u8) -> Vec<bool> {
    sets.iter().map(|b| b & flag != 0).collect()
}
