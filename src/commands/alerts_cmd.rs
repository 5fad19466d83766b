//! `poolwatch alerts`: the recent alerts and the conditions that hold now.

use serde::Serialize;

use super::{obtain, Globals};
use crate::alerts::{Alert, AlertState};
use crate::cli::AlertsArgs;
use crate::exit_codes;
use crate::render::duration;
use crate::render::sanitize::terminal_text;
use crate::session::Trigger;

#[derive(Serialize)]
struct AlertsDocument<'a> {
    profile: &'a str,
    active: &'a AlertState,
    recent: &'a [Alert],
    /// Failed `[[hooks]]` deliveries, newest last (issue 20).
    hook_failures: &'a [crate::alerts::delivery::DeliveryFailure],
}

/// Run the command. Alerts are evaluated by fetches, so this refreshes an
/// out-of-date cache first, like `status`.
pub fn run(globals: &Globals, args: &AlertsArgs) -> i32 {
    let settings = match globals.settings_or_exit() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let trigger = if globals.demo {
        Trigger::Offline
    } else {
        Trigger::Automatic
    };
    let view = obtain(globals, &settings, trigger);
    let log = view
        .outcome
        .cache
        .as_ref()
        .map(|c| c.alerts.clone())
        .unwrap_or_default();
    let hook_failures = crate::session::Session::cache_dir(&settings, globals.env)
        .map(|dir| {
            crate::store::hook_failures::load(&crate::store::hook_failures::path_beside(
                &crate::store::cache::CachePaths::in_dir(&dir, &settings.profile).data,
            ))
        })
        .unwrap_or_default();
    if args.json {
        let doc = AlertsDocument {
            profile: &settings.profile,
            active: &log.state,
            recent: &log.recent,
            hook_failures: &hook_failures,
        };
        match serde_json::to_string_pretty(&doc) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("poolwatch: {e}");
                return exit_codes::FAILURE;
            }
        }
        return exit_codes::OK;
    }
    let state = &log.state;
    let mut active = Vec::new();
    if state.auth_failed {
        active.push(crate::tr!("alerts.now_auth"));
    }
    if state.pool_5h_low {
        active.push(crate::tr!("alerts.now_5h_low"));
    }
    if state.pool_week_low {
        active.push(crate::tr!("alerts.now_week_low"));
    }
    if !state.runs_out.is_empty() {
        active.push(crate::tr!("alerts.now_runs_out"));
    }
    if !state.killed.is_empty() {
        active.push(match state.killed.len() {
            1 => crate::tr!("alerts.now_killed_one"),
            n => crate::tr!("alerts.now_killed", n = n),
        });
    }
    if !state.erroring.is_empty() {
        active.push(match state.erroring.len() {
            1 => crate::tr!("alerts.now_failing_one"),
            n => crate::tr!("alerts.now_failing", n = n),
        });
    }
    if active.is_empty() {
        println!("{}", crate::tr!("alerts.now_nothing"));
    } else {
        println!("{}", crate::tr!("alerts.now", list = active.join(" · ")));
    }
    if log.recent.is_empty() {
        println!("{}", crate::tr!("alerts.none_yet"));
    }
    for alert in log.recent.iter().rev() {
        println!(
            "{:>10}  {}: {}",
            duration::ago(view.now - alert.at),
            terminal_text(&alert.title, 80),
            terminal_text(&alert.body, 120)
        );
    }
    if !hook_failures.is_empty() {
        println!(
            "{}",
            crate::tr!("alerts.hook_failures", n = hook_failures.len())
        );
    }
    for failure in hook_failures.iter().rev() {
        println!(
            "{:>10}  {} ({}): {}",
            duration::ago(view.now - failure.at),
            terminal_text(&failure.hook, 40),
            failure.event,
            terminal_text(&failure.error, 160)
        );
    }
    exit_codes::OK
}
