//! Issue 9 items 2 and 3, against the real binary and the mock server: Refresh
//! now can never get the user banned, and the server's IP ban counts down.

mod common;
mod support;

use common::real_now as now;
use common::{assert_valid_menu, Run, Sandbox};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

fn pool() -> Vec<MockAccount> {
    vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 50.0)),
        MockAccount::new("b@example.com", "pro").with_behaviour(UsageBehaviour::ok(25.0, 10.0)),
    ]
}

/// The menu's Refresh now item runs `poolwatch refresh`; a click on the menu
/// re-runs the plugin with reason MenuAction; SwiftBar's timer with Schedule.
fn menu_click(sandbox: &Sandbox) -> Run {
    sandbox.run_env(
        &["plugin"],
        &[
            ("SWIFTBAR", "1"),
            ("SWIFTBAR_PLUGIN_REFRESH_REASON", "MenuAction"),
        ],
    )
}

fn scheduled(sandbox: &Sandbox) -> Run {
    sandbox.run_env(
        &["plugin"],
        &[
            ("SWIFTBAR", "1"),
            ("SWIFTBAR_PLUGIN_REFRESH_REASON", "Schedule"),
        ],
    )
}

/// Move every stored time back, as if `seconds` had passed (the TTL, debounce and
/// the ledger's 30 minutes) without sleeping.
fn let_time_pass(sandbox: &Sandbox, seconds: i64) {
    if sandbox.cache_file("default").exists() {
        sandbox.age_cache("default", seconds);
    }
    let path = guard_path(sandbox);
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    let mut file: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    for guard in file["servers"].as_object_mut().unwrap().values_mut() {
        for field in ["failed_attempts", "pending", "uncertain"] {
            if let Some(times) = guard.get_mut(field).and_then(|v| v.as_array_mut()) {
                for t in times {
                    *t = (t.as_i64().unwrap() - seconds).into();
                }
            }
        }
        if let Some(until) = guard.get("ban_until").and_then(|v| v.as_i64()) {
            guard["ban_until"] = (until - seconds).into();
        }
    }
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
}

/// The profile's key guard file (`guard.json` beside `cache.json`).
fn guard_path(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.cache_dir().join("default").join("guard.json")
}

/// The guard of the (only) server in the profile's guard file.
fn read_guard(sandbox: &Sandbox) -> serde_json::Value {
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(guard_path(sandbox)).expect("guard.json exists"))
            .expect("guard.json is JSON");
    let servers = file["servers"].as_object().expect("servers");
    assert!(servers.len() <= 1, "one server: {file}");
    servers
        .values()
        .next()
        .cloned()
        .unwrap_or(serde_json::json!({}))
}

#[test]
fn one_wrong_key_is_sent_once_whatever_the_user_clicks() {
    let server = MockServer::start(MockConfig::with_accounts(pool()));
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some("wrong-key-1"));
    let mut outputs = Vec::new();
    for round in 0..10 {
        let refresh = sandbox.run(&["refresh"]);
        assert_eq!(refresh.code, 4, "round {round}: {}", refresh.stderr);
        if round > 0 {
            // Says exactly why nothing was sent and how to fix it.
            assert!(
                refresh.stderr.contains("does not send it again")
                    && refresh.stderr.contains("POOLWATCH_MANAGEMENT_KEY")
                    && refresh.stderr.contains("refresh --retry-key"),
                "round {round}: {}",
                refresh.stderr
            );
        }
        outputs.push(refresh);
        let click = menu_click(&sandbox);
        let lines = assert_valid_menu(&click, "menu click");
        assert!(lines[0].title.contains("key rejected"), "{}", click.stdout);
        assert!(
            click.stdout.contains("refresh --retry-key"),
            "the menu says how to retry: {}",
            click.stdout
        );
        outputs.push(click);
        let_time_pass(&sandbox, 10);
    }
    for round in 0..20 {
        let_time_pass(&sandbox, 600);
        let run = scheduled(&sandbox);
        assert_valid_menu(&run, &format!("scheduled run {round}"));
        outputs.push(run);
    }
    let stats = server.stats();
    assert_eq!(stats.failed_auth_attempts, 1, "{stats:?}");
    assert_eq!(stats.banned_responses, 0);
    for run in &outputs {
        assert!(!run.stdout.contains("wrong-key-1") && !run.stderr.contains("wrong-key-1"));
    }
    // The guard keeps a salted fingerprint, never the key.
    let cache = std::fs::read_to_string(sandbox.cache_file("default")).unwrap();
    assert!(!cache.contains("wrong-key-1"));
    assert!(!std::fs::read_to_string(guard_path(&sandbox))
        .unwrap()
        .contains("wrong-key-1"));
    let doc = read_guard(&sandbox);
    let print = doc["rejected_key"].as_str().expect("fingerprint");
    assert_eq!(print.len(), 32);
    assert_eq!(doc["failed_attempts"].as_array().unwrap().len(), 1);

    // --retry-key is the user's explicit decision: exactly one more attempt.
    assert_eq!(sandbox.run(&["refresh", "--retry-key"]).code, 4);
    assert_eq!(server.stats().failed_auth_attempts, 2);
    // The right key is tried at once, even by a scheduled run within the TTL.
    let fixed = Sandbox {
        key: Some(DEFAULT_MANAGEMENT_KEY.into()),
        ..sandbox
    };
    let run = scheduled(&fixed);
    assert_valid_menu(&run, "fixed key");
    assert!(!run.stdout.contains("rejected"), "{}", run.stdout);
    assert_eq!(server.stats().failed_auth_attempts, 2);
    assert_eq!(fixed.run(&["status", "--json"]).json()["state"], "fresh");
}

