//! Issue 21 (truth on a real server, round 2) and issue 17 items 2, 3, 10
//! against the real binary and the mock server.

mod common;
mod support;

use common::real_now as now;

use common::{assert_valid_menu, Sandbox};
use support::{
    rfc3339_utc, MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY,
};

fn sandbox_for(server: &MockServer, extra: &str) -> Sandbox {
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(&format!("{config}ttl_seconds = 3600\n{extra}"));
    sandbox
}

fn account<'a>(doc: &'a serde_json::Value, label: &str) -> &'a serde_json::Value {
    doc["report"]["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["label"] == label)
        .unwrap_or_else(|| panic!("no {label}"))
}

/// The line starting with `Accounts` of a text.
fn counts_line(text: &str) -> String {
    text.lines()
        .map(|l| l.split('|').next().unwrap_or(l).trim())
        .find(|l| l.starts_with("Accounts "))
        .unwrap_or_else(|| panic!("no Accounts line in {text}"))
        .to_string()
}

/// 21.2: the menu form decides cooling at its own clock; the menu and
/// `status --offline` say the same thing about the same cache.
#[test]
fn a_menu_form_hit_after_the_retry_time_shows_recovering_and_the_counts_agree() {
    let retry = now() + 900;
    let cooling = MockAccount {
        status: "error".into(),
        unavailable: true,
        next_retry_after: Some(rfc3339_utc(retry)),
        ..MockAccount::new("cool@example.com", "plus")
    };
    let server = MockServer::start(MockConfig::with_accounts(vec![
        cooling.with_behaviour(UsageBehaviour::ok(40.0, 50.0)),
        MockAccount::new("fine@example.com", "plus"),
    ]));
    let sandbox = sandbox_for(&server, "");
    // A foreground fetch, then a menu run that serves it and writes the form
    // (no detached refresh can rewrite the cache behind the test).
    assert_eq!(sandbox.run(&["status"]).code, 0);
    let first = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1")]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.contains("cooling"), "{}", first.stdout);
    let form = sandbox.cache_file("default").with_file_name("menu.json");
    assert!(form.exists());
    // The retry time passes: the runs' clock is a minute past it (within the
    // TTL, and the cache is untouched, so the next menu run uses the form).
    let later = (retry + 60).to_string();
    let clock = ("POOLWATCH_TEST_NOW", later.as_str());
    let form_before = std::fs::read(&form).unwrap();
    server.reset_stats();

    let menu = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1"), clock]);
    assert_eq!(
        std::fs::read(&form).unwrap(),
        form_before,
        "served from the form as it was"
    );
    assert_eq!(server.stats().total_requests, 0, "a cache hit");
    let lines = assert_valid_menu(&menu, "form hit");
    let row = lines
        .iter()
        .find(|l| l.depth == 0 && l.title.contains("cool@example.com"))
        .expect("row");
    assert!(row.title.contains("recovering"), "{}", row.title);
    assert!(!row.title.contains("cooling"), "{}", row.title);
    let offline = sandbox.run_env(&["status", "--offline"], &[clock]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert_eq!(counts_line(&menu.stdout), counts_line(&offline.stdout));
    assert_eq!(counts_line(&menu.stdout), "Accounts 2/2 available");
}

/// 17.2: every account in exactly one state, the parts add up.
#[test]
fn the_accounts_line_partitions_the_accounts() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(10.0, 20.0)),
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(10.0, 20.0)),
        MockAccount::new("killed@example.com", "plus")
            .with_behaviour(UsageBehaviour::ok(10.0, 99.0)),
        MockAccount {
            next_retry_after: Some(rfc3339_utc(now() + 900)),
            status: "error".into(),
            unavailable: true,
            ..MockAccount::new("cool@example.com", "plus")
        },
        MockAccount::new("err@example.com", "plus").with_behaviour(UsageBehaviour::Envelope502),
        MockAccount {
            disabled: true,
            status: "disabled".into(),
            ..MockAccount::new("off@example.com", "plus")
        },
    ]));
    let sandbox = sandbox_for(&server, "");
    let doc = sandbox.run(&["status", "--json"]).json();
    let c = &doc["report"]["counts"];
    let part = |k: &str| c[k].as_u64().unwrap();
    assert_eq!(
        (
            part("available"),
            part("killed"),
            part("cooling"),
            part("erroring"),
            part("disabled")
        ),
        (2, 1, 1, 1, 1),
        "{c}"
    );
    let menu = sandbox.run(&["plugin"]);
    assert_eq!(
        counts_line(&menu.stdout),
        "Accounts 2/6 available · 1 week-killed · 1 cooling · 1 erroring · 1 disabled"
    );
    assert_eq!(menu.stdout.matches("One state per account").count(), 1);
    let status = sandbox.run(&["status", "--offline"]);
    assert_eq!(counts_line(&status.stdout), counts_line(&menu.stdout));
}

