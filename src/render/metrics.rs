//! OpenMetrics text exposition of one or more pools, for node_exporter's
//! textfile collector or any scraper that reads files.
//!
//! Format: <https://prometheus.io/docs/specs/om/open_metrics_spec/>. Every
//! family is a gauge named `poolwatch_*`, announced once by `# TYPE` (plus
//! `# UNIT` when the name ends in its unit, then `# HELP`) right before its
//! samples; families without samples are left out; the text ends in `# EOF`.
//! Samples carry no timestamps (the textfile collector rejects them).
//!
//! Label values are user data (profile names, account labels), so they are
//! cleaned before escaping: control characters other than newline and the
//! Unicode line/paragraph separators are dropped, the length is capped at
//! [`LABEL_VALUE_MAX_CHARS`], and a value that would repeat a label set
//! already used in the same family gets a `#2`, `#3`, ... suffix (duplicate
//! series make the collector drop the whole file).

use std::collections::HashSet;

use crate::model::Epoch;
use crate::quota::{AccountView, AccountWindow, PoolReport, PoolWindow};

/// Longest label value written, in characters (after cleaning, before escaping).
pub const LABEL_VALUE_MAX_CHARS: usize = 128;

/// One pool's data for the exposition (several pools may be printed together).
#[derive(Clone, Copy, Debug)]
pub struct PoolMetrics<'a> {
    /// Profile name, the `profile` label of every sample of this pool.
    pub profile: &'a str,
    /// The report, absent when the pool has never been fetched successfully.
    pub report: Option<&'a PoolReport>,
    /// When the pool data was last fetched successfully.
    pub updated_at: Option<Epoch>,
    /// The latest fetch failed and the report is the last good state.
    pub stale: bool,
    /// The server rejected the management key.
    pub auth_failed: bool,
    /// The pool's IP ban of this machine is running (no request is sent until it ends).
    pub banned: bool,
}

/// OpenMetrics text exposition (<https://prometheus.io/docs/specs/om/open_metrics_spec/>)
/// for node_exporter's textfile collector; ends with `"# EOF\n"`.
///
/// `now` is written as `poolwatch_generated_timestamp_seconds`. Pools appear
/// in the order given, accounts sorted by label (then id) so that the output
/// does not reorder between runs.
pub fn openmetrics(pools: &[PoolMetrics], now: Epoch) -> String {
    let pools = prepare(pools);
    let mut out = String::new();
    for family in families(&pools, now) {
        family.write(&mut out);
    }
    out.push_str("# EOF\n");
    out
}

/// Name, unit and help of a metric family.
struct FamilyDef {
    name: &'static str,
    /// Written as `# UNIT` (always a suffix of `name`).
    unit: Option<&'static str>,
    help: &'static str,
}

const GENERATED: FamilyDef = FamilyDef {
    name: "poolwatch_generated_timestamp_seconds",
    unit: Some("seconds"),
    help: "When poolwatch wrote this exposition (Unix time).",
};
const LAST_UPDATE: FamilyDef = FamilyDef {
    name: "poolwatch_last_update_timestamp_seconds",
    unit: Some("seconds"),
    help: "When the pool data was last fetched successfully (Unix time).",
};
const STALE: FamilyDef = FamilyDef {
    name: "poolwatch_stale",
    unit: None,
    help: "1 when the latest fetch failed and the data is the last good state.",
};
const AUTH_FAILED: FamilyDef = FamilyDef {
    name: "poolwatch_auth_failed",
    unit: None,
    help: "1 when the server rejected the management key.",
};
const IP_BANNED: FamilyDef = FamilyDef {
    name: "poolwatch_ip_banned",
    unit: None,
    help: "1 while the pool bans this machine's IP after failed key attempts.",
};
const POOL_REMAINING: FamilyDef = FamilyDef {
    name: "poolwatch_pool_remaining_plus_percent",
    unit: Some("plus_percent"),
    help: "Pool remaining quota per window in Plus-base percent (100 = one full Plus account).",
};
const POOL_CAPACITY: FamilyDef = FamilyDef {
    name: "poolwatch_pool_capacity_plus_percent",
    unit: Some("plus_percent"),
    help: "Pool capacity per window in Plus-base percent (100 = one full Plus account).",
};
const POOL_RESTORE: FamilyDef = FamilyDef {
    name: "poolwatch_pool_restore_plus_percent",
    unit: Some("plus_percent"),
    help: "Plus-base percent the next grouped restore of the window brings back.",
};
const POOL_RESTORE_AT: FamilyDef = FamilyDef {
    name: "poolwatch_pool_restore_timestamp_seconds",
    unit: Some("seconds"),
    help: "When the next grouped restore of the window has completed (Unix time).",
};
const POOL_ACCOUNTS: FamilyDef = FamilyDef {
    name: "poolwatch_pool_accounts",
    unit: None,
    help: "Number of accounts in the pool by state.",
};
const POOL_FAILURES: FamilyDef = FamilyDef {
    name: "poolwatch_pool_recent_failures",
    unit: None,
    help: "Failed requests of the pool in the last 30 minutes.",
};
const ACCOUNT_REMAINING: FamilyDef = FamilyDef {
    name: "poolwatch_account_remaining_percent",
    unit: Some("percent"),
    help: "Raw remaining percent of the account window (0 to 100).",
};
const ACCOUNT_WEIGHT: FamilyDef = FamilyDef {
    name: "poolwatch_account_weight",
    unit: None,
    help: "Plan weight of the account in units of one Plus account.",
};
const ACCOUNT_KILLED: FamilyDef = FamilyDef {
    name: "poolwatch_account_killed",
    unit: None,
    help: "1 when the weekly remaining is below the kill line.",
};
const ACCOUNT_AVAILABLE: FamilyDef = FamilyDef {
    name: "poolwatch_account_available",
    unit: None,
    help: "1 when the account can serve requests now.",
};
const ACCOUNT_FAILURES: FamilyDef = FamilyDef {
    name: "poolwatch_account_recent_failures",
    unit: None,
    help: "Failed requests of the account in the last 30 minutes.",
};
const ACCOUNT_RESET_AT: FamilyDef = FamilyDef {
    name: "poolwatch_account_reset_timestamp_seconds",
    unit: Some("seconds"),
    help: "When the account window resets (Unix time).",
};

