//! HTTP side of the Management API: auth-files, then one api-call per account.
//!
//! Usage calls run in a bounded sliding window (a semaphore, not batches), are
//! retried once on transport errors and 5xx only, and the whole fetch obeys
//! one deadline: accounts still pending then are reported as timed out while
//! the finished ones are kept. A 401/403 from the Management API stops the
//! fetch at once; it is never retried.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::api_keys::parse_api_key_usage;
use super::auth_files::{describe_non_json, parse_auth_files_page, AuthFileEntry};
use super::error::{classify_auth, FetchError};
use super::provider_urls::ProviderUrls;
use super::routes::{self, Api, Endpoint, Learned, ProbeVerdict};
use crate::model::{ApiKeyUsage, Epoch, Usage};
use crate::provider;
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
    /// What the cache remembers about this server's API (see [`routes`]).
    learned: Option<Learned>,
    /// The API in use and what the probe found (set by the credential list).
    route: Arc<std::sync::Mutex<RouteState>>,
    /// Credentials per page when the server pages its list.
    page_size: usize,
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
        Ok(Client {
            http,
            options,
            key: Arc::new(key),
            urls: Arc::new(urls),
            reset_credits_fresh: Arc::default(),
            reset_credits_read_at: Arc::default(),
            reset_credits: true,
            known_plans: Arc::default(),
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

    /// A local pool reached over https usually speaks plain http: say so.
    fn with_scheme_hint(&self, error: FetchError) -> FetchError {
        match error {
            FetchError::Unreachable(detail)
                if self.options.pool_url.starts_with("https://")
                    && is_loopback_url(&self.options.pool_url) =>
            {
                FetchError::Unreachable(crate::tr!(
                    "net.scheme_hint",
                    detail = detail,
                    url = self.options.pool_url.replacen("https://", "http://", 1)
                ))
            }
            other => other,
        }
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
        with_one_retry(|| async {
            let response = self
                .management_get(&url)
                .send()
                .await
                .map_err(transport_error)?;
            read_response(response).await
        })
        .await
        .map_err(|e| self.with_scheme_hint(e))
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
            let (status, version, body) = self.list_request(api, Some(1)).await?;
            if api == Api::V8 {
                self.route_state().probed_v8 = true;
            }
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
        check_management_status(status, &body)?;
        let page = parse_auth_files_page(&body).map_err(FetchError::BadResponse)?;
        let mut seen = page.files.len();
        let mut first_id = page.files.first().map(|e| e.id.clone());
        let total = page.total;
        let mut paged = self.may_page() && page.files.len() == self.page_size;
        let mut entries: Vec<AuthFileEntry> = page.files.into_iter().filter(|e| keep(e)).collect();
        let mut number = 1;
        while paged && number < MAX_PAGES && total.is_none_or(|t| seen < t) {
            number += 1;
            let (status, _, body) = self.list_request(api, Some(number)).await?;
            check_management_status(status, &body)?;
            let page = parse_auth_files_page(&body).map_err(FetchError::BadResponse)?;
            let this_first = page.files.first().map(|e| e.id.clone());
            // A server that ignores `page` answers the same list again.
            if page.files.is_empty() || this_first == first_id {
                break;
            }
            paged = page.files.len() == self.page_size;
            first_id = this_first;
            seen += page.files.len();
            entries.extend(page.files.into_iter().filter(|e| keep(e)));
        }
        Ok((entries, version, seen))
    }

    /// `GET /v0/management/api-key-usage` (one call, no retry): `Ok(None)` when
    /// the server is older than the endpoint (404), the parsed rows otherwise.
    /// `Err` carries a fixed sentence (never the body: it holds raw keys); the
    /// caller keeps the previous rows then, so this never fails a refresh.
    pub async fn api_key_usage(&self) -> Result<Option<Vec<ApiKeyUsage>>, String> {
        let url = self.endpoint(Endpoint::ApiKeyUsage);
        let response = self
            .management_get(&url)
            .send()
            .await
            .map_err(|e| transport_error(e).to_string())?;
        let (status, _, body) = read_response(response).await.map_err(|e| e.to_string())?;
        match status {
            404 => Ok(None),
            200..=299 => parse_api_key_usage(&body).map(Some),
            other => Err(format!("api-key-usage answered HTTP {other}")),
        }
    }

    /// The account's quota, read with its provider's recipe (one api-call for
    /// Codex `wham/usage`, see [`super::providers`]).
    pub async fn usage(&self, entry: &AuthFileEntry, now: Epoch) -> Result<Usage, UsageFailure> {
        super::providers::read_usage(self, entry, now).await
    }

    /// One `POST /v0/management/api-call`: the upstream status and body.
    /// Management auth failures are fatal; everything else is the account's.
    pub async fn api_call(&self, request: &Value) -> Result<(u16, String), UsageFailure> {
        let url = self.endpoint(Endpoint::ApiCall);
        let outcome = with_one_retry(|| async {
            let response = self
                .http
                .post(&url)
                .bearer_auth(self.key.expose())
                .json(request)
                .send()
                .await
                .map_err(transport_error)?;
            read_response(response).await
        })
        .await;
        let (status, version, body) = match outcome {
            Ok(answer) => answer,
            Err(FetchError::Unreachable(detail)) => return Err(UsageFailure::Account(detail)),
            Err(other) => return Err(UsageFailure::Account(other.to_string())),
        };
        if let Err(err) = check_management_status(status, &body) {
            return Err(match err {
                // Servers before v6.6.63 have no api-call route (gin's 404 page).
                FetchError::Http { status: 404, .. } => {
                    UsageFailure::Fatal(FetchError::ServerTooOld { version })
                }
                FetchError::Auth(_) | FetchError::ManagementDisabled => UsageFailure::Fatal(err),
                other => UsageFailure::Account(other.to_string()),
            });
        }
        parse_envelope(&body).map_err(UsageFailure::Account)
    }

    /// The whole fetch: auth files, then usage for the entries `plan` picks out
    /// of those `select` keeps (ids, in the order to ask them; see
    /// [`super::refresh_plan`]), in a sliding window of `concurrency` calls,
    /// within the deadline.
    pub async fn fetch_pool(
        &self,
        select: impl Fn(&AuthFileEntry) -> bool,
        plan: impl FnOnce(&[AuthFileEntry]) -> Vec<String>,
        now: Epoch,
    ) -> Result<FetchReport, FetchError> {
        let deadline = Instant::now() + self.options.deadline;
        let seconds = self.options.deadline.as_secs();
        let (entries, server_version, seen) =
            tokio::time::timeout_at(deadline, self.credentials_counted(&select))
                .await
                .map_err(|_| FetchError::Deadline { seconds })??;
        let auth_files_seen = Some(seen);
        let learned = self.learned_after(server_version.as_deref());
        let api_notice = self.route().notice;
        // The semaphore hands out permits in FIFO order, so spawning in plan
        // order asks in plan order.
        let by_id: std::collections::HashMap<&str, &AuthFileEntry> = entries
            .iter()
            .filter(|e| wants_usage(e))
            .map(|e| (e.id.as_str(), e))
            .collect();
        let asked: Vec<AuthFileEntry> = plan(&entries)
            .iter()
            .filter_map(|id| by_id.get(id.as_str()).map(|e| (*e).clone()))
            .collect();

        let permits = Arc::new(Semaphore::new(self.options.concurrency.max(1)));
        let abort = Arc::new(AtomicBool::new(false));
        let mut tasks = JoinSet::new();
        for entry in asked.iter() {
            let client = self.clone();
            let entry = entry.clone();
            let permits = Arc::clone(&permits);
            let abort = Arc::clone(&abort);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                if abort.load(Ordering::SeqCst) {
                    return (entry.id, Err(UsageFailure::Account("not fetched".into())));
                }
                let result = client.usage(&entry, now).await;
                if matches!(result, Err(UsageFailure::Fatal(_))) {
                    abort.store(true, Ordering::SeqCst);
                }
                (entry.id, result)
            });
        }

        let mut usages = Vec::with_capacity(entries.len());
        let mut fatal = None;
        let mut deadline_hit = false;
        loop {
            tokio::select! {
                next = tasks.join_next() => match next {
                    None => break,
                    Some(Ok((id, Ok(mut usage)))) => {
                        usage.source = Some(crate::model::UsageSource {
                            kind: crate::model::SourceKind::Read,
                            at: now,
                        });
                        usages.push((id, Ok(usage)));
                    }
                    Some(Ok((id, Err(UsageFailure::Account(msg))))) => usages.push((id, Err(msg))),
                    Some(Ok((_, Err(UsageFailure::Fatal(err))))) => {
                        fatal.get_or_insert(err);
                    }
                    Some(Err(join_error)) => {
                        // A task panicked or was cancelled: treat as an account failure we cannot attribute.
                        let _ = join_error;
                    }
                },
                _ = tokio::time::sleep_until(deadline) => {
                    deadline_hit = true;
                    tasks.abort_all();
                    break;
                }
            }
        }
        if let Some(mut err) = fatal {
            // Old servers' 404 page has no version header: the list's had one.
            if let FetchError::ServerTooOld { version } = &mut err {
                if version.is_none() {
                    version.clone_from(&server_version);
                }
            }
            return Err(err);
        }
        let mut cut_by_deadline = Vec::new();
        if deadline_hit {
            let answered: std::collections::HashSet<String> =
                usages.iter().map(|(id, _)| id.clone()).collect();
            for entry in asked.iter().filter(|e| !answered.contains(&e.id)) {
                cut_by_deadline.push(entry.id.clone());
                usages.push((
                    entry.id.clone(),
                    Err(crate::tr!("usage.no_answer", seconds = seconds)),
                ));
            }
        }
        Ok(FetchReport {
            entries,
            usages,
            server_version,
            deadline_hit,
            cut_by_deadline,
            auth_files_seen,
            management_api: learned.api.map(|api| api.name().to_string()),
            api_notice,
        })
    }
}

