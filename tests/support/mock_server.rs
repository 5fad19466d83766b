//! A mock CLIProxyAPI Management API server for integration tests and benchmarks.
//!
//! Only `std` (plus `serde_json`): a `TcpListener` on 127.0.0.1, one thread per
//! connection, hand-written HTTP/1.1 (request line, headers, `Content-Length`
//! bodies, keep-alive unless `Connection: close`).
//!
//! Behaviour follows the upstream Go server (router-for-me/CLIProxyAPI):
//! * management middleware: `X-CPA-VERSION`/`X-CPA-COMMIT`/`X-CPA-BUILD-DATE` on every
//!   management response; an active IP ban is checked first (403 `IP banned due to too
//!   many failed attempts. Try again in 29m59s`, even for the right key), then remote
//!   access (403 `remote management disabled`), then the key: missing => 401
//!   `missing management key`, wrong => 401 `invalid management key`; both count as a
//!   failed attempt; the `ban_after`-th failure bans the IP for `ban_duration`; a
//!   success resets the counter.
//! * no management key configured => every `/v0/management/*` route answers 404 with an
//!   empty body and no `X-CPA-*` headers (upstream aborts before the middleware runs).
//! * `GET /v0/management/auth-files` => `{"files":[...]}` sorted by name, keys of each
//!   entry in alphabetical order (Go encodes maps sorted).
//! * `POST /v0/management/api-call` => 200 `{"status_code":..,"header":{..},"body":".."}`
//!   whenever the "upstream" was reached; 400 `invalid body|missing method|missing url|
//!   invalid url|auth token not found`; 502 `request failed`.
//! * `GET /v0/management/api-key-usage` => [`MockConfig::api_key_usage`] in one of the shapes
//!   servers sent over time ([`KeyUsageShape`]); `None` (the default) => the route does not
//!   exist (servers before v6.9.47): gin's 404.
//! * JSON strings are escaped like Go's `encoding/json` (`<`, `>`, `&` as `\u003c`...).
//!
//! The "upstream" (`wham/usage`) is simulated from each account's [`UsageBehaviour`]; the
//! mock also checks that the api-call `url` equals [`MockServer::usage_url`] (else the
//! envelope carries 404) and that the `Authorization` header is exactly
//! `Bearer $TOKEN$` for a known account (else the envelope carries 401).
//!
//! ```ignore
//! mod support;
//! use support::*;
//! let server = MockServer::start(MockConfig::with_accounts(vec![
//!     MockAccount::new("alice@example.com", "plus").with_behaviour(UsageBehaviour::ok(42.0, 19.0)),
//!     MockAccount::new("bob@example.com", "pro").with_behaviour(UsageBehaviour::rate_limited(600)),
//! ]));
//! // point poolwatch at server.url() with key DEFAULT_MANAGEMENT_KEY and usage URL server.usage_url()
//! server.set_config(|c| c.api_call_delay = std::time::Duration::from_millis(50));
//! assert_eq!(server.stats().failed_auth_attempts, 0);
//! ```
//!
//! Deviations from upstream, on purpose: `recent_requests` labels are UTC (upstream: server
//! local time); timestamps other than `next_retry_after` are fixed strings.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

/// Server shapes after v7.2.140: v8 routes, paging, observations (tests/support/mock_v8.rs).
#[path = "mock_v8.rs"]
pub mod v8;

/// The management key of [`MockConfig::default`].
pub const DEFAULT_MANAGEMENT_KEY: &str = "mock-management-key";
/// Path of the simulated usage endpoint (appended to the server URL by [`MockServer::usage_url`]).
pub const USAGE_PATH: &str = "/backend-api/wham/usage";
/// Path of the simulated Codex reset-credits endpoint (read only; `…/consume` is never served).
pub const RESET_CREDITS_PATH: &str = "/backend-api/wham/rate-limit-reset-credits";
/// Paths of the simulated Claude endpoints.
pub const CLAUDE_USAGE_PATH: &str = "/api/oauth/usage";
pub const CLAUDE_PROFILE_PATH: &str = "/api/oauth/profile";
/// Base paths of the simulated Antigravity hosts: the first answers 403 (so a
/// client must fall back), the second serves the quota.
pub const ANTIGRAVITY_DENIED_BASE: &str = "/agy-denied";
pub const ANTIGRAVITY_BASE: &str = "/agy";
pub const ANTIGRAVITY_QUOTA_PATH: &str = "/v1internal:retrieveUserQuotaSummary";
pub const ANTIGRAVITY_TIER_PATH: &str = "/v1internal:loadCodeAssist";
/// Path of the simulated Kimi usage endpoint.
pub const KIMI_USAGE_PATH: &str = "/coding/v1/usages";
/// The management API prefix.
pub const MANAGEMENT_PREFIX: &str = "/v0/management";
/// Length of one usage window of 5 hours, in seconds.
pub const FIVE_HOURS_S: i64 = 18_000;
/// Length of one weekly usage window, in seconds.
pub const WEEK_S: i64 = 604_800;

/// How often blocked reads and waits re-check the shutdown flag.
const POLL: Duration = Duration::from_millis(50);
/// Largest accepted request head (request line + headers).
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest accepted request body.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A failure injected into `GET /v0/management/auth-files` (before the key check, like a
/// broken server or reverse proxy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Plain HTTP error with a JSON `{"error":"internal server error"}` body.
    Status(u16),
    /// 200 with an HTML challenge page (`text/html`).
    Html,
    /// 200 `application/json` whose body is cut in the middle (valid HTTP, invalid JSON).
    TruncatedJson,
    /// Read the request, then never answer (the connection stays open until shutdown).
    Hang,
    /// Read the request, then close the connection without answering.
    CloseAfterAccept,
}

/// What the simulated `wham/usage` upstream does for one account's api-call.
#[derive(Clone, Debug, PartialEq)]
pub enum UsageBehaviour {
    /// Upstream 200 with a realistic usage body. Windows are `(used_percent,
    /// limit_window_seconds, reset_after_seconds)`; `reset_at` = now + reset_after.
    Ok {
        primary_used: f64,
        primary_window_s: i64,
        primary_reset_after: i64,
        secondary: Option<(f64, i64, i64)>,
    },
    /// Upstream answers this status and body (e.g. 429 with reset info, an HTML challenge
    /// page, 401); the envelope is still HTTP 200.
    Raw { status_code: u16, body: String },
    /// The upstream could not be reached: 502 `{"error":"request failed"}`.
    Envelope502,
    /// Plain HTTP error on the api-call itself (e.g. 500).
    Status(u16),
    /// Never answer this api-call (held until the server stops).
    Hang,
    /// Wait, then behave like the inner behaviour.
    Delay(Duration, Box<UsageBehaviour>),
    /// The first N calls for this account answer plain 500, later calls the inner behaviour.
    FailTimes(u32, Box<UsageBehaviour>),
    /// The account has no token to substitute: 400 `{"error":"auth token not found"}`.
    NoToken,
}

impl UsageBehaviour {
    /// A 5h window (`18000` s, resets in 1 h) and a weekly window (resets in 3 days).
    pub fn ok(five_hour_used: f64, weekly_used: f64) -> Self {
        UsageBehaviour::Ok {
            primary_used: five_hour_used,
            primary_window_s: FIVE_HOURS_S,
            primary_reset_after: 3_600,
            secondary: Some((weekly_used, WEEK_S, 259_200)),
        }
    }

    /// Upstream 429 `usage_limit_reached` with reset information.
    pub fn rate_limited(resets_in_seconds: i64) -> Self {
        UsageBehaviour::Raw {
            status_code: 429,
            body: format!(
                "{{\"error\":{{\"type\":\"usage_limit_reached\",\"message\":\"The usage limit has been reached\",\"resets_in_seconds\":{resets_in_seconds}}}}}"
            ),
        }
    }

    /// Upstream 403 with an HTML challenge page instead of JSON.
    pub fn html_challenge() -> Self {
        UsageBehaviour::Raw {
            status_code: 403,
            body: HTML_CHALLENGE.to_string(),
        }
    }

    /// Upstream 401 `{"detail":"Unauthorized"}` (expired or revoked token).
    pub fn unauthorized() -> Self {
        UsageBehaviour::Raw {
            status_code: 401,
            body: UNAUTHORIZED_BODY.to_string(),
        }
    }
}

/// A reset-credits answer without credits.
pub const RESET_CREDITS_NONE: &str =
    "{\"available_count\":0,\"applicable_available_count\":0,\"credits\":[]}";

const HTML_CHALLENGE: &str = "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title></head><body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>";
const UNAUTHORIZED_BODY: &str = "{\"detail\":\"Unauthorized\"}";
/// What chatgpt.com answers (401) to the literal `Bearer $TOKEN$` that CLIProxyAPI v7.2.140
/// sends upstream for an unknown `auth_index` (recorded: fixtures/cliproxyapi-v7.2.140).
const UNPARSED_TOKEN_BODY: &str =
    "{\"detail\": \"Could not parse your authentication token. Please try signing in again.\"}";

