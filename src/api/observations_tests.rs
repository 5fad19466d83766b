use super::*;
use proptest::prelude::*;
use serde_json::json;

const AT: Epoch = 1_785_900_000;

fn iso(epoch: Epoch) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .unwrap()
        .to_rfc3339()
}

fn entry(signals: Value) -> Value {
    json!({"quota": {"observed_at": iso(AT), "signals": signals}})
}

fn codex_ok(signals: Value) -> Usage {
    from_entry("codex", &entry(signals)).unwrap().usage.unwrap()
}

fn codex_err(signals: Value) -> String {
    from_entry("codex", &entry(signals))
        .unwrap()
        .usage
        .unwrap_err()
}

#[test]
fn codex_windows_are_classified_by_length_not_position() {
    let usage = codex_ok(json!({
        "X-Codex-Plan-Type": "pro",
        "X-Codex-Primary-Used-Percent": "5",
        "X-Codex-Primary-Window-Minutes": "10080",
        "X-Codex-Primary-Reset-At": (AT + 500_000).to_string(),
        "X-Codex-Secondary-Used-Percent": "42.5",
        "X-Codex-Secondary-Window-Minutes": "300",
        "X-Codex-Secondary-Reset-After-Seconds": "3600",
    }));
    assert_eq!(usage.plan_type.as_deref(), Some("pro"));
    let week = usage.weekly.unwrap();
    assert_eq!(
        (week.used_percent, week.reset_at),
        (5.0, Some(AT + 500_000))
    );
    let five = usage.five_hour.unwrap();
    assert_eq!((five.used_percent, five.reset_at), (42.5, Some(AT + 3600)));
    // A week-only Pro account: the primary position holds the week, no 5h.
    let week_only = codex_ok(json!({
        "X-Codex-Primary-Used-Percent": "7",
        "X-Codex-Primary-Window-Minutes": "10080",
        "X-Codex-Secondary-Used-Percent": "0",
        "X-Codex-Secondary-Window-Minutes": "0",
    }));
    assert_eq!(week_only.five_hour, None);
    assert_eq!(week_only.weekly.unwrap().used_percent, 7.0);
}

#[test]
fn codex_named_limits_and_code_review_are_lanes() {
    let usage = codex_ok(json!({
        "X-Codex-Primary-Used-Percent": "40",
        "X-Codex-Primary-Window-Minutes": "300",
        "X-Codex-Bengalfox-Primary-Used-Percent": "91",
        "X-Codex-Bengalfox-Primary-Window-Minutes": "10080",
        "X-Codex-Bengalfox-Limit-Name": "GPT-5.3-Codex-Spark",
        "X-Codex-Code-Review-Primary-Used-Percent": "25",
        "X-Codex-Code-Review-Primary-Window-Minutes": "10080",
        "X-Codex-Credits-Has-Credits": "true",
        "X-Codex-Credits-Balance": "12",
    }));
    let lanes = usage.lane_summary();
    assert_eq!(
        lanes,
        [
            ("GPT-5.3-Codex-Spark", "week", 9.0),
            ("Code review", "week", 75.0)
        ]
    );
    assert_eq!(usage.five_hour.unwrap().used_percent, 40.0);
    assert_eq!(usage.weekly, None, "lanes never feed the main windows");
    let observation = from_entry(
        "codex",
        &entry(
            json!({"X-Codex-Primary-Used-Percent": "1", "X-Codex-Primary-Window-Minutes": "300",
                      "X-Codex-Credits-Balance": "3"}),
        ),
    )
    .unwrap();
    assert_eq!(
        observation.credits.as_deref(),
        Some("x-codex-credits-balance=3")
    );
}

#[test]
fn claude_utilisation_is_a_fraction() {
    let observation = from_entry(
        "claude",
        &entry(json!({
            "Anthropic-Ratelimit-Unified-5h-Utilization": "0.42",
            "Anthropic-Ratelimit-Unified-5h-Reset": (AT + 3600).to_string(),
            "Anthropic-Ratelimit-Unified-5h-Status": "allowed",
            "Anthropic-Ratelimit-Unified-7d-Utilization": "0.1",
            "Anthropic-Ratelimit-Unified-7d_oi-Utilization": "0.5",
        })),
    )
    .unwrap();
    let usage = observation.usage.unwrap();
    assert!((usage.five_hour.unwrap().used_percent - 42.0).abs() < 1e-9);
    assert!((usage.weekly.unwrap().used_percent - 10.0).abs() < 1e-9);
    assert_eq!(usage.lanes[0].name, "7d_oi");
    assert_eq!(usage.plan_type, None, "Claude observations carry no plan");
    let bad = from_entry(
        "claude",
        &entry(json!({"Anthropic-Ratelimit-Unified-5h-Utilization": "42"})),
    )
    .unwrap();
    assert!(bad.usage.unwrap_err().contains("0..1 fraction"));
}

