//! Runs checks on this machine.
//!
//! Each check's argv is executed directly (never through a shell, so file
//! names and arguments cannot inject), in its own process group, with a
//! cleared environment (only `PATH`, `HOME`, `LANG`, `TMPDIR` and names
//! passed explicitly are kept), stdin closed, in a working folder. Checks run
//! in parallel on a tokio runtime, at most `jobs` at a time. Each has a time
//! limit; at the limit the whole process group is killed with `SIGKILL`. When
//! the check's main process exits, whatever is left in its group is killed
//! too, and output readers get a short grace period, so a check that leaves a
//! background process holding its pipes cannot hang `writ run`.
//!
//! stdout and stderr are captured up to a cap each (the rest is drained and
//! counted); a capped stream is cut back to its last newline so a secret
//! straddling the cap cannot be stored half-redacted. Output is redacted
//! ([`crate::redact`]) before it leaves this module: a [`CheckRun`] never
//! holds raw output.

use crate::redact::Redactor;
use crate::sandbox::Sandbox;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use writ_runtime::CheckOutcome;

/// One check to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckSpec {
    /// The check's name.
    pub check: String,
    /// The node it runs for.
    pub node: String,
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Time limit.
    pub timeout: Duration,
    /// Whether the check may use the network (the graph says so); without
    /// it a sandboxed check has only its own loopback.
    pub network: bool,
    /// Extra redaction patterns for this check (from the graph), on top of
    /// the runner's.
    pub redact: Vec<String>,
}

/// How checks are run.
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// At most this many checks at once (at least 1).
    pub jobs: usize,
    /// The working folder of every check.
    pub workdir: PathBuf,
    /// Names of environment variables passed through besides the defaults.
    pub pass_env: Vec<String>,
    /// Bytes kept per stream.
    pub output_cap: usize,
    /// How long to wait for output after the main process exited or was killed.
    pub grace: Duration,
    /// Applied to all output before it is returned.
    pub redactor: Redactor,
    /// How checks are isolated ([`Sandbox::Off`] unless the caller set one up).
    pub sandbox: Sandbox,
}

impl RunnerConfig {
    /// Defaults: 2 jobs, the current folder, 4 MiB per stream, 2 s grace,
    /// built-in redaction, no sandbox.
    pub fn new(redactor: Redactor) -> RunnerConfig {
        RunnerConfig {
            jobs: 2,
            workdir: PathBuf::from("."),
            pass_env: Vec::new(),
            output_cap: 4 << 20,
            grace: Duration::from_secs(2),
            redactor,
            sandbox: Sandbox::Off,
        }
    }
}

/// Captured, redacted output of one stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// The redacted bytes (what may be stored).
    pub bytes: Vec<u8>,
    /// Bytes the process wrote in total.
    pub total: u64,
    /// Whether the stream was cut at the cap.
    pub truncated: bool,
    /// Number of redactions made.
    pub redactions: usize,
}

/// The result of running one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRun {
    /// What was run (argv redacted).
    pub spec: CheckSpec,
    /// Passed, or failed with the reason (exit status, signal, time-out, spawn error).
    pub outcome: CheckOutcome,
    /// The exit code, if the process exited.
    pub exit_code: Option<i32>,
    /// The signal that ended it, if any.
    pub signal: Option<i32>,
    /// Whether it was killed at its time limit.
    pub timed_out: bool,
    /// Unix seconds at start.
    pub started_at: i64,
    /// Wall time.
    pub duration: Duration,
    /// stdout.
    pub stdout: Output,
    /// stderr.
    pub stderr: Output,
    /// Whether it ran in the sandbox.
    pub sandboxed: bool,
}

#[derive(Default)]
struct Capture {
    bytes: Vec<u8>,
    total: u64,
    truncated: bool,
}

