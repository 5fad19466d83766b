//! Gemini CLI (issue 18 item 5): per-model quota buckets from
//! `POST https://cloudcode-pa.googleapis.com/v1internal:retrieveUserQuota`
//! with `{"project": "<project_id>"}`, as the official Management Center reads
//! it (router-for-me/Cli-Proxy-API-Management-Center `src/utils/quota/constants.ts`
//! `GEMINI_CLI_QUOTA_URL`, `GEMINI_CLI_REQUEST_HEADERS`). A read: nothing is spent.
//!
//! Answer: `buckets[] {modelId, tokenType, remainingFraction (0..1, REMAINING),
//! resetTime (ISO)}`. Gemini CLI limits are per model and per day: each
//! bucket is a lane (`day`); they never feed the 5h/week sums.

use serde_json::{json, Value};

use super::codex::MESSAGE_CHARS;
use super::rate_limits::{epoch_value, field, number, snippet};
use super::{json_object, non_success, UsageError};
use crate::api::auth_files::AuthFileEntry;
use crate::model::{Epoch, Lane, Usage};

pub const QUOTA_URL: &str = crate::provider::urls::GEMINI_CLI_QUOTA;

/// The api-call body of the quota read (None without a project id).
pub fn quota_request(entry: &AuthFileEntry, url: &str) -> Option<Value> {
    let project = entry.project_id.as_deref()?;
    Some(json!({
        "auth_index": entry.auth_index,
        "method": "POST",
        "url": url,
        "header": {
            "Authorization": "Bearer $TOKEN$",
            "Content-Type": "application/json",
        },
        "data": json!({"project": project}).to_string(),
    }))
}

/// The quota answer: each bucket a daily lane.
pub fn interpret_quota(status: u16, body: &str, _now: Epoch) -> Result<Usage, UsageError> {
    if !(200..300).contains(&status) {
        return Err(non_success(status, body));
    }
    let root = json_object(body)?;
    let buckets = field(&root, "buckets").and_then(Value::as_array);
    let mut usage = Usage::default();
    for bucket in buckets
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .take(64)
    {
        let Some(remaining) = ["remainingFraction", "remaining_fraction"]
            .iter()
            .find_map(|k| field(bucket, k).and_then(number))
            .filter(|f| (0.0..=1.0).contains(f))
        else {
            continue;
        };
        let model = ["modelId", "model_id"]
            .iter()
            .find_map(|k| field(bucket, k).and_then(Value::as_str))
            .unwrap_or("model");
        let token = ["tokenType", "token_type"]
            .iter()
            .find_map(|k| field(bucket, k).and_then(Value::as_str))
            .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("REQUESTS"));
        let name = match token {
            Some(token) => format!("{model} ({})", token.to_ascii_lowercase()),
            None => model.to_string(),
        };
        usage.lanes.push(Lane {
            name: snippet(&name, MESSAGE_CHARS),
            window: Some("day".to_string()),
            remaining: Some(remaining * 100.0),
            reset_at: ["resetTime", "reset_time"]
                .iter()
                .find_map(|k| field(bucket, k))
                .and_then(epoch_value),
        });
    }
    if usage.lanes.is_empty() {
        return Err(UsageError::NoWindows);
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_daily_lanes() {
        let body = json!({"buckets": [
            {"modelId": "gemini-2.5-pro", "tokenType": "REQUESTS", "remainingFraction": 0.25,
             "resetTime": "2026-08-05T00:00:00Z"},
            {"modelId": "gemini-2.5-flash", "remainingFraction": "1"},
            {"modelId": "broken", "remainingFraction": 7}]});
        let usage = interpret_quota(200, &body.to_string(), 0).unwrap();
        let lanes: Vec<(&str, f64)> = usage
            .lanes
            .iter()
            .map(|l| (l.name.as_str(), l.remaining.unwrap()))
            .collect();
        assert_eq!(
            lanes,
            [("gemini-2.5-pro", 25.0), ("gemini-2.5-flash", 100.0)]
        );
        assert_eq!(usage.five_hour, None);
        assert!(interpret_quota(200, "{\"buckets\":[]}", 0).is_err());
        let entry = AuthFileEntry::default();
        assert!(
            quota_request(&entry, QUOTA_URL).is_none(),
            "no project, no call"
        );
    }
}
