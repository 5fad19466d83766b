//! Issue 21 (truth on a real server, round 2) and issue 17 items 2, 3, 10
//! against the real binary and the mock server.

mod common;
mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{assert_valid_menu, Sandbox};
use support::{
    rfc3339_utc, MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY,
};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

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

/// Replaces every `from` by `to` (same length) in the file at `path`, in
/// place and keeping its modification time: the file keeps its identity.
fn rewrite_in_place(path: &std::path::Path, from: &str, to: &str) -> usize {
    assert_eq!(from.len(), to.len());
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let found = text.matches(from).count();
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    std::io::Write::write_all(&mut &file, text.replace(from, to).as_bytes()).unwrap();
    file.set_modified(modified).unwrap();
    found
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
    let first = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1")]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.contains("cooling"), "{}", first.stdout);
    let form = sandbox.cache_file("default").with_file_name("menu.json");
    assert!(form.exists());
    // The retry time passes: both stored copies say it passed a minute ago
    // (the cache keeps its identity, so the next menu run uses the form).
    let past = (now() - 60).to_string();
    assert!(rewrite_in_place(&sandbox.cache_file("default"), &retry.to_string(), &past) > 0);
    assert!(rewrite_in_place(&form, &retry.to_string(), &past) > 0);
    server.reset_stats();

    let menu = sandbox.run_env(&["plugin"], &[("SWIFTBAR", "1")]);
    assert_eq!(server.stats().total_requests, 0, "a cache hit");
    let lines = assert_valid_menu(&menu, "form hit");
    let row = lines
        .iter()
        .find(|l| l.depth == 0 && l.title.contains("cool@example.com"))
        .expect("row");
    assert!(row.title.contains("recovering"), "{}", row.title);
    assert!(!row.title.contains("cooling"), "{}", row.title);
    let offline = sandbox.run(&["status", "--offline"]);
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
    assert_eq!(menu.stdout.matches("Each account in one state").count(), 1);
    let status = sandbox.run(&["status", "--offline"]);
    assert_eq!(counts_line(&status.stdout), counts_line(&menu.stdout));
}
