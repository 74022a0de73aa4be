//! The prepared-plan cache: the plan's graph, parsed, validated and indexed
//! (a node table read in place, CSR reach index, path-claim buckets),
//! written once in a binary form (`Graph::write_cached`) so that the next
//! process deciding under the same plan reads it instead of parsing and
//! validating the embedded JSON graph again.
//!
//! The signed JSON plan stays the one canonical artefact; a cache file is
//! derived from it and never trusted on its own:
//! - it is named by, and records, the sha256 of the plan's exact bytes, and
//!   is used only for a plan file whose bytes hash to that digest;
//! - it records the BLAKE3 digest of its body (docs/measured/plan.md § Cache layout
//!   4 says why not sha256 there) and where the plan's bytes hold the
//!   embedded graph (so that the plan is read around it, not scanned
//!   whole); the digest is checked on a second thread while the body is
//!   decoded, and nothing decoded is used unless it matches;
//! - it records which writ build wrote it (version, and the size and
//!   modification time of the executable), so another build never reads a
//!   layout it did not write;
//! - the file is read once into a buffer the graph keeps, its tables read
//!   in place from it and validated once (`Graph::read_cached_in`: the
//!   node table's strings, ranges and indices, the reach and path indices
//!   against their own sizes, the words sections' alignment and padding)
//!   so that evaluation can never index out of bounds or read another
//!   node's strings, and the plan is then prepared over it with every
//!   check of [`Prepared::new`];
//! - a digest hint (`cache/hint.rs`) names the cache file to read while
//!   the plan's sha256 is computed on another thread; what was read under
//!   it is used only if that digest is the hinted one;
//! - any mismatch, truncation, bad header, bad body or failed check makes
//!   the plan be prepared from its JSON as without a cache, and the cache
//!   file be written anew (atomically: temporary file, rename; not
//!   fsynced, see `write_cached`);
//! - on Unix a cache file not owned by the current user, or writable by
//!   its group or others, is refused; the folder is created mode 0700.
//!
//! Someone who can write the user's cache folder as that user can also
//! replace the `writ` executable or its configuration: the cache defends
//! against corruption, stale files and other users, not against the user.

use crate::prepare::{PrepareError, Prepared};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use writ_diagnostics::{Diagnostic, FileId};

mod hint;
mod write;

use write::{write_cached, write_private};

/// The first bytes of every cache file.
const MAGIC: &[u8; 8] = b"WRITPREP";
/// The cache file layout's version (2: the body starts with where the
/// plan's bytes hold its graph; 3: the nodes as a node table; 4: the path
/// index as tables too, the body's digest BLAKE3; 5: words sections
/// aligned and in the machine's byte order, read in place).
const FORMAT: u32 = 5;
/// magic, format, build key, plan digest, body length, body digest.
const HEADER: usize = 8 + 4 + 32 + 32 + 8 + 32;
/// The body's first bytes: start and end (u64, little-endian) of the
/// embedded graph's text in the plan's bytes (after a byte order mark: what
/// [`writ_plan::graph_span`] would find; the range `writ_plan::load_shared`
/// kept the graph as); the graph's cache bytes (`Graph::write_cached`) follow.
const SPAN: usize = 16;

/// Where prepared plans are cached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanCache {
    dir: PathBuf,
}

/// What became of the cache while a plan was loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheStatus {
    /// No cache was used (turned off, or no folder for it).
    Off,
    /// The plan was prepared from the cache.
    Hit,
    /// There was no cache for this plan: it was prepared and the cache written.
    Built,
    /// A cache file was found and refused (why); the plan was prepared from
    /// its JSON and the cache written anew.
    Refused(String),
    /// The plan was prepared, but its cache could not be written (why).
    NotWritten(String),
}

/// Why a plan could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// `writ_plan::load` refused the bytes (given back, to show the
    /// diagnostic in them).
    Plan {
        /// Why.
        diagnostic: Box<Diagnostic>,
        /// The bytes [`load_prepared`] was given.
        bytes: Vec<u8>,
    },
    /// The plan does not fit its own graph.
    Prepare(PrepareError),
}

