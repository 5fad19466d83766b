//! Command-line parsing (clap derive). Every flag is documented here; the
//! resolved settings the commands consume live in `config`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Watch a CLIProxyAPI ChatGPT/Codex account pool: quota left, broken
/// accounts, and when capacity comes back.
#[derive(Debug, Parser)]
#[command(name = "poolwatch", version, about, long_about = None)]
#[command(
    after_help = "Start with `poolwatch --demo status` to see a built-in demo pool.\n\
Then: `poolwatch config init --pool-url http://127.0.0.1:8317`, `poolwatch config set-key`, \
`poolwatch test-fetch`."
)]
pub struct Cli {
    /// Show the built-in demo pool instead of a server (no network, nothing written)
    #[arg(long, global = true, env = "POOLWATCH_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,

    /// Settings file to use [env: POOLWATCH_CONFIG] [default: the platform config dir]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Pool profile from the settings file [env: POOLWATCH_PROFILE]
    #[arg(long, short = 'p', global = true, value_name = "NAME")]
    pub profile: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the pool in the terminal (the default command)
    Status(StatusArgs),
    /// Print the SwiftBar/xbar menu; always exits 0 and shows errors in the menu
    Plugin(PluginArgs),
    /// Fetch now, bypassing the cache (what the menu's "Refresh now" runs); asks usage only
    /// for accounts that changed or whose usage is over 5 minutes old, unless --all
    Refresh(RefreshArgs),
    /// Check the pool URL and key, list the accounts, fetch one usage, and say what is wrong
    TestFetch,
    /// Print the widget snapshot JSON (refreshing the data first when it is out of date)
    Snapshot(SnapshotArgs),
    /// Show or change settings and the management key
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Install the SwiftBar/xbar plugin wrapper into the plugin folder
    InstallPlugin(InstallPluginArgs),
    /// Show the recent alerts and which alert conditions hold now
    Alerts(AlertsArgs),
    /// Print pool and account gauges in OpenMetrics text (for node_exporter's textfile collector)
    Metrics(MetricsArgs),
    /// Show the pool over time: a chart per window for the last 24 h and 7 days, closed
    /// window cycles with their waste, and used/wasted totals (docs/history.md)
    History(HistoryArgs),
    /// Print a shell completion script, e.g. `poolwatch completions zsh > ~/.zfunc/_poolwatch`
    Completions {
        /// The shell to generate for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `poolwatch man > /usr/local/share/man/man1/poolwatch.1`
    Man,
}

/// Options of `refresh`.
#[derive(Debug, Args, Default)]
pub struct RefreshArgs {
    /// Send the management key once more although the pool rejected it.
    ///
    /// After a 401 poolwatch never sends the same key again on its own
    /// (CLIProxyAPI bans an IP for 30 minutes after 5 failed attempts); a new
    /// key (`poolwatch config set-key`, POOLWATCH_MANAGEMENT_KEY) is tried at
    /// once. Use this flag when the pool's key was changed back instead. It
    /// also asks during a running IP ban (such a request does not count on the
    /// server). Never more than 3 failed attempts in 30 minutes are made,
    /// whatever the flags.
    #[arg(long)]
    pub retry_key: bool,
    /// Ask every account's usage, not only the ones that changed (costs the server one
    /// bcrypt check and ChatGPT one request per account)
    #[arg(long)]
    pub all: bool,
}

/// Options of `alerts`.
#[derive(Debug, Args, Default)]
pub struct AlertsArgs {
    /// Print JSON (`{"active": ..., "recent": [...]}`) for scripts
    #[arg(long)]
    pub json: bool,
}

/// Options of `metrics`.
#[derive(Debug, Args, Default)]
pub struct MetricsArgs {
    /// Include every profile of the settings file, not just the selected one
    #[arg(long)]
    pub all_profiles: bool,
}

/// Options of `history`.
#[derive(Debug, Args, Default)]
pub struct HistoryArgs {
    /// Print JSON (`{"sections": [{"provider", "series", "cycles", "waste"}]}`) for scripts
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV: one row per point (`kind=point`) and per cycle (`kind=cycle`)
    #[arg(long)]
    pub csv: bool,
    /// Only what happened since then: a duration back from now (`24h`, `7d`, `90m`) or epoch seconds
    #[arg(long, value_name = "WHEN", value_parser = parse_since)]
    pub since: Option<Since>,
    /// Only this provider's section (`codex`, `claude`, ...)
    #[arg(long, value_name = "ID")]
    pub provider: Option<String>,
}

/// `--since`: seconds back from now, or an absolute epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    Ago(i64),
    At(i64),
}

fn parse_since(raw: &str) -> Result<Since, String> {
    let raw = raw.trim();
    let bad = || format!("`{raw}` is not a time: use e.g. 24h, 7d, 90m or epoch seconds");
    if let Ok(at) = raw.parse::<i64>() {
        return if at >= 0 {
            Ok(Since::At(at))
        } else {
            Err(bad())
        };
    }
    let (digits, unit) = raw.split_at(raw.len().saturating_sub(1));
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    (n > 0)
        .then(|| Since::Ago(n.saturating_mul(seconds)))
        .ok_or_else(bad)
}

