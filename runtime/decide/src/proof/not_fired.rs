//! The rules that did not fire, as a proof holds them ([`NotFiredList`]):
//! each a (rule, why) pair of positions into one table of texts shared by
//! every proof of a plan (its rule ids and the common reasons), so a
//! decision that leaves a hundred rules unfired writes two numbers per
//! rule, not two shared strings (whose reference counts are what it
//! cost). Serialises exactly as a list of [`NotFired`]. Re-exported by
//! `proof`.

use super::{NotFired, Text};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The rules that did not fire, sorted by rule id, with why; written and
/// read as a JSON array of [`NotFired`] (`{"rule": …, "why": …}`).
///
/// Position `i` names `shared[i]` when `i < shared.len()`, else
/// `own[i - shared.len()]` (a text made for this proof alone, or read
/// from JSON).
#[derive(Clone, Debug, Default)]
pub struct NotFiredList {
    shared: Arc<[Text]>,
    own: Vec<Text>,
    items: Vec<[u32; 2]>,
}

impl NotFiredList {
    /// An empty list naming texts of `shared` by position.
    pub fn new(shared: Arc<[Text]>, capacity: usize) -> NotFiredList {
        NotFiredList {
            shared,
            own: Vec::new(),
            items: Vec::with_capacity(capacity),
        }
    }

    /// The position of `text`, a text of this proof alone.
    pub fn own(&mut self, text: Text) -> u32 {
        self.own.push(text);
        (self.shared.len() + self.own.len() - 1) as u32
    }

    /// Appends a rule that did not fire, its id and why given by
    /// position ([`NotFiredList::own`] or of the shared table); a
    /// position outside both reads as `?`.
    pub fn push(&mut self, rule: u32, why: u32) {
        self.items.push([rule, why]);
    }

    /// The text at position `i`.
    fn text(&self, i: u32) -> &str {
        let i = i as usize;
        match self.shared.get(i) {
            Some(t) => t,
            None => self.own.get(i - self.shared.len()).map_or("?", |t| t),
        }
    }

    /// How many rules did not fire.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether every rule fired.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Each rule that did not fire, in order: its id and why.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.items
            .iter()
            .map(|&[r, w]| (self.text(r), self.text(w)))
    }

    /// The list as owned [`NotFired`] records.
    pub fn to_vec(&self) -> Vec<NotFired> {
        self.iter()
            .map(|(rule, why)| NotFired {
                rule: rule.into(),
                why: why.into(),
            })
            .collect()
    }
}

impl From<Vec<NotFired>> for NotFiredList {
    fn from(v: Vec<NotFired>) -> NotFiredList {
        let mut list = NotFiredList::new(Arc::from(Vec::new()), v.len());
        for n in v {
            let rule = list.own(n.rule);
            let why = list.own(n.why);
            list.push(rule, why);
        }
        list
    }
}

impl PartialEq for NotFiredList {
    fn eq(&self, other: &NotFiredList) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for NotFiredList {}

/// One element as [`NotFired`] writes it, borrowed.
#[derive(Serialize)]
#[serde(rename = "NotFired")]
struct NotFiredRef<'t> {
    rule: &'t str,
    why: &'t str,
}

impl Serialize for NotFiredList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|(rule, why)| NotFiredRef { rule, why }))
    }
}

impl<'de> Deserialize<'de> for NotFiredList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<NotFiredList, D::Error> {
        Vec::<NotFired>::deserialize(d).map(NotFiredList::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nf(rule: &str, why: &str) -> NotFired {
        NotFired {
            rule: rule.into(),
            why: why.into(),
        }
    }

    /// Texts named from the shared table and made for the proof read,
    /// compare and serialise as the plain list; a position outside both
    /// reads as `?` (never a panic).
    #[test]
    fn shared_and_own_texts_read_as_the_plain_list() {
        let shared: Arc<[Text]> = ["a::r", "b::r", "no node for `x`"]
            .iter()
            .map(|&t| Text::from(t))
            .collect();
        let mut list = NotFiredList::new(shared, 3);
        list.push(0, 2);
        let own = list.own("its `when` is false for all 70 bindings".into());
        list.push(1, own);
        list.push(0, 99);
        let plain = vec![
            nf("a::r", "no node for `x`"),
            nf("b::r", "its `when` is false for all 70 bindings"),
            nf("a::r", "?"),
        ];
        assert_eq!(list.to_vec(), plain);
        assert_eq!(list, NotFiredList::from(plain.clone()));
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
        let back: NotFiredList =
            serde_json::from_str(&serde_json::to_string(&list).unwrap()).unwrap();
        assert_eq!(back, list);
        assert_ne!(NotFiredList::from(plain[..2].to_vec()), list);
        assert!(serde_json::from_str::<NotFiredList>(r#"[{"rule":"a","why":"b","x":1}]"#).is_err());
    }
}
