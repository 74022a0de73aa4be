//! Building a [`Change`] from a git revision range: runs the `git` program
//! (argv, never a shell), reads the commits' authors and trailers
//! (`Writ-Agent`, `Co-authored-by`), resolves them against the graph and
//! lists the changed files.

use super::*;
use crate::graph::Graph;
use std::process::Command;

/// Options for [`from_git`].
#[derive(Clone, Debug)]
pub struct GitOptions<'a> {
    /// The repository (any directory inside its work tree).
    pub repo: &'a Path,
    /// The range `BASE..HEAD` (diff BASE to HEAD) or `BASE...HEAD` (diff the
    /// merge base to HEAD, as a pull request shows it). An empty side means `HEAD`.
    pub range: &'a str,
    /// The graph whose people authors are resolved to.
    pub graph: Option<&'a Graph>,
    /// The change id (default: `SHORTBASE..SHORTHEAD`).
    pub id: Option<String>,
    /// Labels.
    pub labels: Vec<String>,
    /// The emergency flag.
    pub emergency: bool,
    /// Who uploaded (pushed) the change, as person ids or emails: they count
    /// as contributors, so separation of duties keeps them from approving.
    pub uploaders: Vec<String>,
}

/// The trailer that marks a commit as written by an agent; its value is the
/// agent's person id (or a free-form name when the graph does not know it).
pub const AGENT_TRAILER: &str = "Writ-Agent";

struct Git<'a> {
    repo: &'a Path,
}

impl Git<'_> {
    fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.repo)
            .args([
                "-c",
                "core.quotepath=false",
                "-c",
                "log.showSignature=false",
            ])
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message");
            return Err(format!("`git {}` failed: {}", args.join(" "), first.trim()));
        }
        String::from_utf8(out.stdout)
            .map_err(|_| format!("`git {}` printed text that is not UTF-8", args.join(" ")))
    }

    fn commit(&self, rev: &str) -> Result<String, String> {
        Ok(self
            .run(&[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &format!("{rev}^{{commit}}"),
            ])
            .map_err(|_| format!("`{rev}` is not a commit of this repository"))?
            .trim()
            .to_string())
    }
}

/// Parses a commit message's trailers (the `Key: value` lines of its last
/// paragraph).
fn trailers(message: &str) -> Vec<(String, String)> {
    let trimmed = message.trim_end();
    let last = trimmed.rsplit("\n\n").next().unwrap_or("");
    if last.len() == trimmed.len() {
        return Vec::new(); // a subject line alone has no trailers
    }
    let mut out = Vec::new();
    for line in last.lines() {
        let Some((k, v)) = line.split_once(':') else {
            return Vec::new();
        };
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Vec::new();
        }
        out.push((k.to_ascii_lowercase(), v.trim().to_string()));
    }
    out
}

