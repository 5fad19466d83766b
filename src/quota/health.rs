//! Request health: the 10-minute `recent_requests` buckets.

use super::PoolHealth;
use crate::model::HealthBucket;

/// Buckets in a health timeline (20 x 10 minutes).
pub const HEALTH_BUCKETS: usize = 20;
/// Buckets counted as "recent" (3 x 10 minutes = 30 minutes).
pub const RECENT_BUCKETS: usize = 3;

/// The last (at most) [`HEALTH_BUCKETS`] buckets.
pub fn last_buckets(buckets: &[HealthBucket]) -> &[HealthBucket] {
    &buckets[buckets.len().saturating_sub(HEALTH_BUCKETS)..]
}

/// Failed requests in the last [`RECENT_BUCKETS`] buckets.
pub fn recent_failures(buckets: &[HealthBucket]) -> u64 {
    buckets[buckets.len().saturating_sub(RECENT_BUCKETS)..]
        .iter()
        .fold(0, |sum, bucket| sum.saturating_add(bucket.failed))
}

/// Element-wise sum of several timelines aligned on their LAST bucket.
///
/// Shorter timelines are right-aligned; each slot keeps the time label of the
/// first timeline that has a non-empty one there. The result has
/// [`HEALTH_BUCKETS`] buckets, or none when no timeline has any.
pub fn merge_health<'a, I>(timelines: I) -> Vec<HealthBucket>
where
    I: IntoIterator<Item = &'a [HealthBucket]>,
{
    let mut merged = vec![HealthBucket::default(); HEALTH_BUCKETS];
    let mut any = false;
    for timeline in timelines {
        let tail = last_buckets(timeline);
        any |= !tail.is_empty();
        let offset = HEALTH_BUCKETS - tail.len();
        for (slot, bucket) in merged[offset..].iter_mut().zip(tail) {
            slot.success = slot.success.saturating_add(bucket.success);
            slot.failed = slot.failed.saturating_add(bucket.failed);
            if slot.time.is_empty() {
                slot.time.clone_from(&bucket.time);
            }
        }
    }
    if any {
        merged
    } else {
        Vec::new()
    }
}

/// Pool health from the merged timeline; `success`/`failed` are totals over its buckets.
pub fn pool_health(buckets: Vec<HealthBucket>) -> PoolHealth {
    let (success, failed) = buckets.iter().fold((0u64, 0u64), |(s, f), b| {
        (s.saturating_add(b.success), f.saturating_add(b.failed))
    });
    PoolHealth {
        recent_failures: recent_failures(&buckets),
        success,
        failed,
        buckets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::{bucket_state, BucketState};

    fn bucket(time: &str, success: u64, failed: u64) -> HealthBucket {
        HealthBucket {
            time: time.into(),
            success,
            failed,
        }
    }

    fn full(success: u64, failed: u64) -> Vec<HealthBucket> {
        (0..20)
            .map(|i| bucket(&format!("b{i}"), success, failed))
            .collect()
    }

    #[test]
    fn merges_right_aligned_and_keeps_first_labels() {
        let a = full(1, 0);
        let b = vec![bucket("", 5, 1), bucket("late", 7, 2)];
        let merged = merge_health([a.as_slice(), b.as_slice()]);
        assert_eq!(merged.len(), 20);
        assert_eq!(merged[0], bucket("b0", 1, 0));
        assert_eq!(merged[17], bucket("b17", 1, 0));
        assert_eq!(merged[18], bucket("b18", 6, 1));
        assert_eq!(merged[19], bucket("b19", 8, 2));
    }

    #[test]
    fn short_first_timeline_gives_labels_only_where_it_has_them() {
        let short = vec![bucket("x", 1, 1)];
        let long = full(0, 0);
        let merged = merge_health([short.as_slice(), long.as_slice()]);
        assert_eq!(merged[19].time, "x");
        assert_eq!(merged[18].time, "b18");
        assert_eq!(merged[0].time, "b0");
    }

    #[test]
    fn longer_than_twenty_uses_the_last_twenty() {
        let long: Vec<HealthBucket> = (0..25).map(|i| bucket("", i, 0)).collect();
        let merged = merge_health([long.as_slice()]);
        assert_eq!(merged.len(), 20);
        assert_eq!(merged[0].success, 5);
        assert_eq!(merged[19].success, 24);
    }

    #[test]
    fn no_buckets_anywhere_gives_empty() {
        let empty: Vec<HealthBucket> = Vec::new();
        assert!(merge_health([empty.as_slice(), empty.as_slice()]).is_empty());
        assert!(merge_health(std::iter::empty()).is_empty());
    }

    #[test]
    fn recent_failures_counts_last_three() {
        let buckets: Vec<HealthBucket> = (1..=5).map(|i| bucket("", 0, i)).collect();
        assert_eq!(recent_failures(&buckets), 3 + 4 + 5);
        assert_eq!(recent_failures(&buckets[..2]), 1 + 2);
        assert_eq!(recent_failures(&[]), 0);
    }

    #[test]
    fn pool_health_totals() {
        let mut buckets = full(2, 0);
        buckets[16].failed = 9;
        buckets[17].failed = 4;
        buckets[19].failed = 1;
        let health = pool_health(buckets);
        assert_eq!(health.success, 40);
        assert_eq!(health.failed, 14);
        assert_eq!(health.recent_failures, 5);
    }

    #[test]
    fn sums_saturate() {
        let a = vec![bucket("", u64::MAX, u64::MAX)];
        let merged = merge_health([a.as_slice(), a.as_slice()]);
        assert_eq!(merged[19].success, u64::MAX);
        assert_eq!(pool_health(merged).failed, u64::MAX);
    }

    #[test]
    fn bucket_colours() {
        assert_eq!(bucket_state(&bucket("", 0, 0)), BucketState::Idle);
        assert_eq!(bucket_state(&bucket("", 3, 0)), BucketState::Success);
        assert_eq!(bucket_state(&bucket("", 0, 2)), BucketState::Failed);
        assert_eq!(bucket_state(&bucket("", 1, 1)), BucketState::Mixed);
    }
}
