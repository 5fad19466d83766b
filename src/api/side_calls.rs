//! Which calls besides the usage read a refresh makes (pure): Codex reset
//! credits and the plan calls (Claude profile, Antigravity tier). Every one is
//! an api-call (a bcrypt check on the server, an upstream request), so
//! "every call counts" (issue 18 item 7): they ride along with an account's
//! usage read only when something says they may have changed —
//!
//! * `refresh --all` (the user asks for everything),
//! * never read for this account,
//! * a window of the account reset since they were read,
//! * the account hit a limit (`limit_reached`, a window at 100%),
//!
//! and otherwise at most once a day per account ([`SIDE_CALL_EVERY`]).
//! A credits signal in a passive observation newer than the last credits read
//! (`X-Codex-Credits-*`) also makes the credits due (see `Client::reset_credits_due`).

use std::collections::{HashMap, HashSet};

use crate::model::{Account, Epoch, PoolState};

/// Reset credits and plans are read at most this often per account otherwise.
pub const SIDE_CALL_EVERY: Epoch = 24 * 3600;
/// A limited account's side calls wait at least this long between reads.
pub const LIMITED_EVERY: Epoch = 3600;

/// True when something says the account's credits or plan may have changed
/// since `read_at`.
fn may_have_changed(account: &Account, read_at: Epoch, now: Epoch) -> bool {
    if !(0..SIDE_CALL_EVERY).contains(&(now - read_at)) {
        return true;
    }
    let Some(usage) = &account.usage else {
        return false;
    };
    let windows = [&usage.five_hour, &usage.weekly, &usage.monthly];
    let reset_since = windows
        .into_iter()
        .flatten()
        .any(|w| w.reset_at.is_some_and(|at| at > read_at && at <= now));
    let limited = usage.limit_reached == Some(true)
        || windows
            .into_iter()
            .flatten()
            .any(|w| w.used_percent >= 100.0);
    reset_since || (limited && now - read_at >= LIMITED_EVERY)
}

/// Auth file names whose reset credits need no read in this refresh (read
/// recently and nothing says they changed); empty for `refresh --all`.
pub fn reset_credits_fresh(previous: Option<&PoolState>, all: bool, now: Epoch) -> HashSet<String> {
    if all {
        return HashSet::new();
    }
    previous
        .map(|p| {
            p.accounts
                .iter()
                .filter(|a| {
                    a.reset_credits_fetched_at
                        .is_some_and(|at| !may_have_changed(a, at, now))
                })
                .map(|a| a.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// When each account's reset credits were read, by auth file name.
pub fn reset_credits_read_at(previous: Option<&PoolState>) -> HashMap<String, Epoch> {
    previous
        .map(|p| {
            p.accounts
                .iter()
                .filter_map(|a| Some((a.name.clone(), a.reset_credits_fetched_at?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Plans to reuse instead of a plan call, by auth file name (`None`: read,
/// no plan); empty for `refresh --all`.
pub fn known_plans(
    previous: Option<&PoolState>,
    all: bool,
    now: Epoch,
) -> HashMap<String, Option<String>> {
    if all {
        return HashMap::new();
    }
    previous
        .map(|p| {
            p.accounts
                .iter()
                .filter(|a| {
                    a.plan_checked_at
                        .is_some_and(|at| !may_have_changed(a, at, now))
                })
                .map(|a| {
                    let plan = a.usage.as_ref().and_then(|u| u.plan_type.clone());
                    (a.name.clone(), plan)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{QuotaWindow, Usage};

    const NOW: Epoch = 1_800_000_000;

    fn account(name: &str, read_at: Epoch, used: f64, reset_at: Epoch) -> Account {
        Account {
            name: name.into(),
            reset_credits_fetched_at: Some(read_at),
            plan_checked_at: Some(read_at),
            usage: Some(Usage {
                plan_type: Some("pro".into()),
                five_hour: Some(QuotaWindow {
                    used_percent: used,
                    window_seconds: Some(18_000),
                    reset_at: Some(reset_at),
                }),
                ..Usage::default()
            }),
            ..Account::default()
        }
    }

    #[test]
    fn only_when_something_changed_or_once_a_day() {
        let state = PoolState {
            accounts: vec![
                account("quiet", NOW - 3_600, 10.0, NOW + 9_000),
                account("day-old", NOW - SIDE_CALL_EVERY, 10.0, NOW + 9_000),
                account("reset", NOW - 3_600, 10.0, NOW - 60),
                account("limited", NOW - 3_600, 100.0, NOW + 9_000),
                account("limited-recently", NOW - 600, 100.0, NOW + 9_000),
                Account {
                    name: "never".into(),
                    ..Account::default()
                },
            ],
            ..PoolState::default()
        };
        let fresh = reset_credits_fresh(Some(&state), false, NOW);
        let mut fresh: Vec<&str> = fresh.iter().map(String::as_str).collect();
        fresh.sort();
        assert_eq!(fresh, ["limited-recently", "quiet"]);
        let plans = known_plans(Some(&state), false, NOW);
        assert_eq!(plans.get("quiet"), Some(&Some("pro".to_string())));
        assert!(!plans.contains_key("reset"));
        assert!(!plans.contains_key("never"));
        assert!(reset_credits_fresh(Some(&state), true, NOW).is_empty());
        assert!(known_plans(Some(&state), true, NOW).is_empty());
        // Half an hour later nothing new is due for a quiet account (the old
        // cadence re-read every 30 minutes).
        let later = reset_credits_fresh(Some(&state), false, NOW + 1_800);
        assert!(later.contains("quiet"));
    }
}
