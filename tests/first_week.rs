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
    first.split('|').next().unwrap_or_default().trim().to_string()
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
    let compact = sandbox.run_env(&["--demo", "plugin"], &[("POOLWATCH_TITLE_FORMAT", "compact")]);
    assert_eq!(title(&compact), "⚡ 64·58");
    let set = sandbox.run(&["config", "set", "title_format", "5h"]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert_eq!(title(&sandbox.run(&["--demo", "plugin"])), "⚡ 5h 64%");
    let bad = sandbox.run(&["config", "set", "title_format", "plus"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("share, 5h, week, compact"), "{}", bad.stderr);
    let show = sandbox.run(&["config", "show"]);
    assert!(show.stdout.contains("title_format = \"5h\""), "{}", show.stdout);
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
    assert!(lines.len() >= 8, "sort, refresh, settings, hide-key: {}", run.stdout);
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
        refreshes.iter().any(|a| a.contains(&"--profile=work".to_string())),
        "{refreshes:?}\n{}",
        run.stdout
    );
    assert!(
        refreshes.iter().any(|a| a.contains(&"--profile=default".to_string())),
        "{refreshes:?}"
    );
}
