//! Delta refresh (issue 10 item 1): a scheduled refresh reads auth-files and
//! asks usage only for accounts that changed; `refresh --all` asks everything.

mod common;
mod support;

use common::Sandbox;
use support::{generated_pool, MockConfig, MockServer, DEFAULT_MANAGEMENT_KEY};

fn pool(n: usize) -> (MockServer, Sandbox) {
    let server = MockServer::start(MockConfig::with_accounts(generated_pool(n)));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\ntimeout_seconds = 5\ndeadline_seconds = 120\nconcurrency = 16\n{}",
        server.url(),
        server.usage_url(),
        common::provider_urls_for(&server.usage_url())
    ));
    (server, sandbox)
}

/// Accounts the mock pool asks usage for (enabled OAuth accounts).
fn askable(server: &MockServer) -> usize {
    server
        .config()
        .accounts
        .iter()
        .filter(|a| !a.disabled && a.account_type.as_deref() != Some("api_key"))
        .count()
}

/// One scheduled refresh: `status` with the TTL expired (no sleeping).
fn scheduled_refresh(sandbox: &Sandbox) {
    sandbox.age_cache("default", 1_000);
    let run = sandbox.run(&["status", "--json"]);
    assert!(run.code == 0 || run.code == 7, "{}", run.stderr);
}

#[test]
fn an_unchanged_1000_account_pool_costs_at_most_a_tenth_of_the_usage_calls() {
    let (server, sandbox) = pool(1000);
    let first = sandbox.run(&["refresh"]);
    assert!(first.code == 0 || first.code == 7, "{}", first.stderr);
    // Usage calls only: Codex accounts whose usage answered also read their
    // reset credits once (at most every 30 minutes, issue 13).
    let asked_first = server.stats().calls_per_path["/backend-api/wham/usage"];
    assert_eq!(
        asked_first as usize,
        askable(&server),
        "a first refresh asks all"
    );

    server.reset_stats();
    scheduled_refresh(&sandbox);
    let stats = server.stats();
    assert_eq!(stats.auth_files_requests, 1);
    assert!(
        stats.api_call_requests * 10 <= 1000,
        "an unchanged pool: {} usage calls",
        stats.api_call_requests
    );
    // Those few are the accounts whose last call failed (429, HTML, upstream 401),
    // plus the age-based re-reads due by now: the first full read staggered
    // them over the max age (issue 21 item 7), a handful per few seconds.
    let cache = sandbox.read_cache("default");
    let accounts = cache["state"]["accounts"].as_array().unwrap();
    let failing = accounts
        .iter()
        .filter(|a| a["usage_error"].is_string() && a["disabled"] == false)
        .filter(|a| !a["usage_error"].as_str().unwrap().starts_with("API-key"))
        .count();
    let asked = stats.api_call_requests as usize;
    assert!(
        (failing..=failing + 15).contains(&asked),
        "{asked} calls, {failing} failing"
    );
    // Every account still has its numbers, with the time they were fetched.
    let with_usage = accounts.iter().filter(|a| a["usage"].is_object()).count();
    assert!(with_usage > 850, "{with_usage}");
}

#[test]
fn an_account_with_new_traffic_is_always_re_read() {
    let (server, sandbox) = pool(60);
    assert!(matches!(sandbox.run(&["refresh"]).code, 0 | 7));
    let names: Vec<String> = server
        .config()
        .accounts
        .iter()
        .map(|a| a.name.clone())
        .collect();
    // Healthy, enabled accounts (index not hitting the generated failure patterns).
    let busy = [&names[1], &names[2], &names[3]];
    for round in 0..3 {
        server.reset_stats();
        for (i, name) in busy.iter().enumerate() {
            // A different subset each round: successes, failures, both.
            match (round + i) % 3 {
                0 => server.serve_requests(name, 2, 0),
                1 => server.serve_requests(name, 0, 1),
                _ => server.serve_requests(name, 1, 1),
            }
        }
        scheduled_refresh(&sandbox);
        let stats = server.stats();
        let config = server.config();
        for name in busy {
            let account = config.accounts.iter().find(|a| &a.name == name).unwrap();
            assert_eq!(
                stats.calls_per_auth_index.get(&account.auth_index(false)),
                Some(&1),
                "round {round}: {name} served requests and is re-read: {stats:?}"
            );
        }
        // The quiet healthy accounts are not asked.
        for name in &names[4..12] {
            let account = config.accounts.iter().find(|a| &a.name == name).unwrap();
            assert_eq!(
                stats.calls_per_auth_index.get(&account.auth_index(false)),
                None,
                "round {round}: {name} did not change"
            );
        }
    }
}

