//! The `wham/usage` parser (SPEC.md §1): turns the upstream body carried in the
//! api-call envelope into a [`Usage`], or into a short, user-readable error.
//!
//! Parsing is deliberately lenient (numbers as strings, camelCase keys, windows
//! in either slot, limit-reached error bodies) and never panics on any input.

use std::fmt;

use serde_json::{Map, Value};

use super::rate_limits::{
    field, number, parse_block, plan_string, rate_limit_block, reset_time, snippet,
};
use crate::model::{Epoch, NamedLimit, QuotaWindow, Usage};

/// The `User-Agent` the Codex CLI sends; `wham/usage` expects a Codex client.
pub const CODEX_USER_AGENT: &str = "codex_cli_rs/0.76.0 (Debian 13.0.0; x86_64) WindowsTerminal";

/// The api-call request body for one account's `wham/usage` (SPEC.md §1).
pub fn usage_request(entry: &crate::api::auth_files::AuthFileEntry, usage_url: &str) -> Value {
    let mut header = serde_json::json!({
        "Authorization": "Bearer $TOKEN$",
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": CODEX_USER_AGENT,
    });
    if let Some(account_id) = &entry.chatgpt_account_id {
        header["Chatgpt-Account-Id"] = Value::String(account_id.clone());
    }
    serde_json::json!({
        "auth_index": entry.auth_index,
        "method": "GET",
        "url": usage_url,
        "header": header,
    })
}

/// A limit-reached error whose reset is at most this far away is taken as the 5h window.
const FIVE_HOURS_SECONDS: i64 = 18_000;
/// Characters of a body kept in an error message.
pub(super) const SNIPPET_CHARS: usize = 80;
/// Characters of an upstream error message kept in an error message.
pub(crate) const MESSAGE_CHARS: usize = 120;

/// Why an upstream answer could not be turned into usage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsageError {
    /// The body is empty (or whitespace only).
    Empty,
    /// The body is an HTML page (a challenge or login page), not the API answer.
    Html,
    /// The body is not JSON; carries a sanitised excerpt of its start.
    NotJson(String),
    /// JSON without any usable rate-limit window.
    NoWindows,
    /// A non-success upstream status without quota information; `message` is a
    /// sanitised short reason taken from the body (may be empty).
    Http { status: u16, message: String },
}

impl UsageError {
    /// The upstream HTTP status, for [`UsageError::Http`].
    pub fn status(&self) -> Option<u16> {
        match self {
            UsageError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::Empty => f.write_str("upstream answered an empty body"),
            UsageError::Html => f.write_str("upstream answered an HTML page (challenge?)"),
            UsageError::NotJson(snippet) => write!(f, "not JSON: {snippet}"),
            UsageError::NoWindows => f.write_str("no rate-limit windows in the usage answer"),
            UsageError::Http { status, message } if message.is_empty() => {
                write!(f, "upstream HTTP {status}")
            }
            UsageError::Http { status, message } => write!(f, "upstream HTTP {status}: {message}"),
        }
    }
}

impl std::error::Error for UsageError {}

/// True when a usage failure (as [`UsageError`]'s text) says the upstream
/// refused the account's token: HTTP 401, or 403 that is not an HTML
/// challenge page. Such an account is revoked or expired.
pub fn refused_token(message: &str) -> bool {
    let Some(rest) = message.strip_prefix("upstream HTTP ") else {
        return false;
    };
    let status = rest
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap_or("");
    match status {
        "401" => true,
        "403" => !rest.contains("HTML page"),
        _ => false,
    }
}

/// Parse the upstream body (the api-call envelope's `body` string) into [`Usage`].
///
/// `now` resolves `reset_after_seconds`. Accepts the usage JSON and, as quota
/// state, a `usage_limit_reached` error carrying reset information (the window
/// it resets is then at 100% used).
pub fn parse_usage(body: &str, now: Epoch) -> Result<Usage, UsageError> {
    let trimmed = body.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.is_empty() {
        return Err(UsageError::Empty);
    }
    if trimmed.starts_with('<') {
        return Err(UsageError::Html);
    }
    let value: Value = match serde_json::from_str(trimmed) {
        Ok(value) => value,
        Err(_) if contains_html_tag(trimmed) => return Err(UsageError::Html),
        Err(_) => return Err(UsageError::NotJson(snippet(trimmed, SNIPPET_CHARS))),
    };
    let value = unwrap_json_string(value);
    match usage_from_value(&value, now) {
        Some(usage) => Ok(usage),
        None if contains_html_tag(trimmed) => Err(UsageError::Html),
        None => Err(UsageError::NoWindows),
    }
}

