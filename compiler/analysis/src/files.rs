//! The one policy-file walk: which `*.writ` files a folder holds.
//!
//! `writ check`/`plan`/`test`/`fmt` and the language server both find policy
//! files with [`policy_files_in`], so they agree on what a workspace is:
//! every `*.writ` file below the folder, hidden folders (`.git`, …), `target`
//! and `node_modules` skipped, symbolic links not followed, at most
//! [`MAX_DEPTH`] folders deep, sorted by path. A folder that cannot be read
//! (or is nested too deep) is reported, never silently dropped; the caller
//! decides whether that is fatal (the CLI) or a message (the editor).

use std::path::{Path, PathBuf};

/// How many folders deep the walk goes below its root.
pub const MAX_DEPTH: usize = 32;

/// Folder names the walk never enters (besides hidden folders).
const SKIPPED: [&str; 2] = ["target", "node_modules"];

/// The result of walking one folder.
#[derive(Debug, Default)]
pub struct PolicyFiles {
    /// The `*.writ` files found, sorted and without duplicates.
    pub files: Vec<PathBuf>,
    /// Folders that could not be walked, in the order met.
    pub errors: Vec<WalkError>,
}

/// A folder the walk could not read.
#[derive(Debug)]
pub struct WalkError {
    /// The folder.
    pub path: PathBuf,
    /// Why.
    pub error: std::io::Error,
}

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)
    }
}

/// Every `*.writ` file below `dir`, as the module docs say.
pub fn policy_files_in(dir: &Path) -> PolicyFiles {
    let mut out = PolicyFiles::default();
    walk(dir, 0, &mut out);
    out.files.sort();
    out.files.dedup();
    out
}

fn walk(dir: &Path, depth: usize, out: &mut PolicyFiles) {
    if depth > MAX_DEPTH {
        out.errors.push(WalkError {
            path: dir.to_path_buf(),
            error: std::io::Error::other(format!("folders nested deeper than {MAX_DEPTH} levels")),
        });
        return;
    }
    let mut entries = match std::fs::read_dir(dir).and_then(|d| d.collect::<Result<Vec<_>, _>>()) {
        Ok(entries) => entries,
        Err(error) => {
            out.errors.push(WalkError {
                path: dir.to_path_buf(),
                error,
            });
            return;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(error) => {
                out.errors.push(WalkError {
                    path: entry.path(),
                    error,
                });
                continue;
            }
        };
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED.contains(&name.as_ref()) {
                walk(&entry.path(), depth + 1, out);
            }
        } else if name.ends_with(".writ") {
            out.files.push(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_policies_skips_hidden_and_build_folders_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "b.writ",
            "a/z.writ",
            "a/y.writ",
            "a/notes.md",
            ".git/x.writ",
            "target/t.writ",
            "node_modules/n.writ",
            "c/d/e.writ",
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let found = policy_files_in(root);
        assert!(found.errors.is_empty(), "{:?}", found.errors);
        let names: Vec<_> = found
            .files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a/y.writ", "a/z.writ", "b.writ", "c/d/e.writ"]);
    }

    #[test]
    fn too_deep_and_missing_folders_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for _ in 0..=MAX_DEPTH + 1 {
            deep.push("d");
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("p.writ"), "").unwrap();
        let found = policy_files_in(dir.path());
        assert!(found.files.is_empty());
        assert_eq!(found.errors.len(), 1);
        assert!(found.errors[0].to_string().contains("nested deeper"));

        let missing = policy_files_in(&dir.path().join("nope"));
        assert_eq!(missing.errors.len(), 1);
        assert_eq!(missing.errors[0].error.kind(), std::io::ErrorKind::NotFound);
    }
}
