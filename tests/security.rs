//! Security properties of the real binary (docs/security.md): the management key
//! and raw API keys never leave the process; files are private; hostile server
//! strings cannot forge SwiftBar/xbar items or parameters.

mod common;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_valid_menu, PluginLine, Run, Sandbox};
use support::{
    ApiKeyUsageMock, Fault, KeyUsageShape, MockAccount, MockApiKey, MockConfig, MockServer,
    UsageBehaviour,
};

/// The management key of these tests; its middle part is unique enough to grep for.
const KEY: &str = "pw-mgmt-Zq7XK3vR9s-SECRET";
const KEY_CORE: &str = "Zq7XK3vR9s";
/// A raw OpenAI API key served in an api_key auth's `account` field.
const RAW_API_KEY: &str = "sk-proj-Yb4WQ8dLm2-RAWKEY";
const RAW_API_KEY_CORE: &str = "Yb4WQ8dLm2";

fn accounts() -> Vec<MockAccount> {
    vec![
        MockAccount::new("alpha@example.com", "plus")
            .with_behaviour(UsageBehaviour::ok(40.0, 50.0)),
        MockAccount::new("bravo@example.com", "pro").with_behaviour(UsageBehaviour::ok(25.0, 10.0)),
        MockAccount::api_key("codex-apikey.json", RAW_API_KEY),
    ]
}

fn server_with(key: &str, accounts: Vec<MockAccount>) -> MockServer {
    MockServer::start(MockConfig {
        management_key: Some(key.to_string()),
        ..MockConfig::with_accounts(accounts)
    })
}

/// Every command a user or SwiftBar/xbar may run, both plugin dialects included.
fn every_command(sandbox: &Sandbox) -> Vec<(String, Run)> {
    let mut runs = Vec::new();
    let commands: [&[&str]; 8] = [
        &["plugin"],
        &["status"],
        &["status", "--json"],
        &["snapshot"],
        &["refresh"],
        &["test-fetch"],
        &["config", "show"],
        &["config", "path"],
    ];
    for args in commands {
        sandbox.age_cache_if_present("default", 1_000);
        runs.push((args.join(" "), sandbox.run(args)));
    }
    sandbox.age_cache_if_present("default", 1_000);
    runs.push(("plugin SWIFTBAR=1".into(), sandbox.run_plugin(true)));
    runs.push((
        "plugin MenuAction".into(),
        sandbox.run_env(
            &["plugin"],
            &[
                ("SWIFTBAR", "1"),
                ("SWIFTBAR_PLUGIN_REFRESH_REASON", "MenuAction"),
            ],
        ),
    ));
    runs
}

/// No output and no file in the sandbox contains any of `needles`.
fn assert_nowhere(scenario: &str, sandbox: &Sandbox, runs: &[(String, Run)], needles: &[&str]) {
    for (what, run) in runs {
        for needle in needles {
            assert!(
                !run.stdout.contains(needle) && !run.stderr.contains(needle),
                "{scenario}/{what}: {needle} leaked:\n{}\n{}",
                run.stdout,
                run.stderr
            );
        }
    }
    let files = sandbox.written_files();
    assert!(
        files.iter().any(|(p, _)| p.ends_with("cache.json")),
        "{scenario}: the cache was written"
    );
    for (path, bytes) in files {
        let text = String::from_utf8_lossy(&bytes);
        for needle in needles {
            assert!(
                !text.contains(needle),
                "{scenario}: {needle} in {}",
                path.display()
            );
        }
    }
}

