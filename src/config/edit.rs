//! `config init` (commented template) and `config set` (comment-preserving edits with toml_edit).

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table};

use super::error::{unknown_key_message, ConfigError};
use super::keys::{self, DEFAULT_PROFILE_KEY, KEY_LABELS, LABELS, PROFILES};
use super::{file, validate_profiles, write_private_atomic, DEFAULT_PROFILE};

/// The commented template written by `config init`: every key with its default, commented out except
/// `pool_url` (empty when `pool_url` is `None`, which means "not configured").
pub fn template(pool_url: Option<&str>) -> String {
    let weights = crate::quota::PlanWeights::default();
    let quota = crate::quota::QuotaSettings::default();
    let pool_url = keys::toml_string(pool_url.unwrap_or(""));
    format!(
        r#"# poolwatch settings.
#
# Top-level keys are the "default" profile. A [profiles.NAME] table overrides them for a named
# profile (keys it does not set are inherited); pick one with --profile NAME or POOLWATCH_PROFILE.
# Environment variables override the file: POOLWATCH_POOL_URL, POOLWATCH_TTL_SECONDS, ...
# The management key is never stored here: run `poolwatch config set-key` (macOS Keychain) or set
# POOLWATCH_MANAGEMENT_KEY.

# CLIProxyAPI base URL, e.g. "http://127.0.0.1:8317" (https:// is added when no scheme is given).
pool_url = {pool_url}

# Profile used when none is given.
# default_profile = "work"

# Usage endpoint queried through the pool for each account.
# usage_url = "{usage_url}"

# The other providers' endpoints, all asked through the pool's api-call (tests point them at a mock).
# reset_credits_url = "{reset_credits_url}"   # Codex reset credits, read when they may have changed
# claude_usage_url = "{claude_usage_url}"
# claude_profile_url = "{claude_profile_url}"
# antigravity_urls = ["{antigravity_url}", ...]   # tried in order; the next on 403/404
# kimi_usage_url = "{kimi_usage_url}"
# xai_billing_url = "{xai_billing_url}"   # xAI weekly credits (a read; never a chat request)
# gemini_cli_quota_url = "{gemini_cli_quota_url}"   # Gemini CLI per-model daily quota

# Cache time-to-live in seconds (5..=86400).
# ttl_seconds = {ttl}

# Usage requests in flight at once (1..=64).
# concurrency = {concurrency}

# Timeout of one request in seconds (1..=120).
# timeout_seconds = {timeout}

# Deadline of a whole fetch in seconds (timeout_seconds..=300).
# deadline_seconds = {deadline}

# A scheduled refresh asks an account's usage again only when it served requests, a window reset,
# it failed or is new, or its usage is older than this many minutes (1..=1440). Every call costs
# the server a bcrypt check and ChatGPT an upstream request (docs/refresh.md).
# usage_max_age_minutes = {usage_max_age}

# Newer servers record each account's quota from its real traffic ("observations"). One younger
# than this many minutes and newer than the last usage read IS the account's usage: no usage call
# (0..=60; 0 never trusts observations; docs/refresh.md).
# observation_max_age_minutes = {observation_max_age}

# Quiet accounts (no traffic) are re-read for their age or a window reset at most this many
# times an hour in all, spread over the refreshes (0: no budget; docs/refresh.md).
# age_reads_per_hour = {age_reads}

# Credentials asked per page where the server pages its list (10..=100000).
# credentials_page_size = {page_size}

# How long a menu run with no data yet waits for the first fetch before showing "Loading" (0..=60).
# cold_start_wait_seconds = {cold_start_wait}

# An account whose weekly remaining percent is below this is "week-killed" (0..=100).
# kill_line = {kill_line}

# An account whose usage fetch keeps failing keeps its last values this many minutes (1..=10080),
# never past a window's reset; then they leave the pool sums (shown as unknown, marked stale).
# stale_limit_minutes = {stale_limit}

# Account order: "5h", "week" or "name", optionally with "-desc" (e.g. "week-desc").
# sort = "{sort}"

# Every provider's accounts are shown ("*"). A list narrows it: an auth file is shown when its
# provider or type contains one of these (lower-case), e.g. ["codex", "openai"] for Codex only.
# providers = ["*"]

# The provider of the menu-bar title and the widget's main numbers (default: codex when present).
# primary_provider = "claude"

# Auth file names or emails to hide.
# hidden = ["old@example.com"]

# Upstream API keys to hide, by fingerprint (8 hex digits shown in the menu).
# hidden_keys = ["1a2b3c4d"]   # "Hide this key" in the menu adds to it

# A file holding this pool's management key (mode 0600, yours), the systemd-credentials way;
# or set POOLWATCH_MANAGEMENT_KEY_<PROFILE>. The key itself is never written in this file.
# key_file = "~/.config/poolwatch/default.key"

# Interface language: "auto" (the macOS language, else LANG), "en", "zh-Hans" or "zh-Hant" (env POOLWATCH_LANGUAGE).
# language = "auto"

# The menu-bar title, always a share of capacity (env POOLWATCH_TITLE_FORMAT): "share" = "5h 64% · W 58%",
# "5h" = "5h 64%", "week" = "W 58%", "compact" = "64·58". The absolute figures stay in the dropdown.
# title_format = "share"

# The menu's day charts (env POOLWATCH_MENU_CHART): "auto" = a small image under SwiftBar and a text
# sparkline in xbar, "image" = the image everywhere, "text" = the sparkline (no images), "off" = no chart.
# menu_chart = "auto"

# Privacy mode for screenshots and shared screens (env POOLWATCH_PRIVACY, flag --privacy): emails and
# labels are masked everywhere ("a…@s…dev"), the same way for one account so rows stay apart.
# privacy = false

# Every key above this line is top level; tables ([weights], [labels], ...) follow.

# Plan weights in units of one Plus account (values below {min_weight} are raised to {min_weight}).
# [weights]
# plus = {plus}
# prolite = {prolite}
# pro = {pro}
# Other providers weigh against their base account (Claude Pro, Antigravity Pro tier; Kimi: 1).
# claude_max5x = 5.0
# claude_max20x = 20.0       # Max 5x/20x told apart by the profile's rate_limit_tier
# claude_max = 5.0           # Max whose tier the profile does not say
# antigravity_g1_ultra_tier = 5.0

# Custom account labels, by auth file name or email.
# [labels]
# "codex-alice@example.com.json" = "Alice"

# Upstream API keys (api-key-usage) are named by a fingerprint: 8 hex digits shown in the menu.
# [key_labels]
# "1a2b3c4d" = "Team OpenAI key"

# Alerts (macOS notifications; always listed by `poolwatch alerts`). Each fires once per crossing.
# [alerts]
# pool_5h_below = 10.0       # pool 5h balance below this percent of capacity (0 = off)
# pool_week_below = 0.0      # pool weekly balance below this percent of capacity (0 = off)
# account_killed = false     # an account becomes week-killed
# account_error = false      # an account starts failing
# auth_failure = true        # the pool rejects the management key
# capacity_restored = false  # a low balance recovers above its line
# runs_out_before_reset = false  # at the current pace a pool window runs out before it resets
# notify = true              # show notifications (false: only log them)

# A second pool; `poolwatch --profile work`.
# [profiles.work]
# pool_url = "https://pool.example.com"
"#,
        usage_url = super::DEFAULT_USAGE_URL,
        reset_credits_url = crate::provider::urls::CODEX_RESET_CREDITS,
        claude_usage_url = crate::provider::urls::CLAUDE_USAGE,
        claude_profile_url = crate::provider::urls::CLAUDE_PROFILE,
        antigravity_url = crate::provider::urls::ANTIGRAVITY[0],
        kimi_usage_url = crate::provider::urls::KIMI_USAGE,
        xai_billing_url = crate::provider::urls::XAI_BILLING,
        gemini_cli_quota_url = crate::provider::urls::GEMINI_CLI_QUOTA,
        ttl = super::DEFAULT_TTL_SECONDS,
        concurrency = super::DEFAULT_CONCURRENCY,
        timeout = super::DEFAULT_TIMEOUT_SECONDS,
        deadline = super::DEFAULT_DEADLINE_SECONDS,
        usage_max_age = super::DEFAULT_USAGE_MAX_AGE_MINUTES,
        cold_start_wait = super::DEFAULT_COLD_START_WAIT_SECONDS,
        observation_max_age = super::DEFAULT_OBSERVATION_MAX_AGE_MINUTES,
        page_size = super::DEFAULT_CREDENTIALS_PAGE_SIZE,
        age_reads = super::DEFAULT_AGE_READS_PER_HOUR,
        kill_line = keys::format_float(quota.kill_line),
        stale_limit = quota.stale_limit / 60,
        sort = keys::sort_name(quota.sort),
        min_weight = keys::MIN_WEIGHT,
        plus = keys::format_float(weights.plus),
        prolite = keys::format_float(weights.prolite),
        pro = keys::format_float(weights.pro),
    )
}

