//! The first week as a new user lives it (issue 17) and menu identity
//! (issue 16.16): the real binary, the demo pool and a dead pool address.

mod common;

use common::{parse_plugin_output, PluginLine, Run, Sandbox};

fn sandbox() -> Sandbox {
    Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None)
}

/// The figures of a title: `5h 64% · W 58%` → ["64%", "58%"].
fn title_figures(title: &str) -> Vec<String> {
    title
        .split(|c: char| c.is_whitespace() || c == '·')
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()) && w.ends_with('%'))
        .map(str::to_string)
        .collect()
}

fn title(run: &Run) -> String {
    let first = run.stdout.lines().next().unwrap_or_default();
    first
        .split('|')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The command a `bash=` line runs: param1, param2, ... in order.
fn action_args(line: &PluginLine) -> Vec<String> {
    (1..)
        .map_while(|i| line.param(&format!("param{i}")).map(str::to_string))
        .collect()
}

fn actions(run: &Run) -> Vec<PluginLine> {
    parse_plugin_output(&run.stdout)
        .into_iter()
        .filter(|l| l.param("bash").is_some_and(|b| b.ends_with("poolwatch")))
        .collect()
}

#[test]
fn title_shows_both_windows_as_a_share_of_capacity() {
    let sandbox = sandbox();
    let run = sandbox.run(&["--demo", "plugin"]);
    assert_eq!(run.code, 0);
    let title = title(&run);
    // The demo pool is 46 Plus accounts of 5h: the old title said `2955% · W 58%`.
    assert!(title.starts_with("⚡ 5h "), "{title}");
    assert!(title.contains(" · W "), "{title}");
    let figures = title_figures(&title);
    assert_eq!(figures.len(), 2, "{title}");
    for figure in figures {
        let n: u32 = figure.trim_end_matches('%').parse().expect("a number");
        assert!(n <= 100, "a share of capacity: {title}");
    }
    // The absolute figures stay in the dropdown.
    assert!(run.stdout.contains("2955% / 4600%"), "{}", run.stdout);
}

#[test]
fn title_format_is_a_setting_with_env_and_config() {
    let sandbox = sandbox();
    let week = sandbox.run_env(&["--demo", "plugin"], &[("POOLWATCH_TITLE_FORMAT", "week")]);
    assert_eq!(title(&week), "⚡ W 58%");
    let compact = sandbox.run_env(
        &["--demo", "plugin"],
        &[("POOLWATCH_TITLE_FORMAT", "compact")],
    );
    assert_eq!(title(&compact), "⚡ 64·58");
    let set = sandbox.run(&["config", "set", "title_format", "5h"]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert_eq!(title(&sandbox.run(&["--demo", "plugin"])), "⚡ 5h 64%");
    let bad = sandbox.run(&["config", "set", "title_format", "plus"]);
    assert_ne!(bad.code, 0);
    assert!(
        bad.stderr.contains("share, 5h, week, compact"),
        "{}",
        bad.stderr
    );
    let show = sandbox.run(&["config", "show"]);
    assert!(
        show.stdout.contains("title_format = \"5h\""),
        "{}",
        show.stdout
    );
}

#[test]
fn every_menu_action_carries_demo_profile_and_config() {
    let sandbox = sandbox();
    sandbox.write_config(
        "pool_url = \"http://127.0.0.1:9\"\n[profiles.work]\npool_url = \"http://127.0.0.1:9\"\n",
    );
    let before = std::fs::read(sandbox.config_path()).unwrap();
    let run = sandbox.run(&["--demo", "--profile", "work", "plugin"]);
    let config = format!("--config={}", sandbox.config_path().display());
    let lines = actions(&run);
    assert!(
        lines.len() >= 8,
        "sort, refresh, settings, hide-key: {}",
        run.stdout
    );
    for line in &lines {
        let args = action_args(line);
        assert!(args.contains(&"--demo".to_string()), "{}", line.raw);
        assert!(args.contains(&"--profile=work".to_string()), "{}", line.raw);
        assert!(args.contains(&config), "{}", line.raw);
    }
    // Clicking "Sort by" in the demo menu writes no settings file.
    let sort = lines
        .iter()
        .find(|l| action_args(l).iter().any(|a| a == "sort"))
        .expect("a sort action");
    let args = action_args(sort);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let clicked = sandbox.run(&args);
    assert_ne!(clicked.code, 0, "refused in demo mode");
    assert_eq!(std::fs::read(sandbox.config_path()).unwrap(), before);
}

#[test]
fn all_profiles_menu_sections_act_on_their_own_profile() {
    let sandbox = sandbox();
    sandbox.write_config(
        "pool_url = \"http://127.0.0.1:9\"\ncold_start_wait_seconds = 0\n[profiles.work]\npool_url = \"http://127.0.0.1:9\"\n",
    );
    let run = sandbox.run(&["plugin", "--all-profiles"]);
    assert_eq!(run.code, 0);
    let refreshes: Vec<Vec<String>> = actions(&run)
        .iter()
        .map(action_args)
        .filter(|a| a.last().is_some_and(|x| x == "refresh"))
        .collect();
    assert!(
        refreshes
            .iter()
            .any(|a| a.contains(&"--profile=work".to_string())),
        "{refreshes:?}\n{}",
        run.stdout
    );
    assert!(
        refreshes
            .iter()
            .any(|a| a.contains(&"--profile=default".to_string())),
        "{refreshes:?}"
    );
}

mod support;
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

fn pool_with_one_account() -> (MockServer, Sandbox) {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )
    .with_behaviour(UsageBehaviour::ok(20.0, 30.0))]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    (server, sandbox)
}

