//! The check sandbox: how a check's argv becomes a bubblewrap (`bwrap`)
//! command line, and the probe that says whether sandboxing works here.
//!
//! Each sandboxed check gets new user, mount, PID, network, IPC, UTS and
//! cgroup namespaces (`--unshare-all`; `--share-net` only for a check the
//! graph declares `network: true`). Its file system is a fresh root: the
//! system folders read-only (`/usr`, `/etc`, `/opt` and the `/bin`, `/lib*`
//! links or folders as on the host), a private `/tmp`, a fresh `/proc` of its
//! own PID namespace (the runner and other checks are not in it), a minimal
//! `/dev`, the work tree read-write, extra read-only folders the operator
//! names, and nothing else. Paths to hide (the evidence folder, the runner's
//! key) are covered even when they lie inside the work tree: a folder by an
//! empty tmpfs, a file by `/dev/null`. All capabilities are dropped, the
//! check gets a new session (no `TIOCSTI` into the runner's terminal), and
//! `--die-with-parent` ties the sandbox to the runner: bwrap is PID 1 of the
//! namespace, so when the check's main process ends, is killed at its time
//! limit, or the runner dies, the kernel kills every process left in the
//! namespace, `setsid` or not.
//!
//! Why bubblewrap rather than a hand-rolled namespace shim or Landlock: see
//! `docs/evidence.md` ("The sandbox"); in short, it does all of the above,
//! is packaged everywhere, works unprivileged and as root, and costs a few
//! milliseconds per check (`cargo bench -p writ-evidence --bench sandbox`).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// Why checks cannot be sandboxed as asked.
#[derive(Debug)]
pub enum SandboxError {
    /// A path to hide or expose could not be resolved (it may not exist).
    Resolve(PathBuf, std::io::Error),
    /// `bwrap` is not on `PATH`.
    NotInstalled,
    /// `bwrap` could not be started.
    Start(PathBuf, std::io::Error),
    /// `bwrap` ran but could not create namespaces (its standard error).
    Namespaces(PathBuf, String),
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SandboxError::Resolve(path, e) => {
                write!(f, "cannot resolve `{}`: {e}", path.display())
            }
            SandboxError::NotInstalled => f.write_str(
                "bubblewrap (`bwrap`) is not installed (Debian/Ubuntu: apt-get install bubblewrap)",
            ),
            SandboxError::Start(program, e) => {
                write!(f, "cannot start `{}`: {e}", program.display())
            }
            SandboxError::Namespaces(program, stderr) => write!(
                f,
                "`{}` cannot create namespaces here: {stderr}",
                program.display()
            ),
        }
    }
}

impl std::error::Error for SandboxError {}

impl From<SandboxError> for String {
    fn from(e: SandboxError) -> String {
        e.to_string()
    }
}

/// How checks are isolated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Sandbox {
    /// Not at all: the check runs as the runner's user, sees what it sees
    /// (only chosen with `--no-sandbox`; every result records it).
    #[default]
    Off,
    /// In namespaces set up by bubblewrap.
    Bwrap(BwrapConfig),
}

/// A bubblewrap sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BwrapConfig {
    /// The `bwrap` program.
    pub program: PathBuf,
    /// Paths covered inside the sandbox (absolute; resolved by [`BwrapConfig::hide`]).
    pub hidden: Vec<PathBuf>,
    /// Extra folders visible read-only (absolute).
    pub read_only: Vec<PathBuf>,
}

