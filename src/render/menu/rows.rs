//! Account rows pre-rendered with the menu form: the cache-hit fast path
//! (docs/refresh.md, docs/performance.md).
//!
//! An account's menu lines depend on the clock in two ways. Durations
//! ("resets in 2h13m", "usage fetched 3m ago") change every minute; branches
//! (a reset passed, a retry wait ended, kept values aged out) change at known
//! moments. A [`RowTemplate`] is an account's lines rendered once with every
//! duration left as a hole (its epoch and kind) and the first such moment
//! recorded as `until`. Before that moment, the holes filled in at any later
//! clock give exactly the text the renderer gives at that clock; from it on,
//! the row is rendered again from its account ([`texts_of`]).
//!
//! Holes are written with two control characters, which the sanitiser
//! removes from every text the server or the settings bring (`menu_text`),
//! so no label can forge one.

use std::cell::{Cell, RefCell};

use serde::{Deserialize, Serialize};

use super::{seat_labels, Menu, MENU_DETAILED_ACCOUNTS};
use crate::model::Epoch;
use crate::quota::{AccountView, PoolReport};
use crate::render::duration::{ago, short, write_short, Ages};
use crate::render::{Dialect, MenuContext};

/// Starts a hole: then its kind, the epoch in decimal and [`HOLE_END`].
const HOLE: char = '\u{1}';
const HOLE_END: char = '\u{2}';
/// `short(at - now)`: a countdown.
const UNTIL: char = 'u';
/// `ago(now - at)`: an age.
const SINCE: char = 's';

/// The clock account lines are rendered at: `now` (every duration written
/// out), or a template's (durations left as holes). It notes the first moment
/// ahead of it that the text branched on.
pub struct RowClock {
    now: Epoch,
    holes: bool,
    next: Cell<Option<Epoch>>,
}

impl RowClock {
    /// Lines as of `now`.
    pub fn at(now: Epoch) -> RowClock {
        RowClock {
            now,
            holes: false,
            next: Cell::new(None),
        }
    }

    /// Template lines made at `now`: durations are holes.
    pub fn template(now: Epoch) -> RowClock {
        RowClock {
            holes: true,
            ..RowClock::at(now)
        }
    }

    /// `at` is still ahead: the text branches on it, so it holds until `at`.
    pub fn ahead(&self, at: Epoch) -> bool {
        let ahead = at > self.now;
        if ahead {
            let next = self.next.get().map_or(at, |n| n.min(at));
            self.next.set(Some(next));
        }
        ahead
    }

    /// The time left until `at` ([`short`]).
    pub fn until(&self, at: Epoch) -> String {
        if self.holes {
            hole(UNTIL, at)
        } else {
            short(at.saturating_sub(self.now))
        }
    }

    /// The age of `at` ([`ago`]).
    pub fn since(&self, at: Epoch) -> String {
        if self.holes {
            hole(SINCE, at)
        } else {
            ago(self.now.saturating_sub(at))
        }
    }

    /// The first moment ahead that a branch depended on (None: none did).
    pub fn next(&self) -> Option<Epoch> {
        self.next.get()
    }
}

fn hole(kind: char, at: Epoch) -> String {
    format!("{HOLE}{kind}{at}{HOLE_END}")
}

/// `template` with every hole written out at `now`.
#[cfg(test)]
fn fill(template: &str, now: Epoch) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    fill_into(&mut out, template, now, &Ages::new());
    out
}

/// [`fill`] appended to `out`, with the run's age texts.
fn fill_into(out: &mut String, template: &str, now: Epoch, ages: &Ages) {
    let start = out.len();
    let mut rest = template;
    while let Some(at) = rest.find(HOLE) {
        out.push_str(&rest[..at]);
        let after = &rest[at + HOLE.len_utf8()..];
        let hole = after.find(HOLE_END).and_then(|end| {
            let mut chars = after[..end].chars();
            let kind = chars.next()?;
            let at: Epoch = chars.as_str().parse().ok()?;
            Some((kind, at, end + HOLE_END.len_utf8()))
        });
        rest = match hole {
            Some((UNTIL, at, used)) => {
                write_short(out, at.saturating_sub(now));
                &after[used..]
            }
            Some((SINCE, at, used)) => {
                ages.write(out, now.saturating_sub(at));
                &after[used..]
            }
            // Not a hole poolwatch wrote: dropped like any control character.
            _ => after,
        };
    }
    out.push_str(rest);
    if out[start..].contains(HOLE_END) {
        let kept: String = out[start..].chars().filter(|c| *c != HOLE_END).collect();
        out.truncate(start);
        out.push_str(&kept);
    }
}

