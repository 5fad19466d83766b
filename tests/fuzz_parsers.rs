//! Property-based fuzzing (proptest) of everything that reads untrusted or
//! hand-edited input: the auth-files parser, the api-call envelope and usage
//! interpreter, the config loader, the cache loader, the key reader and the
//! menu sanitiser. No input may panic; outputs keep their invariants.
//!
//! cargo-fuzz needs a nightly toolchain; these run on stable. Default case
//! counts keep `cargo test` quick; a long run (docs/fuzzing.md):
//! `PROPTEST_CASES=100000 cargo test --release --test fuzz_parsers`.

use std::collections::HashMap;
use std::io::Write;

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{json, Map, Value};

use poolwatch::api::auth_files::parse_auth_files;
use poolwatch::api::client::parse_envelope;
use poolwatch::api::usage::{interpret_upstream, parse_usage};
use poolwatch::config::{self, LoadOptions};
use poolwatch::model::{QuotaWindow, Usage};
use poolwatch::render::sanitize::menu_text;
use poolwatch::secrets::read_key_from;
use poolwatch::store::cache::{self, Loaded, CACHE_VERSION};

/// Latest epoch the usage parser accepts (9999-12-31T23:59:59Z).
const MAX_EPOCH: i64 = 253_402_300_799;

/// `cases` unless PROPTEST_CASES is set; never writes regression files into tests/.
fn cfg(cases: u32) -> ProptestConfig {
    let from_env = std::env::var("PROPTEST_CASES").is_ok();
    let base = ProptestConfig::default();
    ProptestConfig {
        cases: if from_env { base.cases } else { cases },
        failure_persistence: None,
        ..base
    }
}

// ----- generators -----

/// Strings that stress parsers and the sanitiser: separators, controls, escapes.
fn nasty_string() -> BoxedStrategy<String> {
    let piece = prop_oneof![
        Just("|".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\u{0B}".to_string()),
        Just("\u{0C}".to_string()),
        Just("\u{85}".to_string()),
        Just("\u{2028}".to_string()),
        Just("\u{2029}".to_string()),
        Just("---".to_string()),
        Just("--".to_string()),
        Just("-".to_string()),
        Just(" bash=/bin/sh param1=-c ".to_string()),
        Just("href=http://x".to_string()),
        Just("\\".to_string()),
        Just("\\n".to_string()),
        Just("\u{1B}[31m".to_string()),
        Just("\u{1B}]8;;x\u{07}".to_string()),
        Just("\u{9B}2J".to_string()),
        Just("\u{202E}".to_string()),
        Just("\u{FEFF}".to_string()),
        Just(":sun.max:".to_string()),
        Just("\"'".to_string()),
        Just("\t".to_string()),
        Just(" ".to_string()),
        "[a-zA-Z0-9@._]{0,6}",
        any::<char>().prop_map(|c| c.to_string()),
        "[\\x00-\\x1f\\x7f-\\u{9f}]",
    ];
    prop::collection::vec(piece, 0..24)
        .prop_map(|parts| parts.concat())
        .boxed()
}

/// Numbers the way a sloppy server might send them.
fn numberish() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        (-200.0f64..200.0).prop_map(|f| json!(f)),
        (0i64..2_000_000_000_000).prop_map(Value::from),
        prop_oneof![
            Just("NaN"),
            Just("inf"),
            Just("-inf"),
            Just("1e400"),
            Just("-0"),
            Just(" 42 "),
            Just("0x10"),
            Just(""),
            Just("2026-11-25T10:00:00Z"),
            Just("0001-01-01T00:00:00Z"),
            Just("9999-12-31T23:59:59+14:00"),
        ]
        .prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ]
    .boxed()
}

/// Any JSON value, a few levels deep.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        numberish(),
        nasty_string().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// An object whose keys come from `known` (and sometimes random ones) with values from `value`.
fn object_of(known: &'static [&'static str], value: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let key = prop_oneof![
        4 => prop::sample::select(known).prop_map(str::to_string),
        1 => "[a-zA-Z_]{1,10}",
    ];
    prop::collection::vec((key, value), 0..known.len() + 2)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<String, Value>>()))
        .boxed()
}

