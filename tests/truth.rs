//! Issue 9 against the real binary and the mock server: cooling ends (item 1),
//! stale data ages out (item 4), a pool without a 5h window (item 6), honest
//! wording (item 7) and no X-Forwarded-For from poolwatch.

mod common;
mod support;

use common::{assert_valid_menu, Sandbox};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

fn sandbox_for(server: &MockServer) -> Sandbox {
    Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    )
}

fn account<'a>(doc: &'a serde_json::Value, label: &str) -> &'a serde_json::Value {
    doc["report"]["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["label"] == label)
        .unwrap_or_else(|| panic!("no {label}"))
}

/// Moves the last attempt an hour back (the TTL has expired) and the last good
/// usage fetch of `label` back by `seconds`.
fn age(sandbox: &Sandbox, label: &str, seconds: i64) {
    sandbox.age_cache("default", 3_600);
    let path = sandbox.cache_file("default");
    let mut cache: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for a in cache["state"]["accounts"].as_array_mut().unwrap() {
        if a["label"] == label {
            let at = a["usage_fetched_at"].as_i64().expect("fetched");
            a["usage_fetched_at"] = (at - seconds).into();
        }
    }
    std::fs::write(&path, serde_json::to_vec(&cache).unwrap()).unwrap();
}

#[test]
fn an_account_stuck_unavailable_after_its_retry_time_is_usable_not_cooling() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::stuck_after_errors("stuck@example.com", "plus", 900)
            .with_behaviour(UsageBehaviour::ok(40.0, 50.0)),
        MockAccount::new("fine@example.com", "plus").with_behaviour(UsageBehaviour::ok(20.0, 30.0)),
    ]));
    let sandbox = sandbox_for(&server);
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    let counts = &doc["report"]["counts"];
    assert_eq!(counts["cooling"], 0, "{counts}");
    assert_eq!(counts["erroring"], 0, "{counts}");
    assert_eq!(counts["available"], 2, "{counts}");
    let stuck = account(&doc, "stuck@example.com");
    assert_eq!(stuck["recovering"], true);
    assert_eq!(stuck["cooling"], false);
    // Its quota counts: 60 + 80.
    assert_eq!(doc["report"]["five_hour"]["remaining"], 140.0);

    let menu = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1")]);
    let lines = assert_valid_menu(&menu, "stuck");
    let row = lines
        .iter()
        .find(|l| l.depth == 0 && l.title.contains("stuck@example.com"))
        .expect("row");
    assert!(row.title.contains("recovering"), "{}", row.title);
    assert!(
        !row.title.contains("cooling") && !row.title.contains("error"),
        "{}",
        row.title
    );
    assert!(menu
        .stdout
        .contains("last request failed, the pool tries it again"));
    assert!(
        menu.stdout.contains("Accounts 2/2 available"),
        "{}",
        menu.stdout
    );
    assert!(menu.stdout.contains("--One state per account"));
    // The real server sends no last_refresh: no "unknown" line on every account.
    assert!(!menu.stdout.contains("Token refresh time unknown"));
}