#[test]
fn a_settings_typo_shows_the_last_data_under_the_problem_said_once() {
    let (server, sandbox) = pool_with_one_account();
    let fetched = sandbox.run(&["status"]);
    assert_eq!(fetched.code, 0, "{}{}", fetched.stdout, fetched.stderr);
    let good = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(&format!("{good}pool_ulr = \"http://127.0.0.1:9\"\n"));
    let calls = server.stats().total_requests;
    let run = sandbox.run(&["plugin"]);
    assert_eq!(run.code, 0);
    let shown = title(&run);
    assert!(shown.contains("config error"), "{shown}");
    assert!(!shown.contains("no data"), "{shown}");
    assert!(
        run.stdout.contains("a@example.com"),
        "the last data:\n{}",
        run.stdout
    );
    assert!(!run.stdout.contains("No pool data yet"), "{}", run.stdout);
    assert_eq!(
        run.stdout.matches("pool_ulr").count(),
        1,
        "said once:\n{}",
        run.stdout
    );
    assert_eq!(
        server.stats().total_requests,
        calls,
        "nothing asked with broken settings"
    );
    // Without any cache the title still names the problem.
    let fresh = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    fresh.write_config("pool_ulr = \"http://127.0.0.1:9\"\n");
    let run = fresh.run(&["plugin"]);
    assert!(title(&run).contains("config error"), "{}", run.stdout);
}

#[test]
fn setup_needed_is_named_in_the_title() {
    let sandbox = sandbox();
    sandbox.write_config("");
    let run = sandbox.run(&["plugin"]);
    assert!(title(&run).contains("setup needed"), "{}", run.stdout);
    // Its fix is an item of its own, whole.
    let fix = parse_plugin_output(&run.stdout)
        .into_iter()
        .find(|l| l.title.contains("Fix:"))
        .unwrap_or_else(|| panic!("a fix item:\n{}", run.stdout));
    assert!(
        fix.title
            .contains("poolwatch config init --pool-url http://HOST:PORT"),
        "{}",
        fix.raw
    );
}

#[test]
fn a_rejected_key_offers_its_fix_as_a_whole_clickable_item() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some("wrong-key-0123456789"),
    );
    let run = sandbox.run_plugin_settled(&[]);
    let lines = parse_plugin_output(&run.stdout);
    let fix = lines
        .iter()
        .find(|l| {
            l.title.contains("poolwatch refresh --retry-key")
                && l.depth == 0
                && l.title.contains("Fix:")
        })
        .unwrap_or_else(|| panic!("a fix item:\n{}", run.stdout));
    assert_eq!(fix.param("length"), None, "never cut: {}", fix.raw);
    let args = action_args(fix);
    assert_eq!(
        &args[args.len() - 2..],
        ["refresh", "--retry-key"],
        "{}",
        fix.raw
    );
    assert!(
        args.iter().any(|a| a.starts_with("--config=")),
        "{}",
        fix.raw
    );
}

