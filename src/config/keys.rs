//! The registry of setting keys, their value kinds and the value parsers shared by the file loader,
//! the environment overrides and `config set`.
//!
//! To add a setting, add a [`KeySpec`] to [`KEYS`] (dotted names such as `alerts.enabled` create a
//! table) and read it in `Settings` building; the loader, `config set` and the error messages follow.

use crate::quota::{SortKey, SortOrder};

/// How a key's value is parsed and checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    /// The pool base URL ("" = not configured).
    PoolUrl,
    /// The `wham/usage` URL.
    UsageUrl,
    /// A whole number in `min..=max`.
    Int { min: i64, max: i64 },
    /// A finite number in `min..=max`.
    Float { min: f64, max: f64 },
    /// A plan weight: a finite number, silently clamped to at least [`MIN_WEIGHT`].
    Weight,
    /// A sort order such as `5h` or `week-desc`.
    Sort,
    /// A list of non-empty strings (comma-separated or a TOML/JSON array in env and `config set`).
    List,
    /// A list of URLs (each checked like `usage_url`).
    UrlList,
    /// A provider name (`codex`, `claude`, ...), lower-cased.
    Provider,
    /// `true`/`false` (also yes/no, on/off, 1/0 as text).
    Bool,
    /// A list of API-key fingerprints (8 hex digits each, stored lower-case).
    Fingerprints,
    /// The interface language: `auto`, `en` or `zh-Hans`.
    Language,
    /// An absolute file path (`serve.token_file`).
    Path,
    /// An absolute file path, or one under the home folder (`~/`): `key_file`.
    FilePath,
    /// The menu-bar title's form (`share`, `5h`, `week`, `compact`): see [`TITLE_FORMATS`].
    TitleFormat,
    /// The menu's day charts: `auto`, `image`, `text` or `off` (see [`MENU_CHARTS`]).
    MenuChart,
}

/// The forms of the menu's day charts (`menu_chart`, issue 19): `auto` = a PNG
/// under SwiftBar and a text sparkline in xbar, `image` = the PNG everywhere,
/// `text` = the sparkline everywhere (no images), `off` = no chart.
pub const MENU_CHARTS: [&str; 4] = ["auto", "image", "text", "off"];

/// A `menu_chart` value, lower-cased; anything else is refused.
pub fn parse_menu_chart(text: &str) -> Result<&'static str, String> {
    let lower = text.trim().to_ascii_lowercase();
    MENU_CHARTS
        .iter()
        .find(|f| **f == lower)
        .copied()
        .ok_or_else(|| crate::tr!("val.not_menu_chart", values = MENU_CHARTS.join(", ")))
}

/// The forms of the menu-bar title (`title_format`): `share` = `5h 64% · W 58%`,
/// `5h` = `5h 64%`, `week` = `W 58%`, `compact` = `64·58`. Every form is a share
/// of capacity, so it never grows past 4 characters per figure.
pub const TITLE_FORMATS: [&str; 4] = ["share", "5h", "week", "compact"];

/// A `title_format` value, lower-cased; anything else is refused.
pub fn parse_title_format(text: &str) -> Result<&'static str, String> {
    let lower = text.trim().to_ascii_lowercase();
    TITLE_FORMATS
        .iter()
        .find(|f| **f == lower)
        .copied()
        .ok_or_else(|| crate::tr!("val.not_title_format", values = TITLE_FORMATS.join(", ")))
}

/// One known key.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeySpec {
    /// Full name; `table.key` for keys inside a table.
    pub name: &'static str,
    pub kind: Kind,
    /// The environment variable that overrides it, if any.
    pub env: Option<&'static str>,
}

/// Plan weights are clamped to at least this.
pub const MIN_WEIGHT: f64 = 0.1;

const fn key(name: &'static str, kind: Kind, env: Option<&'static str>) -> KeySpec {
    KeySpec { name, kind, env }
}

