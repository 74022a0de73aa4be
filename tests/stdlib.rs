//! The standard library (`stdlib-policies/`) passes its own tests against the
//! bundled graph, every rule, condition, obligation and forbid of it is
//! exercised, it checks clean, every item has a doc comment and every module
//! has a page in docs/stdlib/.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn writ(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run writ");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

const GRAPH: &str = "stdlib-policies/testdata/graph.json";

#[test]
fn the_library_passes_its_tests_with_full_coverage() {
    let (ok, out) = writ(&["test", "stdlib-policies", "--graph", GRAPH, "--coverage"]);
    assert!(ok, "writ test failed:\n{out}");
    assert!(out.contains("test result: ok."), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("coverage: "))
        .unwrap_or_else(|| panic!("no coverage line:\n{out}"));
    let figures = line["coverage: ".len()..].split(' ').next().unwrap();
    let (covered, total) = figures.split_once('/').unwrap();
    assert_eq!(covered, total, "not everything is exercised:\n{out}");
    assert!(total.parse::<usize>().unwrap() > 0, "{out}");
    assert!(!out.contains("not exercised"), "{out}");
}

#[test]
fn the_library_checks_without_errors() {
    let (ok, out) = writ(&["check", "stdlib-policies", "--graph", GRAPH]);
    assert!(ok, "writ check failed:\n{out}");
}

#[test]
fn every_module_is_embedded_documented_and_has_tests() {
    let dir = root().join("stdlib-policies");
    for (module, file, text) in writ_analysis::stdlib::MODULES {
        let on_disk = std::fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(&on_disk, text, "{file} differs from the embedded copy");
        assert!(text.starts_with("//!"), "{module} has no module doc");
        assert!(text.contains("\ntest \""), "{module} has no test blocks");
        let name = module.strip_prefix("std::").unwrap();
        let page = root().join("docs/stdlib").join(format!("{name}.md"));
        assert!(page.exists(), "{module} has no page {}", page.display());
        let index = std::fs::read_to_string(root().join("docs/stdlib/README.md")).unwrap();
        assert!(
            index.contains(module),
            "docs/stdlib/README.md does not list {module}"
        );
        // Every item has a doc comment right above it.
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let item = ["rule ", "approval ", "forbid ", "emergency ", "let "]
                .iter()
                .any(|k| line.starts_with(k));
            if item {
                assert!(
                    i > 0 && lines[i - 1].starts_with("///"),
                    "{file}:{}: `{line}` has no doc comment",
                    i + 1
                );
            }
        }
    }
    // Every module file in the folder is embedded.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "writ") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                writ_analysis::stdlib::MODULES
                    .iter()
                    .any(|(_, f, _)| *f == name),
                "{} is not embedded in compiler/analysis/src/stdlib.rs",
                Path::new(&name).display()
            );
        }
    }
}

#[test]
fn compliance_pages_map_evidence_to_controls() {
    for (page, control) in [
        ("soc2.md", "CC8.1"),
        ("pci.md", "6.5.1"),
        ("hipaa.md", "164.312(b)"),
    ] {
        let text = std::fs::read_to_string(root().join("docs/stdlib").join(page)).unwrap();
        assert!(text.contains(control), "{page} does not name {control}");
        assert!(
            text.contains(" asks"),
            "{page} has no auditor question table"
        );
        assert!(text.contains("predicate."), "{page} names no bundle field");
    }
}
