//! Build script of the `writ` binary: records the git commit it is built from
//! (`WRIT_GIT_COMMIT`, shown by `writ --version`). Cheap: one `git rev-parse`;
//! without git or outside a repository nothing is set and `--version` prints
//! the package version alone. A packager can set `WRIT_GIT_COMMIT` itself.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WRIT_GIT_COMMIT");
    if let Ok(given) = std::env::var("WRIT_GIT_COMMIT") {
        println!("cargo:rustc-env=WRIT_GIT_COMMIT={given}");
        return;
    }
    let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return;
    };
    println!("cargo:rustc-env=WRIT_GIT_COMMIT={commit}");
    // Rebuild when HEAD moves: HEAD itself, the branch it points to, packed refs.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        // A missing file would make cargo rerun this script on every build.
        if let Some(path) = git(&["rev-parse", "--git-path", &name])
            && std::path::Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
