//! HTTP side of the Management API: the credential list (pages, the v8
//! probe), api-calls, plugin quota reads and api-key usage, with caps, one
//! retry (transport errors and 5xx only) and no redirects. It knows no
//! provider: the recipes in `providers/` call it, and `pool_fetch.rs` runs a
//! whole fetch (the list, then each account's recipe in a sliding window).
//! A 401/403 from the Management API stops every later request of this
//! client; it is never retried.
//!
//! The key guard's budget ([`Client::with_failure_budget`]): never more
//! management requests in flight than the failed key attempts the guard still
//! allows, so even a key rotated mid-refresh (every request in flight then
//! fails) cannot go past it; after the first 401/403 nothing more is sent.
//! Every 401 is counted ([`Client::key_failures`]) and a ban answered after it
//! is kept ([`Client::ban`]); answers that arrived before are kept too.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::api_keys::parse_api_key_usage;
use super::auth_files::{describe_non_json, parse_auth_files_page, AuthFileEntry};
use super::error::{classify_auth, FetchError};
use super::provider_urls::ProviderUrls;
use super::routes::{self, Api, Endpoint, Learned, ProbeVerdict};
use crate::model::{ApiKeyUsage, Epoch, Usage};
use crate::redact::Redactor;
use crate::secrets::Secret;

/// Pause before the single retry of a transport error or 5xx.
const RETRY_PAUSE: Duration = Duration::from_millis(350);

/// What a fetch needs to know.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Normalised pool base URL, e.g. `http://127.0.0.1:8317`.
    pub pool_url: String,
    /// URL the pool calls upstream for each account's quota.
    pub usage_url: String,
    /// How many usage calls may be in flight at once.
    pub concurrency: usize,
    /// Timeout of each HTTP request.
    pub request_timeout: Duration,
    /// Deadline of the whole fetch.
    pub deadline: Duration,
}

/// The result of fetching one account's usage.
pub type UsageResult = Result<Usage, String>;

/// Everything one fetch learned.
#[derive(Debug, Default)]
pub struct FetchReport {
    /// The selected accounts, in server order.
    pub entries: Vec<AuthFileEntry>,
    /// Usage per account id; accounts that were not fetched are absent.
    pub usages: Vec<(String, UsageResult)>,
    /// `X-CPA-VERSION` of the server.
    pub server_version: Option<String>,
    /// True when the deadline cut the usage calls short.
    pub deadline_hit: bool,
    /// Ids of the accounts the deadline cut off (asked, never answered).
    pub cut_by_deadline: Vec<String>,
    /// How many auth files the server listed before `providers`/`hidden` filtered them.
    pub auth_files_seen: Option<usize>,
    /// The API generation the server answered on (`v0`/`v8`), when learned.
    pub management_api: Option<String>,
    /// Said when the v8 probe got an odd answer and the fetch fell back.
    pub api_notice: Option<String>,
}

/// Failure of one usage call: either this account's problem or the end of the fetch.
#[derive(Debug)]
pub enum UsageFailure {
    Account(String),
    Fatal(FetchError),
}

/// A Management API client for one pool and key.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    options: FetchOptions,
    key: Arc<Secret>,
    /// Upstream URLs of every provider (Codex usage from `options.usage_url`).
    urls: Arc<ProviderUrls>,
    /// Auth file names whose reset credits were read less than 30 minutes ago.
    reset_credits_fresh: Arc<std::collections::HashSet<String>>,
    /// When each account's reset credits were read (a newer credits signal makes them due).
    reset_credits_read_at: Arc<std::collections::HashMap<String, Epoch>>,
    /// False: never read reset credits (`test-fetch` makes one usage call only).
    reset_credits: bool,
    /// Plans read by a plan call recently, by auth file name: no new call for those.
    known_plans: Arc<std::collections::HashMap<String, Option<String>>>,
    /// Removes the key and every raw upstream key seen from server text.
    redactor: Redactor,
    /// Bytes of api-call answers being read right now, across every call of this fetch.
    in_flight: Arc<AtomicUsize>,
    /// Management requests that may be in flight at once (the guard's budget).
    failure_budget: usize,
    /// What the management answers of this client said about the key.
    answers: Arc<KeyAnswers>,
    /// What the cache remembers about this server's API (see [`routes`]).
    learned: Option<Learned>,
    /// The API in use and what the probe found (set by the credential list).
    route: Arc<std::sync::Mutex<RouteState>>,
    /// Credentials per page when the server pages its list.
    page_size: usize,
}

