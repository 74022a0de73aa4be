//! Sharing one log between CI runs through git.
//!
//! The shared log lives on a ref (default [`DEFAULT_REF`]) of a remote: each
//! commit's tree is an evidence folder's log — `ledger.jsonl`,
//! `ledger.head`, `ledger.checkpoint` — and `bundles/` (each bundle named
//! with its digest, its record holding the full sha256; git stores blobs by
//! content). Each commit adds records on top of its single parent, so the
//! ref's history is linear and every commit's checkpoint extends the last.
//!
//! [`push`]: fetch the ref, and if the shared log moved on, move the local
//! records it lacks on top of it (re-appended and re-signed by this runner,
//! their proof sidecars rewritten); commit on the fetched commit; push
//! without force. A push that loses a race is refused by git (not a
//! fast-forward) and retried from the fetch. [`pull`] fast-forwards the
//! evidence folder to the shared log. Both refuse a shared log that no
//! longer extends the checkpoint this folder last saw (`.writ-git/synced`).
//!
//! Git runs from argv (no shell) with prompts off. `--repo NAME` naming a
//! remote of the current repository works in that repository (its remote
//! configuration and CI credentials apply; only `refs/writ/fetched` and
//! objects are added to it); a path or URL works in a bare cache repository
//! `<evidence>/.writ-git`, which also keeps the folder's sync state.

use super::{CHECKPOINT_FILE, PROOF_SUFFIX, matches_tree, open_checkpoint, tree_of};
use crate::ledger::{self, HEAD_FILE, LEDGER_FILE};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod error;
pub use error::SyncError;

/// The ref the shared log lives on unless told otherwise.
pub const DEFAULT_REF: &str = "refs/writ/ledger";
/// The cache repository's folder inside the evidence folder.
pub const CACHE_DIR: &str = ".writ-git";
/// Where the cache keeps the fetched ref.
const TRACKING: &str = "refs/writ/fetched";
/// How long a push keeps retrying lost races before giving up. Each lost
/// race means another runner's push landed, so retries are bounded by the
/// others' progress; the limit only guards against a ref that never settles.
const PUSH_PATIENCE: std::time::Duration = std::time::Duration::from_secs(600);

/// Where the shared log is.
#[derive(Clone, Debug)]
pub struct Remote {
    /// A git remote: URL or path.
    pub url: String,
    /// The ref the log lives on.
    pub git_ref: String,
}

