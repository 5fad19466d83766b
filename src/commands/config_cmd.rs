//! `poolwatch config ...`: settings file and management key.

use crate::tr;
use std::io::IsTerminal;
use std::path::PathBuf;

use super::Globals;
use crate::cli::ConfigCommand;
use crate::config;
use crate::exit_codes;
use crate::secrets;
use crate::session::Session;
use crate::store::cache::{self, CachePaths, Loaded};
use crate::store::lock;

/// Run a `config` subcommand.
pub fn run(globals: &Globals, command: ConfigCommand) -> i32 {
    let writes = match &command {
        ConfigCommand::Init { .. } => Some("config init"),
        ConfigCommand::Set { .. } => Some("config set"),
        ConfigCommand::SetKey => Some("config set-key"),
        ConfigCommand::DeleteKey => Some("config delete-key"),
        ConfigCommand::Edit => Some("config edit"),
        ConfigCommand::HideKey { .. } => Some("config hide-key"),
        ConfigCommand::ShowKey { .. } => Some("config show-key"),
        ConfigCommand::Path | ConfigCommand::Show => None,
    };
    if let Some(code) = writes.and_then(|what| super::demo_guard::refuse(globals, what)) {
        return code;
    }
    match command {
        ConfigCommand::Path => match config_path(globals) {
            Some(path) => {
                println!("{}", path.display());
                exit_codes::OK
            }
            None => no_home(),
        },
        ConfigCommand::Init { pool_url, force } => {
            let Some(path) = config_path(globals) else {
                return no_home();
            };
            match config::init_file(&path, pool_url.as_deref(), force) {
                Ok(()) => {
                    println!("{}", tr!("cfg.wrote", path = path.display()));
                    if secrets::keychain_persistent() {
                        println!("{}", tr!("cfg.next_keychain"));
                    } else {
                        println!("{}", tr!("cfg.next_env", var = secrets::KEY_ENV));
                    }
                    exit_codes::OK
                }
                Err(e) => report(e),
            }
        }
        ConfigCommand::Set { key, value } => {
            let Some(path) = config_path(globals) else {
                return no_home();
            };
            if let Some(refusal) = set_refusal(&key, &value) {
                eprintln!("poolwatch: {refusal}");
                return exit_codes::USAGE;
            }
            let profile = globals
                .profile
                .clone()
                .or_else(|| (globals.env)(config::PROFILE_ENV))
                .filter(|p| p != config::DEFAULT_PROFILE);
            match config::set_value(&path, profile.as_deref(), &key, &value) {
                Ok(()) => exit_codes::OK,
                Err(e) => report(e),
            }
        }
        ConfigCommand::Show => match globals.settings() {
            Ok(settings) => {
                let key_status = match secrets::load_key_for(
                    &settings.profile,
                    settings.key_file.as_deref(),
                    globals.env,
                ) {
                    Ok((_, secrets::KeySource::Env)) => tr!("cfg.key_from_env"),
                    Ok((_, secrets::KeySource::ProfileEnv)) => tr!(
                        "cfg.key_from_profile_env",
                        var = secrets::profile_key_env(&settings.profile)
                    ),
                    Ok((_, secrets::KeySource::File)) => tr!("cfg.key_from_file"),
                    Ok((_, secrets::KeySource::Keychain)) => tr!("cfg.key_in_keychain"),
                    Err(secrets::KeyError::NotSet { .. }) => tr!(
                        "cfg.key_not_set",
                        hint = secrets::key_hint_for_profile(&settings.profile)
                    ),
                    Err(other) => other.to_string(),
                };
                let cache_dir = Session::cache_dir(&settings, globals.env);
                let snapshot = super::snapshot_path(&settings);
                print!(
                    "{}",
                    config::show_with_paths(
                        &settings,
                        &key_status,
                        cache_dir.as_deref(),
                        snapshot.as_deref()
                    )
                );
                exit_codes::OK
            }
            Err(e) => report(e),
        },
        ConfigCommand::SetKey => set_key(globals),
        ConfigCommand::HideKey { fingerprint } => super::hide_key::run(globals, &fingerprint, true),
        ConfigCommand::ShowKey { fingerprint } => {
            super::hide_key::run(globals, &fingerprint, false)
        }
        ConfigCommand::Edit => edit(globals),
        ConfigCommand::DeleteKey => {
            let settings = match globals.settings_or_exit() {
                Ok(s) => s,
                Err(code) => return code,
            };
            match secrets::delete_key(&settings.profile) {
                Ok(true) => {
                    println!("{}", tr!("cfg.key_removed", profile = &settings.profile));
                    exit_codes::OK
                }
                Ok(false) => {
                    let text = match secrets::keychain_persistent() {
                        true => tr!("cfg.no_key_keychain", profile = &settings.profile),
                        false => tr!("cfg.no_key_no_keychain", profile = &settings.profile),
                    };
                    println!("{text}");
                    if (globals.env)(secrets::KEY_ENV).is_some_and(|k| !k.trim().is_empty()) {
                        println!("{}", tr!("cfg.key_from_env_unset", var = secrets::KEY_ENV));
                    }
                    exit_codes::OK
                }
                Err(e) => {
                    eprintln!("poolwatch: {e}");
                    exit_codes::CONFIG
                }
            }
        }
    }
}

