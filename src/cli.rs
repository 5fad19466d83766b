//! Command-line parsing (clap derive). Every flag is documented here; the
//! resolved settings the commands consume live in `config`.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

mod localize;

/// Watch a CLIProxyAPI ChatGPT/Codex account pool: quota left, broken
/// accounts, and when capacity comes back.
#[derive(Debug, Parser)]
#[command(name = "poolwatch", version, about, long_about = None)]
pub struct Cli {
    /// Show the built-in demo pool instead of a server (no network, nothing written) [env: POOLWATCH_DEMO]
    #[arg(long, global = true, env = "POOLWATCH_DEMO", hide_env = true,
          value_parser = clap::builder::BoolishValueParser::new(), help_heading = GLOBAL)]
    pub demo: bool,

    /// Settings file to use [env: POOLWATCH_CONFIG] [default: the platform config dir]
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,

    /// Privacy mode: mask emails and labels in every output (`a…@s…dev·3f2`), for screenshots
    /// [setting: privacy] [env: POOLWATCH_PRIVACY]
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub privacy: bool,

    /// Pool profile from the settings file [env: POOLWATCH_PROFILE]
    #[arg(long, short = 'p', global = true, value_name = "NAME", help_heading = GLOBAL)]
    pub profile: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The heading of the options every subcommand accepts (ripgrep/fd style:
/// a subcommand's own options first, the global ones apart).
const GLOBAL: &str = "Global options";

impl Cli {
    /// Parse the process arguments with [`command`] (the derive definition
    /// plus the help texts built at run time). `--help` and a bad command
    /// line speak Chinese when the environment asks for it
    /// (`POOLWATCH_LANGUAGE`, `LC_ALL`/`LC_MESSAGES`/`LANG`); the language is
    /// only looked up on those paths, so a normal run costs nothing more.
    pub fn try_parse_args() -> Result<Cli, clap::Error> {
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        if let Some(cli) = Cli::menu_run(&args, &crate::config::process_env) {
            return Ok(cli);
        }
        // The help texts built at run time (`complete`) only matter when help
        // or an error is printed: a run that parses does without them (a
        // fifth of a cache-hit menu run's start-up).
        if let Ok(matches) = Cli::command().try_get_matches() {
            return Cli::from_arg_matches(&matches);
        }
        match command().try_get_matches() {
            Ok(matches) => Cli::from_arg_matches(&matches),
            Err(error) => {
                let lang = help_language();
                if lang == crate::i18n::Lang::En {
                    return Err(error);
                }
                crate::i18n::set(lang);
                let error = localized().try_get_matches().err().unwrap_or(error);
                Err(localized_error(error))
            }
        }
    }
}

impl Cli {
    /// The command line SwiftBar's wrapper runs every minute (`poolwatch
    /// plugin`, `poolwatch plugin --profile NAME`), read without building
    /// clap's command tree: that tree is a good part of a cache-hit menu
    /// run's start-up. Any other line, or a variable clap reads
    /// (`POOLWATCH_DEMO`, `POOLWATCH_ALL_PROFILES`), is left to clap;
    /// `tests::the_menu_run_line_reads_as_clap_reads_it` keeps them equal.
    fn menu_run(args: &[std::ffi::OsString], env: &dyn Fn(&str) -> Option<String>) -> Option<Cli> {
        if env("POOLWATCH_DEMO").is_some() || env("POOLWATCH_ALL_PROFILES").is_some() {
            return None;
        }
        let words: Vec<&str> = args
            .iter()
            .skip(1)
            .map(|a| a.to_str())
            .collect::<Option<_>>()?;
        let profile = match words.as_slice() {
            ["plugin"] => None,
            ["plugin", "--profile", name] if !name.is_empty() && !name.starts_with('-') => {
                Some(name.to_string())
            }
            _ => return None,
        };
        Some(Cli {
            demo: false,
            config: None,
            privacy: false,
            profile,
            command: Some(Command::Plugin(PluginArgs::default())),
        })
    }
}

/// The language of `--help` and parse errors: the environment only (the
/// settings file is not read before the command line is parsed).
fn help_language() -> crate::i18n::Lang {
    let env = crate::config::process_env;
    let setting = env(crate::config::LANGUAGE_ENV)
        .and_then(|v| crate::config::parse_language(&v).ok())
        .unwrap_or("auto");
    crate::i18n::resolve(setting, &env, None)
}

/// The full command definition in the current language: every text of the
/// derive tree, the notes and examples, and clap's own strings
/// (`localize`). Only for a run in another language than English.
fn localized() -> clap::Command {
    localize::builtins(complete(localize::derive_texts(Cli::command())))
}

/// A parse error said in the current language first, clap's own text after
/// it as the detail (help and version output pass through unchanged).
fn localized_error(error: clap::Error) -> clap::Error {
    use clap::error::ErrorKind;
    let summary = match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => return error,
        ErrorKind::UnknownArgument => crate::tr!("help.err.unknown_argument"),
        ErrorKind::InvalidSubcommand => crate::tr!("help.err.invalid_subcommand"),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            crate::tr!("help.err.invalid_value")
        }
        ErrorKind::MissingRequiredArgument => crate::tr!("help.err.missing_argument"),
        _ => crate::tr!("help.err.other"),
    };
    let detail = error.render().to_string();
    clap::Error::raw(
        error.kind(),
        format!("{summary}\n\n{}\n{detail}", crate::tr!("help.err.see_help")),
    )
}

