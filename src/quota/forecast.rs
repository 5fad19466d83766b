//! Restore forecast: when the next group of resets lands and how much it restores.

use super::{AccountView, FirstRestore, Forecast};
use crate::model::Epoch;

/// Resets within this many seconds of the earliest one form one group (30 min + 60 s).
pub const GROUP_SECONDS: i64 = 1800 + 60;
/// The first restore of a group is shown apart when the group ends at least
/// this long after it (10 minutes) and it is not the whole group.
pub const FIRST_GAP_SECONDS: i64 = 600;
/// Events within this long of the earliest one make up the first restore (5 min).
const FIRST_SPAN_SECONDS: i64 = 300;
/// Events restoring this many Plus units or less are ignored.
pub const MIN_EVENT_UNITS: f64 = 0.0001;

/// One account's window reset: at `at`, `units` Plus accounts come back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RestoreEvent {
    pub at: Epoch,
    pub units: f64,
}

/// Restore events of an available account on the pool's 5h window.
///
/// The 5h reset restores `(100 - raw 5h remaining) * weight / 100` (nothing when
/// week-killed); a killed account's weekly reset releases its raw 5h remaining.
pub fn five_hour_events(view: &AccountView) -> Events {
    let Some(five) = view.five_hour.as_ref() else {
        return events([None, None]);
    };
    let reset = five.reset_at.map(|at| RestoreEvent {
        at,
        units: if view.killed {
            0.0
        } else {
            (100.0 - five.remaining) * view.weight / 100.0
        },
    });
    let released = view
        .weekly
        .as_ref()
        .and_then(|w| w.reset_at)
        .filter(|_| view.killed)
        .map(|at| RestoreEvent {
            at,
            units: five.remaining * view.weight / 100.0,
        });
    events([reset, released])
}

/// Restore events of an available account on the pool's weekly window:
/// `(100 - effective weekly remaining) * weight / 100` at the weekly reset.
pub fn weekly_events(view: &AccountView) -> Events {
    let reset = view.weekly.as_ref().and_then(|weekly| {
        Some(RestoreEvent {
            at: weekly.reset_at?,
            units: (100.0 - weekly.effective) * view.weight / 100.0,
        })
    });
    events([reset, None])
}

/// One account's restore events on a window (at most two; no allocation,
/// since a run adds up a thousand accounts' events).
pub type Events = std::iter::Flatten<std::array::IntoIter<Option<RestoreEvent>, 2>>;

fn events(events: [Option<RestoreEvent>; 2]) -> Events {
    events.into_iter().flatten()
}

