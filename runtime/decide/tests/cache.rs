//! The prepared-plan cache: a plan prepared through the cache decides every
//! scenario exactly as one prepared from its JSON, and a cache file that is
//! missing, truncated, corrupted, made for another plan, written by another
//! user or writable by others is refused and rebuilt — never trusted,
//! never a panic.

mod common;

use std::path::{Path, PathBuf};
use writ_diagnostics::FileId;
use writ_runtime::{
    CacheStatus, Deferred, PlanCache, Prepared, load_prepared, load_prepared_deferred,
};

/// Header length: magic 8, format 4, build 32, plan digest 32, body length 8, body digest 32.
const HEADER: usize = 116;

fn plan_bytes() -> Vec<u8> {
    common::compile().0.to_canonical_bytes()
}

fn cache_file(cache: &PlanCache, bytes: &[u8]) -> PathBuf {
    cache.file_for(&writ_plan::sha256_hex(bytes))
}

fn load(bytes: &[u8], cache: &PlanCache) -> (Prepared, CacheStatus) {
    load_prepared(FileId(0), bytes.to_vec(), Some(cache)).expect("the fixture plan loads")
}

/// Every scenario's proof, as JSON.
fn proofs(prepared: &Prepared) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "the scenarios are found");
    names
        .iter()
        .map(|name| {
            let dir = dir.join(name);
            let change = common::load_change(&dir.join("change.json"));
            let evidence =
                common::load_evidence(&dir.join("evidence.json"), &change, prepared.digest());
            prepared
                .evaluate_at(&change, &evidence, common::decision_time(&change))
                .to_json()
        })
        .collect()
}

#[test]
fn a_cached_plan_decides_every_scenario_as_the_json_plan_does() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path().join("plans"));
    let bytes = plan_bytes();
    let (cold, none) = load_prepared(FileId(0), bytes.clone(), None).unwrap();
    assert_eq!(none, CacheStatus::Off);
    assert!(!cache.dir().exists(), "no cache without one asked for");
    let (built, status) = load(&bytes, &cache);
    assert_eq!(status, CacheStatus::Built);
    let file = cache_file(&cache, &bytes);
    assert!(file.is_file(), "the cache is written");
    let (hit, status) = load(&bytes, &cache);
    assert_eq!(status, CacheStatus::Hit);
    assert_eq!(cold.digest(), common::prepared().digest());
    assert_eq!(hit.digest(), cold.digest());
    let expected = proofs(&cold);
    assert_eq!(proofs(&built), expected);
    assert_eq!(proofs(&hit), expected);
    // The same plan gives the same cache bytes.
    let first = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Built);
    assert_eq!(std::fs::read(&file).unwrap(), first);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(cache.dir()), 0o700);
    }
}

/// Writes `damaged` as the cache file, loads, and checks it was refused
/// (with `why` in the reason), rebuilt, and is used next time.
fn refused(cache: &PlanCache, bytes: &[u8], damaged: &[u8], why: &str) {
    let file = cache_file(cache, bytes);
    std::fs::write(&file, damaged).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (prepared, status) = load(bytes, cache);
    match status {
        CacheStatus::Refused(reason) => assert!(reason.contains(why), "{why}: got {reason}"),
        other => panic!("{why}: the damaged cache was not refused: {other:?}"),
    }
    assert_eq!(
        prepared.digest(),
        format!("sha256:{}", writ_plan::sha256_hex(bytes))
    );
    assert_eq!(load(bytes, cache).1, CacheStatus::Hit, "{why}: rebuilt");
}

/// Sets the body digest in the header to match the (tampered) body.
fn reseal(mut file: Vec<u8>) -> Vec<u8> {
    let body = blake3::hash(&file[HEADER..]);
    file[84..116].copy_from_slice(body.as_bytes());
    file
}

