//! `poolwatch watch`: refresh on a schedule and deliver alerts and events to `[[hooks]]`
//! without SwiftBar (a server's systemd unit: docs/hooks.md). Each round is an automatic run
//! through the Session, so a menu or `serve` on the same machine shares its fetches.

use std::time::Duration;

use super::{obtain, Globals};
use crate::cli::WatchArgs;
use crate::exit_codes;
use crate::session::Trigger;

/// `poolwatch watch`.
pub fn run(globals: &Globals, args: &WatchArgs) -> i32 {
    let profiles: Vec<Option<String>> = if args.all_profiles {
        match globals.profile_names() {
            Ok(names) => names.into_iter().map(Some).collect(),
            Err(e) => {
                eprintln!("poolwatch: {e}");
                return exit_codes::CONFIG;
            }
        }
    } else {
        vec![globals.profile.clone()]
    };
    let first = match globals
        .with_profile_opt(profiles[0].as_deref())
        .settings_or_exit()
    {
        Ok(s) => s,
        Err(code) => return code,
    };
    let secs = args.interval.unwrap_or(first.ttl.as_secs()).max(1);
    let names: Vec<String> = profiles
        .iter()
        .map(|p| p.clone().unwrap_or_else(|| first.profile.clone()))
        .collect();
    eprintln!(
        "poolwatch: {}",
        crate::tr!(
            "watch.started",
            profiles = names.join(", "),
            secs = secs,
            n = first.hooks.len()
        )
    );
    let mut code = exit_codes::OK;
    loop {
        for profile in &profiles {
            let scoped = globals.with_profile_opt(profile.as_deref());
            let settings = match scoped.settings() {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("poolwatch: {e}");
                    code = exit_codes::CONFIG;
                    continue;
                }
            };
            // `obtain` delivers the fired alerts to the hooks (commands::finish_view).
            let view = obtain(&scoped, &settings, Trigger::Automatic);
            for alert in &view.outcome.fired_alerts {
                println!(
                    "{} {} {}: {}",
                    settings.profile,
                    alert.kind.event_name(),
                    crate::render::sanitize::terminal_text(&alert.title, 120),
                    crate::render::sanitize::terminal_text(&alert.body, 200)
                );
            }
            if code == exit_codes::OK {
                code = view.outcome.exit_code();
            }
        }
        if args.once {
            return code;
        }
        std::thread::sleep(Duration::from_secs(secs));
    }
}