/// Options of `status`.
#[derive(Debug, Args, Default)]
pub struct StatusArgs {
    /// Print the stable JSON document (docs/status-json.md) instead of the table
    #[arg(long)]
    pub json: bool,
    /// Never use colours (also honoured: NO_COLOR)
    #[arg(long)]
    pub no_color: bool,
    /// Fetch now even when the cache is fresh
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Only show the cache; never contact the server (use this in shell prompts)
    #[arg(long)]
    pub offline: bool,
    /// Redraw every SECS seconds until interrupted (default 60)
    #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "60",
          value_parser = clap::value_parser!(u64).range(1..=86_400), conflicts_with = "json")]
    pub watch: Option<u64>,
    /// Print one line from a template for tmux/starship: `short`, `long`, or text with
    /// placeholders such as `{5h_pct}`, `{week_pct}`, `{restore}` (see README)
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "json")]
    pub format: Option<String>,
}

/// Options of `plugin`.
#[derive(Debug, Args, Default)]
pub struct PluginArgs {
    /// Output dialect; `auto` picks SwiftBar when SWIFTBAR=1 is set, xbar otherwise
    #[arg(long, value_enum, default_value_t = DialectArg::Auto)]
    pub dialect: DialectArg,
    /// Show every profile of the settings file in one menu (title: the worst pool)
    #[arg(long, env = "POOLWATCH_ALL_PROFILES", value_parser = clap::builder::BoolishValueParser::new())]
    pub all_profiles: bool,
    /// Internal: the detached refresh a menu run leaves behind when its cache is due
    #[arg(long, hide = true)]
    pub background_refresh: bool,
}

/// `--dialect` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    #[default]
    Auto,
    Swiftbar,
    Xbar,
}

/// Options of `snapshot`.
#[derive(Debug, Args, Default)]
pub struct SnapshotArgs {
    /// Print the snapshot file's path instead of its content
    #[arg(long)]
    pub path: bool,
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented settings file (refuses to overwrite without --force)
    Init {
        /// Pool URL to put in the file, e.g. http://127.0.0.1:8317
        #[arg(long, value_name = "URL")]
        pool_url: Option<String>,
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Show the resolved settings and where each came from (never the key)
    Show,
    /// Change one setting, e.g. `config set sort week-desc` or `config set weights.pro 18`
    Set {
        /// Setting name (pool_url, ttl_seconds, sort, weights.pro, labels.<name>, ...)
        key: String,
        /// New value (an empty string removes a label)
        value: String,
    },
    /// Print the settings file path
    Path,
    /// Open the settings file in an editor (TextEdit on macOS, else $VISUAL/$EDITOR), creating it from the template first
    Edit,
    /// Store the management key in the macOS Keychain (read from a prompt or stdin, never argv)
    SetKey,
    /// Remove the management key from the Keychain
    DeleteKey,
    /// Hide an upstream API key from the menu, status and widget (the menu's "Hide this key")
    HideKey {
        /// The key's fingerprint: 8 hex digits, as shown in the menu and `status`
        fingerprint: String,
    },
    /// Show a hidden upstream API key again
    ShowKey {
        /// The key's fingerprint: 8 hex digits
        fingerprint: String,
    },
}

/// Options of `install-plugin`.
#[derive(Debug, Args)]
pub struct InstallPluginArgs {
    /// Plugin folder [default: SwiftBar's configured folder, else xbar's, else ~/Library/Application Support/SwiftBar/Plugins]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Refresh interval encoded in the file name (e.g. 30s, 1m, 5m)
    #[arg(long, default_value = "1m", value_parser = parse_interval)]
    pub interval: String,
    /// Replace an existing plugin file
    #[arg(long)]
    pub force: bool,
}

/// Accept `<number><s|m|h|d>` as SwiftBar and xbar do.
fn parse_interval(raw: &str) -> Result<String, String> {
    let (digits, unit) = raw.split_at(raw.len().saturating_sub(1));
    let ok = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.parse::<u32>().map(|n| n > 0).unwrap_or(false)
        && matches!(unit, "s" | "m" | "h" | "d");
    if ok {
        Ok(raw.to_string())
    } else {
        Err(format!(
            "`{raw}` is not an interval: use a number and s, m, h or d (e.g. 30s, 1m, 5m)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn since_values() {
        assert_eq!(parse_since("24h"), Ok(Since::Ago(86_400)));
        assert_eq!(parse_since("7d"), Ok(Since::Ago(604_800)));
        assert_eq!(parse_since("1785900000"), Ok(Since::At(1_785_900_000)));
        assert!(parse_since("0h").is_err());
        assert!(parse_since("yesterday").is_err());
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("1m").unwrap(), "1m");
        assert_eq!(parse_interval("30s").unwrap(), "30s");
        assert!(parse_interval("0m").is_err());
        assert!(parse_interval("m").is_err());
        assert!(parse_interval("5x").is_err());
        assert!(parse_interval("").is_err());
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli =
            Cli::try_parse_from(["poolwatch", "status", "--demo", "--profile", "work"]).unwrap();
        assert!(cli.demo);
        assert_eq!(cli.profile.as_deref(), Some("work"));
    }
}
