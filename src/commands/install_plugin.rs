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
    let Some(dir) = args.dir.clone().or_else(|| default_plugin_dir(globals)) else {
        eprintln!(
            "poolwatch: no SwiftBar or xbar plugin folder found; pass --dir DIR \
             (SwiftBar: Preferences → Plugin Folder)"
        );
        return exit_codes::CONFIG;
    };
    if !dir.is_dir() {
        eprintln!("poolwatch: {} is not a folder", dir.display());
        return exit_codes::CONFIG;
    }
    let target = dir.join(format!("poolwatch.{}.sh", args.interval));
    let others = existing_plugins(&dir, &target);
    if !others.is_empty() && !args.force {
        eprintln!(
            "poolwatch: {} already has a poolwatch plugin ({}); pass --force to replace it",
            dir.display(),
            others.join(", ")
        );
        return exit_codes::CONFIG;
    }
    if target.exists() && !args.force {
        eprintln!(
            "poolwatch: {} exists; pass --force to replace it",
            target.display()
        );
        return exit_codes::CONFIG;
    }
    let exe = std::env::current_exe().ok();
    let script = wrapper_for(exe.as_deref());
    for old in &others {
        let _ = std::fs::remove_file(dir.join(old));
    }
    if let Err(e) = write_executable(&target, &script) {
        eprintln!("poolwatch: cannot write {}: {e}", target.display());
        return exit_codes::FAILURE;
    }
    println!("installed {}", target.display());
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

/// SwiftBar's configured folder (macOS), else xbar's folder when it exists.
fn default_plugin_dir(globals: &Globals) -> Option<PathBuf> {
    let home = (globals.env)("HOME").map(PathBuf::from)?;
    swiftbar_dir().or_else(|| {
        let xbar = home.join("Library/Application Support/xbar/plugins");
        xbar.is_dir().then_some(xbar)
    })
}

#[cfg(target_os = "macos")]
fn swiftbar_dir() -> Option<PathBuf> {
    let output = std::process::Command::new("/usr/bin/defaults")
        .args(["read", "com.ameba.SwiftBar", "PluginDirectory"])
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let path = PathBuf::from(text.trim());
    (output.status.success() && path.is_dir()).then_some(path)
}

#[cfg(not(target_os = "macos"))]
fn swiftbar_dir() -> Option<PathBuf> {
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
}