/// Classify the upstream HTTP status and body of the api-call envelope.
///
/// 2xx: the body is parsed. Any other status whose body parses to usage with a
/// reset time (a 429 carrying the usage JSON or a limit-reached error) is quota
/// state, returned as `Ok`. Everything else is [`UsageError::Http`].
pub fn interpret_upstream(status_code: u16, body: &str, now: Epoch) -> Result<Usage, UsageError> {
    let parsed = parse_usage(body, now);
    if (200..300).contains(&status_code) {
        return parsed;
    }
    match parsed {
        Ok(usage) if has_reset_info(&usage) => Ok(usage),
        _ => Err(UsageError::Http {
            status: status_code,
            message: error_message(body),
        }),
    }
}

/// True when some main window of `usage` knows when it resets.
fn has_reset_info(usage: &Usage) -> bool {
    [&usage.five_hour, &usage.weekly]
        .into_iter()
        .flatten()
        .any(|window| window.reset_at.is_some())
}

/// A body that is a JSON string holding JSON (double-encoded) is decoded once.
pub(super) fn unwrap_json_string(value: Value) -> Value {
    if let Value::String(inner) = &value {
        if let Ok(decoded @ Value::Object(_)) = serde_json::from_str::<Value>(inner.trim()) {
            return decoded;
        }
    }
    value
}

/// The whole usage answer, or a limit-reached error turned into usage.
fn usage_from_value(value: &Value, now: Epoch) -> Option<Usage> {
    let root = value.as_object()?;
    // `plan_type`, else `account_plan.plan_type` (some answers nest it there).
    let plan_type = field(root, "plan_type").and_then(plan_string).or_else(|| {
        field(root, "account_plan")
            .and_then(Value::as_object)
            .and_then(|plan| field(plan, "plan_type"))
            .and_then(plan_string)
    });
    let block = rate_limit_block(root);
    let mut usage = Usage {
        plan_type,
        additional: additional_limits(root, now),
        ..Usage::default()
    };
    if let Some(block) = block {
        let parsed = parse_block(block, now);
        usage.five_hour = parsed.five_hour;
        usage.weekly = parsed.weekly;
        usage.allowed = parsed.allowed;
        usage.limit_reached = parsed.limit_reached;
        usage.monthly = super::codex_extras::monthly_window(block, now);
    }
    usage.lanes = super::codex_extras::lanes(root, &usage.additional, now);
    if usage.five_hour.is_some() || usage.weekly.is_some() {
        return Some(usage);
    }
    if let Some(window) = generic_window(root, now) {
        usage.five_hour = Some(window);
        return Some(usage);
    }
    limit_error_usage(root, now)
}

/// A generic `{"remaining": 12, "limit": 20}` answer (no rate-limit windows):
/// the share left of the 5h window (here 60% left), as the original app reads it.
fn generic_window(root: &Map<String, Value>, now: Epoch) -> Option<QuotaWindow> {
    let remaining = field(root, "remaining").and_then(number)?;
    let limit = field(root, "limit")
        .and_then(number)
        .filter(|limit| *limit > 0.0)?;
    let left = (remaining / limit * 100.0).clamp(0.0, 100.0);
    Some(QuotaWindow {
        used_percent: 100.0 - left,
        window_seconds: None,
        reset_at: reset_time(root, now),
    })
}

/// `additional_rate_limits`: named extra limits; entries without windows are skipped.
fn additional_limits(root: &Map<String, Value>, now: Epoch) -> Vec<NamedLimit> {
    let Some(items) = field(root, "additional_rate_limits").and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| named_limit(item.as_object()?, index, now))
        .collect()
}

fn named_limit(item: &Map<String, Value>, index: usize, now: Epoch) -> Option<NamedLimit> {
    let block = rate_limit_block(item)?;
    let parsed = parse_block(block, now);
    if parsed.five_hour.is_none() && parsed.weekly.is_none() {
        return None;
    }
    let name = ["limit_name", "metered_feature"]
        .iter()
        .filter_map(|key| field(item, key).and_then(Value::as_str))
        .map(|name| snippet(name, MESSAGE_CHARS))
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| format!("limit {}", index + 1));
    Some(NamedLimit {
        name,
        five_hour: parsed.five_hour,
        weekly: parsed.weekly,
    })
}

