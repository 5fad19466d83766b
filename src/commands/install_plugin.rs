//! `poolwatch install-plugin`: copy the wrapper into the SwiftBar/xbar folder.

use std::path::{Path, PathBuf};

use super::Globals;
use crate::cli::InstallPluginArgs;
use crate::exit_codes;

/// The wrapper script shipped in `plugin/`.
pub const WRAPPER: &str = include_str!("../../plugin/poolwatch.1m.sh");
const BIN_PLACEHOLDER: &str = "POOLWATCH_BIN_DEFAULT=\"\"";

/// Run the command.
pub fn run(globals: &Globals, args: &InstallPluginArgs) -> i32 {
    if let Some(code) = super::demo_guard::refuse(globals, "install-plugin") {
        return code;
    }
    let dir = match args
        .dir
        .clone()
        .map(Ok)
        .unwrap_or_else(|| default_plugin_dir(globals))
    {
        Ok(dir) => dir,
        Err(tried) => {
            let tried: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
            let tried = match tried.is_empty() {
                true => crate::tr!("install.no_home"),
                false => crate::tr!("install.looked_at", dirs = tried.join(", ")),
            };
            eprintln!(
                "poolwatch: {}",
                crate::tr!("install.no_folder", tried = tried)
            );
            return exit_codes::CONFIG;
        }
    };
    // A folder named with --dir is made when missing (the user asked for it);
    // the default folders are only used when SwiftBar or xbar made them.
    if args.dir.is_some() && !dir.exists() {
        let _ = std::fs::create_dir_all(&dir);
    }
    if !dir.is_dir() {
        eprintln!(
            "poolwatch: {}",
            crate::tr!("install.not_a_folder", dir = dir.display())
        );
        return exit_codes::CONFIG;
    }
    let target = dir.join(format!("poolwatch.{}.sh", args.interval));
    let others = existing_plugins(&dir, &target);
    if !others.is_empty() && !args.force {
        eprintln!(
            "poolwatch: {}",
            crate::tr!(
                "install.other_plugin",
                dir = dir.display(),
                files = others.join(", ")
            )
        );
        return exit_codes::CONFIG;
    }
    if target.exists() && !args.force {
        eprintln!(
            "poolwatch: {}",
            crate::tr!("install.exists", path = target.display())
        );
        return exit_codes::CONFIG;
    }
    let exe = std::env::current_exe().ok();
    let script = wrapper_for(exe.as_deref());
    for old in &others {
        let _ = std::fs::remove_file(dir.join(old));
    }
    if let Err(e) = write_executable(&target, &script) {
        eprintln!(
            "poolwatch: {}",
            crate::tr!("install.cannot_write", path = target.display(), error = e)
        );
        return exit_codes::FAILURE;
    }
    println!(
        "{}",
        crate::tr!("install.installed", path = target.display())
    );
    exit_codes::OK
}

/// The wrapper with the binary path filled in (single-quoted for the shell).
pub fn wrapper_for(exe: Option<&Path>) -> String {
    match exe {
        Some(path) => {
            let quoted = format!("'{}'", path.display().to_string().replace('\'', r"'\''"));
            WRAPPER.replacen(
                BIN_PLACEHOLDER,
                &format!("POOLWATCH_BIN_DEFAULT={quoted}"),
                1,
            )
        }
        None => WRAPPER.to_string(),
    }
}

fn existing_plugins(dir: &Path, target: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p != target)
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .filter(|n| n.starts_with("poolwatch.") && n.ends_with(".sh"))
                .collect()
        })
        .unwrap_or_default()
}

