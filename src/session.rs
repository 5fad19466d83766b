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

use std::path::PathBuf;
use std::time::Duration;

use crate::alerts::{self, Alert};
use crate::api::client::{Client, FetchOptions};
use crate::api::error::FetchError;
use crate::api::refresh_plan::{self, Scope, MANUAL_MAX_AGE};
use crate::api::{merge_api_keys, merge_fetch, Selection};
use crate::config::Settings;
use crate::model::{Epoch, PoolState};
use crate::quota::pace::{self, HistoryPoint, Pace};
use crate::quota::{self, PoolReport};
use crate::render::duration::short;
use crate::secrets::{self, KeyError, KeySource, Secret};
use crate::store::attempts::{self, Block};
use crate::store::cache::{self, AuthLatch, CacheFile, CachePaths, LastError, Loaded};
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
            RunError::Io(_) => crate::exit_codes::FAILURE,
            RunError::Blocked { .. } => crate::exit_codes::AUTH,
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Fetch(e) => write!(f, "{e}"),
            RunError::Key(m) | RunError::Config(m) | RunError::Io(m) => write!(f, "{m}"),
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
    /// Burn rate and run-out estimate from the cached history.
    pub pace: Option<Pace>,
    /// Alerts this run's fetch fired (to be delivered by the caller).
    pub fired_alerts: Vec<Alert>,
    /// The cache after the run, without its state (moved to `state`); None in demo mode.
    pub cache: Option<CacheFile>,
    /// The server's IP ban ends then (None when no ban is running).
    pub ban_until: Option<Epoch>,
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

/// What a cache-hit menu run shows, read from the menu form.
#[derive(Clone, Debug)]
pub struct FormHit {
    /// `trigger` would fetch: the caller starts a (detached) refresh.
    pub due: bool,
    /// The server's IP ban runs until then.
    pub ban_until: Option<Epoch>,
    pub freshness: Freshness,
    /// The report cut to the menu's accounts, dated `now`.
    pub report: Option<PoolReport>,
    /// Accounts of the pool not in `report`.
    pub omitted: usize,
    pub updated_at: Option<Epoch>,
    pub pace: Option<Pace>,
    pub now: Epoch,
}

/// The settings a menu form's report depends on; another value re-renders the
/// form from the full cache (without fetching).
pub fn form_stamp(settings: &Settings) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    format!(
        "{}|{}|{}|{:?}|{}|{:?}|{:?}",
        menu_form::FORM_VERSION,
        settings.profile,
        settings.pool_url,
        settings.quota,
        selection_of(settings).stamp(),
        settings.hidden_keys,
        settings.key_labels
    )
    .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
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
}

/// What to do with the cache as found.
#[derive(Debug, PartialEq)]
enum Decision {
    Serve,
    Latched,
    Fetch,
}

/// Whether the cache holds an auth latch for this run's pool and key source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Latch {
    /// No latch of this pool and key source.
    None,
    /// A latch, but the key changed since: the new key deserves an attempt now.
    KeyChanged,
    /// A latch of this very key.
    Holds,
}

/// `banned`: the server's IP ban is still running.
fn decide(
    cache: &CacheFile,
    trigger: Trigger,
    now: Epoch,
    ttl: i64,
    latch: Latch,
    banned: bool,
) -> Decision {
    let since_attempt = cache.last_attempt_at.map(|t| now - t);
    match trigger {
        Trigger::Offline => Decision::Serve,
        // The guard decides for the user's own refresh (ban, rejected key, budget).
        Trigger::Explicit | Trigger::RetryKey => match since_attempt {
            Some(age) if (0..MANUAL_DEBOUNCE).contains(&age) && latch == Latch::None => {
                Decision::Serve
            }
            _ => Decision::Fetch,
        },
        _ if banned || latch == Latch::Holds => Decision::Latched,
        _ if latch == Latch::KeyChanged => Decision::Fetch,
        Trigger::Manual => match since_attempt {
            Some(age) if (0..MANUAL_DEBOUNCE).contains(&age) => Decision::Serve,
            _ => Decision::Fetch,
        },
        Trigger::Automatic => match since_attempt {
            Some(age) if (0..ttl).contains(&age) => Decision::Serve,
            _ => Decision::Fetch,
        },
    }
}