/// The key answers of one fetch (shared by the clones of its client).
#[derive(Debug, Default)]
struct KeyAnswers {
    /// A 401/403 arrived: send nothing more.
    stopped: AtomicBool,
    /// 401/403 answers that count as failed key attempts on the server.
    key_failures: AtomicUsize,
    /// A management request was answered with success (the key was accepted).
    accepted: AtomicBool,
    /// The server's ban answer, if one arrived (it wins over a 401 before it).
    ban: Mutex<Option<FetchError>>,
    /// The first 401/403 answer.
    first: Mutex<Option<FetchError>>,
}

/// The API a client speaks after its credential list answered.
#[derive(Clone, Debug)]
pub struct RouteState {
    pub api: Api,
    /// True when this client asked `/v8` (and found out).
    pub probed_v8: bool,
    /// Said when the v8 probe got an odd answer (HTML, a redirect, a 5xx).
    pub notice: Option<String>,
    /// Credential list requests made (pages included).
    pub list_requests: usize,
}

/// Credentials asked per page by default (a 5,000-entry page is about 10 MB).
pub const DEFAULT_PAGE_SIZE: usize = crate::config::DEFAULT_CREDENTIALS_PAGE_SIZE;
/// The most pages read from one list (a server that ignores `page` stops sooner).
const MAX_PAGES: usize = 1000;

impl Client {
    /// Build a client; fails only when the TLS backend cannot start.
    /// Redirects are never followed: a management request that is redirected
    /// would drop (or leak) the key, so a 3xx is an error naming the new place.
    pub fn new(options: FetchOptions, key: Secret) -> Result<Client, FetchError> {
        let mut builder = reqwest::Client::builder()
            .timeout(options.request_timeout)
            .connect_timeout(options.request_timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("poolwatch/", env!("CARGO_PKG_VERSION")))
            // A redirect is an answer to judge (routes::judge), never followed.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(options.concurrency.max(1));
        if is_loopback_url(&options.pool_url) {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| FetchError::Unreachable(crate::tr!("net.client", error = e)))?;
        let urls = ProviderUrls {
            codex_usage: options.usage_url.clone(),
            ..ProviderUrls::default()
        };
        let redactor = Redactor::with_secret(key.expose());
        Ok(Client {
            http,
            options,
            key: Arc::new(key),
            redactor,
            in_flight: Arc::default(),
            urls: Arc::new(urls),
            reset_credits_fresh: Arc::default(),
            reset_credits_read_at: Arc::default(),
            reset_credits: true,
            known_plans: Arc::default(),
            failure_budget: usize::MAX,
            answers: Arc::default(),
            learned: None,
            route: Arc::new(std::sync::Mutex::new(RouteState {
                api: Api::V0,
                probed_v8: false,
                notice: None,
                list_requests: 0,
            })),
            page_size: DEFAULT_PAGE_SIZE,
        })
    }

    /// At most `budget` management requests in flight (the failed key
    /// attempts the guard still allows; at least 1).
    pub fn with_failure_budget(mut self, budget: usize) -> Self {
        self.failure_budget = budget.max(1);
        self
    }

    /// 401/403 answers so far that count as failed key attempts.
    pub fn key_failures(&self) -> usize {
        self.answers.key_failures.load(Ordering::SeqCst)
    }

    /// True when a management request of this client was accepted.
    pub fn key_accepted(&self) -> bool {
        self.answers.accepted.load(Ordering::SeqCst)
    }