const ENTRY_KEYS: &[&str] = &[
    "id",
    "auth_index",
    "authIndex",
    "name",
    "type",
    "provider",
    "label",
    "status",
    "status_message",
    "disabled",
    "unavailable",
    "email",
    "account_type",
    "next_retry_after",
    "last_refresh",
    "success",
    "failed",
    "recent_requests",
    "id_token",
];

/// Values for auth-file fields: right types, wrong types, nested junk.
fn entry_value() -> BoxedStrategy<Value> {
    prop_oneof![
        numberish(),
        nasty_string().prop_map(Value::from),
        prop::collection::vec(
            object_of(&["time", "success", "failed"], numberish()),
            0..25
        )
        .prop_map(Value::Array),
        object_of(
            &["plan_type", "chatgpt_account_id"],
            nasty_string().prop_map(Value::from).boxed()
        ),
        any_json(),
    ]
    .boxed()
}

/// One auth-file entry; `account` is always a unique secret marker.
fn auth_entry() -> impl Strategy<Value = Value> {
    (object_of(ENTRY_KEYS, entry_value()), 0u32..1_000_000).prop_map(|(mut entry, n)| {
        if let Value::Object(map) = &mut entry {
            map.insert("account".into(), format!("sk-fuzz-SECRET-{n:06}").into());
            map.insert("account_type".into(), "api_key".into());
        }
        entry
    })
}

/// An auth-files answer: mostly well-shaped, sometimes not.
fn auth_files_body() -> impl Strategy<Value = Value> {
    let item = prop_oneof![4 => auth_entry(), 1 => any_json()];
    prop_oneof![
        8 => prop::collection::vec(item, 0..6).prop_map(|files| json!({ "files": files })),
        1 => any_json().prop_map(|files| json!({ "files": files })),
        1 => any_json(),
    ]
}

const WINDOW_KEYS: &[&str] = &[
    "used_percent",
    "usedPercent",
    "limit_window_seconds",
    "limitWindowSeconds",
    "window_minutes",
    "reset_at",
    "resetAt",
    "resets_at",
    "reset_after_seconds",
    "resets_in_seconds",
    "limit_reached",
    "allowed",
];

fn window() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => object_of(WINDOW_KEYS, numberish()),
        1 => any_json(),
    ]
    .boxed()
}

fn rate_limit() -> BoxedStrategy<Value> {
    (
        window(),
        window(),
        numberish(),
        numberish(),
        any::<(bool, bool)>(),
    )
        .prop_map(|(primary, secondary, allowed, reached, (p, s))| {
            let mut block = json!({ "allowed": allowed, "limit_reached": reached });
            if p {
                block["primary_window"] = primary;
            }
            if s {
                block["secondary_window"] = secondary;
            }
            block
        })
        .boxed()
}

/// A `wham/usage` body or an upstream error body, as a string (sometimes cut short).
fn usage_body() -> impl Strategy<Value = String> {
    let usage = (
        nasty_string(),
        rate_limit(),
        prop::collection::vec(
            (nasty_string(), rate_limit())
                .prop_map(|(name, rl)| json!({ "limit_name": name, "rate_limit": rl })),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(plan, rl, extra, camel)| {
            let key = if camel { "rateLimit" } else { "rate_limit" };
            let mut body = json!({ "plan_type": plan, "additional_rate_limits": extra });
            body[key] = rl;
            body
        });
    let limit_error = (numberish(), nasty_string(), any::<bool>()).prop_map(|(reset, msg, nest)| {
        let error = json!({ "type": "usage_limit_reached", "message": msg, "resets_in_seconds": reset });
        if nest {
            json!({ "error": error })
        } else {
            error
        }
    });
    let value = prop_oneof![4 => usage, 2 => limit_error, 1 => any_json()];
    (value, any::<bool>(), 0usize..400, any::<bool>()).prop_map(|(v, cut, at, double)| {
        let text = if double {
            Value::String(v.to_string()).to_string()
        } else {
            v.to_string()
        };
        if cut {
            let at = at.min(text.len());
            let boundary = (0..=at)
                .rev()
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(0);
            text[..boundary].to_string()
        } else {
            text
        }
    })
}

fn any_now() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => 1_600_000_000i64..2_200_000_000,
        1 => 0i64..4_000_000_000,
        1 => 0i64..=i64::MAX,
    ]
}

// ----- invariants -----

