//! Alerts: edge-triggered conditions evaluated after each fetch.
//!
//! [`evaluate`] is pure: it compares the previous [`AlertState`] (kept in the
//! cache) with the new report and returns the new state plus the alerts that
//! fired, once per crossing. [`delivery`] turns an alert into a macOS
//! notification: `swiftbar://notify` under SwiftBar, `osascript` otherwise.

pub mod delivery;
pub mod events;

pub use delivery::macos::{deliver, notification_command};

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::Epoch;
use crate::quota::PoolReport;

/// How many fired alerts the cache keeps for `poolwatch alerts`.
pub const ALERT_LOG_LEN: usize = 50;

/// The `[alerts]` settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertSettings {
    /// Alert when the pool's 5h balance falls below this percent of its capacity (0 = off).
    pub pool_5h_below: f64,
    /// Alert when the pool's weekly balance falls below this percent of its capacity (0 = off).
    pub pool_week_below: f64,
    /// Alert when an account becomes week-killed.
    pub account_killed: bool,
    /// Alert when an account starts failing.
    pub account_error: bool,
    /// Alert when the pool rejects the management key.
    pub auth_failure: bool,
    /// Alert when a low pool balance recovers above its threshold.
    pub capacity_restored: bool,
    /// Alert when, at the current pace, a pool window runs out before it resets (issue 19).
    #[serde(default)]
    pub runs_out_before_reset: bool,
    /// Deliver alerts as macOS notifications (they are always logged).
    pub notify: bool,
    /// Announce a reset credit this many days before it expires (issue 20).
    #[serde(default = "default_credit_expiry_days")]
    pub credit_expiry_days: u32,
}

/// Default of [`AlertSettings::credit_expiry_days`].
pub const DEFAULT_CREDIT_EXPIRY_DAYS: u32 = 3;

fn default_credit_expiry_days() -> u32 {
    DEFAULT_CREDIT_EXPIRY_DAYS
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            pool_5h_below: 10.0,
            pool_week_below: 0.0,
            account_killed: false,
            account_error: false,
            auth_failure: true,
            capacity_restored: false,
            runs_out_before_reset: false,
            notify: true,
            credit_expiry_days: DEFAULT_CREDIT_EXPIRY_DAYS,
        }
    }
}

/// What kind of condition fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Pool5hLow,
    PoolWeekLow,
    AccountKilled,
    AccountError,
    AuthFailure,
    CapacityRestored,
    /// At the current burn rate a window empties before its next restore (`events.rs`).
    RunOutBeforeReset,
    /// An account has a Codex reset credit it did not have before.
    ResetCreditAvailable,
    /// An account's reset credit expires within `credit_expiry_days`.
    ResetCreditExpiring,
    /// Fetches keep failing (at most one event per 10 minutes).
    RefreshFailing,
}

impl AlertKind {
    /// The event name hooks filter on (`events = [...]`) and receive as `event`.
    pub fn event_name(self) -> &'static str {
        match self {
            AlertKind::Pool5hLow => "pool_5h_low",
            AlertKind::PoolWeekLow => "pool_week_low",
            AlertKind::AccountKilled => "account_killed",
            AlertKind::AccountError => "account_error",
            AlertKind::AuthFailure => "auth_failure",
            AlertKind::CapacityRestored => "window_restored",
            AlertKind::RunOutBeforeReset => "run_out_before_reset",
            AlertKind::ResetCreditAvailable => "reset_credit_available",
            AlertKind::ResetCreditExpiring => "reset_credit_expiring",
            AlertKind::RefreshFailing => "refresh_failing",
        }
    }

    /// True for the hook events (issue 20): delivered to `[[hooks]]`, not notified and not in
    /// the alert log, except "runs out before reset" when its alert is on (see [`notified`]).
    pub fn is_hook_event(self) -> bool {
        matches!(
            self,
            AlertKind::RunOutBeforeReset
                | AlertKind::ResetCreditAvailable
                | AlertKind::ResetCreditExpiring
                | AlertKind::RefreshFailing
        )
    }

    /// Every kind, in declaration order.
    pub const ALL: [AlertKind; 10] = [
        AlertKind::Pool5hLow,
        AlertKind::PoolWeekLow,
        AlertKind::AccountKilled,
        AlertKind::AccountError,
        AlertKind::AuthFailure,
        AlertKind::CapacityRestored,
        AlertKind::RunOutBeforeReset,
        AlertKind::ResetCreditAvailable,
        AlertKind::ResetCreditExpiring,
        AlertKind::RefreshFailing,
    ];
}