    /// The server's IP-ban answer, if one arrived.
    pub fn ban(&self) -> Option<FetchError> {
        self.answers
            .ban
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// True once a key answer (401/403) stopped this client.
    pub fn stopped(&self) -> bool {
        self.answers.stopped.load(Ordering::SeqCst)
    }

    /// Note what a management answer says about the key (every management
    /// request's status goes through here).
    fn note_answer(&self, checked: &Result<(), FetchError>) {
        match checked {
            Ok(()) => self.answers.accepted.store(true, Ordering::SeqCst),
            Err(error @ FetchError::Auth(_)) => {
                self.answers.stopped.store(true, Ordering::SeqCst);
                self.answers
                    .first
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert_with(|| error.clone());
                if error.is_failed_key_attempt() {
                    self.answers.key_failures.fetch_add(1, Ordering::SeqCst);
                }
                if error.ban_seconds().is_some() {
                    *self.answers.ban.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(error.clone());
                }
            }
            Err(_) => {}
        }
    }

    /// Start from what the cache remembers about this server's API.
    pub fn with_learned(mut self, learned: Option<Learned>) -> Self {
        if let Some(api) = learned.as_ref().and_then(|l| l.api) {
            self.route_state().api = api;
        }
        self.learned = learned;
        self
    }

    /// Ask the credential list in pages of `size` where the server pages.
    pub fn with_page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    fn route_state(&self) -> std::sync::MutexGuard<'_, RouteState> {
        self.route
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The API in use and what the probe found.
    pub fn route(&self) -> RouteState {
        self.route_state().clone()
    }

    /// False for servers known to list everything at once (before v7.3, by
    /// the version learned earlier): no `page` parameter, no second request.
    fn may_page(&self) -> bool {
        let version = self.learned.as_ref().and_then(|l| l.version.as_deref());
        version.is_none_or(routes::pages_from)
    }

    /// What to remember about this server after a list answered with `version`.
    pub fn learned_after(&self, version: Option<&str>) -> Learned {
        let route = self.route();
        routes::learn(self.learned.as_ref(), route.api, route.probed_v8, version)
    }

    /// Use these provider URLs (the Codex usage URL stays `options.usage_url`).
    pub fn with_provider_urls(mut self, urls: ProviderUrls) -> Self {
        self.urls = Arc::new(ProviderUrls {
            codex_usage: self.options.usage_url.clone(),
            ..urls
        });
        self
    }

    /// Skip the reset-credits call for these auth file names (read recently).
    pub fn with_reset_credits_fresh(mut self, names: std::collections::HashSet<String>) -> Self {
        self.reset_credits_fresh = Arc::new(names);
        self
    }

    /// When each account's reset credits were read, by auth file name.
    pub fn with_reset_credits_read_at(
        mut self,
        read_at: std::collections::HashMap<String, Epoch>,
    ) -> Self {
        self.reset_credits_read_at = Arc::new(read_at);
        self
    }

    /// Reuse these plans (by auth file name) instead of asking the plan call again.
    pub fn with_known_plans(
        mut self,
        plans: std::collections::HashMap<String, Option<String>>,
    ) -> Self {
        self.known_plans = Arc::new(plans);
        self
    }

    /// The plan read recently for this account, if any (`Some(None)`: read, no plan).
    pub fn known_plan(&self, entry: &AuthFileEntry) -> Option<Option<String>> {
        self.known_plans.get(&entry.name).cloned()
    }

    /// Never read reset credits with this client.
    pub fn without_reset_credits(mut self) -> Self {
        self.reset_credits = false;
        self
    }

    /// The provider URLs in use.
    pub fn provider_urls(&self) -> &ProviderUrls {
        &self.urls
    }

    /// True when this Codex account's reset credits should be read in this fetch.
    pub fn reset_credits_due(&self, entry: &AuthFileEntry) -> bool {
        let signal = match (
            &entry.observation,
            self.reset_credits_read_at.get(&entry.name),
        ) {
            (Some(o), Some(read_at)) => o.credits.is_some() && o.at > *read_at,
            _ => false,
        };
        self.reset_credits && (signal || !self.reset_credits_fresh.contains(&entry.name))
    }

    /// The redactor of this client (server text passes through it).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    fn endpoint(&self, endpoint: Endpoint) -> String {
        let api = self.route_state().api;
        format!("{}{}", self.options.pool_url, api.path(endpoint))
    }

    /// A management `GET` with the key and `Accept: application/json`.
    fn management_get(&self, url: &str) -> reqwest::RequestBuilder {
        self.http
            .get(url)
            .bearer_auth(self.key.expose())
            .header("Accept", "application/json")
    }

    /// One credential list request on `api` (page `page`, or the whole list),
    /// retried once on transport errors and 5xx.
    async fn list_request(
        &self,
        api: Api,
        page: Option<usize>,
    ) -> Result<(u16, Option<String>, String), FetchError> {
        let mut url = format!(
            "{}{}",
            self.options.pool_url,
            api.path(Endpoint::Credentials)
        );
        if let Some(page) = page.filter(|_| self.may_page()) {
            url.push_str(&format!("?page={page}&page_size={}", self.page_size));
        }
        self.route_state().list_requests += 1;
        with_one_retry(self.options.request_timeout, || async {
            let response = self
                .management_get(&url)
                .send()
                .await
                .map_err(|e| self.transport_error(e))?;
            self.read_response(response, BodyKind::List).await
        })
        .await
    }

