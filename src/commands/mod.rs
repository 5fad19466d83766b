//! The subcommands: each file turns parsed flags into output and an exit code.

mod alerts_cmd;
mod background;
mod completions;
mod config_cmd;
mod demo_guard;
mod guard;
mod hide_key;
mod history;
mod install_plugin;
mod man;
mod metrics;
mod notes;
mod plugin;
mod serve;
mod status;
mod test_fetch;
mod watch;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::{Cli, Command, StatusArgs};
use crate::config::{self, LoadOptions, Settings};
use crate::model::Epoch;
use crate::quota::PoolReport;
use crate::render::{FetchStatus, MenuContext};
use crate::session::{Freshness, Outcome, Session, Trigger};
use crate::store::cache::CachePaths;
use crate::store::fallback;
use crate::store::snapshot::{self, SnapshotMeta};
use crate::{alerts, demo, exit_codes, i18n, session};

/// The real clock, in epoch seconds.
pub fn system_now() -> Epoch {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as Epoch)
        .unwrap_or(0)
}

/// Test hook: `POOLWATCH_TEST_NOW=<epoch seconds>` fixes the clock of a run,
/// so tests of the real binary can move time (window resets, history spans)
/// without sleeping. Honoured by debug builds only; release builds ignore it.
pub const TEST_NOW_ENV: &str = "POOLWATCH_TEST_NOW";

/// The clock of a run: the real one, or the test hook's fixed time.
fn run_clock(env: &dyn Fn(&str) -> Option<String>) -> Option<Epoch> {
    if !cfg!(debug_assertions) {
        return None;
    }
    env(TEST_NOW_ENV).and_then(|v| v.trim().parse::<Epoch>().ok())
}

/// Run the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let env = config::process_env;
    let fixed = run_clock(&env);
    let clock = move || fixed.unwrap_or_else(system_now);
    let globals = Globals {
        demo: cli.demo,
        privacy: cli.privacy,
        config: cli.config.clone(),
        profile: cli.profile.clone(),
        env: &env,
        clock: &clock,
    };
    match cli.command {
        None => status::run(&globals, &StatusArgs::default()),
        Some(Command::Status(args)) => status::run(&globals, &args),
        Some(Command::Plugin(args)) => plugin::run(&globals, &args),
        Some(Command::Refresh(args)) => status::refresh(&globals, &args),
        Some(Command::TestFetch) => {
            let _ = globals.settings();
            test_fetch::run(&globals)
        }
        Some(Command::Snapshot(args)) => status::snapshot(&globals, &args),
        Some(Command::Config(cmd)) => {
            // Some config commands never load the settings: the language still applies.
            let _ = globals.settings();
            config_cmd::run(&globals, cmd)
        }
        Some(Command::InstallPlugin(args)) => {
            let _ = globals.settings();
            install_plugin::run(&globals, &args)
        }
        Some(Command::Alerts(args)) => alerts_cmd::run(&globals, &args),
        Some(Command::Metrics(args)) => metrics::run(&globals, &args),
        Some(Command::Serve(args)) => serve::run(&globals, &args),
        Some(Command::Watch(args)) => watch::run(&globals, &args),
        Some(Command::Guard(args)) => guard::run(&globals, &args),
        Some(Command::Completions(args)) => completions::run(&args),
        Some(Command::Man(args)) => man::run(&args),
        Some(Command::History(args)) => history::run(&globals, &args),
    }
}

/// The menu printed when plugin mode cannot even parse its command line.
pub fn command_line_error_menu(error: &str) -> String {
    let first_line = error.lines().next().unwrap_or("bad command line");
    // Nothing was parsed: the language comes from the environment alone.
    let env = config::process_env;
    let setting = env(config::LANGUAGE_ENV)
        .and_then(|v| config::parse_language(&v).ok())
        .unwrap_or("auto");
    i18n::set(i18n::choose(setting, None, &env));
    format!(
        "⚠ poolwatch\n---\n{}\n{}\n",
        crate::tr!(
            "plugin.bad_command_line",
            error = crate::render::sanitize::menu_text(first_line, 160)
        ),
        crate::tr!("plugin.bad_command_line_hint")
    )
}

