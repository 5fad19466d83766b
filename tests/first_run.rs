//! Issue 11: what a new user meets first (terminal width, test-fetch,
//! config edits, install-plugin, keys on Linux, unusable folders).

mod common;
mod support;

use common::Sandbox;
use unicode_width::UnicodeWidthStr;

/// A sandbox with no pool (demo runs need none).
fn demo_sandbox(config: &str) -> Sandbox {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    sandbox.write_config(config);
    sandbox
}

#[test]
fn demo_status_fits_60_80_and_100_columns_with_a_cjk_label() {
    let sandbox = demo_sandbox(
        "[labels]\n\"alice@studio.dev\" = \"张三的工作账号\"\n\"bob@studio.dev\" = \"bob at the very long label studio\"\n",
    );
    for width in [60usize, 80, 100] {
        let run = sandbox.run_env(&["--demo", "status"], &[("COLUMNS", &width.to_string())]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains("张三的工作账号"), "{}", run.stdout);
        assert!(run.stdout.contains("mallory@studio.dev"), "{}", run.stdout);
        for line in run.stdout.lines() {
            assert!(
                line.width() <= width,
                "{} columns > {width}: {line:?}\n{}",
                line.width(),
                run.stdout
            );
        }
    }
    // Every width from the narrowest layout up.
    for width in (40usize..=130).step_by(7) {
        let run = sandbox.run_env(&["--demo", "status"], &[("COLUMNS", &width.to_string())]);
        let widest = run.stdout.lines().map(|l| l.width()).max().unwrap();
        assert!(widest <= width, "{widest} > {width}:\n{}", run.stdout);
    }
    // The widest layout is used when there is room: at 100 the 5h bars and
    // the plan column are there, at 60 they gave way.
    let wide = sandbox.run_env(&["--demo", "status"], &[("COLUMNS", "100")]);
    let narrow = sandbox.run_env(&["--demo", "status"], &[("COLUMNS", "60")]);
    assert!(wide.stdout.contains("PLAN") && wide.stdout.contains('░'));
    assert!(!narrow.stdout.contains("PLAN"), "{}", narrow.stdout);
}

#[test]
fn piped_status_without_columns_is_100_wide_and_wider_terminals_get_longer_lines() {
    let sandbox = demo_sandbox("");
    let run = sandbox.run(&["--demo", "status"]);
    assert_eq!(run.code, 0);
    let widest = run.stdout.lines().map(|l| l.width()).max().unwrap();
    assert!(widest <= 100 && widest > 80, "widest line {widest}");
    // A status message that did not fit at 100 stays on its row at 200.
    let wide = sandbox.run_env(&["--demo", "status"], &[("COLUMNS", "200")]);
    assert!(
        wide.stdout
            .lines()
            .any(|l| l.starts_with("grace@") && l.contains("cooling down")),
        "{}",
        wide.stdout
    );
    assert!(!run
        .stdout
        .lines()
        .any(|l| l.starts_with("grace@") && l.contains("cooling down")));
}

#[test]
fn wording_says_disabled_once_and_durations_share_one_precision() {
    let sandbox = demo_sandbox("");
    let status = sandbox.run(&["--demo", "status"]);
    let menu = sandbox.run(&["--demo", "plugin"]);
    assert!(
        !status.stdout.contains("disabled [disabled]"),
        "{}",
        status.stdout
    );
    let mallory = status
        .stdout
        .lines()
        .find(|l| l.starts_with("mallory@"))
        .expect("mallory row");
    assert!(mallory.trim_end().ends_with(" disabled"), "{mallory}");
    assert!(
        !menu.stdout.contains("disabled · disabled"),
        "{}",
        menu.stdout
    );
    assert!(menu.stdout.contains("Status disabled"), "{}", menu.stdout);
    // No minutes-with-seconds (the demo has a reset in 33m20s).
    for text in [&status.stdout, &menu.stdout] {
        let mixed = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| {
                let digits_then = |w: &str, unit: char| {
                    w.split_once(unit).is_some_and(|(n, rest)| {
                        !n.is_empty()
                            && n.chars().all(|c| c.is_ascii_digit())
                            && rest.ends_with('s')
                            && rest.len() > 1
                            && rest[..rest.len() - 1].chars().all(|c| c.is_ascii_digit())
                    })
                };
                digits_then(word, 'm')
            });
        assert!(!mixed, "a duration with minutes and seconds:\n{text}");
    }
    assert!(status.stdout.contains("33m "), "{}", status.stdout);
}