    /// The credential list (`GET /v8/management/credentials` or
    /// `GET /v0/management/auth-files`, see [`routes`]), page by page where the
    /// server pages, else whole. Sets the API the rest of the fetch uses.
    pub async fn auth_files(&self) -> Result<(Vec<AuthFileEntry>, Option<String>), FetchError> {
        self.credentials(&|_| true).await
    }

    /// [`Client::auth_files`] keeping only the entries `keep` wants (pages are
    /// filtered as they arrive, so memory follows the selection); the count is
    /// of every entry the server listed.
    pub async fn credentials(
        &self,
        keep: &dyn Fn(&AuthFileEntry) -> bool,
    ) -> Result<(Vec<AuthFileEntry>, Option<String>), FetchError> {
        let (entries, version, _) = self.credentials_counted(keep).await?;
        Ok((entries, version))
    }

    /// The list, the server version and how many entries the server listed.
    pub async fn credentials_counted(
        &self,
        keep: &dyn Fn(&AuthFileEntry) -> bool,
    ) -> Result<(Vec<AuthFileEntry>, Option<String>, usize), FetchError> {
        let first = routes::first_choice(self.learned.as_ref());
        let mut api = first;
        let (status, version, body) = loop {
            let answer = self.list_request(api, Some(1)).await;
            if api == Api::V8 {
                self.route_state().probed_v8 = true;
            }
            let (status, version, body) = match answer {
                // A redirect is never followed; on the v8 probe it is an odd
                // answer like an HTML page: v0 is asked, with a notice.
                Err(FetchError::Redirect { status, .. }) if api == Api::V8 && api == first => {
                    self.route_state().notice = Some(crate::tr!(
                        "routes.v8_odd",
                        answer = format!("HTTP {status}"),
                        fallback = api.other().name()
                    ));
                    api = api.other();
                    continue;
                }
                other => other?,
            };
            let html = looks_like_html(&body);
            let verdict = routes::judge(api, status, &body, html);
            if verdict == ProbeVerdict::Answer || api != first {
                break (status, version, body);
            }
            if verdict == ProbeVerdict::Odd {
                let what = if html && (200..300).contains(&status) {
                    "HTML".to_string()
                } else {
                    format!("HTTP {status}")
                };
                self.route_state().notice = Some(crate::tr!(
                    "routes.v8_odd",
                    answer = what,
                    fallback = api.other().name()
                ));
            }
            api = api.other();
        };
        self.route_state().api = api;
        let checked = check_management_status(status, &body, &self.redactor);
        self.note_answer(&checked);
        checked?;
        let page = parse_auth_files_page(&body).map_err(FetchError::BadResponse)?;
        drop(body);
        let mut seen = page.files.len();
        let mut first_id = page.files.first().map(|e| e.id.clone());
        let total = page.total;
        let mut paged = self.may_page() && page.files.len() == self.page_size;
        let mut entries: Vec<AuthFileEntry> = self.kept_redacted(page.files, keep);
        let mut number = 1;
        while paged && number < MAX_PAGES && total.is_none_or(|t| seen < t) {
            number += 1;
            if self.stopped() {
                break;
            }
            let (status, _, body) = self.list_request(api, Some(number)).await?;
            let checked = check_management_status(status, &body, &self.redactor);
            self.note_answer(&checked);
            checked?;
            let page = parse_auth_files_page(&body).map_err(FetchError::BadResponse)?;
            drop(body);
            let this_first = page.files.first().map(|e| e.id.clone());
            // A server that ignores `page` answers the same list again.
            if page.files.is_empty() || this_first == first_id {
                break;
            }
            paged = page.files.len() == self.page_size;
            first_id = this_first;
            seen += page.files.len();
            entries.extend(self.kept_redacted(page.files, keep));
        }
        Ok((entries, version, seen))
    }

    /// The entries of one list answer that `keep` wants, redacted: the raw
    /// keys of every api_key auth (kept or not) are learned by the redactor
    /// first, then every text field of the kept entries is cleaned.
    fn kept_redacted(
        &self,
        files: Vec<AuthFileEntry>,
        keep: &dyn Fn(&AuthFileEntry) -> bool,
    ) -> Vec<AuthFileEntry> {
        for entry in &files {
            if let Some(raw) = &entry.raw_api_key {
                self.redactor.learn(raw.expose());
            }
        }
        files
            .into_iter()
            .filter(|e| keep(e))
            .map(|mut entry| {
                redact_entry(&mut entry, &self.redactor);
                entry
            })
            .collect()
    }

