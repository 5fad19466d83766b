//! The pool series: remaining and capacity per window after every fetch.
//!
//! Kept at full resolution for [`super::FULL_RESOLUTION`]; older samples are
//! reduced per hour to the points holding each window's lowest and highest
//! remaining (so extremes survive exactly), and dropped after [`super::KEEP`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Window, BUCKET, FULL_RESOLUTION, KEEP};
use crate::model::Epoch;
use crate::quota::PoolWindow;

/// The pool after one fetch: `(remaining, capacity)` per known window.
/// Written as the compact array `[at, r5h, c5h, rweek, cweek]` (nulls for an unknown window).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "PointRow", into = "PointRow")]
pub struct Point {
    pub at: Epoch,
    pub five_hour: Option<(f64, f64)>,
    pub weekly: Option<(f64, f64)>,
}

type PointRow = (Epoch, Option<f64>, Option<f64>, Option<f64>, Option<f64>);

impl From<PointRow> for Point {
    fn from((at, r5, c5, rw, cw): PointRow) -> Point {
        Point {
            at,
            five_hour: r5.zip(c5),
            weekly: rw.zip(cw),
        }
    }
}

impl From<Point> for PointRow {
    fn from(p: Point) -> PointRow {
        (
            p.at,
            p.five_hour.map(|w| w.0),
            p.five_hour.map(|w| w.1),
            p.weekly.map(|w| w.0),
            p.weekly.map(|w| w.1),
        )
    }
}

impl Point {
    /// The point of two pool windows (an unknown window, capacity 0, is None).
    pub fn of(at: Epoch, five_hour: &PoolWindow, weekly: &PoolWindow) -> Point {
        let pair = |w: &PoolWindow| {
            (w.is_known() && w.remaining.is_finite() && w.capacity.is_finite())
                .then_some((w.remaining, w.capacity))
        };
        Point {
            at,
            five_hour: pair(five_hour),
            weekly: pair(weekly),
        }
    }

    /// `(remaining, capacity)` of `window`.
    pub fn get(&self, window: Window) -> Option<(f64, f64)> {
        match window {
            Window::FiveHour => self.five_hour,
            Window::Weekly => self.weekly,
        }
    }
}

/// Append a point. Points at or after its time are dropped first, so a clock
/// that went back truncates the series but never reorders it.
pub fn record(points: &mut Vec<Point>, point: Point) {
    let keep = points.partition_point(|p| p.at < point.at);
    points.truncate(keep);
    points.push(point);
}

/// Reduce points older than `now - FULL_RESOLUTION` to the hourly extremes
/// of each window, and drop points older than `now - KEEP`. Idempotent.
pub fn downsample(points: &mut Vec<Point>, now: Epoch) {
    let oldest = now - KEEP;
    let cutoff = now - FULL_RESOLUTION;
    points.retain(|p| p.at >= oldest);
    let old_end = points.partition_point(|p| p.at < cutoff);
    if old_end == 0 {
        return;
    }
    let mut keep: BTreeSet<usize> = BTreeSet::new();
    let mut start = 0;
    while start < old_end {
        let bucket = points[start].at.div_euclid(BUCKET);
        let mut end = start;
        while end < old_end && points[end].at.div_euclid(BUCKET) == bucket {
            end += 1;
        }
        for window in Window::ALL {
            let values = (start..end).filter_map(|i| points[i].get(window).map(|v| (i, v.0)));
            let mut min: Option<(usize, f64)> = None;
            let mut max: Option<(usize, f64)> = None;
            for (i, v) in values {
                if min.is_none_or(|(_, m)| v < m) {
                    min = Some((i, v));
                }
                if max.is_none_or(|(_, m)| v > m) {
                    max = Some((i, v));
                }
            }
            keep.extend(min.map(|m| m.0));
            keep.extend(max.map(|m| m.0));
        }
        if !(start..end).any(|i| keep.contains(&i)) {
            // No window known in this hour: keep one point so the gap shows.
            keep.insert(start);
        }
        start = end;
    }
    let mut index = 0;
    points.retain(|_| {
        let kept = index >= old_end || keep.contains(&index);
        index += 1;
        kept
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn point(at: Epoch, five: f64, week: f64) -> Point {
        Point {
            at,
            five_hour: Some((five, 1000.0)),
            weekly: Some((week, 2000.0)),
        }
    }

    #[test]
    fn a_clock_that_went_back_truncates_and_never_reorders() {
        let mut points = Vec::new();
        for at in [10, 20, 30] {
            record(&mut points, point(at, 1.0, 1.0));
        }
        record(&mut points, point(15, 2.0, 2.0));
        let ats: Vec<Epoch> = points.iter().map(|p| p.at).collect();
        assert_eq!(ats, [10, 15]);
        record(&mut points, point(15, 3.0, 3.0));
        assert_eq!(points.len(), 2, "the same second replaces");
        assert_eq!(points[1].five_hour, Some((3.0, 1000.0)));
    }

    #[test]
    fn compact_rows_round_trip() {
        let p = Point {
            at: 5,
            five_hour: None,
            weekly: Some((1.5, 2.0)),
        };
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(text, "[5,null,null,1.5,2.0]");
        assert_eq!(serde_json::from_str::<Point>(&text).unwrap(), p);
    }

    #[test]
    fn recent_points_stay_old_ones_become_hourly_extremes() {
        let now = 100 * 86_400;
        let mut points: Vec<Point> = (0..(40 * 24 * 60))
            .map(|m| {
                let at = now - 40 * 86_400 + m * 60;
                point(at, (m % 97) as f64, 2000.0 - (m % 13) as f64)
            })
            .collect();
        downsample(&mut points, now);
        assert!(points.iter().all(|p| p.at >= now - KEEP));
        let recent = points
            .iter()
            .filter(|p| p.at >= now - FULL_RESOLUTION)
            .count();
        assert_eq!(recent, 48 * 60, "full resolution for 48 h");
        let old = points.len() - recent;
        assert!(
            old <= 33 * 24 * 4,
            "at most 4 points per old hour, got {old}"
        );
        let again = points.clone();
        downsample(&mut points, now);
        assert_eq!(points, again, "idempotent");
    }

    proptest! {
        #[test]
        fn downsampling_keeps_order_and_extremes(
            values in proptest::collection::vec((0i64..600, 0.0f64..5000.0, 0.0f64..5000.0), 1..300),
            now_offset in 0i64..(40 * 86_400),
        ) {
            let mut at = 0;
            let mut points = Vec::new();
            for (step, five, week) in values {
                at += 1 + step * 60;
                record(&mut points, point(at, five, week));
            }
            let now = at + now_offset;
            let before = points.clone();
            downsample(&mut points, now);
            prop_assert!(points.windows(2).all(|w| w[0].at < w[1].at));
            // Every kept point is an original one.
            prop_assert!(points.iter().all(|p| before.contains(p)));
            // Per hour, the extremes of the kept span are those of the original.
            for window in Window::ALL {
                let live: Vec<&Point> = before.iter().filter(|p| p.at >= now - KEEP).collect();
                let extremes = |ps: &mut dyn Iterator<Item = &Point>| {
                    ps.filter_map(|p| p.get(window).map(|v| v.0))
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
                };
                let want = extremes(&mut live.iter().copied());
                let got = extremes(&mut points.iter());
                prop_assert_eq!(want, got);
            }
        }
    }
}