/// Every file under the sandbox with its bytes, sorted.
fn files(sandbox: &Sandbox) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut all = sandbox.written_files();
    all.sort();
    all
}

#[test]
fn demo_mode_never_writes_and_says_so() {
    let sandbox = demo_sandbox("# mine\nsort = \"week\"\n");
    let plugins = sandbox.dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let before = files(&sandbox);
    let plugins_arg = plugins.display().to_string();
    let writers: [&[&str]; 6] = [
        &["--demo", "config", "set", "sort", "name"],
        &["--demo", "config", "init", "--force"],
        &["--demo", "config", "delete-key"],
        &["--demo", "config", "edit"],
        &["--demo", "install-plugin", "--dir", &plugins_arg],
        &["--demo", "config", "set-key"],
    ];
    for args in writers {
        let run = sandbox.run_env(args, &[("EDITOR", "touch")]);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("--demo never writes"),
            "{args:?}: {}",
            run.stderr
        );
    }
    for args in [
        &["--demo", "status"][..],
        &["--demo", "plugin"],
        &["--demo", "refresh"],
        &["--demo", "snapshot"],
        &["--demo", "metrics"],
        &["--demo", "alerts"],
        &["--demo", "config", "show"],
    ] {
        let run = sandbox.run(args);
        // refresh and status exit 7 for the demo's failing accounts.
        assert!([0, 7].contains(&run.code), "{args:?}: {}", run.stderr);
    }
    assert_eq!(files(&sandbox), before, "demo runs changed files");
    // The same commands without --demo do write (so the check above can fail).
    assert_eq!(sandbox.run(&["config", "set", "sort", "name"]).code, 0);
    assert_eq!(
        sandbox.run(&["install-plugin", "--dir", &plugins_arg]).code,
        0
    );
    assert_ne!(files(&sandbox), before);
}

