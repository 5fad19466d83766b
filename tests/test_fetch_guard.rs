//! Issue 18 (brief item 4): `test-fetch`'s usage calls go through the key
//! guard like its credential-list read. A key rotated between the list and the
//! api-call costs one failed attempt, recorded in `guard.json`; nothing more is
//! sent with that key (not on the next account, not on the next run), and
//! nothing at all during a ban.

mod common;
mod support;

use common::Sandbox;
use support::{Chaos, MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

fn pool() -> Vec<MockAccount> {
    (0..4)
        .map(|i| {
            MockAccount::new(&format!("t{i}@example.com"), "plus")
                .with_behaviour(UsageBehaviour::ok(10.0, 20.0))
        })
        .collect()
}

/// The guard of the (only) server in the profile's guard file.
fn read_guard(sandbox: &Sandbox) -> serde_json::Value {
    let path = sandbox.cache_dir().join("default").join("guard.json");
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("guard.json")).expect("JSON");
    file["servers"]
        .as_object()
        .and_then(|s| s.values().next().cloned())
        .unwrap_or(serde_json::json!({}))
}

#[test]
fn a_key_rotated_before_the_api_call_costs_one_recorded_failure_and_nothing_more() {
    let server = MockServer::start(MockConfig::with_accounts(pool()));
    server.set_config(|c| {
        c.chaos
            .push(Chaos::RotateKeyOnFirstApiCall("rotated-key".into()));
    });
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let run = sandbox.run(&["test-fetch"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    let stats = server.stats();
    assert_eq!(stats.auth_files_requests, 1, "{stats:?}");
    assert_eq!(
        stats.api_call_requests, 1,
        "one api-call, never the next account: {stats:?}"
    );
    assert_eq!(stats.failed_auth_attempts, 1, "{stats:?}");
    // The refused api-call is recorded like a refresh's: its time and the key's fingerprint.
    let guard = read_guard(&sandbox);
    assert_eq!(
        guard["failed_attempts"].as_array().map_or(0, Vec::len),
        1,
        "{guard:#}"
    );
    assert!(guard["rejected_key"].is_string(), "{guard:#}");
    assert!(
        guard["pending"].as_array().is_none_or(Vec::is_empty),
        "the tentative failure was settled: {guard:#}"
    );
    // The same key is not sent again: not by test-fetch, not by a refresh.
    let before = server.stats().total_requests;
    let again = sandbox.run(&["test-fetch"]);
    assert_ne!(again.code, 0);
    let refresh = sandbox.run(&["refresh"]);
    assert_ne!(refresh.code, 0);
    assert_eq!(server.stats().total_requests, before, "nothing sent");
    assert_eq!(server.stats().failed_auth_attempts, 1);
}

#[test]
fn a_working_key_reads_usage_and_clears_nothing_it_should_keep() {
    let server = MockServer::start(MockConfig::with_accounts(pool()));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let run = sandbox.run(&["test-fetch"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let stats = server.stats();
    assert_eq!(stats.api_call_requests, 1, "{stats:?}");
    let guard = read_guard(&sandbox);
    assert!(
        guard["failed_attempts"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{guard:#}"
    );
    assert!(
        guard["pending"].as_array().is_none_or(Vec::is_empty),
        "{guard:#}"
    );
}
