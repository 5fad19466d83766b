//! The history file: `history.json` beside each profile's `cache.json`
//! (docs/history.md). Written atomically (0600) by the run that fetched,
//! under `cache.lock`, like the cache; read by `history`, `status` and the
//! full menu path, never by a cache-hit menu run (the menu form carries
//! what the menu shows of it).
//!
//! A damaged file, or one of another format, is moved aside to
//! `history.corrupt.json` and a new history starts; the run says so and
//! carries on (it never blocks the menu).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::write_private;
use crate::history::History;

/// Bumped when the format changes incompatibly; other versions are moved aside.
pub const HISTORY_VERSION: u32 = 1;
/// A history file is never read beyond this (1000 accounts and 35 days are a few MiB).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The file: a version stamp and the history.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryFile {
    pub history_version: u32,
    #[serde(flatten)]
    pub history: History,
}

/// What reading the history found.
#[derive(Debug)]
pub enum Loaded {
    Missing,
    Found(Box<History>),
    /// Unreadable or of another format: moved to `moved_to`.
    Corrupt {
        moved_to: PathBuf,
    },
}

/// `history.json` beside the cache file.
pub fn path_beside(cache_path: &Path) -> PathBuf {
    cache_path.with_file_name("history.json")
}

/// Read the history; a damaged or foreign file is moved aside.
pub fn load(path: &Path) -> io::Result<Loaded> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
        Err(e) => return Err(e),
    };
    let parsed = if meta.is_file() && meta.len() <= MAX_BYTES {
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        fs::File::open(path)?
            .take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)?;
        serde_json::from_slice::<HistoryFile>(&bytes)
            .ok()
            .filter(|f| f.history_version == HISTORY_VERSION)
    } else {
        None
    };
    match parsed {
        Some(file) => Ok(Loaded::Found(Box::new(file.history))),
        None => {
            let moved_to = path.with_extension("corrupt.json");
            fs::rename(path, &moved_to)?;
            Ok(Loaded::Corrupt { moved_to })
        }
    }
}

/// The history at `path`, empty when missing; a notice when it was moved aside or unreadable.
pub fn load_or_new(path: &Path, notices: &mut Vec<String>) -> History {
    match load(path) {
        Ok(Loaded::Found(history)) => *history,
        Ok(Loaded::Missing) => History::default(),
        Ok(Loaded::Corrupt { moved_to }) => {
            notices.push(crate::tr!("history.rebuilt", path = moved_to.display()));
            History::default()
        }
        Err(e) => {
            notices.push(crate::tr!("history.cannot_read", error = e));
            History::default()
        }
    }
}

/// Write the history atomically (0600).
pub fn save(path: &Path, history: &History) -> io::Result<()> {
    let file = HistoryFile {
        history_version: HISTORY_VERSION,
        history: history.clone(),
    };
    let bytes = serde_json::to_vec(&file).map_err(io::Error::other)?;
    write_private(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_private_and_damaged_files_move_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_beside(&dir.path().join("cache.json"));
        assert!(matches!(load(&path).unwrap(), Loaded::Missing));
        let mut history = History::default();
        history.sections.insert("codex".into(), Default::default());
        save(&path, &history).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        match load(&path).unwrap() {
            Loaded::Found(found) => assert_eq!(*found, history),
            other => panic!("{other:?}"),
        }
        for foreign in [
            &b"{not json"[..],
            br#"{"history_version":99,"sections":{}}"#,
            b"[1,2]",
        ] {
            fs::write(&path, foreign).unwrap();
            let mut notices = Vec::new();
            assert_eq!(load_or_new(&path, &mut notices), History::default());
            assert_eq!(notices.len(), 1);
            assert!(!path.exists());
            assert!(path.with_extension("corrupt.json").exists());
        }
    }

    /// The size bound of docs/history.md: 1000 accounts, 35 days, one fetch
    /// a minute and a 5h cycle per account every 5 hours.
    #[test]
    fn size_bound_at_1000_accounts_and_35_days() {
        let now = 1_785_900_000;
        let accounts: Vec<(String, String, f64)> = (0..1000)
            .map(|i| {
                (
                    format!("codex-user{i:04}@example.com-plus.json"),
                    format!("user{i:04}@example.com"),
                    1.0,
                )
            })
            .collect();
        let history = crate::history::synthetic::synthetic("codex", &accounts, now);
        let section = history.section("codex").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.json");
        save(&path, &history).unwrap();
        let bytes = fs::metadata(&path).unwrap().len();
        eprintln!(
            "1000 accounts, 35 days: {} points, {} cycles, {} hourly sums, {} accounts: {} bytes",
            section.points.len(),
            section.cycles.len(),
            section.cycle_hours.len(),
            section.last.len(),
            bytes
        );
        assert!(section.points.len() <= 48 * 60 + 1 + 33 * 24 * 4);
        assert!(section.cycles.len() <= 1000 * (48 / 5 + 1));
        assert!(section.cycle_hours.len() <= 35 * 24 * 2);
        assert!(bytes < 4 * 1024 * 1024, "{bytes} bytes");
    }
}
