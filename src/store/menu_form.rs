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
//! reset, the counts and sums) before it renders. Its document is JSON, so
//! it stays inspectable (`tail -c +22 menu.json | head -1`); the clock rows
//! after it are binary records (`clock_records`), since a hit reads a
//! thousand of them.
//!
//! The form is only used while it provably belongs to the current cache: it
//! records the identity of the `cache.json` it was made from (size, mtime,
//! inode; every cache write is an atomic rename, so a new inode) and a stamp of
//! the settings its report depends on. Anything else falls back to the full
//! path, which writes a new form.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::write_private;
use super::cache::CacheFile;
use crate::model::Epoch;
use crate::quota::pace::Pace;
use crate::quota::{AccountView, ClockRow, PoolReport};
use crate::render::menu::rows::RowTemplates;

mod clock_records;

/// Bumped when the form changes; other versions are ignored (and rewritten).
pub const FORM_VERSION: u32 = 6;

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

/// What a cache-hit menu run reads. The file is a header line (how many
/// bytes follow that a run always reads), this document, then the parts it
/// points into, which are not JSON-parsed: the pre-rendered rows' text and
/// the clock rows (a fixed-size record each: `clock_records`); and last, read only when a row is
/// rendered again, the listed accounts' views (one JSON line each).
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
    /// without its accounts (their views are in the tail).
    #[serde(default)]
    pub report: Option<PoolReport>,
    /// Accounts of the pool the cut report leaves out.
    #[serde(default)]
    pub omitted: usize,
    /// Where the parts are in the tail; set by [`save`].
    #[serde(default)]
    pub tail: Tail,
}

/// Where [`MenuForm`]'s parts are (start and end of each): the rows and the
/// clock rows counted from the byte after the document, the views from the
/// first byte after those.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tail {
    /// Each listed account's view, in the report's order.
    #[serde(default)]
    views: Vec<(usize, usize)>,
    /// Every account's clock row, the listed ones first: one record each.
    #[serde(default)]
    clocks: (usize, usize),
    /// How many clock rows there are.
    #[serde(default)]
    clock_rows: usize,
    /// The texts the clock records number (providers, plans, statuses).
    #[serde(default)]
    names: Vec<String>,
    /// The listed accounts' pre-rendered rows, without their text ...
    #[serde(default)]
    rows: Option<RowTemplates>,
    /// ... which is in the tail, row after row.
    #[serde(default)]
    row_texts: Vec<(usize, usize)>,
}

/// A form as read: the document and the parts a run always reads; the
/// views when first asked for.
pub struct LoadedForm {
    pub form: MenuForm,
    bytes: Vec<u8>,
    /// Where the rows and clock rows start in `bytes`.
    start: usize,
    /// The file, at the start of the views.
    file: fs::File,
    /// Its length when it was opened.
    len: u64,
    views: std::cell::OnceCell<Option<Vec<u8>>>,
}

impl LoadedForm {
    fn part(&self, (start, end): (usize, usize)) -> Option<&[u8]> {
        self.bytes.get(self.start..)?.get(start..end)
    }

    fn views(&self) -> Option<&[u8]> {
        self.views
            .get_or_init(|| {
                // The rest of the file (its length as opened), in one read.
                let at = HEADER_BYTES + self.bytes.len();
                let mut bytes = vec![0; (self.len as usize).checked_sub(at)?];
                (&self.file).read_exact(&mut bytes).ok()?;
                Some(bytes)
            })
            .as_deref()
    }

    /// How many accounts the menu lists.
    pub fn listed(&self) -> usize {
        self.form.tail.views.len()
    }

    /// The view of listed account `i` (None when it is not stored or not a view).
    pub fn view(&self, i: usize) -> Option<AccountView> {
        let (start, end) = *self.form.tail.views.get(i)?;
        serde_json::from_slice(self.views()?.get(start..end)?).ok()
    }

    /// Every account's clock row, the listed ones first (None when unreadable).
    pub fn clocks(&self) -> Option<Vec<ClockRow>> {
        let rows: Vec<ClockRow> = self.each_clock()?.collect::<Option<_>>()?;
        (rows.len() == self.form.tail.clock_rows).then_some(rows)
    }