/// One auth file of the mock pool.
#[derive(Clone, Debug, PartialEq)]
pub struct MockAccount {
    /// File name, e.g. `codex-alice@example.com-plus.json`; also the `id`.
    pub name: String,
    pub email: Option<String>,
    /// Overrides the `label` field (default: email, else provider).
    pub label: Option<String>,
    /// `plus`, `prolite`, `pro`, `team`, ...: `id_token.plan_type` and usage `plan_type`.
    pub plan: String,
    /// `codex` by default; also used as `type`.
    pub provider: String,
    pub status: String,
    pub status_message: String,
    pub disabled: bool,
    pub unavailable: bool,
    /// Sent verbatim as `next_retry_after` (RFC3339) when set.
    pub next_retry_after: Option<String>,
    /// `oauth` or `api_key`.
    pub account_type: Option<String>,
    /// For `api_key` auths the `account` field is the raw API key.
    pub api_key_account: Option<String>,
    /// `id_token.chatgpt_account_id`; the api-call `Chatgpt-Account-Id` header is compared with it.
    pub chatgpt_account_id: Option<String>,
    /// `priority` when set.
    pub priority: Option<i64>,
    /// `(success, failed)` per 10-minute bucket, oldest first; padded/truncated to 20.
    pub recent_requests: Vec<(u64, u64)>,
    pub behaviour: UsageBehaviour,
    /// `project_id` (Antigravity); the quota call must send `{"project": it}`.
    pub project_id: Option<String>,
    /// 2xx body of the side call: Claude `oauth/profile`, Antigravity `loadCodeAssist`
    /// (None: that call answers 404).
    pub side_body: Option<String>,
    /// 2xx body of Codex `wham/rate-limit-reset-credits` (None: 404).
    pub reset_credits: Option<String>,
    /// Sent verbatim as `last_refresh` when set (the real v7.2.140 server usually omits it).
    pub last_refresh: Option<String>,
    /// Leave `auth_index` out of the entry (old servers); api-call then finds it by `id`.
    pub omit_auth_index: bool,
}

impl MockAccount {
    /// An active codex OAuth account with `email`, `plan` and a moderate usage.
    pub fn new(email: &str, plan: &str) -> Self {
        MockAccount {
            name: format!("codex-{email}-{plan}.json"),
            email: Some(email.to_string()),
            label: None,
            plan: plan.to_string(),
            provider: "codex".to_string(),
            status: "active".to_string(),
            status_message: String::new(),
            disabled: false,
            unavailable: false,
            next_retry_after: None,
            account_type: Some("oauth".to_string()),
            api_key_account: None,
            chatgpt_account_id: Some(format!("acct-{:016x}", fnv1a64(email.as_bytes()))),
            priority: None,
            recent_requests: Vec::new(),
            behaviour: UsageBehaviour::ok(10.0, 20.0),
            project_id: None,
            side_body: None,
            reset_credits: Some(RESET_CREDITS_NONE.to_string()),
            last_refresh: Some("2026-01-19T22:00:00Z".to_string()),
            omit_auth_index: false,
        }
    }

    /// An active account of another provider (`claude`, `antigravity`, `kimi`, ...)
    /// whose quota call answers `status` with `body`.
    pub fn provider(provider: &str, email: &str, status: u16, body: &str) -> Self {
        MockAccount {
            name: format!("{provider}-{email}.json"),
            provider: provider.to_string(),
            plan: String::new(),
            chatgpt_account_id: None,
            reset_credits: None,
            behaviour: UsageBehaviour::Raw {
                status_code: status,
                body: body.to_string(),
            },
            ..MockAccount::new(email, "")
        }
    }

    /// What the real v7.2.140 server lists after upstream failures: `unavailable: true`,
    /// `status: "error"` and a `next_retry_after` that passed `seconds_ago` ago. It stays
    /// so (api-calls do not change it) until the account serves a pool request again.
    pub fn stuck_after_errors(email: &str, plan: &str, seconds_ago: i64) -> Self {
        let retry = rfc3339_utc(now_epoch() - seconds_ago);
        MockAccount {
            status: "error".to_string(),
            status_message:
                "Post \"https://chatgpt.com/backend-api/codex/responses\": dial tcp: i/o timeout"
                    .to_string(),
            unavailable: true,
            next_retry_after: Some(retry),
            last_refresh: None,
            ..MockAccount::new(email, plan)
        }
    }

    /// A codex API-key auth: no email, no id_token, `account_type` `api_key`, `account` =
    /// the raw key; the ChatGPT usage endpoint refuses API keys (upstream 401).
    pub fn api_key(name: &str, raw_key: &str) -> Self {
        MockAccount {
            name: name.to_string(),
            email: None,
            plan: String::new(),
            account_type: Some("api_key".to_string()),
            api_key_account: Some(raw_key.to_string()),
            chatgpt_account_id: None,
            behaviour: UsageBehaviour::unauthorized(),
            ..MockAccount::new("api-key@invalid", "plus")
        }
    }

    /// Replaces the usage behaviour.
    pub fn with_behaviour(mut self, behaviour: UsageBehaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// The `auth_index` the mock reports for this account (see [`auth_index_for`]).
    pub fn auth_index(&self, numeric: bool) -> String {
        auth_index_for(&self.name, numeric)
    }
}

/// Deterministic `auth_index` of an auth file name: 16 lowercase hex digits, or (numeric
/// servers) a decimal below 2^53 so it survives a trip through f64.
pub fn auth_index_for(name: &str, numeric: bool) -> String {
    let hash = fnv1a64(name.as_bytes());
    if numeric {
        (hash & ((1u64 << 53) - 1)).to_string()
    } else {
        format!("{hash:016x}")
    }
}

/// Behaviour of the whole mock; change it at runtime with [`MockServer::set_config`].
#[derive(Clone, Debug, PartialEq)]
pub struct MockConfig {
    /// None => every `/v0/management/*` route answers 404 with an empty body.
    pub management_key: Option<String>,
    pub accounts: Vec<MockAccount>,
    /// Send `auth_index` as a JSON number (servers v6.3.56–v6.6.55); api-call then also
    /// accepts a number for `auth_index`.
    pub numeric_auth_index: bool,
    pub auth_files_delay: Duration,
    /// Latency added to every api-call that passed validation.
    pub api_call_delay: Duration,
    pub auth_files_fault: Option<Fault>,
    /// Failed attempts (missing or wrong key) that ban the IP; 0 never bans.
    pub ban_after: u32,
    pub ban_duration: Duration,
    /// `X-CPA-VERSION`.
    pub version: String,
    pub commit: String,
    pub build_date: String,
    /// Pretend the client is remote with `allow-remote: false`: 403 `remote management disabled`.
    pub remote_disabled: bool,
    /// A server before v6.6.63: no `/v0/management/api-call` route (gin 404 page).
    pub api_call_missing: bool,
    /// What `GET /v0/management/api-key-usage` answers; None: no such route (404).
    pub api_key_usage: Option<ApiKeyUsageMock>,
    /// Misbehaviour before the middleware (`mock_guard`: key rotation, a 401 proxy, delays).
    pub chaos: Vec<super::mock_guard::Chaos>,
    /// Releases after v7.2.140: v8 routes, paging, observations ([`v8::V8Mock`]).
    pub v8: v8::V8Mock,
}

/// One upstream API key as the server counts it (the raw `key` is part of the object key).
#[derive(Clone, Debug, PartialEq)]
pub struct MockApiKey {
    pub provider: String,
    pub base_url: Option<String>,
    pub key: String,
    pub success: u64,
    pub failed: u64,
    /// `(success, failed)` per 10-minute bucket, oldest first (padded to 20).
    pub recent: Vec<(u64, u64)>,
}

impl MockApiKey {
    pub fn new(provider: &str, base_url: &str, key: &str, recent: &[(u64, u64)]) -> Self {
        MockApiKey {
            provider: provider.to_string(),
            base_url: Some(base_url.to_string()).filter(|b| !b.is_empty()),
            key: key.to_string(),
            success: recent.iter().map(|b| b.0).sum(),
            failed: recent.iter().map(|b| b.1).sum(),
            recent: recent.to_vec(),
        }
    }

    /// The object key the server uses: `base_url|key`, or the bare key.
    pub fn object_key(&self) -> String {
        match &self.base_url {
            Some(base) => format!("{base}|{}", self.key),
            None => self.key.clone(),
        }
    }
}

/// The shapes `api-key-usage` had over server versions.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyUsageShape {
    /// v6.9.48+: `{provider: {"<base_url>|<key>": {success, failed, recent_requests}}}`.
    Current,
    /// v6.9.47: `{provider: {"<key>": [buckets]}}` (base URL ignored).
    BareBuckets,
    /// Totals only, every bucket empty (the original app's fallback case).
    EmptyBuckets,
}