/// Make the sandbox's cache folder unusable while its cache.json stays
/// readable (the lock cannot be opened: what a read-only folder does to a
/// non-root user), and point TMPDIR at `temp`.
fn break_cache_folder(sandbox: &mut Sandbox, temp: &std::path::Path) {
    let lock = sandbox.cache_dir().join("default").join("cache.lock");
    let _ = std::fs::remove_file(&lock);
    std::fs::create_dir_all(lock.join("blocker")).unwrap();
    sandbox.extra_env = vec![
        ("TMPDIR".into(), temp.display().to_string()),
        ("USER".into(), "tester".into()),
    ];
}

#[test]
fn an_unusable_cache_folder_still_shows_its_data_with_the_problem_said_once() {
    let (server, mut sandbox) = pool_with_one_account();
    assert_eq!(sandbox.run(&["status"]).code, 0);
    // No fallback either: TMPDIR is a regular file.
    let not_a_folder = sandbox.dir.path().join("not-a-folder");
    std::fs::write(&not_a_folder, b"x").unwrap();
    break_cache_folder(&mut sandbox, &not_a_folder);
    drop(server);
    let run = sandbox.run(&["plugin"]);
    assert!(
        run.stdout.contains("a@example.com"),
        "the last data:\n{}",
        run.stdout
    );
    assert!(!title(&run).contains("no data"), "{}", run.stdout);
    assert_eq!(
        run.stdout.matches("Cannot use the cache folder").count(),
        1,
        "said once:\n{}",
        run.stdout
    );
}

#[test]
fn a_fallback_cache_folder_starts_from_the_readable_data() {
    let (server, mut sandbox) = pool_with_one_account();
    assert_eq!(sandbox.run(&["status"]).code, 0);
    let temp = sandbox.dir.path().join("tmp");
    std::fs::create_dir(&temp).unwrap();
    break_cache_folder(&mut sandbox, &temp);
    drop(server);
    let run = sandbox.run(&["plugin"]);
    assert!(
        run.stdout.contains("a@example.com"),
        "the last data:\n{}",
        run.stdout
    );
    assert!(temp
        .join("poolwatch-cache-tester/default/cache.json")
        .is_file());
}

#[test]
fn a_stored_error_is_shown_in_the_language_of_the_run_that_shows_it() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some("wrong-key-0123456789"),
    );
    let english = sandbox.run_env(&["status"], &[("POOLWATCH_LANGUAGE", "en")]);
    assert!(
        english.stderr.contains("rejected") || english.stdout.contains("rejected"),
        "{}{}",
        english.stdout,
        english.stderr
    );
    // A Chinese menu of the same cache: the stored error in Chinese, no English.
    let chinese = sandbox.run_env(&["plugin"], &[("POOLWATCH_LANGUAGE", "zh-Hans")]);
    assert!(
        !chinese.stdout.contains("the pool rejected"),
        "{}",
        chinese.stdout
    );
    assert!(chinese.stdout.contains("拒绝"), "{}", chinese.stdout);
    // And back: an English menu after a Chinese run stored it.
    let english = sandbox.run_env(&["plugin"], &[("POOLWATCH_LANGUAGE", "en")]);
    assert!(english.stdout.contains("rejected"), "{}", english.stdout);
    assert!(!english.stdout.contains("拒绝"), "{}", english.stdout);
}

