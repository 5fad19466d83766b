//! The per-profile cache: last good pool state, last error, auth latch, and
//! a copy of the key guard (its own file, `store::guard`, is the one that
//! counts: the guard survives whatever happens to this file).
//!
//! Stored as JSON next to a lock file; written atomically. A corrupt or
//! truncated file is moved aside (kept for diagnosis) and rebuilt. The cache
//! of another server (an env override, a changed `pool_url`) is kept aside as
//! `cache.<server>.json` instead of being overwritten, and taken back when
//! that server is the profile's again.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::write_private;
use super::attempts::KeyGuard;
use crate::alerts::AlertLog;
use crate::model::{Epoch, PoolState};

/// Bumped when the format changes incompatibly; other versions are rebuilt.
pub const CACHE_VERSION: u32 = 1;

/// A latched 401/403: no automatic fetch until the user acts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthLatch {
    pub at: Epoch,
    /// Short title ("Management key rejected").
    pub title: String,
    /// What happened and what to do.
    pub message: String,
    /// The config file stamp and key source when it happened: a change of
    /// either (new key, edited config) lifts the latch.
    pub stamp: String,
    /// Salted fingerprint of the key that was refused (see `attempts`): a
    /// different key lifts the latch. None in caches of older versions.
    #[serde(default)]
    pub key: Option<String>,
    /// `title` and `message` in every language, by locale code, so a run in
    /// another language shows them in its own (issue 17.6); the plain fields
    /// stay the fallback (older caches, a language added later).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<String, LocalText>,
}

/// A stored message in one language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalText {
    pub title: String,
    pub message: String,
}

/// `(title, message)` in the current thread's language when stored, else the
/// texts of the run that stored them.
pub fn localized(
    texts: &BTreeMap<String, LocalText>,
    title: &str,
    message: &str,
) -> (String, String) {
    match texts.get(crate::i18n::current().code()) {
        Some(text) => (text.title.clone(), text.message.clone()),
        None => (title.to_string(), message.to_string()),
    }
}

/// `make()` (a title and a message) rendered in every language poolwatch speaks.
pub fn in_every_language(make: impl Fn() -> (String, String)) -> BTreeMap<String, LocalText> {
    crate::i18n::Lang::ALL
        .iter()
        .map(|lang| {
            let (title, message) = crate::i18n::with(*lang, &make);
            (lang.code().to_string(), LocalText { title, message })
        })
        .collect()
}

/// Pool balances after one fetch, as earlier versions kept them in the cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LegacyPoint {
    pub at: Epoch,
    pub five_hour: f64,
    pub weekly: f64,
}

/// The old history, or nothing when it is null or not a list of points
/// (never a reason to rebuild the cache).
fn legacy_points<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<LegacyPoint>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or_default())
}

/// The error of the last fetch attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastError {
    /// Short title ("Pool unreachable").
    pub title: String,
    /// What happened and what to do.
    pub message: String,
    /// The exit code a command reports for it (see `exit_codes`).
    pub exit_code: i32,
    /// `title` and `message` in every language (see [`AuthLatch::texts`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<String, LocalText>,
}

impl LastError {
    /// `(title, message)` in the current language.
    pub fn localized(&self) -> (String, String) {
        localized(&self.texts, &self.title, &self.message)
    }
}

impl AuthLatch {
    /// `(title, message)` in the current language.
    pub fn localized(&self) -> (String, String) {
        localized(&self.texts, &self.title, &self.message)
    }
}

/// The cache file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheFile {
    pub cache_version: u32,
    /// The pool this cache belongs to; a cache of another URL is ignored.
    pub pool_url: String,
    /// The last good state (None until the first successful fetch).
    #[serde(default)]
    pub state: Option<PoolState>,
    /// When the last fetch was attempted (successful or not).
    #[serde(default)]
    pub last_attempt_at: Option<Epoch>,
    /// The last fetch's error (None after a success).
    #[serde(default)]
    pub last_error: Option<LastError>,
    #[serde(default)]
    pub auth_latch: Option<AuthLatch>,
    /// The 4-hour pool history of earlier versions: read once and moved into
    /// `history.json` (store::history), never written again.
    #[serde(
        default,
        rename = "history",
        skip_serializing,
        deserialize_with = "legacy_points"
    )]
    pub legacy_history: Vec<LegacyPoint>,
    /// Alert state and the recently fired alerts.
    #[serde(default)]
    pub alerts: AlertLog,
    /// Failed key attempts of all runs, the rejected key's fingerprint and the
    /// server's IP ban (`ban_until`): what keeps poolwatch from getting banned.
    #[serde(default)]
    pub key_guard: KeyGuard,
}

