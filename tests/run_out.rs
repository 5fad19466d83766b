//! Issue 19.3 / 20: "will run out before reset" is one condition with one
//! source of truth (the pace that knows the reset, `status --json`'s
//! `pace.*.lasts_until_reset`), edge-triggered across runs: a hook, the
//! notification (`POOLWATCH_TEST_NOTIFY_LOG` records what a run delivers) and
//! the alert log get it once while it holds, again after it cleared and came
//! back. Real binary against
//! the mock; time moves through `POOLWATCH_TEST_NOW` (debug builds).

mod common;
mod support;

use common::real_now;
use common::Sandbox;
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

use support::{FIVE_HOURS_S as FIVE_HOURS, WEEK_S as WEEK};

fn five(used: f64) -> UsageBehaviour {
    UsageBehaviour::Ok {
        primary_used: used,
        primary_window_s: FIVE_HOURS,
        primary_reset_after: 4 * 3600,
        secondary: Some((10.0, WEEK, 259_200)),
    }
}

/// Runs at `now`; every notification the run delivers is appended to
/// `notifications.log` in the sandbox (`POOLWATCH_TEST_NOTIFY_LOG`, debug builds).
fn at(sandbox: &Sandbox, now: i64, args: &[&str]) -> common::Run {
    let now = now.to_string();
    let log = notification_log(sandbox);
    sandbox.run_env(
        args,
        &[
            ("POOLWATCH_TEST_NOW", now.as_str()),
            ("POOLWATCH_TEST_NOTIFY_LOG", log.to_str().unwrap()),
        ],
    )
}

fn notification_log(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.dir.path().join("notifications.log")
}

struct Pool {
    server: MockServer,
    sandbox: Sandbox,
    events: std::path::PathBuf,
    t0: i64,
}

impl Pool {
    /// Two accounts, nothing used yet; a command hook that appends every
    /// event it gets to `events.jsonl`; the alert on or off.
    fn new(alert_on: bool) -> Pool {
        let accounts = vec![
            MockAccount::new("alice@example.com", "plus").with_behaviour(five(0.0)),
            MockAccount::new("bob@example.com", "pro").with_behaviour(five(0.0)),
        ];
        let server = MockServer::start(MockConfig::with_accounts(accounts));
        let sandbox = Sandbox::new(
            &server.url(),
            &server.usage_url(),
            Some(DEFAULT_MANAGEMENT_KEY),
        );
        let events = sandbox.dir.path().join("events.jsonl");
        let hook = sandbox.dir.path().join("hook.sh");
        std::fs::write(
            &hook,
            format!("#!/bin/sh\ncat >> '{0}'\necho >> '{0}'\n", events.display()),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o700)).unwrap();
        let config = std::fs::read_to_string(sandbox.config_path()).unwrap();
        sandbox.write_config(&format!(
            "{config}[alerts]\nruns_out_before_reset = {alert_on}\n\n[[hooks]]\ncommand = \"{}\"\n",
            hook.display()
        ));
        let t0 = real_now();
        let pool = Pool {
            server,
            sandbox,
            events,
            t0,
        };
        pool.refresh(0, 0.0);
        pool
    }

    /// Bob has used `used` percent of his 5h window at `t0 + after`: refresh then.
    fn refresh(&self, after: i64, used: f64) {
        self.server
            .set_config(|c| c.accounts[1].behaviour = five(used));
        let run = at(&self.sandbox, self.t0 + after, &["refresh", "--all"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }

    /// `run_out_before_reset` events the hook got.
    fn hook_events(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.events)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|e| e["event"] == "run_out_before_reset")
            .collect()
    }

    /// `run_out_before_reset` notifications delivered so far.
    fn notified(&self) -> usize {
        std::fs::read_to_string(notification_log(&self.sandbox))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("run_out_before_reset\t"))
            .count()
    }

    /// `run_out_before_reset` entries of the alert log (`poolwatch alerts --json`).
    fn logged(&self, after: i64) -> usize {
        at(&self.sandbox, self.t0 + after, &["alerts", "--json"]).json()["recent"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "run_out_before_reset")
            .count()
    }

    /// `pace.five_hour.lasts_until_reset` of `status --json` at `t0 + after` (offline).
    fn lasts(&self, after: i64) -> bool {
        let status = at(
            &self.sandbox,
            self.t0 + after,
            &["status", "--json", "--offline"],
        )
        .json();
        status["pace"]["five_hour"]["lasts_until_reset"]
            .as_bool()
            .unwrap_or_else(|| panic!("no 5h pace: {}", status["pace"]))
    }
}

#[test]
fn one_run_out_condition_fires_once_while_it_holds_and_again_after_it_cleared() {
    let pool = Pool::new(true);
    assert!(pool.hook_events().is_empty(), "no pace after one refresh");

    // Bob burns half of a Pro in 10 minutes; the windows reset in about 4 h.
    pool.refresh(600, 50.0);
    assert!(!pool.lasts(600), "status says it runs out before the reset");
    let events = pool.hook_events();
    assert_eq!(events.len(), 1, "exactly one event, not one per mechanism");
    assert!(
        events[0]["title"]
            .as_str()
            .unwrap()
            .contains("runs out before its reset"),
        "{}",
        events[0]
    );
    assert_eq!(pool.notified(), 1, "notified once");
    assert_eq!(pool.logged(600), 1, "logged once");
    let state = at(&pool.sandbox, pool.t0 + 600, &["alerts"]);
    assert!(
        state
            .stdout
            .contains("at the current pace the pool runs out"),
        "{}",
        state.stdout
    );

    // Still burning at the next refreshes: nothing new.
    pool.refresh(900, 60.0);
    pool.refresh(3000, 60.0);
    assert!(!pool.lasts(3000));
    assert_eq!(pool.hook_events().len(), 1, "edge-triggered across runs");
    assert_eq!(pool.notified(), 1);
    assert_eq!(pool.logged(3000), 1);

    // An hour without use: it lasts until the reset now, the condition clears.
    pool.refresh(4600, 60.0);
    assert!(pool.lasts(4600), "status says it lasts");
    assert_eq!(pool.hook_events().len(), 1, "clearing fires nothing");
    let state = at(&pool.sandbox, pool.t0 + 4600, &["alerts"]);
    assert!(
        !state
            .stdout
            .contains("at the current pace the pool runs out"),
        "no longer a current condition:\n{}",
        state.stdout
    );

    // Burning again: it comes back, and fires again, once.
    pool.refresh(4900, 80.0);
    assert!(!pool.lasts(4900));
    assert_eq!(pool.hook_events().len(), 2, "re-armed after it cleared");
    assert_eq!(pool.notified(), 2);
    assert_eq!(pool.logged(4900), 2);
    pool.refresh(5200, 85.0);
    assert_eq!(pool.hook_events().len(), 2);
    assert_eq!(pool.notified(), 2);
    assert_eq!(pool.logged(5200), 2);
}

#[test]
fn with_the_alert_off_hooks_still_get_the_event_and_nothing_is_notified() {
    let pool = Pool::new(false);
    pool.refresh(600, 50.0);
    assert!(!pool.lasts(600));
    assert_eq!(pool.hook_events().len(), 1, "hooks choose their events");
    assert_eq!(pool.notified(), 0, "not notified");
    assert_eq!(pool.logged(600), 0, "not in the alert log");
    pool.refresh(900, 60.0);
    assert_eq!(pool.hook_events().len(), 1);
}
