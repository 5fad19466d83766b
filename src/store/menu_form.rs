//! The precomputed menu form: `menu.json` beside each profile's `cache.json`.
//!
//! A cache-hit menu run (SwiftBar runs the plugin every minute) should cost
//! about as much as printing a finished menu, whatever the pool's size. So at
//! fetch time, and whenever the form is missing or out of date, poolwatch
//! writes what such a run needs: the cache's small fields (last attempt, auth
//! latch, last error: the decision inputs), the pool figures and merged health,
//! and the accounts the menu lists (the first 60 in detail, the worst 40 of the
//! rest) with their times as absolute epochs, and for every other account the
//! few values and times its state depends on (`quota::ClockRow`). The run
//! decides every clock-dependent state again at its own clock
//! (`quota::redate`: cooling, kept values ageing out, windows past their
//! reset, the counts and sums) before it renders. It is JSON (a few dozen KiB at any pool size)
//! so it stays inspectable.
//!
//! The form is only used while it provably belongs to the current cache: it
//! records the identity of the `cache.json` it was made from (size, mtime,
//! inode; every cache write is an atomic rename, so a new inode) and a stamp of
//! the settings its report depends on. Anything else falls back to the full
//! path, which writes a new form.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::write_private;
use super::cache::CacheFile;
use crate::model::Epoch;
use crate::quota::pace::Pace;
use crate::quota::{AccountView, ClockRow, PoolReport};
use crate::render::menu::rows::RowTemplates;

/// Bumped when the form changes; other versions are ignored (and rewritten).
pub const FORM_VERSION: u32 = 3;

/// Which `cache.json` a form was made from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIdentity {
    pub len: u64,
    /// Modification time in nanoseconds since the epoch.
    pub modified_ns: i128,
    /// Inode (0 where the platform has none).
    pub inode: u64,
}

/// The identity of the file at `path` (None when it cannot be read).
pub fn identity(path: &Path) -> Option<FileIdentity> {
    let meta = fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some(FileIdentity {
        len: meta.len(),
        modified_ns,
        inode,
    })
}

/// What a cache-hit menu run reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuForm {
    pub form_version: u32,
    /// The settings the report was computed with (see `session::form_stamp`).
    pub stamp: String,
    /// The `cache.json` this form was made from.
    pub cache: FileIdentity,
    /// That cache without its state and history: last attempt, last error,
    /// auth latch and everything else a run decides on.
    pub head: CacheFile,
    /// When the pool data was fetched.
    #[serde(default)]
    pub updated_at: Option<Epoch>,
    #[serde(default)]
    pub pace: Option<Pace>,
    /// History glance, use-first accounts and the day charts, precomputed
    /// (a cache-hit run never reads history.json).
    #[serde(default)]
    pub over_time: Option<crate::render::OverTime>,
    /// The report cut to what the menu shows (`render::menu::menu_report`),
    /// without its accounts: their views follow the document, one per line.
    #[serde(default)]
    pub report: Option<PoolReport>,
    /// Where each listed account's view is in the lines after the document
    /// (start and end, from the first line's start); set by [`save`].
    #[serde(default)]
    pub views: Vec<(usize, usize)>,
    /// Their lines, pre-rendered in the style of the run that wrote the form.
    #[serde(default)]
    pub rows: Option<RowTemplates>,
    /// Accounts of the pool the cut report leaves out.
    #[serde(default)]
    pub omitted: usize,
    /// Every account's values and times, the listed ones first (in the
    /// report's order), so states, counts and sums are decided again at each
    /// run's clock (`quota::redate`): a few dozen bytes each.
    #[serde(default)]
    pub clocks: ClockTable,
}

/// Clock rows as the form stores them: the names they repeat once, and one
/// short array per row (a cache hit parses a thousand of them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClockTable {
    /// Providers, plans and statuses.
    names: Vec<String>,
    /// Provider, plan, weight, 5h remaining and reset, week remaining and
    /// reset, 5h and week kept-until, retry, status, flags (see [`ClockRow`]).
    rows: Vec<PackedClock>,
}

type PackedClock = (
    u32,
    u32,
    f64,
    Option<f64>,
    Option<Epoch>,
    Option<f64>,
    Option<Epoch>,
    Option<Epoch>,
    Option<Epoch>,
    Option<Epoch>,
    Option<u32>,
    String,
);

impl ClockTable {
    /// The table of `rows`.
    pub fn pack(rows: &[ClockRow]) -> ClockTable {
        let mut names: Vec<String> = Vec::new();
        let mut index = std::collections::HashMap::<String, u32>::new();
        let mut name = |text: &str| -> u32 {
            if let Some(&i) = index.get(text) {
                return i;
            }
            let i = names.len() as u32;
            names.push(text.to_string());
            index.insert(text.to_string(), i);
            i
        };
        let rows = rows
            .iter()
            .map(|r| {
                (
                    name(&r.provider),
                    name(&r.plan),
                    r.weight,
                    r.five_hour.map(|w| w.0),
                    r.five_hour.and_then(|w| w.1),
                    r.weekly.map(|w| w.0),
                    r.weekly.and_then(|w| w.1),
                    r.five_hour_until,
                    r.weekly_until,
                    r.next_retry_after,
                    r.status.as_deref().map(&mut name),
                    r.flags.clone(),
                )
            })
            .collect();
        ClockTable { names, rows }
    }

