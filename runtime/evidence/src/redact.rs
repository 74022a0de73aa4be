//! Redaction of secrets from captured output, before anything is stored.
//!
//! Built-in patterns cover common credentials (cloud keys, forge and chat
//! tokens, private key blocks, JWTs, HTTP auth headers, credentials in URLs
//! and `password=`/`secret=`/`token=`-style assignments); extra patterns come
//! from the command line. Patterns work on bytes, so binary or invalid UTF-8
//! output is handled too. A pattern with a capture group named `secret`
//! replaces only that group (the key name stays readable); otherwise the
//! whole match is replaced by `[REDACTED:<name>]`. Patterns are matched
//! byte-wise with ASCII classes (`\s`, `\b` and `(?i)` are ASCII-only).
//!
//! Terminal escape sequences (ANSI CSI and OSC, e.g. colours) are removed
//! first: a secret printed in two colours would otherwise not match any
//! pattern. Stored logs are therefore plain text.

use regex::bytes::{Regex, RegexBuilder};

/// One redaction pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Shown in the replacement, `[REDACTED:<name>]`.
    pub name: String,
    regex: Regex,
}

/// The built-in patterns: name and regular expression.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    (
        "private-key",
        r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----(?s:.*?)(-----END[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----|\z)",
    ),
    ("writ-private-key", r"ed25519-private:[A-Za-z0-9+/=]{8,}"),
    (
        "aws-access-key-id",
        r"\b(AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[0-9A-Z]{16}\b",
    ),
    (
        "aws-secret",
        r#"(?i)\baws_?(secret_?access_?key|session_?token|secret)\b["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9/+=]{16,})"#,
    ),
    (
        "github-token",
        r"\b(gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
    ),
    (
        "gitlab-token",
        r"\bgl(pat|ptt|dt|rt|cbt|oas|soat|ffct|imt|agent|ft)-[A-Za-z0-9_\-]{20,}",
    ),
    ("slack-token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}"),
    (
        "slack-webhook",
        r"https://hooks\.slack\.com/(services|workflows|triggers)/[A-Za-z0-9/_\-]+",
    ),
    ("google-api-key", r"\bAIza[0-9A-Za-z_\-]{35}"),
    ("stripe-key", r"\b[rsp]k_(live|test)_[A-Za-z0-9]{16,}"),
    ("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("pypi-token", r"\bpypi-AgE[A-Za-z0-9_\-]{50,}"),
    (
        "jwt",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
    ),
    (
        "http-auth",
        r"(?i)\b(bearer|basic|token)\s+(?P<secret>[A-Za-z0-9._~+/\-]{12,}=*)",
    ),
    (
        "url-credentials",
        r"(?i)\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:(?P<secret>[^/\s@]+)@",
    ),
    (
        "option-value",
        r#"(?i)(?:^|[\s"'=(\[,])--?[a-z0-9_.\-]*(password|passwd|passphrase|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|credentials?)\s+["']?(?P<secret>[^\s"'\-][^\s"']{3,})"#,
    ),
    (
        // `-p` is a password only for these tools (`cargo test -p NAME` is not).
        "password-flag",
        r#"(?i)\b(mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mariadb|mariadb-dump|mariadb-admin|sshpass)\b[^\n]*?\s-p\s*["']?(?P<secret>[^\s"']+)"#,
    ),
    (
        "assignment",
        r#"(?i)\b[a-z0-9_.\-]*(password|passwd|passphrase|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|client[_\-]?secret|credentials?|auth)["']?\s*(=|:|=>)\s*["']?(?P<secret>[^\s"',;&]{4,})"#,
    ),
];

/// A redaction pattern that does not compile, with its name.
#[derive(Debug)]
pub struct PatternError {
    /// The pattern's name (`custom-1`, `graph-2`, …).
    pub name: String,
    /// Why it does not compile.
    pub error: regex::Error,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "redaction pattern `{}`: {}", self.name, self.error)
    }
}

impl std::error::Error for PatternError {}

impl From<PatternError> for String {
    fn from(e: PatternError) -> String {
        e.to_string()
    }
}

impl Pattern {
    /// Compiles a pattern; errors name it.
    pub fn new(name: &str, regex: &str) -> Result<Pattern, PatternError> {
        let regex = RegexBuilder::new(regex)
            .unicode(false)
            .size_limit(1 << 22)
            .build()
            .map_err(|error| PatternError {
                name: name.into(),
                error,
            })?;
        Ok(Pattern {
            name: name.into(),
            regex,
        })
    }
}

/// A set of patterns applied in order.
#[derive(Clone, Debug)]
pub struct Redactor {
    patterns: Vec<Pattern>,
}