/// What the api-key-usage route answers.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiKeyUsageMock {
    Keys(KeyUsageShape, Vec<MockApiKey>),
    /// Any status and body (garbage, 500, HTML).
    Raw {
        status: u16,
        body: String,
    },
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            management_key: Some(DEFAULT_MANAGEMENT_KEY.to_string()),
            accounts: Vec::new(),
            numeric_auth_index: false,
            auth_files_delay: Duration::ZERO,
            api_call_delay: Duration::ZERO,
            auth_files_fault: None,
            ban_after: 5,
            ban_duration: Duration::from_secs(30 * 60),
            version: "6.8.15".to_string(),
            commit: "0a1b2c3d".to_string(),
            build_date: "2026-01-15T08:00:00Z".to_string(),
            remote_disabled: false,
            api_call_missing: false,
            api_key_usage: None,
            chaos: Vec::new(),
            v8: v8::V8Mock::default(),
        }
    }
}

impl MockConfig {
    /// The default config (key [`DEFAULT_MANAGEMENT_KEY`]) serving `accounts`.
    pub fn with_accounts(accounts: Vec<MockAccount>) -> Self {
        MockConfig {
            accounts,
            ..MockConfig::default()
        }
    }
}

/// Counters of what the mock saw. Keys are never recorded, only counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MockStats {
    pub connections_accepted: u64,
    /// Every parsed HTTP request, any route, any outcome.
    pub total_requests: u64,
    /// `GET /v0/management/auth-files` requests received (any outcome).
    pub auth_files_requests: u64,
    /// `POST /v0/management/api-call` requests received (any outcome).
    pub api_call_requests: u64,
    /// `GET /v0/management/api-key-usage` requests received (any outcome).
    pub api_key_usage_requests: u64,
    /// Requests with a missing or wrong key (each counts toward the ban).
    pub failed_auth_attempts: u64,
    /// Requests refused with the 403 ban message.
    pub banned_responses: u64,
    /// Number of distinct wrong keys seen (never the key text).
    pub distinct_wrong_keys: usize,
    /// Peak of authenticated api-calls in flight at the same time.
    pub max_concurrent_api_calls: usize,
    /// Validated api-calls per `auth_index` as sent (unknown indexes included).
    pub calls_per_auth_index: BTreeMap<String, u64>,
    /// api-calls whose `header` carried `Chatgpt-Account-Id`.
    pub calls_with_account_id_header: u64,
    /// ... of which the value differed from the account's `chatgpt_account_id`.
    pub account_id_mismatches: u64,
    /// api-calls the upstream refused with 401 (unknown account or no `Bearer $TOKEN$`).
    pub upstream_unauthorized: u64,
    /// api-calls whose `url` was not [`MockServer::usage_url`] (or, for other providers
    /// and side calls, not one of the provider URLs of this mock).
    pub wrong_url_calls: u64,
    /// api-calls to the reset-credits URL, per `auth_index`.
    pub reset_credit_calls: BTreeMap<String, u64>,
    /// api-calls whose URL contains `consume` (spending a reset credit): must stay 0.
    pub consume_calls: u64,
    /// api-calls per URL path (`/api/oauth/usage`, ...).
    pub calls_per_path: BTreeMap<String, u64>,
    /// Requests carrying `X-Forwarded-For` (CLIProxyAPI trusts it from anyone; clients must
    /// never send it).
    pub forwarded_for_headers: u64,
    /// Requests per API generation, missing routes, pages ([`v8::V8Stats`]).
    pub v8: v8::V8Stats,
}

#[derive(Default)]
struct Attempts {
    count: u32,
    blocked_until: Option<Instant>,
}

#[derive(Default)]
struct StatsState {
    stats: MockStats,
    wrong_key_hashes: HashSet<u64>,
}

struct Shared {
    config: Mutex<MockConfig>,
    stats: Mutex<StatsState>,
    attempts: Mutex<HashMap<IpAddr, Attempts>>,
    shutdown: AtomicBool,
    in_flight_api_calls: AtomicUsize,
    usage_url: String,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn config(&self) -> MutexGuard<'_, MockConfig> {
        lock(&self.config)
    }

    fn stats(&self) -> MutexGuard<'_, StatsState> {
        lock(&self.stats)
    }

    fn is_shutting_down(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Sleeps `duration` in short steps; false when the server stopped meanwhile.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        loop {
            if self.is_shutting_down() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            thread::sleep((deadline - now).min(POLL));
        }
    }

    fn wait_for_shutdown(&self) {
        while !self.is_shutting_down() {
            thread::sleep(POLL);
        }
    }
}

/// A running mock server; stops on [`MockServer::stop`] or drop.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Binds 127.0.0.1 on an ephemeral port and serves on background threads.
    /// Panics if the loopback port cannot be bound (test support only).
    pub fn start(config: MockConfig) -> MockServer {
        match MockServer::try_start(config, 0) {
            Ok(server) => server,
            Err(err) => panic!("mock server: cannot bind 127.0.0.1: {err}"),
        }
    }

    /// Binds 127.0.0.1:`port` (0 = ephemeral) and serves on background threads.
    pub fn try_start(config: MockConfig, port: u16) -> io::Result<MockServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config: Mutex::new(config),
            stats: Mutex::new(StatsState::default()),
            attempts: Mutex::new(HashMap::new()),
            shutdown: AtomicBool::new(false),
            in_flight_api_calls: AtomicUsize::new(0),
            usage_url: format!("http://{addr}{USAGE_PATH}"),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("mock-accept".to_string())
            .spawn(move || accept_loop(listener, accept_shared))?;
        Ok(MockServer {
            addr,
            shared,
            accept_thread: Some(accept_thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The usage URL poolwatch must put in api-call bodies (`{url}/backend-api/wham/usage`).
    pub fn usage_url(&self) -> String {
        self.shared.usage_url.clone()
    }

    /// The Codex reset-credits URL of this mock.
    pub fn reset_credits_url(&self) -> String {
        format!("{}{RESET_CREDITS_PATH}", self.url())
    }

    /// The Claude usage URL of this mock.
    pub fn claude_usage_url(&self) -> String {
        format!("{}{CLAUDE_USAGE_PATH}", self.url())
    }

    /// The Claude profile URL of this mock.
    pub fn claude_profile_url(&self) -> String {
        format!("{}{CLAUDE_PROFILE_PATH}", self.url())
    }

    /// The Antigravity base URLs, in the order a client tries them (the first answers 403).
    pub fn antigravity_urls(&self) -> [String; 2] {
        [
            format!("{}{ANTIGRAVITY_DENIED_BASE}", self.url()),
            format!("{}{ANTIGRAVITY_BASE}", self.url()),
        ]
    }

    /// The Kimi usage URL of this mock.
    pub fn kimi_usage_url(&self) -> String {
        format!("{}{KIMI_USAGE_PATH}", self.url())
    }

    /// Config lines pointing every provider URL at this mock.
    pub fn provider_url_config(&self) -> String {
        let [denied, agy] = self.antigravity_urls();
        format!(
            "reset_credits_url = \"{}\"\nclaude_usage_url = \"{}\"\nclaude_profile_url = \"{}\"\nantigravity_urls = [\"{denied}\", \"{agy}\"]\nkimi_usage_url = \"{}\"\nxai_billing_url = \"{}{}?format=credits\"\ngemini_cli_quota_url = \"{}{}\"\n",
            self.reset_credits_url(),
            self.claude_usage_url(),
            self.claude_profile_url(),
            self.kimi_usage_url(),
            self.url(),
            v8::XAI_BILLING_PATH,
            self.url(),
            v8::GEMINI_CLI_QUOTA_PATH
        )
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> MockStats {
        self.shared.stats().stats.clone()
    }

    /// Resets every counter to zero.
    pub fn reset_stats(&self) {
        *self.shared.stats() = StatsState::default();
    }

    /// Lifts every IP ban and forgets failed attempts.
    pub fn clear_bans(&self) {
        lock(&self.shared.attempts).clear();
    }

    /// Changes the behaviour at runtime; applies to requests that start afterwards.
    pub fn set_config(&self, change: impl FnOnce(&mut MockConfig)) {
        change(&mut self.shared.config());
    }

    /// The account named `name` serves requests through the proxy: its newest
    /// `recent_requests` bucket (hence its `success`/`failed` counters) grows.
    /// Panics when there is no such account.
    pub fn serve_requests(&self, name: &str, success: u64, failed: u64) {
        let mut config = self.shared.config();
        let account = config
            .accounts
            .iter_mut()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("no mock account {name}"));
        match account.recent_requests.last_mut() {
            Some(last) => {
                last.0 += success;
                last.1 += failed;
            }
            None => account.recent_requests.push((success, failed)),
        }
    }

    /// A copy of the current config.
    pub fn config(&self) -> MockConfig {
        self.shared.config().clone()
    }

    /// Stops accepting, releases hanging requests and joins the accept thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(handle) = self.accept_thread.take() else {
            return;
        };
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so the loop sees the flag and drops the listener.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let _ = handle.join();
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.is_shutting_down() {
            break;
        }
        let Ok(stream) = stream else {
            continue;
        };
        shared.stats().stats.connections_accepted += 1;
        let conn_shared = Arc::clone(&shared);
        let _ = thread::Builder::new()
            .name("mock-conn".to_string())
            .spawn(move || serve_connection(stream, &conn_shared));
    }
}

