//! One run's access to a pool: read the cache, decide whether to fetch,
//! coordinate with concurrent runs (single flight), fetch, and persist.
//!
//! Rules (docs/swiftbar.md explains them for users):
//! * a cache attempted less than `ttl` ago is served without network;
//! * a manual refresh bypasses the TTL, but not within [`MANUAL_DEBOUNCE`] of
//!   the last attempt (SwiftBar re-runs the plugin right after a click);
//! * only the run holding the lock fetches; the others wait up to the deadline
//!   and then show what it wrote (or the cache, marked "refreshing");
//! * a 401/403 is latched: automatic runs and menu clicks stop asking until the
//!   key or the pool URL changes (or `poolwatch refresh` for answers that are
//!   not about the key, like `remote management disabled`);
//! * the failed-key-attempt guard (`store::attempts`) is checked under the
//!   lock before every fetch: a rejected key is never sent again unless it
//!   changes or the user runs `poolwatch refresh --retry-key`, never more than
//!   3 failed attempts in 30 minutes from all runs, nothing during the
//!   server's IP ban (automatic runs try once more when it has ended);
//! * on any failure the last good state stays in the cache, with the error.

mod decide;
mod fetch;
mod form;
mod history;

pub use decide::block_message;
use decide::{freshness_of, source_name, Decision};
pub use form::{form_stamp, FormHit};
pub use history::{over_time, over_time_charted};

use std::path::PathBuf;
use std::time::Duration;

use crate::alerts::{self, Alert};
use crate::api::client::{Client, FetchOptions};
use crate::api::error::FetchError;
use crate::api::refresh_plan::{self, Scope, MANUAL_MAX_AGE};
use crate::api::{merge_api_keys, Selection};
use crate::config::Settings;
use crate::model::{Epoch, PoolState};
use crate::quota::pace::Pace;
use crate::quota::{self, PoolReport};
use crate::render::duration::short;
use crate::secrets::{self, KeyError, KeySource, Secret};
use crate::store::attempts::Block;
use crate::store::cache::{self, AuthLatch, CacheFile, CachePaths, LastError, Loaded};
use crate::store::guard::{self, server_identity, GuardFile, GuardLoaded};
use crate::store::lock;
use crate::store::menu_form::{self, FileIdentity, MenuForm};

/// A manual refresh right after an attempt reuses it instead of asking again.
pub const MANUAL_DEBOUNCE: i64 = 5;
/// Extra time a waiting run gives the fetching run beyond its deadline.
const WAIT_SLACK: Duration = Duration::from_secs(3);

/// Why this run looks at the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Scheduled plugin run, `status`: fetch only when the cache is out of date.
    Automatic,
    /// A menu click or refresh-all: fetch unless an attempt just happened.
    Manual,
    /// `poolwatch refresh` (the menu's Refresh now): like Manual, and it also
    /// lifts an auth latch; a rejected key is still not sent again.
    Explicit,
    /// `poolwatch refresh --retry-key`: like Explicit, and the rejected key may
    /// be sent once more (the 3-failures-in-30-minutes budget still holds).
    RetryKey,
    /// Never fetch.
    Offline,
}

/// A failure of this run, with what to tell the user.
#[derive(Clone, Debug)]
pub enum RunError {
    Fetch(FetchError),
    /// No key, or the Keychain failed.
    Key(String),
    /// Settings problem (e.g. no pool URL).
    Config(String),
    /// Local disk problem (cache folder not writable, ...).
    Io(String),
    /// The key guard could not be read or stored: nothing was sent.
    Guard(String),
    /// The failed-key-attempt guard kept this run from asking the pool.
    Blocked {
        block: Block,
        now: Epoch,
    },
}

impl RunError {
    /// Short title for menus.
    pub fn title(&self) -> String {
        match self {
            RunError::Fetch(e) => e.title(),
            RunError::Key(_) => crate::tr!("run.title_no_key"),
            RunError::Config(_) => crate::tr!("run.title_setup"),
            RunError::Io(_) => crate::tr!("run.title_cache"),
            RunError::Guard(_) => crate::tr!("guard.title"),
            RunError::Blocked { block, .. } => match block {
                Block::Banned { .. } => crate::tr!("fetch.title_banned"),
                Block::Budget { .. } => crate::tr!("run.title_budget"),
                Block::SameKeyRejected => crate::tr!("fetch.title_key_rejected"),
            },
        }
    }