/// Redacted bytes and how many replacements were made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redacted {
    /// The output with secrets replaced.
    pub bytes: Vec<u8>,
    /// The number of replacements.
    pub count: usize,
}

impl Redactor {
    /// The built-in patterns plus `extra` (each a regular expression, named
    /// `custom-1`, `custom-2`, …).
    pub fn new(extra: &[String]) -> Result<Redactor, PatternError> {
        let mut patterns = BUILTIN
            .iter()
            .map(|(name, re)| Pattern::new(name, re))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, re) in extra.iter().enumerate() {
            patterns.push(Pattern::new(&format!("custom-{}", i + 1), re)?);
        }
        Ok(Redactor { patterns })
    }

    /// These patterns plus `extra` (each a regular expression, named
    /// `<label>-1`, `<label>-2`, …), e.g. the patterns the graph declares
    /// for one check. The patterns already compiled are shared.
    pub fn extended(&self, extra: &[String], label: &str) -> Result<Redactor, PatternError> {
        let mut patterns = self.patterns.clone();
        for (i, re) in extra.iter().enumerate() {
            patterns.push(Pattern::new(&format!("{label}-{}", i + 1), re)?);
        }
        Ok(Redactor { patterns })
    }

    /// Removes terminal escape sequences, then replaces every match of
    /// every pattern.
    pub fn redact(&self, input: &[u8]) -> Redacted {
        let mut bytes = strip_escapes(input);
        let mut count = 0;
        for p in &self.patterns {
            if !p.regex.is_match(&bytes) {
                continue;
            }
            let secret_group = p.regex.capture_names().position(|n| n == Some("secret"));
            let marker = format!("[REDACTED:{}]", p.name);
            let mut out = Vec::with_capacity(bytes.len());
            let mut last = 0;
            for caps in p.regex.captures_iter(&bytes) {
                let whole = caps.get(0).expect("group 0 always matches");
                let target = secret_group.and_then(|g| caps.get(g)).unwrap_or(whole);
                if target.is_empty() {
                    continue;
                }
                out.extend_from_slice(&bytes[last..target.start()]);
                out.extend_from_slice(marker.as_bytes());
                last = target.end();
                count += 1;
            }
            out.extend_from_slice(&bytes[last..]);
            bytes = out;
        }
        Redacted { bytes, count }
    }
}

