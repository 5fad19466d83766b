//! Domain data shared by every module: what poolwatch knows about one pool.
//!
//! These types are produced by the API client (or the demo pool), kept in the
//! cache by `store`, turned into a [`crate::quota::PoolReport`] by `quota`, and
//! printed by `render`. All times are Unix epoch seconds (UTC).

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch, UTC.
pub type Epoch = i64;

/// Hex digits of an API-key fingerprint (the first 8 hex digits of the
/// SHA-256 of the server's whole key string; `api::api_keys` makes them).
pub const FINGERPRINT_HEX: usize = 8;

/// True for a key fingerprint as poolwatch writes it: exactly 8 lower-case hex digits.
pub fn is_fingerprint(text: &str) -> bool {
    text.len() == FINGERPRINT_HEX && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One rate-limit window of one account, as reported by `wham/usage`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotaWindow {
    /// Used share of the window, clamped to 0..=100.
    pub used_percent: f64,
    /// Window length in seconds when the server said it (18000 = 5h, 604800 = week).
    #[serde(default)]
    pub window_seconds: Option<i64>,
    /// When the window resets, if known.
    #[serde(default)]
    pub reset_at: Option<Epoch>,
}

impl QuotaWindow {
    /// Remaining share of the window in percent (100 - used), clamped to 0..=100.
    pub fn remaining_percent(&self) -> f64 {
        (100.0 - self.used_percent).clamp(0.0, 100.0)
    }
}

/// A named extra limit (e.g. `GPT-5.3-Codex-Spark`) carried next to the main windows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedLimit {
    pub name: String,
    #[serde(default)]
    pub five_hour: Option<QuotaWindow>,
    #[serde(default)]
    pub weekly: Option<QuotaWindow>,
}

/// The parsed quota state of one account (the `wham/usage` body).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// `plan_type` from the usage body, lower-cased (`plus`, `pro`, `prolite`, ...).
    #[serde(default)]
    pub plan_type: Option<String>,
    /// The short window (duration < 1 day), normally 5 hours.
    #[serde(default)]
    pub five_hour: Option<QuotaWindow>,
    /// The long window: the weekly one, or a monthly one when no weekly window exists.
    #[serde(default)]
    pub weekly: Option<QuotaWindow>,
    /// `rate_limit.allowed` when present.
    #[serde(default)]
    pub allowed: Option<bool>,
    /// `rate_limit.limit_reached` when present.
    #[serde(default)]
    pub limit_reached: Option<bool>,
    /// Additional named limits, shown in the account submenu only.
    #[serde(default)]
    pub additional: Vec<NamedLimit>,
    /// A 28–31-day window (Codex Team), kept apart from the 5h/week sums.
    #[serde(default)]
    pub monthly: Option<QuotaWindow>,
    /// Scoped, per-model or extra limits (Claude `seven_day_opus`, Codex Spark,
    /// code review, Antigravity model buckets, Kimi limits): never in the pool sums.
    #[serde(default)]
    pub lanes: Vec<Lane>,
    /// Reset credits read with this usage (moved onto the account by `merge_fetch`).
    #[serde(default, skip_serializing)]
    pub reset_credits: Option<ResetCredits>,
    /// True when this fetch asked for reset credits (even if the answer was unusable).
    #[serde(default, skip_serializing)]
    pub reset_credits_checked: bool,
    /// True when `plan_type` came from a plan call answered in this fetch
    /// (Claude profile, Antigravity tier), not from an earlier one.
    #[serde(default, skip_serializing)]
    pub plan_checked: bool,
    /// This answer is a limit answer (`usage_limit_reached`): it speaks of one
    /// window only, so `merge_fetch` keeps the others from the last answer.
    #[serde(default, skip_serializing)]
    pub limit_answer: bool,
    /// Windows kept from an earlier answer that this one did not speak of
    /// (a 5h limit answer keeps the week); they age like stale values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<KeptWindows>,
    /// Where these numbers come from and when: a usage read, or an observation
    /// of the account's own traffic (issue 18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<UsageSource>,
}

/// Windows of an earlier answer kept by a limit answer (docs/quota-model.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptWindows {
    /// When the kept windows were read: they count for `stale_limit_minutes`
    /// from then, and each only until its reset.
    pub at: Epoch,
    #[serde(default)]
    pub five_hour: bool,
    #[serde(default)]
    pub weekly: bool,
}

/// Where an account's usage numbers come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Observed by the server from the account's real traffic (no call).
    Observed,
    /// Read by a usage call.
    Read,
}

