//! The one way poolwatch reads a local file: opened without blocking (a FIFO
//! planted at the path cannot hang a run), only a regular file is read (a
//! symlink to `/dev/zero` or a device is refused), and never more than a cap
//! (a huge file is refused instead of filling memory).
//!
//! Settings, cache.json, menu.json, the widget snapshot, the language memo and
//! the key guard file all go through [`read_capped`]; the lock file is opened
//! by [`open_lock_file`] without following a symlink. Folders poolwatch keeps
//! data in are checked by [`check_private_dir`].

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Largest settings file read.
pub const SETTINGS_MAX_BYTES: u64 = 1024 * 1024;
/// Largest cache.json read (a 50,000-account pool's cache is well below this).
pub const CACHE_MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Largest menu.json / snapshot / small state file read.
pub const SMALL_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Open `path` for reading without blocking and check it is a regular file.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// The bytes of the regular file at `path`, at most `limit` of them: a larger
/// file is an error of kind `FileTooLarge`, a FIFO, device or folder one of
/// kind `InvalidInput`, a missing file `NotFound` (as from `std::fs::read`).
pub fn read_capped(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let too_large = || {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("larger than {limit} bytes"),
        )
    };
    let len = file.metadata()?.len();
    if len > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_capped`] as UTF-8 text.
pub fn read_text_capped(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_capped(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Open (create) a lock file: 0600, never through a symlink, never blocking,
/// and only a regular file.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// A folder poolwatch keeps data in must be ours and closed to others: when it
/// exists, it is refused if another user owns it or group/others may write
/// in it. The error says how to fix it.
#[cfg(unix)]
pub fn check_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return Ok(()); // creating inside it fails with its own error
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            crate::tr!("store.dir_not_ours", dir = dir.display()),
        ));
    }
    if meta.permissions().mode() & 0o022 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            crate::tr!("store.dir_open", dir = dir.display()),
        ));
    }
    Ok(())
}

/// No ownership check off Unix.
#[cfg(not(unix))]
pub fn check_private_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn reads_regular_files_within_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_capped(&path, 5).unwrap(), b"12345");
        let err = read_capped(&path, 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        let missing = read_capped(&dir.path().join("none"), 5).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn a_fifo_a_device_and_a_folder_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = read_capped(&fifo, 10).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(
            read_capped(&zero, 10).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        assert!(read_capped(dir.path(), 10).is_err());
    }

    #[test]
    fn the_lock_file_is_never_opened_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        let link = dir.path().join("cache.lock");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_lock_file(&link).is_err());
        assert!(!target.exists());
        let fine = dir.path().join("ok.lock");
        open_lock_file(&fine).unwrap();
        let mode = std::fs::metadata(&fine).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_folder_open_to_others_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        assert!(check_private_dir(&cache).is_ok(), "missing: created later");
        std::fs::create_dir(&cache).unwrap();
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
        check_private_dir(&cache).unwrap();
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_private_dir(&cache).unwrap_err();
        assert!(err.to_string().contains("chmod 700"), "{err}");
    }
}
