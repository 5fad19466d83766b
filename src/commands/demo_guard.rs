//! `--demo` never writes: commands that would change a file, the Keychain or
//! a plugin folder refuse to run in demo mode.

use super::Globals;
use crate::exit_codes;

/// `Some(exit code)` (with a message on stderr) when `command` must not run
/// because `--demo` is on.
pub fn refuse(globals: &Globals, command: &str) -> Option<i32> {
    if !globals.demo {
        return None;
    }
    eprintln!(
        "poolwatch: {}",
        crate::tr!("cfg.demo_never_writes", command = command)
    );
    Some(exit_codes::USAGE)
}
