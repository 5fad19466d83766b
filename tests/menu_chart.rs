//! Issue 19, "images off": the `menu_chart` setting (`auto`, `image`, `text`,
//! `off`, env `POOLWATCH_MENU_CHART`) on the real binary against the mock.
//! The form is baked into the menu form, so a changed setting must make a new
//! form (without fetching) and a cache hit must show the chosen form.

mod common;
mod support;

use common::real_now;
use common::{PluginLine, Sandbox};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

use support::{FIVE_HOURS_S as FIVE_HOURS, WEEK_S as WEEK};

fn usage(five_used: f64) -> UsageBehaviour {
    UsageBehaviour::Ok {
        primary_used: five_used,
        primary_window_s: FIVE_HOURS,
        primary_reset_after: 3 * 3600,
        secondary: Some((20.0, WEEK, 259_200)),
    }
}

/// A pool with two refreshes an hour apart (a day chart per window), and
/// the settings file without `menu_chart`.
fn charted_pool() -> (MockServer, Sandbox, String, i64) {
    let accounts = vec![
        MockAccount::new("alice@example.com", "plus").with_behaviour(usage(30.0)),
        MockAccount::new("bob@example.com", "pro").with_behaviour(usage(50.0)),
    ];
    let server = MockServer::start(MockConfig::with_accounts(accounts));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
    let t0 = real_now();
    let first = at(&sandbox, t0, &["refresh", "--all"], &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    server.set_config(|c| c.accounts[1].behaviour = usage(60.0));
    let t1 = t0 + 3600;
    let second = at(&sandbox, t1, &["refresh", "--all"], &[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    (server, sandbox, config, t1)
}

fn at(sandbox: &Sandbox, now: i64, args: &[&str], env: &[(&str, &str)]) -> common::Run {
    let now = now.to_string();
    let mut all = vec![("POOLWATCH_TEST_NOW", now.as_str())];
    all.extend_from_slice(env);
    sandbox.run_env(args, &all)
}

fn form_path(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.cache_dir().join("default").join("menu.json")
}

fn history_path(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.cache_dir().join("default").join("history.json")
}

/// The chart lines of a menu: the day line per window (`5h · 24 h  low 41%` with
/// an image, or `5h   ▂▃▅…  low 41%`).
fn chart_lines(stdout: &str) -> Vec<PluginLine> {
    common::parse_plugin_output(stdout)
        .into_iter()
        .filter(|l| {
            l.depth == 0
                && (l.title.starts_with("5h ") || l.title.starts_with("Week "))
                && l.title.contains("  low ")
        })
        .collect()
}

/// Runs the menu twice in `dialect` (the first run may make the form, the
/// second must be a cache hit: history.json is garbage by then and stays
/// unread) and returns the hit's output, which must equal the first.
fn menu_twice(sandbox: &Sandbox, now: i64, dialect: &str, env: &[(&str, &str)]) -> String {
    let mut all = vec![("SWIFTBAR", if dialect == "swiftbar" { "1" } else { "0" })];
    all.extend_from_slice(env);
    let args = ["plugin", "--dialect", dialect];
    let history = std::fs::read(history_path(sandbox)).unwrap();
    let first = at(sandbox, now, &args, &all);
    assert_eq!(first.code, 0);
    std::fs::write(history_path(sandbox), b"not json").unwrap();
    let hit = at(sandbox, now, &args, &all);
    assert!(
        !history_path(sandbox)
            .with_extension("corrupt.json")
            .exists(),
        "the second run read history.json: not a cache hit"
    );
    std::fs::write(history_path(sandbox), history).unwrap();
    assert_eq!(
        first.stdout, hit.stdout,
        "the hit shows what the full path showed"
    );
    hit.stdout
}

fn stamp(sandbox: &Sandbox) -> String {
    let form = common::menu_form_document(&std::fs::read(form_path(sandbox)).unwrap());
    form["stamp"].as_str().unwrap().to_string()
}

fn assert_png_lines(lines: &[PluginLine], sized: bool, menu: &str) {
    assert_eq!(lines.len(), 2, "a chart per window:\n{menu}");
    for line in lines {
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD
            .decode(line.param("image").expect("image="))
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        if sized {
            assert_eq!(line.param("width"), Some("168"));
            assert_eq!(line.param("height"), Some("24"));
        } else {
            assert_eq!(line.param("width"), None, "xbar knows no width=");
            assert_eq!(line.param("height"), None);
        }
    }
}

fn assert_text_lines(lines: &[PluginLine], menu: &str) {
    assert_eq!(lines.len(), 2, "a sparkline per window:\n{menu}");
    assert!(lines.iter().all(|l| l.param("image").is_none()), "{menu}");
    assert!(!menu.contains(" image="), "no image anywhere:\n{menu}");
}

#[test]
fn every_menu_chart_form_in_both_dialects_from_a_cache_hit() {
    let (server, sandbox, config, t1) = charted_pool();
    let calls = server.stats().api_call_requests;

    // auto (the default): a sized PNG under SwiftBar, a sparkline in xbar.
    let menu = menu_twice(&sandbox, t1, "swiftbar", &[]);
    assert_png_lines(&chart_lines(&menu), true, &menu);
    let menu = menu_twice(&sandbox, t1, "xbar", &[]);
    assert_text_lines(&chart_lines(&menu), &menu);
    let auto_stamp = stamp(&sandbox);

    // text: the sparkline in SwiftBar too; the setting makes a new form.
    sandbox.write_config(&format!("menu_chart = \"text\"\n{config}"));
    let menu = menu_twice(&sandbox, t1, "swiftbar", &[]);
    assert_text_lines(&chart_lines(&menu), &menu);
    assert_ne!(
        stamp(&sandbox),
        auto_stamp,
        "a changed setting invalidates the form"
    );
    // (The form's clock rows are binary records: search its bytes.)
    let form = std::fs::read(form_path(&sandbox)).unwrap();
    assert!(
        !form.windows(5).any(|w| w == b"iVBOR"),
        "the text form stores no PNG"
    );
    assert!(
        menu.contains("Wasted last 7 days") || menu.contains("Use first"),
        "{menu}"
    );

    // image: the PNG in xbar too, without SwiftBar's size parameters.
    sandbox.write_config(&format!("menu_chart = \"image\"\n{config}"));
    let menu = menu_twice(&sandbox, t1, "xbar", &[]);
    assert_png_lines(&chart_lines(&menu), false, &menu);
    let menu = menu_twice(&sandbox, t1, "swiftbar", &[]);
    assert_png_lines(&chart_lines(&menu), true, &menu);

    // off: no chart in either dialect; the rest of the pool over time stays.
    sandbox.write_config(&format!("menu_chart = \"off\"\n{config}"));
    for dialect in ["swiftbar", "xbar"] {
        let menu = menu_twice(&sandbox, t1, dialect, &[]);
        assert!(chart_lines(&menu).is_empty(), "{menu}");
        assert!(!menu.contains(" image="), "{menu}");
        assert!(menu.contains("Use first"), "{menu}");
    }

    // The environment wins over the file (here: text over off).
    let menu = menu_twice(
        &sandbox,
        t1,
        "swiftbar",
        &[("POOLWATCH_MENU_CHART", "text")],
    );
    assert_text_lines(&chart_lines(&menu), &menu);

    assert_eq!(
        server.stats().api_call_requests,
        calls,
        "changing the chart form never fetches"
    );
}

#[test]
fn the_setting_is_shown_templated_and_checked() {
    let (_server, sandbox, config, t1) = charted_pool();
    let show = at(&sandbox, t1, &["config", "show"], &[]);
    assert!(
        show.stdout
            .lines()
            .any(|l| l.contains("menu_chart") && l.contains("\"auto\"")),
        "{}",
        show.stdout
    );
    sandbox.write_config(&format!("menu_chart = \"pictures\"\n{config}"));
    let bad = at(&sandbox, t1, &["config", "show"], &[]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("menu_chart"), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("auto, image, text, off"),
        "{}",
        bad.stderr
    );
    let set = at(&sandbox, t1, &["config", "set", "menu_chart", "Off"], &[]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    let text = std::fs::read_to_string(sandbox.config_path()).unwrap();
    assert!(text.contains("menu_chart = \"off\""), "{text}");
    let home = sandbox.home().join("fresh.toml");
    let init = sandbox.run(&["--config", home.to_str().unwrap(), "config", "init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let template = std::fs::read_to_string(&home).unwrap();
    assert!(template.contains("# menu_chart = \"auto\""), "{template}");
}
