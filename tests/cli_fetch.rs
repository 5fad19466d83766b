//! The real binary against the mock Management API: fetching, quota numbers,
//! per-account failures, auth failures and the IP-ban guard, exit codes.

mod common;
mod support;

use common::real_now as now;
use std::time::{Duration, Instant};

use common::Sandbox;
use support::{Fault, MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

const RAW_API_KEY: &str = "sk-live-NEVER-SHOW-THIS-0123456789";

/// A pool whose numbers are computed by hand in `mixed_pool_numbers_and_errors`.
fn mixed_pool() -> Vec<MockAccount> {
    let limit_body = support::usage_body(
        "plus",
        (100.0, 18_000, 1_800),
        Some((30.0, 604_800, 200_000)),
        now(),
    );
    vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 50.0)),
        MockAccount::new("b@example.com", "pro").with_behaviour(UsageBehaviour::ok(25.0, 10.0)),
        MockAccount::new("c@example.com", "plus").with_behaviour(UsageBehaviour::Raw {
            status_code: 429,
            body: limit_body,
        }),
        MockAccount::new("d@example.com", "plus").with_behaviour(UsageBehaviour::html_challenge()),
        MockAccount::api_key("codex-apikey.json", RAW_API_KEY),
        MockAccount::new("f@example.com", "plus").with_behaviour(UsageBehaviour::ok(10.0, 98.5)),
    ]
}

fn sandbox_for(server: &MockServer, key: Option<&str>) -> Sandbox {
    Sandbox::new(&server.url(), &server.usage_url(), key)
}

fn account<'a>(report: &'a serde_json::Value, label: &str) -> &'a serde_json::Value {
    report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == label)
        .unwrap_or_else(|| panic!("no account {label}"))
}

#[test]
fn mixed_pool_numbers_and_errors() {
    let server = MockServer::start(MockConfig::with_accounts(mixed_pool()));
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["state"], "fresh");
    let report = &doc["report"];
    // 5h: a 60 + b 75*20 + c 0 + f killed 0 = 1560; capacity a,b(20),c,f = 2300.
    assert_eq!(report["five_hour"]["remaining"].as_f64().unwrap(), 1560.0);
    assert_eq!(report["five_hour"]["capacity"].as_f64().unwrap(), 2300.0);
    // Week: a 50 + b 90*20 + c 70 + f killed 0 = 1920; capacity 2300.
    assert_eq!(report["weekly"]["remaining"].as_f64().unwrap(), 1920.0);
    assert_eq!(report["weekly"]["capacity"].as_f64().unwrap(), 2300.0);
    // The 429 with reset info is quota state, not an error.
    let c = account(report, "c@example.com");
    assert!(c["error"].is_null());
    assert_eq!(c["five_hour"]["remaining"].as_f64().unwrap(), 0.0);
    // The HTML challenge is that account's error only.
    let d = account(report, "d@example.com");
    assert!(d["error"].as_str().unwrap().to_lowercase().contains("html"));
    // Week-killed: raw 5h kept, effective 0.
    let f = account(report, "f@example.com");
    assert_eq!(f["killed"], true);
    assert_eq!(f["five_hour"]["remaining"].as_f64().unwrap(), 90.0);
    assert_eq!(f["five_hour"]["effective"].as_f64().unwrap(), 0.0);
    assert_eq!(report["counts"]["killed"], 1);
    // API-key auths are never sent to wham/usage, and their key never shows.
    let stats = server.stats();
    // One usage call per OAuth account, plus one reset-credits read for each of
    // the 4 whose usage answered (d's challenge page did not); never a consume.
    assert_eq!(stats.calls_per_path["/backend-api/wham/usage"], 5);
    assert_eq!(stats.reset_credit_calls.values().sum::<u64>(), 4);
    assert_eq!(stats.api_call_requests, 9);
    assert_eq!(stats.consume_calls, 0);
    assert_eq!(stats.wrong_url_calls, 0);
    assert_eq!(stats.upstream_unauthorized, 0);
    assert_eq!(stats.calls_with_account_id_header, 9);
    assert_eq!(stats.account_id_mismatches, 0);
    for (path, bytes) in sandbox.written_files() {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(RAW_API_KEY),
            "raw API key in {}",
            path.display()
        );
        assert!(
            !text.contains(DEFAULT_MANAGEMENT_KEY),
            "management key in {}",
            path.display()
        );
    }
    assert!(!run.stdout.contains(RAW_API_KEY) && !run.stdout.contains(DEFAULT_MANAGEMENT_KEY));
    // The snapshot was written next to the cache.
    let snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sandbox.snapshot_path()).unwrap()).unwrap();
    assert_eq!(snapshot["schema_version"], 3);
    assert_eq!(
        snapshot["pool"]["five_hour"]["remaining"].as_f64().unwrap(),
        1560.0
    );
}