/// `config init`: write [`template`] to `path` (0600, atomic). Refuses an existing file unless `force`.
pub fn init_file(path: &Path, pool_url: Option<&str>, force: bool) -> Result<(), ConfigError> {
    let exists = std::fs::symlink_metadata(path).is_ok();
    if exists && !force {
        return Err(ConfigError::AlreadyExists {
            path: path.to_path_buf(),
        });
    }
    let pool_url = match pool_url.map(str::trim).filter(|url| !url.is_empty()) {
        Some(raw) => Some(super::normalize_pool_url(raw).map_err(|reason| {
            ConfigError::file(
                path,
                DEFAULT_PROFILE,
                format!(
                    "pool_url = {} is not a valid URL: {reason}",
                    keys::toml_string(raw)
                ),
            )
        })?),
        None => None,
    };
    let text = template(pool_url.as_deref());
    write_private_atomic(path, text.as_bytes()).map_err(|err| ConfigError::io(path, "write", err))
}

/// `config set KEY VALUE [--profile P]`: check the value like [`super::load`] does, edit the file keeping
/// its comments (creating it when missing) and write it back atomically with mode 0600.
///
/// Keys: every scalar key, `weights.plus|prolite|pro`, `labels.<name>`, `hidden` and `providers`
/// (comma-separated or a TOML/JSON array such as `["codex", "openai"]`), and `default_profile` (top level only). An empty value removes the key from that
/// layer (so a profile inherits it again, or the default applies).
pub fn set_value(
    path: &Path,
    profile: Option<&str>,
    key: &str,
    value: &str,
) -> Result<(), ConfigError> {
    with_settings_lock(path, || set_value_locked(path, profile, key, value))
}