/// The full command definition: the derive plus the notes, an Examples
/// section per subcommand and the `status --format` placeholder list (from
/// `render::oneline::PLACEHOLDERS`, so it never drifts). `--help`, the man
/// page and the completions all come from it.
pub fn command() -> clap::Command {
    complete(Cli::command())
}

/// `cmd` (the derive tree, maybe translated) with the texts built here, in
/// the current language: the notes, the examples, the `--format` list.
fn complete(cmd: clap::Command) -> clap::Command {
    use crate::render::oneline;
    let mut placeholders = format!(
        "{}\n\n{}",
        crate::tr!("help.format.intro"),
        crate::tr!("help.format.placeholders")
    );
    for (name, english) in oneline::PLACEHOLDERS {
        let meaning = oneline::placeholder_meaning(name, english);
        let name = format!("{{{name}}}");
        placeholders.push_str(&format!("\n  {name:<15} {meaning}"));
    }
    placeholders.push_str(&format!(
        "\n\n{}\n  short = {}\n  long  = {}",
        crate::tr!("help.format.presets"),
        oneline::SHORT_PRESET,
        oneline::LONG_PRESET
    ));
    let mut cmd = cmd.after_help(crate::tr!("help.after.poolwatch"));
    for (name, examples) in EXAMPLES {
        cmd = cmd.mut_subcommand(name, |sub| {
            let examples = examples_text(name, examples);
            // A longer note (`refresh --retry-key`) keeps the examples after it.
            let long = (*name == "refresh")
                .then(|| format!("{}\n\n{examples}", crate::tr!("help.after_long.refresh")));
            let sub = sub.after_help(examples);
            match long {
                Some(long) => sub.after_long_help(long),
                None => sub,
            }
        });
    }
    cmd.mut_subcommand("status", |sub| {
        sub.mut_arg("format", |arg| arg.long_help(placeholders))
    })
    .mut_subcommand("config", |config| {
        let mut config = config;
        for (name, examples) in CONFIG_EXAMPLES {
            let path = format!("config.{name}");
            config =
                config.mut_subcommand(name, |sub| sub.after_help(examples_text(&path, examples)));
        }
        config
    })
}

