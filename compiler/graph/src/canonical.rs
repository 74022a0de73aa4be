//! The canonical JSON form of a document: what a plan embeds.
//!
//! Compact (no whitespace), object keys sorted bytewise, strings escaped as
//! serde_json escapes them. These are exactly the bytes serde_json writes for
//! the `serde_json::Value` parsed from [`Document::to_json`], written
//! directly, without building that tree.

use crate::model::*;
use std::fmt::Write;

impl Document {
    /// Writes the document as canonical JSON: the content of
    /// [`Document::to_json`], compact, with every object's keys in sorted
    /// order (the form a plan embeds and digests).
    pub fn to_canonical_json(&self) -> String {
        let mut w = Canon {
            out: String::with_capacity(self.canonical_len_estimate()),
        };
        w.out
            .push_str("{\"$schema\":\"https://writ.dev/schemas/graph-v1.json\"");
        if !self.edge_kinds.is_empty() {
            w.out.push_str(",\"edge_kinds\":");
            w.names(&self.edge_kinds);
        }
        if !self.global_files.is_empty() {
            w.out.push_str(",\"global_files\":[");
            for (i, g) in self.global_files.iter().enumerate() {
                w.comma(i);
                w.out.push('{');
                let mut first = true;
                if !g.kinds.is_empty() {
                    w.key(&mut first, "kinds");
                    w.names(&g.kinds);
                }
                if !g.nodes.is_empty() {
                    w.key(&mut first, "nodes");
                    w.names(&g.nodes);
                }
                w.key(&mut first, "paths");
                w.paths(&g.paths);
                if !g.tags.is_empty() {
                    w.key(&mut first, "tags");
                    w.names(&g.tags);
                }
                w.out.push('}');
            }
            w.out.push(']');
        }
        if !self.node_kinds.is_empty() {
            w.out.push_str(",\"node_kinds\":");
            w.names(&self.node_kinds);
        }
        w.out.push_str(",\"nodes\":[");
        for (i, n) in self.nodes.iter().enumerate() {
            w.comma(i);
            w.node(n);
        }
        w.out.push(']');
        if !self.people.is_empty() {
            w.out.push_str(",\"people\":[");
            for (i, p) in self.people.iter().enumerate() {
                w.comma(i);
                w.out.push('{');
                let mut first = true;
                if !p.aliases.is_empty() {
                    w.key(&mut first, "aliases");
                    w.names(&p.aliases);
                }
                if !p.emails.is_empty() {
                    w.key(&mut first, "emails");
                    w.names(&p.emails);
                }
                w.key(&mut first, "id");
                w.str(&p.id);
                if !p.keys.is_empty() {
                    w.key(&mut first, "keys");
                    w.names(&p.keys);
                }
                w.key(&mut first, "kind");
                w.str(p.kind.as_str());
                if let Some(name) = &p.name {
                    w.key(&mut first, "name");
                    w.str(name);
                }
                w.out.push('}');
            }
            w.out.push(']');
        }
        if !self.teams.is_empty() {
            w.out.push_str(",\"teams\":[");
            for (i, t) in self.teams.iter().enumerate() {
                w.comma(i);
                w.out.push('{');
                let mut first = true;
                if !t.aliases.is_empty() {
                    w.key(&mut first, "aliases");
                    w.names(&t.aliases);
                }
                if let Some(d) = &t.description {
                    w.key(&mut first, "description");
                    w.str(d);
                }
                w.key(&mut first, "id");
                w.str(&t.id);
                w.key(&mut first, "members");
                w.names(&t.members);
                w.out.push('}');
            }
            w.out.push(']');
        }
        if !self.unowned_paths.is_empty() {
            w.out.push_str(",\"unowned_paths\":");
            w.paths(&self.unowned_paths);
        }
        let _ = write!(w.out, ",\"version\":{}}}", self.version);
        w.out
    }
}