#[test]
fn failing_accounts_keep_their_values_for_the_stale_limit_then_leave_the_sums() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 50.0)),
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(20.0, 30.0)),
        MockAccount::new("c@example.com", "plus").with_behaviour(UsageBehaviour::ok(90.0, 90.0)),
    ]));
    let sandbox = sandbox_for(&server);
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(&format!("{config}stale_limit_minutes = 10\n"));
    let first = sandbox.run(&["status", "--json"]).json();
    // 60 + 80 + 10.
    assert_eq!(first["report"]["five_hour"]["remaining"], 150.0);

    // b's usage call starts failing: its values are kept (5 min old < 10 min).
    server.set_config(|c| c.accounts[1].behaviour = UsageBehaviour::Envelope502);
    // It served requests (so a refresh asks its usage again and meets the failure).
    let b_name = server.config().accounts[1].name.clone();
    server.serve_requests(&b_name, 1, 0);
    age(&sandbox, "b@example.com", 5 * 60);
    let kept = sandbox.run(&["status", "--json"]);
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    let kept = kept.json();
    let b = account(&kept, "b@example.com");
    assert_eq!(
        (b["stale"].as_bool(), b["expired"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(kept["report"]["five_hour"]["remaining"], 150.0);

    // 11 minutes old: shown as unknown, marked stale with its age, out of the sums.
    age(&sandbox, "b@example.com", 6 * 60);
    let gone = sandbox.run(&["status", "--json"]).json();
    let b = account(&gone, "b@example.com");
    assert_eq!(b["expired"], true);
    assert!(b["five_hour"].is_null() && b["weekly"].is_null(), "{b}");
    assert_eq!(gone["report"]["five_hour"]["remaining"], 70.0);
    assert_eq!(gone["report"]["five_hour"]["capacity"], 200.0);
    let table = sandbox.run(&["status", "--offline"]);
    assert!(
        table.stdout.contains("stale: its values from 11m")
            && table.stdout.contains("ago are too old to count"),
        "{}",
        table.stdout
    );

    // A revoked token (upstream 401) drops an account at once.
    server.set_config(|c| c.accounts[0].behaviour = UsageBehaviour::unauthorized());
    // The pool's own requests with it fail too (its counters move, so it is asked).
    let a_name = server.config().accounts[0].name.clone();
    server.serve_requests(&a_name, 0, 1);
    sandbox.age_cache("default", 3_600);
    let revoked = sandbox.run(&["status", "--json"]).json();
    let a = account(&revoked, "a@example.com");
    assert_eq!(
        (a["available"].as_bool(), a["expired"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(revoked["report"]["five_hour"]["remaining"], 10.0);
    assert_eq!(revoked["report"]["five_hour"]["capacity"], 100.0);
}

fn week_only_pro(used: f64) -> UsageBehaviour {
    UsageBehaviour::Ok {
        primary_used: used,
        primary_window_s: 604_800,
        primary_reset_after: 400_000,
        secondary: None,
    }
}

#[test]
fn a_pool_of_week_only_pro_accounts_shows_no_5h_figure_anywhere() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("p1@example.com", "pro").with_behaviour(week_only_pro(25.0)),
        MockAccount::new("p2@example.com", "pro").with_behaviour(week_only_pro(75.0)),
    ]));
    let sandbox = sandbox_for(&server);
    let refresh = sandbox.run(&["refresh"]);
    assert_eq!(refresh.code, 0, "{}", refresh.stderr);
    assert_eq!(
        refresh.stdout.trim(),
        "refreshed: 2 accounts, week 2000% / 4000%"
    );
    let doc = sandbox.run(&["status", "--json"]).json();
    assert!(doc["report"]["five_hour"].is_null(), "{}", doc["report"]);
    assert_eq!(doc["report"]["weekly"]["remaining"], 2000.0);
    for swiftbar in [false, true] {
        let menu = sandbox.run_plugin(swiftbar);
        let lines = assert_valid_menu(&menu, "week only");
        assert!(!lines[0].title.contains('%') || lines[0].title.contains("W 50%"));
        assert!(lines[0].title.contains("W 50%"), "{}", lines[0].title);
        assert!(!lines[0].title.contains("0.0%"), "{}", lines[0].title);
        assert!(
            !lines
                .iter()
                .any(|l| l.depth == 0 && l.title.starts_with("5h ")),
            "{}",
            menu.stdout
        );
    }
    let table = sandbox.run(&["status"]);
    assert!(
        !table.stdout.lines().any(|l| l.starts_with("5h ")),
        "{}",
        table.stdout
    );
    assert!(table.stdout.lines().any(|l| l.starts_with("Week ")));
    let line = sandbox.run(&["status", "--format", "{5h}|{week_pct}|{level}"]);
    assert_eq!(line.stdout.trim(), "—|50%|yellow");
    let snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sandbox.snapshot_path()).unwrap()).unwrap();
    // Schema 1 keeps the object; capacity 0 means "no such window".
    assert_eq!(snapshot["pool"]["five_hour"]["capacity"], 0.0);
    assert_eq!(snapshot["pool"]["weekly"]["capacity"], 4000.0);
}

