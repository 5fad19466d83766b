//! Everything poolwatch keeps on disk: the locked per-profile cache and the
//! widget snapshot, both written atomically with private permissions, and
//! the pure failed-key-attempt guard (`attempts`) kept in its own file (`guard`).

pub mod atomic;
pub mod attempts;
pub mod cache;
pub mod fallback;
pub mod guard;
pub mod history;
pub mod hook_failures;
pub mod lock;
pub mod menu_form;
pub mod safe_file;
pub mod snapshot;
