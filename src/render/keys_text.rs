//! The API-key table of `poolwatch status` (one row per upstream key).
//!
//! Keys are named by provider, base-URL host and fingerprint only; server
//! text goes through [`terminal_text`]. The table fits `width` columns:
//! the host goes first, then the health strip, then the provider shortens.

use std::fmt::Write as _;

use super::menu::health_char;
use super::sanitize::terminal_text;
use super::width::{display_width, pad_left_to_width, pad_to_width, truncate_to_width};
use crate::quota::{ApiKeyView, PoolReport};
use crate::tr;

const PROVIDER_MAX: usize = 22;
const PROVIDER_MIN: usize = 8;
const HOST_MAX: usize = 24;
const HOST_MIN: usize = 10;
const STRIP: usize = 20;
/// KEY(8) + OK(1+7) + FAILED(1+6) + 30M(2+4): the columns that always stay.
const FIXED: usize = 8 + 8 + 7 + 6;

/// Which optional columns fit, and how wide they are.
struct Layout {
    provider: usize,
    host: usize,
    health: bool,
}

fn layout(report: &PoolReport, width: usize) -> Layout {
    let widest = |f: fn(&ApiKeyView) -> &str, min: usize, max: usize| {
        report
            .api_keys
            .iter()
            .map(|k| display_width(f(k)))
            .max()
            .unwrap_or(0)
            .clamp(min, max)
    };
    let mut left = width.saturating_sub(FIXED + 1);
    let provider = widest(|k| &k.provider, PROVIDER_MIN, PROVIDER_MAX).min(left.max(PROVIDER_MIN));
    left = left.saturating_sub(provider);
    let health = left >= STRIP + 2;
    if health {
        left -= STRIP + 2;
    }
    let host_want = widest(|k| &k.host, HOST_MIN, HOST_MAX);
    let host = if left > HOST_MIN {
        host_want.min(left - 1)
    } else {
        0
    };
    Layout {
        provider,
        host,
        health,
    }
}

/// The table (with its heading) within `width` columns, or "" without API keys.
/// `paint_red` colours the failure count of keys with recent failures.
pub fn api_keys_table(
    report: &PoolReport,
    width: usize,
    paint_red: &dyn Fn(&str) -> String,
) -> String {
    if report.api_keys.is_empty() {
        return String::new();
    }
    let l = layout(report, width);
    let mut out = String::new();
    let mut heading = pad(&tr!("keys.col_key"), l.provider);
    if l.host > 0 {
        let _ = write!(heading, " {}", pad(&tr!("keys.col_host"), l.host));
    }
    let _ = write!(
        heading,
        " {} {} {}",
        pad(&tr!("keys.col_fingerprint"), 8),
        pad_left(&tr!("keys.col_ok"), 7),
        pad_left(&tr!("keys.col_failed"), 6)
    );
    if l.health {
        let _ = write!(heading, "  {}", pad(&tr!("keys.col_health"), STRIP));
    }
    let _ = writeln!(out, "{heading}  {}", tr!("keys.col_recent"));
    for key in &report.api_keys {
        let _ = writeln!(out, "{}", row(key, &l, paint_red).trim_end());
    }
    out
}

fn row(key: &ApiKeyView, l: &Layout, paint_red: &dyn Fn(&str) -> String) -> String {
    let provider = truncate_to_width(&terminal_text(&key.provider, 200), l.provider);
    let mut text = pad(&provider, l.provider);
    if l.host > 0 {
        let host = truncate_to_width(&terminal_text(&key.host, 200), l.host);
        let host = if host.is_empty() {
            "—".to_string()
        } else {
            host
        };
        let _ = write!(text, " {}", pad(&host, l.host));
    }
    let _ = write!(
        text,
        " {:<8} {:>7} {:>6}",
        terminal_text(&key.fingerprint, 8),
        key.success,
        key.failed
    );
    if l.health {
        let strip: String = key.health.iter().map(health_char).collect();
        let strip = if strip.is_empty() {
            "—".to_string()
        } else {
            strip
        };
        let _ = write!(text, "  {}", pad(&strip, STRIP));
    }
    let recent = format!("{:>4}", key.recent_failures);
    let recent = if key.recent_failures > 0 {
        paint_red(&recent)
    } else {
        recent
    };
    let _ = write!(text, "  {recent}");
    text
}

fn pad(text: &str, width: usize) -> String {
    pad_to_width(text, width)
}

fn pad_left(text: &str, width: usize) -> String {
    pad_left_to_width(text, width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HealthBucket;

    fn report() -> PoolReport {
        let key = |provider: &str, host: &str, fp: &str, recent: u64| ApiKeyView {
            provider: provider.into(),
            host: host.into(),
            fingerprint: fp.into(),
            label: String::new(),
            success: 1284,
            failed: 3,
            recent_failures: recent,
            health: vec![HealthBucket::default(); 20],
        };
        let mut report = crate::quota::compute(&[], &Default::default(), 0);
        report.api_keys = vec![
            key("openai-compat-deepseek", "api.deepseek.com", "ef89522c", 0),
            key("openai", "api.openai.com", "88cae3f2", 3),
        ];
        report
    }

    #[test]
    fn fits_the_width_and_keeps_the_fingerprint_and_counts() {
        let report = report();
        for width in [40, 60, 80, 100, 140] {
            let table = api_keys_table(&report, width, &|t| t.to_string());
            for line in table.lines() {
                assert!(
                    display_width(line) <= width.max(FIXED + PROVIDER_MIN + 1),
                    "{width}: {line}"
                );
            }
            assert!(
                table.contains("88cae3f2") && table.contains("1284"),
                "{table}"
            );
        }
        let wide = api_keys_table(&report, 140, &|t| t.to_string());
        assert!(
            wide.contains("api.openai.com") && wide.contains("▯▯▯"),
            "{wide}"
        );
        let narrow = api_keys_table(&report, 60, &|t| t.to_string());
        assert!(!narrow.contains("api.openai.com"), "{narrow}");
    }

    #[test]
    fn recent_failures_are_painted_and_no_keys_no_table() {
        let table = api_keys_table(&report(), 100, &|t| format!("<{t}>"));
        assert!(table.contains("<   3>"), "{table}");
        let empty = crate::quota::compute(&[], &Default::default(), 0);
        assert_eq!(api_keys_table(&empty, 100, &|t| t.to_string()), "");
    }
}
