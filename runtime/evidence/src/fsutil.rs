//! Durable file writes: every file but the ledger is written to a temporary
//! file in the same folder, fsynced, renamed over the target, and the folder
//! fsynced, so a crash leaves either the old or the new content, never a mix.
//!
//! Writes into the evidence folder ([`write_atomic_beneath`],
//! [`write_new_beneath`]) treat it as hostile: every folder on the way is
//! opened with `O_NOFOLLOW` relative to the one before (no symbolic link is
//! followed, and the check and the use are one `openat`), the temporary file
//! is created exclusively, and the rename or link never follows a link at
//! the target name. Temporary files are named `.NAME.tmp.PID.N`;
//! [`stale_temps`] finds those whose writer is gone (a killed run).

use rustix::fs::{AtFlags, Mode, OFlags};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically with permissions `mode` (e.g. `0o644`;
/// `0o600` for private keys: the file never exists with wider permissions).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_via_temp(path, bytes, mode, |tmp, path| fs::rename(tmp, path))
}

/// Like [`write_atomic`], with the content written by `write` into the
/// temporary file (buffered) instead of held in memory whole: for large
/// artefacts such as a plan embedding its graph.
pub fn write_atomic_with(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_via_temp_with(path, mode, write, |tmp, path| fs::rename(tmp, path))
}

/// Like [`write_atomic`], but fails with `AlreadyExists` instead of
/// replacing an existing file (the check and the rename are one `link`).
pub(crate) fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_via_temp(path, bytes, mode, |tmp, path| fs::hard_link(tmp, path))
}

/// Writes `bytes` to `root/rel` atomically (like [`write_atomic`]) without
/// following any symbolic link below `root`: not a folder in `rel`, not the
/// file name (a link there is replaced, not written through). `root` itself
/// is the caller's choice (an operator's path) and is resolved as given.
pub(crate) fn write_atomic_beneath(
    root: &Path,
    rel: &str,
    bytes: &[u8],
    mode: u32,
) -> io::Result<()> {
    write_beneath(root, rel, bytes, mode, false)
}

/// Like [`write_atomic_beneath`], but fails with `AlreadyExists` instead of
/// replacing an existing file.
pub fn write_new_beneath(root: &Path, rel: &str, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_beneath(root, rel, bytes, mode, true)
}

fn refused(e: io::Error, what: &Path) -> io::Error {
    if e.raw_os_error() == Some(libc::ELOOP) || e.raw_os_error() == Some(libc::ENOTDIR) {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "`{}` is a symbolic link or not a folder; refusing to write through it",
                what.display()
            ),
        )
    } else {
        e
    }
}

/// Opens the folder `root` and then each folder of `rel` below it, never
/// following a symbolic link below `root`; returns the last folder and the
/// file name.
fn open_parent_beneath<'a>(root: &Path, rel: &'a str) -> io::Result<(OwnedFd, &'a str)> {
    let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let root_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let mut dir = rustix::fs::openat(rustix::fs::CWD, root, root_flags, Mode::empty())?;
    let rel_path = Path::new(rel);
    let mut parts: Vec<&str> = Vec::new();
    for c in rel_path.components() {
        match c {
            Component::Normal(p) => parts.push(
                p.to_str()
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not UTF-8"))?,
            ),
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("`{rel}` is not a plain relative path"),
                ));
            }
        }
    }
    let name = parts
        .pop()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let mut walked = root.to_path_buf();
    for p in parts {
        walked.push(p);
        dir = rustix::fs::openat(&dir, p, dir_flags, Mode::empty())
            .map_err(|e| refused(e.into(), &walked))?;
    }
    Ok((dir, name))
}

fn write_beneath(root: &Path, rel: &str, bytes: &[u8], mode: u32, new: bool) -> io::Result<()> {
    let (dir, name) = open_parent_beneath(root, rel)?;
    let tmp = format!(
        ".{name}.tmp.{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let result = (|| {
        let fd = rustix::fs::openat(
            &dir,
            tmp.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(mode),
        )?;
        // The mode is not narrowed by the umask for a file that must be 0644.
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))?;
        let mut file = File::from(fd);
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        if new {
            rustix::fs::linkat(&dir, tmp.as_str(), &dir, name, AtFlags::empty())?;
        } else {
            rustix::fs::renameat(&dir, tmp.as_str(), &dir, name)?;
        }
        rustix::fs::fsync(dir.as_fd())?;
        Ok::<(), io::Error>(())
    })();
    let _ = rustix::fs::unlinkat(&dir, tmp.as_str(), AtFlags::empty());
    result
}