/// Runs every check, calling `on_done` with each result as soon as it is
/// known (in completion order, on the calling thread), and returns them all
/// in the order given. Never panics on a check's behaviour.
pub fn run_all(
    specs: &[CheckSpec],
    config: &RunnerConfig,
    mut on_done: impl FnMut(&CheckRun),
) -> Vec<CheckRun> {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let reason = format!("cannot start the check runner: {e}");
            return specs
                .iter()
                .map(|s| {
                    let run = failed(s, config, reason.clone(), crate::now_unix(), Instant::now());
                    on_done(&run);
                    run
                })
                .collect();
        }
    };
    let config = Arc::new(config.clone());
    runtime.block_on(async {
        let permits = Arc::new(tokio::sync::Semaphore::new(config.jobs.max(1)));
        let mut set = tokio::task::JoinSet::new();
        let mut index_of = HashMap::new();
        for (i, spec) in specs.iter().enumerate() {
            let spec = spec.clone();
            let config = config.clone();
            let permits = permits.clone();
            let handle = set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                run_one(spec, &config).await
            });
            index_of.insert(handle.id(), i);
        }
        let mut results: Vec<Option<CheckRun>> = vec![None; specs.len()];
        while let Some(joined) = set.join_next_with_id().await {
            let (i, run) = match joined {
                Ok((id, run)) => (index_of[&id], run),
                Err(e) => {
                    let i = index_of[&e.id()];
                    let reason = format!("the runner failed: {e}");
                    (
                        i,
                        failed(
                            &specs[i],
                            &config,
                            reason,
                            crate::now_unix(),
                            Instant::now(),
                        ),
                    )
                }
            };
            on_done(&run);
            results[i] = Some(run);
        }
        results.into_iter().flatten().collect()
    })
}

fn redact_spec(spec: &CheckSpec, config: &RunnerConfig) -> CheckSpec {
    let argv = spec
        .argv
        .iter()
        .map(|a| String::from_utf8_lossy(&config.redactor.redact(a.as_bytes()).bytes).into_owned())
        .collect();
    CheckSpec {
        argv,
        ..spec.clone()
    }
}

fn failed(
    spec: &CheckSpec,
    config: &RunnerConfig,
    reason: String,
    started_at: i64,
    start: Instant,
) -> CheckRun {
    CheckRun {
        spec: redact_spec(spec, config),
        outcome: CheckOutcome::Failed { reason },
        exit_code: None,
        signal: None,
        timed_out: false,
        started_at,
        duration: start.elapsed(),
        stdout: Output::default(),
        stderr: Output::default(),
        sandboxed: !matches!(config.sandbox, Sandbox::Off),
    }
}

/// The environment a check sees.
pub(crate) fn check_env(pass: &[String]) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "PATH".to_string(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into()),
        ),
        (
            "LANG".to_string(),
            std::env::var("LANG").unwrap_or_else(|_| "C.UTF-8".into()),
        ),
    ];
    for name in ["HOME", "TMPDIR"] {
        if let Ok(v) = std::env::var(name) {
            env.push((name.into(), v));
        }
    }
    for name in pass {
        if let Ok(v) = std::env::var(name) {
            env.retain(|(n, _)| n != name);
            env.push((name.clone(), v));
        }
    }
    env
}

fn kill_group(pgid: i32) {
    if pgid > 1 {
        // SAFETY: `kill` has no memory-safety preconditions; a negative pid
        // names the process group, which is the check's own (`process_group(0)`).
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

async fn read_stream(
    mut stream: impl tokio::io::AsyncRead + Unpin,
    capture: Arc<Mutex<Capture>>,
    cap: usize,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut c = capture.lock().unwrap_or_else(|p| p.into_inner());
                c.total += n as u64;
                let room = cap.saturating_sub(c.bytes.len());
                if room >= n {
                    c.bytes.extend_from_slice(&buf[..n]);
                } else {
                    c.bytes.extend_from_slice(&buf[..room]);
                    c.truncated = true;
                }
            }
        }
    }
}

fn finish(capture: &Mutex<Capture>, redactor: &Redactor) -> Output {
    let c = capture.lock().unwrap_or_else(|p| p.into_inner());
    let mut bytes = c.bytes.clone();
    if c.truncated {
        // Cut back to the last newline so no secret is stored cut in half.
        let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(keep);
        bytes.extend_from_slice(
            format!(
                "[writ: output truncated; {} bytes written in total]\n",
                c.total
            )
            .as_bytes(),
        );
    }
    let red = redactor.redact(&bytes);
    Output {
        bytes: red.bytes,
        total: c.total,
        truncated: c.truncated,
        redactions: red.count,
    }
}

/// A signal's name.
pub(crate) fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        _ => return format!("signal {sig}"),
    };
    format!("{name} (signal {sig})")
}