/// The next grouped restore of a pool window, or None when nothing restores.
///
/// `remaining` and `capacity` are Plus-base percent. Events at or before `now`
/// and events of at most [`MIN_EVENT_UNITS`] are dropped; the group is every
/// event within [`GROUP_SECONDS`] of the earliest one.
pub fn forecast(
    events: &[RestoreEvent],
    remaining: f64,
    capacity: f64,
    now: Epoch,
) -> Option<Forecast> {
    let counted = |event: &&RestoreEvent| event.at > now && event.units > MIN_EVENT_UNITS;
    let earliest = events.iter().filter(counted).map(|event| event.at).min()?;
    // Only the events up to the group's end matter: sorted (stably, by time,
    // so the sums add in the same order) without the rest of the pool.
    let horizon = earliest.saturating_add(GROUP_SECONDS.max(FIRST_SPAN_SECONDS));
    let mut future: Vec<RestoreEvent> = events
        .iter()
        .filter(counted)
        .filter(|event| event.at <= horizon)
        .copied()
        .collect();
    future.sort_by_key(|event| event.at);
    let group_end = earliest.saturating_add(GROUP_SECONDS);
    let group = future.iter().take_while(|event| event.at <= group_end);
    let (units, at) = group.fold((0.0, earliest), |(units, at), event| {
        (units + event.units, at.max(event.at))
    });
    let restored = units * 100.0;
    let first_units: f64 = future
        .iter()
        .take_while(|event| event.at <= earliest.saturating_add(FIRST_SPAN_SECONDS))
        .map(|event| event.units)
        .sum();
    let first_at = future
        .iter()
        .take_while(|event| event.at <= earliest.saturating_add(FIRST_SPAN_SECONDS))
        .map(|event| event.at)
        .max()
        .unwrap_or(earliest);
    let first = (at - first_at >= FIRST_GAP_SECONDS && first_units < units * 0.95).then_some(
        FirstRestore {
            restored: first_units * 100.0,
            at: first_at,
        },
    );
    Some(Forecast {
        restored,
        target: capacity.min(remaining + restored),
        at,
        first,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::{AccountWindow, Level};

    const NOW: Epoch = 1_000_000;

    fn event(at: Epoch, units: f64) -> RestoreEvent {
        RestoreEvent { at, units }
    }

    fn window(remaining: f64, effective: f64, reset_at: Option<Epoch>) -> AccountWindow {
        AccountWindow {
            remaining,
            effective,
            reset_at,
            level: Level::Green,
        }
    }

    fn view(weight: f64, killed: bool) -> AccountView {
        AccountView {
            id: "a".into(),
            name: String::new(),
            label: String::new(),
            plan: "pro".into(),
            weight,
            killed,
            available: true,
            ..Default::default()
        }
    }

    #[test]
    fn groups_events_inside_1860_seconds() {
        let events = [
            event(NOW + 100, 0.5),
            event(NOW + 100 + 1860, 0.25), // exactly at the edge: inside
            event(NOW + 100 + 1861, 1.0),  // one second later: outside
        ];
        let f = forecast(&events, 50.0, 1000.0, NOW).expect("forecast");
        assert_eq!(f.restored, 75.0);
        assert_eq!(f.at, NOW + 1960);
        assert_eq!(f.target, 125.0);
    }

    #[test]
    fn a_group_shows_its_first_part_when_it_comes_back_well_before_the_rest() {
        // +0.9 at 29 min, +0.42 at 59 min: one group, its first part apart.
        let f = forecast(
            &[event(NOW + 1740, 0.9), event(NOW + 3540, 0.42)],
            0.0,
            1000.0,
            NOW,
        )
        .expect("forecast");
        assert!((f.restored - 132.0).abs() < 1e-9);
        assert_eq!(f.at, NOW + 3540);
        let first = f.first.expect("first part");
        assert!((first.restored - 90.0).abs() < 1e-9);
        assert_eq!(first.at, NOW + 1740);
        // Close together (under 10 minutes apart): no first part.
        let f = forecast(
            &[event(NOW + 1740, 0.9), event(NOW + 2100, 0.42)],
            0.0,
            1000.0,
            NOW,
        );
        assert_eq!(f.and_then(|f| f.first), None);
    }

    #[test]
    fn past_and_tiny_events_are_dropped() {
        let events = [
            event(NOW - 5, 3.0),
            event(NOW, 3.0),
            event(NOW + 10, 0.0001),
            event(NOW + 5000, 0.2),
        ];
        let f = forecast(&events, 0.0, 1000.0, NOW).expect("forecast");
        assert_eq!(f.at, NOW + 5000);
        assert!((f.restored - 20.0).abs() < 1e-9);
        assert_eq!(forecast(&events[..3], 0.0, 1000.0, NOW), None);
        assert_eq!(forecast(&[], 0.0, 1000.0, NOW), None);
    }

    #[test]
    fn unsorted_events_are_sorted_first() {
        let events = [
            event(NOW + 9000, 1.0),
            event(NOW + 2000, 0.1),
            event(NOW + 3000, 0.1),
        ];
        let f = forecast(&events, 0.0, 1000.0, NOW).expect("forecast");
        assert_eq!(f.at, NOW + 3000);
        assert!((f.restored - 20.0).abs() < 1e-9);
    }

    #[test]
    fn target_is_capped_at_capacity() {
        let f = forecast(&[event(NOW + 60, 5.0)], 180.0, 200.0, NOW).expect("forecast");
        assert_eq!(f.restored, 500.0);
        assert_eq!(f.target, 200.0);
    }

    #[test]
    fn five_hour_events_of_a_live_account() {
        let mut v = view(20.0, false);
        v.five_hour = Some(window(60.0, 60.0, Some(NOW + 100)));
        v.weekly = Some(window(50.0, 50.0, Some(NOW + 9000)));
        // (100 - 60) * 20 / 100 = 8 units
        assert_eq!(
            five_hour_events(&v).collect::<Vec<_>>(),
            vec![event(NOW + 100, 8.0)]
        );
        // (100 - 50) * 20 / 100 = 10 units
        assert_eq!(
            weekly_events(&v).collect::<Vec<_>>(),
            vec![event(NOW + 9000, 10.0)]
        );
    }

    #[test]
    fn killed_account_releases_raw_5h_at_weekly_reset() {
        let mut v = view(10.0, true);
        v.five_hour = Some(window(70.0, 0.0, Some(NOW + 100)));
        v.weekly = Some(window(2.0, 0.0, Some(NOW + 9000)));
        // 5h reset restores nothing; weekly reset releases 70 * 10 / 100 = 7 units.
        let five_hour: Vec<_> = five_hour_events(&v).collect();
        assert_eq!(
            five_hour,
            vec![event(NOW + 100, 0.0), event(NOW + 9000, 7.0)]
        );
        // weekly: (100 - effective 0) * 10 / 100 = 10 units.
        assert_eq!(
            weekly_events(&v).collect::<Vec<_>>(),
            vec![event(NOW + 9000, 10.0)]
        );
        let f = forecast(&five_hour, 0.0, 1000.0, NOW).expect("forecast");
        assert_eq!((f.at, f.restored), (NOW + 9000, 700.0));
    }

    #[test]
    fn windows_without_reset_times_have_no_events() {
        let mut v = view(1.0, false);
        v.five_hour = Some(window(10.0, 10.0, None));
        v.weekly = Some(window(10.0, 10.0, None));
        assert_eq!(five_hour_events(&v).count(), 0);
        assert_eq!(weekly_events(&v).count(), 0);
    }

    /// `forecast` as it was first written: every counted event sorted.
    fn forecast_sorting_all(
        events: &[RestoreEvent],
        remaining: f64,
        capacity: f64,
        now: Epoch,
    ) -> Option<Forecast> {
        let mut future: Vec<RestoreEvent> = events
            .iter()
            .copied()
            .filter(|e| e.at > now && e.units > MIN_EVENT_UNITS)
            .collect();
        future.sort_by_key(|e| e.at);
        let earliest = future.first()?.at;
        let group = future
            .iter()
            .take_while(|e| e.at <= earliest.saturating_add(GROUP_SECONDS));
        let (units, at) = group.fold((0.0, earliest), |(u, at), e| (u + e.units, at.max(e.at)));
        let first_span = || {
            future
                .iter()
                .take_while(|e| e.at <= earliest.saturating_add(FIRST_SPAN_SECONDS))
        };
        let first_units: f64 = first_span().map(|e| e.units).sum();
        let first_at = first_span().map(|e| e.at).max().unwrap_or(earliest);
        let first = (at - first_at >= FIRST_GAP_SECONDS && first_units < units * 0.95).then_some(
            FirstRestore {
                restored: first_units * 100.0,
                at: first_at,
            },
        );
        Some(Forecast {
            restored: units * 100.0,
            target: capacity.min(remaining + units * 100.0),
            at,
            first,
        })
    }

    proptest::proptest! {
        #[test]
        fn sorting_only_the_group_gives_the_same_forecast(
            raw in proptest::collection::vec((-3_000i64..20_000, 0.0..3.0f64), 0..120),
            remaining in 0.0..5_000.0f64,
        ) {
            let events: Vec<RestoreEvent> = raw
                .iter()
                .map(|&(at, units)| event(NOW + at, units))
                .collect();
            proptest::prop_assert_eq!(
                forecast(&events, remaining, 6_000.0, NOW),
                forecast_sorting_all(&events, remaining, 6_000.0, NOW)
            );
        }
    }
}