#[test]
fn fresh_cache_is_served_without_network_and_refresh_fetches() {
    let server = MockServer::start(MockConfig::with_accounts(mixed_pool()));
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    assert_eq!(sandbox.run(&["status"]).code, 0);
    assert_eq!(sandbox.run(&["status", "--json"]).code, 0);
    assert_eq!(
        server.stats().auth_files_requests,
        1,
        "second run used the cache"
    );
    sandbox.age_cache("default", 10);
    let refresh = sandbox.run(&["refresh"]);
    // d@example.com fails (HTML), so refresh reports partial success.
    assert_eq!(
        refresh.code, 7,
        "stdout {} stderr {}",
        refresh.stdout, refresh.stderr
    );
    assert!(refresh.stdout.contains("d@example.com"));
    assert_eq!(server.stats().auth_files_requests, 2);
    sandbox.age_cache("default", 500);
    assert_eq!(sandbox.run(&["status", "--offline"]).code, 0);
    assert_eq!(
        server.stats().auth_files_requests,
        2,
        "--offline never fetches"
    );
    assert_eq!(sandbox.run(&["status"]).code, 0);
    assert_eq!(server.stats().auth_files_requests, 3, "expired TTL fetches");
}

#[test]
fn wrong_key_is_tried_once_and_latched_so_the_ip_is_never_banned() {
    let server = MockServer::start(MockConfig::with_accounts(mixed_pool()));
    let sandbox = sandbox_for(&server, Some("wrong-key"));
    let first = sandbox.run(&["status"]);
    assert_eq!(first.code, 4, "stderr: {}", first.stderr);
    assert!(first.stdout.contains("set-key") || first.stderr.contains("set-key"));
    // Twenty scheduled runs later, even with the TTL long expired: no new attempt.
    for _ in 0..20 {
        sandbox.age_cache("default", 3_600);
        let run = sandbox.run_env(
            &["plugin"],
            &[("SWIFTBAR_PLUGIN_REFRESH_REASON", "Schedule")],
        );
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("rejected") || run.stdout.contains("key"));
    }
    assert_eq!(server.stats().failed_auth_attempts, 1);
    // Refresh now (`poolwatch refresh`) does not send the rejected key again…
    let refresh = sandbox.run(&["refresh"]);
    assert_eq!(refresh.code, 4);
    assert!(refresh.stderr.contains("--retry-key"), "{}", refresh.stderr);
    assert_eq!(server.stats().failed_auth_attempts, 1);
    // …only the explicit `--retry-key` does: exactly one more attempt.
    assert_eq!(sandbox.run(&["refresh", "--retry-key"]).code, 4);
    assert_eq!(server.stats().failed_auth_attempts, 2);
    for output in [&first.stdout, &first.stderr] {
        assert!(!output.contains("wrong-key"), "the key leaked: {output}");
    }
    // With the right key (new key source lifts nothing by itself: refresh does).
    let fixed = Sandbox {
        key: Some(DEFAULT_MANAGEMENT_KEY.into()),
        ..sandbox
    };
    assert_eq!(fixed.run(&["refresh"]).code, 7);
    assert_eq!(fixed.run(&["status"]).code, 0);
}

