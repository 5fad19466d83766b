//! Plugin mode end to end: the binary as SwiftBar/xbar run it, the wrapper
//! script, `install-plugin`, and the refresh-reason semantics.

mod common;
mod support;

use std::process::Command;

use common::{Run, Sandbox};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

/// Checks every plugin output must pass: UTF-8 (by construction of Run), a
/// title line, a separator, and no empty output.
fn assert_menu(run: &Run) {
    assert_eq!(
        run.code, 0,
        "plugin mode always exits 0; stderr: {}",
        run.stderr
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() >= 3, "menu too short: {}", run.stdout);
    assert!(!lines[0].starts_with("---"), "first line is the title");
    assert!(
        lines.contains(&"---"),
        "a separator follows the title: {}",
        run.stdout
    );
    assert!(run.stdout.ends_with('\n'));
}

fn demo_sandbox() -> Sandbox {
    Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None)
}

#[test]
fn demo_menu_in_both_dialects() {
    let sandbox = demo_sandbox();
    let xbar = sandbox.run(&["--demo", "plugin"]);
    assert_menu(&xbar);
    assert!(
        !xbar.stdout.contains("sfimage="),
        "xbar output must not use SwiftBar params"
    );
    let swiftbar = sandbox.run_env(&["--demo", "plugin"], &[("SWIFTBAR", "1")]);
    assert_menu(&swiftbar);
    assert!(swiftbar.stdout.contains("symbolize=false"));
    assert!(swiftbar.stdout.contains("weekKILL"));
    assert!(swiftbar.stdout.contains("Refresh now"));
    // --demo writes nothing.
    assert!(sandbox
        .written_files()
        .iter()
        .all(|(p, _)| p.ends_with("config.toml")));
}

#[test]
fn broken_settings_render_an_error_menu_naming_the_key() {
    let sandbox = demo_sandbox();
    sandbox.write_config("pool_url = \"http://127.0.0.1:9\"\ntll_seconds = 5\n");
    let run = sandbox.run(&["plugin"]);
    assert_menu(&run);
    assert!(run.stdout.contains("tll_seconds"), "{}", run.stdout);
    // A terminal command reports the same with a config exit code.
    let status = sandbox.run(&["status"]);
    assert_eq!(status.code, 3);
    assert!(
        status.stderr.contains("ttl_seconds"),
        "did-you-mean: {}",
        status.stderr
    );
}

#[test]
fn no_pool_url_and_no_key_are_setup_messages_not_crashes() {
    let sandbox = demo_sandbox();
    sandbox.write_config("");
    let run = sandbox.run(&["plugin"]);
    assert_menu(&run);
    assert!(run.stdout.contains("pool URL"), "{}", run.stdout);
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )]));
    let sandbox = Sandbox::new(&server.url(), &server.usage_url(), None);
    let run = sandbox.run(&["plugin"]);
    assert_menu(&run);
    assert!(run.stdout.contains("set-key"), "{}", run.stdout);
    assert_eq!(
        server.stats().total_requests,
        0,
        "nothing is sent without a key"
    );
}

#[test]
fn refresh_reasons_schedule_uses_cache_menu_action_fetches() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )
    .with_behaviour(UsageBehaviour::ok(30.0, 40.0))]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let reason = |r: &str| {
        sandbox.run_env(
            &["plugin"],
            &[("SWIFTBAR", "1"), ("SWIFTBAR_PLUGIN_REFRESH_REASON", r)],
        )
    };
    assert_menu(&reason("FirstLaunch"));
    assert_menu(&reason("Schedule"));
    assert_menu(&reason("WakeFromSleep"));
    assert_eq!(server.stats().auth_files_requests, 1);
    // A click right after an attempt reuses it (SwiftBar re-runs after `refresh=true`).
    assert_menu(&reason("MenuAction"));
    assert_eq!(server.stats().auth_files_requests, 1);
    sandbox.age_cache("default", 6);
    let seen = sandbox.refreshes_ended();
    let clicked = reason("MenuAction");
    assert_menu(&clicked);
    // The menu does not wait: it shows the cache while a detached refresh fetches.
    assert!(clicked.stdout.contains("Refreshing…"), "{}", clicked.stdout);
    assert!(sandbox.wait_for_refresh(seen));
    assert_eq!(
        server.stats().auth_files_requests,
        2,
        "manual reasons bypass the TTL"
    );
    assert_menu(&reason("Schedule"));
    assert_eq!(server.stats().auth_files_requests, 2);
}