    /// Every account's clock row, one at a time (an item is None where a
    /// record does not read back; the count is not checked: see
    /// [`LoadedForm::clocks`]).
    pub fn each_clock(&self) -> Option<impl Iterator<Item = Option<ClockRow>> + '_> {
        let names = &self.form.tail.names;
        Some(
            self.clock_records()?
                .map(move |r| clock_records::read(r, names)),
        )
    }

    /// Give `visit` the clock rows from the `skip`th on, one at a time in one
    /// reused row. True when every record read back and there were as many
    /// as the form says (else `visit` may have seen only some).
    pub fn visit_clocks(&self, skip: usize, visit: &mut dyn FnMut(&ClockRow)) -> bool {
        let Some(records) = self.clock_records() else {
            return false;
        };
        if records.len() != self.form.tail.clock_rows || skip > records.len() {
            return false;
        }
        let names = &self.form.tail.names;
        let mut row = ClockRow::default();
        for record in records.skip(skip) {
            if clock_records::read_into(record, names, &mut row).is_none() {
                return false;
            }
            visit(&row);
        }
        true
    }

    fn clock_records(&self) -> Option<std::slice::ChunksExact<'_, u8>> {
        clock_records::records(self.part(self.form.tail.clocks)?)
    }

    /// The pre-rendered rows without their text (see [`LoadedForm::row_text`]).
    pub fn row_templates(&self) -> Option<&RowTemplates> {
        self.form.tail.rows.as_ref()
    }

    /// The text of the `n`th pre-rendered row (counted through every part).
    pub fn row_text(&self, n: usize) -> Option<&str> {
        std::str::from_utf8(self.part(*self.form.tail.row_texts.get(n)?)?).ok()
    }

    /// The pre-rendered rows with their text (None without any or when unreadable).
    pub fn rows(&self) -> Option<RowTemplates> {
        let mut rows = self.form.tail.rows.clone()?;
        let mut spans = self.form.tail.row_texts.iter();
        for (_, part) in &mut rows.parts {
            for row in part {
                let text = self.part(*spans.next()?)?;
                row.text = std::str::from_utf8(text).ok()?.to_string();
            }
        }
        Some(rows)
    }

    /// Every part of the tail reads back: a form that fails this is
    /// rewritten by the next full run (a hit only reads what it needs).
    pub fn is_whole(&self) -> bool {
        self.clocks().is_some()
            && (self.form.tail.rows.is_none() || self.rows().is_some())
            && (0..self.listed()).all(|i| self.view(i).is_some())
    }

    /// The cut report as stored, its listed accounts' views back in (None
    /// without a report or when a view cannot be read).
    pub fn stored_report(&self) -> Option<PoolReport> {
        let mut report = self.form.report.clone()?;
        report.accounts = (0..self.listed())
            .map(|i| self.view(i))
            .collect::<Option<_>>()?;
        Some(report)
    }
}

/// `menu.json` beside the cache file.
pub fn path_beside(cache_path: &Path) -> PathBuf {
    cache_path.with_file_name("menu.json")
}

/// The header line: how many bytes of document, rows and clock rows follow
/// it, in a fixed width.
const HEADER_BYTES: usize = 21;

/// The form at `path`, when present, readable and of this version. Reads
/// the header, the document and the parts a run always needs; the views
/// stay on disk until [`LoadedForm::view`] asks for one.
pub fn load(path: &Path) -> Option<LoadedForm> {
    let mut file = super::safe_file::open_regular(path).ok()?;
    let len = file.metadata().ok()?.len();
    if len > super::safe_file::SMALL_MAX_BYTES {
        return None;
    }
    let mut header = [0u8; HEADER_BYTES];
    file.read_exact(&mut header).ok()?;
    let hot: u64 = std::str::from_utf8(&header[..HEADER_BYTES - 1])
        .ok()?
        .parse()
        .ok()
        .filter(|hot| *hot <= len - HEADER_BYTES as u64 && header[HEADER_BYTES - 1] == b'\n')?;
    // One read of the announced length (a shorter file is not a form).
    let mut bytes = vec![0; hot as usize];
    file.read_exact(&mut bytes).ok()?;
    let mut stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<MenuForm>();
    let form = stream.next()?.ok()?;
    // The document ends with a newline; the rows and clock rows follow it.
    let start = stream.byte_offset() + 1;
    if form.form_version != FORM_VERSION || start > bytes.len() {
        return None;
    }
    Some(LoadedForm {
        form,
        bytes,
        start,
        file,
        len,
        views: std::cell::OnceCell::new(),
    })
}

