//! `writ`: one binary for every verb of the policy engine.

use writ::cli;

/// mimalloc: writ allocates many small strings (graph ids, proof trees);
/// it halves the allocation cost of a decision against the system allocator
/// (`cargo bench -p writ-runtime --bench decide`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    cli::main()
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`writ graph stats |
/// head`) would panic; restore the default so the process ends quietly, as
/// command-line tools do.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any other
    // thread exists has no memory-safety effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
