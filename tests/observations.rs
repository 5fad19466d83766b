//! Issue 18 item 2: passive quota first. A fresh observation newer than the last
//! usage read is the account's usage (no api-call); an older one never overrides a
//! read; a bad one leaves a note and the account is read as before. Every output
//! says where the numbers come from.

mod common;
mod support;

use common::real_now as now;

use common::Sandbox;
use support::v8::{claude_observation, codex_observation, observation, ServerShape};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

fn pool(shape: ServerShape, n: usize) -> (MockServer, Sandbox) {
    let accounts = (0..n)
        .map(|i| {
            MockAccount::new(&format!("user{i:02}@example.com"), "plus")
                .with_behaviour(UsageBehaviour::ok(50.0, 50.0))
        })
        .collect();
    let server = MockServer::start(MockConfig::shaped(shape, accounts));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    (server, sandbox)
}

fn names(server: &MockServer) -> Vec<String> {
    server
        .config()
        .accounts
        .iter()
        .map(|a| a.name.clone())
        .collect()
}

fn usage_calls(server: &MockServer) -> u64 {
    server
        .stats()
        .calls_per_path
        .get("/backend-api/wham/usage")
        .copied()
        .unwrap_or(0)
}

fn account<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["report"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {json}"))
}

#[test]
fn fresh_observations_are_the_usage_on_every_observing_shape() {
    for shape in [ServerShape::V7_3, ServerShape::V8, ServerShape::V8Only] {
        let (server, sandbox) = pool(shape, 10);
        let observed_at = now() - 30;
        server.set_config(|c| {
            for (i, a) in c.accounts.iter().enumerate() {
                c.v8.observations.insert(
                    a.name.clone(),
                    codex_observation(observed_at, "pro", i as f64, 20.0),
                );
            }
        });
        let run = sandbox.run(&["status", "--json"]);
        assert_eq!(run.code, 0, "{shape:?}: {}", run.stderr);
        assert_eq!(usage_calls(&server), 0, "{shape:?}: no usage call at all");
        let json = run.json();
        for (i, name) in names(&server).iter().enumerate() {
            let a = account(&json, name);
            assert_eq!(
                a["five_hour"]["remaining"],
                100.0 - i as f64,
                "{shape:?} {name}"
            );
            assert_eq!(a["weekly"]["remaining"], 80.0);
            assert_eq!(a["plan"], "pro", "the observed plan");
            assert_eq!(a["source"]["kind"], "observed");
            assert_eq!(a["source"]["at"], observed_at);
        }
        // Where the numbers come from, in the terminal and the menu.
        let status = sandbox.run(&["status"]);
        assert!(
            status.stdout.contains("observed from traffic"),
            "{}",
            status.stdout
        );
        let menu = sandbox.run_plugin(true);
        assert!(
            menu.stdout.contains("Usage observed from traffic"),
            "{}",
            menu.stdout
        );
        // The widget snapshot too.
        let snapshot: serde_json::Value =
            serde_json::from_slice(&std::fs::read(sandbox.snapshot_path()).unwrap()).unwrap();
        assert_eq!(snapshot["accounts"][0]["source"]["kind"], "observed");
    }
}

