//! API-key rows: the keys of `api-key-usage` as shown, and their share of the
//! pool's health timeline (the original app merges key buckets into it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::health::{last_buckets, merge_health, pool_health, recent_failures};
use super::PoolReport;
use crate::model::{ApiKeyUsage, HealthBucket};

/// One API key, ready for rendering. Never holds the raw key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub provider: String,
    /// Host of the key's base URL ("" when unknown).
    pub host: String,
    /// 8 hex digits identifying the key (labels and hiding refer to it).
    pub fingerprint: String,
    /// The custom `[key_labels]` label, else `provider · host · fingerprint`.
    pub label: String,
    /// Cumulative counters since the server started.
    pub success: u64,
    pub failed: u64,
    /// Failed requests in the last 3 buckets (30 minutes).
    pub recent_failures: u64,
    /// The last 20 buckets, oldest first.
    pub health: Vec<HealthBucket>,
}

/// How keys are shown: local labels and hidden fingerprints (from the settings).
#[derive(Clone, Copy, Debug)]
pub struct KeyDisplay<'a> {
    /// Fingerprints hidden with "Hide this key" / `hidden_keys` (case-insensitive).
    pub hidden: &'a [String],
    /// Custom labels by fingerprint (`[key_labels]`).
    pub labels: &'a BTreeMap<String, String>,
}

/// The default label of a key: `provider · host · fingerprint` (host left out when unknown).
pub fn default_key_label(provider: &str, host: &str, fingerprint: &str) -> String {
    [provider, host, fingerprint]
        .iter()
        .filter(|part| !part.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The visible keys as views, in the order given.
pub fn key_views(keys: &[ApiKeyUsage], display: KeyDisplay) -> Vec<ApiKeyView> {
    keys.iter()
        .filter(|k| {
            !display
                .hidden
                .iter()
                .any(|h| h.trim().eq_ignore_ascii_case(&k.fingerprint))
        })
        .map(|k| {
            let health = last_buckets(&k.recent_requests).to_vec();
            let label = display
                .labels
                .iter()
                .find(|(fp, _)| fp.trim().eq_ignore_ascii_case(&k.fingerprint))
                .map(|(_, label)| label.clone())
                .unwrap_or_else(|| default_key_label(&k.provider, &k.host, &k.fingerprint));
            ApiKeyView {
                provider: k.provider.clone(),
                host: k.host.clone(),
                fingerprint: k.fingerprint.clone(),
                label,
                success: k.success,
                failed: k.failed,
                recent_failures: recent_failures(&health),
                health,
            }
        })
        .collect()
}

/// Add the visible keys to a report and merge their buckets into the pool's
/// health timeline (hidden keys count nowhere): the top-level health and the
/// primary provider's section, which shows it when there are several.
pub fn attach_api_keys(report: &mut PoolReport, keys: &[ApiKeyUsage], display: KeyDisplay) {
    let views = key_views(keys, display);
    if !views.is_empty() {
        let merged = merge_health(
            std::iter::once(report.health.buckets.as_slice())
                .chain(views.iter().map(|v| v.health.as_slice())),
        );
        report.health = pool_health(merged);
        let primary = report.primary_provider.clone();
        if let Some(section) = report.sections.iter_mut().find(|s| s.provider == primary) {
            section.health = report.health.clone();
        }
    }
    report.api_keys = views;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Account;
    use crate::quota::{compute, QuotaSettings};

    fn buckets(pairs: &[(u64, u64)]) -> Vec<HealthBucket> {
        pairs
            .iter()
            .map(|&(success, failed)| HealthBucket {
                time: String::new(),
                success,
                failed,
            })
            .collect()
    }

    fn key(fp: &str, pairs: &[(u64, u64)]) -> ApiKeyUsage {
        ApiKeyUsage {
            provider: "openai".into(),
            host: "api.openai.com".into(),
            fingerprint: fp.into(),
            success: 10,
            failed: 2,
            recent_requests: buckets(pairs),
        }
    }

    #[test]
    fn key_buckets_join_the_pool_timeline_and_hidden_keys_do_not() {
        let account = Account {
            recent_requests: buckets(&[(1, 0), (1, 1)]),
            ..Default::default()
        };
        let mut report = compute(&[account], &QuotaSettings::default(), 0);
        assert_eq!((report.health.success, report.health.failed), (2, 1));
        let keys = [
            key("aaaaaaaa", &[(5, 0), (0, 3)]),
            key("bbbbbbbb", &[(100, 100)]),
        ];
        let hidden = vec!["BBBBBBBB".to_string()];
        let labels = BTreeMap::from([("aaaaaaaa".to_string(), "Team key".to_string())]);
        attach_api_keys(
            &mut report,
            &keys,
            KeyDisplay {
                hidden: &hidden,
                labels: &labels,
            },
        );
        assert_eq!(report.api_keys.len(), 1);
        let view = &report.api_keys[0];
        assert_eq!(view.label, "Team key");
        assert_eq!(view.recent_failures, 3);
        assert_eq!(
            (report.health.success, report.health.failed),
            (2 + 5, 1 + 3)
        );
        assert_eq!(report.health.buckets[19].failed, 1 + 3);
        assert_eq!(report.health.recent_failures, 4);
        // The primary section (shown when a pool has several) carries them too.
        let primary = report.section(&report.primary_provider).expect("a section");
        assert_eq!(primary.health, report.health);
    }

    #[test]
    fn default_labels_skip_an_unknown_host() {
        assert_eq!(
            default_key_label("openai", "api.openai.com", "1a2b3c4d"),
            "openai · api.openai.com · 1a2b3c4d"
        );
        assert_eq!(
            default_key_label("codex", "", "1a2b3c4d"),
            "codex · 1a2b3c4d"
        );
        let none = BTreeMap::new();
        let views = key_views(
            &[key("cccccccc", &[])],
            KeyDisplay {
                hidden: &[],
                labels: &none,
            },
        );
        assert_eq!(views[0].label, "openai · api.openai.com · cccccccc");
        assert!(views[0].health.is_empty());
    }
}
