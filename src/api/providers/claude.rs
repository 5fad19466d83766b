//! Claude (SPEC.md §7): `GET api/oauth/usage` for the windows and, optionally,
//! `GET api/oauth/profile` for the plan. Both through api-call with `$TOKEN$`.
//!
//! `five_hour` and `seven_day` are the 5h and week windows; `seven_day_opus`,
//! `seven_day_sonnet` and `seven_day_oauth_apps` are weekly lanes;
//! `extra_usage` (paid overage, when enabled) is a monthly lane.

use serde_json::{json, Map, Value};

use super::rate_limits::{boolean, epoch_value, field, number, plan_string};
use super::{json_object, non_success, UsageError};
use crate::api::auth_files::AuthFileEntry;
use crate::model::{Epoch, Lane, QuotaWindow, Usage};

pub const USAGE_URL: &str = crate::provider::urls::CLAUDE_USAGE;
pub const PROFILE_URL: &str = crate::provider::urls::CLAUDE_PROFILE;
const FIVE_HOURS: i64 = 18_000;
const WEEK: i64 = 604_800;

/// Weekly scoped windows shown as lanes, with their display names.
const LANES: [(&str, &str); 3] = [
    ("seven_day_opus", "Opus"),
    ("seven_day_sonnet", "Sonnet"),
    ("seven_day_oauth_apps", "OAuth apps"),
];

fn request(entry: &AuthFileEntry, url: &str) -> Value {
    json!({
        "auth_index": entry.auth_index,
        "method": "GET",
        "url": url,
        "header": {
            "Authorization": "Bearer $TOKEN$",
            "Content-Type": "application/json",
            "anthropic-beta": "oauth-2025-04-20",
        },
    })
}

/// The api-call body of the usage call.
pub fn usage_request(entry: &AuthFileEntry, url: &str) -> Value {
    request(entry, url)
}

/// The api-call body of the (optional) profile call.
pub fn profile_request(entry: &AuthFileEntry, url: &str) -> Value {
    request(entry, url)
}

/// The usage answer: 2xx is parsed; anything else is an error for this account.
pub fn interpret_usage(status: u16, body: &str, _now: Epoch) -> Result<Usage, UsageError> {
    if !(200..300).contains(&status) {
        return Err(non_success(status, body));
    }
    let root = json_object(body)?;
    let window = |key: &str, seconds: i64| {
        field(&root, key)
            .and_then(Value::as_object)
            .and_then(|w| claude_window(w, seconds))
    };
    let mut usage = Usage {
        five_hour: window("five_hour", FIVE_HOURS),
        weekly: window("seven_day", WEEK),
        ..Usage::default()
    };
    // The newer shape: `limits[]` replaces `five_hour`/`seven_day` when present.
    let limits = newer_limits(&root);
    let scoped = !limits.scoped.is_empty();
    if limits.any {
        usage.five_hour = limits.session;
        usage.weekly = limits.weekly_all;
        usage.lanes.extend(limits.scoped);
    }
    for (key, name) in LANES.iter().filter(|_| !scoped) {
        if let Some(w) = window(key, WEEK) {
            usage.lanes.push(Lane {
                name: name.to_string(),
                window: Some("week".to_string()),
                remaining: Some(w.remaining_percent()),
                reset_at: w.reset_at,
            });
        }
    }
    if let Some(lane) = field(&root, "extra_usage")
        .and_then(Value::as_object)
        .and_then(extra_usage_lane)
    {
        usage.lanes.push(lane);
    }
    if usage.five_hour.is_none() && usage.weekly.is_none() {
        return Err(UsageError::NoWindows);
    }
    Ok(usage)
}

/// What the newer `limits[]` shape says.
#[derive(Default)]
struct Limits {
    /// True when at least one limit of a known kind was there.
    any: bool,
    session: Option<QuotaWindow>,
    weekly_all: Option<QuotaWindow>,
    /// `weekly_scoped` limits as weekly lanes named by `scope.model.display_name`.
    scoped: Vec<Lane>,
}

