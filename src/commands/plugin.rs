//! `poolwatch plugin`: the SwiftBar/xbar menu. Always exits 0 and never
//! prints anything but a menu: errors are shown inside it, because SwiftBar
//! discards the output of a run that exits non-zero.

use std::io::Write;

use super::{finish_view, menu_context, obtain, usable_cache, Globals, View};
use crate::cli::{DialectArg, PluginArgs};
use crate::config::Settings;
use crate::model::PoolState;
use crate::quota::SortOrder;
use crate::render::menu::{render_menu, render_menu_omitting, render_menu_with_rows};
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
        DialectArg::Auto => Dialect::detect((globals.env)("SWIFTBAR").as_deref()),
    };
    let output = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // `--demo plugin --all-profiles` shows every profile as `--demo metrics
        // --all-profiles` does (each with the demo pool).
        if args.all_profiles {
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
        Err(e) => return settings_problem_menu(globals, dialect, &e),
    };
    let reason = (globals.env)("SWIFTBAR_PLUGIN_REFRESH_REASON");
    let trigger = trigger_for_reason(reason.as_deref());
    if let Some(menu) = form_menu(globals, &settings, trigger, dialect) {
        return menu;
    }
    let view = obtain_detached(globals, &settings, trigger, dialect);
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
    let session = menu_session(globals, settings, paths, dialect);
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
            over_time: super::private_over_time(globals, settings, hit.over_time),
            fired_alerts: Vec::new(),
            cache: None,
            ban_until: hit.ban_until,
            pause_until: hit.pause_until,
        },
        report: hit.report,
        now: hit.now,
    };
    let ctx = menu_context(globals, settings, &view);
    let masked = view
        .report
        .as_ref()
        .filter(|_| globals.privacy || settings.privacy)
        .map(crate::render::privacy::mask_report);
    let report = masked.as_ref().or(view.report.as_ref());
    let menu = match (report, &hit.rows) {
        (Some(report), Some(rows)) => {
            render_menu_with_rows(report, &ctx, dialect, hit.omitted, rows)
        }
        _ => render_menu_omitting(report, &ctx, dialect, hit.omitted),
    };
    std::mem::forget(view);
    Some(menu)
}

/// The session of a menu run: its rows in the menu's dialect (a
/// `--dialect` overrides what the environment says).
fn menu_session<'a>(
    globals: &'a Globals,
    settings: &'a Settings,
    paths: crate::store::cache::CachePaths,
    dialect: Dialect,
) -> crate::session::Session<'a> {
    let mut session = super::session_in(globals, settings, paths, false);
    session.menu_style.dialect = dialect;
    session
}

/// The full path of a menu run: the cache as found, and a detached refresh
/// when it is due (see `background`).
fn obtain_detached(
    globals: &Globals,
    settings: &Settings,
    trigger: Trigger,
    dialect: Dialect,
) -> View {
    if globals.demo {
        return obtain(globals, settings, trigger);
    }
    let mut notices = Vec::new();
    let Some(paths) = usable_cache(globals, settings, &mut notices) else {
        return obtain(globals, settings, trigger);
    };
    let session = menu_session(globals, settings, paths, dialect);
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
                    let view = obtain_detached(&scoped, &settings, trigger, dialect);
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

/// The menu of a run whose settings cannot be loaded (a typo, a bad value):
/// the last data this profile's cache holds, read without writing anything
/// and without asking the pool, under the problem said once; the title says
/// "config error" (issue 17.4).
fn settings_problem_menu(
    globals: &Globals,
    dialect: Dialect,
    error: &crate::config::ConfigError,
) -> String {
    let message = super::headline(&crate::tr!("cfg.problem_title"), &error.to_string());
    let profile = globals
        .profile
        .clone()
        .or_else(|| (globals.env)(crate::config::PROFILE_ENV))
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| crate::config::DEFAULT_PROFILE.to_string());
    let settings = Settings {
        profile: profile.clone(),
        cache_dir: (globals.env)(crate::config::CACHE_DIR_ENV)
            .filter(|p| !p.trim().is_empty())
            .map(std::path::PathBuf::from),
        ..Settings::default()
    };
    let now = (globals.clock)();
    let last = if globals.demo {
        None
    } else {
        crate::session::Session::cache_dir(&settings, globals.env)
            .map(|dir| crate::store::cache::CachePaths::in_dir(&dir, &profile))
            .and_then(|paths| last_data(&paths, &settings, now))
    };
    let mut ctx = fallback_context(globals, dialect, message);
    ctx.problem = Some(crate::tr!("cfg.problem_title"));
    ctx.profile = profile;
    match last {
        Some((report, updated_at, omitted)) => {
            ctx.updated_at = updated_at;
            // The settings (and so `privacy`) are unknown: the flag, or masked
            // when the file asks for it in any form we can still read.
            let report = if globals.privacy {
                crate::render::privacy::mask_report(&report)
            } else {
                report
            };
            render_menu_omitting(Some(&report), &ctx, dialect, omitted)
        }
        None => render_menu(None, &ctx, dialect),
    }
}

/// The last report a profile's cache folder holds, read-only: the menu form
/// (computed with the settings of its time) when present, else the cache's
/// state under default settings. `(report, fetched at, accounts left out)`.
fn last_data(
    paths: &crate::store::cache::CachePaths,
    settings: &Settings,
    now: crate::model::Epoch,
) -> Option<(crate::quota::PoolReport, Option<crate::model::Epoch>, usize)> {
    let form_path = crate::store::menu_form::path_beside(&paths.data);
    if let Some(form) = crate::store::menu_form::load(&form_path) {
        if let Some(mut report) = form.stored_report() {
            report.now = now;
            return Some((report, form.form.updated_at, form.form.omitted));
        }
    }
    let bytes = std::fs::read(&paths.data).ok()?;
    let cache: crate::store::cache::CacheFile = serde_json::from_slice(&bytes).ok()?;
    let state = cache.state?;
    let report = crate::session::report_of_state(&state, settings, now);
    let (cut, omitted) = crate::render::menu::menu_report(&report);
    Some((cut, Some(state.fetched_at), omitted))
}

/// A menu that only shows an error (settings could not even be loaded).
fn fallback_menu(globals: &Globals, dialect: Dialect, error: String) -> String {
    let ctx = fallback_context(globals, dialect, error);
    render_menu(None, &ctx, dialect)
}

/// The context of a menu whose settings could not be loaded.
fn fallback_context(globals: &Globals, _dialect: Dialect, error: String) -> MenuContext {
    MenuContext {
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
        title_format: "share".to_string(),
        // The broken file is the one to open and fix: keep its identity.
        action_args: problem_action_args(globals),
        problem: None,
        over_time: None,
    }
}

/// `--demo`, `--config` and `--profile` as given, for the actions of a menu
/// whose settings could not be loaded.
fn problem_action_args(globals: &Globals) -> Vec<String> {
    let mut args = Vec::new();
    if globals.demo {
        args.push("--demo".to_string());
    }
    if let Some(path) = globals
        .config_path()
        .filter(|_| globals.config.is_some() || (globals.env)(crate::config::CONFIG_ENV).is_some())
    {
        args.push(format!("--config={}", path.display()));
    }
    if let Some(profile) = &globals.profile {
        args.push(format!("--profile={profile}"));
    }
    args
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
