//! Traditional Chinese from the build-time table (issue 17.7): a zh-Hant run
//! speaks Traditional Chinese and never rewrites user data, such as an account
//! label written in Simplified characters, even inside a translated sentence.

mod common;

use common::Sandbox;

const LABEL: &str = "简体标签设置";

fn labelled_demo() -> Sandbox {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    sandbox.write_config(&format!("[labels]\n\"dan@studio.dev\" = \"{LABEL}\"\n"));
    sandbox
}

#[test]
fn a_simplified_label_is_shown_unchanged_in_a_zh_hant_run() {
    let sandbox = labelled_demo();
    let status = sandbox.run_env(&["--demo", "status"], &[("POOLWATCH_LANGUAGE", "zh-Hant")]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    let out = &status.stdout;
    // The table row and the "use first" sentence (a translated message with
    // the label as a value) both show it as written.
    assert!(out.matches(LABEL).count() >= 2, "{out}");
    assert!(
        !out.contains("簡體標籤設定"),
        "the label was converted:\n{out}"
    );
    // The interface around it is Traditional.
    assert!(out.contains("優先使用"), "{out}");
    assert!(out.contains("帳號"), "{out}");
    assert!(!out.contains("账号") && !out.contains("优先"), "{out}");
    // The menu too.
    let menu = sandbox.run_env(&["--demo", "plugin"], &[("POOLWATCH_LANGUAGE", "zh-Hant")]);
    assert!(menu.stdout.contains(LABEL), "{}", menu.stdout);
    assert!(menu.stdout.contains("立即重新整理"), "{}", menu.stdout);
    assert!(!menu.stdout.contains("簡體標籤設定"), "{}", menu.stdout);
}

#[test]
fn durations_are_traditional_in_a_zh_hant_run() {
    let sandbox = labelled_demo();
    let status = sandbox.run_env(&["--demo", "status"], &[("LANG", "zh_TW.UTF-8")]);
    assert!(status.stdout.contains("小時"), "{}", status.stdout);
    assert!(status.stdout.contains("分鐘"), "{}", status.stdout);
    assert!(!status.stdout.contains("小时"), "{}", status.stdout);
}
