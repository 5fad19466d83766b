//! Pool totals of used and wasted quota per window over 24 h, 7 days and
//! 30 days, from the closed cycles (and their hourly sums beyond 48 h: an
//! hour counts when it starts inside the span).

use serde::{Deserialize, Serialize};

use super::{SectionHistory, Window};
use crate::model::Epoch;

/// The spans of the totals.
pub const SPANS: [(&str, Epoch); 3] = [("24h", 86_400), ("7d", 7 * 86_400), ("30d", 30 * 86_400)];

/// Used and wasted quota of one window, in the section's unit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowWaste {
    pub used_24h: f64,
    pub wasted_24h: f64,
    pub used_7d: f64,
    pub wasted_7d: f64,
    pub used_30d: f64,
    pub wasted_30d: f64,
}

impl WindowWaste {
    /// Utilisation over `span` (used / (used + wasted)), None without cycles.
    pub fn utilisation(&self, span: &str) -> Option<f64> {
        let (used, wasted) = match span {
            "24h" => (self.used_24h, self.wasted_24h),
            "7d" => (self.used_7d, self.wasted_7d),
            _ => (self.used_30d, self.wasted_30d),
        };
        (used + wasted > 0.0).then(|| used / (used + wasted))
    }
}

/// Both windows' totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Waste {
    pub five_hour: WindowWaste,
    pub weekly: WindowWaste,
}

impl Waste {
    pub fn window(&self, window: Window) -> &WindowWaste {
        match window {
            Window::FiveHour => &self.five_hour,
            Window::Weekly => &self.weekly,
        }
    }
}

/// Used and wasted of `window` for cycles that ended in `(since, now]`.
pub fn sum(history: &SectionHistory, window: Window, since: Epoch, now: Epoch) -> (f64, f64) {
    let cycles = history
        .cycles
        .iter()
        .filter(|c| c.window == window && c.ended_at > since && c.ended_at <= now)
        .map(|c| (c.used, c.wasted));
    let hours = history
        .cycle_hours
        .iter()
        .filter(|h| h.window == window && h.hour >= since && h.hour <= now)
        .map(|h| (h.used, h.wasted));
    cycles
        .chain(hours)
        .fold((0.0, 0.0), |(u, w), (cu, cw)| (u + cu, w + cw))
}

/// The totals of a section at `now`.
pub fn totals(history: &SectionHistory, now: Epoch) -> Waste {
    let of = |window| {
        let [(_, d), (_, w), (_, m)] = SPANS;
        let (used_24h, wasted_24h) = sum(history, window, now - d, now);
        let (used_7d, wasted_7d) = sum(history, window, now - w, now);
        let (used_30d, wasted_30d) = sum(history, window, now - m, now);
        WindowWaste {
            used_24h,
            wasted_24h,
            used_7d,
            wasted_7d,
            used_30d,
            wasted_30d,
        }
    };
    Waste {
        five_hour: of(Window::FiveHour),
        weekly: of(Window::Weekly),
    }
}

#[cfg(test)]
mod tests {
    use super::super::cycles::{Cycle, CycleHour};
    use super::*;

    #[test]
    fn totals_over_three_spans_from_cycles_and_hours() {
        let now = 100 * 86_400;
        let cycle = |ended_at, used, wasted| Cycle {
            account: "a".into(),
            label: "a".into(),
            window: Window::FiveHour,
            ended_at,
            used_percent: 0.0,
            used,
            wasted,
        };
        let history = SectionHistory {
            cycles: vec![
                cycle(now - 3600, 60.0, 40.0),
                cycle(now - 30 * 3600, 10.0, 90.0),
            ],
            cycle_hours: vec![CycleHour {
                hour: now - 10 * 86_400,
                window: Window::FiveHour,
                cycles: 3,
                used: 100.0,
                wasted: 200.0,
            }],
            ..Default::default()
        };
        let waste = totals(&history, now);
        let five = &waste.five_hour;
        assert_eq!((five.used_24h, five.wasted_24h), (60.0, 40.0));
        assert_eq!((five.used_7d, five.wasted_7d), (70.0, 130.0));
        assert_eq!((five.used_30d, five.wasted_30d), (170.0, 330.0));
        assert_eq!(waste.weekly, WindowWaste::default());
        assert_eq!(five.utilisation("24h"), Some(0.6));
        assert_eq!(waste.weekly.utilisation("7d"), None);
    }
}
