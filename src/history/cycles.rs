//! Window cycles: when an account's window resets, the cycle that ended is
//! recorded with its utilisation and its waste (SPEC §10).
//!
//! A cycle ends at the window's reset. Its utilisation is the used percent at
//! the last observation before the reset; what was left then is gone:
//! `wasted = weight × (100 − used)` in the section's unit (percent of one
//! base-plan account: a Plus account that reset at 60% used wasted 40).
//! The quota model's rules apply: a week-killed account's 5h quota could not
//! be used, so its 5h cycles waste nothing; disabled accounts and duplicates
//! of a counted login record nothing (and forget their last observation); an
//! account or window with unknown values records nothing.
//!
//! Accounts are keyed by their auth file name (else email, else id), never by
//! `auth_index`, whose derivation changed between server versions (SPEC §5).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Window, BUCKET, FULL_RESOLUTION, KEEP};
use crate::model::Epoch;
use crate::quota::{AccountView, AccountWindow};

/// A reset time that moved by less than this is the same reset (readings
/// computed from `reset_after_seconds` jitter by a few seconds).
pub const RESET_SLACK: Epoch = 120;
/// An account not seen for this long is forgotten.
pub const FORGET_AFTER: Epoch = 14 * 86_400;

/// One observation of an account's window.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// When the usage was read.
    pub at: Epoch,
    /// Used percent of the account's window (0..=100).
    pub used: f64,
    /// What a reset now would waste, in the section's unit.
    pub left: f64,
    pub weight: f64,
    pub reset_at: Epoch,
}

/// The last observations of one account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountLast {
    pub label: String,
    /// When the account was last in a report.
    pub seen: Epoch,
    #[serde(default)]
    pub five_hour: Option<Observation>,
    #[serde(default)]
    pub weekly: Option<Observation>,
}

impl AccountLast {
    fn slot(&mut self, window: Window) -> &mut Option<Observation> {
        match window {
            Window::FiveHour => &mut self.five_hour,
            Window::Weekly => &mut self.weekly,
        }
    }
}

/// One closed window cycle of one account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cycle {
    /// Stable account key (auth file name).
    pub account: String,
    /// The account's label when the cycle closed.
    pub label: String,
    pub window: Window,
    /// The reset that ended it.
    pub ended_at: Epoch,
    /// Used percent at the last observation before the reset.
    pub used_percent: f64,
    /// Used quota in the section's unit: weight × used percent.
    pub used: f64,
    /// Quota left unused at the reset, in the section's unit.
    pub wasted: f64,
}

/// Cycles older than the full-resolution span, summed per hour and window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleHour {
    /// Start of the hour (epoch seconds, a multiple of 3600).
    pub hour: Epoch,
    pub window: Window,
    pub cycles: u32,
    pub used: f64,
    pub wasted: f64,
}

/// The stable key of an account: its auth file name, else email, else id.
pub fn account_key(view: &AccountView) -> String {
    [Some(&view.name), view.email.as_ref(), Some(&view.id)]
        .into_iter()
        .flatten()
        .find(|k| !k.is_empty())
        .cloned()
        .unwrap_or_default()
}

fn window_of(view: &AccountView, window: Window) -> Option<&AccountWindow> {
    match window {
        Window::FiveHour => view.five_hour.as_ref(),
        Window::Weekly => view.weekly.as_ref(),
    }
}

/// An observation of `view`'s `window`, when its values are known and count.
fn observation(view: &AccountView, window: Window, at: Epoch) -> Option<Observation> {
    if !view.available || view.stale || view.expired {
        return None;
    }
    let w = window_of(view, window)?;
    let reset_at = w.reset_at?;
    if !(w.remaining.is_finite() && w.effective.is_finite() && view.weight.is_finite()) {
        return None;
    }
    let weight = view.weight.max(0.0);
    let used = (100.0 - w.remaining).clamp(0.0, 100.0);
    // Week-killed: the 5h remaining does not count (effective 0), so it cannot be wasted.
    let left = weight * w.effective.clamp(0.0, 100.0 - used);
    Some(Observation {
        at,
        used,
        left,
        weight,
        reset_at,
    })
}

/// Compare each account's windows with its last observation; returns the
/// cycles that closed (a reset passed since then) and stores the new
/// observations in `last`.
pub fn observe(
    last: &mut BTreeMap<String, AccountLast>,
    views: &[&AccountView],
    now: Epoch,
) -> Vec<Cycle> {
    let mut closed = Vec::new();
    for view in views {
        let key = account_key(view);
        if key.is_empty() {
            continue;
        }
        if view.disabled || view.duplicate_of.is_some() {
            last.remove(&key);
            continue;
        }
        let at = view.usage_fetched_at.unwrap_or(now).min(now);
        let entry = last.entry(key.clone()).or_default();
        entry.seen = now;
        entry.label.clone_from(&view.label);
        for window in Window::ALL {
            let Some(new) = observation(view, window, at) else {
                continue;
            };
            let slot = entry.slot(window);
            if let Some(prev) = *slot {
                if new.at <= prev.at {
                    continue;
                }
                if new.at >= prev.reset_at && new.reset_at > prev.reset_at + RESET_SLACK {
                    closed.push(Cycle {
                        account: key.clone(),
                        label: view.label.clone(),
                        window,
                        ended_at: prev.reset_at,
                        used_percent: prev.used,
                        used: prev.weight * prev.used,
                        wasted: prev.left,
                    });
                }
            }
            *slot = Some(new);
        }
    }
    closed
}