/// One fired alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub at: Epoch,
    pub kind: AlertKind,
    pub title: String,
    pub body: String,
}

/// The conditions that were true at the last evaluation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    /// False until the first report was seen: account conditions present then
    /// are taken as the baseline, not announced.
    #[serde(default)]
    pub initialized: bool,
    #[serde(default)]
    pub pool_5h_low: bool,
    #[serde(default)]
    pub pool_week_low: bool,
    #[serde(default)]
    pub auth_failed: bool,
    #[serde(default)]
    pub killed: BTreeSet<String>,
    #[serde(default)]
    pub erroring: BTreeSet<String>,
    /// Low windows of the other providers' sections, as `provider:5h` / `provider:week`
    /// (the primary provider's are `pool_5h_low` / `pool_week_low`).
    #[serde(default)]
    pub section_lows: BTreeSet<String>,
    /// Reset credits available per account id at the last evaluation.
    #[serde(default)]
    pub credits: std::collections::BTreeMap<String, u32>,
    /// Expiry times already announced, per account id.
    #[serde(default)]
    pub credit_expiry_warned: std::collections::BTreeMap<String, Epoch>,
    /// When the last `refresh_failing` event fired (coalescing).
    #[serde(default)]
    pub refresh_failing_at: Option<Epoch>,
    /// Pool windows that run out before their reset at the current pace (`five_hour`, `weekly`).
    #[serde(default)]
    pub runs_out: BTreeSet<String>,
}

/// The one "will run out before reset" condition (issue 19.3; the hook event
/// `run_out_before_reset`, issue 20). A pool window runs out before its reset
/// when its pace says it does not last until the reset (`lasts_until_reset`
/// false: the burn rate over the window's span of the history, restores
/// counted, reaches zero before every account's window has reset), exactly
/// what `status --json` shows as `pace.*.lasts_until_reset`. Edge-triggered
/// across runs: it fires once when a window starts running out and re-arms
/// when it no longer does; a window without a pace (too little history, a
/// failed fetch) keeps its state. Returns the new set of such windows and the
/// alerts (one per window that started running out), for hooks always; the
/// caller logs and notifies them when `[alerts] runs_out_before_reset` is on.
pub fn evaluate_pace(
    previous: &AlertState,
    pace: Option<&crate::quota::pace::Pace>,
    now: Epoch,
) -> (BTreeSet<String>, Vec<Alert>) {
    let mut set = BTreeSet::new();
    let mut fired = Vec::new();
    let windows = [
        (
            "five_hour",
            crate::tr!("window.5h"),
            pace.and_then(|p| p.five_hour.as_ref()),
        ),
        (
            "weekly",
            crate::tr!("window.week"),
            pace.and_then(|p| p.weekly.as_ref()),
        ),
    ];
    for (key, name, window) in windows {
        let Some(window) = window else {
            if previous.runs_out.contains(key) {
                set.insert(key.to_string());
            }
            continue;
        };
        if window.lasts_until_reset {
            continue;
        }
        set.insert(key.to_string());
        if previous.runs_out.contains(key) {
            continue;
        }
        let body = match window.margin_seconds {
            Some(margin) => crate::tr!(
                "alert.runs_out_body",
                rate = format!("{:.0}", window.burn_per_hour),
                before = crate::render::duration::short(-margin)
            ),
            // Burning with no reset within the window's length.
            None => crate::tr!(
                "alert.runs_out_body_no_reset",
                rate = format!("{:.0}", window.burn_per_hour),
                out = crate::render::duration::short(window.runs_out_at.unwrap_or(now) - now)
            ),
        };
        fired.push(Alert {
            at: now,
            kind: AlertKind::RunOutBeforeReset,
            title: crate::tr!("alert.runs_out_title", name = &name),
            body,
        });
    }
    (set, fired)
}

