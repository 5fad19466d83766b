//! `poolwatch plugin`: the SwiftBar/xbar menu. Always exits 0 and never
//! prints anything but a menu: errors are shown inside it, because SwiftBar
//! discards the output of a run that exits non-zero.

use std::io::Write;

use super::{finish_view, menu_context, obtain, usable_cache, Globals, View};
use crate::cli::{DialectArg, PluginArgs};
use crate::config::Settings;
use crate::model::PoolState;
use crate::quota::SortOrder;
use crate::render::menu::{render_menu, render_menu_omitting};
use crate::render::multi::{render_multi, PoolMenu};
use crate::render::{Dialect, FetchStatus, MenuContext};
use crate::session::{Outcome, Trigger};

/// SwiftBar refresh reasons that are automatic; any other reason is a user action.
const AUTOMATIC_REASONS: [&str; 3] = ["FirstLaunch", "Schedule", "WakeFromSleep"];

/// Run plugin mode; the exit code is always 0.
pub fn run(globals: &Globals, args: &PluginArgs) -> i32 {
    if args.background_refresh {
        let reason = (globals.env)("SWIFTBAR_PLUGIN_REFRESH_REASON");
        return super::background::run(globals, trigger_for_reason(reason.as_deref()));
    }
    let dialect = match args.dialect {
        DialectArg::Swiftbar => Dialect::SwiftBar,
        DialectArg::Xbar => Dialect::Xbar,
        DialectArg::Auto if (globals.env)("SWIFTBAR").as_deref() == Some("1") => Dialect::SwiftBar,
        DialectArg::Auto => Dialect::Xbar,
    };
    let output = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if args.all_profiles && !globals.demo {
            if let Ok(names) = globals.profile_names() {
                if names.len() > 1 {
                    return multi_output(globals, dialect, &names);
                }
            }
        }
        menu_output(globals, dialect)
    }))
    .unwrap_or_else(|_| fallback_menu(globals, dialect, crate::tr!("plugin.internal_error")));
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(output.as_bytes());
    let _ = stdout.flush();
    0
}

/// The trigger implied by SwiftBar's refresh reason (xbar sends none).
pub fn trigger_for_reason(reason: Option<&str>) -> Trigger {
    match reason.map(str::trim) {
        None | Some("") => Trigger::Automatic,
        Some(r) if AUTOMATIC_REASONS.contains(&r) => Trigger::Automatic,
        Some(_) => Trigger::Manual,
    }
}

fn menu_output(globals: &Globals, dialect: Dialect) -> String {
    let settings = match globals.settings() {
        Ok(s) => s,
        Err(e) => return fallback_menu(globals, dialect, e.to_string()),
    };
    let reason = (globals.env)("SWIFTBAR_PLUGIN_REFRESH_REASON");
    let trigger = trigger_for_reason(reason.as_deref());
    if let Some(menu) = form_menu(globals, &settings, trigger, dialect) {
        return menu;
    }
    let view = obtain_detached(globals, &settings, trigger);
    let ctx = menu_context(globals, &settings, &view);
    let menu = render_menu(view.report.as_ref(), &ctx, dialect);
    // The process ends right after printing: skip freeing a large pool
    // account by account (measurable at 1000 accounts).
    std::mem::forget(view);
    menu
}

