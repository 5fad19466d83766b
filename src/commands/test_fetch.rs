//! `poolwatch test-fetch`: the original app's "Test Fetch", step by step.
//!
//! Each step prints ✓ or ✗ with what to do; the first failure ends the run
//! with its exit code. The usage step tries up to [`MAX_USAGE_TRIES`]
//! accounts until one answers (printing `!` for each failure), so one broken
//! account (an HTML challenge, an expired token) does not fail a working pool.
//!
//! The key is loaded once. A wrong key costs one failed attempt: the account
//! list is the first request and a 401/403 there ends the run; a 401/403 on
//! a usage call (the management key refused) ends it too, never retried on
//! the next account.

use super::Globals;
use crate::api::client::{wants_usage, Client, FetchOptions, UsageFailure};
use crate::exit_codes;
use crate::render::sanitize::terminal_text;
use crate::secrets::{self, KeySource, Secret};
use crate::session::selection_of;
use crate::session::RunError;
use crate::tr;

/// Accounts whose usage is tried before giving up.
pub const MAX_USAGE_TRIES: usize = 5;

fn ok(line: &str) {
    println!("✓ {line}");
}

fn fail(line: &str, code: i32) -> i32 {
    println!("✗ {line}");
    code
}

/// Run the checks.
pub fn run(globals: &Globals) -> i32 {
    if globals.demo {
        println!("{}", tr!("tf.demo"));
        return exit_codes::OK;
    }
    let settings = match globals.settings() {
        Ok(s) => s,
        Err(e) => return fail(&tr!("tf.settings_error", error = e), exit_codes::CONFIG),
    };
    let where_from = if settings.file_found {
        settings.config_path.display().to_string()
    } else {
        tr!("tf.defaults")
    };
    ok(&tr!(
        "tf.settings",
        profile = &settings.profile,
        from = where_from
    ));
    if settings.pool_url.is_empty() {
        return fail(&tr!("tf.no_pool_url"), exit_codes::CONFIG);
    }
    ok(&tr!("tf.pool_url", url = &settings.pool_url));
    let (key, source) =
        match secrets::load_key_for(&settings.profile, settings.key_file.as_deref(), globals.env) {
            Ok(found) => found,
            Err(e) => return fail(&tr!("tf.key_error", error = e), exit_codes::CONFIG),
        };
    ok(&match source {
        KeySource::Env => tr!("tf.key_env"),
        KeySource::ProfileEnv => tr!(
            "tf.key_profile_env",
            var = secrets::profile_key_env(&settings.profile)
        ),
        KeySource::File => tr!("tf.key_file"),
        KeySource::Keychain => tr!("tf.key_keychain"),
    });

    let options = FetchOptions {
        pool_url: settings.pool_url.clone(),
        usage_url: settings.usage_url.clone(),
        concurrency: 1,
        request_timeout: settings.request_timeout,
        deadline: settings.deadline,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&tr!("tf.runtime", error = e), exit_codes::FAILURE),
    };
    let guard_key = Secret::new(key.expose());
    let client = match Client::new(options, key) {
        Ok(c) => c
            .with_provider_urls(crate::session::provider_urls_of(&settings))
            .without_reset_credits(),
        Err(e) => return fail(&e.to_string(), exit_codes::for_fetch_error(&e)),
    };
    // The key is sent under the same guard as every refresh: a rejected key
    // is not sent again and never more than 3 failures in 30 minutes.
    let ask = || runtime.block_on(client.auth_files());
    let listed = match super::session_for(globals, &settings) {
        Some(session) => session.guarded(&guard_key, source, ask),
        None => ask().map_err(RunError::Fetch),
    };
    let (entries, version) = match listed {
        Ok(found) => found,
        Err(RunError::Fetch(e)) => {
            return fail(
                &tr!("tf.list_error", error = e),
                exit_codes::for_fetch_error(&e),
            )
        }
        Err(e) => return fail(&tr!("tf.list_error", error = e), e.exit_code()),
    };
    let selection = selection_of(&settings);
    let selected: Vec<_> = entries.iter().filter(|e| selection.keeps(e)).collect();
    ok(&tr!(
        "tf.list",
        files = match entries.len() {
            1 => tr!("tf.one_file"),
            n => tr!("tf.n_files", n = n),
        },
        selected = selected.len(),
        providers = settings.providers.join(", "),
        server = version
            .map(|v| tr!("tf.server", version = terminal_text(&v, 40)))
            .unwrap_or_default()
    ));
    for entry in &selected {
        println!(
            "    {:<40} {:<8} {}",
            terminal_text(&selection.label_for(entry), 40),
            terminal_text(entry.id_token_plan.as_deref().unwrap_or("?"), 8),
            if entry.disabled {
                tr!("tag.disabled")
            } else {
                terminal_text(&entry.status, 20)
            },
        );
    }
    let candidates: Vec<_> = selected.iter().filter(|e| wants_usage(e)).collect();
    if candidates.is_empty() {
        return fail(
            &tr!(
                "tf.no_candidates",
                selected = selected.len(),
                total = entries.len(),
                providers = crate::config::toml_list(&settings.providers),
                hidden = match settings.hidden.is_empty() {
                    true => String::new(),
                    false => format!(", hidden = {}", crate::config::toml_list(&settings.hidden)),
                }
            ),
            exit_codes::CONFIG,
        );
    }
    let now = (globals.clock)();
    let mut failures = Vec::new();
    for entry in candidates.iter().take(MAX_USAGE_TRIES) {
        let label = terminal_text(&selection.label_for(entry), 60);
        match runtime.block_on(client.usage(entry, now)) {
            Ok(usage) => {
                let pct = |w: &Option<crate::model::QuotaWindow>| {
                    w.as_ref()
                        .map(|w| tr!("tf.pct_left", pct = format!("{:.0}", w.remaining_percent())))
                        .unwrap_or_else(|| tr!("tf.none"))
                };
                ok(&tr!(
                    "tf.usage",
                    label = &label,
                    plan = usage.plan_type.as_deref().unwrap_or("?"),
                    five = pct(&usage.five_hour),
                    week = pct(&usage.weekly)
                ));
                if !failures.is_empty() {
                    println!("{}", tr!("tf.failed_before", n = failures.len()));
                }
                return exit_codes::OK;
            }
            // The management key was refused (or management is off): one
            // attempt is enough, never try it again on another account.
            Err(UsageFailure::Fatal(e)) => {
                return fail(
                    &tr!("tf.usage_error", label = &label, error = e),
                    exit_codes::for_fetch_error(&e),
                )
            }
            Err(UsageFailure::Account(msg)) => {
                println!(
                    "! {}",
                    tr!(
                        "tf.usage_error",
                        label = &label,
                        error = terminal_text(&msg, 200)
                    )
                );
                failures.push(label);
            }
        }
    }
    let untried = candidates.len().saturating_sub(MAX_USAGE_TRIES);
    fail(
        &tr!(
            "tf.none_answered",
            n = failures.len(),
            untried = match untried {
                0 => String::new(),
                n => tr!("tf.untried", n = n),
            },
            url = terminal_text(&settings.usage_url, 100)
        ),
        exit_codes::BAD_RESPONSE,
    )
}
