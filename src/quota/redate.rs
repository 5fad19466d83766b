//! Re-dating a report built earlier (the menu form, docs/refresh.md): every
//! clock-dependent state — cooling, recovering, erroring, kept values that
//! aged out, windows past their reset, the counts and the pool sums — decided
//! again at `now` from the stored times, without the accounts.
//!
//! The menu form lists only the rows the menu shows; the other accounts are
//! kept as [`ClockRow`]s: the few values and times their states and their
//! part of the sums depend on.

use super::account::settle;
use super::report::Figures;
use super::{AccountView, AccountWindow, Level, PoolReport, QuotaSettings};
use crate::model::Epoch;

/// What one account left out of a cut report contributes, with its times
/// (the menu form stores one as a fixed-size record: `store::menu_form`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClockRow {
    pub provider: String,
    pub plan: String,
    pub weight: f64,
    /// 5h: remaining percent and reset.
    pub five_hour: Option<(f64, Option<Epoch>)>,
    pub weekly: Option<(f64, Option<Epoch>)>,
    pub five_hour_until: Option<Epoch>,
    pub weekly_until: Option<Epoch>,
    /// Next retry (cooling until).
    pub next_retry_after: Option<Epoch>,
    /// Server status, when not `active`.
    pub status: Option<String>,
    /// Flags, one bit each (disabled, unavailable, token refused, usage
    /// error, stale, expired, duplicate, 5h and weekly window unconfirmed).
    pub flags: u16,
}

// The flags' bit numbers (the letters `flag_bits` knows them by).
const DISABLED: u16 = 0;
const UNAVAILABLE: u16 = 1;
const TOKEN_REFUSED: u16 = 2;
const USAGE_ERROR: u16 = 3;
const STALE: u16 = 4;
const EXPIRED: u16 = 5;
const DUPLICATE: u16 = 6;
const FIVE_HOUR_UNCONFIRMED: u16 = 7;
const WEEKLY_UNCONFIRMED: u16 = 8;

/// The bits of the flags named by `letters`, bit 0 first: d disabled,
/// u unavailable, t token refused, e usage error, s stale, x expired,
/// c duplicate, F/K restored 5h/weekly windows (other letters are ignored).
#[cfg(test)]
pub(crate) fn flag_bits(letters: &str) -> u16 {
    ['d', 'u', 't', 'e', 's', 'x', 'c', 'F', 'K']
        .iter()
        .enumerate()
        .filter(|(_, c)| letters.contains(**c))
        .fold(0, |bits, (i, _)| bits | 1 << i)
}