/// Write the form atomically (0600): the header, the document, the text of
/// the listed accounts' pre-rendered `rows`, every account's `clocks` (the
/// listed ones first), then the listed accounts' `views`.
pub fn save(
    path: &Path,
    mut form: MenuForm,
    views: &[AccountView],
    clocks: &[ClockRow],
    rows: Option<RowTemplates>,
) -> io::Result<()> {
    let mut tail = Vec::new();
    let mut parts = Tail::default();
    parts.rows = rows.map(|mut rows| {
        for (_, part) in &mut rows.parts {
            for row in part {
                let start = tail.len();
                tail.extend_from_slice(std::mem::take(&mut row.text).as_bytes());
                parts.row_texts.push((start, tail.len()));
            }
        }
        rows
    });
    let start = tail.len();
    clock_records::write(clocks, &mut parts.names, &mut tail)
        .ok_or_else(|| io::Error::other("too many distinct plans and statuses for a menu form"))?;
    parts.clocks = (start, tail.len());
    parts.clock_rows = clocks.len();
    let mut cold = Vec::new();
    for view in views {
        let start = cold.len();
        serde_json::to_writer(&mut cold, view).map_err(io::Error::other)?;
        parts.views.push((start, cold.len()));
        cold.push(b'\n');
    }
    form.tail = parts;
    let document = serde_json::to_vec(&form).map_err(io::Error::other)?;
    let hot = document.len() + 1 + tail.len();
    let mut bytes = format!("{hot:0width$}\n", width = HEADER_BYTES - 1).into_bytes();
    bytes.extend_from_slice(&document);
    bytes.push(b'\n');
    bytes.extend_from_slice(&tail);
    bytes.extend_from_slice(&cold);
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
            flags: crate::quota::flag_bits("uK"),
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
            omitted: 3,
            tail: Tail::default(),
        };
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
        let row = |text: &str, index| crate::render::menu::rows::RowTemplate {
            text: text.into(),
            until: Some(9),
            index,
            seat: None,
        };
        let rows = RowTemplates {
            at: 4,
            style: "en|swiftbar|false".into(),
            parts: vec![
                ("codex".into(), vec![row("● a\n--b \u{1}u9\u{2}", 0)]),
                ("claude".into(), vec![row("● c | x=\"y z\"", 1)]),
            ],
        };
        let path = path_beside(&cache);
        assert_eq!(path, dir.path().join("menu.json"));
        save(&path, form.clone(), &views, &clocks, Some(rows.clone())).unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.listed(), 2);
        assert_eq!(loaded.clocks().unwrap(), clocks);
        // Visiting from a row on: every later row, none past the end; a
        // count that disagrees with the records is not a whole visit.
        let visited = |loaded: &LoadedForm, skip| {
            let mut rows = Vec::new();
            let whole = loaded.visit_clocks(skip, &mut |row| rows.push(row.clone()));
            whole.then_some(rows)
        };
        assert_eq!(visited(&loaded, 1).as_deref(), Some(&clocks[1..]));
        assert_eq!(visited(&loaded, 3), Some(vec![]));
        assert_eq!(visited(&loaded, 4), None);
        assert_eq!(
            loaded.form.tail.names,
            ["codex", "plus", "error", "", "pro"]
        );
        assert_eq!(loaded.rows(), Some(rows));
        assert_eq!(loaded.view(0).as_ref(), Some(&views[0]));
        assert_eq!(loaded.view(1).as_ref(), Some(&views[1]));
        assert_eq!(loaded.view(2), None);
        let mut miscounted = load(&path).unwrap();
        miscounted.form.tail.clock_rows = 4;
        assert_eq!(visited(&miscounted, 0), None);
        assert_eq!(miscounted.clocks(), None);
        assert_eq!(
            MenuForm {
                tail: Tail::default(),
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
