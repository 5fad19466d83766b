//! The Chinese interface: golden menus and status of the demo pool in
//! zh-Hans (and the same in English, so a change in either shows), and the
//! binary choosing its language from the setting, `POOLWATCH_LANGUAGE` and
//! the locale environment.

mod common;
mod support;

use common::{assert_valid_menu, Sandbox};
use poolwatch::config::Settings;
use poolwatch::i18n::{self, Lang};
use poolwatch::model::Epoch;
use poolwatch::quota::PoolReport;
use poolwatch::render::menu::render_menu;
use poolwatch::render::text::render_status;
use poolwatch::render::{Dialect, FetchStatus, MenuContext};
use poolwatch::session;

const NOW: Epoch = 1_785_900_000;

fn demo_report() -> PoolReport {
    let settings = Settings::default();
    let state = poolwatch::demo::pool(&session::selection_of(&settings), NOW - 60);
    session::report_of_state(&state, &settings, NOW)
}

fn ctx(status: FetchStatus) -> MenuContext {
    common::menu_context(status, NOW)
}

fn scenarios() -> Vec<(&'static str, Option<PoolReport>, MenuContext)> {
    vec![
        ("fresh", Some(demo_report()), ctx(FetchStatus::Fresh)),
        (
            "stale",
            Some(demo_report()),
            ctx(FetchStatus::Stale {
                error: "Pool unreachable: connection refused".to_string(),
            }),
        ),
        ("refreshing_no_data", None, ctx(FetchStatus::Refreshing)),
        (
            "auth_latched",
            None,
            ctx(FetchStatus::AuthLatched {
                message: "the pool rejected the management key".to_string(),
            }),
        ),
    ]
}

#[test]
fn golden_menus_and_status_in_both_languages() {
    for lang in Lang::ALL {
        i18n::with(lang, || {
            for (name, report, ctx) in scenarios() {
                let code = lang.code();
                let menu = render_menu(report.as_ref(), &ctx, Dialect::SwiftBar);
                insta::assert_snapshot!(format!("menu_{code}_{name}"), menu);
                let xbar = render_menu(report.as_ref(), &ctx, Dialect::Xbar);
                insta::assert_snapshot!(format!("menu_xbar_{code}_{name}"), xbar);
                let status = render_status(report.as_ref(), &ctx, false);
                insta::assert_snapshot!(format!("status_{code}_{name}"), status);
            }
        });
    }
}

#[test]
fn the_chinese_menu_is_chinese() {
    let report = demo_report();
    let menu = i18n::with(Lang::ZhHans, || {
        render_menu(Some(&report), &ctx(FetchStatus::Fresh), Dialect::SwiftBar)
    });
    for phrase in [
        "立即刷新",
        "打开设置",
        "API 密钥(3)",
        "隐藏此密钥",
        "上次更新 3分钟前",
    ] {
        assert!(menu.contains(phrase), "{phrase} missing:\n{menu}");
    }
    for english in [
        "Refresh now",
        "Open settings",
        "Hide this key",
        "Last updated",
    ] {
        assert!(!menu.contains(english), "{english} left in:\n{menu}");
    }
}

// ----- the binary picks its language -----

fn demo_sandbox() -> Sandbox {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    sandbox.write_config("");
    sandbox
}

fn menu_with(sandbox: &Sandbox, env: &[(&str, &str)]) -> String {
    let demo = sandbox.key.is_none();
    let args: &[&str] = if demo {
        &["--demo", "plugin"]
    } else {
        &["plugin"]
    };
    let run = sandbox.run_env(args, env);
    assert_valid_menu(&run, "demo");
    run.stdout
}

