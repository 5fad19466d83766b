//! The quota model (SPEC.md §2): pure functions from accounts to a pool report.
//!
//! Nothing here does I/O or reads the clock: callers pass `now`.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::model::{Epoch, HealthBucket, Lane, ResetCredits};
use crate::provider::Unit;

mod account;
pub mod expiring;
mod forecast;
mod health;
mod keys;
pub mod pace;
mod plan;
mod redate;
mod report;
mod sections;
mod sort;

pub use account::{
    account_view, current_windows, has_quota_data, is_available, is_cooling, is_disabled,
    is_erroring, is_recovering, is_week_killed, next_change, settle,
};
pub use forecast::{
    five_hour_events, forecast, weekly_events, RestoreEvent, FIRST_GAP_SECONDS, GROUP_SECONDS,
    MIN_EVENT_UNITS,
};
pub use health::{
    last_buckets, merge_health, pool_health, recent_failures, HEALTH_BUCKETS, RECENT_BUCKETS,
};
pub use keys::{attach_api_keys, default_key_label, key_views, ApiKeyView, KeyDisplay};
pub use plan::{normalize_plan, plan_weight, MAX_WEIGHT, MIN_WEIGHT};
#[cfg(test)]
pub(crate) use redate::flag_bits;
pub use redate::{left_out, redate, redate_each, ClockRow};
pub use report::{compute, count_state, counts_in_pool, CountState};
pub use sections::{choose_primary, section_order, total_reset_credits};
pub use sort::sort_accounts;

/// Colour of a remaining fraction (0..=1): red < 0.20, yellow < 0.70, green
/// otherwise; NaN is red.
pub fn level(fraction: f64) -> Level {
    if fraction.is_nan() || fraction < 0.20 {
        Level::Red
    } else if fraction < 0.70 {
        Level::Yellow
    } else {
        Level::Green
    }
}

/// Colour of one health bucket: both = mixed (yellow), failures only = failed
/// (red), successes only = success (green), none = idle (grey).
pub fn bucket_state(bucket: &HealthBucket) -> BucketState {
    match (bucket.success > 0, bucket.failed > 0) {
        (true, true) => BucketState::Mixed,
        (false, true) => BucketState::Failed,
        (true, false) => BucketState::Success,
        (false, false) => BucketState::Idle,
    }
}

/// Plan weights in units of one Plus account (Plus-base).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanWeights {
    pub plus: f64,
    pub prolite: f64,
    pub pro: f64,
}

impl Default for PlanWeights {
    fn default() -> Self {
        PlanWeights {
            plus: 1.0,
            prolite: 10.0,
            pro: 20.0,
        }
    }
}

/// What the accounts are sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    #[default]
    #[serde(rename = "5h")]
    FiveHour,
    Week,
    Name,
}

/// Sort key plus direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortOrder {
    pub key: SortKey,
    pub descending: bool,
}

impl SortOrder {
    /// The settings spelling: `5h`, `week`, `name`, with `-desc` when descending.
    pub fn setting(self) -> String {
        let key = match self.key {
            SortKey::FiveHour => "5h",
            SortKey::Week => "week",
            SortKey::Name => "name",
        };
        if self.descending {
            format!("{key}-desc")
        } else {
            key.to_string()
        }
    }
}

/// The settings the quota model needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotaSettings {
    pub weights: PlanWeights,
    /// Weekly remaining strictly below this percentage kills the account (default 3.0).
    pub kill_line: f64,
    pub sort: SortOrder,
    /// The provider of the menu-bar title and the top-level pool numbers
    /// (`primary_provider`); None: Codex when present, else the first present.
    #[serde(default)]
    pub primary_provider: Option<String>,
    /// Overrides of table weights (`claude_max20x` = 20, see [`crate::provider::weight_key`]).
    #[serde(default)]
    pub provider_weights: BTreeMap<String, f64>,
    /// How long an account whose usage fetch keeps failing keeps its last good
    /// values, in seconds (`stale_limit_minutes`, default 30 min). Never past a
    /// window's reset either; after that its values leave the pool sums.
    #[serde(default = "default_stale_limit")]
    pub stale_limit: i64,
}

/// The default of [`QuotaSettings::stale_limit`]: 30 minutes.
pub const DEFAULT_STALE_LIMIT_SECONDS: i64 = 30 * 60;

fn default_stale_limit() -> i64 {
    DEFAULT_STALE_LIMIT_SECONDS
}

