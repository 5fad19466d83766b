//! Errors of a pool fetch, each with a message that says what to do.

use std::fmt;

/// Why the management key was rejected. Every variant is latched by the
/// caller: poolwatch never retries these on its own, because CLIProxyAPI bans
/// an IP for 30 minutes after 5 failed key attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    /// 401 `missing management key`.
    MissingKey,
    /// 401 `invalid management key`.
    InvalidKey,
    /// 403 `IP banned due to too many failed attempts. Try again in ...`.
    Banned { retry_in: Option<String> },
    /// 403 `remote management disabled`.
    RemoteDisabled,
    /// 403 `remote management key not set`.
    RemoteKeyNotSet,
    /// Any other 401/403.
    Other { status: u16 },
}

/// A failure that stops the whole fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// 401/403 from the Management API.
    Auth(AuthFailure),
    /// 404 with an empty body on management routes: the server has no management key.
    ManagementDisabled,
    /// Could not connect, or the connection broke / timed out.
    Unreachable(String),
    /// The overall deadline passed before the account list arrived.
    Deadline { seconds: u64 },
    /// An HTTP error status other than 401/403.
    Http { status: u16, message: String },
    /// The answer was not what the Management API sends (HTML, not JSON, ...).
    BadResponse(String),
}

impl FetchError {
    /// True for failures that must not be retried automatically (key rejected).
    pub fn is_auth(&self) -> bool {
        matches!(self, FetchError::Auth(_))
    }

    /// A short title for menus ("Key rejected", "Server unreachable", ...).
    pub fn title(&self) -> &'static str {
        match self {
            FetchError::Auth(AuthFailure::Banned { .. }) => "IP banned by the pool",
            FetchError::Auth(AuthFailure::RemoteDisabled | AuthFailure::RemoteKeyNotSet) => {
                "Remote management disabled"
            }
            FetchError::Auth(_) => "Management key rejected",
            FetchError::ManagementDisabled => "Management API disabled",
            FetchError::Unreachable(_) => "Pool unreachable",
            FetchError::Deadline { .. } => "Pool too slow",
            FetchError::Http { .. } => "Pool error",
            FetchError::BadResponse(_) => "Unexpected answer",
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Auth(AuthFailure::MissingKey) => write!(
                f,
                "the pool wants a management key and none was sent: run `poolwatch config set-key`"
            ),
            FetchError::Auth(AuthFailure::InvalidKey) => write!(
                f,
                "the pool rejected the management key (401 invalid management key). \
                 poolwatch will not retry on its own (5 failures ban this IP for 30 min): \
                 fix it with `poolwatch config set-key`, then Refresh now (or `poolwatch refresh`)"
            ),
            FetchError::Auth(AuthFailure::Banned { retry_in }) => {
                write!(
                    f,
                    "the pool has banned this IP after too many failed key attempts"
                )?;
                if let Some(wait) = retry_in {
                    write!(f, "; try again in {wait}")?;
                }
                write!(
                    f,
                    ". Check the key with `poolwatch config set-key` before retrying"
                )
            }
            FetchError::Auth(AuthFailure::RemoteDisabled) => write!(
                f,
                "the pool refuses remote management (403 remote management disabled): set \
                 `remote-management.allow-remote: true` in CLIProxyAPI's config.yaml or use a \
                 loopback URL"
            ),
            FetchError::Auth(AuthFailure::RemoteKeyNotSet) => write!(
                f,
                "the pool has no remote management key (403 remote management key not set): \
                 set `remote-management.secret-key` in CLIProxyAPI's config.yaml"
            ),
            FetchError::Auth(AuthFailure::Other { status }) => write!(
                f,
                "the pool refused access (HTTP {status}); poolwatch will not retry on its own: \
                 check the key with `poolwatch config set-key`, then Refresh now (or `poolwatch refresh`)"
            ),
            FetchError::ManagementDisabled => write!(
                f,
                "the pool answered 404 on the Management API: it has no management key set. \
                 Set `remote-management.secret-key` in CLIProxyAPI's config.yaml and restart it"
            ),
            FetchError::Unreachable(detail) => {
                write!(
                    f,
                    "cannot reach the pool: {detail}. Is CLIProxyAPI running and pool_url right?"
                )
            }
            FetchError::Deadline { seconds } => write!(
                f,
                "the pool did not answer within the {seconds} s deadline (raise deadline_seconds?)"
            ),
            FetchError::Http { status, message } => {
                write!(f, "the pool answered HTTP {status}")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            FetchError::BadResponse(detail) => write!(f, "{detail}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// Classify a 401/403 answer of the Management API from its `{"error": "..."}` text.
pub fn classify_auth(status: u16, error_text: &str) -> AuthFailure {
    let lower = error_text.to_ascii_lowercase();
    if lower.contains("banned") {
        let retry_in = lower
            .split("try again in")
            .nth(1)
            .map(|rest| {
                rest.trim()
                    .trim_end_matches('.')
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .take(16)
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty());
        AuthFailure::Banned { retry_in }
    } else if lower.contains("remote management disabled") {
        AuthFailure::RemoteDisabled
    } else if lower.contains("remote management key not set") {
        AuthFailure::RemoteKeyNotSet
    } else if lower.contains("missing management key") {
        AuthFailure::MissingKey
    } else if lower.contains("invalid management key") {
        AuthFailure::InvalidKey
    } else {
        AuthFailure::Other { status }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_documented_auth_error() {
        assert_eq!(
            classify_auth(
                403,
                "IP banned due to too many failed attempts. Try again in 29m59s"
            ),
            AuthFailure::Banned {
                retry_in: Some("29m59s".into())
            }
        );
        assert_eq!(
            classify_auth(403, "remote management disabled"),
            AuthFailure::RemoteDisabled
        );
        assert_eq!(
            classify_auth(403, "remote management key not set"),
            AuthFailure::RemoteKeyNotSet
        );
        assert_eq!(
            classify_auth(401, "missing management key"),
            AuthFailure::MissingKey
        );
        assert_eq!(
            classify_auth(401, "invalid management key"),
            AuthFailure::InvalidKey
        );
        assert_eq!(
            classify_auth(403, "forbidden"),
            AuthFailure::Other { status: 403 }
        );
    }

    #[test]
    fn messages_say_what_to_do() {
        let banned = FetchError::Auth(AuthFailure::Banned {
            retry_in: Some("12m3s".into()),
        });
        assert!(banned.to_string().contains("try again in 12m3s"));
        assert!(FetchError::Auth(AuthFailure::InvalidKey)
            .to_string()
            .contains("poolwatch config set-key"));
        assert!(FetchError::ManagementDisabled
            .to_string()
            .contains("secret-key"));
        assert!(banned.is_auth());
        assert!(!FetchError::ManagementDisabled.is_auth());
    }
}