/// The system folders bound read-only (when present on the host).
const SYSTEM: &[&str] = &["/usr", "/etc", "/opt"];
/// Folders that are links into `/usr` on merged-/usr systems.
const SYSTEM_LINKS: &[&str] = &["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

impl BwrapConfig {
    /// A sandbox run by `program`, hiding nothing yet.
    pub fn new(program: PathBuf) -> BwrapConfig {
        BwrapConfig {
            program,
            hidden: Vec::new(),
            read_only: Vec::new(),
        }
    }

    /// Hides `path` (a file or a folder) from checks. The path is resolved
    /// (links followed) now, so a link to it cannot be used to reach it; a
    /// path that does not exist is an error.
    pub fn hide(&mut self, path: &Path) -> Result<(), SandboxError> {
        let real = std::fs::canonicalize(path)
            .map_err(|e| SandboxError::Resolve(path.to_path_buf(), e))?;
        self.hidden.push(real);
        Ok(())
    }

    /// Makes the folder `path` visible read-only to checks.
    pub fn expose_read_only(&mut self, path: &Path) -> Result<(), SandboxError> {
        let real = std::fs::canonicalize(path)
            .map_err(|e| SandboxError::Resolve(path.to_path_buf(), e))?;
        self.read_only.push(real);
        Ok(())
    }

    /// The bwrap arguments (everything before the check's own argv) for a
    /// check run in `workdir` (absolute, resolved), with or without network.
    pub fn args(&self, workdir: &Path, network: bool) -> Vec<OsString> {
        let mut a: Vec<OsString> = Vec::new();
        let mut push =
            |items: &[&std::ffi::OsStr]| a.extend(items.iter().map(|s| s.to_os_string()));
        push(&[
            "--unshare-all".as_ref(),
            "--die-with-parent".as_ref(),
            "--new-session".as_ref(),
            "--cap-drop".as_ref(),
            "ALL".as_ref(),
        ]);
        if network {
            push(&["--share-net".as_ref()]);
        }
        let mut visible: Vec<PathBuf> = Vec::new();
        for dir in SYSTEM {
            let p = Path::new(dir);
            if p.is_dir() {
                push(&["--ro-bind".as_ref(), p.as_os_str(), p.as_os_str()]);
                visible.push(p.to_path_buf());
            }
        }
        for link in SYSTEM_LINKS {
            let p = Path::new(link);
            match std::fs::symlink_metadata(p) {
                Ok(m) if m.file_type().is_symlink() => {
                    if let Ok(target) = std::fs::read_link(p) {
                        push(&["--symlink".as_ref(), target.as_os_str(), p.as_os_str()]);
                    }
                }
                Ok(m) if m.is_dir() => {
                    push(&["--ro-bind".as_ref(), p.as_os_str(), p.as_os_str()]);
                    visible.push(p.to_path_buf());
                }
                _ => {}
            }
        }
        push(&[
            "--proc".as_ref(),
            "/proc".as_ref(),
            "--dev".as_ref(),
            "/dev".as_ref(),
            "--tmpfs".as_ref(),
            "/tmp".as_ref(),
        ]);
        for ro in &self.read_only {
            push(&["--ro-bind".as_ref(), ro.as_os_str(), ro.as_os_str()]);
            visible.push(ro.clone());
        }
        push(&["--bind".as_ref(), workdir.as_os_str(), workdir.as_os_str()]);
        visible.push(workdir.to_path_buf());
        // Hidden paths last, so they cover whatever bind made them visible.
        for h in &self.hidden {
            if !visible.iter().any(|v| h.starts_with(v)) {
                continue; // not visible in the sandbox at all
            }
            if h.is_dir() {
                push(&["--tmpfs".as_ref(), h.as_os_str()]);
                push(&["--remount-ro".as_ref(), h.as_os_str()]);
            } else {
                push(&["--ro-bind".as_ref(), "/dev/null".as_ref(), h.as_os_str()]);
            }
        }
        push(&["--chdir".as_ref(), workdir.as_os_str(), "--".as_ref()]);
        a
    }
}

/// Finds `bwrap` on `PATH` and checks that it can build a sandbox here (it
/// runs `true` in one). The error says why not, for `writ run` to show.
pub fn probe() -> Result<BwrapConfig, SandboxError> {
    let program = find_on_path("bwrap").ok_or(SandboxError::NotInstalled)?;
    let config = BwrapConfig::new(program.clone());
    let dir = std::env::temp_dir();
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let out = std::process::Command::new(&program)
        .args(config.args(&dir, false))
        .arg("true")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| SandboxError::Start(program.clone(), e))?;
    if !out.status.success() {
        return Err(SandboxError::Namespaces(
            program,
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    Ok(config)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_paths_come_after_the_binds_that_show_them() {
        let dir = tempfile::tempdir().unwrap();
        let work = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(work.join("ev")).unwrap();
        std::fs::write(work.join("k"), "x").unwrap();
        let mut c = BwrapConfig::new("bwrap".into());
        c.hide(&work.join("ev")).unwrap();
        c.hide(&work.join("k")).unwrap();
        assert!(c.hide(&work.join("missing")).is_err());
        let args: Vec<String> = c
            .args(&work, false)
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        let pos = |s: &str| args.iter().position(|a| a == s).unwrap();
        let ev = work.join("ev").to_string_lossy().into_owned();
        let bind = pos("--bind");
        assert!(args.iter().rposition(|a| *a == ev).unwrap() > bind);
        assert!(!args.contains(&"--share-net".to_string()));
        assert_eq!(args.last().unwrap(), "--");
        let net: Vec<String> = c
            .args(&work, true)
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        assert!(net.contains(&"--share-net".to_string()));
    }
}