#[test]
fn five_different_wrong_keys_make_at_most_three_failed_attempts() {
    let server = MockServer::start(MockConfig::with_accounts(pool()));
    let mut sandbox = Sandbox::new(&server.url(), &server.usage_url(), None);
    let mut last = None;
    for k in 1..=5 {
        sandbox.key = Some(format!("wrong-key-{k}"));
        // Every way in, with every key: scheduled, clicked, refresh, --retry-key.
        let runs = [
            scheduled(&sandbox),
            menu_click(&sandbox),
            sandbox.run(&["refresh"]),
            sandbox.run(&["refresh", "--retry-key"]),
            sandbox.run(&["refresh", "--retry-key"]),
            sandbox.run(&["status"]),
        ];
        let_time_pass(&sandbox, 60);
        last = Some(runs);
    }
    let stats = server.stats();
    assert_eq!(stats.failed_auth_attempts, 3, "{stats:?}");
    assert_eq!(stats.banned_responses, 0, "{stats:?}");
    let runs = last.unwrap();
    let refresh = &runs[3];
    assert_eq!(refresh.code, 4);
    assert!(
        refresh
            .stderr
            .contains("3 failed key attempts in the last 30 min"),
        "{}",
        refresh.stderr
    );
    // 30 minutes after the first failure one more attempt is allowed again.
    let_time_pass(&sandbox, 30 * 60 - 4 * 60);
    sandbox.key = Some(DEFAULT_MANAGEMENT_KEY.into());
    let ok = sandbox.run(&["refresh"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(server.stats().failed_auth_attempts, 3);
}

#[test]
fn a_ban_is_stored_counted_down_and_tried_once_more_after_it_ends() {
    let server = MockServer::start(MockConfig::with_accounts(pool()));
    // Someone else on this IP burnt the five attempts.
    for _ in 0..5 {
        support::http(
            "GET",
            &format!("{}/v0/management/auth-files", server.url()),
            &[("Authorization", "Bearer burnt")],
            None,
        );
    }
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let before = now();
    let first = sandbox.run(&["status", "--json"]);
    assert_eq!(first.code, 4, "{}", first.stderr);
    let doc = first.json();
    assert_eq!(doc["state"], "banned");
    let until = doc["ban_until"].as_i64().expect("ban_until");
    // Answer time + "Try again in 29m59s" (or 30m0s).
    assert!(
        (before + 1_795..=now() + 1_800).contains(&until),
        "{until} vs {before}"
    );
    assert!(
        !first.stderr.contains("set-key"),
        "a ban is not a key problem"
    );
    assert_eq!(read_guard(&sandbox)["ban_until"], until);
    let requests = server.stats().total_requests;
    let auth_files_requests = server.stats().auth_files_requests;

    // During the ban: nothing is asked, by any run; the countdown runs.
    for _ in 0..5 {
        let_time_pass(&sandbox, 120);
        let run = scheduled(&sandbox);
        let lines = assert_valid_menu(&run, "banned");
        let left = read_guard(&sandbox)["ban_until"].as_i64().unwrap() - now();
        let minutes = left / 60;
        assert!(
            lines[0].title.contains(&format!("banned {minutes}m"))
                || lines[0].title.contains(&format!("banned {}m", minutes + 1)),
            "{left}: {}",
            run.stdout
        );
        assert!(run
            .stdout
            .contains("Automatic refresh is paused until the ban ends"));
        assert!(!run.stdout.contains("set-key"), "{}", run.stdout);
        assert_valid_menu(&menu_click(&sandbox), "click while banned");
    }
    let refresh = sandbox.run(&["refresh"]);
    assert_eq!(refresh.code, 4);
    assert!(
        refresh.stderr.contains("the ban ends in"),
        "{}",
        refresh.stderr
    );
    let snapshot = sandbox.run(&["snapshot"]).json();
    assert_eq!(snapshot["ban_until"], until - 600);
    assert_eq!(server.stats().total_requests, requests, "nothing asked");

    // After the end: one automatic attempt (the mock's ban still runs: 403 again).
    let_time_pass(&sandbox, 30 * 60);
    let run = scheduled(&sandbox);
    assert_valid_menu(&run, "after the ban");
    assert_eq!(server.stats().auth_files_requests, auth_files_requests + 1);
    let new_until = read_guard(&sandbox)["ban_until"].as_i64().unwrap();
    assert!(new_until > now() + 1_000, "the new ban is stored");
    assert_eq!(server.stats().failed_auth_attempts, 5, "no attempt counted");
}

#[test]
fn test_fetch_is_under_the_same_guard() {
    let server = MockServer::start(MockConfig::with_accounts(pool()));
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some("wrong-key-tf"));
    for round in 0..5 {
        let run = sandbox.run(&["test-fetch"]);
        assert_eq!(run.code, 4, "round {round}: {}", run.stdout);
        if round > 0 {
            assert!(run.stdout.contains("refresh --retry-key"), "{}", run.stdout);
        }
        assert_eq!(sandbox.run(&["refresh"]).code, 4);
    }
    assert_eq!(server.stats().failed_auth_attempts, 1);
    // The right key works at once.
    let fixed = Sandbox {
        key: Some(DEFAULT_MANAGEMENT_KEY.into()),
        ..sandbox
    };
    let run = fixed.run(&["test-fetch"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(server.stats().failed_auth_attempts, 1);
}
