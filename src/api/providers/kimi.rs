//! Kimi (SPEC.md §7): `GET api.kimi.com/coding/v1/usages`. The `usage`
//! summary is the weekly window; `limits[]` are windowed limits (the first
//! window shorter than a day is the 5h window, the others are lanes). The
//! answer is loose: numbers may be strings, `used = limit - remaining` when
//! missing, and a limit window without a time unit counts in minutes.

use serde_json::{json, Map, Value};

use super::codex::MESSAGE_CHARS;
use super::rate_limits::{epoch_value, field, number, reset_time, snippet, DAY_SECONDS};
use super::{json_object, non_success, UsageError};
use crate::api::auth_files::AuthFileEntry;
use crate::model::{Epoch, Lane, QuotaWindow, Usage};

pub const USAGE_URL: &str = crate::provider::urls::KIMI_USAGE;
const WEEK: i64 = 604_800;

/// The api-call body of the usage call.
pub fn usage_request(entry: &AuthFileEntry, url: &str) -> Value {
    json!({
        "auth_index": entry.auth_index,
        "method": "GET",
        "url": url,
        "header": {"Authorization": "Bearer $TOKEN$"},
    })
}

/// The usage answer: 2xx is parsed; anything else is an error for this account.
pub fn interpret_usage(status: u16, body: &str, now: Epoch) -> Result<Usage, UsageError> {
    if !(200..300).contains(&status) {
        return Err(non_success(status, body));
    }
    let root = json_object(body)?;
    let mut usage = Usage {
        weekly: field(&root, "usage")
            .and_then(Value::as_object)
            .and_then(|u| amount_window(u, Some(WEEK), now)),
        ..Usage::default()
    };
    let limits = field(&root, "limits").and_then(Value::as_array);
    for (index, limit) in limits.into_iter().flatten().enumerate() {
        let Some(limit) = limit.as_object() else {
            continue;
        };
        let seconds = field(limit, "window")
            .and_then(Value::as_object)
            .and_then(window_seconds);
        let detail = field(limit, "detail")
            .and_then(Value::as_object)
            .unwrap_or(limit);
        let Some(window) = amount_window(detail, seconds, now) else {
            continue;
        };
        if usage.five_hour.is_none() && seconds.is_some_and(|s| s < DAY_SECONDS) {
            usage.five_hour = Some(window);
            continue;
        }
        let name = ["name", "title"]
            .iter()
            .find_map(|k| field(limit, k).and_then(Value::as_str))
            .map(|n| snippet(n, MESSAGE_CHARS))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("limit {}", index + 1));
        usage.lanes.push(Lane {
            name,
            window: seconds.map(window_name),
            remaining: Some(window.remaining_percent()),
            reset_at: window.reset_at,
        });
    }
    if usage.five_hour.is_none() && usage.weekly.is_none() {
        return Err(UsageError::NoWindows);
    }
    Ok(usage)
}

/// `{used, limit, remaining, resetAt…}` as a window; None without a limit.
fn amount_window(
    obj: &Map<String, Value>,
    seconds: Option<i64>,
    now: Epoch,
) -> Option<QuotaWindow> {
    let limit = field(obj, "limit").and_then(number).filter(|l| *l > 0.0)?;
    let used = field(obj, "used")
        .and_then(number)
        .or_else(|| field(obj, "remaining").and_then(number).map(|r| limit - r))?;
    let reset_at = reset_time(obj, now).or_else(|| {
        ["reset_time", "resetTime"]
            .iter()
            .find_map(|k| obj.get(*k))
            .and_then(epoch_value)
    });
    Some(QuotaWindow {
        used_percent: (used / limit * 100.0).clamp(0.0, 100.0),
        window_seconds: seconds,
        reset_at,
    })
}

/// `{duration, timeUnit}` in seconds; a missing unit means minutes.
fn window_seconds(window: &Map<String, Value>) -> Option<i64> {
    let duration = field(window, "duration").and_then(number)?;
    let unit = field(window, "time_unit")
        .and_then(Value::as_str)
        .unwrap_or("TIME_UNIT_MINUTE")
        .to_ascii_uppercase();
    let factor = if unit.contains("SECOND") {
        1.0
    } else if unit.contains("HOUR") {
        3600.0
    } else if unit.contains("DAY") {
        86_400.0
    } else if unit.contains("WEEK") {
        604_800.0
    } else {
        60.0
    };
    let seconds = (duration * factor) as i64;
    (seconds > 0).then_some(seconds)
}

/// `5h`, `week`, `month`, else `<n>h` / `<n>m`.
fn window_name(seconds: i64) -> String {
    match seconds {
        18_000 => "5h".to_string(),
        WEEK => "week".to_string(),
        s if (28 * DAY_SECONDS..=31 * DAY_SECONDS).contains(&s) => "month".to_string(),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s => format!("{}m", s / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Epoch = 1_785_900_000;

    #[test]
    fn weekly_summary_and_windowed_limits() {
        let body = json!({
            "usage": {"used": "30", "limit": 200, "resetAt": "2026-08-10T00:00:00Z"},
            "limits": [
                {"name": "5h", "window": {"duration": 300}, "detail": {"limit": 50, "remaining": 40, "reset_at": NOW + 600}},
                {"name": "Daily", "window": {"duration": 1, "timeUnit": "TIME_UNIT_DAY"}, "detail": {"used": 5, "limit": 20}},
                {"name": "broken", "detail": {"used": 1}}
            ]
        });
        let usage = interpret_usage(200, &body.to_string(), NOW).unwrap();
        let weekly = usage.weekly.unwrap();
        assert_eq!(weekly.used_percent, 15.0);
        assert_eq!(weekly.reset_at, Some(1_786_320_000));
        let five = usage.five_hour.unwrap();
        assert_eq!(five.used_percent, 20.0);
        assert_eq!(five.window_seconds, Some(18_000));
        assert_eq!(five.reset_at, Some(NOW + 600));
        assert_eq!(usage.lanes.len(), 1);
        assert_eq!(usage.lanes[0].name, "Daily");
        assert_eq!(usage.lanes[0].window.as_deref(), Some("24h"));
        assert_eq!(usage.lanes[0].remaining, Some(75.0));
    }

    #[test]
    fn errors() {
        assert_eq!(
            interpret_usage(200, r#"{"usage":{}}"#, NOW).unwrap_err(),
            UsageError::NoWindows
        );
        assert_eq!(
            interpret_usage(401, r#"{"error":"unauthorized"}"#, NOW)
                .unwrap_err()
                .to_string(),
            "upstream HTTP 401: unauthorized"
        );
        assert_eq!(
            interpret_usage(200, "", NOW).unwrap_err(),
            UsageError::Empty
        );
    }
}
