//! Quota plugins of v8 servers (issue 18 item 5): one generic reader, so a
//! provider with a plugin appears without new code.
//!
//! Upstream (router-for-me/CLIProxyAPI, `internal/api/server_management_v8.go`,
//! `internal/api/handlers/management/*quota*.go`): a credential whose provider
//! has a quota plugin is listed with `supports_quota: true` and
//! `quota_provider: "<plugin id>"`; `GET {/v8|/v0}/management/plugins/:id/quota
//! ?auth_index=…` answers the plugin's normalized snapshot
//!
//! ```text
//! {"subscription": {"plan", "tierName"}, "summary": [{"key", "label", "value", "unit"}],
//!  "groups": [{"displayName", "buckets": [{"window", "remainingFraction", "resetTime", "description"}]}]}
//! ```
//!
//! (the Management Center renders the same shape, `src/utils/quota/pluginQuota.ts`).
//! Each bucket becomes a [`Lane`] (`remainingFraction` 0..1 → percent left,
//! `resetTime` RFC 3339 → reset), `subscription.plan` the plan, and a summary
//! with `remain` and `total` one more lane. Lanes never enter the pool's 5h/week
//! sums. Every value is untrusted: a fraction outside 0..1 or not a number, a
//! reset that is no time, no bucket at all — the whole answer is refused with a
//! sentence naming what was wrong (the account keeps its last values), never a
//! guessed number.

use serde_json::{Map, Value};

use super::super::auth_files::{time_value, AuthFileEntry};
use super::super::client::{Client, UsageFailure};
use crate::model::{Epoch, Lane, Usage};

/// At most this many lanes are kept from one answer.
const MAX_LANES: usize = 24;
/// Characters kept of a lane or plan name.
const NAME_CHARS: usize = 40;

/// Read the account's quota from its plugin (one management request).
pub async fn read(
    client: &Client,
    entry: &AuthFileEntry,
    plugin: &str,
    now: Epoch,
) -> Result<Usage, UsageFailure> {
    let body = client.plugin_quota(plugin, &entry.auth_index).await?;
    interpret(&body, now).map_err(|why| {
        UsageFailure::Account(crate::tr!(
            "plugin_quota.bad_answer",
            plugin = plugin,
            why = why
        ))
    })
}

/// The plugin's answer as usage: lanes and plan, or why it is not usable.
pub fn interpret(body: &str, now: Epoch) -> Result<Usage, String> {
    let root = match serde_json::from_str::<Value>(body.trim()) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(crate::tr!("plugin_quota.not_object")),
        Err(_) => return Err(super::super::auth_files::describe_non_json(body)),
    };
    let mut lanes = Vec::new();
    let groups = match root.get("groups") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(groups)) => groups.as_slice(),
        Some(_) => return Err(crate::tr!("plugin_quota.groups_not_list")),
    };
    for group in groups {
        let Some(group) = group.as_object() else {
            return Err(crate::tr!("plugin_quota.groups_not_list"));
        };
        let name = text(group, &["displayName", "display_name"]);
        let buckets = match group.get("buckets") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(buckets)) => buckets.as_slice(),
            Some(_) => return Err(crate::tr!("plugin_quota.groups_not_list")),
        };
        for bucket in buckets {
            let Some(bucket) = bucket.as_object() else {
                return Err(crate::tr!("plugin_quota.groups_not_list"));
            };
            if let Some(lane) = bucket_lane(name.as_deref(), bucket, buckets.len(), now)? {
                lanes.push(lane);
            }
        }
    }
    if let Some(lane) = summary_lane(&root)? {
        lanes.push(lane);
    }
    lanes.truncate(MAX_LANES);
    let plan = root
        .get("subscription")
        .and_then(Value::as_object)
        .and_then(|s| text(s, &["plan"]).or_else(|| text(s, &["tierName", "tier_name"])));
    if lanes.is_empty() && plan.is_none() {
        return Err(crate::tr!("plugin_quota.empty"));
    }
    Ok(Usage {
        // Lower-cased like every provider's `plan_type`.
        plan_type: plan.map(|p| p.to_lowercase()),
        lanes,
        ..Usage::default()
    })
}

/// One bucket as a lane; None for a bucket that says nothing (no fraction).
fn bucket_lane(
    group: Option<&str>,
    bucket: &Map<String, Value>,
    siblings: usize,
    now: Epoch,
) -> Result<Option<Lane>, String> {
    let raw = bucket
        .get("remainingFraction")
        .or_else(|| bucket.get("remaining_fraction"));
    let fraction = match raw {
        None | Some(Value::Null) => return Ok(None),
        Some(value) => fraction(value)
            .ok_or_else(|| crate::tr!("plugin_quota.bad_fraction", value = shown(value)))?,
    };
    let reset_at = match bucket.get("resetTime").or_else(|| bucket.get("reset_time")) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(value) => {
            let at = time_value(value)
                .ok_or_else(|| crate::tr!("plugin_quota.bad_reset", value = shown(value)))?;
            // A reset that passed says nothing about the coming one.
            Some(at).filter(|at| *at > now)
        }
    };
    let window = text(bucket, &["window"]);
    let description = text(bucket, &["description"]);
    let mut name = group
        .map(str::to_string)
        .or_else(|| description.clone())
        .unwrap_or_else(|| crate::tr!("plugin_quota.lane"));
    if siblings > 1 && window.is_none() {
        if let Some(description) = description.filter(|d| Some(d.as_str()) != group) {
            name = clip(&format!("{name} · {description}"));
        }
    }
    Ok(Some(Lane {
        name,
        window,
        remaining: Some((fraction * 100.0 * 100.0).round() / 100.0),
        reset_at,
    }))
}

