//! writ's evidence: everything a decision rests on, produced and kept so an
//! auditor can check it offline.
//!
//! - [`runner`] runs the checks a decision requires on this machine (argv, no
//!   shell, scrubbed environment, timeouts that kill the whole process group,
//!   bounded parallelism) and [`redact`]s their output before it is stored;
//!   [`sandbox`] puts each check in its own namespaces (bubblewrap).
//! - [`ingest`] turns JUnit XML and SARIF produced elsewhere into check results.
//! - [`keys`] makes and reads ed25519 key files; [`approval`] signs and
//!   verifies approvals bound to a change digest and a plan digest.
//! - [`dsse`] is the DSSE envelope (PAE, signing, verification); [`bundle`]
//!   builds and verifies the in-toto Statement v1 evidence bundle.
//! - [`store`] is the evidence folder (`approvals/`, `checks/`, `logs/`,
//!   `bundles/`, `ledger.jsonl`) and loads it into [`writ_runtime::Evidence`].
//! - [`history`] reads the decisions a verified ledger records and decides
//!   them again under another plan (`writ replay`).
//! - [`ledger`] is the append-only, hash-chained decision log; [`tlog`]
//!   makes it a transparency log (Merkle tree, signed checkpoints,
//!   inclusion and consistency proofs) shared between CI runs through git.
//!
//! The formats are described in `docs/evidence.md`.

pub mod approval;
pub mod attest;
pub mod bundle;
pub mod context;
pub mod dsse;
pub mod fsutil;
pub mod history;
pub mod ingest;
pub mod keys;
pub mod ledger;
pub mod redact;
pub mod runner;
pub mod sandbox;
pub mod store;
pub mod tlog;

/// The progress display used by `writ run` on a terminal.
pub use indicatif;

/// `sha256:` followed by the lowercase hex sha256 of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", writ_plan::sha256_hex(bytes))
}

/// The current time, Unix seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Unix seconds as RFC 3339 UTC (`2026-01-02T03:04:05Z`).
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parses the RFC 3339 times writ writes (`YYYY-MM-DDTHH:MM:SSZ`, an optional
/// fraction, `Z` or a `±HH:MM` offset) into Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && &rest[3..4] == ":" =>
        {
            let h: i64 = rest[1..3].parse().ok()?;
            let m: i64 = rest[4..6].parse().ok()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
        _ => return None,
    };
    // Days from civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + min * 60 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        for t in [
            0,
            1,
            86_399,
            951_782_400,
            1_700_000_000,
            4_102_444_800,
            -86_400,
        ] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t), "{t}");
        }
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(
            parse_rfc3339("2023-11-14T23:13:20+01:00"),
            Some(1_700_000_000)
        );
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_rfc3339("2023-13-14T22:13:20Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
