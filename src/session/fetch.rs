//! Fetching: single flight under the lock, the key guard around one fetch, and what is stored after it.

use super::*;

impl Session<'_> {
    /// Serve, wait for, or perform a fetch according to `trigger`.
    pub fn obtain(&self, trigger: Trigger) -> Outcome {
        let mut notices = Vec::new();
        let (cache, seen) = self.load_cache_seen(&mut notices);
        self.obtain_loaded(trigger, cache, seen, notices)
    }

    /// [`Session::obtain`] with the cache already read.
    pub(super) fn obtain_loaded(
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
        let mut fired = self.after_attempt(
            &mut cache,
            report.as_ref(),
            auth_failed,
            error.is_none(),
            now,
        );
        // The history file, under the same lock (issue 19), and its pace alert.
        fired.extend(self.record_history(
            &mut cache,
            report.as_ref(),
            error.is_none(),
            finished,
            &mut notices,
        ));
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
    pub(super) fn after_attempt(
        &self,
        cache: &mut CacheFile,
        report: Option<&PoolReport>,
        auth_failed: bool,
        _succeeded: bool,
        now: Epoch,
    ) -> Vec<Alert> {
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

    /// Which usage calls a fetch of `trigger` makes (see [`refresh_plan`]).
    pub(super) fn scope(&self, trigger: Trigger) -> Scope {
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
    pub(super) fn fetch(
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