// ---------------------------------------------------------------------------------------
// HTTP/1.1
// ---------------------------------------------------------------------------------------

struct Request {
    method: String,
    /// Path without the query string.
    path: String,
    /// The query string (without `?`).
    query: String,
    http10: bool,
    /// Header names lower-cased, values trimmed, in arrival order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn wants_close(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if self.http10 {
            !connection.contains("keep-alive")
        } else {
            connection.contains("close")
        }
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
        }
    }

    fn json(status: u16, value: &Value) -> Self {
        Response::new(status, JSON_TYPE, go_json(value))
    }

    fn error(status: u16, message: &str) -> Self {
        Response::json(status, &json!({ "error": message }))
    }

    fn empty(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn gin_not_found() -> Self {
        Response::new(404, "text/plain", "404 page not found")
    }
}

const JSON_TYPE: &str = "application/json; charset=utf-8";

/// What a handler wants done with the connection.
enum Outcome {
    Respond(Response),
    /// Never answer; keep the connection until shutdown.
    Hang,
    /// Close without answering.
    Close,
}

enum ReadError {
    /// Clean EOF between requests, or shutdown.
    Closed,
    /// Malformed or oversized request: answer 400 and close.
    Bad,
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let peer_ip = stream
        .peer_addr()
        .map(|addr| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let _ = stream.set_read_timeout(Some(POLL));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let request = match read_request(&mut reader, shared) {
            Ok(request) => request,
            Err(ReadError::Closed) => return,
            Err(ReadError::Bad) => {
                let response = Response::new(400, "text/plain", "400 Bad Request");
                let _ = write_response(&mut writer, &response, true);
                return;
            }
        };
        shared.stats().stats.total_requests += 1;
        match route(&request, peer_ip, shared) {
            Outcome::Respond(response) => {
                let close = request.wants_close() || shared.is_shutting_down();
                if write_response(&mut writer, &response, close).is_err() || close {
                    return;
                }
            }
            Outcome::Hang => {
                shared.wait_for_shutdown();
                return;
            }
            Outcome::Close => return,
        }
    }
}

/// Reads one line (up to and including `\n`) into `line`, riding out read timeouts.
/// Returns false on EOF before any byte of the line, or on shutdown.
fn read_line(
    reader: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
    shared: &Shared,
) -> Result<bool, ReadError> {
    loop {
        match reader.read_until(b'\n', line) {
            Ok(0) => {
                return if line.is_empty() {
                    Ok(false)
                } else {
                    Err(ReadError::Bad)
                }
            }
            Ok(_) if line.ends_with(b"\n") => return Ok(true),
            Ok(_) => {}
            Err(err) if is_timeout(&err) => {
                if shared.is_shutting_down() {
                    return Err(ReadError::Closed);
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(ReadError::Closed),
        }
        if line.len() > MAX_HEAD_BYTES {
            return Err(ReadError::Bad);
        }
    }
}

fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn read_request(reader: &mut BufReader<TcpStream>, shared: &Shared) -> Result<Request, ReadError> {
    let mut line = Vec::new();
    // Tolerate empty lines between pipelined requests.
    loop {
        line.clear();
        if !read_line(reader, &mut line, shared)? {
            return Err(ReadError::Closed);
        }
        if !trim_crlf(&line).is_empty() {
            break;
        }
    }
    let request_line = String::from_utf8(trim_crlf(&line).to_vec()).map_err(|_| ReadError::Bad)?;
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad);
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::Bad);
    }
    let path = target.split(['?', '#']).next().unwrap_or("").to_string();
    let query = target
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or("").to_string())
        .unwrap_or_default();
    let headers = read_headers(reader, shared)?;
    let mut request = Request {
        method: method.to_string(),
        path,
        query,
        http10: version == "HTTP/1.0",
        headers,
        body: Vec::new(),
    };
    if request.header("transfer-encoding").is_some() {
        return Err(ReadError::Bad);
    }
    let length = match request.header("content-length") {
        Some(value) => value.parse::<usize>().map_err(|_| ReadError::Bad)?,
        None => 0,
    };
    if length > MAX_BODY_BYTES {
        return Err(ReadError::Bad);
    }
    request.body = read_body(reader, length, shared)?;
    Ok(request)
}