/// Makes the next refresh due and `label`'s usage worth asking again.
fn make_due(server: &MockServer, sandbox: &Sandbox, index: usize) {
    let name = server.config().accounts[index].name.clone();
    server.serve_requests(&name, 1, 0);
    sandbox.age_cache("default", 7_200);
}

/// 17.3: a Team plan's 30-day window is a month: never the week, never in
/// the pool's Week.
#[test]
fn a_team_month_is_not_a_week() {
    let team = MockAccount::new("team@example.com", "team").with_behaviour(UsageBehaviour::Ok {
        primary_used: 20.0,
        primary_window_s: 18_000,
        primary_reset_after: 3_600,
        secondary: Some((45.0, 2_592_000, 21 * 86_400)),
    });
    let server = MockServer::start(MockConfig::with_accounts(vec![
        team,
        MockAccount::new("plus@example.com", "plus").with_behaviour(UsageBehaviour::ok(10.0, 20.0)),
    ]));
    let sandbox = sandbox_for(&server, "");
    let doc = sandbox.run(&["status", "--json"]).json();
    let team = account(&doc, "team@example.com");
    assert!(team["weekly"].is_null(), "{team}");
    assert_eq!(team["monthly"]["remaining"], 55.0, "{team}");
    // The pool's Week is the Plus account's alone.
    assert_eq!(doc["report"]["weekly"]["capacity"], 100.0);
    assert_eq!(doc["report"]["weekly"]["remaining"], 80.0);
    let status = sandbox.run(&["status"]);
    let row = status
        .stdout
        .lines()
        .find(|l| l.contains("team@example.com"))
        .expect("team row");
    assert!(!row.contains("55%") && !row.contains("21d"), "{row}");
    let menu = sandbox.run(&["plugin"]);
    assert!(menu.stdout.contains("Month 55% left"), "{}", menu.stdout);
    assert!(!menu.stdout.contains("Week 55% left"), "{}", menu.stdout);
}

/// 21.4: a 5h limit answer keeps the week, under the stale rules.
#[test]
fn a_five_hour_limit_answer_keeps_the_week() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("limit@example.com", "plus")
            .with_behaviour(UsageBehaviour::ok(40.0, 30.0)),
        MockAccount::new("other@example.com", "plus")
            .with_behaviour(UsageBehaviour::ok(10.0, 10.0)),
    ]));
    let sandbox = sandbox_for(&server, "");
    let first = sandbox.run(&["status", "--json"]).json();
    assert_eq!(first["report"]["weekly"]["remaining"], 160.0);
    server.set_config(|c| c.accounts[0].behaviour = UsageBehaviour::rate_limited(3_000));
    make_due(&server, &sandbox, 0);
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    let limited = account(&doc, "limit@example.com");
    assert_eq!(limited["five_hour"]["remaining"], 0.0, "{limited}");
    assert_eq!(limited["weekly"]["remaining"], 70.0, "{limited}");
    assert_eq!(doc["report"]["weekly"]["remaining"], 160.0);
    // The kept week ages like any kept value: 31 minutes after it was read
    // it leaves the sums (the 5h answer itself stays).
    let path = sandbox.cache_file("default");
    let mut cache = sandbox.read_cache("default");
    for a in cache["state"]["accounts"].as_array_mut().unwrap() {
        if a["label"] == "limit@example.com" {
            let kept = &mut a["usage"]["kept"];
            assert_eq!(kept["weekly"], true);
            kept["at"] = (kept["at"].as_i64().unwrap() - 31 * 60).into();
        }
    }
    std::fs::write(&path, serde_json::to_vec(&cache).unwrap()).unwrap();
    let later = sandbox.run(&["status", "--offline", "--json"]).json();
    let limited = account(&later, "limit@example.com");
    assert!(limited["weekly"].is_null(), "{limited}");
    assert_eq!(limited["five_hour"]["remaining"], 0.0, "{limited}");
    assert_eq!(later["report"]["weekly"]["remaining"], 90.0);
}