#[test]
fn management_key_never_leaks_in_any_scenario() {
    let needles = [KEY, KEY_CORE];
    // Success.
    let server = server_with(KEY, accounts());
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(KEY));
    let runs = every_command(&sandbox);
    assert!(
        runs[0].1.stdout.contains("alpha@example.com"),
        "{}",
        runs[0].1.stdout
    );
    assert!(
        runs.iter()
            .any(|(w, r)| w == "config show" && r.stdout.contains("POOLWATCH_MANAGEMENT_KEY")),
        "config show says where the key comes from"
    );
    assert_nowhere("success", &sandbox, &runs, &needles);

    // 401: the server has another key; ours is sent and rejected.
    let server = server_with("the-servers-own-key", accounts());
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(KEY));
    let runs = every_command(&sandbox);
    assert!(server.stats().failed_auth_attempts >= 1);
    assert!(
        server.stats().failed_auth_attempts < 5,
        "never burns the ban budget"
    );
    assert_nowhere("401", &sandbox, &runs, &needles);

    // IP ban (403).
    let server = server_with(KEY, accounts());
    for _ in 0..5 {
        support::http(
            "GET",
            &format!("{}/v0/management/auth-files", server.url()),
            &[("Authorization", "Bearer burnt")],
            None,
        );
    }
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(KEY));
    let runs = every_command(&sandbox);
    assert!(runs[0].1.stdout.contains("banned"), "{}", runs[0].1.stdout);
    assert_nowhere("ban", &sandbox, &runs, &needles);

    // HTML instead of JSON.
    let server = server_with(KEY, accounts());
    server.set_config(|c| c.auth_files_fault = Some(Fault::Html));
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(KEY));
    assert_nowhere("html", &sandbox, &every_command(&sandbox), &needles);

    // Unreachable.
    let server = server_with(KEY, accounts());
    let (url, usage_url) = (server.url(), server.usage_url());
    server.stop();
    let sandbox = Sandbox::new(&url, &usage_url, Some(KEY));
    assert_nowhere("unreachable", &sandbox, &every_command(&sandbox), &needles);
}

#[test]
fn raw_api_keys_of_api_key_auths_never_appear() {
    let server = server_with(KEY, accounts());
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(KEY));
    let runs = every_command(&sandbox);
    // The api_key auth is listed (so the test can fail), without its key.
    assert!(
        runs[0].1.stdout.contains("API-key account"),
        "{}",
        runs[0].1.stdout
    );
    assert_nowhere("api-key", &sandbox, &runs, &[RAW_API_KEY, RAW_API_KEY_CORE]);
    // It is never sent to the usage endpoint either.
    assert_eq!(server.stats().upstream_unauthorized, 0);
}

/// Raw upstream keys inside the object keys of `api-key-usage`.
const UPSTREAM_KEY: &str = "sk-proj-Hq5TT2mWx8-UPSTREAM";
const UPSTREAM_KEY_CORE: &str = "Hq5TT2mWx8";
const BARE_KEY: &str = "sk-bare-Pc3NN7rFz1-UPSTREAM";
const BARE_KEY_CORE: &str = "Pc3NN7rFz1";

#[test]
fn upstream_keys_of_api_key_usage_never_appear() {
    let needles = [UPSTREAM_KEY, UPSTREAM_KEY_CORE, BARE_KEY, BARE_KEY_CORE];
    let keys = vec![
        MockApiKey::new(
            "openai",
            &format!("https://user:{UPSTREAM_KEY}@api.openai.com/v1?key={UPSTREAM_KEY}"),
            UPSTREAM_KEY,
            &[(3, 1)],
        ),
        MockApiKey::new("codex", "", BARE_KEY, &[(1, 0)]),
    ];
    for shape in [KeyUsageShape::Current, KeyUsageShape::BareBuckets] {
        let server = MockServer::start(MockConfig {
            management_key: Some(KEY.to_string()),
            api_key_usage: Some(ApiKeyUsageMock::Keys(shape.clone(), keys.clone())),
            ..MockConfig::with_accounts(accounts())
        });
        let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(KEY));
        let mut runs = every_command(&sandbox);
        runs.push(("metrics".into(), sandbox.run(&["metrics"])));
        runs.push(("alerts".into(), sandbox.run(&["alerts"])));
        // The rows are there (so the test can fail), named by fingerprint.
        let status = &runs.iter().find(|(w, _)| w == "status --json").unwrap().1;
        let fingerprint = poolwatch::api::api_keys::fingerprint(BARE_KEY);
        assert!(
            status.stdout.contains(&fingerprint),
            "{shape:?}: {}",
            status.stdout
        );
        assert!(
            runs[0].1.stdout.contains("API keys (2)"),
            "{}",
            runs[0].1.stdout
        );
        assert_nowhere(&format!("{shape:?}"), &sandbox, &runs, &needles);

        // Error answers that quote a key: never repeated anywhere either.
        for (status, body) in [
            (500, format!("{{\"error\":\"bad key {UPSTREAM_KEY}\"}}")),
            (200, format!("<html>{UPSTREAM_KEY}</html>")),
            (200, format!("{{\"openai\": [\"{UPSTREAM_KEY}\"]}}")),
        ] {
            server.set_config(|c| {
                c.api_key_usage = Some(ApiKeyUsageMock::Raw {
                    status,
                    body: body.clone(),
                })
            });
            let runs = every_command(&sandbox);
            assert_nowhere(&format!("{shape:?} {status}"), &sandbox, &runs, &needles);
        }
    }
}

