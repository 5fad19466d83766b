//! The whole pool report: pool windows, forecasts, counts, health and plans.

use std::collections::BTreeMap;

use super::account::account_view;
use super::forecast::{five_hour_events, forecast, weekly_events, RestoreEvent};
use super::health::{merge_health, pool_health};
use super::sections::{choose_primary, section_order, total_reset_credits};
use super::sort::sort_accounts;
use super::{
    level, AccountView, AccountWindow, Level, PlanGroup, PoolCounts, PoolReport, PoolWindow,
    ProviderSection, QuotaSettings,
};
use crate::model::{Account, Epoch};
use crate::provider;

/// Compute the report of `accounts` at `now` (SPEC §2).
///
/// Every provider gets its own section with its own weights; the top-level
/// windows, counts, health and plans are the primary provider's section, and
/// `accounts` lists every account.
pub fn compute(accounts: &[Account], settings: &QuotaSettings, now: Epoch) -> PoolReport {
    let mut views: Vec<AccountView> = accounts
        .iter()
        .map(|account| account_view(account, settings, now))
        .collect();
    mark_duplicates(accounts, &mut views);
    let primary = choose_primary(&views, settings);
    let mut ids = section_order(&views, &primary);
    if !ids.contains(&primary) {
        ids.insert(0, primary.clone());
    }
    let sections: Vec<ProviderSection> = ids
        .iter()
        .map(|id| {
            let members: Vec<usize> = (0..views.len())
                .filter(|&i| views[i].provider == *id)
                .collect();
            let health = pool_health(merge_health(
                members
                    .iter()
                    .map(|&i| accounts[i].recent_requests.as_slice()),
            ));
            if members.len() == views.len() {
                // One provider (the usual pool): no copy of the rows.
                return section(id, &views, health, now);
            }
            let section_views: Vec<AccountView> =
                members.iter().map(|&i| views[i].clone()).collect();
            section(id, &section_views, health, now)
        })
        .collect();
    sort_accounts(&mut views, settings.sort);
    let top = sections
        .iter()
        .find(|s| s.provider == primary)
        .cloned()
        .unwrap_or_else(|| section(&primary, &[], pool_health(Vec::new()), now));
    PoolReport {
        now,
        five_hour: top.five_hour,
        weekly: top.weekly,
        accounts: views,
        counts: top.counts,
        health: top.health,
        plans: top.plans,
        primary_provider: primary,
        sections,
        api_keys: Vec::new(),
    }
}

/// One provider's section over its accounts.
fn section(
    id: &str,
    views: &[AccountView],
    health: super::PoolHealth,
    now: Epoch,
) -> ProviderSection {
    let (five_hour, weekly, counts, plans) = section_figures(views, now);
    ProviderSection {
        provider: id.to_string(),
        name: provider::display_name(id),
        unit: provider::unit(id),
        quota: provider::descriptor(id).is_some_and(|d| d.readable),
        five_hour,
        weekly,
        counts,
        health,
        plans,
        reset_credits: total_reset_credits(views),
        omitted: 0,
        plugin_lanes: false,
    }
}

/// The clock-dependent figures of a section: its pool windows (with their
/// forecasts), counts and plans.
pub(super) fn section_figures(
    views: &[AccountView],
    now: Epoch,
) -> (PoolWindow, PoolWindow, PoolCounts, Vec<PlanGroup>) {
    let mut figures = Figures::default();
    for view in views {
        figures.add(view);
    }
    figures.finish(now)
}

/// [`section_figures`] added up one account at a time, in the section's
/// order (so a run can re-date a thousand stored accounts without holding
/// them all: `quota::redate`).
#[derive(Default)]
pub(super) struct Figures {
    five_hour: WindowSum,
    weekly: WindowSum,
    counts: PoolCounts,
    /// By normalised plan: the first account's weight, accounts, counted, counts.
    plans: BTreeMap<String, (f64, usize, usize, PoolCounts)>,
}