#[test]
fn damaged_caches_are_refused_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let bytes = plan_bytes();
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Built);
    let good = std::fs::read(cache_file(&cache, &bytes)).unwrap();
    assert!(good.len() > HEADER + 100);

    for cut in [0, 7, HEADER - 1] {
        refused(&cache, &bytes, &good[..cut], "truncated");
    }
    for cut in [HEADER, HEADER + 1, good.len() / 2, good.len() - 1] {
        refused(&cache, &bytes, &good[..cut], "its header says");
    }
    let mut longer = good.clone();
    longer.push(0);
    refused(&cache, &bytes, &longer, "its header says");
    refused(&cache, &bytes, b"not a cache at all, but long enough to have a header of 116 bytes: 0123456789012345678901234567890123456789012345678901", "not a writ prepared-plan cache");

    let flip = |at: usize| {
        let mut f = good.clone();
        f[at] ^= 0x40;
        f
    };
    refused(&cache, &bytes, &flip(0), "not a writ prepared-plan cache");
    refused(&cache, &bytes, &flip(8), "another layout version");
    refused(&cache, &bytes, &flip(20), "another writ build");
    refused(&cache, &bytes, &flip(50), "another plan");
    refused(&cache, &bytes, &flip(80), "its header says");
    refused(&cache, &bytes, &flip(90), "recorded digest");
    for at in [
        HEADER,
        HEADER + 3,
        good.len() / 3,
        good.len() / 2,
        good.len() - 2,
    ] {
        refused(&cache, &bytes, &flip(at), "recorded digest");
    }
    // A body that is not a graph, with a matching digest.
    let mut garbage = good[..HEADER].to_vec();
    garbage.extend(std::iter::repeat_n(0xffu8, good.len() - HEADER));
    refused(&cache, &bytes, &reseal(garbage), "does not read back");
    // An empty graph with a matching digest: it decodes and checks, but
    // does not fit the plan.
    let mut empty = good[..HEADER].to_vec();
    empty.extend(std::iter::repeat_n(0u8, 64));
    let empty = {
        let mut e = empty;
        let len = (e.len() - HEADER) as u64;
        e[76..84].copy_from_slice(&len.to_le_bytes());
        reseal(e)
    };
    let (_, status) = load_prepared(
        FileId(0),
        bytes.clone(),
        Some(&{
            let file = cache_file(&cache, &bytes);
            std::fs::write(&file, &empty).unwrap();
            cache.clone()
        }),
    )
    .unwrap();
    assert!(
        matches!(&status, CacheStatus::Refused(_)),
        "an empty graph is refused: {status:?}"
    );
}

#[test]
fn a_cache_made_for_another_plan_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let bytes = plan_bytes();
    // Another plan: the same content with a leading byte order mark is the
    // same plan; a different compiler field is another.
    let mut plan = common::compile().0;
    plan.compiler = format!("{}-other", plan.compiler);
    let other = plan.to_canonical_bytes();
    assert_eq!(load(&other, &cache).1, CacheStatus::Built);
    let theirs = std::fs::read(cache_file(&cache, &other)).unwrap();
    refused(&cache, &bytes, &theirs, "another plan");
    let mut bom = writ_diagnostics::limits::BOM.as_bytes().to_vec();
    bom.extend_from_slice(&bytes);
    assert_eq!(load(&bom, &cache).1, CacheStatus::Hit);
}

/// The hints of the cache folder (`*.hint`), sorted.
fn hints(cache: &PlanCache) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(cache.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hint"))
        .collect();
    out.sort();
    out
}

