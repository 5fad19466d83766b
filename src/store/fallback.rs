//! A cache folder that cannot be used (not creatable, not writable, a path
//! under a regular file) must not leave the menu without data. poolwatch then
//! uses a private folder in the OS temp dir for the run's cache, so the data
//! is live and the safety that lives in the cache still holds: the
//! single-flight lock and the latch that stops a rejected key from being sent
//! again (fetching with no cache at all would resend a wrong key every run
//! and get the IP banned).
//!
//! The fallback is trusted only when it is ours: a real folder (not a
//! symlink), mode 0700, owned by the same user as a file we just created in
//! it. Otherwise nothing is fetched (the caller reports the original error).

use std::io;
use std::path::{Path, PathBuf};

use super::atomic::create_private_dir;
use super::cache::CachePaths;
use super::lock;

/// Whether `paths` can be used: its folder exists or can be made and the lock file opened.
/// A folder that exists but belongs to another user or is open to others is
/// refused (with the fix in the error).
pub fn usable(paths: &CachePaths) -> io::Result<()> {
    let profile_dir = paths.lock.parent();
    for dir in [profile_dir.and_then(Path::parent), profile_dir]
        .into_iter()
        .flatten()
    {
        super::safe_file::check_private_dir(dir)?;
    }
    lock::try_lock(&paths.lock).map(drop)
}

/// The fallback folder under `temp` (the OS temp dir) for a user tagged `tag`
/// (e.g. the login name), after checking that it is private and ours.
pub fn fallback_dir(temp: &Path, tag: &str) -> io::Result<PathBuf> {
    let safe: String = tag
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(32)
        .collect();
    let dir = temp.join(format!("poolwatch-cache-{safe}"));
    create_private_dir(&dir)?;
    check_private(&dir)?;
    Ok(dir)
}

#[cfg(unix)]
fn check_private(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::symlink_metadata(dir)?;
    let refuse = |why: &str| {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{} {why}", dir.display()),
        ))
    };
    if !meta.is_dir() {
        return refuse("is not a folder");
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return refuse("is open to other users");
    }
    let probe = dir.join(format!(".owner-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    let mine = std::fs::metadata(&probe).map(|m| m.uid());
    let _ = std::fs::remove_file(&probe);
    if mine? != meta.uid() {
        return refuse("belongs to another user");
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_under_a_regular_file_is_not_usable() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let paths = CachePaths::in_dir(&file.join("cache"), "default");
        assert!(usable(&paths).is_err());
        let ok = CachePaths::in_dir(&temp.path().join("cache"), "default");
        assert!(usable(&ok).is_ok());
    }

    #[test]
    fn the_fallback_is_private_and_refused_when_open_to_others() {
        let temp = tempfile::tempdir().unwrap();
        let dir = fallback_dir(temp.path(), "al/ice").unwrap();
        assert_eq!(dir, temp.path().join("poolwatch-cache-al_ice"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
            let err = fallback_dir(temp.path(), "al/ice").unwrap_err();
            assert!(err.to_string().contains("open to other users"), "{err}");
            // A symlink planted where the folder goes is refused too.
            let target = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(target.path(), temp.path().join("poolwatch-cache-bob"))
                .unwrap();
            assert!(fallback_dir(temp.path(), "bob").is_err());
        }
    }
}