/// Global flags and injectable process context.
pub struct Globals<'a> {
    pub demo: bool,
    /// `--privacy`: mask emails and labels (as the `privacy` setting does).
    pub privacy: bool,
    pub config: Option<std::path::PathBuf>,
    pub profile: Option<String>,
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub clock: &'a (dyn Fn() -> Epoch + Sync),
}

impl<'a> Globals<'a> {
    /// The same globals with another profile selected.
    pub fn with_profile(&self, profile: &str) -> Globals<'a> {
        self.with_profile_opt(Some(profile))
    }

    /// The same globals with `profile` (None: the usual selection).
    pub fn with_profile_opt(&self, profile: Option<&str>) -> Globals<'a> {
        Globals {
            demo: self.demo,
            privacy: self.privacy,
            config: self.config.clone(),
            profile: profile.map(str::to_string).or_else(|| self.profile.clone()),
            env: self.env,
            clock: self.clock,
        }
    }

    /// The settings file path: `--config`, else POOLWATCH_CONFIG, else the default.
    pub fn config_path(&self) -> Option<std::path::PathBuf> {
        self.config
            .clone()
            .or_else(|| (self.env)(config::CONFIG_ENV).map(std::path::PathBuf::from))
            .or_else(config::default_config_path)
    }

    /// Every profile of the settings file (`["default"]` without a file).
    pub fn profile_names(&self) -> Result<Vec<String>, config::ConfigError> {
        match self.config_path() {
            Some(path) => config::profile_names(&path),
            None => Ok(vec![config::DEFAULT_PROFILE.to_string()]),
        }
    }

    /// Load the settings of the selected profile and set this run's language
    /// from them (a settings error is then told in the language `auto` finds).
    pub fn settings(&self) -> Result<Settings, config::ConfigError> {
        // Messages made while loading (a settings error) follow the
        // environment; the setting itself decides once it is known.
        let env_setting = (self.env)(config::LANGUAGE_ENV)
            .and_then(|v| config::parse_language(&v).ok())
            .unwrap_or("auto");
        i18n::set(i18n::choose(env_setting, None, self.env));
        if let Some(named) = &self.config {
            config::check_named_file(named)?;
        }
        let loaded = config::load(&LoadOptions {
            config_path: self.config.clone(),
            profile: self.profile.clone(),
            env: self.env,
        });
        let (setting, cache_dir) = match &loaded {
            Ok(settings) => (
                settings.language.as_str(),
                Session::cache_dir(settings, self.env),
            ),
            Err(_) => ("auto", None),
        };
        let setting = match (loaded.is_err(), (self.env)(config::LANGUAGE_ENV)) {
            (true, Some(env)) => config::parse_language(&env).unwrap_or("auto"),
            _ => setting,
        };
        i18n::set(i18n::resolve(setting, self.env, cache_dir.as_deref()));
        loaded
    }

    /// Settings, or print the error and return the exit code.
    pub fn settings_or_exit(&self) -> Result<Settings, i32> {
        self.settings().map_err(|e| {
            eprintln!("poolwatch: {e}");
            exit_codes::CONFIG
        })
    }
}

/// A run's data: the outcome and the report computed from it.
pub struct View {
    pub outcome: Outcome,
    pub report: Option<PoolReport>,
    pub now: Epoch,
}

/// Obtain the pool (demo or real) and compute its report; writes the widget
/// snapshot after a fetch.
pub fn obtain(globals: &Globals, settings: &Settings, trigger: Trigger) -> View {
    obtain_scoped(globals, settings, trigger, false)
}