fn read_headers(
    reader: &mut BufReader<TcpStream>,
    shared: &Shared,
) -> Result<Vec<(String, String)>, ReadError> {
    let mut headers = Vec::new();
    let mut total = 0usize;
    loop {
        let mut line = Vec::new();
        if !read_line(reader, &mut line, shared)? {
            return Err(ReadError::Bad);
        }
        total += line.len();
        if total > MAX_HEAD_BYTES {
            return Err(ReadError::Bad);
        }
        let text = String::from_utf8_lossy(trim_crlf(&line)).into_owned();
        if text.is_empty() {
            return Ok(headers);
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(ReadError::Bad);
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
}

fn read_body(
    reader: &mut BufReader<TcpStream>,
    length: usize,
    shared: &Shared,
) -> Result<Vec<u8>, ReadError> {
    let mut body = vec![0u8; length];
    let mut filled = 0;
    while filled < length {
        match reader.read(&mut body[filled..]) {
            Ok(0) => return Err(ReadError::Closed),
            Ok(n) => filled += n,
            Err(err) if is_timeout(&err) => {
                if shared.is_shutting_down() {
                    return Err(ReadError::Closed);
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(ReadError::Closed),
        }
    }
    Ok(body)
}

fn trim_crlf(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn write_response(stream: &mut TcpStream, response: &Response, close: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason_phrase(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&response.body);
    stream.write_all(&bytes)?;
    stream.flush()
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

// ---------------------------------------------------------------------------------------
// Routing and the management middleware
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    AuthFiles,
    ApiCall,
    ApiKeyUsage,
    /// `GET …/plugins/:id/quota` (v8 shapes, tests/support/mock_v8.rs).
    PluginQuota,
    UnknownManagement,
    Other,
}

fn classify(request: &Request, api_call_missing: bool) -> Route {
    let in_management = request.path == MANAGEMENT_PREFIX
        || request.path.starts_with(&format!("{MANAGEMENT_PREFIX}/"));
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/v0/management/auth-files") => Route::AuthFiles,
        ("POST", "/v0/management/api-call") if !api_call_missing => Route::ApiCall,
        ("GET", "/v0/management/api-key-usage") => Route::ApiKeyUsage,
        ("GET", path) if v8::plugin_of(path).is_some() => Route::PluginQuota,
        _ if in_management => Route::UnknownManagement,
        _ => Route::Other,
    }
}

/// The parts of the config the middleware needs, copied out of the lock.
struct GateConfig {
    key: Option<String>,
    remote_disabled: bool,
    ban_after: u32,
    ban_duration: Duration,
    cpa_headers: Vec<(String, String)>,
    fault: Option<Fault>,
}

fn gate_config(shared: &Shared) -> GateConfig {
    let config = shared.config();
    GateConfig {
        key: config.management_key.clone(),
        remote_disabled: config.remote_disabled,
        ban_after: config.ban_after,
        ban_duration: config.ban_duration,
        cpa_headers: vec![
            ("X-CPA-VERSION".to_string(), config.version.clone()),
            ("X-CPA-COMMIT".to_string(), config.commit.clone()),
            ("X-CPA-BUILD-DATE".to_string(), config.build_date.clone()),
        ],
        fault: config.auth_files_fault.clone(),
    }
}

fn route(request: &Request, peer_ip: IpAddr, shared: &Shared) -> Outcome {
    if request.header("x-forwarded-for").is_some() {
        shared.stats().stats.forwarded_for_headers += 1;
    }
    // v8 hook: map the path onto this server shape's routes (tests/support/mock_v8.rs).
    let mapped = {
        let (shape, fault) = {
            let config = shared.config();
            (config.v8.shape, config.v8.v8_fault.clone())
        };
        v8::route_path(shape, fault, &request.path, &mut shared.stats().stats.v8)
    };
    let rewritten;
    let request = match mapped {
        v8::PathRoute::Serve(path) if path != request.path => {
            rewritten = Request {
                method: request.method.clone(),
                path,
                query: request.query.clone(),
                http10: request.http10,
                headers: request.headers.clone(),
                body: request.body.clone(),
            };
            &rewritten
        }
        v8::PathRoute::Missing => return Outcome::Respond(Response::gin_not_found()),
        v8::PathRoute::Fault(fault) => return Outcome::Respond(v8_fault_response(&fault)),
        _ => request,
    };
    let api_call_missing = shared.config().api_call_missing;
    let route = classify(request, api_call_missing);
    match route {
        Route::AuthFiles => shared.stats().stats.auth_files_requests += 1,
        Route::ApiCall => shared.stats().stats.api_call_requests += 1,
        Route::ApiKeyUsage => shared.stats().stats.api_key_usage_requests += 1,
        Route::PluginQuota => shared.stats().stats.v8.plugin_quota_requests += 1,
        Route::UnknownManagement | Route::Other => {}
    }
    if route == Route::Other {
        return Outcome::Respond(Response::gin_not_found());
    }
    let label = match route {
        Route::AuthFiles => "auth-files",
        Route::ApiCall => "api-call",
        Route::ApiKeyUsage => "api-key-usage",
        _ => "other",
    };
    if let Some((status, text)) =
        super::mock_guard::before_auth(label, &shared.config, &|d| shared.sleep(d))
    {
        return Outcome::Respond(Response::error(status, &text));
    }
    let gate = gate_config(shared);
    let Some(key) = gate.key.as_deref() else {
        return Outcome::Respond(Response::empty(404));
    };
    if route == Route::UnknownManagement
        || (route == Route::ApiKeyUsage && shared.config().api_key_usage.is_none())
    {
        return Outcome::Respond(Response::gin_not_found());
    }
    if route == Route::AuthFiles {
        if let Some(fault) = &gate.fault {
            return fault_outcome(fault);
        }
    }
    let outcome = match authenticate(request, peer_ip, key, &gate, shared) {
        Err(response) => Outcome::Respond(response),
        Ok(()) if route == Route::AuthFiles => auth_files(shared, &request.query),
        Ok(()) if route == Route::ApiKeyUsage => api_key_usage(shared),
        Ok(()) if route == Route::PluginQuota => {
            let config = shared.config();
            let (status, body) = v8::plugin_quota(
                &config.v8,
                &config.accounts,
                config.numeric_auth_index,
                &request.path,
                &request.query,
            );
            Outcome::Respond(Response::new(status, JSON_TYPE, body))
        }
        Ok(()) => api_call(request, shared),
    };
    match outcome {
        Outcome::Respond(mut response) => {
            response.headers.extend(gate.cpa_headers);
            Outcome::Respond(response)
        }
        other => other,
    }
}

fn fault_outcome(fault: &Fault) -> Outcome {
    match fault {
        Fault::Status(code) => Outcome::Respond(Response::error(*code, "internal server error")),
        Fault::Html => Outcome::Respond(Response::new(
            200,
            "text/html; charset=utf-8",
            HTML_CHALLENGE,
        )),
        Fault::TruncatedJson => {
            let full = "{\"files\":[{\"id\":\"codex-a@example.com-plus.json\",\"auth_index\":\"00000000000000aa\",\"name\":\"codex-a@example.com-plus.json\"";
            Outcome::Respond(Response::new(200, JSON_TYPE, &full[..full.len() / 2]))
        }
        Fault::Hang => Outcome::Hang,
        Fault::CloseAfterAccept => Outcome::Close,
    }
}

/// The management key: `Authorization: Bearer <k>` (or the whole header when it has no
/// `Bearer ` prefix), else `X-Management-Key`.
fn provided_key(request: &Request) -> String {
    let mut provided = String::new();
    if let Some(auth) = request.header("authorization").filter(|v| !v.is_empty()) {
        provided = match auth.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.to_string(),
            _ => auth.to_string(),
        };
    }
    if provided.is_empty() {
        provided = request.header("x-management-key").unwrap_or("").to_string();
    }
    provided
}

fn authenticate(
    request: &Request,
    peer_ip: IpAddr,
    key: &str,
    gate: &GateConfig,
    shared: &Shared,
) -> Result<(), Response> {
    if let Some(remaining) = active_ban(peer_ip, shared) {
        shared.stats().stats.banned_responses += 1;
        return Err(Response::error(
            403,
            &format!(
                "IP banned due to too many failed attempts. Try again in {}",
                go_duration(remaining)
            ),
        ));
    }
    if gate.remote_disabled {
        return Err(Response::error(403, "remote management disabled"));
    }
    let provided = provided_key(request);
    if provided.is_empty() {
        record_failure(peer_ip, gate, shared, None);
        return Err(Response::error(401, "missing management key"));
    }
    if provided != key {
        record_failure(peer_ip, gate, shared, Some(&provided));
        return Err(Response::error(401, "invalid management key"));
    }
    if let Some(attempts) = lock(&shared.attempts).get_mut(&peer_ip) {
        attempts.count = 0;
        attempts.blocked_until = None;
    }
    Ok(())
}

/// Remaining ban time of `ip`, clearing an expired ban (and its count) like upstream.
fn active_ban(ip: IpAddr, shared: &Shared) -> Option<Duration> {
    let mut attempts = lock(&shared.attempts);
    let entry = attempts.get_mut(&ip)?;
    let until = entry.blocked_until?;
    let now = Instant::now();
    if now < until {
        return Some(until - now);
    }
    entry.blocked_until = None;
    entry.count = 0;
    None
}

fn record_failure(ip: IpAddr, gate: &GateConfig, shared: &Shared, wrong_key: Option<&str>) {
    {
        let mut attempts = lock(&shared.attempts);
        let entry = attempts.entry(ip).or_default();
        entry.count += 1;
        if gate.ban_after > 0 && entry.count >= gate.ban_after {
            entry.blocked_until = Some(Instant::now() + gate.ban_duration);
            entry.count = 0;
        }
    }
    let mut stats = shared.stats();
    stats.stats.failed_auth_attempts += 1;
    if let Some(key) = wrong_key {
        stats.wrong_key_hashes.insert(fnv1a64(key.as_bytes()));
        stats.stats.distinct_wrong_keys = stats.wrong_key_hashes.len();
    }
}

/// Formats a duration like Go's `d.Round(time.Second).String()`: `29m59s`, `30m0s`, `1h0m0s`, `5s`.
pub fn go_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    let secs = (millis / 1000 + u128::from(millis % 1000 >= 500)) as u64;
    let (hours, minutes, seconds) = (secs / 3600, secs % 3600 / 60, secs % 60);
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

// ---------------------------------------------------------------------------------------
// GET /v0/management/auth-files
// ---------------------------------------------------------------------------------------

/// What a proxy in front of the server answers to `/v8` ([`v8::V8Fault`]).
fn v8_fault_response(fault: &v8::V8Fault) -> Response {
    match fault {
        v8::V8Fault::Html => Response::new(200, "text/html; charset=utf-8", HTML_CHALLENGE),
        v8::V8Fault::Redirect => {
            let mut response = Response::new(
                302,
                "text/html; charset=utf-8",
                "<a href=\"/login\">Found</a>.",
            );
            response
                .headers
                .push(("Location".to_string(), "/login".to_string()));
            response
        }
        v8::V8Fault::Status(code) => {
            Response::new(*code, "text/html; charset=utf-8", HTML_CHALLENGE)
        }
    }
}

fn auth_files(shared: &Shared, query: &str) -> Outcome {
    let delay = shared.config().auth_files_delay;
    if !shared.sleep(delay) {
        return Outcome::Close;
    }
    let now = now_epoch();
    let body = {
        let config = shared.config();
        let mut accounts: Vec<&MockAccount> = config.accounts.iter().collect();
        accounts.sort_by(|a, b| a.name.cmp(&b.name));
        let total = accounts.len();
        let page = v8::page_range(&config.v8, query, total, &mut shared.stats().stats.v8);
        let files: Vec<Value> = accounts[page.start..page.end]
            .iter()
            .map(|account| {
                let mut entry = auth_file_entry(account, config.numeric_auth_index, now);
                if let Value::Object(map) = &mut entry {
                    v8::decorate(&config.v8, &account.name, map);
                }
                entry
            })
            .collect();
        v8::list_body(&config.v8, files, total, &page)
    };
    Outcome::Respond(Response::json(200, &body))
}

fn api_key_usage(shared: &Shared) -> Outcome {
    let Some(answer) = shared.config().api_key_usage.clone() else {
        return Outcome::Respond(Response::gin_not_found());
    };
    let now = now_epoch();
    let (shape, keys) = match answer {
        ApiKeyUsageMock::Raw { status, body } => {
            return Outcome::Respond(Response::new(status, "application/json", body))
        }
        ApiKeyUsageMock::Keys(shape, keys) => (shape, keys),
    };
    let mut providers: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for key in &keys {
        let buckets = recent_requests_json(&padded_buckets(&key.recent), now);
        let (object_key, value) = match shape {
            KeyUsageShape::Current => (
                key.object_key(),
                json!({"success": key.success, "failed": key.failed, "recent_requests": buckets}),
            ),
            KeyUsageShape::BareBuckets => (key.key.clone(), buckets),
            KeyUsageShape::EmptyBuckets => (
                key.object_key(),
                json!({"success": key.success, "failed": key.failed,
                       "recent_requests": recent_requests_json(&padded_buckets(&[]), now)}),
            ),
        };
        providers
            .entry(key.provider.clone())
            .or_default()
            .insert(object_key, value);
    }
    Outcome::Respond(Response::json(200, &json!(providers)))
}

fn auth_file_entry(account: &MockAccount, numeric_index: bool, now: i64) -> Value {
    let index = auth_index_for(&account.name, numeric_index);
    let index_value = if numeric_index {
        index.parse::<u64>().map(Value::from).unwrap_or(Value::Null)
    } else {
        Value::from(index)
    };
    let buckets = padded_buckets(&account.recent_requests);
    let success: u64 = buckets.iter().map(|(s, _)| s).sum();
    let failed: u64 = buckets.iter().map(|(_, f)| f).sum();
    let label = account
        .label
        .clone()
        .or_else(|| account.email.clone())
        .unwrap_or_else(|| account.provider.clone());

    let mut entry = Map::new();
    entry.insert("id".into(), account.name.clone().into());
    if !account.omit_auth_index {
        entry.insert("auth_index".into(), index_value);
    }
    entry.insert("name".into(), account.name.clone().into());
    entry.insert("type".into(), account.provider.clone().into());
    entry.insert("provider".into(), account.provider.clone().into());
    entry.insert("label".into(), label.into());
    entry.insert("status".into(), account.status.clone().into());
    entry.insert(
        "status_message".into(),
        account.status_message.clone().into(),
    );
    entry.insert("disabled".into(), account.disabled.into());
    entry.insert("unavailable".into(), account.unavailable.into());
    entry.insert("runtime_only".into(), false.into());
    entry.insert("source".into(), "file".into());
    entry.insert(
        "path".into(),
        format!("/root/.cli-proxy-api/{}", account.name).into(),
    );
    entry.insert("size".into(), (3_900 + account.name.len() as u64).into());
    entry.insert("success".into(), success.into());
    entry.insert("failed".into(), failed.into());
    entry.insert(
        "recent_requests".into(),
        recent_requests_json(&buckets, now),
    );
    entry.insert(
        "created_at".into(),
        "2025-11-02T16:15:04.123456789+08:00".into(),
    );
    entry.insert("modtime".into(), "2026-01-20T09:30:00.5+08:00".into());
    entry.insert("updated_at".into(), "2026-01-20T09:30:00.5+08:00".into());
    if let Some(last_refresh) = &account.last_refresh {
        entry.insert("last_refresh".into(), last_refresh.clone().into());
    }
    // An unknown field, to prove clients ignore what they do not know.
    entry.insert(
        "x_mock_unknown".into(),
        json!({ "nested": [1, "two", null], "flag": true }),
    );
    insert_optional_fields(&mut entry, account);
    Value::Object(entry)
}

fn insert_optional_fields(entry: &mut Map<String, Value>, account: &MockAccount) {
    if let Some(email) = &account.email {
        entry.insert("email".into(), email.clone().into());
    }
    if let Some(account_type) = &account.account_type {
        entry.insert("account_type".into(), account_type.clone().into());
    }
    if let Some(raw_key) = &account.api_key_account {
        entry.insert("account".into(), raw_key.clone().into());
    } else if let Some(email) = &account.email {
        entry.insert("account".into(), email.clone().into());
    }
    if let Some(retry) = &account.next_retry_after {
        entry.insert("next_retry_after".into(), retry.clone().into());
    }
    if let Some(priority) = account.priority {
        entry.insert("priority".into(), priority.into());
    }
    if let Some(project) = &account.project_id {
        entry.insert("project_id".into(), project.clone().into());
    }
    let mut id_token = Map::new();
    if let Some(id) = account
        .chatgpt_account_id
        .as_ref()
        .filter(|v| !v.is_empty())
    {
        id_token.insert("chatgpt_account_id".into(), id.clone().into());
    }
    if !account.plan.is_empty() {
        id_token.insert("plan_type".into(), account.plan.clone().into());
        id_token.insert(
            "chatgpt_subscription_active_start".into(),
            "2025-12-01T00:00:00+00:00".into(),
        );
    }
    if account.provider.eq_ignore_ascii_case("codex") && !id_token.is_empty() {
        entry.insert("id_token".into(), Value::Object(id_token));
    }
}

/// Exactly 20 `(success, failed)` buckets: the last 20 given, zero-padded at the front.
fn padded_buckets(recent: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let tail = &recent[recent.len().saturating_sub(20)..];
    let mut buckets = vec![(0, 0); 20 - tail.len()];
    buckets.extend_from_slice(tail);
    buckets
}

/// 20 buckets of 10 minutes, oldest first, the last containing `now` (labels in UTC).
fn recent_requests_json(buckets: &[(u64, u64)], now: i64) -> Value {
    let current_start = now - now.rem_euclid(600);
    let count = buckets.len() as i64;
    let items: Vec<Value> = buckets
        .iter()
        .enumerate()
        .map(|(i, (success, failed))| {
            let start = current_start - (count - 1 - i as i64) * 600;
            json!({
                "time": format!("{}-{}", clock_label(start), clock_label(start + 600)),
                "success": success,
                "failed": failed,
            })
        })
        .collect();
    Value::Array(items)
}

/// `HH:MM` of an epoch second, UTC.
fn clock_label(epoch: i64) -> String {
    let of_day = epoch.rem_euclid(86_400);
    format!("{:02}:{:02}", of_day / 3600, of_day % 3600 / 60)
}

// ---------------------------------------------------------------------------------------
// POST /v0/management/api-call
// ---------------------------------------------------------------------------------------

/// The validated api-call request.
struct ApiCall {
    auth_index: String,
    method: String,
    url: String,
    header: Vec<(String, String)>,
    data: String,
}

impl ApiCall {
    fn header(&self, name: &str) -> Option<&str> {
        self.header
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Counts an authenticated api-call in flight; updates the peak.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let now = shared.in_flight_api_calls.fetch_add(1, Ordering::SeqCst) + 1;
        let mut stats = shared.stats();
        stats.stats.max_concurrent_api_calls = stats.stats.max_concurrent_api_calls.max(now);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight_api_calls.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Decodes the body like Go's `ShouldBindJSON` into the upstream struct (string fields,
/// `map[string]string` header): any type mismatch is `invalid body`.
fn parse_api_call(body: &[u8], numeric_index: bool) -> Result<ApiCall, &'static str> {
    const INVALID: &str = "invalid body";
    let value: Value = serde_json::from_slice(body).map_err(|_| INVALID)?;
    let object = match value {
        Value::Object(object) => object,
        Value::Null => Map::new(),
        _ => return Err(INVALID),
    };
    let string_field = |name: &str| -> Result<String, &'static str> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(text)) => Ok(text.clone()),
            Some(_) => Err(INVALID),
        }
    };
    let index_field = |name: &str| -> Result<String, &'static str> {
        match object.get(name) {
            Some(Value::Number(number)) if numeric_index => Ok(number.to_string()),
            _ => string_field(name),
        }
    };
    let indexes = [
        index_field("auth_index")?,
        index_field("authIndex")?,
        index_field("AuthIndex")?,
    ];
    let method = string_field("method")?;
    let url = string_field("url")?;
    let data = string_field("data")?;
    let header = match object.get("header") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => {
            let mut header = Vec::new();
            for (name, value) in map {
                match value {
                    Value::String(text) => header.push((name.clone(), text.clone())),
                    Value::Null => header.push((name.clone(), String::new())),
                    _ => return Err(INVALID),
                }
            }
            header
        }
        Some(_) => return Err(INVALID),
    };
    let method = method.trim().to_ascii_uppercase();
    if method.is_empty() {
        return Err("missing method");
    }
    let url = url.trim().to_string();
    if url.is_empty() {
        return Err("missing url");
    }
    if !is_absolute_url(&url) {
        return Err("invalid url");
    }
    let auth_index = indexes
        .iter()
        .map(|index| index.trim())
        .find(|index| !index.is_empty())
        .unwrap_or("")
        .to_string();
    Ok(ApiCall {
        auth_index,
        method,
        url,
        header,
        data,
    })
}

