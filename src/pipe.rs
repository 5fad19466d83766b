//! Ending quietly when the reader of our output goes away.
//!
//! `poolwatch snapshot | head -c1` closes the pipe while poolwatch is still
//! writing. Rust ignores SIGPIPE by default, so the write fails with EPIPE
//! and `println!` panics ("failed printing to stdout: Broken pipe"). Every
//! command prints through `println!`/`print!`, so the fix is central: restore
//! the default SIGPIPE action at start-up, and the process ends the way `cat`
//! or `head` do when their reader leaves (terminated by SIGPIPE, no message).
//!
//! Nothing is lost by that: files (cache, snapshot, settings) are written
//! atomically (temp file + rename) before anything is printed, and the lock
//! is released by the OS when the process ends.

/// Restore the default action of SIGPIPE (terminate quietly). Call once, first thing in `main`.
#[cfg(unix)]
pub fn restore_default_sigpipe() {
    // std links the C library on every unix; `signal` is POSIX. Declared
    // here to avoid a dependency for one call.
    extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    /// SIGPIPE is 13 on Linux, macOS and the BSDs.
    const SIGPIPE: i32 = 13;
    /// SIG_DFL is the null handler.
    const SIG_DFL: usize = 0;
    // SAFETY: `signal` with SIG_DFL installs no Rust code as a handler; it is
    // called before any other thread exists.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

/// No SIGPIPE outside unix: nothing to do.
#[cfg(not(unix))]
pub fn restore_default_sigpipe() {}
