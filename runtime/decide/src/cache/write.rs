//! Writing the prepared-plan cache: a cache file streamed to a temporary
//! file of the cache folder — its header, then the body as the graph
//! encodes it (`Graph::write_cached` into a [`writ_graph::Sink`]), its
//! BLAKE3 digest computed as the bytes go by — the header's body length
//! and digest filled in last, then renamed into place. The body is never
//! held whole in memory (19.7 MB at 100,000 services: fresh pages the run
//! that builds the cache no longer asks the kernel for). The bytes are
//! those of the encoding into one vector (`a_streamed_file_is_the_encoded_bytes`).
//! Also the small files of the folder (the digest hints), written whole.

use super::{HEADER, PlanCache, header};
use std::io::{Seek, Write};
use std::path::Path;

/// What a [`FileSink`] buffers before it writes (the words sections
/// larger than this go to the file directly).
const BUFFER: usize = 256 * 1024;

/// Writes the cache file atomically: a temporary file in the same folder,
/// then rename, so a reader sees the old file or the whole new one. Not
/// fsynced, unlike writ's artefacts: a cache that a crash leaves short or
/// unwritten fails its length and digest checks and is rebuilt, so waiting
/// for the disk (the largest part of building a cache) buys nothing.
pub(super) fn write_cached(
    cache: &PlanCache,
    path: &Path,
    key: &[u8; 32],
    digest: &[u8; 32],
    span: std::ops::Range<usize>,
    graph: &writ_graph::Graph,
) -> Result<(), String> {
    let mut failed = None;
    let written = with_temporary(cache, path, |file| {
        // The header's place first (filled in at the end), then the body.
        file.write_all(&[0u8; HEADER])?;
        let mut sink = FileSink {
            out: std::io::BufWriter::with_capacity(BUFFER, &mut *file),
            hasher: blake3::Hasher::new(),
            written: HEADER,
            error: None,
        };
        writ_graph::Sink::put(&mut sink, &(span.start as u64).to_le_bytes());
        writ_graph::Sink::put(&mut sink, &(span.end as u64).to_le_bytes());
        if let Err(why) = graph.write_cached(&mut sink) {
            failed = Some(why);
            return Err(std::io::Error::other("the graph could not be encoded"));
        }
        if let Some(e) = sink.error {
            return Err(e);
        }
        let body_len = (sink.written - HEADER) as u64;
        let body_digest = *sink.hasher.finalize().as_bytes();
        sink.out.flush()?;
        drop(sink);
        file.seek(std::io::SeekFrom::Start(0))?;
        file.write_all(&header(key, digest, body_len, &body_digest))
    });
    match failed {
        Some(why) => Err(why),
        None => written,
    }
}

/// Writes `bytes` to `path` in the cache folder (created mode 0700)
/// atomically: a temporary file (mode 0600), then rename. Not fsynced
/// (see [`write_cached`]).
pub(super) fn write_private(cache: &PlanCache, path: &Path, bytes: &[u8]) -> Result<(), String> {
    with_temporary(cache, path, |file| file.write_all(bytes))
}

/// Creates a temporary file (mode 0600) in the cache folder (created mode
/// 0700), lets `fill` write it, then renames it to `path`; the temporary
/// file is removed when anything fails.
fn with_temporary(
    cache: &PlanCache,
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), String> {
    create_private_dir(cache.dir())
        .map_err(|e| format!("cannot create `{}`: {e}", cache.dir().display()))?;
    let tmp = cache.dir().join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("plan"),
        std::process::id()
    ));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp)?;
        fill(&mut f)?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

/// Creates the cache folder, mode 0700 on Unix.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A cache file's body on its way to the file: buffered, hashed as it
/// goes, counted from the file's start (the words sections are aligned
/// from there). The first write error is kept and the rest skipped.
struct FileSink<'f> {
    out: std::io::BufWriter<&'f mut std::fs::File>,
    hasher: blake3::Hasher,
    written: usize,
    error: Option<std::io::Error>,
}

impl writ_graph::Sink for FileSink<'_> {
    fn written(&self) -> usize {
        self.written
    }

    fn put(&mut self, bytes: &[u8]) {
        self.written += bytes.len();
        if self.error.is_some() {
            return;
        }
        self.hasher.update(bytes);
        if let Err(e) = self.out.write_all(bytes) {
            self.error = Some(e);
        }
    }
}

/// The whole cache file for `graph` encoded into one vector (what
/// [`write_cached`] streams; the tests compare the two).
#[cfg(test)]
fn encode(
    key: &[u8; 32],
    digest: &[u8; 32],
    span: std::ops::Range<usize>,
    graph: &writ_graph::Graph,
) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; HEADER];
    out.extend_from_slice(&(span.start as u64).to_le_bytes());
    out.extend_from_slice(&(span.end as u64).to_le_bytes());
    graph.write_cached(&mut out)?;
    let (head, body) = out.split_at_mut(HEADER);
    let body_digest_of = super::body_digest_of;
    head.copy_from_slice(&header(
        key,
        digest,
        body.len() as u64,
        &body_digest_of(body),
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file streamed is byte for byte the file encoded into one vector
    /// (header, body, its length and digest), and reads back.
    #[test]
    fn a_streamed_file_is_the_encoded_bytes() {
        let text = include_str!("../../../../compiler/graph/tests/corpus/good/full.json");
        let (graph, diags) = writ_graph::Graph::parse_file(writ_diagnostics::FileId(0), text);
        let graph = graph.unwrap_or_else(|| panic!("{diags:?}"));
        let dir = tempfile::tempdir().unwrap();
        let cache = PlanCache::at(dir.path().join("c"));
        let path = cache.file_for("ab");
        let (key, digest) = ([7u8; 32], [9u8; 32]);
        write_cached(&cache, &path, &key, &digest, 3..5, &graph).unwrap();
        let streamed = std::fs::read(&path).unwrap();
        let encoded = encode(&key, &digest, 3..5, &graph).unwrap();
        assert_eq!(streamed, encoded);
        assert!(streamed.len() > HEADER + 16);
        let (body, recorded) = super::super::check_header(&streamed, &key, &digest).unwrap();
        assert_eq!(recorded, super::super::body_digest_of(body));
        let buf = std::sync::Arc::new(writ_graph::Buffer::copy_of(&streamed));
        let back = super::super::decode_body(&buf).unwrap();
        assert_eq!(back.node_count(), graph.node_count());
        // Nothing but the file is left in the folder.
        assert_eq!(std::fs::read_dir(cache.dir()).unwrap().count(), 1);
    }
}
