//! Settings: the TOML config file with named profiles, environment overrides, `config init/set/show`.
//!
//! Precedence, highest first: command-line flags (applied by the caller), environment variables
//! (`POOLWATCH_*`), the selected `[profiles.NAME]` table, the top-level keys, built-in defaults.
//! Inside a profile, `[weights]`, `[labels]` and `[key_labels]` merge entry by entry with the top level; every other
//! key (including the `providers` and `hidden` lists) replaces the top-level value as a whole.
//! Plan weights below 0.1 are clamped to 0.1 silently. The management key never lives here: see
//! [`crate::secrets`].

mod edit;
mod error;
mod file;
pub mod hooks;
pub(crate) mod keys;
mod show;
mod url;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_keys;

use crate::provider::urls;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::quota::{PlanWeights, QuotaSettings};

pub use edit::{
    init_file, set_value, set_value_locked, settings_lock_path, template, with_settings_lock,
};
pub use error::ConfigError;
pub use file::valid_profile_name;
pub use keys::toml_list;
pub use keys::{
    parse_language, parse_sort, parse_title_format, sort_name, MIN_WEIGHT, TITLE_FORMATS,
};
pub use show::{show, show_with_paths};
pub use url::{normalize_pool_url, normalize_usage_url};

pub use crate::store::atomic::write_private_through_link as write_private_atomic;

use keys::Value;

/// The default `wham/usage` endpoint.
pub const DEFAULT_USAGE_URL: &str = "https://chatgpt.com/backend-api/wham/usage";
/// The name of the profile made of the top-level keys.
pub const DEFAULT_PROFILE: &str = "default";
/// Default cache time-to-live, in seconds.
pub const DEFAULT_TTL_SECONDS: u64 = 120;
/// Default number of usage requests in flight.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default per-request timeout, in seconds.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 10;
/// Default max age of an account's usage before a scheduled refresh asks again, in minutes.
pub const DEFAULT_USAGE_MAX_AGE_MINUTES: u64 = 30;
/// Default freshness limit of a passive quota observation, in minutes (docs/refresh.md).
pub const DEFAULT_OBSERVATION_MAX_AGE_MINUTES: u64 = 5;
/// Default budget of quiet re-reads (max age, a window reset without traffic) per hour.
pub const DEFAULT_AGE_READS_PER_HOUR: u64 = 100;
/// Default credentials per page of the credential list.
pub const DEFAULT_CREDENTIALS_PAGE_SIZE: usize = 5000;
/// Default wait of a menu run with no cached data for the first fetch, in seconds.
pub const DEFAULT_COLD_START_WAIT_SECONDS: u64 = 3;
/// Default deadline for a whole fetch, in seconds.
pub const DEFAULT_DEADLINE_SECONDS: u64 = 25;
/// Providers selected by default: `*` selects every auth file (the whole
/// pool); an explicit list narrows it (matched by "contains", lower-case).
pub const DEFAULT_PROVIDERS: [&str; 1] = [ALL_PROVIDERS];
/// The provider filter entry that selects every provider.
pub const ALL_PROVIDERS: &str = "*";

/// What to tell the user when `pool_url` is empty.
pub const NO_POOL_URL: &str =
    "no pool URL configured: run `poolwatch config set pool_url http://HOST:PORT`";

/// Environment variable naming the config file.
pub const CONFIG_ENV: &str = "POOLWATCH_CONFIG";
/// Environment variable naming the profile.
pub const PROFILE_ENV: &str = "POOLWATCH_PROFILE";
/// Environment variable overriding the cache directory.
pub const CACHE_DIR_ENV: &str = "POOLWATCH_CACHE_DIR";
/// Environment variable choosing the interface language.
pub const LANGUAGE_ENV: &str = "POOLWATCH_LANGUAGE";
/// Environment variable overriding the widget snapshot path.
pub const SNAPSHOT_PATH_ENV: &str = "POOLWATCH_SNAPSHOT_PATH";