#[test]
fn refresh_all_asks_every_account_and_refresh_now_only_what_changed() {
    let (server, sandbox) = pool(40);
    assert!(matches!(sandbox.run(&["refresh"]).code, 0 | 7));
    let all = askable(&server) as u64;
    sandbox.age_cache("default", 60);
    server.reset_stats();
    assert!(matches!(sandbox.run(&["refresh", "--all"]).code, 0 | 7));
    // Every usage (plus, being asked for everything, the reset credits of the
    // Codex accounts that answered: issue 18 item 7).
    let stats = server.stats();
    let credits: u64 = stats.reset_credit_calls.values().sum();
    assert_eq!(stats.api_call_requests - credits, all);

    sandbox.age_cache("default", 60);
    server.reset_stats();
    assert!(matches!(sandbox.run(&["refresh"]).code, 0 | 7));
    let manual = server.stats().api_call_requests;
    assert!(
        manual < all / 4,
        "Refresh now on an unchanged pool: {manual} of {all}"
    );
}

#[test]
fn usage_older_than_the_max_age_is_re_read() {
    let (server, sandbox) = pool(20);
    assert!(matches!(sandbox.run(&["refresh"]).code, 0 | 7));
    // Age every account's usage past 30 minutes.
    let path = sandbox.cache_file("default");
    let mut cache = sandbox.read_cache("default");
    for account in cache["state"]["accounts"].as_array_mut().unwrap() {
        for key in ["usage_fetched_at", "usage_checked_at"] {
            if let Some(t) = account[key].as_i64() {
                account[key] = (t - 31 * 60).into();
            }
        }
    }
    std::fs::write(&path, serde_json::to_vec(&cache).unwrap()).unwrap();
    server.reset_stats();
    scheduled_refresh(&sandbox);
    assert_eq!(server.stats().api_call_requests as usize, askable(&server));
    // With a longer max age (env override) the same ageing asks only the failing ones.
    let mut cache = sandbox.read_cache("default");
    for account in cache["state"]["accounts"].as_array_mut().unwrap() {
        for key in ["usage_fetched_at", "usage_checked_at"] {
            if let Some(t) = account[key].as_i64() {
                account[key] = (t - 31 * 60).into();
            }
        }
    }
    std::fs::write(&path, serde_json::to_vec(&cache).unwrap()).unwrap();
    sandbox.age_cache("default", 1_000);
    server.reset_stats();
    let run = sandbox.run_env(
        &["status", "--json"],
        &[("POOLWATCH_USAGE_MAX_AGE_MINUTES", "120")],
    );
    assert!(matches!(run.code, 0 | 7), "{}", run.stderr);
    assert!((server.stats().api_call_requests as usize) < askable(&server) / 2);
}

/// Move every account's answer times `seconds` into the past, and the cache's
/// own times past the TTL: simulated time, no sleeping.
fn pass_time(sandbox: &Sandbox, seconds: i64) {
    sandbox.age_cache("default", 1_000);
    let path = sandbox.cache_file("default");
    let mut cache: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(
        cache["state"]["accounts"].is_array(),
        "a cache with accounts"
    );
    support::move_account_times_back(&mut cache, seconds);
    let temp = path.with_extension("aged.tmp");
    std::fs::write(&temp, serde_json::to_vec(&cache).unwrap()).unwrap();
    std::fs::rename(&temp, &path).unwrap();
}

/// Issue 21 item 7: no refresh storms. After the first full read of 200 quiet
/// accounts, scheduled refreshes every 2 simulated minutes for 40 minutes each
/// ask at most their share of the age-based re-reads (200 × 120 / 1800 ≈ 14),
/// never ~all of them at once, and every account is re-read within the max age.
#[test]
fn age_based_re_reads_of_200_accounts_are_spread_not_a_storm() {
    let accounts: Vec<support::MockAccount> = (0..200)
        .map(|i| support::MockAccount::new(&format!("q{i:03}@example.com"), "plus"))
        .collect();
    let server = MockServer::start(MockConfig::with_accounts(accounts));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\ntimeout_seconds = 5\ndeadline_seconds = 60\nconcurrency = 16\nage_reads_per_hour = 0\n{}",
        server.url(),
        server.usage_url(),
        common::provider_urls_for(&server.usage_url())
    ));
    assert_eq!(sandbox.run(&["refresh"]).code, 0);
    let usage_calls = || {
        server
            .stats()
            .calls_per_path
            .get("/backend-api/wham/usage")
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(usage_calls(), 200);
    let mut per_refresh = Vec::new();
    let mut asked = std::collections::BTreeSet::new();
    for _ in 0..20 {
        server.reset_stats();
        pass_time(&sandbox, 120);
        let run = sandbox.run(&["status", "--json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        per_refresh.push(usage_calls());
        asked.extend(server.stats().calls_per_auth_index.into_keys());
    }
    let worst = *per_refresh.iter().max().unwrap();
    assert!(
        worst <= 14,
        "a scheduled refresh asked {worst}: {per_refresh:?}"
    );
    assert_eq!(
        asked.len(),
        200,
        "every account re-read within 40 min: {per_refresh:?}"
    );
    assert_eq!(
        server.stats().reset_credit_calls.len(),
        0,
        "credits stay a day"
    );
}