#[test]
fn traditional_chinese_follows_zh_tw_and_the_setting() {
    let sandbox = sandbox();
    let run = sandbox.run_env(&["--demo", "status"], &[("LANG", "zh_TW.UTF-8")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("帳號"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("账号"),
        "no Simplified: {}",
        run.stdout
    );
    let set = sandbox.run(&["config", "set", "language", "zh-Hant"]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    let menu = sandbox.run(&["--demo", "plugin"]);
    assert!(menu.stdout.contains("立即重新整理"), "{}", menu.stdout);
    let simplified = sandbox.run_env(&["--demo", "plugin"], &[("POOLWATCH_LANGUAGE", "zh-Hans")]);
    assert!(
        simplified.stdout.contains("立即刷新"),
        "{}",
        simplified.stdout
    );
}

#[test]
fn chinese_output_has_no_english_interface_words_left() {
    let sandbox = sandbox();
    let zh = [("POOLWATCH_LANGUAGE", "zh-Hans")];
    let menu = sandbox.run_env(&["--demo", "plugin"], &zh).stdout;
    let status = sandbox.run_env(&["--demo", "status"], &zh).stdout;
    let long = sandbox
        .run_env(&["--demo", "status", "--format", "long"], &zh)
        .stdout;
    for (what, text) in [("menu", &menu), ("status", &status), ("long", &long)] {
        for english in [
            "HTML page",
            "challenge?",
            "Month",
            "(week)",
            "kill line",
            " active",
            "unknown",
            " ok",
            " in ",
            "(5h)",
        ] {
            assert!(!text.contains(english), "{what} says {english:?}:\n{text}");
        }
    }
    // `disabled [停用]` said once.
    assert!(!status.contains("停用 [停用]"), "{status}");
    assert!(long.contains("可用"), "{long}");
}

#[test]
fn a_wide_label_is_cut_by_display_width_and_keeps_the_columns() {
    use poolwatch::render::width::display_width;
    let sandbox = sandbox();
    let label = "二十二个汉字的很长很长很长很长的账号名字啊";
    sandbox.write_config(&format!(
        "pool_url = \"http://127.0.0.1:9\"\n[labels]\n\"bob@studio.dev\" = \"{label}\"\n"
    ));
    let run = sandbox.run(&["--demo", "plugin"]);
    let rows: Vec<PluginLine> = parse_plugin_output(&run.stdout)
        .into_iter()
        .filter(|l| l.depth == 0 && l.title.contains(" plus "))
        .collect();
    assert!(
        rows.iter().any(|r| r.title.contains("二十二")),
        "{}",
        run.stdout
    );
    let plan_column: Vec<usize> = rows
        .iter()
        .map(|r| display_width(&r.title[..r.title.find(" plus ").unwrap()]))
        .collect();
    assert!(
        plan_column.windows(2).all(|w| w[0] == w[1]),
        "the plan column moves: {plan_column:?}\n{}",
        run.stdout
    );
}

#[test]
fn explanations_are_said_once_and_rows_do_not_stutter() {
    let sandbox = sandbox();
    let menu = sandbox.run(&["--demo", "plugin"]).stdout;
    let status = sandbox.run(&["--demo", "status"]).stdout;
    for (what, text) in [("menu", &menu), ("status", &status)] {
        assert_eq!(
            text.matches("One state per account").count(),
            1,
            "{what}:\n{text}"
        );
        assert_eq!(
            text.matches("▮ ok · ◆ some failed").count(),
            1,
            "{what}:\n{text}"
        );
    }
    assert!(!menu.contains("no usage data error"), "{menu}");
    assert!(menu.contains("usage fetch failed"), "{menu}");
    assert!(!menu.contains("Reset credits none"), "{menu}");
    assert!(!menu.contains("(5h) "), "{menu}");
}

#[test]
fn metrics_exits_0_with_the_pool_down_and_the_readme_cron_recipe_publishes() {
    let (server, sandbox) = pool_with_one_account();
    assert_eq!(sandbox.run(&["status"]).code, 0);
    drop(server);
    sandbox.age_cache("default", 3600);
    let run = sandbox.run(&["metrics"]);
    assert_eq!(run.code, 0, "a printed exposition exits 0: {}", run.stderr);
    assert!(
        run.stdout
            .contains("poolwatch_stale{profile=\"default\"} 1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.trim_end().ends_with("# EOF"), "{}", run.stdout);
    assert!(!run.stderr.is_empty(), "the problem is told on stderr");
    // README: `*/2 * * * * poolwatch metrics > …prom.tmp && mv …prom.tmp …prom`.
    let dir = sandbox.dir.path().join("textfile");
    std::fs::create_dir(&dir).unwrap();
    let recipe = format!(
        "poolwatch metrics > {d}/poolwatch.prom.tmp && mv {d}/poolwatch.prom.tmp {d}/poolwatch.prom",
        d = dir.display()
    );
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_poolwatch"))
        .parent()
        .unwrap()
        .to_path_buf();
    let cmd = sandbox.command(&[]);
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c").arg(&recipe).env_clear();
    sh.envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))));
    sh.env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    let status = sh.status().unwrap();
    assert!(status.success());
    let published = std::fs::read_to_string(dir.join("poolwatch.prom")).unwrap();
    assert!(
        published.contains("poolwatch_stale{profile=\"default\"} 1"),
        "{published}"
    );
}

#[test]
fn the_man_page_has_every_command_and_the_sections_clap_lacks() {
    let sandbox = sandbox();
    let page = sandbox.run(&["man"]);
    assert_eq!(page.code, 0);
    for section in [
        ".SH COMMANDS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH EXAMPLES",
    ] {
        assert!(page.stdout.contains(section), "{section}");
    }
    for name in [
        "status",
        "plugin",
        "refresh",
        "test\\-fetch",
        "metrics",
        "config set",
        "install\\-plugin",
    ] {
        assert!(
            page.stdout.contains(&format!(".SS poolwatch {name}")),
            "{name}"
        );
    }
    for var in [
        "POOLWATCH_TITLE_FORMAT",
        "POOLWATCH_KILL_LINE",
        "POOLWATCH_MANAGEMENT_KEY",
        "POOLWATCH_CONFIG",
    ] {
        assert!(
            page.stdout
                .contains(&format!("\\fB{}\\fR", var.replace('-', "\\-"))),
            "{var}"
        );
    }
    for code in 0..=7 {
        assert!(
            page.stdout.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "exit code {code}"
        );
    }
    // --dir creates the folder and writes one page per subcommand.
    let dir = sandbox.dir.path().join("share/man/man1");
    let run = sandbox.run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in [
        "poolwatch.1",
        "poolwatch-status.1",
        "poolwatch-config-set.1",
        "poolwatch-metrics.1",
    ] {
        assert!(dir.join(file).is_file(), "{file}: {}", run.stdout);
    }
    let completions = sandbox.dir.path().join("zfunc/new");
    let run = sandbox.run(&["completions", "zsh", "--dir", completions.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(completions.join("_poolwatch").is_file());
}

#[test]
fn a_pool_url_with_the_panel_or_api_path_is_refused_with_the_base_to_use() {
    let sandbox = sandbox();
    for pasted in [
        "http://127.0.0.1:8317/management.html",
        "http://127.0.0.1:8317/v0/management/",
    ] {
        let run = sandbox.run(&["config", "set", "pool_url", pasted]);
        assert_ne!(run.code, 0, "{pasted}");
        assert!(
            run.stderr.contains("use \"http://127.0.0.1:8317\""),
            "{}",
            run.stderr
        );
    }
    // A pool behind a proxy path is fine.
    assert_eq!(
        sandbox
            .run(&["config", "set", "pool_url", "https://example.com/cliproxy"])
            .code,
        0
    );
}

#[test]
fn privacy_mode_masks_emails_everywhere_and_keeps_rows_apart() {
    let sandbox = sandbox();
    for args in [
        vec!["--demo", "--privacy", "plugin"],
        vec!["--demo", "--privacy", "status"],
        vec!["--demo", "--privacy", "status", "--json"],
        vec!["--demo", "--privacy", "metrics"],
        vec!["--demo", "--privacy", "snapshot"],
    ] {
        let run = sandbox.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            !run.stdout.contains("studio.dev"),
            "{args:?}:\n{}",
            run.stdout
        );
    }
    // The setting does the same; the same account reads the same twice.
    assert_eq!(sandbox.run(&["config", "set", "privacy", "true"]).code, 0);
    let first = sandbox.run(&["--demo", "status"]).stdout;
    let again = sandbox.run(&["--demo", "status"]).stdout;
    assert!(!first.contains("alice@studio.dev"), "{first}");
    // Account rows start with their label; the "Use first" line (and its
    // wrapped continuation) names several accounts.
    let masked: Vec<&str> = first
        .lines()
        .filter(|l| l.contains("…@s…dev·") && !l.starts_with("Use first") && !l.starts_with(' '))
        .collect();
    assert!(masked.len() >= 10, "{first}");
    let mut labels: Vec<&str> = masked
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(first, again);
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), masked.len(), "rows stay apart: {labels:?}");
}