/// Where a resolved value came from (shown by `config show`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueSource {
    /// Built-in default.
    Default,
    /// The config file: the top level (`profile: None`) or `[profiles.NAME]`.
    File { profile: Option<String> },
    /// An environment variable.
    Env(&'static str),
    /// A command-line flag.
    Flag(&'static str),
}

impl std::fmt::Display for ValueSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueSource::Default => f.write_str(&crate::tr!("config.source_default")),
            ValueSource::File { profile: None } => f.write_str(&crate::tr!("config.source_file")),
            ValueSource::File {
                profile: Some(name),
            } => f.write_str(&crate::tr!("config.source_profile", name = name)),
            ValueSource::Env(var) => f.write_str(&crate::tr!("config.source_env", var = var)),
            ValueSource::Flag(flag) => f.write_str(&crate::tr!("config.source_flag", flag = flag)),
        }
    }
}

/// The resolved settings of one profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub profile: String,
    pub config_path: PathBuf,
    /// Normalised pool base URL ("" when not configured).
    pub pool_url: String,
    pub usage_url: String,
    /// Codex `wham/rate-limit-reset-credits` URL.
    pub reset_credits_url: String,
    /// Claude `oauth/usage` and `oauth/profile` URLs.
    pub claude_usage_url: String,
    pub claude_profile_url: String,
    /// Antigravity base URLs, tried in order.
    pub antigravity_urls: Vec<String>,
    /// Kimi `coding/v1/usages` URL.
    pub kimi_usage_url: String,
    /// xAI weekly credits (billing endpoint) URL.
    pub xai_billing_url: String,
    /// Gemini CLI `retrieveUserQuota` URL.
    pub gemini_cli_quota_url: String,
    /// Cache time-to-live.
    pub ttl: Duration,
    /// Usage requests in flight at once.
    pub concurrency: usize,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// Deadline of a whole fetch (>= `request_timeout`).
    pub deadline: Duration,
    /// A scheduled refresh asks an unchanged account's usage again after this.
    pub usage_max_age: Duration,
    /// A passive quota observation younger than this (and newer than the last
    /// usage read) is the account's usage: no usage call.
    pub observation_max_age: Duration,
    /// Credentials asked per page where the server pages its list.
    pub credentials_page_size: usize,
    /// Re-reads of quiet accounts (age, a window reset) per hour at most; 0: no budget.
    pub age_reads_per_hour: u64,
    /// How long a menu run with no cached data waits for the first fetch.
    pub cold_start_wait: Duration,
    pub quota: QuotaSettings,
    /// Lower-case provider fragments; see [`provider_selected`].
    pub providers: Vec<String>,
    /// Auth file names or emails to hide.
    pub hidden: Vec<String>,
    /// When to alert (the `[alerts]` table).
    pub alerts: AlertSettings,
    /// Custom account labels by auth file name or email.
    pub labels: BTreeMap<String, String>,
    /// API-key fingerprints to hide (`hidden_keys`, "Hide this key").
    pub hidden_keys: Vec<String>,
    /// API-key labels by fingerprint (`[key_labels]`).
    pub key_labels: BTreeMap<String, String>,
    /// Interface language setting: `auto`, `en` or `zh-Hans`.
    pub language: String,
    /// The menu-bar title's form (`title_format`: `share`, `5h`, `week`, `compact`).
    pub title_format: String,
    /// The menu's day charts (`menu_chart`: `auto`, `image`, `text`, `off`).
    pub menu_chart: String,
    /// Privacy mode (`privacy`, `--privacy`): emails and labels masked everywhere.
    pub privacy: bool,
    /// Cache directory override (POOLWATCH_CACHE_DIR).
    pub cache_dir: Option<PathBuf>,
    /// `key_file`: a 0600 file holding this profile's management key (`~/` = home).
    pub key_file: Option<String>,
    /// Widget snapshot path override (POOLWATCH_SNAPSHOT_PATH).
    pub snapshot_path: Option<PathBuf>,
    /// Whether the config file existed.
    pub file_found: bool,
    /// `[[hooks]]`: programs and URLs that receive alert events (issue 20).
    pub hooks: Vec<hooks::Hook>,
    /// `serve.token_file`: the file holding `poolwatch serve`'s bearer token (issue 20).
    pub serve_token_file: Option<PathBuf>,
    /// Where each non-default value came from, by key (`ttl_seconds`, `weights.pro`,
    /// `labels.NAME`, `profile`, `cache_dir`, ...). Keys not listed are defaults.
    pub sources: BTreeMap<String, ValueSource>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            profile: DEFAULT_PROFILE.to_string(),
            config_path: PathBuf::new(),
            pool_url: String::new(),
            usage_url: DEFAULT_USAGE_URL.to_string(),
            reset_credits_url: urls::CODEX_RESET_CREDITS.to_string(),
            claude_usage_url: urls::CLAUDE_USAGE.to_string(),
            claude_profile_url: urls::CLAUDE_PROFILE.to_string(),
            antigravity_urls: urls::ANTIGRAVITY.iter().map(|u| u.to_string()).collect(),
            kimi_usage_url: urls::KIMI_USAGE.to_string(),
            xai_billing_url: urls::XAI_BILLING.to_string(),
            gemini_cli_quota_url: urls::GEMINI_CLI_QUOTA.to_string(),
            ttl: Duration::from_secs(DEFAULT_TTL_SECONDS),
            concurrency: DEFAULT_CONCURRENCY,
            request_timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECONDS),
            deadline: Duration::from_secs(DEFAULT_DEADLINE_SECONDS),
            usage_max_age: Duration::from_secs(DEFAULT_USAGE_MAX_AGE_MINUTES * 60),
            observation_max_age: Duration::from_secs(DEFAULT_OBSERVATION_MAX_AGE_MINUTES * 60),
            credentials_page_size: DEFAULT_CREDENTIALS_PAGE_SIZE,
            age_reads_per_hour: DEFAULT_AGE_READS_PER_HOUR,
            cold_start_wait: Duration::from_secs(DEFAULT_COLD_START_WAIT_SECONDS),
            quota: QuotaSettings::default(),
            providers: DEFAULT_PROVIDERS.iter().map(|p| p.to_string()).collect(),
            hidden: Vec::new(),
            alerts: AlertSettings::default(),
            labels: BTreeMap::new(),
            hidden_keys: Vec::new(),
            key_labels: BTreeMap::new(),
            language: "auto".to_string(),
            title_format: "share".to_string(),
            menu_chart: "auto".to_string(),
            privacy: false,
            cache_dir: None,
            key_file: None,
            snapshot_path: None,
            file_found: false,
            serve_token_file: None,
            hooks: Vec::new(),
            sources: BTreeMap::new(),
        }
    }
}