/// Every key that may appear at the top level or in `[profiles.NAME]` (besides `labels`).
pub(crate) const KEYS: &[KeySpec] = &[
    key("pool_url", Kind::PoolUrl, Some("POOLWATCH_POOL_URL")),
    key("usage_url", Kind::UsageUrl, Some("POOLWATCH_USAGE_URL")),
    key(
        "reset_credits_url",
        Kind::UsageUrl,
        Some("POOLWATCH_RESET_CREDITS_URL"),
    ),
    key(
        "claude_usage_url",
        Kind::UsageUrl,
        Some("POOLWATCH_CLAUDE_USAGE_URL"),
    ),
    key(
        "claude_profile_url",
        Kind::UsageUrl,
        Some("POOLWATCH_CLAUDE_PROFILE_URL"),
    ),
    key(
        "antigravity_urls",
        Kind::UrlList,
        Some("POOLWATCH_ANTIGRAVITY_URLS"),
    ),
    key(
        "kimi_usage_url",
        Kind::UsageUrl,
        Some("POOLWATCH_KIMI_USAGE_URL"),
    ),
    key(
        "xai_billing_url",
        Kind::UsageUrl,
        Some("POOLWATCH_XAI_BILLING_URL"),
    ),
    key(
        "gemini_cli_quota_url",
        Kind::UsageUrl,
        Some("POOLWATCH_GEMINI_CLI_QUOTA_URL"),
    ),
    key(
        "primary_provider",
        Kind::Provider,
        Some("POOLWATCH_PRIMARY_PROVIDER"),
    ),
    key("key_file", Kind::FilePath, None),
    key(
        "ttl_seconds",
        Kind::Int {
            min: 5,
            max: 86_400,
        },
        Some("POOLWATCH_TTL_SECONDS"),
    ),
    key(
        "concurrency",
        Kind::Int { min: 1, max: 64 },
        Some("POOLWATCH_CONCURRENCY"),
    ),
    key(
        "timeout_seconds",
        Kind::Int { min: 1, max: 120 },
        Some("POOLWATCH_TIMEOUT_SECONDS"),
    ),
    key(
        "deadline_seconds",
        Kind::Int { min: 1, max: 300 },
        Some("POOLWATCH_DEADLINE_SECONDS"),
    ),
    key(
        "usage_max_age_minutes",
        Kind::Int { min: 1, max: 1_440 },
        Some("POOLWATCH_USAGE_MAX_AGE_MINUTES"),
    ),
    key(
        "observation_max_age_minutes",
        Kind::Int { min: 0, max: 60 },
        Some("POOLWATCH_OBSERVATION_MAX_AGE_MINUTES"),
    ),
    key(
        "age_reads_per_hour",
        Kind::Int {
            min: 0,
            max: 1_000_000,
        },
        Some("POOLWATCH_AGE_READS_PER_HOUR"),
    ),
    key(
        "credentials_page_size",
        Kind::Int {
            min: 10,
            max: 100_000,
        },
        Some("POOLWATCH_CREDENTIALS_PAGE_SIZE"),
    ),
    key(
        "cold_start_wait_seconds",
        Kind::Int { min: 0, max: 60 },
        Some("POOLWATCH_COLD_START_WAIT_SECONDS"),
    ),
    key(
        "kill_line",
        Kind::Float {
            min: 0.0,
            max: 100.0,
        },
        Some("POOLWATCH_KILL_LINE"),
    ),
    key(
        "stale_limit_minutes",
        Kind::Int {
            min: 1,
            max: 10_080,
        },
        Some("POOLWATCH_STALE_LIMIT_MINUTES"),
    ),
    key("sort", Kind::Sort, Some("POOLWATCH_SORT")),
    key("providers", Kind::List, None),
    key("hidden", Kind::List, None),
    key("hidden_keys", Kind::Fingerprints, None),
    key("language", Kind::Language, Some("POOLWATCH_LANGUAGE")),
    key(
        "title_format",
        Kind::TitleFormat,
        Some("POOLWATCH_TITLE_FORMAT"),
    ),
    key("menu_chart", Kind::MenuChart, Some("POOLWATCH_MENU_CHART")),
    key("privacy", Kind::Bool, Some("POOLWATCH_PRIVACY")),
    key("weights.plus", Kind::Weight, None),
    key("weights.prolite", Kind::Weight, None),
    key("weights.pro", Kind::Weight, None),
    key("weights.claude_free", Kind::Weight, None),
    key("weights.claude_pro", Kind::Weight, None),
    key("weights.claude_team", Kind::Weight, None),
    key("weights.claude_max", Kind::Weight, None),
    key("weights.claude_max5x", Kind::Weight, None),
    key("weights.claude_max20x", Kind::Weight, None),
    key("weights.antigravity_free_tier", Kind::Weight, None),
    key("weights.antigravity_g1_pro_tier", Kind::Weight, None),
    key("weights.antigravity_g1_ultra_lite_tier", Kind::Weight, None),
    key("weights.antigravity_g1_ultra_tier", Kind::Weight, None),
    key(
        "alerts.pool_5h_below",
        Kind::Float {
            min: 0.0,
            max: 100.0,
        },
        None,
    ),
    key(
        "alerts.pool_week_below",
        Kind::Float {
            min: 0.0,
            max: 100.0,
        },
        None,
    ),
    key("alerts.account_killed", Kind::Bool, None),
    key("alerts.account_error", Kind::Bool, None),
    key("alerts.auth_failure", Kind::Bool, None),
    key("alerts.capacity_restored", Kind::Bool, None),
    key("alerts.runs_out_before_reset", Kind::Bool, None),
    key("alerts.notify", Kind::Bool, None),
    // hooks (issue 20): reset-credit expiry reminder, days ahead.
    key(
        "alerts.credit_expiry_days",
        Kind::Int { min: 0, max: 30 },
        None,
    ),
    // serve (issue 20): the bearer token file of `poolwatch serve` (a 0600 file).
    key("serve.token_file", Kind::Path, None),
];