/// How long an edit waits for another edit of the same settings file.
const SETTINGS_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The lock file of the settings at `path`: `<name>.lock` beside it.
pub fn settings_lock_path(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config.toml".into());
    path.with_file_name(format!("{name}.lock"))
}

/// Run `edit` holding the settings lock, so concurrent edits (`config set`,
/// `hide-key`, `show-key`, labels) each re-read the file and none loses
/// another's update. `edit` must read what it changes inside the lock.
pub fn with_settings_lock<T>(
    path: &Path,
    edit: impl FnOnce() -> Result<T, ConfigError>,
) -> Result<T, ConfigError> {
    let lock_path = settings_lock_path(path);
    let guard = crate::store::lock::lock_within(&lock_path, SETTINGS_LOCK_WAIT)
        .map_err(|err| ConfigError::io(&lock_path, "lock", err))?;
    let Some(_guard) = guard else {
        return Err(ConfigError::io(
            &lock_path,
            "lock",
            std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                crate::tr!("config.lock_busy"),
            ),
        ));
    };
    edit()
}

/// [`set_value`] for a caller that already holds [`with_settings_lock`].
pub fn set_value_locked(
    path: &Path,
    profile: Option<&str>,
    key: &str,
    value: &str,
) -> Result<(), ConfigError> {
    let profile = profile.map(str::trim).unwrap_or(DEFAULT_PROFILE);
    if !file::valid_profile_name(profile) {
        return Err(ConfigError::BadProfileName {
            name: profile.to_string(),
            origin: "--profile".into(),
        });
    }
    let text = file::read_text(path)?.unwrap_or_default();
    let mut doc: DocumentMut = text.parse().map_err(|err: toml_edit::TomlError| {
        ConfigError::file(
            path,
            DEFAULT_PROFILE,
            format!("invalid TOML: {}", err.to_string().trim_end()),
        )
    })?;
    let edit = plan_edit(key.trim(), value, profile).map_err(|message| ConfigError::Value {
        key: key.trim().to_string(),
        message,
    })?;
    if profile == DEFAULT_PROFILE && edit.table.is_none() && edit.value.is_some() {
        uncomment_template_line(&mut doc, &text, &edit.name);
    }
    if let (DEFAULT_PROFILE, Some(table), Some(_)) = (profile, &edit.table, &edit.value) {
        uncomment_template_table(&mut doc, &text, table);
    }
    // A new table is printed after everything else but before the comments that end the file
    // (the template's commented keys): move those comments above the new header, so a key the
    // user uncomments later stays where it belongs instead of landing in the new table.
    let mut trailing = Some(doc.trailing().as_str().unwrap_or("").to_string());
    apply_edit(&mut doc, profile, &edit, &mut trailing)
        .map_err(|m| ConfigError::file(path, profile, m))?;
    if trailing.is_none() {
        doc.set_trailing("");
    }
    let new_text = doc.to_string();
    let config = file::parse(&new_text, path)?;
    validate_profiles(&config, path)?;
    write_private_atomic(path, new_text.as_bytes())
        .map_err(|err| ConfigError::io(path, "write", err))
}