/// A pool window's sums and restore events.
#[derive(Default)]
struct WindowSum {
    remaining: f64,
    capacity: f64,
    events: Vec<RestoreEvent>,
}

impl WindowSum {
    fn add(
        &mut self,
        view: &AccountView,
        window: Option<&AccountWindow>,
        events: impl IntoIterator<Item = RestoreEvent>,
    ) {
        if let Some(w) = window {
            self.remaining += view.weight * w.effective;
            self.capacity += view.weight * 100.0;
        }
        self.events.extend(events);
    }

    fn finish(self, now: Epoch) -> PoolWindow {
        PoolWindow {
            remaining: self.remaining,
            capacity: self.capacity,
            forecast: forecast(&self.events, self.remaining, self.capacity, now),
            level: pool_level(self.remaining, self.capacity),
        }
    }
}

impl Figures {
    /// Count `view` (settled) in.
    pub(super) fn add(&mut self, view: &AccountView) {
        let counted = counts_in_pool(view);
        if counted {
            self.five_hour
                .add(view, view.five_hour.as_ref(), five_hour_events(view));
            self.weekly
                .add(view, view.weekly.as_ref(), weekly_events(view));
        }
        add_count(&mut self.counts, view);
        let plan = match self.plans.get_mut(view.plan.as_str()) {
            Some(plan) => plan,
            None => self.plans.entry(view.plan.clone()).or_insert((
                view.weight,
                0,
                0,
                PoolCounts::default(),
            )),
        };
        plan.1 += 1;
        plan.2 += usize::from(counted);
        add_count(&mut plan.3, view);
    }

    /// The pool windows at `now`, the counts and the plans (heaviest first, then by name).
    pub(super) fn finish(self, now: Epoch) -> (PoolWindow, PoolWindow, PoolCounts, Vec<PlanGroup>) {
        let mut plans: Vec<PlanGroup> = self
            .plans
            .into_iter()
            .map(|(plan, (weight, accounts, counted, counts))| PlanGroup {
                plan,
                weight,
                accounts,
                available: counted,
                counted,
                counts,
            })
            .collect();
        plans.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.plan.cmp(&b.plan))
        });
        (
            self.five_hour.finish(now),
            self.weekly.finish(now),
            self.counts,
            plans,
        )
    }
}

/// True when the account's quota counts in the pool: available, and not a
/// duplicate of a login already counted.
pub fn counts_in_pool(view: &AccountView) -> bool {
    view.available && view.duplicate_of.is_none()
}

/// Auth files of the same login (same `chatgpt_account_id`) count once: the
/// one with quota values that count, else the latest fetched, else the first
/// by name; the others get `duplicate_of` = its label. On workspace plans
/// (team, business, enterprise, edu) the email is part of the key too: the
/// seats of one workspace share its `chatgpt_account_id` but each has its own
/// quota. `views[i]` belongs to `accounts[i]` (before sorting).
fn mark_duplicates(accounts: &[Account], views: &mut [AccountView]) {
    let mut groups: BTreeMap<(&str, String), Vec<usize>> = BTreeMap::new();
    for (i, account) in accounts.iter().enumerate() {
        if let Some(id) = account
            .chatgpt_account_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
        {
            let email = match is_workspace_plan(&views[i].plan) {
                true => account.email.as_deref().unwrap_or_default(),
                false => "",
            }
            .trim()
            .to_lowercase();
            groups.entry((id, email)).or_default().push(i);
        }
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let rank = |&i: &usize| {
            let v = &views[i];
            let has_values = v.available && (v.five_hour.is_some() || v.weekly.is_some());
            (
                std::cmp::Reverse(has_values),
                std::cmp::Reverse(v.available),
                std::cmp::Reverse(v.usage_fetched_at.unwrap_or(i64::MIN)),
                accounts[i].name.as_str(),
                i,
            )
        };
        let Some(&keep) = members.iter().min_by_key(|i| rank(i)) else {
            continue;
        };
        let label = views[keep].label.clone();
        for &i in members.iter().filter(|&&i| i != keep) {
            views[i].duplicate_of = Some(label.clone());
        }
    }
}

