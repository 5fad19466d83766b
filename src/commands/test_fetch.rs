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
//! the next account. Every request, the list and each usage call, goes
//! through the key guard like a refresh's (`Session::guarded`): a tentative
//! failure is stored before it is sent, nothing is sent during a pause or a
//! ban or with a rejected key, and each answer is recorded.

use super::Globals;
use crate::api::client::{Client, FetchOptions, UsageFailure};
use crate::api::providers::wants_usage;
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
        // No folder for the key guard: nothing is sent (it could not be remembered).
        None => Err(RunError::Io(tr!("cache.no_usable_folder"))),
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
    for entry in selected.iter().take(LISTED_ACCOUNTS) {
        println!(
            "    {:<40} {:<8} {}",
            terminal_text(&selection.label_for(entry), 40),
            terminal_text(&plan_of(entry.id_token_plan.as_deref()), 8),
            if entry.disabled {
                tr!("tag.disabled")
            } else {
                terminal_text(&entry.status, 20)
            },
        );
    }
    if selected.len() > LISTED_ACCOUNTS {
        println!(
            "    {}",
            tr!("tf.more_listed", n = selected.len() - LISTED_ACCOUNTS)
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
    let Some(session) = super::session_for(globals, &settings) else {
        return fail(&tr!("cache.no_usable_folder"), exit_codes::FAILURE);
    };
    let guarded = Guarded {
        session: &session,
        key: &guard_key,
        source,
    };
    let groups = by_provider(&candidates, settings.quota.primary_provider.as_deref());
    let mut result = exit_codes::OK;
    for (index, (section, entries)) in groups.iter().enumerate() {
        let primary = index == 0;
        match usage_step(
            &runtime,
            &client,
            &guarded,
            &selection,
            entries,
            now,
            &settings.usage_url,
        ) {
            Step::Answered => {}
            Step::Fatal(line, code) => return fail(&line, code),
            Step::NoneAnswered(line) if primary => {
                result = fail(&line, exit_codes::BAD_RESPONSE);
                break;
            }
            Step::NoneAnswered(line) => println!(
                "! {} ({})",
                line,
                tr!(
                    "tf.not_primary",
                    provider = crate::provider::display_name(section)
                )
            ),
        }
    }
    result
}

/// Accounts listed by name; more are summarised (`poolwatch status` lists them all).
const LISTED_ACCOUNTS: usize = 20;

/// A plan name to show: the plan, else "unknown" (never `?`).
fn plan_of(plan: Option<&str>) -> String {
    match plan.map(str::trim).filter(|p| !p.is_empty()) {
        Some(plan) => plan.to_string(),
        None => tr!("tf.plan_unknown"),
    }
}

/// The usage candidates per provider section, the primary provider first
/// (the configured `primary_provider` when present, else Codex when present,
/// else the first listed), the others in the order they appear.
fn by_provider<'a, T: std::ops::Deref<Target = &'a crate::api::auth_files::AuthFileEntry>>(
    candidates: &'a [T],
    configured: Option<&str>,
) -> Vec<(String, Vec<&'a crate::api::auth_files::AuthFileEntry>)> {
    let mut groups: Vec<(String, Vec<&crate::api::auth_files::AuthFileEntry>)> = Vec::new();
    for entry in candidates {
        let entry: &crate::api::auth_files::AuthFileEntry = entry;
        let section = crate::provider::section_id(&entry.provider);
        match groups.iter_mut().find(|(id, _)| *id == section) {
            Some((_, members)) => members.push(entry),
            None => groups.push((section, vec![entry])),
        }
    }
    let configured = configured.map(crate::provider::section_id);
    let primary = configured
        .filter(|c| groups.iter().any(|(id, _)| id == c))
        .or_else(|| {
            let codex = crate::provider::CODEX.id;
            groups
                .iter()
                .any(|(id, _)| id == codex)
                .then(|| codex.to_string())
        });
    if let Some(at) = primary.and_then(|p| groups.iter().position(|(id, _)| *id == p)) {
        let first = groups.remove(at);
        groups.insert(0, first);
    }
    groups
}

/// The key guard every usage call of `test-fetch` goes through.
struct Guarded<'a> {
    session: &'a crate::session::Session<'a>,
    key: &'a Secret,
    source: KeySource,
}

impl Guarded<'_> {
    /// One usage read under the guard: refused (nothing sent) when the guard
    /// blocks it; a refused key is recorded as a failed attempt, any other
    /// answer as an accepted key.
    fn usage(
        &self,
        runtime: &tokio::runtime::Runtime,
        client: &Client,
        entry: &crate::api::auth_files::AuthFileEntry,
        now: crate::model::Epoch,
    ) -> Result<Result<crate::model::Usage, String>, RunError> {
        self.session.guarded(self.key, self.source, || {
            match runtime.block_on(crate::api::providers::read_usage(client, entry, now)) {
                Ok(usage) => Ok(Ok(usage)),
                Err(UsageFailure::Account(message)) => Ok(Err(message)),
                Err(UsageFailure::Fatal(error)) => Err(error),
            }
        })
    }
}

enum Step {
    Answered,
    Fatal(String, i32),
    NoneAnswered(String),
}

/// Ask the usage of up to [`MAX_USAGE_TRIES`] accounts of one provider until
/// one answers, printing each answer.
fn usage_step(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    guarded: &Guarded<'_>,
    selection: &crate::api::Selection,
    candidates: &[&crate::api::auth_files::AuthFileEntry],
    now: crate::model::Epoch,
    usage_url: &str,
) -> Step {
    let mut failures = Vec::new();
    for entry in candidates.iter().take(MAX_USAGE_TRIES) {
        let label = terminal_text(&selection.label_for(entry), 60);
        match guarded.usage(runtime, client, entry, now) {
            Ok(Ok(usage)) => {
                let pct = |w: &Option<crate::model::QuotaWindow>| {
                    w.as_ref()
                        .map(|w| tr!("tf.pct_left", pct = format!("{:.0}", w.remaining_percent())))
                        .unwrap_or_else(|| tr!("tf.none"))
                };
                ok(&tr!(
                    "tf.usage",
                    label = &label,
                    plan = plan_of(
                        usage
                            .plan_type
                            .as_deref()
                            .or(entry.id_token_plan.as_deref())
                    ),
                    five = pct(&usage.five_hour),
                    week = pct(&usage.weekly)
                ));
                match failures.len() {
                    0 => {}
                    1 => println!("{}", tr!("tf.failed_before_one")),
                    n => println!("{}", tr!("tf.failed_before_n", n = n)),
                }
                return Step::Answered;
            }
            // The management key was refused (or management is off): one
            // attempt is enough, never try it again on another account.
            Err(RunError::Fetch(e)) => {
                let code = exit_codes::for_fetch_error(&e);
                return Step::Fatal(tr!("tf.usage_error", label = &label, error = e), code);
            }
            // The guard let nothing be sent (a pause, a ban, a rejected key).
            Err(other) => {
                let code = other.exit_code();
                return Step::Fatal(tr!("tf.usage_error", label = &label, error = other), code);
            }
            Ok(Err(msg)) => {
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
    let untried = match untried {
        0 => String::new(),
        n => tr!("tf.untried", n = n),
    };
    let url = terminal_text(usage_url, 100);
    Step::NoneAnswered(match failures.len() {
        1 => tr!("tf.none_answered_one", untried = untried, url = url),
        n => tr!("tf.none_answered_n", n = n, untried = untried, url = url),
    })
}