/// `Name <email>` → (name, email).
fn split_name_email(s: &str) -> (String, String) {
    match (s.find('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => (s[..a].trim().to_string(), s[a + 1..b].trim().to_string()),
        _ => (s.trim().to_string(), String::new()),
    }
}

fn resolve(graph: Option<&Graph>, name: String, email: String) -> Identity {
    if let Some(p) = graph.and_then(|g| g.person_by_email(&email)) {
        return Identity {
            id: Some(p.id.value.clone()),
            name,
            email,
            kind: p.kind,
        };
    }
    Identity {
        id: None,
        name,
        email,
        kind: PrincipalKind::Human,
    }
}

fn agent_identity(graph: Option<&Graph>, value: &str) -> Identity {
    let (name, email) = split_name_email(value);
    let person = graph.and_then(|g| {
        g.resolve_person(&name)
            .or_else(|| g.person_by_email(&email))
    });
    match person {
        Some(p) => Identity {
            id: Some(p.id.value.clone()),
            name: p.name.clone().unwrap_or_else(|| p.id.value.clone()),
            email: p.emails.first().map(|e| e.value.clone()).unwrap_or(email),
            kind: PrincipalKind::Agent,
        },
        None => Identity {
            id: None,
            name,
            email,
            kind: PrincipalKind::Agent,
        },
    }
}

/// Builds a change from git; problems are diagnostics against a pseudo-file
/// `<range>` holding the range text.
pub fn from_git(map: &mut SourceMap, opts: &GitOptions<'_>) -> (Option<Change>, Vec<Diagnostic>) {
    let file = map.add("<range>", opts.range.to_string());
    let whole = Span::new(0, opts.range.len());
    let fail = |code, msg: String| (None, vec![Diagnostic::new(code, file, whole, msg)]);
    let (base_rev, head_rev, three_dot) = if let Some((a, b)) = opts.range.split_once("...") {
        (a, b, true)
    } else if let Some((a, b)) = opts.range.split_once("..") {
        (a, b, false)
    } else {
        let d = Diagnostic::new(
            codes::E0610,
            file,
            whole,
            format!("`{}` is not a revision range", opts.range),
        )
        .with_help(
            "write BASE..HEAD (diff BASE to HEAD) or BASE...HEAD (diff from their merge base)",
        );
        return (None, vec![d]);
    };
    let base_rev = if base_rev.is_empty() {
        "HEAD"
    } else {
        base_rev
    };
    let head_rev = if head_rev.is_empty() {
        "HEAD"
    } else {
        head_rev
    };
    for rev in [base_rev, head_rev] {
        if rev.starts_with('-') || rev.contains("..") || rev.chars().any(char::is_whitespace) {
            return fail(codes::E0610, format!("`{rev}` is not a valid revision"));
        }
    }
    let git = Git { repo: opts.repo };
    let (base, head) = match (git.commit(base_rev), git.commit(head_rev)) {
        (Ok(b), Ok(h)) => (b, h),
        (Err(e), _) | (_, Err(e)) => return fail(codes::E0609, e),
    };
    let diff_base = if three_dot {
        match git.run(&["merge-base", &base, &head]) {
            Ok(mb) => mb.trim().to_string(),
            Err(e) => return fail(codes::E0609, e),
        }
    } else {
        base.clone()
    };
    let head_tree = match git.run(&["rev-parse", "--verify", &format!("{head}^{{tree}}")]) {
        Ok(t) => t.trim().to_string(),
        Err(e) => return fail(codes::E0609, e),
    };
    let diff = match git.run(&[
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--find-renames",
        "--name-status",
        "-z",
        &diff_base,
        &head,
        "--",
    ]) {
        Ok(d) => d,
        Err(e) => return fail(codes::E0609, e),
    };
    let mut files = Vec::new();
    let mut tokens = diff.split('\0').filter(|t| !t.is_empty());
    while let Some(status) = tokens.next() {
        let letter = status.chars().next().unwrap_or('?');
        let entry = match letter {
            'R' | 'C' => {
                let (Some(old), Some(new)) = (tokens.next(), tokens.next()) else {
                    return fail(codes::E0609, "unexpected `git diff` output".into());
                };
                if letter == 'R' {
                    ChangeFile {
                        path: new.into(),
                        status: FileStatus::Renamed,
                        old_path: Some(old.into()),
                    }
                } else {
                    ChangeFile {
                        path: new.into(),
                        status: FileStatus::Added,
                        old_path: None,
                    }
                }
            }
            'A' | 'M' | 'D' | 'T' => {
                let Some(path) = tokens.next() else {
                    return fail(codes::E0609, "unexpected `git diff` output".into());
                };
                let status = match letter {
                    'A' => FileStatus::Added,
                    'D' => FileStatus::Deleted,
                    _ => FileStatus::Modified,
                };
                ChangeFile {
                    path: path.into(),
                    status,
                    old_path: None,
                }
            }
            _ => {
                return fail(
                    codes::E0609,
                    format!("unexpected file status `{status}` from `git diff`"),
                );
            }
        };
        files.push(entry);
    }
    files.sort();

    const FMT: &str = "--format=%x1e%H%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%cI%x1f%B";
    let head_log = match git.run(&["log", "-1", "--no-color", FMT, &head, "--"]) {
        Ok(l) => l,
        Err(e) => return fail(codes::E0609, e),
    };
    let range_log = match git.run(&[
        "log",
        "--no-color",
        FMT,
        &format!("{diff_base}..{head}"),
        "--",
    ]) {
        Ok(l) => l,
        Err(e) => return fail(codes::E0609, e),
    };
    struct Commit {
        name: String,
        email: String,
        committer_name: String,
        committer_email: String,
        date: String,
        message: String,
    }
    let parse_log = |text: &str| -> Vec<Commit> {
        text.split('\u{1e}')
            .filter(|r| !r.trim().is_empty())
            .filter_map(|r| {
                let mut f = r.splitn(7, '\u{1f}');
                let _hash = f.next()?;
                Some(Commit {
                    name: f.next()?.to_string(),
                    email: f.next()?.to_string(),
                    committer_name: f.next()?.to_string(),
                    committer_email: f.next()?.to_string(),
                    date: f.next()?.trim().to_string(),
                    message: f.next().unwrap_or("").to_string(),
                })
            })
            .collect()
    };
    let Some(head_commit) = parse_log(&head_log).into_iter().next() else {
        return fail(codes::E0609, "cannot read the head commit".into());
    };
    let graph = opts.graph;
    let mut contributors = Vec::new();
    for c in parse_log(&range_log)
        .iter()
        .chain(std::iter::once(&head_commit))
    {
        contributors.push(resolve(graph, c.name.clone(), c.email.clone()));
        // Whoever committed (rebased, applied, merged) the commit took part too.
        if (c.committer_name.as_str(), c.committer_email.as_str())
            != (c.name.as_str(), c.email.as_str())
        {
            contributors.push(resolve(
                graph,
                c.committer_name.clone(),
                c.committer_email.clone(),
            ));
        }
        for (k, v) in trailers(&c.message) {
            if k == "co-authored-by" {
                let (n, e) = split_name_email(&v);
                contributors.push(resolve(graph, n, e));
            } else if k == AGENT_TRAILER.to_ascii_lowercase() && !v.is_empty() {
                contributors.push(agent_identity(graph, &v));
            }
        }
    }
    for uploader in &opts.uploaders {
        let by_id = graph.and_then(|g| g.resolve_person(uploader));
        contributors.push(match by_id {
            Some(p) => Identity {
                id: Some(p.id.value.clone()),
                name: p.name.clone().unwrap_or_else(|| p.id.value.clone()),
                email: p
                    .emails
                    .first()
                    .map(|e| e.value.clone())
                    .unwrap_or_default(),
                kind: p.kind,
            },
            None => {
                let (n, e) = split_name_email(uploader);
                resolve(graph, n, e)
            }
        });
    }
    contributors.sort();
    contributors.dedup();
    let head_agent = trailers(&head_commit.message)
        .into_iter()
        .find(|(k, v)| k == &AGENT_TRAILER.to_ascii_lowercase() && !v.is_empty());
    let author = match head_agent {
        Some((_, v)) => agent_identity(graph, &v),
        None => resolve(graph, head_commit.name.clone(), head_commit.email.clone()),
    };
    let mut diags = Vec::new();
    if let Some(g) = graph
        && author.id.is_none()
        && g.person(&author.name).is_none()
    {
        diags.push(
                Diagnostic::new(codes::W0601, file, whole, format!("the author {} <{}> is not a person of the graph", author.name, author.email))
                    .with_help("add the email to a person's `emails` so approvals and separation of duties can name them"),
            );
    }
    let mut labels = opts.labels.clone();
    labels.sort();
    labels.dedup();
    let mut change = Change {
        version: CHANGE_VERSION,
        id: opts.id.clone().unwrap_or_else(|| {
            format!(
                "{}..{}",
                &base[..base.len().min(12)],
                &head[..head.len().min(12)]
            )
        }),
        base,
        head,
        head_tree: Some(head_tree),
        author,
        contributors,
        files,
        labels,
        emergency: opts.emergency,
        timestamp: head_commit.date,
        digest: String::new(),
    };
    change.digest = change.compute_digest();
    (Some(change), diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_come_from_the_last_paragraph_only() {
        let t = trailers(
            "Fix it\n\nBody: not a trailer here\nmore text\n\nWrit-Agent: bot-1\nCo-authored-by: A <a@x>\n",
        );
        assert_eq!(
            t,
            vec![
                ("writ-agent".into(), "bot-1".into()),
                ("co-authored-by".into(), "A <a@x>".into())
            ]
        );
        assert!(trailers("Subject: only").is_empty());
        assert!(trailers("S\n\nnot: a\nplain line").is_empty());
    }
}
