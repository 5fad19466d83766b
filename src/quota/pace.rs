//! Pace that knows the reset (issue 19.3): per window, the burn rate over
//! the span that fits the window (the last hour for 5h, the last 24 h of the
//! history for the week), when the pool runs out at that rate counting the
//! restores that come back meanwhile, whether it lasts until the window has
//! reset for every account, the margin, and a stage in the spirit of
//! CodexBar's "on pace / deficit / reserve".
//!
//! Pure: the caller passes the pool series (from `history`), the report and `now`.

use serde::{Deserialize, Serialize};

use super::forecast::{five_hour_events, weekly_events, Events, RestoreEvent, MIN_EVENT_UNITS};
use super::report::counts_in_pool;
use super::{AccountView, PoolReport, PoolWindow};
use crate::model::Epoch;

/// The 5h burn rate looks back this far.
pub const PACE_WINDOW_SECONDS: i64 = 3600;
/// The weekly burn rate looks back this far (an hour is noise for a week).
pub const WEEKLY_PACE_SECONDS: i64 = 24 * 3600;
/// A 5h rate needs at least this much history.
pub const MIN_SPAN_SECONDS: i64 = 300;
/// A weekly rate needs at least this much history.
pub const WEEKLY_MIN_SPAN_SECONDS: i64 = 3 * 3600;
/// Run-out times are capped this far ahead.
const MAX_AHEAD: i64 = 365 * 86_400;

/// Where a window stands against its reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Lasts until the reset, with less than a quarter of the window to spare.
    OnPace,
    /// Runs out before the reset.
    Deficit,
    /// Lasts well beyond the reset: quota will go unused.
    Reserve,
}

/// Burn rate and run-out estimate of one window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowPace {
    /// Section units (Plus-base percent) used per hour over the window's span.
    pub burn_per_hour: f64,
    /// When the balance reaches zero at that rate, restores included (None when not burning).
    pub runs_out_at: Option<Epoch>,
    /// True unless the pool runs out before every account's window has reset.
    #[serde(default = "yes")]
    pub lasts_until_reset: bool,
    /// `runs_out_at - reset`: negative = runs out that long before the reset (None: not burning or no reset known).
    #[serde(default)]
    pub margin_seconds: Option<i64>,
    #[serde(default)]
    pub stage: Option<Stage>,
    /// The reset it compares with: the last restore of the window's accounts (None: none known).
    #[serde(default)]
    pub reset_at: Option<Epoch>,
}

fn yes() -> bool {
    true
}

impl WindowPace {
    /// A pace with only a rate and a run-out time (no reset known).
    pub fn simple(burn_per_hour: f64, runs_out_at: Option<Epoch>) -> WindowPace {
        WindowPace {
            burn_per_hour,
            runs_out_at,
            lasts_until_reset: runs_out_at.is_none(),
            margin_seconds: None,
            stage: None,
            reset_at: None,
        }
    }
}

/// Pace of both windows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    pub five_hour: Option<WindowPace>,
    pub weekly: Option<WindowPace>,
}

/// The burn rate (units per hour) over the last `span` of `points`; only
/// decreases count as use (increases are restores or accounts added).
/// None with less than `min_span` of history.
pub fn burn_rate(points: &[(Epoch, f64)], span: i64, min_span: i64, now: Epoch) -> Option<f64> {
    let recent: Vec<&(Epoch, f64)> = points
        .iter()
        .filter(|(at, value)| *at >= now - span && *at <= now && value.is_finite())
        .collect();
    let (first, last) = (recent.first()?, recent.last()?);
    let covered = last.0 - first.0;
    if covered < min_span {
        return None;
    }
    let used: f64 = recent
        .windows(2)
        .map(|pair| (pair[0].1 - pair[1].1).max(0.0))
        .sum();
    Some(used / covered as f64 * 3600.0)
}

/// Pace of one window: `points` its recent pool remaining, `restores` the
/// resets of its accounts (Plus units, as the forecast uses), `length` the window's length.
pub fn window_pace(
    burn_per_hour: f64,
    window: &PoolWindow,
    restores: &[RestoreEvent],
    length: i64,
    now: Epoch,
) -> WindowPace {
    let mut future: Vec<RestoreEvent> = restores
        .iter()
        .copied()
        .filter(|e| e.at > now && e.at <= now + length && e.units > MIN_EVENT_UNITS)
        .collect();
    future.sort_by_key(|e| e.at);
    let reset_at = future.last().map(|e| e.at);
    let per_second = burn_per_hour / 3600.0;
    let runs_out_at = (burn_per_hour > 0.01).then(|| {
        let (mut t, mut balance) = (now as f64, window.remaining.max(0.0));
        for event in &future {
            let out = t + balance / per_second;
            if out < event.at as f64 {
                return out;
            }
            balance -= per_second * (event.at as f64 - t);
            balance = (balance + event.units * 100.0).min(window.capacity.max(balance));
            t = event.at as f64;
        }
        t + balance / per_second
    });
    let runs_out_at = runs_out_at.map(|t| (t.min((now + MAX_AHEAD) as f64)) as Epoch);
    let margin_seconds = runs_out_at.zip(reset_at).map(|(out, reset)| out - reset);
    let lasts_until_reset =
        margin_seconds.is_none_or(|m| m >= 0) && !(runs_out_at.is_some() && reset_at.is_none());
    let stage = reset_at.map(|_| match margin_seconds {
        Some(m) if m < 0 => Stage::Deficit,
        Some(m) if m < length / 4 => Stage::OnPace,
        _ => Stage::Reserve,
    });
    WindowPace {
        burn_per_hour,
        runs_out_at,
        lasts_until_reset,
        margin_seconds,
        stage,
        reset_at,
    }
}

