//! `config show`: the resolved settings as TOML-like text, each value with where it came from.

use super::keys::{format_float, sort_name, toml_list, toml_string};
use super::Settings;
use crate::width::display_width;

/// Render the settings with their sources. The management key is never part of [`Settings`]; only
/// `key_status` (e.g. "from keychain", "from POOLWATCH_MANAGEMENT_KEY", "not set") is printed.
pub fn show(settings: &Settings, key_status: &str) -> String {
    show_with_paths(settings, key_status, None, None)
}

/// [`show`] with the cache folder and snapshot file actually used when the settings leave them to
/// the default location (resolved by the caller: they depend on the platform and environment).
pub fn show_with_paths(
    settings: &Settings,
    key_status: &str,
    cache_dir: Option<&std::path::Path>,
    snapshot_path: Option<&std::path::Path>,
) -> String {
    let file_state = match (
        settings.config_path.as_os_str().is_empty(),
        settings.file_found,
    ) {
        (true, _) => crate::tr!("config.show_no_home"),
        (false, true) => settings.config_path.display().to_string(),
        (false, false) => crate::tr!(
            "config.show_not_found",
            path = settings.config_path.display()
        ),
    };
    let mut out = format!("# {}\n", crate::tr!("config.show_file", file = file_state));
    let mut main = Section::default();
    main.line("profile", toml_string(&settings.profile), settings);
    main.line("pool_url", toml_string(&settings.pool_url), settings);
    main.line("usage_url", toml_string(&settings.usage_url), settings);
    for (key, url) in [
        ("reset_credits_url", &settings.reset_credits_url),
        ("claude_usage_url", &settings.claude_usage_url),
        ("claude_profile_url", &settings.claude_profile_url),
        ("kimi_usage_url", &settings.kimi_usage_url),
        ("xai_billing_url", &settings.xai_billing_url),
        ("gemini_cli_quota_url", &settings.gemini_cli_quota_url),
    ] {
        main.line(key, toml_string(url), settings);
    }
    main.line(
        "antigravity_urls",
        toml_list(&settings.antigravity_urls),
        settings,
    );
    main.line("ttl_seconds", settings.ttl.as_secs().to_string(), settings);
    main.line("concurrency", settings.concurrency.to_string(), settings);
    let timeout = settings.request_timeout.as_secs().to_string();
    main.line("timeout_seconds", timeout, settings);
    main.line(
        "deadline_seconds",
        settings.deadline.as_secs().to_string(),
        settings,
    );
    main.line(
        "usage_max_age_minutes",
        (settings.usage_max_age.as_secs() / 60).to_string(),
        settings,
    );
    main.line(
        "observation_max_age_minutes",
        (settings.observation_max_age.as_secs() / 60).to_string(),
        settings,
    );
    main.line(
        "age_reads_per_hour",
        settings.age_reads_per_hour.to_string(),
        settings,
    );
    main.line(
        "credentials_page_size",
        settings.credentials_page_size.to_string(),
        settings,
    );
    main.line(
        "cold_start_wait_seconds",
        settings.cold_start_wait.as_secs().to_string(),
        settings,
    );
    main.line(
        "kill_line",
        format_float(settings.quota.kill_line),
        settings,
    );
    main.line(
        "stale_limit_minutes",
        (settings.quota.stale_limit / 60).to_string(),
        settings,
    );
    main.line(
        "sort",
        toml_string(&sort_name(settings.quota.sort)),
        settings,
    );
    main.line("providers", toml_list(&settings.providers), settings);
    let primary = settings.quota.primary_provider.as_deref();
    main.line(
        "primary_provider",
        primary.map_or("(codex when present, else the first)".into(), toml_string),
        settings,
    );
    main.line("hidden", toml_list(&settings.hidden), settings);
    main.line("hidden_keys", toml_list(&settings.hidden_keys), settings);
    main.line("language", toml_string(&settings.language), settings);
    main.line(
        "title_format",
        toml_string(&settings.title_format),
        settings,
    );
    main.line("menu_chart", toml_string(&settings.menu_chart), settings);
    main.line("privacy", settings.privacy.to_string(), settings);
    let default_location = "(default location)";
    let cache_dir = settings
        .cache_dir
        .as_deref()
        .or(cache_dir)
        .map(|p| toml_string(&p.to_string_lossy()));
    main.line(
        "cache_dir",
        cache_dir.unwrap_or(default_location.into()),
        settings,
    );
    let snapshot = settings
        .snapshot_path
        .as_deref()
        .or(snapshot_path)
        .map(|p| toml_string(&p.to_string_lossy()));
    main.line(
        "snapshot_path",
        snapshot.unwrap_or(default_location.into()),
        settings,
    );
    main.raw(format!("management_key = <{key_status}>"));
    out.push_str(&main.render());

    let mut weights = Section::default();
    let plan_weights = &settings.quota.weights;
    weights.line_as(
        "plus",
        "weights.plus",
        format_float(plan_weights.plus),
        settings,
    );
    weights.line_as(
        "prolite",
        "weights.prolite",
        format_float(plan_weights.prolite),
        settings,
    );
    weights.line_as(
        "pro",
        "weights.pro",
        format_float(plan_weights.pro),
        settings,
    );
    for (key, default) in crate::provider::table_weight_keys() {
        let value = settings.quota.provider_weights.get(&key).copied();
        weights.line_as(
            &key,
            &format!("weights.{key}"),
            format_float(value.unwrap_or(default)),
            settings,
        );
    }
    out.push_str("\n[weights]\n");
    out.push_str(&weights.render());

    let mut alerts = Section::default();
    let a = &settings.alerts;
    let floats = [
        ("pool_5h_below", a.pool_5h_below),
        ("pool_week_below", a.pool_week_below),
    ];
    for (key, value) in floats {
        alerts.line_as(key, &format!("alerts.{key}"), format_float(value), settings);
    }
    let flags = [
        ("account_killed", a.account_killed),
        ("account_error", a.account_error),
        ("auth_failure", a.auth_failure),
        ("capacity_restored", a.capacity_restored),
        ("runs_out_before_reset", a.runs_out_before_reset),
        ("notify", a.notify),
    ];
    for (key, value) in flags {
        alerts.line_as(key, &format!("alerts.{key}"), value.to_string(), settings);
    }
    out.push_str("\n[alerts]\n");
    out.push_str(&alerts.render());

    out.push_str("\n[labels]\n");
    let mut labels = Section::default();
    for (name, label) in &settings.labels {
        let key = toml_edit::Key::new(name.as_str())
            .display_repr()
            .into_owned();
        labels.line_as(
            &key,
            &format!("labels.{name}"),
            toml_string(label),
            settings,
        );
    }
    out.push_str(&labels.render());

    out.push_str("\n[key_labels]\n");
    let mut key_labels = Section::default();
    for (fingerprint, label) in &settings.key_labels {
        key_labels.line_as(
            &toml_string(fingerprint),
            &format!("key_labels.{fingerprint}"),
            toml_string(label),
            settings,
        );
    }
    out.push_str(&key_labels.render());
    out
}

