//! The files a verb reads: a path, or `-` for standard input (at most once
//! per command), always through `writ_diagnostics::limits` (size caps, BOM),
//! and the faults reading them gives, mapped to the exit-code table: a file
//! that cannot be read is a usage or I/O error (2), a file that was read but
//! is not valid is a failure (1). Also the policy workspace a verb is given
//! (`policy_files`, `load_host`).

use super::Exit;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use writ_diagnostics::limits::{self, Input};
use writ_diagnostics::{Diagnostic, SourceMap};
use writ_graph::{Change, Graph};

/// The argument that names standard input.
pub const STDIN: &str = "-";

/// The name standard input has in diagnostics.
pub const STDIN_NAME: &str = "<stdin>";

/// Set once standard input has been read: a second `-` is a usage error
/// rather than an empty file.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// Refuses a command line that names standard input (`-`) more than once,
/// before anything is read: a second `-` would otherwise read as empty.
pub fn stdin_at_most_once(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<(), Fault> {
    if args.into_iter().filter(|a| a.as_os_str() == STDIN).count() > 1 {
        return Err(Fault::usage(
            "`-` (standard input) can be given only once per command",
        ));
    }
    Ok(())
}

/// Whether `path` is `-` (standard input).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// How `path` is named in messages and diagnostics: `<stdin>` for `-`.
pub fn name(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_string()
    } else {
        super::output::display_path(path)
    }
}

/// A fault with its place in the exit-code table.
#[derive(Debug)]
pub struct Fault {
    /// The exit status it ends the command with.
    pub exit: Exit,
    /// What went wrong, for people (may span lines: rendered diagnostics).
    pub message: String,
}

impl Fault {
    /// A usage or I/O fault (exit 2).
    pub fn usage(message: impl Into<String>) -> Fault {
        Fault {
            exit: Exit::Usage,
            message: message.into(),
        }
    }

    /// The input was read and is not valid (exit 1).
    pub fn invalid(message: impl Into<String>) -> Fault {
        Fault {
            exit: Exit::Failure,
            message: message.into(),
        }
    }

    /// Prints the fault (`error: …`) and returns its exit status.
    pub fn report(self) -> std::process::ExitCode {
        let message = self.message.trim_end();
        if message.starts_with("error") {
            eprintln!("{message}");
        } else {
            eprintln!("error: {message}");
        }
        self.exit.into()
    }
}

/// Reads `path` (or standard input for `-`) as `kind` with its size cap.
pub fn read(path: &Path, kind: Input) -> Result<Vec<u8>, Fault> {
    if is_stdin(path) {
        if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
            return Err(Fault::usage("standard input was read already"));
        }
        return limits::read_from(std::io::stdin().lock(), kind)
            .map_err(|e| Fault::usage(format!("cannot read standard input: {e}")));
    }
    limits::read(path, kind)
        .map_err(|e| Fault::usage(format!("cannot read `{}`: {e}", path.display())))
}

/// Reads `path` (or standard input for `-`) as UTF-8 text (a leading BOM
/// dropped); bytes that are not UTF-8 are invalid input (exit 1).
pub fn read_text(path: &Path, kind: Input) -> Result<String, Fault> {
    let bytes = read(path, kind)?;
    limits::text(bytes).map_err(|e| match e {
        limits::ReadError::NotUtf8 { .. } => {
            Fault::invalid(format!("the {} `{}` is {e}", kind.noun(), name(path)))
        }
        _ => Fault::usage(format!("cannot read `{}`: {e}", name(path))),
    })
}

/// Reads and parses a change file (or `-`): `Ok` with the parse result and
/// its diagnostics (added to `map`), `Err` when it cannot be read.
pub fn load_change(
    map: &mut SourceMap,
    path: &Path,
) -> Result<(Option<Change>, Vec<Diagnostic>), Fault> {
    let text = read_text(path, Input::Change)?;
    Ok(Change::parse(map, name(path), text))
}

/// Reads and parses a graph file (or `-`), like [`load_change`].
pub fn load_graph(
    map: &mut SourceMap,
    path: &Path,
) -> Result<(Option<Graph>, Vec<Diagnostic>), Fault> {
    let text = read_text(path, Input::Graph)?;
    Ok(Graph::parse(map, name(path), text))
}

/// A valid change from `path` (or `-`); an invalid one is a failure with its
/// rendered diagnostics.
pub fn change(path: &Path) -> Result<Change, Fault> {
    let mut map = SourceMap::new();
    let (change, diags) = load_change(&mut map, path)?;
    change.ok_or_else(|| Fault::invalid(writ_diagnostics::render::human_string(&map, &diags)))
}

/// A valid plan from `path` (or `-`); a plan refused by `writ_plan::load` is
/// a failure with its rendered diagnostic.
pub fn plan(path: &Path) -> Result<writ_plan::Plan, Fault> {
    let bytes = read(path, Input::Plan)?;
    writ_plan::load(writ_diagnostics::FileId(0), &bytes).map_err(|d| {
        let mut files = SourceMap::new();
        files.add(name(path), String::from_utf8_lossy(&bytes).into_owned());
        Fault::invalid(writ_diagnostics::render::human_string(&files, &[*d]))
    })
}

/// The `*.writ` files named by `paths`: files as given, folders searched
/// with the one policy-file walk ([`writ_analysis::files::policy_files_in`]:
/// hidden folders, `target` and `node_modules` skipped), sorted and
/// deduplicated. A folder that cannot be walked is an error.
pub fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if meta.is_dir() {
            let walked = writ_analysis::files::policy_files_in(path);
            if let Some(e) = walked.errors.first() {
                return Err(format!("cannot read folder `{}`: {e}", path.display()));
            }
            found.extend(walked.files);
        } else {
            found.push(path.clone());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// A policy workspace loaded from the command line: every `*.writ` file under
/// `paths` (a folder is a policy root: module names are paths below it; a
/// file's root is its folder) and an optional graph file.
pub fn load_host(paths: &[PathBuf], graph: Option<&Path>) -> Result<writ_analysis::Host, String> {
    let mut policies = Vec::new();
    for root in paths {
        if is_stdin(root) {
            // Standard input is one policy file, the module `main`.
            let text =
                read_text(root, writ_diagnostics::limits::Input::Policy).map_err(|f| f.message)?;
            policies.push((name(root), "main".to_string(), text));
            continue;
        }
        let meta = std::fs::metadata(root)
            .map_err(|e| format!("cannot read `{}`: {e}", root.display()))?;
        let (base, files) = if meta.is_dir() {
            (root.clone(), policy_files(std::slice::from_ref(root))?)
        } else {
            (
                root.parent().map(Path::to_path_buf).unwrap_or_default(),
                vec![root.clone()],
            )
        };
        for file in files {
            let text =
                writ_diagnostics::limits::read_text(&file, writ_diagnostics::limits::Input::Policy)
                    .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
            let module = writ_analysis::module_name(&base, &file);
            policies.push((super::output::display_path(&file), module, text));
        }
    }
    policies.sort();
    policies.dedup_by(|a, b| a.0 == b.0);
    let graph = match graph {
        Some(path) => {
            let text = read_text(path, writ_diagnostics::limits::Input::Graph)
                .map_err(|f| format!("graph: {}", f.message))?;
            Some((name(path), text))
        }
        None => None,
    };
    Ok(writ_analysis::Host::new(policies, graph))
}