/// One account's lines, pre-rendered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowTemplate {
    /// Its lines as printed (joined by newlines), with holes.
    #[serde(rename = "t", default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// The text holds while the clock is before this (None: for good).
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Epoch>,
    /// Its account's index in the report's accounts.
    #[serde(rename = "i")]
    pub index: usize,
    /// Its seat label, for a detailed row (see [`seat_labels`]); None: a
    /// one-line row under "more accounts".
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub seat: Option<String>,
}

/// Every account row of a menu, pre-rendered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowTemplates {
    /// The clock they were made at (an earlier clock cannot use them).
    pub at: Epoch,
    /// What they were rendered for ([`MenuStyle::key`]): another language,
    /// dialect or privacy mode renders the rows again.
    pub style: String,
    /// The rows of each part of the menu (its provider), in menu order.
    pub parts: Vec<(String, Vec<RowTemplate>)>,
}

/// Every account's lines of one run, ready to print. Each text is moved
/// into the menu once ([`RowTexts::take`]), not copied.
#[derive(Clone, Debug, Default)]
pub struct RowTexts {
    parts: Vec<(String, Vec<RefCell<String>>)>,
}

impl RowTexts {
    /// The rows of the part of `provider`.
    fn part(&self, provider: &str) -> Option<&[RefCell<String>]> {
        self.parts
            .iter()
            .find(|(p, _)| p == provider)
            .map(|(_, rows)| rows.as_slice())
    }

    /// How many rows the part of `provider` has.
    pub fn len_of(&self, provider: &str) -> Option<usize> {
        self.part(provider).map(<[_]>::len)
    }

    /// Row `i` of the part of `provider`, taken out (empty when taken before).
    pub fn take(&self, provider: &str, i: usize) -> String {
        self.part(provider)
            .and_then(|rows| rows.get(i))
            .map(RefCell::take)
            .unwrap_or_default()
    }
}

/// What a run's account rows look like besides their accounts and the
/// clock: the menu's dialect and privacy mode (and the run's language).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MenuStyle {
    pub dialect: Dialect,
    /// Labels and emails masked (`privacy` setting or `--privacy`).
    pub privacy: bool,
}

impl MenuStyle {
    /// The style's key in a form: another key renders the rows again.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}",
            crate::i18n::current().code(),
            match self.dialect {
                Dialect::SwiftBar => "swiftbar",
                Dialect::Xbar => "xbar",
            },
            self.privacy
        )
    }
}

/// The parts of a menu as [`super::menu_lines_omitting`] walks them: the
/// provider and the indexes of its accounts in the report.
fn parts(report: &PoolReport) -> Vec<(String, Vec<usize>)> {
    if report.sections.len() <= 1 {
        let all = (0..report.accounts.len()).collect();
        return vec![(report.primary_provider.clone(), all)];
    }
    report
        .sections
        .iter()
        .map(|s| {
            let indexes = report.account_indexes_of(&s.provider).collect();
            (s.provider.clone(), indexes)
        })
        .collect()
}

/// The lines of one account as [`super::Menu::account_block`] gives them, printed.
fn block_text(
    account: &AccountView,
    seat: Option<&String>,
    dialect: Dialect,
    clock: &RowClock,
) -> String {
    let ctx = MenuContext::default();
    let menu = Menu {
        ctx: &ctx,
        dialect,
        rows: None,
    };
    // Its lines as the menu prints them, without the last newline.
    let mut text = super::render_lines(menu.account_block(account, seat, clock));
    text.pop();
    text
}

/// The templates of every account row of `report` (a cut report, settled at
/// its `now` and masked as the menu shows it), for `dialect`.
pub fn templates(report: &PoolReport, dialect: Dialect, style: String) -> RowTemplates {
    let at = report.now;
    let parts = parts(report)
        .into_iter()
        .map(|(provider, indexes)| {
            let accounts: Vec<AccountView> = indexes
                .iter()
                .map(|&i| report.accounts[i].clone())
                .collect();
            let seats = seat_labels(&accounts);
            let detailed = accounts.len().min(MENU_DETAILED_ACCOUNTS);
            let rows = indexes
                .iter()
                .enumerate()
                .map(|(n, &index)| {
                    let account = &report.accounts[index];
                    let seat = seats.get(n).filter(|_| n < detailed);
                    let clock = RowClock::template(at);
                    let text = block_text(account, seat, dialect, &clock);
                    let until = [clock.next(), crate::quota::next_change(account, at)]
                        .into_iter()
                        .flatten()
                        .min();
                    RowTemplate {
                        text,
                        until,
                        index,
                        seat: seat.cloned(),
                    }
                })
                .collect();
            (provider, rows)
        })
        .collect();
    RowTemplates { at, style, parts }
}

