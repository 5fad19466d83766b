//! The failed-key-attempt guard: poolwatch must never get the user's IP banned.
//!
//! CLIProxyAPI bans an IP for 30 minutes after 5 failed management-key
//! attempts (SPEC.md §1, §5). The rules, kept in the cache (so they hold
//! across every run: menu, terminal, widget refresh):
//!
//! * after a rejected key, no further attempt with the same key (compared by
//!   a salted fingerprint of its source and value, never the key itself)
//!   until the key changes or the user runs `poolwatch refresh --retry-key`;
//! * whatever the keys and flags, at most [`MAX_FAILED_ATTEMPTS`] failed
//!   attempts since the last success, within [`LEDGER_SECONDS`], from all
//!   runs together; a success clears the count, as the server's own counter
//!   does (it bans at 5 failures in a row);
//! * a refresh never has more management requests in flight than the failures
//!   it may still make ([`KeyGuard::remaining`]), and it records that many
//!   as tentative ([`KeyGuard::pending`]) before it sends anything: a run that
//!   dies half-way leaves them counted;
//! * while the server's ban runs ([`KeyGuard::ban_until`]) nothing is asked,
//!   `--retry-key` included; when it has ended, automatic runs may try once more.
//!
//! Everything here is pure: times come in, decisions go out. The caller holds
//! the cache lock while it checks, fetches and records (`store::guard` keeps
//! it in its own file).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::Epoch;

/// The span of the failed-attempt ledger (the server's ban lasts as long).
pub const LEDGER_SECONDS: i64 = 30 * 60;
/// Failed attempts allowed within [`LEDGER_SECONDS`] (the server bans at 5).
pub const MAX_FAILED_ATTEMPTS: usize = 3;
/// Failed attempts plus possible ones (of runs that died mid-refresh) allowed
/// within [`LEDGER_SECONDS`]: one below the server's ban at 5.
pub const MAX_POSSIBLE_FAILURES: usize = 4;
/// Ban length assumed when the server's text carries no duration.
pub const DEFAULT_BAN_SECONDS: i64 = 30 * 60;
/// The longest ban end believed (a longer one comes from a clock that went back).
pub const MAX_BAN_SECONDS: i64 = 24 * 3600;

/// What the cache remembers about key attempts (all optional for old caches).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyGuard {
    /// The server's IP ban ends then (answer time + the duration in its text).
    #[serde(default)]
    pub ban_until: Option<Epoch>,
    /// Times of failed key attempts (401/403 key answers) in the last 30 min, oldest first.
    #[serde(default)]
    pub failed_attempts: Vec<Epoch>,
    /// Salted fingerprint of the last rejected key (source + value); never the key.
    #[serde(default)]
    pub rejected_key: Option<String>,
    /// Random salt of this cache file's fingerprints (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// Failures a refresh may make that is running (or died): recorded before
    /// it sends anything. Under the lock, any found belong to a run that died
    /// and count as failures ([`KeyGuard::settle_pending`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<Epoch>,
    /// Tentative failures of runs that died: they may have failed. Together
    /// with the failures they stay below the server's ban
    /// ([`MAX_POSSIBLE_FAILURES`]); a success clears them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<Epoch>,
}

/// Why no attempt may be made now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// The server's IP ban runs until `until`.
    Banned { until: Epoch },
    /// [`MAX_FAILED_ATTEMPTS`] failed attempts in the last 30 min; the next is allowed at `until`.
    Budget { attempts: usize, until: Epoch },
    /// This very key was rejected; it needs a new key or `refresh --retry-key`.
    SameKeyRejected,
}

impl KeyGuard {
    /// May an attempt with the key of `fingerprint` be made at `now`?
    ///
    /// `retry_key` is the user's explicit `refresh --retry-key`: it lifts the
    /// same-key rule and the wait for a running ban, never the attempt budget.
    pub fn check(&self, fingerprint: &str, retry_key: bool, now: Epoch) -> Result<(), Block> {
        if let Some(until) = self.ban_running(now) {
            // A request during a ban is answered 403 and tells nothing new.
            return Err(Block::Banned { until });
        }
        if let Some((attempts, until)) = self.paused(now) {
            return Err(Block::Budget { attempts, until });
        }
        if !retry_key && self.rejected_key.as_deref() == Some(fingerprint) {
            return Err(Block::SameKeyRejected);
        }
        Ok(())
    }

