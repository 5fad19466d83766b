//! `status`, `refresh` and `snapshot`: the terminal views of a pool.

use std::io::{IsTerminal, Write};

use super::{build_snapshot, menu_context, obtain, obtain_scoped, snapshot_path, Globals};
use crate::cli::{RefreshArgs, SnapshotArgs, StatusArgs};
use crate::exit_codes;
use crate::render::{json, oneline, text};
use crate::session::{Freshness, Trigger};

/// `poolwatch status`: the table (or JSON) of the pool.
pub fn run(globals: &Globals, args: &StatusArgs) -> i32 {
    let settings = match globals.settings_or_exit() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let trigger = if args.offline {
        Trigger::Offline
    } else if args.refresh {
        Trigger::Explicit
    } else {
        Trigger::Automatic
    };
    if let Some(seconds) = args.watch {
        return watch(globals, &settings, args, seconds);
    }
    let view = obtain(globals, &settings, trigger);
    let ctx = menu_context(globals, &settings, &view);
    if args.format.as_deref() == Some("waybar") {
        println!(
            "{}",
            crate::render::waybar::render_waybar(view.report.as_ref(), &ctx)
        );
        return view.outcome.exit_code();
    }
    if let Some(template) = &args.format {
        return match oneline::render_oneline(
            oneline::expand_preset(template),
            view.report.as_ref(),
            &ctx,
        ) {
            Ok(line) => {
                println!("{line}");
                view.outcome.exit_code()
            }
            Err(message) => {
                eprintln!("poolwatch: {message}");
                exit_codes::USAGE
            }
        };
    }
    if args.json {
        println!(
            "{}",
            json::status_json_paused(view.report.as_ref(), &ctx, view.outcome.pause_until)
        );
    } else {
        let color = use_color(globals, args);
        let width = terminal_width(globals);
        print!(
            "{}",
            text::render_status_at(view.report.as_ref(), &ctx, color, width)
        );
    }
    let code = view.outcome.exit_code();
    if code != exit_codes::OK {
        // The table shortens long errors; stderr carries the whole message.
        if let Some(message) = problem_text(&view.outcome) {
            eprintln!("poolwatch: {message}");
        }
    }
    code
}

/// The full text of what went wrong, if anything.
fn problem_text(outcome: &crate::session::Outcome) -> Option<String> {
    if let Some(error) = &outcome.error {
        return Some(super::headline(&error.title(), &error.to_string()));
    }
    match &outcome.freshness {
        Freshness::Stale { title, message } | Freshness::AuthLatched { title, message } => {
            Some(super::headline(title, message))
        }
        _ => None,
    }
}

/// `status --watch`: redraw every `seconds` until interrupted. Each round is
/// an automatic run, so the cache TTL and the single-flight lock still apply.
fn watch(
    globals: &Globals,
    settings: &crate::config::Settings,
    args: &StatusArgs,
    seconds: u64,
) -> i32 {
    let tty = std::io::stdout().is_terminal();
    let color = use_color(globals, args);
    loop {
        let view = obtain(globals, settings, Trigger::Automatic);
        let ctx = menu_context(globals, settings, &view);
        let mut frame = String::new();
        if args.format.as_deref() == Some("waybar") {
            // Waybar reads one JSON object per line from a long-running module.
            frame = crate::render::waybar::render_waybar(view.report.as_ref(), &ctx) + "\n";
        } else {
            if tty {
                frame.push_str("\x1b[H\x1b[2J");
            }
            frame.push_str(&text::render_status_at(
                view.report.as_ref(),
                &ctx,
                color,
                terminal_width(globals),
            ));
            frame.push_str(&format!(
                "\n(refreshing every {seconds}s; Ctrl-C to quit)\n"
            ));
        }
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(frame.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return exit_codes::OK; // the reader went away
        }
        drop(stdout);
        std::thread::sleep(std::time::Duration::from_secs(seconds));
    }
}

