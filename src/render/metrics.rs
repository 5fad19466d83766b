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

/// Every family, in output order.
#[cfg(test)]
const ALL_FAMILIES: [&FamilyDef; 16] = [
    &GENERATED,
    &LAST_UPDATE,
    &STALE,
    &AUTH_FAILED,
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

/// Cleans `raw` and makes it differ from every value in `seen` by appending
/// `#2`, `#3`, ... (within the length cap); records the result in `seen`.
fn unique_label_value(raw: &str, seen: &mut HashSet<String>) -> String {
    let base = clean_label_value(raw, LABEL_VALUE_MAX_CHARS);
    let mut candidate = base.clone();
    let mut n = 2usize;
    while seen.contains(&candidate) {
        let suffix = format!("#{n}");
        let keep = LABEL_VALUE_MAX_CHARS.saturating_sub(suffix.chars().count());
        candidate = format!("{}{suffix}", clean_label_value(&base, keep));
        n += 1;
    }
    seen.insert(candidate.clone());
    candidate
}

/// A pool with its label values decided.
struct Prepared<'a> {
    profile: String,
    pool: &'a PoolMetrics<'a>,
    /// (account label value, plan label value, account), sorted by label.
    accounts: Vec<(String, String, &'a AccountView)>,
}

fn prepare<'a>(pools: &'a [PoolMetrics<'a>]) -> Vec<Prepared<'a>> {
    let mut profiles = HashSet::new();
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
    let mut seen = HashSet::new();
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
    out
}

fn pool_flag_families(pools: &[Prepared]) -> [Family; 3] {
    let mut updated = Family::new(&LAST_UPDATE);
    let mut stale = Family::new(&STALE);
    let mut auth = Family::new(&AUTH_FAILED);
    for p in pools {
        let labels = || vec![("profile", p.profile.clone())];
        if let Some(at) = p.pool.updated_at {
            updated.push(labels(), at as f64);
        }
        stale.push(labels(), flag(p.pool.stale));
        auth.push(labels(), flag(p.pool.auth_failed));
    }
    [updated, stale, auth]
}

/// The two pool windows with their `window` label values.
fn windows(report: &PoolReport) -> [(&'static str, &PoolWindow); 2] {
    [("5h", &report.five_hour), ("week", &report.weekly)]
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
