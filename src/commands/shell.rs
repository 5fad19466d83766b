//! Shell integration: `metrics`, `completions`, `man`.

use std::io::Write;

use clap::CommandFactory;

use super::{obtain, Globals};
use crate::cli::{Cli, MetricsArgs};
use crate::exit_codes;
use crate::render::metrics::{openmetrics, PoolMetrics};
use crate::render::metrics_history::{history_families, insert_before_eof, HistoryMetrics};
use crate::session::{Freshness, Trigger};

/// `poolwatch metrics`: OpenMetrics text of the selected (or every) profile.
pub fn metrics(globals: &Globals, args: &MetricsArgs) -> i32 {
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
    views
        .iter()
        .map(|(_, v)| v.outcome.exit_code())
        .find(|code| *code != exit_codes::OK)
        .unwrap_or(exit_codes::OK)
}

/// `poolwatch completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> i32 {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "poolwatch", &mut std::io::stdout());
    exit_codes::OK
}

/// `poolwatch man`: the man page in roff.
pub fn man() -> i32 {
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut page) {
        eprintln!("poolwatch: cannot render the man page: {e}");
        return exit_codes::FAILURE;
    }
    let _ = std::io::stdout().write_all(&page);
    exit_codes::OK
}