/// The free-form table of account labels.
pub(crate) const LABELS: &str = "labels";
/// The table of API-key labels by fingerprint.
pub(crate) const KEY_LABELS: &str = "key_labels";
/// Top-level only: the profile used when none is given.
pub(crate) const DEFAULT_PROFILE_KEY: &str = "default_profile";
/// Top-level only: the table of named profiles.
pub(crate) const PROFILES: &str = "profiles";

/// The spec of a full key name (`ttl_seconds`, `weights.plus`).
pub(crate) fn spec(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|spec| spec.name == name)
}

/// True when `name` is a table of [`KEYS`] (e.g. `weights`).
pub(crate) fn is_table(name: &str) -> bool {
    KEYS.iter().any(|spec| table_of(spec.name) == Some(name))
}

/// The table part of a dotted key name.
pub(crate) fn table_of(name: &str) -> Option<&str> {
    name.split_once('.').map(|(table, _)| table)
}

/// Names that may appear directly in a layer table (plus the top-only ones when `top`).
pub(crate) fn layer_key_names(top: bool) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for spec in KEYS {
        let name = table_of(spec.name).unwrap_or(spec.name);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.push(LABELS);
    names.push(KEY_LABELS);
    if top {
        names.push(DEFAULT_PROFILE_KEY);
        names.push(PROFILES);
    }
    names
}

/// The full names of the keys inside `table`.
pub(crate) fn table_key_names(table: &str) -> Vec<&'static str> {
    KEYS.iter()
        .filter(|spec| table_of(spec.name) == Some(table))
        .map(|spec| spec.name)
        .collect()
}

/// A parsed, checked value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Sort(SortOrder),
    List(Vec<String>),
    Bool(bool),
}

impl Value {
    /// The value as a `toml_edit` value, for `config set`.
    pub(crate) fn to_edit_value(&self) -> toml_edit::Value {
        match self {
            Value::Str(text) => text.as_str().into(),
            Value::Int(number) => (*number).into(),
            Value::Float(number) => (*number).into(),
            Value::Sort(order) => sort_name(*order).into(),
            Value::Bool(flag) => (*flag).into(),
            Value::List(items) => items
                .iter()
                .map(String::as_str)
                .collect::<toml_edit::Array>()
                .into(),
        }
    }
}