/// When a top-level key is absent but the template's `# key = ...` line is there (before any table
/// header, commented or not), uncomment that line so the new value lands under its documentation.
fn uncomment_template_line(doc: &mut DocumentMut, text: &str, key: &str) {
    if doc.contains_key(key) {
        return;
    }
    let mut lines: Vec<&str> = text.lines().collect();
    let top_level = lines
        .iter()
        .take_while(|line| {
            !line
                .trim_start()
                .trim_start_matches(['#', ' '])
                .starts_with('[')
        })
        .count();
    let Some(index) = lines[..top_level].iter().position(|line| {
        let body = line.trim_start().strip_prefix('#').map(str::trim_start);
        body.and_then(|body| body.strip_prefix(key))
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    }) else {
        return;
    };
    let uncommented = lines[index]
        .trim_start()
        .trim_start_matches(['#', ' '])
        .to_string();
    lines[index] = &uncommented;
    let mut new_text = lines.join("\n");
    new_text.push('\n');
    if let Ok(new_doc) = new_text.parse::<DocumentMut>() {
        if new_doc.get(key).is_some_and(|item| item.is_value()) {
            *doc = new_doc;
        }
    }
}

/// When `[table]` is absent but the template's `# [table]` line is there, uncomment that header so the
/// table sits at its documented place, after the commented top-level keys and with its own commented
/// examples below it.
fn uncomment_template_table(doc: &mut DocumentMut, text: &str, table: &str) {
    if doc.contains_key(table) {
        return;
    }
    let header = format!("[{table}]");
    let mut lines: Vec<&str> = text.lines().collect();
    let Some(index) = lines.iter().position(|line| {
        let trimmed = line.trim_start();
        trimmed.starts_with('#') && trimmed.trim_start_matches(['#', ' ']).trim_end() == header
    }) else {
        return;
    };
    lines[index] = &header;
    let mut new_text = lines.join("\n");
    new_text.push('\n');
    if let Ok(new_doc) = new_text.parse::<DocumentMut>() {
        if new_doc.get(table).is_some_and(|item| item.is_table()) {
            *doc = new_doc;
        }
    }
}

/// One planned edit: `table` (None = the layer itself), `name`, and the new value (None = remove).
struct Edit {
    table: Option<String>,
    name: String,
    value: Option<toml_edit::Value>,
}

fn plan_edit(key: &str, raw: &str, profile: &str) -> Result<Edit, String> {
    let remove = raw.trim().is_empty();
    if key == DEFAULT_PROFILE_KEY {
        return plan_default_profile(raw, profile);
    }
    if let Some(name) = key.strip_prefix("labels.") {
        let value = match remove {
            true => None,
            false => Some(
                file::check_label(name, raw)
                    .map_err(|problem| format!("labels.{} = {problem}", keys::toml_string(name)))?,
            ),
        };
        return Ok(Edit {
            table: Some(LABELS.to_string()),
            name: name.trim().to_string(),
            value: value.map(Into::into),
        });
    }
    if let Some(fingerprint) = key.strip_prefix("key_labels.") {
        let fingerprint = file::check_key_fingerprint(fingerprint)?;
        let value = match remove {
            true => None,
            false => Some(
                file::check_label(&fingerprint, raw)
                    .map_err(|problem| format!("key_labels.{fingerprint} = {problem}"))?,
            ),
        };
        return Ok(Edit {
            table: Some(KEY_LABELS.to_string()),
            name: fingerprint,
            value: value.map(Into::into),
        });
    }
    let Some(spec) = keys::spec(key) else {
        return Err(unknown_set_key(key));
    };
    let value = match remove {
        true => None,
        false => Some(
            keys::from_str(spec.kind, raw)
                .map_err(|problem| format!("{key} = {} {problem}", keys::toml_string(raw.trim())))?
                .to_edit_value(),
        ),
    };
    let (table, name) = match spec.name.split_once('.') {
        Some((table, name)) => (Some(table.to_string()), name.to_string()),
        None => (None, spec.name.to_string()),
    };
    Ok(Edit { table, name, value })
}

