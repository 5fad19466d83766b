//! Which Management API a server speaks: `/v0/management` (every release up to
//! v7.x, deprecated in v8) or `/v8/management` (v8.0+; upstream
//! `internal/api/server_management_v8.go`), and the version probe (pure).
//!
//! | what | v0 | v8 |
//! |---|---|---|
//! | credential list | `GET /v0/management/auth-files` | `GET /v8/management/credentials` |
//! | api-call | `POST /v0/management/api-call` | `POST /v8/management/requests/api-call` |
//! | API-key usage | `GET /v0/management/api-key-usage` | `GET /v8/management/observability/usage/api-keys` |
//!
//! The answers are the same on both (the v8 routes call the same handlers).
//! poolwatch learns which one a server has once per server version
//! (`X-CPA-VERSION`) and remembers it with the pool state in the cache:
//!
//! * nothing known for this server: the first request of a refresh (the
//!   credential list) tries v8; a 404 (no such route: gin answers before the
//!   key check, so it is never a failed key attempt) falls back to v0 at once;
//! * something known: that API first; if the server no longer has it (a 404,
//!   e.g. an upgrade that dropped v0 or a downgrade to v7), the other;
//! * an HTML page, a redirect or a 5xx to the v8 probe falls back to v0 with a
//!   notice (a reverse proxy that only forwards `/v0`);
//! * a 401/403 is the key's answer on either API: never retried on the other,
//!   so probing costs no extra failed key attempt.

use serde::{Deserialize, Serialize};

/// A Management API generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    V0,
    V8,
}

/// One management endpoint poolwatch uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// The credential (auth file) list.
    Credentials,
    /// The upstream proxy call.
    ApiCall,
    /// Per upstream API key request counts.
    ApiKeyUsage,
}

impl Api {
    /// The path of `endpoint` on this API.
    pub fn path(self, endpoint: Endpoint) -> &'static str {
        match (self, endpoint) {
            (Api::V0, Endpoint::Credentials) => "/v0/management/auth-files",
            (Api::V0, Endpoint::ApiCall) => "/v0/management/api-call",
            (Api::V0, Endpoint::ApiKeyUsage) => "/v0/management/api-key-usage",
            (Api::V8, Endpoint::Credentials) => "/v8/management/credentials",
            (Api::V8, Endpoint::ApiCall) => "/v8/management/requests/api-call",
            (Api::V8, Endpoint::ApiKeyUsage) => "/v8/management/observability/usage/api-keys",
        }
    }

    /// `GET …/plugins/<plugin>/quota` on this API (upstream registers it under
    /// both `/v0/management` and `/v8/management`); `plugin` must be a checked
    /// plugin id ([`crate::api::auth_files::plugin_id`]).
    pub fn plugin_quota_path(self, plugin: &str) -> String {
        let base = match self {
            Api::V0 => "/v0/management",
            Api::V8 => "/v8/management",
        };
        format!("{base}/plugins/{plugin}/quota")
    }

    /// The other generation.
    pub fn other(self) -> Api {
        match self {
            Api::V0 => Api::V8,
            Api::V8 => Api::V0,
        }
    }

    /// `v0` / `v8` (as stored and shown).
    pub fn name(self) -> &'static str {
        match self {
            Api::V0 => "v0",
            Api::V8 => "v8",
        }
    }
}

/// What poolwatch remembers about a server's API (stored with the pool state).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learned {
    /// `X-CPA-VERSION` the API was learned with (None: the server sent none).
    #[serde(default)]
    pub version: Option<String>,
    /// The API that answered; None: not known (probe v8 first).
    #[serde(default)]
    pub api: Option<Api>,
}

/// The API to try first for a server about which `learned` is known.
pub fn first_choice(learned: Option<&Learned>) -> Api {
    learned.and_then(|l| l.api).unwrap_or(Api::V8)
}

/// How the answer of one list request steers the probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeVerdict {
    /// The answer counts (a success, or an error that is the same on both APIs:
    /// a key failure, a ban, `remote management disabled`, a bad body...).
    Answer,
    /// No such route here: try the other API, silently.
    Missing,
    /// Something in front of the server answered (HTML, a redirect, a 5xx):
    /// try the other API and say so.
    Odd,
}

