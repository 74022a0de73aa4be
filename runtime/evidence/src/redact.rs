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

use regex::bytes::{Regex, RegexBuilder};

/// One redaction pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Shown in the replacement, `[REDACTED:<name>]`.
    pub name: String,
    regex: Regex,
}

/// The built-in patterns: name and regular expression.
pub const BUILTIN: &[(&str, &str)] = &[
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
        "assignment",
        r#"(?i)\b[a-z0-9_.\-]*(password|passwd|passphrase|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|client[_\-]?secret|credentials?|auth)["']?\s*(=|:|=>)\s*["']?(?P<secret>[^\s"',;&]{4,})"#,
    ),
];

impl Pattern {
    /// Compiles a pattern; errors name it.
    pub fn new(name: &str, regex: &str) -> Result<Pattern, String> {
        let regex = RegexBuilder::new(regex)
            .unicode(false)
            .size_limit(1 << 22)
            .build()
            .map_err(|e| format!("redaction pattern `{name}`: {e}"))?;
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
    pub fn new(extra: &[String]) -> Result<Redactor, String> {
        let mut patterns = BUILTIN
            .iter()
            .map(|(name, re)| Pattern::new(name, re))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, re) in extra.iter().enumerate() {
            patterns.push(Pattern::new(&format!("custom-{}", i + 1), re)?);
        }
        Ok(Redactor { patterns })
    }

    /// Replaces every match of every pattern.
    pub fn redact(&self, input: &[u8]) -> Redacted {
        let mut bytes = input.to_vec();
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
    fn custom_patterns_and_bytes() {
        let red = Redactor::new(&["internal-[0-9]{4}".into()]).unwrap();
        let out = red.redact(b"id internal-1234 \xff\xfe ok");
        assert_eq!(out.bytes, b"id [REDACTED:custom-1] \xff\xfe ok");
        assert_eq!(out.count, 1);
        assert!(
            Redactor::new(&["(".into()])
                .unwrap_err()
                .contains("custom-1")
        );
    }
}