/// `limits: [{kind: session|weekly_all|weekly_scoped, percent: USED, resets_at: ISO,
/// scope: {model: {display_name}}}]`; other kinds and limits without a percent are skipped.
fn newer_limits(root: &Map<String, Value>) -> Limits {
    let mut limits = Limits::default();
    let Some(items) = field(root, "limits").and_then(Value::as_array) else {
        return limits;
    };
    for item in items.iter().filter_map(Value::as_object).take(64) {
        let kind = field(item, "kind").and_then(Value::as_str).unwrap_or("");
        let Some(used) = field(item, "percent").and_then(number) else {
            continue;
        };
        let reset_at = field(item, "resets_at").and_then(epoch_value);
        let window = |seconds: i64| QuotaWindow {
            used_percent: used.clamp(0.0, 100.0),
            window_seconds: Some(seconds),
            reset_at,
        };
        match kind {
            "session" => limits.session = Some(window(FIVE_HOURS)),
            "weekly_all" => limits.weekly_all = Some(window(WEEK)),
            "weekly_scoped" => {
                let name = field(item, "scope")
                    .and_then(|s| s.get("model"))
                    .and_then(|m| m.get("display_name"))
                    .and_then(Value::as_str)
                    .map(|n| n.chars().take(40).collect::<String>())
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| "Scoped".to_string());
                let w = window(WEEK);
                limits.scoped.push(Lane {
                    name,
                    window: Some("week".to_string()),
                    remaining: Some(w.remaining_percent()),
                    reset_at,
                });
            }
            _ => continue,
        }
        limits.any = true;
    }
    limits
}

/// `{utilization: percent USED, resets_at: ISO 8601}`.
fn claude_window(window: &Map<String, Value>, seconds: i64) -> Option<QuotaWindow> {
    let used = field(window, "utilization").and_then(number)?;
    Some(QuotaWindow {
        used_percent: used.clamp(0.0, 100.0),
        window_seconds: Some(seconds),
        reset_at: field(window, "resets_at").and_then(epoch_value),
    })
}

/// Enabled extra usage as a monthly lane (remaining = 100 - utilization).
fn extra_usage_lane(extra: &Map<String, Value>) -> Option<Lane> {
    if field(extra, "is_enabled").and_then(boolean) != Some(true) {
        return None;
    }
    let used = field(extra, "utilization").and_then(number).or_else(|| {
        let limit = field(extra, "monthly_limit").and_then(number)?;
        let spent = field(extra, "used_credits").and_then(number)?;
        (limit > 0.0).then(|| spent / limit * 100.0)
    });
    Some(Lane {
        name: "Extra usage".to_string(),
        window: Some("month".to_string()),
        remaining: used.map(|u| (100.0 - u).clamp(0.0, 100.0)),
        reset_at: None,
    })
}

