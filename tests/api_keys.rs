//! Upstream API-key rows (`GET /v0/management/api-key-usage`) through the real
//! binary against the mock: every shape the server sent, 404 on old servers,
//! garbage, the provider filter, hiding, and the pool health they join.

mod common;
mod support;

use common::{assert_valid_menu, Sandbox};
use poolwatch::api::api_keys::fingerprint;
use serde_json::Value;
use support::{
    ApiKeyUsageMock, KeyUsageShape, MockAccount, MockApiKey, MockConfig, MockServer,
    UsageBehaviour, DEFAULT_MANAGEMENT_KEY,
};

const OPENAI_KEY: &str = "sk-proj-ApiKeyRowsTest-OPENAI-777";
const COMPAT_KEY: &str = "sk-compat-ApiKeyRowsTest-DEEPSEEK-888";
const GEMINI_KEY: &str = "AIzaApiKeyRowsTest-GEMINI-999";

fn keys() -> Vec<MockApiKey> {
    vec![
        MockApiKey::new(
            "openai",
            "https://api.openai.com/v1",
            OPENAI_KEY,
            &[(4, 0), (0, 0), (6, 1), (2, 3)],
        ),
        MockApiKey::new(
            "openai-compat-deepseek",
            "https://api.deepseek.com",
            COMPAT_KEY,
            &[(10, 0)],
        ),
        MockApiKey::new(
            "gemini",
            "https://generativelanguage.googleapis.com",
            GEMINI_KEY,
            &[(1, 1)],
        ),
    ]
}

fn account() -> MockAccount {
    let mut account =
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 50.0));
    account.recent_requests = vec![(1, 0), (1, 1)];
    account
}

fn server(answer: Option<ApiKeyUsageMock>) -> MockServer {
    MockServer::start(MockConfig {
        api_key_usage: answer,
        ..MockConfig::with_accounts(vec![account()])
    })
}

/// A sandbox that shows the original app's "Codex/OpenAI only" selection
/// (spelled out: the default may select more).
fn sandbox(server: &MockServer) -> Sandbox {
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(&format!("{config}providers = [\"codex\", \"openai\"]\n"));
    sandbox
}

fn status(sandbox: &Sandbox) -> Value {
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run.json()
}

/// `poolwatch refresh` after ageing the cache past the manual debounce.
fn refresh(sandbox: &Sandbox) -> common::Run {
    sandbox.age_cache_if_present("default", 1_000);
    sandbox.run(&["refresh"])
}

fn api_keys(doc: &Value) -> Vec<Value> {
    doc["report"]["api_keys"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn by_fingerprint<'a>(rows: &'a [Value], object_key: &str) -> &'a Value {
    let fp = fingerprint(object_key);
    rows.iter()
        .find(|r| r["fingerprint"] == fp.as_str())
        .unwrap_or_else(|| panic!("no row {fp} in {rows:#?}"))
}

