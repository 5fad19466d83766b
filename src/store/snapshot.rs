//! The widget snapshot (`docs/snapshot.schema.json`, schema_version 3).
//!
//! Version 2 kept every version 1 field with the same meaning (`pool` is the
//! primary provider's section, in its units) and added `primary_provider`,
//! `providers` (one section per provider) and, per account, `provider` and
//! `lanes`. Version 3 keeps every version 2 field and adds `pause_until`,
//! `history` (the primary section's last 24 h of the 5h window and 7 days of
//! the week, cut to what a widget draws), the pace's reset fields
//! (`lasts_until_reset`, `margin_seconds`, `stage`), `waste`,
//! `expiring_first` and, per account, `source`. Every integer is clamped to
//! 2^53 − 1 so a JSON reader that uses doubles never loses it.
//!
//! A plain CLI must not write into an App Group container, so poolwatch
//! writes `~/Library/Application Support/poolwatch/widget/snapshot.json` and
//! the sandboxed widget reads it through a read-only home-relative exception.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Epoch, Lane, ResetCredits};
use crate::provider::Unit;
use crate::quota::{
    AccountWindow, ApiKeyView, Forecast, Level, PlanGroup, PoolCounts, PoolHealth, PoolReport,
    PoolWindow, ProviderSection,
};

/// Version of the snapshot format; readers reject other major versions.
pub const SCHEMA_VERSION: u32 = 3;
/// The largest integer a double holds exactly; counters above are written as this.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

pub use crate::history::waste::{Waste, WindowWaste};
pub use crate::quota::expiring::Expiring;
pub use crate::quota::pace::{Pace, Stage, WindowPace};

/// Pool summary of the snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotPool {
    /// Capacity 0 means no counted account has this window (e.g. 5h in a pool
    /// of week-only Pro accounts): show no figure for it, not a red 0%.
    /// (Kept an object, not null, so schema-1 readers keep decoding it.)
    pub five_hour: PoolWindow,
    pub weekly: PoolWindow,
    pub counts: PoolCounts,
    pub health: PoolHealth,
    pub plans: Vec<PlanGroup>,
    pub pace: Option<Pace>,
}

/// One pool window of a provider section (`5h`, `week`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotWindow {
    pub name: String,
    pub remaining: f64,
    pub capacity: f64,
    pub level: Level,
    pub forecast: Option<Forecast>,
}

/// One provider's section of the pool (v2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotProvider {
    pub provider: String,
    pub name: String,
    pub unit: Unit,
    /// False when poolwatch does not read this provider's quota (health only).
    pub quota: bool,
    /// The windows with capacity, in order `5h`, `week` (empty for health only).
    pub windows: Vec<SnapshotWindow>,
    pub counts: PoolCounts,
    pub health: PoolHealth,
    /// Codex reset credits of the section: the sum and the soonest expiry.
    #[serde(default)]
    pub reset_credits: Option<ResetCredits>,
}

/// One account row of the snapshot (no email unless it is the label, no secrets).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotAccount {
    /// The account's provider section (v2).
    #[serde(default)]
    pub provider: String,
    pub label: String,
    pub plan: String,
    pub weight: f64,
    pub five_hour: Option<AccountWindow>,
    pub weekly: Option<AccountWindow>,
    pub killed: bool,
    pub available: bool,
    pub cooling: bool,
    pub disabled: bool,
    pub stale: bool,
    pub error: Option<String>,
    pub recent_failures: u64,
    /// Scoped, per-model, extra and monthly limits (v2); never in the pool sums.
    #[serde(default)]
    pub lanes: Vec<Lane>,
    /// Where the numbers come from (v3; null until poolwatch tells).
    #[serde(default)]
    pub source: Option<SnapshotSource>,
}

/// Where an account's numbers come from (v3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotSource {
    /// `observed` (from the pool's traffic) or `read` (a usage call).
    pub kind: String,
    pub at: Epoch,
}

/// The primary section's recent pool balances (v3): `[at, remaining, capacity]`, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotHistory {
    pub provider: String,
    /// The last 24 h, at most 96 points.
    pub five_hour: Vec<(Epoch, f64, f64)>,
    /// The last 7 days, at most 168 points.
    pub weekly: Vec<(Epoch, f64, f64)>,
}

