//! Several pools with different keys (issue 17 item 11): a profile's own
//! variable `POOLWATCH_MANAGEMENT_KEY_<PROFILE>` or its `key_file`.

mod common;
mod support;

use common::Sandbox;
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour};

fn pool(key: &str, email: &str) -> MockServer {
    MockServer::start(MockConfig {
        management_key: Some(key.to_string()),
        ..MockConfig::with_accounts(vec![
            MockAccount::new(email, "plus").with_behaviour(UsageBehaviour::ok(40.0, 50.0))
        ])
    })
}

fn two_pools(sandbox: &Sandbox, a: &MockServer, b: &MockServer, work_extra: &str) {
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\ntimeout_seconds = 3\ndeadline_seconds = 8\n\n[profiles.work]\npool_url = \"{}\"\nusage_url = \"{}\"\n{work_extra}",
        a.url(),
        a.usage_url(),
        b.url(),
        b.usage_url()
    ));
}

#[test]
fn metrics_all_profiles_covers_two_pools_with_two_keys() {
    let a = pool("key-of-pool-a-1234", "alpha@a.example");
    let b = pool("key-of-pool-b-5678", "bravo@b.example");
    // The work pool's key from its own variable.
    let mut sandbox = Sandbox::new(&a.url(), &a.usage_url(), Some("key-of-pool-a-1234"));
    sandbox.extra_env.push((
        "POOLWATCH_MANAGEMENT_KEY_WORK".into(),
        "key-of-pool-b-5678".into(),
    ));
    two_pools(&sandbox, &a, &b, "");
    let run = sandbox.run(&["metrics", "--all-profiles"]);
    assert!(
        run.stdout.contains("alpha@a.example"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.contains("bravo@b.example"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(
        a.stats().failed_auth_attempts + b.stats().failed_auth_attempts,
        0
    );

    // The work pool's key from a 0600 key_file.
    let sandbox = Sandbox::new(&a.url(), &a.usage_url(), Some("key-of-pool-a-1234"));
    let key_file = sandbox.dir.path().join("work.key");
    std::fs::write(&key_file, "key-of-pool-b-5678\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    two_pools(
        &sandbox,
        &a,
        &b,
        &format!("key_file = \"{}\"\n", key_file.display()),
    );
    let run = sandbox.run(&["metrics", "--all-profiles"]);
    assert!(
        run.stdout.contains("bravo@b.example"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(
        a.stats().failed_auth_attempts + b.stats().failed_auth_attempts,
        0
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let a = pool("key-of-pool-a-1234", "alpha@a.example");
    let sandbox = Sandbox::new(&a.url(), &a.usage_url(), None);
    let key_file = sandbox.dir.path().join("a.key");
    std::fs::write(&key_file, "key-of-pool-a-1234\n").unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nkey_file = \"{}\"\n",
        a.url(),
        key_file.display()
    ));
    let run = sandbox.run(&["status"]);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("chmod 600"), "{text}");
    assert!(!text.contains("key-of-pool-a-1234"), "{text}");
    assert_eq!(a.stats().total_requests, 0, "the key was sent");
}

#[test]
fn a_key_with_a_newline_or_an_empty_variable_is_reported_as_such() {
    let a = pool("key-of-pool-a-1234", "alpha@a.example");
    let sandbox = Sandbox::new(&a.url(), &a.usage_url(), Some("key-of\npool-a"));
    let run = sandbox.run(&["status"]);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("newline"), "{text}");
    assert!(!text.contains("cannot reach"), "{text}");
    let sandbox = Sandbox::new(&a.url(), &a.usage_url(), Some(""));
    let run = sandbox.run(&["status"]);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("is set but empty"), "{text}");
    assert_eq!(a.stats().total_requests, 0);
}

#[test]
fn the_hint_names_the_profile_variable() {
    let a = pool("key-of-pool-a-1234", "alpha@a.example");
    let sandbox = Sandbox::new(&a.url(), &a.usage_url(), None);
    let run = sandbox.run(&["status"]);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("POOLWATCH_MANAGEMENT_KEY_DEFAULT"), "{text}");
}
