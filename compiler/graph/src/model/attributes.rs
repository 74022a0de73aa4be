//! A node's named attributes: a map from name to value kept as one sorted
//! vector, not a `BTreeMap`.
//!
//! A node has a few attributes (the generated 100,000-service graph one
//! each); a `BTreeMap` allocates a leaf for eleven entries, about 600 bytes,
//! for each node that has any — 70 MB of a 100,000-node graph document. A
//! sorted vector holds exactly its entries. The API is the part of
//! `BTreeMap`'s that the compiler uses, with the same meaning (iteration in
//! key order, `insert` replacing, serialised as a map).

use super::{AttrValue, Spanned};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;

/// A node's attributes, by name, iterated in name order.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Attributes {
    /// Sorted by name, names unique.
    entries: Vec<(String, Spanned<AttrValue>)>,
}

impl Attributes {
    /// No attributes.
    pub fn new() -> Attributes {
        Attributes::default()
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    /// Sets `name` to `value`; returns the value it had.
    pub fn insert(
        &mut self,
        name: String,
        value: Spanned<AttrValue>,
    ) -> Option<Spanned<AttrValue>> {
        match self.find(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (name, value));
                None
            }
        }
    }

    /// Gives back spare capacity (the loader calls it once a node's
    /// attributes are read).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Spanned<AttrValue>> {
        self.find(name).ok().map(|i| &self.entries[i].1)
    }

    /// Whether `name` is set.
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// The number of attributes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Names and values, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Spanned<AttrValue>)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Names, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values, in name order.
    pub fn values(&self) -> impl Iterator<Item = &Spanned<AttrValue>> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Values, in name order, to change in place (names and order stay).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Spanned<AttrValue>> {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl std::ops::Index<&str> for Attributes {
    type Output = Spanned<AttrValue>;

    /// # Panics
    /// If `name` is not set (as `BTreeMap`'s index).
    fn index(&self, name: &str) -> &Spanned<AttrValue> {
        self.get(name)
            .unwrap_or_else(|| panic!("no attribute `{name}`"))
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = (&'a String, &'a Spanned<AttrValue>);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Spanned<AttrValue>)>,
        fn(&'a (String, Spanned<AttrValue>)) -> (&'a String, &'a Spanned<AttrValue>),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl IntoIterator for Attributes {
    type Item = (String, Spanned<AttrValue>);
    type IntoIter = std::vec::IntoIter<(String, Spanned<AttrValue>)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl FromIterator<(String, Spanned<AttrValue>)> for Attributes {
    /// Later values of a repeated name replace earlier ones (as `BTreeMap`).
    fn from_iter<I: IntoIterator<Item = (String, Spanned<AttrValue>)>>(iter: I) -> Self {
        let mut out = Attributes::new();
        for (k, v) in iter {
            out.insert(k, v);
        }
        out
    }
}

impl std::fmt::Debug for Attributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Attributes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Attributes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of attributes")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes, A::Error> {
                let mut out = Attributes::new();
                out.entries.reserve(map.size_hint().unwrap_or(0).min(64));
                while let Some((k, v)) = map.next_entry::<String, Spanned<AttrValue>>()? {
                    out.insert(k, v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Any sequence of inserts gives what a `BTreeMap` gives: the same
    /// entries in the same order, the same replaced values, the same
    /// serialised bytes.
    #[test]
    fn behaves_as_a_btreemap() {
        let names = ["tier", "a", "zone", "tier", "b", "a", "m"];
        let mut ours = Attributes::new();
        let mut theirs = BTreeMap::new();
        for (i, name) in names.iter().enumerate() {
            let v = Spanned::bare(AttrValue::Int(i as i64));
            assert_eq!(
                ours.insert(name.to_string(), v.clone()),
                theirs.insert(name.to_string(), v)
            );
            assert!(ours.iter().eq(theirs.iter()));
            assert_eq!(ours.len(), theirs.len());
        }
        assert_eq!(ours.get("tier"), theirs.get("tier"));
        assert_eq!(ours.get("nope"), None);
        assert!(ours.contains_key("m") && !ours.contains_key("n"));
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
        let bytes = postcard::to_allocvec(&ours).unwrap();
        assert_eq!(bytes, postcard::to_allocvec(&theirs).unwrap());
        let back: Attributes = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, ours);
        assert_eq!(
            serde_json::to_string(&ours).unwrap(),
            serde_json::to_string(&theirs).unwrap()
        );
    }
}
