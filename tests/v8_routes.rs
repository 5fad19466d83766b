//! Issue 18 item 1: both Management APIs. poolwatch uses `/v8/management` where the
//! server has it, `/v0/management` elsewhere, keeps working when v0 is gone, learns
//! which once per server version, and the probe never costs a failed key attempt.
//! Every test runs against each server shape of the mock (tests/support/mock_v8.rs).

mod common;
mod support;

use common::Sandbox;
use support::v8::{ServerShape, V8Fault};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

fn accounts() -> Vec<MockAccount> {
    vec![
        MockAccount::new("alice@example.com", "plus")
            .with_behaviour(UsageBehaviour::ok(42.0, 19.0)),
        MockAccount::new("bob@example.com", "pro").with_behaviour(UsageBehaviour::ok(10.0, 5.0)),
    ]
}

fn sandbox_for(server: &MockServer, key: Option<&str>) -> Sandbox {
    Sandbox::new(&server.url(), &server.usage_url(), key)
}

fn scheduled_refresh(sandbox: &Sandbox) -> common::Run {
    sandbox.age_cache("default", 100_000);
    sandbox.run(&["status", "--json"])
}

#[test]
fn every_server_shape_is_read_on_its_own_api_and_learned_once() {
    for shape in ServerShape::ALL {
        let server = MockServer::start(MockConfig::shaped(shape, accounts()));
        let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
        let run = sandbox.run(&["status", "--json"]);
        assert_eq!(run.code, 0, "{shape:?}: {}", run.stderr);
        let json = run.json();
        let five: Vec<f64> = json["report"]["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["five_hour"]["remaining"].as_f64())
            .collect();
        assert_eq!(five.len(), 2, "{shape:?}: both accounts read: {json}");
        let stats = server.stats();
        assert_eq!(
            stats.failed_auth_attempts, 0,
            "{shape:?}: the probe is free"
        );
        if shape.serves_v8() {
            assert_eq!(stats.v8.v0_requests, 0, "{shape:?}: all on v8: {stats:?}");
            assert!(stats.v8.v8_requests >= 3, "{shape:?}: list + 2 api-calls");
        } else {
            assert_eq!(stats.v8.v8_requests, 1, "{shape:?}: one v8 probe");
            assert_eq!(stats.v8.missing_routes, 1, "{shape:?}");
        }
        let cache = sandbox.read_cache("default");
        let learned = if shape.serves_v8() { "v8" } else { "v0" };
        assert_eq!(cache["state"]["management_api"], learned, "{shape:?}");
        assert_eq!(cache["state"]["server_version"], shape.version());

        // The next refresh goes straight to the learned API: no probe.
        server.reset_stats();
        let run = scheduled_refresh(&sandbox);
        assert_eq!(run.code, 0, "{shape:?}: {}", run.stderr);
        let stats = server.stats();
        assert_eq!(stats.v8.missing_routes, 0, "{shape:?}: no second probe");
        if shape.serves_v8() {
            assert_eq!(stats.v8.v0_requests, 0, "{shape:?}");
        } else {
            assert_eq!(stats.v8.v8_requests, 0, "{shape:?}");
        }
    }
}

#[test]
fn a_wrong_key_costs_one_failed_attempt_on_every_shape() {
    for shape in ServerShape::ALL {
        let server = MockServer::start(MockConfig::shaped(shape, accounts()));
        let sandbox = sandbox_for(&server, Some("wrong-key"));
        let run = sandbox.run(&["refresh"]);
        assert_ne!(run.code, 0, "{shape:?}");
        assert_eq!(
            server.stats().failed_auth_attempts,
            1,
            "{shape:?}: a 401 on the probe is the answer, never retried on the other API"
        );
    }
}

#[test]
fn an_upgrade_to_a_server_without_v0_keeps_working() {
    let server = MockServer::start(MockConfig::shaped(ServerShape::V7_2_140, accounts()));
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    assert_eq!(
        sandbox.read_cache("default")["state"]["management_api"],
        "v0"
    );

    // The server is replaced by a v8 release without /v0 (same URL).
    server.set_config(|c| {
        c.v8.shape = ServerShape::V8Only;
        c.version = ServerShape::V8Only.version().to_string();
    });
    server.reset_stats();
    let run = scheduled_refresh(&sandbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stats = server.stats();
    assert_eq!(stats.failed_auth_attempts, 0);
    assert_eq!(
        stats.v8.v0_requests, 1,
        "the learned v0 is tried once: {stats:?}"
    );
    assert!(stats.v8.v8_requests >= 1);
    let cache = sandbox.read_cache("default");
    assert_eq!(cache["state"]["management_api"], "v8");
    assert_eq!(cache["state"]["server_version"], "8.0.23");
    assert!(cache["last_error"].is_null(), "{}", cache["last_error"]);

    // A v8 server that still has v0, learned as v0 before: the new version is probed once.
    server.set_config(|c| c.v8.shape = ServerShape::V8);
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    server.set_config(|c| {
        c.v8.shape = ServerShape::V7_3;
        c.version = "7.3.8".into();
    });
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    assert_eq!(
        sandbox.read_cache("default")["state"]["management_api"],
        "v0"
    );
    server.set_config(|c| {
        c.v8.shape = ServerShape::V8;
        c.version = "8.0.23".into();
    });
    server.reset_stats();
    assert_eq!(scheduled_refresh(&sandbox).code, 0);
    // v0 still answers (deprecated); its new version makes poolwatch forget…
    assert!(sandbox.read_cache("default")["state"]["management_api"].is_null());
    server.reset_stats();
    assert_eq!(scheduled_refresh(&sandbox).code, 0);
    // … and the next refresh probes v8 once and stays there.
    assert_eq!(
        sandbox.read_cache("default")["state"]["management_api"],
        "v8"
    );
    assert_eq!(server.stats().v8.v0_requests, 0);
}

#[test]
fn an_odd_answer_to_the_v8_probe_falls_back_to_v0_with_a_notice() {
    for fault in [V8Fault::Html, V8Fault::Redirect, V8Fault::Status(502)] {
        let mut config = MockConfig::shaped(ServerShape::V8, accounts());
        config.v8.v8_fault = Some(fault.clone());
        let server = MockServer::start(config);
        let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
        let run = sandbox.run(&["status"]);
        assert_eq!(run.code, 0, "{fault:?}: {}", run.stderr);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            all.contains("/v8 management probe") && all.contains("/v0/management"),
            "{fault:?}: the notice says what happened: {all}"
        );
        let stats = server.stats();
        assert_eq!(stats.failed_auth_attempts, 0, "{fault:?}");
        assert!(
            stats.v8.v0_requests >= 3,
            "{fault:?}: list + api-calls on v0"
        );
        assert_eq!(
            sandbox.read_cache("default")["state"]["management_api"],
            "v0"
        );
    }
}

#[test]
fn api_key_rows_come_from_the_v8_route_on_v8_servers() {
    use support::{ApiKeyUsageMock, KeyUsageShape, MockApiKey};
    for shape in [ServerShape::V8, ServerShape::V8Only] {
        let mut config = MockConfig::shaped(shape, accounts());
        config.api_key_usage = Some(ApiKeyUsageMock::Keys(
            KeyUsageShape::Current,
            vec![MockApiKey::new(
                "codex",
                "https://api.example.com",
                "sk-test-123456",
                &[(3, 1)],
            )],
        ));
        let server = MockServer::start(config);
        let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
        let run = sandbox.run(&["status", "--json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(server.stats().api_key_usage_requests, 1);
        assert_eq!(server.stats().v8.v0_requests, 0, "{shape:?}");
        let keys = run.json()["report"]["api_keys"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(keys.len(), 1, "{shape:?}: {}", run.stdout);
    }
}
