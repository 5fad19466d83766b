//! The key guard's own file: `guard.json` beside `cache.json`.
//!
//! The guard (salt, failed-attempt ledger, rejected key fingerprint, the
//! server's ban end) is what keeps poolwatch from getting the user's IP
//! banned, so it does not share the fate of the cache: a cache that cannot be
//! written (disk full, `cache.json` is a folder), is damaged, or is of another
//! format version (a newer poolwatch) is moved aside or rebuilt, and the guard
//! stays. The guard is write-ahead: a refresh records its possible failures
//! here (as tentative) *before* it sends anything, and sends nothing when that
//! cannot be stored (see `session::fetch`).
//!
//! One file per profile holds one guard per server, keyed by the server's
//! identity ([`server_identity`]): `http://localhost:8317`,
//! `http://127.0.0.1:8317` and `http://127.0.0.1:8317/` are one server, and an
//! env override or `test-fetch` against another URL never touches the guard of
//! the profile's own pool.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::write_private;
use super::attempts::{new_salt, KeyGuard};
use crate::model::Epoch;

/// Bumped when the format changes incompatibly; another version is never
/// overwritten blindly (see [`load`]).
pub const GUARD_VERSION: u32 = 1;
/// The guard file's name beside `cache.json`.
pub const FILE_NAME: &str = "guard.json";
/// The largest guard file read (a few hundred bytes per server).
const MAX_BYTES: u64 = 1024 * 1024;

/// `guard.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardFile {
    pub guard_version: u32,
    /// Random salt of every fingerprint in this file (hex).
    #[serde(default)]
    pub salt: Option<String>,
    /// The guard of each server, by [`server_identity`].
    #[serde(default)]
    pub servers: BTreeMap<String, KeyGuard>,
}

impl GuardFile {
    /// An empty guard file with a fresh salt (or `salt`, migrated from an old cache).
    pub fn new(salt: Option<String>) -> GuardFile {
        GuardFile {
            guard_version: GUARD_VERSION,
            salt: Some(salt.unwrap_or_else(new_salt)),
            servers: BTreeMap::new(),
        }
    }

    /// The guard of `pool_url`'s server, with this file's salt.
    pub fn server(&self, pool_url: &str) -> KeyGuard {
        let mut guard = self
            .servers
            .get(&server_identity(pool_url))
            .cloned()
            .unwrap_or_default();
        guard.salt.clone_from(&self.salt);
        guard
    }

    /// Store `guard` as the guard of `pool_url`'s server (the salt stays the file's).
    pub fn set_server(&mut self, pool_url: &str, guard: &KeyGuard) {
        let mut guard = guard.clone();
        guard.salt = None;
        if guard == KeyGuard::default() {
            self.servers.remove(&server_identity(pool_url));
        } else {
            self.servers.insert(server_identity(pool_url), guard);
        }
    }
}

/// What reading the guard file found.
#[derive(Debug)]
pub enum GuardLoaded {
    Missing,
    Found(GuardFile),
}

/// `guard.json` beside the cache file `data`.
pub fn path_beside(data: &Path) -> PathBuf {
    data.with_file_name(FILE_NAME)
}

/// Read the guard file. A file that is not a regular file, too large, damaged
/// or of another version is an error: the caller sends nothing then (a guard
/// it cannot read is a guard it cannot honour), and says how to fix it.
pub fn load(path: &Path) -> io::Result<GuardLoaded> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(GuardLoaded::Missing),
        Err(e) => return Err(e),
    };
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "it is not a regular file",
        ));
    }
    if meta.len() > MAX_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "it is too large",
        ));
    }
    let bytes = super::safe_file::read_capped(path, super::safe_file::SMALL_MAX_BYTES)?;
    let file: GuardFile = serde_json::from_slice(&bytes)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("it is damaged ({e})")))?;
    if file.guard_version != GUARD_VERSION {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is of another format version ({}; this poolwatch reads {GUARD_VERSION})",
                file.guard_version
            ),
        ));
    }
    Ok(GuardLoaded::Found(file))
}

/// Write the guard file atomically (0600).
pub fn save(path: &Path, file: &GuardFile) -> io::Result<()> {
    let bytes = serde_json::to_vec(file).map_err(io::Error::other)?;
    write_private(path, &bytes)
}