impl ClockRow {
    /// The clock row of a view.
    pub fn of(view: &AccountView) -> ClockRow {
        let window = |w: &Option<AccountWindow>| w.as_ref().map(|w| (w.remaining, w.reset_at));
        let flags = [
            (DISABLED, view.disabled),
            (UNAVAILABLE, view.unavailable),
            (TOKEN_REFUSED, view.token_refused),
            (USAGE_ERROR, view.error.is_some()),
            (STALE, view.stale),
            (EXPIRED, view.expired),
            (DUPLICATE, view.duplicate_of.is_some()),
            (FIVE_HOUR_UNCONFIRMED, view.five_hour_unconfirmed),
            (WEEKLY_UNCONFIRMED, view.weekly_unconfirmed),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .fold(0, |bits, (bit, _)| bits | 1 << bit);
        ClockRow {
            provider: view.provider.clone(),
            plan: view.plan.clone(),
            weight: view.weight,
            five_hour: window(&view.five_hour),
            weekly: window(&view.weekly),
            five_hour_until: view.five_hour_until,
            weekly_until: view.weekly_until,
            next_retry_after: view.next_retry_after,
            status: (!view.status.trim().eq_ignore_ascii_case("active"))
                .then(|| view.status.clone()),
            flags,
        }
    }

    /// The row as a view (no names, health or lanes: it is not listed).
    pub fn into_view(self) -> AccountView {
        let mut view = AccountView::default();
        self.write_into(&mut view);
        view
    }

    /// Write the row into `view`, a view of a clock row before (its text
    /// buffers are reused): every field [`ClockRow::into_view`] sets; the
    /// rest of what the view says comes from [`settle`], which decides it
    /// again from these.
    pub fn write_into(&self, view: &mut AccountView) {
        let flag = |bit: u16| self.flags & 1 << bit != 0;
        let window = |w: Option<(f64, Option<Epoch>)>| {
            w.map(|(remaining, reset_at)| AccountWindow {
                remaining,
                effective: remaining,
                reset_at,
                level: Level::Red,
            })
        };
        // A thousand rows in a run mostly repeat the row before's texts.
        let set = |field: &mut String, text: &str| {
            if field != text {
                field.clear();
                field.push_str(text);
            }
        };
        set(&mut view.provider, &self.provider);
        set(&mut view.plan, &self.plan);
        set(&mut view.status, self.status.as_deref().unwrap_or("active"));
        view.weight = self.weight;
        view.five_hour = window(self.five_hour);
        view.weekly = window(self.weekly);
        view.five_hour_until = self.five_hour_until;
        view.weekly_until = self.weekly_until;
        view.five_hour_unconfirmed = flag(FIVE_HOUR_UNCONFIRMED);
        view.weekly_unconfirmed = flag(WEEKLY_UNCONFIRMED);
        view.next_retry_after = self.next_retry_after;
        view.disabled = flag(DISABLED);
        view.unavailable = flag(UNAVAILABLE);
        view.token_refused = flag(TOKEN_REFUSED);
        view.error = flag(USAGE_ERROR).then(String::new);
        view.stale = flag(STALE);
        view.expired = flag(EXPIRED);
        view.duplicate_of = flag(DUPLICATE).then(String::new);
    }
}

/// The clock rows of the accounts of `full` that `cut` does not list.
pub fn left_out(full: &PoolReport, cut: &PoolReport) -> Vec<ClockRow> {
    let mut listed: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for view in &cut.accounts {
        *listed.entry(view.id.as_str()).or_default() += 1;
    }
    full.accounts
        .iter()
        .filter(|view| match listed.get_mut(view.id.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .map(ClockRow::of)
        .collect()
}

/// Re-date `report` (a cut report and the clock rows of the accounts it left
/// out) to `now`: rows, counts, pool windows and forecasts as
/// [`super::compute`] gives them at `now`. Health, plans' names and reset
/// credits are kept as stored.
pub fn redate(
    report: &mut PoolReport,
    rest: impl IntoIterator<Item = ClockRow>,
    settings: &QuotaSettings,
    now: Epoch,
) {
    redate_each(report, settings, now, |add| {
        for row in rest {
            add(&row);
        }
    });
}

/// [`redate`] with the clock rows of the accounts `report` leaves out given
/// one at a time to the function `others` receives (a run reading them from
/// a file reuses one row and one view for all of them).
pub fn redate_each(
    report: &mut PoolReport,
    settings: &QuotaSettings,
    now: Epoch,
    others: impl FnOnce(&mut dyn FnMut(&ClockRow)),
) {
    report.now = now;
    for view in &mut report.accounts {
        settle(view, settings.kill_line, now);
    }
    // One sum per section (a one-section pool: every account in it), added
    // up in the report's order: the listed accounts, then the others, each
    // of which is a view only while it is counted (a thousand of them never
    // sit in memory together).
    let single = report.sections.len() <= 1;
    let mut sums: Vec<Figures> = (0..report.sections.len().max(1))
        .map(|_| Figures::default())
        .collect();
    {
        let sections = &report.sections;
        let mut add = |view: &AccountView| {
            if single {
                sums[0].add(view);
                return;
            }
            for (sum, section) in sums.iter_mut().zip(sections) {
                if in_section(view, &section.provider) {
                    sum.add(view);
                }
            }
        };
        for view in &report.accounts {
            add(view);
        }
        let mut view = AccountView::default();
        others(&mut |row: &ClockRow| {
            row.write_into(&mut view);
            settle(&mut view, settings.kill_line, now);
            add(&view);
        });
    }
    let mut figures = sums.into_iter().map(|sum| sum.finish(now));
    let primary = report.primary_provider.clone();
    if single {
        let Some((five_hour, weekly, counts, plans)) = figures.next() else {
            return;
        };
        for section in &mut report.sections {
            section.five_hour = five_hour.clone();
            section.weekly = weekly.clone();
            section.counts = counts.clone();
            section.plans = plans.clone();
        }
        if report.sections.iter().any(|s| s.provider != primary) {
            return;
        }
        report.five_hour = five_hour;
        report.weekly = weekly;
        report.counts = counts;
        report.plans = plans;
        return;
    }
    for (section, (five_hour, weekly, counts, plans)) in report.sections.iter_mut().zip(figures) {
        section.five_hour = five_hour;
        section.weekly = weekly;
        section.counts = counts;
        section.plans = plans;
    }
    if let Some(top) = report.sections.iter().find(|s| s.provider == primary) {
        report.five_hour = top.five_hour.clone();
        report.weekly = top.weekly.clone();
        report.counts = top.counts.clone();
        report.plans = top.plans.clone();
    }
}

fn in_section(view: &AccountView, provider: &str) -> bool {
    view.provider == provider || (view.provider.is_empty() && provider == crate::provider::CODEX.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, QuotaWindow, Usage};
    use crate::quota::compute;

    const NOW: Epoch = 1_000_000;

    fn pool() -> Vec<Account> {
        let window = |used: f64, reset_in: i64, seconds: i64| QuotaWindow {
            used_percent: used,
            window_seconds: Some(seconds),
            reset_at: Some(NOW + reset_in),
        };
        let account = |id: &str| Account {
            id: id.into(),
            label: id.into(),
            status: "active".into(),
            id_token_plan: Some("plus".into()),
            usage_fetched_at: Some(NOW),
            usage: Some(Usage {
                five_hour: Some(window(40.0, 3_000, 18_000)),
                weekly: Some(window(50.0, 300_000, 604_800)),
                ..Usage::default()
            }),
            ..Account::default()
        };
        let mut cooling = account("cooling");
        cooling.usage = None;
        cooling.status = "error".into();
        cooling.unavailable = true;
        cooling.next_retry_after = Some(NOW + 600);
        let mut failing = account("failing");
        failing.usage_error = Some("upstream HTTP 502".into());
        failing.usage_fetched_at = Some(NOW - 60);
        let mut killed = account("killed");
        killed.usage.as_mut().unwrap().weekly = Some(window(99.0, 1_200, 604_800));
        let mut others: Vec<Account> = (0..5).map(|i| account(&format!("a{i}"))).collect();
        others.extend([cooling, failing, killed]);
        others
    }

    #[test]
    fn a_redated_report_is_the_report_computed_then() {
        let settings = QuotaSettings::default();
        let accounts = pool();
        let full = compute(&accounts, &settings, NOW);
        // Keep three rows, the rest as clock rows.
        let mut cut = full.clone();
        cut.accounts.truncate(3);
        let rest = left_out(&full, &cut);
        assert_eq!(rest.len(), accounts.len() - 3);
        // Cooling ends (600 s), the killed week resets (1200 s), the failing
        // account's values age out (30 min), the 5h windows reset (3000 s).
        for later in [0, 601, 1_201, 1_900, 3_001] {
            let mut redated = cut.clone();
            redate(&mut redated, rest.clone(), &settings, NOW + later);
            let expected = compute(&accounts, &settings, NOW + later);
            assert_eq!(redated.counts, expected.counts, "at +{later}");
            assert_eq!(redated.five_hour, expected.five_hour, "at +{later}");
            assert_eq!(redated.weekly, expected.weekly, "at +{later}");
            for row in &redated.accounts {
                let same = expected.accounts.iter().find(|v| v.id == row.id).unwrap();
                let mut same = same.clone();
                same.health = row.health.clone();
                assert_eq!(row, &same, "at +{later}");
            }
        }
    }

    #[test]
    fn a_reused_view_settles_like_a_fresh_one() {
        let settings = QuotaSettings::default();
        let full = compute(&pool(), &settings, NOW);
        let rows: Vec<ClockRow> = full.accounts.iter().map(ClockRow::of).collect();
        for a in &rows {
            for b in &rows {
                let mut view = AccountView::default();
                a.write_into(&mut view);
                settle(&mut view, settings.kill_line, NOW + 2_000);
                b.write_into(&mut view);
                settle(&mut view, settings.kill_line, NOW + 4_000);
                let mut fresh = b.clone().into_view();
                settle(&mut fresh, settings.kill_line, NOW + 4_000);
                assert_eq!(view, fresh);
            }
        }
    }

    #[test]
    fn every_flag_of_a_view_survives_its_clock_row() {
        type Set = fn(&mut AccountView);
        let flags: [(char, Set); 9] = [
            ('d', |v| v.disabled = true),
            ('u', |v| v.unavailable = true),
            ('t', |v| v.token_refused = true),
            ('e', |v| v.error = Some(String::new())),
            ('s', |v| v.stale = true),
            ('x', |v| v.expired = true),
            ('c', |v| v.duplicate_of = Some(String::new())),
            ('F', |v| v.five_hour_unconfirmed = true),
            ('K', |v| v.weekly_unconfirmed = true),
        ];
        let flags_of = |v: &AccountView| {
            [
                v.disabled,
                v.unavailable,
                v.token_refused,
                v.error.is_some(),
                v.stale,
                v.expired,
                v.duplicate_of.is_some(),
                v.five_hour_unconfirmed,
                v.weekly_unconfirmed,
            ]
        };
        for (letter, set) in flags {
            let mut view = AccountView::default();
            set(&mut view);
            let row = ClockRow::of(&view);
            assert_eq!(row.flags, flag_bits(&letter.to_string()), "{letter}");
            assert_eq!(flags_of(&row.into_view()), flags_of(&view), "{letter}");
        }
    }
}
