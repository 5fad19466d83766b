//! The menu form: the cache-hit path of a menu run (docs/refresh.md).

use super::*;
use crate::render::menu::rows::{self, RowTexts};
use crate::store::menu_form::ListedAccount;

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
            if !current.is_some_and(|f| f.cache == seen && f.stamp == stamp) {
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
        let (report, omitted, rest, listed, rows) = match &outcome.report {
            Some(r) => {
                let (mut cut, omitted) = crate::render::menu::menu_report(r);
                let rest = crate::quota::left_out(r, &cut);
                let style = self.menu_style;
                // The rows as this run's menu would show them (masked in privacy mode).
                let shown = if style.privacy {
                    crate::render::privacy::mask_report(&cut)
                } else {
                    cut.clone()
                };
                let rows = rows::templates(&shown, style.dialect, style.key());
                let Ok(listed) = cut
                    .accounts
                    .iter()
                    .map(ListedAccount::of)
                    .collect::<serde_json::Result<Vec<_>>>()
                else {
                    return;
                };
                cut.accounts = Vec::new();
                (Some(cut), omitted, rest, listed, Some(rows))
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
            listed,
            rows,
            omitted,
            rest,
        };
        let _ = menu_form::save(&self.form_path(), &form);
    }

    /// A cache-hit menu from the form alone, when the form matches the cache
    /// and the settings and `trigger` would serve the cache without fetching.
    /// Reads one small file; no work grows with the pool.
    pub fn serve_form(&self, trigger: Trigger) -> Option<FormHit> {
        if trigger == Trigger::Explicit || self.settings.pool_url.is_empty() {
            return None;
        }
        let form = menu_form::load(&self.form_path())?;
        if form.stamp != form_stamp(self.settings)
            || form.head.pool_url != self.settings.pool_url
            || menu_form::identity(&self.paths.data)? != form.cache
        {
            return None;
        }
        let now = (self.clock)();
        let stamp = self.latch_stamp();
        let key = std::cell::OnceCell::new();
        let mut head = form.head;
        // The guard's own file is the truth (a test-fetch writes only it).
        self.attach_guard(&mut head);
        let due = self.decision(&head, trigger, now, &stamp, &key) == Decision::Fetch;
        let mut report = form.report;
        let mut rows = None;
        if let Some(report) = report.as_mut() {
            let style = self.menu_style;
            let key = style.key();
            let templates = form
                .rows
                .as_ref()
                .filter(|t| t.style == key && now >= t.at);
            // With templates in this run's style, the listed accounts' few
            // values are enough; else their whole views, to render them.
            report.accounts = match templates {
                Some(_) => form
                    .listed
                    .iter()
                    .map(|a| a.clock.clone().into_view())
                    .collect(),
                None => form
                    .listed
                    .iter()
                    .map(ListedAccount::view)
                    .collect::<Option<_>>()?,
            };
            // Re-dated: every clock-dependent state is decided at this run's clock.
            crate::quota::redate(report, form.rest, &self.settings.quota, now);
            if let Some(templates) = templates {
                let kill_line = self.settings.quota.kill_line;
                let texts = rows::texts(templates, &key, style.dialect, now, |i| {
                    let mut view = form.listed.get(i)?.view()?;
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
            pace: form.pace,
            over_time: form.over_time,
            now,
        })
    }
}
