//! `poolwatch guard`: gate a script or an agent on the pool's quota. Exit 0 when the window's
//! share of capacity left is at least `--min-remaining`, 1 when below, 69 when the pool cannot
//! be read, 64 on usage errors (also clap's, see main.rs).

use serde::Serialize;

use super::{obtain, Globals};
use crate::cli::{GuardArgs, GuardWindow};
use crate::exit_codes::{GUARD_BELOW, GUARD_UNAVAILABLE, GUARD_USAGE, OK};
use crate::quota::{PoolReport, PoolWindow};
use crate::session::{Freshness, Trigger};

#[derive(Serialize)]
struct Verdict {
    ok: bool,
    exit_code: i32,
    profile: String,
    provider: Option<String>,
    window: &'static str,
    min_remaining: f64,
    /// Share of capacity left, percent (null when unreadable).
    percent_left: Option<f64>,
    remaining: Option<f64>,
    capacity: Option<f64>,
    /// The data comes from the cache after a failed fetch.
    stale: bool,
    reason: String,
}

fn window_name(window: GuardWindow) -> &'static str {
    match window {
        GuardWindow::FiveHour => "5h",
        GuardWindow::Week => "week",
    }
}

/// The window of the primary pool or of a provider section.
fn pick<'a>(
    report: &'a PoolReport,
    provider: Option<&str>,
    window: GuardWindow,
) -> Option<&'a PoolWindow> {
    let (five, week) = match provider {
        None => (&report.five_hour, &report.weekly),
        Some(id) => {
            let section = report.sections.iter().find(|s| s.provider == id)?;
            (&section.five_hour, &section.weekly)
        }
    };
    match window {
        GuardWindow::FiveHour => five.known(),
        GuardWindow::Week => week.known(),
    }
}

/// `poolwatch guard`.
pub fn run(globals: &Globals, args: &GuardArgs) -> i32 {
    let window = window_name(args.window);
    let mut verdict = Verdict {
        ok: false,
        exit_code: GUARD_UNAVAILABLE,
        profile: globals.profile.clone().unwrap_or_default(),
        provider: None,
        window,
        min_remaining: args.min_remaining,
        percent_left: None,
        remaining: None,
        capacity: None,
        stale: false,
        reason: String::new(),
    };
    let provider = match args.provider.as_deref() {
        None => None,
        Some(raw) => {
            let id = crate::provider::section_id(raw);
            if crate::provider::descriptor(&id).is_none() {
                let known: Vec<&str> = crate::provider::READABLE.iter().map(|d| d.id).collect();
                verdict.exit_code = GUARD_USAGE;
                verdict.reason = crate::tr!(
                    "guard.unknown_provider",
                    provider = raw,
                    known = known.join(", ")
                );
                return finish(&verdict, args.json);
            }
            Some(id)
        }
    };
    verdict.provider = provider.clone();
    let settings = match globals.settings() {
        Ok(s) => s,
        Err(e) => {
            verdict.exit_code = GUARD_UNAVAILABLE;
            verdict.reason = crate::tr!("guard.unreadable", why = e);
            return finish(&verdict, args.json);
        }
    };
    verdict.profile = settings.profile.clone();
    let trigger = if args.offline {
        Trigger::Offline
    } else {
        Trigger::Automatic
    };
    let view = obtain(globals, &settings, trigger);
    verdict.stale = matches!(
        view.outcome.freshness,
        Freshness::Stale { .. } | Freshness::AuthLatched { .. }
    );
    let Some(report) = view.report.as_ref() else {
        let why = match &view.outcome.freshness {
            Freshness::Stale { title, message } | Freshness::AuthLatched { title, message } => {
                super::headline(title, message)
            }
            _ => crate::tr!("menu.no_pool_data"),
        };
        verdict.reason = crate::tr!("guard.unreadable", why = why);
        return finish(&verdict, args.json);
    };
    let Some(w) = pick(report, provider.as_deref(), args.window) else {
        verdict.reason = crate::tr!(
            "guard.no_window",
            window = window,
            provider = provider.as_deref().unwrap_or(&report.primary_provider)
        );
        return finish(&verdict, args.json);
    };
    let left = (w.remaining / w.capacity * 100.0).max(0.0);
    verdict.percent_left = Some((left * 10.0).round() / 10.0);
    verdict.remaining = Some(w.remaining);
    verdict.capacity = Some(w.capacity);
    verdict.ok = left >= args.min_remaining;
    let left = format!("{left:.1}");
    let min = format!("{}", args.min_remaining);
    (verdict.exit_code, verdict.reason) = if verdict.ok {
        (
            OK,
            crate::tr!("guard.ok", window = window, left = left, min = min),
        )
    } else {
        (
            GUARD_BELOW,
            crate::tr!("guard.below", window = window, left = left, min = min),
        )
    };
    finish(&verdict, args.json)
}

fn finish(verdict: &Verdict, json: bool) -> i32 {
    if json {
        println!(
            "{}",
            serde_json::to_string(verdict).unwrap_or_else(|_| "{}".into())
        );
    } else if verdict.exit_code == OK || verdict.exit_code == GUARD_BELOW {
        println!("{}", verdict.reason);
    } else {
        eprintln!("poolwatch: {}", verdict.reason);
    }
    verdict.exit_code
}