impl Settings {
    /// Where the value of `key` came from.
    pub fn source(&self, key: &str) -> ValueSource {
        self.sources
            .get(key)
            .cloned()
            .unwrap_or(ValueSource::Default)
    }

    /// True when the account's auth file name or email is in `hidden` (case-insensitive).
    pub fn is_hidden(&self, name: &str, email: Option<&str>) -> bool {
        hidden_matches(&self.hidden, name, email)
    }

    /// The custom label of an account: by auth file name first, then by email (case-insensitive).
    pub fn label_for(&self, name: &str, email: Option<&str>) -> Option<&str> {
        custom_label(&self.labels, name, email)
    }
}

/// True when `name` or `email` is in the `hidden` list (case-insensitive).
pub fn hidden_matches(hidden: &[String], name: &str, email: Option<&str>) -> bool {
    hidden.iter().any(|entry| {
        entry.eq_ignore_ascii_case(name)
            || email.is_some_and(|email| entry.eq_ignore_ascii_case(email))
    })
}

/// The custom label for an auth file `name` (exact) or `email` (case-insensitive).
pub fn custom_label<'a>(
    labels: &'a BTreeMap<String, String>,
    name: &str,
    email: Option<&str>,
) -> Option<&'a str> {
    if let Some(label) = labels.get(name) {
        return Some(label);
    }
    let email = email?;
    labels
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(email))
        .map(|(_, label)| label.as_str())
}