    /// The exit code of a command that failed with this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Fetch(e) => crate::exit_codes::for_fetch_error(e),
            RunError::Key(_) | RunError::Config(_) => crate::exit_codes::CONFIG,
            RunError::Io(_) | RunError::Guard(_) => crate::exit_codes::FAILURE,
            RunError::Blocked { .. } => crate::exit_codes::AUTH,
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Fetch(e) => write!(f, "{e}"),
            RunError::Key(m) | RunError::Config(m) | RunError::Io(m) | RunError::Guard(m) => {
                write!(f, "{m}")
            }
            RunError::Blocked { block, now } => f.write_str(&block_message(block, *now)),
        }
    }
}

/// Freshness of what a run shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Freshness {
    /// From a fetch within the TTL (this run's or a recent one).
    Fresh,
    /// The latest attempt failed: (title, message).
    Stale { title: String, message: String },
    /// Another run is still fetching.
    Refreshing,
    /// A 401/403 is latched.
    AuthLatched { title: String, message: String },
}

/// What a run ends up with.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The state to show (None: never fetched successfully).
    pub state: Option<PoolState>,
    pub freshness: Freshness,
    /// This run's own failure, if it attempted and failed (for exit codes).
    pub error: Option<RunError>,
    /// Things to mention, e.g. a rebuilt corrupt cache.
    pub notices: Vec<String>,
    /// True when this run fetched.
    pub fetched: bool,
    /// The report of `state` at the end of the run (`commands::obtain` moves it into its view).
    pub report: Option<PoolReport>,
    /// Burn rate and run-out estimate from the history.
    pub pace: Option<Pace>,
    /// History glance, use-first accounts and the menu chart (issue 19).
    pub over_time: Option<crate::render::OverTime>,
    /// Alerts this run's fetch fired (to be delivered by the caller).
    pub fired_alerts: Vec<Alert>,
    /// The cache after the run, without its state (moved to `state`); None in demo mode.
    pub cache: Option<CacheFile>,
    /// The server's IP ban ends then (None when no ban is running).
    pub ban_until: Option<Epoch>,
    /// The key guard pauses attempts until then (3 failed key attempts in a
    /// row; None when no pause runs).
    pub pause_until: Option<Epoch>,
}

impl Outcome {
    /// The exit code of a command showing this outcome: this run's failure,
    /// else the failure of the attempt that produced the cache, else 0.
    pub fn exit_code(&self) -> i32 {
        if let Some(error) = &self.error {
            return error.exit_code();
        }
        match (&self.freshness, &self.cache) {
            (Freshness::AuthLatched { .. }, _) => crate::exit_codes::AUTH,
            (Freshness::Stale { .. }, Some(cache)) => cache
                .last_error
                .as_ref()
                .map_or(crate::exit_codes::FAILURE, |e| e.exit_code),
            _ => crate::exit_codes::OK,
        }
    }
}

/// Environment lookups, injectable for tests.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A pool as seen by one run.
pub struct Session<'a> {
    pub settings: &'a Settings,
    pub paths: CachePaths,
    pub env: EnvLookup<'a>,
    pub clock: &'a dyn Fn() -> Epoch,
    /// Ask every account's usage (`refresh --all`) instead of only what changed.
    pub refresh_all: bool,
    /// The menu's dialect and privacy mode: a menu form's rows are
    /// pre-rendered in it, and a cache hit uses them only in the same one.
    pub menu_style: crate::render::menu::rows::MenuStyle,
}

/// The key of a run and where it came from (loaded at most once per run).
pub(crate) type LoadedKey = Result<(Secret, KeySource), KeyError>;

