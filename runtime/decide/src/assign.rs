//! Assigning approvals to the steps of a chain.
//!
//! Owns the one rule of how signed approvals fill a chain's steps: each
//! person counts once per chain (a bipartite matching of people to the
//! steps' slots), and steps are completed **in order in time** (`then` means
//! then): no approval used for step `i + 1` was signed before step `i` was
//! complete, that is before the last approval step `i` used (the same
//! second counts as in order: signing times have one-second resolution).
//!
//! An assignment in time order is a choice of completion times
//! `T0 ≤ T1 ≤ …` among the approvals' signing times, step `i` drawing only
//! approvals signed in `[T(i-1), Ti]`; for a fixed choice, feasibility is a
//! matching. Chains have few steps and few approvers, so the choices are
//! enumerated (at most [`MAX_WINDOW_CHOICES`]; past that the chain is not
//! satisfied — fail closed — and the proof shows the greedy assignment).

/// Enumerated choices of completion times before giving up (fail closed).
pub(crate) const MAX_WINDOW_CHOICES: usize = 20_000;

/// Which step each candidate approval fills, and whether every step is full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Assignment {
    /// Per candidate: the step it fills, if any.
    pub step_of: Vec<Option<usize>>,
    /// Every step has its `need` approvals, in time order.
    pub complete: bool,
}

/// Assigns candidates (one approval per person, signed at `times[c]`) to
/// steps: `eligible[s]` lists the candidates that may fill step `s`,
/// `needs[s]` how many it needs.
pub(crate) fn assign(times: &[i64], eligible: &[Vec<usize>], needs: &[u32]) -> Assignment {
    let steps = needs.len();
    let all = vec![(i64::MIN, i64::MAX); steps];
    if steps <= 1 {
        return matching(times, eligible, needs, &all);
    }
    let mut distinct: Vec<i64> = times.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    // Thresholds T0 ≤ … ≤ T(steps-2), each one of the signing times.
    let mut chosen = Vec::with_capacity(steps - 1);
    let mut tried = 0usize;
    if let Some(found) = search(
        times,
        eligible,
        needs,
        &distinct,
        0,
        &mut chosen,
        &mut tried,
    ) {
        return found;
    }
    greedy(times, eligible, needs)
}

fn windows_of(thresholds: &[i64], steps: usize) -> Vec<(i64, i64)> {
    (0..steps)
        .map(|s| {
            let lo = if s == 0 { i64::MIN } else { thresholds[s - 1] };
            let hi = thresholds.get(s).copied().unwrap_or(i64::MAX);
            (lo, hi)
        })
        .collect()
}