/// The digest hint (which lets a warm run read the cache while the plan's
/// sha256 is computed) is never trusted: a hint naming another plan whose
/// cache is valid and reads back around this plan's bytes (the same
/// length, one character of the compiler field changed), a hint naming a
/// digest of no cache, one of the wrong length and one others may write
/// each leave the plan decided exactly as from its JSON, with its own
/// digest, from its own cache; a wrong hint is then written anew.
#[test]
fn a_wrong_or_damaged_hint_only_costs_time() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let bytes = plan_bytes();
    let (cold, _) = load_prepared(FileId(0), bytes.clone(), None).unwrap();
    let expected = proofs(&cold);
    let mut plan = common::compile().0;
    let last = plan.compiler.pop().unwrap();
    plan.compiler.push(if last == 'x' { 'y' } else { 'x' });
    let other = plan.to_canonical_bytes();
    assert_eq!(other.len(), bytes.len(), "a plan of the same length");
    assert_eq!(load(&other, &cache).1, CacheStatus::Built);
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Built);
    let digest = |b: &[u8]| {
        let hex = writ_plan::sha256_hex(b);
        (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    };
    let found = hints(&cache);
    assert_eq!(found.len(), 2, "one hint per plan");
    let mine = found
        .iter()
        .find(|h| std::fs::read(h).unwrap() == digest(&bytes))
        .expect("a hint naming this plan's digest")
        .clone();
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Hit);
    let write = |content: &[u8], mode: u32| {
        std::fs::write(&mine, content).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
    };
    let cases: [(&str, Vec<u8>, u32); 4] = [
        ("another plan's digest", digest(&other), 0o600),
        ("a digest of no cache", vec![7; 32], 0o600),
        ("31 bytes", digest(&bytes)[..31].to_vec(), 0o600),
        ("writable by others", digest(&other), 0o666),
    ];
    for (what, content, mode) in cases {
        write(&content, mode);
        let (prepared, status) = load(&bytes, &cache);
        assert_eq!(status, CacheStatus::Hit, "{what}");
        assert_eq!(
            prepared.digest(),
            cold.digest(),
            "{what}: this plan's digest"
        );
        assert_eq!(proofs(&prepared), expected, "{what}: the same decisions");
        if mode == 0o600 {
            assert_eq!(std::fs::read(&mine).unwrap(), digest(&bytes), "{what}");
        }
    }
    // The other plan still reads its own cache.
    let (theirs, status) = load(&other, &cache);
    assert_eq!(status, CacheStatus::Hit);
    assert_eq!(
        theirs.digest(),
        format!("sha256:{}", writ_plan::sha256_hex(&other))
    );
}

/// The attack on the graph's place: a cache file whose body records
/// another place for the plan's graph (moved, cut short, widened to the
/// whole plan, pointing past its end or at another object of the plan),
/// its digest resealed to match, is refused and rebuilt, and every
/// scenario is decided as from the JSON plan.
#[test]
fn a_cache_pointing_elsewhere_in_the_plan_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let bytes = plan_bytes();
    let expected = proofs(&load_prepared(FileId(0), bytes.clone(), None).unwrap().0);
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Built);
    let good = std::fs::read(cache_file(&cache, &bytes)).unwrap();
    let place = |at: usize| u64::from_le_bytes(good[at..at + 8].try_into().unwrap());
    let (start, end) = (place(HEADER), place(HEADER + 8));
    let graph = writ_plan::graph_span(&bytes, &common::compile().0).expect("found");
    assert_eq!((start as usize, end as usize), (graph.start, graph.end));
    let text = String::from_utf8(bytes.clone()).unwrap();
    let sources = text.find("{\"module\"").expect("a source object") as u64;
    let sources_end = sources + text[sources as usize..].find('}').unwrap() as u64 + 1;
    let len = bytes.len() as u64;
    for (s, e) in [
        (start + 1, end),
        (start, end - 1),
        (start - 1, end + 1),
        (0, len),
        (start, start),
        (end, start),
        (start, len + 10),
        (u64::MAX - 1, u64::MAX),
        (sources, sources_end),
    ] {
        let mut f = good.clone();
        f[HEADER..HEADER + 8].copy_from_slice(&s.to_le_bytes());
        f[HEADER + 8..HEADER + 16].copy_from_slice(&e.to_le_bytes());
        refused(&cache, &bytes, &reseal(f), "does not read back");
        let (prepared, status) = load(&bytes, &cache);
        assert_eq!(status, CacheStatus::Hit);
        assert_eq!(
            proofs(&prepared),
            expected,
            "({s}, {e}): the same decisions"
        );
    }
}

/// Where each section of a cache file's node table and path index starts:
/// the body is the graph's place (16 bytes), the graph's other parts (a
/// length and their bytes), the reach index (forward then reverse: offsets
/// and targets, a count and `u32` words each, and kinds, a length and
/// bytes), the table's string area (a length and its bytes), then twelve
/// arrays of `u32` (a count, then the words), in this order; then the path
/// index's string area and its eight arrays.
const SECTIONS: [&str; 12] = [
    "string ends",
    "ids",
    "kinds",
    "tag starts",
    "tags",
    "owner starts",
    "owners",
    "check starts",
    "checks",
    "attribute starts",
    "attributes",
    "file order",
];

/// The path index's arrays, after its string area (see [`SECTIONS`]).
const PATH_SECTIONS: [&str; 8] = [
    "path string ends",
    "layers",
    "claims",
    "global starts",
    "global nodes",
    "key lengths",
    "bucket starts",
    "members",
];