#[test]
fn install_plugin_falls_back_to_swiftbars_default_folder() {
    let sandbox = demo_sandbox("");
    // Nothing there yet: the message names every folder it looked at.
    let run = sandbox.run(&["install-plugin"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("xbar/plugins"), "{}", run.stderr);
    assert!(run.stderr.contains("SwiftBar/Plugins"), "{}", run.stderr);
    let fallback = sandbox
        .home()
        .join("Library/Application Support/SwiftBar/Plugins");
    std::fs::create_dir_all(&fallback).unwrap();
    let run = sandbox.run(&["install-plugin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(fallback.join("poolwatch.1m.sh").is_file());
    // xbar's folder comes before the fallback.
    let xbar = sandbox
        .home()
        .join("Library/Application Support/xbar/plugins");
    std::fs::create_dir_all(&xbar).unwrap();
    let run = sandbox.run(&["install-plugin", "--interval", "5m"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(xbar.join("poolwatch.5m.sh").is_file());
}

// ----- test-fetch tries the pool, not the first account -----

use std::time::{Duration, Instant};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

fn sandbox_for(server: &MockServer) -> Sandbox {
    Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    )
}

#[test]
fn test_fetch_passes_a_working_pool_whose_first_account_has_an_html_challenge() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::html_challenge()),
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(20.0, 30.0)),
        MockAccount::new("c@example.com", "plus").with_behaviour(UsageBehaviour::ok(20.0, 30.0)),
    ]));
    let run = sandbox_for(&server).run(&["test-fetch"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let failed = run
        .stdout
        .lines()
        .find(|l| l.starts_with("! usage of a@example.com"))
        .unwrap_or_else(|| panic!("the failure is reported:\n{}", run.stdout));
    assert!(failed.contains("HTML"), "{failed}");
    assert!(
        run.stdout.contains("✓ usage of b@example.com"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('✗'), "{}", run.stdout);
    // It stopped at the first answer.
    assert_eq!(server.stats().api_call_requests, 2);
}

#[test]
fn test_fetch_gives_up_after_five_failing_accounts() {
    let accounts = (0..7)
        .map(|i| {
            MockAccount::new(&format!("u{i}@example.com"), "plus")
                .with_behaviour(UsageBehaviour::html_challenge())
        })
        .collect();
    let server = MockServer::start(MockConfig::with_accounts(accounts));
    let run = sandbox_for(&server).run(&["test-fetch"]);
    assert_eq!(run.code, 6, "{}", run.stdout);
    assert_eq!(
        run.stdout.matches("! usage of").count(),
        5,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("✗ usage: 5 accounts tried, none answered (2 more not tried)"),
        "{}",
        run.stdout
    );
    assert_eq!(server.stats().api_call_requests, 5);
}

#[test]
fn test_fetch_never_retries_a_refused_management_key_on_another_account() {
    let server = MockServer::start(MockConfig {
        auth_files_delay: Duration::from_millis(800),
        ..MockConfig::with_accounts(vec![
            MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(1.0, 1.0)),
            MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(1.0, 1.0)),
        ])
    });
    let sandbox = sandbox_for(&server);
    let child = sandbox
        .command(&["test-fetch"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The list was accepted with the key; the key changes on the server before the usage call.
    let start = Instant::now();
    while server.stats().auth_files_requests == 0 {
        assert!(start.elapsed() < Duration::from_secs(5), "no list request");
        std::thread::sleep(Duration::from_millis(10));
    }
    server.set_config(|c| c.management_key = Some("rotated-key-0123456789".into()));
    let run = common::Run::from(child.wait_with_output().unwrap());
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("✗ usage of a@example.com"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("b@example.com:"), "{}", run.stdout);
    let stats = server.stats();
    assert_eq!(stats.api_call_requests, 1);
    assert_eq!(stats.failed_auth_attempts, 1);
}

// ----- config set on lists and tables; filters that match nothing -----

#[test]
fn config_set_takes_list_syntax_or_refuses_it_clearly() {
    let sandbox = demo_sandbox("");
    let run = sandbox.run(&["config", "set", "providers", r#"["codex","openai"]"#]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let show = sandbox.run(&["config", "show"]);
    assert!(
        show.stdout.contains(r#"providers = ["codex", "openai"]"#),
        "{}",
        show.stdout
    );
    let run = sandbox.run(&["config", "set", "hidden", r#""a@x.com", "b@x.com""#]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains(r#"["a", "b"]"#), "{}", run.stderr);
    let run = sandbox.run(&["config", "set", "hidden", "a@x.com, b@x.com"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let show = sandbox.run(&["config", "show"]);
    assert!(
        show.stdout.contains(r#"hidden = ["a@x.com", "b@x.com"]"#),
        "{}",
        show.stdout
    );
}

/// Uncomment the template line `# key = ...` as a user would in an editor.
fn uncomment(text: &str, key: &str) -> String {
    let mut done = false;
    text.lines()
        .map(|line| match line.strip_prefix(&format!("# {key} = ")) {
            Some(value) if !done => {
                done = true;
                format!("{key} = {value}")
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `config show` has a line `key = value` (spaces collapsed) whose source is the file.
fn from_file(show: &str, key_value: &str) -> bool {
    show.lines().any(|line| {
        let (setting, source) = line.split_once('#').unwrap_or((line, ""));
        setting.split_whitespace().collect::<Vec<_>>().join(" ") == key_value
            && source.contains("file")
    })
}

#[test]
fn a_table_set_after_init_leaves_the_commented_top_level_keys_usable() {
    let sandbox = demo_sandbox("");
    std::fs::remove_file(sandbox.config_path()).unwrap();
    assert_eq!(sandbox.run(&["config", "init"]).code, 0);
    for (key, value) in [
        ("weights.pro", "20"),
        ("labels.alice@studio.dev", "Alice"),
        ("alerts.notify", "false"),
    ] {
        let run = sandbox.run(&["config", "set", key, value]);
        assert_eq!(run.code, 0, "{key}: {}", run.stderr);
    }
    let run = sandbox.run(&["--profile", "work", "config", "set", "weights.plus", "2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(sandbox.config_path()).unwrap();
    let text = uncomment(&uncomment(&text, "ttl_seconds"), "kill_line");
    // And a table's own commented example, under its (now real) header.
    let text = uncomment(&text, "prolite");
    std::fs::write(sandbox.config_path(), &text).unwrap();
    let show = sandbox.run(&["config", "show"]);
    assert_eq!(show.code, 0, "{}\n{text}", show.stderr);
    for expected in [
        "ttl_seconds = 120",
        "kill_line = 3.0",
        "pro = 20.0",
        "prolite = 10.0",
        "notify = false",
        "\"alice@studio.dev\" = \"Alice\"",
    ] {
        assert!(
            from_file(&show.stdout, expected),
            "{expected}:\n{}",
            show.stdout
        );
    }
    let work = sandbox.run(&["--profile", "work", "config", "show"]);
    assert!(from_file(&work.stdout, "plus = 2.0"), "{}", work.stdout);
}

#[test]
fn settings_that_filter_out_every_account_say_so_in_status_and_menu() {
    let server = MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(1.0, 1.0)),
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(1.0, 1.0)),
    ]));
    let sandbox = sandbox_for(&server);
    let run = sandbox.run(&["config", "set", "providers", "claude"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status = sandbox.run(&["status"]);
    let expected = r#"0 of 2 auth files match providers = ["claude"]"#;
    assert!(status.stdout.contains(expected), "{}", status.stdout);
    let menu = sandbox.run(&["plugin"]);
    assert!(menu.stdout.contains(expected), "{}", menu.stdout);
    // Fixing the setting takes effect at once (the cached, filtered state is not served).
    sandbox.run(&["config", "set", "providers", "codex"]);
    let status = sandbox.run(&["status"]);
    assert!(
        !status.stdout.contains("auth files match"),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("a@example.com"), "{}", status.stdout);
}

// ----- the key on a platform without a Keychain -----

#[cfg(not(target_os = "macos"))]
#[test]
fn without_a_keychain_every_hint_names_the_environment_variable() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )
    .with_behaviour(UsageBehaviour::ok(1.0, 1.0))]));
    let mut sandbox = sandbox_for(&server);
    sandbox.key = None;
    let set_key_advice = "run `poolwatch config set-key`";
    let init = sandbox.run(&["config", "init", "--force", "--pool-url", &server.url()]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(
        init.stdout.contains("export POOLWATCH_MANAGEMENT_KEY="),
        "{}",
        init.stdout
    );
    assert!(!init.stdout.contains("config set-key"), "{}", init.stdout);
    let show = sandbox.run(&["config", "show"]);
    assert!(
        show.stdout
            .contains("not set: set POOLWATCH_MANAGEMENT_KEY"),
        "{}",
        show.stdout
    );
    let fetch = sandbox.run(&["test-fetch"]);
    assert_eq!(fetch.code, 3, "{}", fetch.stdout);
    assert!(
        fetch.stdout.contains("set POOLWATCH_MANAGEMENT_KEY"),
        "{}",
        fetch.stdout
    );
    let menu = sandbox.run(&["plugin"]);
    assert!(
        menu.stdout.contains("set POOLWATCH_MANAGEMENT_KEY"),
        "{}",
        menu.stdout
    );
    for text in [&init.stdout, &show.stdout, &fetch.stdout, &menu.stdout] {
        assert!(!text.contains(set_key_advice), "{text}");
    }
    let delete = sandbox.run(&["config", "delete-key"]);
    assert_eq!(delete.code, 0, "{}", delete.stderr);
    assert!(
        delete
            .stdout
            .contains("no management key of profile default is stored"),
        "{}",
        delete.stdout
    );
    let delete = sandbox.run_env(
        &["config", "delete-key"],
        &[("POOLWATCH_MANAGEMENT_KEY", "k")],
    );
    assert!(
        delete.stdout.contains("unset it in your environment"),
        "{}",
        delete.stdout
    );
}

// ----- an unusable cache folder -----

/// A sandbox whose cache folder cannot exist (it would be under a regular
/// file: this bites even as root, where a read-only folder would not) and
/// whose temp dir is inside the sandbox.
fn sandbox_with_impossible_cache(server: &MockServer, key: &str) -> (Sandbox, std::path::PathBuf) {
    let mut sandbox = Sandbox::new(&server.url(), &server.usage_url(), Some(key));
    let blocker = sandbox.dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"a regular file").unwrap();
    let temp = sandbox.dir.path().join("tmp");
    std::fs::create_dir(&temp).unwrap();
    sandbox.extra_env = vec![
        (
            "POOLWATCH_CACHE_DIR".into(),
            blocker.join("cache").display().to_string(),
        ),
        ("TMPDIR".into(), temp.display().to_string()),
        ("USER".into(), "tester".into()),
    ];
    (sandbox, temp)
}

#[test]
fn an_unusable_cache_folder_still_shows_live_data_with_a_notice() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )
    .with_behaviour(UsageBehaviour::ok(20.0, 30.0))]));
    let (sandbox, temp) = sandbox_with_impossible_cache(&server, DEFAULT_MANAGEMENT_KEY);
    let status = sandbox.run(&["status", "--json"]);
    assert_eq!(status.code, 0, "{}{}", status.stdout, status.stderr);
    let json = status.json();
    assert_eq!(
        json["report"]["accounts"][0]["label"], "a@example.com",
        "{json}"
    );
    let text = sandbox.run(&["status"]);
    assert!(
        text.stdout.contains("Cannot use the cache folder"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("poolwatch-cache-tester"),
        "{}",
        text.stdout
    );
    let menu = sandbox.run(&["plugin"]);
    assert!(menu.stdout.contains("a@example.com"), "{}", menu.stdout);
    assert!(temp
        .join("poolwatch-cache-tester/default/cache.json")
        .is_file());
}

#[test]
fn the_fallback_cache_still_latches_a_rejected_key() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )
    .with_behaviour(UsageBehaviour::ok(20.0, 30.0))]));
    let (sandbox, _temp) = sandbox_with_impossible_cache(&server, "wrong-key-0123456789");
    for _ in 0..3 {
        sandbox.run(&["plugin"]);
    }
    assert_eq!(server.stats().failed_auth_attempts, 1);
}

#[cfg(target_os = "linux")]
#[test]
fn config_show_prints_the_real_cache_and_snapshot_paths() {
    let sandbox = demo_sandbox("");
    let mut cmd = sandbox.command(&["config", "show"]);
    cmd.env_remove("POOLWATCH_CACHE_DIR")
        .env_remove("POOLWATCH_SNAPSHOT_PATH");
    let run = common::Run::from(cmd.output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let home = sandbox.home().display().to_string();
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key}:\n{}", run.stdout))
            .to_string()
    };
    assert!(
        line("cache_dir").contains(&format!("\"{home}/.cache/poolwatch\"")),
        "{}",
        run.stdout
    );
    assert!(
        line("snapshot_path").contains(&format!("\"{home}/.local/share/poolwatch/")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("(default location)"), "{}", run.stdout);
    // The configured ones win.
    let run = sandbox.run(&["config", "show"]);
    let cache = sandbox.cache_dir().display().to_string();
    assert!(
        run.stdout.contains(&format!("cache_dir = \"{cache}\"")),
        "{}",
        run.stdout
    );
}
