//! The widget snapshot: the Rust writer produces the fixture files the Swift
//! tests decode (`widget-extension/fixtures/`), and every one of them is
//! valid against `docs/snapshot.schema.json`. So the writer, the schema and
//! the Swift reader cannot drift apart.
//!
//! Regenerate after an intended change: `POOLWATCH_UPDATE_FIXTURES=1 cargo test --test snapshot_fixtures`.

use std::path::{Path, PathBuf};

use poolwatch::api::Selection;
use poolwatch::quota::{self, QuotaSettings};
use poolwatch::store::snapshot::{self, Snapshot, SnapshotMeta};

const NOW: i64 = 1_785_900_000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn codex() -> Selection {
    Selection {
        providers: vec!["codex".into(), "openai".into()],
        ..Default::default()
    }
}

fn all_providers() -> Selection {
    Selection {
        providers: vec!["*".into()],
        ..Default::default()
    }
}

fn fixtures() -> Vec<(&'static str, Snapshot)> {
    let settings = QuotaSettings::default();
    let state = poolwatch::demo::pool(&codex(), NOW - 60);
    let mut report = quota::compute(&state.accounts, &settings, NOW);
    let no_labels = std::collections::BTreeMap::new();
    let keys = quota::KeyDisplay {
        hidden: &[],
        labels: &no_labels,
    };
    quota::attach_api_keys(&mut report, &state.api_keys, keys);
    // A week of the demo's synthetic history through the real pace, waste and use-first code.
    let (pace, over_time) =
        poolwatch::session::over_time(&poolwatch::demo::history(&report, NOW), &report, NOW);
    let meta = SnapshotMeta {
        profile: "default".into(),
        demo: true,
        updated_at: Some(NOW - 60),
        stale: false,
        error: None,
        pace,
        ban_until: None,
        language: "en".into(),
        pause_until: None,
        over_time: Some(over_time),
    };
    let demo = snapshot::build(Some(&report), &meta, NOW);
    // The Chinese interface (issue 12): what poolwatch writes when it runs in zh-Hans.
    let demo_zh = poolwatch::i18n::with(poolwatch::i18n::Lang::ZhHans, || {
        snapshot::build(
            Some(&report),
            &SnapshotMeta {
                language: "zh-Hans".into(),
                ..meta.clone()
            },
            NOW,
        )
    });
    let stale = snapshot::build(
        Some(&report),
        &SnapshotMeta {
            demo: false,
            stale: true,
            updated_at: Some(NOW - 1_800),
            error: Some("Pool unreachable: cannot reach the pool: connection refused".into()),
            pace: None,
            ..meta.clone()
        },
        NOW,
    );
    let error = snapshot::build(
        None,
        &SnapshotMeta {
            profile: "work".into(),
            demo: false,
            updated_at: None,
            stale: false,
            error: Some("Management key rejected: the pool rejected the management key".into()),
            pace: None,
            ban_until: None,
            language: "en".into(),
            pause_until: None,
            over_time: None,
        },
        NOW,
    );
    // The pool banned this IP (issue 9): last good data, counting down to `ban_until`.
    let banned = snapshot::build(
        Some(&report),
        &SnapshotMeta {
            demo: false,
            stale: true,
            updated_at: Some(NOW - 600),
            error: Some(
                "IP banned by the pool: the pool has banned this IP after too many failed key \
                 attempts (from any client on this IP); the ban ends in 29m. poolwatch sends \
                 nothing until then and tries once more by itself afterwards"
                    .into(),
            ),
            pace: None,
            // The key guard's own pause (3 failed attempts in 30 minutes) ends later than the ban.
            pause_until: Some(NOW + 1_800),
            ban_until: Some(NOW + 1_799),
            ..meta.clone()
        },
        NOW,
    );
    let whole_state = poolwatch::demo::pool(&all_providers(), NOW - 60);
    let mut whole_report = quota::compute(&whole_state.accounts, &settings, NOW);
    quota::attach_api_keys(&mut whole_report, &whole_state.api_keys, keys);
    let (whole_pace, whole_over_time) = poolwatch::session::over_time(
        &poolwatch::demo::history(&whole_report, NOW),
        &whole_report,
        NOW,
    );
    let whole_pool = snapshot::build(
        Some(&whole_report),
        &SnapshotMeta {
            pace: whole_pace,
            over_time: Some(whole_over_time),
            ..meta.clone()
        },
        NOW,
    );
    let empty_report = quota::compute(&[], &settings, NOW);
    let empty = snapshot::build(
        Some(&empty_report),
        &SnapshotMeta {
            demo: false,
            pace: None,
            over_time: None,
            ..meta
        },
        NOW,
    );
    vec![
        ("demo", demo),
        ("demo_zh", demo_zh),
        ("stale", stale),
        ("error", error),
        ("empty", empty),
        ("whole_pool", whole_pool),
        ("banned", banned),
    ]
}

