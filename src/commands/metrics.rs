//! `poolwatch metrics`: OpenMetrics text of the selected (or every) profile.
//!
//! Made for cron and node_exporter's textfile collector: a printed, valid
//! exposition exits 0 whatever the pool's state, because the state is in the
//! gauges (`poolwatch_stale 1`, `poolwatch_auth_failed 1`). A non-zero exit
//! would stop `poolwatch metrics > f.tmp && mv f.tmp f` from publishing, and
//! the collector would serve the last good file with `poolwatch_stale 0`
//! forever. Only a run that prints nothing (bad settings) fails.

use super::{headline, obtain, Globals};
use crate::cli::MetricsArgs;
use crate::exit_codes;
use crate::render::metrics::{openmetrics, PoolMetrics};
use crate::render::metrics_history::{history_families, insert_before_eof, HistoryMetrics};
use crate::session::{Freshness, Trigger};

/// Run `metrics`; 0 when the exposition was printed.
pub fn run(globals: &Globals, args: &MetricsArgs) -> i32 {
    let profiles = if args.all_profiles {
        match globals.profile_names() {
            Ok(names) => names,
            Err(e) => {
                eprintln!("poolwatch: {e}");
                return exit_codes::CONFIG;
            }
        }
    } else {
        vec![String::new()]
    };
    let mut views = Vec::new();
    for profile in &profiles {
        let scoped = if profile.is_empty() {
            globals.with_profile_opt(None)
        } else {
            globals.with_profile(profile)
        };
        let settings = match scoped.settings_or_exit() {
            Ok(s) => s,
            Err(code) => return code,
        };
        let view = obtain(&scoped, &settings, Trigger::Automatic);
        views.push((settings.profile.clone(), view));
    }
    let now = (globals.clock)();
    let pools: Vec<PoolMetrics> = views
        .iter()
        .map(|(profile, view)| PoolMetrics {
            profile,
            report: view.report.as_ref(),
            updated_at: view.outcome.state.as_ref().map(|s| s.fetched_at),
            stale: matches!(view.outcome.freshness, Freshness::Stale { .. }),
            auth_failed: matches!(view.outcome.freshness, Freshness::AuthLatched { .. }),
            banned: view.outcome.ban_until.is_some_and(|until| until > now),
        })
        .collect();
    let history: Vec<HistoryMetrics> = views
        .iter()
        .map(|(profile, view)| HistoryMetrics {
            profile,
            over_time: view.outcome.over_time.as_ref(),
            pace: view.outcome.pace.as_ref(),
        })
        .collect();
    let text = openmetrics(&pools, now);
    print!("{}", insert_before_eof(text, &history_families(&history)));
    // The problem goes to stderr (cron mails it); the exit says "printed".
    for (profile, view) in &views {
        if let Freshness::Stale { title, message } | Freshness::AuthLatched { title, message } =
            &view.outcome.freshness
        {
            eprintln!("poolwatch: {profile}: {}", headline(title, message));
        }
    }
    exit_codes::OK
}
