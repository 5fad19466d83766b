//! Quota over time (issue 19, SPEC §10): pure logic only. `store::history`
//! reads and writes it; nothing here reads a clock or touches a file.
//!
//! * [`series`]: pool remaining and capacity per window after every fetch,
//!   full resolution for [`FULL_RESOLUTION`], hourly extremes beyond, up to [`KEEP`];
//! * [`cycles`]: closed window cycles per account (utilisation and waste at a reset);
//! * [`waste`]: pool totals of used and wasted quota over 24 h, 7 d and 30 d.
//!
//! Units: everything is in the section's unit, percent of one base-plan
//! account (100 = one full Plus account for Codex), like the pool figures.

pub mod cycles;
pub mod series;
pub mod synthetic;
pub mod waste;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Epoch;
use crate::quota::PoolReport;

/// Points and cycles younger than this keep every sample.
pub const FULL_RESOLUTION: Epoch = 48 * 3600;
/// Nothing older than this is kept.
pub const KEEP: Epoch = 35 * 86_400;
/// Older samples are reduced to hourly buckets of this size.
pub const BUCKET: Epoch = 3600;

/// Which quota window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    FiveHour,
    Weekly,
}

impl Window {
    pub const ALL: [Window; 2] = [Window::FiveHour, Window::Weekly];

    /// The JSON / CSV name: `five_hour`, `weekly`.
    pub fn key(self) -> &'static str {
        match self {
            Window::FiveHour => "five_hour",
            Window::Weekly => "weekly",
        }
    }

    /// The window's length.
    pub fn seconds(self) -> Epoch {
        match self {
            Window::FiveHour => 5 * 3600,
            Window::Weekly => 7 * 86_400,
        }
    }
}

/// The history of one provider section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SectionHistory {
    /// Pool balances, oldest first, strictly increasing `at`.
    #[serde(default)]
    pub points: Vec<series::Point>,
    /// Closed cycles of the last [`FULL_RESOLUTION`], oldest first.
    #[serde(default)]
    pub cycles: Vec<cycles::Cycle>,
    /// Older cycles summed per hour and window, oldest first.
    #[serde(default)]
    pub cycle_hours: Vec<cycles::CycleHour>,
    /// The last observation of each account's windows, by stable account key.
    #[serde(default)]
    pub last: BTreeMap<String, cycles::AccountLast>,
}

/// A profile's whole history: one entry per provider section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    #[serde(default)]
    pub sections: BTreeMap<String, SectionHistory>,
}

impl History {
    /// Record one successful fetch's report at `now`: a point per section
    /// with quota, the cycles that closed, and the bounds applied.
    pub fn record(&mut self, report: &PoolReport, now: Epoch) {
        for section in report.sections.iter().filter(|s| s.quota) {
            let entry = self.sections.entry(section.provider.clone()).or_default();
            series::record(
                &mut entry.points,
                series::Point::of(now, &section.five_hour, &section.weekly),
            );
            let views: Vec<&crate::quota::AccountView> =
                report.accounts_of(&section.provider).collect();
            let closed = cycles::observe(&mut entry.last, &views, now);
            cycles::append(&mut entry.cycles, closed);
            entry.bound(now);
        }
        if report.sections.is_empty() && report.five_hour.is_known() {
            // A report built without sections (tests, old callers): the primary only.
            let entry = self
                .sections
                .entry(report.primary_provider.clone())
                .or_default();
            series::record(
                &mut entry.points,
                series::Point::of(now, &report.five_hour, &report.weekly),
            );
            let views: Vec<&crate::quota::AccountView> = report.accounts.iter().collect();
            let closed = cycles::observe(&mut entry.last, &views, now);
            cycles::append(&mut entry.cycles, closed);
            entry.bound(now);
        }
    }

    /// The section of `provider`.
    pub fn section(&self, provider: &str) -> Option<&SectionHistory> {
        self.sections.get(provider)
    }
}

impl SectionHistory {
    /// Apply the bounds at `now`: downsample beyond [`FULL_RESOLUTION`],
    /// drop beyond [`KEEP`], forget accounts not seen for two weeks.
    pub fn bound(&mut self, now: Epoch) {
        series::downsample(&mut self.points, now);
        cycles::downsample(&mut self.cycles, &mut self.cycle_hours, now);
        cycles::forget_old(&mut self.last, now);
    }

    /// `(at, remaining, capacity)` of one window since `since`, oldest first.
    pub fn series(&self, window: Window, since: Epoch) -> Vec<(Epoch, f64, f64)> {
        self.points
            .iter()
            .filter(|p| p.at >= since)
            .filter_map(|p| p.get(window).map(|(r, c)| (p.at, r, c)))
            .collect()
    }
}

