//! The CLIProxyAPI Management API: parsing its answers, the HTTP client, and
//! turning one fetch into a [`PoolState`] that keeps the last good values.

pub mod api_keys;
pub mod auth_files;
pub mod client;
pub mod error;
pub mod observations;
pub mod pool_fetch;
pub mod provider_urls;
pub mod providers;
pub mod refresh_plan;
pub mod routes;
pub mod side_calls;

/// The Codex `wham/usage` parser under its former name.
pub use providers::codex as usage;

use std::collections::{BTreeMap, HashMap};

use auth_files::AuthFileEntry;
use client::FetchReport;

use crate::config;
use crate::model::{Account, ApiKeyUsage, Epoch, PoolState, SourceKind, UsageBasis, UsageSource};

/// Which auth files to show, and how to name them.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Provider/type substrings that select an auth file (`codex`, `openai`).
    pub providers: Vec<String>,
    /// Auth file names or emails to hide.
    pub hidden: Vec<String>,
    /// Custom labels keyed by auth file name or email.
    pub labels: BTreeMap<String, String>,
}

impl Selection {
    /// True when the entry belongs in the pool view.
    pub fn keeps(&self, entry: &AuthFileEntry) -> bool {
        config::provider_selected(&entry.provider, &entry.kind, &self.providers)
            && !config::hidden_matches(&self.hidden, &entry.name, entry.email.as_deref())
    }

    /// True when a stored account still belongs in the pool view (the rule of
    /// [`Selection::keeps`] applied to what the cache kept of its auth file).
    pub fn keeps_account(&self, account: &crate::model::Account) -> bool {
        config::provider_selected(&account.provider, "", &self.providers)
            && !config::hidden_matches(&self.hidden, &account.name, account.email.as_deref())
    }

    /// True when an API key's provider passes the provider filter (the same rule as accounts).
    pub fn keeps_key(&self, key: &ApiKeyUsage) -> bool {
        config::provider_selected(&key.provider, "", &self.providers)
    }

    /// The label shown for an entry: custom label, else email, else label, else name.
    pub fn label_for(&self, entry: &AuthFileEntry) -> String {
        config::custom_label(&self.labels, &entry.name, entry.email.as_deref())
            .map(str::to_string)
            .or_else(|| entry.email.clone())
            .filter(|l| !l.is_empty())
            .or_else(|| Some(entry.label.clone()).filter(|l| !l.is_empty()))
            .unwrap_or_else(|| entry.name.clone())
    }
}