#[cfg(test)]
impl Usage {
    /// Each lane as (name, window, remaining percent): what the parsers'
    /// tests compare (every lane there has a window and a remaining).
    pub(crate) fn lane_summary(&self) -> Vec<(&str, &str, f64)> {
        self.lanes
            .iter()
            .map(|l| {
                (
                    l.name.as_str(),
                    l.window.as_deref().unwrap(),
                    l.remaining.unwrap(),
                )
            })
            .collect()
    }
}

/// The origin of an account's usage numbers and their time (epoch seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSource {
    pub kind: SourceKind,
    pub at: Epoch,
}

/// One extra limit of an account, shown next to its main windows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub name: String,
    /// `5h`, `week`, `month`, a provider's own window name, or None when unknown.
    #[serde(default)]
    pub window: Option<String>,
    /// Remaining share in percent (0..=100), when known.
    #[serde(default)]
    pub remaining: Option<f64>,
    #[serde(default)]
    pub reset_at: Option<Epoch>,
}

impl Lane {
    /// A lane per known window (`5h`, `week`) of a named extra limit.
    pub fn of_windows(
        name: &str,
        five_hour: &Option<QuotaWindow>,
        weekly: &Option<QuotaWindow>,
    ) -> Vec<Lane> {
        [("5h", five_hour), ("week", weekly)]
            .into_iter()
            .filter_map(|(window, value)| {
                let value = value.as_ref()?;
                Some(Lane {
                    name: name.to_string(),
                    window: Some(window.to_string()),
                    remaining: Some(value.remaining_percent()),
                    reset_at: value.reset_at,
                })
            })
            .collect()
    }
}

/// Codex rate-limit reset credits of one account (never consumed by poolwatch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetCredits {
    pub available: u32,
    /// The soonest expiry among the available credits.
    #[serde(default)]
    pub expires_at: Option<Epoch>,
}

/// One 10-minute bucket of `recent_requests` (oldest first, 20 per account).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthBucket {
    /// The server's label, e.g. `10:50-11:00` (server local time); may be empty.
    #[serde(default)]
    pub time: String,
    pub success: u64,
    pub failed: u64,
}

/// One account (auth file) of the pool together with its last known usage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Auth file id: the stable key of the account.
    pub id: String,
    /// `auth_index`, normalised to a string (servers send a string or a number).
    pub auth_index: String,
    /// Auth file name, e.g. `codex-alice@example.com.json`.
    pub name: String,
    /// Display label: the custom label from the config, else email, else label, else name.
    pub label: String,
    #[serde(default)]
    pub email: Option<String>,
    /// Provider / type: `(provider ?? type)` lower-cased with `_` as `-` (`codex`, `claude`, ...).
    pub provider: String,
    /// Plan from the auth file's id_token (`plus`, `pro`, ...), used when usage has none.
    #[serde(default)]
    pub id_token_plan: Option<String>,
    /// `id_token.chatgpt_account_id`, sent as `Chatgpt-Account-Id` when fetching usage.
    #[serde(default)]
    pub chatgpt_account_id: Option<String>,
    /// Server status: `active|error|disabled|pending|refreshing|unknown` (or empty).
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_message: String,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub unavailable: bool,
    /// `next_retry_after`: the server is cooling this account down until then.
    #[serde(default)]
    pub next_retry_after: Option<Epoch>,
    /// `last_refresh` of the account's token.
    #[serde(default)]
    pub last_refresh: Option<Epoch>,
    /// Cumulative request counters since server start.
    #[serde(default)]
    pub success: u64,
    #[serde(default)]
    pub failed: u64,
    /// The 20 ten-minute buckets of `recent_requests`, oldest first.
    #[serde(default, with = "compact_buckets")]
    pub recent_requests: Vec<HealthBucket>,
    /// Last good usage (kept across failed fetches).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// When `usage` was fetched.
    #[serde(default)]
    pub usage_fetched_at: Option<Epoch>,
    /// Why the latest usage fetch for this account failed (None when it succeeded).
    /// When `usage` is also set, the usage shown is stale.
    #[serde(default)]
    pub usage_error: Option<String>,
    /// `project_id` of the auth file (Antigravity needs it for its quota call).
    #[serde(default)]
    pub project_id: Option<String>,
    /// Codex reset credits, when read (at most every 30 minutes).
    #[serde(default)]
    pub reset_credits: Option<ResetCredits>,
    /// When `reset_credits` was read.
    #[serde(default)]
    pub reset_credits_fetched_at: Option<Epoch>,
    /// When the plan call (Claude profile, Antigravity tier) last answered.
    #[serde(default)]
    pub plan_checked_at: Option<Epoch>,
    /// The upstream refused the account's token (HTTP 401, or 403 that is not a
    /// challenge page) at the latest usage fetch: revoked or expired. Its last
    /// values no longer count toward the pool.
    #[serde(default)]
    pub token_refused: bool,
    /// When a usage call for this account last got an answer, good or bad
    /// (the refresh planner asks the longest-unanswered accounts first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_checked_at: Option<Epoch>,
    /// The request counters when `usage` was fetched: while they stay the same
    /// the account served no requests and its usage is still valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_basis: Option<UsageBasis>,
    /// Why the account's passive quota observation could not be used (a bad
    /// value; its usage was read instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation_note: Option<String>,
    /// When a scheduled refresh reads this account's usage again for its age
    /// (spread over the max-age period, see `api::refresh_plan`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_due_at: Option<Epoch>,
}

