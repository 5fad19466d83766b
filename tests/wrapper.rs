//! The plugin wrapper's cost (issue 10 item 4): the installed wrapper execs
//! the binary with shell builtins only, no fork or subshell before the exec.

mod common;

use std::process::Command;

use common::Sandbox;

fn installed_wrapper(sandbox: &Sandbox) -> std::path::PathBuf {
    let dir = sandbox.dir.path().join("plugins");
    std::fs::create_dir_all(&dir).unwrap();
    let run = sandbox.run(&["install-plugin", "--dir", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    dir.join("poolwatch.1m.sh")
}

/// `strace -f` of the wrapper run by `shell`: the process events before the
/// poolwatch binary is exec'd.
fn events_before_exec(
    sandbox: &Sandbox,
    shell: &str,
    script: &std::path::Path,
) -> Option<Vec<String>> {
    let probe = Command::new("strace")
        .args(["-o", "/dev/null", "true"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("strace unavailable: skipped");
        return None;
    }
    let log = sandbox.dir.path().join("strace.log");
    let status = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=clone,clone3,fork,vfork,execve",
            "-o",
        ])
        .arg(&log)
        .arg(shell)
        .arg(script)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", sandbox.home())
        .env("POOLWATCH_DEMO", "1")
        .env("POOLWATCH_CONFIG", sandbox.config_path())
        .env("SWIFTBAR", "1")
        .output()
        .unwrap();
    assert!(status.status.success());
    assert!(String::from_utf8_lossy(&status.stdout).contains("weekKILL"));
    let text = std::fs::read_to_string(&log).unwrap();
    let binary = env!("CARGO_BIN_EXE_poolwatch");
    let mut before = Vec::new();
    for line in text.lines() {
        if line.contains("execve(") && line.contains(binary) {
            return Some(before);
        }
        before.push(line.to_string());
    }
    panic!("poolwatch was never exec'd:\n{text}");
}

#[test]
fn the_installed_wrapper_execs_the_binary_without_forking() {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    let script = installed_wrapper(&sandbox);
    for shell in ["sh", "bash"] {
        let Some(events) = events_before_exec(&sandbox, shell, &script) else {
            return;
        };
        let forks: Vec<&String> = events.iter().filter(|l| !l.contains("execve(")).collect();
        assert!(
            forks.is_empty(),
            "{shell}: forks before the exec: {forks:?}"
        );
        // One exec of the shell, then poolwatch's.
        assert_eq!(events.len(), 1, "{shell}: {events:?}");
    }
}

#[test]
fn the_wrapper_finds_the_binary_on_the_path_and_passes_the_profile() {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    let bin_dir = sandbox.dir.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_poolwatch"), bin_dir.join("poolwatch")).unwrap();
    sandbox.write_config("pool_url = \"\"\n[profiles.work]\npool_url = \"http://127.0.0.1:9\"\n");
    let script =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plugin/poolwatch.1m.sh");
    for shell in ["sh", "bash"] {
        let output = Command::new(shell)
            .arg(&script)
            .env_clear()
            .env("PATH", format!("/usr/bin:{}:/bin", bin_dir.display()))
            .env("HOME", sandbox.home())
            .env("POOLWATCH_CONFIG", sandbox.config_path())
            .env("POOLWATCH_CACHE_DIR", sandbox.cache_dir())
            .env("VAR_PROFILE", "work")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("Profile: work"), "{shell}: {stdout}");
    }
}
