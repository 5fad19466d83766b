//! One account's row: availability, cooling, week kill line and window values.

use super::plan::clamp_weight;
use super::{level, normalize_plan, plan_weight, AccountView, AccountWindow, QuotaSettings};
use crate::model::{Account, Epoch, Lane, QuotaWindow, Usage};
use crate::provider;

use super::health::{last_buckets, recent_failures};

/// Server statuses under which an account without quota data is available:
/// the usable ones, and `error` once its retry time has passed (the server
/// keeps `status: "error"` until the account serves a request again, and
/// routes requests to it meanwhile).
const AVAILABLE_STATUSES: [&str; 4] = ["", "active", "ok", "error"];

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

/// The 5h and weekly windows that count at `now`, and whether kept values
/// were dropped ("expired").
///
/// A successful fetch's values count. An account whose latest usage fetch
/// failed keeps its last good values for at most `stale_limit` seconds after
/// they were fetched, and each window only until its reset time (after a reset
/// the old numbers say nothing). A refused token (upstream 401/403) keeps
/// nothing: the account no longer serves requests.
pub fn current_windows(
    account: &Account,
    stale_limit: i64,
    now: Epoch,
) -> (Option<&QuotaWindow>, Option<&QuotaWindow>, bool) {
    let Some(usage) = account.usage.as_ref() else {
        return (None, None, false);
    };
    let (five_hour, weekly) = (usage.five_hour.as_ref(), usage.weekly.as_ref());
    if account.usage_error.is_none() {
        return (five_hour, weekly, false);
    }
    let young = !account.token_refused
        && account
            .usage_fetched_at
            .is_some_and(|at| now - at <= stale_limit);
    let keep = |w: &&QuotaWindow| young && w.reset_at.is_none_or(|reset| reset > now);
    let (kept_five, kept_week) = (five_hour.filter(keep), weekly.filter(keep));
    let expired =
        (five_hour.is_some() && kept_five.is_none()) || (weekly.is_some() && kept_week.is_none());
    (kept_five, kept_week, expired)
}

/// Kept values of a failing account still say something (see [`current_windows`]).
fn kept_values_count(account: &Account, stale_limit: i64, now: Epoch) -> bool {
    account.usage_error.is_none()
        || (!account.token_refused
            && account
                .usage_fetched_at
                .is_some_and(|at| now - at <= stale_limit))
}

/// The monthly window under the same rule as the 5h and weekly ones.
fn current_monthly(account: &Account, stale_limit: i64, now: Epoch) -> Option<&QuotaWindow> {
    let monthly = account.usage.as_ref()?.monthly.as_ref()?;
    let fresh = account.usage_error.is_none();
    (fresh
        || (kept_values_count(account, stale_limit, now)
            && monthly.reset_at.is_none_or(|r| r > now)))
    .then_some(monthly)
}

/// The lanes under the same rule as the 5h and weekly windows.
fn current_lanes(account: &Account, stale_limit: i64, now: Epoch) -> Vec<Lane> {
    let Some(usage) = account.usage.as_ref() else {
        return Vec::new();
    };
    if account.usage_error.is_none() {
        return usage.lanes.clone();
    }
    if !kept_values_count(account, stale_limit, now) {
        return Vec::new();
    }
    usage
        .lanes
        .iter()
        .filter(|lane| lane.reset_at.is_none_or(|r| r > now))
        .cloned()
        .collect()
}

/// Available: what the pool can count on now. Not disabled, its token not
/// refused, and either quota values that still count ([`current_windows`]) or,
/// without them, not cooling and a usable server status (`""`, `active`,
/// `ok`, or `error` once the retry time has passed). `unavailable` alone does
/// not matter: the server keeps it set after the cooldown and routes anyway.
pub fn is_available(account: &Account, stale_limit: i64, now: Epoch) -> bool {
    if is_disabled(account) || account.token_refused {
        return false;
    }
    let (five_hour, weekly, _) = current_windows(account, stale_limit, now);
    if five_hour.is_some() || weekly.is_some() {
        return true;
    }
    let status = account.status.trim().to_ascii_lowercase();
    !is_cooling(account, now) && AVAILABLE_STATUSES.contains(&status.as_str())
}

/// Cooling: a `next_retry_after` still in the future. Only that: the server
/// keeps `unavailable: true` after the time has passed (see [`is_recovering`]).
pub fn is_cooling(account: &Account, now: Epoch) -> bool {
    account.next_retry_after.is_some_and(|until| until > now)
}

/// Recovering: the server still flags the account (`unavailable`, status
/// `error`) although its retry time has passed: its last request failed and
/// the pool tries it again. Neither cooling nor erroring.
pub fn is_recovering(account: &Account, now: Epoch) -> bool {
    !is_disabled(account)
        && !is_cooling(account, now)
        && (account.unavailable || status_is(account, "error"))
}

