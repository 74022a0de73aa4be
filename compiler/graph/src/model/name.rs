//! [`Name`]: the immutable, shared text of a graph document's repeated
//! strings (node ids and kinds, tags, owners, edge kinds and targets, check
//! names and commands), and the [`Interner`] the loader shares them from.
//!
//! A graph of 100,000 services names each service once as its id and about
//! five more times as an edge target, its owning team a hundred times, and
//! `depends_on` a hundred thousand times. As separate `String`s those are
//! about a million allocations; as `Name`s read through one interner they
//! are one allocation per distinct text, and each use is a pointer and a
//! length. A `Name` reads as a `&str` (`Deref`, `as_str`, comparisons with
//! strings), orders and hashes as its text, and serialises as a string, so
//! the bytes of everything written from a document are those of `String`.

use std::borrow::Borrow;
use std::sync::Arc;

/// Shared, immutable text: cloning it copies a pointer.
#[derive(Clone)]
pub struct Name(Arc<str>);

impl Name {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address of the shared text: the same for every name that shares
    /// one allocation (one interner's names of one text), so a table keyed
    /// by it finds a name read through the same interner without hashing or
    /// comparing its text. Names of equal text may have different addresses
    /// (built apart, or read through different interners): a miss in such a
    /// table says nothing, and the caller looks the text up instead.
    pub fn shared_addr(&self) -> usize {
        Arc::as_ptr(&self.0).cast::<u8>() as usize
    }
}

// Equality and order are the text's. Names read through one interner
// share one allocation per text, so two that point to the same text are
// equal without reading it (edge kinds and targets are compared and
// sorted hundreds of thousands of times).
impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for Name {}

// As its text (what `Borrow<str>` lookups in hashed sets need): equal names
// have equal texts, so equal hashes.
impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        if Arc::ptr_eq(&self.0, &other.0) {
            std::cmp::Ordering::Equal
        } else {
            self.0.cmp(&other.0)
        }
    }
}

impl Default for Name {
    /// The empty text.
    fn default() -> Name {
        Name::from("")
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Name {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.as_str().as_ref()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(Arc::from(s))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(Arc::from(s))
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Name {
        Name::from(s.as_str())
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.as_str().to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Name::from(s.as_ref()))
    }
}

/// Hands out one [`Name`] per distinct text: the loader reads every
/// repeated string of a graph file through one of these.
#[derive(Default)]
pub(crate) struct Interner {
    names: rustc_hash::FxHashSet<Name>,
}

impl Interner {
    /// The `Name` of `text`, shared with every earlier use of the same text.
    pub(crate) fn intern(&mut self, text: &str) -> Name {
        if let Some(name) = self.names.get(text) {
            return name.clone();
        }
        let name = Name::from(text);
        self.names.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_reads_compares_and_serialises_as_its_text() {
        let n = Name::from("d0/svc-1");
        assert_eq!(n.as_str(), "d0/svc-1");
        assert_eq!(n, "d0/svc-1");
        assert_eq!("d0/svc-1", n);
        assert_eq!(n, "d0/svc-1".to_string());
        let mut sorted = vec![Name::from("ba"), Name::from("b"), Name::from("a")];
        sorted.sort();
        assert_eq!(sorted, ["a", "b", "ba"]);
        assert_eq!(format!("{n} {n:?}"), "d0/svc-1 \"d0/svc-1\"");
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"d0/svc-1\"");
        assert_eq!(
            postcard::to_allocvec(&n).unwrap(),
            postcard::to_allocvec(&"d0/svc-1".to_string()).unwrap()
        );
        let back: Name = serde_json::from_str("\"a\\\"b\"").unwrap();
        assert_eq!(back, "a\"b");
        let back: Name = postcard::from_bytes(&postcard::to_allocvec(&n).unwrap()).unwrap();
        assert_eq!(back, n);
        assert_eq!(Name::default(), "");
    }

    #[test]
    fn shared_and_separate_names_compare_and_order_as_their_text() {
        let words = ["", "a", "b", "ab", "platform/lib-0", "platform/lib-1"];
        let mut interner = Interner::default();
        for x in words {
            for y in words {
                let separate = (Name::from(x), Name::from(y));
                let shared = (interner.intern(x), interner.intern(y));
                for (a, b) in [separate, shared] {
                    assert_eq!(a.cmp(&b), x.cmp(y), "{x:?} against {y:?}");
                    assert_eq!(a.partial_cmp(&b), Some(x.cmp(y)));
                    assert_eq!(a == b, x == y, "{x:?} against {y:?}");
                    assert_eq!(a.cmp(&a.clone()), std::cmp::Ordering::Equal);
                }
            }
        }
    }

    #[test]
    fn the_interner_shares_one_allocation_per_text() {
        let mut i = Interner::default();
        let a = i.intern("team-d0");
        let b = i.intern(&String::from("team-d0"));
        let c = i.intern("team-d1");
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert!(!Arc::ptr_eq(&a.0, &c.0));
        assert_eq!((a.as_str(), c.as_str()), ("team-d0", "team-d1"));
    }
}
