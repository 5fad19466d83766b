//! The providers poolwatch knows (SPEC.md §7): one descriptor per provider,
//! read by `api` (whether to ask for quota), `quota` (weights, sections) and
//! `render` (names, units). Pure data: no I/O.
//!
//! A provider describes itself once here; no other module compares provider
//! names to decide how to compute or show something.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a provider's pool numbers are expressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Percent of one ChatGPT Plus account (Codex: 100% = one full Plus account).
    PlusPercent,
    /// Percent of one base account of the provider (weight 1; see [`Descriptor::base_plan`]).
    Percent,
}

/// How a provider's plan turns into a weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Weights {
    /// Codex: the `weights.plus|prolite|pro` settings (Plus-base).
    PlusBase,
    /// A fixed default per plan (lower-case); unknown plans weigh 1. Each entry
    /// can be overridden with the setting `weights.<provider>_<plan>`.
    Table(&'static [(&'static str, f64)]),
}

/// Everything poolwatch needs to know about one provider.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Descriptor {
    /// Normalised id (`codex`, `claude`, ...).
    pub id: &'static str,
    /// Display name (`Claude`).
    pub name: &'static str,
    pub unit: Unit,
    /// The plan that weighs 1 (what "100%" means in this provider's section).
    pub base_plan: &'static str,
    pub weights: Weights,
    /// poolwatch reads this provider's quota; false: listed with health only.
    pub readable: bool,
}

pub const CODEX: Descriptor = Descriptor {
    id: "codex",
    name: "Codex",
    unit: Unit::PlusPercent,
    base_plan: "plus",
    weights: Weights::PlusBase,
    readable: true,
};

/// Claude plans (from `oauth/profile`): Max 5x/20x are told apart by the
/// organization's `rate_limit_tier` (`…max_5x` / `…max_20x`); a Max account
/// whose tier is not sent is `max` and weighs like 5x unless configured.
pub const CLAUDE: Descriptor = Descriptor {
    id: "claude",
    name: "Claude",
    unit: Unit::Percent,
    base_plan: "pro",
    weights: Weights::Table(&[
        ("free", 1.0),
        ("pro", 1.0),
        ("team", 1.0),
        ("max", 5.0),
        ("max5x", 5.0),
        ("max20x", 20.0),
    ]),
    readable: true,
};

/// Antigravity tiers (from `loadCodeAssist`), relative to the Pro tier.
pub const ANTIGRAVITY: Descriptor = Descriptor {
    id: "antigravity",
    name: "Antigravity",
    unit: Unit::Percent,
    base_plan: "g1-pro-tier",
    weights: Weights::Table(&[
        ("free-tier", 1.0),
        ("g1-pro-tier", 1.0),
        ("g1-ultra-lite-tier", 2.0),
        ("g1-ultra-tier", 5.0),
    ]),
    readable: true,
};

/// Kimi's usage answer carries no plan: every account weighs 1.
pub const KIMI: Descriptor = Descriptor {
    id: "kimi",
    name: "Kimi",
    unit: Unit::Percent,
    base_plan: "unknown",
    weights: Weights::Table(&[]),
    readable: true,
};

/// xAI / Grok CLI accounts: weekly credits from the billing endpoint (a read;
/// never the billable chat fallback). The answer carries no plan: each weighs 1.
pub const XAI: Descriptor = Descriptor {
    id: "xai",
    name: "xAI",
    unit: Unit::Percent,
    base_plan: "unknown",
    weights: Weights::Table(&[]),
    readable: true,
};

/// Gemini CLI accounts: per-model daily quota buckets (lanes only; no 5h/week).
pub const GEMINI_CLI: Descriptor = Descriptor {
    id: "gemini-cli",
    name: "Gemini CLI",
    unit: Unit::Percent,
    base_plan: "unknown",
    weights: Weights::Table(&[]),
    readable: true,
};

/// Default upstream URLs (each one is a setting; see `config show`).
pub mod urls {
    pub const CODEX_RESET_CREDITS: &str =
        "https://chatgpt.com/backend-api/wham/rate-limit-reset-credits";
    pub const CLAUDE_USAGE: &str = "https://api.anthropic.com/api/oauth/usage";
    pub const CLAUDE_PROFILE: &str = "https://api.anthropic.com/api/oauth/profile";
    /// Antigravity base URLs, tried in order (the next on 403/404).
    pub const ANTIGRAVITY: [&str; 3] = [
        "https://daily-cloudcode-pa.googleapis.com",
        "https://daily-cloudcode-pa.sandbox.googleapis.com",
        "https://cloudcode-pa.googleapis.com",
    ];
    pub const KIMI_USAGE: &str = "https://api.kimi.com/coding/v1/usages";
    /// xAI weekly credits (Management Center `XAI_BILLING_WEEKLY_URL`).
    pub const XAI_BILLING: &str = "https://cli-chat-proxy.grok.com/v1/billing?format=credits";
    /// Gemini CLI quota (Management Center `GEMINI_CLI_QUOTA_URL`).
    pub const GEMINI_CLI_QUOTA: &str =
        "https://cloudcode-pa.googleapis.com/v1internal:retrieveUserQuota";
}