/// What the outputs show of the history (menu, status, widget): the
/// primary section's recent series cut to what a chart draws, its waste
/// totals, the pace and the accounts to use first. Small (a few hundred
/// numbers), so the menu form can carry it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Glance {
    pub provider: String,
    /// `(at, remaining, capacity)` of the last 24 h, at most [`CHART_DAY_POINTS`].
    pub five_hour: Vec<(Epoch, f64, f64)>,
    /// The last 7 days, at most [`CHART_WEEK_POINTS`].
    pub weekly: Vec<(Epoch, f64, f64)>,
    /// The weekly window over the last 24 h (for the menu's day chart).
    #[serde(default)]
    pub weekly_day: Vec<(Epoch, f64, f64)>,
    pub waste: waste::Waste,
    /// Closed cycles of the last 7 days.
    #[serde(default)]
    pub cycles_7d: usize,
}

/// Points a day chart draws (one per 15 minutes).
pub const CHART_DAY_POINTS: usize = 96;
/// Points a week chart draws (one per hour).
pub const CHART_WEEK_POINTS: usize = 168;

/// `series` (oldest first) reduced to at most `buckets` points over
/// `(now - span, now]`: the last point of each equal slice.
pub fn thin(
    series: &[(Epoch, f64, f64)],
    span: Epoch,
    buckets: usize,
    now: Epoch,
) -> Vec<(Epoch, f64, f64)> {
    let start = now - span;
    let slice = (span / buckets.max(1) as Epoch).max(1);
    let mut out: Vec<(Epoch, f64, f64)> = Vec::new();
    let mut last_slot = None;
    for &point in series.iter().filter(|p| p.0 > start && p.0 <= now) {
        let slot = (point.0 - start - 1) / slice;
        if last_slot == Some(slot) {
            if let Some(last) = out.last_mut() {
                *last = point;
            }
        } else {
            out.push(point);
            last_slot = Some(slot);
        }
    }
    let excess = out.len().saturating_sub(buckets);
    out.drain(..excess);
    // Charts draw tenths: shorter files, and numbers any JSON reader reads back exactly.
    let tenth = |v: f64| (v * 10.0).round() / 10.0;
    out.iter_mut().for_each(|p| {
        p.1 = tenth(p.1);
        p.2 = tenth(p.2);
    });
    out
}

impl Glance {
    /// The glance of `provider`'s section at `now` (None without any point).
    pub fn of(history: &History, provider: &str, now: Epoch) -> Option<Glance> {
        let section = history.section(provider)?;
        if section.points.is_empty() && section.cycles.is_empty() && section.cycle_hours.is_empty()
        {
            return None;
        }
        let day = now - 86_400;
        let week = now - 7 * 86_400;
        Some(Glance {
            provider: provider.to_string(),
            five_hour: thin(
                &section.series(Window::FiveHour, day),
                86_400,
                CHART_DAY_POINTS,
                now,
            ),
            weekly: thin(
                &section.series(Window::Weekly, week),
                7 * 86_400,
                CHART_WEEK_POINTS,
                now,
            ),
            weekly_day: thin(
                &section.series(Window::Weekly, day),
                86_400,
                CHART_DAY_POINTS,
                now,
            ),
            waste: waste::totals(section, now),
            cycles_7d: section.cycles.iter().filter(|c| c.ended_at > week).count()
                + section
                    .cycle_hours
                    .iter()
                    .filter(|h| h.hour >= week)
                    .map(|h| h.cycles as usize)
                    .sum::<usize>(),
        })
    }

    /// The series of `window` the menu's day chart draws.
    pub fn day(&self, window: Window) -> &[(Epoch, f64, f64)] {
        match window {
            Window::FiveHour => &self.five_hour,
            Window::Weekly => &self.weekly_day,
        }
    }
}

/// `(at, remaining)` of the series of `window` in `history`'s section `provider` since `since`.
pub fn remaining_series(
    history: &History,
    provider: &str,
    window: Window,
    since: Epoch,
) -> Vec<(Epoch, f64)> {
    history
        .section(provider)
        .map(|s| {
            s.series(window, since)
                .into_iter()
                .map(|(at, r, _)| (at, r))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_keeps_the_last_point_per_slice_and_the_bound() {
        let series: Vec<(Epoch, f64, f64)> =
            (0..1440).map(|m| (m * 60 + 60, m as f64, 1.0)).collect();
        let now = 86_400;
        let out = thin(&series, 86_400, 96, now);
        assert_eq!(out.len(), 96);
        assert_eq!(out.last().unwrap().0, now);
        assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(thin(&series[..3], 86_400, 96, now).len(), 1, "one slice");
    }
}