/// Words per claim in the path index: glob, layer, priority (two words),
/// target kind and value, shape.
const CLAIM_WORDS: usize = 7;

/// The offset of the first word of each of the table's and the path
/// index's arrays in `file` (by [`SECTIONS`] and [`PATH_SECTIONS`] name),
/// with its count; "path strings" is the path index's string area (its
/// first byte and length).
fn table_sections(file: &[u8]) -> std::collections::BTreeMap<&'static str, (usize, usize)> {
    let len = |at: usize| u64::from_le_bytes(file[at..at + 8].try_into().unwrap()) as usize;
    // A words section starts after zero padding to a multiple of four
    // bytes from the file's start (its words are read in place).
    let out = std::cell::RefCell::new(std::collections::BTreeMap::new());
    // The first padding of one byte or more is kept as "padding" (its
    // first byte and length).
    let pad = |at: usize| {
        let aligned = at.next_multiple_of(4);
        assert!(file[at..aligned].iter().all(|&b| b == 0), "zero padding");
        if aligned > at {
            out.borrow_mut()
                .entry("padding")
                .or_insert((at, aligned - at));
        }
        aligned
    };
    let mut at = HEADER + 16;
    at += 8 + len(at); // the other parts
    for direction in ["forward", "reverse"] {
        at = pad(at);
        at += 8 + 4 * len(at); // the reach index's offsets
        at = pad(at);
        if direction == "forward" {
            out.borrow_mut()
                .insert("forward targets", (at + 8, len(at)));
        }
        at += 8 + 4 * len(at); // targets
        at += 8 + len(at); // and kinds
    }
    at += 8 + len(at); // the string area
    for name in SECTIONS {
        at = pad(at);
        let count = len(at);
        out.borrow_mut().insert(name, (at + 8, count));
        at += 8 + 4 * count;
    }
    out.borrow_mut().insert("path strings", (at + 8, len(at)));
    at += 8 + len(at);
    for name in PATH_SECTIONS {
        at = pad(at);
        let count = len(at);
        out.borrow_mut().insert(name, (at + 8, count));
        at += 8 + 4 * count;
    }
    assert_eq!(at, file.len(), "the path index ends the file");
    out.into_inner()
}

/// The word at `at` (in the machine's byte order, as the cache holds it).
fn word(file: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(file[at..at + 4].try_into().unwrap())
}

fn set_word(file: &mut [u8], at: usize, value: u32) {
    file[at..at + 4].copy_from_slice(&value.to_ne_bytes());
}

/// A change made to a cache file.
type Tamper = Box<dyn Fn(&mut Vec<u8>)>;

/// Each case's tampering of the good cache file, resealed, is refused for
/// its reason (`why`); the cache is then rebuilt, and every scenario is
/// decided as `expected` (the proofs from the JSON plan).
fn each_refused_then_decided_alike(
    cache: &PlanCache,
    bytes: &[u8],
    good: &[u8],
    cases: &[(&str, Tamper, &str)],
    expected: &[String],
) {
    for (what, tamper, why) in cases {
        let mut f = good.to_vec();
        tamper(&mut f);
        assert_ne!(f, good, "{what}: the file changed");
        refused(cache, bytes, &reseal(f), why);
        let (prepared, status) = load(bytes, cache);
        assert_eq!(status, CacheStatus::Hit);
        assert_eq!(proofs(&prepared), expected, "{what}: the same decisions");
    }
}