/// An account's request counters as seen at its last usage fetch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageBasis {
    pub success: u64,
    pub failed: u64,
}

impl Account {
    /// The plan used for weights: usage `plan_type`, else the id_token plan.
    pub fn plan(&self) -> Option<&str> {
        self.usage
            .as_ref()
            .and_then(|u| u.plan_type.as_deref())
            .or(self.id_token_plan.as_deref())
    }

    /// True when the usage shown comes from an earlier fetch because the latest one failed.
    pub fn is_stale(&self) -> bool {
        self.usage.is_some() && self.usage_error.is_some()
    }
}

/// Everything fetched about one pool at one time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolState {
    /// When the account list was last fetched successfully.
    pub fetched_at: Epoch,
    /// Accounts selected by the provider filter, in server order.
    pub accounts: Vec<Account>,
    /// `X-CPA-VERSION` of the server, when sent.
    #[serde(default)]
    pub server_version: Option<String>,
    /// True when the overall deadline cut the fetch short (some usages are older).
    #[serde(default)]
    pub partial: bool,
    /// Upstream API keys from `api-key-usage` (fingerprints only, never the raw key).
    #[serde(default)]
    pub api_keys: Vec<ApiKeyUsage>,
    /// How many auth files the server listed before `providers`/`hidden` filtered them
    /// (so "0 accounts" can say why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_files_seen: Option<usize>,
    /// [`crate::api::Selection::stamp`] of the settings this state was fetched with: other
    /// `providers`, `hidden` or `labels` make the next run fetch again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<String>,
    /// The Management API generation the server answered on (`v0`/`v8`) with
    /// `server_version`; None: not known (the next refresh probes v8 once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_api: Option<String>,
    /// Said when the v8 probe got an odd answer (HTML, a redirect, a 5xx) and
    /// the refresh fell back to v0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_notice: Option<String>,
    /// Quiet re-reads (age, a window reset without traffic) of the last hour:
    /// `(when, how many)` per refresh, so the hourly budget holds in any
    /// rolling hour (`crate::api::refresh_plan`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quiet_reads: Vec<(Epoch, u64)>,
}

/// Usage of one upstream API key from `GET /v0/management/api-key-usage`.
///
/// The server's object key holds the raw key; only this reduced form ever
/// leaves the parser: the provider, the host of the base URL and a short
/// fingerprint (see [`crate::api::api_keys`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyUsage {
    /// Provider or openai-compat name, lower-cased.
    pub provider: String,
    /// Host (and port) of the key's base URL; empty when the server gave none.
    #[serde(default)]
    pub host: String,
    /// First 8 hex digits of the SHA-256 of the server's whole key string.
    pub fingerprint: String,
    #[serde(default)]
    pub success: u64,
    #[serde(default)]
    pub failed: u64,
    /// The 10-minute buckets, oldest first.
    #[serde(default, with = "compact_buckets")]
    pub recent_requests: Vec<HealthBucket>,
}

/// How `recent_requests` is stored in the cache. The server labels its 20
/// buckets with consecutive 10-minute ranges (`10:50-11:00`), so when that
/// holds only the last label and the counts are kept:
/// `{"last": "10:50-11:00", "counts": [success, failed, ...]}`. This halves
/// the cache of a big pool and the time to read it. Anything else is stored
/// as the plain list, so nothing is ever lost.
mod compact_buckets {
    use serde::{Deserializer, Serialize, Serializer};

    use super::HealthBucket;

    const STEP_MINUTES: i32 = 10;
    const DAY_MINUTES: i32 = 24 * 60;

