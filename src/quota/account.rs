//! One account's row: availability, cooling, week kill line and window values.

use super::plan::clamp_weight;
use super::{level, normalize_plan, plan_weight, AccountView, AccountWindow, QuotaSettings};
use crate::model::{Account, Epoch, QuotaWindow, Usage};
use crate::provider;

use super::health::{last_buckets, recent_failures};

/// Server statuses under which an account without quota data is still available.
const AVAILABLE_STATUSES: [&str; 3] = ["", "active", "ok"];

fn status_is(account: &Account, wanted: &str) -> bool {
    account.status.trim().eq_ignore_ascii_case(wanted)
}

/// Disabled: the `disabled` flag, or the server status `disabled`.
pub fn is_disabled(account: &Account) -> bool {
    account.disabled || status_is(account, "disabled")
}

/// The account has a usage with at least one main window (possibly stale).
pub fn has_quota_data(account: &Account) -> bool {
    account
        .usage
        .as_ref()
        .is_some_and(|usage| usage.five_hour.is_some() || usage.weekly.is_some())
}

/// Available: not disabled, and (quota data) or (not unavailable and status
/// `""`, `active` or `ok`, case-insensitive).
pub fn is_available(account: &Account) -> bool {
    if is_disabled(account) {
        return false;
    }
    if has_quota_data(account) {
        return true;
    }
    let status = account.status.trim().to_ascii_lowercase();
    !account.unavailable && AVAILABLE_STATUSES.contains(&status.as_str())
}

/// Cooling: `unavailable`, or a `next_retry_after` still in the future.
/// A `next_retry_after` at or before `now` has expired and no longer cools.
pub fn is_cooling(account: &Account, now: Epoch) -> bool {
    account.unavailable || account.next_retry_after.is_some_and(|until| until > now)
}

/// Erroring: the latest usage fetch failed, or the server status is `error`.
pub fn is_erroring(account: &Account) -> bool {
    account.usage_error.is_some() || status_is(account, "error")
}

/// Week-killed: the weekly remaining is strictly below `kill_line`.
/// Accounts without a weekly window are never killed.
pub fn is_week_killed(usage: &Usage, kill_line: f64) -> bool {
    usage
        .weekly
        .as_ref()
        .is_some_and(|weekly| remaining_of(weekly) < kill_line)
}

/// Remaining percent of a window, 0..=100; a non-finite value counts as 0.
fn remaining_of(window: &QuotaWindow) -> f64 {
    let remaining = window.remaining_percent();
    if remaining.is_finite() {
        remaining
    } else {
        0.0
    }
}

fn account_window(window: &QuotaWindow, killed: bool) -> AccountWindow {
    let remaining = remaining_of(window);
    AccountWindow {
        remaining,
        effective: if killed { 0.0 } else { remaining },
        reset_at: window.reset_at,
        level: level(remaining / 100.0),
    }
}