// ----- server text quoting secrets (issue 16 item 5) -----

/// A codex OAuth account and an api_key auth whose `account` is `RAW_API_KEY`;
/// every free text of the list quotes the management key and the raw key.
fn quoting_auth_files() -> String {
    serde_json::json!({"files": [
        {
            "id": "alpha.json", "name": "alpha.json", "type": "codex", "provider": "codex",
            "email": "alpha@example.com", "auth_index": "a1", "account_type": "oauth",
            "status": "error", "label": format!("label {KEY}"),
            "status_message": format!("upstream said Authorization: Bearer {KEY}; also {RAW_API_KEY}"),
            "id_token": {"plan_type": "plus", "chatgpt_account_id": "acc-1"}
        },
        {
            "id": "key.json", "name": "key.json", "type": "codex", "provider": "codex",
            "auth_index": "k1", "account_type": "api_key", "account": RAW_API_KEY,
            "status": "active", "status_message": format!("key {RAW_API_KEY} is fine")
        }
    ]})
    .to_string()
}

/// The scripted pool: the list above with the key in `X-CPA-VERSION`, every
/// api-call an upstream 500 quoting both keys (and the key in the envelope's
/// headers), api-key-usage a 500 quoting the key. `list_status` 500 makes the
/// list itself a 500 whose body quotes the key.
fn quoting_pool(list_status: u16) -> support::scripted::Scripted {
    use support::scripted::Answer;
    support::scripted::Scripted::start(move |req| {
        let version = ("X-CPA-VERSION".to_string(), format!("6.8.15-{KEY}"));
        let json = ("Content-Type".to_string(), "application/json".to_string());
        if req.path.starts_with("/v0/management/auth-files") {
            if list_status != 200 {
                let body = format!(
                    "{{\"error\":\"proxy: Authorization: Bearer {KEY} refused upstream\"}}"
                );
                return Answer::Full(list_status, vec![json, version], body);
            }
            Answer::Full(200, vec![json, version], quoting_auth_files())
        } else if req.path.starts_with("/v0/management/api-call") {
            let upstream =
                format!("{{\"error\":{{\"message\":\"bad token Bearer {KEY} / {RAW_API_KEY}\"}}}}");
            let envelope = serde_json::json!({
                "status_code": 500,
                "header": {"X-Echo": [format!("Bearer {KEY}")]},
                "body": upstream,
            });
            Answer::Full(200, vec![json, version], envelope.to_string())
        } else if req.path.starts_with("/v0/management/api-key-usage") {
            Answer::json(
                500,
                format!("{{\"error\":\"Authorization: Bearer {KEY}\"}}"),
            )
        } else {
            Answer::json(404, "")
        }
    })
}

#[test]
fn server_text_quoting_the_key_is_redacted_everywhere() {
    let needles = [KEY, KEY_CORE, RAW_API_KEY, RAW_API_KEY_CORE];
    for list_status in [200, 500] {
        let server = quoting_pool(list_status);
        let usage_url = format!("{}/backend-api/wham/usage", server.url());
        let sandbox = Sandbox::new(&server.url(), &usage_url, Some(KEY));
        let mut runs = every_command(&sandbox);
        sandbox.age_cache_if_present("default", 1_000);
        runs.push(("metrics".into(), sandbox.run(&["metrics"])));
        runs.push(("alerts".into(), sandbox.run(&["alerts"])));
        runs.push((
            "plugin xbar".into(),
            sandbox.run_env(&["plugin"], &[("XBAR", "1")]),
        ));
        // The quoted texts reached the outputs (so the test can fail) ...
        let all: String = runs
            .iter()
            .map(|(_, r)| format!("{}{}", r.stdout, r.stderr))
            .collect();
        assert!(
            all.contains("<redacted>"),
            "{list_status}: nothing was redacted:\n{all}"
        );
        if list_status == 200 {
            assert!(all.contains("alpha@example.com"), "{all}");
            assert!(
                all.contains("upstream said Authorization: Bearer <redacted>"),
                "{all}"
            );
        } else {
            assert!(
                all.contains("proxy: Authorization: Bearer <redacted>"),
                "{all}"
            );
        }
        // ... without a secret, in no output and no file.
        assert_nowhere(&format!("quoting {list_status}"), &sandbox, &runs, &needles);
    }
}

