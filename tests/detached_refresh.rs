//! No blocking refresh in the menu (issue 10 item 3): a due cache is shown at
//! once while a detached `poolwatch` fetches; a cold start waits a short bound.

mod common;
mod support;

use std::time::{Duration, Instant};

use common::Sandbox;
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

fn accounts() -> Vec<MockAccount> {
    vec![
        MockAccount::new("alpha@example.com", "plus")
            .with_behaviour(UsageBehaviour::ok(10.0, 20.0)),
        MockAccount::new("bravo@example.com", "pro").with_behaviour(UsageBehaviour::ok(30.0, 40.0)),
    ]
}

fn sandbox(server: &MockServer, extra: &str) -> Sandbox {
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\ntimeout_seconds = 10\ndeadline_seconds = 20\n{extra}",
        server.url(),
        server.usage_url()
    ));
    sandbox
}

#[test]
fn a_due_menu_returns_at_once_and_the_detached_refresh_updates_the_cache() {
    let server = MockServer::start(MockConfig::with_accounts(accounts()));
    let sandbox = sandbox(&server, "");
    assert_eq!(sandbox.run(&["status"]).code, 0);
    sandbox.age_cache("default", 1_000);
    let before = sandbox.read_cache("default")["last_attempt_at"]
        .as_i64()
        .unwrap();
    server.reset_stats();
    server.set_config(|c| c.auth_files_delay = Duration::from_secs(3));
    let seen = sandbox.refreshes_ended();
    for swiftbar in [true, false] {
        let env: &[(&str, &str)] = if swiftbar { &[("SWIFTBAR", "1")] } else { &[] };
        let started = Instant::now();
        let run = sandbox.run_env(&["plugin"], env);
        let took = started.elapsed();
        assert!(took < Duration::from_millis(1_500), "took {took:?}");
        assert!(run.stdout.contains("↻ Refreshing…"), "{}", run.stdout);
        assert!(
            run.stdout.contains("alpha@example.com"),
            "the cached data: {}",
            run.stdout
        );
    }
    // One refresh fetches (the second run found it holding the lock).
    sandbox.wait_for_quiet("default", seen);
    let stats = server.stats();
    assert_eq!(stats.auth_files_requests, 1, "{stats:?}");
    let after = sandbox.read_cache("default")["last_attempt_at"]
        .as_i64()
        .unwrap();
    assert!(after > before, "the detached refresh wrote the cache");
    let next = sandbox.run(&["plugin"]);
    assert!(!next.stdout.contains("Refreshing"), "{}", next.stdout);
    assert!(next.stdout.contains("Last updated just now") || next.stdout.contains("s ago"));
    assert_eq!(
        server.stats().auth_files_requests,
        1,
        "served from the new cache"
    );
}

#[test]
fn a_cold_start_waits_only_its_bound_then_says_loading() {
    let server = MockServer::start(MockConfig {
        auth_files_delay: Duration::from_secs(4),
        ..MockConfig::with_accounts(accounts())
    });
    let sandbox = sandbox(&server, "cold_start_wait_seconds = 1\n");
    let seen = sandbox.refreshes_ended();
    let started = Instant::now();
    let run = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1")]);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "waited its bound: {took:?}"
    );
    assert!(took < Duration::from_millis(3_000), "no longer: {took:?}");
    let title = run.stdout.lines().next().unwrap();
    assert!(title.starts_with("loading"), "{}", run.stdout);
    assert!(run.stdout.contains("Refreshing…"));
    assert!(sandbox.wait_for_refresh(seen));
    let next = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1")]);
    assert!(next.stdout.contains("bravo@example.com"), "{}", next.stdout);
    assert_eq!(server.stats().auth_files_requests, 1);
}

#[test]
fn a_fast_cold_start_shows_the_data_in_the_first_run() {
    let server = MockServer::start(MockConfig::with_accounts(accounts()));
    let sandbox = sandbox(&server, "");
    let run = sandbox.run(&["plugin"]);
    assert!(run.stdout.contains("alpha@example.com"), "{}", run.stdout);
    assert!(!run.stdout.contains("Refreshing"), "{}", run.stdout);
}

#[test]
fn every_profile_of_a_combined_menu_refreshes_detached() {
    let first = MockServer::start(MockConfig::with_accounts(accounts()));
    let second = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "night@example.com",
        "plus",
    )]));
    let sandbox = sandbox(&first, "");
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(&format!(
        "{config}[profiles.night]\npool_url = \"{}\"\nusage_url = \"{}\"\n",
        second.url(),
        second.usage_url()
    ));
    assert_eq!(sandbox.run(&["plugin", "--all-profiles"]).code, 0);
    assert_eq!(first.stats().auth_files_requests, 1);
    assert_eq!(second.stats().auth_files_requests, 1);
    sandbox.age_cache("default", 1_000);
    sandbox.age_cache("night", 1_000);
    for server in [&first, &second] {
        server.set_config(|c| c.auth_files_delay = Duration::from_secs(3));
    }
    let seen = sandbox.refreshes_ended();
    let started = Instant::now();
    let run = sandbox.run_env(&["plugin", "--all-profiles"], &[("SWIFTBAR", "1")]);
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "{:?}",
        started.elapsed()
    );
    assert!(run.stdout.contains("night@example.com"), "{}", run.stdout);
    assert!(run.stdout.contains("alpha@example.com"), "{}", run.stdout);
    // Both detached refreshes end and each pool was asked once more.
    sandbox.wait_for_quiet("default", seen);
    sandbox.wait_for_quiet("night", seen);
    assert!(sandbox.refreshes_ended() >= seen + 2);
    assert_eq!(first.stats().auth_files_requests, 2);
    assert_eq!(second.stats().auth_files_requests, 2);
}
