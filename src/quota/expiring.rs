//! "Use it or lose it" (issue 19.4, SPEC §10): the accounts whose remaining
//! quota is lost soonest when their window resets. CLIProxyAPI routes by its
//! own rules, so this is a read-only hint.
//!
//! Each counted account of the primary provider section (one unit, so the
//! scores compare) is scored on its 5h and weekly windows by the quota that
//! the reset takes away per hour until then: `weight × effective remaining /
//! hours to reset` (an account with 60% left resetting in 40 minutes beats a
//! full Pro resetting in three days). Each account appears once, with its most
//! urgent window; windows with less than 1% of a base-plan account left are
//! not worth a hint.

use serde::{Deserialize, Serialize};

use super::report::counts_in_pool;
use super::{AccountView, AccountWindow, PoolReport};
use crate::model::Epoch;

/// How many accounts the hint lists.
pub const EXPIRING_LIMIT: usize = 5;
/// Less than this many section units left is not worth a hint.
const MIN_UNITS: f64 = 1.0;
/// Resets closer than this count as this far (no division by ~0).
const MIN_HOURS: f64 = 0.25;

/// One account to use first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expiring {
    pub label: String,
    pub provider: String,
    /// `five_hour` or `weekly`.
    pub window: String,
    /// Remaining percent of the account's window (what counts in the pool).
    pub remaining: f64,
    /// `weight × remaining` in the section's unit.
    pub remaining_units: f64,
    pub resets_at: Epoch,
}

fn candidate(
    view: &AccountView,
    name: &str,
    window: Option<&AccountWindow>,
    now: Epoch,
) -> Option<(f64, Expiring)> {
    let window = window?;
    let resets_at = window.reset_at.filter(|&at| at > now)?;
    let remaining = window.effective.clamp(0.0, 100.0);
    let units = view.weight.max(0.0) * remaining;
    if !units.is_finite() || units < MIN_UNITS {
        return None;
    }
    let hours = ((resets_at - now) as f64 / 3600.0).max(MIN_HOURS);
    Some((
        units / hours,
        Expiring {
            label: view.label.clone(),
            provider: view.provider.clone(),
            window: name.to_string(),
            remaining,
            remaining_units: units,
            resets_at,
        },
    ))
}

/// The top [`EXPIRING_LIMIT`] accounts of `report`'s primary section (one
/// unit, so the scores compare), most urgent first.
pub fn expiring_first(report: &PoolReport, now: Epoch) -> Vec<Expiring> {
    let mut ranked: Vec<(f64, Expiring)> = report
        .accounts_of(&report.primary_provider)
        .filter(|v| counts_in_pool(v) && !v.stale && !v.expired)
        .filter_map(|v| {
            let five = candidate(v, "five_hour", v.five_hour.as_ref(), now);
            let week = candidate(v, "weekly", v.weekly.as_ref(), now);
            match (five, week) {
                (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
                (a, b) => a.or(b),
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.resets_at.cmp(&b.1.resets_at))
            .then(a.1.label.cmp(&b.1.label))
    });
    ranked
        .into_iter()
        .take(EXPIRING_LIMIT)
        .map(|(_, e)| e)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::Level;

    fn account(
        label: &str,
        weight: f64,
        five: Option<(f64, Epoch)>,
        week: Option<(f64, Epoch)>,
    ) -> AccountView {
        let window = |(remaining, reset): (f64, Epoch)| AccountWindow {
            remaining,
            effective: remaining,
            reset_at: Some(reset),
            level: Level::Green,
        };
        AccountView {
            id: label.into(),
            label: label.into(),
            provider: "codex".into(),
            weight,
            available: true,
            five_hour: five.map(window),
            weekly: week.map(window),
            ..Default::default()
        }
    }

    #[test]
    fn soonest_loss_first_one_row_per_account() {
        let now = 0;
        let report = PoolReport {
            accounts: vec![
                // 60% of a Plus in 40 min: 90/h.
                account("soon", 1.0, Some((60.0, 2400)), Some((90.0, 200_000))),
                // A full Pro week in ~2.3 days: 2000 / 55.6 h = 36/h.
                account("pro", 20.0, None, Some((100.0, 200_000))),
                // Nothing left: no hint.
                account("empty", 1.0, Some((0.5, 600)), None),
                // Resets in the past: unknown, no hint.
                account("past", 1.0, Some((80.0, -5)), None),
            ],
            ..crate::quota::compute(&[], &Default::default(), now)
        };
        let list = expiring_first(&report, now);
        let labels: Vec<&str> = list.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["soon", "pro"]);
        assert_eq!(list[0].window, "five_hour");
        assert_eq!(
            (
                list[0].remaining,
                list[0].remaining_units,
                list[0].resets_at
            ),
            (60.0, 60.0, 2400)
        );
        assert_eq!(list[1].remaining_units, 2000.0);
        // Killed (effective 0) and disabled accounts are skipped.
        let mut killed = account("killed", 1.0, Some((80.0, 100)), None);
        killed.five_hour.as_mut().unwrap().effective = 0.0;
        let mut off = account("off", 1.0, Some((80.0, 100)), None);
        off.available = false;
        let report = PoolReport {
            accounts: vec![killed, off],
            ..report
        };
        assert!(expiring_first(&report, now).is_empty());
    }
}
