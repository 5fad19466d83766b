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

/// Shortest window that is a month, not a week (a Team plan's 28–31 days).
const MONTH_SECONDS: i64 = 28 * 86_400;

/// A long window of a month or more: the monthly figure, never the week.
fn is_month_long(window: &QuotaWindow) -> bool {
    window.window_seconds.is_some_and(|s| s >= MONTH_SECONDS)
}

/// The 5h, weekly and monthly windows of a usage as the quota model reads
/// them: a 28–31-day window is monthly even where the parser put it in the
/// long slot (a Team plan without a weekly window), so it never enters the
/// Week sum.
fn classified(
    usage: &Usage,
) -> (
    Option<&QuotaWindow>,
    Option<&QuotaWindow>,
    Option<&QuotaWindow>,
) {
    match usage.weekly.as_ref() {
        Some(long) if is_month_long(long) => (
            usage.five_hour.as_ref(),
            None,
            usage.monthly.as_ref().or(Some(long)),
        ),
        weekly => (usage.five_hour.as_ref(), weekly, usage.monthly.as_ref()),
    }
}

/// The account has a usage with at least one main window (possibly stale).
pub fn has_quota_data(account: &Account) -> bool {
    account.usage.as_ref().is_some_and(|usage| {
        let (five_hour, weekly, _) = classified(usage);
        five_hour.is_some() || weekly.is_some()
    })
}

/// Until when the kept values of a window count: None for a fresh value
/// (it counts until its reset, then its capacity is back), else the end of
/// its stale time (`i64::MIN`: not at all).
fn kept_until(account: &Account, stale_limit: i64, kept_by_limit_answer: bool) -> Option<Epoch> {
    if account.usage_error.is_some() {
        if account.token_refused {
            return Some(Epoch::MIN);
        }
        return Some(
            account
                .usage_fetched_at
                .map_or(Epoch::MIN, |at| at.saturating_add(stale_limit)),
        );
    }
    let kept = account.usage.as_ref().and_then(|u| u.kept)?;
    kept_by_limit_answer.then(|| kept.at.saturating_add(stale_limit))
}

/// What a window is at `now` given until when its value counts.
enum WindowAt {
    /// The value counts.
    Counts,
    /// Kept values aged out (stale limit, reset of a stale value, refused token).
    Dropped,
    /// A fresh value past its reset: the capacity is back, not yet confirmed.
    Restored,
}

fn window_at(reset_at: Option<Epoch>, until: Option<Epoch>, now: Epoch) -> WindowAt {
    let reset_passed = reset_at.is_some_and(|reset| reset <= now);
    match until {
        Some(until) if now > until || reset_passed => WindowAt::Dropped,
        None if reset_passed => WindowAt::Restored,
        _ => WindowAt::Counts,
    }
}

/// The 5h and weekly windows that count at `now`, and whether kept values
/// were dropped ("expired").
///
/// A successful fetch's values count (until their reset: then
/// [`account_view`] shows the window restored). An account whose latest
/// usage fetch failed keeps its last good values for at most `stale_limit`
/// seconds after they were fetched, and each window only until its reset
/// time (after a reset the old numbers say nothing). A refused token
/// (upstream 401/403) keeps nothing: the account no longer serves requests.
/// Windows a limit answer kept from an earlier answer age the same way.
pub fn current_windows(
    account: &Account,
    stale_limit: i64,
    now: Epoch,
) -> (Option<&QuotaWindow>, Option<&QuotaWindow>, bool) {
    let Some(usage) = account.usage.as_ref() else {
        return (None, None, false);
    };
    let (five_hour, weekly, _) = classified(usage);
    let kept = usage.kept.unwrap_or_default();
    let dropped = |window: Option<&QuotaWindow>, by_limit: bool| {
        window.is_some_and(|w| {
            matches!(
                window_at(w.reset_at, kept_until(account, stale_limit, by_limit), now),
                WindowAt::Dropped
            )
        })
    };
    let (drop_five, drop_week) = (
        dropped(five_hour, kept.five_hour),
        dropped(weekly, kept.weekly),
    );
    (
        five_hour.filter(|_| !drop_five),
        weekly.filter(|_| !drop_week),
        drop_five || drop_week,
    )
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
    let (_, _, monthly) = classified(account.usage.as_ref()?);
    let monthly = monthly?;
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
    let (five_hour, weekly, _) = current_windows(account, stale_limit, now);
    available_rule(
        is_disabled(account),
        account.token_refused,
        five_hour.is_some() || weekly.is_some(),
        is_cooling(account, now),
        &account.status,
    )
}

