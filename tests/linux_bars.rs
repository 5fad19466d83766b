//! Linux bars: `status --format waybar` (Waybar's custom module, one JSON object per line) on
//! the real binary against the mock, and the xbar dialect read by GNOME Argos's rules (its
//! README: the BitBar line format, its attribute list, Pango markup and backslash escapes in
//! the text, submenus one level deep).

mod common;
mod support;

use common::{parse_plugin_output, Sandbox};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

#[test]
fn waybar_line_against_the_mock() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(20.0, 10.0)),
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 30.0)),
    ]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let run = sandbox.run(&["status", "--format", "waybar"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim_end()).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["class", "percentage", "text", "tooltip"]);
    // 5h: 80 + 60 = 140 of 200 (70 %); week: 90 + 70 = 160 of 200 (80 %).
    assert_eq!(v["text"], "5h 70% · W 80%");
    assert_eq!(v["percentage"], 70);
    assert_eq!(v["class"], "ok");
    assert!(v["tooltip"]
        .as_str()
        .unwrap()
        .contains("Accounts 2/2 available"));

    // The pool goes away: the cached data is shown as stale.
    sandbox.age_cache("default", 3600);
    server.stop();
    let run = sandbox.run(&["status", "--format", "waybar"]);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim_end()).unwrap();
    assert_eq!(v["class"], "stale", "{v}");
    assert_eq!(v["percentage"], 70);
}

#[test]
fn waybar_without_any_data_is_an_error_line() {
    let sandbox = Sandbox::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/backend-api/wham/usage",
        Some("k"),
    );
    let run = sandbox.run(&["status", "--format", "waybar", "--offline"]);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim_end()).unwrap();
    assert_eq!(v["class"], "error");
    assert_eq!(v["percentage"], 0);
}

/// Attributes Argos documents (README "Line attributes", plus BitBar's `paramN`).
const ARGOS_ATTRIBUTES: &[&str] = &[
    "color",
    "font",
    "size",
    "iconName",
    "image",
    "templateImage",
    "length",
    "trim",
    "dropdown",
    "alternate",
    "emojize",
    "ansi",
    "useMarkup",
    "unescape",
    "bash",
    "terminal",
    "href",
    "eval",
    "refresh",
];
const BOOLEAN_ATTRIBUTES: &[&str] = &[
    "trim",
    "dropdown",
    "alternate",
    "emojize",
    "ansi",
    "useMarkup",
    "unescape",
    "terminal",
    "refresh",
];

/// True when `text` is plain for Pango markup (XML character data: no `<`, `&` only as an
/// entity; a bare `>` is allowed).
fn pango_plain(text: &str) -> bool {
    if text.contains('<') {
        return false;
    }
    text.match_indices('&').all(|(i, _)| {
        let rest = &text[i + 1..];
        ["amp;", "lt;", "gt;", "quot;", "apos;"]
            .iter()
            .any(|e| rest.starts_with(e))
    })
}

fn check_argos(stdout: &str, what: &str) {
    let lines = parse_plugin_output(stdout);
    assert!(lines.len() > 5, "{what}: {stdout}");
    let first_separator = lines.iter().position(|l| l.separator && l.depth == 0);
    assert!(
        first_separator.is_some_and(|i| i >= 1),
        "{what}: a button line, then ---"
    );
    for line in &lines {
        // GNOME Shell renders one submenu level.
        assert!(line.depth <= 1, "{what}: nested submenu: {}", line.raw);
        if line.separator {
            continue;
        }
        assert!(
            pango_plain(&line.title),
            "{what}: Argos would read markup in {:?}",
            line.title
        );
        // Argos turns `\n`-style escapes into characters: a lone backslash must be doubled.
        let undoubled = line.title.replace("\\\\", "");
        assert!(!undoubled.contains('\\'), "{what}: {}", line.raw);
        for (key, value) in &line.params {
            let known = ARGOS_ATTRIBUTES.contains(&key.as_str())
                || key
                    .strip_prefix("param")
                    .is_some_and(|n| n.parse::<u32>().is_ok());
            assert!(known, "{what}: Argos has no attribute {key}: {}", line.raw);
            if BOOLEAN_ATTRIBUTES.contains(&key.as_str()) {
                assert!(value == "true" || value == "false", "{what}: {}", line.raw);
            }
            match key.as_str() {
                "size" | "length" => assert!(value.parse::<u32>().is_ok(), "{}", line.raw),
                "color" => assert!(
                    value.starts_with('#') && value[1..].chars().all(|c| c.is_ascii_hexdigit())
                        || value.chars().all(|c| c.is_ascii_alphabetic()),
                    "{}",
                    line.raw
                ),
                _ => {}
            }
        }
        if line.params.iter().any(|(k, _)| k.starts_with("param")) {
            assert!(line.params.iter().any(|(k, _)| k == "bash"), "{}", line.raw);
        }
    }
}

#[test]
fn the_xbar_dialect_follows_argos_rules() {
    let sandbox = Sandbox::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/backend-api/wham/usage",
        None,
    );
    for language in ["en", "zh-Hans"] {
        let run = sandbox.run_env(
            &["--demo", "plugin", "--dialect", "xbar"],
            &[("POOLWATCH_LANGUAGE", language)],
        );
        assert_eq!(run.code, 0);
        check_argos(&run.stdout, language);
    }
    // The rules catch what they claim to.
    assert!(!pango_plain("a <b>bold</b>"));
    assert!(!pango_plain("R&D"));
    assert!(pango_plain("R&amp;D 5h 70%"));
}