impl Document {
    /// About the length of [`Document::to_canonical_json`], from the
    /// lengths of the names every node repeats (read from the names' own
    /// pointers, without their text) and a generous allowance for the
    /// rest: the text is written into one allocation of this size instead
    /// of one that doubles (and copies) its way up to tens of megabytes.
    /// Room never written to is never touched, so an over-estimate costs
    /// address space, not memory.
    fn canonical_len_estimate(&self) -> usize {
        let nodes: usize = self
            .nodes
            .iter()
            .map(|n| {
                let names = |list: &[Spanned<Name>]| -> usize {
                    list.iter().map(|x| x.value.len() + 3).sum()
                };
                let edges: usize = n.edges.iter().map(|e| e.to.value.len() + 3).sum();
                let paths: usize = n.paths.iter().map(|p| p.glob.value.len() + 3).sum();
                let checks: usize = n
                    .checks
                    .iter()
                    .map(|c| {
                        64 + c.name.value.len() + c.run.iter().map(|w| w.len() + 3).sum::<usize>()
                    })
                    .sum();
                160 + 2 * n.id.value.len()
                    + n.kind.value.len()
                    + n.description.as_ref().map_or(0, |d| d.len() + 20)
                    + names(&n.tags)
                    + names(&n.owners)
                    + 24 * n.attributes.len()
                    + 16 * n.edges.len().min(8)
                    + edges
                    + paths
                    + checks
            })
            .sum();
        4096 + nodes + 128 * (self.people.len() + self.teams.len())
    }
}

fn pair(e: &EdgeDecl) -> (&str, &str) {
    (e.kind.value.as_str(), e.to.value.as_str())
}

struct Canon {
    out: String,
}

impl Canon {
    fn comma(&mut self, i: usize) {
        if i > 0 {
            self.out.push(',');
        }
    }

    /// `"key":`, preceded by a comma unless it is the object's first key.
    fn key(&mut self, first: &mut bool, key: &str) {
        if !*first {
            self.out.push(',');
        }
        *first = false;
        self.str(key);
        self.out.push(':');
    }

