//! Issue 19: the history file, window cycles and waste, pace and use-first,
//! on the real binary against the mock, whose answers change between
//! refreshes so windows really reset. Time moves through the binary's test
//! clock (`POOLWATCH_TEST_NOW`, debug builds), never by sleeping.

mod common;
mod support;

use common::real_now;
use common::Sandbox;
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

use support::{FIVE_HOURS_S as FIVE_HOURS, WEEK_S as WEEK};

fn usage(five_used: f64, five_reset_after: i64, week_used: f64) -> UsageBehaviour {
    UsageBehaviour::Ok {
        primary_used: five_used,
        primary_window_s: FIVE_HOURS,
        primary_reset_after: five_reset_after,
        secondary: Some((week_used, WEEK, 259_200)),
    }
}

fn pool() -> (MockServer, Sandbox) {
    let accounts = vec![
        MockAccount::new("alice@example.com", "plus").with_behaviour(usage(60.0, 3600, 20.0)),
        // Bob's 5h window resets after the second refresh (t0 + 2 h): the
        // mock dates resets by the real clock, the binary runs at t0 + 2 h.
        MockAccount::new("bob@example.com", "pro").with_behaviour(usage(90.0, 4 * 3600, 50.0)),
    ];
    let server = MockServer::start(MockConfig::with_accounts(accounts));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    (server, sandbox)
}

fn at(sandbox: &Sandbox, now: i64, args: &[&str]) -> common::Run {
    let now = now.to_string();
    sandbox.run_env(args, &[("POOLWATCH_TEST_NOW", now.as_str())])
}

fn history_file(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.cache_dir().join("default").join("history.json")
}

