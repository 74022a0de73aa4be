//! The digest hint: a 32-byte file in the cache folder, named from a few
//! cheap facts about plan bytes (their length, first and last 64 KiB),
//! holding the sha256 of the last plan with those facts whose cache was
//! hit or written. It lets a warm run read and check the cache file of
//! the hinted digest while the plan's own sha256 (tens of milliseconds
//! for a large plan) is computed on another thread.
//!
//! A hint is never trusted: whatever was read under it is used only if
//! the plan's digest, computed from the very bytes that are then used,
//! is the hinted one; otherwise the cache of the real digest is looked up
//! as without a hint. A hint that is wrong, damaged, missing or refused
//! (the same owner checks as a cache file) costs only the time of the
//! lookup done in turn, never a decision.

use super::{PlanCache, open_private, write_private};
use sha2::{Digest, Sha256};
use std::io::Read;

/// How much of each end of the plan names its hint.
const END: usize = 64 * 1024;

/// The hint's file name for plan bytes (a byte order mark removed):
/// sha256 of a label, their length and their first and last [`END`]
/// bytes, hex, `.hint`.
pub(super) fn name(plan: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"writ-prepared-cache-hint/1\n");
    h.update((plan.len() as u64).to_le_bytes());
    h.update(&plan[..plan.len().min(END)]);
    h.update(&plan[plan.len().saturating_sub(END)..]);
    let digest: [u8; 32] = h.finalize().into();
    format!("{}.hint", writ_plan::hex(&digest))
}

/// The digest the hint `name` holds; `None` when there is none or it
/// cannot be used (refused by the owner checks, or not 32 bytes).
pub(super) fn read(cache: &PlanCache, name: &str) -> Option<[u8; 32]> {
    let (file, meta) = open_private(&cache.dir().join(name)).ok()??;
    if meta.len() != 32 {
        return None;
    }
    let mut digest = [0u8; 32];
    file.take(32).read_exact(&mut digest).ok()?;
    Some(digest)
}

/// Writes the hint `name` for `digest` (atomically, like a cache file).
/// A hint that cannot be written is not reported: it only saves time, and
/// the cache it would point to was just read or written.
pub(super) fn write(cache: &PlanCache, name: &str, digest: &[u8; 32]) {
    let _ = write_private(cache, &cache.dir().join(name), digest);
}