/// `scheme://host...` with a non-empty scheme and host (Go: `url.Parse` + both set).
fn is_absolute_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    scheme_ok && !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The account an api-call addresses, as far as the handler needs it.
struct Target {
    chatgpt_account_id: Option<String>,
    plan: String,
    behaviour: UsageBehaviour,
    provider: String,
    project_id: Option<String>,
    side_body: Option<String>,
    reset_credits: Option<String>,
}

fn find_target(shared: &Shared, auth_index: &str) -> (Option<Target>, Duration) {
    let config = shared.config();
    let target = config
        .accounts
        .iter()
        .find(|account| {
            !auth_index.is_empty()
                && if account.omit_auth_index {
                    account.name == auth_index
                } else {
                    account.auth_index(config.numeric_auth_index) == auth_index
                }
        })
        .map(|account| Target {
            chatgpt_account_id: account.chatgpt_account_id.clone(),
            plan: account.plan.clone(),
            behaviour: account.behaviour.clone(),
            provider: account.provider.clone(),
            project_id: account.project_id.clone(),
            side_body: account.side_body.clone(),
            reset_credits: account.reset_credits.clone(),
        });
    (target, config.api_call_delay)
}

/// Records the call; returns its 1-based number for this `auth_index`.
fn record_api_call(shared: &Shared, call: &ApiCall, target: Option<&Target>) -> u64 {
    let mut stats = shared.stats();
    let stats = &mut stats.stats;
    let path = url_path(&call.url);
    *stats.calls_per_path.entry(path.clone()).or_insert(0) += 1;
    if call.url.to_ascii_lowercase().contains("consume") {
        stats.consume_calls += 1;
    }
    if path == RESET_CREDITS_PATH {
        *stats
            .reset_credit_calls
            .entry(call.auth_index.clone())
            .or_insert(0) += 1;
    }
    let calls = stats
        .calls_per_auth_index
        .entry(call.auth_index.clone())
        .or_insert(0);
    *calls += 1;
    let call_number = *calls;
    if let Some(sent) = call.header("chatgpt-account-id") {
        stats.calls_with_account_id_header += 1;
        let expected = target.and_then(|t| t.chatgpt_account_id.as_deref());
        if expected != Some(sent) {
            stats.account_id_mismatches += 1;
        }
    }
    call_number
}