impl Selection {
    /// A short fingerprint of the selection (FNV-1a of providers, hidden and labels), stored with
    /// a fetched state so a changed setting is noticed.
    pub fn stamp(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |text: &str| {
            for byte in text.bytes().chain([0xff]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        };
        self.providers.iter().for_each(|p| feed(p));
        feed("\u{1}hidden");
        self.hidden.iter().for_each(|h| feed(h));
        feed("\u{1}labels");
        for (name, label) in &self.labels {
            feed(name);
            feed(label);
        }
        format!("{hash:016x}")
    }
}

/// Build the new pool state from a fetch. Accounts whose usage call failed keep
/// their previous usage (matched by id, then name) and carry the error, so the
/// last good values stay visible, marked stale.
pub fn merge_fetch(
    previous: Option<&PoolState>,
    report: FetchReport,
    selection: &Selection,
    now: Epoch,
) -> PoolState {
    let old: HashMap<&str, &Account> = previous
        .map(|p| {
            p.accounts
                .iter()
                .flat_map(|a| [(a.id.as_str(), a), (a.name.as_str(), a)])
                .collect()
        })
        .unwrap_or_default();
    let mut results: HashMap<String, client::UsageResult> = report.usages.into_iter().collect();
    let mut accounts: Vec<Account> = report
        .entries
        .into_iter()
        .map(|entry| {
            let previous = old
                .get(entry.id.as_str())
                .or_else(|| old.get(entry.name.as_str()));
            let basis = UsageBasis {
                success: entry.success,
                failed: entry.failed,
            };
            let kept = |p: Option<&&Account>| UsageKept {
                usage: p.and_then(|p| p.usage.clone()),
                fetched_at: p.and_then(|p| p.usage_fetched_at),
                checked_at: p.and_then(|p| p.usage_checked_at),
                basis: p.and_then(|p| p.usage_basis),
                error: None,
            };
            let result = results.remove(&entry.id);
            let token_refused = matches!(&result, Some(Err(e)) if usage::refused_token(e));
            let usage = match result {
                Some(Ok(usage)) => UsageKept {
                    usage: Some(keep_unspoken(usage, previous.copied())),
                    fetched_at: Some(now),
                    checked_at: Some(now),
                    basis: Some(basis),
                    error: None,
                },
                // Cut by the deadline: no answer, so the answer time stays.
                Some(Err(error)) if report.cut_by_deadline.contains(&entry.id) => UsageKept {
                    error: Some(error),
                    ..kept(previous)
                },
                Some(Err(error)) => UsageKept {
                    checked_at: Some(now),
                    error: Some(error),
                    ..kept(previous)
                },
                None if entry.is_api_key() => UsageKept {
                    error: Some(crate::tr!("account.api_key_no_quota")),
                    ..kept(None)
                },
                // Not asked (disabled, or unchanged since its last fetch): keep
                // what we knew, with its age and its last error.
                None => UsageKept {
                    error: previous.and_then(|p| p.usage_error.clone()),
                    ..kept(previous)
                },
            };
            let mut account = account_from_entry(entry, selection, usage);
            account.token_refused = token_refused;
            account
        })
        .collect();
    providers::reset_credits::carry_over(&mut accounts, &old, now);
    PoolState {
        fetched_at: now,
        accounts,
        server_version: report.server_version,
        partial: report.deadline_hit,
        api_keys: Vec::new(),
        auth_files_seen: report.auth_files_seen,
        selection: Some(selection.stamp()),
        management_api: report.management_api,
        api_notice: report.api_notice,
        quiet_reads: Vec::new(),
    }
}

/// [`merge_fetch`] where the accounts not asked whose fresh observation is
/// their usage (see [`refresh_plan::observation_is_usage`]) take it, marked
/// observed at its time; an unusable observation leaves a note on the account.
pub fn merge_with_observations(
    previous: Option<&PoolState>,
    mut report: FetchReport,
    selection: &Selection,
    policy: MergePolicy,
    now: Epoch,
) -> PoolState {
    let observation_max_age = policy.observation_max_age;
    let phases: HashMap<String, f64> = refresh_plan::phases(&report.entries)
        .into_iter()
        .map(|(name, phase)| (name.to_string(), phase))
        .collect();
    let old: HashMap<&str, &Account> = previous
        .map(|p| {
            p.accounts
                .iter()
                .flat_map(|a| [(a.id.as_str(), a), (a.name.as_str(), a)])
                .collect()
        })
        .unwrap_or_default();
    let asked: std::collections::HashSet<String> =
        report.usages.iter().map(|(id, _)| id.clone()).collect();
    let mut observed_at: HashMap<String, Epoch> = HashMap::new();
    let mut notes: HashMap<String, String> = HashMap::new();
    for entry in &report.entries {
        let Some(observation) = &entry.observation else {
            continue;
        };
        if let Err(note) = &observation.usage {
            notes.insert(entry.id.clone(), note.clone());
        }
        let before = old
            .get(entry.id.as_str())
            .or_else(|| old.get(entry.name.as_str()))
            .copied();
        if asked.contains(&entry.id)
            || !refresh_plan::observation_is_usage(before, entry, observation_max_age, now)
        {
            continue;
        }
        let Ok(mut usage) = observation.usage.clone() else {
            continue;
        };
        if usage.plan_type.is_none() {
            // Claude observations carry no plan: keep the one read before.
            usage.plan_type = before
                .and_then(|p| p.usage.as_ref())
                .and_then(|u| u.plan_type.clone());
        }
        usage.source = Some(UsageSource {
            kind: SourceKind::Observed,
            at: observation.at,
        });
        observed_at.insert(entry.id.clone(), observation.at);
        report.usages.push((entry.id.clone(), Ok(usage)));
    }
    let answered: std::collections::HashSet<String> = report
        .usages
        .iter()
        .filter(|(_, result)| result.is_ok())
        .map(|(id, _)| id.clone())
        .collect();
    let mut state = merge_fetch(previous, report, selection, now);
    for account in &mut state.accounts {
        if let Some(at) = observed_at.get(&account.id) {
            account.usage_fetched_at = Some(*at);
        }
        account.observation_note = notes.remove(&account.id);
        if !answered.contains(&account.id) {
            // Not read now: its due time stays.
            account.usage_due_at = old
                .get(account.id.as_str())
                .and_then(|a| a.usage_due_at)
                .filter(|_| account.usage_fetched_at.is_some());
        }
    }
    let previous_due: HashMap<String, Epoch> = old
        .values()
        .filter_map(|a| Some((a.id.clone(), a.usage_due_at?)))
        .collect();
    refresh_plan::stamp_due_times(
        &mut state,
        &phases,
        &answered,
        &previous_due,
        policy.usage_max_age,
    );
    state
}

/// What [`merge_with_observations`] needs from the settings (seconds).
#[derive(Clone, Copy, Debug)]
pub struct MergePolicy {
    /// A fresh observation younger than this is the usage (0: never).
    pub observation_max_age: i64,
    /// The scheduled max age of usage (`usage_max_age_minutes`).
    pub usage_max_age: i64,
}

/// The API-key rows after a refresh: the fetched rows the provider filter keeps;
/// none when the server has no such endpoint (`Ok(None)`, a 404); the previous
/// rows when the call failed, so a bad answer never loses what was known.
pub fn merge_api_keys(
    previous: Option<&PoolState>,
    fetched: Result<Option<Vec<ApiKeyUsage>>, String>,
    selection: &Selection,
) -> Vec<ApiKeyUsage> {
    match fetched {
        Ok(Some(rows)) => rows
            .into_iter()
            .filter(|k| selection.keeps_key(k))
            .collect(),
        Ok(None) => Vec::new(),
        Err(_) => previous.map(|p| p.api_keys.clone()).unwrap_or_default(),
    }
}

/// What the cache remembers about the server's API (see [`routes`]).
pub fn learned_of(previous: Option<&PoolState>) -> Option<routes::Learned> {
    let state = previous?;
    Some(routes::Learned {
        version: state.server_version.clone(),
        api: match state.management_api.as_deref() {
            Some("v8") => Some(routes::Api::V8),
            Some("v0") => Some(routes::Api::V0),
            _ => None,
        },
    })
}

/// What an account keeps of its usage after a fetch.
/// A limit answer (`usage_limit_reached`) speaks of one window only: the
/// windows it says nothing about are kept from the previous answer, with the
/// time they were read, so they age under the stale rules
/// (docs/quota-model.md, "What the usage answer may look like").
fn keep_unspoken(
    mut usage: crate::model::Usage,
    previous: Option<&Account>,
) -> crate::model::Usage {
    if !usage.limit_answer {
        return usage;
    }
    let Some((old, read_at)) =
        previous.and_then(|p| Some((p.usage.as_ref()?, p.usage_fetched_at?)))
    else {
        return usage;
    };
    let old_kept = old.kept.unwrap_or_default();
    let mut kept = crate::model::KeptWindows {
        at: read_at,
        ..Default::default()
    };
    let mut earliest = read_at;
    if usage.five_hour.is_none() && old.five_hour.is_some() {
        usage.five_hour = old.five_hour.clone();
        kept.five_hour = true;
        if old_kept.five_hour {
            earliest = earliest.min(old_kept.at);
        }
    }
    if usage.weekly.is_none() && old.weekly.is_some() {
        usage.weekly = old.weekly.clone();
        kept.weekly = true;
        if old_kept.weekly {
            earliest = earliest.min(old_kept.at);
        }
    }
    if usage.monthly.is_none() {
        usage.monthly = old.monthly.clone();
    }
    if usage.plan_type.is_none() {
        usage.plan_type = old.plan_type.clone();
    }
    if kept.five_hour || kept.weekly {
        kept.at = earliest;
        usage.kept = Some(kept);
    }
    usage
}

struct UsageKept {
    usage: Option<crate::model::Usage>,
    fetched_at: Option<Epoch>,
    checked_at: Option<Epoch>,
    basis: Option<UsageBasis>,
    error: Option<String>,
}

fn account_from_entry(entry: AuthFileEntry, selection: &Selection, kept: UsageKept) -> Account {
    Account {
        label: selection.label_for(&entry),
        id: entry.id,
        auth_index: entry.auth_index,
        name: entry.name,
        email: entry.email,
        provider: crate::provider::normalize(&entry.provider, &entry.kind),
        project_id: entry.project_id,
        id_token_plan: entry.id_token_plan,
        chatgpt_account_id: entry.chatgpt_account_id,
        status: entry.status,
        status_message: entry.status_message,
        disabled: entry.disabled,
        unavailable: entry.unavailable,
        next_retry_after: entry.next_retry_after,
        last_refresh: entry.last_refresh,
        success: entry.success,
        failed: entry.failed,
        recent_requests: entry.recent_requests,
        usage: kept.usage,
        usage_fetched_at: kept.fetched_at,
        usage_error: kept.error,
        usage_checked_at: kept.checked_at,
        usage_basis: kept.basis,
        ..Account::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{QuotaWindow, Usage};

    fn entry(id: &str, email: &str) -> AuthFileEntry {
        AuthFileEntry {
            id: id.into(),
            name: id.into(),
            provider: "codex".into(),
            kind: "codex".into(),
            email: Some(email.into()).filter(|e: &String| !e.is_empty()),
            label: "codex".into(),
            ..Default::default()
        }
    }

    fn usage(used: f64) -> Usage {
        Usage {
            five_hour: Some(QuotaWindow {
                used_percent: used,
                window_seconds: Some(18000),
                reset_at: Some(1000),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn failed_accounts_keep_last_good_usage_and_carry_the_error() {
        let selection = Selection {
            providers: vec!["codex".into()],
            ..Default::default()
        };
        let first = merge_fetch(
            None,
            FetchReport {
                entries: vec![entry("a", "a@x"), entry("b", "b@x"), entry("c", "c@x")],
                usages: vec![
                    ("a".into(), Ok(usage(10.0))),
                    ("b".into(), Ok(usage(20.0))),
                    ("c".into(), Ok(usage(30.0))),
                ],
                server_version: None,
                deadline_hit: false,
                cut_by_deadline: Vec::new(),
                auth_files_seen: Some(3),
                management_api: None,
                api_notice: None,
            },
            &selection,
            100,
        );
        let second = merge_fetch(
            Some(&first),
            FetchReport {
                entries: vec![entry("a", "a@x"), entry("b", "b@x"), entry("c", "c@x")],
                usages: vec![
                    ("a".into(), Ok(usage(50.0))),
                    ("b".into(), Err("upstream HTTP 502".into())),
                    ("c".into(), Err("no answer".into())),
                ],
                server_version: Some("6.7.0".into()),
                deadline_hit: true,
                cut_by_deadline: vec!["c".into()],
                auth_files_seen: Some(3),
                management_api: None,
                api_notice: None,
            },
            &selection,
            200,
        );
        let b = &second.accounts[1];
        assert_eq!(b.usage, Some(usage(20.0)));
        assert_eq!(b.usage_fetched_at, Some(100));
        assert_eq!(b.usage_error.as_deref(), Some("upstream HTTP 502"));
        assert!(b.is_stale());
        let a = &second.accounts[0];
        assert_eq!((a.usage_fetched_at, a.is_stale()), (Some(200), false));
        // An answer, even an error, moves the answer time; a cut-off call does not.
        assert_eq!(b.usage_checked_at, Some(200));
        let c = &second.accounts[2];
        assert_eq!(
            (c.usage_checked_at, c.usage.clone()),
            (Some(100), Some(usage(30.0)))
        );
        assert_eq!(c.usage_error.as_deref(), Some("no answer"));
        assert!(second.partial);
        assert_eq!(second.fetched_at, 200);
    }

    #[test]
    fn a_limit_answer_keeps_the_windows_it_does_not_speak_of() {
        let full = crate::model::Usage {
            plan_type: Some("plus".into()),
            five_hour: Some(crate::model::QuotaWindow {
                used_percent: 40.0,
                window_seconds: Some(18_000),
                reset_at: Some(5_000),
            }),
            weekly: Some(crate::model::QuotaWindow {
                used_percent: 30.0,
                window_seconds: Some(604_800),
                reset_at: Some(90_000),
            }),
            ..Default::default()
        };
        let previous = Account {
            usage: Some(full.clone()),
            usage_fetched_at: Some(100),
            ..Default::default()
        };
        let limit = crate::model::Usage {
            five_hour: Some(crate::model::QuotaWindow {
                used_percent: 100.0,
                window_seconds: None,
                reset_at: Some(3_000),
            }),
            limit_answer: true,
            ..Default::default()
        };
        let merged = keep_unspoken(limit.clone(), Some(&previous));
        assert_eq!(merged.weekly, full.weekly);
        assert_eq!(merged.five_hour, limit.five_hour);
        assert_eq!(merged.plan_type.as_deref(), Some("plus"));
        let kept = merged.kept.expect("kept");
        assert_eq!((kept.at, kept.five_hour, kept.weekly), (100, false, true));
        // Kept again by the next limit answer: still dated by the first read.
        let again = Account {
            usage: Some(merged),
            usage_fetched_at: Some(200),
            ..Default::default()
        };
        let twice = keep_unspoken(limit.clone(), Some(&again));
        assert_eq!(twice.kept.map(|k| k.at), Some(100));
        // A full answer keeps nothing.
        let plain = keep_unspoken(full.clone(), Some(&previous));
        assert_eq!(plain, full);
    }

    fn key(provider: &str, fingerprint: &str) -> ApiKeyUsage {
        ApiKeyUsage {
            provider: provider.into(),
            fingerprint: fingerprint.into(),
            success: 1,
            ..Default::default()
        }
    }

    #[test]
    fn api_keys_follow_the_provider_filter_and_survive_a_failed_call() {
        let selection = Selection {
            providers: vec!["codex".into(), "openai".into()],
            ..Default::default()
        };
        let fetched = vec![
            key("openai", "00000001"),
            key("openai-compat-x", "00000002"),
            key("codex", "00000003"),
            key("gemini", "00000004"),
        ];
        let kept = merge_api_keys(None, Ok(Some(fetched)), &selection);
        let prints: Vec<&str> = kept.iter().map(|k| k.fingerprint.as_str()).collect();
        assert_eq!(prints, ["00000001", "00000002", "00000003"]);
        let previous = PoolState {
            api_keys: kept.clone(),
            ..Default::default()
        };
        assert_eq!(
            merge_api_keys(Some(&previous), Err("bad".into()), &selection),
            kept
        );
        assert!(merge_api_keys(Some(&previous), Ok(None), &selection).is_empty());
    }

    #[test]
    fn selection_filters_providers_hidden_and_applies_labels() {
        let mut selection = Selection {
            providers: vec!["codex".into(), "openai".into()],
            hidden: vec!["gone@x".into()],
            ..Default::default()
        };
        selection.labels.insert("a@x".into(), "Alice".into());
        let mut gemini = entry("g", "g@x");
        gemini.provider = "gemini".into();
        gemini.kind = "gemini".into();
        let mut openai = entry("o", "");
        openai.provider = "openai-compat".into();
        assert!(selection.keeps(&entry("a", "a@x")));
        assert!(!selection.keeps(&gemini));
        assert!(selection.keeps(&openai));
        assert!(!selection.keeps(&entry("h", "gone@x")));
        assert_eq!(selection.label_for(&entry("a", "a@x")), "Alice");
        assert_eq!(selection.label_for(&entry("b", "b@x")), "b@x");
        assert_eq!(selection.label_for(&openai), "codex");
    }
}
