//! Issue 16 items 1–4, 8, 10; issue 21 items 1, 6, 8; issue 17 item 16: the
//! key guard and the session's promises under faults, on the real binary
//! against the mock made to misbehave (`support::mock_guard`).

mod common;
mod support;

use common::real_now as now;
use std::time::{Duration, Instant};

use common::{assert_valid_menu, provider_urls_for, Run, Sandbox, COLD_START};
use support::{
    chaos_counts, first_request_at, ApiKeyUsageMock, Chaos, KeyUsageShape, MockAccount, MockConfig,
    MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY,
};

fn pool(n: usize) -> Vec<MockAccount> {
    (0..n)
        .map(|i| {
            MockAccount::new(&format!("u{i:02}@example.com"), "plus")
                .with_behaviour(UsageBehaviour::ok(10.0 + i as f64, 20.0))
        })
        .collect()
}

/// A sandbox on `server` with the key `key` and these extra settings lines.
fn sandbox(server: &MockServer, key: &str, extra: &str) -> Sandbox {
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(key));
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\ntimeout_seconds = 3\ndeadline_seconds = 8\nconcurrency = 8\n{COLD_START}{}{extra}",
        server.url(),
        server.usage_url(),
        provider_urls_for(&server.usage_url()),
    ));
    sandbox
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

fn guard_path(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.cache_dir().join("default").join("guard.json")
}

/// The guard of the (only) server in the profile's guard file.
fn read_guard(sandbox: &Sandbox) -> serde_json::Value {
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(guard_path(sandbox)).expect("guard.json"))
            .expect("guard.json is JSON");
    file["servers"]
        .as_object()
        .and_then(|s| s.values().next().cloned())
        .unwrap_or(serde_json::json!({}))
}

/// Every 401 the client received: the pool's and the proxy's.
fn unauthorized(server: &MockServer) -> u64 {
    server.stats().failed_auth_attempts + chaos_counts(&server.config()).0
}

// ----- 16.1 failures in flight -----

#[test]
fn a_key_rotated_mid_refresh_costs_at_most_three_failures_with_three_in_flight() {
    let server = MockServer::start(MockConfig::with_accounts(pool(16)));
    server.set_config(|c| {
        c.chaos
            .push(Chaos::delay_management(Duration::from_millis(150)));
        c.chaos
            .push(Chaos::RotateKeyOnFirstApiCall("rotated-key".into()));
    });
    let sandbox = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    let refresh = sandbox.run(&["refresh"]);
    assert_eq!(refresh.code, 4, "{}", refresh.stderr);
    let stats = server.stats();
    assert!(
        stats.failed_auth_attempts <= 3,
        "one refresh, at most 3 failures: {stats:?}"
    );
    assert_eq!(stats.banned_responses, 0, "{stats:?}");
    let (_, peak) = chaos_counts(&server.config());
    assert!(peak <= 3, "at most 3 requests in flight, saw {peak}");
    // Whatever is run next, the guard holds: no more than 3 failures in all.
    for _ in 0..3 {
        sandbox.run(&["refresh"]);
        sandbox.run(&["refresh", "--retry-key"]);
        sandbox.run(&["status", "--refresh"]);
        assert_valid_menu(&scheduled(&sandbox), "scheduled");
    }
    let stats = server.stats();
    assert!(stats.failed_auth_attempts <= 3, "{stats:?}");
    assert_eq!(stats.banned_responses, 0, "{stats:?}");
}

#[test]
fn with_one_failure_left_requests_go_strictly_one_at_a_time() {
    let server = MockServer::start(MockConfig::with_accounts(pool(8)));
    let right = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    // Two wrong keys spent two of the three failures.
    for key in ["wrong-1", "wrong-2"] {
        let run = right.run_env(&["refresh"], &[("POOLWATCH_MANAGEMENT_KEY", key)]);
        assert_eq!(run.code, 4, "{}", run.stderr);
    }
    assert_eq!(server.stats().failed_auth_attempts, 2);
    server.set_config(|c| {
        c.chaos
            .push(Chaos::delay_management(Duration::from_millis(100)));
        c.chaos
            .push(Chaos::RotateKeyOnFirstApiCall("rotated-key".into()));
    });
    let refresh = right.run(&["refresh"]);
    assert_eq!(refresh.code, 4, "{}", refresh.stderr);
    let (_, peak) = chaos_counts(&server.config());
    assert_eq!(peak, 1, "budget 1: one request at a time");
    let stats = server.stats();
    assert_eq!(stats.failed_auth_attempts, 3, "{stats:?}");
    assert_eq!(stats.banned_responses, 0, "{stats:?}");
}