/// [`obtain`], asking every account's usage when `refresh_all` (`refresh --all`).
pub fn obtain_scoped(
    globals: &Globals,
    settings: &Settings,
    trigger: Trigger,
    refresh_all: bool,
) -> View {
    let now = (globals.clock)();
    if globals.demo {
        let state = demo::pool(&session::selection_of(settings), now);
        let report = session::report_of_state(&state, settings, now);
        let (pace, over_time) = session::over_time_charted(
            &demo::history(&report, now),
            &report,
            now,
            crate::render::chart::ChartForm::of_setting(&settings.menu_chart),
        );
        let over_time = private_over_time(globals, settings, Some(over_time));
        let report = private(globals, settings, report);
        return View {
            outcome: Outcome {
                notices: notes::empty_selection(&state, settings)
                    .into_iter()
                    .collect(),
                state: Some(state),
                freshness: Freshness::Fresh,
                error: None,
                fetched: false,
                report: None,
                pace,
                over_time,
                fired_alerts: Vec::new(),
                cache: None,
                ban_until: None,
                pause_until: None,
            },
            report: Some(report),
            now,
        };
    }
    let mut notices = Vec::new();
    let paths = match usable_cache(globals, settings, &mut notices) {
        Some(paths) => paths,
        None => {
            // The problem is said once (as the stale line, not again as a
            // notice), over the last data the folder still lets us read.
            let state = preferred_cache(globals, settings)
                .and_then(|paths| read_cache_state(&paths.data, &settings.pool_url));
            let report = state
                .as_ref()
                .map(|state| session::report_of_state(state, settings, now));
            let outcome = Outcome {
                state,
                freshness: Freshness::Stale {
                    title: crate::tr!("run.title_cache"),
                    message: notices
                        .first()
                        .cloned()
                        .unwrap_or_else(|| crate::tr!("cache.no_folder")),
                },
                error: Some(session::RunError::Io(crate::tr!("cache.no_usable_folder"))),
                notices: notices.into_iter().skip(1).collect(),
                fetched: false,
                report: None,
                pace: None,
                over_time: None,
                fired_alerts: Vec::new(),
                cache: None,
                ban_until: None,
                pause_until: None,
            };
            return View {
                outcome,
                report,
                now,
            };
        }
    };
    let outcome = session_in(globals, settings, paths, refresh_all).obtain(trigger);
    finish_view(globals, settings, outcome, notices)
}

/// A view of a session's outcome: the run's own notices first, delivers its
/// alerts and writes the widget snapshot after a fetch.
pub fn finish_view(
    globals: &Globals,
    settings: &Settings,
    mut outcome: Outcome,
    notices: Vec<String>,
) -> View {
    outcome.notices.splice(0..0, notices);
    if let Some(note) = outcome
        .state
        .as_ref()
        .and_then(|state| notes::empty_selection(state, settings))
    {
        outcome.notices.push(note);
    }
    if let Some(note) = outcome.state.as_ref().and_then(notes::api_notice) {
        outcome.notices.push(note);
    }
    let now = (globals.clock)();
    let report = outcome
        .report
        .take()
        .map(|report| private(globals, settings, report));
    outcome.over_time = private_over_time(globals, settings, outcome.over_time.take());
    if settings.alerts.notify && !outcome.fired_alerts.is_empty() {
        let notified = alerts::notified(&outcome.fired_alerts, &settings.alerts);
        test_notification_log(globals, &notified);
        alerts::deliver(&notified, swiftbar_plugin_name(globals).as_deref());
    }
    if !settings.hooks.is_empty() && !outcome.fired_alerts.is_empty() && !globals.demo {
        deliver_hooks(globals, settings, &outcome.fired_alerts, now);
    }
    if outcome.fetched {
        if let Err(e) = write_snapshot(settings, &outcome, report.as_ref(), now) {
            outcome.notices.push(e);
        }
    }
    View {
        outcome,
        report,
        now,
    }
}

/// Test hook: `POOLWATCH_TEST_NOTIFY_LOG=<file>` appends a line `kind<TAB>title`
/// per notification a run delivers, so tests of the real binary see them on
/// any platform (notifications are macOS-only). Debug builds only.
pub const TEST_NOTIFY_LOG_ENV: &str = "POOLWATCH_TEST_NOTIFY_LOG";