#[test]
fn language_setting_env_and_locale() {
    let sandbox = demo_sandbox();
    assert!(menu_with(&sandbox, &[]).contains("Refresh now"));
    assert!(menu_with(&sandbox, &[("POOLWATCH_LANGUAGE", "zh-Hans")]).contains("立即刷新"));
    assert!(menu_with(&sandbox, &[("LANG", "zh_CN.UTF-8")]).contains("立即刷新"));
    assert!(menu_with(
        &sandbox,
        &[("LC_ALL", "en_US.UTF-8"), ("LANG", "zh_CN.UTF-8")]
    )
    .contains("Refresh now"));
    sandbox.write_config("language = \"en\"\n");
    assert!(menu_with(&sandbox, &[("LANG", "zh_CN.UTF-8")]).contains("Refresh now"));
    sandbox.write_config("language = \"zh-Hans\"\n");
    assert!(menu_with(&sandbox, &[]).contains("立即刷新"));
    assert!(menu_with(&sandbox, &[("POOLWATCH_LANGUAGE", "en")]).contains("Refresh now"));
    // A bad value is a settings error, told in the menu (in the language LANG asks for).
    sandbox.write_config("language = \"klingon\"\n");
    let menu = menu_with(&sandbox, &[]);
    assert!(menu.contains("zh-Hans"), "{menu}");
}

#[test]
fn the_snapshot_tells_the_widget_the_language() {
    let sandbox = demo_sandbox();
    for (env, want) in [("zh-Hans", "zh-Hans"), ("en", "en")] {
        let run = sandbox.run_env(&["--demo", "snapshot"], &[("POOLWATCH_LANGUAGE", env)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let snapshot = run.json();
        assert_eq!(snapshot["language"], want);
    }
}

#[test]
fn commands_speak_chinese_too() {
    let sandbox = demo_sandbox();
    let zh = [("POOLWATCH_LANGUAGE", "zh-Hans")];
    let run = sandbox.run_env(&["--demo", "test-fetch"], &zh);
    assert!(run.stdout.contains("演示模式"), "{}", run.stdout);
    let run = sandbox.run_env(&["config", "hide-key", "nope"], &zh);
    assert!(run.stderr.contains("不是密钥指纹"), "{}", run.stderr);
    let run = sandbox.run_env(&["--demo", "config", "set", "sort", "week"], &zh);
    assert!(run.stderr.contains("从不写入"), "{}", run.stderr);
    std::fs::remove_file(sandbox.config_path()).unwrap();
    let run = sandbox.run_env(&["config", "init"], &zh);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("已写入"), "{}", run.stdout);
    sandbox.write_config("ttl_secnds = 3\n");
    let run = sandbox.run_env(&["status"], &zh);
    assert!(
        run.stderr.contains("配置错误") && run.stderr.contains("是不是“ttl_seconds”"),
        "{}",
        run.stderr
    );
    sandbox.write_config("");
    let status = sandbox.run_env(&["--demo", "status"], &[("LANG", "zh_CN.UTF-8")]);
    assert!(
        status.stdout.contains("账号") && status.stdout.contains("API 密钥"),
        "{}",
        status.stdout
    );
}

#[test]
fn cached_menus_follow_the_language_of_each_run() {
    use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "a@example.com",
        "plus",
    )
    .with_behaviour(UsageBehaviour::ok(40.0, 50.0))]));
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let zh = [("POOLWATCH_LANGUAGE", "zh-Hans")];
    let first = sandbox.run_env(&["refresh"], &zh);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.contains("已刷新"), "{}", first.stdout);
    // Served from the cache (and its precomputed menu form), in either language.
    for _ in 0..2 {
        let menu = menu_with(&sandbox, &zh);
        assert!(menu.contains("立即刷新") && menu.contains("剩余"), "{menu}");
        let menu = menu_with(&sandbox, &[]);
        assert!(
            menu.contains("Refresh now") && menu.contains("left"),
            "{menu}"
        );
    }
    let calls = server.stats().auth_files_requests;
    assert_eq!(calls, 1, "the menus were cache hits");
}

#[test]
fn chinese_status_fits_the_terminal_by_display_width() {
    use poolwatch::render::width::display_width;
    let sandbox = demo_sandbox();
    for width in [60usize, 80, 100] {
        let columns = width.to_string();
        let run = sandbox.run_env(
            &["--demo", "status"],
            &[("POOLWATCH_LANGUAGE", "zh-Hans"), ("COLUMNS", &columns)],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains("账号"), "{}", run.stdout);
        for line in run.stdout.lines() {
            assert!(
                display_width(line) <= width,
                "{width}: {line} ({} columns)",
                display_width(line)
            );
        }
    }
}