/// The plan from a 2xx profile answer: `team` (active Team organisation),
/// `max20x`/`max5x` (Max, told apart by `organization.rate_limit_tier`),
/// `max` (Max, tier not sent), `pro`, `free`; None when the answer says nothing.
pub fn interpret_profile(status: u16, body: &str) -> Option<String> {
    if !(200..300).contains(&status) {
        return None;
    }
    let root = json_object(body).ok()?;
    let org = field(&root, "organization").and_then(Value::as_object);
    let account = field(&root, "account").and_then(Value::as_object);
    let org_text = |key: &str| {
        org.and_then(|o| field(o, key))
            .and_then(plan_string)
            .unwrap_or_default()
    };
    let flag = |key: &str| account.and_then(|a| field(a, key)).and_then(boolean);
    let subscription = org_text("subscription_status");
    if org_text("organization_type") == "claude_team"
        && (subscription.is_empty() || subscription == "active")
    {
        return Some("team".to_string());
    }
    if flag("has_claude_max") == Some(true) {
        let tier = org_text("rate_limit_tier");
        let plan = if tier.contains("20x") {
            "max20x"
        } else if tier.contains("5x") {
            "max5x"
        } else {
            "max"
        };
        return Some(plan.to_string());
    }
    if flag("has_claude_pro") == Some(true) {
        return Some("pro".to_string());
    }
    (flag("has_claude_max") == Some(false) && flag("has_claude_pro") == Some(false))
        .then(|| "free".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Epoch = 1_785_900_000;

    #[test]
    fn windows_and_lanes() {
        let body = json!({
            "five_hour": {"utilization": 42.5, "resets_at": "2026-08-05T05:00:00+00:00"},
            "seven_day": {"utilization": "19", "resets_at": "2026-08-10T00:00:00Z"},
            "seven_day_opus": {"utilization": 80, "resets_at": null},
            "seven_day_sonnet": null,
            "seven_day_oauth_apps": {"utilization": 0},
            "extra_usage": {"is_enabled": true, "monthly_limit": 5000, "used_credits": 1250, "utilization": null}
        });
        let usage = interpret_usage(200, &body.to_string(), NOW).unwrap();
        let five = usage.five_hour.unwrap();
        assert_eq!(five.used_percent, 42.5);
        assert_eq!(five.window_seconds, Some(18_000));
        assert_eq!(five.reset_at, Some(1_785_906_000));
        assert_eq!(usage.weekly.unwrap().used_percent, 19.0);
        let lanes: Vec<(&str, &str, Option<f64>)> = usage
            .lanes
            .iter()
            .map(|l| (l.name.as_str(), l.window.as_deref().unwrap(), l.remaining))
            .collect();
        assert_eq!(
            lanes,
            [
                ("Opus", "week", Some(20.0)),
                ("OAuth apps", "week", Some(100.0)),
                ("Extra usage", "month", Some(75.0))
            ]
        );
        assert_eq!(usage.plan_type, None);
    }

    #[test]
    fn errors_are_per_account() {
        let err = interpret_usage(
            401,
            r#"{"error":{"type":"authentication_error","message":"OAuth token has expired"}}"#,
            NOW,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "upstream HTTP 401: OAuth token has expired"
        );
        assert_eq!(
            interpret_usage(403, "<html><title>Just a moment</title></html>", NOW)
                .unwrap_err()
                .to_string(),
            "upstream HTTP 403: HTML page (challenge?)"
        );
        assert_eq!(
            interpret_usage(200, r#"{"five_hour":null,"seven_day":null}"#, NOW).unwrap_err(),
            UsageError::NoWindows
        );
        assert!(matches!(
            interpret_usage(200, "garbage{", NOW).unwrap_err(),
            UsageError::NotJson(_)
        ));
    }

    #[test]
    fn plan_from_profile() {
        let max = |tier: &str| {
            json!({"account": {"has_claude_max": true, "has_claude_pro": false},
                   "organization": {"organization_type": "claude_max", "rate_limit_tier": tier}})
            .to_string()
        };
        assert_eq!(
            interpret_profile(200, &max("default_claude_max_20x")).as_deref(),
            Some("max20x")
        );
        assert_eq!(
            interpret_profile(200, &max("default_claude_max_5x")).as_deref(),
            Some("max5x")
        );
        assert_eq!(interpret_profile(200, &max("")).as_deref(), Some("max"));
        let pro = r#"{"account":{"has_claude_max":false,"has_claude_pro":true}}"#;
        assert_eq!(interpret_profile(200, pro).as_deref(), Some("pro"));
        let free = r#"{"account":{"has_claude_max":false,"has_claude_pro":false}}"#;
        assert_eq!(interpret_profile(200, free).as_deref(), Some("free"));
        let team = r#"{"account":{"has_claude_max":true},"organization":{"organization_type":"claude_team","subscription_status":"active"}}"#;
        assert_eq!(interpret_profile(200, team).as_deref(), Some("team"));
        assert_eq!(interpret_profile(403, pro), None);
        assert_eq!(interpret_profile(200, "nope"), None);
        assert_eq!(interpret_profile(200, "{}"), None);
    }

    #[test]
    fn the_newer_limits_shape_replaces_the_old_windows() {
        let body = json!({
            "five_hour": {"utilization": 1, "resets_at": null},
            "seven_day": {"utilization": 2, "resets_at": null},
            "seven_day_opus": {"utilization": 80, "resets_at": null},
            "limits": [
                {"kind": "session", "group": "session", "percent": 42.5,
                 "resets_at": "2026-08-05T05:00:00+00:00", "scope": null, "is_active": true},
                {"kind": "weekly_all", "percent": 71, "resets_at": "2026-08-10T00:00:00Z"},
                {"kind": "weekly_scoped", "percent": 33, "resets_at": "2026-08-10T00:00:00Z",
                 "scope": {"model": {"id": null, "display_name": "Opus"}}},
                {"kind": "weekly_scoped", "percent": null, "scope": {"model": {"display_name": "Fable"}}},
                {"kind": "inactive_pool", "percent": 100}
            ]
        });
        let usage = interpret_usage(200, &body.to_string(), NOW).unwrap();
        let five = usage.five_hour.unwrap();
        assert_eq!(
            (five.used_percent, five.reset_at),
            (42.5, Some(1_785_906_000))
        );
        assert_eq!(usage.weekly.unwrap().used_percent, 71.0);
        let lanes: Vec<(&str, f64)> = usage
            .lanes
            .iter()
            .map(|l| (l.name.as_str(), l.remaining.unwrap()))
            .collect();
        assert_eq!(
            lanes,
            [("Opus", 67.0)],
            "the scoped limit, once; no null lane"
        );
        // Only `limits`: still 5h and week.
        let only = json!({"limits": [{"kind": "weekly_all", "percent": 5}]});
        let usage = interpret_usage(200, &only.to_string(), NOW).unwrap();
        assert_eq!(usage.weekly.unwrap().used_percent, 5.0);
        assert_eq!(usage.five_hour, None);
        // An empty or unknown `limits` keeps the old shape working.
        let old = json!({"five_hour": {"utilization": 9}, "limits": []});
        assert_eq!(
            interpret_usage(200, &old.to_string(), NOW)
                .unwrap()
                .five_hour
                .unwrap()
                .used_percent,
            9.0
        );
    }
}