/// Alice's 5h window resets between two refreshes (the mock then answers a
/// new reset time and 5% used); Bob's reset time stays.
fn two_refreshes_with_a_reset(server: &MockServer, sandbox: &Sandbox) -> i64 {
    let t0 = real_now();
    let first = at(sandbox, t0, &["refresh", "--all"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    server.set_config(|c| {
        c.accounts[0].behaviour = usage(5.0, FIVE_HOURS, 21.0);
    });
    let t1 = t0 + 7200;
    let second = at(sandbox, t1, &["refresh", "--all"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    t1
}

#[test]
fn a_window_reset_between_refreshes_closes_a_cycle_with_its_waste() {
    let (server, sandbox) = pool();
    let t1 = two_refreshes_with_a_reset(&server, &sandbox);
    let path = history_file(&sandbox);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "history.json is private");
    }
    let run = at(&sandbox, t1, &["history", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    let section = &doc["sections"][0];
    assert_eq!(section["provider"], "codex");
    let five = section["series"]["five_hour"].as_array().unwrap();
    assert_eq!(five.len(), 2, "one point per fetch: {five:?}");
    // [at, remaining, capacity]: Plus 40% + Pro 20 × 10% = 240 of 2100, then 95 + 200 = 295.
    assert_eq!(five[0][1].as_f64(), Some(240.0));
    assert_eq!(five[0][2].as_f64(), Some(2100.0));
    assert_eq!(five[1][1].as_f64(), Some(295.0));
    assert_eq!(five[1][0].as_i64(), Some(t1));
    let cycles = section["cycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 1, "only Alice's window reset: {cycles:?}");
    let cycle = &cycles[0];
    assert_eq!(
        cycle["account"], "codex-alice@example.com-plus.json",
        "a stable key, never auth_index"
    );
    assert_eq!(cycle["window"], "five_hour");
    assert_eq!(cycle["used_percent"].as_f64(), Some(60.0));
    assert_eq!(
        cycle["wasted"].as_f64(),
        Some(40.0),
        "a Plus that reset at 60% used wasted 40%"
    );
    let ended = cycle["ended_at"].as_i64().unwrap();
    assert!(
        (ended - (t1 - 7200 + 3600)).abs() <= 5,
        "ended at the old reset: {ended}"
    );
    assert_eq!(
        section["waste"]["five_hour"]["wasted_24h"].as_f64(),
        Some(40.0)
    );
    assert_eq!(
        section["waste"]["five_hour"]["used_24h"].as_f64(),
        Some(60.0)
    );

    // The terminal view and CSV say the same.
    let text = at(&sandbox, t1, &["history"]).stdout;
    assert!(text.contains("alice@example.com"), "{text}");
    assert!(text.contains("Closed window cycles: 1"), "{text}");
    let csv = at(&sandbox, t1, &["history", "--csv", "--provider", "codex"]).stdout;
    assert!(
        csv.lines()
            .any(|l| l.starts_with("cycle,codex,five_hour,") && l.ends_with(",60,60,40,1")),
        "{csv}"
    );
    assert_eq!(csv.lines().filter(|l| l.starts_with("point,")).count(), 4);
    let none = at(&sandbox, t1, &["history", "--json", "--provider", "claude"]).json();
    assert_eq!(none["sections"].as_array().unwrap().len(), 0);
    let since = at(&sandbox, t1, &["history", "--json", "--since", "1h"]).json();
    assert_eq!(
        since["sections"][0]["series"]["five_hour"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // status --json and the widget snapshot carry waste, pace fields and use-first.
    let status = at(&sandbox, t1, &["status", "--json"]).json();
    assert_eq!(
        status["waste"]["five_hour"]["wasted_24h"].as_f64(),
        Some(40.0)
    );
    assert!(
        status["expiring_first"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{status}"
    );
    let snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sandbox.snapshot_path()).unwrap()).unwrap();
    assert_eq!(snapshot["schema_version"], 3);
    assert_eq!(snapshot["history"]["provider"], "codex");
    assert_eq!(
        snapshot["history"]["five_hour"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        snapshot["waste"]["five_hour"]["wasted_24h"].as_f64(),
        Some(40.0)
    );
    // Read by a usage call at the second refresh (issue 18's source).
    assert_eq!(snapshot["accounts"][0]["source"]["kind"], "read");
    assert_eq!(snapshot["accounts"][0]["source"]["at"].as_i64(), Some(t1));

    // metrics: waste and utilisation per window and span, before `# EOF`.
    let metrics = at(&sandbox, t1, &["metrics"]).stdout;
    assert!(
        metrics.contains(
            "poolwatch_window_wasted_percent{profile=\"default\",provider=\"codex\",window=\"five_hour\",span=\"24h\"} 40\n"
        ),
        "{metrics}"
    );
    assert!(metrics.contains(
        "poolwatch_window_utilisation_ratio{profile=\"default\",provider=\"codex\",window=\"five_hour\",span=\"7d\"} 0.6\n"
    ));
    assert!(metrics.ends_with("# EOF\n"));
}

#[test]
fn a_clock_that_went_back_never_reorders_the_history() {
    let (server, sandbox) = pool();
    let t1 = two_refreshes_with_a_reset(&server, &sandbox);
    let back = t1 - 3600;
    let run = at(&sandbox, back, &["refresh", "--all"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = at(&sandbox, back, &["history", "--json"]).json();
    let ats: Vec<i64> = doc["sections"][0]["series"]["five_hour"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_i64().unwrap())
        .collect();
    assert!(ats.windows(2).all(|w| w[0] < w[1]), "{ats:?}");
    assert_eq!(ats.last(), Some(&back));
    assert!(!ats.contains(&t1), "the point from the future is dropped");
}

#[test]
fn a_damaged_history_is_set_aside_with_a_notice_and_never_blocks_the_menu() {
    let (_server, sandbox) = pool();
    let t0 = real_now();
    assert_eq!(at(&sandbox, t0, &["refresh"]).code, 0);
    let path = history_file(&sandbox);
    std::fs::write(&path, b"{\"history_version\": 1, \"sections\": [garbage").unwrap();
    let run = at(&sandbox, t0 + 120, &["refresh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(said.contains("history file was damaged"), "{said}");
    assert!(path.with_extension("corrupt.json").exists());
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(doc["history_version"], 1, "a new history started");
    // A history file of another format (a newer poolwatch) is set aside too.
    std::fs::write(&path, br#"{"history_version": 99, "sections": {}}"#).unwrap();
    let menu = at(&sandbox, t0 + 240, &["plugin"]);
    assert_eq!(menu.code, 0);
    assert!(
        menu.stdout.lines().next().is_some_and(|l| l.contains('%')),
        "{}",
        menu.stdout
    );
}

#[test]
fn a_cache_hit_menu_never_reads_the_history_file_and_still_draws_the_charts() {
    let (server, sandbox) = pool();
    let t1 = two_refreshes_with_a_reset(&server, &sandbox);
    // The full path writes the menu form (with the precomputed charts).
    let now = t1.to_string();
    let env = [("SWIFTBAR", "1"), ("POOLWATCH_TEST_NOW", now.as_str())];
    let full = sandbox.run_env(&["plugin"], &env);
    assert_eq!(full.code, 0);
    // Now the history file is unreadable garbage: a run that read it would set it aside.
    let path = history_file(&sandbox);
    std::fs::write(&path, b"not json").unwrap();
    let hit = sandbox.run_env(&["plugin"], &env);
    assert_eq!(hit.code, 0);
    assert!(
        path.exists() && !path.with_extension("corrupt.json").exists(),
        "history.json was read"
    );
    let lines = common::parse_plugin_output(&hit.stdout);
    let charts: Vec<_> = lines
        .iter()
        .filter(|l| l.param("image").is_some())
        .collect();
    assert_eq!(charts.len(), 2, "a day chart per window:\n{}", hit.stdout);
    for chart in charts {
        assert_eq!(chart.param("width"), Some("168"));
        assert_eq!(chart.param("height"), Some("24"));
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD
            .decode(chart.param("image").unwrap())
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
    assert!(
        hit.stdout.contains("Wasted last 7 days: 5h 40%"),
        "{}",
        hit.stdout
    );
    assert!(hit.stdout.contains("Use first"), "{}", hit.stdout);
    // xbar gets sparklines and no parameter it does not know.
    let xbar = sandbox.run_env(
        &["plugin", "--dialect", "xbar"],
        &[("POOLWATCH_TEST_NOW", now.as_str())],
    );
    let lines = common::parse_plugin_output(&xbar.stdout);
    assert!(lines
        .iter()
        .all(|l| l.param("image").is_none() && l.param("width").is_none()));
    assert!(
        xbar.stdout
            .lines()
            .any(|l| l.starts_with("5h ") && l.contains('▂') && l.contains("low 11%")),
        "{}",
        xbar.stdout
    );
}

#[test]
fn a_pace_that_runs_out_before_the_reset_alerts_once() {
    let five = |used: f64| UsageBehaviour::Ok {
        primary_used: used,
        primary_window_s: FIVE_HOURS,
        primary_reset_after: 4 * 3600,
        secondary: Some((10.0, WEEK, 259_200)),
    };
    let accounts = vec![
        MockAccount::new("alice@example.com", "plus").with_behaviour(five(0.0)),
        MockAccount::new("bob@example.com", "pro").with_behaviour(five(0.0)),
    ];
    let server = MockServer::start(MockConfig::with_accounts(accounts));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(&format!("{config}[alerts]\nruns_out_before_reset = true\n"));
    let t0 = real_now();
    assert_eq!(at(&sandbox, t0, &["refresh", "--all"]).code, 0);
    // Bob burns half of a Pro (1000%) in 10 minutes: 6000%/h, 1100% left, the
    // windows reset in about 4 hours: it runs out long before.
    server.set_config(|c| c.accounts[1].behaviour = five(50.0));
    assert_eq!(at(&sandbox, t0 + 600, &["refresh", "--all"]).code, 0);
    let status = at(&sandbox, t0 + 600, &["status", "--json", "--offline"]).json();
    let pace = &status["pace"]["five_hour"];
    assert_eq!(pace["stage"], "deficit", "{pace}");
    assert_eq!(pace["lasts_until_reset"], false);
    assert!(
        pace["margin_seconds"].as_i64().unwrap() < -3 * 3600,
        "{pace}"
    );
    let kinds = |now: i64| -> Vec<String> {
        at(&sandbox, now, &["alerts", "--json"]).json()["recent"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_string())
            .filter(|k| k == "run_out_before_reset")
            .collect()
    };
    assert_eq!(kinds(t0 + 600).len(), 1);
    // Still burning at the next refresh: no second alert.
    server.set_config(|c| c.accounts[1].behaviour = five(60.0));
    assert_eq!(at(&sandbox, t0 + 900, &["refresh", "--all"]).code, 0);
    assert_eq!(kinds(t0 + 900).len(), 1, "edge-triggered");
    let now = at(&sandbox, t0 + 900, &["alerts"]);
    assert!(
        now.stdout.contains("runs out before its reset"),
        "{}",
        now.stdout
    );
}