    /// `GET /v0/management/api-key-usage` (one call, no retry): `Ok(None)` when
    /// the server is older than the endpoint (404), the parsed rows otherwise.
    /// `Err` carries a fixed sentence (never the body: it holds raw keys); the
    /// caller keeps the previous rows then, so this never fails a refresh.
    /// The raw keys of the answer are learned by the redactor.
    pub async fn api_key_usage(&self) -> Result<Option<Vec<ApiKeyUsage>>, String> {
        if self.stopped() {
            return Err("api-key-usage not asked: the key was refused".to_string());
        }
        let url = self.endpoint(Endpoint::ApiKeyUsage);
        let response = self
            .management_get(&url)
            .send()
            .await
            .map_err(|e| self.transport_error(e).to_string())?;
        let (status, _, body) = self
            .read_response(response, BodyKind::KeyList)
            .await
            .map_err(|e| e.to_string())?;
        if matches!(status, 401 | 403) {
            self.note_answer(&check_management_status(status, &body, &self.redactor));
        }
        match status {
            404 => Ok(None),
            200..=299 => {
                for raw in super::api_keys::raw_keys(&body) {
                    self.redactor.learn(&raw);
                }
                let mut rows = parse_api_key_usage(&body)?;
                for row in &mut rows {
                    self.redactor.scrub(&mut row.provider);
                    self.redactor.scrub(&mut row.host);
                }
                Ok(Some(rows))
            }
            other => Err(format!("api-key-usage answered HTTP {other}")),
        }
    }

    /// One `POST /v0/management/api-call`: the upstream status and body
    /// (redacted). Management auth failures and redirects are fatal;
    /// everything else is the account's.
    pub async fn api_call(&self, request: &Value) -> Result<(u16, String), UsageFailure> {
        let url = self.endpoint(Endpoint::ApiCall);
        let outcome = with_one_retry(self.options.request_timeout, || async {
            if self.stopped() {
                // After the first 401/403 nothing more is sent.
                return Err(FetchError::BadResponse(NOT_SENT.to_string()));
            }
            let response = self
                .http
                .post(&url)
                .bearer_auth(self.key.expose())
                .json(request)
                .send()
                .await
                .map_err(|e| self.transport_error(e))?;
            self.read_response(response, BodyKind::ApiCall).await
        })
        .await;
        let (status, version, body) = outcome.map_err(per_account)?;
        let checked = check_management_status(status, &body, &self.redactor);
        self.note_answer(&checked);
        if let Err(err) = checked {
            return Err(match err {
                // Servers before v6.6.63 have no api-call route (gin's 404 page).
                FetchError::Http { status: 404, .. } => {
                    UsageFailure::Fatal(FetchError::ServerTooOld { version })
                }
                FetchError::Auth(_) | FetchError::ManagementDisabled => UsageFailure::Fatal(err),
                other => UsageFailure::Account(other.to_string()),
            });
        }
        parse_envelope(&body)
            .map(|(status, upstream)| (status, self.redactor.clean(upstream)))
            .map_err(UsageFailure::Account)
    }

    /// One `GET …/plugins/<plugin>/quota?auth_index=…` (a management request:
    /// bcrypt-checked like an api-call, on the API the list answered on): the
    /// plugin's normalized answer (redacted). A 401/403 is fatal like any
    /// management answer; a 404 (no such plugin, or a server without plugins)
    /// and a 502 (the plugin failed) are the account's.
    pub async fn plugin_quota(
        &self,
        plugin: &str,
        auth_index: &str,
    ) -> Result<String, UsageFailure> {
        let api = self.route_state().api;
        let url = format!("{}{}", self.options.pool_url, api.plugin_quota_path(plugin));
        // No retry: a 502 is the plugin's upstream failing, and asking again
        // would cost the server and the upstream another request.
        let outcome = async {
            if self.stopped() {
                return Err(FetchError::BadResponse(NOT_SENT.to_string()));
            }
            let response = self
                .management_get(&url)
                .query(&[("auth_index", auth_index)])
                .send()
                .await
                .map_err(|e| self.transport_error(e))?;
            self.read_response(response, BodyKind::ApiCall).await
        }
        .await;
        let (status, _, body) = outcome.map_err(per_account)?;
        let checked = check_management_status(status, &body, &self.redactor);
        self.note_answer(&checked);
        match checked {
            Ok(()) => Ok(body),
            Err(err @ FetchError::Auth(_)) => Err(UsageFailure::Fatal(err)),
            Err(FetchError::ManagementDisabled) | Err(FetchError::Http { status: 404, .. }) => Err(
                UsageFailure::Account(crate::tr!("plugin_quota.not_found", plugin = plugin)),
            ),
            Err(FetchError::Http { status, message }) => Err(UsageFailure::Account(crate::tr!(
                "plugin_quota.failed",
                plugin = plugin,
                status = status,
                message = message
            ))),
            Err(other) => Err(UsageFailure::Account(other.to_string())),
        }
    }