/// The alerts of `fired` that become notifications and enter the alert log:
/// the alert lines, and "runs out before reset" when `[alerts]
/// runs_out_before_reset` is on; the other hook events go to hooks only.
pub fn notified(fired: &[Alert], settings: &AlertSettings) -> Vec<Alert> {
    fired
        .iter()
        .filter(|a| match a.kind {
            AlertKind::RunOutBeforeReset => settings.runs_out_before_reset,
            kind => !kind.is_hook_event(),
        })
        .cloned()
        .collect()
}

/// The alert part of the cache: state plus the recent alerts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertLog {
    #[serde(default)]
    pub state: AlertState,
    /// Newest last, at most [`ALERT_LOG_LEN`].
    #[serde(default)]
    pub recent: Vec<Alert>,
}

impl AlertLog {
    /// Append fired alerts, keeping the newest [`ALERT_LOG_LEN`].
    pub fn record(&mut self, fired: &[Alert]) {
        self.recent.extend_from_slice(fired);
        let excess = self.recent.len().saturating_sub(ALERT_LOG_LEN);
        self.recent.drain(..excess);
    }
}

fn percent_of(remaining: f64, capacity: f64) -> Option<f64> {
    (capacity > 0.0).then(|| remaining / capacity * 100.0)
}

/// What a window's balance did since the last evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Crossing {
    /// Fell below the alert line.
    BecameLow,
    /// Came back above it (reported only when `capacity_restored` is on).
    Restored,
    /// Nothing to announce.
    Unchanged,
}

/// The edge-triggered rule shared by the pool and every provider section:
/// a window is low while `percent` is below a positive `threshold`; it fires
/// once when it becomes low and once when it recovers. With no capacity
/// (`percent` None) the window keeps its previous state. Returns (low now, crossing).
fn crossing(
    percent: Option<f64>,
    threshold: f64,
    was_low: bool,
    capacity_restored: bool,
) -> (bool, Crossing) {
    let Some(percent) = percent else {
        return (was_low, Crossing::Unchanged);
    };
    let low = threshold > 0.0 && percent < threshold;
    let crossing = match (low, was_low) {
        (true, false) => Crossing::BecameLow,
        (false, true) if capacity_restored => Crossing::Restored,
        _ => Crossing::Unchanged,
    };
    (low, crossing)
}

