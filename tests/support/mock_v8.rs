//! The mock's CLIProxyAPI releases after v7.2.140 (included by `mock_server.rs` as
//! `mock_server::v8`). SPEC.md §9, upstream `internal/api/server_management_v8.go`:
//!
//! * [`ServerShape::V7_2_140`] (the default, today's mock): `/v0/management` only, no
//!   paging, no observations.
//! * [`ServerShape::V7_3`] (v7.3.x): `/v0` only; the list pages on `page`/`page_size`
//!   (the answer is still `files`, no total) and entries carry passive `quota`
//!   observations (`{observed_at, signals}`) and `model_quotas`.
//! * [`ServerShape::V8`] (v8.0.x): `/v8/management/credentials`,
//!   `/v8/management/requests/api-call`, `/v8/management/observability/usage/api-keys`
//!   next to the deprecated `/v0` routes; pages answer with `total`.
//! * [`ServerShape::V8Only`]: v8 without `/v0` (what "the day v0 is gone" looks like).
//!
//! A route a server does not have answers gin's `404 page not found` before any key
//! check (no failed attempt), like upstream's NoRoute.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// A CLIProxyAPI release line the mock imitates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServerShape {
    #[default]
    V7_2_140,
    V7_3,
    V8,
    V8Only,
}

impl ServerShape {
    /// Every shape, oldest first (tests run against each).
    pub const ALL: [ServerShape; 4] = [
        ServerShape::V7_2_140,
        ServerShape::V7_3,
        ServerShape::V8,
        ServerShape::V8Only,
    ];

    /// The `X-CPA-VERSION` this shape sends.
    pub fn version(self) -> &'static str {
        match self {
            ServerShape::V7_2_140 => "7.2.140",
            ServerShape::V7_3 => "7.3.8",
            ServerShape::V8 | ServerShape::V8Only => "8.0.23",
        }
    }

    pub fn serves_v0(self) -> bool {
        self != ServerShape::V8Only
    }

    pub fn serves_v8(self) -> bool {
        matches!(self, ServerShape::V8 | ServerShape::V8Only)
    }

    /// Pages the credential list on `page`/`page_size`.
    pub fn pages(self) -> bool {
        self != ServerShape::V7_2_140
    }

    /// Puts passive quota observations on credential entries.
    pub fn observes(self) -> bool {
        self != ServerShape::V7_2_140
    }
}

/// Something in front of the server answering every `/v8` request (a proxy that
/// only forwards `/v0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum V8Fault {
    /// 200 `text/html`.
    Html,
    /// 302 to a login page.
    Redirect,
    /// This status with an HTML body (e.g. 502 from nginx).
    Status(u16),
}

/// The post-v7.2.140 part of [`super::MockConfig`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct V8Mock {
    pub shape: ServerShape,
    /// The `quota` object of an account's entry, by auth file name (shapes that observe).
    pub observations: BTreeMap<String, Value>,
    /// The `model_quotas` object of an account's entry, by auth file name.
    pub model_quotas: BTreeMap<String, Value>,
    /// Answered to every `/v8` request, before the key check.
    pub v8_fault: Option<V8Fault>,
    /// Quota plugins by auth file name (v8 shapes): the entry says
    /// `supports_quota` + `quota_provider`, `GET …/plugins/:id/quota` answers.
    pub plugins: BTreeMap<String, PluginMock>,
}

/// A quota plugin answering for one account (upstream `GET /plugins/:id/quota`).
#[derive(Clone, Debug, PartialEq)]
pub struct PluginMock {
    /// The plugin id (`quota_provider` of the entry, `:id` of the route).
    pub id: String,
    /// Status and body of the quota answer.
    pub status: u16,
    pub body: String,
}

impl PluginMock {
    /// A plugin answering 200 with `body` (the normalized snapshot).
    pub fn ok(id: &str, body: Value) -> Self {
        PluginMock {
            id: id.to_string(),
            status: 200,
            body: body.to_string(),
        }
    }
}

/// What the mock saw of the two API generations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct V8Stats {
    /// Requests to `/v0/management/*` (any outcome).
    pub v0_requests: u64,
    /// Requests to `/v8/management/*` (any outcome).
    pub v8_requests: u64,
    /// Requests answered 404 because this shape has no such route.
    pub missing_routes: u64,
    /// Credential list requests that asked for a page.
    pub page_requests: u64,
    /// `GET …/plugins/:id/quota` requests (any outcome).
    pub plugin_quota_requests: u64,
}

