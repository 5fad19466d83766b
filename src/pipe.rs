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
    // SAFETY: `signal` with SIG_DFL installs no Rust code as a handler; it is
    // called before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// No SIGPIPE outside unix: nothing to do.
#[cfg(not(unix))]
pub fn restore_default_sigpipe() {}

/// Make sure descriptors 0, 1 and 2 are open, on `/dev/null` where they
/// were not, as Rust's runtime does before its `main` (poolwatch starts from
/// the C `main`: see `main.rs`). Else the first file poolwatch opens would
/// get number 1 and a `println!` would write into it.
#[cfg(unix)]
pub fn ensure_standard_fds() {
    for fd in 0..3 {
        // SAFETY: `fcntl(F_GETFD)` only asks whether `fd` is open; `open`
        // gets a NUL-terminated path and opens the lowest free number, which
        // is `fd` (the lower ones are open). Nothing else runs yet.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) == -1 {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            }
        }
    }
}

/// Nothing to make sure of outside unix.
#[cfg(not(unix))]
pub fn ensure_standard_fds() {}