/// 21.5: a refused token says so; its values are dropped.
#[test]
fn a_refused_token_says_sign_in_again() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("gone@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 30.0)),
        MockAccount::new("fine@example.com", "plus"),
    ]));
    let sandbox = sandbox_for(&server, "");
    assert_eq!(sandbox.run(&["status"]).code, 0);
    server.set_config(|c| {
        c.accounts[0].behaviour = UsageBehaviour::Raw {
            status_code: 401,
            body: "{\"error\":{\"message\":\"token expired\",\"code\":\"token_expired\"}}".into(),
        }
    });
    make_due(&server, &sandbox, 0);
    let status = sandbox.run(&["status"]);
    let text = &status.stdout;
    assert!(
        text.contains("token refused: sign in again in CLIProxyAPI"),
        "{text}"
    );
    assert!(!text.contains("too old"), "{text}");
    assert!(!text.contains("unavailable"), "{text}");
    let menu = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1")]);
    let lines = assert_valid_menu(&menu, "refused");
    let row = lines
        .iter()
        .find(|l| l.depth == 0 && l.title.contains("gone@example.com"))
        .expect("row");
    assert!(row.title.contains("token refused"), "{}", row.title);
    assert!(
        !row.title.contains("too old") && !row.title.contains("stale"),
        "{}",
        row.title
    );
    assert!(!menu.stdout.contains("unavailable"), "{}", menu.stdout);
    let doc = sandbox.run(&["status", "--offline", "--json"]).json();
    let gone = account(&doc, "gone@example.com");
    assert_eq!(gone["token_refused"], true);
    assert!(gone["five_hour"].is_null() && gone["weekly"].is_null());
}

fn claude_account(email: &str) -> MockAccount {
    let body = serde_json::json!({
        "five_hour": {"utilization": 25, "resets_at": "2099-01-01T05:00:00Z"},
        "seven_day": {"utilization": 40, "resets_at": "2099-01-05T00:00:00Z"},
    });
    let mut account = MockAccount::provider("claude", email, 200, &body.to_string());
    account.side_body = Some(
        serde_json::json!({"account": {"has_claude_max": false, "has_claude_pro": true}})
            .to_string(),
    );
    account
}

/// 21.3 and 17.9: `test-fetch` checks one account of each provider, the
/// primary first, fails when the primary provider's usage cannot be read,
/// shows plans, and summarises a long account list.
#[test]
fn test_fetch_tests_each_provider_the_primary_first() {
    let mut accounts = vec![claude_account("zed@example.com")];
    for i in 0..25 {
        accounts.push(
            MockAccount::new(&format!("u{i:02}@example.com"), "plus")
                .with_behaviour(UsageBehaviour::html_challenge()),
        );
    }
    let server = MockServer::start(MockConfig::with_accounts(accounts));
    let sandbox = sandbox_for(&server, "providers = [\"codex\", \"claude\"]\n");
    // Every Codex account fails: the menu's provider cannot be read.
    let broken = sandbox.run(&["test-fetch"]);
    assert_eq!(broken.code, 6, "{}", broken.stdout);
    assert!(
        broken
            .stdout
            .contains("✗ usage: 5 accounts tried, none answered (20 more not tried)"),
        "{}",
        broken.stdout
    );
    assert!(!broken.stdout.contains("✓ usage of"), "{}", broken.stdout);
    // 26 accounts: 20 listed, the rest summarised; no `?` plan.
    assert!(
        broken
            .stdout
            .contains("… and 6 more (`poolwatch status` lists every account)"),
        "{}",
        broken.stdout
    );
    assert!(!broken.stdout.contains(" ? "), "{}", broken.stdout);

    // One Codex account answers after one failure: both providers pass, Codex first.
    server.set_config(|c| c.accounts[2].behaviour = UsageBehaviour::ok(10.0, 20.0));
    let good = sandbox.run(&["test-fetch"]);
    assert_eq!(good.code, 0, "{}", good.stdout);
    let codex = good
        .stdout
        .find("✓ usage of u01@example.com: plan plus")
        .unwrap_or_else(|| panic!("{}", good.stdout));
    let claude = good
        .stdout
        .find("✓ usage of zed@example.com: plan ")
        .unwrap_or_else(|| panic!("{}", good.stdout));
    assert!(codex < claude, "{}", good.stdout);
    assert!(
        good.stdout
            .contains("(1 account failed before this one: its token or upstream is the problem"),
        "{}",
        good.stdout
    );
    assert!(!good.stdout.contains("plan ?"), "{}", good.stdout);
    assert!(!good.stdout.contains("account(s)"), "{}", good.stdout);
}