/// Bring stored times back to `now` when they lie in the future (a clock that
/// went back): a failure "in the future" would otherwise count for days, and
/// a ban end further away than a day is not the server's.
pub fn settle_clock(guard: &mut KeyGuard, now: Epoch) {
    for at in guard
        .failed_attempts
        .iter_mut()
        .chain(guard.pending.iter_mut())
    {
        *at = (*at).min(now);
    }
    if let Some(until) = guard.ban_until {
        if until > now + super::attempts::MAX_BAN_SECONDS {
            guard.ban_until = Some(now + super::attempts::DEFAULT_BAN_SECONDS);
        }
    }
}

/// One identity per server, whatever the spelling of its URL: scheme and host
/// lower-cased, every loopback name (`localhost`, `127.0.0.1`, `[::1]`, any
/// `127.x`) one host, the default port made explicit, trailing slashes
/// removed. A URL that does not parse is its own (trimmed) identity.
pub fn server_identity(pool_url: &str) -> String {
    let trimmed = pool_url.trim();
    let Ok(url) = reqwest::Url::parse(trimmed) else {
        return trimmed.trim_end_matches('/').to_ascii_lowercase();
    };
    let raw_host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let bare = raw_host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let host = if loopback {
        "loopback".to_string()
    } else {
        raw_host.trim_end_matches('.').to_string()
    };
    let port = url
        .port_or_known_default()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    format!("{}://{host}{port}{path}", url.scheme())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_server_whatever_the_spelling() {
        let one = server_identity("http://127.0.0.1:8317");
        for spelling in [
            "http://localhost:8317",
            "http://127.0.0.1:8317/",
            "HTTP://LocalHost:8317//",
            "http://[::1]:8317",
            " http://127.0.0.1:8317 ",
        ] {
            assert_eq!(server_identity(spelling), one, "{spelling}");
        }
        assert_eq!(
            server_identity("https://Pool.Example.com"),
            server_identity("https://pool.example.com:443/")
        );
        assert_ne!(
            server_identity("http://pool.example.com"),
            server_identity("https://pool.example.com")
        );
        assert_ne!(one, server_identity("http://127.0.0.1:8318"));
        assert_ne!(one, server_identity("http://10.0.0.2:8317"));
    }

    #[test]
    fn guards_of_servers_live_side_by_side_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p").join(FILE_NAME);
        assert!(matches!(load(&path).unwrap(), GuardLoaded::Missing));
        let mut file = GuardFile::new(Some("00ff".into()));
        let mut guard = file.server("http://localhost:8317");
        assert_eq!(guard.salt.as_deref(), Some("00ff"));
        guard.failed_attempts = vec![5];
        file.set_server("http://localhost:8317", &guard);
        let other = KeyGuard {
            ban_until: Some(99),
            ..KeyGuard::default()
        };
        file.set_server("http://10.0.0.2:8317", &other);
        save(&path, &file).unwrap();
        let GuardLoaded::Found(read) = load(&path).unwrap() else {
            panic!("saved")
        };
        assert_eq!(read, file);
        assert_eq!(read.server("http://127.0.0.1:8317/").failed_attempts, [5]);
        assert_eq!(read.server("http://10.0.0.2:8317").ban_until, Some(99));
    }

    #[test]
    fn a_guard_that_cannot_be_read_is_an_error_not_an_empty_guard() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::create_dir(&path).unwrap();
        assert!(load(&path).is_err(), "a folder");
        std::fs::remove_dir(&path).unwrap();
        std::fs::write(&path, b"{\"guard_version\":1,").unwrap();
        assert!(load(&path).is_err(), "damaged");
        std::fs::write(&path, b"{\"guard_version\":7}").unwrap();
        let err = load(&path).unwrap_err();
        assert!(err.to_string().contains("another format version"), "{err}");
    }

    #[test]
    fn times_in_the_future_are_brought_back_to_now() {
        let mut guard = KeyGuard {
            failed_attempts: vec![100, 5_000],
            pending: vec![9_000],
            ban_until: Some(1_000_000),
            ..KeyGuard::default()
        };
        settle_clock(&mut guard, 1_000);
        assert_eq!(guard.failed_attempts, [100, 1_000]);
        assert_eq!(guard.pending, [1_000]);
        assert_eq!(
            guard.ban_until,
            Some(1_000 + super::super::attempts::DEFAULT_BAN_SECONDS)
        );
    }
}