pub use crate::alerts::AlertSettings;

/// What [`load`] needs besides the file: the `--config` and `--profile` flags and the environment.
pub struct LoadOptions<'a> {
    pub config_path: Option<PathBuf>,
    pub profile: Option<String>,
    /// Environment lookup; use [`process_env`] in the binary and a closure over a map in tests.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// The real process environment (non-UTF-8 values count as unset).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The default config file: `<config dir>/poolwatch/config.toml`
/// (`~/Library/Application Support/poolwatch/config.toml` on macOS, `~/.config/poolwatch/config.toml` on Linux).
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "poolwatch")
        .map(|dirs| dirs.config_dir().join("config.toml"))
}

/// `--config FILE` names a file on purpose: a missing one is an error (a typo
/// must not run on the defaults), unlike the default path or POOLWATCH_CONFIG.
pub fn check_named_file(path: &Path) -> Result<(), ConfigError> {
    match std::fs::symlink_metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(ConfigError::file(
            path,
            DEFAULT_PROFILE,
            crate::tr!("config.missing_file"),
        )),
        _ => Ok(()),
    }
}

/// Load the settings of the selected profile (see the module docs for precedence).
///
/// A missing file gives the defaults (with an empty `pool_url`).
pub fn load(opts: &LoadOptions) -> Result<Settings, ConfigError> {
    let env = opts.env;
    let config_path = resolve_config_path(opts);
    let text = match config_path.as_os_str().is_empty() {
        true => None,
        false => file::read_text(&config_path)?,
    };
    let config = match &text {
        Some(text) => file::parse(text, &config_path)?,
        None => file::ConfigFile::default(),
    };
    let (profile, profile_source) = choose_profile(opts, &config, &config_path)?;
    let mut resolved = Resolved::from_file(&config, &profile);
    resolved.apply_env(env)?;
    let mut settings = resolved.build(&profile, &config_path)?;
    settings.file_found = text.is_some();
    settings.hooks = config.top.hooks.clone();
    settings.cache_dir = env_path(env, CACHE_DIR_ENV)?;
    settings.snapshot_path = env_path(env, SNAPSHOT_PATH_ENV)?;
    record_env_path_sources(&mut settings);
    if profile_source != ValueSource::Default {
        settings.sources.insert("profile".into(), profile_source);
    }
    Ok(settings)
}

/// The profile names in the file at `path`: `["default", ...named]` (just `["default"]` when missing).
pub fn profile_names(path: &Path) -> Result<Vec<String>, ConfigError> {
    match file::read_text(path)? {
        Some(text) => Ok(file::parse(&text, path)?.profile_names()),
        None => Ok(vec![DEFAULT_PROFILE.to_string()]),
    }
}

/// True when an auth file's `provider` or `type` contains one of `providers` (case-insensitive).
pub fn provider_selected(provider: &str, kind: &str, providers: &[String]) -> bool {
    let provider = provider.to_ascii_lowercase();
    let kind = kind.to_ascii_lowercase();
    providers
        .iter()
        .map(|wanted| wanted.trim().to_ascii_lowercase())
        .filter(|wanted| !wanted.is_empty())
        .any(|wanted| {
            wanted == ALL_PROVIDERS || provider.contains(&wanted) || kind.contains(&wanted)
        })
}

/// `--config`, else POOLWATCH_CONFIG, else the default path (empty when there is no home directory).
fn resolve_config_path(opts: &LoadOptions) -> PathBuf {
    opts.config_path
        .clone()
        .or_else(|| env_value(opts.env, CONFIG_ENV).map(PathBuf::from))
        .or_else(default_config_path)
        .unwrap_or_default()
}

