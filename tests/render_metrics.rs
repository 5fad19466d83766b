//! `render::metrics` and `render::oneline` on the built-in demo pool, run
//! through the real quota engine: the exposition stays well-formed and agrees
//! with the report, and the one-line presets agree with the menu helpers.

use std::collections::HashSet;

use poolwatch::api::Selection;
use poolwatch::quota::{self, PoolReport, QuotaSettings, SortOrder};
use poolwatch::render::menu::{fraction_percent, plus_percent};
use poolwatch::render::metrics::{openmetrics, PoolMetrics};
use poolwatch::render::oneline::{expand_preset, render_oneline};
use poolwatch::render::{FetchStatus, MenuContext};

const NOW: i64 = 1_785_900_000;

fn demo_report() -> PoolReport {
    let selection = Selection {
        providers: vec!["codex".into(), "openai".into()],
        ..Default::default()
    };
    let state = poolwatch::demo::pool(&selection, NOW - 60);
    quota::compute(&state.accounts, &QuotaSettings::default(), NOW)
}

fn pool<'a>(profile: &'a str, report: Option<&'a PoolReport>) -> PoolMetrics<'a> {
    PoolMetrics {
        profile,
        report,
        updated_at: Some(NOW - 60),
        stale: false,
        auth_failed: false,
    }
}

/// A sample line split into metric name, raw label text and value.
fn split_sample(line: &str) -> (&str, &str, f64) {
    let (series, value) = line.rsplit_once(' ').expect("space before the value");
    let (name, labels) = match series.find('{') {
        Some(i) => {
            assert!(series.ends_with('}'), "{line}");
            (&series[..i], &series[i + 1..series.len() - 1])
        }
        None => (series, ""),
    };
    assert!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
        "{line}"
    );
    let value: f64 = value.parse().expect("numeric value");
    assert!(value.is_finite(), "{line}");
    (name, labels, value)
}

#[test]
fn demo_exposition_is_well_formed_and_matches_the_report() {
    let report = demo_report();
    assert!(!report.accounts.is_empty());
    let text = openmetrics(&[pool("default", Some(&report))], NOW);
    let body = text.strip_suffix("# EOF\n").expect("ends with # EOF");

    let mut typed: Vec<&str> = Vec::new();
    let mut series: HashSet<&str> = HashSet::new();
    let mut weights = 0;
    let mut five_hour_remaining = None;
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.strip_suffix(" gauge").expect("gauge");
            assert!(!typed.contains(&name), "TYPE twice: {name}");
            typed.push(name);
            continue;
        }
        if line.starts_with("# UNIT ") || line.starts_with("# HELP ") {
            continue;
        }
        let (name, labels, value) = split_sample(line);
        assert_eq!(Some(&name), typed.last(), "sample outside its family");
        let (key, _) = line.rsplit_once(' ').expect("series and value");
        assert!(series.insert(key), "duplicate series {key}");
        if name == "poolwatch_account_weight" {
            weights += 1;
        }
        if name == "poolwatch_pool_remaining_plus_percent" && labels.contains("window=\"5h\"") {
            five_hour_remaining = Some(value);
        }
    }
    assert_eq!(weights, report.accounts.len());
    assert_eq!(five_hour_remaining, Some(report.five_hour.remaining));
}

#[test]
fn demo_one_line_presets_agree_with_the_menu_helpers() {
    let report = demo_report();
    let ctx = MenuContext {
        profile: "default".into(),
        pool_url: "http://127.0.0.1:8317".into(),
        exe: "/usr/local/bin/poolwatch".into(),
        settings_path: "/tmp/config.toml".into(),
        updated_at: Some(NOW - 60),
        status: FetchStatus::Fresh,
        notices: Vec::new(),
        sort: SortOrder::default(),
        demo: true,
        pace: None,
        now: NOW,
        ban_until: None,
        over_time: None,
    };
    let short = render_oneline(expand_preset("short"), Some(&report), &ctx).expect("short");
    assert_eq!(
        short,
        format!(
            "5h {} · W {}",
            fraction_percent(report.five_hour.remaining, report.five_hour.capacity),
            fraction_percent(report.weekly.remaining, report.weekly.capacity)
        )
    );
    let long = render_oneline(expand_preset("long"), Some(&report), &ctx).expect("long");
    let expected_start = format!(
        "5h {}/{} ",
        plus_percent(report.five_hour.remaining),
        plus_percent(report.five_hour.capacity)
    );
    assert!(long.starts_with(&expected_start), "{long}");
    let counts = format!(" · {}/{} ok", report.counts.available, report.counts.total);
    assert!(long.contains(&counts), "{long}");
    assert_eq!(
        long.contains(" ok · +"),
        report.five_hour.forecast.is_some(),
        "{long}"
    );
}