/// `input` without terminal escape sequences: CSI (`ESC [ … final`), OSC
/// (`ESC ] … BEL` or `ESC ] … ESC \`), other two-byte `ESC x` sequences,
/// and 8-bit CSI (`0x9b … final`) where it is not part of UTF-8.
pub(crate) fn strip_escapes(input: &[u8]) -> Vec<u8> {
    if !input.contains(&0x1b) && !input.contains(&0x9b) {
        return input.to_vec();
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    let csi_end = |mut j: usize| {
        // Parameters and intermediates, then one final byte 0x40..=0x7e.
        while j < input.len() && (0x20..=0x3f).contains(&input[j]) {
            j += 1;
        }
        if j < input.len() && (0x40..=0x7e).contains(&input[j]) {
            j + 1
        } else {
            j
        }
    };
    while i < input.len() {
        let b = input[i];
        if b == 0x1b && i + 1 < input.len() {
            match input[i + 1] {
                b'[' => i = csi_end(i + 2),
                b']' => {
                    let mut j = i + 2;
                    while j < input.len() {
                        if input[j] == 0x07 {
                            j += 1;
                            break;
                        }
                        if input[j] == 0x1b && input.get(j + 1) == Some(&b'\\') {
                            j += 2;
                            break;
                        }
                        j += 1;
                    }
                    i = j;
                }
                0x40..=0x5f => i += 2,
                _ => i += 1,
            }
        } else if b == 0x1b {
            i += 1;
        } else if b == 0x9b && (i == 0 || input[i - 1] < 0x80) {
            i = csi_end(i + 1);
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        String::from_utf8(Redactor::new(&[]).unwrap().redact(s.as_bytes()).bytes).unwrap()
    }

    #[test]
    fn builtin_patterns() {
        let secrets = [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            "glpat-abcdefghij0123456789",
            "xoxb-123456789012-abcdefghijkl",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "hunter2hunter2",
            "s3cr3t-p4ss",
            "sk_live_abcdefghijklmnop1234",
        ];
        let text = format!(
            "key {}\naws_secret_access_key = {}\nAuthorization: token {}\n{}\ngitlab {}\nslack {}\njwt {}\npassword={}\nurl https://user:{}@example.com/x\nstripe {}\n",
            secrets[0],
            secrets[1],
            secrets[2],
            secrets[3],
            secrets[4],
            secrets[5],
            secrets[6],
            secrets[7],
            secrets[8],
            secrets[9]
        );
        let out = r(&text);
        for s in secrets {
            assert!(!out.contains(s), "{s} leaked in:\n{out}");
        }
        assert!(out.contains("password=[REDACTED:assignment]"), "{out}");
        assert!(
            out.contains("https://user:[REDACTED:url-credentials]@example.com"),
            "{out}"
        );
        let pem = "a\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\nb\n";
        assert_eq!(r(pem), "a\n[REDACTED:private-key]\nb\n");
        // A key block cut off by the output cap is still removed.
        assert_eq!(
            r("-----BEGIN RSA PRIVATE KEY-----\nMIIEow"),
            "[REDACTED:private-key]"
        );
        // Ordinary output survives.
        let plain = "running 3 tests\ntest a ... ok\ntoken count: 3\n";
        assert_eq!(r(plain), plain);
    }

    #[test]
    fn option_value_pairs() {
        for (line, secret) in [
            (
                "deploy --password hunter2hunter2 --verbose",
                "hunter2hunter2",
            ),
            ("login --api-key 'k3y-0123456789'", "k3y-0123456789"),
            ("curl --token \"abcd1234efgh\" x", "abcd1234efgh"),
            ("mysql -u root -p s3cretpass db", "s3cretpass"),
            ("mysql -u root -ps3cretpass db", "s3cretpass"),
            ("sshpass -p 'swordfish9' ssh host", "swordfish9"),
            ("export DB_PASSWORD=correcthorse", "correcthorse"),
            ("--password=correcthorse", "correcthorse"),
            ("password: 'correcthorse'", "correcthorse"),
        ] {
            let out = r(line);
            assert!(!out.contains(secret), "{line} -> {out}");
            assert!(out.contains("[REDACTED:"), "{line} -> {out}");
        }
        // Not secrets: a package name, a flag without a value, a flag after it.
        for plain in [
            "cargo test -p payments-api",
            "tool --no-password --verbose",
            "pytest -p no:cacheprovider",
        ] {
            assert_eq!(r(plain), plain);
        }
    }

    #[test]
    fn secrets_split_by_escape_sequences() {
        let split = [
            "token: ghp_aBcDeFgHiJkLmNo\x1b[31mPqRsTuVwXyZ0123456789\x1b[0m",
            "password=hunter\x1b[1m2hunter2",
            "AKIAIOSF\x1b]8;;https://x\x07ODNN7EXAMPLE",
            "--password \x1b[32mcorrect\x1b[0mhorse",
        ];
        for s in split {
            let out = r(s);
            for part in ["PqRsTuVwXyZ", "2hunter2", "ODNN7EXAMPLE", "horse"] {
                assert!(!out.contains(part), "{s:?} -> {out:?}");
            }
            assert!(!out.contains('\x1b'), "{out:?}");
        }
        assert_eq!(strip_escapes(b"a\x1b[1;31mb\x1b[0mc\x1b"), b"abc");
        assert_eq!(strip_escapes("é\u{9b}".as_bytes()), "é\u{9b}".as_bytes());
        assert_eq!(strip_escapes(b"x\x9b2Ky"), b"xy");
        // Ends in the middle of a sequence: no panic, nothing of it kept.
        assert_eq!(strip_escapes(b"ok\x1b[12;"), b"ok");
        assert_eq!(strip_escapes(b"ok\x1b]title"), b"ok");
    }

    #[test]
    fn extended_with_graph_patterns() {
        let base = Redactor::new(&[]).unwrap();
        let ext = base.extended(&["acct-[0-9]{6}".into()], "graph").unwrap();
        assert_eq!(
            ext.redact(b"acct-123456 password=abcdefgh").bytes,
            b"[REDACTED:graph-1] password=[REDACTED:assignment]"
        );
        assert_eq!(base.redact(b"acct-123456").bytes, b"acct-123456");
        let e = base.extended(&["(".into()], "graph").unwrap_err();
        assert_eq!(e.name, "graph-1");
        assert!(e.to_string().starts_with("redaction pattern `graph-1`: "));
    }

    #[test]
    fn custom_patterns_and_bytes() {
        let red = Redactor::new(&["internal-[0-9]{4}".into()]).unwrap();
        let out = red.redact(b"id internal-1234 \xff\xfe ok");
        assert_eq!(out.bytes, b"id [REDACTED:custom-1] \xff\xfe ok");
        assert_eq!(out.count, 1);
        let e = Redactor::new(&["(".into()]).unwrap_err();
        assert_eq!(e.name, "custom-1");
        assert!(e.to_string().starts_with("redaction pattern `custom-1`: "));
    }
}
