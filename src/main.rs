//! The `poolwatch` binary: parse the command line and run it.
//!
//! The entry point is the C `main`, not Rust's: the runtime set-up Rust
//! runs before `fn main` (it reads `/proc/self/maps` to find the main
//! thread's stack and installs an alternate signal stack for a stack
//! overflow message) is ~0.13 ms, a sixth of `cat`, and SwiftBar starts
//! this binary every minute for a menu that should cost no more than 3x
//! `cat` (docs/performance.md). What that set-up did that matters here is
//! kept: the standard descriptors are made sure to exist
//! (`pipe::ensure_standard_fds`), a panic still exits 101 after its message,
//! and output is flushed by `process::exit`. A stack overflow now ends in a
//! plain SIGSEGV instead of that message.
// (The test harness brings its own `main`.)
#![cfg_attr(not(test), no_main)]

use poolwatch::cli::Cli;

/// The process entry, called by the C runtime.
#[cfg(not(test))]
#[no_mangle]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    poolwatch::pipe::ensure_standard_fds();
    // `poolwatch snapshot | head -c1`: end quietly instead of panicking on EPIPE.
    poolwatch::pipe::restore_default_sigpipe();
    // A panic has printed its message by now; exit as Rust's `main` would.
    let code = std::panic::catch_unwind(run).unwrap_or(101);
    std::process::exit(code)
}

/// Parse the command line and run it; the exit code.
#[cfg_attr(test, allow(dead_code))]
fn run() -> i32 {
    let cli = match Cli::try_parse_args() {
        Ok(cli) => cli,
        Err(error) => {
            // SwiftBar discards the output of a failed run: in plugin mode even a
            // bad command line (or a bad POOLWATCH_* variable) becomes a menu.
            if std::env::args().skip(1).any(|a| a == "plugin") && error.use_stderr() {
                print!(
                    "{}",
                    poolwatch::commands::command_line_error_menu(&error.to_string())
                );
                std::process::exit(0);
            }
            // `guard` is for scripts: its usage errors exit 64 (sysexits' EX_USAGE).
            if std::env::args().skip(1).any(|a| a == "guard") && error.use_stderr() {
                let _ = error.print();
                std::process::exit(poolwatch::exit_codes::GUARD_USAGE);
            }
            error.exit();
        }
    };
    poolwatch::commands::run(cli)
}
