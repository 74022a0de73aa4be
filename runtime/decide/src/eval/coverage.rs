//! Coverage: what an evaluation exercised (rules fired, `when` true and
//! false, `require` clauses that imposed an obligation, forbids applied or
//! not), kept as flat flags while settling (`CoverageBits`) and moved into
//! the public [`Coverage`] that `writ test --coverage` merges. A rule's
//! `require` clauses are named by their index in
//! [`writ_plan::Rule::requirements`], each with its own entry.

use super::state::Eval;
use crate::prepare::Prepared;
use std::sync::Arc;

/// What a set of evaluations exercised: the basis of `writ test --coverage`.
///
/// Kept as the flat flags settling set ([`CoverageBits`], moved in: a
/// decision's coverage costs no allocation of its own), read through its
/// methods. Rules and forbids are named by their plan index, a rule's
/// `require` clauses by their index in [`writ_plan::Rule::requirements`];
/// an index past the plan reads as not exercised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Per rule (plan order): a set of [`rule_flags`].
    rules: Vec<u8>,
    /// Per rule `require` clause, rules after one another: requirement
    /// `k` of rule `ri` is `clauses[clause_base[ri] + k]`.
    clauses: Vec<bool>,
    /// Per rule, its first clause's place in `clauses`, and the total
    /// last (shared by every decision on a plan).
    clause_base: Arc<[u32]>,
    /// Per forbid (plan order): a set of [`forbid_flags`].
    forbids: Vec<u8>,
}

impl Coverage {
    /// Whether rule `rule` fired (some instance of it).
    pub fn rule_fired(&self, rule: usize) -> bool {
        has(&self.rules, rule, rule_flags::FIRED)
    }

    /// Whether rule `rule`'s `when` was true for some instance.
    pub fn when_true(&self, rule: usize) -> bool {
        has(&self.rules, rule, rule_flags::WHEN_TRUE)
    }

    /// Whether rule `rule`'s `when` was false for some instance.
    pub fn when_false(&self, rule: usize) -> bool {
        has(&self.rules, rule, rule_flags::WHEN_FALSE)
    }

    /// Whether forbid `forbid` applied (lifted or not).
    pub fn forbid_applied(&self, forbid: usize) -> bool {
        has(&self.forbids, forbid, forbid_flags::APPLIED)
    }

    /// Whether forbid `forbid` did not apply.
    pub fn forbid_not_applied(&self, forbid: usize) -> bool {
        has(&self.forbids, forbid, forbid_flags::NOT_APPLIED)
    }

    /// Per `require` clause of rule `rule` (in the order of
    /// [`writ_plan::Rule::requirements`]): whether it imposed an
    /// obligation; empty for a rule past the plan.
    pub fn requirement_imposed(&self, rule: usize) -> &[bool] {
        let (Some(&start), Some(&end)) =
            (self.clause_base.get(rule), self.clause_base.get(rule + 1))
        else {
            return &[];
        };
        self.clauses
            .get(start as usize..end as usize)
            .unwrap_or(&[])
    }

    /// Whether requirement `k` of rule `rule` (the indices of
    /// [`writ_plan::Plan::rules`] and [`writ_plan::Rule::requirements`])
    /// imposed an obligation in some evaluation.
    pub fn imposed(&self, rule: usize, k: usize) -> bool {
        self.requirement_imposed(rule)
            .get(k)
            .copied()
            .unwrap_or(false)
    }

    /// Adds what `other` exercised.
    pub fn merge(&mut self, other: &Coverage) {
        fn or(a: &mut Vec<u8>, b: &[u8]) {
            if a.len() < b.len() {
                a.resize(b.len(), 0);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x |= *y;
            }
        }
        // Every field named: a new field is a compile error here until it
        // is merged.
        let Coverage {
            rules,
            clauses,
            clause_base,
            forbids,
        } = self;
        if *clause_base == other.clause_base {
            for (x, y) in clauses.iter_mut().zip(&other.clauses) {
                *x |= *y;
            }
        } else {
            // Laid out for other plans: per rule, the clauses of either.
            let n = (clause_base.len().max(other.clause_base.len())).saturating_sub(1);
            let mut base = Vec::with_capacity(n + 1);
            let mut flat = Vec::new();
            let old = Coverage {
                rules: Vec::new(),
                clauses: std::mem::take(clauses),
                clause_base: clause_base.clone(),
                forbids: Vec::new(),
            };
            for ri in 0..n {
                base.push(flat.len() as u32);
                let (a, b) = (old.requirement_imposed(ri), other.requirement_imposed(ri));
                flat.extend((0..a.len().max(b.len())).map(|k| {
                    a.get(k).copied().unwrap_or(false) || b.get(k).copied().unwrap_or(false)
                }));
            }
            base.push(flat.len() as u32);
            *clauses = flat;
            *clause_base = base.into();
        }
        or(rules, &other.rules);
        or(forbids, &other.forbids);
    }
}

/// Whether `sets[i]` holds `flag` (not past its end).
fn has(sets: &[u8], i: usize, flag: u8) -> bool {
    sets.get(i).is_some_and(|b| b & flag != 0)
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

/// What an evaluation exercised, as flat flags (moved into [`Coverage`]
/// when the decision is written out).
#[derive(Default)]
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
    /// The public [`Coverage`] of the flat coverage flags, moved in.
    pub(super) fn coverage(&self, bits: CoverageBits) -> Coverage {
        Coverage {
            rules: bits.rules,
            clauses: bits.clauses,
            clause_base: self.p.clause_base.clone(),
            forbids: bits.forbids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(rules: &[u8], clauses: &[bool], base: &[u32], forbids: &[u8]) -> Coverage {
        Coverage {
            rules: rules.to_vec(),
            clauses: clauses.to_vec(),
            clause_base: base.into(),
            forbids: forbids.to_vec(),
        }
    }

    /// Merging adds what either exercised: into nothing, on the same
    /// layout, and on another (a rule with more clauses); an index past
    /// the plan reads as not exercised.
    #[test]
    fn merged_flags_and_clauses() {
        let a = of(
            &[rule_flags::FIRED, 0],
            &[true, false, false],
            &[0, 2, 3],
            &[forbid_flags::APPLIED],
        );
        let b = of(
            &[rule_flags::WHEN_FALSE, rule_flags::WHEN_TRUE],
            &[false, false, true],
            &[0, 2, 3],
            &[],
        );
        let mut all = Coverage::default();
        all.merge(&a);
        assert_eq!(all.requirement_imposed(0), [true, false]);
        all.merge(&b);
        assert!(all.rule_fired(0) && all.when_false(0) && all.when_true(1));
        assert!(!all.rule_fired(1) && !all.when_true(0) && !all.rule_fired(7));
        assert_eq!(all.requirement_imposed(0), [true, false]);
        assert_eq!(all.requirement_imposed(1), [true]);
        assert!(all.imposed(1, 0) && !all.imposed(1, 1) && !all.imposed(9, 0));
        assert!(all.forbid_applied(0) && !all.forbid_not_applied(0) && !all.forbid_applied(1));
        let wider = of(&[0, 0], &[false, true, false, true], &[0, 3, 4], &[]);
        all.merge(&wider);
        // Rule 0 now has three clauses: the first two merged, the third new.
        assert_eq!(all.requirement_imposed(0), [true, true, false]);
        assert_eq!(all.requirement_imposed(1), [true]);
        assert!(all.requirement_imposed(2).is_empty());
    }
}