/// The restore events of one window over the accounts that count in `report`.
fn restores(report: &PoolReport, events: fn(&AccountView) -> Events) -> Vec<RestoreEvent> {
    report
        .accounts_of(&report.primary_provider)
        .filter(|v| counts_in_pool(v))
        .flat_map(events)
        .collect()
}

/// Pace of both windows of `report`'s primary section at `now`, from its
/// series of pool remaining (`five_hour` and `weekly`, oldest first).
pub fn pace(
    report: &PoolReport,
    five_hour: &[(Epoch, f64)],
    weekly: &[(Epoch, f64)],
    now: Epoch,
) -> Option<Pace> {
    let five = report.five_hour.known().and_then(|w| {
        let burn = burn_rate(five_hour, PACE_WINDOW_SECONDS, MIN_SPAN_SECONDS, now)?;
        Some(window_pace(
            burn,
            w,
            &restores(report, five_hour_events),
            5 * 3600,
            now,
        ))
    });
    let week = report.weekly.known().and_then(|w| {
        let burn = burn_rate(weekly, WEEKLY_PACE_SECONDS, WEEKLY_MIN_SPAN_SECONDS, now)?;
        Some(window_pace(
            burn,
            w,
            &restores(report, weekly_events),
            7 * 86_400,
            now,
        ))
    });
    let pace = Pace {
        five_hour: five,
        weekly: week,
    };
    (pace.five_hour.is_some() || pace.weekly.is_some()).then_some(pace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::Level;

    fn pool(remaining: f64, capacity: f64) -> PoolWindow {
        PoolWindow {
            remaining,
            capacity,
            forecast: None,
            level: Level::Green,
        }
    }

    #[test]
    fn burn_counts_only_decreases_over_its_span() {
        // 1000 -> 900 -> 950 (restore) -> 800 over 30 minutes: used 100 + 150 = 250 in 0.5 h.
        let points = [(0, 1000.0), (600, 900.0), (1200, 950.0), (1800, 800.0)];
        let burn = burn_rate(&points, 3600, 300, 1800).unwrap();
        assert!((burn - 500.0).abs() < 1e-9);
        assert_eq!(
            burn_rate(&[(0, 1.0), (200, 0.5)], 3600, 300, 200),
            None,
            "too short"
        );
        let old = [(-10_000, 5000.0), (0, 1000.0), (600, 1000.0)];
        assert_eq!(
            burn_rate(&old, 3600, 300, 600),
            Some(0.0),
            "the old drop is out of span"
        );
        // The weekly span looks back a day.
        let day = [(0, 2000.0), (43_200, 1800.0), (86_400, 1700.0)];
        assert!((burn_rate(&day, 86_400, 10_800, 86_400).unwrap() - 300.0 / 24.0).abs() < 1e-9);
    }

    #[test]
    fn run_out_counts_restores_and_compares_with_the_last_reset() {
        // 800 left at 500/h, nothing restores: runs out in 1.6 h, no reset known.
        let p = window_pace(500.0, &pool(800.0, 2000.0), &[], 18_000, 0);
        assert_eq!(p.runs_out_at, Some(5760));
        assert_eq!(
            (p.reset_at, p.stage, p.lasts_until_reset),
            (None, None, false)
        );
        // A restore of 5 Plus (500) at 1 h and the last reset at 4 h:
        // 800 - 500 = 300 at 1 h, +500 = 800, lasts 1.6 h more: out at 9360 s < 14 400: deficit.
        let events = [
            RestoreEvent {
                at: 3600,
                units: 5.0,
            },
            RestoreEvent {
                at: 14_400,
                units: 1.0,
            },
        ];
        let p = window_pace(500.0, &pool(800.0, 2000.0), &events, 18_000, 0);
        assert_eq!(p.runs_out_at, Some(9360));
        assert_eq!(p.reset_at, Some(14_400));
        assert_eq!(p.margin_seconds, Some(9360 - 14_400));
        assert!(!p.lasts_until_reset);
        assert_eq!(p.stage, Some(Stage::Deficit));
        // A slow burn lasts well past the reset: reserve.
        let p = window_pace(50.0, &pool(800.0, 2000.0), &events, 18_000, 0);
        assert!(p.lasts_until_reset);
        assert_eq!(p.stage, Some(Stage::Reserve));
        // Capacity caps a restore: 800 - 280 = 520 at 1 h, +500 -> 900, then 900/280 h later.
        let p = window_pace(280.0, &pool(800.0, 900.0), &events[..1], 18_000, 0);
        assert_eq!(p.runs_out_at, Some(3600 + 11_571));
        assert_eq!(
            p.stage,
            Some(Stage::Reserve),
            "3 h to spare of a 5 h window"
        );
        // Just past the reset: on pace. 800 - 700 = 100 at 1 h, +500 = 600, lasts 3085 s more.
        let p = window_pace(700.0, &pool(800.0, 2000.0), &events[..1], 18_000, 0);
        assert_eq!(p.runs_out_at, Some(3600 + 3085));
        assert_eq!(p.stage, Some(Stage::OnPace));
        assert!(p.lasts_until_reset);
        // Not burning: lasts, reserve, no run-out.
        let p = window_pace(0.0, &pool(800.0, 2000.0), &events, 18_000, 0);
        assert_eq!(
            (p.runs_out_at, p.lasts_until_reset, p.stage),
            (None, true, Some(Stage::Reserve))
        );
    }
}