async fn run_one(spec: CheckSpec, config: &RunnerConfig) -> CheckRun {
    use std::os::unix::process::ExitStatusExt;
    let start = Instant::now();
    let started_at = crate::now_unix();
    if spec.argv.is_empty() {
        return failed(
            &spec,
            config,
            "the check has no command".into(),
            started_at,
            start,
        );
    }
    let redactor = match config.redactor.extended(&spec.redact, "graph") {
        Ok(r) => r,
        Err(e) => return failed(&spec, config, e.to_string(), started_at, start),
    };
    let mut cmd = match command(&spec, config) {
        Ok(cmd) => cmd,
        Err(e) => return failed(&spec, config, e.to_string(), started_at, start),
    };
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            return failed(
                &spec,
                config,
                format!("cannot start `{}`: {e}", spec.argv[0]),
                started_at,
                start,
            );
        }
    };
    let pgid = child.id().map_or(0, |id| id as i32);
    let out = Arc::new(Mutex::new(Capture::default()));
    let err = Arc::new(Mutex::new(Capture::default()));
    let mut readers = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        readers.push(tokio::spawn(read_stream(
            stdout,
            out.clone(),
            config.output_cap,
        )));
    }
    if let Some(stderr) = child.stderr.take() {
        readers.push(tokio::spawn(read_stream(
            stderr,
            err.clone(),
            config.output_cap,
        )));
    }
    let (status, timed_out) = match tokio::time::timeout(spec.timeout, child.wait()).await {
        Ok(status) => (status, false),
        Err(_) => {
            kill_group(pgid);
            (child.wait().await, true)
        }
    };
    // Whatever the check left behind in its group goes too.
    kill_group(pgid);
    let drain = async {
        for r in &mut readers {
            let _ = r.await;
        }
    };
    if tokio::time::timeout(config.grace, drain).await.is_err() {
        for r in &readers {
            r.abort();
        }
    }
    let duration = start.elapsed();
    let (exit_code, signal) = match &status {
        Ok(s) => (s.code(), s.signal()),
        Err(_) => (None, None),
    };
    let outcome = if timed_out {
        CheckOutcome::Failed {
            reason: format!(
                "timed out after {}s; its process group was killed",
                spec.timeout.as_secs_f64()
            ),
        }
    } else {
        match &status {
            Err(e) => CheckOutcome::Failed {
                reason: format!("lost track of the process: {e}"),
            },
            Ok(s) if s.success() => CheckOutcome::Passed,
            Ok(_) => match (exit_code, signal) {
                (Some(code), _) => CheckOutcome::Failed {
                    reason: format!("exited with status {code}"),
                },
                (None, Some(sig)) => CheckOutcome::Failed {
                    reason: format!("crashed: killed by {}", signal_name(sig)),
                },
                (None, None) => CheckOutcome::Failed {
                    reason: "ended abnormally".into(),
                },
            },
        }
    };
    CheckRun {
        spec: redact_spec(&spec, config),
        outcome,
        exit_code,
        signal,
        timed_out,
        started_at,
        duration,
        stdout: finish(&out, &redactor),
        stderr: finish(&err, &redactor),
        sandboxed: !matches!(config.sandbox, Sandbox::Off),
    }
}

/// Why a check's command could not be built.
#[derive(Debug)]
pub enum CommandError {
    /// The check's argv is empty.
    NoCommand,
    /// The work folder could not be resolved for the sandbox.
    WorkFolder(std::path::PathBuf, std::io::Error),
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandError::NoCommand => f.write_str("the check has no command"),
            CommandError::WorkFolder(dir, e) => {
                write!(f, "cannot resolve the work folder `{}`: {e}", dir.display())
            }
        }
    }
}

impl std::error::Error for CommandError {}

/// The command that runs `spec` under `config`: its argv directly, or
/// inside the sandbox. Either way: a cleared environment, stdin closed,
/// piped output, its own process group, `SIGKILL` when the runner's thread
/// that started it dies (`PR_SET_PDEATHSIG`).
pub fn command(
    spec: &CheckSpec,
    config: &RunnerConfig,
) -> Result<tokio::process::Command, CommandError> {
    let (program, args) = spec.argv.split_first().ok_or(CommandError::NoCommand)?;
    let mut env = check_env(&config.pass_env);
    let mut cmd = match &config.sandbox {
        Sandbox::Off => {
            let mut cmd = tokio::process::Command::new(program);
            cmd.args(args).current_dir(&config.workdir);
            cmd
        }
        Sandbox::Bwrap(b) => {
            let workdir = std::fs::canonicalize(&config.workdir)
                .map_err(|e| CommandError::WorkFolder(config.workdir.clone(), e))?;
            // The host's HOME and TMPDIR are not in the sandbox.
            for (name, value) in &mut env {
                if name == "HOME" || name == "TMPDIR" {
                    *value = "/tmp".into();
                }
            }
            let mut cmd = tokio::process::Command::new(&b.program);
            cmd.args(b.args(&workdir, spec.network))
                .arg(program)
                .args(args)
                .current_dir(&workdir);
            cmd
        }
    };
    cmd.env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    // SAFETY: the closure runs in the child between fork and exec and calls
    // only `prctl`, which is async-signal-safe; it touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(cmd)
}