#[test]
fn old_shapes_and_old_observations_are_read() {
    // v7.2.140 sends no observations: every account is read.
    let (server, sandbox) = pool(ServerShape::V7_2_140, 4);
    server.set_config(|c| {
        let name = c.accounts[0].name.clone();
        c.v8.observations
            .insert(name, codex_observation(now(), "pro", 1.0, 1.0));
    });
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    assert_eq!(usage_calls(&server), 4);
    let json = sandbox.run(&["status", "--json", "--offline"]).json();
    assert_eq!(json["report"]["accounts"][0]["source"]["kind"], "read");

    // An observation older than the freshness limit (default 5 minutes) is not used.
    let (server, sandbox) = pool(ServerShape::V8, 3);
    server.set_config(|c| {
        for a in c.accounts.clone() {
            c.v8.observations
                .insert(a.name, codex_observation(now() - 600, "pro", 1.0, 1.0));
        }
    });
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    assert_eq!(usage_calls(&server), 3);
    // … unless the setting allows it.
    let (server, sandbox) = pool(ServerShape::V8, 3);
    server.set_config(|c| {
        for a in c.accounts.clone() {
            c.v8.observations
                .insert(a.name, codex_observation(now() - 600, "pro", 1.0, 1.0));
        }
    });
    let run = sandbox.run_env(
        &["refresh"],
        &[("POOLWATCH_OBSERVATION_MAX_AGE_MINUTES", "15")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(usage_calls(&server), 0);
}

#[test]
fn an_older_observation_never_overrides_a_newer_read() {
    let (server, sandbox) = pool(ServerShape::V8, 2);
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    let name = names(&server)[0].clone();
    // Traffic since the read, but the observation predates the read.
    server.serve_requests(&name, 3, 0);
    server.set_config(|c| {
        c.v8.observations.insert(
            name.clone(),
            codex_observation(now() - 120, "pro", 99.0, 99.0),
        );
    });
    server.reset_stats();
    age_reads(&sandbox, 60);
    let json = sandbox.run(&["status", "--json"]).json();
    let a = account(&json, &name);
    assert_eq!(
        a["five_hour"]["remaining"], 50.0,
        "the read's numbers stay: {a}"
    );
    assert_eq!(a["source"]["kind"], "read");
    assert_eq!(usage_calls(&server), 1, "the busy account is read again");

    // A newer observation then takes over without a call.
    server.serve_requests(&name, 3, 0);
    server.set_config(|c| {
        c.v8.observations
            .insert(name.clone(), codex_observation(now(), "pro", 70.0, 10.0));
    });
    server.reset_stats();
    age_reads(&sandbox, 60);
    let json = sandbox.run(&["status", "--json"]).json();
    let a = account(&json, &name);
    assert_eq!(a["five_hour"]["remaining"], 30.0, "{a}");
    assert_eq!(a["source"]["kind"], "observed");
    assert_eq!(usage_calls(&server), 0);
}

#[test]
fn a_bad_observation_is_a_note_and_the_account_is_read() {
    let (server, sandbox) = pool(ServerShape::V7_3, 3);
    let names = names(&server);
    let at = now() - 10;
    server.set_config(|c| {
        c.v8.observations.insert(
            names[0].clone(),
            observation(
                at,
                &[
                    ("X-Codex-Primary-Used-Percent", "140".into()),
                    ("X-Codex-Primary-Window-Minutes", "300".into()),
                ],
            ),
        );
        c.v8.observations.insert(
            names[1].clone(),
            observation(
                at,
                &[
                    ("X-Codex-Primary-Used-Percent", "12".into()),
                    ("X-Codex-Primary-Window-Minutes", "300".into()),
                    ("X-Codex-Primary-Reset-At", "2026-12-03T10:00:00Z".into()),
                ],
            ),
        );
    });
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        usage_calls(&server),
        3,
        "the two bad ones and the unobserved one are read"
    );
    let json = run.json();
    let first = account(&json, &names[0]);
    assert_eq!(
        first["five_hour"]["remaining"], 50.0,
        "never the bad number"
    );
    assert!(first["observation_note"]
        .as_str()
        .unwrap()
        .contains("outside 0..100"));
    let second = account(&json, &names[1]);
    assert!(second["observation_note"]
        .as_str()
        .unwrap()
        .contains("not a number"));
    let menu = sandbox.run_plugin(true);
    assert!(
        menu.stdout.contains("Traffic observation not used"),
        "{}",
        menu.stdout
    );
}

#[test]
fn claude_observations_keep_the_plan_read_before() {
    let account = MockAccount::provider(
        "claude",
        "cl@example.com",
        200,
        r#"{"five_hour":{"utilization":10,"resets_at":"2099-01-01T00:00:00Z"},"seven_day":{"utilization":20,"resets_at":"2099-01-02T00:00:00Z"}}"#,
    );
    let server = MockServer::start(MockConfig::shaped(ServerShape::V8, vec![account]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    let name = names(&server)[0].clone();
    let before = sandbox.run(&["status", "--json", "--offline"]).json();
    let plan = account_plan(&before, &name);
    server.serve_requests(&name, 1, 0);
    server.set_config(|c| {
        c.v8.observations
            .insert(name.clone(), claude_observation(now(), 0.42, 0.1));
    });
    server.reset_stats();
    age_reads(&sandbox, 60);
    let json = sandbox.run(&["status", "--json"]).json();
    assert_eq!(server.stats().api_call_requests, 0);
    let a = account_of(&json, &name);
    assert_eq!(a["five_hour"]["remaining"], 58.0, "{a}");
    assert_eq!(a["source"]["kind"], "observed");
    assert_eq!(account_plan(&json, &name), plan);
}

/// Move every account's read times `seconds` into the past (with the cache's own times).
fn age_reads(sandbox: &Sandbox, seconds: i64) {
    sandbox.age_cache("default", 1_000);
    let path = sandbox.cache_file("default");
    let mut cache: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for a in cache["state"]["accounts"].as_array_mut().unwrap() {
        for key in ["usage_fetched_at", "usage_checked_at"] {
            if let Some(t) = a[key].as_i64() {
                a[key] = (t - seconds).into();
            }
        }
        if let Some(t) = a["usage"]["source"]["at"].as_i64() {
            a["usage"]["source"]["at"] = (t - seconds).into();
        }
    }
    let temp = path.with_extension("aged.tmp");
    std::fs::write(&temp, serde_json::to_vec(&cache).unwrap()).unwrap();
    std::fs::rename(&temp, &path).unwrap();
}

fn account_of<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    account(json, name)
}

fn account_plan(json: &serde_json::Value, name: &str) -> serde_json::Value {
    account(json, name)["plan"].clone()
}