impl Default for QuotaSettings {
    fn default() -> Self {
        QuotaSettings {
            weights: PlanWeights::default(),
            kill_line: 3.0,
            sort: SortOrder::default(),
            primary_provider: None,
            provider_weights: BTreeMap::new(),
            stale_limit: DEFAULT_STALE_LIMIT_SECONDS,
        }
    }
}

/// Colour bucket of a remaining fraction: red < 20%, yellow < 70%, green otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Red,
    Yellow,
    Green,
}

/// The next grouped restore of a window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Plus-base percent restored by the group.
    pub restored: f64,
    /// Pool remaining after the restore: min(capacity, remaining + restored).
    pub target: f64,
    /// When the whole group has restored (latest event of the group).
    pub at: Epoch,
    /// The first part of the group, when it comes back well before the rest
    /// (`+90% in 29m, +132% in 59m`): see [`forecast`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<FirstRestore>,
}

/// The earliest restore of a forecast group that differs a lot from the whole.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirstRestore {
    /// Plus-base percent restored by then.
    pub restored: f64,
    pub at: Epoch,
}

/// Pool-level balance of one window, in Plus-base percent (100 = one full Plus account).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoolWindow {
    pub remaining: f64,
    pub capacity: f64,
    pub forecast: Option<Forecast>,
    pub level: Level,
}

impl PoolWindow {
    /// True when some counted account has this window. A pool without it
    /// (e.g. only week-only Pro accounts have no 5h window) shows no figure
    /// for it anywhere, and its JSON is `null`, not a red 0%.
    pub fn is_known(&self) -> bool {
        self.capacity > 0.0
    }

    /// The window when it is known.
    pub fn known(&self) -> Option<&PoolWindow> {
        self.is_known().then_some(self)
    }

    /// The placeholder of an unknown window (what `null` reads back as).
    pub fn unknown() -> PoolWindow {
        PoolWindow {
            remaining: 0.0,
            capacity: 0.0,
            forecast: None,
            level: Level::Red,
        }
    }
}

/// Serde for a pool window that is written as `null` when unknown.
pub mod known_window {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::PoolWindow;

    pub fn serialize<S: Serializer>(window: &PoolWindow, s: S) -> Result<S::Ok, S::Error> {
        window.known().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PoolWindow, D::Error> {
        Ok(Option::<PoolWindow>::deserialize(d)?.unwrap_or_else(PoolWindow::unknown))
    }
}

/// One account window as shown on an account row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountWindow {
    /// Raw remaining percent of this account's window (0..=100).
    pub remaining: f64,
    /// Remaining that counts toward the pool (0 when week-killed).
    pub effective: f64,
    pub reset_at: Option<Epoch>,
    pub level: Level,
}

/// One account row, ready for rendering.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: String,
    /// The account's section: `codex`, `claude`, `antigravity`, `kimi` or another provider id.
    #[serde(default)]
    pub provider: String,
    pub name: String,
    pub label: String,
    pub email: Option<String>,
    /// Normalised plan name (`plus`, `prolite`, `pro`, `team`, ...; `unknown` when none).
    pub plan: String,
    pub weight: f64,
    pub five_hour: Option<AccountWindow>,
    pub weekly: Option<AccountWindow>,
    /// Until when the 5h value counts when it is a kept value (a failing
    /// account's, or one a limit answer kept): the end of its stale time.
    /// None for a fresh value. See [`settle`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub five_hour_until: Option<Epoch>,
    /// The same for the weekly value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_until: Option<Epoch>,
    /// The 5h window passed its reset since it was read: shown restored
    /// (100%), not yet confirmed by a fetch.
    #[serde(default)]
    pub five_hour_unconfirmed: bool,
    /// The same for the weekly window.
    #[serde(default)]
    pub weekly_unconfirmed: bool,
    /// A 28–31-day window (Codex Team); never part of the 5h/week sums.
    #[serde(default)]
    pub monthly: Option<AccountWindow>,
    /// Scoped, per-model or extra limits; never part of the pool sums.
    #[serde(default)]
    pub lanes: Vec<Lane>,
    /// Codex reset credits, when read.
    #[serde(default)]
    pub reset_credits: Option<ResetCredits>,
    pub killed: bool,
    /// See `docs/quota-model.md`: enabled, token accepted, and quota known or
    /// routable now (not cooling). Only available accounts count in the pool.
    pub available: bool,
    /// The server cools it down: `next_retry_after` is in the future.
    pub cooling: bool,
    /// The server still flags it (`unavailable`, status `error`) after its
    /// retry time: its last request failed, the pool routes to it again.
    #[serde(default)]
    pub recovering: bool,
    /// Failing now: its usage fetch failed, or the server cools it after an error.
    #[serde(default)]
    pub erroring: bool,
    pub disabled: bool,
    /// The server flags it `unavailable` (kept for [`settle`]: recovering).
    #[serde(default)]
    pub unavailable: bool,
    /// The upstream refused its token (401, or a 403 that is not a challenge
    /// page) at the latest fetch: sign in again in CLIProxyAPI.
    #[serde(default)]
    pub token_refused: bool,
    /// The latest usage error, if the last fetch for this account failed.
    pub error: Option<String>,
    /// Usage shown is from an earlier fetch.
    pub stale: bool,
    /// The kept values of a failing account aged out (older than the stale
    /// limit, or past a window's reset, or a refused token): shown as unknown.
    #[serde(default)]
    pub expired: bool,
    /// Another auth file of the same login (same `chatgpt_account_id`) is
    /// counted instead of this one: label of that file.
    #[serde(default)]
    pub duplicate_of: Option<String>,
    pub status: String,
    pub status_message: String,
    pub next_retry_after: Option<Epoch>,
    pub last_refresh: Option<Epoch>,
    pub usage_fetched_at: Option<Epoch>,
    /// Where the numbers come from (observed from traffic or read) and when.
    #[serde(default)]
    pub source: Option<crate::model::UsageSource>,
    /// Why the account's passive observation was not used (a bad value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation_note: Option<String>,
    /// Failed requests in the last 3 buckets (30 minutes).
    pub recent_failures: u64,
    pub health: Vec<HealthBucket>,
}

