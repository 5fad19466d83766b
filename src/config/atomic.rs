//! The settings file is written with the shared private atomic writer
//! ([`crate::store::atomic::write_private`]); a symlinked settings file is
//! written through so the link survives.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically (0600 file, 0700 for new directories),
/// following a symlink at `path` so the link itself survives.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    crate::store::atomic::write_private(&follow_symlink(path), bytes)
}

fn follow_symlink(path: &Path) -> PathBuf {
    let is_link = fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink());
    match is_link {
        true => fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        false => path.to_path_buf(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    }

    #[test]
    fn writes_0600_files_and_0700_new_directories() {
        let root = tempfile::tempdir().expect("tempdir");
        let path = root.path().join("a/b/config.toml");
        write_private_atomic(&path, b"x = 1\n").expect("write");
        assert_eq!(fs::read_to_string(&path).ok().as_deref(), Some("x = 1\n"));
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&root.path().join("a/b")), 0o700);
    }

    #[test]
    fn replaces_existing_files_and_resets_their_mode() {
        let root = tempfile::tempdir().expect("tempdir");
        let path = root.path().join("config.toml");
        fs::write(&path, "old").expect("seed");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        write_private_atomic(&path, b"new").expect("write");
        assert_eq!(fs::read_to_string(&path).ok().as_deref(), Some("new"));
        assert_eq!(mode(&path), 0o600);
        let leftovers: Vec<_> = fs::read_dir(root.path())
            .expect("list")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    }

    #[test]
    fn follows_a_symlink_instead_of_replacing_it() {
        let root = tempfile::tempdir().expect("tempdir");
        let real = root.path().join("real.toml");
        let link = root.path().join("config.toml");
        fs::write(&real, "old").expect("seed");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        write_private_atomic(&link, b"new").expect("write");
        assert!(fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).ok().as_deref(), Some("new"));
    }
}
