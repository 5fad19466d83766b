//! Private, atomic file writes: temp file in the same folder, fsync, rename.
//!
//! A reader (or a run killed half-way) sees either the old file or the new
//! one, never a torn one. Files are created 0600 and folders 0700.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Create `dir` (and parents) with mode 0700 for the folders this creates.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Write `bytes` to `path` atomically with mode 0600.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let (temp, mut file) = create_temp(dir, &file_name)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&temp, path));
    drop(file);
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result?;
    // Make the rename itself durable.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    remove_abandoned_temps(dir, &file_name);
    Ok(())
}

/// [`write_private`] through a symlink at `path`: the link's target is
/// replaced and the link itself survives (a settings file kept in a dotfiles
/// repository and linked into place stays linked).
pub fn write_private_through_link(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink());
    let target = match is_link {
        true => fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        false => path.to_path_buf(),
    };
    write_private(&target, bytes)
}

/// A new 0600 temp file next to the target; a name left by an earlier
/// process with the same pid is skipped.
fn create_temp(dir: &Path, file_name: &str) -> io::Result<(std::path::PathBuf, File)> {
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{file_name}.{}.{n}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 10_000 => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Temp files of a writer that was killed between create and rename are
/// removed once they are clearly abandoned (older than a minute).
fn remove_abandoned_temps(dir: &Path, file_name: &str) {
    let prefix = format!(".{file_name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(&prefix) && name.ends_with(".tmp")) {
            continue;
        }
        let abandoned = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 60);
        if abandoned {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_content_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/deeper/file.json");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir.path().join("nested/deeper")), 0o700);
            assert_eq!(mode(&dir.path().join("nested")), 0o700);
        }
        // An abandoned temp file of a killed writer is cleaned up by the next write.
        let abandoned = path.parent().unwrap().join(".file.json.1.0.tmp");
        fs::write(&abandoned, b"half").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
        File::options()
            .write(true)
            .open(&abandoned)
            .unwrap()
            .set_modified(old)
            .unwrap();
        write_private(&path, b"three").unwrap();
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_is_written_through_and_the_link_survives() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real.toml");
        let link = root.path().join("config.toml");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_private_through_link(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        // A plain path is written like write_private.
        let plain = root.path().join("plain.toml");
        write_private_through_link(&plain, b"x").unwrap();
        assert_eq!(fs::read(&plain).unwrap(), b"x");
    }
}