/// What the guard's block means for the user, with the wait counted from `now`.
pub fn block_message(block: &Block, now: Epoch) -> String {
    match block {
        Block::Banned { until } => crate::tr!("block.banned", d = short(until - now)),
        Block::Budget { attempts, until } => crate::tr!(
            "block.budget",
            n = attempts,
            d = short(until - now),
            hint = secrets::key_hint()
        ),
        Block::SameKeyRejected => crate::tr!("block.same_key", hint = secrets::key_hint()),
    }
}

/// The key of a run and where it came from (loaded at most once per run).
type LoadedKey = Result<(Secret, KeySource), KeyError>;

/// The key source as part of the fingerprint (`env`, `keychain`, ...).
fn source_name(source: KeySource) -> String {
    format!("{source:?}").to_ascii_lowercase()
}

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
    fn selection_changed(&self, cache: &CacheFile) -> bool {
        let stamp = selection_of(self.settings).stamp();
        cache
            .state
            .as_ref()
            .and_then(|s| s.selection.as_deref())
            .is_some_and(|old| old != stamp)
    }

    /// What invalidates an auth latch when it changes: the pool and the key's source.
    fn latch_stamp(&self) -> String {
        let source = if (self.env)(secrets::KEY_ENV).is_some_and(|k| !k.trim().is_empty()) {
            "env"
        } else {
            "keychain"
        };
        format!("{}|{source}", self.settings.pool_url)
    }

    /// The cache, and the identity of the file it was read from (taken before
    /// reading: a file replaced meanwhile then never matches a form made from it).
    fn load_cache_seen(&self, notices: &mut Vec<String>) -> (CacheFile, Option<FileIdentity>) {
        let seen = menu_form::identity(&self.paths.data);
        (self.load_cache(notices), seen)
    }

    fn load_cache(&self, notices: &mut Vec<String>) -> CacheFile {
        match cache::load(&self.paths.data) {
            Ok(Loaded::Found(found)) if found.pool_url == self.settings.pool_url => *found,
            Ok(Loaded::Found(_)) | Ok(Loaded::Missing) => CacheFile::new(&self.settings.pool_url),
            Ok(Loaded::Corrupt { moved_to }) => {
                notices.push(crate::tr!("cache.rebuilt", path = moved_to.display()));
                CacheFile::new(&self.settings.pool_url)
            }
            Err(e) => {
                notices.push(crate::tr!("cache.cannot_read", error = e));
                CacheFile::new(&self.settings.pool_url)
            }
        }
    }

    /// Load the key once per run.
    fn key<'k>(&self, cell: &'k std::cell::OnceCell<LoadedKey>) -> &'k LoadedKey {
        cell.get_or_init(|| secrets::load_key(&self.settings.profile, self.env))
    }

    /// The auth latch of this pool and key source, compared with this run's key.
    /// Loads the key only when such a latch exists.
    fn latch(&self, cache: &CacheFile, stamp: &str, key: &std::cell::OnceCell<LoadedKey>) -> Latch {
        let Some(latch) = cache.auth_latch.as_ref().filter(|l| l.stamp == stamp) else {
            return Latch::None;
        };
        let Some(rejected) = &latch.key else {
            return Latch::Holds;
        };
        match self.key(key) {
            Ok((secret, source))
                if cache
                    .key_guard
                    .fingerprint(&source_name(*source), secret.expose())
                    == *rejected =>
            {
                Latch::Holds
            }
            // Another key, or none at all (the fetch then only reports that).
            _ => Latch::KeyChanged,
        }
    }

    /// What `trigger` does with `cache` at `now` (see [`decide`]).
    fn decision(
        &self,
        cache: &CacheFile,
        trigger: Trigger,
        now: Epoch,
        stamp: &str,
        key: &std::cell::OnceCell<LoadedKey>,
    ) -> Decision {
        let ttl = self.settings.ttl.as_secs() as i64;
        // Offline runs never ask: no need to read the key (Keychain) for the latch.
        let latch = match trigger {
            Trigger::Offline => Latch::None,
            _ => self.latch(cache, stamp, key),
        };
        let banned = cache.key_guard.ban_running(now).is_some();
        decide(cache, trigger, now, ttl, latch, banned)
    }

    /// Serve, wait for, or perform a fetch according to `trigger`.
    pub fn obtain(&self, trigger: Trigger) -> Outcome {
        let mut notices = Vec::new();
        let (cache, seen) = self.load_cache_seen(&mut notices);
        self.obtain_loaded(trigger, cache, seen, notices)
    }

    /// [`Session::obtain`] with the cache already read.
    fn obtain_loaded(
        &self,
        trigger: Trigger,
        mut cache: CacheFile,
        seen: Option<FileIdentity>,
        mut notices: Vec<String>,
    ) -> Outcome {
        let start = (self.clock)();
        let stamp = self.latch_stamp();
        let key = std::cell::OnceCell::new();
        if self.settings.pool_url.is_empty() {
            let error = RunError::Config(crate::tr!("run.no_pool_url"));
            return self.finish_without_fetch(cache, notices, Some(error));
        }
        let decision =
            |cache: &CacheFile, now: Epoch| self.decision(cache, trigger, now, &stamp, &key);
        match decision(&cache, start) {
            // Changed providers/hidden/labels: the cached accounts were picked by the old ones.
            Decision::Serve if trigger != Trigger::Offline && self.selection_changed(&cache) => {}
            Decision::Serve | Decision::Latched => {
                return self.serve_cached(cache, notices, seen);
            }
            Decision::Fetch => {}
        }

        // Single flight: only the lock holder fetches.
        let generation_seen = cache.last_attempt_at;
        let guard = match lock::try_lock(&self.paths.lock) {
            Ok(Some(guard)) => guard,
            Ok(None) => {
                let budget = self.settings.deadline + WAIT_SLACK;
                match lock::lock_within(&self.paths.lock, budget) {
                    Ok(Some(guard)) => {
                        let (fresh, seen) = self.load_cache_seen(&mut notices);
                        cache = fresh;
                        if cache.last_attempt_at != generation_seen {
                            // The other run fetched while we waited: show its result.
                            return self.serve_cached(cache, notices, seen);
                        }
                        guard
                    }
                    Ok(None) => {
                        let mut outcome = self.finish_without_fetch(cache, notices, None);
                        outcome.freshness = refreshing(outcome.freshness, outcome.state.is_some());
                        return outcome;
                    }
                    Err(e) => return self.lock_failed(cache, notices, e),
                }
            }
            Err(e) => return self.lock_failed(cache, notices, e),
        };
        // Re-read under the lock: a run may have finished between our read and the lock.
        cache = self.load_cache(&mut notices);
        if cache.last_attempt_at != generation_seen
            && decision(&cache, (self.clock)()) != Decision::Fetch
            && !self.selection_changed(&cache)
        {
            return self.finish_without_fetch(cache, notices, None);
        }

        let now = (self.clock)();
        // The guard, under the lock: the ledger of every run is in this cache.
        let mut fingerprint = None;
        if let Ok((secret, source)) = self.key(&key) {
            if cache.key_guard.salt.is_none() {
                cache.key_guard.salt = Some(attempts::new_salt());
            }
            let print = cache
                .key_guard
                .fingerprint(&source_name(*source), secret.expose());
            let retry_key = trigger == Trigger::RetryKey;
            if let Err(block) = cache.key_guard.check(&print, retry_key, now) {
                drop(guard);
                let error = RunError::Blocked { block, now };
                return self.finish_without_fetch(cache, notices, Some(error));
            }
            fingerprint = Some(print);
        }
        let result = match self.key(&key) {
            Ok((secret, _)) => self.fetch(
                Secret::new(secret.expose()),
                cache.state.as_ref(),
                self.scope(trigger),
                now,
            ),
            Err(e) => Err(RunError::Key(e.to_string())),
        };
        let finished = (self.clock)().max(now);
        // Every attempt moves last_attempt_at forward, so waiting runs can tell
        // that an attempt happened even within the same second.
        cache.last_attempt_at = Some(match cache.last_attempt_at {
            Some(prev) if prev >= finished => prev + 1,
            _ => finished,
        });
        let error = match result {
            Ok(state) => {
                cache.state = Some(state);
                cache.last_error = None;
                cache.auth_latch = None;
                cache.key_guard.record_success(finished);
                None
            }
            Err(error) => {
                cache.last_error = Some(LastError {
                    title: error.title().to_string(),
                    message: error.to_string(),
                    exit_code: error.exit_code(),
                });
                if let RunError::Fetch(fetch_error) = &error {
                    if let Some(seconds) = fetch_error.ban_seconds() {
                        // Not the key's fault: no latch, the ban's end decides.
                        cache.key_guard.record_ban(finished, seconds);
                    } else if fetch_error.is_auth() {
                        if let (true, Some(print)) =
                            (fetch_error.is_failed_key_attempt(), &fingerprint)
                        {
                            cache.key_guard.record_failure(print, finished);
                        }
                        cache.auth_latch = Some(AuthLatch {
                            at: now,
                            title: error.title().to_string(),
                            message: error.to_string(),
                            stamp: stamp.clone(),
                            key: fingerprint.clone(),
                        });
                    }
                }
                Some(error)
            }
        };
        // Only a refused key is a "key rejected" alert: a ban or `remote
        // management disabled` is not the key's fault.
        let auth_failed = matches!(&error, Some(RunError::Fetch(f)) if f.is_failed_key_attempt());
        // One report serves the history, the alerts and the outcome.
        let report = self.report_of(&cache, finished);
        let fired = self.after_attempt(
            &mut cache,
            report.as_ref(),
            auth_failed,
            error.is_none(),
            now,
        );
        let saved = match cache::save(&self.paths.data, &cache) {
            Ok(()) => menu_form::identity(&self.paths.data),
            Err(e) => {
                notices.push(crate::tr!(
                    "cache.cannot_write",
                    path = self.paths.data.display(),
                    error = e
                ));
                None
            }
        };
        let freshness = freshness_of(&cache, &stamp, finished);
        let mut outcome = self.outcome(cache, report, finished, freshness, error, notices);
        if let Some(identity) = saved {
            // Under the lock, so the form and the cache always match.
            self.write_form(&outcome, identity);
        }
        drop(guard);
        outcome.fetched = true;
        outcome.fired_alerts = fired;
        outcome
    }

    /// One request with `key` outside [`Session::obtain`] (`test-fetch`), under the
    /// same key guard: refused when the guard blocks it, its answer recorded like
    /// a fetch's (failure time and fingerprint, the ban's end, or a success).
    /// Without a usable cache folder or lock the request is made unguarded.
    pub fn guarded<T>(
        &self,
        key: &Secret,
        source: KeySource,
        ask: impl FnOnce() -> Result<T, FetchError>,
    ) -> Result<T, RunError> {
        let lock = lock::lock_within(&self.paths.lock, self.settings.deadline + WAIT_SLACK);
        let Ok(Some(_guard)) = lock else {
            return ask().map_err(RunError::Fetch);
        };
        let mut notices = Vec::new();
        let mut cache = self.load_cache(&mut notices);
        if cache.key_guard.salt.is_none() {
            cache.key_guard.salt = Some(attempts::new_salt());
        }
        let print = cache
            .key_guard
            .fingerprint(&source_name(source), key.expose());
        let now = (self.clock)();
        if let Err(block) = cache.key_guard.check(&print, false, now) {
            return Err(RunError::Blocked { block, now });
        }
        let result = ask();
        let answered = (self.clock)().max(now);
        match &result {
            Ok(_) => cache.key_guard.record_success(answered),
            Err(error) => {
                if let Some(seconds) = error.ban_seconds() {
                    cache.key_guard.record_ban(answered, seconds);
                } else if error.is_failed_key_attempt() {
                    cache.key_guard.record_failure(&print, answered);
                }
            }
        }
        // Best effort: a cache that cannot be written cannot remember anything.
        let _ = cache::save(&self.paths.data, &cache);
        result.map_err(RunError::Fetch)
    }

    /// [`Session::obtain`] for a menu run that must not block on a fetch: when
    /// the cache is due, `spawn` starts a detached refresh and the cache is
    /// shown at once, marked refreshing.
    /// With no data at all the run waits up to `cold_start_wait` for that
    /// refresh. When `spawn` fails the run fetches itself.
    pub fn obtain_detached(&self, trigger: Trigger, spawn: &dyn Fn() -> bool) -> Outcome {
        let mut notices = Vec::new();
        let stamp = self.latch_stamp();
        let (cache, seen) = self.load_cache_seen(&mut notices);
        // A cache that cannot be read (or was damaged) is dealt with in this
        // run, which says so; a detached refresh could not show its result.
        if self.settings.pool_url.is_empty() || !notices.is_empty() {
            return self.obtain_loaded(trigger, cache, seen, notices);
        }
        // As in `obtain`: changed providers/hidden/labels make a served cache due.
        let changed = trigger != Trigger::Offline && self.selection_changed(&cache);
        let key = std::cell::OnceCell::new();
        match self.decision(&cache, trigger, (self.clock)(), &stamp, &key) {
            Decision::Latched => return self.serve_cached(cache, notices, seen),
            Decision::Serve if !changed => return self.serve_cached(cache, notices, seen),
            _ => {}
        }
        // Always started: when a refresh already holds the lock, this one waits
        // for it and then finds nothing to do (single flight is the lock's).
        if !spawn() {
            return self.obtain_loaded(trigger, cache, seen, notices);
        }
        if cache.state.is_none() {
            let until = std::time::Instant::now() + self.settings.cold_start_wait;
            while std::time::Instant::now() < until {
                std::thread::sleep(Duration::from_millis(50));
                if menu_form::identity(&self.paths.data) != seen {
                    let (fresh, fresh_seen) = self.load_cache_seen(&mut notices);
                    if fresh.last_attempt_at != cache.last_attempt_at {
                        return self.serve_cached(fresh, notices, fresh_seen);
                    }
                }
            }
        }
        let mut outcome = self.finish_without_fetch(cache, notices, None);
        outcome.freshness = refreshing(outcome.freshness, outcome.state.is_some());
        outcome
    }

    /// History and alerts after a fetch attempt (pure bookkeeping on the cache).
    fn after_attempt(
        &self,
        cache: &mut CacheFile,
        report: Option<&PoolReport>,
        auth_failed: bool,
        succeeded: bool,
        now: Epoch,
    ) -> Vec<Alert> {
        if let (true, Some(r)) = (succeeded, report) {
            pace::record(
                &mut cache.history,
                HistoryPoint {
                    at: now,
                    five_hour: r.five_hour.remaining,
                    weekly: r.weekly.remaining,
                },
            );
        }
        let (state, fired) = alerts::evaluate(
            &cache.alerts.state,
            report,
            auth_failed,
            &self.settings.alerts,
            now,
        );
        cache.alerts.state = state;
        cache.alerts.record(&fired);
        fired
    }

    /// The report of the cached state at `now`.
    fn report_of(&self, cache: &CacheFile, now: Epoch) -> Option<PoolReport> {
        cache
            .state
            .as_ref()
            .map(|s| report_of_state(s, self.settings, now))
    }

    /// The outcome of a run, with the report of the cached state at `now`.
    fn outcome(
        &self,
        mut cache: CacheFile,
        report: Option<PoolReport>,
        now: Epoch,
        freshness: Freshness,
        error: Option<RunError>,
        notices: Vec<String>,
    ) -> Outcome {
        let pace = report.as_ref().and_then(|r| {
            pace::pace(
                &cache.history,
                r.five_hour.remaining,
                r.weekly.remaining,
                now,
            )
        });
        let ban_until = cache.key_guard.ban_running(now);
        Outcome {
            ban_until,
            // Moved, not cloned: at 1000 accounts the state is megabytes.
            state: cache.state.take(),
            freshness,
            error,
            notices,
            fetched: false,
            report,
            pace,
            fired_alerts: Vec::new(),
            cache: Some(cache),
        }
    }

    fn lock_failed(
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

    /// Serve the cache as found; (re)write the menu form when it does not
    /// match this cache or these settings (first run, settings changed).
    fn serve_cached(
        &self,
        cache: CacheFile,
        notices: Vec<String>,
        seen: Option<FileIdentity>,
    ) -> Outcome {
        let outcome = self.finish_without_fetch(cache, notices, None);
        if let Some(seen) = seen {
            let current = menu_form::load(&self.form_path());
            let stamp = form_stamp(self.settings);
            if !current.is_some_and(|f| f.cache == seen && f.stamp == stamp) {
                self.write_form(&outcome, seen);
            }
        }
        outcome
    }

    fn form_path(&self) -> PathBuf {
        menu_form::path_beside(&self.paths.data)
    }

    /// Write the menu form of `outcome`, made from the cache file `identity`.
    /// Best effort: without a form the next run takes the full path.
    fn write_form(&self, outcome: &Outcome, identity: FileIdentity) {
        let Some(cache) = &outcome.cache else {
            return;
        };
        // The small fields only: no state, history or alert log (a menu run
        // neither shows nor decides on them).
        let mut head = CacheFile {
            history: Vec::new(),
            alerts: Default::default(),
            ..cache.clone()
        };
        head.state = None;
        let (report, omitted) = match &outcome.report {
            Some(r) => {
                let (cut, omitted) = crate::render::menu::menu_report(r);
                (Some(cut), omitted)
            }
            None => (None, 0),
        };
        let form = MenuForm {
            form_version: menu_form::FORM_VERSION,
            stamp: form_stamp(self.settings),
            cache: identity,
            head,
            updated_at: outcome.state.as_ref().map(|s| s.fetched_at),
            pace: outcome.pace.clone(),
            report,
            omitted,
        };
        let _ = menu_form::save(&self.form_path(), &form);
    }

    /// A cache-hit menu from the form alone, when the form matches the cache
    /// and the settings and `trigger` would serve the cache without fetching.
    /// Reads one small file; no work grows with the pool.
    pub fn serve_form(&self, trigger: Trigger) -> Option<FormHit> {
        if trigger == Trigger::Explicit || self.settings.pool_url.is_empty() {
            return None;
        }
        let form = menu_form::load(&self.form_path())?;
        if form.stamp != form_stamp(self.settings)
            || form.head.pool_url != self.settings.pool_url
            || menu_form::identity(&self.paths.data)? != form.cache
        {
            return None;
        }
        let now = (self.clock)();
        let stamp = self.latch_stamp();
        let key = std::cell::OnceCell::new();
        let due = self.decision(&form.head, trigger, now, &stamp, &key) == Decision::Fetch;
        let mut report = form.report;
        if let Some(report) = report.as_mut() {
            // Re-dated: countdowns and ages are computed against this run's clock.
            report.now = now;
        }
        Some(FormHit {
            due,
            ban_until: form.head.key_guard.ban_running(now),
            freshness: freshness_of(&form.head, &stamp, now),
            report,
            omitted: form.omitted,
            updated_at: form.updated_at,
            pace: form.pace,
            now,
        })
    }

    fn finish_without_fetch(
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

    /// Which usage calls a fetch of `trigger` makes (see [`refresh_plan`]).
    fn scope(&self, trigger: Trigger) -> Scope {
        let scheduled = self.settings.usage_max_age.as_secs() as i64;
        match trigger {
            _ if self.refresh_all => Scope::All,
            Trigger::Automatic | Trigger::Offline => Scope::Changed { max_age: scheduled },
            Trigger::Manual | Trigger::Explicit | Trigger::RetryKey => Scope::Changed {
                max_age: MANUAL_MAX_AGE.min(scheduled),
            },
        }
    }

    /// Load the key and fetch the pool; merge with the previous state.
    fn fetch(
        &self,
        key: Secret,
        previous: Option<&PoolState>,
        scope: Scope,
        now: Epoch,
    ) -> Result<PoolState, RunError> {
        let options = FetchOptions {
            pool_url: self.settings.pool_url.clone(),
            usage_url: self.settings.usage_url.clone(),
            concurrency: self.settings.concurrency,
            request_timeout: self.settings.request_timeout,
            deadline: self.settings.deadline,
        };
        let selection = selection_of(self.settings);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RunError::Io(crate::tr!("run.runtime", error = e)))?;
        let client = Client::new(options, key)
            .map_err(RunError::Fetch)?
            .with_provider_urls(provider_urls_of(self.settings))
            .with_reset_credits_fresh(reset_credits_fresh(previous, now))
            .with_known_plans(known_plans(previous, now));
        let report = runtime
            .block_on(client.fetch_pool(
                |e| selection.keeps(e),
                |entries| refresh_plan::plan(previous, entries, scope, now).ids(),
                now,
            ))
            .map_err(RunError::Fetch)?;
        // Only after the key worked: a wrong key must cost one failed attempt, not two.
        let keys = runtime.block_on(async {
            tokio::time::timeout(self.settings.request_timeout, client.api_key_usage())
                .await
                .unwrap_or_else(|_| Err("api-key-usage timed out".to_string()))
        });
        let mut state = merge_fetch(previous, report, &selection, now);
        state.api_keys = merge_api_keys(previous, keys, &selection);
        Ok(state)
    }
}