/// How the mock treats one request path.
pub enum PathRoute {
    /// Serve it as this `/v0/management/…` path (same handlers on both APIs).
    Serve(String),
    /// This shape has no such route: gin's 404, no key check.
    Missing,
    /// The configured [`V8Fault`].
    Fault(V8Fault),
    /// Not a management path: leave it alone.
    Other,
}

/// Path of the simulated xAI billing endpoint (weekly credits; the account's `Raw`
/// behaviour answers it).
pub const XAI_BILLING_PATH: &str = "/v1/billing";
/// Path of the simulated Gemini CLI quota endpoint (POST; the account's `Raw` behaviour).
pub const GEMINI_CLI_QUOTA_PATH: &str = "/v1internal:retrieveUserQuota";

const V0: &str = "/v0/management";
const V8: &str = "/v8/management";

/// Map a request path onto the v0 handler it reaches on `mock`'s shape.
pub fn route_path(
    shape: ServerShape,
    fault: Option<V8Fault>,
    path: &str,
    stats: &mut V8Stats,
) -> PathRoute {
    if path == V8 || path.starts_with(&format!("{V8}/")) {
        stats.v8_requests += 1;
        if let Some(fault) = fault {
            return PathRoute::Fault(fault);
        }
        if !shape.serves_v8() {
            stats.missing_routes += 1;
            return PathRoute::Missing;
        }
        let rest = &path[V8.len()..];
        let v0 = match rest {
            "/credentials" => "/auth-files",
            "/requests/api-call" => "/api-call",
            "/observability/usage/api-keys" => "/api-key-usage",
            other => other,
        };
        return PathRoute::Serve(format!("{V0}{v0}"));
    }
    if path == V0 || path.starts_with(&format!("{V0}/")) {
        stats.v0_requests += 1;
        // Quota plugins came with v8 (servers before answer gin's 404).
        if !shape.serves_v0() || (plugin_of(path).is_some() && !shape.serves_v8()) {
            stats.missing_routes += 1;
            return PathRoute::Missing;
        }
        return PathRoute::Serve(path.to_string());
    }
    PathRoute::Other
}

/// `page` and `page_size` of a query string, when both are positive numbers.
pub fn page_query(query: &str) -> Option<(usize, usize)> {
    let mut page = None;
    let mut size = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("page", v)) => page = v.parse::<usize>().ok().filter(|n| *n > 0),
            Some(("page_size", v)) => size = v.parse::<usize>().ok().filter(|n| *n > 0),
            _ => {}
        }
    }
    Some((page?, size?))
}

/// Which entries of a `total`-entry list one request gets.
pub struct PageRange {
    pub start: usize,
    pub end: usize,
    /// `(page, page_size)` when the answer is a page.
    pub page: Option<(usize, usize)>,
}

/// The entries the request's `page`/`page_size` ask for (all on shapes that do not page).
pub fn page_range(mock: &V8Mock, query: &str, total: usize, stats: &mut V8Stats) -> PageRange {
    let Some((page, size)) = page_query(query).filter(|_| mock.shape.pages()) else {
        return PageRange {
            start: 0,
            end: total,
            page: None,
        };
    };
    stats.page_requests += 1;
    let start = (page - 1).saturating_mul(size).min(total);
    PageRange {
        start,
        end: start.saturating_add(size).min(total),
        page: Some((page, size)),
    }
}

/// The credential list answer: `files`, plus `total` on v8 pages.
pub fn list_body(mock: &V8Mock, files: Vec<Value>, total: usize, range: &PageRange) -> Value {
    match range.page {
        Some((page, size)) if mock.shape.serves_v8() => {
            json!({ "files": files, "total": total, "page": page, "page_size": size })
        }
        _ => json!({ "files": files }),
    }
}

