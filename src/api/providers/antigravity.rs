//! Antigravity (SPEC.md §7): `POST …/v1internal:retrieveUserQuotaSummary` with
//! `{"project": project_id}`, trying the next base URL on 403/404; the tier
//! (the plan used for weights) from `…/v1internal:loadCodeAssist`, optional.
//!
//! Buckets are sorted by their window: the most used `5h` bucket is the 5h
//! window, the most used weekly bucket the week window; every other bucket is
//! a lane named `group · bucket`.

use serde_json::{json, Map, Value};

use super::codex::MESSAGE_CHARS;
use super::rate_limits::{epoch_value, field, number, plan_string, snippet};
use super::{json_object, non_success, UsageError};
use crate::api::auth_files::AuthFileEntry;
use crate::api::client::{Client, UsageFailure};
use crate::model::{Epoch, Lane, QuotaWindow, Usage};

/// The base URLs tried in order.
pub const BASE_URLS: [&str; 3] = crate::provider::urls::ANTIGRAVITY;
const QUOTA_PATH: &str = "/v1internal:retrieveUserQuotaSummary";
const TIER_PATH: &str = "/v1internal:loadCodeAssist";
const USER_AGENT: &str = "antigravity/cli/1.0.13 (aidev_client; os_type=darwin; arch=arm64)";
const FIVE_HOURS: i64 = 18_000;
const WEEK: i64 = 604_800;

fn post(entry: &AuthFileEntry, url: String, data: Value) -> Value {
    json!({
        "auth_index": entry.auth_index,
        "method": "POST",
        "url": url,
        "header": {
            "Authorization": "Bearer $TOKEN$",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        },
        "data": data.to_string(),
    })
}

/// The quota call against one base URL.
pub fn quota_request(entry: &AuthFileEntry, base: &str, project: &str) -> Value {
    let url = format!("{}{QUOTA_PATH}", base.trim_end_matches('/'));
    post(entry, url, json!({ "project": project }))
}

/// The tier call against one base URL.
pub fn tier_request(entry: &AuthFileEntry, base: &str) -> Value {
    let url = format!("{}{TIER_PATH}", base.trim_end_matches('/'));
    post(entry, url, json!({"metadata": {"ideType": "ANTIGRAVITY"}}))
}

/// Read the quota (with host fallbacks) and, when that worked, the tier.
pub async fn read(
    client: &Client,
    entry: &AuthFileEntry,
    bases: &[String],
    now: Epoch,
) -> Result<Usage, UsageFailure> {
    let Some(project) = entry.project_id.as_deref() else {
        return Err(UsageFailure::Account(
            "no project_id in the auth file: Antigravity quota needs it (re-login in CLIProxyAPI)"
                .to_string(),
        ));
    };
    let mut last = None;
    for base in bases {
        let (status, body) = client
            .api_call(&quota_request(entry, base, project))
            .await?;
        if matches!(status, 403 | 404) {
            last = Some(non_success(status, &body));
            continue;
        }
        let mut usage = interpret_quota(status, &body, now)
            .map_err(|e| UsageFailure::Account(e.to_string()))?;
        if let Some(plan) = client.known_plan(entry) {
            usage.plan_type = plan;
        } else if let Some((status, body)) =
            super::side_call(client, &tier_request(entry, base)).await?
        {
            usage.plan_type = interpret_tier(status, &body);
            usage.plan_checked = (200..300).contains(&status);
        }
        return Ok(usage);
    }
    Err(UsageFailure::Account(last.map_or_else(
        || "no Antigravity URL configured".to_string(),
        |e| e.to_string(),
    )))
}

/// The quota answer: `groups[]{displayName, buckets[]{…}}`.
pub fn interpret_quota(status: u16, body: &str, now: Epoch) -> Result<Usage, UsageError> {
    if !(200..300).contains(&status) {
        return Err(non_success(status, body));
    }
    let root = json_object(body)?;
    let mut buckets: Vec<(Option<i64>, String, QuotaWindow, Option<String>)> = Vec::new();
    for group in field(&root, "groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        let group_name = text(group, "display_name");
        for bucket in field(group, "buckets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
        {
            let Some(remaining) = field(bucket, "remaining_fraction").and_then(number) else {
                continue;
            };
            let raw_window = text(bucket, "window");
            let seconds = window_seconds(&raw_window);
            let bucket_name = Some(text(bucket, "display_name"))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| text(bucket, "bucket_id"));
            let name = match (group_name.is_empty(), bucket_name.is_empty()) {
                (false, false) => format!("{group_name} · {bucket_name}"),
                (false, true) => group_name.clone(),
                _ => bucket_name,
            };
            let window = QuotaWindow {
                // Rounded to a millionth of a percent: 0.55 is 45% used, not 44.999…
                used_percent: (((1.0 - remaining) * 1e8).round() / 1e6).clamp(0.0, 100.0),
                window_seconds: seconds,
                reset_at: field(bucket, "reset_time").and_then(epoch_value),
            };
            let label = match seconds {
                Some(FIVE_HOURS) => Some("5h".to_string()),
                Some(WEEK) => Some("week".to_string()),
                _ => Some(raw_window).filter(|w| !w.is_empty()),
            };
            buckets.push((seconds, name, window, label));
        }
    }
    let _ = now;
    let pick = |seconds: i64, buckets: &[(Option<i64>, String, QuotaWindow, Option<String>)]| {
        buckets
            .iter()
            .enumerate()
            .filter(|(_, b)| b.0 == Some(seconds))
            .max_by(|(_, a), (_, b)| a.2.used_percent.total_cmp(&b.2.used_percent))
            .map(|(i, _)| i)
    };
    let five = pick(FIVE_HOURS, &buckets);
    let week = pick(WEEK, &buckets);
    let mut usage = Usage {
        five_hour: five.map(|i| buckets[i].2.clone()),
        weekly: week.map(|i| buckets[i].2.clone()),
        ..Usage::default()
    };
    usage.lanes = buckets
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != five && Some(*i) != week)
        .map(|(_, (_, name, window, label))| Lane {
            name: name.clone(),
            window: label.clone(),
            remaining: Some(window.remaining_percent()),
            reset_at: window.reset_at,
        })
        .collect();
    if usage.five_hour.is_none() && usage.weekly.is_none() {
        return Err(UsageError::NoWindows);
    }
    Ok(usage)
}