fn assert_window(w: &QuotaWindow) -> Result<(), TestCaseError> {
    prop_assert!(w.used_percent.is_finite(), "used {:?}", w.used_percent);
    prop_assert!(
        (0.0..=100.0).contains(&w.used_percent),
        "used {}",
        w.used_percent
    );
    if let Some(seconds) = w.window_seconds {
        prop_assert!(seconds > 0, "window {seconds}");
    }
    if let Some(reset) = w.reset_at {
        prop_assert!((1..=MAX_EPOCH).contains(&reset), "reset {reset}");
    }
    Ok(())
}

fn assert_usage(u: &Usage) -> Result<(), TestCaseError> {
    prop_assert!(
        u.five_hour.is_some() || u.weekly.is_some(),
        "usage without windows"
    );
    for w in [&u.five_hour, &u.weekly].into_iter().flatten() {
        assert_window(w)?;
    }
    for limit in &u.additional {
        prop_assert!(limit.name.chars().count() <= 120);
        prop_assert!(!limit.name.chars().any(|c| c.is_control()));
        for w in [&limit.five_hour, &limit.weekly].into_iter().flatten() {
            assert_window(w)?;
        }
    }
    if let Some(plan) = &u.plan_type {
        prop_assert!(!plan.is_empty() && plan.chars().count() <= 40);
        prop_assert!(!plan.chars().any(|c| c.is_control()));
    }
    Ok(())
}

/// Errors are one short line: safe to show in a menu after sanitising, never the whole body.
fn assert_one_line(text: &str, max_chars: usize) -> Result<(), TestCaseError> {
    prop_assert!(
        !text
            .chars()
            .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}'),
        "control in {text:?}"
    );
    prop_assert!(text.chars().count() <= max_chars, "too long: {text:?}");
    Ok(())
}

/// SwiftBar's title unescaping: `\\` -> `\`, `\n` -> newline, `\t` -> tab.
fn swiftbar_unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

// ----- properties -----

proptest! {
    #![proptest_config(cfg(2_000))]

    #[test]
    fn auth_files_arbitrary_text_never_panics(body in any::<String>()) {
        if let Err(message) = parse_auth_files(&body) {
            assert_one_line(&message, 200)?;
        }
    }

    #[test]
    fn envelope_arbitrary_text_never_panics(body in any::<String>()) {
        if let Ok((status, _)) = parse_envelope(&body) {
            prop_assert!((100..=599).contains(&status));
        }
    }

    #[test]
    fn usage_arbitrary_text_never_panics(body in any::<String>(), status in any::<u16>(), now in any_now()) {
        match interpret_upstream(status, &body, now) {
            Ok(usage) => assert_usage(&usage)?,
            Err(error) => assert_one_line(&error.to_string(), 200)?,
        }
    }

    #[test]
    fn sanitiser_output_is_one_inert_title(s in nasty_string(), max in 0usize..200) {
        let out = menu_text(&s, max);
        prop_assert!(!out.contains('|'), "{out:?}");
        prop_assert!(
            !out.chars().any(|c| matches!(c, '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}')),
            "{out:?}"
        );
        prop_assert!(!out.chars().any(char::is_control), "control in {out:?}");
        prop_assert!(!out.starts_with('-'), "{out:?}");
        prop_assert!(!out.starts_with(char::is_whitespace), "{out:?}");
        // Every run of backslashes has even length: they are all doubled.
        for run in out.split(|c| c != '\\') {
            prop_assert!(run.len() % 2 == 0, "odd backslash run in {out:?}");
        }
        // What SwiftBar shows: at most `max` characters and still a single line.
        let shown = swiftbar_unescape(&out);
        prop_assert!(shown.chars().count() <= max, "{shown:?} longer than {max}");
        prop_assert!(!shown.contains('\n') && !shown.contains('\t'), "{shown:?}");
        prop_assert_eq!(menu_text(&s, max), out, "deterministic");
    }

    #[test]
    fn sanitiser_arbitrary_unicode(s in any::<String>(), max in 0usize..300) {
        let out = menu_text(&s, max);
        prop_assert!(!out.contains('|') && !out.starts_with('-'));
        let bad = out.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}');
        prop_assert!(!bad, "line break or control in {:?}", out);
        prop_assert!(swiftbar_unescape(&out).chars().count() <= max);
    }
}