/// Runs git on `git_dir` with `args`, optional extra environment and stdin.
fn git(
    git_dir: &Path,
    args: &[&str],
    env: &[(&str, &Path)],
    stdin: Option<&[u8]>,
) -> Result<Vec<u8>, SyncError> {
    let mut cmd = Command::new("git");
    cmd.arg("--git-dir")
        .arg(git_dir)
        .args(["-c", "core.quotepath=false", "-c", "gc.auto=0"])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "writ")
        .env("GIT_AUTHOR_EMAIL", "writ@localhost")
        .env("GIT_COMMITTER_NAME", "writ")
        .env("GIT_COMMITTER_EMAIL", "writ@localhost")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().map_err(SyncError::Spawn)?;
    if let Some(bytes) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("piped");
        pipe.write_all(bytes).map_err(SyncError::Stdin)?;
    }
    let out = child.wait_with_output().map_err(SyncError::Spawn)?;
    if !out.status.success() {
        return Err(SyncError::Git {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out.stdout)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_string()
}

/// Creates the bare cache repository of evidence folder `dir` if needed
/// (it always holds this folder's sync state: `synced`, `pending.jsonl`),
/// and returns the repository git works in: the current repository when
/// `remote` is the name of one of its remotes (so its configuration and
/// credentials apply, as in CI), else the cache.
fn cache(dir: &Path, remote: &Remote) -> Result<PathBuf, SyncError> {
    let cache = dir.join(CACHE_DIR);
    if !cache.join("HEAD").is_file() {
        crate::fsutil::create_dir_all_durable(dir)
            .map_err(SyncError::io(format!("create `{}`", dir.display())))?;
        let out = Command::new("git")
            .args(["init", "--bare", "--quiet"])
            .arg(&cache)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_DIR")
            .output()
            .map_err(SyncError::Spawn)?;
        if !out.status.success() {
            return Err(SyncError::CacheInit(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
    }
    let name = &remote.url;
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !Path::new(name).exists();
    if plain {
        let out = Command::new("git")
            .args(["rev-parse", "--absolute-git-dir"])
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_DIR")
            .output()
            .map_err(SyncError::Spawn)?;
        if !out.status.success() {
            return Err(SyncError::NoRepository(name.clone()));
        }
        let repo = PathBuf::from(text(out.stdout));
        git(&repo, &["remote", "get-url", name], &[], None)
            .map_err(|_| SyncError::NotRemote(name.clone()))?;
        return Ok(repo);
    }
    Ok(cache)
}

/// Fetches the shared ref into the cache; `None` when the remote has no log yet.
fn fetch(cache: &Path, remote: &Remote) -> Result<Option<String>, SyncError> {
    let spec = format!("+{}:{TRACKING}", remote.git_ref);
    match git(
        cache,
        &[
            "-c",
            "maintenance.auto=false",
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            &remote.url,
            &spec,
        ],
        &[],
        None,
    ) {
        Ok(_) => Ok(Some(text(git(
            cache,
            &["rev-parse", "--verify", &format!("{TRACKING}^{{commit}}")],
            &[],
            None,
        )?))),
        Err(e) if e.no_remote_ref() => Ok(None),
        Err(e) => Err(e),
    }
}

/// An object read from git: its id and bytes.
type Object = (String, Vec<u8>);

/// The objects named by `specs` (`<rev>` or `<rev>:<path>`), read by one
/// `git cat-file --batch`: each its object id and bytes, `None` when missing.
fn batch(git_dir: &Path, specs: &[String]) -> Result<Vec<Option<Object>>, SyncError> {
    let mut input = String::new();
    for s in specs {
        if s.contains('\n') {
            return Err(SyncError::PathNewline(s.clone()));
        }
        input.push_str(s);
        input.push('\n');
    }
    let out = git(
        git_dir,
        &["cat-file", "--batch"],
        &[],
        Some(input.as_bytes()),
    )?;
    let mut rest = &out[..];
    let mut objects = Vec::with_capacity(specs.len());
    for spec in specs {
        let nl = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(SyncError::BatchEnded)?;
        let header = String::from_utf8_lossy(&rest[..nl]).to_string();
        rest = &rest[nl + 1..];
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            objects.push(None);
            continue;
        }
        let mut parts = header.split(' ');
        let unread = || SyncError::BatchHeader {
            header: header.clone(),
            spec: spec.clone(),
        };
        let (Some(id), Some(_), Some(size)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(unread());
        };
        let size: usize = size.parse().map_err(|_| unread())?;
        if rest.len() < size + 1 {
            return Err(SyncError::BatchEnded);
        }
        objects.push(Some((id.to_string(), rest[..size].to_vec())));
        rest = &rest[size + 1..];
    }
    Ok(objects)
}

/// A file of a commit (`None` when the commit has no such path).
fn blob(git_dir: &Path, commit: &str, path: &str) -> Result<Option<Vec<u8>>, SyncError> {
    Ok(batch(git_dir, &[format!("{commit}:{path}")])?
        .pop()
        .flatten()
        .map(|(_, b)| b))
}

/// The shared log at a commit: its ledger files.
struct Shared {
    commit: Option<String>,
    ledger: Vec<u8>,
    head: Option<Vec<u8>>,
    checkpoint: Option<Vec<u8>>,
}

fn shared(cache: &Path, state: &Path, remote: &Remote) -> Result<Shared, SyncError> {
    if fetch(cache, remote)?.is_none() {
        return Ok(Shared {
            commit: None,
            ledger: Vec::new(),
            head: None,
            checkpoint: None,
        });
    }
    let specs: Vec<String> = std::iter::once(format!("{TRACKING}^{{commit}}"))
        .chain(
            [LEDGER_FILE, HEAD_FILE, CHECKPOINT_FILE]
                .iter()
                .map(|f| format!("{TRACKING}:{f}")),
        )
        .collect();
    let mut objects = batch(cache, &specs)?.into_iter();
    let commit = objects
        .next()
        .flatten()
        .map(|(id, _)| id)
        .ok_or(SyncError::NotCommit)?;
    let mut next = || objects.next().flatten().map(|(_, b)| b);
    let (ledger, head, checkpoint) = (next().unwrap_or_default(), next(), next());
    let tree = tree_of(&ledger);
    if let Some(cp) = &checkpoint {
        let cp = open_checkpoint(cp, None).map_err(SyncError::SharedCheckpoint)?;
        matches_tree(&cp.checkpoint, &tree).map_err(SyncError::SharedMismatch)?;
    }
    // It must extend what this folder last saw of it.
    if let Ok(seen) = std::fs::read(state.join("synced")) {
        let seen = open_checkpoint(&seen, None).map_err(SyncError::Synced)?;
        matches_tree(&seen.checkpoint, &tree).map_err(SyncError::Rewritten)?;
    }
    Ok(Shared {
        commit: Some(commit),
        ledger,
        head,
        checkpoint,
    })
}

fn remember(state: &Path, checkpoint: Option<&[u8]>) -> Result<(), SyncError> {
    match checkpoint {
        Some(cp) => crate::fsutil::write_atomic(&state.join("synced"), cp, 0o644)
            .map_err(SyncError::io("write `synced`")),
        None => Ok(()),
    }
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    ledger::complete_lines(bytes).collect()
}

fn read_local(dir: &Path) -> Result<Vec<u8>, SyncError> {
    match std::fs::read(ledger::ledger_path(dir)) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(SyncError::io("read the ledger")(e)),
    }
}

/// Writes the shared log into evidence folder `dir`: the files under
/// `bundles/` the folder lacks (bundles and proofs are written once and
/// never change), then `ledger.jsonl`, `ledger.head` and
/// `ledger.checkpoint`, each atomically. A crash part-way is repaired by
/// pulling again.
fn materialize(cache: &Path, s: &Shared, dir: &Path) -> Result<(), SyncError> {
    let Some(commit) = &s.commit else {
        return Ok(());
    };
    let listing = git(
        cache,
        &[
            "ls-tree",
            "-r",
            "-z",
            "--name-only",
            commit,
            "--",
            "bundles",
        ],
        &[],
        None,
    )?;
    let missing: Vec<String> = listing
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).to_string())
        .filter(|p| !dir.join(p).exists())
        .collect();
    if !missing.is_empty() {
        crate::fsutil::create_dir_all_durable(&dir.join("bundles"))
            .map_err(SyncError::io("create bundles/"))?;
        let specs: Vec<String> = missing.iter().map(|p| format!("{commit}:{p}")).collect();
        for (path, object) in missing.iter().zip(batch(cache, &specs)?) {
            let Some((_, bytes)) = object else {
                return Err(SyncError::LostFile(path.clone()));
            };
            let Some(target) = super::verify::evidence_file(dir, path) else {
                return Err(SyncError::Outside(path.clone()));
            };
            crate::fsutil::write_atomic(&target, &bytes, 0o644)
                .map_err(SyncError::io(format!("write `{}`", target.display())))?;
        }
    }
    crate::fsutil::create_dir_all_durable(dir)
        .map_err(SyncError::io(format!("create `{}`", dir.display())))?;
    let files = [
        (LEDGER_FILE, Some(&s.ledger)),
        (HEAD_FILE, s.head.as_ref()),
        (CHECKPOINT_FILE, s.checkpoint.as_ref()),
    ];
    for (name, bytes) in files {
        if let Some(bytes) = bytes {
            crate::fsutil::write_atomic(&dir.join(name), bytes, 0o644)
                .map_err(SyncError::io(format!("write `{name}`")))?;
        }
    }
    Ok(())
}