const KEY_REQUESTS: FamilyDef = FamilyDef {
    name: "poolwatch_api_key_requests",
    unit: None,
    help: "Requests through an upstream API key since the server started, by result (the key is named by provider, host and fingerprint only).",
};
const KEY_FAILURES: FamilyDef = FamilyDef {
    name: "poolwatch_api_key_recent_failures",
    unit: None,
    help: "Failed requests through an upstream API key in the last 30 minutes.",
};
const PROVIDER_REMAINING: FamilyDef = FamilyDef {
    name: "poolwatch_provider_remaining_percent",
    unit: Some("percent"),
    help: "Remaining quota of each provider's section per window, in that section's unit (label unit: plus_percent = Plus-base for Codex, percent = one base account of the provider).",
};
const PROVIDER_CAPACITY: FamilyDef = FamilyDef {
    name: "poolwatch_provider_capacity_percent",
    unit: Some("percent"),
    help: "Capacity of each provider's section per window, in that section's unit.",
};
const PROVIDER_ACCOUNTS: FamilyDef = FamilyDef {
    name: "poolwatch_provider_accounts",
    unit: None,
    help: "Accounts of each provider's section: total and available.",
};

/// Every family, in output order.
#[cfg(test)]
const ALL_FAMILIES: [&FamilyDef; 22] = [
    &GENERATED,
    &LAST_UPDATE,
    &STALE,
    &AUTH_FAILED,
    &IP_BANNED,
    &POOL_REMAINING,
    &POOL_CAPACITY,
    &POOL_RESTORE,
    &POOL_RESTORE_AT,
    &POOL_ACCOUNTS,
    &POOL_FAILURES,
    &ACCOUNT_REMAINING,
    &ACCOUNT_WEIGHT,
    &ACCOUNT_KILLED,
    &ACCOUNT_AVAILABLE,
    &ACCOUNT_FAILURES,
    &ACCOUNT_RESET_AT,
    &KEY_REQUESTS,
    &KEY_FAILURES,
    &PROVIDER_REMAINING,
    &PROVIDER_CAPACITY,
    &PROVIDER_ACCOUNTS,
];

/// One sample: cleaned (unescaped) label pairs and a value.
struct Sample {
    labels: Vec<(&'static str, String)>,
    value: f64,
}

/// A family with its samples, ready to write.
struct Family {
    def: &'static FamilyDef,
    samples: Vec<Sample>,
}

impl Family {
    fn new(def: &'static FamilyDef) -> Self {
        Family {
            def,
            samples: Vec::new(),
        }
    }

