//! Codex extras (SPEC.md §7): the 28–31-day window of Team plans as `monthly`,
//! `additional_rate_limits` (e.g. Spark) and `code_review_rate_limit` as lanes.
//! None of them is ever part of the 5h/week sums.

use serde_json::{Map, Value};

use super::codex::{field, parse_block, rate_limit_block, reset_time, DAY_SECONDS};
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
                .find_map(|key| field(window, key).and_then(super::codex::number))?
                as i64;
            if !(MONTH_MIN_SECONDS..=MONTH_MAX_SECONDS).contains(&seconds) {
                return None;
            }
            let used = field(window, "used_percent").and_then(super::codex::number)?;
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

#[cfg(test)]
mod tests {
    use super::super::codex::parse_usage;
    use serde_json::json;

    const NOW: i64 = 1_785_900_000;

    #[test]
    fn team_monthly_window_is_a_monthly_lane_and_weekly_stays() {
        let body = json!({"plan_type": "team", "rate_limit": {
            "primary_window": {"used_percent": 12, "limit_window_seconds": 18000},
            "secondary_window": {"used_percent": 55, "limit_window_seconds": 2592000, "reset_at": NOW + 99}}});
        let usage = parse_usage(&body.to_string(), NOW).unwrap();
        let monthly = usage.monthly.expect("monthly");
        assert_eq!(monthly.used_percent, 55.0);
        assert_eq!(monthly.reset_at, Some(NOW + 99));
        // Today's numbers: the only long window still counts as the weekly one.
        assert_eq!(usage.weekly.map(|w| w.used_percent), Some(55.0));
        let week_only = json!({"rate_limit": {
            "primary_window": {"used_percent": 1, "limit_window_seconds": 604800}}});
        assert_eq!(
            parse_usage(&week_only.to_string(), NOW).unwrap().monthly,
            None
        );
    }

    #[test]
    fn spark_and_code_review_are_lanes_not_main_windows() {
        let body = json!({"plan_type": "pro", "rate_limit": {
                "primary_window": {"used_percent": 40, "limit_window_seconds": 18000}},
            "code_review_rate_limit": {"primary_window": {"used_percent": 25,
                "limit_window_seconds": 604800, "reset_at": NOW + 7}},
            "additional_rate_limits": [{"limit_name": "GPT-5.3-Codex-Spark",
                "rate_limit": {"primary_window": {"used_percent": 5, "limit_window_seconds": 18000},
                    "secondary_window": {"used_percent": 30, "limit_window_seconds": 604800}}}]});
        let usage = parse_usage(&body.to_string(), NOW).unwrap();
        assert_eq!(usage.five_hour.as_ref().unwrap().used_percent, 40.0);
        assert_eq!(usage.weekly, None);
        let lanes: Vec<(&str, &str, f64)> = usage
            .lanes
            .iter()
            .map(|l| {
                (
                    l.name.as_str(),
                    l.window.as_deref().unwrap(),
                    l.remaining.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            lanes,
            [
                ("GPT-5.3-Codex-Spark", "5h", 95.0),
                ("GPT-5.3-Codex-Spark", "week", 70.0),
                ("Code review", "week", 75.0)
            ]
        );
        assert_eq!(usage.lanes[2].reset_at, Some(NOW + 7));
    }
}