/// Fast-forwards evidence folder `dir` to the shared log. Refuses when the
/// folder holds records the shared log lacks (`push` moves them on top).
/// Given trusted keys, first checks the ref's whole history
/// ([`verify_history`]).
pub fn pull(
    dir: &Path,
    remote: &Remote,
    trusted: Option<&[VerifyingKey]>,
) -> Result<String, SyncError> {
    let cache = cache(dir, remote)?;
    let state = dir.join(CACHE_DIR);
    let s = shared(&cache, &state, remote)?;
    if s.commit.is_none() {
        return Ok(format!("{}: no shared log yet", remote.git_ref));
    }
    let history = match trusted {
        Some(keys) => {
            let h = verify_history(&cache, TRACKING, keys).map_err(|e| SyncError::History {
                git_ref: remote.git_ref.clone(),
                error: Box::new(e),
            })?;
            format!(
                "; history checked: {} commits, linear, every checkpoint signed and consistent with the next",
                h.commits
            )
        }
        None => String::new(),
    };
    let local = read_local(dir)?;
    let (l, r) = (lines(&local), lines(&s.ledger));
    if l.len() > r.len() || r[..l.len()] != l[..] {
        return Err(SyncError::LocalAhead {
            local: l.len(),
            shared: r.len(),
        });
    }
    materialize(&cache, &s, dir)?;
    remember(&state, s.checkpoint.as_deref())?;
    Ok(format!(
        "pulled {}: {} records ({} new){history}",
        remote.git_ref,
        r.len(),
        r.len() - l.len()
    ))
}