    /// The fetch's deadline (`deadline_seconds`).
    pub fn deadline(&self) -> Duration {
        self.options.deadline
    }

    /// Usage reads that may be in flight at once: `concurrency`, never more
    /// than the failed key attempts the guard still allows.
    pub fn in_flight_limit(&self) -> usize {
        self.options.concurrency.max(1).min(self.failure_budget)
    }

    /// Send nothing more with this client (a fatal answer arrived).
    pub fn stop(&self) {
        self.answers.stopped.store(true, Ordering::SeqCst);
    }

    /// The first 401/403 answer of this client, if any.
    pub fn first_refusal(&self) -> Option<FetchError> {
        self.answers
            .first
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The error of an api-call not sent because an earlier answer stopped the
/// fetch (an optional side call then just has no answer; a quota call keeps
/// the account's last values).
pub(crate) const NOT_SENT: &str = "not sent: an earlier answer stopped the refresh";

/// Unpack the api-call envelope `{"status_code", "header", "body"}`.
pub fn parse_envelope(body: &str) -> Result<(u16, String), String> {
    let value: Value = serde_json::from_str(body).map_err(|_| describe_non_json(body))?;
    let status = value
        .get("status_code")
        .or_else(|| value.get("statusCode"))
        .and_then(|s| match s {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| "the api-call answer has no upstream status_code".to_string())?;
    let upstream_body = match value.get("body") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    Ok((status as u16, upstream_body))
}

/// True when a body is an HTML page rather than JSON.
fn looks_like_html(body: &str) -> bool {
    let head: String = body.trim_start().chars().take(256).collect();
    head.starts_with('<') || head.to_ascii_lowercase().contains("<html")
}

/// Map a Management API status to an error; 2xx passes. Texts quoted from
/// the body are redacted.
fn check_management_status(status: u16, body: &str, redactor: &Redactor) -> Result<(), FetchError> {
    match status {
        200..=299 => Ok(()),
        401 | 403 => Err(FetchError::Auth(classify_auth(status, &error_text(body)))),
        404 if body.trim().is_empty() => Err(FetchError::ManagementDisabled),
        _ => Err(FetchError::Http {
            status,
            message: redactor.clean(error_text(body)),
        }),
    }
}

/// The `error` text of a `{"error": "..."}` body, or a description of the body.
fn error_text(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => value
            .get("error")
            .and_then(Value::as_str)
            .map(|s| s.chars().take(200).collect())
            .unwrap_or_default(),
        Err(_) if body.trim().is_empty() => String::new(),
        Err(_) => describe_non_json(body),
    }
}

/// Redact every text an auth file entry carries on (names, labels, messages).
fn redact_entry(entry: &mut AuthFileEntry, redactor: &Redactor) {
    entry.raw_api_key = None;
    for text in [
        &mut entry.id,
        &mut entry.auth_index,
        &mut entry.name,
        &mut entry.kind,
        &mut entry.provider,
        &mut entry.label,
        &mut entry.status,
        &mut entry.status_message,
    ] {
        redactor.scrub(text);
    }
    for text in [
        &mut entry.email,
        &mut entry.account_type,
        &mut entry.id_token_plan,
        &mut entry.chatgpt_account_id,
        &mut entry.project_id,
    ] {
        redactor.scrub_opt(text);
    }
}

/// What a body is: the answer size allowed depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyKind {
    /// The account list: grows with the pool.
    List,
    /// The api-key usage list: one entry per upstream key.
    KeyList,
    /// One api-call answer: a usage answer is a few KiB.
    ApiCall,
}

/// The largest account list read (a 50,000-account list is about 88 MB); a
/// bigger one is refused as a pool too large, instead of filling memory.
pub const MAX_LIST_BYTES: usize = 160 * 1024 * 1024;
/// The largest api-key usage answer read (about 2 KB per upstream key).
pub const MAX_KEY_LIST_BYTES: usize = 16 * 1024 * 1024;
/// The largest api-call answer read (a usage answer is a few KiB).
pub const MAX_API_CALL_BYTES: usize = 1024 * 1024;
/// The api-call answers of one fetch buffered at once, whatever the concurrency:
/// past this, an answer still being read is refused (that account's error), so
/// hostile answers cannot grow a refresh beyond a few tens of MiB.
pub const API_CALL_BUDGET_BYTES: usize = 16 * 1024 * 1024;
/// The old name of [`MAX_LIST_BYTES`].
pub const MAX_BODY_BYTES: usize = MAX_LIST_BYTES;

/// Bytes taken from the shared api-call budget; given back on drop.
struct BudgetShare<'a> {
    in_flight: &'a AtomicUsize,
    held: usize,
}

