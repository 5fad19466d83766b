//! xAI / Grok (issue 18 item 5): the weekly credits of a Grok CLI account from
//! the billing endpoint the official Management Center reads
//! (router-for-me/Cli-Proxy-API-Management-Center `src/utils/quota/constants.ts`
//! `XAI_BILLING_WEEKLY_URL`, `src/features/quota/providers/xai/data.ts`):
//! `GET https://cli-chat-proxy.grok.com/v1/billing?format=credits` with the
//! Grok CLI headers, through api-call with `$TOKEN$`. It is a read: no credit
//! is spent. The Center's fallback for paid accounts sends a real chat
//! completion (billable): poolwatch never does; an account the billing
//! endpoint cannot describe just shows its error.
//!
//! Answer (loose; `config` or the root): `currentPeriod {type, start, end}`,
//! `creditUsagePercent` (percent USED), `productUsage[] {product, usagePercent}`
//! (`GrokBuild` preferred when present). A weekly period is the week window;
//! a monthly one the monthly window.

use serde_json::{json, Map, Value};

use super::rate_limits::{epoch_value, field, number};
use super::{json_object, non_success, UsageError};
use crate::api::auth_files::AuthFileEntry;
use crate::model::{Epoch, QuotaWindow, Usage};

pub const BILLING_URL: &str = crate::provider::urls::XAI_BILLING;
const WEEK: i64 = 604_800;
const CLIENT_VERSION: &str = "0.2.91";

/// The api-call body of the billing read.
pub fn billing_request(entry: &AuthFileEntry, url: &str) -> Value {
    json!({
        "auth_index": entry.auth_index,
        "method": "GET",
        "url": url,
        "header": {
            "Authorization": "Bearer $TOKEN$",
            "x-xai-token-auth": "xai-grok-cli",
            "x-grok-client-version": CLIENT_VERSION,
            "accept": "*/*",
            "user-agent": format!("grok-pager/{CLIENT_VERSION} grok-shell/{CLIENT_VERSION} (macos; aarch64)"),
        },
    })
}

/// The billing answer: 2xx is parsed; anything else is this account's error.
pub fn interpret_billing(status: u16, body: &str, _now: Epoch) -> Result<Usage, UsageError> {
    if !(200..300).contains(&status) {
        return Err(non_success(status, body));
    }
    let root = json_object(body)?;
    let config: &Map<String, Value> = field(&root, "config")
        .and_then(Value::as_object)
        .unwrap_or(&root);
    let period = ["currentPeriod", "current_period"]
        .iter()
        .find_map(|k| field(config, k))
        .and_then(Value::as_object);
    let period_type = period
        .and_then(|p| field(p, "type"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let product = ["productUsage", "product_usage"]
        .iter()
        .find_map(|k| field(config, k))
        .and_then(Value::as_array)
        .and_then(|items| {
            items.iter().filter_map(Value::as_object).find(|item| {
                field(item, "product")
                    .and_then(Value::as_str)
                    .is_some_and(|p| p.eq_ignore_ascii_case("grokbuild"))
            })
        })
        .and_then(|item| {
            ["usagePercent", "usage_percent"]
                .iter()
                .find_map(|k| field(item, k).and_then(number))
        });
    let used = product.or_else(|| {
        ["creditUsagePercent", "credit_usage_percent"]
            .iter()
            .find_map(|k| field(config, k).and_then(number))
    });
    let Some(used) = used.filter(|u| u.is_finite()) else {
        return Err(UsageError::NoWindows);
    };
    let reset_at = period.and_then(|p| field(p, "end")).and_then(epoch_value);
    let start = period.and_then(|p| field(p, "start")).and_then(epoch_value);
    let seconds = match (start, reset_at) {
        (Some(s), Some(e)) if e > s => Some(e - s),
        _ if period_type.contains("weekly") => Some(WEEK),
        _ => None,
    };
    let window = QuotaWindow {
        used_percent: used.clamp(0.0, 100.0),
        window_seconds: seconds,
        reset_at,
    };
    let mut usage = Usage::default();
    if period_type.contains("monthly") {
        usage.monthly = Some(window.clone());
    }
    usage.weekly = Some(window);
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Epoch = 1_785_900_000;

    #[test]
    fn weekly_credits_from_the_billing_answer() {
        let body = json!({"config": {
            "currentPeriod": {"type": "BILLING_PERIOD_TYPE_WEEKLY",
                "start": "2026-08-03T00:00:00Z", "end": "2026-08-10T00:00:00Z"},
            "creditUsagePercent": 30,
            "productUsage": [{"product": "Chat", "usagePercent": 5},
                             {"product": "GrokBuild", "usagePercent": "42.5"}]}});
        let usage = interpret_billing(200, &body.to_string(), NOW).unwrap();
        let week = usage.weekly.unwrap();
        assert_eq!(week.used_percent, 42.5);
        assert_eq!(week.window_seconds, Some(WEEK));
        assert_eq!(week.reset_at, Some(1_786_320_000));
        assert_eq!(usage.five_hour, None);
        let bare = json!({"creditUsagePercent": 12, "currentPeriod": {"type": "weekly"}});
        assert_eq!(
            interpret_billing(200, &bare.to_string(), NOW)
                .unwrap()
                .weekly
                .unwrap()
                .used_percent,
            12.0
        );
        assert!(interpret_billing(200, "{}", NOW).is_err());
        assert!(interpret_billing(426, "{\"error\":\"upgrade\"}", NOW).is_err());
    }

    #[test]
    fn the_request_is_the_billing_read_never_a_chat() {
        let entry = AuthFileEntry {
            auth_index: "a1".into(),
            ..Default::default()
        };
        let request = billing_request(&entry, BILLING_URL);
        assert_eq!(request["method"], "GET");
        assert!(request["url"].as_str().unwrap().contains("/v1/billing"));
        assert_eq!(request["header"]["x-xai-token-auth"], "xai-grok-cli");
        assert!(request.get("data").is_none());
    }
}