// ----- file permissions -----

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The sandbox command run through `sh` with `umask 000`, so any mode that is
/// not set explicitly by poolwatch would come out world-writable.
fn with_open_umask(sandbox: &Sandbox, args: &[&str], extra: &[(&str, &str)]) -> Run {
    let inner = sandbox.command(args);
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear();
    for (key, value) in inner.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    for (key, value) in extra {
        cmd.env(key, value);
    }
    let output = cmd.output().expect("run poolwatch through sh");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8"),
    }
}

#[cfg(unix)]
#[test]
fn cache_snapshot_and_profile_files_are_private() {
    let server = server_with(KEY, accounts());
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(KEY));
    sandbox.write_config(&format!(
        "pool_url = \"{0}\"\nusage_url = \"{1}\"\n[profiles.work]\npool_url = \"{0}\"\n",
        server.url(),
        server.usage_url()
    ));
    let run = with_open_umask(&sandbox, &["plugin"], &[]);
    assert_valid_menu(&run, "default profile");
    let run = with_open_umask(&sandbox, &["--profile", "work", "status"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let swiftbar_cache = sandbox.dir.path().join("swiftbar-cache").join("nested");
    let run = with_open_umask(
        &sandbox,
        &["plugin"],
        &[
            ("SWIFTBAR", "1"),
            (
                "SWIFTBAR_PLUGIN_CACHE_PATH",
                swiftbar_cache.to_str().unwrap(),
            ),
        ],
    );
    assert_valid_menu(&run, "SwiftBar cache path");
    // The menu shares the one cache with the terminal: SwiftBar's folder is not used.
    assert!(!swiftbar_cache.exists());
    let cache = sandbox.cache_dir();
    let dirs = [
        cache.clone(),
        cache.join("default"),
        cache.join("work"),
        sandbox.snapshot_path().parent().unwrap().to_path_buf(),
    ];
    for dir in &dirs {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    let files = [
        cache.join("default").join("cache.json"),
        cache.join("default").join("cache.lock"),
        cache.join("work").join("cache.json"),
        cache.join("work").join("cache.lock"),
        sandbox.snapshot_path(),
    ];
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    // Nothing else poolwatch created is readable by others.
    for (path, _) in sandbox.written_files() {
        if path != sandbox.config_path() {
            assert_eq!(mode(&path) & 0o077, 0, "{}", path.display());
        }
    }
}

#[cfg(unix)]
#[test]
fn config_init_and_set_write_private_files() {
    let server = server_with(KEY, accounts());
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(KEY));
    let nested = sandbox.dir.path().join("cfg").join("poolwatch");
    let path = nested.join("config.toml");
    let env = [("POOLWATCH_CONFIG", path.to_str().unwrap())];
    let run = with_open_umask(
        &sandbox,
        &["config", "init", "--pool-url", "http://127.0.0.1:8317"],
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&nested), 0o700);
    assert_eq!(mode(nested.parent().unwrap()), 0o700);
    let run = with_open_umask(&sandbox, &["config", "set", "sort", "week-desc"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&path), 0o600);
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("week-desc"));
    // A file the user created world-readable becomes private when poolwatch rewrites it.
    let loose = sandbox.config_path();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = with_open_umask(&sandbox, &["config", "set", "ttl_seconds", "300"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&loose), 0o600);
    for (path, bytes) in sandbox.written_files() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(KEY_CORE),
            "{}",
            path.display()
        );
    }
}

// ----- hostile server strings -----

/// Strings a hostile or broken server may send: parameter injection, every
/// newline kind, separators, submenu prefixes, escapes.
const HOSTILE: [&str; 8] = [
    "x | bash=/tmp/pwn param1=-c terminal=false",
    "a\nb | href=http://evil.invalid/",
    "c\r\n---\n--evil | bash=/tmp/pwn",
    "\u{85}d | shortcut=CMD+OPT+P",
    "e\u{2028}f\u{2029}g|bash=/tmp/pwn",
    "---",
    "-- sub | href=file:///etc/passwd image=AAAA",
    "\\n\\t\\\\| bash=/tmp/pwn \u{1b}]8;;http://evil\u{7}x\u{0B}y\u{0C}z :skull:",
];

