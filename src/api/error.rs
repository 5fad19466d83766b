//! Errors of a pool fetch, each with a message that says what to do.

use crate::tr;
use std::fmt;

use crate::secrets;

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
    /// 404 on `/v0/management/api-call`: the server predates v6.6.63 and cannot report quota.
    ServerTooOld { version: Option<String> },
    /// Could not connect, or the connection broke / timed out.
    Unreachable(String),
    /// The overall deadline passed before the account list arrived.
    Deadline { seconds: u64 },
    /// An HTTP error status other than 401/403.
    Http { status: u16, message: String },
    /// The answer was not what the Management API sends (HTML, not JSON, ...).
    BadResponse(String),
    /// The pool URL (or api-call) answered a redirect: never followed, since
    /// the key would be dropped or sent elsewhere. `location` is redacted.
    Redirect { status: u16, location: String },
    /// The TLS handshake with the pool failed (the message names why).
    Tls(String),
    /// The account list is larger than poolwatch reads (`mib` MiB).
    TooLarge { mib: usize },
}

impl FetchError {
    /// True for failures that must not be retried automatically (key rejected).
    pub fn is_auth(&self) -> bool {
        matches!(self, FetchError::Auth(_))
    }

    /// True when the server counted this answer as a failed key attempt
    /// (toward its 5-failure IP ban): a missing, wrong or otherwise refused key.
    pub fn is_failed_key_attempt(&self) -> bool {
        matches!(
            self,
            FetchError::Auth(
                AuthFailure::MissingKey | AuthFailure::InvalidKey | AuthFailure::Other { .. }
            )
        )
    }

    /// The server's IP ban and its length in seconds (when its text says it).
    pub fn ban_seconds(&self) -> Option<Option<i64>> {
        match self {
            FetchError::Auth(AuthFailure::Banned { retry_in }) => {
                Some(retry_in.as_deref().and_then(wait_seconds))
            }
            _ => None,
        }
    }