    /// How many rows it holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when it holds no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows (None when a name index is out of the table).
    pub fn unpack(self) -> Option<Vec<ClockRow>> {
        let names = self.names;
        let name = |i: u32| names.get(i as usize).cloned();
        self.rows
            .into_iter()
            .map(|(p, n, w, fr, fa, kr, ka, fu, ku, r, s, x)| {
                Some(ClockRow {
                    provider: name(p)?,
                    plan: name(n)?,
                    weight: w,
                    five_hour: fr.map(|rem| (rem, fa)),
                    weekly: kr.map(|rem| (rem, ka)),
                    five_hour_until: fu,
                    weekly_until: ku,
                    next_retry_after: r,
                    status: match s {
                        Some(i) => Some(name(i)?),
                        None => None,
                    },
                    flags: x,
                })
            })
            .collect()
    }
}

/// A form as read: the document, and the views after it.
pub struct LoadedForm {
    pub form: MenuForm,
    bytes: Vec<u8>,
    /// Where the views start in `bytes`.
    tail: usize,
}

impl LoadedForm {
    /// The cut report as stored, its listed accounts' views back in (None
    /// without a report or when a view cannot be read).
    pub fn stored_report(&self) -> Option<PoolReport> {
        let mut report = self.form.report.clone()?;
        report.accounts = (0..self.form.views.len())
            .map(|i| self.view(i))
            .collect::<Option<_>>()?;
        Some(report)
    }

    /// The view of listed account `i` (None when it is not stored or not a view).
    pub fn view(&self, i: usize) -> Option<AccountView> {
        let &(start, end) = self.form.views.get(i)?;
        let tail = self.bytes.get(self.tail..)?;
        serde_json::from_slice(tail.get(start..end)?).ok()
    }
}

/// `menu.json` beside the cache file.
pub fn path_beside(cache_path: &Path) -> PathBuf {
    cache_path.with_file_name("menu.json")
}

/// The form at `path`, when present, readable and of this version.
pub fn load(path: &Path) -> Option<LoadedForm> {
    let bytes = super::safe_file::read_capped(path, super::safe_file::SMALL_MAX_BYTES).ok()?;
    // The document, then the views: one line each (JSON has no raw newline).
    let mut stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<MenuForm>();
    let form = stream.next()?.ok()?;
    let tail = stream.byte_offset() + 1;
    if form.form_version != FORM_VERSION {
        return None;
    }
    Some(LoadedForm { form, bytes, tail })
}

/// Write the form and the views of its listed accounts atomically (0600).
pub fn save(path: &Path, mut form: MenuForm, views: &[AccountView]) -> io::Result<()> {
    let mut tail = Vec::new();
    form.views = Vec::with_capacity(views.len());
    for view in views {
        let start = tail.len();
        serde_json::to_writer(&mut tail, view).map_err(io::Error::other)?;
        form.views.push((start, tail.len()));
        tail.push(b'\n');
    }
    let mut bytes = serde_json::to_vec(&form).map_err(io::Error::other)?;
    bytes.push(b'\n');
    bytes.extend_from_slice(&tail);
    write_private(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_changes_with_every_atomic_write_and_forms_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache.json");
        assert_eq!(identity(&cache), None);
        write_private(&cache, b"{\"a\":1}").unwrap();
        let first = identity(&cache).unwrap();
        write_private(&cache, b"{\"a\":2}").unwrap();
        let second = identity(&cache).unwrap();
        assert_ne!(first, second, "same size, new file");
        let clock = ClockRow {
            provider: "codex".into(),
            plan: "plus".into(),
            weight: 1.0,
            five_hour: Some((37.5, Some(900))),
            weekly: Some((80.0, None)),
            next_retry_after: Some(700),
            status: Some("error".into()),
            flags: "uK".into(),
            ..ClockRow::default()
        };
        let other_plan = ClockRow {
            plan: "pro".into(),
            ..ClockRow::default()
        };
        let clocks = vec![clock.clone(), other_plan, clock];
        let form = MenuForm {
            form_version: FORM_VERSION,
            stamp: "s".into(),
            cache: second,
            head: CacheFile::new("http://p"),
            updated_at: Some(5),
            pace: None,
            over_time: None,
            report: None,
            views: Vec::new(),
            rows: None,
            omitted: 3,
            clocks: ClockTable::pack(&clocks),
        };
        assert_eq!(form.clocks.names.len(), 5, "{:?}", form.clocks.names);
        let views = [
            AccountView {
                label: "a\nb \u{1}".into(),
                ..AccountView::default()
            },
            AccountView {
                id: "second".into(),
                ..AccountView::default()
            },
        ];
        let path = path_beside(&cache);
        assert_eq!(path, dir.path().join("menu.json"));
        save(&path, form.clone(), &views).unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.form.views.len(), 2);
        assert_eq!(loaded.form.clocks.clone().unpack().unwrap(), clocks);
        assert_eq!(loaded.view(0).as_ref(), Some(&views[0]));
        assert_eq!(loaded.view(1).as_ref(), Some(&views[1]));
        assert_eq!(loaded.view(2), None);
        assert_eq!(
            MenuForm {
                views: Vec::new(),
                ..loaded.form
            },
            form
        );
        let mut other = serde_json::to_value(&form).unwrap();
        other["form_version"] = 99.into();
        fs::write(&path, serde_json::to_vec(&other).unwrap()).unwrap();
        assert!(load(&path).is_none());
    }
}