    #[derive(Serialize)]
    struct Compact<'a> {
        last: &'a str,
        counts: Vec<u64>,
    }

    fn minutes(hhmm: &str) -> Option<i32> {
        let (h, m) = hhmm.split_once(':')?;
        let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
        ((0..24).contains(&h) && (0..60).contains(&m) && hhmm.len() == 5).then_some(h * 60 + m)
    }

    fn push_hhmm(out: &mut String, total: i32) {
        let total = total.rem_euclid(DAY_MINUTES);
        let (h, m) = (total / 60, total % 60);
        for digit in [h / 10, h % 10] {
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(':');
        for digit in [m / 10, m % 10] {
            out.push(char::from(b'0' + digit as u8));
        }
    }

    /// The label of the bucket that ends at `end` (minutes after midnight).
    /// Built by hand: `format!` here dominated reading a big cache.
    fn label(end: i32) -> String {
        let mut out = String::with_capacity(11);
        push_hhmm(&mut out, end - STEP_MINUTES);
        out.push('-');
        push_hhmm(&mut out, end);
        out
    }

    /// The end minute of the last bucket, when every label follows from it.
    fn consecutive_end(buckets: &[HealthBucket]) -> Option<i32> {
        let last = buckets.last()?;
        let (_, end) = last.time.split_once('-')?;
        let end = minutes(end)?;
        let n = buckets.len() as i32;
        buckets
            .iter()
            .enumerate()
            .all(|(i, b)| b.time == label(end - STEP_MINUTES * (n - 1 - i as i32)))
            .then_some(end)
    }

    pub fn serialize<S: Serializer>(buckets: &[HealthBucket], s: S) -> Result<S::Ok, S::Error> {
        match (consecutive_end(buckets), buckets.last()) {
            (Some(_), Some(last)) => Compact {
                last: &last.time,
                counts: buckets.iter().flat_map(|b| [b.success, b.failed]).collect(),
            }
            .serialize(s),
            _ => buckets.serialize(s),
        }
    }

    fn expand<E: serde::de::Error>(last: &str, counts: &[u64]) -> Result<Vec<HealthBucket>, E> {
        let end = last
            .split_once('-')
            .and_then(|(_, end)| minutes(end))
            .ok_or_else(|| E::custom("bad bucket label"))?;
        let n = (counts.len() / 2) as i32;
        Ok(counts
            .chunks_exact(2)
            .enumerate()
            .map(|(i, pair)| HealthBucket {
                time: label(end - STEP_MINUTES * (n - 1 - i as i32)),
                success: pair[0],
                failed: pair[1],
            })
            .collect())
    }

    /// Accepts the compact map or the plain list, without buffering.
    struct BucketsVisitor;

    impl<'de> serde::de::Visitor<'de> for BucketsVisitor {
        type Value = Vec<HealthBucket>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of buckets or {\"last\", \"counts\"}")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut buckets = Vec::with_capacity(seq.size_hint().unwrap_or(20));
            while let Some(bucket) = seq.next_element()? {
                buckets.push(bucket);
            }
            Ok(buckets)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let (mut last, mut counts): (Option<String>, Option<Vec<u64>>) = (None, None);
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match key.as_ref() {
                    "last" => last = Some(map.next_value()?),
                    "counts" => counts = Some(map.next_value()?),
                    _ => {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
            }
            let last = last.ok_or_else(|| serde::de::Error::missing_field("last"))?;
            let counts = counts.ok_or_else(|| serde::de::Error::missing_field("counts"))?;
            expand(&last, &counts)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<HealthBucket>, D::Error> {
        d.deserialize_any(BucketsVisitor)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn account_with(times: &[&str]) -> crate::model::Account {
            crate::model::Account {
                recent_requests: times
                    .iter()
                    .enumerate()
                    .map(|(i, t)| HealthBucket {
                        time: t.to_string(),
                        success: i as u64,
                        failed: (i % 3) as u64,
                    })
                    .collect(),
                ..Default::default()
            }
        }

        #[test]
        fn consecutive_labels_are_stored_compactly_and_restored_exactly() {
            // Crosses midnight on purpose.
            let account = account_with(&["23:40-23:50", "23:50-00:00", "00:00-00:10"]);
            let json = serde_json::to_value(&account).unwrap();
            assert_eq!(json["recent_requests"]["last"], "00:00-00:10");
            assert_eq!(
                json["recent_requests"]["counts"],
                serde_json::json!([0, 0, 1, 1, 2, 2])
            );
            let back: crate::model::Account = serde_json::from_value(json).unwrap();
            assert_eq!(back, account);
        }

        #[test]
        fn irregular_labels_are_kept_as_they_came() {
            for times in [&["10:00-10:10", "10:20-10:30"][..], &["", ""], &["x", "y"]] {
                let account = account_with(times);
                let json = serde_json::to_value(&account).unwrap();
                assert!(json["recent_requests"].is_array());
                let back: crate::model::Account = serde_json::from_value(json).unwrap();
                assert_eq!(back, account);
            }
        }
    }
}