/// The PID in a temporary file name `.NAME.tmp.PID.N`, if it is one.
fn temp_pid(name: &str) -> Option<i32> {
    let rest = name.strip_prefix('.')?;
    let (head, n) = rest.rsplit_once('.')?;
    let (head, pid) = head.rsplit_once('.')?;
    if !head.ends_with(".tmp") || head.len() <= 4 || n.is_empty() {
        return None;
    }
    if !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok().filter(|p| *p > 0)
}

/// Temporary files in `dir` (not below it) left by writers that are gone:
/// their PID names no live process. A file of a live writer is not stale.
pub fn stale_temps(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_pid) else {
            continue;
        };
        let alive = match rustix::process::Pid::from_raw(pid) {
            Some(p) => match rustix::process::test_kill_process(p) {
                Ok(()) => true,
                Err(e) => e != rustix::io::Errno::SRCH,
            },
            None => false,
        };
        if !alive && entry.file_type()?.is_file() {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
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
    write_via_temp_with(path, mode, |w| w.write_all(bytes), publish)
}

/// Writes what `write` writes to a temporary file beside `path` (created
/// with `mode`, never existing with wider permissions), fsyncs it, publishes
/// it at `path` and fsyncs the folder.
fn write_via_temp_with(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
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
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        let mut out = io::BufWriter::with_capacity(1 << 16, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
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
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and its parents, fsyncing each folder that gained an entry.
pub(crate) fn create_dir_all_durable(dir: &Path) -> io::Result<()> {
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

    #[test]
    fn beneath_refuses_links_and_writes_exclusively() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ev");
        let outside = dir.path().join("outside");
        fs::create_dir_all(root.join("checks")).unwrap();
        fs::create_dir(&outside).unwrap();
        write_atomic_beneath(&root, "checks/a.json", b"one", 0o644).unwrap();
        write_atomic_beneath(&root, "checks/a.json", b"two", 0o644).unwrap();
        assert_eq!(fs::read(root.join("checks/a.json")).unwrap(), b"two");
        assert_eq!(
            fs::metadata(root.join("checks/a.json"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o644
        );
        assert_eq!(
            write_new_beneath(&root, "checks/a.json", b"x", 0o644)
                .unwrap_err()
                .kind(),
            io::ErrorKind::AlreadyExists
        );
        std::os::unix::fs::symlink(&outside, root.join("logs")).unwrap();
        let e = write_atomic_beneath(&root, "logs/x", b"x", 0o644).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        // A link at the file name is replaced, not written through.
        std::os::unix::fs::symlink(outside.join("t"), root.join("checks/b.json")).unwrap();
        write_atomic_beneath(&root, "checks/b.json", b"b", 0o644).unwrap();
        assert!(!outside.join("t").exists());
        assert!(write_atomic_beneath(&root, "../x", b"x", 0o644).is_err());
        // The root is the caller's path, resolved as given.
        std::os::unix::fs::symlink(&root, dir.path().join("ev2")).unwrap();
        write_atomic_beneath(&dir.path().join("ev2"), "checks/c", b"c", 0o644).unwrap();
        assert_eq!(
            fs::read_dir(root.join("checks")).unwrap().count(),
            3,
            "no temp left"
        );
    }

    #[test]
    fn stale_temps_are_those_of_dead_writers() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let live = std::process::id();
        for name in [
            format!(".a.json.tmp.{dead}.0"),
            format!(".a.json.tmp.{live}.3"),
            ".a.json.tmp.x.0".to_string(),
            "a.json".to_string(),
            ".tmp.1.2".to_string(),
        ] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        let stale = stale_temps(dir.path()).unwrap();
        assert_eq!(
            stale,
            vec![dir.path().join(format!(".a.json.tmp.{dead}.0"))]
        );
        assert_eq!(temp_pid(".ledger.head.tmp.12.0"), Some(12));
        assert_eq!(temp_pid(".x.tmp.0.0"), None);
    }
}
