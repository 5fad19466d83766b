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
use serde_json::value::RawValue;

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
    /// without its accounts: they are in `listed`.
    #[serde(default)]
    pub report: Option<PoolReport>,
    /// The accounts the menu lists, in the report's order.
    #[serde(default)]
    pub listed: Vec<ListedAccount>,
    /// Their lines, pre-rendered in the style of the run that wrote the form.
    #[serde(default)]
    pub rows: Option<RowTemplates>,
    /// Accounts of the pool the cut report leaves out.
    #[serde(default)]
    pub omitted: usize,
    /// Those accounts' values and times, so the counts and sums are decided
    /// again at each run's clock (`quota::redate`): a few dozen bytes each.
    #[serde(default)]
    pub rest: Vec<ClockRow>,
}

/// One account the menu lists.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListedAccount {
    /// What its states and its part of the sums depend on.
    #[serde(rename = "c")]
    pub clock: ClockRow,
    /// Its whole view (JSON), parsed only when its row is rendered again.
    #[serde(rename = "v")]
    pub view: Box<RawValue>,
}

impl PartialEq for ListedAccount {
    fn eq(&self, other: &Self) -> bool {
        self.clock == other.clock && self.view.get() == other.view.get()
    }
}

impl ListedAccount {
    /// The listed account of `view`.
    pub fn of(view: &AccountView) -> serde_json::Result<ListedAccount> {
        Ok(ListedAccount {
            clock: ClockRow::of(view),
            view: serde_json::value::to_raw_value(view)?,
        })
    }

    /// Its whole view (None when the stored JSON is not one).
    pub fn view(&self) -> Option<AccountView> {
        serde_json::from_str(self.view.get()).ok()
    }
}

/// `menu.json` beside the cache file.
pub fn path_beside(cache_path: &Path) -> PathBuf {
    cache_path.with_file_name("menu.json")
}

/// The form at `path`, when present, readable and of this version.
pub fn load(path: &Path) -> Option<MenuForm> {
    let bytes = super::safe_file::read_capped(path, super::safe_file::SMALL_MAX_BYTES).ok()?;
    serde_json::from_slice::<MenuForm>(&bytes)
        .ok()
        .filter(|f| f.form_version == FORM_VERSION)
}

/// Write the form atomically (0600).
pub fn save(path: &Path, form: &MenuForm) -> io::Result<()> {
    let bytes = serde_json::to_vec(form).map_err(io::Error::other)?;
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
        let form = MenuForm {
            form_version: FORM_VERSION,
            stamp: "s".into(),
            cache: second,
            head: CacheFile::new("http://p"),
            updated_at: Some(5),
            pace: None,
            over_time: None,
            report: None,
            listed: vec![ListedAccount::of(&AccountView::default()).unwrap()],
            rows: None,
            omitted: 3,
            rest: Vec::new(),
        };
        let path = path_beside(&cache);
        assert_eq!(path, dir.path().join("menu.json"));
        save(&path, &form).unwrap();
        assert_eq!(load(&path), Some(form.clone()));
        let mut other = serde_json::to_value(&form).unwrap();
        other["form_version"] = 99.into();
        fs::write(&path, serde_json::to_vec(&other).unwrap()).unwrap();
        assert_eq!(load(&path), None);
    }
}