/// The terminal's width when stdout is one, else `COLUMNS`, else 100.
fn terminal_width(globals: &Globals) -> usize {
    let tty = terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0 as usize);
    text::resolve_width(tty, (globals.env)("COLUMNS").as_deref())
}

fn use_color(globals: &Globals, args: &StatusArgs) -> bool {
    !args.no_color
        && (globals.env)("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal()
}

/// `poolwatch refresh`: fetch now (also lifts an auth latch) and say how it went.
/// A rejected key is only sent again with `--retry-key` (see `store::attempts`).
pub fn refresh(globals: &Globals, args: &RefreshArgs) -> i32 {
    let settings = match globals.settings_or_exit() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let trigger = if args.retry_key {
        Trigger::RetryKey
    } else {
        Trigger::Explicit
    };
    let view = obtain_scoped(globals, &settings, trigger, args.all);
    for notice in &view.outcome.notices {
        eprintln!("poolwatch: {notice}");
    }
    if let Some(message) = problem_text(&view.outcome) {
        eprintln!("poolwatch: {message}");
        return view.outcome.exit_code();
    }
    let Some(report) = &view.report else {
        eprintln!("poolwatch: {}", crate::tr!("refresh.no_data"));
        return exit_codes::FAILURE;
    };
    let failed: Vec<&str> = report
        .accounts
        .iter()
        .filter(|a| a.error.is_some())
        .map(|a| a.label.as_str())
        .collect();
    let what = if view.outcome.fetched || globals.demo {
        crate::tr!("refresh.refreshed")
    } else {
        crate::tr!("refresh.up_to_date")
    };
    // Only the windows the pool has: a week-only pool shows no 5h figure.
    let mut summary = vec![match report.accounts.len() {
        1 => crate::tr!("refresh.one_account"),
        n => crate::tr!("refresh.n_accounts", n = n),
    }];
    let names = [crate::tr!("window.5h"), crate::tr!("refresh.week")];
    for (name, window) in names.iter().zip([&report.five_hour, &report.weekly]) {
        if let Some(w) = window.known() {
            summary.push(format!("{name} {:.0}% / {:.0}%", w.remaining, w.capacity));
        }
    }
    if summary.len() == 1 {
        summary.push(crate::tr!("title.no_quota_data"));
    }
    println!(
        "{}",
        crate::tr!("refresh.summary", what = what, summary = summary.join(", "))
    );
    if failed.is_empty() {
        exit_codes::OK
    } else {
        const NAMED: usize = 10;
        let mut names: Vec<String> = failed
            .iter()
            .take(NAMED)
            .map(|l| crate::render::sanitize::terminal_text(l, 60))
            .collect();
        if failed.len() > NAMED {
            names.push(crate::tr!("refresh.and_more", n = failed.len() - NAMED));
        }
        println!(
            "{}",
            match failed.len() {
                1 => crate::tr!("refresh.failed_one", names = names.join(", ")),
                n => crate::tr!("refresh.failed_many", n = n, names = names.join(", ")),
            }
        );
        exit_codes::PARTIAL
    }
}

/// `poolwatch snapshot`: print the widget snapshot (or its path).
pub fn snapshot(globals: &Globals, args: &SnapshotArgs) -> i32 {
    let settings = match globals.settings_or_exit() {
        Ok(s) => s,
        Err(code) => return code,
    };
    if args.path {
        return match snapshot_path(&settings) {
            Some(path) => {
                println!("{}", path.display());
                exit_codes::OK
            }
            None => {
                eprintln!("poolwatch: {}", crate::tr!("snapshot.no_home"));
                exit_codes::CONFIG
            }
        };
    }
    let view = obtain(globals, &settings, Trigger::Automatic);
    let snapshot = build_snapshot(
        &settings,
        &view.outcome,
        view.report.as_ref(),
        globals.demo,
        view.now,
    );
    match serde_json::to_string_pretty(&snapshot) {
        Ok(text) => {
            println!("{text}");
            view.outcome.exit_code()
        }
        Err(e) => {
            eprintln!("poolwatch: cannot encode the snapshot: {e}");
            exit_codes::FAILURE
        }
    }
}
