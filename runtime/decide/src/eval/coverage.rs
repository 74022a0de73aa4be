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

/// What an evaluation exercised, as flat flags (expanded into [`Coverage`]
/// only when the decision is written out).
pub(super) struct CoverageBits {
    /// Per rule: bit 0 fired, bit 1 `when` true, bit 2 `when` false.
    pub(super) rules: Vec<u8>,
    /// Per rule `require` clause, rules after one another (`Prepared::clause_base`).
    pub(super) clauses: Vec<bool>,
    /// Per forbid: bit 0 applied, bit 1 not applied.
    pub(super) forbids: Vec<u8>,
}

impl Eval<'_, '_> {
    /// Expands the flat coverage flags into [`Coverage`].
    pub(super) fn coverage(&self, bits: &CoverageBits) -> Coverage {
        let base = &self.p.clause_base;
        Coverage {
            rule_fired: bits.rules.iter().map(|b| b & 1 != 0).collect(),
            when_true: bits.rules.iter().map(|b| b & 2 != 0).collect(),
            when_false: bits.rules.iter().map(|b| b & 4 != 0).collect(),
            clause_imposed: (0..bits.rules.len())
                .map(|ri| bits.clauses[base[ri] as usize..base[ri + 1] as usize].to_vec())
                .collect(),
            forbid_applied: bits.forbids.iter().map(|b| b & 1 != 0).collect(),
            forbid_not_applied: bits.forbids.iter().map(|b| b & 2 != 0).collect(),
        }
    }
}
