//! CODEOWNERS (GitHub, with GitLab sections) into graph nodes.
//!
//! Semantics (see `docs/graph.md`):
//! - one node per (section, owner set), id `codeowners:OWNERS` or
//!   `codeowners:SECTION:OWNERS`, kind `component`, holding every pattern of
//!   that owner set as path claims;
//! - each pattern becomes claims in layer `codeowners` (GitLab section
//!   `S`: layer `codeowners:s`) with priority = its line number, so the last
//!   matching pattern wins, as on GitHub; sections combine (union), as on GitLab;
//! - an entry with no owners (and no section default owners) becomes an
//!   `unowned_paths` claim: matching files are unowned;
//! - `@user` becomes person `user`, `@org/team` team `org/team`, an email
//!   a person whose id is the address.

use crate::import::sanitize_id;
use crate::model::*;
use std::collections::BTreeMap;
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

/// Converts one CODEOWNERS pattern (gitignore-like, GitHub flavour) into
/// repository-relative globs, or explains why it cannot be used.
pub(crate) fn pattern_to_globs(pattern: &str) -> Result<Vec<String>, String> {
    if pattern.starts_with('!') {
        return Err("negated patterns (`!`) are not supported in CODEOWNERS".into());
    }
    if pattern.contains('[') || pattern.contains(']') {
        return Err("character ranges (`[ ]`) are not supported in CODEOWNERS".into());
    }
    let dir_only = pattern.ends_with('/');
    let core = pattern.trim_start_matches('/').trim_end_matches('/');
    if core.is_empty() {
        return Ok(vec!["**".into()]);
    }
    let anchored = pattern.starts_with('/') || core.contains('/');
    let base = if anchored || core.starts_with("**") {
        core.to_string()
    } else {
        format!("**/{core}")
    };
    if core.ends_with("/**") || core == "**" {
        return Ok(vec![base]);
    }
    let last = core.rsplit('/').next().unwrap_or(core);
    if dir_only {
        Ok(vec![format!("{base}/**")])
    } else if last.contains(['*', '?']) {
        Ok(vec![base])
    } else {
        Ok(vec![base.clone(), format!("{base}/**")])
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Owner {
    User(String),
    Team(String),
    Email(String),
}

fn parse_owner(token: &str) -> Option<Owner> {
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    if let Some(rest) = token.strip_prefix('@') {
        return match rest.split_once('/') {
            Some((org, team)) if ok(org) && ok(team) => Some(Owner::Team(rest.to_string())),
            None if ok(rest) => Some(Owner::User(rest.to_string())),
            _ => None,
        };
    }
    let (local, domain) = token.split_once('@')?;
    if !local.is_empty() && domain.contains('.') && !token.contains(char::is_whitespace) {
        Some(Owner::Email(token.to_lowercase()))
    } else {
        None
    }
}

/// Splits a line into tokens at unescaped whitespace; `\ ` is a space.
/// Returns (token, byte offset in line).
fn tokens(line: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\'
            && let Some(&(_, next)) = chars.peek()
        {
            if cur.is_empty() {
                start = i;
            }
            if next != ' ' {
                cur.push('\\');
            }
            cur.push(next);
            chars.next();
            continue;
        }
        if c.is_whitespace() {
            if !cur.is_empty() {
                out.push((std::mem::take(&mut cur), start));
            }
        } else {
            if cur.is_empty() {
                start = i;
            }
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push((cur, start));
    }
    out
}

struct Section {
    layer: String,
    key: Option<String>,
    name: Option<String>,
    approvals: Option<i64>,
    optional: bool,
    defaults: Vec<Owner>,
}

/// Imports CODEOWNERS text (the content of `file`).
pub fn import(file: FileId, text: &str) -> (Document, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut nodes: BTreeMap<String, NodeDecl> = BTreeMap::new();
    let mut teams: BTreeMap<String, TeamDecl> = BTreeMap::new();
    let mut people: BTreeMap<String, PersonDecl> = BTreeMap::new();
    let mut unowned = Vec::new();
    let mut section = Section {
        layer: "codeowners".into(),
        key: None,
        name: None,
        approvals: None,
        optional: false,
        defaults: Vec::new(),
    };
    let mut offset = 0;
    for (line_no, raw) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let at = |start: usize, len: usize| {
            Span::new(
                line_start + indent + start,
                line_start + indent + start + len,
            )
        };
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // GitLab section header: [Name][N] @defaults  or  ^[Name] @defaults
        if trimmed.starts_with('[') || trimmed.starts_with("^[") {
            let optional = trimmed.starts_with('^');
            let body = trimmed.trim_start_matches('^');
            let Some(close) = body.find(']') else {
                diags.push(
                    Diagnostic::new(
                        codes::E0520,
                        file,
                        at(0, trimmed.len()),
                        "section header without `]`",
                    )
                    .with_label("unterminated section name"),
                );
                continue;
            };
            let name = body[1..close].trim().to_string();
            let mut rest = &body[close + 1..];
            let mut approvals = None;
            if rest.starts_with('[') {
                match rest
                    .find(']')
                    .and_then(|e| rest[1..e].parse::<i64>().ok().map(|n| (n, e)))
                {
                    Some((n, e)) if n > 0 => {
                        approvals = Some(n);
                        rest = &rest[e + 1..];
                    }
                    _ => {
                        diags.push(
                            Diagnostic::new(
                                codes::E0520,
                                file,
                                at(0, trimmed.len()),
                                "invalid approval count in section header",
                            )
                            .with_help("write e.g. `[Docs][2]` for two required approvals"),
                        );
                        continue;
                    }
                }
            }
            if name.is_empty() {
                diags.push(Diagnostic::new(
                    codes::E0520,
                    file,
                    at(0, trimmed.len()),
                    "empty section name",
                ));
                continue;
            }
            let mut defaults = Vec::new();
            let rest_offset = trimmed.len() - rest.len();
            for (tok, pos) in tokens(rest) {
                if tok.starts_with('#') {
                    break;
                }
                match parse_owner(&tok) {
                    Some(o) => defaults.push(o),
                    None => diags.push(
                        Diagnostic::new(
                            codes::E0520,
                            file,
                            at(rest_offset + pos, tok.len()),
                            format!("invalid owner `{tok}`"),
                        )
                        .with_help("owners are @user, @org/team or an email address"),
                    ),
                }
            }
            let key = name.to_lowercase();
            section = Section {
                layer: format!("codeowners:{key}"),
                key: Some(sanitize_id(&key)),
                name: Some(name),
                approvals,
                optional,
                defaults,
            };
            continue;
        }
        let toks = tokens(trimmed);
        let Some((pattern, _)) = toks.first().cloned() else {
            continue;
        };
        if pattern.starts_with("\\#") {
            diags.push(Diagnostic::new(
                codes::W0520,
                file,
                at(0, pattern.len()),
                "escaped `#` patterns are not supported by GitHub; line ignored",
            ));
            continue;
        }
        let mut owners = Vec::new();
        let mut bad = false;
        for (tok, pos) in toks.iter().skip(1) {
            if tok.starts_with('#') {
                break;
            }
            match parse_owner(tok) {
                Some(o) => owners.push(o),
                None => {
                    bad = true;
                    diags.push(
                        Diagnostic::new(codes::E0520, file, at(*pos, tok.len()), format!("invalid owner `{tok}`"))
                            .with_label("not @user, @org/team or an email")
                            .with_note("GitHub skips a line with an invalid owner, so its files fall back to earlier rules"),
                    );
                }
            }
        }
        if bad {
            continue;
        }
        let globs = match pattern_to_globs(&pattern) {
            Ok(g) => g,
            Err(why) => {
                diags.push(Diagnostic::new(
                    codes::W0520,
                    file,
                    at(0, pattern.len()),
                    format!("pattern `{pattern}` ignored: {why}"),
                ));
                continue;
            }
        };
        if let Some((code, why)) = globs.iter().find_map(|g| crate::paths::glob_limit(g)) {
            diags.push(
                Diagnostic::new(
                    code,
                    file,
                    at(0, pattern.len()),
                    format!("pattern refused: {why}"),
                )
                .with_help("split the pattern into shorter patterns, one line each"),
            );
            continue;
        }
        if let Some(bad) = globs
            .iter()
            .find(|g| crate::paths::compile_glob(g).is_err())
        {
            diags.push(Diagnostic::new(
                codes::E0520,
                file,
                at(0, pattern.len()),
                format!("pattern `{pattern}` gives the invalid glob `{bad}`"),
            ));
            continue;
        }
        if owners.is_empty() {
            owners = section.defaults.clone();
        }
        let priority = line_no as i64 + 1;
        let claims: Vec<PathDecl> = globs
            .iter()
            .map(|g| PathDecl::ranked(g.clone(), priority, section.layer.clone()))
            .collect();
        if owners.is_empty() {
            unowned.extend(claims);
            continue;
        }
        let mut owner_ids = Vec::new();
        let mut spelled = Vec::new();
        for o in &owners {
            match o {
                Owner::User(u) => {
                    spelled.push(format!("@{u}"));
                    owner_ids.push(u.clone());
                    people.entry(u.clone()).or_insert_with(|| PersonDecl {
                        id: Spanned::bare(u.clone()),
                        ..Default::default()
                    });
                }
                Owner::Team(t) => {
                    spelled.push(format!("@{t}"));
                    owner_ids.push(t.clone());
                    teams.entry(t.clone()).or_insert_with(|| TeamDecl {
                        id: Spanned::bare(t.clone()),
                        ..Default::default()
                    });
                }
                Owner::Email(e) => {
                    spelled.push(e.clone());
                    owner_ids.push(e.clone());
                    people.entry(e.clone()).or_insert_with(|| PersonDecl {
                        id: Spanned::bare(e.clone()),
                        emails: vec![Spanned::bare(e.clone())],
                        ..Default::default()
                    });
                }
            }
        }
        spelled.sort();
        spelled.dedup();
        let id = match &section.key {
            None => sanitize_id(&format!("codeowners:{}", spelled.join("+"))),
            Some(k) => sanitize_id(&format!("codeowners:{k}:{}", spelled.join("+"))),
        };
        let node = nodes.entry(id.clone()).or_insert_with(|| {
            let mut n = NodeDecl {
                id: Spanned::bare(id.clone().into()),
                kind: Spanned::bare("component".into()),
                description: Some(format!(
                    "Files owned by {} according to CODEOWNERS",
                    spelled.join(", ")
                )),
                ..Default::default()
            };
            n.attributes.insert(
                "source".into(),
                Spanned::bare(AttrValue::Str("codeowners".into())),
            );
            if let Some(name) = &section.name {
                n.attributes.insert(
                    "codeowners_section".into(),
                    Spanned::bare(AttrValue::Str(name.clone())),
                );
                if let Some(a) = section.approvals {
                    n.attributes.insert(
                        "required_approvals".into(),
                        Spanned::bare(AttrValue::Int(a)),
                    );
                }
                if section.optional {
                    n.attributes
                        .insert("optional".into(), Spanned::bare(AttrValue::Bool(true)));
                }
            }
            n
        });
        node.owners
            .extend(owner_ids.into_iter().map(|o| Spanned::bare(o.into())));
        node.paths.extend(claims);
    }
    let mut doc = Document {
        nodes: nodes.into_values().collect(),
        teams: teams.into_values().collect(),
        people: people.into_values().collect(),
        unowned_paths: unowned,
        ..Document::default()
    };
    doc.normalize();
    (doc, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_follow_github_semantics() {
        let g = |p: &str| pattern_to_globs(p).unwrap();
        assert_eq!(g("*"), ["**/*"]);
        assert_eq!(g("*.js"), ["**/*.js"]);
        assert_eq!(g("/docs/"), ["docs/**"]);
        assert_eq!(g("docs/*"), ["docs/*"]);
        assert_eq!(g("apps/"), ["**/apps/**"]);
        assert_eq!(g("/apps/github"), ["apps/github", "apps/github/**"]);
        assert_eq!(g("**/logs"), ["**/logs", "**/logs/**"]);
        assert_eq!(g("docs/**"), ["docs/**"]);
        assert_eq!(g("/"), ["**"]);
        assert!(pattern_to_globs("!x").is_err());
        assert!(pattern_to_globs("[ab].c").is_err());
    }

    #[test]
    fn tokens_honour_escaped_spaces() {
        let t: Vec<String> = tokens("my\\ dir/  @a  b@x.io")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(t, ["my dir/", "@a", "b@x.io"]);
    }
}
