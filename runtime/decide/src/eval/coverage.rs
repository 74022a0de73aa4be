//! Coverage: what an evaluation exercised (rules fired, `when` true and
//! false, `require` clauses that imposed an obligation, forbids applied or
//! not), kept as flat flags while settling (`CoverageBits`) and expanded into
//! the public [`Coverage`] that `writ test --coverage` merges. A rule's
//! `require` clauses are named by kind and position ([`Clause`]), never by
//! a flat offset outside this file.

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
    /// Per rule: which of its `require` clauses imposed an obligation
    /// (read with [`Coverage::imposed`]).
    pub clause_imposed: Vec<ClauseCoverage>,
    /// Per forbid (plan order): it applied (lifted or not).
    pub forbid_applied: Vec<bool>,
    /// Per forbid: it did not apply.
    pub forbid_not_applied: Vec<bool>,
}

/// One `require` clause of a rule: its kind and its position among the
/// rule's clauses of that kind (the plan keeps a rule's `require check` and
/// `require approval` clauses in two lists, [`writ_plan::Rule::checks`] and
/// [`writ_plan::Rule::approvals`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clause {
    /// `require check`, the `k`-th of the rule's.
    Check(usize),
    /// `require approval`, the `k`-th of the rule's.
    Approval(usize),
}

/// Which `require` clauses of one rule imposed an obligation, per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClauseCoverage {
    /// Per `require check` clause, in plan order.
    pub checks: Vec<bool>,
    /// Per `require approval` clause, in plan order.
    pub approvals: Vec<bool>,
}

impl Coverage {
    /// Whether clause `clause` of rule `rule` (plan order) imposed an
    /// obligation in some evaluation.
    pub fn imposed(&self, rule: usize, clause: Clause) -> bool {
        let Some(c) = self.clause_imposed.get(rule) else {
            return false;
        };
        let flags = match clause {
            Clause::Check(k) => c.checks.get(k),
            Clause::Approval(k) => c.approvals.get(k),
        };
        flags.copied().unwrap_or(false)
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
        or(&mut self.rule_fired, &other.rule_fired);
        or(&mut self.when_true, &other.when_true);
        or(&mut self.when_false, &other.when_false);
        or(&mut self.forbid_applied, &other.forbid_applied);
        or(&mut self.forbid_not_applied, &other.forbid_not_applied);
        if self.clause_imposed.len() < other.clause_imposed.len() {
            self.clause_imposed
                .resize(other.clause_imposed.len(), ClauseCoverage::default());
        }
        for (a, b) in self.clause_imposed.iter_mut().zip(&other.clause_imposed) {
            // Every field named: a new kind of clause is a compile error here.
            let ClauseCoverage { checks, approvals } = a;
            or(checks, &b.checks);
            or(approvals, &b.approvals);
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
    /// Per rule `require` clause, rules after one another
    /// (`Prepared::clause_base`); written through [`CoverageBits::impose`]
    /// and read in [`Eval::coverage`], the two places that know the layout.
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

    /// Records that clause `clause` of rule `ri` imposed an obligation. The
    /// flat layout per rule: its checks, then its approvals.
    pub(super) fn impose(&mut self, p: &Prepared, ri: usize, clause: Clause) {
        let base = p.clause_base[ri] as usize;
        let slot = match clause {
            Clause::Check(k) => base + k,
            Clause::Approval(k) => base + p.rules[ri].checks.len() + k,
        };
        self.clauses[slot] = true;
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
            clause_imposed: (0..bits.rules.len())
                .map(|ri| {
                    let flags = &bits.clauses[base[ri] as usize..base[ri + 1] as usize];
                    let (checks, approvals) = flags.split_at(self.p.rules[ri].checks.len());
                    ClauseCoverage {
                        checks: checks.to_vec(),
                        approvals: approvals.to_vec(),
                    }
                })
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