/// The attacks on the node table a decision reads in place: indices out of
/// bounds, ranges that go back or overlap, a node whose id points at
/// another node's string (or two nodes swapping theirs), an edge of the
/// reach index to a node outside the graph, a string ending
/// inside the area's bounds but past its end, a file order that repeats a
/// node, an attribute of no known type, an array longer than the file —
/// each with the body's digest resealed, so only the table's own
/// validation stands in the way. Each is refused and rebuilt, and every
/// scenario is then decided as from the JSON plan.
#[test]
fn a_tampered_node_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let bytes = plan_bytes();
    let expected = proofs(&load_prepared(FileId(0), bytes.clone(), None).unwrap().0);
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Built);
    let good = std::fs::read(cache_file(&cache, &bytes)).unwrap();
    let s = table_sections(&good);
    let (ids, nodes) = s["ids"];
    let (_, strings) = s["string ends"];
    assert!(
        nodes >= 3 && strings > nodes,
        "a table of the fixture's nodes"
    );
    let (owner_starts, _) = s["owner starts"];
    let (owners, owner_count) = s["owners"];
    assert!(owner_count >= 2, "the fixture's nodes have owners");
    let (ends, _) = s["string ends"];
    let (order, _) = s["file order"];
    let (attrs, attr_words) = s["attributes"];
    let (targets, _) = s["forward targets"];
    let (id0, id1) = (word(&good, ids), word(&good, ids + 4));
    let cases: Vec<(&str, Tamper, &str)> = vec![
        (
            "an id out of bounds",
            Box::new(move |f| set_word(f, ids + 4, strings as u32)),
            "ids and kinds",
        ),
        (
            "node 1's id pointing at node 0's string",
            Box::new(move |f| set_word(f, ids + 4, id0)),
            "ids",
        ),
        (
            "nodes 0 and 1 swapping their ids",
            Box::new(move |f| {
                set_word(f, ids, id1);
                set_word(f, ids + 4, id0);
            }),
            "ids",
        ),
        (
            "an owner out of bounds",
            Box::new(move |f| set_word(f, owners, u32::MAX)),
            "lists",
        ),
        (
            "an owner range going back",
            Box::new(move |f| {
                let next = word(f, owner_starts + 8);
                set_word(f, owner_starts + 4, next + 1);
            }),
            "lists",
        ),
        (
            "a string ending past the area",
            Box::new(move |f| set_word(f, ends, u32::MAX)),
            "string ends",
        ),
        (
            "a node twice in the file order",
            Box::new(move |f| {
                let first = word(f, order);
                set_word(f, order + 4, first);
            }),
            "file order",
        ),
        (
            "an edge to a node outside the graph",
            Box::new(move |f| set_word(f, targets, nodes as u32)),
            "reach index",
        ),
        (
            "an array longer than the file",
            Box::new(move |f| {
                let at = order - 8;
                f[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
            }),
            "too long",
        ),
    ];
    let mut cases = cases;
    if attr_words >= 4 {
        cases.push((
            "an attribute of no known type",
            Box::new(move |f| set_word(f, attrs + 4, 7)),
            "attributes",
        ));
    }
    each_refused_then_decided_alike(&cache, &bytes, &good, &cases, &expected);
}