fn schema_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("docs/snapshot.schema.json")).unwrap())
            .unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, value: &serde_json::Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{what} violates the schema: {errors:#?}");
}

#[test]
fn fixtures_are_what_the_writer_produces_and_match_the_schema() {
    let validator = schema_validator();
    let dir = root().join("widget-extension/fixtures");
    let update = std::env::var("POOLWATCH_UPDATE_FIXTURES").is_ok_and(|v| v == "1");
    for (name, snapshot) in fixtures() {
        let text = serde_json::to_string_pretty(&snapshot).unwrap() + "\n";
        let path = dir.join(format!("{name}.json"));
        if update {
            std::fs::write(&path, &text).unwrap();
        }
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_valid(&validator, &value, name);
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing fixture {}", path.display()));
        assert_eq!(
            on_disk,
            text,
            "{} is out of date: run POOLWATCH_UPDATE_FIXTURES=1 cargo test --test snapshot_fixtures",
            path.display()
        );
        // The reader side of the contract: it round-trips through the Rust model too.
        let back: Snapshot = serde_json::from_str(&on_disk).unwrap();
        assert_eq!(back, snapshot);
    }
}

#[test]
fn schema_rejects_what_the_widget_could_not_read() {
    let validator = schema_validator();
    let (_, demo) = fixtures().remove(0);
    let good = serde_json::to_value(&demo).unwrap();
    let mut wrong_version = good.clone();
    wrong_version["schema_version"] = 4.into();
    let mut v2 = good.clone();
    v2["schema_version"] = 2.into();
    let mut no_history = good.clone();
    no_history.as_object_mut().unwrap().remove("history");
    let mut bad_stage = good.clone();
    bad_stage["pool"]["pace"]["five_hour"]["stage"] = "panic".into();
    let mut negative_waste = good.clone();
    negative_waste["waste"]["five_hour"]["wasted_7d"] = (-1.0).into();
    let mut huge = good.clone();
    huge["pool"]["health"]["success"] = serde_json::json!(1u64 << 60);
    let mut old_version = good.clone();
    old_version["schema_version"] = 1.into();
    let mut no_providers = good.clone();
    no_providers.as_object_mut().unwrap().remove("providers");
    let mut bad_unit = good.clone();
    bad_unit["providers"][0]["unit"] = "dollars".into();
    let mut bad_lane = good.clone();
    bad_lane["accounts"][0]["lanes"] =
        serde_json::json!([{"name": "x", "window": "5h", "remaining": 101.0, "reset_at": null}]);
    let mut missing_pool = good.clone();
    missing_pool.as_object_mut().unwrap().remove("pool");
    let mut bad_level = good.clone();
    bad_level["pool"]["five_hour"]["level"] = "purple".into();
    for broken in [
        wrong_version,
        v2,
        no_history,
        bad_stage,
        negative_waste,
        huge,
        old_version,
        missing_pool,
        bad_level,
        no_providers,
        bad_unit,
        bad_lane,
    ] {
        assert!(!validator.is_valid(&broken));
    }
    assert!(validator.is_valid(&good));
}

#[test]
fn demo_fixture_carries_the_cases_the_widget_shows() {
    let (_, demo) = fixtures().remove(0);
    let pool = demo.pool.as_ref().unwrap();
    assert_eq!(demo.accounts.len(), 12);
    assert_eq!(pool.counts.killed, 1);
    assert_eq!(pool.counts.cooling, 1);
    assert!(pool.counts.erroring >= 1);
    assert_eq!(pool.health.buckets.len(), 20);
    assert!(pool.five_hour.forecast.is_some());
    assert!(demo.accounts.iter().any(|a| a.killed));
    assert!(demo.accounts.iter().all(|a| !a.label.is_empty()));
}

#[test]
fn whole_pool_fixture_has_a_section_per_provider_and_the_codex_pool_unchanged() {
    let all = fixtures();
    let demo = &all.iter().find(|(n, _)| *n == "demo").unwrap().1;
    let whole = &all.iter().find(|(n, _)| *n == "whole_pool").unwrap().1;
    assert_eq!(whole.schema_version, 3);
    assert_eq!(whole.primary_provider.as_deref(), Some("codex"));
    // v1 meaning kept: `pool` is the Codex section, identical to the Codex-only demo.
    assert_eq!(whole.pool, demo.pool);
    let ids: Vec<&str> = whole
        .providers
        .iter()
        .map(|p| p.provider.as_str())
        .collect();
    assert_eq!(ids, ["codex", "claude", "antigravity", "kimi"]);
    let codex = &whole.providers[0];
    assert_eq!(codex.windows[0].name, "5h");
    assert_eq!(
        codex.windows[0].remaining,
        demo.pool.as_ref().unwrap().five_hour.remaining
    );
    let claude = &whole.providers[1];
    assert_eq!(claude.unit, poolwatch::provider::Unit::Percent);
    assert_eq!(claude.windows.len(), 2);
    assert_eq!(claude.counts.total, 2);
    assert_eq!(whole.accounts.len(), 16);
    let nina = whole
        .accounts
        .iter()
        .find(|a| a.label == "nina@studio.dev")
        .unwrap();
    assert_eq!(nina.provider, "claude");
    assert_eq!(nina.plan, "max20x");
    assert!(nina.lanes.iter().any(|l| l.name == "Opus"));
    let peggy = whole
        .accounts
        .iter()
        .find(|a| a.label == "peggy@studio.dev")
        .unwrap();
    assert_eq!(peggy.lanes[0].window.as_deref(), Some("month"));
}