fn search(
    times: &[i64],
    eligible: &[Vec<usize>],
    needs: &[u32],
    distinct: &[i64],
    from: usize,
    chosen: &mut Vec<i64>,
    tried: &mut usize,
) -> Option<Assignment> {
    let steps = needs.len();
    if chosen.len() == steps - 1 {
        *tried += 1;
        let found = matching(times, eligible, needs, &windows_of(chosen, steps));
        return found.complete.then_some(found);
    }
    for i in from..distinct.len() {
        if *tried >= MAX_WINDOW_CHOICES {
            return None;
        }
        chosen.push(distinct[i]);
        let found = search(times, eligible, needs, distinct, i, chosen, tried);
        chosen.pop();
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Step by step, each step drawing the earliest approvals signed after the
/// previous step completed: what the proof shows when no order works.
fn greedy(times: &[i64], eligible: &[Vec<usize>], needs: &[u32]) -> Assignment {
    let mut step_of = vec![None; times.len()];
    let mut after = i64::MIN;
    let mut complete = true;
    for (s, &need) in needs.iter().enumerate() {
        let mut pool: Vec<usize> = eligible[s]
            .iter()
            .copied()
            .filter(|&c| step_of[c].is_none() && times[c] >= after)
            .collect();
        pool.sort_by_key(|&c| (times[c], c));
        pool.truncate(need as usize);
        for &c in &pool {
            step_of[c] = Some(s);
        }
        if (pool.len() as u32) < need {
            complete = false;
            after = i64::MAX;
        } else if let Some(&last) = pool.last() {
            after = times[last];
        }
    }
    Assignment { step_of, complete }
}

/// A maximum matching of candidates to the steps' slots, candidate `c`
/// allowed in step `s` when eligible and signed inside `windows[s]`
/// (`[lo, hi]`).
fn matching(
    times: &[i64],
    eligible: &[Vec<usize>],
    needs: &[u32],
    windows: &[(i64, i64)],
) -> Assignment {
    let n = times.len();
    let mut slot_step = Vec::new();
    for (s, &need) in needs.iter().enumerate() {
        // More slots than candidates can never be filled; cap the work.
        for _ in 0..(need as usize).min(n + 1) {
            slot_step.push(s);
        }
    }
    let adj: Vec<Vec<usize>> = eligible
        .iter()
        .zip(windows)
        .map(|(e, &(lo, hi))| {
            e.iter()
                .copied()
                .filter(|&c| times[c] >= lo && times[c] <= hi)
                .collect()
        })
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; n];
    for slot in 0..slot_step.len() {
        let mut seen = vec![false; n];
        augment(slot, &slot_step, &adj, &mut owner, &mut seen);
    }
    let mut filled = vec![0u32; needs.len()];
    let step_of: Vec<Option<usize>> = owner
        .iter()
        .map(|o| o.map(|slot| slot_step[slot]))
        .collect();
    for s in step_of.iter().flatten() {
        filled[*s] += 1;
    }
    let complete = filled.iter().zip(needs).all(|(f, n)| f >= n);
    Assignment { step_of, complete }
}

fn augment(
    slot: usize,
    slot_step: &[usize],
    adj: &[Vec<usize>],
    owner: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for &c in &adj[slot_step[slot]] {
        if seen[c] {
            continue;
        }
        seen[c] = true;
        if owner[c].is_none_or(|o| augment(o, slot_step, adj, owner, seen)) {
            owner[c] = Some(slot);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_counts_distinct_people() {
        let a = assign(&[10, 20, 30], &[vec![0, 1, 2]], &[2]);
        assert!(a.complete);
        assert_eq!(a.step_of.iter().flatten().count(), 2);
        assert!(!assign(&[10], &[vec![0]], &[2]).complete);
    }

    #[test]
    fn then_means_then() {
        // Step 0 (owners): candidate 0 at t=100. Step 1 (security): candidate 1.
        let eligible = [vec![0], vec![1]];
        // Security signed after the owner: complete.
        assert!(assign(&[100, 200], &eligible, &[1, 1]).complete);
        // Security signed a day before the owner: not complete.
        let early = assign(&[100, 100 - 86_400], &eligible, &[1, 1]);
        assert!(!early.complete);
        assert_eq!(early.step_of, vec![Some(0), None]);
        // Signed in the same second: in order (one-second resolution).
        assert!(assign(&[100, 100], &eligible, &[1, 1]).complete);
        // One second early: not.
        assert!(!assign(&[100, 99], &eligible, &[1, 1]).complete);
    }

    #[test]
    fn a_person_eligible_for_both_steps_is_placed_where_order_allows() {
        // c0 (t=50) may fill either step, c1 (t=10) only step 0.
        let eligible = [vec![0, 1], vec![0]];
        let a = assign(&[50, 10], &eligible, &[1, 1]);
        assert!(a.complete);
        assert_eq!(a.step_of, vec![Some(1), Some(0)]);
    }

    #[test]
    fn the_step_completes_at_its_last_needed_approval() {
        // Step 0 needs two: t=10 and t=30, so step 1 needs an approval after 30.
        let eligible = [vec![0, 1], vec![2]];
        assert!(!assign(&[10, 30, 20], &eligible, &[2, 1]).complete);
        assert!(assign(&[10, 30, 30], &eligible, &[2, 1]).complete);
        assert!(assign(&[10, 30, 40], &eligible, &[2, 1]).complete);
    }
}
