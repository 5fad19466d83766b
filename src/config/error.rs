//! The configuration error type and the "did you mean" helper.

use crate::tr;
use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while loading or editing the settings.
///
/// The messages name the file, the profile and the key (or the environment variable) at fault.
#[derive(Debug)]
pub enum ConfigError {
    /// Reading or writing a file failed.
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    /// A problem inside the config file; `profile` is `None` for the top level.
    File {
        path: PathBuf,
        profile: Option<String>,
        message: String,
    },
    /// A bad value in an environment variable.
    Env { var: String, message: String },
    /// A bad key or value on the command line (`config set`): not the file's fault.
    Value { key: String, message: String },
    /// The requested profile does not exist.
    UnknownProfile {
        name: String,
        known: Vec<String>,
        path: PathBuf,
    },
    /// A profile name outside `[A-Za-z0-9_-]{1,64}`; `origin` says where it came from.
    BadProfileName { name: String, origin: String },
    /// `config init` found an existing file and `force` was not given.
    AlreadyExists { path: PathBuf },
    /// No config directory could be determined (no home directory).
    NoConfigPath,
}

impl ConfigError {
    /// A file error at the top level (`profile` "default") or in `[profiles.NAME]`.
    pub(crate) fn file(path: &std::path::Path, profile: &str, message: impl Into<String>) -> Self {
        ConfigError::File {
            path: path.to_path_buf(),
            profile: (profile != super::DEFAULT_PROFILE).then(|| profile.to_string()),
            message: message.into(),
        }
    }

    /// An I/O error while doing `action` ("read", "write", ...) on `path`.
    pub(crate) fn io(path: &std::path::Path, action: &'static str, source: std::io::Error) -> Self {
        ConfigError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Io {
                path,
                action,
                source,
            } => f.write_str(&tr!(
                "config.io",
                action = match *action {
                    "read" => tr!("config.action_read"),
                    "write" => tr!("config.action_write"),
                    other => other.to_string(),
                },
                path = path.display(),
                error = source
            )),
            ConfigError::File {
                path,
                profile,
                message,
            } => {
                let place = match profile {
                    Some(profile) => format!("{} [profiles.{profile}]", path.display()),
                    None => path.display().to_string(),
                };
                f.write_str(&tr!("config.file", place = place, message = message))
            }
            ConfigError::Env { var, message } => {
                f.write_str(&tr!("config.env", var = var, message = message))
            }
            ConfigError::Value { key, message } => {
                f.write_str(&tr!("config.value", key = key, message = message))
            }
            ConfigError::UnknownProfile { name, known, path } => f.write_str(&tr!(
                "config.unknown_profile",
                name = name,
                known = known.join(", "),
                path = path.display()
            )),
            ConfigError::BadProfileName { name, origin } => f.write_str(&tr!(
                "config.bad_profile_name",
                name = format!("{name:?}"),
                origin = origin
            )),
            ConfigError::AlreadyExists { path } => {
                f.write_str(&tr!("config.already_exists", path = path.display()))
            }
            ConfigError::NoConfigPath => f.write_str(&tr!("config.no_config_path")),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `unknown key "x"` plus ` (did you mean "y"?)` when a known key is close enough.
pub(crate) fn unknown_key_message(key: &str, candidates: &[&str]) -> String {
    match did_you_mean(key, candidates) {
        Some(best) => tr!("config.unknown_key_did_you_mean", key = key, best = best),
        None => tr!(
            "config.unknown_key",
            key = key,
            known = candidates.join(", ")
        ),
    }
}

/// The candidate closest to `input` by edit distance, if it is within a third of its length (at least 1,
/// at most 3 edits).
pub(crate) fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (input.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|candidate| (edit_distance(input, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars, with adjacent transpositions counted as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = best;
        }
    }
    rows[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_insertions_deletions_substitutions_and_swaps() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("ttl", "tll"), 1);
        assert_eq!(edit_distance("ttl_seconds", "tll_seconds"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("sort", "srot"), 1);
    }

    #[test]
    fn did_you_mean_picks_the_closest_known_key() {
        let keys = ["ttl_seconds", "timeout_seconds", "concurrency"];
        assert_eq!(did_you_mean("tll_seconds", &keys), Some("ttl_seconds"));
        assert_eq!(did_you_mean("concurency", &keys), Some("concurrency"));
        assert_eq!(did_you_mean("colour", &keys), None);
    }

    #[test]
    fn unknown_key_message_lists_keys_when_nothing_is_close() {
        let keys = ["plus", "pro"];
        assert_eq!(
            unknown_key_message("plsu", &keys),
            "unknown key \"plsu\" (did you mean \"plus\"?)"
        );
        assert_eq!(
            unknown_key_message("zzzzzz", &keys),
            "unknown key \"zzzzzz\" (known keys: plus, pro)"
        );
    }

    #[test]
    fn file_errors_name_the_profile_only_for_named_profiles() {
        let path = std::path::Path::new("/x/config.toml");
        let top = ConfigError::file(path, "default", "boom");
        assert_eq!(top.to_string(), "config error in /x/config.toml: boom");
        let named = ConfigError::file(path, "work", "boom");
        assert_eq!(
            named.to_string(),
            "config error in /x/config.toml [profiles.work]: boom"
        );
    }
}
