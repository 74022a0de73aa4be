//! The path index in the runtime's prepared-plan cache: written as its
//! tables (the string area of globs and layer names, then `u32` words:
//! layers, claims, global rules, buckets) and read back as they are,
//! without decoding a string. Reading validates everything once, before
//! the index is used: the strings (UTF-8, ends), every claim's glob,
//! layer, target and shape, every global rule's range and nodes, and the
//! buckets — each claim filed exactly once, under the key and with the
//! shape `classify` gives its glob, keys strictly sorted — so that no
//! lookup indexes out of bounds and a path is matched as the loader's
//! index matches it.

use super::{ClaimTarget, PathIndex, Row, Shape, classify_bytes};
use crate::flat::{Reader, Sink, Strings, put_words};
use crate::index::NodeIdx;

/// Words per claim: glob, layer, priority (low, high), target kind and
/// value, shape.
pub(super) const ROW_WORDS: usize = 7;

/// Target kinds in the table.
const TARGET_NODE: u32 = 0;
const TARGET_GLOBAL: u32 = 1;
const TARGET_UNOWNED: u32 = 2;

/// Shapes in the table.
const SHAPE_LITERAL: u32 = 0;
const SHAPE_BELOW: u32 = 1;
const SHAPE_PATTERN: u32 = 2;

impl Row {
    pub(super) fn words(&self) -> [u32; ROW_WORDS] {
        let priority = self.priority as u64;
        let (kind, value) = match self.target {
            ClaimTarget::Node(n) => (TARGET_NODE, n.0),
            ClaimTarget::Global(g) => (TARGET_GLOBAL, g),
            ClaimTarget::Unowned => (TARGET_UNOWNED, 0),
        };
        let shape = match self.shape {
            Shape::Literal => SHAPE_LITERAL,
            Shape::Below => SHAPE_BELOW,
            Shape::Pattern => SHAPE_PATTERN,
        };
        [
            self.glob,
            self.layer,
            priority as u32,
            (priority >> 32) as u32,
            kind,
            value,
            shape,
        ]
    }

    /// The row these words hold; `None` for a target kind or shape that
    /// does not exist.
    pub(super) fn from_words(w: &[u32]) -> Option<Row> {
        let [glob, layer, low, high, kind, value, shape] = *w else {
            return None;
        };
        let target = match kind {
            TARGET_NODE => ClaimTarget::Node(NodeIdx(value)),
            TARGET_GLOBAL => ClaimTarget::Global(value),
            TARGET_UNOWNED if value == 0 => ClaimTarget::Unowned,
            _ => return None,
        };
        let shape = match shape {
            SHAPE_LITERAL => Shape::Literal,
            SHAPE_BELOW => Shape::Below,
            SHAPE_PATTERN => Shape::Pattern,
            _ => return None,
        };
        Some(Row {
            glob,
            layer,
            priority: (u64::from(high) << 32 | u64::from(low)) as i64,
            target,
            shape,
        })
    }
}

impl PathIndex {
    /// Appends the index's bytes to `out` (read back by [`PathIndex::read`]).
    pub(crate) fn write(&self, out: &mut dyn Sink) {
        self.strings.write(out);
        put_words(out, &self.layers);
        put_words(out, &self.claims);
        put_words(out, &self.global_starts);
        let nodes: Vec<u32> = self.global_nodes.iter().map(|n| n.0).collect();
        put_words(out, &nodes);
        put_words(out, &self.key_lens);
        put_words(out, &self.starts);
        put_words(out, &self.members);
    }

    /// Reads an index written by [`PathIndex::write`], for a graph of
    /// `nodes` nodes, and validates it (see the module documentation);
    /// `Err` says what does not fit.
    pub(crate) fn read(r: &mut Reader<'_>, nodes: usize) -> Result<PathIndex, String> {
        let strings = Strings::read(r).map_err(|e| format!("the path index has {e}"))?;
        let index = PathIndex {
            strings,
            layers: r.words()?.to_vec(),
            claims: r.words()?,
            global_starts: r.words()?.to_vec(),
            global_nodes: r.words()?.iter().map(|&n| NodeIdx(n)).collect(),
            key_lens: r.words()?,
            starts: r.words()?,
            members: r.words()?,
        };
        index.check(nodes).map_err(bad)?;
        Ok(index)
    }