#[test]
fn current_shape_rows_numbers_filter_and_pool_health() {
    let server = server(Some(ApiKeyUsageMock::Keys(KeyUsageShape::Current, keys())));
    let sandbox = sandbox(&server);
    let doc = status(&sandbox);
    assert_eq!(
        server.stats().api_key_usage_requests,
        1,
        "one extra call per refresh"
    );
    assert_eq!(doc["state"], "fresh");
    let rows = api_keys(&doc);
    // The provider filter (codex, openai) drops the gemini key, as for accounts.
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let openai = by_fingerprint(&rows, &format!("https://api.openai.com/v1|{OPENAI_KEY}"));
    assert_eq!(openai["provider"], "openai");
    assert_eq!(openai["host"], "api.openai.com");
    assert_eq!(
        (openai["success"].as_u64(), openai["failed"].as_u64()),
        (Some(12), Some(4))
    );
    assert_eq!(
        openai["recent_failures"], 4,
        "last three buckets: 0 + 1 + 3"
    );
    let health = openai["health"].as_array().unwrap();
    assert_eq!(health.len(), 20);
    assert_eq!(health[19]["failed"], 3);
    assert_eq!(
        openai["label"],
        format!(
            "openai · api.openai.com · {}",
            openai["fingerprint"].as_str().unwrap()
        )
    );
    let compat = by_fingerprint(&rows, &format!("https://api.deepseek.com|{COMPAT_KEY}"));
    assert_eq!(compat["success"], 10);
    // Pool health = account buckets + visible key buckets.
    let pool = &doc["report"]["health"];
    assert_eq!(pool["success"], 2 + 12 + 10);
    assert_eq!(pool["failed"], 1 + 4);
    assert_eq!(pool["buckets"][19]["success"], 1 + 2 + 10);
    // The raw keys are nowhere in the document.
    let text = doc.to_string();
    for raw in [OPENAI_KEY, COMPAT_KEY, GEMINI_KEY] {
        assert!(!text.contains(raw));
    }
    // Widening the filter brings the gemini key in.
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\nproviders = [\"codex\", \"openai\", \"gemini\"]\n",
        server.url(),
        server.usage_url()
    ));
    let run = refresh(&sandbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = api_keys(&status(&sandbox));
    assert_eq!(rows.len(), 3);
    let gemini = by_fingerprint(
        &rows,
        &format!("https://generativelanguage.googleapis.com|{GEMINI_KEY}"),
    );
    assert_eq!(
        (gemini["success"].as_u64(), gemini["failed"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn older_shapes_give_rows() {
    // v6.9.47: the value is the bare bucket list keyed by the key (no base URL).
    let server = server(Some(ApiKeyUsageMock::Keys(
        KeyUsageShape::BareBuckets,
        keys(),
    )));
    let rows = api_keys(&status(&sandbox(&server)));
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let openai = by_fingerprint(&rows, OPENAI_KEY);
    assert_eq!(openai["host"], "");
    assert_eq!(
        (openai["success"].as_u64(), openai["failed"].as_u64()),
        (Some(12), Some(4))
    );

    // api_key without base URL in the current shape.
    let mut bare = keys();
    bare[0].base_url = None;
    let server = server_with_keys(KeyUsageShape::Current, bare);
    let rows = api_keys(&status(&sandbox(&server)));
    assert_eq!(by_fingerprint(&rows, OPENAI_KEY)["success"], 12);
}

fn server_with_keys(shape: KeyUsageShape, keys: Vec<MockApiKey>) -> MockServer {
    server(Some(ApiKeyUsageMock::Keys(shape, keys)))
}

#[test]
fn empty_buckets_with_totals_put_the_totals_in_the_last_bucket() {
    let server = server_with_keys(KeyUsageShape::EmptyBuckets, keys());
    let rows = api_keys(&status(&sandbox(&server)));
    let openai = by_fingerprint(&rows, &format!("https://api.openai.com/v1|{OPENAI_KEY}"));
    let health = openai["health"].as_array().unwrap();
    assert_eq!(health.len(), 20);
    assert_eq!(
        (
            health[19]["success"].as_u64(),
            health[19]["failed"].as_u64()
        ),
        (Some(12), Some(4))
    );
    assert!(health[..19]
        .iter()
        .all(|b| b["success"] == 0 && b["failed"] == 0));
}

#[test]
fn old_server_404_means_no_rows_and_no_error() {
    let server = server(None);
    let sandbox = sandbox(&server);
    let doc = status(&sandbox);
    assert_eq!(server.stats().api_key_usage_requests, 1);
    assert_eq!(doc["state"], "fresh");
    assert!(doc["error"].is_null());
    assert!(api_keys(&doc).is_empty());
    let menu = sandbox.run(&["plugin"]);
    assert_valid_menu(&menu, "404");
    assert!(!menu.stdout.contains("API keys"), "{}", menu.stdout);
}

#[test]
fn garbage_or_errors_never_fail_the_refresh_and_keep_the_last_rows() {
    let server = server_with_keys(KeyUsageShape::Current, keys());
    let sandbox = sandbox(&server);
    assert_eq!(api_keys(&status(&sandbox)).len(), 2);
    for (status_code, body) in [
        (200, format!("<html>{OPENAI_KEY}</html>")),
        (500, format!("{{\"error\":\"boom {OPENAI_KEY}\"}}")),
        (200, "[1,2,3]".to_string()),
    ] {
        server.set_config(|c| {
            c.api_key_usage = Some(ApiKeyUsageMock::Raw {
                status: status_code,
                body: body.clone(),
            })
        });
        let run = refresh(&sandbox);
        assert_eq!(run.code, 0, "{status_code}: {}\n{}", run.stdout, run.stderr);
        assert!(!run.stdout.contains(OPENAI_KEY) && !run.stderr.contains(OPENAI_KEY));
        let doc = status(&sandbox);
        assert_eq!(doc["state"], "fresh", "{status_code}: {doc:#}");
        assert_eq!(api_keys(&doc).len(), 2, "{status_code}: last rows kept");
    }
    // Garbage with some readable entries gives those rows.
    server.set_config(|c| {
        c.api_key_usage = Some(ApiKeyUsageMock::Raw {
            status: 200,
            body: format!(
                r#"{{"openai": {{"https://api.openai.com|{OPENAI_KEY}": {{"success": "7"}}, "x": 5}}, "codex": [1]}}"#
            ),
        })
    });
    assert_eq!(refresh(&sandbox).code, 0);
    let rows = api_keys(&status(&sandbox));
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["success"], 7);
    assert_eq!(rows[0]["health"][19]["success"], 7, "totals fallback");
}

#[test]
fn a_wrong_management_key_costs_one_attempt_not_two() {
    let server = server_with_keys(KeyUsageShape::Current, keys());
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some("wrong-key"));
    let run = refresh(&sandbox);
    assert_ne!(run.code, 0);
    let stats = server.stats();
    assert_eq!(stats.failed_auth_attempts, 1, "{stats:?}");
    assert_eq!(stats.api_key_usage_requests, 0);
}

#[test]
fn menu_section_hide_this_key_labels_and_metrics() {
    let server = server_with_keys(KeyUsageShape::Current, keys());
    let sandbox = sandbox(&server);
    let openai_fp = fingerprint(&format!("https://api.openai.com/v1|{OPENAI_KEY}"));
    for swiftbar in [false, true] {
        let run = sandbox.run_plugin(swiftbar);
        let lines = assert_valid_menu(&run, "keys");
        let header = lines
            .iter()
            .position(|l| l.depth == 0 && l.title == "API keys (2)")
            .unwrap_or_else(|| panic!("no key section:\n{}", run.stdout));
        let row = lines[header + 1..]
            .iter()
            .find(|l| l.depth == 0 && l.title.contains(&openai_fp))
            .expect("a row per key");
        assert!(
            row.title.contains("12 ok") && row.title.contains("4 failed"),
            "{}",
            row.title
        );
        // `poolwatch [--config=… --profile=…] config hide-key FP`: the menu's
        // identity first (issue 16.16), then the command.
        let args = |l: &common::PluginLine| -> Vec<String> {
            (1..)
                .map_while(|i| l.param(&format!("param{i}")).map(str::to_string))
                .collect()
        };
        let hide = lines
            .iter()
            .find(|l| {
                l.depth == 1 && l.title == "Hide this key" && args(l).last() == Some(&openai_fp)
            })
            .expect("Hide this key for the openai key");
        let hide_args = args(hide);
        assert_eq!(
            &hide_args[hide_args.len() - 3..],
            ["config", "hide-key", openai_fp.as_str()]
        );
        assert!(lines
            .iter()
            .any(|l| l.depth == 1 && l.title == "Host api.openai.com"));
        assert!(lines
            .iter()
            .any(|l| l.depth == 1 && l.title == format!("Fingerprint {openai_fp}")));
        assert!(!run.stdout.contains(OPENAI_KEY));
    }

    let metrics = sandbox.run(&["metrics"]);
    assert_eq!(metrics.code, 0, "{}", metrics.stderr);
    assert!(metrics.stdout.contains(&format!(
        "poolwatch_api_key_requests{{profile=\"default\",provider=\"openai\",host=\"api.openai.com\",key=\"{openai_fp}\",result=\"failed\"}} 4"
    )), "{}", metrics.stdout);

    // What the menu item runs: a fingerprint only; the key leaves every view.
    let hide = sandbox.run(&["config", "hide-key", &openai_fp]);
    assert_eq!(hide.code, 0, "{}", hide.stderr);
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    assert!(
        config.contains(&format!("hidden_keys = [\"{openai_fp}\"]")),
        "{config}"
    );
    let doc = status(&sandbox);
    let rows = api_keys(&doc);
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0]["fingerprint"], openai_fp.as_str());
    assert_eq!(
        doc["report"]["health"]["failed"], 1,
        "a hidden key leaves the pool health too"
    );
    assert!(!sandbox.run(&["status"]).stdout.contains(&openai_fp));
    // A label by fingerprint.
    let compat_fp = fingerprint(&format!("https://api.deepseek.com|{COMPAT_KEY}"));
    let set = sandbox.run(&[
        "config",
        "set",
        &format!("key_labels.{compat_fp}"),
        "DeepSeek team",
    ]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert_eq!(api_keys(&status(&sandbox))[0]["label"], "DeepSeek team");
    // Showing it again; bad fingerprints are refused without touching the file.
    assert_eq!(sandbox.run(&["config", "show-key", &openai_fp]).code, 0);
    assert_eq!(api_keys(&status(&sandbox)).len(), 2);
    let before = std::fs::read_to_string(sandbox.config_path()).unwrap();
    for bad in ["sk-proj-x", "1234567", "12345678; rm -rf /", "ZZZZZZZZ"] {
        let run = sandbox.run(&["config", "hide-key", bad]);
        assert_ne!(run.code, 0, "{bad}");
    }
    assert_eq!(
        std::fs::read_to_string(sandbox.config_path()).unwrap(),
        before
    );
}

#[test]
fn snapshot_carries_the_keys_and_the_language() {
    let server = server_with_keys(KeyUsageShape::Current, keys());
    let sandbox = sandbox(&server);
    assert_eq!(refresh(&sandbox).code, 0);
    let snapshot: Value =
        serde_json::from_slice(&std::fs::read(sandbox.snapshot_path()).unwrap()).unwrap();
    let rows = snapshot["api_keys"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r["fingerprint"].as_str().unwrap().len() == 8));
    assert_eq!(snapshot["language"], "en");
    let text = snapshot.to_string();
    assert!(!text.contains(OPENAI_KEY) && !text.contains(COMPAT_KEY));
}

#[test]
fn hostile_provider_names_stay_inside_their_titles() {
    let hostile = "evil | bash=/bin/sh param1=-c terminal=false\u{2028}--Forged | href=http://x";
    let server = server(Some(ApiKeyUsageMock::Keys(
        KeyUsageShape::Current,
        vec![MockApiKey::new(
            &format!("openai {hostile}"),
            "https://api.openai.com",
            OPENAI_KEY,
            &[(1, 0)],
        )],
    )));
    let sandbox = sandbox(&server);
    for swiftbar in [false, true] {
        let run = sandbox.run_plugin(swiftbar);
        let lines = assert_valid_menu(&run, "hostile provider");
        assert!(run.stdout.contains("API keys (1)"), "{}", run.stdout);
        for line in &lines {
            assert_ne!(line.param("bash"), Some("/bin/sh"), "{}", line.raw);
            assert!(
                line.param("href")
                    .is_none_or(|h| !h.starts_with("http://x")),
                "{}",
                line.raw
            );
            assert!(!line.title.starts_with("Forged"), "{}", line.raw);
        }
    }
}
