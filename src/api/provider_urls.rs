//! Every upstream URL poolwatch asks through api-call (all configurable).
//! Kept apart from `providers/` so the HTTP client can hold them without
//! importing a provider (a provider calls the client, never the reverse).

use crate::provider::urls;

/// Every upstream URL poolwatch asks through api-call.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderUrls {
    pub codex_usage: String,
    pub codex_reset_credits: String,
    pub claude_usage: String,
    pub claude_profile: String,
    /// Antigravity base URLs, tried in order (the next on 403/404).
    pub antigravity: Vec<String>,
    pub kimi_usage: String,
    /// xAI weekly credits (billing endpoint).
    pub xai_billing: String,
    /// Gemini CLI quota buckets.
    pub gemini_cli_quota: String,
}

impl Default for ProviderUrls {
    fn default() -> Self {
        ProviderUrls {
            codex_usage: crate::config::DEFAULT_USAGE_URL.to_string(),
            codex_reset_credits: urls::CODEX_RESET_CREDITS.to_string(),
            claude_usage: urls::CLAUDE_USAGE.to_string(),
            claude_profile: urls::CLAUDE_PROFILE.to_string(),
            antigravity: urls::ANTIGRAVITY.iter().map(|s| s.to_string()).collect(),
            kimi_usage: urls::KIMI_USAGE.to_string(),
            xai_billing: urls::XAI_BILLING.to_string(),
            gemini_cli_quota: urls::GEMINI_CLI_QUOTA.to_string(),
        }
    }
}