impl PlanCache {
    /// A cache in `dir` (created when first written).
    pub fn at(dir: impl Into<PathBuf>) -> PlanCache {
        PlanCache { dir: dir.into() }
    }

    /// The folder the user chose: `$WRIT_CACHE_DIR`; `None` (no cache) when
    /// it is unset or empty. There is deliberately no default in `$HOME`:
    /// any process running as the same user (a check run with
    /// `--no-sandbox`, say) could write a cache there, and a cache whose
    /// digests match is believed. The user points it at a folder only writ's
    /// job writes.
    pub fn default_dir() -> Option<PathBuf> {
        std::env::var_os("WRIT_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache file of the plan whose digest is `hex`.
    pub fn file_for(&self, hex: &str) -> PathBuf {
        self.dir.join(format!("{hex}.prepared"))
    }
}

/// Loads and prepares the plan held in `bytes` (as read from its file, a
/// leading byte order mark allowed), through `cache` when one is given.
/// The decision is the same with or without a cache. A plan read back from
/// the cache keeps `bytes` and holds its graph as a range of them.
///
/// When the cache folder holds a digest hint for these bytes (`hint.rs`),
/// the cache file it names is read and checked against the hinted digest
/// while the plan's sha256 is computed on a second thread; what was read
/// is used only if the digest is the one hinted, and nothing is returned
/// before it is known. Otherwise (no hint, or another digest) the cache
/// file of the plan's digest is looked up after it, as without a hint.
///
/// A cache file to be written is written before this returns; see
/// [`load_prepared_deferred`] to write it beside the decision.
pub fn load_prepared(
    file: FileId,
    bytes: Vec<u8>,
    cache: Option<&PlanCache>,
) -> Result<(Prepared, CacheStatus), LoadError> {
    let (prepared, status) = load_prepared_deferred(file, bytes, cache)?;
    let status = match status {
        Deferred::Done(status) => status,
        Deferred::Write(pending) => pending.write(&prepared),
    };
    Ok((prepared, status))
}

/// What [`load_prepared_deferred`] left to do with the cache.
#[derive(Debug)]
pub enum Deferred {
    /// Nothing: the cache was off or hit, or the plan's bytes did not let
    /// one be written (the status says which).
    Done(CacheStatus),
    /// The plan was prepared from its JSON: its cache file is still to be
    /// written ([`PendingWrite::write`]).
    Write(PendingWrite),
}

/// A cache file to write for a plan just prepared from its JSON (the run
/// that builds the cache). It can be written on another thread while the
/// decision is made and printed; the process must wait for it before it
/// exits (the write is atomic either way: a reader sees the old file or
/// the whole new one).
#[derive(Debug)]
pub struct PendingWrite {
    cache: PlanCache,
    path: PathBuf,
    key: [u8; 32],
    digest: [u8; 32],
    /// Where the plan's bytes hold its graph's text (the range of them
    /// `writ_plan::load_shared` kept the graph as); `None` if the plan was
    /// not read as text.
    span: Option<std::ops::Range<usize>>,
    hint_name: String,
    hinted: Option<[u8; 32]>,
    refused: Option<String>,
}

impl PendingWrite {
    /// Writes the cache file of `prepared` (the plan this write was made
    /// for: a prepared plan of another digest is not written, and the
    /// status says so), then the digest hint; the cache's final status.
    pub fn write(self, prepared: &Prepared) -> CacheStatus {
        let hex = writ_plan::hex(&self.digest);
        if prepared.digest().strip_prefix("sha256:") != Some(hex.as_str()) {
            return CacheStatus::NotWritten("it was asked for another plan".into());
        }
        let written = match self.span {
            Some(span) => write_cached(
                &self.cache,
                &self.path,
                &self.key,
                &self.digest,
                span,
                prepared.graph(),
            ),
            None => Err("the plan's graph was not found in its bytes".into()),
        };
        match written {
            Err(why) => CacheStatus::NotWritten(why),
            Ok(()) => {
                if self.hinted != Some(self.digest) {
                    hint::write(&self.cache, &self.hint_name, &self.digest);
                }
                match self.refused {
                    Some(why) => CacheStatus::Refused(why),
                    None => CacheStatus::Built,
                }
            }
        }
    }
}

/// [`load_prepared`], with the cache file of a plan prepared from its
/// JSON left to write ([`Deferred::Write`]): `writ eval` writes it on a
/// second thread while it decides and prints, and waits for it before it
/// exits. Everything read from a cache is checked exactly as in
/// [`load_prepared`] before this returns.
pub fn load_prepared_deferred(
    file: FileId,
    bytes: Vec<u8>,
    cache: Option<&PlanCache>,
) -> Result<(Prepared, Deferred), LoadError> {
    let plan = Arc::new(bytes);
    let (Some(cache), Some(key)) = (cache, cache.and_then(|_| build_key())) else {
        let (digest, loaded) = digest_beside_load(file, plan);
        let (prepared, _) = prepare(&digest, loaded, false)?;
        return Ok((prepared, Deferred::Done(CacheStatus::Off)));
    };
    let hint_name = hint::name(without_bom(&plan));
    let hinted = hint::read(cache, &hint_name);
    // Without a hint no cache of these bytes was hit or written since the
    // hint went (every hit or write leaves one): most likely there is
    // none, and the plan is loaded from its JSON while its sha256 runs.
    // The cache of the digest is still looked up first; if there is one
    // after all, the plan loaded is dropped (time lost, nothing else).
    let (digest, early, loaded) = match hinted {
        None => {
            let (digest, plan_loaded) = digest_beside_load(file, plan);
            (digest, None, Ok(plan_loaded))
        }
        Some(hinted) => {
            let (digest, early) = std::thread::scope(|scope| {
                let digest = scope.spawn(|| plan_digest(&plan));
                let path = cache.file_for(&writ_plan::hex(&hinted));
                let early = read_cached(&path, &key, &hinted, &plan);
                let digest = digest
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (digest, early)
            });
            (digest, Some((hinted, early)), Err(plan))
        }
    };
    let path = cache.file_for(&writ_plan::hex(&digest));
    // What was read under the hint counts only for the digest it names:
    // the same file, checked against the same digest, as reading it now.
    let looked_up = match (early, &loaded) {
        (Some((hinted, early)), _) if hinted == digest => early,
        (_, Err(plan)) => read_cached(&path, &key, &digest, plan),
        // The plan was loaded already; its bytes, for the rare cache found
        // without a hint, are those it keeps (copied only then).
        (_, Ok(loaded)) => match open_private(&path) {
            Ok(None) => Ok(None),
            _ => read_cached(&path, &key, &digest, &Arc::new(loaded.bytes())),
        },
    };
    let refused = match looked_up {
        Ok(Some(prepared)) => {
            if hinted != Some(digest) {
                hint::write(cache, &hint_name, &digest);
            }
            return Ok((prepared, Deferred::Done(CacheStatus::Hit)));
        }
        Ok(None) => None,
        Err(why) => Some(why),
    };
    let loaded = loaded.unwrap_or_else(|plan| load_text(file, plan));
    // The plan's bytes are dropped here, as without a cache: the writer
    // needs only where they hold the graph.
    let (prepared, span) = prepare(&digest, loaded, true)?;
    let pending = PendingWrite {
        cache: cache.clone(),
        path,
        key,
        digest,
        span,
        hint_name,
        hinted,
        refused,
    };
    Ok((prepared, Deferred::Write(pending)))
}

/// The plan's digest: sha256 of its exact bytes after the same byte order
/// mark rule as `load` (its identity, which signatures name).
fn plan_digest(plan: &[u8]) -> [u8; 32] {
    Sha256::digest(without_bom(plan)).into()
}

/// What [`load_text`] made of a plan's bytes.
enum Loaded {
    /// Accepted by `writ_plan::load_shared`: the plan, its graph kept as a
    /// range of the text (the plan's bytes, whole).
    Shared(writ_plan::Plan, Arc<String>),
    /// Accepted by `writ_plan::load` of bytes that are not UTF-8 (a JSON
    /// parser never accepts those; kept so that nothing depends on it):
    /// the graph a copy of its own, its place not known.
    Copied(writ_plan::Plan, Arc<Vec<u8>>),
    /// Refused (why), the bytes given back.
    Refused(Box<Diagnostic>, Vec<u8>),
}

impl Loaded {
    /// The plan's bytes, whole (a copy of them).
    fn bytes(&self) -> Vec<u8> {
        match self {
            Loaded::Shared(_, text) => text.as_bytes().to_vec(),
            Loaded::Copied(_, bytes) => bytes.to_vec(),
            Loaded::Refused(_, bytes) => bytes.clone(),
        }
    }
}

/// `writ_plan::load` of the plan's bytes, made text without a copy
/// (`writ_plan::load_shared`: the graph is kept as a range of it, not
/// copied, and its place in the bytes is known without a search).
fn load_text(file: FileId, plan: Arc<Vec<u8>>) -> Loaded {
    load_text_beside(file, plan, |_| ()).1
}

/// [`load_text`], with `beside` run on a second thread meanwhile over the
/// plan's bytes (its sha256), once they are known to be text or not:
/// the bytes are made text before (one UTF-8 check, no copy), so that the
/// text is not shared while it is made.
fn load_text_beside<R: Send>(
    file: FileId,
    plan: Arc<Vec<u8>>,
    beside: impl FnOnce(&[u8]) -> R + Send,
) -> (R, Loaded) {
    let bytes = Arc::try_unwrap(plan).unwrap_or_else(|shared| shared.to_vec());
    match String::from_utf8(bytes) {
        Ok(text) => {
            let text = Arc::new(text);
            let (got, loaded) = std::thread::scope(|scope| {
                let got = scope.spawn(|| beside(text.as_bytes()));
                let loaded = writ_plan::load_shared(file, &text);
                let got = got
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (got, loaded)
            });
            let loaded = match loaded {
                Ok(plan) => Loaded::Shared(plan, text),
                Err(diagnostic) => Loaded::Refused(diagnostic, unshare(text)),
            };
            (got, loaded)
        }
        Err(not_text) => {
            let bytes = not_text.into_bytes();
            let (got, loaded) = std::thread::scope(|scope| {
                let got = scope.spawn(|| beside(&bytes));
                let loaded = writ_plan::load(file, &bytes);
                let got = got
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (got, loaded)
            });
            let loaded = match loaded {
                Ok(plan) => Loaded::Copied(plan, Arc::new(bytes)),
                Err(diagnostic) => Loaded::Refused(diagnostic, bytes),
            };
            (got, loaded)
        }
    }
}

/// The bytes of `text`, copied only if something else still shares them.
fn unshare(text: Arc<String>) -> Vec<u8> {
    Arc::try_unwrap(text)
        .map(String::into_bytes)
        .unwrap_or_else(|shared| shared.as_bytes().to_vec())
}

/// The plan's digest and [`load_text`] of its bytes, the sha256 computed
/// on a second thread meanwhile (the run without a cache, or the one that
/// builds it, does not wait for it before loading). Nothing is copied:
/// the thread reads the text `load_text` made (or the bytes, if not text).
fn digest_beside_load(file: FileId, plan: Arc<Vec<u8>>) -> ([u8; 32], Loaded) {
    load_text_beside(file, plan, plan_digest)
}

/// Prepares without a cache, from [`load_text`]'s result:
/// [`Prepared::with_digest`]'s steps (the plan's bytes are dropped after).
/// With `for_cache` (a cache file is to be written), the graph's node
/// table is built beside its validation
/// ([`writ_graph::Graph::parse_file_with_node_table`]), and the graph's
/// place in the plan's bytes (after a byte order mark) is returned: the
/// range of them `writ_plan::load_shared` kept as the graph, known without
/// searching or comparing them; `None` without `for_cache` or when the
/// plan was not read as text. Nothing is written here.
fn prepare(
    digest: &[u8; 32],
    loaded: Loaded,
    for_cache: bool,
) -> Result<(Prepared, Option<std::ops::Range<usize>>), LoadError> {
    let (loaded, span) = match loaded {
        Loaded::Refused(diagnostic, bytes) => {
            return Err(LoadError::Plan { diagnostic, bytes });
        }
        Loaded::Shared(plan, text) => {
            let bom = text.len() - without_bom(text.as_bytes()).len();
            let span = plan
                .graph
                .range_in(&text)
                .and_then(|range| Some(range.start.checked_sub(bom)?..range.end.checked_sub(bom)?));
            (plan, span)
        }
        Loaded::Copied(plan, _) => (plan, None),
    };
    let digest = format!("sha256:{}", writ_plan::hex(digest));
    let graph = Prepared::parse_graph(&loaded, for_cache).map_err(LoadError::Prepare)?;
    let prepared = Prepared::from_graph(loaded, digest, graph).map_err(LoadError::Prepare)?;
    Ok((prepared, span.filter(|_| for_cache)))
}

/// `bytes` without a leading byte order mark (as `writ_plan::load` reads them).
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes
        .strip_prefix(writ_diagnostics::limits::BOM.as_bytes())
        .unwrap_or(bytes)
}

/// What identifies the writ build that writes or reads a cache: sha256 of
/// the format, the version, the machine's byte order (the tables' words
/// are in it) and the executable's size and modification time.
fn build_key() -> Option<[u8; 32]> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let text = format!(
        "writ-prepared-cache/{FORMAT}\n{}\n{}\n{}\n{}",
        env!("CARGO_PKG_VERSION"),
        if cfg!(target_endian = "little") {
            "little-endian"
        } else {
            "big-endian"
        },
        meta.len(),
        modified.as_nanos()
    );
    Some(Sha256::digest(text.as_bytes()).into())
}

