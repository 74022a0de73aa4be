//! `writ test`: run the `test` blocks of a policy.

use super::output::{self, DiagnosticFormat, ReportFormat};
use super::{EXIT_FAILURE, EXIT_USAGE, plural};
use std::path::PathBuf;
use std::process::ExitCode;

/// Run the policy's tests: each `test` block's change goes through the same
/// evaluation as `writ eval`, and its expectations are checked.
///
/// Prints a report in the style of `cargo test`. `--junit FILE` writes JUnit
/// XML for CI; `--coverage` lists the rules that never fired, the `when`
/// conditions never seen true or never seen false, the `require` clauses that
/// never imposed an obligation and the forbids never seen applying or not.
///
/// Exit status: 0 every test passed, 1 a test failed or the policy has
/// errors, 2 usage or I/O error.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  writ test policies/ --graph graph.json
  writ test policies/ --graph graph.json --junit writ-tests.xml --coverage")]
pub struct TestArgs {
    /// Policy files or folders.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The system graph.
    #[arg(long, value_name = "FILE")]
    graph: PathBuf,
    /// Write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Report what no test exercised.
    #[arg(long)]
    coverage: bool,
    /// Run only the tests whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Output format (`json`: `writ.test/v1`, docs/cli.md).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
}

/// The `format` field of `writ test --format json`.
pub const TEST_FORMAT: &str = "writ.test/v1";

/// Runs `writ test`.
pub fn run(args: TestArgs) -> ExitCode {
    let start = std::time::Instant::now();
    let host = match super::input::load_host(&args.paths, Some(&args.graph)) {
        Ok(host) => host,
        Err(message) => {
            output::usage_error(message);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let plan = match host.plan() {
        Ok(plan) => plan,
        Err(errors) => {
            output::emit_diagnostics(&host.sources, &errors, DiagnosticFormat::Human);
            eprintln!(
                "no tests run: the policy has {}",
                plural(errors.len(), "error")
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let mut tests = host.tests();
    if let Some(f) = &args.filter {
        tests.retain(|t| t.name.contains(f.as_str()));
    }
    let prepared = match writ_runtime::Prepared::new(plan) {
        Ok(p) => p,
        Err(e) => {
            output::usage_error(e);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let results = writ_runtime::testing::run_tests(&prepared, &tests);
    if args.format == ReportFormat::Human {
        print!(
            "{}",
            writ_runtime::testing::report(&results, start.elapsed())
        );
    }
    if let Some(path) = &args.junit {
        if let Err(e) =
            output::write_atomic(path, writ_runtime::testing::junit(&results).as_bytes())
        {
            output::usage_error(format!("cannot write `{}`: {e}", path.display()));
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let coverage = args
        .coverage
        .then(|| writ_runtime::testing::coverage(&prepared, &results));
    if args.format == ReportFormat::Json {
        print_json_report(&results, coverage.as_ref());
    } else if let Some(cov) = &coverage {
        let pct = if cov.total == 0 {
            100.0
        } else {
            cov.covered as f64 * 100.0 / cov.total as f64
        };
        println!(
            "\ncoverage: {}/{} ({pct:.1}%) of rules, conditions, obligations and forbids exercised",
            cov.covered, cov.total
        );
        for m in &cov.missed {
            println!("  not exercised: {m}");
        }
    }
    if writ_runtime::testing::all_passed(&results) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// `writ test --format json`: every test with its outcome and failures, the
/// counts, and the coverage when asked for.
fn print_json_report(
    results: &[writ_runtime::testing::TestResult],
    coverage: Option<&writ_runtime::testing::CoverageReport>,
) {
    let passed = results.iter().filter(|r| r.passed()).count();
    let tests: Vec<_> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name,
                "file": r.file,
                "line": r.line,
                "passed": r.passed(),
                "outcome": r.decision.outcome.as_str(),
                "failures": r.failures,
            })
        })
        .collect();
    output::print_versioned(
        TEST_FORMAT,
        serde_json::json!({
            "passed": passed,
            "failed": results.len() - passed,
            "tests": tests,
            "coverage": coverage.map(|c| serde_json::json!({
                "covered": c.covered,
                "total": c.total,
                "missed": c.missed,
            })),
        }),
    );
}
