//! The checker records what each name resolves to (`FileAnalysis::
//! resolutions`), the one resolution editors read: items of this module and
//! of `use`d ones, `let`s, `for` variables, chain parameters, `where`
//! fields and attributes, node kinds and principal kinds. A name that
//! resolves to nothing has no entry.

use writ_analysis::Host;
use writ_analysis::check::{Resolved, check_file};
use writ_analysis::items::ItemKind;

const LIB: &str = "/// Two owners.\napproval signoff(n) {\n  1 of owners(n)\n}\n";

const MAIN: &str = "use lib::signoff\n\
let hot = service where tier == 1\n\
rule r {\n  for svc in change.reaches(hot)\n  require approval signoff(svc)\n}\n\
rule s {\n  when change.author is agent\n  require check \"unit\" on nope\n}\n";

/// What `text`'s `n`-th occurrence of `word` in `file` resolved to.
fn at(host: &Host, file: &str, text: &str, word: &str, n: usize) -> Option<Resolved> {
    let f = host.file_by_path(file).unwrap();
    let start = text.match_indices(word).nth(n).unwrap().0;
    check_file(&host.db, host.workspace, f)
        .resolutions
        .iter()
        .find(|r| r.span.start as usize == start && r.span.end as usize == start + word.len())
        .map(|r| r.target.clone())
}

#[test]
fn the_checker_records_its_resolutions() {
    let graph =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/graph.json")).unwrap();
    let host = Host::new(
        vec![
            ("lib.writ".into(), "lib".into(), LIB.into()),
            ("main.writ".into(), "main".into(), MAIN.into()),
        ],
        Some(("graph.json".into(), graph)),
    );
    let item = |r: Option<Resolved>| match r {
        Some(Resolved::Item(def)) => Some((def.module, def.name, def.kind)),
        other => panic!("expected an item, got {other:?}"),
    };
    // `use lib::signoff` and its use in a rule name the chain in `lib`.
    let signoff = Some((
        "lib".to_string(),
        "signoff".to_string(),
        ItemKind::Approval { params: 1 },
    ));
    assert_eq!(item(at(&host, "main.writ", MAIN, "signoff", 0)), signoff);
    assert_eq!(item(at(&host, "main.writ", MAIN, "signoff", 1)), signoff);
    // A `let` used in a rule.
    assert_eq!(
        item(at(&host, "main.writ", MAIN, "hot", 1)),
        Some(("main".into(), "hot".into(), ItemKind::Let))
    );
    // A kind, a `where` attribute, a `for` variable, a principal kind.
    let name = |s: &str| s.to_string();
    assert_eq!(
        at(&host, "main.writ", MAIN, "service", 0),
        Some(Resolved::Kind(name("service")))
    );
    assert_eq!(
        at(&host, "main.writ", MAIN, "tier", 0),
        Some(Resolved::Field(name("tier")))
    );
    assert_eq!(
        at(&host, "main.writ", MAIN, "svc", 1),
        Some(Resolved::Local(name("svc")))
    );
    assert_eq!(
        at(&host, "main.writ", MAIN, "agent", 0),
        Some(Resolved::PrincipalKind(name("agent")))
    );
    // A chain parameter used as `owners(n)`.
    let f = host.file_by_path("lib.writ").unwrap();
    let start = LIB.find("owners(n)").unwrap() + "owners(".len();
    let param = check_file(&host.db, host.workspace, f)
        .resolutions
        .iter()
        .find(|r| r.span.start as usize == start)
        .map(|r| r.target.clone());
    assert_eq!(param, Some(Resolved::Param(name("n"))));
    // An unknown name: no resolution (and a diagnostic).
    assert_eq!(at(&host, "main.writ", MAIN, "nope", 0), None);
}