/// The attacks on the path index a decision reads in place: a claim's
/// glob, layer or node out of bounds, its glob pointing at another
/// claim's string, a target kind or shape that does not exist or is not
/// the glob's, a claim filed twice or not at all, a bucket key longer than
/// its glob or out of order, an empty bucket, a string ending past the
/// area, a layer naming no string, the index cut short; and, for the
/// words sections read in place, the first padding before one made not
/// zero or taken out (the sections after it moved off their alignment)
/// — each with the body's digest resealed. Each is refused for its reason and rebuilt, and
/// every scenario is then decided as from the JSON plan.
#[test]
fn a_tampered_path_index_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let bytes = plan_bytes();
    let expected = proofs(&load_prepared(FileId(0), bytes.clone(), None).unwrap().0);
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Built);
    let good = std::fs::read(cache_file(&cache, &bytes)).unwrap();
    let s = table_sections(&good);
    let (_, nodes) = s["ids"];
    let (ends, strings) = s["path string ends"];
    let (layers, layer_count) = s["layers"];
    let (claims, claim_words) = s["claims"];
    let (key_lens, buckets) = s["key lengths"];
    let (starts, _) = s["bucket starts"];
    let (members, _) = s["members"];
    let (path_strings, _) = s["path strings"];
    let (padding, padding_len) = s["padding"];
    let claim_count = claim_words / CLAIM_WORDS;
    assert!(
        claim_count >= 3 && buckets >= 3 && layer_count >= 1,
        "the fixture's nodes claim paths in several buckets"
    );
    // Claim `c`'s word `w`.
    let at = move |c: usize, w: usize| claims + 4 * (c * CLAIM_WORDS + w);
    let glob1 = word(&good, at(1, 0));
    let cases: Vec<(&str, Tamper, &str)> = vec![
        (
            "a claim's glob out of bounds",
            Box::new(move |f| set_word(f, at(0, 0), strings as u32)),
            "claims",
        ),
        (
            "a claim's glob pointing at another claim's string",
            Box::new(move |f| set_word(f, at(0, 0), glob1)),
            "buckets",
        ),
        (
            "a claim's layer out of bounds",
            Box::new(move |f| set_word(f, at(0, 1), layer_count as u32)),
            "claims",
        ),
        (
            "a claim's node out of bounds",
            Box::new(move |f| set_word(f, at(0, 5), nodes as u32)),
            "claims",
        ),
        (
            "a claim of no known target kind",
            Box::new(move |f| set_word(f, at(0, 4), 9)),
            "claims",
        ),
        (
            "a claim of no known shape",
            Box::new(move |f| set_word(f, at(0, 6), 3)),
            "claims",
        ),
        (
            "a claim of another shape than its glob's",
            Box::new(move |f| {
                let shape = word(f, at(0, 6));
                set_word(f, at(0, 6), (shape + 1) % 3);
            }),
            "buckets",
        ),
        (
            "a claim filed twice (and another not at all)",
            Box::new(move |f| {
                let first = word(f, members);
                set_word(f, members + 4, first);
            }),
            "buckets",
        ),
        (
            "a member out of bounds",
            Box::new(move |f| set_word(f, members, claim_count as u32)),
            "buckets",
        ),
        (
            "a bucket key longer than its glob",
            Box::new(move |f| set_word(f, key_lens, u32::MAX)),
            "buckets",
        ),
        (
            "bucket keys out of order",
            Box::new(move |f| set_word(f, key_lens + 4, 0)),
            "bucket keys",
        ),
        (
            "an empty bucket",
            Box::new(move |f| {
                let first = word(f, starts);
                set_word(f, starts + 4, first);
            }),
            "buckets",
        ),
        (
            "a path string ending past the area",
            Box::new(move |f| set_word(f, ends, u32::MAX)),
            "string ends",
        ),
        (
            "a layer naming no string",
            Box::new(move |f| set_word(f, layers, u32::MAX)),
            "layers",
        ),
        (
            "a glob's bytes that are not UTF-8",
            Box::new(move |f| f[path_strings] = 0xff),
            "not UTF-8",
        ),
        (
            "padding before a words section that is not zero",
            Box::new(move |f| f[padding] = 1),
            "padding that is not zero",
        ),
        (
            "a words section moved off its alignment (its padding taken out)",
            Box::new(move |f| {
                f.drain(padding..padding + padding_len);
                let body = (f.len() - HEADER) as u64;
                f[76..84].copy_from_slice(&body.to_le_bytes());
            }),
            "does not read back",
        ),
        (
            "the index cut short",
            Box::new(move |f| {
                f.truncate(f.len() - 4);
                let body = (f.len() - HEADER) as u64;
                f[76..84].copy_from_slice(&body.to_le_bytes());
            }),
            "past the end",
        ),
    ];
    each_refused_then_decided_alike(&cache, &bytes, &good, &cases, &expected);
}

/// Every single-byte change of the body, digest resealed, is either refused
/// or decodes to a graph that passes every index check: never a panic,
/// neither loading nor deciding.
#[test]
fn resealed_body_changes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let bytes = plan_bytes();
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Built);
    let good = std::fs::read(cache_file(&cache, &bytes)).unwrap();
    let body = good.len() - HEADER;
    let (mut refusals, mut used) = (0, 0);
    for step in 0..64 {
        let at = HEADER + (step * 7919) % body;
        for value in [0u8, 1, 0x7f, 0xff] {
            let mut f = good.clone();
            if f[at] == value {
                continue;
            }
            f[at] = value;
            let file = cache_file(&cache, &bytes);
            std::fs::write(&file, reseal(f)).unwrap();
            let (prepared, status) = load(&bytes, &cache);
            match status {
                CacheStatus::Refused(_) => refusals += 1,
                CacheStatus::Hit => {
                    used += 1;
                    let _ = proofs(&prepared);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert!(refusals > 0, "some changes are refused ({used} used)");
}

#[cfg(unix)]
#[test]
fn a_cache_others_may_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let bytes = plan_bytes();
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Built);
    let file = cache_file(&cache, &bytes);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    match load(&bytes, &cache).1 {
        CacheStatus::Refused(why) => assert!(why.contains("others may write"), "{why}"),
        other => panic!("not refused: {other:?}"),
    }
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Hit);
}