proptest! {
    #![proptest_config(cfg(150))]

    #[test]
    fn auth_files_structured_never_panics_and_drops_the_raw_key(body in auth_files_body()) {
        let text = body.to_string();
        match parse_auth_files(&text) {
            Ok(entries) => {
                if let Some(files) = body.get("files").and_then(Value::as_array) {
                    let objects = files.iter().filter(|f| f.is_object()).count();
                    prop_assert_eq!(entries.len(), objects);
                }
                let debug = format!("{entries:?}");
                prop_assert!(!debug.contains("sk-fuzz-SECRET"), "the raw API key was kept");
                for entry in &entries {
                    prop_assert!(entry.next_retry_after.is_none_or(|t| t > 0));
                    prop_assert!(entry.last_refresh.is_none_or(|t| t > 0));
                    prop_assert_eq!(entry.kind.to_lowercase(), entry.kind.clone());
                    prop_assert_eq!(entry.provider.to_lowercase(), entry.provider.clone());
                    prop_assert!(entry.email.as_deref() != Some(""));
                }
            }
            Err(message) => assert_one_line(&message, 200)?,
        }
    }

    #[test]
    fn auth_files_truncated_never_panics(body in auth_files_body(), cut in 0usize..2_000) {
        let text = body.to_string();
        let at = (0..=cut.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        if let Ok(entries) = parse_auth_files(&text[..at]) {
            let debug = format!("{entries:?}");
            prop_assert!(!debug.contains("sk-fuzz-SECRET"), "raw key kept");
        }
    }

}

proptest! {
    #![proptest_config(cfg(600))]

    #[test]
    fn envelope_and_usage_structured(
        status in prop_oneof![numberish(), (0u64..1000).prop_map(Value::from)],
        camel in any::<bool>(),
        body in usage_body(),
        body_as_object in any::<bool>(),
        extra in any_json(),
        now in any_now(),
    ) {
        let status_key = if camel { "statusCode" } else { "status_code" };
        let body_value = if body_as_object {
            serde_json::from_str::<Value>(&body).unwrap_or(Value::String(body.clone()))
        } else {
            Value::String(body.clone())
        };
        let mut envelope = json!({ "header": extra, "body": body_value });
        envelope[status_key] = status;
        let envelope = envelope.to_string();
        let Ok((upstream_status, upstream_body)) = parse_envelope(&envelope) else {
            return Ok(());
        };
        prop_assert!((100..=599).contains(&upstream_status));
        if !body_as_object {
            prop_assert_eq!(&upstream_body, &body);
        }
        let interpreted = interpret_upstream(upstream_status, &upstream_body, now);
        if (200..300).contains(&upstream_status) {
            prop_assert_eq!(&interpreted, &parse_usage(&upstream_body, now));
        }
        match interpreted {
            Ok(usage) => assert_usage(&usage)?,
            Err(error) => assert_one_line(&error.to_string(), 200)?,
        }
    }

    #[test]
    fn usage_bodies_never_panic(status in any::<u16>(), body in usage_body(), now in any_now()) {
        match interpret_upstream(status, &body, now) {
            Ok(usage) => {
                assert_usage(&usage)?;
                if !(200..300).contains(&status) {
                    // A non-2xx answer counts as quota state only with reset information.
                    prop_assert!([&usage.five_hour, &usage.weekly]
                        .into_iter()
                        .flatten()
                        .any(|w| w.reset_at.is_some()));
                }
            }
            Err(error) => assert_one_line(&error.to_string(), 200)?,
        }
    }
}

// ----- config -----

const CONFIG_KEYS: &[&str] = &[
    "pool_url",
    "usage_url",
    "ttl_seconds",
    "concurrency",
    "timeout_seconds",
    "deadline_seconds",
    "kill_line",
    "sort",
    "providers",
    "hidden",
    "default_profile",
    "plus",
    "pro",
    "prolite",
    "enabled",
    "notify",
];

const SECTIONS: &[&str] = &[
    "[weights]",
    "[labels]",
    "[alerts]",
    "[profiles.work]",
    "[profiles.work.weights]",
    "[profiles.work.labels]",
    "[profiles]",
    "[[profiles]]",
    "[profiles.\"a b\"]",
    "[profiles.\"../x\"]",
    "[weights.pro]",
];

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (-10i64..400).prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        prop_oneof![
            Just("nan"),
            Just("inf"),
            Just("-inf"),
            Just("+nan"),
            Just("1e400"),
            Just("0.0"),
            Just("true"),
            Just("false"),
            Just("\"\""),
            Just("\"http://127.0.0.1:8317\""),
            Just("\"https://pool.example.com/\""),
            Just("\"ftp://x\""),
            Just("\"http://\""),
            Just("\"week-desc\""),
            Just("\"5h\""),
            Just("[\"codex\", \"openai\"]"),
            Just("[1, 2]"),
            Just("[]"),
            Just("{ pro = 1 }"),
            Just("1979-05-27T07:32:00Z"),
        ]
        .prop_map(str::to_string),
        nasty_string().prop_map(|s| format!("{s:?}")),
        "[^\n]{0,20}",
    ]
}