/// Add closed cycles, keeping the list ordered by `ended_at`.
pub fn append(cycles: &mut Vec<Cycle>, closed: Vec<Cycle>) {
    if closed.is_empty() {
        return;
    }
    cycles.extend(closed);
    cycles.sort_by_key(|c| c.ended_at);
}

/// Move cycles older than the full-resolution span into hourly sums
/// (totals kept exactly), and drop everything older than [`KEEP`].
pub fn downsample(cycles: &mut Vec<Cycle>, hours: &mut Vec<CycleHour>, now: Epoch) {
    let cutoff = now - FULL_RESOLUTION;
    let oldest = now - KEEP;
    cycles.retain(|c| c.ended_at >= oldest);
    let split = cycles.partition_point(|c| c.ended_at < cutoff);
    if split > 0 {
        let mut sums: BTreeMap<(Epoch, Window), CycleHour> =
            hours.drain(..).map(|h| ((h.hour, h.window), h)).collect();
        for c in cycles.drain(..split) {
            let hour = c.ended_at.div_euclid(BUCKET) * BUCKET;
            let sum = sums.entry((hour, c.window)).or_insert(CycleHour {
                hour,
                window: c.window,
                cycles: 0,
                used: 0.0,
                wasted: 0.0,
            });
            sum.cycles += 1;
            sum.used += c.used;
            sum.wasted += c.wasted;
        }
        hours.extend(sums.into_values());
    }
    hours.retain(|h| h.hour + BUCKET > oldest);
}