#[test]
fn an_unwritable_cache_folder_still_decides() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    let cache = PlanCache::at(blocker.join("plans"));
    let bytes = plan_bytes();
    let (prepared, status) = load(&bytes, &cache);
    assert!(matches!(status, CacheStatus::NotWritten(_)), "{status:?}");
    assert_eq!(proofs(&prepared), proofs(&common::prepared()));
}

#[test]
fn a_refused_plan_is_refused_with_or_without_a_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let mut bytes = plan_bytes();
    bytes.insert(1, b' ');
    for cache in [None, Some(&cache)] {
        match load_prepared(FileId(0), bytes.clone(), cache) {
            Err(writ_runtime::LoadError::Plan {
                diagnostic,
                bytes: given,
            }) => {
                assert_eq!(diagnostic.code.id(), "E0703");
                assert_eq!(given, bytes, "the bytes are given back as they were");
            }
            other => panic!("not refused: {:?}", other.map(|(_, s)| s)),
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing cached"
    );
}

#[cfg(unix)]
#[test]
fn something_else_in_place_of_the_file_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let bytes = plan_bytes();
    let file = cache_file(&cache, &bytes);
    // A FIFO nobody writes to: opening it for reading must not wait.
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &file,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
    let (_, status) = load(&bytes, &cache);
    match status {
        CacheStatus::Refused(why) => assert!(why.contains("not a regular file"), "{why}"),
        other => panic!("a FIFO was not refused: {other:?}"),
    }
    // The rename replaced the FIFO with the cache.
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Hit);
}

/// The run that builds the cache can leave the file to write beside the
/// decision (`writ eval` does): nothing is written before
/// `PendingWrite::write`, which then writes the cache and its hint, read
/// back by the next load and decided as from the JSON plan.
#[test]
fn a_deferred_write_builds_the_same_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path().join("plans"));
    let bytes = plan_bytes();
    let (cold, _) = load_prepared(FileId(0), bytes.clone(), None).unwrap();
    let (prepared, deferred) =
        load_prepared_deferred(FileId(0), bytes.clone(), Some(&cache)).unwrap();
    let Deferred::Write(pending) = deferred else {
        panic!("no cache yet: a file to write, got {deferred:?}");
    };
    assert!(!cache_file(&cache, &bytes).exists(), "nothing written yet");
    assert_eq!(proofs(&prepared), proofs(&cold));
    assert_eq!(pending.write(&prepared), CacheStatus::Built);
    assert!(cache_file(&cache, &bytes).exists());
    assert_eq!(hints(&cache).len(), 1, "the hint written with it");
    let (warm, status) = load(&bytes, &cache);
    assert_eq!(status, CacheStatus::Hit);
    assert_eq!(proofs(&warm), proofs(&cold));
    // A hit leaves nothing to write.
    let (_, deferred) = load_prepared_deferred(FileId(0), bytes, Some(&cache)).unwrap();
    assert!(matches!(deferred, Deferred::Done(CacheStatus::Hit)));
}

/// A write left for one plan, handed another plan's prepared form (the
/// attack: another plan's graph filed under this plan's digest), writes
/// nothing: this plan is then built from its JSON, not read from a cache
/// of another graph.
#[test]
fn a_deferred_write_for_another_plan_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path().join("plans"));
    let bytes = plan_bytes();
    let mut plan = common::compile().0;
    plan.compiler = format!("{}-other", plan.compiler);
    let other = plan.to_canonical_bytes();
    let (theirs, _) = load_prepared(FileId(0), other, None).unwrap();
    let (_, deferred) = load_prepared_deferred(FileId(0), bytes.clone(), Some(&cache)).unwrap();
    let Deferred::Write(pending) = deferred else {
        panic!("no cache yet: a file to write, got {deferred:?}");
    };
    assert!(
        matches!(pending.write(&theirs), CacheStatus::NotWritten(why) if why.contains("another plan"))
    );
    assert!(
        !cache_file(&cache, &bytes).exists(),
        "nothing filed under this plan"
    );
    assert!(
        !cache.dir().exists() || hints(&cache).is_empty(),
        "no hint either"
    );
    assert_eq!(load(&bytes, &cache).1, CacheStatus::Built);
}
