//! Parsing `GET /v0/management/api-key-usage` (SPEC.md §6).
//!
//! The answer maps a provider (or openai-compat name) to an object whose keys
//! are `"<base_url>|<RAW_UPSTREAM_API_KEY>"`. **The object key contains the raw
//! upstream API key**, so the raw text never leaves this module: each entry is
//! reduced at once to its provider, the host of its base URL and a short
//! fingerprint (the first 8 hex digits of the SHA-256 of the whole key string).
//! Errors are fixed sentences that never quote the body.
//!
//! Shapes accepted, newest first:
//! * `{provider: {"<base_url>|<key>": {success, failed, recent_requests}}}` (v6.9.49+; also v6.9.48);
//! * `{provider: {"<key>": [buckets]}}`: the value is the bare bucket list (v6.9.47);
//! * an object key without a base URL (`"<key>"`): the host is empty.
//!
//! Anything else is skipped entry by entry, so a strange answer gives the rows
//! that can be read, never a failed refresh.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{ApiKeyUsage, HealthBucket};
use crate::quota::HEALTH_BUCKETS;

pub use crate::model::{is_fingerprint, FINGERPRINT_HEX};
/// Longest provider name kept.
const PROVIDER_CHARS: usize = 48;
/// Longest host kept.
const HOST_CHARS: usize = 80;

/// Parse the body of `api-key-usage`. Rows are sorted by provider, host, fingerprint.
/// An error (a body that is not a JSON object) says what was wrong without quoting it.
pub fn parse_api_key_usage(body: &str) -> Result<Vec<ApiKeyUsage>, String> {
    let value: Value = serde_json::from_str(body)
        .map_err(|_| "the api-key-usage answer is not JSON".to_string())?;
    let Value::Object(providers) = value else {
        return Err("the api-key-usage answer is not a JSON object".to_string());
    };
    let mut rows = Vec::new();
    for (provider, entries) in &providers {
        let Value::Object(entries) = entries else {
            continue;
        };
        let provider = clean_provider(provider);
        for (object_key, usage) in entries {
            if let Some(row) = parse_entry(&provider, object_key, usage) {
                rows.push(row);
            }
        }
    }
    rows.sort_by(|a, b| {
        (&a.provider, &a.host, &a.fingerprint).cmp(&(&b.provider, &b.host, &b.fingerprint))
    });
    Ok(rows)
}

/// The raw keys of an `api-key-usage` body (each object key whole and the
/// key after its last `|`), for the client's redactor only: never stored.
pub fn raw_keys(body: &str) -> Vec<String> {
    let Ok(Value::Object(providers)) = serde_json::from_str::<Value>(body) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for entries in providers.values() {
        let Value::Object(entries) = entries else {
            continue;
        };
        for object_key in entries.keys() {
            if let Some((_, key)) = object_key.rsplit_once('|') {
                keys.push(key.to_string());
            }
            keys.push(object_key.clone());
        }
    }
    keys
}

/// The fingerprint of a whole object key string (`base_url|key` or `key`).
pub fn fingerprint(object_key: &str) -> String {
    let digest = Sha256::digest(object_key.as_bytes());
    let mut out = String::with_capacity(FINGERPRINT_HEX);
    for byte in digest.iter().take(FINGERPRINT_HEX / 2) {
        out.push(hex_digit(byte >> 4));
        out.push(hex_digit(byte & 0x0f));
    }
    out
}

fn hex_digit(nibble: u8) -> char {
    char::from(if nibble < 10 {
        b'0' + nibble
    } else {
        b'a' + nibble - 10
    })
}

fn parse_entry(provider: &str, object_key: &str, usage: &Value) -> Option<ApiKeyUsage> {
    if object_key.trim().is_empty() {
        return None;
    }
    let (buckets, success, failed) = match usage {
        Value::Object(fields) => {
            let buckets = fields
                .get("recent_requests")
                .or_else(|| fields.get("recentRequests"))
                .map(buckets_of)
                .unwrap_or_default();
            let (bucket_success, bucket_failed) = totals(&buckets);
            let success = fields.get("success").and_then(count);
            let failed = fields.get("failed").and_then(count);
            (
                buckets,
                success.unwrap_or(bucket_success),
                failed.unwrap_or(bucket_failed),
            )
        }
        Value::Array(_) => {
            let buckets = buckets_of(usage);
            let (success, failed) = totals(&buckets);
            (buckets, success, failed)
        }
        _ => return None,
    };
    Some(ApiKeyUsage {
        provider: provider.to_string(),
        host: host_of(object_key),
        fingerprint: fingerprint(object_key),
        success,
        failed,
        recent_requests: with_totals_fallback(buckets, success, failed),
    })
}