    /// A JSON string literal, escaped exactly as serde_json escapes it.
    fn str(&mut self, s: &str) {
        if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            self.out.push_str(&json_str(s));
        } else {
            self.out.push('"');
            self.out.push_str(s);
            self.out.push('"');
        }
    }

    fn names<T: std::ops::Deref<Target = str>>(&mut self, list: &[Spanned<T>]) {
        self.out.push('[');
        for (i, s) in list.iter().enumerate() {
            self.comma(i);
            self.str(s);
        }
        self.out.push(']');
    }

    fn paths(&mut self, list: &[PathDecl]) {
        self.out.push('[');
        for (i, p) in list.iter().enumerate() {
            self.comma(i);
            if p.priority == 0 && p.layer.is_empty() {
                self.str(&p.glob);
            } else {
                self.out.push_str("{\"glob\":");
                self.str(&p.glob);
                if !p.layer.is_empty() {
                    self.out.push_str(",\"layer\":");
                    self.str(&p.layer);
                }
                if p.priority != 0 {
                    let _ = write!(self.out, ",\"priority\":{}", p.priority);
                }
                self.out.push('}');
            }
        }
        self.out.push(']');
    }

    /// `{"kind":["to",…],…}` from (kind, to) pairs, sorted and distinct.
    fn edges<'e>(&mut self, list: impl Iterator<Item = (&'e str, &'e str)>) {
        self.out.push('{');
        let mut kind: Option<&str> = None;
        for (k, to) in list {
            if kind == Some(k) {
                self.out.push(',');
            } else {
                if kind.is_some() {
                    self.out.push_str("],");
                }
                kind = Some(k);
                self.str(k);
                self.out.push_str(":[");
            }
            self.str(to);
        }
        self.out.push_str("]}");
    }

    fn node(&mut self, n: &NodeDecl) {
        self.out.push('{');
        let mut first = true;
        if !n.attributes.is_empty() {
            self.key(&mut first, "attributes");
            self.out.push('{');
            for (i, (k, v)) in n.attributes.iter().enumerate() {
                self.comma(i);
                self.str(k);
                self.out.push(':');
                match &v.value {
                    AttrValue::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
                    AttrValue::Int(x) => {
                        let _ = write!(self.out, "{x}");
                    }
                    AttrValue::Str(s) => self.str(s),
                }
            }
            self.out.push('}');
        }
        if !n.checks.is_empty() {
            self.key(&mut first, "checks");
            // An object keyed by name: sorted, and (as when a JSON object
            // repeats a key) the last check of a name wins.
            let mut order: Vec<&CheckDecl> = n.checks.iter().collect();
            order.sort_by(|a, b| a.name.value.cmp(&b.name.value)); // stable
            self.out.push('{');
            let mut written = 0;
            for (i, c) in order.iter().enumerate() {
                if order
                    .get(i + 1)
                    .is_some_and(|next| next.name.value == c.name.value)
                {
                    continue;
                }
                self.comma(written);
                written += 1;
                self.str(&c.name);
                self.out.push_str(if c.network {
                    ":{\"network\":true,"
                } else {
                    ":{"
                });
                if !c.redact.is_empty() {
                    self.out.push_str("\"redact\":[");
                    for (j, a) in c.redact.iter().enumerate() {
                        self.comma(j);
                        self.str(a);
                    }
                    self.out.push_str("],");
                }
                self.out.push_str("\"run\":[");
                for (j, a) in c.run.iter().enumerate() {
                    self.comma(j);
                    self.str(a);
                }
                self.out.push(']');
                if let Some(t) = c.timeout_secs {
                    self.out.push_str(",\"timeout\":");
                    self.str(&format_duration(t));
                }
                self.out.push('}');
            }
            self.out.push('}');
        }
        if let Some(d) = &n.description {
            self.key(&mut first, "description");
            self.str(d);
        }
        if !n.edges.is_empty() {
            self.key(&mut first, "edges");
            if n.edges.windows(2).all(|w| pair(&w[0]) < pair(&w[1])) {
                self.edges(n.edges.iter().map(pair));
            } else {
                let mut edges: Vec<(&str, &str)> = n.edges.iter().map(pair).collect();
                edges.sort_unstable();
                edges.dedup();
                self.edges(edges.into_iter());
            }
        }
        self.key(&mut first, "id");
        self.str(&n.id);
        self.key(&mut first, "kind");
        self.str(&n.kind);
        if !n.owners.is_empty() {
            self.key(&mut first, "owners");
            self.names(&n.owners);
        }
        if !n.paths.is_empty() {
            self.key(&mut first, "paths");
            self.paths(&n.paths);
        }
        if !n.tags.is_empty() {
            self.key(&mut first, "tags");
            self.names(&n.tags);
        }
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateOptions, generate};

    /// The reference: the native text, parsed into a serde_json tree and
    /// written compactly (keys sorted by the tree's map).
    fn reference(doc: &Document) -> String {
        let v: serde_json::Value = serde_json::from_str(&doc.to_json()).unwrap();
        serde_json::to_string(&v).unwrap()
    }

    #[test]
    fn generated_graphs_match_the_reference() {
        for (services, edges, seed) in [(0, 0, 1), (1, 0, 2), (40, 120, 3), (300, 900, 4)] {
            let doc = generate(GenerateOptions {
                services,
                edges,
                seed,
            });
            assert_eq!(doc.to_canonical_json(), reference(&doc));
        }
    }

    #[test]
    fn every_field_and_awkward_strings_match_the_reference() {
        let tricky = [
            "plain",
            "",
            "quote \" and \\ backslash",
            "ctl \u{0} \u{1} \u{8} \t \n \u{b} \u{c} \r \u{1f} \u{7f}",
            "slash / unicode é ✓ 𝄞 \u{2028}",
        ];
        let mut doc = Document {
            node_kinds: vec!["zeta".into(), "alpha".into()],
            edge_kinds: vec!["wires".into()],
            unowned_paths: vec![PathDecl::new("vendor/**"), PathDecl::ranked("x/*", -3, "")],
            ..Document::default()
        };
        for (i, s) in tricky.iter().enumerate() {
            let mut attributes = std::collections::BTreeMap::new();
            attributes.insert("tier".to_string(), Spanned::bare(AttrValue::Int(-7)));
            attributes.insert("b".to_string(), Spanned::bare(AttrValue::Bool(i % 2 == 0)));
            attributes.insert(s.to_string(), Spanned::bare(AttrValue::Str(s.to_string())));
            attributes.insert(
                "big".to_string(),
                Spanned::bare(AttrValue::Int(i64::MIN + i as i64)),
            );
            let check = |name: &str, run: &str, t: Option<u64>| CheckDecl {
                name: name.into(),
                run: vec![run.into(), (*s).into()],
                timeout_secs: t,
                network: t.is_some(),
                redact: if t.is_some() {
                    vec![s.to_string()]
                } else {
                    vec![]
                },
                span: Default::default(),
            };
            doc.nodes.push(NodeDecl {
                id: format!("n{i}").as_str().into(),
                kind: "service".into(),
                description: (i % 2 == 1).then(|| s.to_string()),
                tags: vec![(*s).into(), "b".into(), "a".into()],
                attributes: attributes.into_iter().collect(),
                owners: vec!["team".into(), (*s).into()],
                paths: vec![
                    PathDecl::new(*s),
                    PathDecl::ranked("a/**", 5, *s),
                    PathDecl::ranked("b/**", 0, "l"),
                    PathDecl::ranked("c/**", 9, ""),
                ],
                checks: vec![
                    check("zz", "z", None),
                    check("test", "cargo", Some(5400)),
                    check(s, "x", Some(1)),
                    check("test", "again", None),
                ],
                edges: vec![
                    EdgeDecl {
                        kind: "calls".into(),
                        to: "n0".into(),
                    },
                    EdgeDecl {
                        kind: (*s).into(),
                        to: (*s).into(),
                    },
                    EdgeDecl {
                        kind: "calls".into(),
                        to: "a".into(),
                    },
                    EdgeDecl {
                        kind: "calls".into(),
                        to: "n0".into(),
                    },
                ],
                span: Default::default(),
            });
            doc.teams.push(TeamDecl {
                id: format!("t{i}").as_str().into(),
                description: (i % 2 == 0).then(|| s.to_string()),
                members: if i == 0 { vec![] } else { vec![(*s).into()] },
                aliases: if i == 1 {
                    vec![]
                } else {
                    vec![format!("@{s}").as_str().into()]
                },
                span: Default::default(),
            });
            doc.people.push(PersonDecl {
                id: (*s).into(),
                name: (i % 2 == 0).then(|| s.to_string()),
                emails: if i == 1 { vec![] } else { vec![(*s).into()] },
                kind: if i % 2 == 0 {
                    PrincipalKind::Agent
                } else {
                    PrincipalKind::Human
                },
                keys: if i == 2 { vec![] } else { vec![(*s).into()] },
                aliases: if i == 0 { vec![] } else { vec![(*s).into()] },
                span: Default::default(),
            });
            doc.global_files.push(GlobalFilesDecl {
                paths: vec![PathDecl::new(*s), PathDecl::ranked("g", 1, "l")],
                nodes: if i == 0 { vec![] } else { vec![(*s).into()] },
                kinds: if i == 1 { vec![] } else { vec![(*s).into()] },
                tags: if i == 2 { vec![] } else { vec![(*s).into()] },
                span: Default::default(),
            });
        }
        assert_eq!(doc.to_canonical_json(), reference(&doc));
        // Nothing but the version.
        let empty = Document::default();
        assert_eq!(empty.to_canonical_json(), reference(&empty));
    }
}