/// Account counts for the summary line. Every account is in exactly one of
/// `available`, `killed`, `cooling`, `erroring`, `disabled`, `duplicates` or
/// no data ([`PoolCounts::no_data`]),
/// see [`count_state`]; `stale` counts the accounts showing
/// kept values, whatever their state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolCounts {
    pub total: usize,
    pub available: usize,
    pub killed: usize,
    pub cooling: usize,
    pub erroring: usize,
    pub disabled: usize,
    pub stale: usize,
    /// Auth files of a login already counted (same `chatgpt_account_id`).
    #[serde(default)]
    pub duplicates: usize,
}

impl PoolCounts {
    /// Enabled accounts without quota values that count (none read yet, or
    /// a status that is not usable) and nothing known to be wrong: the part
    /// of `total` in no other state.
    pub fn no_data(&self) -> usize {
        self.total.saturating_sub(
            self.available
                + self.killed
                + self.cooling
                + self.erroring
                + self.disabled
                + self.duplicates,
        )
    }
}

/// Colour of one health bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BucketState {
    /// No requests (grey).
    Idle,
    /// Only successes (green).
    Success,
    /// Only failures (red).
    Failed,
    /// Both (yellow).
    Mixed,
}

/// Pool request health: the element-wise sum of all accounts' buckets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolHealth {
    pub buckets: Vec<HealthBucket>,
    /// Failed requests in the last 3 buckets (30 minutes).
    pub recent_failures: u64,
    /// Successful requests over all `buckets`.
    pub success: u64,
    /// Failed requests over all `buckets`.
    pub failed: u64,
}

/// Accounts of one plan, for the plan breakdown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanGroup {
    pub plan: String,
    pub weight: f64,
    pub accounts: usize,
    /// Deprecated (JSON readers written before `counted`): the same number as
    /// [`PlanGroup::counted`]. It never meant the pool's "available" state
    /// (`counts.available`); read `counted` or `counts.available` instead.
    pub available: usize,
    /// Accounts whose quota counts in the pool's sums (enabled, usable now,
    /// not a second file of a counted login); week-killed ones included, as
    /// in the window sums.
    #[serde(default)]
    pub counted: usize,
    /// This plan's accounts by state, the same partition as the pool's
    /// `counts`: summed over the plans, each state gives the pool's figure.
    #[serde(default)]
    pub counts: PoolCounts,
}

impl PoolReport {
    /// The worse level of the known windows (red when none is known).
    pub fn level(&self) -> Level {
        [&self.five_hour, &self.weekly]
            .into_iter()
            .filter(|w| w.is_known())
            .map(|w| w.level)
            .min()
            .unwrap_or(Level::Red)
    }
}

