//! A synthetic worst-case history (one point a minute and a 5h cycle per
//! account every 5 hours for [`super::KEEP`]), bounded like a real one: what
//! the size measurement (docs/history.md) and `scripts/bench` use.

use super::cycles::{AccountLast, Cycle, Observation};
use super::series::{record, Point};
use super::{History, SectionHistory, Window, KEEP};
use crate::model::Epoch;

/// The history of `provider` with `accounts` (stable key, label, weight), ending at `now`.
pub fn synthetic(provider: &str, accounts: &[(String, String, f64)], now: Epoch) -> History {
    let capacity: f64 = accounts.iter().map(|a| a.2 * 100.0).sum();
    let mut section = SectionHistory::default();
    let start = now - KEEP;
    let mut at = start;
    while at <= now {
        let phase = ((at - start) % 18_000) as f64 / 18_000.0;
        let week = ((at - start) % 604_800) as f64 / 604_800.0;
        record(
            &mut section.points,
            Point {
                at,
                five_hour: Some((capacity * (1.0 - 0.8 * phase), capacity)),
                weekly: Some((capacity * (1.0 - 0.9 * week), capacity)),
            },
        );
        at += 60;
        if at % 86_400 == 0 {
            section.bound(at);
        }
    }
    for (i, (key, label, weight)) in accounts.iter().enumerate() {
        let offset = (i as Epoch * 37) % 18_000;
        let mut ended = start + offset;
        while ended <= now {
            let used = ((i as Epoch * 13 + ended / 18_000) % 100) as f64;
            section.cycles.push(Cycle {
                account: key.clone(),
                label: label.clone(),
                window: Window::FiveHour,
                ended_at: ended,
                used_percent: used,
                used: weight * used,
                wasted: weight * (100.0 - used),
            });
            ended += 18_000;
        }
        let observation = |reset_at| Observation {
            at: now - 30,
            used: 50.0,
            left: weight * 50.0,
            weight: *weight,
            reset_at,
        };
        section.last.insert(
            key.clone(),
            AccountLast {
                label: label.clone(),
                seen: now,
                five_hour: Some(observation(now + 3600)),
                weekly: Some(observation(now + 200_000)),
            },
        );
    }
    section.cycles.sort_by_key(|c| c.ended_at);
    section.bound(now);
    let mut history = History::default();
    history.sections.insert(provider.to_string(), section);
    history
}