/// `--profile`, else POOLWATCH_PROFILE, else `default_profile`, else "default"; it must exist.
fn choose_profile(
    opts: &LoadOptions,
    config: &file::ConfigFile,
    path: &Path,
) -> Result<(String, ValueSource), ConfigError> {
    let (name, source) = if let Some(name) = &opts.profile {
        (name.trim().to_string(), ValueSource::Flag("--profile"))
    } else if let Some(name) = env_value(opts.env, PROFILE_ENV) {
        (name, ValueSource::Env(PROFILE_ENV))
    } else if let Some(name) = &config.default_profile {
        (name.clone(), ValueSource::File { profile: None })
    } else {
        (DEFAULT_PROFILE.to_string(), ValueSource::Default)
    };
    if !valid_profile_name(&name) {
        return Err(ConfigError::BadProfileName {
            name,
            origin: source.to_string(),
        });
    }
    if name != DEFAULT_PROFILE && !config.profiles.contains_key(&name) {
        return Err(ConfigError::UnknownProfile {
            name,
            known: config.profile_names(),
            path: path.to_path_buf(),
        });
    }
    Ok((name, source))
}

/// A trimmed, non-empty environment value.
fn env_value(env: &dyn Fn(&str) -> Option<String>, var: &str) -> Option<String> {
    env(var)
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

fn env_path(
    env: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<PathBuf>, ConfigError> {
    let Some(raw) = env_value(env, var) else {
        return Ok(None);
    };
    let path = PathBuf::from(&raw);
    if !path.is_absolute() {
        return Err(ConfigError::Env {
            var: var.to_string(),
            message: format!("{raw:?} is not an absolute path"),
        });
    }
    Ok(Some(path))
}

fn record_env_path_sources(settings: &mut Settings) {
    if settings.cache_dir.is_some() {
        let source = ValueSource::Env(CACHE_DIR_ENV);
        settings.sources.insert("cache_dir".into(), source);
    }
    if settings.snapshot_path.is_some() {
        let source = ValueSource::Env(SNAPSHOT_PATH_ENV);
        settings.sources.insert("snapshot_path".into(), source);
    }
}

/// Check that every profile of a parsed file resolves (used by `config set` before writing).
pub(crate) fn validate_profiles(config: &file::ConfigFile, path: &Path) -> Result<(), ConfigError> {
    for name in config.profile_names() {
        Resolved::from_file(config, &name).build(&name, path)?;
    }
    Ok(())
}

/// Values merged from the layers, with their sources.
#[derive(Default)]
struct Resolved {
    values: BTreeMap<&'static str, Value>,
    labels: BTreeMap<String, String>,
    key_labels: BTreeMap<String, String>,
    sources: BTreeMap<String, ValueSource>,
}

impl Resolved {
    /// The top level, then the named profile's table on top of it.
    fn from_file(config: &file::ConfigFile, profile: &str) -> Self {
        let mut resolved = Resolved::default();
        resolved.apply_layer(&config.top, &ValueSource::File { profile: None });
        if let Some(layer) = config.profiles.get(profile) {
            let source = ValueSource::File {
                profile: Some(profile.to_string()),
            };
            resolved.apply_layer(layer, &source);
        }
        resolved
    }

    fn apply_layer(&mut self, layer: &file::Layer, source: &ValueSource) {
        for (key, value) in &layer.values {
            self.values.insert(key, value.clone());
            self.sources.insert(key.to_string(), source.clone());
        }
        for (name, label) in &layer.labels {
            self.labels.insert(name.clone(), label.clone());
            self.sources
                .insert(format!("labels.{name}"), source.clone());
        }
        for (fingerprint, label) in &layer.key_labels {
            self.key_labels.insert(fingerprint.clone(), label.clone());
            self.sources
                .insert(format!("key_labels.{fingerprint}"), source.clone());
        }
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        for spec in keys::KEYS {
            let Some(var) = spec.env else { continue };
            let Some(raw) = env_value(env, var) else {
                continue;
            };
            let value = keys::from_str(spec.kind, &raw).map_err(|problem| ConfigError::Env {
                var: var.to_string(),
                message: format!("{} {problem}", keys::toml_string(&raw)),
            })?;
            self.values.insert(spec.name, value);
            self.sources
                .insert(spec.name.to_string(), ValueSource::Env(var));
        }
        Ok(())
    }

    fn int(&self, key: &str) -> Option<u64> {
        match self.values.get(key) {
            Some(Value::Int(number)) => u64::try_from(*number).ok(),
            _ => None,
        }
    }

    fn float(&self, key: &str) -> Option<f64> {
        match self.values.get(key) {
            Some(Value::Float(number)) => Some(*number),
            _ => None,
        }
    }

    fn flag(&self, key: &str) -> Option<bool> {
        match self.values.get(key) {
            Some(Value::Bool(flag)) => Some(*flag),
            _ => None,
        }
    }

    fn text(&self, key: &str) -> Option<String> {
        match self.values.get(key) {
            Some(Value::Str(text)) => Some(text.clone()),
            _ => None,
        }
    }

    fn list(&self, key: &str) -> Option<Vec<String>> {
        match self.values.get(key) {
            Some(Value::List(items)) => Some(items.clone()),
            _ => None,
        }
    }

    /// Build the settings and check the rules that span keys.
    fn build(self, profile: &str, path: &Path) -> Result<Settings, ConfigError> {
        let defaults = Settings::default();
        let weights = PlanWeights {
            plus: self
                .float("weights.plus")
                .unwrap_or(defaults.quota.weights.plus),
            prolite: self
                .float("weights.prolite")
                .unwrap_or(defaults.quota.weights.prolite),
            pro: self
                .float("weights.pro")
                .unwrap_or(defaults.quota.weights.pro),
        };
        let sort = match self.values.get("sort") {
            Some(Value::Sort(order)) => *order,
            _ => defaults.quota.sort,
        };
        let secs = |key, default| Duration::from_secs(self.int(key).unwrap_or(default));
        let settings = Settings {
            profile: profile.to_string(),
            config_path: path.to_path_buf(),
            pool_url: self.text("pool_url").unwrap_or_default(),
            usage_url: self.text("usage_url").unwrap_or(defaults.usage_url),
            reset_credits_url: self
                .text("reset_credits_url")
                .unwrap_or(defaults.reset_credits_url),
            claude_usage_url: self
                .text("claude_usage_url")
                .unwrap_or(defaults.claude_usage_url),
            claude_profile_url: self
                .text("claude_profile_url")
                .unwrap_or(defaults.claude_profile_url),
            antigravity_urls: self
                .list("antigravity_urls")
                .unwrap_or(defaults.antigravity_urls),
            key_file: self.text("key_file"),
            kimi_usage_url: self
                .text("kimi_usage_url")
                .unwrap_or(defaults.kimi_usage_url),
            xai_billing_url: self
                .text("xai_billing_url")
                .unwrap_or(defaults.xai_billing_url),
            gemini_cli_quota_url: self
                .text("gemini_cli_quota_url")
                .unwrap_or(defaults.gemini_cli_quota_url),
            ttl: secs("ttl_seconds", DEFAULT_TTL_SECONDS),
            concurrency: self
                .int("concurrency")
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(DEFAULT_CONCURRENCY),
            request_timeout: secs("timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            deadline: secs("deadline_seconds", DEFAULT_DEADLINE_SECONDS),
            usage_max_age: Duration::from_secs(
                60 * self
                    .int("usage_max_age_minutes")
                    .unwrap_or(DEFAULT_USAGE_MAX_AGE_MINUTES),
            ),
            observation_max_age: Duration::from_secs(
                60 * self
                    .int("observation_max_age_minutes")
                    .unwrap_or(DEFAULT_OBSERVATION_MAX_AGE_MINUTES),
            ),
            credentials_page_size: self
                .int("credentials_page_size")
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(DEFAULT_CREDENTIALS_PAGE_SIZE),
            age_reads_per_hour: self
                .int("age_reads_per_hour")
                .unwrap_or(DEFAULT_AGE_READS_PER_HOUR),
            cold_start_wait: secs("cold_start_wait_seconds", DEFAULT_COLD_START_WAIT_SECONDS),
            quota: QuotaSettings {
                weights,
                kill_line: self.float("kill_line").unwrap_or(defaults.quota.kill_line),
                sort,
                primary_provider: self.text("primary_provider"),
                provider_weights: crate::provider::table_weight_keys()
                    .into_iter()
                    .filter_map(|(key, _)| {
                        let value = self.float(&format!("weights.{key}"))?;
                        Some((key, value))
                    })
                    .collect(),
                stale_limit: self
                    .int("stale_limit_minutes")
                    .map(|minutes| minutes as i64 * 60)
                    .unwrap_or(defaults.quota.stale_limit),
            },
            providers: self
                .list("providers")
                .map(|items| items.iter().map(|p| p.to_ascii_lowercase()).collect())
                .unwrap_or(defaults.providers),
            hidden: self.list("hidden").unwrap_or_default(),
            hidden_keys: self.list("hidden_keys").unwrap_or_default(),
            language: self.text("language").unwrap_or(defaults.language),
            title_format: self.text("title_format").unwrap_or(defaults.title_format),
            menu_chart: self.text("menu_chart").unwrap_or(defaults.menu_chart),
            privacy: self.flag("privacy").unwrap_or(defaults.privacy),
            alerts: AlertSettings {
                pool_5h_below: self
                    .float("alerts.pool_5h_below")
                    .unwrap_or(defaults.alerts.pool_5h_below),
                pool_week_below: self
                    .float("alerts.pool_week_below")
                    .unwrap_or(defaults.alerts.pool_week_below),
                account_killed: self
                    .flag("alerts.account_killed")
                    .unwrap_or(defaults.alerts.account_killed),
                account_error: self
                    .flag("alerts.account_error")
                    .unwrap_or(defaults.alerts.account_error),
                auth_failure: self
                    .flag("alerts.auth_failure")
                    .unwrap_or(defaults.alerts.auth_failure),
                capacity_restored: self
                    .flag("alerts.capacity_restored")
                    .unwrap_or(defaults.alerts.capacity_restored),
                runs_out_before_reset: self
                    .flag("alerts.runs_out_before_reset")
                    .unwrap_or(defaults.alerts.runs_out_before_reset),
                notify: self.flag("alerts.notify").unwrap_or(defaults.alerts.notify),
                credit_expiry_days: self
                    .int("alerts.credit_expiry_days")
                    .map_or(defaults.alerts.credit_expiry_days, |d| d as u32),
            },
            serve_token_file: self.text("serve.token_file").map(PathBuf::from),
            labels: self.labels,
            key_labels: self.key_labels,
            sources: self.sources,
            ..defaults
        };
        check_deadline(&settings, path)?;
        Ok(settings)
    }
}

/// The whole-fetch deadline must not be shorter than one request's timeout.
fn check_deadline(settings: &Settings, path: &Path) -> Result<(), ConfigError> {
    let deadline = settings.deadline.as_secs();
    let timeout = settings.request_timeout.as_secs();
    if deadline >= timeout {
        return Ok(());
    }
    let message = format!(
        "deadline_seconds = {deadline} is less than timeout_seconds = {timeout} (the deadline of a whole fetch must be >= the per-request timeout)"
    );
    let blame = match settings.source("deadline_seconds") {
        ValueSource::Default => settings.source("timeout_seconds"),
        source => source,
    };
    Err(match blame {
        ValueSource::Env(var) => ConfigError::Env {
            var: var.to_string(),
            message,
        },
        ValueSource::File { profile } => ConfigError::File {
            path: path.to_path_buf(),
            profile,
            message,
        },
        ValueSource::Default | ValueSource::Flag(_) => ConfigError::File {
            path: path.to_path_buf(),
            profile: None,
            message,
        },
    })
}
