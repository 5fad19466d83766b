//! The menu form: the cache-hit path of a menu run (docs/refresh.md).

use super::*;
use crate::quota::ClockRow;
use crate::render::menu::rows::{self, RowTexts};

/// What a cache-hit menu run shows, read from the menu form.
#[derive(Clone, Debug)]
pub struct FormHit {
    /// `trigger` would fetch: the caller starts a (detached) refresh.
    pub due: bool,
    /// The server's IP ban runs until then.
    pub ban_until: Option<Epoch>,
    /// The key guard pauses attempts until then.
    pub pause_until: Option<Epoch>,
    pub freshness: Freshness,
    /// The report cut to the menu's accounts, dated `now`. With `rows`, its
    /// accounts only carry what the counts and sums need.
    pub report: Option<PoolReport>,
    /// Every account row's text at `now`, from the rows pre-rendered in this
    /// run's style (None: render them from `report`).
    pub rows: Option<RowTexts>,
    /// Accounts of the pool not in `report`.
    pub omitted: usize,
    pub updated_at: Option<Epoch>,
    pub pace: Option<Pace>,
    pub over_time: Option<crate::render::OverTime>,
    pub now: Epoch,
}

/// The settings a menu form's report depends on; another value re-renders the
/// form from the full cache (without fetching).
pub fn form_stamp(settings: &Settings) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    format!(
        "{}|{}|{}|{:?}|{}|{:?}|{:?}|{}",
        menu_form::FORM_VERSION,
        settings.profile,
        settings.pool_url,
        settings.quota,
        selection_of(settings).stamp(),
        settings.hidden_keys,
        settings.key_labels,
        // The charts are baked in the settings' form (issue 19: images off).
        crate::render::chart::ChartForm::of_setting(&settings.menu_chart) as u8
    )
    .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

