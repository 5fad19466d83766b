//! The whole pool against the mock: Claude, Antigravity and Kimi accounts next
//! to Codex ones, each provider in its own section with its own weights, the
//! providers' errors per account, and reset credits read but never consumed.

mod common;
mod support;

use common::{assert_valid_menu, Sandbox};
use serde_json::{json, Value};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

const HTML_CHALLENGE: &str =
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body></body></html>";

fn claude(email: &str, five_used: f64, week_used: f64, profile: Option<Value>) -> MockAccount {
    let body = json!({
        "five_hour": {"utilization": five_used, "resets_at": "2099-01-01T05:00:00Z"},
        "seven_day": {"utilization": week_used, "resets_at": "2099-01-05T00:00:00Z"},
        "seven_day_opus": {"utilization": 80, "resets_at": "2099-01-05T00:00:00Z"},
        "seven_day_sonnet": null,
        "seven_day_oauth_apps": null,
        "extra_usage": {"is_enabled": false}
    });
    let mut account = MockAccount::provider("claude", email, 200, &body.to_string());
    account.side_body = profile.map(|p| p.to_string());
    account
}

fn max20x() -> Value {
    json!({"account": {"has_claude_max": true, "has_claude_pro": false},
           "organization": {"organization_type": "claude_max", "rate_limit_tier": "default_claude_max_20x"}})
}

fn pro() -> Value {
    json!({"account": {"has_claude_max": false, "has_claude_pro": true}})
}

fn antigravity(email: &str, project: Option<&str>, body: &str) -> MockAccount {
    let mut account = MockAccount::provider("antigravity", email, 200, body);
    account.project_id = project.map(str::to_string);
    account.side_body = Some(
        json!({"currentTier": {"id": "free-tier"}, "paidTier": {"id": "g1-ultra-tier"}})
            .to_string(),
    );
    account
}

fn whole_pool() -> Vec<MockAccount> {
    let agy_quota = json!({"groups": [{"displayName": "Gemini", "buckets": [
        {"bucketId": "g5", "displayName": "5h", "window": "5h", "resetTime": "2099-01-01T05:00:00Z", "remainingFraction": 0.6},
        {"bucketId": "gw", "displayName": "Weekly", "window": "weekly", "resetTime": "2099-01-05T00:00:00Z", "remainingFraction": 0.9}]}]});
    let kimi = json!({
        "usage": {"used": 50, "limit": 100, "resetAt": "2099-01-05T00:00:00Z"},
        "limits": [{"name": "5h", "window": {"duration": 300}, "detail": {"limit": 10, "remaining": 8}}]
    });
    let mut reset =
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 50.0));
    reset.reset_credits = Some(
        json!({"available_count": 2, "applicable_available_count": 2, "credits": [
            {"id": "r1", "status": "available", "expires_at": "2099-03-01T00:00:00Z"},
            {"id": "r2", "status": "available", "expires_at": "2099-02-01T00:00:00Z"}]})
        .to_string(),
    );
    // A provider poolwatch does not read: listed with its health only.
    let mut gemini = MockAccount::provider("qwen", "gem@example.com", 200, "{}");
    gemini.recent_requests = vec![(3, 1); 20];
    // Gemini CLI: per-model daily buckets from retrieveUserQuota (issue 18 item 5).
    let mut gcli = MockAccount::provider(
        "gemini-cli",
        "gcli@example.com",
        200,
        r#"{"buckets":[{"modelId":"gemini-2.5-pro","tokenType":"REQUESTS","remainingFraction":0.4,"resetTime":"2099-01-01T00:00:00Z"}]}"#,
    );
    gcli.project_id = Some("proj-gcli".into());
    vec![
        reset,
        MockAccount::new("b@example.com", "pro").with_behaviour(UsageBehaviour::ok(25.0, 10.0)),
        claude("max@example.com", 25.0, 40.0, Some(max20x())),
        claude("pro@example.com", 50.0, 10.0, Some(pro())),
        // The profile call fails (404): the plan is unknown, the account still counts.
        claude("noprofile@example.com", 0.0, 0.0, None),
        MockAccount::provider(
            "claude",
            "expired@example.com",
            401,
            r#"{"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired."}}"#,
        ),
        MockAccount::provider("claude", "challenge@example.com", 403, HTML_CHALLENGE),
        antigravity("agy@example.com", Some("proj-agy"), &agy_quota.to_string()),
        antigravity("noproject@example.com", None, &agy_quota.to_string()),
        antigravity("empty@example.com", Some("proj-e"), r#"{"groups":[]}"#),
        MockAccount::provider("kimi", "kimi@example.com", 200, &kimi.to_string()),
        MockAccount::provider("kimi", "garbage@example.com", 200, "garbage{"),
        gemini,
        gcli,
        // xAI: weekly credits from the billing endpoint (issue 18 item 5).
        MockAccount::provider(
            "xai",
            "grok@example.com",
            200,
            r#"{"config":{"currentPeriod":{"type":"BILLING_PERIOD_TYPE_WEEKLY","end":"2099-01-01T00:00:00Z"},"creditUsagePercent":25}}"#,
        ),
    ]
}