    /// Every invariant lookups rely on, for a graph of `nodes` nodes;
    /// `Err` names the part.
    fn check(&self, nodes: usize) -> Result<(), &'static str> {
        let s = &self.strings;
        if !self.layers.iter().all(|&l| s.has(l)) {
            return Err("layers");
        }
        let globals = &self.global_starts;
        if globals.first() != Some(&0)
            || globals.last().map(|&n| n as usize) != Some(self.global_nodes.len())
            || globals.windows(2).any(|w| w[0] > w[1])
            || self.global_nodes.iter().any(|n| n.index() >= nodes)
        {
            return Err("global rules");
        }
        if !self.claims.len().is_multiple_of(ROW_WORDS) {
            return Err("claims");
        }
        for i in 0..self.claim_count() {
            let c = self.row(i).ok_or("claims")?;
            let target = match c.target {
                ClaimTarget::Node(n) => n.index() < nodes,
                ClaimTarget::Global(g) => (g as usize) < self.global_count(),
                ClaimTarget::Unowned => true,
            };
            if !s.has(c.glob) || (c.layer as usize) >= self.layers.len() || !target {
                return Err("claims");
            }
        }
        let starts: &[u32] = &self.starts;
        if starts.len() != self.key_lens.len() + 1
            || self.members.len() != self.claim_count()
            || starts.first() != Some(&0)
            || starts.last().map(|&n| n as usize) != Some(self.members.len())
            || starts.windows(2).any(|w| w[0] >= w[1])
        {
            return Err("buckets");
        }
        let mut seen = vec![false; self.claim_count()];
        // Over plain slices taken once (every claim's row was checked
        // above): a claim's glob and shape word, a string's bytes.
        let (claims, members, key_lens): (&[u32], &[u32], &[u32]) =
            (&self.claims, &self.members, &self.key_lens);
        let (area, ends) = s.parts();
        let glob_of = |claim: u32| -> Option<(&[u8], u32)> {
            let row = claims.get(claim as usize * ROW_WORDS..)?.get(..ROW_WORDS)?;
            let i = row[0] as usize;
            let start = if i == 0 {
                0
            } else {
                *ends.get(i - 1)? as usize
            };
            Some((area.get(start..*ends.get(i)? as usize)?, row[6]))
        };
        // As bytes (strings compare as their bytes do): a key cut inside a
        // character differs from its first claim's, which `classify`
        // ends before an ASCII byte.
        let mut previous: Option<&[u8]> = None;
        for k in 0..key_lens.len() {
            let bucket = &members[starts[k] as usize..starts[k + 1] as usize];
            let first = *bucket.first().ok_or("buckets")?;
            let key = glob_of(first)
                .and_then(|(glob, _)| glob.get(..key_lens[k] as usize))
                .ok_or("buckets")?;
            if previous.is_some_and(|p| p >= key) {
                return Err("bucket keys");
            }
            previous = Some(key);
            for &i in bucket {
                let (glob, shape_word) = glob_of(i).ok_or("buckets")?;
                let (len, shape) = classify_bytes(glob);
                let shape = match shape {
                    Shape::Literal => SHAPE_LITERAL,
                    Shape::Below => SHAPE_BELOW,
                    Shape::Pattern => SHAPE_PATTERN,
                };
                match seen.get_mut(i as usize) {
                    Some(s) if !*s => *s = true,
                    _ => return Err("buckets"),
                }
                if glob.get(..len) != Some(key) || shape_word != shape {
                    return Err("buckets");
                }
            }
        }
        Ok(())
    }
}

