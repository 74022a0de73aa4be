//! Concrete file paths from a node's path globs (`**` and `*` filled in,
//! the first alternative of `{a,b}`, the first member of `[…]`), for the
//! change space's one-file changes; the caller checks each against the
//! graph's claims.

/// Concrete paths a glob matches, most likely first.
pub(super) fn candidates(glob: &str) -> Vec<String> {
    let mut out = Vec::new();
    for fill in ["writ-prove.txt", "x"] {
        let mut s = String::new();
        let mut chars = glob.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        s.push(n);
                    }
                }
                '*' => {
                    if chars.peek() == Some(&'*') {
                        chars.next();
                        if chars.peek() == Some(&'/') {
                            chars.next();
                        } else {
                            s.push_str(fill);
                        }
                    } else {
                        s.push_str(fill);
                    }
                }
                '?' => s.push('x'),
                '[' => {
                    let mut class = String::new();
                    for n in chars.by_ref() {
                        if n == ']' {
                            break;
                        }
                        class.push(n);
                    }
                    let negated = class.starts_with('!') || class.starts_with('^');
                    if negated {
                        s.push('~');
                    } else if let Some(first) = class.chars().next() {
                        s.push(first);
                    }
                }
                '{' => {
                    let mut alt = String::new();
                    let mut depth = 1;
                    for n in chars.by_ref() {
                        match n {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        alt.push(n);
                    }
                    let first = alt.split(',').next().unwrap_or("");
                    // The alternative may itself hold glob syntax.
                    s.push_str(candidates(first).first().map_or("", |x| x.as_str()));
                }
                c => s.push(c),
            }
        }
        if s.ends_with('/') || s.is_empty() {
            s.push_str(fill);
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
