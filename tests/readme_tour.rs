//! The READMEs are true: every shell block marked
//! `<!-- tour: tests/readme_tour.rs runs the next block -->` in README.md and
//! examples/quickstart/README.md runs verbatim (`bash -euo pipefail`) with the
//! built `writ` on `PATH`, in a copy of the repository's shipped files, as on
//! a fresh clone; the READMEs link only files inside the repository that
//! exist; the root LICENSE is the Apache-2.0 text Cargo.toml names.

use std::path::{Path, PathBuf};
use std::process::Command;
#[path = "support/fs.rs"]
mod fs_support;
use fs_support::copy_dir;

const MARKER: &str = "<!-- tour: tests/readme_tour.rs runs the next block -->";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The marked `sh` blocks of a Markdown file.
fn tour_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find(MARKER) {
        rest = rest[at + MARKER.len()..].trim_start();
        let body = rest
            .strip_prefix("```sh\n")
            .expect("the marker is followed by a ```sh block");
        let end = body.find("\n```").expect("the block is closed");
        blocks.push(body[..=end].to_string());
        rest = &body[end..];
    }
    blocks
}

/// Runs `block` as a newcomer would: in a copy of the repository's examples,
/// `writ` on PATH, no git configuration of their own. Returns what it
/// printed, stdout then stderr.
fn run_block(name: &str, block: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let clone = tmp.path().join("writ");
    copy_dir(&root().join("examples"), &clone.join("examples"));
    let scratch = tmp.path().join("tmp");
    std::fs::create_dir(&scratch).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_writ")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", block])
        .current_dir(&clone)
        .env("PATH", path)
        .env("TMPDIR", &scratch)
        .env("HOME", tmp.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("WRIT_TRUST")
        .env_remove("WRIT")
        .output()
        .expect("run bash");
    // What the reader sees: stdout and stderr.
    let seen = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{name}: the block failed ({}):\n{seen}",
        out.status
    );
    seen
}

#[test]
fn the_readme_tour_runs_verbatim() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let blocks = tour_blocks(&readme);
    assert_eq!(blocks.len(), 1, "README.md has one tour");
    let tour = &blocks[0];
    // Every top-level verb appears in it (`lsp` is named: it waits for an editor).
    let help = Command::new(env!("CARGO_BIN_EXE_writ"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let verbs: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .expect("writ --help lists its commands")
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // `  verb  description`; wrapped descriptions are indented further
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|v| *v != "help")
        .collect();
    assert!(verbs.len() >= 10, "{verbs:?}");
    for verb in verbs {
        assert!(
            tour.contains(&format!("writ {verb}")),
            "the README tour never shows `writ {verb}`"
        );
    }
    let out = run_block("README.md", tour);
    // The change it walks through is decided, signed and verified.
    assert!(out.contains("## writ: ✅ allow"), "{out}");
    assert!(out.contains("re-derived under the plan: allow"), "{out}");
    assert!(out.contains("VALID"), "{out}");
}

#[test]
fn the_quickstart_readme_runs_verbatim() {
    let readme = std::fs::read_to_string(root().join("examples/quickstart/README.md")).unwrap();
    let blocks = tour_blocks(&readme);
    assert!(
        !blocks.is_empty(),
        "the quickstart README has a tested block"
    );
    for block in blocks {
        let out = run_block("examples/quickstart/README.md", &block);
        assert!(out.contains("test result: ok."), "{out}");
    }
}

/// Relative link targets of a Markdown file: `](target)`.
fn links(markdown: &str) -> Vec<String> {
    markdown
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| target.split('#').next().unwrap_or("").to_string())
        .filter(|t| !t.is_empty() && !t.contains("://") && !t.starts_with("mailto:"))
        .collect()
}

#[test]
fn readmes_link_only_files_inside_the_repository() {
    let repo = root().canonicalize().unwrap();
    for readme in [
        "README.md",
        "examples/quickstart/README.md",
        "examples/ci/README.md",
    ] {
        let path = repo.join(readme);
        let text = std::fs::read_to_string(&path).unwrap();
        let targets = links(&text);
        assert!(!targets.is_empty(), "{readme} links nothing");
        for target in targets {
            let resolved = path.parent().unwrap().join(&target);
            let resolved = resolved
                .canonicalize()
                .unwrap_or_else(|e| panic!("{readme} links `{target}`, which is missing: {e}"));
            assert!(
                resolved.starts_with(&repo),
                "{readme} links `{target}`, outside the repository"
            );
        }
        // A bare `[../x]` reference without a target is a broken link too.
        assert!(
            !text.contains("[../"),
            "{readme} has a link outside the repository"
        );
    }
}

#[test]
fn the_license_is_the_one_cargo_toml_names() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("license = \"Apache-2.0\""),
        "Cargo.toml's license changed"
    );
    let license = std::fs::read_to_string(root().join("LICENSE")).expect("a root LICENSE");
    assert!(license.contains("Apache License"));
    assert!(license.contains("Version 2.0, January 2004"));
    assert!(license.contains("END OF TERMS AND CONDITIONS"));
    // The full text, not a pointer to it.
    assert!(license.len() > 9_000, "LICENSE is {} bytes", license.len());
}