/// `paidTier.id`, else `currentTier.id` (e.g. `g1-pro-tier`).
pub fn interpret_tier(status: u16, body: &str) -> Option<String> {
    if !(200..300).contains(&status) {
        return None;
    }
    let root = json_object(body).ok()?;
    ["paid_tier", "current_tier"].iter().find_map(|key| {
        field(&root, key)
            .and_then(Value::as_object)
            .and_then(|tier| field(tier, "id"))
            .and_then(plan_string)
    })
}

fn text(obj: &Map<String, Value>, key: &str) -> String {
    field(obj, key)
        .and_then(Value::as_str)
        .map(|s| snippet(s, MESSAGE_CHARS))
        .unwrap_or_default()
}

fn window_seconds(window: &str) -> Option<i64> {
    match window.trim().to_ascii_lowercase().as_str() {
        "5h" | "five-hour" | "five_hour" => Some(FIVE_HOURS),
        "weekly" | "week" | "7d" => Some(WEEK),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Epoch = 1_785_900_000;

    #[test]
    fn buckets_by_window() {
        let body = json!({"groups": [
            {"displayName": "Gemini", "buckets": [
                {"bucketId": "g5", "displayName": "5h", "window": "5h", "resetTime": "2026-08-05T05:00:00Z", "remainingFraction": 0.75},
                {"bucketId": "gw", "displayName": "Weekly", "window": "weekly", "remainingFraction": "0.5"}]},
            {"displayName": "Claude", "buckets": [
                {"bucketId": "c5", "window": "five-hour", "remainingFraction": 0.25},
                {"bucketId": "cd", "displayName": "Daily", "window": "daily", "remainingFraction": 1}]}
        ]});
        let usage = interpret_quota(200, &body.to_string(), NOW).unwrap();
        // The most used 5h bucket (Claude, 25% left) is the 5h window.
        assert_eq!(usage.five_hour.as_ref().unwrap().used_percent, 75.0);
        assert_eq!(usage.weekly.as_ref().unwrap().used_percent, 50.0);
        let lanes: Vec<(&str, Option<&str>, Option<f64>)> = usage
            .lanes
            .iter()
            .map(|l| (l.name.as_str(), l.window.as_deref(), l.remaining))
            .collect();
        assert_eq!(
            lanes,
            [
                ("Gemini · 5h", Some("5h"), Some(75.0)),
                ("Claude · Daily", Some("daily"), Some(100.0))
            ]
        );
        assert_eq!(usage.lanes[0].reset_at, Some(1_785_906_000));
    }

    #[test]
    fn empty_groups_and_garbage_are_errors() {
        assert_eq!(
            interpret_quota(200, r#"{"groups":[]}"#, NOW).unwrap_err(),
            UsageError::NoWindows
        );
        assert!(matches!(
            interpret_quota(200, "not json", NOW).unwrap_err(),
            UsageError::NotJson(_)
        ));
        assert_eq!(
            interpret_quota(500, r#"{"error":{"message":"backend"}}"#, NOW)
                .unwrap_err()
                .to_string(),
            "upstream HTTP 500: backend"
        );
    }

    #[test]
    fn tier() {
        assert_eq!(
            interpret_tier(
                200,
                r#"{"currentTier":{"id":"free-tier"},"paidTier":{"id":"g1-ultra-tier"}}"#
            )
            .as_deref(),
            Some("g1-ultra-tier")
        );
        assert_eq!(
            interpret_tier(200, r#"{"currentTier":{"id":"g1-pro-tier"}}"#).as_deref(),
            Some("g1-pro-tier")
        );
        assert_eq!(interpret_tier(403, "{}"), None);
    }

    #[test]
    fn requests_carry_project_and_fall_back_hosts_in_order() {
        let entry = AuthFileEntry {
            auth_index: "ix".into(),
            ..Default::default()
        };
        let req = quota_request(&entry, "http://127.0.0.1:9/", "proj-1");
        assert_eq!(req["method"], "POST");
        assert_eq!(
            req["url"],
            "http://127.0.0.1:9/v1internal:retrieveUserQuotaSummary"
        );
        assert_eq!(req["data"], r#"{"project":"proj-1"}"#);
        assert!(BASE_URLS[0].contains("daily-cloudcode-pa.googleapis"));
        assert!(BASE_URLS[2].contains("//cloudcode-pa.googleapis"));
    }
}
