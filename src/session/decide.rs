//! Deciding what a run does with the cache as found: serve, wait on a latch, or fetch.
//! Pure where it can be: [`decide`] takes `now` and stored times.

use super::*;

/// What to do with the cache as found.
#[derive(Debug, PartialEq)]
pub(super) enum Decision {
    Serve,
    Latched,
    Fetch,
}

/// Whether the cache holds an auth latch for this run's pool and key source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Latch {
    /// No latch of this pool and key source.
    None,
    /// A latch, but the key changed since: the new key deserves an attempt now.
    KeyChanged,
    /// A latch of this very key.
    Holds,
}

/// `banned`: the server's IP ban is still running, or the key guard pauses
/// attempts (3 failures in a row): nothing is asked on the app's own.
pub(super) fn decide(
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
        // The user's own refresh always asks (the debounce is for menu clicks,
        // which SwiftBar follows with a run of its own); the guard decides
        // (ban, rejected key, pause).
        Trigger::Explicit | Trigger::RetryKey => Decision::Fetch,
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
        Block::Budget { attempts, until } => {
            crate::tr!("block.budget", n = attempts, d = short(until - now))
        }
        Block::SameKeyRejected => crate::tr!("block.same_key", hint = secrets::key_hint()),
    }
}

/// The key source as part of the fingerprint (`env`, `keychain`, ...).
pub(super) fn source_name(source: KeySource) -> String {
    format!("{source:?}").to_ascii_lowercase()
}

impl Session<'_> {
    /// The auth latch of this pool and key source, compared with this run's key.
    /// Loads the key only when such a latch exists.
    pub(super) fn latch(
        &self,
        cache: &CacheFile,
        stamp: &str,
        key: &std::cell::OnceCell<LoadedKey>,
    ) -> Latch {
        let latched = cache.auth_latch.as_ref().filter(|l| l.stamp == stamp);
        // The guard's own record counts too (it outlives a lost cache).
        let rejected = match (latched, &cache.key_guard.rejected_key) {
            (Some(latch), _) => match &latch.key {
                Some(rejected) => rejected,
                None => return Latch::Holds,
            },
            (None, Some(rejected)) => rejected,
            (None, None) => return Latch::None,
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
            _ if latched.is_some() => Latch::KeyChanged,
            _ => Latch::None,
        }
    }

    /// What `trigger` does with `cache` at `now` (see [`decide`]).
    pub(super) fn decision(
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
        let banned =
            cache.key_guard.ban_running(now).is_some() || cache.key_guard.paused(now).is_some();
        decide(cache, trigger, now, ttl, latch, banned)
    }
}

pub(super) fn freshness_of(cache: &CacheFile, stamp: &str, now: Epoch) -> Freshness {
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
    if let Some((attempts, until)) = cache.key_guard.paused(now) {
        // A pause is not a rejection: it says why and when it ends.
        let block = Block::Budget { attempts, until };
        return Freshness::Stale {
            title: crate::tr!("guard.paused_until", d = short(until - now)),
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
    fn the_users_refresh_is_never_debounced_and_a_clock_gone_back_never_pins() {
        let cache = cache_with(Some(1000), None);
        for trigger in [Trigger::Explicit, Trigger::RetryKey] {
            assert_eq!(d(&cache, trigger, 1000, 120, "s"), Decision::Fetch);
            assert_eq!(d(&cache, trigger, 1001, 120, "s"), Decision::Fetch);
        }
        // The debounce is the menu click's (SwiftBar re-runs the plugin after it).
        assert_eq!(d(&cache, Trigger::Manual, 1001, 120, "s"), Decision::Serve);
    }

    #[test]
    fn a_pause_holds_automatic_runs_and_clicks_like_a_ban() {
        let mut cache = cache_with(Some(1000), None);
        cache.key_guard.failed_attempts = vec![990, 995, 999];
        let pause = cache.key_guard.paused(1100).expect("paused");
        assert_eq!(pause, (3, 990 + crate::store::attempts::LEDGER_SECONDS));
        match freshness_of(&cache, "s", 1100) {
            Freshness::Stale { title, message } => {
                assert!(title.contains("paused for 28m"), "{title}");
                assert!(message.contains("sends no request for 28m"), "{message}");
                assert!(!message.contains("POOLWATCH_MANAGEMENT_KEY"), "{message}");
            }
            other => panic!("{other:?}"),
        }
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