/// The cache-hit menu from the precomputed form (`store::menu_form`), when it
/// is valid: one small file read, no work that grows with the pool.
fn form_menu(
    globals: &Globals,
    settings: &Settings,
    trigger: Trigger,
    dialect: Dialect,
) -> Option<String> {
    if globals.demo {
        return None;
    }
    // The folder every run uses; a fallback folder (with its notice) takes the full path.
    let mut notices = Vec::new();
    let paths = usable_cache(globals, settings, &mut notices)?;
    if !notices.is_empty() {
        return None;
    }
    let session = super::session_in(globals, settings, paths, false);
    let mut hit = session.serve_form(trigger)?;
    if hit.report.as_ref().is_some_and(|r| r.accounts.is_empty()) {
        // An empty pool says why (`notes::empty_selection`): the full path, cheap here.
        return None;
    }
    if hit.due && hit.report.is_none() {
        // No data yet: the full path waits up to `cold_start_wait` for it.
        return None;
    }
    if hit.due {
        // Start a refresh and show the form meanwhile. When one already holds
        // the lock, the new one waits for it and then finds nothing to do (a
        // busy lock may also be another run's short probe: never skip).
        if !super::background::spawn(globals) {
            return None;
        }
        hit.freshness = crate::session::refreshing(hit.freshness, hit.report.is_some());
    }
    let view = View {
        outcome: Outcome {
            state: hit.updated_at.map(|at| PoolState {
                fetched_at: at,
                ..Default::default()
            }),
            freshness: hit.freshness,
            error: None,
            notices: Vec::new(),
            fetched: false,
            report: None,
            pace: hit.pace,
            over_time: hit.over_time,
            fired_alerts: Vec::new(),
            cache: None,
            ban_until: hit.ban_until,
        },
        report: hit.report,
        now: hit.now,
    };
    let ctx = menu_context(globals, settings, &view);
    let menu = render_menu_omitting(view.report.as_ref(), &ctx, dialect, hit.omitted);
    std::mem::forget(view);
    Some(menu)
}

/// The full path of a menu run: the cache as found, and a detached refresh
/// when it is due (see `background`).
fn obtain_detached(globals: &Globals, settings: &Settings, trigger: Trigger) -> View {
    if globals.demo {
        return obtain(globals, settings, trigger);
    }
    let mut notices = Vec::new();
    let Some(paths) = usable_cache(globals, settings, &mut notices) else {
        return obtain(globals, settings, trigger);
    };
    let session = super::session_in(globals, settings, paths, false);
    let outcome = session.obtain_detached(trigger, &|| super::background::spawn(globals));
    finish_view(globals, settings, outcome, notices)
}

/// Every profile in one menu. Each profile has its own cache and lock; they
/// are obtained in parallel so one slow pool does not delay the others.
fn multi_output(globals: &Globals, dialect: Dialect, names: &[String]) -> String {
    let reason = (globals.env)("SWIFTBAR_PLUGIN_REFRESH_REASON");
    let trigger = trigger_for_reason(reason.as_deref());
    let results: Vec<Result<(View, MenuContext), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                scope.spawn(move || {
                    let scoped = globals.with_profile(name);
                    let settings = scoped.settings().map_err(|e| e.to_string())?;
                    let view = obtain_detached(&scoped, &settings, trigger);
                    let ctx = menu_context(&scoped, &settings, &view);
                    Ok((view, ctx))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("internal error".into())))
            .collect()
    });
    if let Some(Err(message)) = results.iter().find(|r| r.is_err()) {
        return fallback_menu(globals, dialect, message.clone());
    }
    let pools: Vec<PoolMenu> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|(view, ctx)| PoolMenu {
            report: view.report.as_ref(),
            ctx,
        })
        .collect();
    render_multi(&pools, dialect)
}

/// A menu that only shows an error (settings could not even be loaded).
fn fallback_menu(globals: &Globals, dialect: Dialect, error: String) -> String {
    let ctx = MenuContext {
        profile: globals.profile.clone().unwrap_or_else(|| "default".into()),
        pool_url: String::new(),
        exe: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "poolwatch".into()),
        settings_path: crate::config::default_config_path()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        updated_at: None,
        status: FetchStatus::Stale { error },
        notices: Vec::new(),
        sort: SortOrder::default(),
        demo: globals.demo,
        pace: None,
        now: (globals.clock)(),
        ban_until: None,
        over_time: None,
    };
    render_menu(None, &ctx, dialect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_reasons_map_to_triggers() {
        assert_eq!(trigger_for_reason(None), Trigger::Automatic);
        assert_eq!(trigger_for_reason(Some("Schedule")), Trigger::Automatic);
        assert_eq!(
            trigger_for_reason(Some("WakeFromSleep")),
            Trigger::Automatic
        );
        assert_eq!(trigger_for_reason(Some("FirstLaunch")), Trigger::Automatic);
        assert_eq!(trigger_for_reason(Some("MenuAction")), Trigger::Manual);
        assert_eq!(trigger_for_reason(Some("RefreshAllMenu")), Trigger::Manual);
        assert_eq!(trigger_for_reason(Some("URLScheme")), Trigger::Manual);
    }
}