#[test]
fn help_has_examples_global_options_apart_and_the_format_placeholders() {
    let sandbox = sandbox();
    let status = sandbox.run(&["status", "--help"]).stdout;
    for want in [
        "Examples:",
        "Global options:",
        "{restore_sep}",
        "{5h_pct}",
        "Presets:",
    ] {
        assert!(status.contains(want), "{want}:\n{status}");
    }
    // The subcommand's own options come before the global ones.
    assert!(status.find("--json").unwrap() < status.find("Global options:").unwrap());
    let set = sandbox.run(&["config", "set", "--help"]).stdout;
    assert!(set.contains("`a,b`"), "{set}");
    assert!(set.contains("Examples:"), "{set}");
    for sub in [
        "plugin",
        "refresh",
        "metrics",
        "man",
        "completions",
        "test-fetch",
    ] {
        let help = sandbox.run(&[sub, "--help"]).stdout;
        assert!(help.contains("Examples:"), "{sub}:\n{help}");
        assert!(help.contains("POOLWATCH_DEMO]"), "{sub}:\n{help}");
    }
}

#[test]
fn consistency_demo_all_profiles_profile_prefix_and_a_userless_fallback() {
    let mut sandbox = sandbox();
    sandbox.write_config(
        "pool_url = \"http://127.0.0.1:9\"\n[profiles.work]\npool_url = \"http://127.0.0.1:9\"\n",
    );
    // `--demo plugin --all-profiles` covers every profile, like `--demo metrics --all-profiles`.
    let menu = sandbox.run(&["--demo", "plugin", "--all-profiles"]);
    let metrics = sandbox.run(&["--demo", "metrics", "--all-profiles"]);
    assert!(
        metrics.stdout.contains("profile=\"work\""),
        "{}",
        metrics.stdout
    );
    assert!(
        parse_plugin_output(&menu.stdout)
            .iter()
            .any(|l| l.depth == 0 && l.title.starts_with("work · ")),
        "{}",
        menu.stdout
    );
    // The profile leads the title with --profile too.
    let single = sandbox.run(&["--demo", "--profile", "work", "plugin"]);
    assert!(
        title(&single).starts_with("⚡ work · 5h "),
        "{}",
        title(&single)
    );
    // No $USER: the fallback folder is named by the user id, not `user`.
    let blocker = sandbox.dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let temp = sandbox.dir.path().join("tmp");
    std::fs::create_dir(&temp).unwrap();
    sandbox.extra_env = vec![
        (
            "POOLWATCH_CACHE_DIR".into(),
            blocker.join("cache").display().to_string(),
        ),
        ("TMPDIR".into(), temp.display().to_string()),
    ];
    sandbox.run(&["status", "--offline"]);
    let made: Vec<String> = std::fs::read_dir(&temp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        made.iter().any(|n| n.starts_with("poolwatch-cache-uid")),
        "{made:?}"
    );
    assert!(
        !made.iter().any(|n| n == "poolwatch-cache-user"),
        "{made:?}"
    );
}