fn available_rule(
    disabled: bool,
    token_refused: bool,
    has_values: bool,
    cooling: bool,
    status: &str,
) -> bool {
    if disabled || token_refused {
        return false;
    }
    if has_values {
        return true;
    }
    let status = status.trim().to_ascii_lowercase();
    !cooling && AVAILABLE_STATUSES.contains(&status.as_str())
}

/// Cooling: a `next_retry_after` still in the future. Only that: the server
/// keeps `unavailable: true` after the time has passed (see [`is_recovering`]).
pub fn is_cooling(account: &Account, now: Epoch) -> bool {
    cooling_at(account.next_retry_after, now)
}

fn cooling_at(next_retry_after: Option<Epoch>, now: Epoch) -> bool {
    next_retry_after.is_some_and(|until| until > now)
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
    classified(usage)
        .1
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

/// Build the row of one account at `now`: its stored values and times, then
/// every clock-dependent state decided by [`settle`].
pub fn account_view(account: &Account, settings: &QuotaSettings, now: Epoch) -> AccountView {
    let plan = account.plan();
    let (five_hour, weekly) = match account.usage.as_ref() {
        Some(usage) if !account.token_refused => {
            let (five_hour, weekly, _) = classified(usage);
            (five_hour, weekly)
        }
        _ => (None, None),
    };
    let kept = account
        .usage
        .as_ref()
        .and_then(|u| u.kept)
        .unwrap_or_default();
    let refused_dropped = account.token_refused && has_quota_data(account);
    let health = last_buckets(&account.recent_requests).to_vec();
    let section = provider::section_id(&account.provider);
    let weight = provider::descriptor(&section)
        .and_then(|d| provider::table_weight(d, &normalize_plan(plan), &settings.provider_weights))
        .map_or_else(|| plan_weight(plan, &settings.weights), clamp_weight);
    let mut view = AccountView {
        id: account.id.clone(),
        provider: section,
        name: account.name.clone(),
        label: account.label.clone(),
        email: account.email.clone(),
        plan: normalize_plan(plan),
        weight,
        five_hour: five_hour.map(|w| account_window(w, false)),
        weekly: weekly.map(|w| account_window(w, false)),
        five_hour_until: kept_until(account, settings.stale_limit, kept.five_hour),
        weekly_until: kept_until(account, settings.stale_limit, kept.weekly),
        monthly: current_monthly(account, settings.stale_limit, now)
            .map(|window| account_window(window, false)),
        lanes: current_lanes(account, settings.stale_limit, now),
        reset_credits: account.reset_credits.clone(),
        disabled: is_disabled(account),
        unavailable: account.unavailable,
        token_refused: account.token_refused,
        error: account.usage_error.clone(),
        stale: account.is_stale(),
        expired: refused_dropped,
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
        ..AccountView::default()
    };
    settle(&mut view, settings.kill_line, now);
    view
}

/// Decide every clock-dependent state of a row at `now` from its stored
/// values and times: kept values that aged out leave (expired), a fresh
/// window past its reset is restored (100%, not yet confirmed), cooling,
/// recovering, erroring, the kill line and availability. Applying it again
/// at a later `now` gives what [`account_view`] gives then, so a menu built
/// earlier (the menu form) is re-dated without the accounts.
pub fn settle(view: &mut AccountView, kill_line: f64, now: Epoch) {
    let mut expired = view.expired;
    for (window, until, unconfirmed) in [
        (
            &mut view.five_hour,
            view.five_hour_until,
            &mut view.five_hour_unconfirmed,
        ),
        (
            &mut view.weekly,
            view.weekly_until,
            &mut view.weekly_unconfirmed,
        ),
    ] {
        let Some(w) = window.as_mut() else { continue };
        match window_at(w.reset_at, until, now) {
            WindowAt::Dropped => {
                *window = None;
                expired = true;
            }
            WindowAt::Restored => {
                w.remaining = 100.0;
                w.reset_at = None;
                *unconfirmed = true;
            }
            WindowAt::Counts => {}
        }
    }
    view.expired = expired;
    let killed = view
        .weekly
        .as_ref()
        .is_some_and(|w| w.remaining < kill_line);
    view.killed = killed;
    for window in [view.five_hour.as_mut(), view.weekly.as_mut()]
        .into_iter()
        .flatten()
    {
        window.effective = if killed { 0.0 } else { window.remaining };
        window.level = level(window.remaining / 100.0);
    }
    let cooling = cooling_at(view.next_retry_after, now);
    let status_error = view.status.trim().eq_ignore_ascii_case("error");
    view.cooling = cooling;
    view.recovering = !view.disabled && !cooling && (view.unavailable || status_error);
    view.erroring = view.error.is_some() || (status_error && cooling);
    view.available = available_rule(
        view.disabled,
        view.token_refused,
        view.five_hour.is_some() || view.weekly.is_some(),
        cooling,
        &view.status,
    );
}

/// The first moment after `now` at which [`settle`] could decide `view`
/// otherwise: a window's reset, the end of its kept values, the end of a
/// retry wait. Every state `settle` gives holds from `now` until then (None:
/// for good). A pre-rendered menu row is valid until this moment.
pub fn next_change(view: &AccountView, now: Epoch) -> Option<Epoch> {
    let windows = [
        (view.five_hour.as_ref(), view.five_hour_until),
        (view.weekly.as_ref(), view.weekly_until),
    ];
    let window_times = windows
        .into_iter()
        .filter_map(|(window, until)| window.map(|w| (w.reset_at, until)))
        .flat_map(|(reset_at, until)| {
            // `window_at`: a reset counts from its second on, kept values
            // until theirs (dropped the second after).
            [
                reset_at.filter(|at| *at > now),
                until.filter(|u| *u >= now).map(|u| u.saturating_add(1)),
            ]
        });
    // `cooling_at`: cooling while the retry time is ahead.
    let retry = view.next_retry_after.filter(|at| *at > now);
    window_times.chain([retry]).flatten().min()
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

    #[test]
    fn settled_states_hold_until_the_next_change() {
        let window = |remaining: f64, reset_at: Option<Epoch>| {
            Some(AccountWindow {
                remaining,
                effective: remaining,
                reset_at,
                level: Level::Green,
            })
        };
        // Every combination of the times `settle` looks at, before and after NOW.
        let times = [
            None,
            Some(NOW - 50),
            Some(NOW),
            Some(NOW + 30),
            Some(NOW + 90),
        ];
        let mut checked = 0;
        for five in times {
            for week in times {
                for until in times {
                    for retry in times {
                        let view = AccountView {
                            status: "error".into(),
                            unavailable: true,
                            five_hour: window(40.0, five),
                            weekly: window(3.0, week),
                            five_hour_until: until,
                            next_retry_after: retry,
                            ..AccountView::default()
                        };
                        // A form stores views settled at their fetch and
                        // settles them again at each run's clock.
                        let mut at_now = view.clone();
                        settle(&mut at_now, 5.0, NOW);
                        let settled = |at: Epoch| {
                            let mut v = at_now.clone();
                            settle(&mut v, 5.0, at);
                            v
                        };
                        let next = next_change(&at_now, NOW);
                        let end = next.unwrap_or(NOW + 200);
                        assert!(end > NOW);
                        for t in NOW..end.min(NOW + 200) {
                            assert_eq!(settled(t), at_now, "{view:?} at +{}", t - NOW);
                        }
                        if let Some(next) = next {
                            // A real change point: something differs there
                            // or later (never an early, needless expiry).
                            assert!(
                                (next..next + 200).any(|t| settled(t) != at_now),
                                "{view:?}: nothing changes from {next}"
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 625);
    }
}
