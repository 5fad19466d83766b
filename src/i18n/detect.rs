//! Which language `auto` means on this machine (pure choosers, tested on any OS,
//! plus the macOS lookup).

use std::path::Path;

use super::Lang;

/// How long a looked-up macOS language is trusted before asking `defaults` again.
const APPLE_LANGUAGE_TTL_SECONDS: u64 = 3600;
/// The file in the cache folder that remembers it.
const APPLE_LANGUAGE_FILE: &str = "apple-language.txt";

/// The language for a `language` setting: `en`, `zh-Hans`, or `auto` (then the
/// first macOS language when known, else the locale environment).
pub fn choose(
    setting: &str,
    apple_language: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Lang {
    match setting.trim() {
        "en" => Lang::En,
        "zh-Hans" => Lang::ZhHans,
        "zh-Hant" => Lang::ZhHant,
        _ => apple_language
            .map(from_language_tag)
            .unwrap_or_else(|| from_locale_env(env)),
    }
}

/// `zh-Hans-CN`, `zh_CN`, `zh` → Simplified Chinese; `zh-Hant-TW`, `zh_TW`,
/// `zh_HK`, `zh-MO` → Traditional Chinese; anything else → English.
fn from_language_tag(tag: &str) -> Lang {
    let tag = tag
        .trim()
        .trim_matches('"')
        .to_ascii_lowercase()
        .replace('_', "-");
    if tag != "zh" && !tag.starts_with("zh-") {
        return Lang::En;
    }
    let parts: Vec<&str> = tag.split('-').collect();
    let traditional = parts.contains(&"hant")
        || (!parts.contains(&"hans") && parts.iter().any(|p| matches!(*p, "tw" | "hk" | "mo")));
    if traditional {
        Lang::ZhHant
    } else {
        Lang::ZhHans
    }
}

/// POSIX precedence: the first non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG`
/// (`zh_CN.UTF-8` → Chinese; `C`, `POSIX`, `en_US.UTF-8`, unset → English).
pub fn from_locale_env(env: &dyn Fn(&str) -> Option<String>) -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|var| env(var).filter(|v| !v.trim().is_empty()))
        .map_or(Lang::En, |value| {
            from_language_tag(value.split(['.', '@']).next().unwrap_or(""))
        })
}

/// The first entry of `defaults read -g AppleLanguages` output:
/// `(\n    "zh-Hans-CN",\n    "en-US"\n)` → `zh-Hans-CN`.
pub fn first_apple_language(output: &str) -> Option<String> {
    output
        .lines()
        .map(|line| line.trim().trim_end_matches(',').trim_matches('"').trim())
        .find(|item| !item.is_empty() && *item != "(" && *item != ")")
        .map(str::to_string)
}

/// The language of this run: the setting, the environment, and on macOS the
/// interface language (remembered in `cache_dir` for an hour).
pub fn resolve(
    setting: &str,
    env: &dyn Fn(&str) -> Option<String>,
    cache_dir: Option<&Path>,
) -> Lang {
    if setting.trim() != "auto" && !setting.trim().is_empty() {
        return choose(setting, None, env);
    }
    let apple = apple_language(cache_dir);
    choose(setting, apple.as_deref(), env)
}

#[cfg(target_os = "macos")]
fn apple_language(cache_dir: Option<&Path>) -> Option<String> {
    let file = cache_dir.map(|d| d.join(APPLE_LANGUAGE_FILE));
    if let Some(file) = &file {
        let fresh = std::fs::metadata(file)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() < APPLE_LANGUAGE_TTL_SECONDS);
        if fresh {
            if let Ok(text) = crate::store::safe_file::read_text_capped(file, 4096) {
                return Some(text.trim().to_string()).filter(|t| !t.is_empty());
            }
        }
    }
    let output = std::process::Command::new("/usr/bin/defaults")
        .args(["read", "-g", "AppleLanguages"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let first = first_apple_language(&String::from_utf8_lossy(&output.stdout))?;
    if let Some(file) = &file {
        if file.parent().is_some_and(Path::is_dir) {
            // Not a secret; a lost race only means one more lookup.
            let _ = std::fs::write(file, first.as_bytes());
        }
    }
    Some(first)
}

#[cfg(not(target_os = "macos"))]
fn apple_language(_cache_dir: Option<&Path>) -> Option<String> {
    let _ = (APPLE_LANGUAGE_TTL_SECONDS, APPLE_LANGUAGE_FILE);
    None
}