fn set_key(globals: &Globals) -> i32 {
    let settings = match globals.settings_or_exit() {
        Ok(s) => s,
        Err(code) => return code,
    };
    if !secrets::keychain_persistent() {
        eprintln!(
            "poolwatch: {}",
            tr!("cfg.no_keychain", var = secrets::KEY_ENV)
        );
        return exit_codes::CONFIG;
    }
    let key = if std::io::stdin().is_terminal() {
        secrets::prompt_key_no_echo(&tr!("cfg.prompt", profile = &settings.profile))
    } else {
        secrets::read_key_from(std::io::stdin().lock())
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => {
            eprintln!("poolwatch: {e}");
            return exit_codes::CONFIG;
        }
    };
    if let Err(e) = secrets::store_key(&settings.profile, &key) {
        eprintln!("poolwatch: {e}");
        return exit_codes::CONFIG;
    }
    lift_auth_latch(globals, &settings);
    println!("{}", tr!("cfg.key_stored", profile = &settings.profile));
    exit_codes::OK
}

/// `config edit`: make sure the file exists, then open it.
fn edit(globals: &Globals) -> i32 {
    let Some(path) = config_path(globals) else {
        return no_home();
    };
    if !path.exists() {
        if let Err(e) = config::init_file(&path, None, false) {
            return report(e);
        }
        eprintln!("{}", tr!("cfg.created", path = path.display()));
    }
    let mut command = match editor_command(globals) {
        Some(argv) => {
            let mut command = std::process::Command::new(&argv[0]);
            command.args(&argv[1..]);
            command
        }
        None => {
            println!("{}", path.display());
            eprintln!("poolwatch: {}", tr!("cfg.no_editor"));
            return exit_codes::FAILURE;
        }
    };
    match command.arg(&path).status() {
        Ok(status) if status.success() => exit_codes::OK,
        Ok(status) => {
            eprintln!("poolwatch: {}", tr!("cfg.editor_exit", status = status));
            exit_codes::FAILURE
        }
        Err(e) => {
            eprintln!("poolwatch: {}", tr!("cfg.editor_error", error = e));
            exit_codes::FAILURE
        }
    }
}

/// Keys `config set` refuses before touching the file, with what to do instead:
/// the management key (never stored in the file), a profile's key spelled as
/// a path (`profiles.work.pool_url`), a plan weight below the minimum.
fn set_refusal(key: &str, value: &str) -> Option<String> {
    let key = key.trim();
    let lower = key.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "management_key" | "management-key" | "key" | "secret_key" | "secret-key"
    ) {
        return Some(tr!("cfg.key_never_in_file", hint = secrets::key_hint()));
    }
    if let Some(rest) = key.strip_prefix("profiles.") {
        if let Some((profile, inner)) = rest.split_once('.') {
            return Some(tr!(
                "cfg.profile_key_path",
                profile = profile,
                key = inner,
                value = value
            ));
        }
    }
    if lower.starts_with("weights.") {
        if let Ok(weight) = value.trim().parse::<f64>() {
            if weight < config::MIN_WEIGHT {
                return Some(tr!(
                    "cfg.weight_too_small",
                    key = key,
                    min = config::MIN_WEIGHT
                ));
            }
        }
    }
    None
}

/// TextEdit on macOS (works from a menu click, without a terminal); else
/// `$VISUAL` / `$EDITOR` split on spaces (`code --wait` works).
fn editor_command(globals: &Globals) -> Option<Vec<String>> {
    if cfg!(target_os = "macos") {
        return Some(vec!["/usr/bin/open".into(), "-t".into()]);
    }
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|var| (globals.env)(var))
        .map(|value| {
            value
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .find(|argv| !argv.is_empty())
}

/// A new key deserves a new attempt: remove a latched 401/403 from the cache.
fn lift_auth_latch(globals: &Globals, settings: &config::Settings) {
    let Some(dir) = Session::cache_dir(settings, globals.env) else {
        return;
    };
    let paths = CachePaths::in_dir(&dir, &settings.profile);
    let Ok(Some(_guard)) = lock::lock_within(&paths.lock, std::time::Duration::from_secs(30))
    else {
        return;
    };
    if let Ok(Loaded::Found(mut found)) = cache::load(&paths.data) {
        if found.auth_latch.take().is_some() {
            // The next run asks at once with the new key (the key guard still
            // refuses it if it is the very key that was rejected).
            found.last_attempt_at = None;
            let _ = cache::save(&paths.data, &found);
        }
    }
}

/// `--config`, else POOLWATCH_CONFIG, else the platform default.
fn config_path(globals: &Globals) -> Option<PathBuf> {
    globals.config_path()
}

fn no_home() -> i32 {
    eprintln!("poolwatch: {}", tr!("cfg.no_home"));
    exit_codes::CONFIG
}

fn report(e: config::ConfigError) -> i32 {
    eprintln!("poolwatch: {e}");
    exit_codes::CONFIG
}