/// `summary` with `remain` and `total` (the Management Center's total row).
fn summary_lane(root: &Map<String, Value>) -> Result<Option<Lane>, String> {
    let Some(Value::Array(metrics)) = root.get("summary") else {
        return Ok(None);
    };
    let metric = |key: &str| {
        metrics
            .iter()
            .filter_map(Value::as_object)
            .find(|m| m.get("key").and_then(Value::as_str) == Some(key))
            .and_then(|m| m.get("value"))
    };
    let (Some(remain), Some(total)) = (metric("remain"), metric("total")) else {
        return Ok(None);
    };
    let (Some(r), Some(t)) = (finite(remain), finite(total)) else {
        return Err(crate::tr!("plugin_quota.bad_summary"));
    };
    if t <= 0.0 || r < 0.0 || r > t {
        return Err(crate::tr!("plugin_quota.bad_summary"));
    }
    Ok(Some(Lane {
        name: crate::tr!("plugin_quota.total"),
        window: None,
        remaining: Some((r / t * 100.0 * 100.0).round() / 100.0),
        reset_at: None,
    }))
}

/// A fraction 0..=1 (a number or a numeric string); anything else is refused.
fn fraction(value: &Value) -> Option<f64> {
    finite(value).filter(|f| (0.0..=1.0).contains(f))
}

fn finite(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

/// A trimmed, printable, clipped text field (the first key present).
fn text(map: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| map.get(*k).and_then(Value::as_str))
        .map(|s| clip(s.trim()))
        .filter(|s| !s.is_empty())
}

fn clip(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(NAME_CHARS)
        .collect()
}

/// A value as shown in a note: short, printable.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    clip(&text).chars().take(24).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Epoch = 1_800_000_000;

    #[test]
    fn groups_and_buckets_become_lanes_and_the_plan() {
        let body = serde_json::json!({
            "subscription": {"plan": "Pro", "tierName": "tier-2"},
            "summary": [{"key": "remain", "label": "Left", "value": 30}, {"key": "total", "label": "All", "value": 120}],
            "groups": [
                {"displayName": "Daily", "buckets": [{"remainingFraction": 0.25, "resetTime": "2027-01-16T08:00:00Z"}]},
                {"displayName": "Models", "buckets": [
                    {"remainingFraction": "1", "description": "fast"},
                    {"remainingFraction": 0, "description": "slow"}
                ]}
            ]
        })
        .to_string();
        let usage = interpret(&body, NOW).unwrap();
        assert_eq!(usage.plan_type.as_deref(), Some("pro"));
        assert!(usage.five_hour.is_none() && usage.weekly.is_none());
        let lanes: Vec<(&str, Option<f64>, Option<Epoch>)> = usage
            .lanes
            .iter()
            .map(|l| (l.name.as_str(), l.remaining, l.reset_at))
            .collect();
        assert_eq!(
            lanes,
            [
                (
                    "Daily",
                    Some(25.0),
                    time_value(&Value::from("2027-01-16T08:00:00Z"))
                ),
                ("Models · fast", Some(100.0), None),
                ("Models · slow", Some(0.0), None),
                ("Total", Some(25.0), None),
            ]
        );
    }

    #[test]
    fn hostile_values_refuse_the_answer_with_a_reason() {
        for (bucket, says) in [
            (serde_json::json!({"remainingFraction": 1.7}), "1.7"),
            (serde_json::json!({"remainingFraction": -0.1}), "-0.1"),
            (serde_json::json!({"remainingFraction": "lots"}), "lots"),
            (serde_json::json!({"remainingFraction": true}), "true"),
            (
                serde_json::json!({"remainingFraction": 0.5, "resetTime": "soon"}),
                "soon",
            ),
        ] {
            let body = serde_json::json!({"groups": [{"displayName": "x", "buckets": [bucket]}]});
            let why = interpret(&body.to_string(), NOW).unwrap_err();
            assert!(why.contains(says), "{why}");
        }
        for body in [
            "<html>login</html>",
            "[]",
            "{}",
            r#"{"groups": "x"}"#,
            r#"{"groups": [{"buckets": [{}]}]}"#,
            r#"{"summary": [{"key": "remain", "value": 5}, {"key": "total", "value": 0}]}"#,
        ] {
            assert!(interpret(body, NOW).is_err(), "{body}");
        }
        // A reset that passed is no reset; milliseconds are read as such.
        let body = serde_json::json!({"groups": [{"displayName": "d", "buckets": [
            {"remainingFraction": 0.5, "resetTime": NOW - 10},
            {"remainingFraction": 0.5, "resetTime": (NOW + 60) * 1000}
        ]}]});
        let usage = interpret(&body.to_string(), NOW).unwrap();
        assert_eq!(usage.lanes[0].reset_at, None);
        assert_eq!(usage.lanes[1].reset_at, Some(NOW + 60));
    }

    #[test]
    fn long_names_and_many_buckets_are_bounded() {
        let buckets: Vec<Value> = (0..100)
            .map(|_| serde_json::json!({"remainingFraction": 0.5}))
            .collect();
        let body = serde_json::json!({"groups": [{"displayName": "n\u{7}".repeat(80), "buckets": buckets}]});
        let usage = interpret(&body.to_string(), NOW).unwrap();
        assert_eq!(usage.lanes.len(), MAX_LANES);
        assert!(usage.lanes[0].name.chars().count() <= NAME_CHARS);
        assert!(!usage.lanes[0].name.contains('\u{7}'));
    }
}