/// Compare the new situation with the previous state; returns the new state
/// and the alerts that fired (each once per crossing).
///
/// `report` is None when there is no data at all; `auth_failed` is true when
/// this fetch was rejected with 401/403.
pub fn evaluate(
    previous: &AlertState,
    report: Option<&PoolReport>,
    auth_failed: bool,
    settings: &AlertSettings,
    now: Epoch,
) -> (AlertState, Vec<Alert>) {
    let mut state = previous.clone();
    let mut fired = Vec::new();
    let mut fire = |kind, title: String, body: String| {
        fired.push(Alert {
            at: now,
            kind,
            title,
            body,
        })
    };

    if auth_failed && !previous.auth_failed && settings.auth_failure {
        fire(
            AlertKind::AuthFailure,
            crate::tr!("alert.auth_title"),
            crate::tr!("alert.auth_body", hint = crate::secrets::key_hint()),
        );
    }
    state.auth_failed = auth_failed;

    let Some(report) = report.filter(|_| !auth_failed) else {
        return (state, fired);
    };
    let windows = [
        (
            crate::tr!("window.5h"),
            &report.five_hour,
            settings.pool_5h_below,
            previous.pool_5h_low,
            AlertKind::Pool5hLow,
        ),
        (
            crate::tr!("window.week"),
            &report.weekly,
            settings.pool_week_below,
            previous.pool_week_low,
            AlertKind::PoolWeekLow,
        ),
    ];
    let mut lows = [false, false];
    for (i, (name, window, threshold, was_low, kind)) in windows.into_iter().enumerate() {
        let percent = percent_of(window.remaining, window.capacity);
        let (low, change) = crossing(percent, threshold, was_low, settings.capacity_restored);
        lows[i] = low;
        let percent = percent.unwrap_or_default();
        if change == Crossing::BecameLow {
            fire(
                kind,
                crate::tr!(
                    "alert.low_title",
                    name = name,
                    percent = format!("{percent:.0}")
                ),
                crate::tr!(
                    "alert.low_body",
                    remaining = format!("{:.0}", window.remaining),
                    capacity = format!("{:.0}", window.capacity),
                    threshold = format!("{threshold:.0}")
                ),
            );
        } else if change == Crossing::Restored {
            fire(
                AlertKind::CapacityRestored,
                crate::tr!(
                    "alert.restored_title",
                    name = name,
                    percent = format!("{percent:.0}")
                ),
                crate::tr!(
                    "alert.restored_body",
                    remaining = format!("{:.0}", window.remaining),
                    capacity = format!("{:.0}", window.capacity)
                ),
            );
        }
    }
    state.pool_5h_low = lows[0];
    state.pool_week_low = lows[1];
    state.section_lows = section_alerts(previous, report, settings, &mut fire);

    let killed: BTreeSet<String> = report
        .accounts
        .iter()
        .filter(|a| a.killed)
        .map(|a| a.id.clone())
        .collect();
    let erroring: BTreeSet<String> = report
        .accounts
        .iter()
        .filter(|a| a.erroring)
        .map(|a| a.id.clone())
        .collect();
    if previous.initialized {
        for account in report.accounts.iter() {
            if settings.account_killed
                && killed.contains(&account.id)
                && !previous.killed.contains(&account.id)
            {
                fire(
                    AlertKind::AccountKilled,
                    crate::tr!("alert.killed_title", label = &account.label),
                    crate::tr!("alert.killed_body"),
                );
            }
            if settings.account_error
                && erroring.contains(&account.id)
                && !previous.erroring.contains(&account.id)
            {
                let detail = account
                    .error
                    .clone()
                    .or_else(|| Some(account.status_message.clone()).filter(|m| !m.is_empty()))
                    .unwrap_or_else(|| crate::tr!("alert.status_error"));
                fire(
                    AlertKind::AccountError,
                    crate::tr!("alert.failing_title", label = &account.label),
                    detail,
                );
            }
        }
    }
    state.killed = killed;
    state.erroring = erroring;
    state.initialized = true;
    (state, fired)
}

