//! One file per provider whose quota poolwatch reads (SPEC.md §7): its
//! api-call request(s) and its parser. This module picks the provider of an
//! auth file, runs its calls through [`Client::api_call`] and hands back a
//! [`Usage`]. What a provider *is* (name, unit, weights) lives in
//! [`crate::provider`].

pub mod antigravity;
pub mod claude;
pub mod codex;
pub mod codex_extras;
pub mod gemini_cli;
pub mod kimi;
pub mod plugin_quota;
pub mod rate_limits;
pub mod reset_credits;
pub mod xai;

use serde_json::{Map, Value};

pub use codex::UsageError;

use super::auth_files::AuthFileEntry;
use super::client::{Client, UsageFailure};
use crate::model::{Epoch, Usage};
use crate::provider;

pub use super::provider_urls::ProviderUrls;

/// The section id of an auth file (`codex`, `claude`, ...).
pub fn section_of(entry: &AuthFileEntry) -> String {
    provider::section_id(&provider::normalize(&entry.provider, &entry.kind))
}

/// True when poolwatch reads this auth file's provider (unknown providers
/// are listed with their health only).
pub fn readable(entry: &AuthFileEntry) -> bool {
    provider::descriptor(&section_of(entry)).is_some_and(|d| d.readable)
}

/// Accounts whose quota is worth asking for: enabled OAuth (non API-key)
/// auths of a provider poolwatch reads, or one the server has a quota plugin for.
pub fn wants_usage(entry: &AuthFileEntry) -> bool {
    let section = provider::section_id(&provider::normalize(&entry.provider, &entry.kind));
    !entry.disabled
        && !entry.is_api_key()
        && (provider::descriptor(&section).is_some_and(|d| d.readable)
            || entry.quota_plugin.is_some())
}

/// Read one account's quota with its provider's recipe.
pub async fn read_usage(
    client: &Client,
    entry: &AuthFileEntry,
    now: Epoch,
) -> Result<Usage, UsageFailure> {
    let urls = client.provider_urls();
    let account = |e: UsageError| UsageFailure::Account(e.to_string());
    if let Some(plugin) = entry.quota_plugin.as_deref().filter(|_| !readable(entry)) {
        // A provider poolwatch has no recipe for, with a quota plugin on the server.
        return plugin_quota::read(client, entry, plugin, now).await;
    }
    match section_of(entry).as_str() {
        "claude" => {
            let (status, body) = client
                .api_call(&claude::usage_request(entry, &urls.claude_usage))
                .await?;
            let mut usage = claude::interpret_usage(status, &body, now).map_err(account)?;
            // The plan is optional: a failed profile call never fails the account.
            // A plan read recently is reused (see `api::side_calls`).
            if let Some(plan) = client.known_plan(entry) {
                usage.plan_type = plan;
            } else if let Some((status, body)) = side_call(
                client,
                &claude::profile_request(entry, &urls.claude_profile),
            )
            .await?
            {
                usage.plan_type = claude::interpret_profile(status, &body);
                usage.plan_checked = (200..300).contains(&status);
            }
            Ok(usage)
        }
        "antigravity" => antigravity::read(client, entry, &urls.antigravity, now).await,
        "xai" => {
            let (status, body) = client
                .api_call(&xai::billing_request(entry, &urls.xai_billing))
                .await?;
            xai::interpret_billing(status, &body, now).map_err(account)
        }
        "gemini-cli" => {
            let request = gemini_cli::quota_request(entry, &urls.gemini_cli_quota).ok_or_else(|| {
                UsageFailure::Account(
                    "no project_id in the auth file: Gemini CLI quota needs it (re-login in CLIProxyAPI)"
                        .to_string(),
                )
            })?;
            let (status, body) = client.api_call(&request).await?;
            gemini_cli::interpret_quota(status, &body, now).map_err(account)
        }
        "kimi" => {
            let (status, body) = client
                .api_call(&kimi::usage_request(entry, &urls.kimi_usage))
                .await?;
            kimi::interpret_usage(status, &body, now).map_err(account)
        }
        _ => {
            let (status, body) = client
                .api_call(&codex::usage_request(entry, &urls.codex_usage))
                .await?;
            let mut usage = codex::interpret_upstream(status, &body, now).map_err(account)?;
            if client.reset_credits_due(entry) {
                // Only when it may have changed (api::side_calls); its failure is not the account's.
                if let Some((status, body)) = side_call(
                    client,
                    &reset_credits::request(entry, &urls.codex_reset_credits),
                )
                .await?
                {
                    usage.reset_credits = reset_credits::interpret(status, &body);
                }
                usage.reset_credits_checked = true;
            }
            Ok(usage)
        }
    }
}

/// An optional call next to the quota call (plan, reset credits): its failure
/// is not the account's (None), but a rejected management key still ends the fetch.
pub(crate) async fn side_call(
    client: &Client,
    request: &Value,
) -> Result<Option<(u16, String)>, UsageFailure> {
    match client.api_call(request).await {
        Ok(answer) => Ok(Some(answer)),
        Err(UsageFailure::Account(_)) => Ok(None),
        Err(fatal @ UsageFailure::Fatal(_)) => Err(fatal),
    }
}

/// The upstream body as a JSON object (a double-encoded string is decoded once).
pub(crate) fn json_object(body: &str) -> Result<Map<String, Value>, UsageError> {
    let trimmed = body.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.is_empty() {
        return Err(UsageError::Empty);
    }
    if trimmed.starts_with('<') {
        return Err(UsageError::Html);
    }
    match serde_json::from_str::<Value>(trimmed).map(codex::unwrap_json_string) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(UsageError::NoWindows),
        Err(_) if codex::contains_html_tag(trimmed) => Err(UsageError::Html),
        Err(_) => Err(UsageError::NotJson(rate_limits::snippet(
            trimmed,
            codex::SNIPPET_CHARS,
        ))),
    }
}

/// A non-2xx upstream answer as an error with a short reason from the body.
pub(crate) fn non_success(status: u16, body: &str) -> UsageError {
    UsageError::Http {
        status,
        message: codex::error_message(body),
    }
}