fn toml_line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (
            prop_oneof![
                4 => prop::sample::select(CONFIG_KEYS).prop_map(str::to_string),
                1 => "[a-z_.\"]{1,14}",
                1 => "[a-z@.]{1,8}".prop_map(|k| format!("\"{k}\"")),
            ],
            toml_value(),
        )
            .prop_map(|(k, v)| format!("{k} = {v}")),
        2 => prop::sample::select(SECTIONS).prop_map(str::to_string),
        1 => "[^\n]{0,30}",
        1 => Just(String::new()),
    ]
}

fn toml_text() -> impl Strategy<Value = String> {
    prop::collection::vec(toml_line(), 0..16).prop_map(|lines| lines.join("\n"))
}

const ENV_VARS: &[&str] = &[
    "POOLWATCH_POOL_URL",
    "POOLWATCH_USAGE_URL",
    "POOLWATCH_TTL_SECONDS",
    "POOLWATCH_CONCURRENCY",
    "POOLWATCH_TIMEOUT_SECONDS",
    "POOLWATCH_DEADLINE_SECONDS",
    "POOLWATCH_KILL_LINE",
    "POOLWATCH_SORT",
    "POOLWATCH_PROFILE",
    "POOLWATCH_CACHE_DIR",
    "POOLWATCH_SNAPSHOT_PATH",
];

fn env_map() -> impl Strategy<Value = HashMap<String, String>> {
    prop::collection::hash_map(
        prop::sample::select(ENV_VARS).prop_map(str::to_string),
        prop_oneof![
            toml_value(),
            Just("work".to_string()),
            Just("default".to_string())
        ],
        0..4,
    )
}

fn profile_flag() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        1 => prop::sample::select(&["default", "work", "a b", "", "../x", "missing"][..])
            .prop_map(|p| Some(p.to_string())),
        1 => nasty_string().prop_map(Some),
    ]
}

