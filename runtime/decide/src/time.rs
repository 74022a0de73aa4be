//! RFC 3339 timestamps to and from Unix seconds (UTC), without a date crate.

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses an RFC 3339 date-time (`2026-05-01T12:00:00Z`, `…+02:00`,
/// fractional seconds ignored) into Unix seconds. `None` when it is not one.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    if !writ_graph::change::is_rfc3339(s) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let b = s.as_bytes();
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match s.get(i..)? {
        "Z" | "z" => 0,
        rest => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60)
        }
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(days * 86_400 + h * 3600 + mi * 60 + sec.min(59) - offset)
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_rfc3339(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    // Years of four digits (every time a proof names) laid out digit by
    // digit, without the formatting machinery (a proof's `decided_at` is
    // one of a decision's fixed costs); others as `format!` writes them.
    if !(0..=9999).contains(&y) {
        return format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
    }
    let mut out = [0u8; 20];
    let mut put = |at: usize, v: i64, width: usize| {
        let mut v = v;
        for i in (at..at + width).rev() {
            out[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, y, 4);
    put(5, i64::from(m), 2);
    put(8, i64::from(d), 2);
    put(11, h, 2);
    put(14, mi, 2);
    put(17, s, 2);
    out[4] = b'-';
    out[7] = b'-';
    out[10] = b'T';
    out[13] = b':';
    out[16] = b':';
    out[19] = b'Z';
    out.iter().map(|&b| b as char).collect()
}

/// Formats a duration in seconds the way the language writes it (`48h`, `90m`, `3d`).
pub fn format_duration(secs: u64) -> String {
    for (unit, n) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs >= n && secs % n == 0 {
            return format!("{}{unit}", secs / n);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digit-by-digit layout says what `format!` says, for times
    /// before 1970, across centuries and past year 9999.
    #[test]
    fn rfc3339_laid_out_as_format_says() {
        let mut t: i64 = -62_167_219_200 - 86_400 * 400; // before year 0
        while t < 253_402_300_800 + 86_400 * 800 {
            let days = t.div_euclid(86_400);
            let secs = t.rem_euclid(86_400);
            let (y, m, d) = civil_from_days(days);
            let want = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                secs / 3600,
                secs % 3600 / 60,
                secs % 60
            );
            assert_eq!(format_rfc3339(t), want, "at {t}");
            t += 7_777_777 + 3_601;
        }
        assert_eq!(format_rfc3339(1_777_892_400), "2026-05-04T11:00:00Z");
    }

    #[test]
    fn round_trips() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2026-12-20T08:00:00Z",
            "2000-02-29T23:59:59Z",
            "1969-12-31T23:59:59Z",
        ] {
            let t = parse_rfc3339(s).unwrap();
            assert_eq!(format_rfc3339(t), s);
        }
        assert_eq!(
            parse_rfc3339("2026-01-01T02:00:00+02:00"),
            parse_rfc3339("2026-01-01T00:00:00Z")
        );
        assert_eq!(
            parse_rfc3339("2026-01-01T00:00:00.123Z"),
            Some(1_767_225_600)
        );
        assert_eq!(parse_rfc3339("2026-02-30T00:00:00Z"), None);
        assert_eq!(format_duration(172_800), "2d");
        assert_eq!(format_duration(7200), "2h");
        assert_eq!(format_duration(61), "61s");
    }
}
