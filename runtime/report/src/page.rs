//! The page shell: one self-contained HTML document with the style sheet
//! and script inline, and a Content-Security-Policy that allows exactly
//! those two (by their sha256) and nothing else: no request can leave the
//! file, whether opened from `file://` or served.

use crate::html::Html;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The style sheet, inlined into every page.
pub const CSS: &str = include_str!("../assets/report.css");
/// The script (filters, witness highlighting), inlined into every page.
pub const JS: &str = include_str!("../assets/report.js");

fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// The Content-Security-Policy of every page.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src 'none'; font-src 'none'; \
         connect-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'; object-src 'none'",
        csp_hash(CSS),
        csp_hash(JS)
    )
}

/// A complete page: `title` (escaped) and the body written by `body`.
pub fn page(title: &str, subtitle: &str, body: impl FnOnce(&mut Html)) -> String {
    let mut h = Html::new();
    h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\"")
        .attr("content", &content_security_policy())
        .raw("><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\"><meta name=\"generator\" content=\"writ\"><title>")
        .text(title)
        .raw("</title><style>")
        .raw(CSS)
        .raw("</style></head><body><header class=\"top\"><h1>")
        .text(title)
        .raw("</h1><p>")
        .text(subtitle)
        .raw("</p></header><main>");
    body(&mut h);
    h.raw("</main><script>")
        .raw(JS)
        .raw("</script></body></html>\n");
    h.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_assets_cannot_close_their_elements() {
        assert!(!super::CSS.contains("</style"));
        assert!(!super::JS.contains("</script") && !super::JS.contains("<script"));
    }
}