    /// `(failures, end)` while the attempt budget is spent: no attempt until `end`.
    pub fn paused(&self, now: Epoch) -> Option<(usize, Epoch)> {
        let recent = self.recent_failures(now);
        if recent.len() >= MAX_FAILED_ATTEMPTS {
            // The oldest failure that keeps the count at the limit leaves the window first.
            let oldest = recent[recent.len() - MAX_FAILED_ATTEMPTS];
            return Some((recent.len(), oldest + LEDGER_SECONDS));
        }
        let mut possible = recent;
        possible.extend(self.recent_uncertain(now));
        possible.sort_unstable();
        if possible.len() >= MAX_POSSIBLE_FAILURES {
            let oldest = possible[possible.len() - MAX_POSSIBLE_FAILURES];
            return Some((possible.len(), oldest + LEDGER_SECONDS));
        }
        None
    }

    /// Failed attempts still allowed at `now` (0 while paused).
    pub fn remaining(&self, now: Epoch) -> usize {
        let certain = self.recent_failures(now).len();
        let possible = certain + self.recent_uncertain(now).len();
        MAX_FAILED_ATTEMPTS
            .saturating_sub(certain)
            .min(MAX_POSSIBLE_FAILURES.saturating_sub(possible))
    }

    /// Possible failures (of runs that died) within the last [`LEDGER_SECONDS`].
    fn recent_uncertain(&self, now: Epoch) -> Vec<Epoch> {
        self.uncertain
            .iter()
            .copied()
            .filter(|at| now - at < LEDGER_SECONDS)
            .collect()
    }

    /// Record `n` tentative failures at `now` before a refresh sends anything.
    pub fn reserve(&mut self, n: usize, now: Epoch) {
        self.pending = vec![now; n];
    }

    /// Tentative failures left by a run that died become possible failures
    /// (the caller holds the lock, so no run that recorded them still runs):
    /// with them the guard stays below the server's ban.
    pub fn settle_pending(&mut self, now: Epoch) {
        let pending = std::mem::take(&mut self.pending);
        self.uncertain = self.recent_uncertain(now);
        self.uncertain.extend(pending);
    }

    /// A refresh ended: its tentative failures are replaced by what happened:
    /// `failures` key failures (each a failed attempt), after a success when
    /// `succeeded` (the server then counts only the failures after it).
    pub fn record_refresh(
        &mut self,
        fingerprint: Option<&str>,
        succeeded: bool,
        failures: usize,
        at: Epoch,
    ) {
        self.pending.clear();
        if succeeded {
            self.record_success(at);
        }
        for _ in 0..failures {
            match fingerprint {
                Some(print) => self.record_failure(print, at),
                None => {
                    self.failed_attempts = self.recent_failures(at);
                    self.failed_attempts.push(at);
                }
            }
        }
    }

    /// The end of the server's ban, while it runs.
    pub fn ban_running(&self, now: Epoch) -> Option<Epoch> {
        self.ban_until.filter(|until| *until > now)
    }

    /// Failed attempts within the last [`LEDGER_SECONDS`] before `now`, oldest first.
    /// Times in the future (a clock that went backwards) count as recent.
    pub fn recent_failures(&self, now: Epoch) -> Vec<Epoch> {
        let mut recent: Vec<Epoch> = self
            .failed_attempts
            .iter()
            .copied()
            .filter(|at| now - at < LEDGER_SECONDS)
            .collect();
        recent.sort_unstable();
        recent
    }

    /// A key answer that counts as a failed attempt on the server (401 missing
    /// or invalid key): ledger it and remember the key's fingerprint.
    pub fn record_failure(&mut self, fingerprint: &str, at: Epoch) {
        self.failed_attempts = self.recent_failures(at);
        self.failed_attempts.push(at);
        self.rejected_key = Some(fingerprint.to_string());
    }

