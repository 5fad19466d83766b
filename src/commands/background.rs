//! The detached refresh a menu run leaves behind (issue 10 item 3).
//!
//! A scheduled menu run whose cache is due prints the cached menu at once and
//! starts `poolwatch plugin --background-refresh` with the same settings and
//! environment, detached (no stdin/stdout/stderr, not waited for). That child
//! fetches under the cache lock (single flight, auth latch and crash safety
//! are those of every fetch), writes the cache, menu form and snapshot, and
//! then asks SwiftBar to run the plugin again so the new data shows at once.
//! xbar has no such request: its next scheduled run shows the data.

use std::process::{Command, Stdio};

use super::{obtain, Globals};
use crate::session::Trigger;

/// Test hook (documented in docs/refresh.md): when set, a background refresh
/// appends one line to this file when it ends, instead of notifying SwiftBar.
pub const NOTIFY_FILE_ENV: &str = "POOLWATCH_REFRESH_NOTIFY_FILE";

/// Start the detached refresh; false when it could not be started.
pub fn spawn(globals: &Globals) -> bool {
    let Ok(exe) = std::env::current_exe() else {
        return false;
    };
    let mut command = Command::new(exe);
    if let Some(config) = &globals.config {
        command.arg("--config").arg(config);
    }
    if let Some(profile) = &globals.profile {
        command.arg("--profile").arg(profile);
    }
    command
        .args(["plugin", "--background-refresh"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // Not waited for: the menu run exits right after printing, and the child
    // (re-parented) finishes on its own.
    command.spawn().is_ok()
}

/// The child: fetch like a menu run of the same trigger would, then notify.
pub fn run(globals: &Globals, trigger: Trigger) -> i32 {
    let Ok(settings) = globals.settings() else {
        return 0;
    };
    let view = obtain(globals, &settings, trigger);
    let fetched = view.outcome.fetched;
    std::mem::forget(view);
    notify(globals, fetched);
    0
}

/// Tell the menu host that new data is there.
fn notify(globals: &Globals, fetched: bool) {
    if let Some(path) = (globals.env)(NOTIFY_FILE_ENV).filter(|p| !p.is_empty()) {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        if let Ok(mut file) = options.open(path) {
            let _ = writeln!(file, "refreshed fetched={fetched}");
        }
        return;
    }
    if !fetched {
        return;
    }
    if let Some(url) = refresh_url(globals) {
        open_url(&url);
    }
}

/// `swiftbar://refreshplugin?name=NAME` when SwiftBar runs the plugin. SwiftBar
/// names a plugin by its file name up to the first dot (`poolwatch.1m.sh` →
/// `poolwatch`).
pub fn refresh_url(globals: &Globals) -> Option<String> {
    if (globals.env)("SWIFTBAR").as_deref() != Some("1") {
        return None;
    }
    let path = (globals.env)("SWIFTBAR_PLUGIN_PATH")?;
    let file = std::path::Path::new(&path)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    let name = file.split('.').next().filter(|n| !n.is_empty())?;
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    Some(format!("swiftbar://refreshplugin?name={encoded}"))
}

#[cfg(target_os = "macos")]
fn open_url(url: &str) {
    let _ = Command::new("/usr/bin/open")
        .args(["-g", url])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Only SwiftBar (macOS) takes such a request.
#[cfg(not(target_os = "macos"))]
fn open_url(_url: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn globals_with<'a>(
        env: &'a (dyn Fn(&str) -> Option<String> + Sync),
        clock: &'a (dyn Fn() -> crate::model::Epoch + Sync),
    ) -> Globals<'a> {
        Globals {
            demo: false,
            privacy: false,
            config: None,
            profile: None,
            env,
            clock,
        }
    }

    #[test]
    fn the_refresh_url_names_the_plugin_like_swiftbar_does() {
        let clock = || 0;
        let env = |k: &str| match k {
            "SWIFTBAR" => Some("1".to_string()),
            "SWIFTBAR_PLUGIN_PATH" => Some("/Users/a/Plugins/pool watch.1m.sh".to_string()),
            _ => None,
        };
        assert_eq!(
            refresh_url(&globals_with(&env, &clock)).as_deref(),
            Some("swiftbar://refreshplugin?name=pool%20watch")
        );
        let xbar =
            |k: &str| (k == "SWIFTBAR_PLUGIN_PATH").then(|| "/p/poolwatch.1m.sh".to_string());
        assert_eq!(refresh_url(&globals_with(&xbar, &clock)), None);
    }
}