/// Every row's text at `now`: a template's filled in while it holds, else the
/// row rendered again from `account(index)` (its account settled at `now`,
/// masked as the menu shows it). None when the templates cannot serve this
/// run: made for another style, at a later clock, or an account is missing.
/// (Templates that hold their text: the tests'; a form keeps it apart.)
#[cfg(test)]
pub(crate) fn texts(
    templates: &RowTemplates,
    style: &str,
    dialect: Dialect,
    now: Epoch,
    account: impl FnMut(usize) -> Option<AccountView>,
) -> Option<RowTexts> {
    texts_of(
        templates,
        |row, _| Some(&row.text),
        style,
        dialect,
        now,
        account,
    )
}

/// Every row's text at `now`: a template's filled in while it holds, else
/// the row rendered again from `account(index)` (its account settled at
/// `now`, masked as the menu shows it). None when the templates cannot
/// serve this run: made for another style, at a later clock, or an account
/// is missing. `text(row, n)` gives the `n`th row's template text (counted
/// through every part, in order; a form keeps the texts apart).
pub fn texts_of<'t>(
    templates: &'t RowTemplates,
    text: impl Fn(&'t RowTemplate, usize) -> Option<&'t str>,
    style: &str,
    dialect: Dialect,
    now: Epoch,
    mut account: impl FnMut(usize) -> Option<AccountView>,
) -> Option<RowTexts> {
    if templates.style != style || now < templates.at {
        return None;
    }
    let mut parts = Vec::with_capacity(templates.parts.len());
    let ages = Ages::new();
    let mut n = 0;
    for (provider, rows) in &templates.parts {
        let mut texts = Vec::with_capacity(rows.len());
        for row in rows {
            let holds = row.until.is_none_or(|until| now < until);
            n += 1;
            texts.push(RefCell::new(if holds {
                let template = text(row, n - 1)?;
                let mut out = String::with_capacity(template.len() + 32);
                fill_into(&mut out, template, now, &ages);
                out
            } else {
                let view = account(row.index)?;
                block_text(&view, row.seat.as_ref(), dialect, &RowClock::at(now))
            }));
        }
        parts.push((provider.clone(), texts));
    }
    Some(RowTexts { parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_are_filled_with_the_durations_of_the_clock() {
        let clock = RowClock::template(1_000);
        assert!(clock.ahead(1_600));
        assert!(!clock.ahead(900));
        assert!(clock.ahead(5_000));
        assert_eq!(clock.next(), Some(1_600));
        let text = format!(
            "resets in {} · fetched {}",
            clock.until(1_600),
            clock.since(880)
        );
        assert!(text.contains(HOLE), "{text:?}");
        assert_eq!(fill(&text, 1_000), "resets in 10m · fetched 2m ago");
        assert_eq!(fill(&text, 1_300), "resets in 5m · fetched 7m ago");
        let now = RowClock::at(1_300);
        assert_eq!(
            format!(
                "resets in {} · fetched {}",
                now.until(1_600),
                now.since(880)
            ),
            fill(&text, 1_300)
        );
    }

    #[test]
    fn a_broken_hole_is_dropped_not_filled() {
        let text = format!("a{HOLE}x12{HOLE_END}b{HOLE}u99c{HOLE}");
        assert_eq!(fill(&text, 0), "ax12bu99c");
    }

    #[test]
    fn a_name_cannot_forge_a_hole() {
        let forged = format!("{HOLE}u99{HOLE_END}x{HOLE}s1{HOLE_END}");
        let account = AccountView {
            label: forged.clone(),
            email: Some(forged.clone()),
            plan: forged.clone(),
            status: forged.clone(),
            status_message: forged.clone(),
            error: Some(forged.clone()),
            usage_fetched_at: Some(900),
            ..AccountView::default()
        };
        let mut report = crate::quota::compute(&[], &Default::default(), 1_000);
        report.accounts = vec![account.clone()];
        let templates = templates(&report, Dialect::SwiftBar, "k".into());
        let template = &templates.parts[0].1[0];
        // Only the hole poolwatch wrote (the age of the usage fetch).
        assert_eq!(
            template.text.matches(HOLE).count(),
            1,
            "{:?}",
            template.text
        );
        let later = block_text(
            &account,
            template.seat.as_ref(),
            Dialect::SwiftBar,
            &RowClock::at(5_000),
        );
        assert_eq!(fill(&template.text, 5_000), later);
    }
}