fn section<'a>(report: &'a Value, provider: &str) -> &'a Value {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["provider"] == provider)
        .unwrap_or_else(|| panic!("no section {provider}: {report:#}"))
}

fn account<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == label)
        .unwrap_or_else(|| panic!("no account {label}"))
}

fn f(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

#[test]
fn every_provider_has_its_own_section_and_codex_numbers_stay() {
    let accounts = whole_pool();
    let server = MockServer::start(MockConfig::with_accounts(accounts.clone()));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let report = &run.json()["report"];

    // Codex stays the primary section with Plus-base numbers:
    // 5h a 60 + b 75*20 = 1560 of 2100; week a 50 + b 90*20 = 1850.
    assert_eq!(report["primary_provider"], "codex");
    assert_eq!(f(&report["five_hour"]["remaining"]), 1560.0);
    assert_eq!(f(&report["five_hour"]["capacity"]), 2100.0);
    assert_eq!(f(&report["weekly"]["remaining"]), 1850.0);
    assert_eq!(report["counts"]["total"], 2);
    let codex = section(report, "codex");
    assert_eq!(codex["unit"], "plus_percent");
    assert_eq!(f(&codex["five_hour"]["remaining"]), 1560.0);
    // Reset credits: the pool total and the soonest expiry (2099-02-01).
    assert_eq!(codex["reset_credits"]["available"], 2);
    assert_eq!(codex["reset_credits"]["expires_at"], 4_073_587_200_i64);

    // Claude: max20x weighs 20, pro 1, unknown plan 1; errors count in capacity
    // only when they have data (they have none here).
    // 5h: 75*20 + 50*1 + 100*1 = 1650 of 2200; week: 60*20 + 90 + 100 = 1390.
    let claude = section(report, "claude");
    assert_eq!(claude["unit"], "percent");
    assert_eq!(claude["quota"], true);
    assert_eq!(f(&claude["five_hour"]["remaining"]), 1650.0);
    assert_eq!(f(&claude["five_hour"]["capacity"]), 2200.0);
    assert_eq!(f(&claude["weekly"]["remaining"]), 1390.0);
    assert_eq!(claude["counts"]["total"], 5);
    assert_eq!(claude["counts"]["erroring"], 2);
    let max = account(report, "max@example.com");
    assert_eq!(max["provider"], "claude");
    assert_eq!(max["plan"], "max20x");
    assert_eq!(f(&max["weight"]), 20.0);
    assert_eq!(f(&max["five_hour"]["remaining"]), 75.0);
    assert_eq!(max["lanes"][0]["name"], "Opus");
    assert_eq!(max["lanes"][0]["window"], "week");
    assert_eq!(f(&max["lanes"][0]["remaining"]), 20.0);
    assert_eq!(account(report, "pro@example.com")["plan"], "pro");
    assert_eq!(account(report, "noprofile@example.com")["plan"], "unknown");
    assert!(account(report, "noprofile@example.com")["error"].is_null());
    let expired = account(report, "expired@example.com");
    assert!(
        expired["error"].as_str().unwrap().contains("401"),
        "{expired}"
    );
    assert!(expired["error"]
        .as_str()
        .unwrap()
        .contains("OAuth token has expired"));
    let challenge = account(report, "challenge@example.com");
    assert!(
        challenge["error"].as_str().unwrap().contains("HTML"),
        "{challenge}"
    );

    // Antigravity: the first host answers 403, the fallback serves; tier ultra = 5.
    let agy = section(report, "antigravity");
    assert_eq!(f(&agy["five_hour"]["remaining"]), 300.0);
    assert_eq!(f(&agy["five_hour"]["capacity"]), 500.0);
    assert_eq!(f(&agy["weekly"]["remaining"]), 450.0);
    assert_eq!(account(report, "agy@example.com")["plan"], "g1-ultra-tier");
    let noproject = account(report, "noproject@example.com")["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(noproject.contains("project_id"), "{noproject}");
    let empty = account(report, "empty@example.com")["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(empty.contains("no rate-limit windows"), "{empty}");

    // Kimi: weekly 50% left, 5h 80% left, each weight 1.
    let kimi = section(report, "kimi");
    assert_eq!(f(&kimi["weekly"]["remaining"]), 50.0);
    assert_eq!(f(&kimi["five_hour"]["remaining"]), 80.0);
    assert!(account(report, "garbage@example.com")["error"]
        .as_str()
        .unwrap()
        .contains("not JSON"));

    // Other providers: listed with health only, never asked.
    let gemini = section(report, "qwen");
    assert_eq!(gemini["quota"], false);
    assert_eq!(gemini["health"]["recent_failures"], 3);
    assert!(account(report, "gem@example.com")["error"].is_null());
    // xAI: read through the billing endpoint only (never a chat request).
    let xai = section(report, "xai");
    assert_eq!(f(&xai["weekly"]["remaining"]), 75.0);
    assert_eq!(server.stats().calls_per_path["/v1/billing"], 1);
    assert!(!server
        .stats()
        .calls_per_path
        .keys()
        .any(|p| p.contains("chat")));

    if std::env::var_os("POOLWATCH_SHOW_MENU").is_some() {
        println!("{}", sandbox.run_plugin(false).stdout);
    }
    let stats = server.stats();
    let gcli = account(report, "gcli@example.com");
    assert_eq!(gcli["lanes"][0]["name"], "gemini-2.5-pro");
    assert_eq!(f(&gcli["lanes"][0]["remaining"]), 40.0);
    assert_eq!(
        server.stats().calls_per_path["/v1internal:retrieveUserQuota"],
        1
    );
    let unread = accounts
        .iter()
        .find(|a| a.name == "qwen-gem@example.com.json")
        .unwrap()
        .auth_index(false);
    assert!(
        !stats.calls_per_auth_index.contains_key(&unread),
        "a provider poolwatch does not read was asked"
    );
    assert_eq!(stats.wrong_url_calls, 0, "{stats:?}");
    assert_eq!(stats.consume_calls, 0);
    assert_eq!(
        stats.calls_per_path["/agy-denied/v1internal:retrieveUserQuotaSummary"],
        2
    );
    assert_eq!(
        stats.calls_per_path["/agy/v1internal:retrieveUserQuotaSummary"],
        2
    );
    assert_eq!(stats.calls_per_path["/agy/v1internal:loadCodeAssist"], 1);
    assert_eq!(stats.calls_per_path["/api/oauth/profile"], 3);
    assert_eq!(stats.reset_credit_calls.values().sum::<u64>(), 2);
}

/// Issue 18 item 7: reset credits (like plans) are read only when something says
/// they may have changed (`refresh --all`, a window reset, a limit reached, a
/// credits signal), else at most once a day.
#[test]
fn reset_credits_are_read_only_when_they_may_have_changed() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let counts = || {
        let stats = server.stats();
        assert_eq!(stats.consume_calls, 0);
        (
            stats.calls_per_path["/backend-api/wham/usage"],
            stats.reset_credit_calls.values().sum::<u64>(),
        )
    };
    let status = || {
        let run = sandbox.run(&["status", "--json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json()
    };
    let first = status();
    assert_eq!(counts(), (1, 1));
    assert_eq!(
        first["report"]["accounts"][0]["reset_credits"],
        json!({"available": 0, "expires_at": null})
    );
    let edit_account = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut cache = sandbox.read_cache("default");
        change(&mut cache["state"]["accounts"][0]);
        std::fs::write(
            sandbox.cache_file("default"),
            serde_json::to_vec(&cache).unwrap(),
        )
        .unwrap();
    };
    // A scheduled refresh that reads usage again (the account is old) does not
    // read the credits, even 2 hours later …
    let scheduled = || {
        sandbox.age_cache("default", 1_000);
        edit_account(&|a| {
            let at = a["usage_fetched_at"].as_i64().unwrap();
            a["usage_fetched_at"] = (at - 7_200).into();
            let read = a["reset_credits_fetched_at"].as_i64().unwrap();
            a["reset_credits_fetched_at"] = (read - 7_200).into();
        });
        assert_eq!(sandbox.run(&["status", "--json"]).code, 0);
    };
    scheduled();
    assert_eq!(counts(), (2, 1));
    // … `refresh --all` does …
    sandbox.age_cache("default", 60);
    assert_eq!(sandbox.run(&["refresh", "--all"]).code, 0);
    assert_eq!(counts(), (3, 2));
    // … and so does a day's age.
    edit_account(&|a| {
        let read = a["reset_credits_fetched_at"].as_i64().unwrap();
        a["reset_credits_fetched_at"] = (read - 86_400).into();
    });
    scheduled();
    assert_eq!(counts(), (4, 3));
    // A window that reset since the credits were read makes them due too.
    edit_account(&|a| {
        let read = a["reset_credits_fetched_at"].as_i64().unwrap();
        // (the refresh below moves the read 2 hours back: this reset is after it)
        a["usage"]["five_hour"]["reset_at"] = (read - 60).into();
    });
    scheduled();
    assert_eq!(counts(), (5, 4));
}

#[test]
fn an_explicit_provider_filter_narrows_the_pool_and_primary_follows() {
    let server = MockServer::start(MockConfig::with_accounts(whole_pool()));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(&format!("{config}providers = [\"claude\"]\n"));
    let report = sandbox.run(&["status", "--json"]).json()["report"].clone();
    assert_eq!(report["primary_provider"], "claude");
    assert_eq!(report["sections"].as_array().unwrap().len(), 1);
    assert_eq!(report["accounts"].as_array().unwrap().len(), 5);
    assert_eq!(f(&report["five_hour"]["remaining"]), 1650.0);
    assert!(!server
        .stats()
        .calls_per_path
        .contains_key("/backend-api/wham/usage"));

    // primary_provider chooses the title's provider among those present.
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    sandbox.write_config(&format!("{config}primary_provider = \"kimi\"\n"));
    let report = sandbox.run(&["status", "--json"]).json()["report"].clone();
    assert_eq!(report["primary_provider"], "kimi");
    assert_eq!(f(&report["weekly"]["remaining"]), 50.0);
}

#[test]
fn the_menu_has_a_section_per_provider() {
    let server = MockServer::start(MockConfig::with_accounts(whole_pool()));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    for swiftbar in [false, true] {
        let run = sandbox.run_plugin(swiftbar);
        let lines = assert_valid_menu(&run, "whole pool");
        let top: Vec<&str> = lines
            .iter()
            .filter(|l| l.depth == 0 && !l.separator)
            .map(|l| l.title.as_str())
            .collect();
        // The title is the Codex pool (one glance), as shares of capacity:
        // 5h 1560% of 2100% = 74%, W 88%.
        assert!(top[0].contains("5h 74% · W 88%"), "{}", run.stdout);
        for header in [
            "Codex · 2 accounts · 100% = one Plus account",
            "Claude · 5 accounts · 100% = one pro account",
            "Antigravity · 3 accounts · 100% = one g1-pro-tier account",
            "Kimi · 2 accounts · 100% = one account",
            "qwen · 1 account · quota not read: health only",
        ] {
            assert!(top.contains(&header), "missing {header:?}:\n{}", run.stdout);
        }
        assert!(top
            .iter()
            .any(|t| t.starts_with("5h   ") && t.contains("1650% / 2200%")));
        assert!(
            top.iter()
                .any(|t| t.starts_with("Reset credits 2 · soonest expires in")),
            "{}",
            run.stdout
        );
        assert!(lines
            .iter()
            .any(|l| l.depth == 1 && l.title.starts_with("Opus (week) 20% left")));
        // Health-only rows say so (grey), failing rows of read providers stay red.
        let row = |label: &str| {
            lines
                .iter()
                .find(|l| l.depth == 0 && l.title.contains(label))
                .unwrap_or_else(|| panic!("no row {label}"))
        };
        let color = |l: &common::PluginLine| {
            l.params
                .iter()
                .find(|(k, _)| k == "color")
                .map(|(_, v)| v.clone())
        };
        let gem = row("gem@example.com");
        assert!(gem.title.contains("quota not read"), "{}", gem.title);
        assert_ne!(color(gem), color(row("expired@example.com")));
        assert!(row("expired@example.com").title.contains("token refused"));
    }
}

#[test]
fn the_terminal_table_has_a_section_per_provider() {
    let server = MockServer::start(MockConfig::with_accounts(whole_pool()));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let run = sandbox.run(&["status", "--no-color"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("missing {needle:?}:\n{out}"))
    };
    // Codex first (the primary), then the others in their fixed order.
    assert!(at("1560% / 2100%") < at("\nClaude\n"));
    assert!(at("\nClaude\n") < at("1650% / 2200%"));
    assert!(at("1650% / 2200%") < at("max@example.com"));
    assert!(at("max@example.com") < at("\nAntigravity\n"));
    assert!(at("\nKimi\n") < at("qwen · Accounts 1/1 available · health only"));
}

#[test]
fn codex_monthly_and_extra_limits_are_lanes_outside_the_sums() {
    let team = MockAccount::new("team@example.com", "team").with_behaviour(UsageBehaviour::Ok {
        primary_used: 20.0,
        primary_window_s: 18_000,
        primary_reset_after: 3_600,
        secondary: Some((45.0, 30 * 86_400, 1_000_000)),
    });
    // The mock adds a Spark limit (0% / 3% used) to Pro answers.
    let pro =
        MockAccount::new("pro@example.com", "pro").with_behaviour(UsageBehaviour::ok(50.0, 60.0));
    let server = MockServer::start(MockConfig::with_accounts(vec![team, pro]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let report = sandbox.run(&["status", "--json"]).json()["report"].clone();
    let team = account(&report, "team@example.com");
    assert_eq!(f(&team["monthly"]["remaining"]), 55.0);
    assert_eq!(team["lanes"], json!([]));
    let pro = account(&report, "pro@example.com");
    let lanes: Vec<(String, String, f64)> = pro["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["window"].as_str().unwrap().to_string(),
                f(&l["remaining"]),
            )
        })
        .collect();
    assert_eq!(
        lanes,
        [
            ("GPT-5.3-Codex-Spark".to_string(), "5h".to_string(), 100.0),
            ("GPT-5.3-Codex-Spark".to_string(), "week".to_string(), 97.0)
        ]
    );
    // The sums are the main windows only: 5h team 80 + pro 50*20; week: the
    // pro's 40*20 alone (a Team plan's 30-day window is a month, never the
    // week: issue 17 item 3).
    assert_eq!(f(&report["five_hour"]["remaining"]), 1080.0);
    assert_eq!(f(&report["weekly"]["remaining"]), 800.0);
}

#[test]
fn plans_are_asked_only_when_they_may_have_changed() {
    let agy_quota = json!({"groups": [{"displayName": "G", "buckets": [
        {"bucketId": "g5", "window": "5h", "remainingFraction": 0.5}]}]});
    let server = MockServer::start(MockConfig::with_accounts(vec![
        claude("max@example.com", 25.0, 40.0, Some(max20x())),
        antigravity("agy@example.com", Some("proj-agy"), &agy_quota.to_string()),
    ]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let plan_calls = || {
        let stats = server.stats();
        (
            stats.calls_per_path["/api/oauth/usage"],
            stats.calls_per_path["/api/oauth/profile"],
            stats.calls_per_path["/agy/v1internal:loadCodeAssist"],
        )
    };
    let plans = |doc: &Value| {
        (
            account(&doc["report"], "max@example.com")["plan"].clone(),
            f(&account(&doc["report"], "max@example.com")["weight"]),
            account(&doc["report"], "agy@example.com")["plan"].clone(),
        )
    };
    let expected = (json!("max20x"), 20.0, json!("g1-ultra-tier"));
    let first = sandbox.run(&["status", "--json"]).json();
    assert_eq!(plans(&first), expected);
    assert_eq!(plan_calls(), (1, 1, 1));
    let shift = |key: &str, seconds: i64| {
        let mut cache = sandbox.read_cache("default");
        for account in cache["state"]["accounts"].as_array_mut().unwrap() {
            let at = account[key].as_i64().expect("time cached");
            account[key] = (at - seconds).into();
        }
        std::fs::write(
            sandbox.cache_file("default"),
            serde_json::to_vec(&cache).unwrap(),
        )
        .unwrap();
    };
    // A scheduled fetch that reads the quota again (usage 2 hours old) reuses the plans.
    sandbox.age_cache("default", 1_000);
    shift("usage_fetched_at", 7_200);
    shift("plan_checked_at", 7_200);
    let second = sandbox.run(&["status", "--json"]).json();
    assert_eq!(plans(&second), expected);
    assert_eq!(plan_calls(), (2, 1, 1));
    // `refresh --all` asks them again …
    sandbox.age_cache("default", 60);
    assert_eq!(sandbox.run(&["refresh", "--all"]).code, 0);
    assert_eq!(plan_calls(), (3, 2, 2));
    // … and so does a day's age.
    sandbox.age_cache("default", 1_000);
    shift("usage_fetched_at", 7_200);
    shift("plan_checked_at", 86_400);
    let third = sandbox.run(&["status", "--json"]).json();
    assert_eq!(plans(&third), expected);
    assert_eq!(plan_calls(), (4, 3, 3));
}

#[test]
fn a_hostile_provider_name_stays_inside_its_title() {
    let hostile = "evil|bash=/bin/sh param1=-c\n--pwned | href=file:///";
    let mut account = MockAccount::provider("x", "h@example.com", 200, "{}");
    account.provider = hostile.to_string();
    let index = account.auth_index(false);
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus"),
        account,
    ]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    for swiftbar in [false, true] {
        let run = sandbox.run_plugin(swiftbar);
        let lines = assert_valid_menu(&run, "hostile provider");
        let header = lines
            .iter()
            .find(|l| l.title.contains("evil"))
            .unwrap_or_else(|| panic!("the section is listed:\n{}", run.stdout));
        assert!(header.title.contains("health only"), "{}", header.title);
        for line in lines
            .iter()
            .filter(|l| l.raw.contains("evil") || l.raw.contains("pwned"))
        {
            assert_eq!(line.depth, 0, "{}", line.raw);
            assert!(
                line.params
                    .iter()
                    .all(|(k, _)| ["emojize", "length", "symbolize"].contains(&k.as_str())),
                "{}",
                line.raw
            );
        }
    }
    // Never asked: an unknown provider is listed with its health only.
    assert!(!server.stats().calls_per_auth_index.contains_key(&index));
}

#[test]
fn the_cut_menu_form_of_a_big_mixed_pool_prints_the_same_menu() {
    use poolwatch::model::{Account, QuotaWindow, Usage};
    use poolwatch::quota::{compute, QuotaSettings};
    use poolwatch::render::menu::{menu_report, render_menu, render_menu_omitting};
    use poolwatch::render::{Dialect, FetchStatus, MenuContext};
    const NOW: i64 = 1_785_900_000;
    let account = |provider: &str, i: usize| Account {
        id: format!("{provider}-{i}"),
        name: format!("{provider}-{i}.json"),
        label: format!("{provider}{i:03}@example.com"),
        provider: provider.into(),
        status: "active".into(),
        usage: Some(Usage {
            five_hour: Some(QuotaWindow {
                used_percent: (i % 97) as f64,
                window_seconds: Some(18_000),
                reset_at: Some(NOW + 600 + i as i64),
            }),
            ..Usage::default()
        }),
        usage_fetched_at: Some(NOW - 60),
        ..Account::default()
    };
    let accounts: Vec<Account> = (0..130)
        .map(|i| account("codex", i))
        .chain((0..120).map(|i| account("claude", i)))
        .chain((0..3).map(|i| account("kimi", i)))
        .collect();
    let full = compute(&accounts, &QuotaSettings::default(), NOW);
    let (form, omitted) = menu_report(&full);
    // Each section is cut on its own: 60 detailed + the worst 40 of the rest.
    assert_eq!(omitted, 30 + 20);
    assert_eq!(form.section("codex").unwrap().omitted, 30);
    assert_eq!(form.section("claude").unwrap().omitted, 20);
    assert_eq!(form.accounts_of("kimi").count(), 3);
    let ctx = MenuContext {
        profile: "default".into(),
        pool_url: "http://127.0.0.1:8317".into(),
        exe: "/usr/local/bin/poolwatch".into(),
        settings_path: "/tmp/config.toml".into(),
        updated_at: Some(NOW - 60),
        status: FetchStatus::Fresh,
        notices: Vec::new(),
        sort: Default::default(),
        demo: false,
        pace: None,
        now: NOW,
        ban_until: None,
        ..Default::default()
    };
    for dialect in [Dialect::SwiftBar, Dialect::Xbar] {
        let whole = render_menu(Some(&full), &ctx, dialect);
        assert!(whole.contains("More accounts (70) · details"), "{whole}");
        assert!(whole.contains("More accounts (60) · details"), "{whole}");
        assert_eq!(
            render_menu_omitting(Some(&form), &ctx, dialect, omitted),
            whole
        );
    }
}

/// Issue 17.22: after `providers` changed, a run that cannot fetch (here
/// `--offline`; likewise a blocked or failing fetch) shows only the accounts
/// the new selection keeps, not the old selection's.
#[test]
fn a_changed_provider_filter_applies_to_the_cached_accounts_before_a_fetch() {
    let server = MockServer::start(MockConfig::with_accounts(whole_pool()));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    // 7: some accounts of the whole pool fail on purpose.
    assert!([0, 7].contains(&sandbox.run(&["refresh"]).code));
    let all = sandbox.run(&["status", "--json", "--offline"]).json();
    let providers = |doc: &Value| -> std::collections::BTreeSet<String> {
        doc["report"]["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["provider"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert!(providers(&all).len() > 2, "{all}");
    assert_eq!(
        sandbox.run(&["config", "set", "providers", "claude"]).code,
        0
    );
    let narrowed = sandbox.run(&["status", "--json", "--offline"]);
    let doc = narrowed.json();
    assert_eq!(providers(&doc), ["claude".to_string()].into(), "{doc}");
    assert_eq!(doc["report"]["primary_provider"], "claude");
}
