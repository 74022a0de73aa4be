//! The decide benchmark's allocator: mimalloc (the `writ` binary's), with
//! the bytes allocated counted inside a window only, for the peak heap the
//! benchmark reports.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// The allocator of the `writ` binary, so the figures are the binary's,
/// counted to report peak heap memory. It counts only inside a window
/// ([`count_from_zero`] … [`stop_counting`]: the plan's preparation and
/// [`peak_of`]), never in the timed rounds and loops, so a timed
/// allocation costs what it costs the binary, not three more atomic
/// operations for the counter.
#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// mimalloc, with the live and peak bytes counted while [`COUNTING`].
struct Counting;

/// Whether allocations are counted now.
static COUNTING: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed since the window opened (negative
/// when the window frees memory allocated before it).
static LIVE: AtomicIsize = AtomicIsize::new(0);
/// The highest `LIVE` since the window opened.
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn count(delta: isize) {
    if COUNTING.load(Ordering::Relaxed) {
        let now = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
        if delta > 0 {
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Opens a counting window, from zero.
pub fn count_from_zero() {
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
}

/// Closes the counting window: the bytes still live of those allocated in
/// it (net of what it freed).
pub fn stop_counting() -> usize {
    COUNTING.store(false, Ordering::Relaxed);
    LIVE.load(Ordering::Relaxed).max(0) as usize
}

/// Peak heap bytes above what was live before, while `f` runs once.
pub fn peak_of<R>(f: impl FnOnce() -> R) -> usize {
    count_from_zero();
    std::hint::black_box(f());
    stop_counting();
    PEAK.load(Ordering::Relaxed).max(0) as usize
}