    /// The server answered with its ban: it ends `seconds` after `answered_at`.
    pub fn record_ban(&mut self, answered_at: Epoch, seconds: Option<i64>) {
        let seconds = seconds
            .filter(|s| *s > 0)
            .unwrap_or(DEFAULT_BAN_SECONDS)
            .min(MAX_BAN_SECONDS);
        self.ban_until = Some(answered_at.saturating_add(seconds));
    }

    /// The key was accepted: forget the rejection, the ban and the failures
    /// (the server's counter starts again at a success too).
    pub fn record_success(&mut self, _now: Epoch) {
        self.rejected_key = None;
        self.ban_until = None;
        self.failed_attempts.clear();
        self.uncertain.clear();
    }

    /// The salted fingerprint of a key from `source` (`env`, `keychain`).
    /// Needs [`KeyGuard::salt`]; see [`new_salt`].
    pub fn fingerprint(&self, source: &str, key: &str) -> String {
        fingerprint(self.salt.as_deref().unwrap_or(""), source, key)
    }
}

/// Hex SHA-256 of `salt`, `source` and `key` (NUL-separated), first 32 digits.
pub fn fingerprint(salt: &str, source: &str, key: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [salt, source, key] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh random salt (128 bits, hex), from the OS-seeded keys of std's `RandomState`.
/// Not pure: call it once per cache file.
pub fn new_salt() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::with_capacity(32);
    for round in 0..2u8 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u8(round);
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Epoch = 1_800_000_000;

    fn guard_with(failures: &[Epoch]) -> KeyGuard {
        KeyGuard {
            failed_attempts: failures.to_vec(),
            salt: Some("00ff".into()),
            ..KeyGuard::default()
        }
    }

    #[test]
    fn a_rejected_key_is_not_tried_again_until_it_changes_or_retry_is_asked() {
        let mut guard = guard_with(&[]);
        let wrong = guard.fingerprint("env", "wrong");
        assert_eq!(guard.check(&wrong, false, NOW), Ok(()));
        guard.record_failure(&wrong, NOW);
        assert_eq!(
            guard.check(&wrong, false, NOW + 1),
            Err(Block::SameKeyRejected)
        );
        // Hours later it is still the same key: still no attempt.
        assert_eq!(
            guard.check(&wrong, false, NOW + 10 * 3600),
            Err(Block::SameKeyRejected)
        );
        // Another value, or the same value from another source, is a new key.
        assert_eq!(
            guard.check(&guard.fingerprint("env", "other"), false, NOW + 1),
            Ok(())
        );
        assert_eq!(
            guard.check(&guard.fingerprint("keychain", "wrong"), false, NOW + 1),
            Ok(())
        );
        // The user's explicit --retry-key.
        assert_eq!(guard.check(&wrong, true, NOW + 1), Ok(()));
    }

    #[test]
    fn never_more_than_three_failures_in_thirty_minutes_whatever_the_flags() {
        let mut guard = guard_with(&[]);
        for (i, at) in [NOW, NOW + 100, NOW + 200].into_iter().enumerate() {
            let key = guard.fingerprint("env", &format!("key{i}"));
            assert_eq!(guard.check(&key, true, at), Ok(()));
            guard.record_failure(&key, at);
        }
        let fresh = guard.fingerprint("env", "key-new");
        // 3 in the window: blocked until the oldest leaves it (NOW + 1800).
        let blocked = Err(Block::Budget {
            attempts: 3,
            until: NOW + LEDGER_SECONDS,
        });
        assert_eq!(guard.check(&fresh, false, NOW + 300), blocked);
        assert_eq!(guard.check(&fresh, true, NOW + 1799), blocked);
        assert_eq!(guard.check(&fresh, true, NOW + 1800), Ok(()));
        // Any 30-minute span: a fourth failure at +1800 makes +100, +200, +1800.
        guard.record_failure(&fresh, NOW + 1800);
        assert_eq!(
            guard.failed_attempts,
            vec![NOW + 100, NOW + 200, NOW + 1800]
        );
        assert_eq!(
            guard.check(&guard.fingerprint("env", "x"), true, NOW + 1850),
            Err(Block::Budget {
                attempts: 3,
                until: NOW + 100 + LEDGER_SECONDS
            })
        );
    }

    #[test]
    fn a_success_clears_the_rejection_the_ban_and_the_count() {
        let mut guard = guard_with(&[NOW - 10, NOW - 5]);
        guard.rejected_key = Some("f".into());
        guard.ban_until = Some(NOW + 60);
        guard.record_success(NOW);
        assert_eq!(guard.rejected_key, None);
        assert_eq!(guard.ban_until, None);
        assert!(guard.failed_attempts.is_empty());
        assert_eq!(guard.remaining(NOW), MAX_FAILED_ATTEMPTS);
    }

    #[test]
    fn tentative_failures_count_when_their_run_died_and_are_replaced_when_it_ends() {
        let mut guard = guard_with(&[NOW - 10]);
        assert_eq!(guard.remaining(NOW), 2);
        guard.reserve(2, NOW);
        // The run died: its two possible failures count, below the server's ban.
        let mut died = guard.clone();
        died.settle_pending(NOW + 1);
        assert_eq!(died.uncertain, vec![NOW, NOW]);
        assert_eq!(died.remaining(NOW + 1), 1, "1 + 2 + 1 stays below 5");
        died.reserve(1, NOW + 2);
        died.settle_pending(NOW + 3);
        assert_eq!(died.remaining(NOW + 3), 0);
        assert_eq!(died.paused(NOW + 3), Some((4, NOW - 10 + LEDGER_SECONDS)));
        // A success clears what may have failed too.
        died.record_success(NOW + 4);
        assert_eq!(died.remaining(NOW + 4), MAX_FAILED_ATTEMPTS);
        // The run ended with one 401 after a success: only that one counts.
        guard.record_refresh(Some("f"), true, 1, NOW + 5);
        assert!(guard.pending.is_empty());
        assert_eq!(guard.failed_attempts, vec![NOW + 5]);
        assert_eq!(guard.rejected_key.as_deref(), Some("f"));
    }

    #[test]
    fn a_ban_blocks_until_it_ends_then_one_more_attempt_is_allowed() {
        let mut guard = guard_with(&[]);
        guard.record_ban(NOW, Some(29 * 60 + 59));
        let key = guard.fingerprint("keychain", "right");
        let until = NOW + 29 * 60 + 59;
        assert_eq!(guard.ban_until, Some(until));
        assert_eq!(
            guard.check(&key, false, NOW + 60),
            Err(Block::Banned { until })
        );
        assert_eq!(
            guard.check(&key, false, until - 1),
            Err(Block::Banned { until })
        );
        assert_eq!(guard.check(&key, false, until), Ok(()));
        assert_eq!(
            guard.check(&key, true, NOW + 60),
            Err(Block::Banned { until }),
            "--retry-key sends nothing during a known ban"
        );
        // No duration in the text: the server's 30 minutes.
        guard.record_ban(NOW, None);
        assert_eq!(guard.ban_until, Some(NOW + DEFAULT_BAN_SECONDS));
    }

    #[test]
    fn ledger_forgets_old_failures_and_survives_a_clock_going_backwards() {
        let guard = guard_with(&[NOW - LEDGER_SECONDS, NOW - LEDGER_SECONDS + 1, NOW + 50]);
        assert_eq!(
            guard.recent_failures(NOW),
            vec![NOW - LEDGER_SECONDS + 1, NOW + 50]
        );
    }

    #[test]
    fn fingerprints_are_salted_and_never_contain_the_key() {
        let a = fingerprint("salt-a", "env", "sk-secret-key");
        let b = fingerprint("salt-b", "env", "sk-secret-key");
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(!a.contains("secret"));
        assert_eq!(a, fingerprint("salt-a", "env", "sk-secret-key"));
        let (s1, s2) = (new_salt(), new_salt());
        assert_eq!(s1.len(), 32);
        assert_ne!(s1, s2);
    }
}
