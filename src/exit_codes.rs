//! Process exit codes of the non-plugin commands (`plugin` always exits 0,
//! because SwiftBar discards the output of a failed run).

/// Everything worked.
pub const OK: i32 = 0;
/// An unexpected failure (I/O error, bug).
pub const FAILURE: i32 = 1;
/// Bad command line (clap's own code).
pub const USAGE: i32 = 2;
/// Bad or missing settings, or no management key.
pub const CONFIG: i32 = 3;
/// The pool rejected the management key (401/403, IP ban): fix the key; do not loop on this.
pub const AUTH: i32 = 4;
/// The pool could not be reached or was too slow.
pub const UNREACHABLE: i32 = 5;
/// The pool answered, but not as the Management API does (HTML, 404, 5xx, bad JSON).
pub const BAD_RESPONSE: i32 = 6;
/// Data was shown, but some accounts could not be refreshed (their values are stale).
pub const PARTIAL: i32 = 7;

/// `guard`: the pool's share left is below `--min-remaining`.
pub const GUARD_BELOW: i32 = 1;
/// `guard`: a usage error (sysexits' EX_USAGE).
pub const GUARD_USAGE: i32 = 64;
/// `guard`: the pool cannot be read (sysexits' EX_UNAVAILABLE).
pub const GUARD_UNAVAILABLE: i32 = 69;

/// The exit code for a fetch failure.
pub fn for_fetch_error(err: &crate::api::error::FetchError) -> i32 {
    use crate::api::error::FetchError;
    match err {
        FetchError::Auth(_) => AUTH,
        FetchError::Unreachable(_) | FetchError::Deadline { .. } | FetchError::Tls(_) => {
            UNREACHABLE
        }
        FetchError::ManagementDisabled
        | FetchError::ServerTooOld { .. }
        | FetchError::Http { .. }
        | FetchError::BadResponse(_)
        | FetchError::Redirect { .. }
        | FetchError::TooLarge { .. } => BAD_RESPONSE,
    }
}