fn test_notification_log(globals: &Globals, notified: &[alerts::Alert]) {
    if !cfg!(debug_assertions) || notified.is_empty() {
        return;
    }
    let Some(path) = (globals.env)(TEST_NOTIFY_LOG_ENV).filter(|p| !p.is_empty()) else {
        return;
    };
    let lines: String = notified
        .iter()
        .map(|a| format!("{}\t{}\n", a.kind.event_name(), a.title))
        .collect();
    use std::io::Write as _;
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = file.write_all(lines.as_bytes());
    }
}

/// Run the `[[hooks]]` for fired alerts; failures go to the profile's `hook-failures.json`
/// (listed by `poolwatch alerts`), never into the run's result.
fn deliver_hooks(globals: &Globals, settings: &Settings, fired: &[alerts::Alert], now: Epoch) {
    let failures = alerts::delivery::deliver_hooks(&settings.hooks, fired, &settings.profile, now);
    if failures.is_empty() {
        return;
    }
    if let Some(dir) = Session::cache_dir(settings, globals.env) {
        let path = crate::store::hook_failures::path_beside(
            &CachePaths::in_dir(&dir, &settings.profile).data,
        );
        let _ = crate::store::hook_failures::append(&path, failures);
    }
}

/// `report` with emails and labels masked when privacy mode is on (the
/// `privacy` setting or `--privacy`), else as it is.
pub fn private(globals: &Globals, settings: &Settings, report: PoolReport) -> PoolReport {
    if globals.privacy || settings.privacy {
        crate::render::privacy::mask_report(&report)
    } else {
        report
    }
}

/// The pool over time with the use-first labels masked in privacy mode (see [`private`]).
pub fn private_over_time(
    globals: &Globals,
    settings: &Settings,
    over_time: Option<crate::render::OverTime>,
) -> Option<crate::render::OverTime> {
    if globals.privacy || settings.privacy {
        over_time.map(|o| crate::render::privacy::mask_over_time(&o))
    } else {
        over_time
    }
}

/// The session of the selected profile, in the same cache folder `obtain` uses
/// (None when no folder is usable).
pub fn session_for<'a>(globals: &'a Globals, settings: &'a Settings) -> Option<Session<'a>> {
    let mut notices = Vec::new();
    let paths = usable_cache(globals, settings, &mut notices)?;
    Some(session_in(globals, settings, paths, false))
}

/// The session of the selected profile in `paths`.
pub fn session_in<'a>(
    globals: &'a Globals,
    settings: &'a Settings,
    paths: CachePaths,
    refresh_all: bool,
) -> Session<'a> {
    Session {
        settings,
        paths,
        env: globals.env,
        clock: globals.clock,
        refresh_all,
        // A background refresh runs with the menu's environment, so its
        // form's rows match the menu that asked for it.
        menu_style: crate::render::menu::rows::MenuStyle {
            dialect: crate::render::Dialect::detect((globals.env)("SWIFTBAR").as_deref()),
            privacy: globals.privacy || settings.privacy,
        },
    }
}

/// The cache paths of the settings' profile; when the configured folder cannot be used, a private
/// fallback in the OS temp dir (with a notice saying so). None when neither works (the notice says why).
pub(crate) fn usable_cache(
    globals: &Globals,
    settings: &Settings,
    notices: &mut Vec<String>,
) -> Option<CachePaths> {
    let preferred = Session::cache_dir(settings, globals.env);
    let problem = match &preferred {
        Some(dir) => {
            let paths = CachePaths::in_dir(dir, &settings.profile);
            match fallback::usable(&paths) {
                Ok(()) => return Some(paths),
                Err(e) => crate::tr!("cache.cannot_use", dir = dir.display(), error = e),
            }
        }
        None => crate::tr!("cache.no_home"),
    };
    let temp = (globals.env)("TMPDIR")
        .filter(|t| !t.trim().is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    // Without $USER/$LOGNAME the folder is named by the user id, never one
    // shared `poolwatch-cache-user` that another account may own.
    let tag = (globals.env)("USER")
        .or_else(|| (globals.env)("LOGNAME"))
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| uid_tag(&temp));
    match fallback::fallback_dir(&temp, &tag) {
        Ok(dir) => {
            notices.push(crate::tr!(
                "cache.using_fallback",
                problem = problem,
                dir = dir.display()
            ));
            let paths = CachePaths::in_dir(&dir, &settings.profile);
            seed_fallback(preferred.as_deref(), settings, &paths);
            Some(paths)
        }
        Err(e) => {
            notices.push(crate::tr!(
                "cache.no_fallback",
                problem = problem,
                error = e
            ));
            None
        }
    }
}