#[test]
fn a_proxy_refusing_every_third_request_keeps_the_answers_before_it() {
    let server = MockServer::start(MockConfig::with_accounts(pool(6)));
    server.set_config(|c| c.chaos.push(Chaos::proxy_401_every(3)));
    let sandbox = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    let mut before = 0;
    for round in 0..4 {
        let run = sandbox.run(&["refresh", "--retry-key"]);
        assert_ne!(run.code, 0, "round {round}: {}", run.stdout);
        let now = unauthorized(&server);
        assert!(
            now - before <= 3,
            "round {round}: {} failures",
            now - before
        );
        before = now;
    }
    assert_eq!(server.stats().banned_responses, 0);
    // The usage answers that arrived before the first 401 were kept.
    let cache = sandbox.read_cache("default");
    let with_usage = cache["state"]["accounts"]
        .as_array()
        .map(|a| a.iter().filter(|a| !a["usage"].is_null()).count())
        .unwrap_or(0);
    assert!(with_usage >= 1, "answers kept: {}", cache["state"]);
}

#[test]
fn a_ban_answered_after_a_401_is_recorded_as_the_ban_and_gets_no_request() {
    let mut config = MockConfig::with_accounts(pool(8));
    config.ban_after = 2;
    let server = MockServer::start(config);
    server.set_config(|c| {
        c.chaos
            .push(Chaos::delay_management(Duration::from_millis(150)));
        c.chaos
            .push(Chaos::RotateKeyOnFirstApiCall("rotated-key".into()));
    });
    let sandbox = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    let before = now();
    let refresh = sandbox.run(&["refresh"]);
    assert_eq!(refresh.code, 4, "{}", refresh.stderr);
    assert!(server.stats().banned_responses >= 1, "{:?}", server.stats());
    let status = sandbox.run(&["status", "--json", "--offline"]);
    let doc = status.json();
    assert_eq!(doc["state"], "banned", "{doc}");
    let until = doc["ban_until"].as_i64().expect("ban_until");
    assert!((before + 1_700..=now() + 1_800).contains(&until), "{until}");
    assert_eq!(read_guard(&sandbox)["ban_until"], until);
    // 21.8: a known ban gets no request, --retry-key included.
    let requests = server.stats().total_requests;
    for args in [
        &["refresh", "--retry-key"][..],
        &["refresh"],
        &["test-fetch"],
    ] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 4, "{args:?}: {}", run.stderr);
    }
    assert_eq!(server.stats().total_requests, requests, "nothing asked");
}

// ----- 16.2 the guard survives the cache -----

#[test]
fn the_guard_survives_a_cache_that_is_a_folder() {
    let server = MockServer::start(MockConfig::with_accounts(pool(2)));
    let sandbox = sandbox(&server, "wrong-key", "");
    std::fs::create_dir_all(sandbox.cache_file("default")).unwrap();
    for round in 0..4 {
        let status = sandbox.run(&["status"]);
        assert_ne!(status.code, 0);
        if round > 0 {
            assert!(
                status.stderr.contains("does not send it again"),
                "round {round}: {}",
                status.stderr
            );
        }
        assert_valid_menu(&scheduled(&sandbox), "scheduled");
        sandbox.run(&["refresh"]);
    }
    // The disk problem and its fix are said, in status and in the menu.
    let status = sandbox.run(&["status"]);
    let said = format!("{}{}", status.stdout, status.stderr);
    assert!(
        said.contains("Cannot read the cache") && said.contains("Fix: move it aside"),
        "{said}"
    );
    let menu = scheduled(&sandbox);
    assert!(
        menu.stdout.contains("Cannot read the cache"),
        "{}",
        menu.stdout
    );
    assert_eq!(server.stats().failed_auth_attempts, 1);
}

#[test]
fn the_guard_survives_a_cache_of_another_version() {
    let server = MockServer::start(MockConfig::with_accounts(pool(2)));
    let sandbox = sandbox(&server, "wrong-key", "");
    assert_eq!(sandbox.run(&["refresh"]).code, 4);
    for _ in 0..3 {
        // A newer poolwatch wrote the cache: it is moved aside, the guard stays.
        std::fs::write(
            sandbox.cache_file("default"),
            format!(
                "{{\"cache_version\":99,\"pool_url\":\"{}\",\"future\":true}}",
                server.url()
            ),
        )
        .unwrap();
        assert_valid_menu(&scheduled(&sandbox), "scheduled");
        sandbox.run(&["status"]);
        sandbox.run(&["refresh"]);
    }
    assert_eq!(server.stats().failed_auth_attempts, 1);
}