#[test]
fn sort_items_change_the_setting() {
    let sandbox = demo_sandbox();
    assert_eq!(sandbox.run(&["config", "set", "sort", "week-desc"]).code, 0);
    let doc = sandbox.run(&["--demo", "status", "--json"]).json();
    let weeks: Vec<f64> = doc["report"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["weekly"]["remaining"].as_f64())
        .collect();
    assert!(weeks.len() > 5);
    assert!(
        weeks.windows(2).all(|w| w[0] >= w[1]),
        "week, highest first: {weeks:?}"
    );
    let menu = sandbox.run_env(&["--demo", "plugin"], &[("SWIFTBAR", "1")]);
    let checked: Vec<&str> = menu
        .stdout
        .lines()
        .filter(|l| l.contains("checked=true"))
        .collect();
    assert_eq!(checked.len(), 1);
    // After the menu's identity (`--demo`, `--config=…`): `config set sort week-desc`.
    assert!(
        checked[0].ends_with("param6=week-desc terminal=false refresh=true checked=true"),
        "{}",
        checked[0]
    );
    assert_eq!(sandbox.run(&["config", "set", "sort", "sideways"]).code, 3);
}

/// Run a plugin wrapper script the way SwiftBar does: bash, a minimal PATH.
fn run_wrapper(script: &std::path::Path, sandbox: &Sandbox, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new("bash");
    command
        .arg(script)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", sandbox.home());
    for (key, value) in env {
        command.env(key, value);
    }
    Run::from(command.output().unwrap())
}

fn wrapper() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plugin/poolwatch.1m.sh")
}

#[test]
fn wrapper_runs_the_binary_or_explains_that_it_is_missing() {
    let sandbox = demo_sandbox();
    let missing = run_wrapper(&wrapper(), &sandbox, &[]);
    assert_menu(&missing);
    assert!(missing.stdout.contains("poolwatch binary not found"));

    let config = sandbox.config_path();
    let found = run_wrapper(
        &wrapper(),
        &sandbox,
        &[
            ("VAR_POOLWATCH_BIN", env!("CARGO_BIN_EXE_poolwatch")),
            ("POOLWATCH_DEMO", "1"),
            ("POOLWATCH_CONFIG", config.to_str().unwrap()),
            ("SWIFTBAR", "1"),
        ],
    );
    assert_menu(&found);
    assert!(found.stdout.contains("weekKILL"), "{}", found.stdout);
}