/// The plugin id of a `/v0/management/plugins/:id/quota` path.
pub fn plugin_of(path: &str) -> Option<&str> {
    path.strip_prefix("/v0/management/plugins/")?
        .strip_suffix("/quota")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

/// The quota plugin's answer to `GET …/plugins/:id/quota?auth_index=…` (after
/// the key check), like upstream: no `auth_index` 400, unknown one 404 `auth
/// not found`, a plugin that does not answer for it 404.
pub fn plugin_quota(
    mock: &V8Mock,
    accounts: &[super::MockAccount],
    numeric_index: bool,
    path: &str,
    query: &str,
) -> (u16, String) {
    let id = plugin_of(path).unwrap_or_default();
    let index = query
        .split('&')
        .find_map(|pair| match pair.split_once('=') {
            Some(("auth_index" | "authIndex", v)) => Some(v.to_string()),
            _ => None,
        });
    let Some(index) = index.filter(|i| !i.is_empty()) else {
        return (400, json!({"error": "auth_index is required"}).to_string());
    };
    let Some(account) = accounts
        .iter()
        .find(|a| super::auth_index_for(&a.name, numeric_index) == index)
    else {
        return (404, json!({"error": "auth not found"}).to_string());
    };
    match mock.plugins.get(&account.name).filter(|p| p.id == id) {
        Some(plugin) => (plugin.status, plugin.body.clone()),
        None => (
            404,
            json!({"error": "quota provider not found for plugin"}).to_string(),
        ),
    }
}

/// Add the observation fields of `name` to its entry (shapes that observe),
/// and the quota plugin fields (v8 shapes).
pub fn decorate(mock: &V8Mock, name: &str, entry: &mut Map<String, Value>) {
    if let Some(plugin) = mock.plugins.get(name).filter(|_| mock.shape.serves_v8()) {
        entry.insert("supports_quota".into(), true.into());
        entry.insert("quota_provider".into(), plugin.id.clone().into());
    }
    if !mock.shape.observes() {
        return;
    }
    if let Some(quota) = mock.observations.get(name) {
        entry.insert("quota".into(), quota.clone());
    }
    if let Some(models) = mock.model_quotas.get(name) {
        entry.insert("model_quotas".into(), models.clone());
    }
}

/// An RFC 3339 UTC time.
pub fn rfc3339(epoch: i64) -> String {
    super::rfc3339_utc(epoch)
}

/// A `quota` object with these signals observed at `observed_at`.
pub fn observation(observed_at: i64, signals: &[(&str, String)]) -> Value {
    let signals: Map<String, Value> = signals
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(v.clone())))
        .collect();
    json!({ "observed_at": rfc3339(observed_at), "signals": signals })
}

/// Codex signals: a 5h window `(used, reset_at)` in the primary position and a
/// weekly one in the secondary, with the plan.
pub fn codex_signals(
    plan: &str,
    five: (f64, i64),
    week: (f64, i64),
) -> Vec<(&'static str, String)> {
    vec![
        ("X-Codex-Plan-Type", plan.to_string()),
        ("X-Codex-Primary-Used-Percent", format!("{}", five.0)),
        ("X-Codex-Primary-Window-Minutes", "300".to_string()),
        ("X-Codex-Primary-Reset-At", five.1.to_string()),
        ("X-Codex-Secondary-Used-Percent", format!("{}", week.0)),
        ("X-Codex-Secondary-Window-Minutes", "10080".to_string()),
        ("X-Codex-Secondary-Reset-At", week.1.to_string()),
    ]
}

/// A fresh Codex observation: 5h `five` % used (resets in 1 h), week `week` % (in 3 days).
pub fn codex_observation(observed_at: i64, plan: &str, five: f64, week: f64) -> Value {
    observation(
        observed_at,
        &codex_signals(
            plan,
            (five, observed_at + 3_600),
            (week, observed_at + 259_200),
        ),
    )
}

/// Claude signals: 5h and 7d utilisation as 0..1 fractions.
pub fn claude_observation(observed_at: i64, five: f64, week: f64) -> Value {
    observation(
        observed_at,
        &[
            (
                "Anthropic-Ratelimit-Unified-5h-Utilization",
                format!("{five}"),
            ),
            (
                "Anthropic-Ratelimit-Unified-5h-Reset",
                (observed_at + 3_600).to_string(),
            ),
            (
                "Anthropic-Ratelimit-Unified-5h-Status",
                "allowed".to_string(),
            ),
            (
                "Anthropic-Ratelimit-Unified-7d-Utilization",
                format!("{week}"),
            ),
            (
                "Anthropic-Ratelimit-Unified-7d-Reset",
                (observed_at + 259_200).to_string(),
            ),
            (
                "Anthropic-Ratelimit-Unified-7d-Status",
                "allowed".to_string(),
            ),
        ],
    )
}

impl super::MockConfig {
    /// A mock of `shape` (its routes, paging, observations and `X-CPA-VERSION`) serving `accounts`.
    pub fn shaped(shape: ServerShape, accounts: Vec<super::MockAccount>) -> Self {
        super::MockConfig {
            version: shape.version().to_string(),
            v8: V8Mock {
                shape,
                ..V8Mock::default()
            },
            ..super::MockConfig::with_accounts(accounts)
        }
    }
}