fn check_settings(settings: &config::Settings) -> Result<(), TestCaseError> {
    prop_assert!(
        (1..=64).contains(&settings.concurrency),
        "concurrency {}",
        settings.concurrency
    );
    let secs = |d: std::time::Duration| d.as_secs();
    prop_assert!((5..=86_400).contains(&secs(settings.ttl)));
    prop_assert!((1..=120).contains(&secs(settings.request_timeout)));
    prop_assert!((1..=300).contains(&secs(settings.deadline)));
    prop_assert!(settings.deadline >= settings.request_timeout);
    let kill = settings.quota.kill_line;
    prop_assert!(
        kill.is_finite() && (0.0..=100.0).contains(&kill),
        "kill line {kill}"
    );
    let w = &settings.quota.weights;
    for weight in [w.plus, w.prolite, w.pro] {
        prop_assert!(weight.is_finite() && weight >= 0.1, "weight {weight}");
    }
    let url = &settings.pool_url;
    prop_assert!(
        url.is_empty() || url.starts_with("http://") || url.starts_with("https://"),
        "pool_url {url:?}"
    );
    prop_assert!(
        !url.chars().any(|c| c.is_control() || c.is_whitespace()),
        "pool_url {url:?}"
    );
    prop_assert!(!settings.profile.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(cfg(600))]

    #[test]
    fn config_load_never_panics(text in toml_text(), env in env_map(), profile in profile_flag()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, &text).expect("write config");
        let lookup = |name: &str| env.get(name).cloned();
        let options = LoadOptions { config_path: Some(path), profile, env: &lookup };
        match config::load(&options) {
            Ok(settings) => check_settings(&settings)?,
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
    }

    #[test]
    fn config_load_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, &bytes).expect("write config");
        let lookup = |_: &str| None;
        let options = LoadOptions { config_path: Some(path), profile: None, env: &lookup };
        if let Ok(settings) = config::load(&options) {
            check_settings(&settings)?;
        }
    }

    #[test]
    fn cache_load_never_panics_and_moves_bad_files_aside(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            any_json().prop_map(|v| v.to_string().into_bytes()),
            (any_json(), 0u32..3).prop_map(|(state, version)| {
                json!({"cache_version": version, "pool_url": "http://p", "state": state})
                    .to_string()
                    .into_bytes()
            }),
        ]
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cache.json");
        std::fs::write(&path, &bytes).expect("write cache");
        match cache::load(&path) {
            Ok(Loaded::Found(found)) => prop_assert_eq!(found.cache_version, CACHE_VERSION),
            Ok(Loaded::Corrupt { moved_to }) => {
                prop_assert!(!path.exists());
                prop_assert_eq!(std::fs::read(&moved_to).expect("kept"), bytes);
            }
            Ok(Loaded::Missing) => prop_assert!(false, "the file exists"),
            Err(error) => prop_assert!(false, "I/O error {error}"),
        }
    }

    #[test]
    fn key_reader_never_echoes_the_input(
        core in "[A-Za-z0-9]{0,40}",
        junk in prop_oneof![
            Just(Vec::new()),
            Just(b" middle space".to_vec()),
            Just(b"\x01\x7f".to_vec()),
            Just(b"\xff\xfe".to_vec()),
            Just(vec![b'k'; 5000]),
            prop::collection::vec(any::<u8>(), 0..20),
        ],
        lead in prop_oneof![Just(""), Just("  "), Just("\t"), Just("\n")],
    ) {
        let mut input = Vec::new();
        input.extend_from_slice(lead.as_bytes());
        input.extend_from_slice(b"KEYMARK");
        input.extend_from_slice(core.as_bytes());
        input.extend_from_slice(&junk);
        let mut sink = Vec::new();
        sink.write_all(&input).expect("buffer");
        match read_key_from(&sink[..]) {
            Ok(key) => {
                let exposed = key.expose();
                prop_assert!(!exposed.is_empty() && exposed.len() <= 4096);
                prop_assert!(!exposed.chars().any(|c| c.is_whitespace() || c.is_control()));
                let printed = format!("{key:?} {key}");
                prop_assert!(!printed.contains("KEYMARK"), "Secret printed its content");
            }
            Err(error) => {
                let text = format!("{error} {error:?}");
                prop_assert!(!text.contains("KEYMARK"), "the key leaked: {text}");
            }
        }
    }
}

/// Found by `usage_bodies_never_panic` (fixed): a positive `reset_at` below one
/// second (e.g. `2.3e-164`) passed the `> 0` check before truncation and became
/// the reset time 0 (1970); a sub-second window became a 0-second window.
#[test]
fn sub_second_times_are_not_reset_times_or_windows() {
    let body = r#"{"rate_limit":{"primary_window":{"used_percent":10,"limit_window_seconds":18000,"reset_at":0.5}}}"#;
    let usage = parse_usage(body, 1_785_900_000).expect("usage");
    let window = usage.five_hour.expect("5h window");
    assert_eq!(
        window.reset_at, None,
        "0.5 s after 1970 is not a reset time"
    );
    let body = r#"{"rate_limit":{"secondary_window":{"used_percent":10,"limit_window_seconds":0.4,"reset_after_seconds":60}}}"#;
    let usage = parse_usage(body, 1_785_900_000).expect("usage");
    let window = usage
        .weekly
        .expect("a duration-less secondary window is the weekly one");
    assert_eq!(window.window_seconds, None);
    assert_eq!(window.reset_at, Some(1_785_900_060));
}

// ----- the other providers (issue 13) -----

mod providers {
    use super::*;
    use poolwatch::api::providers::{antigravity, claude, kimi, reset_credits};
    use poolwatch::model::Lane;