#[test]
fn nothing_is_sent_when_the_guard_cannot_be_stored_and_the_fix_is_said() {
    let server = MockServer::start(MockConfig::with_accounts(pool(2)));
    let sandbox = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    // In the way of the guard file: a folder (as on a full or broken disk, it cannot be written).
    std::fs::create_dir_all(guard_path(&sandbox).join("x")).unwrap();
    let refresh = sandbox.run(&["refresh"]);
    assert_ne!(refresh.code, 0);
    assert!(
        refresh.stderr.contains("key guard") && refresh.stderr.contains("guard.json"),
        "{}",
        refresh.stderr
    );
    assert!(refresh.stderr.contains("Fix:"), "{}", refresh.stderr);
    let menu = scheduled(&sandbox);
    assert_valid_menu(&menu, "menu");
    assert!(menu.stdout.contains("key guard"), "{}", menu.stdout);
    let status = sandbox.run(&["status"]);
    assert_ne!(status.code, 0);
    assert!(
        status.stderr.contains("key guard") && status.stderr.contains("Fix:"),
        "{}",
        status.stderr
    );
    assert!(sandbox.run(&["test-fetch"]).code != 0);
    assert_eq!(server.stats().total_requests, 0, "nothing sent");
}

// ----- 16.3 one server, whatever the spelling -----

#[test]
fn spellings_of_one_server_share_one_guard() {
    let server = MockServer::start(MockConfig::with_accounts(pool(2)));
    let sandbox = sandbox(&server, "wrong-key", "");
    let port = server.addr().port();
    let spellings = [
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}/"),
        format!("HTTP://LOCALHOST:{port}/"),
    ];
    for round in 0..2 {
        for url in &spellings {
            let run = sandbox.run_env(&["refresh"], &[("POOLWATCH_POOL_URL", url)]);
            assert_eq!(run.code, 4, "{round} {url}: {}", run.stderr);
        }
    }
    assert_eq!(server.stats().failed_auth_attempts, 1);
}

#[test]
fn another_url_never_touches_the_profiles_cache() {
    let server = MockServer::start(MockConfig::with_accounts(pool(3)));
    let other = MockServer::start(MockConfig::with_accounts(pool(1)));
    let sandbox = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    sandbox.age_cache("default", 600);
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    let before = sandbox.read_cache("default");
    assert_eq!(before["state"]["accounts"].as_array().unwrap().len(), 3);
    let history_points = || {
        let path = sandbox.cache_file("default").with_file_name("history.json");
        let file: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).expect("history.json")).unwrap();
        file["sections"]["codex"]["points"]
            .as_array()
            .map_or(0, Vec::len)
    };
    let history = history_points();
    assert!(history >= 1);
    // A test-fetch against an unreachable URL, and a refresh of another pool.
    let tf = sandbox.run_env(
        &["test-fetch"],
        &[("POOLWATCH_POOL_URL", "http://127.0.0.1:9")],
    );
    assert_ne!(tf.code, 0);
    // (Its usage URL is the first pool's: the accounts fail, the list is read.)
    let over = sandbox.run_env(&["refresh"], &[("POOLWATCH_POOL_URL", &other.url())]);
    assert!([0, 7].contains(&over.code), "{}", over.stderr);
    assert_eq!(other.stats().auth_files_requests, 1);
    // The profile's own pool: its data, history and alert state are all there.
    let status = sandbox.run(&["status", "--json", "--offline"]);
    let doc = status.json();
    assert_eq!(
        doc["report"]["accounts"].as_array().map(Vec::len),
        Some(3),
        "{doc}"
    );
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    let after = sandbox.read_cache("default");
    assert_eq!(after["pool_url"], server.url());
    // The history was not discarded by the other URL's runs.
    assert!(history_points() >= history);
    assert_eq!(after["alerts"], before["alerts"]);
}

// ----- 16.4 a success clears the count; 21.1 the pause is shown -----

#[test]
fn a_success_clears_the_count_and_a_pause_says_how_long_and_why() {
    let server = MockServer::start(MockConfig::with_accounts(pool(2)));
    let right = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    let wrong = |key: &str| {
        right
            .run_env(
                &["refresh", "--retry-key"],
                &[("POOLWATCH_MANAGEMENT_KEY", key)],
            )
            .code
    };
    for round in 0..3 {
        assert_eq!(wrong(&format!("wrong-{round}")), 4);
        let ok = right.run(&["refresh"]);
        assert_eq!(ok.code, 0, "round {round}: {}", ok.stderr);
    }
    assert_eq!(wrong("wrong-x"), 4);
    assert_eq!(right.run(&["refresh", "--retry-key"]).code, 0);
    assert_eq!(server.stats().failed_auth_attempts, 4);
    assert_eq!(server.stats().banned_responses, 0);

    // Three failures in a row: paused, and every output says until when.
    for key in ["w-a", "w-b", "w-c"] {
        assert_eq!(wrong(key), 4);
    }
    let first = read_guard(&right)["failed_attempts"][0].as_i64().unwrap();
    let refresh = right.run(&["refresh"]);
    assert_eq!(refresh.code, 4);
    assert!(
        refresh.stderr.contains("sends no request for"),
        "{}",
        refresh.stderr
    );
    assert!(
        !refresh.stderr.contains("POOLWATCH_MANAGEMENT_KEY"),
        "{}",
        refresh.stderr
    );
    let doc = right.run(&["status", "--json"]).json();
    assert_eq!(doc["state"], "paused", "{doc}");
    assert_eq!(doc["pause_until"], first + 30 * 60, "{doc}");
    let menu = scheduled(&right);
    assert_valid_menu(&menu, "paused menu");
    assert!(menu.stdout.contains("paused for"), "{}", menu.stdout);
    assert!(
        !menu.stdout.contains("A new key is tried at once"),
        "{}",
        menu.stdout
    );
    assert_eq!(server.stats().failed_auth_attempts, 7);
}