impl BudgetShare<'_> {
    /// Take `n` more bytes; false when the budget is spent.
    fn take(&mut self, n: usize) -> bool {
        let before = self.in_flight.fetch_add(n, Ordering::SeqCst);
        self.held += n;
        before + n <= API_CALL_BUDGET_BYTES
    }
}

impl Drop for BudgetShare<'_> {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(self.held, Ordering::SeqCst);
    }
}

impl Client {
    /// A transport failure as what it is: timeout, refused connection, or a
    /// TLS problem (untrusted or expired certificate, wrong host name, a
    /// plain-http server on an https URL). reqwest's own text may contain the
    /// URL (never the key); only the kind is kept.
    fn transport_error(&self, err: reqwest::Error) -> FetchError {
        if let Some(tls) = super::error::tls_problem(&err) {
            let detail = match tls {
                super::error::TlsProblem::PlainHttp if is_loopback_url(&self.options.pool_url) => {
                    crate::tr!(
                        "net.tls_plain_http_local",
                        url = self.options.pool_url.replacen("https://", "http://", 1)
                    )
                }
                other => other.message(),
            };
            return FetchError::Tls(detail);
        }
        let kind = if err.is_timeout() {
            crate::tr!("net.timeout")
        } else if err.is_connect() {
            crate::tr!("net.connect")
        } else if err.is_body() || err.is_decode() {
            crate::tr!("net.broken")
        } else {
            crate::tr!("net.failed")
        };
        FetchError::Unreachable(kind)
    }

    /// Status, `X-CPA-VERSION` and body of an answer, read within the size
    /// allowed for its kind and redacted. A 3xx is an error naming the
    /// location (redirects are never followed).
    async fn read_response(
        &self,
        mut response: reqwest::Response,
        kind: BodyKind,
    ) -> Result<(u16, Option<String>, String), FetchError> {
        let status = response.status().as_u16();
        let version = response
            .headers()
            .get("X-CPA-VERSION")
            .and_then(|v| v.to_str().ok())
            .map(|v| self.redactor.clean(v.chars().take(40).collect()));
        if (300..=399).contains(&status) && status != 304 {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(|loc| {
                    response
                        .url()
                        .join(loc)
                        .map(|u| u.to_string())
                        .unwrap_or_else(|_| loc.to_string())
                })
                .unwrap_or_default();
            let location: String = location
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            return Err(FetchError::Redirect {
                status,
                location: self.redactor.clean(location),
            });
        }
        let cap = match kind {
            BodyKind::List => MAX_LIST_BYTES,
            BodyKind::KeyList => MAX_KEY_LIST_BYTES,
            BodyKind::ApiCall => MAX_API_CALL_BYTES,
        };
        let too_large = || match kind {
            BodyKind::List => FetchError::TooLarge {
                mib: MAX_LIST_BYTES / (1024 * 1024),
            },
            BodyKind::KeyList => FetchError::BadResponse(crate::tr!(
                "net.key_list_too_large",
                mib = MAX_KEY_LIST_BYTES / (1024 * 1024)
            )),
            BodyKind::ApiCall => FetchError::BadResponse(crate::tr!(
                "net.api_call_too_large",
                kib = MAX_API_CALL_BYTES / 1024
            )),
        };
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(too_large());
        }
        let mut share = BudgetShare {
            in_flight: &self.in_flight,
            held: 0,
        };
        let mut body = Vec::new();
        if let Some(n) = response.content_length() {
            let n = n as usize;
            if kind == BodyKind::ApiCall && !share.take(n) {
                return Err(too_large());
            }
            body.reserve_exact(n);
        }
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if body.len() + chunk.len() > cap {
                return Err(too_large());
            }
            let grow = (body.len() + chunk.len()).saturating_sub(share.held);
            if kind == BodyKind::ApiCall && grow > 0 && !share.take(grow) {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        drop(response);
        let text = match String::from_utf8(body) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        };
        Ok((status, version, self.redactor.clean(text)))
    }
}