#[test]
fn a_ban_is_reported_with_its_wait_time() {
    let server = MockServer::start(MockConfig::with_accounts(mixed_pool()));
    // Someone else burnt the five attempts.
    for _ in 0..5 {
        support::http(
            "GET",
            &format!("{}/v0/management/auth-files", server.url()),
            &[("Authorization", "Bearer nope")],
            None,
        );
    }
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    let run = sandbox.run(&["status"]);
    assert_eq!(run.code, 4);
    assert!(
        run.stderr.contains("banned") || run.stdout.contains("banned"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("try again in 29m") || run.stderr.contains("try again in 30m"),
        "{}",
        run.stderr
    );
}

#[test]
fn server_without_management_key_answers_404() {
    let server = MockServer::start(MockConfig {
        management_key: None,
        ..MockConfig::with_accounts(mixed_pool())
    });
    let sandbox = sandbox_for(&server, Some("anything"));
    let run = sandbox.run(&["test-fetch"]);
    assert_eq!(run.code, 6, "{}", run.stdout);
    assert!(run.stdout.contains("secret-key"), "{}", run.stdout);
}

#[test]
fn numeric_auth_index_servers_work() {
    let server = MockServer::start(MockConfig {
        numeric_auth_index: true,
        ..MockConfig::with_accounts(mixed_pool())
    });
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 0);
    let report = &run.json()["report"];
    assert!(account(report, "a@example.com")["error"].is_null());
    assert_eq!(server.stats().upstream_unauthorized, 0);
}

#[test]
fn unreachable_server_and_html_pages_get_clear_errors() {
    let server = MockServer::start(MockConfig::with_accounts(mixed_pool()));
    let dead_url = server.url();
    let usage = server.usage_url();
    server.stop();
    let sandbox = Sandbox::new(&dead_url, &usage, Some(DEFAULT_MANAGEMENT_KEY));
    let run = sandbox.run(&["status"]);
    assert_eq!(run.code, 5);
    assert!(run.stdout.contains("reach"), "{}", run.stdout);

    let server = MockServer::start(MockConfig {
        auth_files_fault: Some(Fault::Html),
        ..MockConfig::with_accounts(mixed_pool())
    });
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    let run = sandbox.run(&["test-fetch"]);
    assert_eq!(run.code, 6);
    assert!(run.stdout.contains("HTML"), "{}", run.stdout);
}

#[test]
fn failures_keep_the_last_good_state_marked_stale() {
    let server = MockServer::start(MockConfig::with_accounts(mixed_pool()));
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    assert_eq!(sandbox.run(&["status"]).code, 0);
    let good = sandbox.read_cache("default")["state"].clone();
    server.set_config(|c| c.auth_files_fault = Some(Fault::Status(500)));
    sandbox.age_cache("default", 1_000);
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 6);
    let doc = run.json();
    assert_eq!(doc["state"], "stale");
    assert!(doc["error"].as_str().unwrap().contains("500"));
    assert_eq!(
        doc["report"]["accounts"].as_array().unwrap().len(),
        6,
        "last good data shown"
    );
    let kept = sandbox.read_cache("default")["state"].clone();
    assert_eq!(
        kept["accounts"], good["accounts"],
        "last good state kept on disk"
    );
    // One account failing later keeps its previous numbers, marked stale.
    server.set_config(|c| {
        c.auth_files_fault = None;
        c.accounts[0].behaviour = UsageBehaviour::Envelope502;
    });
    // It served requests since (so its usage is asked again).
    let name = server.config().accounts[0].name.clone();
    server.serve_requests(&name, 1, 0);
    sandbox.age_cache("default", 1_000);
    let doc = sandbox.run(&["status", "--json"]).json();
    let a = account(&doc["report"], "a@example.com");
    assert_eq!(a["stale"], true);
    assert_eq!(a["five_hour"]["remaining"].as_f64().unwrap(), 60.0);
}