// ----- 21.6 an outage stays visible -----

#[test]
fn an_outage_stays_visible_while_refreshes_run() {
    let server = MockServer::start(MockConfig::with_accounts(pool(2)));
    let sandbox = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    drop(server);
    // The first failure is recorded.
    sandbox.age_cache("default", 600);
    assert_ne!(sandbox.run(&["refresh"]).code, 0);
    for round in 0..3 {
        sandbox.age_cache("default", 600);
        let seen = sandbox.refreshes_ended();
        let run = scheduled(&sandbox);
        let lines = assert_valid_menu(&run, "outage");
        assert!(
            lines[0].title.contains('⚠'),
            "round {round}: the ⚠ stays: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains("unreachable") || run.stdout.contains("Cannot reach"),
            "{}",
            run.stdout
        );
        sandbox.wait_for_quiet("default", seen);
    }
}

// ----- 16.8 a clock that went back -----

#[test]
fn stored_times_in_the_future_do_not_make_every_run_fetch() {
    let server = MockServer::start(MockConfig::with_accounts(pool(2)));
    let sandbox = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    sandbox.age_cache("default", -3 * 86_400);
    let before = server.stats().auth_files_requests;
    for _ in 0..6 {
        assert_eq!(sandbox.run(&["status"]).code, 0);
    }
    let fetches = server.stats().auth_files_requests - before;
    assert!(fetches <= 1, "{fetches} fetches in 6 runs");
}

// ----- 16.10 the deadline bounds the whole fetch -----

#[test]
fn the_deadline_bounds_the_whole_fetch_api_key_usage_included() {
    // Two accounts, one at a time, usage and reset credits: 4 calls of 0.5 s,
    // then an api-key-usage that never answers in time.
    let mut config = MockConfig::with_accounts(pool(2));
    config.api_key_usage = Some(ApiKeyUsageMock::Keys(KeyUsageShape::Current, Vec::new()));
    config.api_call_delay = Duration::from_millis(500);
    let server = MockServer::start(config);
    server.set_config(|c| {
        c.chaos.push(Chaos::FirstRequestAt(None));
        c.chaos
            .push(Chaos::DelayApiKeyUsage(Duration::from_secs(30)));
    });
    let sandbox = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    sandbox.write_config(&format!(
        "{}timeout_seconds = 3\ndeadline_seconds = 3\nconcurrency = 1\n",
        std::fs::read_to_string(sandbox.config_path())
            .unwrap()
            .replace("timeout_seconds = 3\n", "")
            .replace("deadline_seconds = 8\n", "")
            .replace("concurrency = 8\n", "")
    ));
    let run = sandbox.run(&["refresh"]);
    let ended = Instant::now();
    // Counted from the first request: the run's own start-up is not the fetch.
    let first = first_request_at(&server.config()).expect("asked");
    let took = ended - first;
    assert!(
        took < Duration::from_millis(4_000),
        "a 3 s deadline, {took:?}: {}",
        run.stderr
    );
    assert_eq!(server.stats().api_key_usage_requests, 1);
}

// ----- 17.16 the user's refresh does what it says -----

#[test]
fn refresh_all_and_status_refresh_right_after_a_refresh_ask_again() {
    let server = MockServer::start(MockConfig::with_accounts(pool(4)));
    let sandbox = sandbox(&server, DEFAULT_MANAGEMENT_KEY, "");
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    let calls = server.stats().api_call_requests;
    let all = sandbox.run(&["refresh", "--all"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(
        all.stdout.contains("Refreshed") || !all.stdout.contains("up to date"),
        "{}",
        all.stdout
    );
    assert!(
        server.stats().api_call_requests >= calls + 4,
        "every account asked again"
    );
    let lists = server.stats().auth_files_requests;
    assert_eq!(sandbox.run(&["status", "--refresh"]).code, 0);
    assert_eq!(server.stats().auth_files_requests, lists + 1);
}
