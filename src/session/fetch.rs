//! Fetching: single flight under the lock, the key guard around one fetch, and what is stored after it.

use super::*;
use crate::api::side_calls;

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
            Decision::Serve => return self.serve_cached(cache, notices, seen),
            Decision::Latched => return self.serve_held(cache, notices, seen, &stamp, start),
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
        // The guard, under the lock, from its own file: write-ahead, nothing is
        // sent unless the guard after it can be stored.
        let mut fingerprint = None;
        let mut guard_file = None;
        let mut budget = 0;
        if let Ok((secret, source)) = self.key(&key) {
            let mut file = match self.guard_for_refresh(&cache, now) {
                Ok(file) => file,
                Err(error) => {
                    drop(guard);
                    return self.finish_without_fetch(cache, notices, Some(error));
                }
            };
            let mut key_guard = file.server(&self.settings.pool_url);
            let print = key_guard.fingerprint(&source_name(*source), secret.expose());
            let retry_key = trigger == Trigger::RetryKey;
            if let Err(block) = key_guard.check(&print, retry_key, now) {
                // What a pending run left (or a clock that went back) is stored now.
                let _ = guard::save(&self.guard_path(), &file);
                cache.key_guard = key_guard;
                drop(guard);
                let error = RunError::Blocked { block, now };
                return self.finish_without_fetch(cache, notices, Some(error));
            }
            // Never more requests in flight than failures still allowed; those
            // are stored as tentative before anything is sent.
            budget = key_guard
                .remaining(now)
                .min(self.settings.concurrency.max(1));
            key_guard.reserve(budget, now);
            file.set_server(&self.settings.pool_url, &key_guard);
            if let Err(e) = guard::save(&self.guard_path(), &file) {
                drop(guard);
                let error = RunError::Guard(self.guard_problem(&e, true));
                return self.finish_without_fetch(cache, notices, Some(error));
            }
            cache.key_guard = key_guard;
            fingerprint = Some(print);
            guard_file = Some(file);
        }
        let fetched = match self.key(&key) {
            Ok((secret, _)) => self.fetch(
                Secret::new(secret.expose()),
                cache.state.as_ref(),
                self.scope(trigger),
                now,
                budget,
            ),
            Err(e) => Fetched::failed(RunError::Key(e.to_string())),
        };
        let finished = (self.clock)().max(now);
        // Every attempt moves last_attempt_at forward, so waiting runs can tell
        // that an attempt happened even within the same second; a stored time
        // far in the future (a clock that went back) is replaced by now.
        cache.last_attempt_at = Some(match cache.last_attempt_at {
            Some(prev) if (finished..finished + 60).contains(&prev) => prev + 1,
            _ => finished,
        });
        // The guard first: what the answers said about the key.
        cache.key_guard.record_refresh(
            fingerprint.as_deref(),
            fetched.accepted,
            fetched.key_failures,
            finished,
        );
        if let Some(seconds) = fetched.ban {
            cache.key_guard.record_ban(finished, seconds);
        }
        if let Some(mut file) = guard_file {
            file.set_server(&self.settings.pool_url, &cache.key_guard);
            if let Err(e) = guard::save(&self.guard_path(), &file) {
                notices.push(self.guard_problem(&e, false));
            }
        }
        if let Some(state) = fetched.state {
            // Answers that arrived before a refused key are kept.
            cache.state = Some(state);
        }
        let error = match fetched.error {
            None => {
                cache.last_error = None;
                cache.auth_latch = None;
                None
            }
            Some(error) => {
                // Kept in every language: a run in another one shows its own.
                let texts = crate::store::cache::in_every_language(|| {
                    (error.title().to_string(), error.to_string())
                });
                cache.last_error = Some(LastError {
                    title: error.title().to_string(),
                    message: error.to_string(),
                    exit_code: error.exit_code(),
                    texts: texts.clone(),
                });
                if let RunError::Fetch(fetch_error) = &error {
                    // A ban is not the key's fault: no latch, the ban's end decides.
                    if fetch_error.is_auth() && fetch_error.ban_seconds().is_none() {
                        cache.auth_latch = Some(AuthLatch {
                            at: now,
                            title: error.title().to_string(),
                            message: error.to_string(),
                            stamp: stamp.clone(),
                            key: fingerprint.clone(),
                            texts,
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
        // The history file, under the same lock (issue 19), and its pace alert.
        let mut fired = self.record_history(
            &mut cache,
            report.as_ref(),
            error.is_none(),
            finished,
            &mut notices,
        );
        let more = self.after_attempt(
            &mut cache,
            report.as_ref(),
            auth_failed,
            error.is_none(),
            now,
        );
        fired.extend(more);
        let saved = match self.save_cache(&cache) {
            Ok(()) => menu_form::identity(&self.paths.data),
            Err(e) => {
                notices.push(crate::tr!(
                    "guard.cache_unwritable",
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
    /// Only the guard file is written: the profile's cache is never touched.
    /// Nothing is sent when the lock or the guard file cannot be used.
    pub fn guarded<T>(
        &self,
        key: &Secret,
        source: KeySource,
        ask: impl FnOnce() -> Result<T, FetchError>,
    ) -> Result<T, RunError> {
        let lock = lock::lock_within(&self.paths.lock, self.settings.deadline + WAIT_SLACK);
        let _guard = match lock {
            Ok(Some(guard)) => guard,
            Ok(None) => return Err(RunError::Io(crate::tr!("guard.busy"))),
            Err(e) => return Err(RunError::Io(crate::tr!("cache.cannot_lock", error = e))),
        };
        let now = (self.clock)();
        let mut notices = Vec::new();
        let cache = self.load_cache(&mut notices);
        let mut file = self.guard_for_refresh(&cache, now)?;
        let mut key_guard = file.server(&self.settings.pool_url);
        let print = key_guard.fingerprint(&source_name(source), key.expose());
        if let Err(block) = key_guard.check(&print, false, now) {
            return Err(RunError::Blocked { block, now });
        }
        key_guard.reserve(1, now);
        file.set_server(&self.settings.pool_url, &key_guard);
        if let Err(e) = guard::save(&self.guard_path(), &file) {
            return Err(RunError::Guard(self.guard_problem(&e, true)));
        }
        let result = ask();
        let answered = (self.clock)().max(now);
        let (accepted, failures) = match &result {
            Ok(_) => (true, 0),
            Err(error) => (false, usize::from(error.is_failed_key_attempt())),
        };
        key_guard.record_refresh(Some(&print), accepted, failures, answered);
        if let Err(error) = &result {
            if let Some(seconds) = error.ban_seconds() {
                key_guard.record_ban(answered, seconds);
            }
        }
        file.set_server(&self.settings.pool_url, &key_guard);
        // The tentative failure stays counted when this cannot be written.
        let _ = guard::save(&self.guard_path(), &file);
        result.map_err(RunError::Fetch)
    }

    /// The guard file under the lock, ready for a refresh at `now`: tentative
    /// failures of a run that died count, times in the future are brought back
    /// to now, and an older cache's guard is taken over when there is no file
    /// yet. An unreadable guard file is an error (nothing may be sent).
    pub(super) fn guard_for_refresh(
        &self,
        cache: &CacheFile,
        now: Epoch,
    ) -> Result<GuardFile, RunError> {
        let mut file = match guard::load(&self.guard_path()) {
            Ok(GuardLoaded::Found(file)) => file,
            Ok(GuardLoaded::Missing) => {
                // Migration: caches before the guard file kept it inside.
                let mut file = GuardFile::new(cache.key_guard.salt.clone());
                if cache.key_guard.salt.is_some() {
                    file.set_server(&self.settings.pool_url, &cache.key_guard);
                }
                file
            }
            Err(e) => return Err(RunError::Guard(self.guard_problem(&e, false))),
        };
        let mut key_guard = file.server(&self.settings.pool_url);
        key_guard.settle_pending(now);
        guard::settle_clock(&mut key_guard, now);
        file.set_server(&self.settings.pool_url, &key_guard);
        Ok(file)
    }

    /// What is wrong with the guard file and how to fix it.
    pub(super) fn guard_problem(&self, error: &std::io::Error, writing: bool) -> String {
        let path = self.guard_path();
        let dir = path.parent().unwrap_or(&path).display().to_string();
        if writing {
            crate::tr!(
                "guard.cannot_store",
                path = path.display(),
                dir = dir,
                error = error
            )
        } else {
            crate::tr!("guard.cannot_read", path = path.display(), error = error)
        }
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
        // A cache that cannot be read (or was damaged), or a guard file that
        // cannot be, is dealt with in this run, which says so; a detached
        // refresh could not show its result.
        if self.settings.pool_url.is_empty()
            || !notices.is_empty()
            || guard::load(&self.guard_path()).is_err()
        {
            return self.obtain_loaded(trigger, cache, seen, notices);
        }
        // As in `obtain`: changed providers/hidden/labels make a served cache due.
        let changed = trigger != Trigger::Offline && self.selection_changed(&cache);
        let key = std::cell::OnceCell::new();
        match self.decision(&cache, trigger, (self.clock)(), &stamp, &key) {
            Decision::Latched => {
                return self.serve_held(cache, notices, seen, &stamp, (self.clock)())
            }
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

    /// A run the latch, ban or pause holds back: the cache as found, or, when
    /// only the guard's file remembers the rejected key (the cache was lost),
    /// that rejection.
    pub(super) fn serve_held(
        &self,
        cache: CacheFile,
        notices: Vec<String>,
        seen: Option<FileIdentity>,
        stamp: &str,
        now: Epoch,
    ) -> Outcome {
        let held = cache.key_guard.ban_running(now).is_some()
            || cache.key_guard.paused(now).is_some()
            || cache.auth_latch.as_ref().is_some_and(|l| l.stamp == stamp);
        if held {
            return self.serve_cached(cache, notices, seen);
        }
        let error = RunError::Blocked {
            block: Block::SameKeyRejected,
            now,
        };
        self.finish_without_fetch(cache, notices, Some(error))
    }

    /// History and alerts after a fetch attempt (pure bookkeeping on the cache).
    pub(super) fn after_attempt(
        &self,
        cache: &mut CacheFile,
        report: Option<&PoolReport>,
        auth_failed: bool,
        succeeded: bool,
        now: Epoch,
    ) -> Vec<Alert> {
        // Hook events (issue 20) first: they read the baseline flag `evaluate` sets.
        let failure = cache.last_error.as_ref().map(|e| e.message.clone());
        // A rejected key has its own alert: it is not also a failing refresh.
        let failed = !succeeded && !auth_failed;
        let (state, events) = alerts::events::evaluate_more(
            cache.alerts.state.clone(),
            &alerts::events::FetchResult {
                report,
                failed,
                error: failure.as_deref().filter(|_| failed),
            },
            &self.settings.alerts,
            now,
        );
        let (state, mut fired) =
            alerts::evaluate(&state, report, auth_failed, &self.settings.alerts, now);
        cache.alerts.state = state;
        // The alert log (`poolwatch alerts`, notifications) keeps the alert lines; the
        // events go to the hooks only.
        cache.alerts.record(&fired);
        fired.extend(events);
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

    /// Fetch the pool with `key` (at most `budget` management requests in
    /// flight, the failures the guard still allows) and merge with the
    /// previous state. The whole fetch, api-key-usage included, ends by the
    /// deadline.
    pub(super) fn fetch(
        &self,
        key: Secret,
        previous: Option<&PoolState>,
        scope: Scope,
        now: Epoch,
        budget: usize,
    ) -> Fetched {
        let options = FetchOptions {
            pool_url: self.settings.pool_url.clone(),
            usage_url: self.settings.usage_url.clone(),
            concurrency: self.settings.concurrency,
            request_timeout: self.settings.request_timeout,
            deadline: self.settings.deadline,
        };
        let selection = selection_of(self.settings);
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => return Fetched::failed(RunError::Io(crate::tr!("run.runtime", error = e))),
        };
        let client = match Client::new(options, key) {
            Ok(client) => client
                .with_provider_urls(provider_urls_of(self.settings))
                .with_reset_credits_fresh(side_calls::reset_credits_fresh(
                    previous,
                    self.refresh_all,
                    now,
                ))
                .with_reset_credits_read_at(side_calls::reset_credits_read_at(previous))
                .with_known_plans(side_calls::known_plans(previous, self.refresh_all, now))
                .with_learned(crate::api::learned_of(previous))
                .with_page_size(self.settings.credentials_page_size)
                .with_failure_budget(budget),
            Err(e) => return Fetched::failed(RunError::Fetch(e)),
        };
        let observed = self.settings.observation_max_age.as_secs() as i64;
        let policy = refresh_plan::PlanPolicy {
            observation_max_age: observed,
            age_reads_per_hour: self.settings.age_reads_per_hour,
        };
        let merge_policy = crate::api::MergePolicy {
            observation_max_age: observed,
            usage_max_age: self.settings.usage_max_age.as_secs() as i64,
        };
        let deadline =
            runtime.block_on(async { tokio::time::Instant::now() }) + self.settings.deadline;
        // Quiet re-reads planned now: stored so the hourly budget holds in any rolling hour.
        let quiet = std::cell::Cell::new(0);
        let answered = runtime.block_on(crate::api::pool_fetch::fetch_pool_keeping(
            &client,
            |e| selection.keeps(e),
            |entries| {
                let plan = refresh_plan::plan_with(previous, entries, scope, policy, now);
                quiet.set(plan.quiet);
                plan.ids()
            },
            now,
            deadline,
        ));
        let quiet_reads = refresh_plan::record_quiet_reads(previous, quiet.get(), now);
        // The answers merged into the previous state; "Last updated" counts
        // from the end of the fetch, not its start (issue 17.10).
        let merged = |report| {
            let mut state = crate::api::merge_with_observations(
                previous,
                report,
                &selection,
                merge_policy,
                now,
            );
            state.fetched_at = (self.clock)().max(now);
            state.quiet_reads = quiet_reads;
            state
        };
        let mut fetched = Fetched {
            state: None,
            error: None,
            key_failures: 0,
            accepted: false,
            ban: None,
        };
        match answered {
            Ok((report, None)) => {
                // Only after the key worked: a wrong key must cost one failed
                // attempt, not two. Within what is left of the deadline.
                let until =
                    deadline.min(tokio::time::Instant::now() + self.settings.request_timeout);
                let keys = runtime.block_on(async {
                    tokio::time::timeout_at(until, client.api_key_usage())
                        .await
                        .unwrap_or_else(|_| Err("api-key-usage timed out".to_string()))
                });
                let mut state = merged(report);
                state.api_keys = merge_api_keys(previous, keys, &selection);
                fetched.state = Some(state);
            }
            Ok((report, Some(fatal))) => {
                if !report.usages.is_empty() {
                    // The answers that arrived before the refusal are kept.
                    let mut state = merged(report);
                    if let Some(previous) = previous {
                        state.api_keys.clone_from(&previous.api_keys);
                    }
                    fetched.state = Some(state);
                }
                fetched.error = Some(RunError::Fetch(fatal));
            }
            Err(error) => fetched.error = Some(RunError::Fetch(error)),
        }
        fetched.key_failures = client.key_failures();
        fetched.accepted = client.key_accepted();
        fetched.ban = client.ban().and_then(|ban| ban.ban_seconds());
        fetched
    }
}

/// What one fetch ended with.
pub(super) struct Fetched {
    /// The merged state (also after a refusal, when answers arrived before it).
    pub state: Option<PoolState>,
    pub error: Option<RunError>,
    /// 401/403 answers that count as failed key attempts.
    pub key_failures: usize,
    /// A management request was accepted.
    pub accepted: bool,
    /// The server's ban (its length when its text says it).
    pub ban: Option<Option<i64>>,
}

impl Fetched {
    /// A fetch that sent nothing.
    pub fn failed(error: RunError) -> Fetched {
        Fetched {
            state: None,
            error: Some(error),
            key_failures: 0,
            accepted: false,
            ban: None,
        }
    }
}