    fn assert_lanes(lanes: &[Lane]) -> Result<(), TestCaseError> {
        for lane in lanes {
            assert_one_line(&lane.name, 240)?;
            if let Some(r) = lane.remaining {
                prop_assert!((0.0..=100.0).contains(&r), "lane remaining {r}");
            }
            if let Some(reset) = lane.reset_at {
                prop_assert!((1..=MAX_EPOCH).contains(&reset), "lane reset {reset}");
            }
        }
        Ok(())
    }

    fn check(result: Result<Usage, impl ToString>) -> Result<(), TestCaseError> {
        match result {
            Ok(usage) => {
                assert_usage(&usage)?;
                if let Some(m) = &usage.monthly {
                    assert_window(m)?;
                }
                assert_lanes(&usage.lanes)
            }
            Err(error) => assert_one_line(&error.to_string(), 200),
        }
    }

    fn time_or_junk() -> BoxedStrategy<Value> {
        prop_oneof![
            Just(Value::from("2026-08-05T05:00:00Z")),
            Just(Value::from("2026-08-05T05:00:00.123+08:00")),
            numberish(),
            any::<String>().prop_map(Value::from),
        ]
        .boxed()
    }

    fn claude_body() -> impl Strategy<Value = String> {
        let window = object_of(
            &["utilization", "resets_at"],
            prop_oneof![numberish(), time_or_junk()].boxed(),
        );
        let value = prop_oneof![window, any_json(), Just(Value::Null)].boxed();
        object_of(
            &[
                "five_hour",
                "seven_day",
                "seven_day_opus",
                "seven_day_sonnet",
                "seven_day_oauth_apps",
                "extra_usage",
            ],
            value,
        )
        .prop_map(|v| v.to_string())
    }

    fn antigravity_body() -> impl Strategy<Value = String> {
        let bucket = object_of(
            &[
                "bucketId",
                "displayName",
                "window",
                "resetTime",
                "remainingFraction",
            ],
            prop_oneof![
                Just(Value::from("5h")),
                Just(Value::from("weekly")),
                numberish(),
                time_or_junk(),
                nasty_string().prop_map(Value::from),
            ]
            .boxed(),
        );
        let group = (nasty_string(), prop::collection::vec(bucket, 0..5))
            .prop_map(|(name, buckets)| json!({"displayName": name, "buckets": buckets}));
        prop::collection::vec(group, 0..4)
            .prop_map(|groups| json!({ "groups": groups }).to_string())
    }

    fn kimi_body() -> impl Strategy<Value = String> {
        let amounts = object_of(
            &["used", "limit", "remaining", "resetAt", "reset_time"],
            prop_oneof![numberish(), time_or_junk()].boxed(),
        );
        let window = object_of(
            &["duration", "timeUnit"],
            prop_oneof![numberish(), any_json()].boxed(),
        );
        let limit = (nasty_string(), amounts.clone(), window).prop_map(
            |(name, detail, window)| json!({"name": name, "detail": detail, "window": window}),
        );
        (amounts, prop::collection::vec(limit, 0..4))
            .prop_map(|(usage, limits)| json!({"usage": usage, "limits": limits}).to_string())
    }

    proptest! {
        #![proptest_config(cfg(1_000))]

        #[test]
        fn claude_never_panics(body in prop_oneof![claude_body(), any::<String>()], status in any::<u16>(), now in any_now()) {
            check(claude::interpret_usage(status, &body, now))?;
            if let Some(plan) = claude::interpret_profile(status, &body) {
                prop_assert!(["team", "max20x", "max5x", "max", "pro", "free"].contains(&plan.as_str()));
            }
        }

        #[test]
        fn antigravity_never_panics(body in prop_oneof![antigravity_body(), any::<String>()], status in any::<u16>(), now in any_now()) {
            check(antigravity::interpret_quota(status, &body, now))?;
            if let Some(tier) = antigravity::interpret_tier(status, &body) {
                assert_one_line(&tier, 40)?;
            }
        }

        #[test]
        fn kimi_never_panics(body in prop_oneof![kimi_body(), any::<String>()], status in any::<u16>(), now in any_now()) {
            check(kimi::interpret_usage(status, &body, now))?;
        }

        #[test]
        fn reset_credits_never_panic(body in any_json(), status in any::<u16>()) {
            let _ = reset_credits::interpret(status, &body.to_string());
        }
    }
}