/// The same pool shape twice: `text(i)` supplies every server-controlled string.
fn pool_with(text: impl Fn(usize) -> String) -> Vec<MockAccount> {
    // Label from `email`.
    let mut by_email =
        MockAccount::new(&text(0), "plus").with_behaviour(UsageBehaviour::ok(10.0, 20.0));
    by_email.status_message = text(1);
    // Label from `label` (no email); hostile status and status message.
    let mut by_label = MockAccount::new("placeholder@example.com", "plus")
        .with_behaviour(UsageBehaviour::ok(30.0, 40.0));
    by_label.name = format!("codex-{}.json", text(2));
    by_label.email = None;
    by_label.label = Some(text(3));
    by_label.status = text(4);
    by_label.status_message = text(5);
    // An upstream error whose message is hostile.
    let failing = MockAccount::new(&format!("fail{}@example.com", text(6)), "plus").with_behaviour(
        UsageBehaviour::Raw {
            status_code: 500,
            body: serde_json::json!({ "error": { "message": text(7) } }).to_string(),
        },
    );
    // A hostile plan name (usage plan_type and id_token.plan_type).
    let plan = MockAccount::new("plan@example.com", &text(0))
        .with_behaviour(UsageBehaviour::ok(50.0, 60.0));
    vec![by_email, by_label, failing, plan]
}

fn hostile(i: usize) -> String {
    HOSTILE[i % HOSTILE.len()].to_string()
}

fn benign(i: usize) -> String {
    [
        "user0@example.com",
        "quota ok",
        "file2",
        "Label Three",
        "active",
        "note five",
        "",
        "upstream failed",
    ][i % 8]
        .to_string()
}

use common::XBAR_PARAMS as XBAR_KEYS;
/// SwiftBar-only keys poolwatch may use.
const SWIFTBAR_KEYS: [&str; 8] = [
    // The menu's day charts (issue 19): poolwatch's own PNG and its size in points.
    "width",
    "height",
    "sfimage",
    "sfcolor",
    "tooltip",
    "md",
    "symbolize",
    "checked",
];

fn key_allowed(key: &str, swiftbar: bool) -> bool {
    let param_n = key
        .strip_prefix("param")
        .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n >= 1));
    param_n || XBAR_KEYS.contains(&key) || (swiftbar && SWIFTBAR_KEYS.contains(&key))
}

/// Shape of a menu: lines per depth, separators, action lines.
fn shape(lines: &[PluginLine]) -> BTreeMap<String, usize> {
    let mut shape = BTreeMap::new();
    for line in lines {
        let kind = if line.separator {
            format!("separator@{}", line.depth)
        } else {
            format!("item@{}", line.depth)
        };
        *shape.entry(kind).or_insert(0) += 1;
        for key in [
            "bash", "href", "shortcut", "image", "shell", "refresh", "terminal",
        ] {
            if line.param(key).is_some() {
                *shape.entry(format!("param:{key}")).or_insert(0) += 1;
            }
        }
    }
    shape
}

fn exe() -> PathBuf {
    std::fs::canonicalize(env!("CARGO_BIN_EXE_poolwatch")).expect("binary path")
}

fn check_inert(lines: &[PluginLine], swiftbar: bool, pool_url: &str, what: &str, menu: &str) {
    let exe = exe();
    let management = format!("{pool_url}/management.html");
    for line in lines {
        for (key, value) in &line.params {
            assert!(
                key_allowed(key, swiftbar),
                "{what}: unknown parameter {key:?} in {:?}\n{menu}",
                line.raw
            );
            assert!(
                !value.contains("pwn") && !value.contains("evil") && !value.contains("passwd"),
                "{what}: hostile value {value:?} in {:?}",
                line.raw
            );
        }
        if let Some(bash) = line.param("bash") {
            assert!(
                Path::new(bash) == exe || bash == "/usr/bin/open",
                "{what}: bash={bash:?} is not poolwatch or open: {:?}",
                line.raw
            );
        }
        if let Some(href) = line.param("href") {
            assert_eq!(href, management, "{what}: {:?}", line.raw);
        }
        assert!(line.param("shortcut").is_none(), "{what}: {:?}", line.raw);
        // Backslashes are doubled, so SwiftBar's unescaping cannot create `\n`.
        for run in line.title.split(|c| c != '\\') {
            assert!(
                run.len() % 2 == 0,
                "{what}: odd backslashes in {:?}",
                line.raw
            );
        }
        // Untrusted text never starts a line (a `-` there would become a prefix).
        assert!(!line.title.starts_with('-'), "{what}: {:?}", line.raw);
    }
}

