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

/// Make sure descriptors 0, 1 and 2 are open, on `/dev/null` where they
/// were not, as Rust's runtime does before its `main` (poolwatch starts from
/// the C `main`: see `main.rs`). Else the first file poolwatch opens would
/// get number 1 and a `println!` would write into it.
#[cfg(unix)]
pub fn ensure_standard_fds() {
    extern "C" {
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
        fn open(path: *const std::ffi::c_char, flags: i32, ...) -> i32;
    }
    /// `F_GETFD` and `O_RDWR` are 1 and 2 on Linux, macOS and the BSDs.
    const F_GETFD: i32 = 1;
    const O_RDWR: i32 = 2;
    for fd in 0..3 {
        // SAFETY: `fcntl(F_GETFD)` only asks whether `fd` is open; `open`
        // gets a NUL-terminated path and opens the lowest free number, which
        // is `fd` (the lower ones are open). Nothing else runs yet.
        unsafe {
            if fcntl(fd, F_GETFD) == -1 {
                open(c"/dev/null".as_ptr(), O_RDWR);
            }
        }
    }
}

/// Nothing to make sure of outside unix.
#[cfg(not(unix))]
pub fn ensure_standard_fds() {}
