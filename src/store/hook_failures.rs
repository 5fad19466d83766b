//! `hook-failures.json` next to a profile's cache.json: the recent failed hook deliveries that
//! `poolwatch alerts` lists (issue 20). Written atomically, 0600; read with a size cap.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::alerts::delivery::{self, DeliveryFailure};

/// The file name, in the profile's cache folder.
pub const FILE_NAME: &str = "hook-failures.json";
const MAX_BYTES: u64 = 256 * 1024;

/// The failure log beside `cache_json`.
pub fn path_beside(cache_json: &Path) -> PathBuf {
    cache_json.with_file_name(FILE_NAME)
}

/// The logged failures (none when the file is missing, damaged or too large).
pub fn load(path: &Path) -> Vec<DeliveryFailure> {
    let Ok(metadata) = std::fs::metadata(path) else {
        return Vec::new();
    };
    if !metadata.is_file() || metadata.len() > MAX_BYTES {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    let read = super::safe_file::open_regular(path)
        .and_then(|f| f.take(MAX_BYTES).read_to_end(&mut bytes));
    match read {
        Ok(_) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Append `failures` to the log at `path`.
pub fn append(path: &Path, failures: Vec<DeliveryFailure>) -> std::io::Result<()> {
    let mut log = load(path);
    delivery::record(&mut log, failures);
    let bytes = serde_json::to_vec_pretty(&log).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent() {
        super::atomic::create_private_dir(dir)?;
    }
    super::atomic::write_private(path, &bytes)
}
