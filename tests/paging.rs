//! Issue 18 item 3: large credential lists are read page by page where the server
//! pages (`page`/`page_size`), the whole list elsewhere; a server that ignores the
//! parameters is read once, never twice.

mod common;
mod support;

use common::real_now as now;

use common::Sandbox;
use support::v8::{codex_observation, ServerShape};
use support::{MockAccount, MockConfig, MockServer, DEFAULT_MANAGEMENT_KEY};

/// `n` accounts, each with a fresh observation (so no usage call is needed).
fn observed_pool(shape: ServerShape, n: usize) -> (MockServer, Sandbox) {
    let accounts: Vec<MockAccount> = (0..n)
        .map(|i| MockAccount::new(&format!("u{i:05}@example.com"), "plus"))
        .collect();
    let mut config = MockConfig::shaped(shape, accounts);
    let at = now() - 5;
    for a in &config.accounts {
        config
            .v8
            .observations
            .insert(a.name.clone(), codex_observation(at, "plus", 10.0, 20.0));
    }
    let server = MockServer::start(config);
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    (server, sandbox)
}

fn accounts_in_cache(sandbox: &Sandbox) -> usize {
    sandbox.read_cache("default")["state"]["accounts"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

#[test]
fn a_2000_account_pool_is_read_in_pages_on_every_paging_shape() {
    for (shape, expected_pages) in [
        // No total: pages until a short one (2000 / 250 = 8 full pages, then an empty one).
        (ServerShape::V7_3, 9),
        // With a total: exactly 10.
        (ServerShape::V8, 8),
        (ServerShape::V8Only, 8),
    ] {
        let (server, sandbox) = observed_pool(shape, 2000);
        let run = sandbox.run_env(
            &["refresh"],
            &[
                ("POOLWATCH_CREDENTIALS_PAGE_SIZE", "250"),
                ("POOLWATCH_TIMEOUT_SECONDS", "30"),
                ("POOLWATCH_DEADLINE_SECONDS", "120"),
            ],
        );
        assert_eq!(run.code, 0, "{shape:?}: {}", run.stderr);
        let stats = server.stats();
        assert_eq!(
            stats.v8.page_requests, expected_pages,
            "{shape:?}: {stats:?}"
        );
        assert_eq!(stats.auth_files_requests, expected_pages, "{shape:?}");
        assert_eq!(stats.api_call_requests, 0, "{shape:?}: all observed");
        assert_eq!(
            accounts_in_cache(&sandbox),
            2000,
            "{shape:?}: every page, once"
        );
        assert_eq!(
            sandbox.read_cache("default")["state"]["auth_files_seen"],
            2000
        );
    }
}

#[test]
fn a_server_that_ignores_paging_is_read_once() {
    // v7.2.140 ignores `page`: its whole list comes back at once.
    let (server, sandbox) = observed_pool(ServerShape::V7_2_140, 1200);
    let run = sandbox.run_env(
        &["status", "--json"],
        &[("POOLWATCH_CREDENTIALS_PAGE_SIZE", "500")],
    );
    assert!(run.code == 0 || run.code == 7, "{}", run.stderr);
    assert_eq!(server.stats().auth_files_requests, 1);
    assert_eq!(accounts_in_cache(&sandbox), 1200);
    // Exactly one page's worth: the repeat of page 1 is noticed and dropped.
    let (server, sandbox) = observed_pool(ServerShape::V7_2_140, 500);
    let run = sandbox.run_env(
        &["status", "--json"],
        &[("POOLWATCH_CREDENTIALS_PAGE_SIZE", "500")],
    );
    assert!(run.code == 0 || run.code == 7, "{}", run.stderr);
    assert_eq!(server.stats().auth_files_requests, 2);
    assert_eq!(accounts_in_cache(&sandbox), 500, "no duplicates");
}