/// The prepared plan from the cache file at `path`, for the plan whose
/// bytes are `plan` and whose digest is `digest`: `Ok(None)` when there is
/// none, `Err(why)` when there is one that cannot be used.
fn read_cached(
    path: &Path,
    key: &[u8; 32],
    digest: &[u8; 32],
    plan: &Arc<Vec<u8>>,
) -> Result<Option<Prepared>, String> {
    let Some((mut file, meta)) = open_private(path)? else {
        return Ok(None);
    };
    // Read once into memory aligned for words: the graph's tables are read
    // in place from this buffer, which the graph keeps.
    let len = usize::try_from(meta.len()).map_err(|_| "it is too large".to_string())?;
    let buf = Arc::new(
        writ_graph::Buffer::read(&mut file, len).map_err(|e| format!("cannot read it: {e}"))?,
    );
    let (body, body_digest) = check_header(buf.bytes(), key, digest)?;
    let Some((span, _)) = body.split_first_chunk::<SPAN>() else {
        return Err("its body is shorter than the graph's place".into());
    };
    let span = read_span(span);
    // A second thread checks the body's digest and reads the plan's JSON
    // around its graph, while this one decodes the graph. Nothing decoded
    // is used unless the digest matches: decoding and checking unverified
    // bytes is only wasted work (both refuse any input without panicking).
    let (checked, graph) = std::thread::scope(|scope| {
        let checked = scope.spawn(|| {
            if body_digest_of(body).as_slice() != body_digest {
                return Err("its body does not match its recorded digest".to_string());
            }
            Ok(writ_plan::reload_accepted_around_graph(plan.clone(), span))
        });
        let graph = decode_body(&buf);
        let checked = checked
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (checked, graph)
    });
    // In this order: a damaged body first, then a graph that does not
    // decode, then a plan that does not read back around it.
    let plan = checked?;
    let graph = graph?;
    let plan = plan.map_err(|e| format!("the plan does not read back: {e}"))?;
    // The plan's nodes are the graph's: their number is known without
    // reading the embedded text again.
    plan.graph.know_node_count(graph.node_count());
    let hex = writ_plan::hex(digest);
    Prepared::from_graph(plan, format!("sha256:{hex}"), graph)
        .map(Some)
        .map_err(|e| format!("the cached graph does not fit the plan: {e}"))
}

