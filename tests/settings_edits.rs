//! Settings robustness (issue 16 item 15, issue 17 items 14, 15, 17, 18):
//! concurrent edits never lose an update, the template keeps top-level keys
//! before tables, and small config gaps say what happened.

mod common;

use common::Sandbox;

fn sandbox() -> Sandbox {
    let sandbox = Sandbox::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/backend-api/wham/usage",
        None,
    );
    sandbox.write_config("pool_url = \"http://127.0.0.1:9\"\n");
    sandbox
}

#[test]
fn twenty_simultaneous_hide_key_runs_keep_all_twenty() {
    let sandbox = sandbox();
    let fingerprints: Vec<String> = (0..20)
        .map(|i| format!("{:08x}", 0xa000_0000u32 + i))
        .collect();
    let children: Vec<_> = fingerprints
        .iter()
        .map(|fp| {
            sandbox
                .command(&["config", "hide-key", fp])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(sandbox.config_path()).unwrap();
    for fp in &fingerprints {
        assert!(text.contains(fp.as_str()), "{fp} lost:\n{text}");
    }
}

#[test]
fn show_key_of_a_key_never_hidden_says_so() {
    let sandbox = sandbox();
    let run = sandbox.run(&["config", "show-key", "0123abcd"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("was not hidden"), "{}", run.stdout);
}

#[test]
fn config_naming_a_missing_file_says_so() {
    let sandbox = sandbox();
    let missing = sandbox.dir.path().join("typo.toml");
    let run = sandbox.run(&["--config", missing.to_str().unwrap(), "status"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("no such file"), "{}", run.stderr);
    assert!(!run.stderr.contains("no pool URL"), "{}", run.stderr);
}

#[test]
fn config_set_refuses_what_does_not_belong_in_the_file_with_the_fix() {
    let sandbox = sandbox();
    let before = std::fs::read_to_string(sandbox.config_path()).unwrap();
    let run = sandbox.run(&["config", "set", "management_key", "s3cr3t-value"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("never stored in the settings file"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("POOLWATCH_MANAGEMENT_KEY"),
        "{}",
        run.stderr
    );
    let run = sandbox.run(&[
        "config",
        "set",
        "profiles.work.pool_url",
        "http://127.0.0.1:1",
    ]);
    assert!(
        run.stderr.contains("--profile work config set pool_url"),
        "{}",
        run.stderr
    );
    let run = sandbox.run(&["config", "set", "weights.plus", "0"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("at least 0.1"), "{}", run.stderr);
    let run = sandbox.run(&["config", "set", "concurrency", "0"]);
    assert!(
        run.stderr.contains("cannot set concurrency"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("config.toml"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(sandbox.config_path()).unwrap(),
        before
    );
}

#[cfg(not(target_os = "macos"))]
#[test]
fn config_edit_without_an_editor_fails_with_a_hint() {
    let sandbox = sandbox();
    let run = sandbox.run(&["config", "edit"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("$VISUAL or $EDITOR"), "{}", run.stderr);
}

#[test]
fn the_template_keeps_top_level_keys_before_tables() {
    let sandbox = sandbox();
    std::fs::remove_file(sandbox.config_path()).unwrap();
    let run = sandbox.run(&["config", "init", "--pool-url", "http://127.0.0.1:9"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(sandbox.config_path()).unwrap();
    let first_table = text.find("# [").expect("a commented table");
    for key in ["# language =", "# hidden_keys =", "# key_file ="] {
        let at = text
            .find(key)
            .unwrap_or_else(|| panic!("{key} in the template"));
        assert!(at < first_table, "{key} after a table:\n{text}");
    }
    // Set a table value, then uncomment language: it stays top level.
    for (key, value) in [("weights.pro", "18"), ("labels.x", "Alice")] {
        assert_eq!(sandbox.run(&["config", "set", key, value]).code, 0);
    }
    let text = std::fs::read_to_string(sandbox.config_path()).unwrap();
    sandbox.write_config(&text.replace("# language = \"auto\"", "language = \"en\""));
    let show = sandbox.run(&["config", "show"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let line = show
        .stdout
        .lines()
        .find(|l| l.starts_with("language"))
        .unwrap();
    assert!(line.contains("\"en\"") && line.contains("file"), "{line}");
    assert!(!show.stdout.contains("\"language\""), "{}", show.stdout);
}