/// Plans whose accounts are seats of a shared workspace.
fn is_workspace_plan(plan: &str) -> bool {
    matches!(plan, "team" | "business" | "enterprise" | "edu")
}

/// Level of a pool window; an empty pool (capacity 0) is red.
fn pool_level(remaining: f64, capacity: f64) -> Level {
    if capacity > 0.0 {
        level(remaining / capacity)
    } else {
        Level::Red
    }
}

/// The one state an account is counted in on the `Accounts` line: the
/// states partition the accounts (docs/quota-model.md, "Counts").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountState {
    Disabled,
    /// Another auth file of the same login is counted.
    Duplicate,
    /// Its usage fetch failed (kept values may still count for a while) or
    /// its token was refused.
    Erroring,
    /// The server cools it down (`next_retry_after` in the future), after an
    /// error of its own or not.
    Cooling,
    /// Weekly remaining below the kill line.
    WeekKilled,
    /// No quota values that count, and nothing wrong known.
    NoData,
    /// Usable now, with quota values that count and weekly above the kill line.
    Available,
}

/// The state an account is counted in (first that applies, in the order of
/// [`CountState`]).
pub fn count_state(view: &AccountView) -> CountState {
    if view.disabled {
        CountState::Disabled
    } else if view.duplicate_of.is_some() {
        CountState::Duplicate
    } else if view.error.is_some() || view.token_refused {
        CountState::Erroring
    } else if view.cooling {
        // The server's own error while it cools the account down is cooling.
        CountState::Cooling
    } else if view.erroring {
        CountState::Erroring
    } else if view.killed {
        CountState::WeekKilled
    } else if !view.available
        || (view.five_hour.is_none() && view.weekly.is_none() && quota_read(view))
    {
        CountState::NoData
    } else {
        CountState::Available
    }
}

/// Poolwatch reads this account's quota (not a health-only provider, whose
/// usable accounts count as available without values).
fn quota_read(view: &AccountView) -> bool {
    view.provider.is_empty() || provider::descriptor(&view.provider).is_some_and(|d| d.readable)
}