/// The body of a cache file and the digest its header records for it, once
/// the header matches this build, this plan and the body's length (the
/// caller checks the digest).
fn check_header<'a>(
    bytes: &'a [u8],
    key: &[u8; 32],
    digest: &[u8; 32],
) -> Result<(&'a [u8], &'a [u8]), String> {
    if bytes.len() < HEADER {
        return Err("it is truncated (shorter than its header)".into());
    }
    let (header, body) = bytes.split_at(HEADER);
    if &header[..8] != MAGIC {
        return Err("it is not a writ prepared-plan cache".into());
    }
    if header[8..12] != FORMAT.to_le_bytes() {
        return Err("it has another layout version".into());
    }
    if &header[12..44] != key {
        return Err("another writ build wrote it".into());
    }
    if &header[44..76] != digest {
        return Err("it was made for another plan".into());
    }
    let len = u64::from_le_bytes(header[76..84].try_into().expect("8 bytes"));
    if len != body.len() as u64 {
        return Err(format!(
            "its body has {} bytes, its header says {len}",
            body.len()
        ));
    }
    Ok((body, &header[84..116]))
}

/// The graph's place in the plan's bytes, as the body records it.
fn read_span(bytes: &[u8; SPAN]) -> std::ops::Range<usize> {
    let (start, end) = bytes.split_at(8);
    let at = |b: &[u8]| {
        usize::try_from(u64::from_le_bytes(b.try_into().expect("8 bytes"))).unwrap_or(usize::MAX)
    };
    at(start)..at(end)
}