/// 21.10: a window past its reset during an outage is restored (capacity
/// back), marked not yet confirmed; the restore line shows the first part of
/// a group that comes back well before the rest; a week-only Pro account has
/// no 5h window rather than "no data".
#[test]
fn a_window_past_its_reset_is_restored_unconfirmed() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(70.0, 20.0)),
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(10.0, 20.0)),
    ]));
    let sandbox = sandbox_for(&server, "");
    let first = sandbox.run(&["status", "--json"]).json();
    assert_eq!(first["report"]["five_hour"]["remaining"], 120.0);
    server.stop();
    // An outage: a's 5h window passed its reset a minute ago.
    let mut cache = sandbox.read_cache("default");
    for a in cache["state"]["accounts"].as_array_mut().unwrap() {
        if a["label"] == "a@example.com" {
            a["usage"]["five_hour"]["reset_at"] = (now() - 60).into();
        }
    }
    std::fs::write(
        sandbox.cache_file("default"),
        serde_json::to_vec(&cache).unwrap(),
    )
    .unwrap();
    let doc = sandbox.run(&["status", "--offline", "--json"]).json();
    let a = account(&doc, "a@example.com");
    assert_eq!(a["five_hour"]["remaining"], 100.0, "{a}");
    assert_eq!(a["five_hour_unconfirmed"], true, "{a}");
    assert_eq!(doc["report"]["five_hour"]["remaining"], 190.0);
    let menu = sandbox.run(&["plugin"]);
    assert!(
        menu.stdout
            .contains("5h 100% left · back at its reset, not yet confirmed"),
        "{}",
        menu.stdout
    );
    let row = menu
        .stdout
        .lines()
        .find(|l| l.contains("a@example.com") && !l.starts_with("--"))
        .expect("row");
    assert!(row.contains("reset, unconfirmed"), "{row}");
}

#[test]
fn a_restore_group_shows_its_first_part_and_week_only_pro_has_no_five_hour_window() {
    let five = |used: f64, reset: i64| UsageBehaviour::Ok {
        primary_used: used,
        primary_window_s: 18_000,
        primary_reset_after: reset,
        secondary: Some((10.0, 604_800, 300_000)),
    };
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("soon@example.com", "plus").with_behaviour(five(90.0, 29 * 60)),
        MockAccount::new("later@example.com", "plus").with_behaviour(five(42.0, 59 * 60)),
        MockAccount::new("weekonly@example.com", "pro").with_behaviour(UsageBehaviour::Ok {
            primary_used: 30.0,
            primary_window_s: 604_800,
            primary_reset_after: 200_000,
            secondary: None,
        }),
    ]));
    let sandbox = sandbox_for(&server, "");
    let menu = sandbox.run(&["plugin"]);
    assert_eq!(menu.code, 0);
    let line = menu
        .stdout
        .lines()
        .find(|l| l.contains("↳ +90% in 2"))
        .unwrap_or_else(|| panic!("{}", menu.stdout));
    assert!(line.contains(", +132% -> "), "{line}");
    assert!(
        menu.stdout.contains("5h: this account has no 5h window"),
        "{}",
        menu.stdout
    );
    assert!(!menu.stdout.contains("5h no data"), "{}", menu.stdout);
}

/// 21.9: an API key's row shows its whole fingerprint, also with an
/// 11-character provider name and a long host.
#[test]
fn an_api_key_row_shows_its_whole_fingerprint() {
    use support::{ApiKeyUsageMock, KeyUsageShape, MockApiKey};
    let key = MockApiKey::new(
        "openai-comp",
        "https://api.deepseek-gateway.example.com",
        "sk-compat-Round2-Fingerprint-123",
        &[(3, 0)],
    );
    let fp = poolwatch::api::api_keys::fingerprint(&key.object_key());
    let server = MockServer::start(MockConfig {
        api_key_usage: Some(ApiKeyUsageMock::Keys(KeyUsageShape::Current, vec![key])),
        ..MockConfig::with_accounts(vec![MockAccount::new("a@example.com", "plus")])
    });
    let sandbox = sandbox_for(&server, "providers = [\"codex\", \"openai-comp\"]\n");
    let menu = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1")]);
    let lines = assert_valid_menu(&menu, "keys");
    let row = lines
        .iter()
        .find(|l| l.depth == 0 && l.title.contains("openai-co"))
        .unwrap_or_else(|| panic!("no key row:\n{}", menu.stdout));
    assert!(row.title.contains(&fp), "{fp} in {}", row.title);
    let status = sandbox.run(&["status"]);
    assert!(status.stdout.contains(&fp), "{}", status.stdout);
}

/// 17.10: "Last updated" counts from the end of the fetch, not its start.
#[test]
fn last_updated_counts_from_the_end_of_the_fetch() {
    let server = MockServer::start(MockConfig {
        auth_files_delay: std::time::Duration::from_millis(2_100),
        ..MockConfig::with_accounts(vec![MockAccount::new("a@example.com", "plus")])
    });
    let sandbox = sandbox_for(&server, "");
    let started = now();
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fetched_at = sandbox.read_cache("default")["state"]["fetched_at"]
        .as_i64()
        .unwrap();
    assert!(
        fetched_at >= started + 2,
        "fetched_at {fetched_at}, started {started}"
    );
}
