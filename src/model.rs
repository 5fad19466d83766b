//! Domain data shared by every module: what poolwatch knows about one pool.
//!
//! These types are produced by the API client (or the demo pool), kept in the
//! cache by `store`, turned into a [`crate::quota::PoolReport`] by `quota`, and
//! printed by `render`. All times are Unix epoch seconds (UTC).

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch, UTC.
pub type Epoch = i64;

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
    /// Provider / type, lower-cased (`codex`, ...).
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
    #[serde(default)]
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
}
