//! Everything poolwatch keeps on disk: the locked per-profile cache and the
//! widget snapshot, both written atomically with private permissions, and
//! the pure failed-key-attempt guard kept in the cache (`attempts`).

pub mod atomic;
pub mod attempts;
pub mod cache;
pub mod fallback;
pub mod history;
pub mod lock;
pub mod menu_form;
pub mod snapshot;