/// Account counts: every account in exactly one state ([`count_state`]),
/// so `available + killed + cooling + erroring + no_data + disabled +
/// duplicates == total`; `stale` (kept values shown) is extra information.
/// Count `view`'s state in `c`.
fn add_count(c: &mut PoolCounts, view: &AccountView) {
    c.total += 1;
    c.stale += usize::from(view.stale);
    match count_state(view) {
        CountState::Disabled => c.disabled += 1,
        CountState::Duplicate => c.duplicates += 1,
        CountState::Erroring => c.erroring += 1,
        CountState::Cooling => c.cooling += 1,
        CountState::WeekKilled => c.killed += 1,
        CountState::NoData => {}
        CountState::Available => c.available += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HealthBucket, QuotaWindow, Usage};

    const NOW: Epoch = 1_000_000;

    fn window(used: f64, reset_in: i64) -> Option<QuotaWindow> {
        Some(QuotaWindow {
            used_percent: used,
            window_seconds: None,
            reset_at: Some(NOW + reset_in),
        })
    }

    fn account(
        id: &str,
        plan: &str,
        five_hour: Option<QuotaWindow>,
        weekly: Option<QuotaWindow>,
    ) -> Account {
        let has_usage = five_hour.is_some() || weekly.is_some();
        Account {
            id: id.into(),
            label: id.into(),
            status: "active".into(),
            id_token_plan: Some(plan.into()),
            usage: has_usage.then(|| Usage {
                five_hour,
                weekly,
                ..Usage::default()
            }),
            ..Account::default()
        }
    }

    fn buckets(values: &[(u64, u64)]) -> Vec<HealthBucket> {
        values
            .iter()
            .map(|&(success, failed)| HealthBucket {
                time: String::new(),
                success,
                failed,
            })
            .collect()
    }

    /// a: plus 5h 60% / week 50%; b: pro, week 2% (killed), 5h raw 90%;
    /// c: prolite, weekly only 70%; d: disabled plus; e: erroring plus without
    /// usage, cooling down; f: active plus without usage.
    fn pool() -> Vec<Account> {
        let mut a = account("a", "plus", window(40.0, 1000), window(50.0, 100_000));
        a.recent_requests = buckets(&[(1, 0); 20]);
        let mut b = account("b", "pro", window(10.0, 1500), window(98.0, 2000));
        b.recent_requests = buckets(&[(0, 3), (2, 1)]);
        let c = account("c", "prolite", None, window(30.0, 200_000));
        let mut d = account("d", "plus", window(0.0, 100), None);
        d.disabled = true;
        let mut e = account("e", "plus", None, None);
        e.status = "error".into();
        // Still cooling down after its error (the server retries it in 5 min).
        e.next_retry_after = Some(NOW + 300);
        let f = account("f", "plus", None, None);
        vec![f, e, d, c, b, a]
    }

    #[test]
    fn pool_five_hour_window() {
        let report = compute(&pool(), &QuotaSettings::default(), NOW);
        let five = &report.five_hour;
        // a: 1 * 60; b is killed: 0. Capacity: (1 + 20) * 100.
        assert_eq!(five.remaining, 60.0);
        assert_eq!(five.capacity, 2100.0);
        assert_eq!(five.level, Level::Red);
        // a's 5h reset (+0.4 units) at +1000 and b's weekly reset releasing its
        // raw 90% * 20 = 18 units at +2000 (within 1860 s): +1840%.
        let forecast = five.forecast.as_ref().expect("forecast");
        assert!((forecast.restored - 1840.0).abs() < 1e-9);
        assert_eq!(forecast.at, NOW + 2000);
        assert!((forecast.target - 1900.0).abs() < 1e-9);
    }

    #[test]
    fn pool_weekly_window() {
        let report = compute(&pool(), &QuotaSettings::default(), NOW);
        let weekly = &report.weekly;
        // a 50 + b 0 (killed) + c 10 * 70; capacity (1 + 20 + 10) * 100.
        assert_eq!(weekly.remaining, 750.0);
        assert_eq!(weekly.capacity, 3100.0);
        assert_eq!(weekly.level, Level::Yellow);
        // b's weekly reset restores its full weight (effective 0): +2000% at +2000.
        let forecast = weekly.forecast.as_ref().expect("forecast");
        assert_eq!(forecast.restored, 2000.0);
        assert_eq!(forecast.at, NOW + 2000);
        assert_eq!(forecast.target, 2750.0);
    }

    #[test]
    fn counts_and_plans() {
        let report = compute(&pool(), &QuotaSettings::default(), NOW);
        assert_eq!(
            report.counts,
            PoolCounts {
                total: 6,
                available: 2,
                killed: 1,
                cooling: 1,
                erroring: 0,
                disabled: 1,
                stale: 0,
                duplicates: 0,
            }
        );
        assert_eq!(report.counts.no_data(), 1);
        let plans: Vec<(&str, f64, usize, usize)> = report
            .plans
            .iter()
            .map(|p| (p.plan.as_str(), p.weight, p.accounts, p.available))
            .collect();
        assert_eq!(
            plans,
            [
                ("pro", 20.0, 1, 1),
                ("prolite", 10.0, 1, 1),
                ("plus", 1.0, 4, 2)
            ]
        );
    }

    #[test]
    fn accounts_sorted_by_raw_five_hour_with_missing_last() {
        let report = compute(&pool(), &QuotaSettings::default(), NOW);
        let ids: Vec<&str> = report.accounts.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "d", "c", "e", "f"]);
        assert_eq!(report.now, NOW);
    }

    #[test]
    fn pool_health_is_right_aligned_sum() {
        let report = compute(&pool(), &QuotaSettings::default(), NOW);
        let health = &report.health;
        assert_eq!(health.buckets.len(), 20);
        assert_eq!(
            (health.buckets[17].success, health.buckets[17].failed),
            (1, 0)
        );
        assert_eq!(
            (health.buckets[18].success, health.buckets[18].failed),
            (1, 3)
        );
        assert_eq!(
            (health.buckets[19].success, health.buckets[19].failed),
            (3, 1)
        );
        assert_eq!(health.recent_failures, 4);
        assert_eq!((health.success, health.failed), (22, 4));
        let b = report.accounts.iter().find(|v| v.id == "b").expect("b");
        assert_eq!(b.recent_failures, 4);
    }

    #[test]
    fn duplicate_logins_count_once() {
        // a1 and a2 are the same ChatGPT login; a2 was fetched later and counts.
        let mut a1 = account("a1", "plus", window(40.0, 1000), window(50.0, 100_000));
        a1.chatgpt_account_id = Some("acc-1".into());
        a1.usage_fetched_at = Some(NOW - 600);
        let mut a2 = account("a2", "plus", window(20.0, 1000), window(30.0, 100_000));
        a2.chatgpt_account_id = Some("acc-1".into());
        a2.usage_fetched_at = Some(NOW - 60);
        let mut b = account("b", "pro", window(50.0, 1000), window(50.0, 100_000));
        b.chatgpt_account_id = Some("acc-2".into());
        let report = compute(&[a1, a2, b], &QuotaSettings::default(), NOW);
        // 5h: a2 80 + b 20 * 50 = 1080 of (1 + 20) * 100; a1 not counted.
        assert_eq!(report.five_hour.remaining, 1080.0);
        assert_eq!(report.five_hour.capacity, 2100.0);
        assert_eq!(report.weekly.remaining, 70.0 + 1000.0);
        assert_eq!((report.counts.available, report.counts.duplicates), (2, 1));
        assert_eq!(report.counts.total, 3);
        let a1 = report.accounts.iter().find(|v| v.id == "a1").unwrap();
        assert_eq!(a1.duplicate_of.as_deref(), Some("a2"));
        assert!(report
            .accounts
            .iter()
            .filter(|v| v.id != "a1")
            .all(|v| v.duplicate_of.is_none()));
        let plus = report.plans.iter().find(|p| p.plan == "plus").unwrap();
        assert_eq!((plus.accounts, plus.available, plus.counted), (2, 1, 1));
        assert_eq!((plus.counts.available, plus.counts.duplicates), (1, 1));
    }

    #[test]
    fn team_seats_sharing_a_workspace_id_are_not_duplicates() {
        // Same ChatGPT Team workspace (one chatgpt_account_id), two people.
        let mut ann = account("ann", "team", window(40.0, 1000), window(50.0, 100_000));
        ann.chatgpt_account_id = Some("ws-1".into());
        ann.email = Some("ann@team.example".into());
        let mut bo = account("bo", "team", window(20.0, 1000), window(30.0, 100_000));
        bo.chatgpt_account_id = Some("ws-1".into());
        bo.email = Some("bo@team.example".into());
        // A second file of Ann's login (email differs only in case) is a duplicate.
        let mut ann2 = account("ann2", "team", window(40.0, 1000), window(50.0, 100_000));
        ann2.chatgpt_account_id = Some("ws-1".into());
        ann2.email = Some("Ann@Team.example".into());
        let report = compute(&[ann, bo, ann2], &QuotaSettings::default(), NOW);
        assert_eq!(report.counts.duplicates, 1);
        // 5h: ann 60 + bo 80 (team weighs 1).
        assert_eq!(report.five_hour.remaining, 140.0);
        let bo = report.accounts.iter().find(|v| v.id == "bo").unwrap();
        assert!(bo.duplicate_of.is_none());
    }

    #[test]
    fn personal_plans_with_one_account_id_are_one_login_whatever_the_email() {
        let mut a = account("a", "plus", window(40.0, 1000), window(50.0, 100_000));
        a.chatgpt_account_id = Some("acc".into());
        a.email = Some("a@example.com".into());
        let mut b = account("b", "plus", window(40.0, 1000), window(50.0, 100_000));
        b.chatgpt_account_id = Some("acc".into());
        b.email = Some("b@example.com".into());
        let report = compute(&[a, b], &QuotaSettings::default(), NOW);
        assert_eq!(report.counts.duplicates, 1);
        assert_eq!(report.five_hour.remaining, 60.0);
    }

    #[test]
    fn a_duplicate_with_values_wins_over_one_without() {
        let mut with = account("z-with", "plus", window(40.0, 1000), None);
        with.chatgpt_account_id = Some("acc".into());
        let mut without = account("a-without", "plus", None, None);
        without.chatgpt_account_id = Some("acc".into());
        without.usage_fetched_at = Some(NOW);
        let report = compute(&[without, with], &QuotaSettings::default(), NOW);
        let loser = report
            .accounts
            .iter()
            .find(|v| v.id == "a-without")
            .unwrap();
        assert_eq!(loser.duplicate_of.as_deref(), Some("z-with"));
        assert_eq!(report.five_hour.remaining, 60.0);
    }

    #[test]
    fn a_pool_without_5h_windows_has_no_5h_figure() {
        // Only week-only Pro accounts (SPEC §1: the weekly window in primary_window).
        let accounts = [
            account("p1", "pro", None, window(25.0, 500_000)),
            account("p2", "pro", None, window(75.0, 400_000)),
        ];
        let report = compute(&accounts, &QuotaSettings::default(), NOW);
        assert!(!report.five_hour.is_known());
        assert_eq!(report.five_hour.known(), None);
        assert!(report.weekly.is_known());
        assert_eq!(report.weekly.remaining, 20.0 * 75.0 + 20.0 * 25.0);
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["five_hour"].is_null(), "{}", json["five_hour"]);
        assert_eq!(json["weekly"]["capacity"], 4000.0);
        // And it reads back.
        let back: PoolReport = serde_json::from_value(json).unwrap();
        assert_eq!(back.five_hour, PoolWindow::unknown());
        assert_eq!(back.weekly, report.weekly);
    }

    #[test]
    fn a_stuck_unavailable_account_from_the_real_server_counts() {
        // `unavailable: true, status: "error"` with next_retry_after 10 min ago.
        let mut stuck = account("s", "plus", window(40.0, 1000), window(50.0, 100_000));
        stuck.unavailable = true;
        stuck.status = "error".into();
        stuck.next_retry_after = Some(NOW - 600);
        let report = compute(&[stuck], &QuotaSettings::default(), NOW);
        let c = &report.counts;
        assert_eq!((c.available, c.cooling, c.erroring), (1, 0, 0));
        assert!(report.accounts[0].recovering);
        assert_eq!(report.five_hour.remaining, 60.0);
    }

    #[test]
    fn empty_pool_is_red_with_nothing() {
        let report = compute(&[], &QuotaSettings::default(), NOW);
        assert_eq!(report.five_hour.capacity, 0.0);
        assert_eq!(report.five_hour.level, Level::Red);
        assert_eq!(report.five_hour.forecast, None);
        assert!(report.health.buckets.is_empty());
        assert!(report.plans.is_empty());
    }

    #[test]
    fn kill_line_setting_is_used() {
        let settings = QuotaSettings {
            kill_line: 60.0,
            ..QuotaSettings::default()
        };
        // a's weekly remaining 50 < 60: killed too; only c remains on weekly.
        let report = compute(&pool(), &settings, NOW);
        assert_eq!(report.counts.killed, 2);
        assert_eq!(report.weekly.remaining, 700.0);
        assert_eq!(report.five_hour.remaining, 0.0);
        assert_eq!(report.five_hour.capacity, 2100.0);
    }

    #[test]
    fn past_resets_do_not_forecast() {
        let accounts = [account("x", "plus", window(50.0, -10), window(50.0, 0))];
        let report = compute(&accounts, &QuotaSettings::default(), NOW);
        assert_eq!(report.five_hour.forecast, None);
        assert_eq!(report.weekly.forecast, None);
        // A fresh window past its reset is restored (its capacity back), not yet confirmed.
        assert_eq!(report.five_hour.remaining, 100.0);
        assert_eq!(report.five_hour.level, Level::Green);
        assert!(report.accounts[0].five_hour_unconfirmed && report.accounts[0].weekly_unconfirmed);
    }

    mod invariants {
        use super::*;
        use crate::quota::{PlanWeights, SortKey, SortOrder};
        use proptest::prelude::*;

        fn quota_window() -> impl Strategy<Value = Option<QuotaWindow>> {
            proptest::option::of(
                (0.0..=100.0f64, proptest::option::of(-50_000i64..700_000)).prop_map(
                    |(used, reset_in)| QuotaWindow {
                        used_percent: used,
                        window_seconds: None,
                        reset_at: reset_in.map(|r| NOW + r),
                    },
                ),
            )
        }

        fn account_strategy() -> impl Strategy<Value = Account> {
            let plan = prop::sample::select(vec!["plus", "pro", "prolite", "Pro-Lite", "team", ""]);
            let status =
                prop::sample::select(vec!["", "active", "ok", "error", "disabled", "pending"]);
            let flags = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>());
            let bucket = (0u64..50, 0u64..50).prop_map(|(success, failed)| HealthBucket {
                time: String::new(),
                success,
                failed,
            });
            (
                plan,
                status,
                flags,
                quota_window(),
                quota_window(),
                proptest::option::of(-1000i64..1000),
                prop::collection::vec(bucket, 0..25),
            )
                .prop_map(|(plan, status, flags, five_hour, weekly, retry, recent)| {
                    let (disabled, unavailable, errored, has_usage) = flags;
                    Account {
                        label: plan.to_string(),
                        status: status.to_string(),
                        disabled,
                        unavailable,
                        id_token_plan: Some(plan.to_string()),
                        next_retry_after: retry.map(|r| NOW + r),
                        usage_error: errored.then(|| "boom".to_string()),
                        usage: has_usage.then_some(Usage {
                            five_hour,
                            weekly,
                            ..Usage::default()
                        }),
                        recent_requests: recent,
                        ..Account::default()
                    }
                })
        }

        fn settings_strategy() -> impl Strategy<Value = QuotaSettings> {
            let weight = prop_oneof![Just(0.0), Just(-1.0), 0.0..50.0f64];
            let key = prop::sample::select(vec![SortKey::FiveHour, SortKey::Week, SortKey::Name]);
            (
                weight.clone(),
                weight.clone(),
                weight,
                0.0..110.0f64,
                key,
                any::<bool>(),
            )
                .prop_map(|(plus, prolite, pro, kill_line, key, descending)| {
                    QuotaSettings {
                        weights: PlanWeights { plus, prolite, pro },
                        kill_line,
                        sort: SortOrder { key, descending },
                        ..QuotaSettings::default()
                    }
                })
        }

        fn check_window(window: &PoolWindow) -> Result<(), TestCaseError> {
            prop_assert!(window.remaining >= 0.0);
            prop_assert!(window.remaining <= window.capacity);
            if let Some(f) = &window.forecast {
                prop_assert!(f.at > NOW);
                prop_assert!(f.restored > 0.0);
                prop_assert!(f.target <= window.capacity);
                prop_assert!(f.target >= window.remaining);
            }
            Ok(())
        }

        proptest! {
            #[test]
            fn compute_invariants(
                accounts in prop::collection::vec(account_strategy(), 0..12),
                settings in settings_strategy(),
            ) {
                let accounts: Vec<Account> = accounts
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| Account { id: format!("id{i:02}"), ..a })
                    .collect();
                let report = compute(&accounts, &settings, NOW);
                check_window(&report.five_hour)?;
                check_window(&report.weekly)?;
                let c = &report.counts;
                prop_assert_eq!(c.total, accounts.len());
                prop_assert_eq!(report.accounts.len(), accounts.len());
                for n in [c.available, c.killed, c.cooling, c.erroring, c.disabled, c.stale] {
                    prop_assert!(n <= c.total);
                }
                prop_assert!(c.available + c.disabled <= c.total);
                // The states partition the accounts.
                prop_assert_eq!(
                    c.available + c.killed + c.cooling + c.erroring + c.disabled + c.duplicates + c.no_data(),
                    c.total
                );
                let plan_total: usize = report.plans.iter().map(|p| p.accounts).sum();
                prop_assert_eq!(plan_total, c.total);
                let plan_counted: usize = report.plans.iter().map(|p| p.counted).sum();
                prop_assert_eq!(plan_counted, report.accounts.iter().filter(|v| counts_in_pool(v)).count());
                // Each plan's states partition its accounts, and add up to the pool's.
                let mut summed = PoolCounts::default();
                for p in &report.plans {
                    prop_assert_eq!(p.available, p.counted);
                    prop_assert_eq!(p.counts.total, p.accounts);
                    let q = &p.counts;
                    prop_assert_eq!(q.available + q.killed + q.cooling + q.erroring + q.disabled + q.duplicates + q.no_data(), q.total);
                    summed.total += q.total;
                    summed.available += q.available;
                    summed.killed += q.killed;
                    summed.cooling += q.cooling;
                    summed.erroring += q.erroring;
                    summed.disabled += q.disabled;
                    summed.stale += q.stale;
                    summed.duplicates += q.duplicates;
                }
                prop_assert_eq!(&summed, c);
                let any_buckets = accounts.iter().any(|a| !a.recent_requests.is_empty());
                prop_assert_eq!(report.health.buckets.len(), if any_buckets { 20 } else { 0 });
                prop_assert!(report.health.recent_failures <= report.health.failed);

                // The order does not depend on the input order.
                let mut reversed = accounts.clone();
                reversed.reverse();
                let again = compute(&reversed, &settings, NOW);
                let ids = |r: &PoolReport| r.accounts.iter().map(|v| v.id.clone()).collect::<Vec<_>>();
                prop_assert_eq!(ids(&report), ids(&again));
            }

            #[test]
            fn other_providers_never_change_the_codex_numbers(
                codex in prop::collection::vec(account_strategy(), 1..8),
                others in prop::collection::vec(
                    (account_strategy(), prop::sample::select(vec!["claude", "antigravity", "kimi", "gemini-cli", "xai"])),
                    0..8,
                ),
                settings in settings_strategy(),
            ) {
                let codex: Vec<Account> = codex
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| Account { id: format!("c{i:02}"), provider: "codex".into(), ..a })
                    .collect();
                let mut all = codex.clone();
                all.extend(others.into_iter().enumerate().map(|(i, (a, provider))| Account {
                    id: format!("o{i:02}"),
                    provider: provider.into(),
                    ..a
                }));
                let alone = compute(&codex, &settings, NOW);
                let mixed = compute(&all, &settings, NOW);
                prop_assert_eq!(&mixed.primary_provider, "codex");
                prop_assert_eq!(&mixed.five_hour, &alone.five_hour);
                prop_assert_eq!(&mixed.weekly, &alone.weekly);
                prop_assert_eq!(&mixed.counts, &alone.counts);
                prop_assert_eq!(&mixed.health, &alone.health);
                prop_assert_eq!(&mixed.plans, &alone.plans);
                prop_assert_eq!(mixed.accounts.len(), all.len());
                // Every section holds exactly its provider's accounts and keeps the invariants.
                let total: usize = mixed.sections.iter().map(|s| s.counts.total).sum();
                prop_assert_eq!(total, all.len());
                for section in &mixed.sections {
                    check_window(&section.five_hour)?;
                    check_window(&section.weekly)?;
                    prop_assert_eq!(section.counts.total, mixed.accounts_of(&section.provider).count());
                    if !section.quota {
                        prop_assert!(mixed.accounts_of(&section.provider).all(|a| a.provider != "codex"));
                    }
                }
            }
        }
    }
}