fn plan_default_profile(raw: &str, profile: &str) -> Result<Edit, String> {
    if profile != DEFAULT_PROFILE {
        return Err("default_profile can only be set at the top level (without --profile)".into());
    }
    let name = raw.trim();
    if !name.is_empty() && !file::valid_profile_name(name) {
        return Err(format!(
            "default_profile = {} is not a valid profile name (1 to 64 letters, digits, '_' or '-')",
            keys::toml_string(name)
        ));
    }
    Ok(Edit {
        table: None,
        name: DEFAULT_PROFILE_KEY.to_string(),
        value: (!name.is_empty()).then(|| name.into()),
    })
}

fn unknown_set_key(key: &str) -> String {
    if key == LABELS || keys::is_table(key) {
        let example = keys::table_key_names(key)
            .first()
            .map_or("labels.NAME".to_string(), |name| name.to_string());
        return format!("{key} is a table: set one entry, e.g. {example}");
    }
    let mut candidates: Vec<&str> = keys::KEYS.iter().map(|spec| spec.name).collect();
    candidates.push(DEFAULT_PROFILE_KEY);
    candidates.push("labels.NAME");
    candidates.push("key_labels.FINGERPRINT");
    unknown_key_message(key, &candidates)
}

/// Apply `edit`. The first table header it creates gets `trailing` (taken) as its prefix.
fn apply_edit(
    doc: &mut DocumentMut,
    profile: &str,
    edit: &Edit,
    trailing: &mut Option<String>,
) -> Result<(), String> {
    let mut layer = doc.as_table_mut() as &mut dyn toml_edit::TableLike;
    if profile != DEFAULT_PROFILE {
        let profiles = child_table(layer, PROFILES, true, trailing)?;
        layer = child_table(profiles, profile, false, trailing)?;
    }
    if let Some(table) = &edit.table {
        layer = child_table(layer, table, false, trailing)?;
    }
    match &edit.value {
        Some(value) => set_keeping_decor(layer, &edit.name, value.clone()),
        None => {
            layer.remove(&edit.name);
        }
    }
    Ok(())
}

/// The table `name` inside `parent`, created when missing (`implicit` tables print no header). A
/// created header table takes `prefix` (when still there) as the text printed above its header.
fn child_table<'a>(
    parent: &'a mut dyn toml_edit::TableLike,
    name: &str,
    implicit: bool,
    prefix: &mut Option<String>,
) -> Result<&'a mut dyn toml_edit::TableLike, String> {
    let item = parent.entry(name).or_insert_with(|| {
        let mut table = Table::new();
        table.set_implicit(implicit);
        if !implicit {
            if let Some(text) = prefix.take().filter(|t| !t.trim().is_empty()) {
                let text = if text.ends_with("\n\n") {
                    text
                } else {
                    format!("{}\n\n", text.trim_end_matches('\n'))
                };
                table.decor_mut().set_prefix(text);
            }
        }
        Item::Table(table)
    });
    item.as_table_like_mut()
        .ok_or_else(|| format!("{name} is not a table in the file"))
}

/// Replace a value in place, keeping the comments and spacing around the key and the old value.
fn set_keeping_decor(
    table: &mut dyn toml_edit::TableLike,
    name: &str,
    mut value: toml_edit::Value,
) {
    if let Some(old) = table.get_mut(name).and_then(Item::as_value_mut) {
        *value.decor_mut() = old.decor().clone();
        *old = value;
        return;
    }
    table.insert(name, Item::Value(value));
}
