//! Pace: how fast the pool is burning quota and when it runs out, from the
//! history of pool balances that the cache keeps after each fetch.

use serde::{Deserialize, Serialize};

use crate::model::Epoch;

/// The burn rate looks back this far.
pub const PACE_WINDOW_SECONDS: i64 = 3600;
/// A rate needs at least this much history.
pub const MIN_SPAN_SECONDS: i64 = 300;
/// History points kept (about 4 hours at one fetch per minute).
pub const HISTORY_LEN: usize = 240;

/// Pool balances after one successful fetch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    pub at: Epoch,
    /// Pool 5h remaining, Plus-base percent.
    pub five_hour: f64,
    /// Pool weekly remaining, Plus-base percent.
    pub weekly: f64,
}

/// Burn rate and run-out estimate of one window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowPace {
    /// Plus-base percent used per hour over the last hour.
    pub burn_per_hour: f64,
    /// When the balance reaches zero at that rate (None when not burning).
    pub runs_out_at: Option<Epoch>,
}

/// Pace of both windows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    pub five_hour: Option<WindowPace>,
    pub weekly: Option<WindowPace>,
}

/// Append a point, dropping points at or after its time (a clock that went
/// back) and keeping the newest [`HISTORY_LEN`].
pub fn record(history: &mut Vec<HistoryPoint>, point: HistoryPoint) {
    history.retain(|p| p.at < point.at);
    history.push(point);
    let excess = history.len().saturating_sub(HISTORY_LEN);
    history.drain(..excess);
}

/// The burn rate of one series over the last hour. Only decreases count as
/// use; increases are restores (or accounts added) and are not subtracted.
/// None with less than [`MIN_SPAN_SECONDS`] of history.
pub fn window_pace(points: &[(Epoch, f64)], remaining: f64, now: Epoch) -> Option<WindowPace> {
    let recent: Vec<&(Epoch, f64)> = points
        .iter()
        .filter(|(at, value)| *at >= now - PACE_WINDOW_SECONDS && *at <= now && value.is_finite())
        .collect();
    let (first, last) = (recent.first()?, recent.last()?);
    let span = last.0 - first.0;
    if span < MIN_SPAN_SECONDS {
        return None;
    }
    let used: f64 = recent
        .windows(2)
        .map(|pair| (pair[0].1 - pair[1].1).max(0.0))
        .sum();
    let burn_per_hour = used / span as f64 * 3600.0;
    let runs_out_at = (burn_per_hour > 0.01 && remaining > 0.0).then(|| {
        let hours = remaining / burn_per_hour;
        now + (hours * 3600.0).min(365.0 * 86_400.0) as Epoch
    });
    Some(WindowPace {
        burn_per_hour,
        runs_out_at,
    })
}

/// Pace of both pool windows at `now`, given the current balances.
pub fn pace(history: &[HistoryPoint], five_hour: f64, weekly: f64, now: Epoch) -> Option<Pace> {
    let series = |pick: fn(&HistoryPoint) -> f64| -> Vec<(Epoch, f64)> {
        history.iter().map(|p| (p.at, pick(p))).collect()
    };
    let pace = Pace {
        five_hour: window_pace(&series(|p| p.five_hour), five_hour, now),
        weekly: window_pace(&series(|p| p.weekly), weekly, now),
    };
    (pace.five_hour.is_some() || pace.weekly.is_some()).then_some(pace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burn_counts_only_decreases_over_the_last_hour() {
        // 1000 -> 900 -> 950 (restore) -> 800 over 30 minutes: used 100 + 150 = 250 in 0.5 h.
        let points = [(0, 1000.0), (600, 900.0), (1200, 950.0), (1800, 800.0)];
        let pace = window_pace(&points, 800.0, 1800).unwrap();
        assert!((pace.burn_per_hour - 500.0).abs() < 1e-9);
        // 800 at 500/h runs out in 1.6 h = 5760 s.
        assert_eq!(pace.runs_out_at, Some(1800 + 5760));
    }

    #[test]
    fn old_points_and_short_spans_are_ignored() {
        let points = [(-10_000, 5000.0), (0, 1000.0), (200, 990.0)];
        assert_eq!(window_pace(&points, 990.0, 200), None, "200 s is too short");
        let points = [(-10_000, 5000.0), (0, 1000.0), (600, 1000.0)];
        let idle = window_pace(&points, 1000.0, 600).unwrap();
        assert_eq!(
            idle.burn_per_hour, 0.0,
            "the 5000 -> 1000 drop is older than an hour"
        );
        assert_eq!(idle.runs_out_at, None);
    }

    #[test]
    fn history_is_bounded_and_ordered() {
        let mut history = Vec::new();
        for at in 0..(HISTORY_LEN as i64 + 10) {
            record(
                &mut history,
                HistoryPoint {
                    at,
                    five_hour: 1.0,
                    weekly: 1.0,
                },
            );
        }
        assert_eq!(history.len(), HISTORY_LEN);
        assert_eq!(history[0].at, 10);
        record(
            &mut history,
            HistoryPoint {
                at: 100,
                five_hour: 2.0,
                weekly: 2.0,
            },
        );
        assert_eq!(
            history.last().unwrap().at,
            100,
            "a clock that went back truncates"
        );
        assert!(history.windows(2).all(|w| w[0].at < w[1].at));
    }

    #[test]
    fn pace_of_both_windows() {
        let history: Vec<HistoryPoint> = (0..7)
            .map(|i| HistoryPoint {
                at: i * 300,
                five_hour: 600.0 - 30.0 * i as f64,
                weekly: 2000.0,
            })
            .collect();
        let pace = pace(&history, 420.0, 2000.0, 1800).unwrap();
        let five = pace.five_hour.unwrap();
        assert!((five.burn_per_hour - 360.0).abs() < 1e-9);
        assert_eq!(five.runs_out_at, Some(1800 + 4200));
        assert_eq!(pace.weekly.unwrap().runs_out_at, None);
        assert_eq!(super::pace(&[], 1.0, 1.0, 0), None);
    }
}