/// A `usage_limit_reached` error with reset information, as quota state.
///
/// The error does not say which window ran out: a reset at most 5 hours away
/// is taken as the 5h window, a later one as the weekly window (used = 100).
fn limit_error_usage(root: &Map<String, Value>, now: Epoch) -> Option<Usage> {
    let error = field(root, "error")
        .and_then(Value::as_object)
        .unwrap_or(root);
    if !is_usage_limit_error(error) {
        return None;
    }
    let reset_at = reset_time(error, now).filter(|reset| *reset > now)?;
    let window = QuotaWindow {
        used_percent: 100.0,
        window_seconds: None,
        reset_at: Some(reset_at),
    };
    let plan_type = field(error, "plan_type")
        .or_else(|| field(root, "plan_type"))
        .and_then(plan_string);
    let short = reset_at.saturating_sub(now) <= FIVE_HOURS_SECONDS;
    Some(Usage {
        plan_type,
        five_hour: short.then(|| window.clone()),
        weekly: (!short).then_some(window),
        allowed: Some(false),
        limit_reached: Some(true),
        additional: Vec::new(),
        limit_answer: true,
        ..Usage::default()
    })
}

fn is_usage_limit_error(error: &Map<String, Value>) -> bool {
    let kind_matches = ["type", "code", "error_type"].iter().any(|key| {
        field(error, key)
            .and_then(Value::as_str)
            .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("usage_limit_reached"))
    });
    let message_matches = field(error, "message")
        .and_then(Value::as_str)
        .is_some_and(|message| message.to_ascii_lowercase().contains("usage limit"));
    kind_matches || message_matches
}

/// A short reason from an error body: the JSON `error`/`detail`/`message`, else its start.
pub(super) fn error_message(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    if trimmed.starts_with('<') || contains_html_tag(trimmed) {
        return "HTML page (challenge?)".to_string();
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(value) => json_message(&value)
            .map(|message| snippet(&message, MESSAGE_CHARS))
            .filter(|message| !message.is_empty())
            .unwrap_or_else(|| snippet(trimmed, SNIPPET_CHARS)),
        Err(_) => snippet(trimmed, SNIPPET_CHARS),
    }
}

/// The first message-like string in an error JSON.
fn json_message(value: &Value) -> Option<String> {
    let obj = value.as_object()?;
    ["error", "detail", "message", "error_description"]
        .iter()
        .filter_map(|key| field(obj, key))
        .find_map(message_of)
}

fn message_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Object(obj) => ["message", "detail", "code", "type"]
            .iter()
            .filter_map(|key| field(obj, key))
            .find_map(|inner| inner.as_str().filter(|s| !s.trim().is_empty()))
            .map(str::to_string),
        _ => None,
    }
}

pub(super) fn contains_html_tag(text: &str) -> bool {
    text.as_bytes()
        .windows(5)
        .any(|w| w.eq_ignore_ascii_case(b"<html"))
}

#[cfg(test)]
mod tests {
    use super::super::rate_limits::MAX_EPOCH;
    use super::*;
    use serde_json::json;

    const NOW: Epoch = 1_785_900_000;

    fn parse(value: Value) -> Usage {
        parse_usage(&value.to_string(), NOW).expect("usage parses")
    }

    fn window(used: f64, seconds: Option<i64>, reset_at: Option<Epoch>) -> QuotaWindow {
        QuotaWindow {
            used_percent: used,
            window_seconds: seconds,
            reset_at,
        }
    }

    #[test]
    fn plan_type_nested_in_account_plan_is_read() {
        let usage = parse(json!({
            "account_plan": {"plan_type": "Pro", "is_active": true},
            "rate_limit": {"primary_window": {"used_percent": 25, "limit_window_seconds": 604800,
                "reset_at": NOW + 500_000}}
        }));
        assert_eq!(usage.plan_type.as_deref(), Some("pro"));
        // The top-level field wins when both exist.
        let both = parse(json!({
            "plan_type": "plus", "account_plan": {"plan_type": "pro"},
            "rate_limit": {"primary_window": {"used_percent": 1}}
        }));
        assert_eq!(both.plan_type.as_deref(), Some("plus"));
    }