#[test]
fn a_server_without_api_call_is_too_old_not_a_broken_pool() {
    let server = MockServer::start(MockConfig {
        api_call_missing: true,
        version: "v6.5.2".into(),
        ..MockConfig::with_accounts(vec![MockAccount::new("a@example.com", "plus")])
    });
    let sandbox = sandbox_for(&server);
    let run = sandbox.run(&["status"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stderr.contains("CLIProxyAPI too old"), "{}", run.stderr);
    assert!(run.stderr.contains("v6.6.63"), "{}", run.stderr);
    assert!(run.stderr.contains("v6.5.2"), "{}", run.stderr);
    let menu = sandbox.run_plugin(true);
    assert!(
        menu.stdout.contains("CLIProxyAPI too old"),
        "{}",
        menu.stdout
    );
}

#[test]
fn remote_management_disabled_is_not_a_key_problem() {
    let server = MockServer::start(MockConfig {
        remote_disabled: true,
        ..MockConfig::with_accounts(vec![MockAccount::new("a@example.com", "plus")])
    });
    let sandbox = sandbox_for(&server);
    let run = sandbox.run(&["status"]);
    assert_eq!(run.code, 4);
    assert!(run.stderr.contains("allow-remote"), "{}", run.stderr);
    assert!(
        run.stderr.contains("the key is not the problem"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("set-key"), "{}", run.stderr);
    let menu = sandbox.run_plugin(true);
    assert!(!menu.stdout.contains("set-key"), "{}", menu.stdout);
    assert!(!menu.stdout.contains("fix the key"), "{}", menu.stdout);
    assert!(menu
        .stdout
        .contains("Automatic refresh is paused until this is fixed"));
    // After the pool allows it, Refresh now works at once (nothing was ledgered).
    server.set_config(|c| c.remote_disabled = false);
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    assert_eq!(server.stats().failed_auth_attempts, 0);
}

#[test]
fn one_account_is_one_account_and_no_phrase_is_said_twice() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "solo@example.com",
        "plus",
    )
    .with_behaviour(UsageBehaviour::Envelope502)]));
    let sandbox = sandbox_for(&server);
    let run = sandbox.run(&["refresh"]);
    assert!(
        run.stdout
            .starts_with("refreshed: 1 account, no quota data\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("1 account could not be refreshed: solo@example.com"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("1 accounts"));
    // No key at all: the title and the message do not repeat each other.
    let keyless = Sandbox::new(&server.url(), &server.usage_url(), None);
    let menu = keyless.run_plugin(true);
    let lower = menu.stdout.to_lowercase();
    assert!(
        !lower.contains("no management key: no management key"),
        "{}",
        menu.stdout
    );
    assert!(lower.contains("no management key"), "{}", menu.stdout);
    let status = keyless.run(&["status"]);
    let lower = status.stderr.to_lowercase() + &status.stdout.to_lowercase();
    assert!(
        !lower.contains("no management key: no management key"),
        "{lower}"
    );
}

#[test]
fn poolwatch_never_sends_x_forwarded_for() {
    // CLIProxyAPI trusts X-Forwarded-For from any client (docs/security.md).
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )]));
    let sandbox = sandbox_for(&server);
    for args in [
        &["status"][..],
        &["refresh"],
        &["test-fetch"],
        &["snapshot"],
        &["plugin"],
    ] {
        sandbox.run(args);
    }
    let wrong = Sandbox::new(&server.url(), &server.usage_url(), Some("wrong"));
    wrong.run(&["status"]);
    let stats = server.stats();
    assert!(
        stats.auth_files_requests >= 3 && stats.api_call_requests >= 2,
        "{stats:?}"
    );
    assert_eq!(stats.forwarded_for_headers, 0, "{stats:?}");
}

#[test]
fn two_auth_files_of_one_login_count_once_with_a_notice() {
    let mut twin =
        MockAccount::new("twin@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 50.0));
    twin.name = "codex-twin@example.com-copy.json".into();
    let original =
        MockAccount::new("twin@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 50.0));
    let other =
        MockAccount::new("other@example.com", "plus").with_behaviour(UsageBehaviour::ok(0.0, 0.0));
    let server = MockServer::start(MockConfig::with_accounts(vec![twin, original, other]));
    let sandbox = sandbox_for(&server);
    let doc = sandbox.run(&["status", "--json"]).json();
    // 60 + 100 (not 60 + 60 + 100) of 200.
    assert_eq!(doc["report"]["five_hour"]["remaining"], 160.0);
    assert_eq!(doc["report"]["five_hour"]["capacity"], 200.0);
    assert_eq!(doc["report"]["counts"]["duplicates"], 1);
    assert_eq!(doc["report"]["counts"]["available"], 2);
    let notice = "1 auth file is the same ChatGPT login as another (same account id): counted once";
    let menu = sandbox.run_plugin(true);
    assert!(menu.stdout.contains(notice), "{}", menu.stdout);
    assert!(menu.stdout.contains(" duplicate |"), "{}", menu.stdout);
    let table = sandbox.run(&["status"]);
    assert!(table.stdout.contains(notice), "{}", table.stdout);
}

#[test]
fn a_plan_nested_in_account_plan_weighs_what_it_is() {
    // No plan in the auth file; the usage body nests it: `account_plan.plan_type`.
    let body = r#"{"account_plan":{"plan_type":"pro"},"rate_limit":{"primary_window":{"used_percent":50,"limit_window_seconds":604800,"reset_after_seconds":400000}}}"#;
    let mut pro = MockAccount::new("nested@example.com", "").with_behaviour(UsageBehaviour::Raw {
        status_code: 200,
        body: body.into(),
    });
    pro.plan = String::new();
    let generic =
        MockAccount::new("generic@example.com", "plus").with_behaviour(UsageBehaviour::Raw {
            status_code: 200,
            body: r#"{"remaining": 12, "limit": 20}"#.into(),
        });
    let server = MockServer::start(MockConfig::with_accounts(vec![pro, generic]));
    let doc = sandbox_for(&server).run(&["status", "--json"]).json();
    let nested = account(&doc, "nested@example.com");
    assert_eq!(
        (nested["plan"].as_str(), nested["weight"].as_f64()),
        (Some("pro"), Some(20.0))
    );
    assert_eq!(doc["report"]["weekly"]["remaining"], 20.0 * 50.0);
    let generic = account(&doc, "generic@example.com");
    assert_eq!(generic["five_hour"]["remaining"], 60.0);
}