/// The original app's fallback: when every bucket is empty but the totals are
/// not, the totals go into the last bucket (20 buckets are made when none came).
fn with_totals_fallback(
    mut buckets: Vec<HealthBucket>,
    success: u64,
    failed: u64,
) -> Vec<HealthBucket> {
    let empty = buckets.iter().all(|b| b.success == 0 && b.failed == 0);
    if !empty || (success == 0 && failed == 0) {
        return buckets;
    }
    if buckets.is_empty() {
        buckets = vec![HealthBucket::default(); HEALTH_BUCKETS];
    }
    if let Some(last) = buckets.last_mut() {
        last.success = success;
        last.failed = failed;
    }
    buckets
}

fn totals(buckets: &[HealthBucket]) -> (u64, u64) {
    buckets.iter().fold((0u64, 0u64), |(s, f), b| {
        (s.saturating_add(b.success), f.saturating_add(b.failed))
    })
}

fn buckets_of(value: &Value) -> Vec<HealthBucket> {
    let Value::Array(items) = value else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|item| item.is_object())
        .map(|item| HealthBucket {
            time: match item.get("time") {
                Some(Value::String(s)) => s.chars().take(16).collect(),
                _ => String::new(),
            },
            success: item.get("success").and_then(count).unwrap_or(0),
            failed: item.get("failed").and_then(count).unwrap_or(0),
        })
        .collect()
}

fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn clean_provider(provider: &str) -> String {
    let provider: String = provider
        .trim()
        .to_lowercase()
        .chars()
        .take(PROVIDER_CHARS)
        .collect();
    if provider.is_empty() {
        "unknown".to_string()
    } else {
        provider
    }
}