#[test]
fn install_plugin_writes_an_executable_wrapper_and_refuses_to_clobber() {
    let sandbox = demo_sandbox();
    let dir = sandbox.dir.path().join("plugins");
    std::fs::create_dir_all(&dir).unwrap();
    let dir_arg = dir.to_str().unwrap();
    let first = sandbox.run(&["install-plugin", "--dir", dir_arg, "--interval", "5m"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let installed = dir.join("poolwatch.5m.sh");
    let text = std::fs::read_to_string(&installed).unwrap();
    assert!(
        text.contains(env!("CARGO_BIN_EXE_poolwatch")),
        "binary path embedded"
    );
    assert!(text.contains("<xbar.title>poolwatch</xbar.title>"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&installed).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "executable");
    }
    assert_eq!(
        sandbox
            .run(&["install-plugin", "--dir", dir_arg, "--interval", "5m"])
            .code,
        3
    );
    assert_eq!(
        sandbox
            .run(&["install-plugin", "--dir", dir_arg, "--interval", "1m"])
            .code,
        3
    );
    assert_eq!(
        sandbox
            .run(&[
                "install-plugin",
                "--dir",
                dir_arg,
                "--interval",
                "1m",
                "--force"
            ])
            .code,
        0
    );
    assert!(dir.join("poolwatch.1m.sh").exists());
    assert!(!installed.exists(), "the old interval's file is replaced");
    assert_eq!(
        sandbox
            .run(&["install-plugin", "--dir", dir_arg, "--interval", "1x"])
            .code,
        2
    );
    // The installed wrapper runs the binary it was installed from.
    let config = sandbox.config_path();
    let out = run_wrapper(
        &dir.join("poolwatch.1m.sh"),
        &sandbox,
        &[
            ("POOLWATCH_DEMO", "1"),
            ("POOLWATCH_CONFIG", config.to_str().unwrap()),
        ],
    );
    assert!(out.stdout.contains("weekKILL"));
}

#[test]
fn a_bad_command_line_still_yields_a_menu_in_plugin_mode() {
    let sandbox = demo_sandbox();
    let run = sandbox.run(&["plugin", "--dialect", "gtk"]);
    assert_menu(&run);
    assert!(run.stdout.contains("command line is wrong"));
    let run = sandbox.run_env(&["plugin"], &[("POOLWATCH_DEMO", "perhaps")]);
    assert_menu(&run);
    // Outside plugin mode, clap's usage error and exit code 2 stand.
    assert_eq!(sandbox.run(&["status", "--bogus"]).code, 2);
}

#[test]
fn config_edit_creates_the_file_from_the_template_then_opens_it() {
    let sandbox = demo_sandbox();
    std::fs::remove_file(sandbox.config_path()).unwrap();
    let run = sandbox.run_env(&["config", "edit"], &[("EDITOR", "true")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(sandbox.config_path()).unwrap();
    assert!(text.contains("# poolwatch settings"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sandbox.config_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The editor gets the path; a failing editor is reported.
    let failing = sandbox.run_env(&["config", "edit"], &[("EDITOR", "false")]);
    assert_eq!(failing.code, 1);
    // No editor: the path is printed and the run fails with a hint (issue 17 item 18).
    let plain = sandbox.run(&["config", "edit"]);
    assert_eq!(plain.code, 1);
    assert_eq!(plain.stdout.trim(), sandbox.config_path().to_str().unwrap());
    assert!(
        plain.stderr.contains("$VISUAL or $EDITOR"),
        "{}",
        plain.stderr
    );
}

#[test]
#[cfg(not(target_os = "macos"))]
fn set_key_without_a_keychain_points_to_the_environment_variable() {
    let sandbox = demo_sandbox();
    let run = sandbox.run(&["config", "set-key"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("POOLWATCH_MANAGEMENT_KEY"),
        "{}",
        run.stderr
    );
    let show = sandbox.run(&["config", "show"]);
    assert!(
        show.stdout.contains("management_key = <not set"),
        "{}",
        show.stdout
    );
    let with_env = sandbox.run_env(
        &["config", "show"],
        &[("POOLWATCH_MANAGEMENT_KEY", "k-123")],
    );
    assert!(with_env.stdout.contains("from POOLWATCH_MANAGEMENT_KEY"));
    assert!(!with_env.stdout.contains("k-123"));
}

#[test]
fn menu_and_terminal_share_one_cache_even_under_swiftbar() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let swiftbar_dir = sandbox.dir.path().join("swiftbar-plugin-cache");
    let menu = sandbox.run_env(
        &["plugin"],
        &[
            ("SWIFTBAR", "1"),
            ("SWIFTBAR_PLUGIN_CACHE_PATH", swiftbar_dir.to_str().unwrap()),
            ("SWIFTBAR_PLUGIN_REFRESH_REASON", "Schedule"),
        ],
    );
    assert_menu(&menu);
    assert_eq!(sandbox.run(&["status"]).code, 0);
    assert_eq!(sandbox.run(&["metrics"]).code, 0);
    assert_eq!(
        server.stats().auth_files_requests,
        1,
        "one fetch for every consumer"
    );
    assert!(!swiftbar_dir.exists());
}