/// Lines wider than this do not set the column of the `# source` comments.
const MAX_ALIGNED_WIDTH: usize = 60;

/// Lines `key = value` padded so the `# source` comments line up.
#[derive(Default)]
struct Section {
    lines: Vec<(String, Option<String>)>,
}

impl Section {
    fn line(&mut self, key: &str, value: String, settings: &Settings) {
        self.line_as(key, key, value, settings);
    }

    fn line_as(&mut self, shown: &str, source_key: &str, value: String, settings: &Settings) {
        let source = settings.source(source_key).to_string();
        self.lines
            .push((format!("{shown} = {value}"), Some(source)));
    }

    fn raw(&mut self, text: String) {
        self.lines.push((text, None));
    }

    fn render(&self) -> String {
        // Comments line up, but one very long value (a URL list) does not
        // push every comment off the screen: longer lines get two spaces.
        let width = self
            .lines
            .iter()
            .filter(|(_, source)| source.is_some())
            .map(|(text, _)| display_width(text))
            .filter(|&w| w <= MAX_ALIGNED_WIDTH)
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for (text, source) in &self.lines {
            match source {
                Some(source) => {
                    let pad = width.saturating_sub(display_width(text));
                    out.push_str(&format!("{text}{}  # {source}\n", " ".repeat(pad)));
                }
                None => out.push_str(&format!("{text}\n")),
            }
        }
        out
    }
}