/// Forget accounts not seen for [`FORGET_AFTER`].
pub fn forget_old(last: &mut BTreeMap<String, AccountLast>, now: Epoch) {
    last.retain(|_, a| a.seen >= now - FORGET_AFTER);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::Level;
    use proptest::prelude::*;

    pub(crate) fn view(
        name: &str,
        weight: f64,
        five: Option<(f64, Epoch)>,
        at: Epoch,
    ) -> AccountView {
        AccountView {
            id: name.into(),
            name: name.into(),
            label: format!("{name}@x"),
            weight,
            available: true,
            five_hour: five.map(|(remaining, reset)| AccountWindow {
                remaining,
                effective: remaining,
                reset_at: Some(reset),
                level: Level::Green,
            }),
            usage_fetched_at: Some(at),
            ..Default::default()
        }
    }

    #[test]
    fn a_plus_that_reset_at_60_percent_used_wasted_40() {
        let mut last = BTreeMap::new();
        let a = view("a", 1.0, Some((40.0, 1000)), 500);
        assert!(observe(&mut last, &[&a], 500).is_empty(), "first sight");
        // Same cycle, later reading.
        let a = view("a", 1.0, Some((40.0, 1000)), 900);
        assert!(observe(&mut last, &[&a], 900).is_empty());
        // After the reset: a new reset time.
        let a = view("a", 1.0, Some((100.0, 1000 + 18_000)), 1100);
        let closed = observe(&mut last, &[&a], 1100);
        assert_eq!(closed.len(), 1);
        let c = &closed[0];
        assert_eq!(
            (c.account.as_str(), c.window, c.ended_at),
            ("a", Window::FiveHour, 1000)
        );
        assert_eq!((c.used_percent, c.used, c.wasted), (60.0, 60.0, 40.0));
        // A Pro (weight 20) at 90% used wastes 200.
        let mut last = BTreeMap::new();
        observe(&mut last, &[&view("p", 20.0, Some((10.0, 1000)), 0)], 0);
        let closed = observe(
            &mut last,
            &[&view("p", 20.0, Some((100.0, 20_000)), 1500)],
            1500,
        );
        assert_eq!(closed[0].wasted, 200.0);
    }

    #[test]
    fn jitter_unknown_killed_and_disabled() {
        let mut last = BTreeMap::new();
        observe(&mut last, &[&view("a", 1.0, Some((50.0, 1000)), 0)], 0);
        // Reset moved by a few seconds: same cycle, even after its time.
        assert!(observe(
            &mut last,
            &[&view("a", 1.0, Some((50.0, 1030)), 1001)],
            1001
        )
        .is_empty());
        // Unknown values record nothing and keep the last observation.
        assert!(observe(&mut last, &[&view("a", 1.0, None, 1100)], 1100).is_empty());
        let mut killed = view("a", 1.0, Some((100.0, 30_000)), 1200);
        killed.killed = true;
        assert_eq!(observe(&mut last, &[&killed], 1200).len(), 1);
        // A killed account's 5h cycle wastes nothing.
        killed.five_hour.as_mut().unwrap().effective = 0.0;
        killed.five_hour.as_mut().unwrap().remaining = 30.0;
        killed.usage_fetched_at = Some(1300);
        observe(&mut last, &[&killed], 1300);
        let mut after = view("a", 1.0, Some((100.0, 60_000)), 31_000);
        after.killed = false;
        let closed = observe(&mut last, &[&after], 31_000);
        assert_eq!((closed[0].used_percent, closed[0].wasted), (70.0, 0.0));
        // Disabled forgets the account: no cycle across the disabled time.
        let mut disabled = view("a", 1.0, Some((20.0, 60_000)), 32_000);
        disabled.disabled = true;
        observe(&mut last, &[&disabled], 32_000);
        assert!(!last.contains_key("a"));
        let back = view("a", 1.0, Some((100.0, 90_000)), 61_000);
        assert!(observe(&mut last, &[&back], 61_000).is_empty());
    }

    #[test]
    fn old_cycles_become_hourly_sums() {
        let cycle = |ended_at, wasted| Cycle {
            account: "a".into(),
            label: "a".into(),
            window: Window::FiveHour,
            ended_at,
            used_percent: 100.0 - wasted,
            used: 100.0 - wasted,
            wasted,
        };
        let now = 10 * 86_400;
        let mut cycles = vec![
            cycle(3600 * 100 + 5, 10.0),
            cycle(3600 * 100 + 50, 5.0),
            cycle(now - 60, 1.0),
        ];
        let mut hours = Vec::new();
        downsample(&mut cycles, &mut hours, now);
        assert_eq!(cycles.len(), 1);
        assert_eq!(hours.len(), 1);
        assert_eq!(
            (hours[0].hour, hours[0].cycles, hours[0].wasted),
            (360_000, 2, 15.0)
        );
    }

    proptest! {
        #[test]
        fn waste_is_never_negative_nor_above_capacity(
            readings in proptest::collection::vec((-50.0f64..150.0, -50.0f64..150.0, any::<bool>(), 0i64..30_000), 1..40),
            weight in -1.0f64..25.0,
        ) {
            let mut last = BTreeMap::new();
            let mut at = 0;
            let mut reset = 100;
            for (remaining, effective, killed, step) in readings {
                at += 1 + step;
                if at > reset { reset = at + 18_000; }
                let mut v = view("a", weight, Some((remaining, reset)), at);
                v.killed = killed;
                v.five_hour.as_mut().unwrap().effective = if killed { 0.0 } else { effective.min(remaining) };
                for c in observe(&mut last, &[&v], at) {
                    prop_assert!(c.wasted >= 0.0 && c.used >= 0.0);
                    prop_assert!(c.used_percent >= 0.0 && c.used_percent <= 100.0);
                    prop_assert!(c.wasted + c.used <= weight.max(0.0) * 100.0 + 1e-6);
                    prop_assert!(c.wasted <= weight.max(0.0) * 100.0 + 1e-6);
                }
            }
        }

        #[test]
        fn downsampling_keeps_waste_totals(
            ends in proptest::collection::vec((0i64..(40 * 86_400), 0.0f64..2000.0, 0.0f64..2000.0, any::<bool>()), 0..200),
            now_offset in 0i64..(10 * 86_400),
        ) {
            let now = 40 * 86_400 + now_offset;
            let mut cycles: Vec<Cycle> = ends.iter().map(|&(end, used, wasted, weekly)| Cycle {
                account: "a".into(), label: "a".into(),
                window: if weekly { Window::Weekly } else { Window::FiveHour },
                ended_at: end, used_percent: 50.0, used, wasted,
            }).collect();
            cycles.sort_by_key(|c| c.ended_at);
            let kept = |c: &&Cycle| c.ended_at >= now - KEEP;
            let want_wasted: f64 = cycles.iter().filter(kept).map(|c| c.wasted).sum();
            let want_used: f64 = cycles.iter().filter(kept).map(|c| c.used).sum();
            let mut hours = Vec::new();
            downsample(&mut cycles, &mut hours, now);
            let got_wasted: f64 = cycles.iter().map(|c| c.wasted).sum::<f64>() + hours.iter().map(|h| h.wasted).sum::<f64>();
            let got_used: f64 = cycles.iter().map(|c| c.used).sum::<f64>() + hours.iter().map(|h| h.used).sum::<f64>();
            prop_assert!((got_wasted - want_wasted).abs() < 1e-6 * (1.0 + want_wasted));
            prop_assert!((got_used - want_used).abs() < 1e-6 * (1.0 + want_used));
            let again = (cycles.clone(), hours.clone());
            downsample(&mut cycles, &mut hours, now);
            prop_assert_eq!(again, (cycles, hours));
        }
    }
}