#[test]
fn reload_is_requested_only_when_a_visible_value_changes() {
    let (_, demo) = fixtures().remove(0);
    assert!(snapshot::visible_change(None, &demo));
    let mut later = demo.clone();
    later.generated_at += 120;
    later.updated_at = later.updated_at.map(|t| t + 120);
    assert!(
        !snapshot::visible_change(Some(&demo), &later),
        "only times changed"
    );
    let mut tiny = later.clone();
    tiny.pool.as_mut().unwrap().five_hour.remaining += 0.01;
    assert!(
        !snapshot::visible_change(Some(&demo), &tiny),
        "below display precision"
    );
    let mut moved = later.clone();
    moved.pool.as_mut().unwrap().five_hour.remaining += 5.0;
    assert!(snapshot::visible_change(Some(&demo), &moved));
    let mut stale = later;
    stale.stale = true;
    assert!(snapshot::visible_change(Some(&demo), &stale));
}

#[test]
fn snapshot_paths_are_per_profile() {
    let dir = Path::new("/x/widget");
    assert_eq!(snapshot::path_in(dir, "default"), dir.join("snapshot.json"));
    assert_eq!(
        snapshot::path_in(dir, "work"),
        dir.join("snapshot-work.json")
    );
}

#[test]
fn schema_3_carries_history_pace_waste_and_use_first() {
    let all = fixtures();
    let demo = &all.iter().find(|(n, _)| *n == "demo").unwrap().1;
    assert_eq!(demo.schema_version, 3);
    let history = demo.history.as_ref().expect("the demo has history");
    assert_eq!(history.provider, "codex");
    assert!(!history.five_hour.is_empty() && history.five_hour.len() <= 96);
    assert!(!history.weekly.is_empty() && history.weekly.len() <= 168);
    assert!(history.five_hour.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(history
        .weekly
        .iter()
        .all(|p| p.0 > NOW - 7 * 86_400 && p.0 <= NOW));
    let pace = demo.pool.as_ref().unwrap().pace.as_ref().unwrap();
    let five = pace.five_hour.as_ref().unwrap();
    assert!((five.burn_per_hour - 240.0).abs() < 1.0, "{five:?}");
    assert!(five.stage.is_some());
    let waste = demo.waste.as_ref().unwrap();
    assert!(waste.five_hour.wasted_7d > 0.0 && waste.five_hour.used_7d > 0.0);
    assert!(waste.five_hour.wasted_24h <= waste.five_hour.wasted_7d);
    assert!(!demo.expiring_first.is_empty() && demo.expiring_first.len() <= 5);
    // Where each account's numbers come from (issue 18): observed or read.
    assert!(demo.accounts.iter().any(|a| a.source.is_some()));
    assert!(demo
        .accounts
        .iter()
        .filter_map(|a| a.source.as_ref())
        .all(|s| s.kind == "observed" || s.kind == "read"));
    let error = &all.iter().find(|(n, _)| *n == "error").unwrap().1;
    assert!(error.history.is_none() && error.waste.is_none() && error.expiring_first.is_empty());
    let banned = &all.iter().find(|(n, _)| *n == "banned").unwrap().1;
    assert_eq!(banned.pause_until, Some(NOW + 1_800));
}

#[test]
fn counters_above_2_pow_53_are_clamped() {
    let (_, demo) = fixtures().remove(0);
    let settings = QuotaSettings::default();
    let mut state = poolwatch::demo::pool(&codex(), NOW - 60);
    for account in &mut state.accounts {
        for bucket in &mut account.recent_requests {
            bucket.success = u64::MAX / 64;
        }
    }
    let report = quota::compute(&state.accounts, &settings, NOW);
    let meta = SnapshotMeta {
        profile: "default".into(),
        language: "en".into(),
        ..Default::default()
    };
    let big = snapshot::build(Some(&report), &meta, NOW);
    let value = serde_json::to_value(&big).unwrap();
    let success = value["pool"]["health"]["success"].as_u64().unwrap();
    assert_eq!(success, snapshot::MAX_SAFE_INTEGER);
    assert_eq!(
        value["pool"]["health"]["buckets"][19]["success"].as_u64(),
        Some(snapshot::MAX_SAFE_INTEGER)
    );
    assert_valid(&schema_validator(), &value, "clamped");
    assert!(demo.pool.is_some());
}