impl Session<'_> {
    /// Serve the cache as found; (re)write the menu form when it does not
    /// match this cache or these settings (first run, settings changed).
    pub(super) fn serve_cached(
        &self,
        cache: CacheFile,
        notices: Vec<String>,
        seen: Option<FileIdentity>,
    ) -> Outcome {
        let outcome = self.finish_without_fetch(cache, notices, None);
        if let Some(seen) = seen {
            let current = menu_form::load(&self.form_path());
            let stamp = form_stamp(self.settings);
            if !current
                .is_some_and(|f| f.form.cache == seen && f.form.stamp == stamp && f.is_whole())
            {
                self.write_form(&outcome, seen);
            }
        }
        outcome
    }

    pub(super) fn form_path(&self) -> PathBuf {
        menu_form::path_beside(&self.paths.data)
    }

    /// Write the menu form of `outcome`, made from the cache file `identity`.
    /// Best effort: without a form the next run takes the full path.
    pub(super) fn write_form(&self, outcome: &Outcome, identity: FileIdentity) {
        let Some(cache) = &outcome.cache else {
            return;
        };
        // The small fields only: no state, history or alert log (a menu run
        // neither shows nor decides on them).
        let mut head = CacheFile {
            legacy_history: Vec::new(),
            alerts: Default::default(),
            ..cache.clone()
        };
        head.state = None;
        let (report, omitted, clocks, views, rows) = match &outcome.report {
            Some(r) => {
                let (mut cut, omitted) = crate::render::menu::menu_report(r);
                let rest = crate::quota::left_out(r, &cut);
                let style = self.menu_style;
                // The rows as this run's menu would show them (masked in privacy mode).
                let rows = match style.privacy {
                    true => {
                        let masked = crate::render::privacy::mask_report(&cut);
                        rows::templates(&masked, style.dialect, style.key())
                    }
                    false => rows::templates(&cut, style.dialect, style.key()),
                };
                let mut clocks: Vec<ClockRow> = cut.accounts.iter().map(ClockRow::of).collect();
                clocks.extend(rest);
                let views = std::mem::take(&mut cut.accounts);
                (Some(cut), omitted, clocks, views, Some(rows))
            }
            None => (None, 0, Vec::new(), Vec::new(), None),
        };
        let form = MenuForm {
            form_version: menu_form::FORM_VERSION,
            stamp: form_stamp(self.settings),
            cache: identity,
            head,
            updated_at: outcome.state.as_ref().map(|s| s.fetched_at),
            pace: outcome.pace.clone(),
            // The menu draws the precomputed charts: the series stay in history.json.
            over_time: outcome.over_time.clone().map(|mut o| {
                if let Some(g) = o.glance.as_mut() {
                    g.five_hour = Vec::new();
                    g.weekly = Vec::new();
                    g.weekly_day = Vec::new();
                }
                o
            }),
            report,
            omitted,
            tail: Default::default(),
        };
        let _ = menu_form::save(&self.form_path(), form, &views, &clocks, rows);
    }

    /// A cache-hit menu from the form alone, when the form matches the cache
    /// and the settings and `trigger` would serve the cache without fetching.
    /// Reads one small file; no work grows with the pool.
    pub fn serve_form(&self, trigger: Trigger) -> Option<FormHit> {
        if trigger == Trigger::Explicit || self.settings.pool_url.is_empty() {
            return None;
        }
        let mut loaded = menu_form::load(&self.form_path())?;
        let mut report = loaded.form.report.take();
        let form = &loaded.form;
        if form.stamp != form_stamp(self.settings)
            || form.head.pool_url != self.settings.pool_url
            || menu_form::identity(&self.paths.data)? != form.cache
        {
            return None;
        }
        let now = (self.clock)();
        let stamp = self.latch_stamp();
        let key = std::cell::OnceCell::new();
        let mut head = form.head.clone();
        // The guard's own file is the truth (a test-fetch writes only it).
        self.attach_guard(&mut head);
        let due = self.decision(&head, trigger, now, &stamp, &key) == Decision::Fetch;
        let mut rows = None;
        if let Some(report) = report.as_mut() {
            let style = self.menu_style;
            let key = style.key();
            let templates = loaded
                .row_templates()
                .filter(|t| t.style == key && now >= t.at);
            // With templates in this run's style, the listed accounts' few
            // values are enough; else their whole views, to render them.
            report.accounts = match templates {
                Some(_) => loaded
                    .each_clock()?
                    .take(loaded.listed())
                    .map(|row| row.map(ClockRow::into_view))
                    .collect::<Option<Vec<_>>>()
                    .filter(|views| views.len() == loaded.listed())?,
                None => (0..loaded.listed())
                    .map(|i| loaded.view(i))
                    .collect::<Option<_>>()?,
            };
            // Re-dated: every clock-dependent state is decided at this run's
            // clock; the other accounts are read as they are counted.
            let mut whole = false;
            crate::quota::redate_each(report, &self.settings.quota, now, |add| {
                whole = loaded.visit_clocks(loaded.listed(), add);
            });
            if !whole {
                return None;
            }
            if let Some(templates) = templates {
                let kill_line = self.settings.quota.kill_line;
                let text = |_: &rows::RowTemplate, n: usize| loaded.row_text(n);
                let texts = rows::texts_of(templates, text, &key, style.dialect, now, |i| {
                    let mut view = loaded.view(i)?;
                    crate::quota::settle(&mut view, kill_line, now);
                    if style.privacy {
                        crate::render::privacy::mask_account(&mut view);
                    }
                    Some(view)
                });
                rows = Some(texts?);
            }
        }
        Some(FormHit {
            due,
            ban_until: head.key_guard.ban_running(now),
            pause_until: head.key_guard.paused(now).map(|(_, until)| until),
            freshness: freshness_of(&head, &stamp, now),
            report,
            rows,
            omitted: form.omitted,
            updated_at: form.updated_at,
            pace: form.pace.clone(),
            over_time: form.over_time.clone(),
            now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::{left_out, redate, settle, AccountView};
    use crate::render::menu::rows::MenuStyle;
    use crate::render::menu::{menu_report, render_menu_omitting, render_menu_with_rows};
    use crate::render::privacy::{mask_account, mask_report};
    use crate::render::{Dialect, MenuContext};

    const T0: Epoch = 1_800_000_000;

    /// The demo pool eight times over (96 Codex accounts: detailed rows and
    /// rows under "more"), each copy's times shifted, plus its other providers.
    fn big_pool() -> PoolReport {
        let settings = Settings::default();
        let mut state = crate::demo::pool(&selection_of(&settings), T0);
        let codex: Vec<_> = state
            .accounts
            .iter()
            .filter(|a| a.provider.is_empty() || a.provider == "codex")
            .cloned()
            .collect();
        for copy in 1..8_i64 {
            for account in &codex {
                let mut a = account.clone();
                a.id = format!("{}-{copy}", a.id);
                a.label = format!("{copy}{}", a.label);
                let shift = copy * 97;
                let move_time = |t: &mut Option<Epoch>| *t = t.map(|t| t - shift);
                move_time(&mut a.next_retry_after);
                if let Some(usage) = a.usage.as_mut() {
                    for w in [usage.five_hour.as_mut(), usage.weekly.as_mut()]
                        .into_iter()
                        .flatten()
                    {
                        move_time(&mut w.reset_at);
                    }
                }
                state.accounts.push(a);
            }
        }
        report_of_state(&state, &settings, T0)
    }

    /// Every moment a row could change at, and the second before.
    fn moments(cut: &PoolReport) -> Vec<Epoch> {
        let mut times = vec![T0, T0 + 59, T0 + 61, T0 + 3_600, T0 + 8 * 86_400];
        for a in &cut.accounts {
            let windows = [a.five_hour.as_ref(), a.weekly.as_ref(), a.monthly.as_ref()];
            let resets = windows.into_iter().flatten().filter_map(|w| w.reset_at);
            let lanes = a.lanes.iter().filter_map(|l| l.reset_at);
            let others = [
                a.five_hour_until,
                a.weekly_until,
                a.next_retry_after,
                a.reset_credits.as_ref().and_then(|c| c.expires_at),
            ];
            for t in resets.chain(lanes).chain(others.into_iter().flatten()) {
                times.extend([t.saturating_sub(1), t]);
            }
        }
        times.retain(|t| *t >= T0);
        times.sort_unstable();
        times.dedup();
        times
    }

    #[test]
    fn pre_rendered_rows_give_the_menu_of_every_later_clock() {
        let settings = Settings::default();
        let kill_line = settings.quota.kill_line;
        let full = big_pool();
        let (cut, omitted) = menu_report(&full);
        assert!(cut.accounts.len() > 60 && cut.sections.len() > 1);
        let rest = left_out(&full, &cut);
        let times = moments(&cut);
        assert!(times.len() > 50, "{}", times.len());
        for (dialect, privacy) in [(Dialect::SwiftBar, false), (Dialect::Xbar, true)] {
            let style = MenuStyle { dialect, privacy };
            let shown = if privacy {
                mask_report(&cut)
            } else {
                cut.clone()
            };
            let templates = rows::templates(&shown, dialect, style.key());
            let (mut filled, mut rendered) = (0, 0);
            for &now in &times {
                let ctx = MenuContext {
                    now,
                    ..MenuContext::default()
                };
                let mask = |r: PoolReport| if privacy { mask_report(&r) } else { r };
                // Every row rendered at `now` from its whole view.
                let mut whole = cut.clone();
                redate(&mut whole, rest.clone(), &settings.quota, now);
                let expected = render_menu_omitting(Some(&mask(whole)), &ctx, dialect, omitted);
                // What a hit does: the few values, and the rows' texts.
                let mut few = cut.clone();
                few.accounts = cut
                    .accounts
                    .iter()
                    .map(|v| ClockRow::of(v).into_view())
                    .collect();
                redate(&mut few, rest.clone(), &settings.quota, now);
                let calls = std::cell::Cell::new(0);
                let texts = rows::texts(&templates, &style.key(), dialect, now, |i| {
                    calls.set(calls.get() + 1);
                    let mut view: AccountView = cut.accounts.get(i)?.clone();
                    settle(&mut view, kill_line, now);
                    if privacy {
                        mask_account(&mut view);
                    }
                    Some(view)
                })
                .expect("templates of this style serve");
                let got = render_menu_with_rows(&mask(few), &ctx, dialect, omitted, &texts);
                if got != expected {
                    let first = got.lines().zip(expected.lines()).find(|(a, b)| a != b);
                    panic!("{dialect:?} privacy {privacy} at +{}: {first:?}", now - T0);
                }
                rendered += calls.get();
                filled += cut.accounts.len() - calls.get();
            }
            assert!(
                filled > 1000 && rendered > 1000,
                "{filled} filled, {rendered} rendered"
            );
        }
    }

    #[test]
    fn templates_serve_only_their_own_style_and_no_earlier_clock() {
        let (cut, _) = menu_report(&big_pool());
        let style = MenuStyle {
            dialect: Dialect::SwiftBar,
            privacy: false,
        };
        let templates = rows::templates(&cut, style.dialect, style.key());
        let view = |i: usize| cut.accounts.get(i).cloned();
        assert!(rows::texts(&templates, &style.key(), style.dialect, T0, view).is_some());
        assert!(rows::texts(&templates, &style.key(), style.dialect, T0 - 1, view).is_none());
        for other in [
            MenuStyle {
                dialect: Dialect::Xbar,
                ..style
            },
            MenuStyle {
                privacy: true,
                ..style
            },
        ] {
            assert!(rows::texts(&templates, &other.key(), other.dialect, T0, view).is_none());
        }
        let zh = crate::i18n::with(crate::i18n::Lang::ZhHans, || style.key());
        assert!(rows::texts(&templates, &zh, style.dialect, T0, view).is_none());
        // An account that cannot be read at expiry: no texts (the full path).
        assert!(rows::texts(
            &templates,
            &style.key(),
            style.dialect,
            T0 + 8 * 86_400,
            |_| None
        )
        .is_none());
    }
}