/// Build the row of one account.
pub fn account_view(account: &Account, settings: &QuotaSettings, now: Epoch) -> AccountView {
    let plan = account.plan();
    let usage = account.usage.as_ref();
    let killed = usage.is_some_and(|u| is_week_killed(u, settings.kill_line));
    let window_of = |pick: fn(&Usage) -> Option<&QuotaWindow>| {
        usage
            .and_then(pick)
            .map(|window| account_window(window, killed))
    };
    let health = last_buckets(&account.recent_requests).to_vec();
    let section = provider::section_id(&account.provider);
    let weight = provider::descriptor(&section)
        .and_then(|d| provider::table_weight(d, &normalize_plan(plan), &settings.provider_weights))
        .map_or_else(|| plan_weight(plan, &settings.weights), clamp_weight);
    AccountView {
        id: account.id.clone(),
        provider: section,
        name: account.name.clone(),
        label: account.label.clone(),
        email: account.email.clone(),
        plan: normalize_plan(plan),
        weight,
        five_hour: window_of(|u| u.five_hour.as_ref()),
        weekly: window_of(|u| u.weekly.as_ref()),
        monthly: usage
            .and_then(|u| u.monthly.as_ref())
            .map(|window| account_window(window, false)),
        lanes: usage.map(|u| u.lanes.clone()).unwrap_or_default(),
        reset_credits: account.reset_credits.clone(),
        killed,
        available: is_available(account),
        cooling: is_cooling(account, now),
        disabled: is_disabled(account),
        error: account.usage_error.clone(),
        stale: account.is_stale(),
        status: account.status.clone(),
        status_message: account.status_message.clone(),
        next_retry_after: account.next_retry_after,
        last_refresh: account.last_refresh,
        usage_fetched_at: account.usage_fetched_at,
        recent_failures: recent_failures(&health),
        health,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HealthBucket;
    use crate::quota::Level;

    const NOW: Epoch = 1_000_000;

    fn window(used: f64) -> QuotaWindow {
        QuotaWindow {
            used_percent: used,
            window_seconds: None,
            reset_at: Some(NOW + 100),
        }
    }

    fn with_usage(five_hour: Option<f64>, weekly: Option<f64>) -> Account {
        Account {
            id: "a".into(),
            status: "active".into(),
            usage: Some(Usage {
                five_hour: five_hour.map(window),
                weekly: weekly.map(window),
                ..Usage::default()
            }),
            ..Account::default()
        }
    }

    #[test]
    fn kill_line_is_strict() {
        let settings = QuotaSettings::default();
        // weekly remaining exactly 3.0: not killed.
        let at_line = account_view(&with_usage(Some(40.0), Some(97.0)), &settings, NOW);
        assert!(!at_line.killed);
        assert_eq!(at_line.five_hour.as_ref().map(|w| w.effective), Some(60.0));
        // weekly remaining 2.99: killed, 5h raw kept but effective 0.
        let below = account_view(&with_usage(Some(40.0), Some(97.01)), &settings, NOW);
        assert!(below.killed);
        let five = below.five_hour.expect("5h window");
        assert_eq!(five.remaining, 60.0);
        assert_eq!(five.effective, 0.0);
        assert_eq!(five.level, Level::Yellow);
        let weekly = below.weekly.expect("weekly window");
        assert!((weekly.remaining - 2.99).abs() < 1e-9);
        assert_eq!(weekly.effective, 0.0);
        assert_eq!(weekly.level, Level::Red);
    }

    #[test]
    fn no_weekly_window_is_never_killed() {
        let view = account_view(
            &with_usage(Some(100.0), None),
            &QuotaSettings::default(),
            NOW,
        );
        assert!(!view.killed);
        assert_eq!(view.five_hour.map(|w| w.remaining), Some(0.0));
    }

    #[test]
    fn availability_rules() {
        let bare = |status: &str, unavailable: bool, disabled: bool| Account {
            status: status.into(),
            unavailable,
            disabled,
            ..Account::default()
        };
        assert!(is_available(&bare("", false, false)));
        assert!(is_available(&bare("Active", false, false)));
        assert!(is_available(&bare("ok", false, false)));
        assert!(!is_available(&bare("error", false, false)));
        assert!(!is_available(&bare("pending", false, false)));
        assert!(!is_available(&bare("active", true, false)));
        assert!(!is_available(&bare("active", false, true)));
        // quota data overrides unavailable/status, but not disabled.
        let mut with_data = with_usage(Some(10.0), None);
        with_data.unavailable = true;
        with_data.status = "error".into();
        assert!(is_available(&with_data));
        with_data.disabled = true;
        assert!(!is_available(&with_data));
        // a usage without windows is not quota data.
        let mut empty_usage = bare("error", false, false);
        empty_usage.usage = Some(Usage::default());
        assert!(!is_available(&empty_usage));
        assert!(is_disabled(&bare("disabled", false, false)));
    }

    #[test]
    fn cooling_rules() {
        let mut account = Account::default();
        assert!(!is_cooling(&account, NOW));
        account.next_retry_after = Some(NOW + 1);
        assert!(is_cooling(&account, NOW));
        account.next_retry_after = Some(NOW);
        assert!(!is_cooling(&account, NOW));
        account.next_retry_after = Some(NOW - 60);
        assert!(!is_cooling(&account, NOW));
        account.unavailable = true;
        assert!(is_cooling(&account, NOW));
    }

    #[test]
    fn erroring_and_stale() {
        let mut account = with_usage(Some(10.0), None);
        assert!(!is_erroring(&account));
        account.status = "ERROR".into();
        assert!(is_erroring(&account));
        account.status = "active".into();
        account.usage_error = Some("upstream HTTP 401".into());
        assert!(is_erroring(&account));
        let view = account_view(&account, &QuotaSettings::default(), NOW);
        assert!(view.stale);
        assert_eq!(view.error.as_deref(), Some("upstream HTTP 401"));
    }

    #[test]
    fn view_uses_plan_weight_and_recent_failures() {
        let mut account = with_usage(Some(0.0), Some(0.0));
        account.id_token_plan = Some("Pro".into());
        account.recent_requests = (0..22)
            .map(|i| HealthBucket {
                time: format!("t{i}"),
                success: 1,
                failed: i,
            })
            .collect();
        let view = account_view(&account, &QuotaSettings::default(), NOW);
        assert_eq!(view.plan, "pro");
        assert_eq!(view.weight, 20.0);
        // last 20 of 22 kept; last three failed = 19 + 20 + 21.
        assert_eq!(view.health.len(), 20);
        assert_eq!(view.health[0].time, "t2");
        assert_eq!(view.recent_failures, 60);
    }
}
