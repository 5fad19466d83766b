//! `poolwatch serve`: the HTTP server of `src/serve/`, fed by a refresher thread that reads each
//! profile through the same Session as every other run (cache, lock, single flight, key guard):
//! a menu and a server on one machine share one fetch per TTL.

use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use super::{menu_context, obtain, system_now, Globals};
use crate::cli::ServeArgs;
use crate::config::{self, Settings};
use crate::exit_codes;
use crate::serve::{self, Board, Entry, Limits, Token, MIN_TOKEN_CHARS};
use crate::session::{Freshness, Trigger};

/// The environment variable holding the serve token.
pub const TOKEN_ENV: &str = "POOLWATCH_SERVE_TOKEN";
/// Token files larger than this are refused.
const MAX_TOKEN_FILE: u64 = 4096;

/// `poolwatch serve`.
pub fn run(globals: &Globals, args: &ServeArgs) -> i32 {
    let profiles = match profiles_of(globals, args.all_profiles) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut all_settings = Vec::new();
    for profile in &profiles {
        match globals
            .with_profile_opt(profile.as_deref())
            .settings_or_exit()
        {
            Ok(s) => all_settings.push(s),
            Err(code) => return code,
        }
    }
    let Some(first) = all_settings.first() else {
        return exit_codes::CONFIG;
    };
    let token = match token_of(globals, first) {
        Ok(token) => token,
        Err(message) => {
            eprintln!("poolwatch: {message}");
            return exit_codes::CONFIG;
        }
    };
    if token.is_none() && !serve::is_loopback(&args.listen) {
        eprintln!(
            "poolwatch: {}",
            crate::tr!("serve.needs_token", addr = args.listen, n = MIN_TOKEN_CHARS)
        );
        return exit_codes::CONFIG;
    }
    let listener = match TcpListener::bind(args.listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "poolwatch: {}",
                crate::tr!("serve.cannot_listen", addr = args.listen, error = e)
            );
            return exit_codes::FAILURE;
        }
    };
    let local = listener.local_addr().unwrap_or(args.listen);
    // The first views come from the cache alone: the server answers at once.
    let board = Board::new(
        all_settings
            .iter()
            .map(|s| entry_of(globals, s, Trigger::Offline))
            .collect(),
    );
    let names: Vec<String> = all_settings.iter().map(|s| s.profile.clone()).collect();
    eprintln!(
        "poolwatch: {}",
        crate::tr!(
            "serve.listening",
            url = format!("http://{local}/"),
            profiles = names.join(", ")
        )
    );
    let interval = Duration::from_secs(args.interval.unwrap_or(first.ttl.as_secs()).max(1));
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let refresher = {
        let board = board.clone();
        let demo = globals.demo;
        let privacy = globals.privacy;
        let config = globals.config.clone();
        std::thread::spawn(move || {
            let globals = Globals {
                demo,
                privacy,
                config,
                profile: None,
                env: &config::process_env,
                clock: &system_now,
            };
            refresh_loop(&globals, &profiles, &board, interval, &stop_rx);
            let _ = done_tx.send(());
        })
    };
    let options = serve::Options {
        token,
        limits: Limits {
            max_connections: args.max_connections as usize,
            header_timeout: Duration::from_secs(args.request_timeout),
            connection_lifetime: Duration::from_secs(args.request_timeout * 6),
            ..Limits::default()
        },
        clock: system_now,
    };
    let served = serve::run(listener, board, options);
    let _ = stop_tx.send(());
    // A fetch in flight finishes (its cache write is atomic either way) within its deadline.
    let wait = first.deadline + Duration::from_secs(2);
    if done_rx.recv_timeout(wait).is_ok() {
        let _ = refresher.join();
    }
    match served {
        Ok(()) => {
            eprintln!("poolwatch: {}", crate::tr!("serve.stopped"));
            exit_codes::OK
        }
        Err(e) => {
            eprintln!(
                "poolwatch: {}",
                crate::tr!("serve.cannot_listen", addr = local, error = e)
            );
            exit_codes::FAILURE
        }
    }
}

/// The profiles to serve: every profile, or the selected one (None = the usual selection).
fn profiles_of(globals: &Globals, all: bool) -> Result<Vec<Option<String>>, i32> {
    if !all {
        return Ok(vec![globals.profile.clone()]);
    }
    globals
        .profile_names()
        .map(|names| names.into_iter().map(Some).collect())
        .map_err(|e| {
            eprintln!("poolwatch: {e}");
            exit_codes::CONFIG
        })
}

/// Every `interval`: each profile through the Session (an automatic run: the TTL, the lock and
/// the key guard decide whether it fetches), then its new view on the board.
fn refresh_loop(
    globals: &Globals,
    profiles: &[Option<String>],
    board: &Board,
    interval: Duration,
    stop: &mpsc::Receiver<()>,
) {
    loop {
        for profile in profiles {
            let scoped = globals.with_profile_opt(profile.as_deref());
            // A settings file broken while serving keeps the last view.
            if let Ok(settings) = scoped.settings() {
                board.put(entry_of(&scoped, &settings, Trigger::Automatic));
            }
            if !matches!(stop.try_recv(), Err(mpsc::TryRecvError::Empty)) {
                return;
            }
        }
        match stop.recv_timeout(interval) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
    }
}

/// One profile's board entry after a run with `trigger`.
fn entry_of(globals: &Globals, settings: &Settings, trigger: Trigger) -> Entry {
    let view = obtain(globals, settings, trigger);
    let ctx = menu_context(globals, settings, &view);
    Entry {
        settings: settings.clone(),
        stale: matches!(view.outcome.freshness, Freshness::Stale { .. }),
        auth_failed: matches!(view.outcome.freshness, Freshness::AuthLatched { .. }),
        report: view.report,
        ctx,
        lang: crate::i18n::current(),
    }
}

/// The bearer token: POOLWATCH_SERVE_TOKEN, else the first profile's `serve.token_file`.
fn token_of(globals: &Globals, settings: &Settings) -> Result<Option<Token>, String> {
    let bad = |source: &str| crate::tr!("serve.bad_token", source = source, n = MIN_TOKEN_CHARS);
    if let Some(text) = (globals.env)(TOKEN_ENV).filter(|t| !t.trim().is_empty()) {
        return Token::new(&text).map(Some).ok_or_else(|| bad(TOKEN_ENV));
    }
    let Some(path) = &settings.serve_token_file else {
        return Ok(None);
    };
    let text = read_token_file(path)
        .map_err(|error| crate::tr!("serve.token_file", path = path.display(), error = error))?;
    Token::new(&text)
        .map(Some)
        .ok_or_else(|| bad(&path.display().to_string()))
}

/// The token file's text: a regular file of at most 4 KiB that only its owner can read.
fn read_token_file(path: &Path) -> Result<String, String> {
    let metadata = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !metadata.is_file() || metadata.len() > MAX_TOKEN_FILE {
        return Err(crate::tr!("serve.token_file_kind"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(crate::tr!(
                "serve.token_file_mode",
                mode = format!("{mode:04o}"),
                path = path.display()
            ));
        }
    }
    let bytes = crate::store::safe_file::read_capped(path, 64 * 1024).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_TOKEN_FILE {
        return Err(crate::tr!("serve.token_file_kind"));
    }
    String::from_utf8(bytes).map_err(|e| e.to_string())
}