impl CacheFile {
    /// An empty cache for `pool_url`.
    pub fn new(pool_url: &str) -> CacheFile {
        CacheFile {
            cache_version: CACHE_VERSION,
            pool_url: pool_url.to_string(),
            ..Default::default()
        }
    }

    /// Age of the last good state in seconds (None without state).
    pub fn age(&self, now: Epoch) -> Option<i64> {
        self.state.as_ref().map(|s| (now - s.fetched_at).max(0))
    }
}

/// What reading the cache found.
#[derive(Debug)]
pub enum Loaded {
    Missing,
    Found(Box<CacheFile>),
    /// The file could not be parsed; it was moved to `moved_to`.
    Corrupt {
        moved_to: PathBuf,
    },
}

/// Paths of one profile's cache.
#[derive(Clone, Debug)]
pub struct CachePaths {
    pub data: PathBuf,
    pub lock: PathBuf,
}

impl CachePaths {
    /// `<dir>/<profile>/cache.json` and `cache.lock`.
    pub fn in_dir(dir: &Path, profile: &str) -> CachePaths {
        let base = dir.join(profile);
        CachePaths {
            data: base.join("cache.json"),
            lock: base.join("cache.lock"),
        }
    }
}

/// Read the cache; a corrupt file (or another format version) is moved aside.
pub fn load(path: &Path) -> io::Result<Loaded> {
    let bytes = match super::safe_file::read_capped(path, super::safe_file::CACHE_MAX_BYTES) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
        Err(e) => return Err(e),
    };
    match serde_json::from_slice::<CacheFile>(&bytes) {
        Ok(cache) if cache.cache_version == CACHE_VERSION => Ok(Loaded::Found(Box::new(cache))),
        _ => {
            let moved_to = path.with_extension("corrupt.json");
            fs::rename(path, &moved_to)?;
            Ok(Loaded::Corrupt { moved_to })
        }
    }
}

/// The `pool_url` of the cache file at `path`, read from its first bytes
/// (it is the file's second field): no need to parse a large state.
pub fn peek_pool_url(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let mut file = super::safe_file::open_regular(path).ok()?;
    let n = file.read(&mut head).ok()?;
    let text = String::from_utf8_lossy(&head[..n]);
    let start = text.find("\"pool_url\":\"")? + "\"pool_url\":\"".len();
    let rest = &text[start..];
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

/// Where the cache of `server` waits while another server's is the profile's.
pub fn kept_path(path: &Path, server: &str) -> PathBuf {
    let digest = super::attempts::fingerprint("", "server", server);
    path.with_file_name(format!("cache.{}.json", &digest[..16]))
}

/// Move the cache at `path` (of `server`) aside, to [`kept_path`].
pub fn keep_aside(path: &Path, server: &str) -> io::Result<()> {
    fs::rename(path, kept_path(path, server))
}

/// The cache of `server` kept aside, if any (read only; a damaged one is ignored).
pub fn load_kept(path: &Path, server: &str) -> Option<CacheFile> {
    let bytes =
        super::safe_file::read_capped(&kept_path(path, server), super::safe_file::CACHE_MAX_BYTES)
            .ok()?;
    serde_json::from_slice::<CacheFile>(&bytes)
        .ok()
        .filter(|c| c.cache_version == CACHE_VERSION)
}

/// Remove the kept-aside cache of `server` (it is the profile's cache again).
pub fn forget_kept(path: &Path, server: &str) {
    let _ = fs::remove_file(kept_path(path, server));
}

/// Write the cache atomically (0600).
pub fn save(path: &Path, cache: &CacheFile) -> io::Result<()> {
    let bytes = serde_json::to_vec(cache).map_err(io::Error::other)?;
    write_private(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corrupt_files_are_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let paths = CachePaths::in_dir(dir.path(), "default");
        assert!(matches!(load(&paths.data).unwrap(), Loaded::Missing));
        let mut cache = CacheFile::new("http://127.0.0.1:8317");
        cache.state = Some(PoolState {
            fetched_at: 50,
            ..Default::default()
        });
        save(&paths.data, &cache).unwrap();
        match load(&paths.data).unwrap() {
            Loaded::Found(found) => {
                assert_eq!(*found, cache);
                assert_eq!(found.age(80), Some(30));
            }
            other => panic!("unexpected {other:?}"),
        }
        let full = fs::read(&paths.data).unwrap();
        fs::write(&paths.data, &full[..full.len() / 2]).unwrap();
        match load(&paths.data).unwrap() {
            Loaded::Corrupt { moved_to } => {
                assert!(moved_to.exists());
                assert!(!paths.data.exists());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