/// The Examples section of the subcommand at `path`: the command lines as
/// they are, a `# comment` after one in the current language
/// (`help.example.<path>.<line>`; English runs keep the text here).
fn examples_text(path: &str, examples: &[&str]) -> String {
    let mut out = crate::tr!("help.examples");
    for (n, line) in examples.iter().enumerate() {
        out.push_str("\n  ");
        match example_comment(line) {
            Some((command, comment)) if crate::i18n::current() != crate::i18n::Lang::En => {
                let key = format!("help.example.{path}.{n}");
                let comment = crate::i18n::text(&key).unwrap_or_else(|| comment.to_string());
                out.push_str(command);
                out.push_str(&comment);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// An example line split after its `# ` (the command with its padding, the
/// comment), when it has a comment.
fn example_comment(line: &str) -> Option<(&str, &str)> {
    let at = line.find("  # ")? + 4;
    Some((&line[..at], &line[at..]))
}

/// Examples shown under each subcommand's `--help` (and in the man page).
const EXAMPLES: &[(&str, &[&str])] = &[
    ("status", &[
        "poolwatch --demo status                      # the built-in demo pool",
        "poolwatch status --refresh                   # fetch now, then show",
        "poolwatch status --offline --format short    # 5h 64% · W 58%, never waits on the network",
        "poolwatch status --format '{5h_pct}{restore_sep}{restore}'",
        "poolwatch status --json | jq .report.counts",
    ]),
    ("plugin", &[
        "poolwatch --demo plugin                      # the demo menu as SwiftBar/xbar read it",
        "poolwatch plugin --all-profiles              # every profile in one menu",
        "SWIFTBAR=1 poolwatch plugin                  # the SwiftBar dialect",
    ]),
    ("refresh", &[
        "poolwatch refresh                            # what the menu's \"Refresh now\" runs",
        "poolwatch refresh --all                      # ask every account's usage",
        "poolwatch refresh --retry-key                # the pool's key was changed back",
        "poolwatch --profile work refresh",
    ]),
    ("test-fetch", &[
        "poolwatch test-fetch                         # pool URL, key, accounts, one usage",
        "poolwatch --profile work test-fetch",
    ]),
    ("snapshot", &[
        "poolwatch --demo snapshot | jq .schema_version",
        "poolwatch snapshot --path",
    ]),
    ("install-plugin", &[
        "poolwatch install-plugin                     # SwiftBar's folder, refresh every minute",
        "poolwatch install-plugin --interval 30s --dir ~/plugins",
    ]),
    ("alerts", &[
        "poolwatch alerts",
        "poolwatch alerts --json | jq .active",
    ]),
    ("metrics", &[
        "poolwatch --demo metrics",
        "poolwatch metrics --all-profiles > poolwatch.prom.tmp && mv poolwatch.prom.tmp poolwatch.prom",
    ]),
    ("completions", &[
        "poolwatch completions zsh --dir ~/.zfunc     # writes ~/.zfunc/_poolwatch",
        "poolwatch completions fish --dir ~/.config/fish/completions",
        "poolwatch completions bash > poolwatch.bash",
    ]),
    ("man", &[
        "poolwatch man | man -l -",
        "poolwatch man --dir ~/.local/share/man/man1  # poolwatch.1 and one page per subcommand",
    ]),
];

/// Examples of the `config` subcommands.
const CONFIG_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "init",
        &["poolwatch config init --pool-url http://127.0.0.1:8317"],
    ),
    (
        "show",
        &[
            "poolwatch config show",
            "poolwatch --profile work config show",
        ],
    ),
    (
        "set",
        &[
            "poolwatch config set sort week-desc",
            "poolwatch config set weights.pro 18",
            "poolwatch config set providers codex,claude    # a list: a,b or '[\"a\", \"b\"]'",
            "poolwatch config set labels.alice@example.com Alice",
            "poolwatch --profile work config set pool_url http://10.0.0.2:8317",
        ],
    ),
    (
        "set-key",
        &[
            "poolwatch config set-key                     # asks for it; never on the command line",
            "printf '%s' \"$KEY\" | poolwatch config set-key",
        ],
    ),
    ("hide-key", &["poolwatch config hide-key 88cae3f2"]),
    ("show-key", &["poolwatch config show-key 88cae3f2"]),
];

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
    /// Serve /metrics, /status.json, /healthz and a phone page over HTTP (loopback by default;
    /// any other address needs a bearer token)
    Serve(ServeArgs),
    /// Refresh on a schedule and deliver alerts to the `[[hooks]]` programs and webhooks,
    /// without SwiftBar (for servers; docs/hooks.md)
    Watch(WatchArgs),
    /// Exit 0 when the pool has at least PCT% of its capacity left in a window, 1 when not,
    /// 69 when the pool cannot be read, 64 on usage errors (for scripts and agents)
    Guard(GuardArgs),
    /// Show the pool over time: a chart per window for the last 24 h and 7 days, closed
    /// window cycles with their waste, and used/wasted totals (docs/history.md)
    History(HistoryArgs),
    /// Print a shell completion script, or write it into a folder with --dir
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write it and one page per subcommand into a folder with --dir
    Man(ManArgs),
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    /// Write the script into this folder (created when missing) under the
    /// shell's usual file name, and print its path
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Options of `man`.
#[derive(Debug, Args, Default)]
pub struct ManArgs {
    /// Write poolwatch.1 and one page per subcommand into this folder
    /// (created when missing), and print their paths
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Options of `refresh`.
#[derive(Debug, Args, Default)]
pub struct RefreshArgs {
    /// Send the management key once more although the pool rejected it (see below)
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

/// Options of `guard`.
#[derive(Debug, Args)]
pub struct GuardArgs {
    /// The least share of the window's capacity that must be left, in percent (0 to 100)
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub min_remaining: f64,
    /// The window to check
    #[arg(long, value_enum)]
    pub window: GuardWindow,
    /// A provider section of the pool (codex, claude, antigravity, kimi) [default: the primary one]
    #[arg(long, value_name = "P")]
    pub provider: Option<String>,
    /// Only read the cache; never contact the server
    #[arg(long)]
    pub offline: bool,
    /// Print a JSON object saying why (`ok`, `reason`, the numbers)
    #[arg(long)]
    pub json: bool,
}

/// `guard --window` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GuardWindow {
    #[value(name = "5h")]
    FiveHour,
    Week,
}

fn parse_percent(raw: &str) -> Result<f64, String> {
    let value: f64 = raw
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{raw}` is not a number"))?;
    if value.is_finite() && (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("`{raw}` is not a percent from 0 to 100"))
    }
}

/// Options of `watch` (docs/hooks.md).
#[derive(Debug, Args, Default)]
pub struct WatchArgs {
    /// Seconds between rounds [default: the profile's ttl_seconds]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub interval: Option<u64>,
    /// Watch every profile of the settings file
    #[arg(long)]
    pub all_profiles: bool,
    /// Run one round and exit (for cron and tests)
    #[arg(long)]
    pub once: bool,
}

/// Options of `serve` (docs/serve.md).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; any non-loopback address requires POOLWATCH_SERVE_TOKEN or
    /// `serve.token_file`
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:9464")]
    pub listen: std::net::SocketAddr,
    /// Serve every profile of the settings file, not just the selected one
    #[arg(long)]
    pub all_profiles: bool,
    /// Seconds between refresh rounds [default: the profile's ttl_seconds]; a round fetches
    /// only when the shared cache is out of date
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub interval: Option<u64>,
    /// Connections served at once; more are answered 503 and closed
    #[arg(long, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_connections: u64,
    /// Seconds a client has to send its request headers (a connection lives at most 6 times this)
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub request_timeout: u64,
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
    /// Print one line from a template for tmux/starship: `short`, `long`, `waybar` (a JSON line
    /// for Waybar's custom module, docs/linux.md), or text with placeholders such as
    /// `{5h_pct}`, `{week_pct}`, `{restore}` (--help lists them)
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "json")]
    pub format: Option<String>,
}

/// Options of `plugin`.
#[derive(Debug, Args, Default)]
pub struct PluginArgs {
    /// Output dialect; `auto` picks SwiftBar when SWIFTBAR=1 is set, xbar otherwise
    #[arg(long, value_enum, default_value_t = DialectArg::Auto)]
    pub dialect: DialectArg,
    /// Show every profile of the settings file in one menu (title: the worst pool) [env: POOLWATCH_ALL_PROFILES]
    #[arg(long, env = "POOLWATCH_ALL_PROFILES", hide_env = true,
          value_parser = clap::builder::BoolishValueParser::new())]
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
        /// New value; a list may be `a,b` or `["a", "b"]`; an empty string removes a label
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

    #[test]
    fn the_menu_run_line_reads_as_clap_reads_it() {
        let none = |_: &str| None;
        let line = |words: &[&str]| -> Vec<std::ffi::OsString> {
            std::iter::once("poolwatch")
                .chain(words.iter().copied())
                .map(Into::into)
                .collect()
        };
        for words in [
            &["plugin"][..],
            &["plugin", "--profile", "work"],
            &["plugin", "--profile", "a b"],
        ] {
            let fast = Cli::menu_run(&line(words), &none).expect("the fast path reads it");
            let clap = Cli::try_parse_from(line(words)).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{clap:?}"), "{words:?}");
        }
        // Everything else is clap's.
        for words in [
            &["plugin", "--dialect", "xbar"][..],
            &["plugin", "--profile", "-x"],
            &["plugin", "--profile"],
            &["plugin", "--profile="],
            &["--demo", "plugin"],
            &["plugin", "--privacy"],
            &["status"],
            &[],
        ] {
            assert!(Cli::menu_run(&line(words), &none).is_none(), "{words:?}");
        }
        for variable in ["POOLWATCH_DEMO", "POOLWATCH_ALL_PROFILES"] {
            let set = |name: &str| (name == variable).then(|| "1".to_string());
            assert!(
                Cli::menu_run(&line(&["plugin"]), &set).is_none(),
                "{variable}"
            );
        }
    }
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    /// Every text `--help` shows in a Chinese run, with its catalogue key and
    /// English source: the derive tree's (walked by `localize::texts`), the
    /// examples' comments, the `--format` placeholders.
    fn help_texts() -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = localize::texts(&Cli::command())
            .into_iter()
            .map(|t| (t.key, t.english))
            .collect();
        let examples = EXAMPLES.iter().map(|(n, e)| (n.to_string(), *e));
        let config = CONFIG_EXAMPLES
            .iter()
            .map(|(n, e)| (format!("config.{n}"), *e));
        for (path, lines) in examples.chain(config) {
            for (n, line) in lines.iter().enumerate() {
                if let Some((_, comment)) = example_comment(line) {
                    all.push((format!("help.example.{path}.{n}"), comment.to_string()));
                }
            }
        }
        for (name, english) in crate::render::oneline::PLACEHOLDERS {
            all.push((format!("help.placeholder.{name}"), english.to_string()));
        }
        all
    }

    /// Adding an option (or a subcommand, an example comment, a placeholder)
    /// without its catalogue entry fails here; so does changing the English
    /// text without the catalogue (whose `en` column is the English source
    /// text, so the translation next to it is looked at again). The failure
    /// prints the entries to paste into `locales/poolwatch.toml`.
    #[test]
    fn every_help_text_has_its_key_in_both_languages() {
        let has_cjk = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let mut wrong = String::new();
        let all = help_texts();
        assert!(all.len() > 80, "{}", all.len());
        for (key, english) in all {
            let en = crate::_rust_i18n_try_translate("en", &key);
            let zh = crate::_rust_i18n_try_translate("zh-Hans", &key);
            if en.as_deref() != Some(english.as_str()) || !zh.as_deref().is_some_and(has_cjk) {
                wrong.push_str(&format!(
                    "[{key:?}]\nen = {english:?}\nzh-Hans = {:?}\n",
                    zh.as_deref().unwrap_or("")
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "--help texts missing or stale in the catalogue:\n{wrong}"
        );
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
