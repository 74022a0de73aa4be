//! Coverage: what an evaluation exercised (rules fired, `when` true and
//! false, `require` clauses that imposed an obligation, forbids applied or
//! not), kept as flat flags while settling (`CoverageBits`) and expanded into
//! the public [`Coverage`] that `writ test --coverage` merges.

use super::state::Eval;

/// What a set of evaluations exercised: the basis of `writ test --coverage`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Per rule (plan order): some instance fired.
    pub rule_fired: Vec<bool>,
    /// Per rule: its `when` was true for some instance.
    pub when_true: Vec<bool>,
    /// Per rule: its `when` was false for some instance.
    pub when_false: Vec<bool>,
    /// Per rule, per `require` clause (checks first, then approvals): it imposed an obligation.
    pub clause_imposed: Vec<Vec<bool>>,
    /// Per forbid (plan order): it applied (lifted or not).
    pub forbid_applied: Vec<bool>,
    /// Per forbid: it did not apply.
    pub forbid_not_applied: Vec<bool>,
}

impl Coverage {
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
                .resize(other.clause_imposed.len(), Vec::new());
        }
        for (a, b) in self.clause_imposed.iter_mut().zip(&other.clause_imposed) {
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
    /// Per rule `require` clause, rules after one another (`Prepared::clause_base`).
    pub(super) clauses: Vec<bool>,
    /// Per forbid: a set of [`forbid_flags`].
    pub(super) forbids: Vec<u8>,
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
