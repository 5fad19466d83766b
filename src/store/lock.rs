//! Cross-process single flight with an advisory file lock.
//!
//! We use the standard library's `File::try_lock` (stable since Rust 1.89:
//! flock on Unix, LockFileEx on Windows) rather than fs2: it needs no
//! dependency, is maintained with the toolchain, and fs2 has been unmaintained
//! since 2018. The lock lives in its own file so the data file can be replaced
//! by rename while the lock is held; the OS drops it when the process dies,
//! so a killed run never leaves the lock stuck.

use std::fs::{File, TryLockError};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use super::atomic::create_private_dir;

/// Poll interval while waiting for another run to release the lock.
const POLL: Duration = Duration::from_millis(25);

/// An exclusive lock, released on drop.
#[derive(Debug)]
pub struct LockGuard {
    _file: File,
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    super::safe_file::open_lock_file(path)
}

/// Take the lock if it is free right now.
pub fn try_lock(path: &Path) -> io::Result<Option<LockGuard>> {
    let file = open_lock_file(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(LockGuard { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Wait at most `timeout` for the lock; `None` when another run still holds it.
pub fn lock_within(path: &Path, timeout: Duration) -> io::Result<Option<LockGuard>> {
    let start = Instant::now();
    loop {
        if let Some(guard) = try_lock(path)? {
            return Ok(Some(guard));
        }
        if start.elapsed() >= timeout {
            return Ok(None);
        }
        std::thread::sleep(POLL.min(timeout.saturating_sub(start.elapsed())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_waits_and_gets_the_lock_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = try_lock(&path).unwrap().expect("free lock");
        assert!(try_lock(&path).unwrap().is_none());
        assert!(lock_within(&path, Duration::from_millis(60))
            .unwrap()
            .is_none());
        drop(first);
        assert!(lock_within(&path, Duration::from_millis(60))
            .unwrap()
            .is_some());
    }
}
