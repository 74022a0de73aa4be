//! Durable file writes: every file but the ledger is written to a temporary
//! file in the same folder, fsynced, renamed over the target, and the folder
//! fsynced, so a crash leaves either the old or the new content, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically with permissions `mode` (e.g. `0o644`;
/// `0o600` for private keys: the file never exists with wider permissions).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_via_temp(path, bytes, mode, |tmp, path| fs::rename(tmp, path))
}

/// Like [`write_atomic`], but fails with `AlreadyExists` instead of
/// replacing an existing file (the check and the rename are one `link`).
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_via_temp(path, bytes, mode, |tmp, path| fs::hard_link(tmp, path))
}

/// Writes `bytes` to a fresh temporary file beside `path` (mode `mode`),
/// fsyncs it, lets `publish` put it in place, fsyncs the folder; the
/// temporary file never survives.
fn write_via_temp(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    publish: impl FnOnce(&Path, &Path) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let tmp = dir.join(format!(
        ".{}.tmp.{}.{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        publish(&tmp, path)?;
        sync_dir(dir)
    })();
    // After a rename there is nothing left to remove; after a link (or a
    // failure) the temporary name goes.
    let _ = fs::remove_file(&tmp);
    result
}

/// fsyncs a folder, so a new or renamed entry in it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and its parents, fsyncing each folder that gained an entry.
pub fn create_dir_all_durable(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all_durable(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(e) => return Err(e),
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    sync_dir(parent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn atomic_writes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, b"one", 0o600).unwrap();
        write_atomic(&p, b"two", 0o600).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            write_new(&p, b"three", 0o644).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary files left"
        );
        create_dir_all_durable(&dir.path().join("x/y/z")).unwrap();
        assert!(dir.path().join("x/y/z").is_dir());
    }
}