/// Everything the renderers show about a pool at `now`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoolReport {
    pub now: Epoch,
    /// `null` in JSON when no counted account has a 5h window.
    #[serde(with = "known_window")]
    pub five_hour: PoolWindow,
    #[serde(with = "known_window")]
    pub weekly: PoolWindow,
    /// Accounts in the configured sort order.
    pub accounts: Vec<AccountView>,
    pub counts: PoolCounts,
    pub health: PoolHealth,
    pub plans: Vec<PlanGroup>,
    /// Upstream API keys (`api-key-usage`), hidden ones left out.
    #[serde(default)]
    pub api_keys: Vec<ApiKeyView>,
    /// The provider of the top-level numbers (`five_hour`, `weekly`, `counts`,
    /// `health`, `plans` are this provider's section; `accounts` lists all).
    #[serde(default = "default_primary")]
    pub primary_provider: String,
    /// One section per provider present, the primary first.
    #[serde(default)]
    pub sections: Vec<ProviderSection>,
}

fn default_primary() -> String {
    crate::provider::CODEX.id.to_string()
}

/// One provider's part of the pool, in its own units and weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderSection {
    /// Section id (`codex`, `claude`, ...); matches [`AccountView::provider`].
    pub provider: String,
    /// Display name (`Claude`).
    pub name: String,
    pub unit: Unit,
    /// False for providers whose quota poolwatch does not read (health only).
    pub quota: bool,
    /// `null` in JSON when no counted account of the section has a 5h window.
    #[serde(with = "known_window")]
    pub five_hour: PoolWindow,
    #[serde(with = "known_window")]
    pub weekly: PoolWindow,
    pub counts: PoolCounts,
    pub health: PoolHealth,
    pub plans: Vec<PlanGroup>,
    /// Reset credits of the section's accounts: the sum and the soonest expiry.
    #[serde(default)]
    pub reset_credits: Option<ResetCredits>,
    /// Accounts of this section a menu form left out (`render::menu::menu_report`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted: usize,
    /// A menu form's cut found quota lanes from the server's plugin among
    /// the section's accounts, listed or not (`render::menu::menu_report`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub plugin_lanes: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl PoolReport {
    /// The accounts of one section, in report order.
    pub fn accounts_of<'a>(&'a self, provider: &'a str) -> impl Iterator<Item = &'a AccountView> {
        self.account_indexes_of(provider).map(|i| &self.accounts[i])
    }

    /// The indexes in `accounts` of [`PoolReport::accounts_of`] `provider`.
    pub fn account_indexes_of<'a>(&'a self, provider: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.accounts
            .iter()
            .enumerate()
            .filter(move |(_, a)| {
                a.provider == provider || (a.provider.is_empty() && provider == default_primary())
            })
            .map(|(i, _)| i)
    }

    /// The section of `provider`, if present.
    pub fn section(&self, provider: &str) -> Option<&ProviderSection> {
        self.sections.iter().find(|s| s.provider == provider)
    }

    /// The primary provider's part: the report itself when it has one
    /// section (no copy), else [`PoolReport::section_report`] of the primary.
    pub fn primary_part(&self) -> std::borrow::Cow<'_, PoolReport> {
        if self.sections.len() <= 1 {
            std::borrow::Cow::Borrowed(self)
        } else {
            std::borrow::Cow::Owned(self.section_report(&self.primary_provider))
        }
    }

    /// One section as a report of its own (its windows, counts, health, plans
    /// and accounts), so every renderer building block works per provider.
    /// A report without sections (built by hand) is returned as it is.
    pub fn section_report(&self, provider: &str) -> PoolReport {
        let Some(section) = self.section(provider) else {
            return self.clone();
        };
        PoolReport {
            now: self.now,
            five_hour: section.five_hour.clone(),
            weekly: section.weekly.clone(),
            accounts: self.accounts_of(provider).cloned().collect(),
            counts: section.counts.clone(),
            health: section.health.clone(),
            plans: section.plans.clone(),
            primary_provider: section.provider.clone(),
            sections: Vec::new(),
            api_keys: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_thresholds() {
        assert_eq!(level(0.0), Level::Red);
        assert_eq!(level(0.1999), Level::Red);
        assert_eq!(level(0.20), Level::Yellow);
        assert_eq!(level(0.6999), Level::Yellow);
        assert_eq!(level(0.70), Level::Green);
        assert_eq!(level(1.0), Level::Green);
        assert_eq!(level(f64::NAN), Level::Red);
    }
}