    fn push(&mut self, labels: Vec<(&'static str, String)>, value: f64) {
        self.samples.push(Sample { labels, value });
    }

    /// Writes the descriptors and every sample with a finite value; nothing
    /// when no sample has one.
    fn write(&self, out: &mut String) {
        let lines: Vec<String> = self
            .samples
            .iter()
            .filter_map(|s| sample_line(self.def.name, s))
            .collect();
        if lines.is_empty() {
            return;
        }
        out.push_str(&format!("# TYPE {} gauge\n", self.def.name));
        if let Some(unit) = self.def.unit {
            out.push_str(&format!("# UNIT {} {unit}\n", self.def.name));
        }
        out.push_str(&format!(
            "# HELP {} {}\n",
            self.def.name,
            escape(self.def.help)
        ));
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
}

/// `name{a="x",b="y"} value`, or None when the value is not finite.
fn sample_line(name: &str, sample: &Sample) -> Option<String> {
    let value = number(sample.value)?;
    if sample.labels.is_empty() {
        return Some(format!("{name} {value}"));
    }
    let labels: Vec<String> = sample
        .labels
        .iter()
        .map(|(key, v)| format!("{key}=\"{}\"", escape(v)))
        .collect();
    Some(format!("{name}{{{}}} {value}", labels.join(",")))
}

/// A finite float in a form every exposition parser reads (no exponent, no `-0`).
fn number(value: f64) -> Option<String> {
    if !value.is_finite() {
        None
    } else if value == 0.0 {
        Some("0".to_string())
    } else {
        Some(format!("{value}"))
    }
}

/// Escapes `\`, `"` and newline as the OpenMetrics spec requires.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Drops control characters (except newline, which is escaped later) and
/// U+2028/U+2029, then keeps at most `max_chars` characters.
fn clean_label_value(raw: &str, max_chars: usize) -> String {
    raw.chars()
        .filter(|&c| c == '\n' || !(c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')))
        .take(max_chars)
        .collect()
}

/// Label values already given out in one scope, and for each cleaned base
/// value the next `#n` suffix to try: de-duplication is linear even when
/// thousands of accounts share one label.
#[derive(Default)]
struct UniqueLabels {
    seen: HashSet<String>,
    next: std::collections::HashMap<String, usize>,
}

/// Cleans `raw` and makes it differ from every value in `seen` by appending
/// `#2`, `#3`, ... (within the length cap); records the result in `seen`.
fn unique_label_value(raw: &str, seen: &mut UniqueLabels) -> String {
    let base = clean_label_value(raw, LABEL_VALUE_MAX_CHARS);
    if seen.seen.insert(base.clone()) {
        return base;
    }
    let mut n = seen.next.get(&base).copied().unwrap_or(2);
    loop {
        let suffix = format!("#{n}");
        let keep = LABEL_VALUE_MAX_CHARS.saturating_sub(suffix.chars().count());
        let candidate = format!("{}{suffix}", clean_label_value(&base, keep));
        n += 1;
        if seen.seen.insert(candidate.clone()) {
            seen.next.insert(base, n);
            return candidate;
        }
    }
}

/// A pool with its label values decided.
struct Prepared<'a> {
    profile: String,
    pool: &'a PoolMetrics<'a>,
    /// (account label value, plan label value, account), sorted by label.
    accounts: Vec<(String, String, &'a AccountView)>,
}

fn prepare<'a>(pools: &'a [PoolMetrics<'a>]) -> Vec<Prepared<'a>> {
    let mut profiles = UniqueLabels::default();
    pools
        .iter()
        .map(|pool| Prepared {
            profile: unique_label_value(pool.profile, &mut profiles),
            pool,
            accounts: pool.report.map(account_labels).unwrap_or_default(),
        })
        .collect()
}

/// The account label (falling back to name, then id, when blank), unique within the pool.
fn account_labels(report: &PoolReport) -> Vec<(String, String, &AccountView)> {
    let mut accounts: Vec<&AccountView> = report.accounts.iter().collect();
    accounts.sort_by(|a, b| {
        display_name(a)
            .cmp(display_name(b))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut seen = UniqueLabels::default();
    accounts
        .into_iter()
        .map(|a| {
            let label = unique_label_value(display_name(a), &mut seen);
            let plan = clean_label_value(&a.plan, LABEL_VALUE_MAX_CHARS);
            (label, plan, a)
        })
        .collect()
}

fn display_name(a: &AccountView) -> &str {
    [&a.label, &a.name, &a.id]
        .into_iter()
        .find(|s| !s.trim().is_empty())
        .map_or("", |s| s.as_str())
}

fn flag(value: bool) -> f64 {
    if value {
        1.0
    } else {
        0.0
    }
}

/// Every family with its samples, in output order.
fn families(pools: &[Prepared], now: Epoch) -> Vec<Family> {
    let mut generated = Family::new(&GENERATED);
    generated.push(Vec::new(), now as f64);
    let mut out = vec![generated];
    out.extend(pool_flag_families(pools));
    out.extend(pool_window_families(pools));
    out.extend(pool_count_families(pools));
    out.extend(account_families(pools));
    out.extend(api_key_families(pools));
    out.extend(provider_families(pools));
    out
}

/// Per API key: requests by result and recent failures. Labels are the
/// provider, the base-URL host and the fingerprint (never the raw key).
fn api_key_families(pools: &[Prepared]) -> [Family; 2] {
    let mut requests = Family::new(&KEY_REQUESTS);
    let mut failures = Family::new(&KEY_FAILURES);
    for p in pools {
        let Some(report) = p.pool.report else {
            continue;
        };
        let mut seen = UniqueLabels::default();
        for key in &report.api_keys {
            let labels = vec![
                ("profile", p.profile.clone()),
                (
                    "provider",
                    clean_label_value(&key.provider, LABEL_VALUE_MAX_CHARS),
                ),
                ("host", clean_label_value(&key.host, LABEL_VALUE_MAX_CHARS)),
                ("key", unique_label_value(&key.fingerprint, &mut seen)),
            ];
            for (result, n) in [("success", key.success), ("failed", key.failed)] {
                let mut with_result = labels.clone();
                with_result.push(("result", result.to_string()));
                requests.push(with_result, n as f64);
            }
            failures.push(labels, key.recent_failures as f64);
        }
    }
    [requests, failures]
}

/// Per provider section (issue 13): remaining and capacity per known window,
/// and the account counts. The `pool_*` families stay the primary provider's.
fn provider_families(pools: &[Prepared]) -> [Family; 3] {
    let mut remaining = Family::new(&PROVIDER_REMAINING);
    let mut capacity = Family::new(&PROVIDER_CAPACITY);
    let mut accounts = Family::new(&PROVIDER_ACCOUNTS);
    for p in pools {
        let Some(report) = p.pool.report else {
            continue;
        };
        // Two providers that differ only past the cap or by a control
        // character still get distinct series.
        let mut seen = UniqueLabels::default();
        for section in &report.sections {
            let provider = unique_label_value(&section.provider, &mut seen);
            let unit = match section.unit {
                crate::provider::Unit::PlusPercent => "plus_percent",
                crate::provider::Unit::Percent => "percent",
            };
            for (window, data) in [("5h", &section.five_hour), ("week", &section.weekly)] {
                if !data.is_known() {
                    continue;
                }
                let labels = vec![
                    ("profile", p.profile.clone()),
                    ("provider", provider.clone()),
                    ("unit", unit.to_string()),
                    ("window", window.to_string()),
                ];
                remaining.push(labels.clone(), data.remaining);
                capacity.push(labels, data.capacity);
            }
            for (state, n) in [
                ("total", section.counts.total),
                ("available", section.counts.available),
            ] {
                let labels = vec![
                    ("profile", p.profile.clone()),
                    ("provider", provider.clone()),
                    ("state", state.to_string()),
                ];
                accounts.push(labels, n as f64);
            }
        }
    }
    [remaining, capacity, accounts]
}

fn pool_flag_families(pools: &[Prepared]) -> [Family; 4] {
    let mut updated = Family::new(&LAST_UPDATE);
    let mut stale = Family::new(&STALE);
    let mut auth = Family::new(&AUTH_FAILED);
    let mut banned = Family::new(&IP_BANNED);
    for p in pools {
        let labels = || vec![("profile", p.profile.clone())];
        if let Some(at) = p.pool.updated_at {
            updated.push(labels(), at as f64);
        }
        stale.push(labels(), flag(p.pool.stale));
        auth.push(labels(), flag(p.pool.auth_failed));
        banned.push(labels(), flag(p.pool.banned));
    }
    [updated, stale, auth, banned]
}

/// The known pool windows with their `window` label values (a pool without
/// a 5h window has no 5h samples, not a 0).
fn windows(report: &PoolReport) -> Vec<(&'static str, &PoolWindow)> {
    [("5h", &report.five_hour), ("week", &report.weekly)]
        .into_iter()
        .filter(|(_, window)| window.is_known())
        .collect()
}

fn pool_window_families(pools: &[Prepared]) -> [Family; 4] {
    let mut remaining = Family::new(&POOL_REMAINING);
    let mut capacity = Family::new(&POOL_CAPACITY);
    let mut restore = Family::new(&POOL_RESTORE);
    let mut restore_at = Family::new(&POOL_RESTORE_AT);
    for p in pools {
        let Some(report) = p.pool.report else {
            continue;
        };
        for (window, data) in windows(report) {
            let labels = || {
                vec![
                    ("profile", p.profile.clone()),
                    ("window", window.to_string()),
                ]
            };
            remaining.push(labels(), data.remaining);
            capacity.push(labels(), data.capacity);
            if let Some(forecast) = &data.forecast {
                restore.push(labels(), forecast.restored);
                restore_at.push(labels(), forecast.at as f64);
            }
        }
    }
    [remaining, capacity, restore, restore_at]
}

fn pool_count_families(pools: &[Prepared]) -> [Family; 2] {
    let mut accounts = Family::new(&POOL_ACCOUNTS);
    let mut failures = Family::new(&POOL_FAILURES);
    for p in pools {
        let Some(report) = p.pool.report else {
            continue;
        };
        let c = &report.counts;
        for (state, n) in [
            ("total", c.total),
            ("available", c.available),
            ("killed", c.killed),
            ("cooling", c.cooling),
            ("erroring", c.erroring),
            ("disabled", c.disabled),
            ("stale", c.stale),
        ] {
            let labels = vec![("profile", p.profile.clone()), ("state", state.to_string())];
            accounts.push(labels, n as f64);
        }
        failures.push(
            vec![("profile", p.profile.clone())],
            report.health.recent_failures as f64,
        );
    }
    [accounts, failures]
}

/// The two account windows with their `window` label values.
fn account_windows(a: &AccountView) -> [(&'static str, Option<&AccountWindow>); 2] {
    [("5h", a.five_hour.as_ref()), ("week", a.weekly.as_ref())]
}

fn account_families(pools: &[Prepared]) -> [Family; 6] {
    let mut remaining = Family::new(&ACCOUNT_REMAINING);
    let mut weight = Family::new(&ACCOUNT_WEIGHT);
    let mut killed = Family::new(&ACCOUNT_KILLED);
    let mut available = Family::new(&ACCOUNT_AVAILABLE);
    let mut failures = Family::new(&ACCOUNT_FAILURES);
    let mut reset_at = Family::new(&ACCOUNT_RESET_AT);
    for p in pools {
        for (label, plan, a) in &p.accounts {
            let labels = || {
                vec![
                    ("profile", p.profile.clone()),
                    ("account", label.clone()),
                    ("plan", plan.clone()),
                ]
            };
            for (window, data) in account_windows(a) {
                let Some(data) = data else {
                    continue;
                };
                let mut with_window = labels();
                with_window.push(("window", window.to_string()));
                remaining.push(with_window.clone(), data.remaining);
                if let Some(at) = data.reset_at {
                    reset_at.push(with_window, at as f64);
                }
            }
            weight.push(labels(), a.weight);
            killed.push(labels(), flag(a.killed));
            available.push(labels(), flag(a.available));
            failures.push(labels(), a.recent_failures as f64);
        }
    }
    [remaining, weight, killed, available, failures, reset_at]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::{Forecast, Level, PoolCounts, PoolHealth};

    const NOW: Epoch = 1_700_000_000;

    fn window(remaining: f64, capacity: f64, forecast: Option<Forecast>) -> PoolWindow {
        PoolWindow {
            remaining,
            capacity,
            forecast,
            level: Level::Green,
        }
    }

    fn account_window(remaining: f64, reset_at: Option<Epoch>) -> AccountWindow {
        AccountWindow {
            remaining,
            effective: remaining,
            reset_at,
            level: Level::Green,
        }
    }

    fn account(label: &str, plan: &str, weight: f64) -> AccountView {
        AccountView {
            id: format!("{label}.json"),
            name: format!("{label}.json"),
            label: label.to_string(),
            plan: plan.to_string(),
            weight,
            five_hour: Some(account_window(50.0, None)),
            available: true,
            status: "active".to_string(),
            ..Default::default()
        }
    }

    fn report(accounts: Vec<AccountView>) -> PoolReport {
        PoolReport {
            now: NOW,
            five_hour: window(
                263.0,
                1420.0,
                Some(Forecast {
                    restored: 300.0,
                    target: 563.0,
                    at: NOW + 2280,
                    first: None,
                }),
            ),
            weekly: window(1428.5, 2100.0, None),
            accounts,
            counts: PoolCounts {
                total: 2,
                available: 1,
                killed: 1,
                ..PoolCounts::default()
            },
            health: PoolHealth {
                recent_failures: 3,
                ..PoolHealth::default()
            },
            plans: Vec::new(),
            primary_provider: "codex".into(),
            sections: Vec::new(),
            api_keys: Vec::new(),
        }
    }

    /// Bob (killed pro, listed first) and Alice (available plus).
    fn api_key(provider: &str, host: &str, fingerprint: &str) -> crate::quota::ApiKeyView {
        crate::quota::ApiKeyView {
            provider: provider.into(),
            host: host.into(),
            fingerprint: fingerprint.into(),
            label: "secret-looking label".into(),
            success: 12,
            failed: 1,
            recent_failures: 1,
            health: Vec::new(),
        }
    }

    #[test]
    fn api_keys_are_labelled_by_provider_host_and_fingerprint() {
        let mut report = small_report();
        report.api_keys = vec![
            api_key("openai", "api.openai.com", "1a2b3c4d"),
            api_key("codex", "", "99999999"),
        ];
        let text = openmetrics(&[pool("default", Some(&report))], NOW);
        assert!(text.contains(
            "poolwatch_api_key_requests{profile=\"default\",provider=\"openai\",host=\"api.openai.com\",key=\"1a2b3c4d\",result=\"success\"} 12\n"
        ), "{text}");
        assert!(text.contains(
            "poolwatch_api_key_requests{profile=\"default\",provider=\"openai\",host=\"api.openai.com\",key=\"1a2b3c4d\",result=\"failed\"} 1\n"
        ));
        assert!(text.contains(
            "poolwatch_api_key_recent_failures{profile=\"default\",provider=\"codex\",host=\"\",key=\"99999999\"} 1\n"
        ), "{text}");
        assert!(!text.contains("secret-looking"));
        assert!(!parse(&text).is_empty());
    }

    fn small_report() -> PoolReport {
        let mut bob = account("bob", "pro", 20.0);
        bob.five_hour = None;
        bob.weekly = Some(account_window(2.5, Some(NOW + 86_400)));
        bob.killed = true;
        bob.available = false;
        bob.recent_failures = 3;
        let mut alice = account("alice", "plus", 1.0);
        alice.five_hour = Some(account_window(40.0, Some(NOW + 3600)));
        alice.weekly = Some(account_window(80.0, None));
        let mut report = report(vec![bob, alice]);
        // The Codex section is the top level; a Claude section has a 5h window only.
        let codex = crate::quota::ProviderSection {
            provider: "codex".into(),
            name: "Codex".into(),
            unit: crate::provider::Unit::PlusPercent,
            quota: true,
            five_hour: report.five_hour.clone(),
            weekly: report.weekly.clone(),
            counts: report.counts.clone(),
            health: report.health.clone(),
            plans: Vec::new(),
            reset_credits: None,
            omitted: 0,
            plugin_lanes: false,
        };
        let claude = crate::quota::ProviderSection {
            provider: "claude".into(),
            name: "Claude".into(),
            unit: crate::provider::Unit::Percent,
            five_hour: window(150.0, 200.0, None),
            weekly: PoolWindow::unknown(),
            counts: PoolCounts {
                total: 3,
                available: 2,
                ..PoolCounts::default()
            },
            ..codex.clone()
        };
        report.sections = vec![codex, claude];
        report
    }

    fn pool<'a>(profile: &'a str, report: Option<&'a PoolReport>) -> PoolMetrics<'a> {
        PoolMetrics {
            profile,
            report,
            updated_at: Some(NOW - 180),
            stale: false,
            auth_failed: false,
            banned: false,
        }
    }

    /// One parsed sample line: metric name, unescaped labels, value.
    #[derive(Debug, PartialEq)]
    struct Parsed {
        name: String,
        labels: Labels,
        value: f64,
    }

    fn is_name_start(c: char) -> bool {
        c.is_ascii_alphabetic() || c == '_' || c == ':'
    }

    fn is_name_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_' || c == ':'
    }

    /// Splits a leading metric or label name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) off `s`.
    fn take_name(s: &str) -> Result<(&str, &str), String> {
        if !s.chars().next().is_some_and(is_name_start) {
            return Err(format!("bad name start in {s:?}"));
        }
        let end = s.find(|c| !is_name_char(c)).unwrap_or(s.len());
        Ok(s.split_at(end))
    }

    /// Unescaped (name, value) label pairs of one sample.
    type Labels = Vec<(String, String)>;

    /// Parses `name="value",...}` (after the `{`); returns labels and the rest after `}`.
    fn take_labels(mut s: &str) -> Result<(Labels, &str), String> {
        let mut labels = Vec::new();
        loop {
            let (name, rest) = take_name(s)?;
            if name.contains(':') {
                return Err(format!("colon in label name {name:?}"));
            }
            let rest = rest
                .strip_prefix("=\"")
                .ok_or_else(|| format!("expected =\" after {name}"))?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let after = loop {
                match chars.next() {
                    None => return Err("unterminated label value".to_string()),
                    Some((i, '"')) => break &rest[i + 1..],
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => return Err(format!("bad escape {other:?}")),
                    },
                    Some((_, c)) if c.is_control() => {
                        return Err(format!("raw control {c:?} in label value"))
                    }
                    Some((_, c)) => value.push(c),
                }
            };
            if labels.iter().any(|(n, _)| n == name) {
                return Err(format!("duplicate label {name}"));
            }
            labels.push((name.to_string(), value));
            if let Some(rest) = after.strip_prefix(',') {
                s = rest;
            } else if let Some(rest) = after.strip_prefix('}') {
                return Ok((labels, rest));
            } else {
                return Err(format!("expected , or }} in {after:?}"));
            }
        }
    }

    /// `name{labels} value` or `name value`, nothing else.
    fn parse_sample(line: &str) -> Result<Parsed, String> {
        let (name, rest) = take_name(line)?;
        let (labels, rest) = match rest.strip_prefix('{') {
            Some(rest) => take_labels(rest)?,
            None => (Vec::new(), rest),
        };
        let value_text = rest
            .strip_prefix(' ')
            .ok_or_else(|| format!("expected one space before the value in {line:?}"))?;
        if value_text.is_empty() || value_text.contains(' ') {
            return Err(format!("bad value {value_text:?}"));
        }
        let value: f64 = value_text
            .parse()
            .map_err(|e| format!("value {value_text:?}: {e}"))?;
        if !value.is_finite() {
            return Err(format!("non-finite value in {line:?}"));
        }
        Ok(Parsed {
            name: name.to_string(),
            labels,
            value,
        })
    }

    /// Checks the whole exposition's structure and returns its samples.
    fn parse(text: &str) -> Vec<Parsed> {
        assert!(text.ends_with("# EOF\n"), "no final # EOF: {text}");
        assert!(!text.contains('\r'));
        let body = &text[..text.len() - "# EOF\n".len()];
        assert!(
            !body.split('\n').any(|l| l.starts_with("# EOF")),
            "# EOF before the end"
        );
        let mut types: Vec<String> = Vec::new();
        let mut helps: Vec<String> = Vec::new();
        let mut current: Option<String> = None;
        let mut samples: Vec<Parsed> = Vec::new();
        for line in body.split_terminator('\n') {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
                assert_eq!(kind, "gauge", "{line}");
                assert!(!types.iter().any(|t| t == name), "TYPE twice: {name}");
                assert!(
                    !samples.iter().any(|s| s.name == name),
                    "samples before TYPE"
                );
                assert!(name.starts_with("poolwatch_"), "{name}");
                types.push(name.to_string());
                current = Some(name.to_string());
            } else if let Some(rest) = line.strip_prefix("# UNIT ") {
                let (name, unit) = rest.split_once(' ').expect("UNIT name unit");
                assert_eq!(Some(name), current.as_deref(), "UNIT outside its family");
                assert!(name.ends_with(&format!("_{unit}")), "{line}");
            } else if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, _) = rest.split_once(' ').expect("HELP name text");
                assert_eq!(Some(name), current.as_deref(), "HELP outside its family");
                assert!(!helps.iter().any(|h| h == name), "HELP twice: {name}");
                helps.push(name.to_string());
            } else {
                assert!(!line.starts_with('#'), "unexpected comment {line:?}");
                let sample = parse_sample(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
                assert_eq!(
                    Some(sample.name.as_str()),
                    current.as_deref(),
                    "sample outside its family: {line:?}"
                );
                assert!(
                    !samples
                        .iter()
                        .any(|s| s.name == sample.name && s.labels == sample.labels),
                    "duplicate series {line:?}"
                );
                samples.push(sample);
            }
        }
        assert_eq!(types, helps, "every family has TYPE and HELP");
        samples
    }

    fn label<'a>(sample: &'a Parsed, key: &str) -> Option<&'a str> {
        sample
            .labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn small_report_exact_output() {
        let report = small_report();
        let text = openmetrics(&[pool("default", Some(&report))], NOW);
        let expected = "\
# TYPE poolwatch_generated_timestamp_seconds gauge
# UNIT poolwatch_generated_timestamp_seconds seconds
# HELP poolwatch_generated_timestamp_seconds When poolwatch wrote this exposition (Unix time).
poolwatch_generated_timestamp_seconds 1700000000
# TYPE poolwatch_last_update_timestamp_seconds gauge
# UNIT poolwatch_last_update_timestamp_seconds seconds
# HELP poolwatch_last_update_timestamp_seconds When the pool data was last fetched successfully (Unix time).
poolwatch_last_update_timestamp_seconds{profile=\"default\"} 1699999820
# TYPE poolwatch_stale gauge
# HELP poolwatch_stale 1 when the latest fetch failed and the data is the last good state.
poolwatch_stale{profile=\"default\"} 0
# TYPE poolwatch_auth_failed gauge
# HELP poolwatch_auth_failed 1 when the server rejected the management key.
poolwatch_auth_failed{profile=\"default\"} 0
# TYPE poolwatch_ip_banned gauge
# HELP poolwatch_ip_banned 1 while the pool bans this machine's IP after failed key attempts.
poolwatch_ip_banned{profile=\"default\"} 0
# TYPE poolwatch_pool_remaining_plus_percent gauge
# UNIT poolwatch_pool_remaining_plus_percent plus_percent
# HELP poolwatch_pool_remaining_plus_percent Pool remaining quota per window in Plus-base percent (100 = one full Plus account).
poolwatch_pool_remaining_plus_percent{profile=\"default\",window=\"5h\"} 263
poolwatch_pool_remaining_plus_percent{profile=\"default\",window=\"week\"} 1428.5
# TYPE poolwatch_pool_capacity_plus_percent gauge
# UNIT poolwatch_pool_capacity_plus_percent plus_percent
# HELP poolwatch_pool_capacity_plus_percent Pool capacity per window in Plus-base percent (100 = one full Plus account).
poolwatch_pool_capacity_plus_percent{profile=\"default\",window=\"5h\"} 1420
poolwatch_pool_capacity_plus_percent{profile=\"default\",window=\"week\"} 2100
# TYPE poolwatch_pool_restore_plus_percent gauge
# UNIT poolwatch_pool_restore_plus_percent plus_percent
# HELP poolwatch_pool_restore_plus_percent Plus-base percent the next grouped restore of the window brings back.
poolwatch_pool_restore_plus_percent{profile=\"default\",window=\"5h\"} 300
# TYPE poolwatch_pool_restore_timestamp_seconds gauge
# UNIT poolwatch_pool_restore_timestamp_seconds seconds
# HELP poolwatch_pool_restore_timestamp_seconds When the next grouped restore of the window has completed (Unix time).
poolwatch_pool_restore_timestamp_seconds{profile=\"default\",window=\"5h\"} 1700002280
# TYPE poolwatch_pool_accounts gauge
# HELP poolwatch_pool_accounts Number of accounts in the pool by state.
poolwatch_pool_accounts{profile=\"default\",state=\"total\"} 2
poolwatch_pool_accounts{profile=\"default\",state=\"available\"} 1
poolwatch_pool_accounts{profile=\"default\",state=\"killed\"} 1
poolwatch_pool_accounts{profile=\"default\",state=\"cooling\"} 0
poolwatch_pool_accounts{profile=\"default\",state=\"erroring\"} 0
poolwatch_pool_accounts{profile=\"default\",state=\"disabled\"} 0
poolwatch_pool_accounts{profile=\"default\",state=\"stale\"} 0
# TYPE poolwatch_pool_recent_failures gauge
# HELP poolwatch_pool_recent_failures Failed requests of the pool in the last 30 minutes.
poolwatch_pool_recent_failures{profile=\"default\"} 3
# TYPE poolwatch_account_remaining_percent gauge
# UNIT poolwatch_account_remaining_percent percent
# HELP poolwatch_account_remaining_percent Raw remaining percent of the account window (0 to 100).
poolwatch_account_remaining_percent{profile=\"default\",account=\"alice\",plan=\"plus\",window=\"5h\"} 40
poolwatch_account_remaining_percent{profile=\"default\",account=\"alice\",plan=\"plus\",window=\"week\"} 80
poolwatch_account_remaining_percent{profile=\"default\",account=\"bob\",plan=\"pro\",window=\"week\"} 2.5
# TYPE poolwatch_account_weight gauge
# HELP poolwatch_account_weight Plan weight of the account in units of one Plus account.
poolwatch_account_weight{profile=\"default\",account=\"alice\",plan=\"plus\"} 1
poolwatch_account_weight{profile=\"default\",account=\"bob\",plan=\"pro\"} 20
# TYPE poolwatch_account_killed gauge
# HELP poolwatch_account_killed 1 when the weekly remaining is below the kill line.
poolwatch_account_killed{profile=\"default\",account=\"alice\",plan=\"plus\"} 0
poolwatch_account_killed{profile=\"default\",account=\"bob\",plan=\"pro\"} 1
# TYPE poolwatch_account_available gauge
# HELP poolwatch_account_available 1 when the account can serve requests now.
poolwatch_account_available{profile=\"default\",account=\"alice\",plan=\"plus\"} 1
poolwatch_account_available{profile=\"default\",account=\"bob\",plan=\"pro\"} 0
# TYPE poolwatch_account_recent_failures gauge
# HELP poolwatch_account_recent_failures Failed requests of the account in the last 30 minutes.
poolwatch_account_recent_failures{profile=\"default\",account=\"alice\",plan=\"plus\"} 0
poolwatch_account_recent_failures{profile=\"default\",account=\"bob\",plan=\"pro\"} 3
# TYPE poolwatch_account_reset_timestamp_seconds gauge
# UNIT poolwatch_account_reset_timestamp_seconds seconds
# HELP poolwatch_account_reset_timestamp_seconds When the account window resets (Unix time).
poolwatch_account_reset_timestamp_seconds{profile=\"default\",account=\"alice\",plan=\"plus\",window=\"5h\"} 1700003600
poolwatch_account_reset_timestamp_seconds{profile=\"default\",account=\"bob\",plan=\"pro\",window=\"week\"} 1700086400
# TYPE poolwatch_provider_remaining_percent gauge
# UNIT poolwatch_provider_remaining_percent percent
# HELP poolwatch_provider_remaining_percent Remaining quota of each provider's section per window, in that section's unit (label unit: plus_percent = Plus-base for Codex, percent = one base account of the provider).
poolwatch_provider_remaining_percent{profile=\"default\",provider=\"codex\",unit=\"plus_percent\",window=\"5h\"} 263
poolwatch_provider_remaining_percent{profile=\"default\",provider=\"codex\",unit=\"plus_percent\",window=\"week\"} 1428.5
poolwatch_provider_remaining_percent{profile=\"default\",provider=\"claude\",unit=\"percent\",window=\"5h\"} 150
# TYPE poolwatch_provider_capacity_percent gauge
# UNIT poolwatch_provider_capacity_percent percent
# HELP poolwatch_provider_capacity_percent Capacity of each provider's section per window, in that section's unit.
poolwatch_provider_capacity_percent{profile=\"default\",provider=\"codex\",unit=\"plus_percent\",window=\"5h\"} 1420
poolwatch_provider_capacity_percent{profile=\"default\",provider=\"codex\",unit=\"plus_percent\",window=\"week\"} 2100
poolwatch_provider_capacity_percent{profile=\"default\",provider=\"claude\",unit=\"percent\",window=\"5h\"} 200
# TYPE poolwatch_provider_accounts gauge
# HELP poolwatch_provider_accounts Accounts of each provider's section: total and available.
poolwatch_provider_accounts{profile=\"default\",provider=\"codex\",state=\"total\"} 2
poolwatch_provider_accounts{profile=\"default\",provider=\"codex\",state=\"available\"} 1
poolwatch_provider_accounts{profile=\"default\",provider=\"claude\",state=\"total\"} 3
poolwatch_provider_accounts{profile=\"default\",provider=\"claude\",state=\"available\"} 2
# EOF
";
        assert_eq!(text, expected);
        // The structural checker accepts it too.
        assert_eq!(parse(&text).len(), 42);
    }

    #[test]
    fn families_appear_in_declared_order_with_valid_descriptors() {
        let mut report = small_report();
        report.api_keys = vec![api_key("openai", "api.openai.com", "1a2b3c4d")];
        let text = openmetrics(&[pool("default", Some(&report))], NOW);
        let typed: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .filter_map(|l| l.split(' ').next())
            .collect();
        let declared: Vec<&str> = ALL_FAMILIES.iter().map(|f| f.name).collect();
        assert_eq!(typed, declared);
        for def in ALL_FAMILIES {
            assert!(def.name.starts_with("poolwatch_"));
            assert!(!def.name.ends_with("_total") && !def.name.ends_with("_info"));
            if let Some(unit) = def.unit {
                assert!(def.name.ends_with(&format!("_{unit}")), "{}", def.name);
            }
            // Names that end in a unit declare it.
            if def.name.ends_with("_seconds") || def.name.ends_with("_percent") {
                assert!(def.unit.is_some(), "{}", def.name);
            }
            assert!(!def.help.contains(['\\', '"', '\n']), "{}", def.name);
        }
    }

    #[test]
    fn no_report_has_only_pool_flags_and_timestamps() {
        let mut only_flags = pool("work", None);
        only_flags.updated_at = None;
        only_flags.stale = true;
        only_flags.auth_failed = true;
        let text = openmetrics(&[only_flags], NOW);
        let expected = "\
# TYPE poolwatch_generated_timestamp_seconds gauge
# UNIT poolwatch_generated_timestamp_seconds seconds
# HELP poolwatch_generated_timestamp_seconds When poolwatch wrote this exposition (Unix time).
poolwatch_generated_timestamp_seconds 1700000000
# TYPE poolwatch_stale gauge
# HELP poolwatch_stale 1 when the latest fetch failed and the data is the last good state.
poolwatch_stale{profile=\"work\"} 1
# TYPE poolwatch_auth_failed gauge
# HELP poolwatch_auth_failed 1 when the server rejected the management key.
poolwatch_auth_failed{profile=\"work\"} 1
# TYPE poolwatch_ip_banned gauge
# HELP poolwatch_ip_banned 1 while the pool bans this machine's IP after failed key attempts.
poolwatch_ip_banned{profile=\"work\"} 0
# EOF
";
        assert_eq!(text, expected);
        parse(&text);
    }

    #[test]
    fn no_report_with_update_time_keeps_the_timestamp() {
        let text = openmetrics(&[pool("p", None)], NOW);
        let samples = parse(&text);
        let names: Vec<&str> = samples.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "poolwatch_generated_timestamp_seconds",
                "poolwatch_last_update_timestamp_seconds",
                "poolwatch_stale",
                "poolwatch_auth_failed",
                "poolwatch_ip_banned"
            ]
        );
        assert_eq!(samples[1].value, 1_699_999_820.0);
    }

    #[test]
    fn empty_report_has_pool_series_but_no_account_series() {
        let mut empty = report(Vec::new());
        empty.counts = PoolCounts::default();
        let text = openmetrics(&[pool("p", Some(&empty))], NOW);
        let samples = parse(&text);
        assert!(!samples
            .iter()
            .any(|s| s.name.starts_with("poolwatch_account_")));
        let total = samples
            .iter()
            .find(|s| s.name == "poolwatch_pool_accounts" && label(s, "state") == Some("total"))
            .expect("total count");
        assert_eq!(total.value, 0.0);
        assert!(!text.contains("# TYPE poolwatch_account_"));
    }

    #[test]
    fn no_pools_is_just_the_generation_time() {
        let text = openmetrics(&[], NOW);
        assert_eq!(
            text,
            "# TYPE poolwatch_generated_timestamp_seconds gauge\n\
             # UNIT poolwatch_generated_timestamp_seconds seconds\n\
             # HELP poolwatch_generated_timestamp_seconds When poolwatch wrote this exposition (Unix time).\n\
             poolwatch_generated_timestamp_seconds 1700000000\n\
             # EOF\n"
        );
    }

    #[test]
    fn hostile_labels_are_escaped_cleaned_capped_and_unique() {
        let hostile = [
            "a\"b",
            "c\\d",
            "e\nf",
            "g}h{i=\"x\"} 1\n# EOF",
            "\r\u{7}\u{1b}[31mj\u{85}k\u{2028}l\u{2029}\u{7f}",
            "dup",
            "dup",
        ];
        let mut accounts: Vec<AccountView> =
            hostile.iter().map(|l| account(l, "plus", 1.0)).collect();
        accounts.push(account(&"z".repeat(200), "pl\"an\n", 1.0));
        accounts.push(account(&"y".repeat(130), "plus", 1.0));
        accounts.push(account(&"y".repeat(131), "plus", 1.0));
        let report = report(accounts);
        let profile = "pr\"of\\ile}\n\u{0}\u{2028}";
        let text = openmetrics(&[pool(profile, Some(&report))], NOW);
        let samples = parse(&text);

        let weights: Vec<&Parsed> = samples
            .iter()
            .filter(|s| s.name == "poolwatch_account_weight")
            .collect();
        let mut labels: Vec<&str> = weights.iter().filter_map(|s| label(s, "account")).collect();
        labels.sort_unstable();
        let y128 = "y".repeat(128);
        let y126_2 = format!("{}#2", "y".repeat(126));
        let z128 = "z".repeat(128);
        let mut expected = vec![
            "[31mjkl",
            "a\"b",
            "c\\d",
            "dup",
            "dup#2",
            "e\nf",
            "g}h{i=\"x\"} 1\n# EOF",
            y128.as_str(),
            y126_2.as_str(),
            z128.as_str(),
        ];
        expected.sort_unstable();
        assert_eq!(labels, expected);
        for s in &samples {
            if let Some(p) = label(s, "profile") {
                assert_eq!(p, "pr\"of\\ile}\n");
            }
        }
        let plans: Vec<&str> = weights.iter().filter_map(|s| label(s, "plan")).collect();
        assert!(plans.contains(&"pl\"an\n"));
        // The wire form uses the spec's escapes.
        assert!(text.contains("account=\"a\\\"b\""));
        assert!(text.contains("account=\"c\\\\d\""));
        assert!(text.contains("account=\"e\\nf\""));
    }

    #[test]
    fn eight_thousand_accounts_sharing_a_label_are_distinct_in_linear_time() {
        let accounts: Vec<AccountView> = (0..8_000)
            .map(|i| {
                let mut a = account("same", "plus", 1.0);
                a.id = format!("id-{i}");
                a
            })
            .collect();
        let report = report(accounts);
        let start = std::time::Instant::now();
        let text = openmetrics(&[pool("p", Some(&report))], NOW);
        let took = start.elapsed();
        let labels: HashSet<&str> = text
            .lines()
            .filter(|l| l.starts_with("poolwatch_account_weight{"))
            .filter_map(|l| l.split("account=\"").nth(1)?.split('"').next())
            .collect();
        assert_eq!(labels.len(), 8_000);
        assert!(labels.contains("same#8000"));
        // Quadratic de-duplication took seconds here (even in release); a
        // generous bound for a debug build on a busy machine.
        assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn providers_differing_past_the_cap_or_by_a_control_character_stay_distinct() {
        let mut report = report(vec![account("a", "plus", 1.0)]);
        let long = "p".repeat(200);
        let section = |provider: String| crate::quota::ProviderSection {
            provider,
            name: "P".into(),
            unit: crate::provider::Unit::Percent,
            quota: true,
            five_hour: window(10.0, 100.0, None),
            weekly: window(0.0, 0.0, None),
            counts: PoolCounts::default(),
            health: PoolHealth::default(),
            plans: Vec::new(),
            reset_credits: None,
            omitted: 0,
            plugin_lanes: false,
        };
        report.sections = vec![
            section(format!("{long}a")),
            section(format!("{long}b")),
            section("x\u{7}y".into()),
            section("xy".into()),
        ];
        let samples = parse(&openmetrics(&[pool("p", Some(&report))], NOW));
        let providers: Vec<&str> = samples
            .iter()
            .filter(|s| s.name == "poolwatch_provider_remaining_percent")
            .filter_map(|s| label(s, "provider"))
            .collect();
        let distinct: HashSet<&&str> = providers.iter().collect();
        assert_eq!(providers.len(), 4, "{providers:?}");
        assert_eq!(distinct.len(), 4, "{providers:?}");
    }

    #[test]
    fn blank_label_falls_back_to_name() {
        let mut nameless = account("", "plus", 1.0);
        nameless.name = "auth-7.json".to_string();
        let report = report(vec![nameless]);
        let samples = parse(&openmetrics(&[pool("p", Some(&report))], NOW));
        let weight = samples
            .iter()
            .find(|s| s.name == "poolwatch_account_weight")
            .expect("weight sample");
        assert_eq!(label(weight, "account"), Some("auth-7.json"));
    }

    #[test]
    fn non_finite_values_are_skipped() {
        let mut report = small_report();
        report.five_hour.remaining = f64::NAN;
        report.weekly.capacity = f64::INFINITY;
        report.accounts[0].weight = f64::NEG_INFINITY;
        let text = openmetrics(&[pool("p", Some(&report))], NOW);
        let samples = parse(&text);
        let windows_of = |name: &str| -> Vec<String> {
            samples
                .iter()
                .filter(|s| s.name == name)
                .filter_map(|s| label(s, "window").map(str::to_string))
                .collect()
        };
        assert_eq!(
            windows_of("poolwatch_pool_remaining_plus_percent"),
            ["week"]
        );
        assert_eq!(windows_of("poolwatch_pool_capacity_plus_percent"), ["5h"]);
        let weights: Vec<&str> = samples
            .iter()
            .filter(|s| s.name == "poolwatch_account_weight")
            .filter_map(|s| label(s, "account"))
            .collect();
        assert_eq!(weights, ["alice"]);
        assert!(!text.contains("NaN") && !text.contains("inf"));
    }

    #[test]
    fn a_family_with_only_non_finite_samples_is_left_out() {
        let mut report = small_report();
        report.five_hour.forecast = Some(Forecast {
            restored: f64::NAN,
            target: 1.0,
            at: NOW,
            first: None,
        });
        let text = openmetrics(&[pool("p", Some(&report))], NOW);
        parse(&text);
        assert!(!text.contains("poolwatch_pool_restore_plus_percent"));
        assert!(text.contains(
            "poolwatch_pool_restore_timestamp_seconds{profile=\"p\",window=\"5h\"} 1700000000\n"
        ));
    }

    #[test]
    fn two_pools_are_grouped_by_family() {
        let first = small_report();
        let second = report(vec![account("carol", "prolite", 10.0)]);
        let mut b = pool("b", Some(&second));
        b.stale = true;
        let text = openmetrics(&[pool("a", Some(&first)), b], NOW);
        let samples = parse(&text);
        let stale: Vec<(Option<&str>, f64)> = samples
            .iter()
            .filter(|s| s.name == "poolwatch_stale")
            .map(|s| (label(s, "profile"), s.value))
            .collect();
        assert_eq!(stale, [(Some("a"), 0.0), (Some("b"), 1.0)]);
        let weights: Vec<(Option<&str>, Option<&str>, f64)> = samples
            .iter()
            .filter(|s| s.name == "poolwatch_account_weight")
            .map(|s| (label(s, "profile"), label(s, "account"), s.value))
            .collect();
        assert_eq!(
            weights,
            [
                (Some("a"), Some("alice"), 1.0),
                (Some("a"), Some("bob"), 20.0),
                (Some("b"), Some("carol"), 10.0)
            ]
        );
        assert_eq!(text.matches("# TYPE poolwatch_stale gauge").count(), 1);
    }

    #[test]
    fn repeated_profile_names_stay_distinct_series() {
        let r = small_report();
        let text = openmetrics(&[pool("x", Some(&r)), pool("x", Some(&r))], NOW);
        let samples = parse(&text);
        let profiles: Vec<Option<&str>> = samples
            .iter()
            .filter(|s| s.name == "poolwatch_auth_failed")
            .map(|s| label(s, "profile"))
            .collect();
        assert_eq!(profiles, [Some("x"), Some("x#2")]);
    }

    #[test]
    fn output_is_deterministic_regardless_of_account_order() {
        let report = small_report();
        let mut reversed = report.clone();
        reversed.accounts.reverse();
        assert_eq!(
            openmetrics(&[pool("p", Some(&report))], NOW),
            openmetrics(&[pool("p", Some(&reversed))], NOW)
        );
    }

    #[test]
    fn numbers_parse_back_exactly() {
        for v in [0.0, -0.0, 1.0, 2.5, 1e-7, 123_456_789.125, 1e300, -42.0] {
            let text = number(v).expect("finite");
            assert!(!text.contains(['e', 'E']), "{text}");
            assert_eq!(text.parse::<f64>().ok(), Some(v), "{text}");
        }
        assert_eq!(number(-0.0).as_deref(), Some("0"));
        assert_eq!(number(f64::NAN), None);
        assert_eq!(number(f64::INFINITY), None);
    }

    #[test]
    fn parser_rejects_broken_lines() {
        // Guards the checker itself: it must be able to fail.
        for bad in [
            "x{a=\"b} 1",
            "x{a=\"b\"}1",
            "x{a=\"b\"} 1 2",
            "x{a=\"b\nc\"} 1",
            "x{a=\"\\t\"} 1",
            "1x 1",
            "x NaN",
            "x{a=\"b\",a=\"c\"} 1",
        ] {
            assert!(parse_sample(bad).is_err(), "{bad:?}");
        }
        assert!(parse_sample("x{a=\"b\\\"}\\n\"} 1.5").is_ok());
    }
}