/// The whole snapshot file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema_version: u32,
    pub generated_at: Epoch,
    pub profile: String,
    pub title: String,
    pub demo: bool,
    pub updated_at: Option<Epoch>,
    pub stale: bool,
    pub error: Option<String>,
    /// The server's IP ban ends then (null: no ban); the widget counts down to it.
    #[serde(default)]
    pub ban_until: Option<Epoch>,
    pub pool: Option<SnapshotPool>,
    pub accounts: Vec<SnapshotAccount>,
    /// The provider of `pool` and the title (v2).
    #[serde(default)]
    pub primary_provider: Option<String>,
    /// One section per provider, the primary first (v2; empty without data).
    #[serde(default)]
    pub providers: Vec<SnapshotProvider>,
    /// The interface language the widget should use: `en` or `zh-Hans`.
    #[serde(default = "default_language")]
    pub language: String,
    /// Upstream API keys with their health (fingerprints only, never a raw key).
    #[serde(default)]
    pub api_keys: Vec<ApiKeyView>,
    /// The key guard paused attempts until then (v3; null: not paused).
    #[serde(default)]
    pub pause_until: Option<Epoch>,
    /// Recent pool balances of the primary section (v3; null without history).
    #[serde(default)]
    pub history: Option<SnapshotHistory>,
    /// Used and wasted quota per window over 24 h, 7 d, 30 d (v3; null without history).
    #[serde(default)]
    pub waste: Option<Waste>,
    /// Accounts whose remaining quota resets soonest: use them first (v3; at most 5).
    #[serde(default)]
    pub expiring_first: Vec<Expiring>,
}

fn default_language() -> String {
    "en".to_string()
}

/// What the snapshot says besides the report.
#[derive(Clone, Debug, Default)]
pub struct SnapshotMeta {
    pub profile: String,
    pub demo: bool,
    pub updated_at: Option<Epoch>,
    pub stale: bool,
    pub error: Option<String>,
    pub pace: Option<Pace>,
    /// The server's IP ban ends then (None: no ban running).
    pub ban_until: Option<Epoch>,
    /// The resolved interface language (`en` or `zh-Hans`; empty means `en`).
    pub language: String,
    /// The key guard paused attempts until then (None: not paused).
    pub pause_until: Option<Epoch>,
    /// History glance and use-first accounts (None: no history known).
    pub over_time: Option<crate::render::OverTime>,
}