/// Erroring: the latest usage fetch failed, or the server reports an error
/// and still cools the account down. An error status after the retry time is
/// [`is_recovering`], not erroring forever.
pub fn is_erroring(account: &Account, now: Epoch) -> bool {
    account.usage_error.is_some() || (status_is(account, "error") && is_cooling(account, now))
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
    let (five_hour, weekly, expired) = current_windows(account, settings.stale_limit, now);
    let killed = weekly.is_some_and(|w| remaining_of(w) < settings.kill_line);
    let window_of = |window: Option<&QuotaWindow>| window.map(|w| account_window(w, killed));
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
        five_hour: window_of(five_hour),
        weekly: window_of(weekly),
        monthly: current_monthly(account, settings.stale_limit, now)
            .map(|window| account_window(window, false)),
        lanes: current_lanes(account, settings.stale_limit, now),
        reset_credits: account.reset_credits.clone(),
        killed,
        available: is_available(account, settings.stale_limit, now),
        cooling: is_cooling(account, now),
        recovering: is_recovering(account, now),
        erroring: is_erroring(account, now),
        disabled: is_disabled(account),
        error: account.usage_error.clone(),
        stale: account.is_stale(),
        expired,
        duplicate_of: None,
        status: account.status.clone(),
        status_message: account.status_message.clone(),
        next_retry_after: account.next_retry_after,
        last_refresh: account.last_refresh,
        usage_fetched_at: account.usage_fetched_at,
        source: account.usage.as_ref().and_then(|u| u.source).or_else(|| {
            account
                .usage_fetched_at
                .map(|at| crate::model::UsageSource {
                    kind: crate::model::SourceKind::Read,
                    at,
                })
        }),
        observation_note: account.observation_note.clone(),
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

    const LIMIT: i64 = 1800;

    #[test]
    fn availability_rules() {
        let bare = |status: &str, unavailable: bool, disabled: bool| Account {
            status: status.into(),
            unavailable,
            disabled,
            ..Account::default()
        };
        let available = |a: &Account| is_available(a, LIMIT, NOW);
        assert!(available(&bare("", false, false)));
        assert!(available(&bare("Active", false, false)));
        assert!(available(&bare("ok", false, false)));
        assert!(!available(&bare("pending", false, false)));
        assert!(!available(&bare("refreshing", false, false)));
        assert!(!available(&bare("active", false, true)));
        // The real server keeps `unavailable: true, status: "error"` after the
        // cooldown and routes requests to such an account: it is available.
        assert!(available(&bare("error", false, false)));
        assert!(available(&bare("active", true, false)));
        let mut stuck = bare("error", true, false);
        stuck.next_retry_after = Some(NOW - 60);
        assert!(available(&stuck));
        // While it cools down (retry time in the future) it is not.
        stuck.next_retry_after = Some(NOW + 60);
        assert!(!available(&stuck));
        // Quota values that count override cooling and status, not disabled.
        let mut with_data = with_usage(Some(10.0), None);
        with_data.unavailable = true;
        with_data.status = "error".into();
        with_data.next_retry_after = Some(NOW + 60);
        assert!(available(&with_data));
        with_data.disabled = true;
        assert!(!available(&with_data));
        // A refused token (upstream 401/403) is never available.
        let mut refused = with_usage(Some(10.0), Some(10.0));
        refused.usage_error = Some("upstream HTTP 401".into());
        refused.token_refused = true;
        refused.usage_fetched_at = Some(NOW - 10);
        assert!(!available(&refused));
        // A usage without windows is not quota data.
        let mut empty_usage = bare("pending", false, false);
        empty_usage.usage = Some(Usage::default());
        assert!(!available(&empty_usage));
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
        // `unavailable` alone is not cooling: the flag stays after the retry time.
        account.unavailable = true;
        assert!(!is_cooling(&account, NOW));
        assert!(is_recovering(&account, NOW));
        account.next_retry_after = Some(NOW + 30);
        assert!(is_cooling(&account, NOW));
        assert!(!is_recovering(&account, NOW));
    }

    #[test]
    fn erroring_ends_with_the_cooldown() {
        let mut account = with_usage(Some(10.0), None);
        assert!(!is_erroring(&account, NOW));
        account.status = "ERROR".into();
        account.next_retry_after = Some(NOW + 60);
        assert!(is_erroring(&account, NOW));
        assert!(!is_recovering(&account, NOW));
        // After the retry time: recovering, not erroring forever.
        assert!(!is_erroring(&account, NOW + 60));
        assert!(is_recovering(&account, NOW + 60));
        account.status = "active".into();
        account.next_retry_after = None;
        account.usage_error = Some("upstream HTTP 502".into());
        account.usage_fetched_at = Some(NOW - 60);
        assert!(is_erroring(&account, NOW));
        let view = account_view(&account, &QuotaSettings::default(), NOW);
        assert!(view.stale && view.erroring && !view.expired);
        assert_eq!(view.error.as_deref(), Some("upstream HTTP 502"));
    }

    /// Windows resetting at +1h (5h) and +3d (week); fetched at `fetched`, failing since.
    fn failing(fetched: Epoch) -> Account {
        let mut account = Account {
            id: "f".into(),
            status: "active".into(),
            usage: Some(Usage {
                five_hour: Some(QuotaWindow {
                    used_percent: 30.0,
                    window_seconds: Some(18_000),
                    reset_at: Some(NOW + 3_600),
                }),
                weekly: Some(QuotaWindow {
                    used_percent: 50.0,
                    window_seconds: Some(604_800),
                    reset_at: Some(NOW + 259_200),
                }),
                ..Usage::default()
            }),
            usage_fetched_at: Some(fetched),
            usage_error: Some("upstream HTTP 502".into()),
            ..Account::default()
        };
        account.id_token_plan = Some("plus".into());
        account
    }

    #[test]
    fn failing_accounts_keep_values_for_the_stale_limit_only() {
        // Fetched 29m59s ago: kept. 30m: kept (limit inclusive). 30m01s: gone.
        for (age, kept) in [(1_799, true), (1_800, true), (1_801, false)] {
            let account = failing(NOW - age);
            let (five, week, expired) = current_windows(&account, LIMIT, NOW);
            assert_eq!(five.is_some(), kept, "age {age}");
            assert_eq!(week.is_some(), kept, "age {age}");
            assert_eq!(expired, !kept, "age {age}");
        }
        // The setting is used: 10 minutes.
        let account = failing(NOW - 601);
        let (five, _, expired) = current_windows(&account, 600, NOW);
        assert!(five.is_none() && expired);
        // A successful fetch is never aged out here, whatever its age.
        let mut ok = failing(NOW - 100_000);
        ok.usage_error = None;
        let (five, week, expired) = current_windows(&ok, LIMIT, NOW);
        assert!(five.is_some() && week.is_some() && !expired);
    }

    #[test]
    fn kept_values_never_outlive_their_window_reset() {
        // Fetched 1 min ago, but the 5h window reset 1 s ago: only the week stays.
        let mut account = failing(NOW - 60);
        if let Some(five) = account.usage.as_mut().and_then(|u| u.five_hour.as_mut()) {
            five.reset_at = Some(NOW - 1);
        }
        let view = account_view(&account, &QuotaSettings::default(), NOW);
        assert_eq!(view.five_hour, None);
        assert_eq!(view.weekly.as_ref().map(|w| w.remaining), Some(50.0));
        assert!(view.expired && view.stale && view.available);
        // At the reset second itself the old number is already void.
        let account = failing(NOW - 60);
        let (five, _, _) = current_windows(&account, LIMIT, NOW + 3_600);
        assert!(five.is_none());
    }

    #[test]
    fn a_refused_token_drops_the_values_at_once() {
        let mut account = failing(NOW - 5);
        account.usage_error = Some("upstream HTTP 401: Unauthorized".into());
        account.token_refused = true;
        let view = account_view(&account, &QuotaSettings::default(), NOW);
        assert_eq!(
            (view.five_hour.is_some(), view.weekly.is_some()),
            (false, false)
        );
        assert!(view.expired && !view.available);
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

    #[test]
    fn lanes_and_monthly_age_like_the_main_windows() {
        let lane = |name: &str, reset_at| crate::model::Lane {
            name: name.into(),
            window: Some("week".into()),
            remaining: Some(40.0),
            reset_at,
        };
        let mut account = Account {
            id: "a".into(),
            status: "active".into(),
            usage_fetched_at: Some(NOW - 600),
            usage: Some(Usage {
                weekly: Some(window(10.0)),
                monthly: Some(QuotaWindow {
                    used_percent: 45.0,
                    window_seconds: Some(2_592_000),
                    reset_at: Some(NOW + 5_000),
                }),
                lanes: vec![lane("later", Some(NOW + 100)), lane("past", Some(NOW - 1))],
                ..Usage::default()
            }),
            ..Account::default()
        };
        let settings = QuotaSettings::default();
        // A good fetch shows everything it said.
        let view = account_view(&account, &settings, NOW);
        assert_eq!(view.lanes.len(), 2);
        assert_eq!(view.monthly.as_ref().map(|m| m.remaining), Some(55.0));
        // A failing account keeps young values until their reset...
        account.usage_error = Some("upstream HTTP 502".into());
        let view = account_view(&account, &settings, NOW);
        let names: Vec<&str> = view.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["later"]);
        assert!(view.monthly.is_some());
        // ...and nothing once they are older than the stale limit, or the token was refused.
        account.usage_fetched_at = Some(NOW - settings.stale_limit - 1);
        let view = account_view(&account, &settings, NOW);
        assert!(view.lanes.is_empty() && view.monthly.is_none());
        account.usage_fetched_at = Some(NOW - 600);
        account.token_refused = true;
        let view = account_view(&account, &settings, NOW);
        assert!(view.lanes.is_empty() && view.monthly.is_none());
    }
}