/// The report of a pool state at `now`: accounts, then the visible API keys
/// (their buckets join the pool's health timeline).
pub fn report_of_state(state: &PoolState, settings: &Settings, now: Epoch) -> PoolReport {
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
    }
}

/// Reset credits are read at most every 30 minutes per account.
pub const RESET_CREDITS_EVERY: Epoch = 30 * 60;

/// Auth file names whose reset credits were read less than 30 minutes ago.
pub fn reset_credits_fresh(
    previous: Option<&PoolState>,
    now: Epoch,
) -> std::collections::HashSet<String> {
    previous
        .map(|p| {
            p.accounts
                .iter()
                .filter(|a| {
                    a.reset_credits_fetched_at
                        .is_some_and(|at| (0..RESET_CREDITS_EVERY).contains(&(now - at)))
                })
                .map(|a| a.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// A plan call (Claude profile, Antigravity tier) is made at most every 6 hours per account.
pub const PLAN_EVERY: Epoch = 6 * 3600;

/// Plans read by a plan call less than [`PLAN_EVERY`] ago, by auth file name.
pub fn known_plans(
    previous: Option<&PoolState>,
    now: Epoch,
) -> std::collections::HashMap<String, Option<String>> {
    previous
        .map(|p| {
            p.accounts
                .iter()
                .filter(|a| {
                    a.plan_checked_at
                        .is_some_and(|at| (0..PLAN_EVERY).contains(&(now - at)))
                })
                .map(|a| {
                    let plan = a.usage.as_ref().and_then(|u| u.plan_type.clone());
                    (a.name.clone(), plan)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The account selection configured in `settings`.
pub fn selection_of(settings: &Settings) -> Selection {
    Selection {
        providers: settings.providers.clone(),
        hidden: settings.hidden.clone(),
        labels: settings.labels.clone(),
    }
}

/// The freshness shown while another run fetches: "refreshing", unless there
/// is no data and the last attempt failed (then its error says more).
pub fn refreshing(freshness: Freshness, has_state: bool) -> Freshness {
    if freshness == Freshness::Fresh || has_state {
        Freshness::Refreshing
    } else {
        freshness
    }
}

fn freshness_of(cache: &CacheFile, stamp: &str, now: Epoch) -> Freshness {
    if let Some(until) = cache.key_guard.ban_running(now) {
        // Counted down from the stored end, not the text of the answer.
        let block = Block::Banned { until };
        return Freshness::Stale {
            title: RunError::Blocked {
                block: block.clone(),
                now,
            }
            .title()
            .to_string(),
            message: block_message(&block, now),
        };
    }
    if let Some(latch) = cache.auth_latch.as_ref().filter(|l| l.stamp == stamp) {
        return Freshness::AuthLatched {
            title: latch.title.clone(),
            message: latch.message.clone(),
        };
    }
    match &cache.last_error {
        Some(last)
            if cache.key_guard.ban_until.is_some()
                && crate::i18n::Lang::ALL.iter().any(|lang| {
                    crate::i18n::with(*lang, || crate::tr!("fetch.title_banned")) == last.title
                }) =>
        {
            Freshness::Stale {
                title: last.title.clone(),
                message: crate::tr!("block.ban_ended"),
            }
        }
        Some(last) => Freshness::Stale {
            title: last.title.clone(),
            message: last.message.clone(),
        },
        None => Freshness::Fresh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_with(last_attempt: Option<Epoch>, latch_stamp: Option<&str>) -> CacheFile {
        let mut cache = CacheFile::new("http://p");
        cache.last_attempt_at = last_attempt;
        cache.auth_latch = latch_stamp.map(|s| AuthLatch {
            at: 0,
            title: "t".into(),
            message: "m".into(),
            stamp: s.into(),
            key: None,
        });
        cache
    }

    /// `decide` with the latch matched by stamp only and no ban.
    fn d(cache: &CacheFile, trigger: Trigger, now: Epoch, ttl: i64, stamp: &str) -> Decision {
        let latch = match cache.auth_latch.as_ref() {
            Some(l) if l.stamp == stamp => Latch::Holds,
            _ => Latch::None,
        };
        decide(cache, trigger, now, ttl, latch, false)
    }

    #[test]
    fn automatic_runs_serve_within_ttl_and_fetch_after() {
        let cache = cache_with(Some(1000), None);
        assert_eq!(
            d(&cache, Trigger::Automatic, 1119, 120, "s"),
            Decision::Serve
        );
        assert_eq!(
            d(&cache, Trigger::Automatic, 1120, 120, "s"),
            Decision::Fetch
        );
        assert_eq!(
            d(&cache_with(None, None), Trigger::Automatic, 5, 120, "s"),
            Decision::Fetch
        );
        // A clock that went backwards does not pin the cache forever.
        assert_eq!(
            d(&cache, Trigger::Automatic, 900, 120, "s"),
            Decision::Fetch
        );
    }

    #[test]
    fn manual_runs_bypass_ttl_but_are_debounced() {
        let cache = cache_with(Some(1000), None);
        assert_eq!(d(&cache, Trigger::Manual, 1004, 120, "s"), Decision::Serve);
        assert_eq!(d(&cache, Trigger::Manual, 1005, 120, "s"), Decision::Fetch);
        assert_eq!(
            d(&cache, Trigger::Offline, 99999, 120, "s"),
            Decision::Serve
        );
    }

    #[test]
    fn auth_latch_blocks_everything_but_explicit_refresh_and_lifts_on_new_stamp() {
        let cache = cache_with(Some(1000), Some("s"));
        assert_eq!(
            d(&cache, Trigger::Automatic, 99999, 120, "s"),
            Decision::Latched
        );
        assert_eq!(
            d(&cache, Trigger::Manual, 99999, 120, "s"),
            Decision::Latched
        );
        assert_eq!(
            d(&cache, Trigger::Explicit, 1001, 120, "s"),
            Decision::Fetch
        );
        assert_eq!(
            d(&cache, Trigger::Automatic, 99999, 120, "other"),
            Decision::Fetch
        );
    }

    #[test]
    fn a_running_ban_stops_automatic_runs_and_clicks_but_not_the_users_refresh() {
        let cache = cache_with(Some(1000), None);
        for trigger in [Trigger::Automatic, Trigger::Manual] {
            assert_eq!(
                decide(&cache, trigger, 99_999, 120, Latch::None, true),
                Decision::Latched
            );
        }
        // `refresh` reaches the guard, which tells how long the ban still runs.
        for trigger in [Trigger::Explicit, Trigger::RetryKey] {
            assert_eq!(
                decide(&cache, trigger, 99_999, 120, Latch::None, true),
                Decision::Fetch
            );
        }
    }

    #[test]
    fn a_changed_key_is_tried_at_once_even_within_the_ttl_or_debounce() {
        let cache = cache_with(Some(1000), Some("s"));
        for trigger in [Trigger::Automatic, Trigger::Manual, Trigger::Explicit] {
            assert_eq!(
                decide(&cache, trigger, 1001, 120, Latch::KeyChanged, false),
                Decision::Fetch,
                "{trigger:?}"
            );
            assert_ne!(
                decide(&cache, trigger, 1001, 120, Latch::Holds, false),
                Decision::Serve,
                "{trigger:?}: a held latch is never served as fresh"
            );
        }
        // A running ban wins over a changed key: nothing is asked during it.
        assert_eq!(
            decide(
                &cache,
                Trigger::Automatic,
                1001,
                120,
                Latch::KeyChanged,
                true
            ),
            Decision::Latched
        );
    }

    #[test]
    fn block_messages_say_what_to_do_and_count_down() {
        let banned = block_message(
            &Block::Banned {
                until: 1_000 + 1_799,
            },
            1_000,
        );
        assert!(
            banned.contains(&format!("ends in {}", short(1_799))),
            "{banned}"
        );
        assert!(
            !banned.contains("set-key"),
            "a ban is not a key problem: {banned}"
        );
        let later = block_message(
            &Block::Banned {
                until: 1_000 + 1_799,
            },
            1_000 + 1_200,
        );
        assert!(
            later.contains(&format!("ends in {}", short(599))),
            "{later}"
        );
        let budget = block_message(
            &Block::Budget {
                attempts: 3,
                until: 2_000,
            },
            1_100,
        );
        assert!(
            budget.contains("3 failed key attempts in the last 30 min"),
            "{budget}"
        );
        assert!(budget.contains("for 15m"), "{budget}");
        let same = block_message(&Block::SameKeyRejected, 0);
        assert!(same.contains(&secrets::key_hint()), "{same}");
        assert!(same.contains("refresh --retry-key"), "{same}");
    }
}
