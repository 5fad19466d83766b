//! Per-provider sections of the pool: which provider is primary, the order
//! of sections and the reset-credit totals. Pure.

use super::{AccountView, QuotaSettings};
use crate::model::ResetCredits;
use crate::provider;

/// Section ids present in `views`: the primary first, then the readable
/// providers in their fixed order, then the others alphabetically.
pub fn section_order(views: &[AccountView], primary: &str) -> Vec<String> {
    let mut present: Vec<String> = Vec::new();
    for view in views {
        if !present.contains(&view.provider) {
            present.push(view.provider.clone());
        }
    }
    let rank = |id: &str| {
        if id == primary {
            (0, String::new())
        } else {
            match provider::READABLE.iter().position(|d| d.id == id) {
                Some(i) => (1 + i, String::new()),
                None => (provider::READABLE.len() + 1, id.to_string()),
            }
        }
    };
    present.sort_by_key(|id| rank(id));
    present
}

/// The primary provider: the configured one when it is present, else Codex
/// when present, else the first provider present; with no accounts the
/// configured one, else Codex.
pub fn choose_primary(views: &[AccountView], settings: &QuotaSettings) -> String {
    let configured = settings
        .primary_provider
        .as_deref()
        .map(provider::section_id)
        .filter(|p| !p.is_empty());
    let present = |id: &str| views.iter().any(|v| v.provider == id);
    if let Some(configured) = configured.as_deref().filter(|c| present(c)) {
        return configured.to_string();
    }
    if present(provider::CODEX.id) {
        return provider::CODEX.id.to_string();
    }
    if views.is_empty() {
        return configured.unwrap_or_else(|| provider::CODEX.id.to_string());
    }
    section_order(views, "")
        .into_iter()
        .next()
        .unwrap_or_else(|| provider::CODEX.id.to_string())
}

/// Sum of the available reset credits and the soonest expiry (None when no
/// account's credits were read).
pub fn total_reset_credits<'a>(
    views: impl IntoIterator<Item = &'a AccountView>,
) -> Option<ResetCredits> {
    views
        .into_iter()
        .filter_map(|v| v.reset_credits.as_ref())
        .fold(None, |total: Option<ResetCredits>, credits| {
            let mut total = total.unwrap_or(ResetCredits {
                available: 0,
                expires_at: None,
            });
            total.available = total.available.saturating_add(credits.available);
            if credits.available > 0 {
                total.expires_at = match (total.expires_at, credits.expires_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            Some(total)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(provider: &str) -> AccountView {
        AccountView {
            provider: provider.into(),
            ..AccountView::default()
        }
    }

    #[test]
    fn primary_is_configured_else_codex_else_first() {
        let settings = QuotaSettings::default();
        let mixed = [view("kimi"), view("claude"), view("codex")];
        assert_eq!(choose_primary(&mixed, &settings), "codex");
        let no_codex = [view("kimi"), view("gemini"), view("claude")];
        assert_eq!(choose_primary(&no_codex, &settings), "claude");
        let configured = QuotaSettings {
            primary_provider: Some("Claude".into()),
            ..QuotaSettings::default()
        };
        assert_eq!(choose_primary(&mixed, &configured), "claude");
        // A configured provider that is absent falls back.
        assert_eq!(choose_primary(&[view("codex")], &configured), "codex");
        assert_eq!(choose_primary(&[], &configured), "claude");
        assert_eq!(choose_primary(&[], &settings), "codex");
    }

    #[test]
    fn sections_primary_first_then_fixed_order_then_names() {
        let views = [
            view("zeta"),
            view("kimi"),
            view("claude"),
            view("alpha"),
            view("codex"),
            view("claude"),
        ];
        assert_eq!(
            section_order(&views, "kimi"),
            ["kimi", "codex", "claude", "alpha", "zeta"]
        );
    }

    #[test]
    fn reset_credits_sum_and_soonest_expiry_of_available_ones() {
        let with = |available, expires_at| AccountView {
            reset_credits: Some(ResetCredits {
                available,
                expires_at,
            }),
            ..AccountView::default()
        };
        let views = [
            with(2, Some(500)),
            with(0, Some(100)),
            with(1, Some(300)),
            AccountView::default(),
        ];
        assert_eq!(
            total_reset_credits(&views),
            Some(ResetCredits {
                available: 3,
                expires_at: Some(300)
            })
        );
        assert_eq!(total_reset_credits(&[AccountView::default()]), None);
    }
}