/// `uid501`: the user id of this process, read from a file it creates in
/// `temp` (std has no getuid); `user` when even that fails.
fn uid_tag(temp: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let probe = temp.join(format!(".poolwatch-uid-{}", std::process::id()));
        if std::fs::write(&probe, b"").is_ok() {
            let uid = std::fs::metadata(&probe).map(|m| m.uid());
            let _ = std::fs::remove_file(&probe);
            if let Ok(uid) = uid {
                return format!("uid{uid}");
            }
        }
    }
    let _ = temp;
    "user".to_string()
}

/// The configured cache paths of the settings' profile (usable or not).
fn preferred_cache(globals: &Globals, settings: &Settings) -> Option<CachePaths> {
    Session::cache_dir(settings, globals.env).map(|dir| CachePaths::in_dir(&dir, &settings.profile))
}

/// The pool state of the cache file at `path`, read without changing anything
/// (a damaged file is left where it is), when it belongs to `pool_url`.
fn read_cache_state(path: &std::path::Path, pool_url: &str) -> Option<crate::model::PoolState> {
    let bytes = std::fs::read(path).ok()?;
    let cache: crate::store::cache::CacheFile = serde_json::from_slice(&bytes).ok()?;
    (cache.cache_version == crate::store::cache::CACHE_VERSION && cache.pool_url == pool_url)
        .then_some(cache.state)
        .flatten()
}

/// A new fallback folder starts from the configured folder's data when that
/// can still be read (a read-only folder): the menu shows it at once.
fn seed_fallback(preferred: Option<&std::path::Path>, settings: &Settings, paths: &CachePaths) {
    if paths.data.exists() {
        return;
    }
    let Some(from) = preferred.map(|dir| CachePaths::in_dir(dir, &settings.profile).data) else {
        return;
    };
    if read_cache_state(&from, &settings.pool_url).is_none() {
        return;
    }
    if let Ok(bytes) = std::fs::read(&from) {
        let _ = crate::store::atomic::write_private(&paths.data, &bytes);
    }
}

/// SwiftBar's name for this plugin (for `swiftbar://notify`), when run by SwiftBar.
fn swiftbar_plugin_name(globals: &Globals) -> Option<String> {
    if (globals.env)("SWIFTBAR").as_deref() != Some("1") {
        return None;
    }
    (globals.env)("SWIFTBAR_PLUGIN_PATH").and_then(|p| {
        std::path::Path::new(&p)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
    })
}

/// The snapshot file of the settings' profile.
pub fn snapshot_path(settings: &Settings) -> Option<std::path::PathBuf> {
    settings
        .snapshot_path
        .clone()
        .or_else(|| snapshot::default_dir().map(|d| snapshot::path_in(&d, &settings.profile)))
}

/// The snapshot of a view.
pub fn build_snapshot(
    settings: &Settings,
    outcome: &Outcome,
    report: Option<&PoolReport>,
    demo: bool,
    now: Epoch,
) -> snapshot::Snapshot {
    let (stale, error) = match &outcome.freshness {
        Freshness::Fresh | Freshness::Refreshing => (false, None),
        Freshness::Stale { title, message } | Freshness::AuthLatched { title, message } => {
            (report.is_some(), Some(headline(title, message)))
        }
    };
    let meta = SnapshotMeta {
        profile: settings.profile.clone(),
        demo,
        updated_at: outcome.state.as_ref().map(|s| s.fetched_at),
        stale,
        error,
        pace: outcome.pace.clone(),
        ban_until: outcome.ban_until,
        language: i18n::current().code().to_string(),
        pause_until: outcome.pause_until,
        over_time: outcome.over_time.clone(),
    };
    snapshot::build(report, &meta, now)
}