impl Session<'_> {
    /// The cache folder: the `POOLWATCH_CACHE_DIR` override, else the platform
    /// cache dir, else (no home folder) SwiftBar's `SWIFTBAR_PLUGIN_CACHE_PATH`.
    ///
    /// One folder for every consumer on purpose: the menu, `status`, `metrics`
    /// and the widget snapshot share one cache, one lock and one alert state.
    /// A per-plugin SwiftBar folder would make the terminal fetch again and
    /// announce the same alerts twice.
    pub fn cache_dir(settings: &Settings, env: EnvLookup) -> Option<PathBuf> {
        settings
            .cache_dir
            .clone()
            .or_else(|| {
                directories::ProjectDirs::from("", "", "poolwatch")
                    .map(|d| d.cache_dir().to_path_buf())
            })
            .or_else(|| {
                env("SWIFTBAR_PLUGIN_CACHE_PATH")
                    .filter(|p| !p.trim().is_empty())
                    .map(PathBuf::from)
            })
    }

    /// True when the cached state was fetched with other `providers`, `hidden` or `labels`.
    pub(super) fn selection_changed(&self, cache: &CacheFile) -> bool {
        let stamp = selection_of(self.settings).stamp();
        cache
            .state
            .as_ref()
            .and_then(|s| s.selection.as_deref())
            .is_some_and(|old| old != stamp)
    }

    /// What invalidates an auth latch when it changes: the pool (its server,
    /// whatever the spelling of its URL) and the key's source.
    pub(super) fn latch_stamp(&self) -> String {
        let source = if (self.env)(secrets::KEY_ENV).is_some_and(|k| !k.trim().is_empty()) {
            "env"
        } else {
            "keychain"
        };
        format!("{}|{source}", server_identity(&self.settings.pool_url))
    }

    /// This run's server (see [`server_identity`]).
    pub(super) fn server(&self) -> String {
        server_identity(&self.settings.pool_url)
    }

    /// The key guard file of this profile.
    pub(super) fn guard_path(&self) -> PathBuf {
        guard::path_beside(&self.paths.data)
    }

    /// The key guard of this run's server as stored (for display and decisions
    /// without the lock), else the copy an older cache kept.
    pub(super) fn attach_guard(&self, cache: &mut CacheFile) {
        if let Ok(GuardLoaded::Found(file)) = guard::load(&self.guard_path()) {
            cache.key_guard = file.server(&self.settings.pool_url);
        }
    }

    /// The cache, and the identity of the file it was read from (taken before
    /// reading: a file replaced meanwhile then never matches a form made from it).
    pub(super) fn load_cache_seen(
        &self,
        notices: &mut Vec<String>,
    ) -> (CacheFile, Option<FileIdentity>) {
        let seen = menu_form::identity(&self.paths.data);
        (self.load_cache(notices), seen)
    }

    pub(super) fn load_cache(&self, notices: &mut Vec<String>) -> CacheFile {
        let mut cache = match cache::load(&self.paths.data) {
            Ok(Loaded::Found(found)) if server_identity(&found.pool_url) == self.server() => *found,
            // The profile's cache belongs to another server (an env override,
            // a changed pool_url): this server's own cache may wait aside.
            Ok(Loaded::Found(_)) => match cache::load_kept(&self.paths.data, &self.server()) {
                Some(kept) => kept,
                None => CacheFile::new(&self.settings.pool_url),
            },
            Ok(Loaded::Missing) => CacheFile::new(&self.settings.pool_url),
            Ok(Loaded::Corrupt { moved_to }) => {
                notices.push(crate::tr!("cache.rebuilt", path = moved_to.display()));
                CacheFile::new(&self.settings.pool_url)
            }
            Err(e) => {
                notices.push(crate::tr!(
                    "guard.cache_unreadable",
                    path = self.paths.data.display(),
                    error = e
                ));
                CacheFile::new(&self.settings.pool_url)
            }
        };
        self.attach_guard(&mut cache);
        cache
    }

    /// Write the cache; a cache of another server found in its place is kept
    /// aside first (its data, history and alert state are never lost).
    pub(super) fn save_cache(&self, cache: &CacheFile) -> std::io::Result<()> {
        if let Some(owner) = cache::peek_pool_url(&self.paths.data) {
            if server_identity(&owner) != self.server() {
                cache::keep_aside(&self.paths.data, &server_identity(&owner))?;
            }
        }
        cache::save(&self.paths.data, cache)?;
        cache::forget_kept(&self.paths.data, &self.server());
        Ok(())
    }

    /// Load the key once per run.
    pub(super) fn key<'k>(&self, cell: &'k std::cell::OnceCell<LoadedKey>) -> &'k LoadedKey {
        cell.get_or_init(|| {
            secrets::load_key_for(
                &self.settings.profile,
                self.settings.key_file.as_deref(),
                self.env,
            )
        })
    }

    /// The report of the cached state at `now`.
    pub(super) fn report_of(&self, cache: &CacheFile, now: Epoch) -> Option<PoolReport> {
        cache
            .state
            .as_ref()
            .map(|s| report_of_state(s, self.settings, now))
    }

    /// The outcome of a run, with the report of the cached state at `now`.
    pub(super) fn outcome(
        &self,
        mut cache: CacheFile,
        report: Option<PoolReport>,
        now: Epoch,
        freshness: Freshness,
        error: Option<RunError>,
        notices: Vec<String>,
    ) -> Outcome {
        let mut notices = notices;
        let (pace, over_time) = match report.as_ref() {
            Some(r) => {
                let history = self.load_history(&mut notices);
                let (pace, over_time) = history::over_time_charted(
                    &history,
                    r,
                    now,
                    crate::render::chart::ChartForm::of_setting(&self.settings.menu_chart),
                );
                (pace, Some(over_time))
            }
            None => (None, None),
        };
        let ban_until = cache.key_guard.ban_running(now);
        let pause_until = cache.key_guard.paused(now).map(|(_, until)| until);
        Outcome {
            ban_until,
            pause_until,
            // Moved, not cloned: at 1000 accounts the state is megabytes.
            state: cache.state.take(),
            freshness,
            error,
            notices,
            fetched: false,
            report,
            pace,
            over_time,
            fired_alerts: Vec::new(),
            cache: Some(cache),
        }
    }

    pub(super) fn lock_failed(
        &self,
        cache: CacheFile,
        mut notices: Vec<String>,
        e: std::io::Error,
    ) -> Outcome {
        notices.push(crate::tr!(
            "cache.cannot_use",
            dir = self
                .paths
                .lock
                .parent()
                .unwrap_or(&self.paths.lock)
                .display(),
            error = e
        ));
        let error = RunError::Io(crate::tr!("cache.cannot_lock", error = e));
        self.finish_without_fetch(cache, notices, Some(error))
    }

    pub(super) fn finish_without_fetch(
        &self,
        cache: CacheFile,
        notices: Vec<String>,
        error: Option<RunError>,
    ) -> Outcome {
        let stamp = self.latch_stamp();
        let now = (self.clock)();
        let freshness = match &error {
            // A rejected key that is not sent again reads like the latch it is.
            Some(e @ RunError::Blocked { block, .. }) if *block == Block::SameKeyRejected => {
                Freshness::AuthLatched {
                    title: e.title().to_string(),
                    message: e.to_string(),
                }
            }
            Some(e) => Freshness::Stale {
                title: e.title().to_string(),
                message: e.to_string(),
            },
            None => freshness_of(&cache, &stamp, now),
        };
        let report = self.report_of(&cache, now);
        self.outcome(cache, report, now, freshness, error, notices)
    }
}

