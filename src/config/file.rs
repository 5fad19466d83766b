//! Reading and checking the config file: the top-level layer, the named profiles and `default_profile`.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{unknown_key_message, ConfigError};
use super::keys::{self, Value, DEFAULT_PROFILE_KEY, KEY_LABELS, LABELS, PROFILES};
use super::DEFAULT_PROFILE;

/// Config files larger than this are refused (a settings file is a few hundred bytes).
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// One layer of settings: the top level of the file or one `[profiles.NAME]` table.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Layer {
    /// Values by full key name (`ttl_seconds`, `weights.plus`).
    pub values: BTreeMap<&'static str, Value>,
    /// Account labels by auth file name or email.
    pub labels: BTreeMap<String, String>,
    /// API-key labels by fingerprint (lower-case).
    pub key_labels: BTreeMap<String, String>,
    /// `[[hooks]]` (top level only; issue 20).
    pub hooks: Vec<super::hooks::Hook>,
}

/// A parsed and checked config file.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ConfigFile {
    pub top: Layer,
    pub profiles: BTreeMap<String, Layer>,
    pub default_profile: Option<String>,
}

impl ConfigFile {
    /// `["default", ...named profiles in name order]`.
    pub(crate) fn profile_names(&self) -> Vec<String> {
        std::iter::once(DEFAULT_PROFILE.to_string())
            .chain(self.profiles.keys().cloned())
            .collect()
    }
}

