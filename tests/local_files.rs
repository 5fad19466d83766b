//! Local faults (issue 16 item 7): a FIFO or a symlink to /dev/zero at any
//! file poolwatch reads never hangs a run nor eats memory; a cache folder
//! open to others is refused with the fix.
#![cfg(unix)]

mod common;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Run, Sandbox};
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour};

fn server() -> MockServer {
    MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "alpha@example.com",
        "plus",
    )
    .with_behaviour(UsageBehaviour::ok(40.0, 50.0))]))
}

fn mkfifo(path: &Path) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let _ = std::fs::remove_file(path);
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn link_to_zero(path: &Path) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let _ = std::fs::remove_file(path);
    std::os::unix::fs::symlink("/dev/zero", path).unwrap();
}

/// Run with a hard limit: a hang fails the test instead of the suite.
fn run_bounded(sandbox: &Sandbox, args: &[&str], what: &str) -> Run {
    let mut child = sandbox
        .command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return Run::from(child.wait_with_output().unwrap());
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: poolwatch {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_fifo_or_dev_zero_at_the_settings_file_is_refused_at_once() {
    let server = server();
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(support::DEFAULT_MANAGEMENT_KEY),
    );
    for plant in [mkfifo as fn(&Path), link_to_zero] {
        plant(&sandbox.config_path());
        for args in [&["status"][..], &["plugin"][..]] {
            let run = run_bounded(&sandbox, args, "settings");
            let text = format!("{}{}", run.stdout, run.stderr);
            assert!(text.contains("not a regular file"), "{args:?}: {text}");
        }
    }
}

#[test]
fn a_fifo_or_dev_zero_at_cache_menu_form_or_snapshot_never_hangs() {
    let server = server();
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(support::DEFAULT_MANAGEMENT_KEY),
    );
    let menu_form = sandbox.cache_dir().join("default").join("menu.json");
    let targets = [
        sandbox.cache_file("default"),
        menu_form,
        sandbox.snapshot_path(),
    ];
    for target in &targets {
        for plant in [mkfifo as fn(&Path), link_to_zero] {
            plant(target);
            let what = target.display().to_string();
            run_bounded(&sandbox, &["plugin"], &what);
            run_bounded(&sandbox, &["status"], &what);
            run_bounded(&sandbox, &["refresh"], &what);
            // Writers replace the planted file with a real one, or the read
            // path refuses it: either way a later run is bounded and fine.
            let _ = std::fs::remove_file(target);
        }
    }
    let run = run_bounded(&sandbox, &["status"], "after");
    assert!(run.stdout.contains("alpha@example.com"), "{}", run.stdout);
}

#[test]
fn a_lock_file_symlink_is_not_followed() {
    let server = server();
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(support::DEFAULT_MANAGEMENT_KEY),
    );
    let lock = sandbox.cache_dir().join("default").join("cache.lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    let victim = sandbox.dir.path().join("victim");
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    run_bounded(&sandbox, &["status"], "lock");
    assert!(!victim.exists(), "the lock symlink was followed");
}

#[test]
fn a_cache_folder_open_to_others_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let server = server();
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(support::DEFAULT_MANAGEMENT_KEY),
    );
    std::fs::create_dir_all(sandbox.cache_dir()).unwrap();
    std::fs::set_permissions(sandbox.cache_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let tmp = sandbox.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let run = sandbox.run_env(
        &["status"],
        &[("TMPDIR", tmp.to_str().unwrap()), ("USER", "tester")],
    );
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("chmod 700"), "{text}");
    assert!(
        !sandbox.cache_file("default").exists(),
        "the open folder was used"
    );
}