/// The report of a pool state at `now`: accounts, then the visible API keys
/// (their buckets join the pool's health timeline).
///
/// A state fetched with another `providers`/`hidden` selection (the settings
/// changed and no fetch could be made since: blocked, offline, failing) shows
/// only the accounts and keys the current selection keeps.
pub fn report_of_state(state: &PoolState, settings: &Settings, now: Epoch) -> PoolReport {
    let selection = selection_of(settings);
    if state
        .selection
        .as_deref()
        .is_some_and(|old| old != selection.stamp())
    {
        let accounts: Vec<_> = state
            .accounts
            .iter()
            .filter(|a| selection.keeps_account(a))
            .cloned()
            .collect();
        let keys: Vec<_> = state
            .api_keys
            .iter()
            .filter(|k| selection.keeps_key(k))
            .cloned()
            .collect();
        let mut report = quota::compute(&accounts, &settings.quota, now);
        quota::attach_api_keys(&mut report, &keys, key_display(settings));
        return report;
    }
    let mut report = quota::compute(&state.accounts, &settings.quota, now);
    quota::attach_api_keys(&mut report, &state.api_keys, key_display(settings));
    report
}
/// How API keys are shown: the `hidden_keys` and `[key_labels]` settings.
pub fn key_display(settings: &Settings) -> quota::KeyDisplay<'_> {
    quota::KeyDisplay {
        hidden: &settings.hidden_keys,
        labels: &settings.key_labels,
    }
}
/// Every provider URL configured in `settings`.
pub fn provider_urls_of(settings: &Settings) -> crate::api::providers::ProviderUrls {
    crate::api::providers::ProviderUrls {
        codex_usage: settings.usage_url.clone(),
        codex_reset_credits: settings.reset_credits_url.clone(),
        claude_usage: settings.claude_usage_url.clone(),
        claude_profile: settings.claude_profile_url.clone(),
        antigravity: settings.antigravity_urls.clone(),
        kimi_usage: settings.kimi_usage_url.clone(),
        xai_billing: settings.xai_billing_url.clone(),
        gemini_cli_quota: settings.gemini_cli_quota_url.clone(),
    }
}
/// The account selection configured in `settings`.
pub fn selection_of(settings: &Settings) -> Selection {
    Selection {
        providers: settings.providers.clone(),
        hidden: settings.hidden.clone(),
        labels: settings.labels.clone(),
    }
}
/// The freshness shown while another run fetches: "refreshing" when the last
/// attempt worked; a failed last attempt stays visible (its error, the age of
/// the data) until a refresh ends otherwise, so an outage never flickers.
pub fn refreshing(freshness: Freshness, _has_state: bool) -> Freshness {
    match freshness {
        Freshness::Fresh => Freshness::Refreshing,
        other => other,
    }
}
