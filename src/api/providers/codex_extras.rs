//! Codex extras (SPEC.md §7): the 28–31-day window of Team plans as `monthly`,
//! `additional_rate_limits` (e.g. Spark) and `code_review_rate_limit` as lanes.
//! None of them is ever part of the 5h/week sums.

use serde_json::{Map, Value};

use super::rate_limits::{field, number, parse_block, rate_limit_block, reset_time, DAY_SECONDS};
use crate::model::{Epoch, Lane, NamedLimit, QuotaWindow};

/// Shortest monthly window: 28 days.
const MONTH_MIN_SECONDS: i64 = 28 * DAY_SECONDS;
/// Longest monthly window: 31 days.
const MONTH_MAX_SECONDS: i64 = 31 * DAY_SECONDS;

/// The 28–31-day window of a rate-limit block, if any slot holds one.
pub fn monthly_window(block: &Map<String, Value>, now: Epoch) -> Option<QuotaWindow> {
    ["primary_window", "secondary_window"]
        .iter()
        .filter_map(|slot| field(block, slot).and_then(Value::as_object))
        .find_map(|window| {
            let seconds = ["limit_window_seconds", "window_seconds"]
                .iter()
                .find_map(|key| field(window, key).and_then(number))?
                as i64;
            if !(MONTH_MIN_SECONDS..=MONTH_MAX_SECONDS).contains(&seconds) {
                return None;
            }
            let used = field(window, "used_percent").and_then(number)?;
            Some(QuotaWindow {
                used_percent: used.clamp(0.0, 100.0),
                window_seconds: Some(seconds),
                reset_at: reset_time(window, now),
            })
        })
}

/// Lanes of the extra limits: each named limit's windows, then code review's.
pub fn lanes(root: &Map<String, Value>, additional: &[NamedLimit], now: Epoch) -> Vec<Lane> {
    let mut lanes: Vec<Lane> = additional
        .iter()
        .flat_map(|limit| windows_as_lanes(&limit.name, &limit.five_hour, &limit.weekly))
        .collect();
    if let Some(block) = field(root, "code_review_rate_limit")
        .and_then(Value::as_object)
        .and_then(|review| rate_limit_block(review).or(Some(review)))
    {
        let parsed = parse_block(block, now);
        lanes.extend(windows_as_lanes(
            "Code review",
            &parsed.five_hour,
            &parsed.weekly,
        ));
    }
    lanes
}

fn windows_as_lanes(
    name: &str,
    five_hour: &Option<QuotaWindow>,
    weekly: &Option<QuotaWindow>,
) -> Vec<Lane> {
    Lane::of_windows(name, five_hour, weekly)
}