fn write_snapshot(
    settings: &Settings,
    outcome: &Outcome,
    report: Option<&PoolReport>,
    now: Epoch,
) -> Result<(), String> {
    let Some(path) = snapshot_path(settings) else {
        return Ok(());
    };
    let new = build_snapshot(settings, outcome, report, false, now);
    // Only a Mac with the host app can reload the widget: elsewhere the old
    // snapshot is neither read nor compared (a large pool's costs ~100 MB).
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    let reloadable = home.is_some_and(|h| snapshot::host_app_installed(&h));
    let old = reloadable
        .then(|| {
            crate::store::safe_file::read_capped(&path, crate::store::safe_file::SMALL_MAX_BYTES)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<snapshot::Snapshot>(&bytes).ok())
        })
        .flatten();
    let bytes = serde_json::to_vec_pretty(&new).map_err(|e| e.to_string())?;
    crate::store::atomic::write_private(&path, &bytes)
        .map_err(|e| crate::tr!("snapshot.cannot_write", path = path.display(), error = e))?;
    drop(bytes);
    if reloadable && snapshot::visible_change(old.as_ref(), &new) {
        snapshot::request_widget_reload();
    }
    Ok(())
}

/// `Title: message`, without saying the same words twice when the message
/// already starts with them ("No management key: no management key for …").
pub fn headline(title: &str, message: &str) -> String {
    let lower_title = title.trim().to_lowercase();
    let trimmed = message.trim_start();
    if !lower_title.is_empty() && trimmed.to_lowercase().starts_with(&lower_title) {
        let mut chars = trimmed.chars();
        return match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => title.to_string(),
        };
    }
    format!("{title}: {message}")
}

/// The menu/status context of a view.
pub fn menu_context(globals: &Globals, settings: &Settings, view: &View) -> MenuContext {
    let status = match &view.outcome.freshness {
        Freshness::Fresh => FetchStatus::Fresh,
        Freshness::Refreshing => FetchStatus::Refreshing,
        Freshness::Stale { title, message } => FetchStatus::Stale {
            error: headline(title, message),
        },
        Freshness::AuthLatched { title, message } => FetchStatus::AuthLatched {
            message: headline(title, message),
        },
    };
    MenuContext {
        profile: settings.profile.clone(),
        pool_url: settings.pool_url.clone(),
        exe: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "poolwatch".into()),
        settings_path: settings.config_path.display().to_string(),
        updated_at: view.outcome.state.as_ref().map(|s| s.fetched_at),
        status,
        notices: view.outcome.notices.clone(),
        sort: settings.quota.sort,
        demo: globals.demo,
        pace: view.outcome.pace.clone(),
        now: view.now,
        ban_until: view.outcome.ban_until,
        title_format: settings.title_format.clone(),
        action_args: action_args(globals, settings),
        // Without data to show, the title names the problem ("setup needed").
        problem: match &view.outcome.freshness {
            Freshness::Stale { title, .. } if view.report.is_none() => Some(title.clone()),
            _ => None,
        },
        over_time: view.outcome.over_time.clone(),
    }
}

/// The global options a menu action repeats so it acts on the pool the menu
/// shows (issue 16.16): the profile, the settings file when it is not the
/// default one (`--config` or `POOLWATCH_CONFIG`), and `--demo`.
pub fn action_args(globals: &Globals, settings: &Settings) -> Vec<String> {
    let mut args = Vec::new();
    if globals.demo {
        args.push("--demo".to_string());
    }
    let chosen = globals.config.is_some() || (globals.env)(config::CONFIG_ENV).is_some();
    let path = &settings.config_path;
    if chosen && !path.as_os_str().is_empty() {
        args.push(format!("--config={}", path.display()));
    }
    // The default profile chosen by default needs no flag; any other choice
    // (flag, POOLWATCH_PROFILE, VAR_PROFILE, default_profile) is repeated.
    let implicit = settings.profile == config::DEFAULT_PROFILE
        && settings.source("profile") == config::ValueSource::Default;
    if !implicit {
        args.push(format!("--profile={}", settings.profile));
    }
    args
}