#[test]
fn retries_once_on_5xx_and_never_more() {
    let accounts = vec![
        MockAccount::new("once@example.com", "plus").with_behaviour(UsageBehaviour::FailTimes(
            1,
            Box::new(UsageBehaviour::ok(20.0, 20.0)),
        )),
        MockAccount::new("twice@example.com", "plus").with_behaviour(UsageBehaviour::FailTimes(
            2,
            Box::new(UsageBehaviour::ok(20.0, 20.0)),
        )),
    ];
    let server = MockServer::start(MockConfig::with_accounts(accounts.clone()));
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    let doc = sandbox.run(&["status", "--json"]).json();
    assert!(account(&doc["report"], "once@example.com")["error"].is_null());
    assert!(!account(&doc["report"], "twice@example.com")["error"].is_null());
    let stats = server.stats();
    let usage_calls = |i: usize| {
        let index = accounts[i].auth_index(false);
        stats.calls_per_auth_index[&index] - stats.reset_credit_calls.get(&index).unwrap_or(&0)
    };
    assert_eq!(usage_calls(0), 2);
    assert_eq!(usage_calls(1), 2);
    // Only the account whose usage answered reads its reset credits.
    assert_eq!(stats.reset_credit_calls.len(), 1);
}

#[test]
fn sliding_window_respects_concurrency_and_deadline_returns_partial_results() {
    let mut accounts: Vec<MockAccount> = (0..12)
        .map(|i| MockAccount::new(&format!("u{i}@example.com"), "plus"))
        .collect();
    accounts[3].behaviour = UsageBehaviour::Hang;
    let server = MockServer::start(MockConfig {
        api_call_delay: Duration::from_millis(150),
        ..MockConfig::with_accounts(accounts)
    });
    let sandbox = sandbox_for(&server, Some(DEFAULT_MANAGEMENT_KEY));
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\nconcurrency = 3\ntimeout_seconds = 1\ndeadline_seconds = 4\n",
        server.url(),
        server.usage_url()
    ));
    let started = Instant::now();
    let run = sandbox.run(&["status", "--json"]);
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(8),
        "bounded by the deadline: {elapsed:?}"
    );
    let doc = run.json();
    let hung = account(&doc["report"], "u3@example.com");
    assert!(!hung["error"].is_null());
    let fine = doc["report"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["error"].is_null())
        .count();
    assert_eq!(fine, 11);
    assert_eq!(server.stats().max_concurrent_api_calls, 3);
}

#[test]
fn https_to_a_plain_http_local_pool_suggests_http() {
    let server = MockServer::start(MockConfig::with_accounts(mixed_pool()));
    let https_url = server.url().replacen("http://", "https://", 1);
    let sandbox = Sandbox::new(
        &https_url,
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let run = sandbox.run(&["test-fetch"]);
    assert_eq!(run.code, 5, "{}", run.stdout);
    // Named as what it is (plain HTTP on an https URL), with the loopback fix.
    assert!(run.stdout.contains("plain HTTP"), "{}", run.stdout);
    assert!(!run.stdout.contains("refused"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("pool_url = \"{}\"", server.url())),
        "{}",
        run.stdout
    );
}

#[test]
fn an_oversized_answer_is_refused_not_buffered() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        // Two attempts at most would be a retry; a refused body is not retried.
        listener.set_nonblocking(false).unwrap();
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000000\r\n\r\n{\"files\":[",
        );
        std::thread::sleep(Duration::from_millis(300));
    });
    let sandbox = Sandbox::new(&url, &format!("{url}/u"), Some("k"));
    let started = Instant::now();
    let run = sandbox.run(&["test-fetch"]);
    assert_eq!(run.code, 6, "{}", run.stdout);
    // A list too large is a pool too large, not "is pool_url the server?".
    assert!(
        run.stdout.contains("the pool is too large"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("larger than 160 MiB"), "{}", run.stdout);
    assert!(!run.stdout.contains("is pool_url"), "{}", run.stdout);
    assert!(started.elapsed() < Duration::from_secs(5));
    server.join().unwrap();
}