/// Pushes the local records the shared log lacks (see the module docs).
pub fn push(dir: &Path, remote: &Remote, key: &SigningKey) -> Result<String, SyncError> {
    let cache = cache(dir, remote)?;
    let state = dir.join(CACHE_DIR);
    resume_pending(dir, key)?;
    let start = std::time::Instant::now();
    for attempt in 1u32.. {
        if start.elapsed() > PUSH_PATIENCE {
            return Err(SyncError::GaveUp {
                attempts: attempt,
                elapsed: start.elapsed(),
            });
        }
        let s = shared(&cache, &state, remote)?;
        let local = read_local(dir)?;
        let (l, r) = (lines(&local), lines(&s.ledger));
        if l.len() <= r.len() && r[..l.len()] == l[..] {
            if l.len() < r.len() {
                materialize(&cache, &s, dir)?;
            }
            remember(&state, s.checkpoint.as_deref())?;
            return Ok(format!(
                "nothing to push: the shared log holds {} records",
                r.len()
            ));
        }
        if l.len() < r.len() || l[..r.len()] != r[..] {
            // The shared log moved on: put the local records on top of it.
            let common = l.iter().zip(&r).take_while(|(a, b)| a == b).count();
            let pending: Vec<serde_json::Value> = l[common..]
                .iter()
                .map(|line| ledger::parse_line(line).map(|rec| rec.entry))
                .collect::<Result<_, _>>()
                .map_err(SyncError::LocalRecord)?;
            let mut bytes = Vec::new();
            for e in &pending {
                bytes.extend(serde_json::to_vec(e).expect("serialises"));
                bytes.push(b'\n');
            }
            crate::fsutil::write_atomic(&state.join("pending.jsonl"), &bytes, 0o644)
                .map_err(SyncError::io("write pending records"))?;
            materialize(&cache, &s, dir)?;
            remember(&state, s.checkpoint.as_deref())?;
            resume_pending(dir, key)?;
            continue;
        }
        // The local log extends the shared one: commit and push (with a
        // checkpoint covering every local record).
        super::append::sign_if_behind(dir, key).map_err(SyncError::Ledger)?;
        let new = commit_local(&cache, dir, s.commit.as_deref(), &l[r.len()..])?;
        let dst = format!("{new}:{}", remote.git_ref);
        match git(&cache, &["push", "--quiet", &remote.url, &dst], &[], None) {
            Ok(_) => {
                let cp = std::fs::read(dir.join(CHECKPOINT_FILE)).ok();
                remember(&state, cp.as_deref())?;
                return Ok(format!(
                    "pushed {} records to {} ({} in all, attempt {attempt})",
                    l.len() - r.len(),
                    remote.git_ref,
                    l.len()
                ));
            }
            Err(e) if e.lost_race() => {
                // Another runner pushed first: back off (random, growing with
                // each lost race, at most half a second), then retry on its head.
                let mut r = [0u8; 2];
                let _ = getrandom::fill(&mut r);
                let cap = 20u64 << attempt.min(5);
                let wait = u64::from(u16::from_le_bytes(r)) % cap.min(500);
                std::thread::sleep(std::time::Duration::from_millis(wait));
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop only ends by returning")
}

/// Re-appends records saved in `pending.jsonl` that the folder's ledger
/// does not hold yet (a rebase interrupted by a crash resumes here).
fn resume_pending(dir: &Path, key: &SigningKey) -> Result<(), SyncError> {
    let path = dir.join(CACHE_DIR).join("pending.jsonl");
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(());
    };
    let local = read_local(dir)?;
    let held: Vec<serde_json::Value> = ledger::complete_lines(&local)
        .filter_map(|l| ledger::parse_line(l).ok().map(|r| r.entry))
        .collect();
    for line in ledger::complete_lines(&bytes) {
        let entry: serde_json::Value = serde_json::from_slice(line).map_err(SyncError::Pending)?;
        if held.contains(&entry) {
            continue;
        }
        let proof = entry
            .get("bundle")
            .and_then(|b| b.as_str())
            .map(|b| dir.join(format!("{b}{PROOF_SUFFIX}")));
        super::append_signed(dir, &entry, key, proof.as_deref()).map_err(SyncError::Ledger)?;
    }
    std::fs::remove_file(&path).map_err(SyncError::io("remove pending records"))
}

/// A commit of the local log on `parent`: the parent's tree, plus the
/// ledger files and the bundles (with their proofs and summaries) that the
/// new records name.
fn commit_local(
    cache: &Path,
    dir: &Path,
    parent: Option<&str>,
    new_records: &[&[u8]],
) -> Result<String, SyncError> {
    let mut files: Vec<String> = vec![LEDGER_FILE.into(), HEAD_FILE.into(), CHECKPOINT_FILE.into()];
    for line in new_records {
        let rec = ledger::parse_line(line).map_err(SyncError::LocalRecord)?;
        for field in ["bundle", "vsa"] {
            if let Some(p) = rec.entry.get(field).and_then(|b| b.as_str()) {
                files.push(p.to_string());
                let proof = format!("{p}{PROOF_SUFFIX}");
                if dir.join(&proof).is_file() {
                    files.push(proof);
                }
            }
        }
    }
    let mut args: Vec<String> = vec!["hash-object".into(), "-w".into(), "--".into()];
    args.extend(files.iter().map(|f| dir.join(f).display().to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let hashes = text(git(cache, &argv, &[], None)?);
    let mut info = String::new();
    for (file, hash) in files.iter().zip(hashes.lines()) {
        info.push_str(&format!("100644 {hash}\t{file}\n"));
    }
    let index = dir
        .join(CACHE_DIR)
        .join(format!("index-commit-{}", std::process::id()));
    let _ = std::fs::remove_file(&index);
    let env = [("GIT_INDEX_FILE", index.as_path())];
    let result = (|| {
        match parent {
            Some(p) => git(cache, &["read-tree", p], &env, None)?,
            None => git(cache, &["read-tree", "--empty"], &env, None)?,
        };
        git(
            cache,
            &["update-index", "--add", "--index-info"],
            &env,
            Some(info.as_bytes()),
        )?;
        let tree = text(git(cache, &["write-tree"], &env, None)?);
        let msg = format!("writ ledger: {} records", lines(&read_local(dir)?).len());
        let mut args = vec!["commit-tree", tree.as_str(), "-m", msg.as_str()];
        if let Some(p) = parent {
            args.extend(["-p", p]);
        }
        Ok(text(git(cache, &args, &[], None)?))
    })();
    let _ = std::fs::remove_file(&index);
    result
}

/// What [`verify_history`] found.
#[derive(Clone, Debug)]
pub struct History {
    /// Commits on the ref, oldest first.
    pub commits: usize,
    /// Records in the newest commit's log.
    pub records: u64,
    /// Each commit's checkpoint size, oldest first.
    pub sizes: Vec<u64>,
}

/// Checks the history of `git_ref` in repository `git_dir`: linear (every
/// commit has one parent but the first), every commit's checkpoint signed
/// by a trusted key, each one consistent with the next (a consistency proof
/// between them verifies) and with the newest log, sizes strictly growing.
pub fn verify_history(
    git_dir: &Path,
    git_ref: &str,
    trusted: &[VerifyingKey],
) -> Result<History, SyncError> {
    let list = text(git(
        git_dir,
        &["rev-list", "--parents", "--reverse", git_ref],
        &[],
        None,
    )?);
    let commits: Vec<Vec<&str>> = list.lines().map(|l| l.split(' ').collect()).collect();
    for (i, c) in commits.iter().enumerate() {
        let want = if i == 0 { 1 } else { 2 };
        if c.len() != want || (i > 0 && c[1] != commits[i - 1][0]) {
            return Err(SyncError::NotLinear(c[0].to_string()));
        }
    }
    let last = commits.last().ok_or(SyncError::NoCommits)?[0];
    let ledger = blob(git_dir, last, LEDGER_FILE)?.unwrap_or_default();
    let tree = tree_of(&ledger);
    let specs: Vec<String> = commits
        .iter()
        .map(|c| format!("{}:{CHECKPOINT_FILE}", c[0]))
        .collect();
    let checkpoints = batch(git_dir, &specs)?;
    let mut sizes = Vec::new();
    let mut prev: Option<(u64, super::merkle::Hash)> = None;
    for (c, cp) in commits.iter().zip(checkpoints) {
        let commit = c[0];
        let (_, cp) = cp.ok_or_else(|| SyncError::NoCheckpoint(commit.to_string()))?;
        let refused = |error| SyncError::CommitCheckpoint {
            commit: commit.to_string(),
            error,
        };
        let cp = open_checkpoint(&cp, Some(trusted)).map_err(refused)?;
        let (size, root) = (cp.checkpoint.size, cp.checkpoint.root);
        matches_tree(&cp.checkpoint, &tree).map_err(refused)?;
        if let Some((psize, proot)) = prev {
            if size <= psize {
                return Err(SyncError::DidNotGrow {
                    commit: commit.to_string(),
                    before: psize,
                    after: size,
                });
            }
            let proof = tree
                .consistency_proof(psize, size)
                .expect("within the tree");
            super::merkle::verify_consistency(psize, size, &proot, &root, &proof).map_err(
                |error| SyncError::CommitConsistency {
                    commit: commit.to_string(),
                    error,
                },
            )?;
        }
        prev = Some((size, root));
        sizes.push(size);
    }
    Ok(History {
        commits: commits.len(),
        records: tree.size(),
        sizes,
    })
}
