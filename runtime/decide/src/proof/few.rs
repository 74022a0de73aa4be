//! [`Few`]: the proof's lists that nearly always hold one item (an
//! instance's bindings and obligations, an obligation's `imposed_by`),
//! kept inline while they hold at most one. A proof that fires once per
//! reached service writes three such lists per instance; as `Vec`s they
//! were three allocations (and three frees) each. Re-exported by `proof`.
//!
//! A `Few` reads as a slice (it derefs to `[T]`) and serialises exactly as
//! a `Vec` does (a JSON array), so the proof's bytes do not depend on it.
//! Beyond one item it holds a boxed slice, not a `Vec` (two words, not
//! three: a `Few` of small items is two words, and there is one in every
//! reached service's obligation and instance record); appending to it
//! copies, which no proof does past its first item.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::ops::{Deref, DerefMut};

/// A list kept inline while it holds at most one item (then no
/// allocation), in a boxed slice beyond that. Reads as a slice; serialises as a
/// JSON array; two `Few`s are equal when their items are.
#[derive(Clone)]
pub struct Few<T>(Repr<T>);

#[derive(Clone)]
enum Repr<T> {
    /// Exactly one item.
    One([T; 1]),
    /// None, or more than one.
    Many(Box<[T]>),
}

impl<T> Few<T> {
    /// The empty list (no allocation).
    pub fn new() -> Self {
        Few(Repr::Many(Box::default()))
    }

    /// A list of one item (no allocation).
    pub fn one(item: T) -> Self {
        Few(Repr::One([item]))
    }

    /// The items.
    pub fn as_slice(&self) -> &[T] {
        match &self.0 {
            Repr::One(a) => a,
            Repr::Many(v) => v,
        }
    }

    /// The items, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        match &mut self.0 {
            Repr::One(a) => a,
            Repr::Many(v) => v,
        }
    }

    /// Appends `item` (beyond two items, copying the others).
    pub fn push(&mut self, item: T) {
        match std::mem::take(self).0 {
            Repr::One([first]) => *self = Few(Repr::Many(Box::new([first, item]))),
            Repr::Many(v) if !v.is_empty() => {
                let mut v = v.into_vec();
                v.push(item);
                *self = Few(Repr::Many(v.into_boxed_slice()));
            }
            Repr::Many(_) => *self = Few::one(item),
        }
    }

    /// Sorts the items and drops repeated ones (as `Vec::sort` then
    /// `Vec::dedup`).
    pub fn sort_dedup(&mut self)
    where
        T: Ord,
    {
        if let Repr::Many(v) = &mut self.0 {
            v.sort();
            if v.windows(2).any(|w| w[0] == w[1]) {
                let mut all = std::mem::take(v).into_vec();
                all.dedup();
                *self = Few::from(all);
            }
        }
    }

    /// The items as a `Vec`.
    pub fn into_vec(self) -> Vec<T> {
        match self.0 {
            Repr::One(a) => Vec::from(a),
            Repr::Many(v) => v.into_vec(),
        }
    }
}

impl<T> Default for Few<T> {
    fn default() -> Self {
        Few::new()
    }
}

impl<T> Deref for Few<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> DerefMut for Few<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T> From<Vec<T>> for Few<T> {
    fn from(mut v: Vec<T>) -> Self {
        if v.len() == 1
            && let Some(only) = v.pop()
        {
            return Few::one(only);
        }
        Few(Repr::Many(v.into_boxed_slice()))
    }
}

impl<T> FromIterator<T> for Few<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut iter = iter.into_iter();
        let Some(first) = iter.next() else {
            return Few::new();
        };
        let Some(second) = iter.next() else {
            return Few::one(first);
        };
        let mut v = Vec::with_capacity(2 + iter.size_hint().0);
        v.push(first);
        v.push(second);
        v.extend(iter);
        Few(Repr::Many(v.into_boxed_slice()))
    }
}

impl<'a, T> IntoIterator for &'a Few<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<'a, T> IntoIterator for &'a mut Few<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_mut_slice().iter_mut()
    }
}

impl<T> IntoIterator for Few<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Few<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl<T: PartialEq> PartialEq for Few<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Eq> Eq for Few<T> {}

impl<T: Serialize> Serialize for Few<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Few<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(d).map(Few::from)
    }
}

#[cfg(test)]
mod tests {
    use super::Few;

    #[test]
    fn reads_and_serialises_as_a_vec_whatever_its_length() {
        for n in 0..4u32 {
            let v: Vec<u32> = (0..n).collect();
            let few: Few<u32> = v.iter().copied().collect();
            assert_eq!(&*few, v.as_slice());
            assert_eq!(Few::from(v.clone()), few);
            assert_eq!(
                serde_json::to_string(&few).unwrap(),
                serde_json::to_string(&v).unwrap()
            );
            let back: Few<u32> = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
            assert_eq!(back, few);
            let mut pushed = Few::new();
            for &x in &v {
                pushed.push(x);
            }
            assert_eq!(pushed, few);
            assert_eq!(few.clone().into_vec(), v);
        }
    }

    #[test]
    fn sort_dedup_is_the_vecs() {
        let mut few: Few<u32> = vec![3, 1, 3, 2, 1].into();
        few.sort_dedup();
        assert_eq!(&*few, &[1, 2, 3]);
        let mut twice: Few<u32> = vec![5, 5].into();
        twice.sort_dedup();
        assert_eq!(&*twice, &[5]);
    }

    /// The per-reached-service records stay small (their size is what a
    /// large proof writes to fresh memory): a `Few` of small items is two
    /// words; a witness node that is not a root holds no file or globs
    /// inline; a check obligation's results and an unblock's whole command
    /// are boxed slices.
    #[test]
    fn a_reached_services_records_stay_small() {
        use crate::proof::{InstanceProof, InstanceRef, ObligationProof, WitnessNode};
        use std::mem::size_of;
        assert_eq!(size_of::<Few<u32>>(), 16);
        assert_eq!(size_of::<Few<InstanceRef>>(), 16);
        assert!(
            size_of::<WitnessNode>() <= 32,
            "{}",
            size_of::<WitnessNode>()
        );
        assert!(
            size_of::<InstanceProof>() <= 40,
            "{}",
            size_of::<InstanceProof>()
        );
        assert!(
            size_of::<ObligationProof>() <= 104,
            "{}",
            size_of::<ObligationProof>()
        );
    }
}