fn api_call(request: &Request, shared: &Shared) -> Outcome {
    let _in_flight = InFlight::enter(shared);
    let numeric = shared.config().numeric_auth_index;
    let call = match parse_api_call(&request.body, numeric) {
        Ok(call) => call,
        Err(message) => return Outcome::Respond(Response::error(400, message)),
    };
    let (target, delay) = find_target(shared, &call.auth_index);
    let call_number = record_api_call(shared, &call, target.as_ref());
    if !shared.sleep(delay) {
        return Outcome::Close;
    }
    let uses_token = call.header.iter().any(|(_, v)| v.contains("$TOKEN$"));
    let Some(target) = target else {
        return upstream_response(shared, &call, None, call_number);
    };
    if uses_token && *innermost(&target.behaviour) == UsageBehaviour::NoToken {
        return Outcome::Respond(Response::error(400, "auth token not found"));
    }
    upstream_response(shared, &call, Some(&target), call_number)
}

/// What one behaviour resolves to for one call, after its delays.
enum Resolved {
    Plain(u16),
    Unreachable,
    Hang,
    Stopped,
    Upstream,
}

fn resolve(behaviour: &UsageBehaviour, call_number: u64, shared: &Shared) -> Resolved {
    match behaviour {
        UsageBehaviour::Delay(delay, inner) => {
            if shared.sleep(*delay) {
                resolve(inner, call_number, shared)
            } else {
                Resolved::Stopped
            }
        }
        UsageBehaviour::FailTimes(times, inner) => {
            if call_number <= u64::from(*times) {
                Resolved::Plain(500)
            } else {
                resolve(inner, call_number - u64::from(*times), shared)
            }
        }
        UsageBehaviour::Status(code) => Resolved::Plain(*code),
        UsageBehaviour::Envelope502 => Resolved::Unreachable,
        UsageBehaviour::Hang => Resolved::Hang,
        UsageBehaviour::Ok { .. } | UsageBehaviour::Raw { .. } | UsageBehaviour::NoToken => {
            Resolved::Upstream
        }
    }
}

/// The behaviour at the end of a Delay/FailTimes chain.
fn innermost(behaviour: &UsageBehaviour) -> &UsageBehaviour {
    match behaviour {
        UsageBehaviour::Delay(_, inner) | UsageBehaviour::FailTimes(_, inner) => innermost(inner),
        other => other,
    }
}

fn upstream_response(
    shared: &Shared,
    call: &ApiCall,
    target: Option<&Target>,
    call_number: u64,
) -> Outcome {
    if let Some(target) = target {
        match resolve(&target.behaviour, call_number, shared) {
            Resolved::Plain(code) => {
                return Outcome::Respond(Response::error(code, "internal server error"))
            }
            Resolved::Unreachable => {
                return Outcome::Respond(Response::error(502, "request failed"))
            }
            Resolved::Hang => return Outcome::Hang,
            Resolved::Stopped => return Outcome::Close,
            Resolved::Upstream => {}
        }
    }
    if call.url != shared.usage_url {
        return provider_response(shared, call, target);
    }
    if target.is_some_and(|t| !t.provider.eq_ignore_ascii_case("codex")) {
        // Another provider's account asked at the Codex usage URL.
        shared.stats().stats.wrong_url_calls += 1;
        return envelope(401, UNAUTHORIZED_BODY);
    }
    let bearer_ok = call.header("authorization") == Some("Bearer $TOKEN$");
    let target = match target {
        Some(target) if bearer_ok => target,
        // Unknown auth_index: the server sends the literal `Bearer $TOKEN$` upstream.
        None if bearer_ok => {
            shared.stats().stats.upstream_unauthorized += 1;
            return envelope(401, UNPARSED_TOKEN_BODY);
        }
        _ => {
            shared.stats().stats.upstream_unauthorized += 1;
            return envelope(401, UNAUTHORIZED_BODY);
        }
    };
    if call.method != "GET" {
        return envelope(405, "{\"detail\":\"Method Not Allowed\"}");
    }
    match innermost(&target.behaviour) {
        UsageBehaviour::Ok {
            primary_used,
            primary_window_s,
            primary_reset_after,
            secondary,
        } => {
            let body = usage_body(
                &target.plan,
                (*primary_used, *primary_window_s, *primary_reset_after),
                *secondary,
                now_epoch(),
            );
            envelope(200, &body)
        }
        UsageBehaviour::Raw { status_code, body } => envelope(*status_code, body),
        _ => {
            shared.stats().stats.upstream_unauthorized += 1;
            envelope(401, UNAUTHORIZED_BODY)
        }
    }
}

/// The path of an absolute URL (`/api/oauth/usage`).
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or("/").to_string()
}

/// What the provider URL of a call is for, when it is one of this mock's.
#[derive(PartialEq)]
enum ProviderRoute {
    ResetCredits,
    ClaudeUsage,
    ClaudeProfile,
    AntigravityDenied,
    AntigravityQuota,
    AntigravityTier,
    KimiUsage,
    XaiBilling,
    GeminiCliQuota,
}

fn provider_route(path: &str) -> Option<(ProviderRoute, &'static str, &'static str)> {
    let route = match path {
        RESET_CREDITS_PATH => (ProviderRoute::ResetCredits, "codex", "GET"),
        CLAUDE_USAGE_PATH => (ProviderRoute::ClaudeUsage, "claude", "GET"),
        CLAUDE_PROFILE_PATH => (ProviderRoute::ClaudeProfile, "claude", "GET"),
        KIMI_USAGE_PATH => (ProviderRoute::KimiUsage, "kimi", "GET"),
        v8::XAI_BILLING_PATH => (ProviderRoute::XaiBilling, "xai", "GET"),
        v8::GEMINI_CLI_QUOTA_PATH => (ProviderRoute::GeminiCliQuota, "gemini-cli", "POST"),
        p if p.starts_with(ANTIGRAVITY_DENIED_BASE) => {
            (ProviderRoute::AntigravityDenied, "antigravity", "POST")
        }
        p if p == format!("{ANTIGRAVITY_BASE}{ANTIGRAVITY_QUOTA_PATH}") => {
            (ProviderRoute::AntigravityQuota, "antigravity", "POST")
        }
        p if p == format!("{ANTIGRAVITY_BASE}{ANTIGRAVITY_TIER_PATH}") => {
            (ProviderRoute::AntigravityTier, "antigravity", "POST")
        }
        _ => return None,
    };
    Some(route)
}