/// Build the snapshot from a report (None when there has never been data).
pub fn build(report: Option<&PoolReport>, meta: &SnapshotMeta, now: Epoch) -> Snapshot {
    let title = if meta.profile == "default" {
        crate::tr!("snapshot.title")
    } else {
        format!("{} · {}", crate::tr!("snapshot.title"), meta.profile)
    };
    let glance = meta.over_time.as_ref().and_then(|o| o.glance.as_ref());
    let snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        generated_at: now,
        profile: meta.profile.clone(),
        title,
        demo: meta.demo,
        updated_at: meta.updated_at,
        stale: meta.stale,
        error: meta.error.clone(),
        ban_until: meta.ban_until,
        pool: report.map(|r| SnapshotPool {
            five_hour: r.five_hour.clone(),
            weekly: r.weekly.clone(),
            counts: r.counts.clone(),
            health: r.health.clone(),
            plans: r.plans.clone(),
            pace: meta.pace.clone(),
        }),
        primary_provider: report.map(|r| r.primary_provider.clone()),
        providers: report
            .map(|r| r.sections.iter().map(snapshot_provider).collect())
            .unwrap_or_default(),
        accounts: report
            .map(|r| {
                r.accounts
                    .iter()
                    .map(|a| SnapshotAccount {
                        provider: a.provider.clone(),
                        lanes: account_lanes(a),
                        label: a.label.clone(),
                        plan: a.plan.clone(),
                        weight: a.weight,
                        five_hour: a.five_hour.clone(),
                        weekly: a.weekly.clone(),
                        killed: a.killed,
                        available: a.available,
                        cooling: a.cooling,
                        disabled: a.disabled,
                        stale: a.stale,
                        error: a.error.clone(),
                        recent_failures: a.recent_failures,
                        source: a.source.map(|s| SnapshotSource {
                            kind: match s.kind {
                                crate::model::SourceKind::Observed => "observed",
                                crate::model::SourceKind::Read => "read",
                            }
                            .to_string(),
                            at: s.at,
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        language: if meta.language.is_empty() {
            default_language()
        } else {
            meta.language.clone()
        },
        api_keys: report.map(|r| r.api_keys.clone()).unwrap_or_default(),
        pause_until: meta.pause_until,
        history: glance.map(|g| SnapshotHistory {
            provider: g.provider.clone(),
            five_hour: g.five_hour.clone(),
            weekly: g.weekly.clone(),
        }),
        waste: glance.map(|g| g.waste.clone()),
        expiring_first: match (report, &meta.over_time) {
            (Some(_), Some(o)) => o.expiring.clone(),
            _ => Vec::new(),
        },
    };
    clamp_counters(snapshot)
}

/// Every integer above [`MAX_SAFE_INTEGER`] written as it (issue 16.12):
/// counters of a long-running server can exceed what a double holds, and a
/// reader that fails on them would blank the widget.
fn clamp_counters(snapshot: Snapshot) -> Snapshot {
    fn clamp(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Number(n) if n.as_u64().is_some_and(|u| u > MAX_SAFE_INTEGER) => {
                *value = MAX_SAFE_INTEGER.into();
                true
            }
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |c, v| clamp(v) | c),
            serde_json::Value::Object(map) => map.values_mut().fold(false, |c, v| clamp(v) | c),
            _ => false,
        }
    }
    let Ok(mut value) = serde_json::to_value(&snapshot) else {
        return snapshot;
    };
    if !clamp(&mut value) {
        return snapshot;
    }
    serde_json::from_value(value).unwrap_or(snapshot)
}

fn snapshot_provider(section: &ProviderSection) -> SnapshotProvider {
    let windows = [("5h", &section.five_hour), ("week", &section.weekly)]
        .into_iter()
        .filter(|(_, w)| section.quota && w.capacity > 0.0)
        .map(|(name, w)| SnapshotWindow {
            name: name.to_string(),
            remaining: w.remaining,
            capacity: w.capacity,
            level: w.level,
            forecast: w.forecast.clone(),
        })
        .collect();
    SnapshotProvider {
        provider: section.provider.clone(),
        name: section.name.clone(),
        unit: section.unit,
        quota: section.quota,
        windows,
        counts: section.counts.clone(),
        health: section.health.clone(),
        reset_credits: section.reset_credits.clone(),
    }
}

/// The account's lanes, with a monthly window as the lane `Month` (`month`).
fn account_lanes(account: &crate::quota::AccountView) -> Vec<Lane> {
    let monthly = account.monthly.as_ref().map(|m| Lane {
        name: "Month".to_string(),
        window: Some("month".to_string()),
        remaining: Some(m.remaining),
        reset_at: m.reset_at,
    });
    monthly
        .into_iter()
        .chain(account.lanes.iter().cloned())
        .collect()
}

/// The snapshot file of a profile inside `dir`: `snapshot.json` for the
/// default profile, `snapshot-<profile>.json` otherwise.
pub fn path_in(dir: &Path, profile: &str) -> PathBuf {
    if profile == "default" {
        dir.join("snapshot.json")
    } else {
        dir.join(format!("snapshot-{profile}.json"))
    }
}

/// The default widget folder: `~/Library/Application Support/poolwatch/widget`
/// on macOS (the platform data dir elsewhere).
pub fn default_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.data_dir().join("poolwatch").join("widget"))
}

/// True when a widget would show something different: every field except the
/// generation and fetch times, with numbers rounded to what is displayed.
pub fn visible_change(old: Option<&Snapshot>, new: &Snapshot) -> bool {
    let Some(old) = old else { return true };
    // One visible form at a time (a 50,000-account snapshot's JSON tree is
    // ~100 MB): compare digests, not two trees.
    visible_digest(old) != visible_digest(new)
}

fn visible_digest(snapshot: &Snapshot) -> Vec<u8> {
    use sha2::Digest;
    let text = visible_form(snapshot).to_string();
    sha2::Sha256::digest(text.as_bytes()).to_vec()
}

fn visible_form(snapshot: &Snapshot) -> serde_json::Value {
    let mut value = serde_json::to_value(snapshot).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("generated_at");
        map.remove("updated_at");
    }
    round_numbers(&mut value);
    value
}

fn round_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            let rounded = (n.as_f64().unwrap_or(0.0) * 10.0).round() / 10.0;
            *value = serde_json::json!(rounded);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(round_numbers),
        serde_json::Value::Object(map) => map.values_mut().for_each(round_numbers),
        _ => {}
    }
}

/// Ask the host app to reload the widgets (`open -g poolwatch://reload`).
/// Best effort: spawned and not waited for, so it never blocks the menu.
#[cfg(target_os = "macos")]
pub fn request_widget_reload() {
    let _ = std::process::Command::new("/usr/bin/open")
        .args(["-g", "poolwatch://reload"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// Elsewhere there is no widget to reload.
#[cfg(not(target_os = "macos"))]
pub fn request_widget_reload() {}

/// True when the widget host app is installed (so a reload request has a receiver).
pub fn host_app_installed(home: &Path) -> bool {
    [
        PathBuf::from("/Applications/PoolwatchWidgetHost.app"),
        home.join("Applications/PoolwatchWidgetHost.app"),
    ]
    .iter()
    .any(|p| p.is_dir())
}