/// Accounts whose quota is worth asking for: enabled OAuth (non API-key)
/// auths of a provider poolwatch reads.
pub fn wants_usage(entry: &AuthFileEntry) -> bool {
    let section = provider::section_id(&provider::normalize(&entry.provider, &entry.kind));
    !entry.disabled
        && !entry.is_api_key()
        && provider::descriptor(&section).is_some_and(|d| d.readable)
}

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

/// Map a Management API status to an error; 2xx passes.
fn check_management_status(status: u16, body: &str) -> Result<(), FetchError> {
    match status {
        200..=299 => Ok(()),
        401 | 403 => Err(FetchError::Auth(classify_auth(status, &error_text(body)))),
        404 if body.trim().is_empty() => Err(FetchError::ManagementDisabled),
        _ => Err(FetchError::Http {
            status,
            message: error_text(body),
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

fn transport_error(err: reqwest::Error) -> FetchError {
    let kind = if err.is_timeout() {
        crate::tr!("net.timeout")
    } else if err.is_connect() {
        crate::tr!("net.connect")
    } else if err.is_body() || err.is_decode() {
        crate::tr!("net.broken")
    } else {
        crate::tr!("net.failed")
    };
    // reqwest's own text may contain the URL (never the key); keep only the kind.
    FetchError::Unreachable(kind)
}

/// The largest answer read from the pool (a 10,000-account auth-files list is
/// about 20 MB); a bigger one is refused instead of filling memory.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

async fn read_response(
    mut response: reqwest::Response,
) -> Result<(u16, Option<String>, String), FetchError> {
    let status = response.status().as_u16();
    let version = response
        .headers()
        .get("X-CPA-VERSION")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(40).collect());
    let too_large = || {
        FetchError::BadResponse(crate::tr!(
            "net.too_large",
            mib = MAX_BODY_BYTES / (1024 * 1024)
        ))
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, version, String::from_utf8_lossy(&body).into_owned()))
}

/// Run `attempt`; retry once after a short pause on transport errors and 5xx.
async fn with_one_retry<F, Fut>(attempt: F) -> Result<(u16, Option<String>, String), FetchError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(u16, Option<String>, String), FetchError>>,
{
    match attempt().await {
        Err(FetchError::Unreachable(_)) => {}
        Ok((status, _, _)) if (500..=599).contains(&status) => {}
        done => return done,
    }
    tokio::time::sleep(RETRY_PAUSE).await;
    attempt().await
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
    fn usage_request_carries_token_placeholder_and_account_id() {
        use crate::api::providers::codex::usage_request;
        let entry = AuthFileEntry {
            auth_index: "abc".into(),
            chatgpt_account_id: Some("acc-9".into()),
            ..Default::default()
        };
        let req = usage_request(&entry, "http://127.0.0.1:1/u");
        assert_eq!(req["auth_index"], "abc");
        assert_eq!(req["url"], "http://127.0.0.1:1/u");
        assert_eq!(req["header"]["Authorization"], "Bearer $TOKEN$");
        assert_eq!(req["header"]["Chatgpt-Account-Id"], "acc-9");
        assert!(req["header"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_string));
    }

    #[test]
    fn management_status_mapping() {
        assert!(matches!(
            check_management_status(404, ""),
            Err(FetchError::ManagementDisabled)
        ));
        assert!(matches!(
            check_management_status(401, r#"{"error":"invalid management key"}"#),
            Err(FetchError::Auth(_))
        ));
        assert!(matches!(
            check_management_status(502, r#"{"error":"request failed"}"#),
            Err(FetchError::Http { status: 502, ref message }) if message == "request failed"
        ));
        assert!(check_management_status(200, "{}").is_ok());
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback_url("http://127.0.0.1:8317"));
        assert!(is_loopback_url("http://localhost:8317/x"));
        assert!(is_loopback_url("http://[::1]:8317"));
        assert!(!is_loopback_url("https://pool.example.com"));
        assert!(!is_loopback_url("http://10.0.0.2:8317"));
    }
}
