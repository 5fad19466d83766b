//! Account order: by 5h, Week or Name, ascending or descending.

use std::cmp::Ordering;

use super::{AccountView, SortKey, SortOrder};

/// Sort rows by `order`. Accounts without the sorted window come last in both
/// directions; ties are broken by label, then id (always ascending).
pub fn sort_accounts(views: &mut [AccountView], order: SortOrder) {
    views.sort_by(|a, b| compare(a, b, order));
}

fn compare(a: &AccountView, b: &AccountView, order: SortOrder) -> Ordering {
    let primary = match order.key {
        SortKey::FiveHour => compare_window(a.five_hour.as_ref(), b.five_hour.as_ref(), order),
        SortKey::Week => compare_window(a.weekly.as_ref(), b.weekly.as_ref(), order),
        SortKey::Name => directed(a.label.to_lowercase().cmp(&b.label.to_lowercase()), order),
    };
    primary
        .then_with(|| a.label.cmp(&b.label))
        .then_with(|| a.id.cmp(&b.id))
}

fn compare_window(
    a: Option<&super::AccountWindow>,
    b: Option<&super::AccountWindow>,
    order: SortOrder,
) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => directed(a.remaining.total_cmp(&b.remaining), order),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn directed(ordering: Ordering, order: SortOrder) -> Ordering {
    if order.descending {
        ordering.reverse()
    } else {
        ordering
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::{AccountWindow, Level};

    fn window(remaining: f64) -> AccountWindow {
        AccountWindow {
            remaining,
            effective: remaining,
            reset_at: None,
            level: Level::Green,
        }
    }

    fn view(id: &str, label: &str, five: Option<f64>, week: Option<f64>) -> AccountView {
        AccountView {
            id: id.into(),
            name: String::new(),
            label: label.into(),
            plan: "plus".into(),
            weight: 1.0,
            five_hour: five.map(window),
            weekly: week.map(window),
            available: true,
            ..Default::default()
        }
    }

    fn ids(views: &[AccountView]) -> Vec<&str> {
        views.iter().map(|v| v.id.as_str()).collect()
    }

    fn sample() -> Vec<AccountView> {
        vec![
            view("1", "carol", Some(50.0), Some(10.0)),
            view("2", "Bob", None, None),
            view("3", "alice", Some(20.0), Some(90.0)),
            view("4", "dave", Some(50.0), None),
            view("5", "bob", Some(80.0), Some(40.0)),
        ]
    }

    fn sorted(key: SortKey, descending: bool) -> Vec<AccountView> {
        let mut views = sample();
        sort_accounts(&mut views, SortOrder { key, descending });
        views
    }

    #[test]
    fn five_hour_ascending_and_descending() {
        // ties at 50: carol before dave by label; no data last.
        assert_eq!(
            ids(&sorted(SortKey::FiveHour, false)),
            ["3", "1", "4", "5", "2"]
        );
        assert_eq!(
            ids(&sorted(SortKey::FiveHour, true)),
            ["5", "1", "4", "3", "2"]
        );
    }

    #[test]
    fn week_ascending_and_descending() {
        assert_eq!(
            ids(&sorted(SortKey::Week, false)),
            ["1", "5", "3", "2", "4"]
        );
        assert_eq!(ids(&sorted(SortKey::Week, true)), ["3", "5", "1", "2", "4"]);
    }

    #[test]
    fn name_is_case_insensitive_with_deterministic_ties() {
        // "Bob" and "bob" tie case-insensitively; "Bob" < "bob" byte-wise.
        assert_eq!(
            ids(&sorted(SortKey::Name, false)),
            ["3", "2", "5", "1", "4"]
        );
        assert_eq!(ids(&sorted(SortKey::Name, true)), ["4", "1", "2", "5", "3"]);
    }

    #[test]
    fn equal_labels_fall_back_to_id() {
        let mut views = vec![view("b", "same", None, None), view("a", "same", None, None)];
        sort_accounts(&mut views, SortOrder::default());
        assert_eq!(ids(&views), ["a", "b"]);
    }
}