/// True for `[A-Za-z0-9_-]{1,64}`.
pub fn valid_profile_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Read the file at `path`; `Ok(None)` when it does not exist.
pub(crate) fn read_text(path: &Path) -> Result<Option<String>, ConfigError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(ConfigError::io(path, "read", err)),
    };
    if !metadata.is_file() {
        return Err(ConfigError::file(
            path,
            DEFAULT_PROFILE,
            crate::tr!("config.not_regular"),
        ));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(ConfigError::file(
            path,
            DEFAULT_PROFILE,
            format!("the file is larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    check_not_world_writable(path, &metadata)?;
    crate::store::safe_file::read_text_capped(path, MAX_FILE_BYTES)
        .map(Some)
        .map_err(|err| ConfigError::io(path, "read", err))
}

/// The pool URL decides where the management key is sent, so a file anyone can edit is refused.
#[cfg(unix)]
fn check_not_world_writable(path: &Path, metadata: &std::fs::Metadata) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o002 != 0 {
        return Err(ConfigError::file(
            path,
            DEFAULT_PROFILE,
            format!(
                "the file is writable by every user (mode {mode:04o}); run `chmod 600 {}`",
                path.display()
            ),
        ));
    }
    // Whoever may write the folder may replace the file (rename over it), unless the folder is
    // sticky (like /tmp: only the owner can replace their own file).
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(dir_meta) = std::fs::metadata(dir) {
        let dir_mode = dir_meta.permissions().mode() & 0o7777;
        if dir_mode & 0o002 != 0 && dir_mode & 0o1000 == 0 {
            return Err(ConfigError::file(
                path,
                DEFAULT_PROFILE,
                format!(
                    "its folder is writable by every user (mode {:04o}), so anyone could replace \
                     the file; run `chmod 700 {}`",
                    dir_mode & 0o777,
                    dir.display()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_not_world_writable(_: &Path, _: &std::fs::Metadata) -> Result<(), ConfigError> {
    Ok(())
}

/// Parse and check the whole file text.
pub(crate) fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let table: toml::Table = text.parse().map_err(|err: toml::de::Error| {
        ConfigError::file(
            path,
            DEFAULT_PROFILE,
            format!("invalid TOML: {}", err.to_string().trim_end()),
        )
    })?;
    let mut file = ConfigFile {
        top: parse_layer(&table, path, DEFAULT_PROFILE)?,
        ..ConfigFile::default()
    };
    if let Some(profiles) = table.get(PROFILES) {
        file.profiles = parse_profiles(profiles, path)?;
    }
    if let Some(value) = table.get(DEFAULT_PROFILE_KEY) {
        file.default_profile = Some(parse_default_profile(value, &file, path)?);
    }
    Ok(file)
}

fn parse_profiles(
    value: &toml::Value,
    path: &Path,
) -> Result<BTreeMap<String, Layer>, ConfigError> {
    let toml::Value::Table(table) = value else {
        return Err(ConfigError::file(
            path,
            DEFAULT_PROFILE,
            "profiles must be a table of [profiles.NAME] tables",
        ));
    };
    let mut profiles = BTreeMap::new();
    for (name, body) in table {
        if name == DEFAULT_PROFILE {
            return Err(ConfigError::file(
                path,
                DEFAULT_PROFILE,
                "[profiles.default] is not allowed: the top-level keys are the default profile",
            ));
        }
        if !valid_profile_name(name) {
            return Err(ConfigError::file(
                path,
                DEFAULT_PROFILE,
                format!(
                    "invalid profile name {name:?} in [profiles]: use 1 to 64 letters, digits, '_' or '-'"
                ),
            ));
        }
        let toml::Value::Table(body) = body else {
            return Err(ConfigError::file(
                path,
                name,
                "a profile must be a table ([profiles.NAME])",
            ));
        };
        profiles.insert(name.clone(), parse_layer(body, path, name)?);
    }
    Ok(profiles)
}

fn parse_default_profile(
    value: &toml::Value,
    file: &ConfigFile,
    path: &Path,
) -> Result<String, ConfigError> {
    let name = match value {
        toml::Value::String(name) => name.trim(),
        other => {
            return Err(ConfigError::file(
                path,
                DEFAULT_PROFILE,
                format!("default_profile = {other} is not a string"),
            ))
        }
    };
    if name != DEFAULT_PROFILE && !file.profiles.contains_key(name) {
        return Err(ConfigError::file(
            path,
            DEFAULT_PROFILE,
            format!(
                "default_profile = {} names no profile (known profiles: {})",
                keys::toml_string(name),
                file.profile_names().join(", ")
            ),
        ));
    }
    Ok(name.to_string())
}

/// Parse one layer; `profile` is "default" for the top level (which may also hold the top-only keys).
fn parse_layer(table: &toml::Table, path: &Path, profile: &str) -> Result<Layer, ConfigError> {
    let top = profile == DEFAULT_PROFILE;
    let mut layer = Layer::default();
    for (name, value) in table {
        let name = name.as_str();
        if let Some(spec) = keys::spec(name) {
            layer
                .values
                .insert(spec.name, parse_value(spec, value, path, profile)?);
        } else if keys::is_table(name) {
            parse_table(name, value, &mut layer, path, profile)?;
        } else if name == LABELS {
            layer.labels = parse_labels(value, path, profile)?;
        } else if name == KEY_LABELS {
            layer.key_labels = parse_key_labels(value, path, profile)?;
        } else if top && name == super::hooks::HOOKS {
            let events: Vec<&str> = crate::alerts::AlertKind::ALL
                .iter()
                .map(|k| k.event_name())
                .collect();
            layer.hooks = super::hooks::parse(value, &events)
                .map_err(|problem| ConfigError::file(path, profile, problem))?;
        } else if !(top && (name == DEFAULT_PROFILE_KEY || name == PROFILES)) {
            let candidates = keys::layer_key_names(top);
            return Err(ConfigError::file(
                path,
                profile,
                unknown_key_message(name, &candidates),
            ));
        }
    }
    Ok(layer)
}

fn parse_value(
    spec: &keys::KeySpec,
    value: &toml::Value,
    path: &Path,
    profile: &str,
) -> Result<Value, ConfigError> {
    keys::from_toml(spec.kind, value).map_err(|problem| {
        ConfigError::file(path, profile, format!("{} = {value} {problem}", spec.name))
    })
}

fn parse_table(
    table_name: &str,
    value: &toml::Value,
    layer: &mut Layer,
    path: &Path,
    profile: &str,
) -> Result<(), ConfigError> {
    let toml::Value::Table(table) = value else {
        return Err(ConfigError::file(
            path,
            profile,
            format!("{table_name} must be a table ([{table_name}])"),
        ));
    };
    for (name, value) in table {
        let full = format!("{table_name}.{name}");
        let spec = keys::spec(&full).ok_or_else(|| {
            let candidates = keys::table_key_names(table_name);
            ConfigError::file(path, profile, unknown_key_message(&full, &candidates))
        })?;
        layer
            .values
            .insert(spec.name, parse_value(spec, value, path, profile)?);
    }
    Ok(())
}

fn parse_labels(
    value: &toml::Value,
    path: &Path,
    profile: &str,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let toml::Value::Table(table) = value else {
        return Err(ConfigError::file(
            path,
            profile,
            "labels must be a table ([labels])",
        ));
    };
    let mut labels = BTreeMap::new();
    for (name, label) in table {
        let label = match label {
            toml::Value::String(label) => check_label(name, label),
            other => Err(format!("{other} is not a string")),
        }
        .map_err(|problem| {
            ConfigError::file(
                path,
                profile,
                format!("labels.{} = {problem}", keys::toml_string(name)),
            )
        })?;
        labels.insert(name.trim().to_string(), label);
    }
    Ok(labels)
}

/// `[key_labels]`: labels by key fingerprint (8 hex digits, stored lower-case).
fn parse_key_labels(
    value: &toml::Value,
    path: &Path,
    profile: &str,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let labels = match value {
        toml::Value::Table(_) => parse_labels(value, path, profile),
        _ => Err(ConfigError::file(
            path,
            profile,
            "key_labels must be a table ([key_labels])",
        )),
    }?;
    let mut checked = BTreeMap::new();
    for (fingerprint, label) in labels {
        checked.insert(
            check_key_fingerprint(&fingerprint)
                .map_err(|problem| ConfigError::file(path, profile, problem))?,
            label,
        );
    }
    Ok(checked)
}

/// The fingerprint of a `key_labels` entry, lower-cased, or what is wrong with it.
pub(crate) fn check_key_fingerprint(name: &str) -> Result<String, String> {
    let lower = name.trim().to_ascii_lowercase();
    if crate::model::is_fingerprint(&lower) {
        Ok(lower)
    } else {
        Err(format!(
            "key_labels.{} is not a key fingerprint (8 hex digits, as shown in the menu)",
            keys::toml_string(name)
        ))
    }
}

/// A label is trimmed, non-empty and free of control characters; its key must be non-empty.
pub(crate) fn check_label(name: &str, label: &str) -> Result<String, String> {
    let shown = keys::toml_string(label);
    if name.trim().is_empty() {
        return Err(format!("{shown} has an empty account name"));
    }
    let label = label.trim();
    if label.is_empty() {
        return Err(crate::tr!("val.label_empty", label = shown));
    }
    if label.chars().any(char::is_control) {
        return Err(crate::tr!("val.label_controls", label = shown));
    }
    Ok(label.to_string())
}