#[test]
fn hostile_server_strings_cannot_inject_items_or_parameters() {
    let benign_server = server_with(KEY, pool_with(benign));
    let hostile_server = server_with(KEY, pool_with(hostile));
    let benign_box = Sandbox::new(&benign_server.url(), &benign_server.usage_url(), Some(KEY));
    let hostile_box = Sandbox::new(
        &hostile_server.url(),
        &hostile_server.usage_url(),
        Some(KEY),
    );
    for swiftbar in [false, true] {
        let what = format!("swiftbar={swiftbar}");
        let benign_run = benign_box.run_plugin(swiftbar);
        let hostile_run = hostile_box.run_plugin(swiftbar);
        let benign_lines = assert_valid_menu(&benign_run, &format!("benign {what}"));
        let hostile_lines = assert_valid_menu(&hostile_run, &format!("hostile {what}"));
        // The hostile data really reached the menu (the test can fail) ...
        assert!(
            hostile_run.stdout.contains("bash=/tmp/pwn"),
            "{}",
            hostile_run.stdout
        );
        assert!(hostile_run.stdout.contains("¦"), "pipes were replaced");
        // ... yet the menu has exactly the benign shape.
        assert_eq!(
            hostile_lines.len(),
            benign_lines.len(),
            "{what}: line count\nbenign:\n{}\nhostile:\n{}",
            benign_run.stdout,
            hostile_run.stdout
        );
        assert_eq!(
            shape(&hostile_lines),
            shape(&benign_lines),
            "{what}\nbenign:\n{}\nhostile:\n{}",
            benign_run.stdout,
            hostile_run.stdout
        );
        check_inert(
            &benign_lines,
            swiftbar,
            &benign_server.url(),
            &what,
            &benign_run.stdout,
        );
        check_inert(
            &hostile_lines,
            swiftbar,
            &hostile_server.url(),
            &what,
            &hostile_run.stdout,
        );
        // `status` (terminal) and `status --json` stay well-formed too.
        let status = hostile_box.run(&["status", "--json"]);
        assert_eq!(
            status.json()["report"]["accounts"].as_array().map(Vec::len),
            Some(4)
        );
        let table = hostile_box.run(&["status", "--no-color"]);
        assert!(
            !table.stdout.contains('\u{1b}'),
            "no escape sequences reach the terminal"
        );
        assert!(
            !table
                .stdout
                .chars()
                .any(|c| common::FOREIGN_LINE_BREAKS.contains(&c)),
            "{}",
            table.stdout
        );
    }
}

// ----- the key in the library -----

mod secrets_api {
    use poolwatch::secrets::{load_key_from_store, KeyError, KeySource, KeyStore, Secret};
    use std::cell::RefCell;

    struct OneKey(RefCell<Option<String>>);

    impl KeyStore for OneKey {
        fn get(&self, _profile: &str) -> Result<Option<Secret>, KeyError> {
            Ok(self.0.borrow().clone().map(Secret::new))
        }
        fn set(&self, _profile: &str, key: &Secret) -> Result<(), KeyError> {
            *self.0.borrow_mut() = Some(key.expose().to_string());
            Ok(())
        }
        fn delete(&self, _profile: &str) -> Result<(), KeyError> {
            *self.0.borrow_mut() = None;
            Ok(())
        }
    }

    #[test]
    fn stored_keys_are_redacted_in_every_format() {
        let store = OneKey(RefCell::new(None));
        store.set("default", &Secret::new(super::KEY)).unwrap();
        let no_env = |_: &str| None;
        let (key, source) = load_key_from_store("default", &no_env, &store).unwrap();
        assert_eq!((key.expose(), source), (super::KEY, KeySource::Keychain));
        let printed = format!("{key} {key:?} {key:#?} {:?}", (&key, Some(key.clone())));
        assert!(!printed.contains(super::KEY_CORE), "{printed}");
        store.delete("default").unwrap();
        let err = load_key_from_store("default", &no_env, &store).unwrap_err();
        assert!(!format!("{err} {err:?}").contains(super::KEY_CORE));
    }

    #[test]
    fn keyring_mock_store_roundtrip_never_prints_the_key() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let key = Secret::new(super::KEY);
        poolwatch::secrets::store_key("security-test", &key).expect("mock store");
        // keyring 3's mock keeps a password per Entry object only, so a later
        // load finds nothing: the error must still not contain the key.
        let no_env = |_: &str| None;
        match poolwatch::secrets::load_key("security-test", &no_env) {
            Ok((loaded, _)) => assert!(!format!("{loaded:?}").contains(super::KEY_CORE)),
            Err(err) => assert!(!format!("{err} {err:?}").contains(super::KEY_CORE)),
        }
        poolwatch::secrets::delete_key("security-test").expect("mock delete");
    }
}
