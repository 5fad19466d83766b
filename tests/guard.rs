//! `poolwatch guard` on the real binary against the mock: 0 / 1 / 69 / 64 and `--json`.

mod common;
mod support;

use common::Sandbox;
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

fn pool() -> MockServer {
    // 5h: (100-80) + (100-60) = 60 of 200 = 30 % left; week: 90 + 70 = 160 of 200 = 80 %.
    MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(80.0, 10.0)),
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(60.0, 30.0)),
    ]))
}

#[test]
fn exit_codes_follow_the_share_left() {
    let server = pool();
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let run = sandbox.run(&["guard", "--min-remaining", "30", "--window", "5h"]);
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert!(run.stdout.contains("30.0%"), "{}", run.stdout);
    let run = sandbox.run(&["guard", "--min-remaining", "31", "--window", "5h", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["percent_left"], 30.0);
    assert_eq!(doc["window"], "5h");
    assert!(doc["reason"].as_str().unwrap().contains("31% wanted"));
    let run = sandbox.run(&[
        "guard",
        "--min-remaining",
        "80",
        "--window",
        "week",
        "--offline",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A provider the pool does not have: unreadable, not "enough".
    let run = sandbox.run(&[
        "guard",
        "--min-remaining",
        "1",
        "--window",
        "5h",
        "--provider",
        "kimi",
        "--json",
    ]);
    assert_eq!(run.code, 69, "{}", run.stdout);
    // One fetch served all of them (the cache, as every other run).
    assert_eq!(server.stats().auth_files_requests, 1);
}

#[test]
fn unreadable_pool_is_69_and_usage_errors_are_64() {
    let sandbox = Sandbox::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/backend-api/wham/usage",
        Some("k"),
    );
    let run = sandbox.run(&[
        "guard",
        "--min-remaining",
        "10",
        "--window",
        "5h",
        "--offline",
        "--json",
    ]);
    assert_eq!(run.code, 69, "{}", run.stderr);
    assert_eq!(run.json()["ok"], false);
    let run = sandbox.run(&["guard", "--min-remaining", "10", "--window", "5h"]);
    assert_eq!(run.code, 69, "{} {}", run.stdout, run.stderr);
    assert!(run.stderr.contains("cannot be read"), "{}", run.stderr);
    for bad in [
        vec!["guard", "--window", "5h"],
        vec!["guard", "--min-remaining", "x", "--window", "5h"],
        vec!["guard", "--min-remaining", "10", "--window", "month"],
        vec![
            "guard",
            "--min-remaining",
            "10",
            "--window",
            "5h",
            "--provider",
            "nope",
        ],
    ] {
        let run = sandbox.run(&bad);
        assert_eq!(run.code, 64, "{bad:?}: {}", run.stderr);
    }
    // Other commands keep clap's own code.
    assert_eq!(sandbox.run(&["status", "--bogus"]).code, 2);
}
