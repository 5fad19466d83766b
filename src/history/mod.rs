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