/// The message for a part of the index that does not fit.
fn bad(what: &str) -> String {
    format!("the path index's {what} do not fit")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::PathIndexBuilder;

    /// An index of every shape, two layers with priorities, a global rule
    /// and an unowned claim, with globs of several-byte characters.
    fn index() -> PathIndex {
        let mut b = PathIndexBuilder::new();
        let claims: [(&str, i64, &str, ClaimTarget); 8] = [
            ("services/a/**", 0, "", ClaimTarget::Node(NodeIdx(0))),
            ("services/a/gen/**", 1, "", ClaimTarget::Node(NodeIdx(1))),
            ("services/a/gen/**", 2, "", ClaimTarget::Unowned),
            ("docs/é/**", 0, "", ClaimTarget::Node(NodeIdx(2))),
            ("**/*.md", 0, "docs", ClaimTarget::Node(NodeIdx(1))),
            ("Cargo.lock", 0, "", ClaimTarget::Global(0)),
            ("ü/*.rs", -3, "docs", ClaimTarget::Node(NodeIdx(2))),
            (
                "services/{a,b}/x",
                i64::MIN,
                "",
                ClaimTarget::Node(NodeIdx(0)),
            ),
        ];
        for (glob, priority, layer, target) in claims {
            crate::paths::compile_glob(glob).unwrap();
            b.add(glob, priority, layer, target);
        }
        b.build(vec![vec![NodeIdx(0), NodeIdx(2)]]).unwrap()
    }

    const PATHS: [&str; 9] = [
        "services/a/src/x.rs",
        "services/a/gen/y.rs",
        "services/a/x",
        "docs/é/a.md",
        "README.md",
        "Cargo.lock",
        "ü/lib.rs",
        "ü/sub/lib.rs",
        "nowhere",
    ];

    fn bytes(index: &PathIndex) -> Vec<u8> {
        let mut out = Vec::new();
        index.write(&mut out);
        out
    }

    fn read(bytes: &[u8]) -> Result<PathIndex, String> {
        let buf = std::sync::Arc::new(crate::flat::Buffer::copy_of(bytes));
        let mut r = Reader::new(&buf, 0);
        let index = PathIndex::read(&mut r, 3)?;
        assert!(r.is_empty(), "the whole index is read");
        Ok(index)
    }

    #[test]
    fn an_index_reads_back_claim_for_claim_and_path_for_path() {
        let index = index();
        let again = read(&bytes(&index)).unwrap();
        assert_eq!(
            again.claims().collect::<Vec<_>>(),
            index.claims().collect::<Vec<_>>()
        );
        assert_eq!(
            again.claim(6).map(|c| (c.glob, c.layer)),
            Some(("ü/*.rs", "docs"))
        );
        assert_eq!(again.claim(8), None);
        assert_eq!(again.global_nodes(0), [NodeIdx(0), NodeIdx(2)]);
        assert_eq!(again.global_nodes(1), []);
        assert_eq!(again.touched(PATHS), index.touched(PATHS));
        let mut buf = Vec::new();
        // The unowned claim of the highest priority wins its layer.
        assert_eq!(again.winners("services/a/gen/y.rs", &mut buf), [2]);
        assert_eq!(again.nodes_for("services/a/gen/y.rs"), []);
        assert_eq!(again.nodes_for("Cargo.lock"), [NodeIdx(0), NodeIdx(2)]);
        assert_eq!(
            bytes(&again),
            bytes(&index),
            "written again: the same bytes"
        );
    }

    /// A change made to an index before it is written.
    type Tamper = Box<dyn Fn(&mut PathIndex)>;

    /// The words of `index` with `tamper` applied to them, read back.
    fn tampered(tamper: impl Fn(&mut PathIndex)) -> Result<PathIndex, String> {
        let mut index = index();
        tamper(&mut index);
        read(&bytes(&index))
    }

    #[test]
    fn what_does_not_fit_is_refused() {
        let cases: [(&str, Tamper, &str); 7] = [
            (
                "a global rule's node out of bounds",
                Box::new(|i| i.global_nodes[0] = NodeIdx(3)),
                "global rules",
            ),
            (
                "a global rule's range going back",
                Box::new(|i| {
                    i.global_starts = vec![0, 2, 1];
                }),
                "global rules",
            ),
            (
                "a claim of a global rule that does not exist",
                Box::new(|i| {
                    i.claims.to_mut()[5 * ROW_WORDS + 4..][..2].copy_from_slice(&[TARGET_GLOBAL, 1])
                }),
                "claims",
            ),
            (
                "a bucket key cut inside a character",
                Box::new(|i| {
                    let k = (0..i.key_lens.len())
                        .find(|&k| i.key(k) == Some("docs/é/"))
                        .unwrap();
                    i.key_lens.to_mut()[k] = "docs/".len() as u32 + 1;
                }),
                "buckets",
            ),
            (
                "a claim filed under a key that is not its glob's",
                Box::new(|i| {
                    let k = (0..i.key_lens.len())
                        .find(|&k| i.key(k) == Some("services/a/"))
                        .unwrap();
                    i.key_lens.to_mut()[k] -= 1;
                }),
                "buckets",
            ),
            (
                "a claim filed in no bucket",
                Box::new(|i| {
                    i.members.to_mut().pop();
                    *i.starts.to_mut().last_mut().unwrap() -= 1;
                }),
                "buckets",
            ),
            (
                "a claim moved to another layer (well-formed: read as it says)",
                Box::new(|i| i.claims.to_mut()[ROW_WORDS + 1] = 1),
                "",
            ),
        ];
        for (what, tamper, why) in cases {
            match tampered(tamper) {
                // A well-formed index with other content reads as what it says.
                Ok(_) if why.is_empty() => {}
                Ok(_) => panic!("{what}: not refused"),
                Err(e) => assert!(!why.is_empty() && e.contains(why), "{what}: {e}"),
            }
        }
    }
}
