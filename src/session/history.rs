//! The history file around a fetch (issue 19): recorded under the lock after
//! a successful fetch, read for the outputs of the full path. A cache-hit
//! menu run never comes here: the menu form carries what it shows.

use super::*;
use crate::history::{Glance, History, Window};
use crate::quota::expiring::{expiring_first, Expiring};
use crate::render::chart::ChartForm;
use crate::render::OverTime;
use crate::store::history as history_file;

impl Session<'_> {
    /// `history.json` beside the cache.
    pub fn history_path(&self) -> PathBuf {
        history_file::path_beside(&self.paths.data)
    }

    /// After a successful fetch (under the lock): add the pool's point and
    /// the closed cycles, migrate the cache's old 4-hour history once, save.
    pub(super) fn record_history(
        &self,
        cache: &mut CacheFile,
        report: Option<&PoolReport>,
        succeeded: bool,
        now: Epoch,
        notices: &mut Vec<String>,
    ) -> Vec<Alert> {
        let (true, Some(report)) = (succeeded, report) else {
            return Vec::new();
        };
        let path = self.history_path();
        let mut history = history_file::load_or_new(&path, notices);
        migrate_legacy(&mut history, cache, report);
        history.record(report, now);
        if let Err(e) = history_file::save(&path, &history) {
            notices.push(crate::tr!(
                "history.cannot_write",
                path = path.display(),
                error = e
            ));
        }
        // "Will run out before reset", from the history just recorded: the
        // one evaluation of the condition (hooks get it; the alert log and
        // notifications when `[alerts] runs_out_before_reset` is on).
        let pace = pace_of(&history, report, now);
        let (runs_out, fired) = alerts::evaluate_pace(&cache.alerts.state, pace.as_ref(), now);
        cache.alerts.state.runs_out = runs_out;
        cache
            .alerts
            .record(&alerts::notified(&fired, &self.settings.alerts));
        fired
    }

    /// The history as stored (empty when missing; a damaged file is moved aside with a notice).
    pub fn load_history(&self, notices: &mut Vec<String>) -> History {
        history_file::load_or_new(&self.history_path(), notices)
    }
}

/// The cache's 4-hour pool history of earlier versions becomes the first
/// points of the primary section (their capacity is today's).
fn migrate_legacy(history: &mut History, cache: &mut CacheFile, report: &PoolReport) {
    let legacy = std::mem::take(&mut cache.legacy_history);
    if legacy.is_empty() || history.section(&report.primary_provider).is_some() {
        return;
    }
    let section = history
        .sections
        .entry(report.primary_provider.clone())
        .or_default();
    for old in legacy {
        let pair = |remaining: f64, w: &crate::quota::PoolWindow| {
            (w.is_known() && remaining.is_finite()).then_some((remaining, w.capacity))
        };
        crate::history::series::record(
            &mut section.points,
            crate::history::series::Point {
                at: old.at,
                five_hour: pair(old.five_hour, &report.five_hour),
                weekly: pair(old.weekly, &report.weekly),
            },
        );
    }
}

/// The pace of `report`'s primary section from `history` at `now`.
fn pace_of(history: &History, report: &PoolReport, now: Epoch) -> Option<Pace> {
    let primary = &report.primary_provider;
    let since = now - crate::quota::pace::WEEKLY_PACE_SECONDS;
    let five = crate::history::remaining_series(history, primary, Window::FiveHour, since);
    let week = crate::history::remaining_series(history, primary, Window::Weekly, since);
    crate::quota::pace::pace(report, &five, &week, now)
}

/// Pace, glance and use-first accounts of `report` with `history` at `now`,
/// with the menu's day charts in the default (`auto`) form.
pub fn over_time(history: &History, report: &PoolReport, now: Epoch) -> (Option<Pace>, OverTime) {
    over_time_charted(history, report, now, ChartForm::Auto)
}

/// [`over_time`] with the day charts in `form` (the `menu_chart` setting:
/// `ChartForm::of_setting`).
pub fn over_time_charted(
    history: &History,
    report: &PoolReport,
    now: Epoch,
    form: ChartForm,
) -> (Option<Pace>, OverTime) {
    let primary = &report.primary_provider;
    let pace = pace_of(history, report, now);
    let glance: Option<Glance> = Glance::of(history, primary, now);
    let expiring: Vec<Expiring> = expiring_first(report, now);
    let chart = glance
        .as_ref()
        .and_then(|g| crate::render::chart::menu_chart(g, now, form));
    (
        pace,
        OverTime {
            glance,
            expiring,
            chart,
        },
    )
}
