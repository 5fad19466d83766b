//! What the server shows: the latest view of every served profile, replaced by the refresher
//! after each round and read by every request (stale-while-refreshing: a request never waits
//! for a fetch).

use std::sync::{Arc, RwLock};

use crate::config::Settings;
use crate::i18n::Lang;
use crate::quota::PoolReport;
use crate::render::MenuContext;

/// One profile as last seen by the refresher.
#[derive(Clone, Debug)]
pub struct Entry {
    pub settings: Settings,
    pub report: Option<PoolReport>,
    /// The menu context of the view (its `now` is replaced by the request's).
    pub ctx: MenuContext,
    /// The latest fetch failed and the report is the last good state.
    pub stale: bool,
    /// The server rejected the management key.
    pub auth_failed: bool,
    /// The language the profile's settings chose (the request thread renders in it).
    pub lang: Lang,
}

/// The shared board of entries, in the order the profiles were given.
#[derive(Clone, Default)]
pub struct Board {
    entries: Arc<RwLock<Vec<Entry>>>,
}

impl Board {
    /// A board holding `entries`.
    pub fn new(entries: Vec<Entry>) -> Board {
        Board {
            entries: Arc::new(RwLock::new(entries)),
        }
    }

    /// Replace the entry of `entry.settings.profile` (or add it).
    pub fn put(&self, entry: Entry) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        match entries
            .iter_mut()
            .find(|e| e.settings.profile == entry.settings.profile)
        {
            Some(slot) => *slot = entry,
            None => entries.push(entry),
        }
    }

    /// A copy of every entry (cheap next to a request's rendering; the lock is held briefly).
    pub fn entries(&self) -> Vec<Entry> {
        self.entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