/// Judge the answer to a list request sent to `tried`. `body` is the raw answer.
pub fn judge(tried: Api, status: u16, body: &str, html: bool) -> ProbeVerdict {
    match status {
        401 | 403 => ProbeVerdict::Answer,
        // A server without a management key answers an empty 404 on every
        // management route, whatever the API: that is the answer.
        404 if body.trim().is_empty() => ProbeVerdict::Answer,
        404 | 405 => ProbeVerdict::Missing,
        300..=399 => ProbeVerdict::Odd,
        500..=599 if tried == Api::V8 => ProbeVerdict::Odd,
        200..=299 if html && tried == Api::V8 => ProbeVerdict::Odd,
        _ => ProbeVerdict::Answer,
    }
}

/// What to remember after a list request answered on `used` by a server of
/// `version`. A v0 answer from a server whose version changed is not a
/// verdict about v8 (the answer came from what was tried first): forget, so
/// the next refresh probes v8 once for the new version.
pub fn learn(
    previous: Option<&Learned>,
    used: Api,
    probed_v8: bool,
    version: Option<&str>,
) -> Learned {
    let same_version = previous.is_some_and(|p| p.version.as_deref() == version);
    let api = match used {
        Api::V8 => Some(Api::V8),
        Api::V0 if probed_v8 || same_version => Some(Api::V0),
        Api::V0 => None,
    };
    Learned {
        version: version.map(str::to_string),
        api,
    }
}

/// True when a server of this `X-CPA-VERSION` may page its credential list
/// (v7.3 and later; an unreadable version may).
pub fn pages_from(version: &str) -> bool {
    let mut parts = version
        .trim()
        .trim_start_matches(['v', 'V'])
        .split(['.', '-', '+'])
        .map(|p| p.parse::<u64>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= (7, 3),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_both_generations() {
        assert_eq!(
            Api::V8.path(Endpoint::Credentials),
            "/v8/management/credentials"
        );
        assert_eq!(
            Api::V8.path(Endpoint::ApiCall),
            "/v8/management/requests/api-call"
        );
        assert_eq!(
            Api::V8.path(Endpoint::ApiKeyUsage),
            "/v8/management/observability/usage/api-keys"
        );
        assert_eq!(
            Api::V0.path(Endpoint::Credentials),
            "/v0/management/auth-files"
        );
    }

    #[test]
    fn verdicts() {
        assert_eq!(
            judge(Api::V8, 404, "404 page not found", false),
            ProbeVerdict::Missing
        );
        assert_eq!(judge(Api::V8, 404, "", false), ProbeVerdict::Answer);
        assert_eq!(judge(Api::V8, 401, "{}", false), ProbeVerdict::Answer);
        assert_eq!(judge(Api::V8, 403, "{}", false), ProbeVerdict::Answer);
        assert_eq!(judge(Api::V8, 302, "", false), ProbeVerdict::Odd);
        assert_eq!(judge(Api::V8, 502, "", false), ProbeVerdict::Odd);
        assert_eq!(judge(Api::V0, 502, "", false), ProbeVerdict::Answer);
        assert_eq!(judge(Api::V8, 200, "<html>", true), ProbeVerdict::Odd);
        assert_eq!(
            judge(Api::V8, 200, "{\"files\":[]}", false),
            ProbeVerdict::Answer
        );
        assert_eq!(
            judge(Api::V0, 404, "404 page not found", false),
            ProbeVerdict::Missing
        );
    }

    #[test]
    fn paging_from_v7_3() {
        assert!(!pages_from("7.2.140"));
        assert!(!pages_from("v6.8.15"));
        assert!(pages_from("7.3.0"));
        assert!(pages_from("8.0.23"));
        assert!(pages_from("dev"));
    }

    #[test]
    fn learning_once_per_version() {
        assert_eq!(first_choice(None), Api::V8);
        let v0 = learn(None, Api::V0, true, Some("7.2.140"));
        assert_eq!(v0.api, Some(Api::V0));
        assert_eq!(first_choice(Some(&v0)), Api::V0);
        // Same version, v0 again: still v0, no probe.
        assert_eq!(learn(Some(&v0), Api::V0, false, Some("7.2.140")), v0);
        // Upgraded: v0 answered because it was tried first; probe v8 next time.
        let upgraded = learn(Some(&v0), Api::V0, false, Some("8.0.3"));
        assert_eq!(upgraded.api, None);
        assert_eq!(first_choice(Some(&upgraded)), Api::V8);
        assert_eq!(
            learn(Some(&upgraded), Api::V8, true, Some("8.0.3")).api,
            Some(Api::V8)
        );
    }
}