    /// A short title for menus ("Key rejected", "Server unreachable", ...).
    pub fn title(&self) -> String {
        match self {
            FetchError::Auth(AuthFailure::Banned { .. }) => tr!("fetch.title_banned"),
            FetchError::Auth(AuthFailure::RemoteDisabled | AuthFailure::RemoteKeyNotSet) => {
                tr!("fetch.title_remote_disabled")
            }
            FetchError::Auth(_) => tr!("fetch.title_key_rejected"),
            FetchError::ManagementDisabled => tr!("fetch.title_management_disabled"),
            FetchError::ServerTooOld { .. } => tr!("fetch.title_too_old"),
            FetchError::Unreachable(_) => tr!("fetch.title_unreachable"),
            FetchError::Deadline { .. } => tr!("fetch.title_deadline"),
            FetchError::Http { .. } => tr!("fetch.title_http"),
            FetchError::BadResponse(_) => tr!("fetch.title_bad_response"),
            FetchError::Redirect { .. } => tr!("fetch.title_redirect"),
            FetchError::TooLarge { .. } => tr!("fetch.title_too_large"),
            FetchError::Tls(_) => tr!("fetch.title_tls"),
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            FetchError::Auth(AuthFailure::MissingKey) => {
                tr!("fetch.missing_key", hint = secrets::key_hint())
            }
            FetchError::Auth(AuthFailure::InvalidKey) => {
                tr!("fetch.invalid_key", hint = secrets::key_hint())
            }
            FetchError::Auth(AuthFailure::Banned { retry_in }) => match retry_in {
                Some(wait) => tr!("fetch.banned_wait", wait = wait),
                None => tr!("fetch.banned"),
            },
            FetchError::Auth(AuthFailure::RemoteDisabled) => tr!("fetch.remote_disabled"),
            FetchError::Auth(AuthFailure::RemoteKeyNotSet) => tr!("fetch.remote_key_not_set"),
            FetchError::Auth(AuthFailure::Other { status }) => {
                tr!("fetch.refused", status = status, hint = secrets::key_hint())
            }
            FetchError::ManagementDisabled => tr!("fetch.management_disabled"),
            FetchError::ServerTooOld { version } => match version {
                Some(version) => tr!("fetch.too_old_version", version = version),
                None => tr!("fetch.too_old"),
            },
            FetchError::Unreachable(detail) => tr!("fetch.unreachable", detail = detail),
            FetchError::Deadline { seconds } => tr!("fetch.deadline", seconds = seconds),
            FetchError::Http { status, message } if message.is_empty() => {
                tr!("fetch.http", status = status)
            }
            FetchError::Http { status, message } => {
                tr!("fetch.http_message", status = status, message = message)
            }
            FetchError::BadResponse(detail) => detail.clone(),
            FetchError::Redirect { location, .. } if location.is_empty() => {
                tr!("fetch.redirect_nowhere")
            }
            FetchError::Redirect { status, location } => {
                tr!("fetch.redirect", status = status, location = location)
            }
            FetchError::TooLarge { mib } => tr!("fetch.too_large", mib = mib),
            FetchError::Tls(detail) => detail.clone(),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for FetchError {}

/// Seconds of a Go duration as the server writes it: `29m59s`, `1h0m0s`,
/// `45s`, `1.5s`, `500ms`, `2h`. None when the text is not such a duration.
pub fn wait_seconds(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('.');
    let mut total = 0.0_f64;
    let mut rest = text;
    let mut any = false;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * scale;
        any = true;
    }
    (any && total.is_finite() && total <= 86_400.0 * 365.0).then(|| total.ceil() as i64)
}

/// A TLS failure, as the user can act on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsProblem {
    /// The certificate is signed by no authority this machine trusts (self-signed, private CA).
    Untrusted,
    /// The certificate expired or is not valid yet.
    Expired,
    /// The certificate is for another host name.
    WrongHost,
    /// The server answered plain HTTP to the TLS handshake (an http server on an https URL).
    PlainHttp,
    /// Any other TLS handshake failure.
    Other,
}

impl TlsProblem {
    /// What to tell the user.
    pub fn message(self) -> String {
        match self {
            TlsProblem::Untrusted => tr!("net.tls_untrusted"),
            TlsProblem::Expired => tr!("net.tls_expired"),
            TlsProblem::WrongHost => tr!("net.tls_wrong_host"),
            TlsProblem::PlainHttp => tr!("net.tls_plain_http"),
            TlsProblem::Other => tr!("net.tls_other"),
        }
    }
}

/// The TLS problem behind a transport error, if it is one: the error's
/// sources are read for rustls' and the certificate verifier's wording.
pub fn tls_problem(err: &(dyn std::error::Error + 'static)) -> Option<TlsProblem> {
    let mut texts = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        texts.push(e.to_string());
        next = e.source();
    }
    classify_tls(&texts.join(" | "))
}

/// [`tls_problem`] on the joined texts of an error chain.
pub fn classify_tls(text: &str) -> Option<TlsProblem> {
    let lower = text.to_ascii_lowercase();
    let has = |needle: &str| lower.contains(needle);
    if has("corrupt message") || has("invalidcontenttype") || has("invalidmessage") {
        Some(TlsProblem::PlainHttp)
    } else if has("not valid for name") || has("notvalidforname") {
        Some(TlsProblem::WrongHost)
    } else if has("certificate expired")
        || has("expired")
        || has("not valid yet")
        || has("notvalidyet")
    {
        Some(TlsProblem::Expired)
    } else if has("invalid peer certificate")
        || has("unknownissuer")
        || has("certificate") && has("untrusted")
    {
        Some(TlsProblem::Untrusted)
    } else if has("tls") || has("handshake") || has("peer is incompatible") || has("fatal alert") {
        Some(TlsProblem::Other)
    } else {
        None
    }
}

/// Classify a 401/403 answer of the Management API from its `{"error": "..."}` text.
pub fn classify_auth(status: u16, error_text: &str) -> AuthFailure {
    let lower = error_text.to_ascii_lowercase();
    if lower.contains("banned") {
        let retry_in = lower
            .split("try again in")
            .nth(1)
            .map(|rest| {
                rest.split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('.')
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
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
            classify_auth(403, "IP banned. Try again in 1h0m0s. Contact the admin"),
            AuthFailure::Banned {
                retry_in: Some("1h0m0s".into())
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
            .contains(&crate::secrets::key_hint()));
        assert!(FetchError::ManagementDisabled
            .to_string()
            .contains("secret-key"));
        assert!(banned.is_auth());
        assert!(!FetchError::ManagementDisabled.is_auth());
    }

    #[test]
    fn ban_and_remote_disabled_are_not_fix_the_key_messages() {
        let banned = FetchError::Auth(AuthFailure::Banned {
            retry_in: Some("29m59s".into()),
        });
        let remote = FetchError::Auth(AuthFailure::RemoteDisabled);
        for error in [&banned, &remote] {
            let text = error.to_string();
            assert!(!text.contains("set-key"), "{text}");
            assert!(!error.is_failed_key_attempt());
        }
        assert!(banned.to_string().contains("tries once more by itself"));
        assert!(remote.to_string().contains("the key is not the problem"));
        let invalid = FetchError::Auth(AuthFailure::InvalidKey);
        assert!(invalid.is_failed_key_attempt());
        assert!(invalid.to_string().contains("will not send this key again"));
        assert!(invalid.to_string().contains("refresh --retry-key"));
        assert_eq!(banned.ban_seconds(), Some(Some(29 * 60 + 59)));
        assert_eq!(invalid.ban_seconds(), None);
        let old = FetchError::ServerTooOld {
            version: Some("v6.5.0".into()),
        };
        assert_eq!(old.title(), "CLIProxyAPI too old");
        assert!(old.to_string().contains("v6.6.63"), "{old}");
    }

    #[test]
    fn tls_failures_are_named_by_what_they_are() {
        let cases = [
            ("error sending request | client error (Connect) | received corrupt message of type InvalidContentType", Some(TlsProblem::PlainHttp)),
            ("invalid peer certificate: UnknownIssuer", Some(TlsProblem::Untrusted)),
            ("invalid peer certificate: certificate expired: verification time 1 (UNIX)", Some(TlsProblem::Expired)),
            ("invalid peer certificate: certificate not valid for name \"a\"; certificate is only valid for b", Some(TlsProblem::WrongHost)),
            ("invalid peer certificate: NotValidForName", Some(TlsProblem::WrongHost)),
            ("received fatal alert: HandshakeFailure", Some(TlsProblem::Other)),
            ("tcp connect error: Connection refused (os error 111)", None),
        ];
        for (text, expected) in cases {
            assert_eq!(classify_tls(text), expected, "{text}");
        }
        for problem in [
            TlsProblem::Untrusted,
            TlsProblem::Expired,
            TlsProblem::WrongHost,
            TlsProblem::PlainHttp,
        ] {
            assert!(
                !problem.message().contains("refused"),
                "{}",
                problem.message()
            );
        }
    }

    #[test]
    fn redirects_and_large_pools_say_what_to_do() {
        let redirect = FetchError::Redirect {
            status: 301,
            location: "https://pool.example.com/v0/management/auth-files".into(),
        };
        assert!(
            redirect.to_string().contains("https://pool.example.com"),
            "{redirect}"
        );
        assert!(redirect.to_string().contains("pool_url"), "{redirect}");
        assert!(!redirect.is_failed_key_attempt() && !redirect.is_auth());
        let large = FetchError::TooLarge { mib: 256 };
        assert!(large.to_string().contains("too large"), "{large}");
        assert!(!large.to_string().contains("is pool_url"), "{large}");
    }

    #[test]
    fn go_durations_of_the_ban_text() {
        assert_eq!(wait_seconds("29m59s"), Some(1799));
        assert_eq!(wait_seconds("30m0s"), Some(1800));
        assert_eq!(wait_seconds("1h0m0s"), Some(3600));
        assert_eq!(wait_seconds("1h2m3s."), Some(3723));
        assert_eq!(wait_seconds("2h"), Some(7200));
        assert_eq!(wait_seconds("45s"), Some(45));
        assert_eq!(wait_seconds("1.5s"), Some(2));
        assert_eq!(wait_seconds("500ms"), Some(1));
        assert_eq!(wait_seconds(""), None);
        assert_eq!(wait_seconds("soon"), None);
        assert_eq!(wait_seconds("12x"), None);
        assert_eq!(wait_seconds("m5"), None);
    }
}
