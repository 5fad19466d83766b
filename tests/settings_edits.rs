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