    #[test]
    fn generic_remaining_and_limit_is_the_share_left_of_the_5h_window() {
        let usage = parse(json!({"remaining": 12, "limit": 20}));
        let five = usage.five_hour.expect("5h window");
        assert_eq!(five.used_percent, 40.0);
        assert_eq!(five.remaining_percent(), 60.0);
        assert_eq!(usage.weekly, None);
        let with_reset =
            parse(json!({"remaining": "5", "limit": "20", "reset_after_seconds": 600}));
        assert_eq!(with_reset.five_hour.unwrap().reset_at, Some(NOW + 600));
        // A zero limit is not a window.
        assert_eq!(
            parse_usage(r#"{"remaining": 1, "limit": 0}"#, NOW),
            Err(UsageError::NoWindows)
        );
    }

    #[test]
    fn refused_tokens_are_401_and_non_challenge_403() {
        let text = |status, body: &str| {
            interpret_upstream(status, body, NOW)
                .expect_err("an error")
                .to_string()
        };
        assert!(refused_token(&text(401, r#"{"detail":"Unauthorized"}"#)));
        assert!(refused_token(&text(
            403,
            r#"{"error":{"message":"token revoked"}}"#
        )));
        assert!(!refused_token(&text(403, "<!DOCTYPE html><html>cf</html>")));
        assert!(!refused_token(&text(500, "")));
        assert!(!refused_token(&text(429, r#"{"error":"slow down"}"#)));
        assert!(!refused_token("request failed"));
    }

    #[test]
    fn spec_example_body() {
        let usage = parse(json!({
            "plan_type": "plus",
            "rate_limit": {"allowed": true, "limit_reached": false,
                "primary_window": {"used_percent": 42, "limit_window_seconds": 18000,
                    "reset_after_seconds": 3600, "reset_at": 1785903600},
                "secondary_window": {"used_percent": 19, "limit_window_seconds": 604800,
                    "reset_after_seconds": 580741, "reset_at": 1786480741}},
            "code_review_rate_limit": null,
            "additional_rate_limits": [{"limit_name": "GPT-5.3-Codex-Spark",
                "metered_feature": "codex_bengalfox",
                "rate_limit": {"primary_window": {"used_percent": 5,
                    "limit_window_seconds": 18000, "reset_at": 1785903600}}}],
            "credits": {"has_credits": false, "unlimited": false, "balance": "0"}
        }));
        assert_eq!(usage.plan_type.as_deref(), Some("plus"));
        assert_eq!(
            usage.five_hour,
            Some(window(42.0, Some(18000), Some(1785903600)))
        );
        assert_eq!(
            usage.weekly,
            Some(window(19.0, Some(604800), Some(1786480741)))
        );
        assert_eq!(usage.allowed, Some(true));
        assert_eq!(usage.limit_reached, Some(false));
        assert_eq!(usage.additional.len(), 1);
        assert_eq!(usage.additional[0].name, "GPT-5.3-Codex-Spark");
        assert_eq!(
            usage.additional[0].five_hour,
            Some(window(5.0, Some(18000), Some(1785903600)))
        );
        assert_eq!(usage.additional[0].weekly, None);
    }

    #[test]
    fn pro_with_only_a_weekly_window_in_primary() {
        let usage = parse(json!({"plan_type": "pro", "rate_limit": {
            "primary_window": {"used_percent": 10, "limit_window_seconds": 604800, "reset_at": 1786000000},
            "secondary_window": null}}));
        assert_eq!(usage.five_hour, None);
        assert_eq!(
            usage.weekly,
            Some(window(10.0, Some(604800), Some(1786000000)))
        );
    }

    #[test]
    fn windows_are_classified_by_duration_not_slot() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": 70, "limit_window_seconds": 604800},
            "secondary_window": {"used_percent": 30, "limit_window_seconds": 18000}}}));
        assert_eq!(usage.five_hour.map(|w| w.used_percent), Some(30.0));
        assert_eq!(usage.weekly.map(|w| w.used_percent), Some(70.0));
    }

    #[test]
    fn just_under_a_day_is_short_and_a_day_is_long() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": 1, "limit_window_seconds": 86399},
            "secondary_window": {"used_percent": 2, "limit_window_seconds": 86400}}}));
        assert_eq!(usage.five_hour.map(|w| w.used_percent), Some(1.0));
        assert_eq!(usage.weekly.map(|w| w.used_percent), Some(2.0));
    }

    #[test]
    fn monthly_window_is_the_long_window_when_there_is_no_weekly() {
        let usage = parse(json!({"plan_type": "team", "rate_limit": {
            "primary_window": {"used_percent": 12, "limit_window_seconds": 18000},
            "secondary_window": {"used_percent": 55, "limit_window_seconds": 2592000}}}));
        assert_eq!(usage.five_hour.map(|w| w.used_percent), Some(12.0));
        assert_eq!(usage.weekly, Some(window(55.0, Some(2592000), None)));
    }

    #[test]
    fn weekly_window_wins_over_monthly() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": 80, "limit_window_seconds": 2678400},
            "secondary_window": {"used_percent": 20, "limit_window_seconds": 604800}}}));
        assert_eq!(usage.five_hour, None);
        assert_eq!(usage.weekly.map(|w| w.used_percent), Some(20.0));
    }

    #[test]
    fn missing_durations_fall_back_to_slots() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": 33},
            "secondary_window": {"used_percent": 66}}}));
        assert_eq!(usage.five_hour, Some(window(33.0, None, None)));
        assert_eq!(usage.weekly, Some(window(66.0, None, None)));
    }

    #[test]
    fn reset_at_in_milliseconds_is_converted() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": 1, "limit_window_seconds": 18000, "reset_at": 1785903600123_i64},
            "secondary_window": {"used_percent": 1, "limit_window_seconds": 604800, "reset_at": 99_999_999_999_i64}}}));
        assert_eq!(usage.five_hour.and_then(|w| w.reset_at), Some(1785903600));
        // 99_999_999_999 is below 1e11: seconds.
        assert_eq!(usage.weekly.and_then(|w| w.reset_at), Some(99_999_999_999));
    }

    #[test]
    fn reset_after_seconds_counts_from_now_and_reset_at_wins() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": 1, "limit_window_seconds": 18000, "reset_after_seconds": 3600},
            "secondary_window": {"used_percent": 1, "limit_window_seconds": 604800,
                "reset_after_seconds": 5, "reset_at": 1786480741}}}));
        assert_eq!(usage.five_hour.and_then(|w| w.reset_at), Some(NOW + 3600));
        assert_eq!(usage.weekly.and_then(|w| w.reset_at), Some(1786480741));
    }

    #[test]
    fn negative_reset_after_is_ignored() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": 1, "reset_after_seconds": -3}}}));
        assert_eq!(usage.five_hour.and_then(|w| w.reset_at), None);
    }

    #[test]
    fn rfc3339_reset_at_is_accepted() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": 1, "reset_at": "2026-08-05T04:20:00Z"}}}));
        assert_eq!(usage.five_hour.and_then(|w| w.reset_at), Some(1785903600));
    }

    #[test]
    fn numbers_as_strings() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": "42", "limit_window_seconds": " 18000 ", "reset_at": "1785903600"},
            "secondary_window": {"used_percent": "42.5", "limit_window_seconds": "604800", "reset_after_seconds": "60"}}}));
        assert_eq!(
            usage.five_hour,
            Some(window(42.0, Some(18000), Some(1785903600)))
        );
        assert_eq!(
            usage.weekly,
            Some(window(42.5, Some(604800), Some(NOW + 60)))
        );
    }

    #[test]
    fn camel_case_spellings() {
        let usage = parse(
            json!({"planType": "Pro", "rateLimit": {"allowed": true, "limitReached": false,
            "primaryWindow": {"usedPercent": 7, "limitWindowSeconds": 18000, "resetAfterSeconds": 100},
            "secondaryWindow": {"usedPercent": 8, "limitWindowSeconds": 604800, "resetAt": 1786000000}},
            "additionalRateLimits": [{"limitName": "Spark", "rateLimit": {
                "primaryWindow": {"usedPercent": 9, "limitWindowSeconds": 604800}}}]}),
        );
        assert_eq!(usage.plan_type.as_deref(), Some("pro"));
        assert_eq!(
            usage.five_hour,
            Some(window(7.0, Some(18000), Some(NOW + 100)))
        );
        assert_eq!(
            usage.weekly,
            Some(window(8.0, Some(604800), Some(1786000000)))
        );
        assert_eq!(usage.limit_reached, Some(false));
        assert_eq!(usage.additional[0].name, "Spark");
        assert_eq!(
            usage.additional[0].weekly.as_ref().map(|w| w.used_percent),
            Some(9.0)
        );
    }

    #[test]
    fn additional_limit_named_by_metered_feature_when_no_limit_name() {
        let usage = parse(
            json!({"rate_limit": {"primary_window": {"used_percent": 1}},
            "additional_rate_limits": [
                {"metered_feature": "codex_bengalfox", "rate_limit": {"primary_window": {"used_percent": 3}}},
                {"limit_name": "empty", "rate_limit": null},
                {"rate_limit": {"secondary_window": {"used_percent": 4}}}]}),
        );
        let names: Vec<&str> = usage.additional.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["codex_bengalfox", "limit 3"]);
    }

    #[test]
    fn missing_used_percent_with_limit_reached_and_reset_is_full() {
        let usage = parse(
            json!({"rate_limit": {"allowed": true, "limit_reached": true,
            "primary_window": {"limit_window_seconds": 18000, "reset_after_seconds": 600},
            "secondary_window": {"used_percent": 40, "limit_window_seconds": 604800}}}),
        );
        assert_eq!(
            usage.five_hour,
            Some(window(100.0, Some(18000), Some(NOW + 600)))
        );
        assert_eq!(usage.weekly.map(|w| w.used_percent), Some(40.0));
    }

    #[test]
    fn missing_used_percent_with_allowed_false_and_reset_is_full() {
        let usage = parse(json!({"rate_limit": {"allowed": false,
            "primary_window": {"limit_window_seconds": 604800, "reset_at": 1786000000}}}));
        assert_eq!(
            usage.weekly,
            Some(window(100.0, Some(604800), Some(1786000000)))
        );
    }

    #[test]
    fn missing_used_percent_without_reset_or_limit_is_no_window() {
        let no_reset = json!({"rate_limit": {"limit_reached": true,
            "primary_window": {"limit_window_seconds": 18000}}});
        assert_eq!(
            parse_usage(&no_reset.to_string(), NOW),
            Err(UsageError::NoWindows)
        );
        let not_limited = json!({"rate_limit": {"allowed": true,
            "primary_window": {"limit_window_seconds": 18000, "reset_at": 1786000000}}});
        assert_eq!(
            parse_usage(&not_limited.to_string(), NOW),
            Err(UsageError::NoWindows)
        );
    }

    #[test]
    fn used_percent_is_clamped_and_non_finite_rejected() {
        let usage = parse(json!({"rate_limit": {
            "primary_window": {"used_percent": 150, "limit_window_seconds": 18000},
            "secondary_window": {"used_percent": -5, "limit_window_seconds": 604800}}}));
        assert_eq!(usage.five_hour.map(|w| w.used_percent), Some(100.0));
        assert_eq!(usage.weekly.map(|w| w.used_percent), Some(0.0));
        for bad in ["NaN", "inf", "-infinity", "1e999"] {
            let body = json!({"rate_limit": {"primary_window": {"used_percent": bad}}});
            assert_eq!(
                parse_usage(&body.to_string(), NOW),
                Err(UsageError::NoWindows),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let usage = parse(
            json!({"weird": [1, 2, {"x": null}], "rate_limit": {"extra": "yes",
            "primary_window": {"used_percent": 5, "limit_window_seconds": 18000, "color": "blue"}}}),
        );
        assert_eq!(usage.five_hour.map(|w| w.used_percent), Some(5.0));
    }

    #[test]
    fn double_encoded_json_body_is_decoded() {
        let inner = json!({"rate_limit": {"primary_window": {"used_percent": 5}}}).to_string();
        let usage = parse(Value::String(inner));
        assert_eq!(usage.five_hour.map(|w| w.used_percent), Some(5.0));
    }

    #[test]
    fn limit_reached_error_with_near_reset_is_a_full_5h_window() {
        let body = json!({"error": {"type": "usage_limit_reached", "plan_type": "Free",
            "message": "The usage limit has been reached", "resets_in_seconds": 3600}});
        let usage = interpret_upstream(429, &body.to_string(), NOW).expect("quota state");
        assert_eq!(usage.five_hour, Some(window(100.0, None, Some(NOW + 3600))));
        assert_eq!(usage.weekly, None);
        assert_eq!(usage.plan_type.as_deref(), Some("free"));
        assert_eq!(usage.limit_reached, Some(true));
    }

    #[test]
    fn limit_reached_error_with_far_reset_is_a_full_weekly_window() {
        let reset = NOW + 3 * 86_400;
        let body = json!({"error": {"type": "usage_limit_reached", "resets_at": reset, "resets_in_seconds": 10}});
        let usage = interpret_upstream(429, &body.to_string(), NOW).expect("quota state");
        assert_eq!(usage.five_hour, None);
        assert_eq!(usage.weekly, Some(window(100.0, None, Some(reset))));
    }

    #[test]
    fn limit_reached_error_at_exactly_five_hours_is_the_5h_window() {
        let body = json!({"error": {"code": "usage_limit_reached", "resets_in_seconds": 18000}});
        let usage = interpret_upstream(429, &body.to_string(), NOW).expect("quota state");
        assert_eq!(usage.five_hour.and_then(|w| w.reset_at), Some(NOW + 18000));
        let body = json!({"error": {"code": "usage_limit_reached", "resets_in_seconds": 18001}});
        let usage = interpret_upstream(429, &body.to_string(), NOW).expect("quota state");
        assert_eq!(usage.weekly.and_then(|w| w.reset_at), Some(NOW + 18001));
    }

    #[test]
    fn usage_body_with_429_status_is_quota_state() {
        let body = json!({"rate_limit": {"limit_reached": true,
            "primary_window": {"used_percent": 100, "limit_window_seconds": 18000, "reset_at": 1785903600}}});
        let usage = interpret_upstream(429, &body.to_string(), NOW).expect("quota state");
        assert_eq!(
            usage.five_hour,
            Some(window(100.0, Some(18000), Some(1785903600)))
        );
    }

    #[test]
    fn error_status_without_reset_info_is_an_error() {
        let body = json!({"rate_limit": {"primary_window": {"used_percent": 100}}});
        let err = interpret_upstream(429, &body.to_string(), NOW).unwrap_err();
        assert_eq!(err.status(), Some(429));
        let body = json!({"error": {"type": "usage_limit_reached", "message": "The usage limit has been reached"}});
        let err = interpret_upstream(429, &body.to_string(), NOW).unwrap_err();
        assert_eq!(
            err.to_string(),
            "upstream HTTP 429: The usage limit has been reached"
        );
    }

    #[test]
    fn past_reset_in_limit_error_is_not_quota_state() {
        let body = json!({"error": {"type": "usage_limit_reached", "resets_at": NOW - 10}});
        assert!(interpret_upstream(429, &body.to_string(), NOW).is_err());
    }

    #[test]
    fn unauthorized_carries_the_upstream_message() {
        let body = json!({"error": {"message": "Your authentication token has expired.\nPlease sign in.",
            "type": "invalid_request_error", "code": "token_expired"}});
        let err = interpret_upstream(401, &body.to_string(), NOW).unwrap_err();
        assert_eq!(
            err.to_string(),
            "upstream HTTP 401: Your authentication token has expired. Please sign in."
        );
        let detail = interpret_upstream(403, r#"{"detail":"Unauthorized"}"#, NOW).unwrap_err();
        assert_eq!(detail.to_string(), "upstream HTTP 403: Unauthorized");
        let plain = interpret_upstream(401, r#"{"error":"invalid token"}"#, NOW).unwrap_err();
        assert_eq!(plain.to_string(), "upstream HTTP 401: invalid token");
        let empty = interpret_upstream(502, "", NOW).unwrap_err();
        assert_eq!(empty.to_string(), "upstream HTTP 502");
    }

    #[test]
    fn html_bodies_are_html_errors() {
        let page = "  \n<!DOCTYPE html><html><body>Just a moment...</body></html>";
        assert_eq!(parse_usage(page, NOW), Err(UsageError::Html));
        assert_eq!(
            interpret_upstream(200, page, NOW).unwrap_err().to_string(),
            "upstream answered an HTML page (challenge?)"
        );
        assert_eq!(
            interpret_upstream(403, page, NOW).unwrap_err().to_string(),
            "upstream HTTP 403: HTML page (challenge?)"
        );
        assert_eq!(parse_usage("oops <HTML> page", NOW), Err(UsageError::Html));
    }

    #[test]
    fn non_json_is_reported_with_a_clean_snippet() {
        let body = format!("Bad\u{7}\tgateway\r\n{}", "x".repeat(200));
        let err = parse_usage(&body, NOW).unwrap_err();
        let UsageError::NotJson(snippet) = &err else {
            panic!("expected NotJson, got {err:?}")
        };
        assert!(snippet.starts_with("Bad gateway xxx"), "{snippet}");
        assert_eq!(snippet.chars().count(), 80);
        assert!(err.to_string().starts_with("not JSON: Bad gateway x"));
        assert_eq!(parse_usage("   ", NOW), Err(UsageError::Empty));
    }

    #[test]
    fn json_without_windows_is_no_windows() {
        for body in [
            "{}",
            "[]",
            "42",
            "\"text\"",
            r#"{"rate_limit": {}}"#,
            r#"{"plan_type":"plus"}"#,
        ] {
            assert_eq!(parse_usage(body, NOW), Err(UsageError::NoWindows), "{body}");
        }
        assert_eq!(
            UsageError::NoWindows.to_string(),
            "no rate-limit windows in the usage answer"
        );
    }

    #[test]
    fn huge_numbers_do_not_overflow() {
        let usage = parse(json!({"rate_limit": {"primary_window": {"used_percent": 1,
            "limit_window_seconds": 1e300, "reset_after_seconds": 1e300}}}));
        let weekly = usage.weekly.expect("long window");
        assert_eq!(weekly.reset_at, Some(MAX_EPOCH));
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        const KEYS: &[&str] = &[
            "plan_type",
            "rate_limit",
            "rateLimit",
            "primary_window",
            "secondary_window",
            "used_percent",
            "usedPercent",
            "limit_window_seconds",
            "reset_at",
            "reset_after_seconds",
            "allowed",
            "limit_reached",
            "additional_rate_limits",
            "limit_name",
            "error",
            "type",
            "resets_at",
            "resets_in_seconds",
            "message",
            "detail",
        ];

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(|n| json!(n)),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(|f| json!(f)),
                "[0-9eE.+-]{0,12}".prop_map(Value::String),
                ".{0,12}".prop_map(Value::String),
                Just(Value::String("usage_limit_reached".into())),
            ];
            leaf.prop_recursive(5, 64, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(
                        |pairs| {
                            Value::Object(
                                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                            )
                        }
                    ),
                ]
            })
        }

        proptest! {
            #[test]
            fn parse_usage_never_panics_on_strings(body in ".{0,200}", now in any::<i64>()) {
                let _ = parse_usage(&body, now);
                let _ = interpret_upstream(429, &body, now);
            }

            #[test]
            fn parse_usage_never_panics_on_json(value in json_value(), now in any::<i64>(), status in any::<u16>()) {
                let body = value.to_string();
                if let Ok(usage) = interpret_upstream(status, &body, now) {
                    for w in [&usage.five_hour, &usage.weekly].into_iter().flatten() {
                        prop_assert!((0.0..=100.0).contains(&w.used_percent));
                    }
                }
            }
        }
    }

    // Codex extras (codex_extras.rs): monthly window, Spark and code review lanes.
    const EXTRAS_NOW: i64 = 1_785_900_000;

    #[test]
    fn team_monthly_window_is_a_monthly_lane_and_weekly_stays() {
        let body = json!({"plan_type": "team", "rate_limit": {
            "primary_window": {"used_percent": 12, "limit_window_seconds": 18000},
            "secondary_window": {"used_percent": 55, "limit_window_seconds": 2592000, "reset_at": EXTRAS_NOW + 99}}});
        let usage = parse_usage(&body.to_string(), EXTRAS_NOW).unwrap();
        let monthly = usage.monthly.expect("monthly");
        assert_eq!(monthly.used_percent, 55.0);
        assert_eq!(monthly.reset_at, Some(EXTRAS_NOW + 99));
        // Today's numbers: the only long window still counts as the weekly one.
        assert_eq!(usage.weekly.map(|w| w.used_percent), Some(55.0));
        let week_only = json!({"rate_limit": {
            "primary_window": {"used_percent": 1, "limit_window_seconds": 604800}}});
        assert_eq!(
            parse_usage(&week_only.to_string(), EXTRAS_NOW)
                .unwrap()
                .monthly,
            None
        );
    }

    #[test]
    fn spark_and_code_review_are_lanes_not_main_windows() {
        let body = json!({"plan_type": "pro", "rate_limit": {
                "primary_window": {"used_percent": 40, "limit_window_seconds": 18000}},
            "code_review_rate_limit": {"primary_window": {"used_percent": 25,
                "limit_window_seconds": 604800, "reset_at": EXTRAS_NOW + 7}},
            "additional_rate_limits": [{"limit_name": "GPT-5.3-Codex-Spark",
                "rate_limit": {"primary_window": {"used_percent": 5, "limit_window_seconds": 18000},
                    "secondary_window": {"used_percent": 30, "limit_window_seconds": 604800}}}]});
        let usage = parse_usage(&body.to_string(), EXTRAS_NOW).unwrap();
        assert_eq!(usage.five_hour.as_ref().unwrap().used_percent, 40.0);
        assert_eq!(usage.weekly, None);
        let lanes = usage.lane_summary();
        assert_eq!(
            lanes,
            [
                ("GPT-5.3-Codex-Spark", "5h", 95.0),
                ("GPT-5.3-Codex-Spark", "week", 70.0),
                ("Code review", "week", 75.0)
            ]
        );
        assert_eq!(usage.lanes[2].reset_at, Some(EXTRAS_NOW + 7));
    }

    #[test]
    fn usage_request_carries_token_placeholder_and_account_id() {
        use crate::api::auth_files::AuthFileEntry;
        let entry = AuthFileEntry {
            auth_index: "abc".into(),
            chatgpt_account_id: Some("acc-9".into()),
            ..Default::default()
        };
        let req = usage_request(&entry, "http://127.0.0.1:1/u");
        assert_eq!(req["auth_index"], "abc");
        assert_eq!(req["url"], "http://127.0.0.1:1/u");
        assert_eq!(req["header"]["Authorization"], "Bearer $TOKEN$");
        assert_eq!(req["header"]["Chatgpt-Account-Id"], "acc-9");
        assert!(req["header"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_string));
    }
}
