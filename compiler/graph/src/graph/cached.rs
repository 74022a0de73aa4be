//! A graph read back from the runtime's prepared-plan cache: the lookup
//! tables that are not stored (they are rebuilt, so the cache bytes do not
//! depend on hash order) and the checks that every index the graph holds
//! is within its own sizes, so that a decoded graph can never make a query
//! index out of bounds.

use super::{Graph, Principal};

impl Graph {
    /// Rebuilds the tables a cached graph does not store and checks its
    /// indices (edges, reach index, path claims) against its own sizes.
    /// For graphs decoded from the prepared-plan cache; a graph built by the
    /// loader always passes.
    pub fn check_cached(&mut self) -> Result<(), String> {
        let nodes = self.doc.nodes.len();
        let kinds = self.edge_kinds.len();
        if kinds > 64 {
            return Err(format!("{kinds} edge kinds, over 64"));
        }
        if self.index.node_count() != nodes {
            return Err("the reach index and the node list differ in size".into());
        }
        self.index.check(kinds)?;
        if self
            .edges
            .iter()
            .any(|e| e.from.index() >= nodes || e.to.index() >= nodes || e.kind.0 as usize >= kinds)
        {
            return Err("an edge outside the graph".into());
        }
        self.paths.check(nodes)?;
        self.principal_ix.clear();
        for (i, t) in self.doc.teams.iter().enumerate() {
            self.principal_ix
                .insert(t.id.value.clone(), Principal::Team(i));
        }
        for (i, p) in self.doc.people.iter().enumerate() {
            self.principal_ix
                .insert(p.id.value.clone(), Principal::Person(i));
        }
        // The graph was valid when cached, so no alias collides (E0518).
        self.alias_ix.clear();
        let declared = (self.doc.teams.iter().enumerate())
            .map(|(i, t)| (Principal::Team(i), &t.aliases))
            .chain(
                (self.doc.people.iter().enumerate())
                    .map(|(i, p)| (Principal::Person(i), &p.aliases)),
            );
        for (who, aliases) in declared {
            for a in aliases {
                self.alias_ix
                    .entry(crate::identity::alias_key(&a.value))
                    .or_insert(who);
            }
        }
        self.email_ix.clear();
        for (i, p) in self.doc.people.iter().enumerate() {
            for e in &p.emails {
                self.email_ix.entry(e.value.to_lowercase()).or_insert(i);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use writ_diagnostics::FileId;

    /// A graph read back from its cached bytes resolves every id, alias and
    /// email as the graph it was cached from (the tables are rebuilt).
    #[test]
    fn a_cached_graph_resolves_ids_aliases_and_emails_as_the_original() {
        let text = include_str!("../../tests/corpus/good/aliases.json");
        let (graph, diags) = Graph::parse_file(FileId(0), text);
        let graph = graph.unwrap_or_else(|| panic!("{diags:?}"));
        let bytes = postcard::to_allocvec(&graph).unwrap();
        let mut cached: Graph = postcard::from_bytes(&bytes).unwrap();
        cached.check_cached().unwrap();
        for name in [
            "payments",
            "org/payments",
            "@org/payments",
            "group:payments-team",
            "alice",
            "@alice-gh",
            "bob",
            "@nobody",
        ] {
            assert_eq!(
                cached.resolve_principal(name),
                graph.resolve_principal(name),
                "{name}"
            );
        }
        assert!(cached.resolve_principal("@alice-gh").is_some());
        assert_eq!(
            cached
                .person_by_email("alice@example.com")
                .map(|p| &p.id.value),
            graph
                .person_by_email("alice@example.com")
                .map(|p| &p.id.value)
        );
    }
}