/// Reads back and checks the graph of a cache file, in place (its tables
/// are ranges of `buf`, which it keeps).
fn decode_body(buf: &Arc<writ_graph::Buffer>) -> Result<writ_graph::Graph, String> {
    writ_graph::Graph::read_cached_in(buf, HEADER + SPAN)
        .map_err(|e| format!("its body does not read back: {e}"))
}

/// The digest a header records for its body: BLAKE3, a cryptographic hash
/// as collision-resistant as sha256 and about twice as fast per byte here
/// (the body is read whole on every warm run; docs/measured/plan.md § Cache layout 4).
fn body_digest_of(body: &[u8]) -> [u8; 32] {
    *blake3::hash(body).as_bytes()
}

/// A cache file's header: this build, this plan, the body's length and
/// BLAKE3 digest (what [`check_header`] checks).
fn header(
    key: &[u8; 32],
    digest: &[u8; 32],
    body_len: u64,
    body_digest: &[u8; 32],
) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&FORMAT.to_le_bytes());
    h[12..44].copy_from_slice(key);
    h[44..76].copy_from_slice(digest);
    h[76..84].copy_from_slice(&body_len.to_le_bytes());
    h[84..116].copy_from_slice(body_digest);
    h
}

/// Opens a file of the cache folder for reading: `Ok(None)` when there is
/// none; refused (why) when it cannot be opened, is not a regular file, is
/// owned by another user or others may write it. The checks are of the
/// open file, the one then read; a FIFO in its place does not block.
fn open_private(path: &Path) -> Result<Option<(std::fs::File, std::fs::Metadata)>, String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        rustix::fs::OFlags::NONBLOCK.bits() as i32,
    );
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot open it: {e}")),
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot stat it: {e}"))?;
    check_owner(&meta)?;
    Ok(Some((file, meta)))
}

/// Refuses a cache file that another user owns or that others may write.
fn check_owner(meta: &std::fs::Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if !meta.is_file() {
            return Err("it is not a regular file".into());
        }
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err("another user owns it".into());
        }
        if meta.mode() & 0o022 != 0 {
            return Err("its group or others may write it".into());
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}
