//! Everything poolwatch keeps on disk: the locked per-profile cache and the
//! widget snapshot, both written atomically with private permissions.

pub mod atomic;
pub mod cache;
pub mod fallback;
pub mod lock;
pub mod snapshot;