/// The low-balance alerts of every other provider's section (same thresholds,
/// each provider in its own units); returns the set of low windows.
fn section_alerts(
    previous: &AlertState,
    report: &PoolReport,
    settings: &AlertSettings,
    fire: &mut impl FnMut(AlertKind, String, String),
) -> BTreeSet<String> {
    let mut lows = BTreeSet::new();
    let others = report
        .sections
        .iter()
        .filter(|s| s.quota && s.provider != report.primary_provider);
    for section in others {
        let unit = match section.unit {
            crate::provider::Unit::PlusPercent => crate::tr!("alert.unit_plus"),
            crate::provider::Unit::Percent => crate::tr!("alert.unit_base"),
        };
        let windows = [
            (
                "5h",
                &section.five_hour,
                settings.pool_5h_below,
                AlertKind::Pool5hLow,
            ),
            (
                "Week",
                &section.weekly,
                settings.pool_week_below,
                AlertKind::PoolWeekLow,
            ),
        ];
        for (name, window, threshold, kind) in windows {
            let key = format!("{}:{}", section.provider, name.to_ascii_lowercase());
            let was_low = previous.section_lows.contains(&key);
            let percent = percent_of(window.remaining, window.capacity);
            let (low, change) = crossing(percent, threshold, was_low, settings.capacity_restored);
            let percent = percent.unwrap_or_default();
            if change == Crossing::BecameLow {
                fire(
                    kind,
                    crate::tr!(
                        "alert.section_low_title",
                        section = &section.name,
                        name = crate::render::menu::window_name(name),
                        percent = format!("{percent:.0}")
                    ),
                    crate::tr!(
                        "alert.section_low_body",
                        remaining = format!("{:.0}", window.remaining),
                        capacity = format!("{:.0}", window.capacity),
                        unit = &unit,
                        threshold = format!("{threshold:.0}")
                    ),
                );
            } else if change == Crossing::Restored {
                fire(
                    AlertKind::CapacityRestored,
                    crate::tr!(
                        "alert.section_restored_title",
                        section = &section.name,
                        name = crate::render::menu::window_name(name),
                        percent = format!("{percent:.0}")
                    ),
                    crate::tr!(
                        "alert.section_restored_body",
                        remaining = format!("{:.0}", window.remaining),
                        capacity = format!("{:.0}", window.capacity),
                        unit = &unit
                    ),
                );
            }
            if low {
                lows.insert(key);
            }
        }
    }
    lows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::{AccountView, Level, PoolCounts, PoolHealth, PoolWindow};

    fn window(remaining: f64, capacity: f64) -> PoolWindow {
        PoolWindow {
            remaining,
            capacity,
            forecast: None,
            level: Level::Green,
        }
    }

    fn account(id: &str, killed: bool, error: Option<&str>) -> AccountView {
        AccountView {
            id: id.into(),
            name: id.into(),
            label: format!("{id}@x"),
            plan: "plus".into(),
            weight: 1.0,
            killed,
            available: true,
            error: error.map(str::to_string),
            erroring: error.is_some(),
            status: "active".into(),
            ..Default::default()
        }
    }

    fn report(five: f64, week: f64, accounts: Vec<AccountView>) -> PoolReport {
        PoolReport {
            now: 0,
            five_hour: window(five, 1000.0),
            weekly: window(week, 1000.0),
            accounts,
            counts: PoolCounts::default(),
            health: PoolHealth::default(),
            plans: Vec::new(),
            primary_provider: "codex".into(),
            sections: Vec::new(),
            api_keys: Vec::new(),
        }
    }

    fn kinds(alerts: &[Alert]) -> Vec<AlertKind> {
        alerts.iter().map(|a| a.kind).collect()
    }

    #[test]
    fn crossing_rule() {
        use Crossing::*;
        // (percent, threshold, was_low, capacity_restored) -> (low, crossing)
        assert_eq!(crossing(Some(5.0), 10.0, false, false), (true, BecameLow));
        assert_eq!(crossing(Some(5.0), 10.0, true, false), (true, Unchanged));
        assert_eq!(crossing(Some(10.0), 10.0, true, true), (false, Restored));
        assert_eq!(crossing(Some(50.0), 10.0, true, false), (false, Unchanged));
        // A threshold of 0 is off, and no capacity keeps the previous state.
        assert_eq!(crossing(Some(0.0), 0.0, false, true), (false, Unchanged));
        assert_eq!(crossing(None, 10.0, true, true), (true, Unchanged));
        assert_eq!(crossing(None, 10.0, false, true), (false, Unchanged));
    }

    #[test]
    fn pool_low_fires_once_per_crossing() {
        let settings = AlertSettings {
            capacity_restored: true,
            ..Default::default()
        };
        let (s1, a1) = evaluate(
            &AlertState::default(),
            Some(&report(500.0, 900.0, vec![])),
            false,
            &settings,
            1,
        );
        assert!(a1.is_empty());
        // 99 of 1000 = 9.9% < 10%: fires.
        let (s2, a2) = evaluate(&s1, Some(&report(99.0, 900.0, vec![])), false, &settings, 2);
        assert_eq!(kinds(&a2), vec![AlertKind::Pool5hLow]);
        assert!(a2[0].title.contains("10% left") || a2[0].title.contains("left"));
        // Still low: silent.
        let (s3, a3) = evaluate(&s2, Some(&report(50.0, 900.0, vec![])), false, &settings, 3);
        assert!(a3.is_empty());
        // Exactly 10% is not below the line: restored.
        let (s4, a4) = evaluate(
            &s3,
            Some(&report(100.0, 900.0, vec![])),
            false,
            &settings,
            4,
        );
        assert_eq!(kinds(&a4), vec![AlertKind::CapacityRestored]);
        // And low again fires again.
        let (_, a5) = evaluate(&s4, Some(&report(10.0, 900.0, vec![])), false, &settings, 5);
        assert_eq!(kinds(&a5), vec![AlertKind::Pool5hLow]);
    }

    #[test]
    fn week_alert_is_opt_in_and_restored_is_opt_in() {
        let defaults = AlertSettings::default();
        let (s1, _) = evaluate(
            &AlertState::default(),
            Some(&report(900.0, 900.0, vec![])),
            false,
            &defaults,
            1,
        );
        let (s2, a2) = evaluate(&s1, Some(&report(900.0, 5.0, vec![])), false, &defaults, 2);
        assert!(a2.is_empty(), "week alert is off by default");
        let (s3, a3) = evaluate(&s2, Some(&report(50.0, 5.0, vec![])), false, &defaults, 3);
        assert_eq!(kinds(&a3), vec![AlertKind::Pool5hLow]);
        let (_, a4) = evaluate(&s3, Some(&report(900.0, 5.0, vec![])), false, &defaults, 4);
        assert!(a4.is_empty(), "capacity restored is off by default");
    }

    #[test]
    fn auth_failure_fires_once_and_rearms_after_success() {
        let settings = AlertSettings::default();
        let (s1, a1) = evaluate(&AlertState::default(), None, true, &settings, 1);
        assert_eq!(kinds(&a1), vec![AlertKind::AuthFailure]);
        let (s2, a2) = evaluate(&s1, None, true, &settings, 2);
        assert!(a2.is_empty());
        let (s3, _) = evaluate(
            &s2,
            Some(&report(900.0, 900.0, vec![])),
            false,
            &settings,
            3,
        );
        let (_, a4) = evaluate(&s3, None, true, &settings, 4);
        assert_eq!(kinds(&a4), vec![AlertKind::AuthFailure]);
        let off = AlertSettings {
            auth_failure: false,
            ..settings
        };
        assert!(evaluate(&AlertState::default(), None, true, &off, 5)
            .1
            .is_empty());
    }

    #[test]
    fn account_alerts_skip_the_baseline_then_fire_for_new_cases() {
        let settings = AlertSettings {
            account_killed: true,
            account_error: true,
            ..Default::default()
        };
        let first = report(
            900.0,
            900.0,
            vec![account("a", true, None), account("b", false, None)],
        );
        let (s1, a1) = evaluate(&AlertState::default(), Some(&first), false, &settings, 1);
        assert!(
            a1.is_empty(),
            "accounts already killed at first sight are the baseline"
        );
        let second = report(
            900.0,
            900.0,
            vec![
                account("a", true, None),
                account("b", true, Some("upstream HTTP 401")),
            ],
        );
        let (s2, a2) = evaluate(&s1, Some(&second), false, &settings, 2);
        assert_eq!(
            kinds(&a2),
            vec![AlertKind::AccountKilled, AlertKind::AccountError]
        );
        assert!(a2[0].title.starts_with("b@x"));
        assert_eq!(a2[1].body, "upstream HTTP 401");
        let (_, a3) = evaluate(&s2, Some(&second), false, &settings, 3);
        assert!(a3.is_empty());
    }

    #[test]
    fn runs_out_before_reset_fires_once_per_crossing() {
        use crate::quota::pace::{Pace, Stage, WindowPace};
        let settings = AlertSettings {
            runs_out_before_reset: true,
            ..AlertSettings::default()
        };
        let pace = |stage| Pace {
            five_hour: Some(WindowPace {
                stage: Some(stage),
                margin_seconds: Some(-3600),
                lasts_until_reset: stage != Stage::Deficit,
                ..WindowPace::simple(300.0, Some(1000))
            }),
            weekly: None,
        };
        let state = AlertState::default();
        let (set, fired) = evaluate_pace(&state, Some(&pace(Stage::Deficit)), 5);
        assert_eq!(kinds(&fired), [AlertKind::RunOutBeforeReset]);
        assert!(fired[0].body.contains("1h"), "{}", fired[0].body);
        let state = AlertState {
            runs_out: set,
            ..state
        };
        let (set, fired) = evaluate_pace(&state, Some(&pace(Stage::Deficit)), 6);
        assert!(fired.is_empty(), "still true: no second alert");
        let state = AlertState {
            runs_out: set,
            ..state
        };
        // No pace this time: the state is kept, nothing fires.
        let (set, fired) = evaluate_pace(&state, None, 7);
        assert!(fired.is_empty() && set.contains("five_hour"));
        let state = AlertState {
            runs_out: set,
            ..state
        };
        let (set, _) = evaluate_pace(&state, Some(&pace(Stage::OnPace)), 8);
        assert!(set.is_empty(), "re-armed");
        let state = AlertState {
            runs_out: set,
            ..state
        };
        let (_, fired) = evaluate_pace(&state, Some(&pace(Stage::Deficit)), 9);
        assert_eq!(fired.len(), 1);
        // Off: the hook event still fires (hooks choose their events); it is
        // neither notified nor logged. On: it is.
        let off = AlertSettings {
            runs_out_before_reset: false,
            ..settings.clone()
        };
        let (set, fired) = evaluate_pace(&AlertState::default(), Some(&pace(Stage::Deficit)), 9);
        assert_eq!(fired.len(), 1);
        assert!(!set.is_empty());
        assert!(notified(&fired, &off).is_empty());
        assert_eq!(notified(&fired, &settings), fired);
        // Runs out with no reset within the window: lasts_until_reset is false too.
        let no_reset = Pace {
            five_hour: Some(WindowPace::simple(300.0, Some(3600 + 10))),
            weekly: None,
        };
        let (_, fired) = evaluate_pace(&AlertState::default(), Some(&no_reset), 10);
        assert_eq!(fired.len(), 1);
        assert!(fired[0].body.contains("1h"), "{}", fired[0].body);
    }

    #[test]
    fn log_keeps_the_newest_entries() {
        let mut log = AlertLog::default();
        let alert = |at| Alert {
            at,
            kind: AlertKind::Pool5hLow,
            title: String::new(),
            body: String::new(),
        };
        let many: Vec<Alert> = (0..70).map(alert).collect();
        log.record(&many);
        assert_eq!(log.recent.len(), ALERT_LOG_LEN);
        assert_eq!(log.recent.first().unwrap().at, 20);
        assert_eq!(log.recent.last().unwrap().at, 69);
    }

    #[test]
    fn each_provider_section_alerts_on_its_own_balance() {
        use crate::model::{Account, QuotaWindow, Usage};
        let account = |id: &str, provider: &str, plan: &str, used: f64| Account {
            id: id.into(),
            label: id.into(),
            provider: provider.into(),
            status: "active".into(),
            usage: Some(Usage {
                plan_type: Some(plan.into()),
                five_hour: Some(QuotaWindow {
                    used_percent: used,
                    window_seconds: Some(18_000),
                    reset_at: None,
                }),
                ..Usage::default()
            }),
            ..Account::default()
        };
        let settings = AlertSettings {
            capacity_restored: true,
            ..AlertSettings::default()
        };
        let quota = crate::quota::QuotaSettings::default();
        // Codex is fine (50% left); Claude max20x at 97% used: 3% < 10%.
        let low = crate::quota::compute(
            &[
                account("c", "codex", "plus", 50.0),
                account("m", "claude", "max20x", 97.0),
            ],
            &quota,
            1,
        );
        let (state, fired) = evaluate(&AlertState::default(), Some(&low), false, &settings, 1);
        assert_eq!(kinds(&fired), [AlertKind::Pool5hLow]);
        assert_eq!(fired[0].title, "Claude 5h balance low: 3% left");
        assert!(fired[0].body.contains("60% of 2000% (base account)"));
        assert!(!state.pool_5h_low);
        assert!(state.section_lows.contains("claude:5h"));
        // Once per crossing, then restored.
        let (state, fired) = evaluate(&state, Some(&low), false, &settings, 2);
        assert!(fired.is_empty());
        let fine = crate::quota::compute(
            &[
                account("c", "codex", "plus", 50.0),
                account("m", "claude", "max20x", 10.0),
            ],
            &quota,
            3,
        );
        let (state, fired) = evaluate(&state, Some(&fine), false, &settings, 3);
        assert_eq!(kinds(&fired), [AlertKind::CapacityRestored]);
        assert!(fired[0].title.starts_with("Claude 5h capacity restored"));
        assert!(state.section_lows.is_empty());
    }
}