/// The providers whose quota poolwatch reads, in section order.
pub const READABLE: [&Descriptor; 6] = [&CODEX, &CLAUDE, &ANTIGRAVITY, &KIMI, &XAI, &GEMINI_CLI];

/// `(provider ?? type)` lower-cased, `_` as `-` (SPEC.md §7).
pub fn normalize(provider: &str, kind: &str) -> String {
    let raw = if provider.trim().is_empty() {
        kind
    } else {
        provider
    };
    raw.trim().to_lowercase().replace('_', "-")
}

/// The section an account's normalised provider belongs to: `codex` for
/// `codex`, anything containing `openai` and the empty provider; else itself.
pub fn section_id(provider: &str) -> String {
    let provider = normalize(provider, "");
    if provider.is_empty() || provider == CODEX.id || provider.contains("openai") {
        CODEX.id.to_string()
    } else if provider == "x-ai" || provider == "grok" {
        XAI.id.to_string()
    } else {
        provider
    }
}

/// The descriptor of a section id; None for providers poolwatch cannot read.
pub fn descriptor(section_id: &str) -> Option<&'static Descriptor> {
    READABLE.iter().copied().find(|d| d.id == section_id)
}

/// Display name of a section: the descriptor's, else the id itself.
pub fn display_name(section_id: &str) -> String {
    descriptor(section_id)
        .map(|d| d.name.to_string())
        .unwrap_or_else(|| section_id.to_string())
}

/// Unit of a section (providers read with health only count in percent).
pub fn unit(section_id: &str) -> Unit {
    descriptor(section_id).map_or(Unit::Percent, |d| d.unit)
}

/// The setting key of one plan weight of a table provider: `claude_max20x`.
pub fn weight_key(provider: &str, plan: &str) -> String {
    format!("{provider}_{plan}").replace('-', "_")
}

/// Every configurable table weight: `(setting key under weights., default)`.
pub fn table_weight_keys() -> Vec<(String, f64)> {
    READABLE
        .iter()
        .flat_map(|d| match d.weights {
            Weights::Table(table) => table
                .iter()
                .map(|(plan, w)| (weight_key(d.id, plan), *w))
                .collect(),
            Weights::PlusBase => Vec::new(),
        })
        .collect()
}

/// The table weight of `plan` for a table provider: the override from
/// `overrides` (keyed by [`weight_key`]), else the default, else 1.
pub fn table_weight(
    descriptor: &Descriptor,
    plan: &str,
    overrides: &BTreeMap<String, f64>,
) -> Option<f64> {
    let Weights::Table(table) = descriptor.weights else {
        return None;
    };
    let default = table
        .iter()
        .find(|(name, _)| *name == plan)
        .map_or(1.0, |(_, w)| *w);
    Some(
        overrides
            .get(&weight_key(descriptor.id, plan))
            .copied()
            .unwrap_or(default),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_is_provider_else_type_lower_case_with_dashes() {
        assert_eq!(normalize("Claude", "x"), "claude");
        assert_eq!(normalize("", "Gemini_CLI"), "gemini-cli");
        assert_eq!(normalize("  ", "codex"), "codex");
    }

    #[test]
    fn sections_group_codex_and_openai() {
        assert_eq!(section_id("codex"), "codex");
        assert_eq!(section_id(""), "codex");
        assert_eq!(section_id("azure-openai"), "codex");
        assert_eq!(section_id("claude"), "claude");
        assert_eq!(section_id("Gemini_CLI"), "gemini-cli");
        assert!(descriptor("qwen").is_none());
        assert_eq!(display_name("qwen"), "qwen");
        assert_eq!(display_name("gemini-cli"), "Gemini CLI");
        assert_eq!(section_id("grok"), "xai");
        assert_eq!(display_name("antigravity"), "Antigravity");
    }

    #[test]
    fn table_weights_default_and_override() {
        let mut overrides = BTreeMap::new();
        assert_eq!(table_weight(&CLAUDE, "max20x", &overrides), Some(20.0));
        assert_eq!(table_weight(&CLAUDE, "pro", &overrides), Some(1.0));
        assert_eq!(table_weight(&CLAUDE, "enterprise", &overrides), Some(1.0));
        overrides.insert("claude_max20x".to_string(), 15.0);
        assert_eq!(table_weight(&CLAUDE, "max20x", &overrides), Some(15.0));
        assert_eq!(table_weight(&CODEX, "pro", &overrides), None);
        assert_eq!(
            table_weight(&ANTIGRAVITY, "g1-ultra-tier", &BTreeMap::new()),
            Some(5.0)
        );
        assert!(table_weight_keys()
            .iter()
            .any(|(k, w)| k == "antigravity_g1_ultra_tier" && *w == 5.0));
    }
}