/// The host (and port) of the base URL before the first `|`, or "" when the
/// key has no base URL. User info (`user:pass@`) is dropped; a host with odd
/// characters is dropped entirely rather than risk showing part of a secret.
fn host_of(object_key: &str) -> String {
    let Some((base_url, _)) = object_key.split_once('|') else {
        return String::new();
    };
    let Some((_, rest)) = base_url.trim().split_once("://") else {
        return String::new();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.to_ascii_lowercase();
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_');
    if host.is_empty() || host.len() > HOST_CHARS || !host.chars().all(ok) {
        return String::new();
    }
    host
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RAW: &str = "sk-proj-RAWKEY-1234567890";

    fn buckets(pairs: &[(u64, u64)]) -> Value {
        Value::Array(
            pairs
                .iter()
                .enumerate()
                .map(|(i, (s, f))| json!({"time": format!("10:{i:02}-x"), "success": s, "failed": f}))
                .collect(),
        )
    }

    #[test]
    fn current_shape_gives_provider_host_fingerprint_and_counts() {
        let key = format!("https://api.openai.com/v1|{RAW}");
        let body = json!({"openai": {key.clone(): {
            "success": 12, "failed": 1, "recent_requests": buckets(&[(2, 0), (3, 1)])
        }}});
        let rows = parse_api_key_usage(&body.to_string()).unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.provider, "openai");
        assert_eq!(row.host, "api.openai.com");
        assert_eq!(row.fingerprint, fingerprint(&key));
        assert_eq!(row.fingerprint.len(), 8);
        assert!(is_fingerprint(&row.fingerprint));
        assert_eq!((row.success, row.failed), (12, 1));
        assert_eq!(row.recent_requests.len(), 2);
        assert_eq!(row.recent_requests[1].failed, 1);
        assert!(!format!("{row:?}").contains("RAWKEY"));
    }

    #[test]
    fn fingerprint_is_the_sha256_prefix_of_the_whole_key() {
        // sha256("abc") = ba7816bf...
        assert_eq!(fingerprint("abc"), "ba7816bf");
        assert_ne!(fingerprint("https://a|k"), fingerprint("https://b|k"));
        assert!(!is_fingerprint("BA7816BF"));
        assert!(!is_fingerprint("ba7816b"));
        assert!(!is_fingerprint("ba7816bf; rm"));
    }

    #[test]
    fn bare_bucket_array_v6_9_47_sums_the_buckets() {
        let body = json!({"codex": {RAW: buckets(&[(1, 0), (4, 2)])}});
        let rows = parse_api_key_usage(&body.to_string()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].success, rows[0].failed), (5, 2));
        assert_eq!(rows[0].host, "");
        assert_eq!(rows[0].fingerprint, fingerprint(RAW));
    }

    #[test]
    fn key_without_base_url_and_userinfo_and_ports() {
        let body = json!({"OpenAI-Compat": {
            RAW: {"success": 1, "failed": 0, "recent_requests": []},
            format!("http://user:{RAW}@10.0.0.2:8080/v1|{RAW}"): {"success": 2},
        }});
        let rows = parse_api_key_usage(&body.to_string()).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.provider == "openai-compat"));
        let hosts: Vec<&str> = rows.iter().map(|r| r.host.as_str()).collect();
        assert!(
            hosts.contains(&"") && hosts.contains(&"10.0.0.2:8080"),
            "{hosts:?}"
        );
        assert!(!format!("{rows:?}").contains("RAWKEY"));
    }

    #[test]
    fn empty_buckets_with_totals_put_the_totals_in_the_last_bucket() {
        let body = json!({"openai": {
            "https://x.example|k1": {"success": 7, "failed": 3, "recent_requests": buckets(&[(0, 0), (0, 0)])},
            "https://x.example|k2": {"success": 4, "failed": 0},
            "https://x.example|k3": {"success": 0, "failed": 0, "recent_requests": []},
        }});
        let rows = parse_api_key_usage(&body.to_string()).unwrap();
        let by = |k: &str| {
            rows.iter()
                .find(|r| r.fingerprint == fingerprint(k))
                .unwrap()
        };
        let k1 = by("https://x.example|k1");
        assert_eq!(k1.recent_requests.len(), 2);
        assert_eq!(
            (k1.recent_requests[1].success, k1.recent_requests[1].failed),
            (7, 3)
        );
        assert_eq!(
            (k1.recent_requests[0].success, k1.recent_requests[0].failed),
            (0, 0)
        );
        let k2 = by("https://x.example|k2");
        assert_eq!(k2.recent_requests.len(), HEALTH_BUCKETS);
        assert_eq!(k2.recent_requests[HEALTH_BUCKETS - 1].success, 4);
        assert!(by("https://x.example|k3").recent_requests.is_empty());
    }

    #[test]
    fn garbage_gives_rows_where_possible_and_errors_without_the_body() {
        let body = json!({
            "openai": {"https://a.example|k": {"success": "5", "failed": -1, "recent_requests": "x"},
                        "https://b.example|k": 42, "": {"success": 1}},
            "broken": [1, 2, 3],
            "null": null,
        });
        let rows = parse_api_key_usage(&body.to_string()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].success, rows[0].failed), (5, 0));
        for bad in [
            format!("<html>{RAW}</html>"),
            format!("[\"{RAW}\"]"),
            String::new(),
        ] {
            let error = parse_api_key_usage(&bad).unwrap_err();
            assert!(!error.contains("RAWKEY"), "{error}");
        }
        assert!(parse_api_key_usage("{}").unwrap().is_empty());
    }

    #[test]
    fn odd_hosts_are_dropped_not_shown() {
        assert_eq!(host_of("https://api.openai.com|k"), "api.openai.com");
        assert_eq!(
            host_of("https://API.example.com:8443/v1?x=1|k"),
            "api.example.com:8443"
        );
        assert_eq!(host_of("https://ex ample.com|k"), "");
        assert_eq!(host_of("not a url|k"), "");
        assert_eq!(host_of("https://[::1]:9/v1|k"), "[::1]:9");
    }

    #[test]
    fn rows_are_sorted() {
        let body =
            json!({"zeta": {"https://a|k": {}}, "alpha": {"https://b|k": {}, "https://a|k": {}}});
        let rows = parse_api_key_usage(&body.to_string()).unwrap();
        let order: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.provider.as_str(), r.host.as_str()))
            .collect();
        assert_eq!(order, vec![("alpha", "a"), ("alpha", "b"), ("zeta", "a")]);
    }
}