/// Run `attempt`; retry once after a short pause on transport errors and 5xx,
/// but only within `budget` (the request timeout) counted from the first try:
/// a silent server costs one timeout, not two.
async fn with_one_retry<F, Fut>(
    budget: Duration,
    attempt: F,
) -> Result<(u16, Option<String>, String), FetchError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(u16, Option<String>, String), FetchError>>,
{
    let start = Instant::now();
    let first = attempt().await;
    match first {
        Err(FetchError::Unreachable(_)) => {}
        Ok((status, _, _)) if (500..=599).contains(&status) => {}
        done => return done,
    }
    let left = budget.saturating_sub(start.elapsed() + RETRY_PAUSE);
    if left < RETRY_PAUSE {
        return first;
    }
    tokio::time::sleep(RETRY_PAUSE).await;
    match tokio::time::timeout(left, attempt()).await {
        Ok(second) => second,
        Err(_) => first,
    }
}

/// True when the URL's host is loopback (proxies are bypassed for it).
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// A per-account request that got no answer: a redirect ends the fetch (it
/// is never followed); a transport failure, or a request never sent because
/// an earlier answer stopped the fetch (see `fetch_pool_keeping`), is the
/// account's own note.
fn per_account(err: FetchError) -> UsageFailure {
    match err {
        err @ FetchError::Redirect { .. } => UsageFailure::Fatal(err),
        FetchError::Unreachable(detail) | FetchError::Tls(detail) => UsageFailure::Account(detail),
        FetchError::BadResponse(text) if text == NOT_SENT => UsageFailure::Account(text),
        other => UsageFailure::Account(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_body_is_a_string_and_status_is_checked() {
        let (status, body) =
            parse_envelope(r#"{"status_code":429,"header":{},"body":"{\"a\":1}"}"#).unwrap();
        assert_eq!((status, body.as_str()), (429, "{\"a\":1}"));
        assert!(parse_envelope("<html>").unwrap_err().contains("HTML"));
        assert!(parse_envelope(r#"{"body":"x"}"#).is_err());
        let (_, object_body) = parse_envelope(r#"{"status_code":200,"body":{"x":1}}"#).unwrap();
        assert_eq!(object_body, r#"{"x":1}"#);
    }

    #[test]
    fn management_status_mapping() {
        assert!(matches!(
            check_management_status(404, "", &Redactor::default()),
            Err(FetchError::ManagementDisabled)
        ));
        assert!(matches!(
            check_management_status(
                401,
                r#"{"error":"invalid management key"}"#,
                &Redactor::default()
            ),
            Err(FetchError::Auth(_))
        ));
        assert!(matches!(
            check_management_status(502, r#"{"error":"request failed"}"#, &Redactor::default()),
            Err(FetchError::Http { status: 502, ref message }) if message == "request failed"
        ));
        assert!(check_management_status(200, "{}", &Redactor::default()).is_ok());
        let redactor = Redactor::with_secret("the-key-1234");
        assert!(matches!(
            check_management_status(500, r#"{"error":"Authorization: Bearer the-key-1234"}"#, &redactor),
            Err(FetchError::Http { status: 500, ref message }) if message == "Authorization: Bearer <redacted>"
        ));
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback_url("http://127.0.0.1:8317"));
        assert!(is_loopback_url("http://localhost:8317/x"));
        assert!(is_loopback_url("http://[::1]:8317"));
        assert!(!is_loopback_url("https://pool.example.com"));
        assert!(!is_loopback_url("http://10.0.0.2:8317"));
    }

    /// Layering (issue 18 item 3): the client is HTTP only and never calls a
    /// provider; providers call the client. Fails when the edge comes back.
    #[test]
    fn the_client_never_imports_a_provider() {
        let source = include_str!("client.rs");
        let code: String = source
            .split("#[cfg(test)]")
            .next()
            .unwrap_or(source)
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for edge in [
            "providers::",
            "providers::{",
            "crate::provider::",
            "use crate::provider;",
        ] {
            assert!(!code.contains(edge), "client.rs uses `{edge}`");
        }
        // Nor do the Codex parsers import each other both ways.
        let extras: String = include_str!("providers/codex_extras.rs")
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            !extras.contains("codex::"),
            "codex_extras.rs imports codex.rs"
        );
        let shared = include_str!("providers/rate_limits.rs");
        assert!(!shared.contains("codex::") && !shared.contains("codex_extras::"));
    }
}