fn write_executable(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// The folders `install-plugin` looks at, in order (see [`choose_plugin_dir`]).
fn default_plugin_dir(globals: &Globals) -> Result<PathBuf, Vec<PathBuf>> {
    let Some(home) = (globals.env)("HOME").map(PathBuf::from) else {
        return Err(Vec::new());
    };
    choose_plugin_dir(&home, swiftbar_preference().as_deref(), &|p: &Path| {
        p.is_dir()
    })
}

/// Where the plugin goes without `--dir`: SwiftBar's configured folder (its
/// `PluginDirectory` preference, a path or a `file://` URL, `~` expanded),
/// else xbar's plugins folder, else `~/Library/Application Support/SwiftBar/Plugins`;
/// the first that `is_dir`. Pure: the preference is read by the caller.
/// `Err` lists the folders that were tried.
pub(crate) fn choose_plugin_dir(
    home: &Path,
    swiftbar_pref: Option<&str>,
    is_dir: &dyn Fn(&Path) -> bool,
) -> Result<PathBuf, Vec<PathBuf>> {
    let mut candidates = Vec::new();
    if let Some(pref) = swiftbar_pref.and_then(|p| preference_path(p, home)) {
        candidates.push(pref);
    }
    candidates.push(home.join("Library/Application Support/xbar/plugins"));
    candidates.push(home.join("Library/Application Support/SwiftBar/Plugins"));
    match candidates.iter().find(|p| is_dir(p)) {
        Some(found) => Ok(found.clone()),
        None => Err(candidates),
    }
}

/// A preference value as a path: `/path`, `~/path` or `file:///path` (percent-escapes decoded).
fn preference_path(raw: &str, home: &Path) -> Option<PathBuf> {
    let text = raw.trim();
    let text = match text.strip_prefix("file://") {
        Some(url) => percent_decode(url.strip_prefix("localhost").unwrap_or(url))?,
        None => text.to_string(),
    };
    if text == "~" {
        return Some(home.to_path_buf());
    }
    if let Some(rest) = text.strip_prefix("~/") {
        return Some(home.join(rest));
    }
    text.starts_with('/').then(|| PathBuf::from(text))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// SwiftBar's `PluginDirectory` preference (`defaults read com.ameba.SwiftBar PluginDirectory`).
#[cfg(target_os = "macos")]
fn swiftbar_preference() -> Option<String> {
    let output = std::process::Command::new("/usr/bin/defaults")
        .args(["read", "com.ameba.SwiftBar", "PluginDirectory"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// No SwiftBar off macOS.
#[cfg(not(target_os = "macos"))]
fn swiftbar_preference() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapper_embeds_the_binary_path_shell_quoted() {
        let script = wrapper_for(Some(Path::new("/Users/o'neil/bin/poolwatch")));
        assert!(script.contains(r"POOLWATCH_BIN_DEFAULT='/Users/o'\''neil/bin/poolwatch'"));
        assert!(!script.contains(BIN_PLACEHOLDER));
        assert!(WRAPPER.contains(BIN_PLACEHOLDER));
        // POSIX sh: the cheapest shell to start (builtins only, see the script).
        assert!(WRAPPER.starts_with("#!/bin/sh\n"));
    }

    fn dirs(existing: &'static [&'static str]) -> impl Fn(&Path) -> bool {
        move |p: &Path| existing.iter().any(|e| Path::new(e) == p)
    }

    const SWIFTBAR_DEFAULT: &str = "/h/Library/Application Support/SwiftBar/Plugins";
    const XBAR: &str = "/h/Library/Application Support/xbar/plugins";

    #[test]
    fn swiftbar_preference_first_then_xbar_then_the_swiftbar_default() {
        let home = Path::new("/h");
        let all = dirs(&["/h/bar", XBAR, SWIFTBAR_DEFAULT]);
        assert_eq!(
            choose_plugin_dir(home, Some("/h/bar\n"), &all),
            Ok(PathBuf::from("/h/bar"))
        );
        assert_eq!(
            choose_plugin_dir(home, Some("~/bar"), &all),
            Ok(PathBuf::from("/h/bar"))
        );
        assert_eq!(
            choose_plugin_dir(home, Some("file:///h/bar"), &all),
            Ok(PathBuf::from("/h/bar"))
        );
        // A preference naming a missing folder falls through.
        assert_eq!(
            choose_plugin_dir(home, Some("/gone"), &all),
            Ok(PathBuf::from(XBAR))
        );
        assert_eq!(
            choose_plugin_dir(home, None, &dirs(&[SWIFTBAR_DEFAULT])),
            Ok(PathBuf::from(SWIFTBAR_DEFAULT))
        );
        assert_eq!(
            choose_plugin_dir(home, Some("relative/dir"), &dirs(&[SWIFTBAR_DEFAULT])),
            Ok(PathBuf::from(SWIFTBAR_DEFAULT))
        );
    }

    #[test]
    fn file_urls_are_decoded_and_nothing_found_lists_what_was_tried() {
        let home = Path::new("/h");
        let spaced = dirs(&["/h/My Plugins"]);
        assert_eq!(
            choose_plugin_dir(home, Some("file:///h/My%20Plugins/"), &spaced),
            Ok(PathBuf::from("/h/My Plugins/"))
        );
        assert_eq!(
            choose_plugin_dir(home, Some("/p"), &dirs(&[])),
            Err(vec![
                PathBuf::from("/p"),
                PathBuf::from(XBAR),
                PathBuf::from(SWIFTBAR_DEFAULT)
            ])
        );
    }
}