/// A TOML basic string with escapes.
pub(crate) fn toml_string(text: &str) -> String {
    toml_edit::Value::from(text).to_string()
}

/// A TOML array of strings.
pub fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| toml_string(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A float that always reads back as a TOML float (`3.0`, not `3`).
pub(crate) fn format_float(number: f64) -> String {
    let text = number.to_string();
    if text.contains(['.', 'e', 'E']) || !number.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

/// Parse a value from the config file. The error is a phrase such as `is out of range (1..=64)`.
pub(crate) fn from_toml(kind: Kind, value: &toml::Value) -> Result<Value, String> {
    let parsed = match (kind, value) {
        (
            Kind::PoolUrl
            | Kind::UsageUrl
            | Kind::Sort
            | Kind::Provider
            | Kind::Language
            | Kind::Path
            | Kind::TitleFormat
            | Kind::MenuChart
            | Kind::FilePath,
            toml::Value::String(text),
        ) => return from_str(kind, text),
        (
            Kind::PoolUrl
            | Kind::UsageUrl
            | Kind::Sort
            | Kind::Provider
            | Kind::Language
            | Kind::Path
            | Kind::TitleFormat
            | Kind::MenuChart
            | Kind::FilePath,
            _,
        ) => return Err(crate::tr!("val.not_string")),
        (Kind::Fingerprints, toml::Value::Array(items)) => {
            Value::List(fingerprints(list_from_toml(items)?)?)
        }
        (Kind::Fingerprints, _) => return Err(crate::tr!("val.not_fingerprints")),
        (Kind::UrlList, toml::Value::Array(items)) => Value::List(
            list_from_toml(items)?
                .iter()
                .map(|url| super::normalize_usage_url(url).map_err(invalid_url))
                .collect::<Result<_, _>>()?,
        ),
        (Kind::UrlList, _) => return Err(crate::tr!("val.not_list")),
        (Kind::Int { .. }, toml::Value::Integer(number)) => Value::Int(*number),
        (Kind::Int { .. }, _) => return Err(crate::tr!("val.not_int")),
        (Kind::Float { .. } | Kind::Weight, toml::Value::Integer(number)) => {
            Value::Float(*number as f64)
        }
        (Kind::Float { .. } | Kind::Weight, toml::Value::Float(number)) => Value::Float(*number),
        (Kind::Float { .. } | Kind::Weight, _) => return Err(crate::tr!("val.not_number")),
        (Kind::List, toml::Value::Array(items)) => Value::List(list_from_toml(items)?),
        (Kind::List, _) => return Err(crate::tr!("val.not_list")),
        (Kind::Bool, toml::Value::Boolean(flag)) => Value::Bool(*flag),
        (Kind::Bool, _) => return Err(crate::tr!("val.not_bool")),
    };
    check(kind, parsed)
}

fn list_from_toml(items: &[toml::Value]) -> Result<Vec<String>, String> {
    items
        .iter()
        .map(|item| match item {
            toml::Value::String(text) if !text.trim().is_empty() => Ok(text.trim().to_string()),
            toml::Value::String(_) => Err(crate::tr!("val.empty_item")),
            _ => Err(crate::tr!("val.not_list")),
        })
        .collect()
}

/// Parse a value given as text (environment variable or `config set`).
pub(crate) fn from_str(kind: Kind, raw: &str) -> Result<Value, String> {
    let text = raw.trim();
    let parsed = match kind {
        Kind::PoolUrl if text.is_empty() => Value::Str(String::new()),
        Kind::PoolUrl => Value::Str(super::normalize_pool_url(text).map_err(invalid_url)?),
        Kind::UsageUrl => Value::Str(super::normalize_usage_url(text).map_err(invalid_url)?),
        Kind::Int { .. } => Value::Int(text.parse().map_err(|_| crate::tr!("val.not_int"))?),
        Kind::Float { .. } | Kind::Weight => {
            Value::Float(text.parse().map_err(|_| crate::tr!("val.not_number"))?)
        }
        Kind::Sort => Value::Sort(parse_sort(text)?),
        Kind::List => Value::List(list_from_str(text)?),
        Kind::Bool => Value::Bool(parse_bool(text).ok_or_else(|| crate::tr!("val.not_bool"))?),
        Kind::Fingerprints => Value::List(fingerprints(list_from_str(text)?)?),
        Kind::Language => Value::Str(parse_language(text)?.to_string()),
        Kind::TitleFormat => Value::Str(parse_title_format(text)?.to_string()),
        Kind::MenuChart => Value::Str(parse_menu_chart(text)?.to_string()),
        Kind::FilePath if text.is_empty() => return Err(crate::tr!("val.empty")),
        Kind::FilePath if !(text.starts_with('/') || text.starts_with("~/")) => {
            return Err(crate::tr!("val.not_absolute"))
        }
        Kind::FilePath => Value::Str(text.to_string()),
        Kind::UrlList => Value::List(
            list_from_str(text)?
                .iter()
                .map(|url| super::normalize_usage_url(url).map_err(invalid_url))
                .collect::<Result<_, _>>()?,
        ),
        Kind::Provider if text.is_empty() => return Err(crate::tr!("val.empty")),
        Kind::Provider => Value::Str(crate::provider::section_id(text)),
        Kind::Path if std::path::Path::new(text).is_absolute() => Value::Str(text.to_string()),
        Kind::Path => return Err(crate::tr!("val.not_absolute")),
    };
    check(kind, parsed)
}

/// A list given as text: `a, b` (comma-separated) or a TOML/JSON array `["a", "b"]`. Quotes or
/// brackets in the comma form are refused: they mean a mistyped array, not a name.
fn list_from_str(text: &str) -> Result<Vec<String>, String> {
    let hint = crate::tr!("val.list_hint");
    if text.starts_with('[') {
        let parsed: toml::Table = format!("v = {text}")
            .parse()
            .map_err(|_| format!("{} {hint}", crate::tr!("val.not_list")))?;
        return match parsed.get("v") {
            Some(toml::Value::Array(items)) => {
                list_from_toml(items).map_err(|problem| format!("{problem} {hint}"))
            }
            _ => Err(format!("{} {hint}", crate::tr!("val.not_list"))),
        };
    }
    let items: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect();
    if items
        .iter()
        .any(|item| item.contains(['"', '\'', '[', ']']))
    {
        return Err(format!("{} {hint}", crate::tr!("val.quotes_in_item")));
    }
    Ok(items)
}

/// `true/false`, `yes/no`, `on/off`, `1/0` (case-insensitive).
/// Fingerprints, lower-cased; anything but 8 hex digits is refused.
fn fingerprints(items: Vec<String>) -> Result<Vec<String>, String> {
    items
        .into_iter()
        .map(|item| {
            let lower = item.trim().to_ascii_lowercase();
            if crate::model::is_fingerprint(&lower) {
                Ok(lower)
            } else {
                Err(crate::tr!("val.bad_fingerprint", item = toml_string(&item)))
            }
        })
        .collect()
}

/// `auto`, `en`, `zh-Hans` (also `zh`, `zh-CN`, `zh_Hans`) or `zh-Hant` (also
/// `zh-TW`, `zh-HK`), any case.
pub fn parse_language(text: &str) -> Result<&'static str, String> {
    match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "auto" | "" => Ok("auto"),
        "en" | "en-us" | "en-gb" | "english" => Ok("en"),
        "zh-hans" | "zh" | "zh-cn" | "zh-sg" | "zh-hans-cn" | "chinese" => Ok("zh-Hans"),
        "zh-hant" | "zh-tw" | "zh-hk" | "zh-mo" | "zh-hant-tw" | "zh-hant-hk" => Ok("zh-Hant"),
        _ => Err(crate::tr!("val.not_language")),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn invalid_url(reason: String) -> String {
    crate::tr!("val.bad_url", reason = reason)
}

/// Range checks and clamping.
fn check(kind: Kind, value: Value) -> Result<Value, String> {
    match (kind, value) {
        (Kind::Int { min, max }, Value::Int(number)) if !(min..=max).contains(&number) => {
            Err(crate::tr!("val.out_of_range", min = min, max = max))
        }
        (Kind::Float { .. } | Kind::Weight, Value::Float(number)) if !number.is_finite() => {
            Err(crate::tr!("val.not_finite"))
        }
        (Kind::Float { min, max }, Value::Float(number)) if !(min..=max).contains(&number) => {
            Err(crate::tr!("val.out_of_range", min = min, max = max))
        }
        (Kind::Weight, Value::Float(number)) => Ok(Value::Float(number.max(MIN_WEIGHT))),
        (_, value) => Ok(value),
    }
}

/// Parse `5h`, `week` or `name`, optionally followed by `-desc` (or `-asc`); case-insensitive.
pub fn parse_sort(raw: &str) -> Result<SortOrder, String> {
    let text = raw.trim().to_ascii_lowercase();
    let (name, descending) = if let Some(name) = text.strip_suffix("-desc") {
        (name, true)
    } else {
        (text.strip_suffix("-asc").unwrap_or(&text), false)
    };
    let key = match name {
        "5h" => SortKey::FiveHour,
        "week" => SortKey::Week,
        "name" => SortKey::Name,
        _ => return Err(crate::tr!("val.not_sort")),
    };
    Ok(SortOrder { key, descending })
}

/// The config spelling of a sort order (`5h`, `week-desc`, ...).
pub fn sort_name(order: SortOrder) -> String {
    order.setting()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(name: &str) -> Kind {
        spec(name).map(|spec| spec.kind).expect("known key")
    }

    #[test]
    fn sort_orders_parse_and_print_back() {
        let week_desc = SortOrder {
            key: SortKey::Week,
            descending: true,
        };
        assert_eq!(parse_sort("week-desc"), Ok(week_desc));
        assert_eq!(parse_sort(" WEEK-DESC "), Ok(week_desc));
        assert_eq!(parse_sort("5h"), Ok(SortOrder::default()));
        assert_eq!(
            parse_sort("name-asc"),
            Ok(SortOrder {
                key: SortKey::Name,
                descending: false
            })
        );
        assert!(parse_sort("month").is_err());
        assert!(parse_sort("week-up").is_err());
        assert_eq!(sort_name(week_desc), "week-desc");
        assert_eq!(sort_name(SortOrder::default()), "5h");
    }

    #[test]
    fn integers_are_range_checked() {
        let concurrency = kind_of("concurrency");
        assert_eq!(from_str(concurrency, "64"), Ok(Value::Int(64)));
        assert_eq!(
            from_str(concurrency, "0"),
            Err("is out of range (1..=64)".to_string())
        );
        assert_eq!(
            from_str(concurrency, "8.5"),
            Err("is not a whole number".to_string())
        );
        assert_eq!(
            from_toml(kind_of("ttl_seconds"), &toml::Value::Integer(4)),
            Err("is out of range (5..=86400)".to_string())
        );
        assert_eq!(
            from_toml(kind_of("ttl_seconds"), &toml::Value::String("120".into())),
            Err("is not a whole number".to_string())
        );
    }

    #[test]
    fn floats_accept_integers_and_reject_nan() {
        let kill = kind_of("kill_line");
        assert_eq!(
            from_toml(kill, &toml::Value::Integer(5)),
            Ok(Value::Float(5.0))
        );
        assert_eq!(
            from_toml(kill, &toml::Value::Float(f64::NAN)),
            Err("is not a finite number".to_string())
        );
        assert_eq!(
            from_str(kill, "100.5"),
            Err("is out of range (0..=100)".to_string())
        );
    }

    #[test]
    fn weights_are_clamped_silently_to_the_minimum() {
        let plus = kind_of("weights.plus");
        assert_eq!(from_str(plus, "0"), Ok(Value::Float(MIN_WEIGHT)));
        assert_eq!(from_str(plus, "-3"), Ok(Value::Float(MIN_WEIGHT)));
        assert_eq!(from_str(plus, "0.5"), Ok(Value::Float(0.5)));
        assert_eq!(
            from_toml(plus, &toml::Value::Float(f64::INFINITY)),
            Err("is not a finite number".to_string())
        );
    }

    #[test]
    fn lists_are_trimmed_and_empty_items_dropped_or_rejected() {
        assert_eq!(
            from_str(Kind::List, " a@x.com, ,b.json ,"),
            Ok(Value::List(vec!["a@x.com".into(), "b.json".into()]))
        );
        let items = vec![toml::Value::String(" codex ".into())];
        assert_eq!(
            from_toml(Kind::List, &toml::Value::Array(items)),
            Ok(Value::List(vec!["codex".into()]))
        );
        let empty = vec![toml::Value::String("  ".into())];
        assert!(from_toml(Kind::List, &toml::Value::Array(empty)).is_err());
        let numbers = vec![toml::Value::Integer(1)];
        assert!(from_toml(Kind::List, &toml::Value::Array(numbers)).is_err());
    }

    #[test]
    fn lists_accept_toml_and_json_arrays_and_refuse_half_quoted_items() {
        let both = Ok(Value::List(vec!["codex".into(), "openai".into()]));
        assert_eq!(from_str(Kind::List, r#"["codex","openai"]"#), both);
        assert_eq!(from_str(Kind::List, r#"[ "codex", 'openai' ]"#), both);
        assert_eq!(from_str(Kind::List, "codex, openai"), both);
        assert_eq!(from_str(Kind::List, "[]"), Ok(Value::List(vec![])));
        for bad in [
            r#"["codex","openai""#,
            "[codex, openai]",
            "[1, 2]",
            r#""codex","openai""#,
            "'codex'",
            "codex]",
        ] {
            let err = from_str(Kind::List, bad).expect_err(bad);
            assert!(err.contains(r#"["a", "b"]"#), "{bad}: {err}");
        }
    }

    #[test]
    fn pool_url_may_be_empty_but_usage_url_may_not() {
        assert_eq!(from_str(Kind::PoolUrl, " "), Ok(Value::Str(String::new())));
        assert!(from_str(Kind::UsageUrl, "").is_err());
        assert_eq!(
            from_str(Kind::PoolUrl, "h.example/"),
            Ok(Value::Str("https://h.example".into()))
        );
    }

    #[test]
    fn layer_key_names_cover_tables_once() {
        let names = layer_key_names(false);
        assert_eq!(names.iter().filter(|name| **name == "weights").count(), 1);
        assert!(names.contains(&"labels"));
        assert!(!names.contains(&"profiles"));
        assert!(layer_key_names(true).contains(&"default_profile"));
        let weights = table_key_names("weights");
        assert_eq!(
            weights[..3],
            ["weights.plus", "weights.prolite", "weights.pro"]
        );
        // Every table weight of a provider (crate::provider) is a key, and nothing else.
        let provider_keys: Vec<String> = crate::provider::table_weight_keys()
            .into_iter()
            .map(|(key, _)| format!("weights.{key}"))
            .collect();
        assert_eq!(weights[3..], provider_keys);
        assert!(is_table("weights"));
        assert!(!is_table("labels"));
    }

    #[test]
    fn values_print_as_toml() {
        assert_eq!(format_float(3.0), "3.0");
        assert_eq!(format_float(2.5), "2.5");
        assert_eq!(toml_string("a\"b"), "'a\"b'");
        assert_eq!(toml_string("a\u{1b}b"), "\"a\\u001Bb\"");
        assert_eq!(toml_list(&["x".into(), "y".into()]), "[\"x\", \"y\"]");
    }
}