/// Upstream answers of the non-Codex provider URLs and the Codex reset credits.
fn provider_response(shared: &Shared, call: &ApiCall, target: Option<&Target>) -> Outcome {
    let expected_origin = shared
        .usage_url
        .strip_suffix(USAGE_PATH)
        .unwrap_or(&shared.usage_url)
        .to_string();
    let path = url_path(&call.url);
    let route = provider_route(&path).filter(|_| call.url.starts_with(&expected_origin));
    let (route, provider, method) = match route {
        Some(route) => route,
        None => {
            shared.stats().stats.wrong_url_calls += 1;
            return envelope(404, "{\"detail\":\"Not Found\"}");
        }
    };
    let bearer_ok = call.header("authorization") == Some("Bearer $TOKEN$");
    let target = match target {
        Some(target) if bearer_ok => target,
        _ => {
            shared.stats().stats.upstream_unauthorized += 1;
            return envelope(401, UNAUTHORIZED_BODY);
        }
    };
    if !target.provider.eq_ignore_ascii_case(provider) {
        shared.stats().stats.wrong_url_calls += 1;
        return envelope(401, UNAUTHORIZED_BODY);
    }
    if call.method != method {
        return envelope(405, "{\"detail\":\"Method Not Allowed\"}");
    }
    let not_found = || envelope(404, "{\"error\":{\"code\":404,\"message\":\"Not Found\"}}");
    match route {
        ProviderRoute::ResetCredits => match &target.reset_credits {
            Some(body) => envelope(200, body),
            None => not_found(),
        },
        ProviderRoute::ClaudeProfile | ProviderRoute::AntigravityTier => match &target.side_body {
            Some(body) => envelope(200, body),
            None => not_found(),
        },
        ProviderRoute::AntigravityDenied => envelope(
            403,
            "{\"error\":{\"code\":403,\"message\":\"The caller does not have permission\",\"status\":\"PERMISSION_DENIED\"}}",
        ),
        ProviderRoute::AntigravityQuota => {
            let sent: Option<Value> = serde_json::from_str(&call.data).ok();
            let project = sent
                .as_ref()
                .and_then(|v| v.get("project"))
                .and_then(Value::as_str);
            if project.is_none() || project != target.project_id.as_deref() {
                return envelope(
                    400,
                    "{\"error\":{\"code\":400,\"message\":\"Invalid project\",\"status\":\"INVALID_ARGUMENT\"}}",
                );
            }
            raw_behaviour(shared, target)
        }
        ProviderRoute::ClaudeUsage
        | ProviderRoute::KimiUsage
        | ProviderRoute::XaiBilling
        | ProviderRoute::GeminiCliQuota => {
            raw_behaviour(shared, target)
        }
    }
}

/// The account's `Raw` behaviour as the upstream answer (others: 401).
fn raw_behaviour(shared: &Shared, target: &Target) -> Outcome {
    match innermost(&target.behaviour) {
        UsageBehaviour::Raw { status_code, body } => envelope(*status_code, body),
        _ => {
            shared.stats().stats.upstream_unauthorized += 1;
            envelope(401, UNAUTHORIZED_BODY)
        }
    }
}

/// HTTP 200 `{"status_code":..,"header":{..},"body":".."}` (upstream struct field order).
fn envelope(status_code: u16, body: &str) -> Outcome {
    let content_type = if body.trim_start().starts_with('<') {
        "text/html; charset=UTF-8"
    } else {
        "application/json"
    };
    let header = json!({
        "Content-Type": [content_type],
        "Date": ["Tue, 20 Jan 2026 09:30:00 GMT"],
    });
    let text = format!(
        "{{\"status_code\":{status_code},\"header\":{},\"body\":{}}}",
        go_json(&header),
        go_json(&Value::from(body))
    );
    Outcome::Respond(Response::new(200, JSON_TYPE, text))
}

/// A realistic `wham/usage` body. Windows are `(used, window_s, reset_after_s)`.
pub fn usage_body(
    plan: &str,
    primary: (f64, i64, i64),
    secondary: Option<(f64, i64, i64)>,
    now: i64,
) -> String {
    let window = |(used, window_s, reset_after): (f64, i64, i64)| {
        json!({
            "used_percent": percent_value(used),
            "limit_window_seconds": window_s,
            "reset_after_seconds": reset_after,
            "reset_at": now + reset_after,
        })
    };
    let limit_reached = primary.0 >= 100.0 || secondary.is_some_and(|s| s.0 >= 100.0);
    let additional = if plan.starts_with("pro") {
        json!([{
            "limit_name": "GPT-5.3-Codex-Spark",
            "metered_feature": "codex_bengalfox",
            "rate_limit": {
                "allowed": true,
                "limit_reached": false,
                "primary_window": window((0.0, FIVE_HOURS_S, FIVE_HOURS_S)),
                "secondary_window": window((3.0, WEEK_S, WEEK_S)),
            }
        }])
    } else {
        Value::Null
    };
    let body = json!({
        "plan_type": plan,
        "rate_limit": {
            "allowed": !limit_reached,
            "limit_reached": limit_reached,
            "primary_window": window(primary),
            "secondary_window": secondary.map(window),
        },
        "code_review_rate_limit": null,
        "additional_rate_limits": additional,
        "credits": { "has_credits": false, "unlimited": false, "balance": "0" },
    });
    body.to_string()
}

/// Integers as JSON integers (as upstream sends them), fractions as floats.
fn percent_value(used: f64) -> Value {
    if used.is_finite() && used.fract() == 0.0 && used.abs() < 1e15 {
        Value::from(used as i64)
    } else {
        Value::from(used)
    }
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Compact JSON escaped like Go's `encoding/json` (HTML-safe `<`, `>`, `&`, U+2028/9).
fn go_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// RFC 3339 (UTC, `Z`) of an epoch, without a date library.
pub fn rfc3339_utc(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// SplitMix64: a tiny deterministic generator for [`generated_pool`].
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

/// A deterministic, realistic pool of `n` accounts for benches: ~65% plus, 15% prolite,
/// 10% pro, 10% team; varied 5h/weekly usage (some week-killed, some pro accounts with a
/// weekly window only); every 17th disabled, every 23rd cooling down (unavailable with
/// `next_retry_after`), every 31st rate limited (429), every 37th an HTML challenge,
/// every 41st an upstream 401. Names are `codex-userNNNN@example.com-<plan>.json`.
pub fn generated_pool(n: usize) -> Vec<MockAccount> {
    (0..n).map(generated_account).collect()
}

fn generated_account(i: usize) -> MockAccount {
    let mut rng = SplitMix(0x5eed_0000 + i as u64);
    let plan = match rng.below(20) {
        0..=1 => "pro",
        2..=4 => "prolite",
        5..=6 => "team",
        _ => "plus",
    };
    let email = format!("user{i:04}@example.com");
    let mut account = MockAccount::new(&email, plan);
    account.chatgpt_account_id = Some(format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        rng.next() as u32,
        rng.below(0x1_0000),
        rng.below(0x1000),
        rng.below(0x1000),
        rng.next() & 0xffff_ffff_ffff
    ));
    account.recent_requests = (0..20)
        .map(|_| {
            let failed = if rng.below(8) == 0 { rng.below(5) } else { 0 };
            (rng.below(30), failed)
        })
        .collect();
    account.behaviour = generated_behaviour(i, plan, &mut rng);
    if i % 17 == 16 {
        account.disabled = true;
        account.status = "disabled".to_string();
    }
    if i % 23 == 22 {
        account.unavailable = true;
        account.status = "error".to_string();
        account.status_message =
            "{\"error\":{\"type\":\"usage_limit_reached\",\"message\":\"The usage limit has been reached\"}}"
                .to_string();
        account.next_retry_after = Some("2030-01-01T00:00:00Z".to_string());
    }
    if i.is_multiple_of(5) {
        account.priority = Some((i % 3) as i64);
    }
    account
}

fn generated_behaviour(i: usize, plan: &str, rng: &mut SplitMix) -> UsageBehaviour {
    if i % 31 == 30 {
        return UsageBehaviour::rate_limited(600 + rng.below(3_000) as i64);
    }
    if i % 37 == 36 {
        return UsageBehaviour::html_challenge();
    }
    if i % 41 == 40 {
        return UsageBehaviour::unauthorized();
    }
    let used = |rng: &mut SplitMix| {
        let whole = rng.below(101) as f64;
        if rng.below(4) == 0 && whole < 100.0 {
            whole + 0.5
        } else {
            whole
        }
    };
    let weekly_used = if rng.below(10) == 0 {
        98.0 + rng.below(3) as f64
    } else {
        used(rng)
    };
    let weekly_reset = 3_600 + rng.below(WEEK_S as u64 - 3_600) as i64;
    if plan == "pro" && rng.below(3) == 0 {
        return UsageBehaviour::Ok {
            primary_used: weekly_used,
            primary_window_s: WEEK_S,
            primary_reset_after: weekly_reset,
            secondary: None,
        };
    }
    UsageBehaviour::Ok {
        primary_used: used(rng),
        primary_window_s: FIVE_HOURS_S,
        primary_reset_after: 60 + rng.below(FIVE_HOURS_S as u64 - 60) as i64,
        secondary: Some((weekly_used, WEEK_S, weekly_reset)),
    }
}