#[test]
fn model_quotas_become_lanes() {
    let item = json!({
        "quota": {"observed_at": iso(AT), "signals": {
            "Anthropic-Ratelimit-Unified-5h-Utilization": "0.2"}},
        "model_quotas": {"claude-opus": {"observed_at": iso(AT), "signals": {
            "Anthropic-Ratelimit-Unified-7d-Utilization": "0.6"}}}
    });
    let usage = from_entry("claude", &item).unwrap().usage.unwrap();
    assert_eq!(usage.lanes.len(), 1);
    assert_eq!(usage.lanes[0].name, "claude-opus");
    assert_eq!(usage.lanes[0].window.as_deref(), Some("week"));
}

#[test]
fn bad_values_give_a_note_never_a_number() {
    let base = |k: &str, v: &str| {
        let mut signals = json!({
            "X-Codex-Primary-Used-Percent": "10",
            "X-Codex-Primary-Window-Minutes": "300",
            "X-Codex-Primary-Reset-At": (AT + 100).to_string(),
        });
        signals[k] = json!(v);
        signals
    };
    for (key, value, says) in [
        ("X-Codex-Primary-Used-Percent", "lots", "not a number"),
        ("X-Codex-Primary-Used-Percent", "-3", "outside 0..100"),
        ("X-Codex-Primary-Used-Percent", "140", "outside 0..100"),
        ("X-Codex-Primary-Used-Percent", "NaN", "not a number"),
        ("X-Codex-Primary-Reset-At", "1785903600000", "milliseconds"),
        (
            "X-Codex-Primary-Reset-At",
            "2026-08-05T10:00:00Z",
            "not a number",
        ),
        (
            "X-Codex-Primary-Reset-At",
            &(AT - 10).to_string(),
            "before the observation",
        ),
        (
            "X-Codex-Primary-Window-Minutes",
            "five hours",
            "not a number",
        ),
        ("X-Codex-Primary-Window-Minutes", "-300", "not a length"),
    ] {
        let note = codex_err(base(key, value));
        assert!(note.contains(says), "{key}={value}: {note}");
        assert!(
            note.to_ascii_lowercase()
                .contains(&key.to_ascii_lowercase()),
            "{note}"
        );
    }
    // 64 headers of noise and nothing else: a note, no usage.
    let noise: Map<String, Value> = (0..64)
        .map(|i| (format!("X-Noise-{i}"), Value::from(format!("{i}%"))))
        .collect();
    assert!(codex_err(Value::Object(noise)).contains("no Codex quota signals"));
    // No observed_at, or a numeric one: unusable.
    let no_time = json!({"quota": {"signals": {"X-Codex-Primary-Used-Percent": "1"}}});
    assert!(from_entry("codex", &no_time).unwrap().usage.is_err());
    // Other providers and entries without observations: nothing.
    assert_eq!(from_entry("kimi", &entry(json!({}))), None);
    assert_eq!(from_entry("codex", &json!({"name": "x"})), None);
}

#[test]
fn usable_only_when_fresh_newer_than_the_read_and_unreset() {
    let observation = from_entry(
        "codex",
        &entry(json!({"X-Codex-Primary-Used-Percent": "10",
                      "X-Codex-Primary-Window-Minutes": "300",
                      "X-Codex-Primary-Reset-At": (AT + 600).to_string()})),
    )
    .unwrap();
    assert!(observation.usable(None, 300, AT + 60));
    assert!(observation.usable(Some(AT - 1), 300, AT + 60));
    assert!(
        !observation.usable(Some(AT + 1), 300, AT + 60),
        "an older observation never overrides a newer read"
    );
    assert!(!observation.usable(None, 300, AT + 301), "too old");
    assert!(
        !observation.usable(None, 0, AT),
        "0 never trusts observations"
    );
    assert!(
        !observation.usable(None, 3_600, AT + 601),
        "its window reset since"
    );
}

proptest! {
    /// Any strings in any of the known signals: never a panic, and a usable
    /// observation only ever holds percentages in 0..=100 and resets after it.
    #[test]
    fn untrusted_signal_values_never_panic_or_lie(
        values in proptest::collection::vec(".{0,24}", 8),
        noise in proptest::collection::vec(("[A-Za-z-]{1,30}", ".{0,16}"), 0..64),
    ) {
        let names = [
            "X-Codex-Primary-Used-Percent", "X-Codex-Primary-Window-Minutes",
            "X-Codex-Primary-Reset-At", "X-Codex-Primary-Reset-After-Seconds",
            "X-Codex-Secondary-Used-Percent", "X-Codex-Secondary-Window-Minutes",
            "X-Codex-Secondary-Reset-At", "Anthropic-Ratelimit-Unified-5h-Utilization",
        ];
        let mut signals = Map::new();
        for (name, value) in noise {
            signals.insert(name, Value::from(value));
        }
        for (name, value) in names.iter().zip(values) {
            signals.insert(name.to_string(), Value::from(value));
        }
        for section in ["codex", "claude"] {
            let Some(observation) = from_entry(section, &entry(Value::Object(signals.clone()))) else {
                continue;
            };
            if let Ok(usage) = observation.usage {
                for w in [&usage.five_hour, &usage.weekly, &usage.monthly].into_iter().flatten() {
                    prop_assert!((0.0..=100.0).contains(&w.used_percent));
                    prop_assert!(w.reset_at.is_none_or(|r| r > AT && r < 100_000_000_000));
                }
            }
        }
    }
}