#[test]
fn two_team_seats_of_one_email_name_their_workspace_and_no_credit_noise() {
    let seat = |workspace: &str, account_id: &str| {
        let mut a = MockAccount::new("sam@example.com", "team");
        a.name = format!("codex-sam@example.com-{workspace}.json");
        a.chatgpt_account_id = Some(account_id.to_string());
        a.with_behaviour(UsageBehaviour::ok(20.0, 30.0))
    };
    let server = MockServer::start(MockConfig::with_accounts(vec![
        seat("acme", "acct-1111"),
        seat("globex", "acct-2222"),
    ]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let status = sandbox.run(&["status"]);
    assert!(
        status.stdout.contains("sam@example.com · acme"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("sam@example.com · globex"),
        "{}",
        status.stdout
    );
    let menu = sandbox.run(&["plugin"]);
    assert!(menu.stdout.contains("· acme"), "{}", menu.stdout);
    // Not once per account submenu: at most the pool's own line.
    assert!(
        menu.stdout.matches("Reset credits none").count() <= 1,
        "{}",
        menu.stdout
    );
    assert!(
        !menu.stdout.contains("--Reset credits none"),
        "{}",
        menu.stdout
    );
}

#[test]
fn help_and_command_line_errors_speak_chinese() {
    let sandbox = sandbox();
    let zh = [("LANG", "zh_CN.UTF-8")];
    let help = sandbox.run_env(&["--help"], &zh);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("全局选项"), "{}", help.stdout);
    assert!(help.stdout.contains("在终端里显示号池"), "{}", help.stdout);
    let bad = sandbox.run_env(&["status", "--bogus"], &zh);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("无法识别的选项或参数"),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("--bogus"), "{}", bad.stderr);
    // English stays English.
    let en = sandbox.run_env(&["status", "--bogus"], &[("LANG", "en_US.UTF-8")]);
    assert!(
        en.stderr.starts_with("error: unexpected argument"),
        "{}",
        en.stderr
    );
    // Traditional Chinese too.
    let tw = sandbox.run_env(&["--help"], &[("LANG", "zh_TW.UTF-8")]);
    assert!(
        tw.stdout.contains("全域性選項") || tw.stdout.contains("全局選項"),
        "{}",
        tw.stdout
    );
}
