//! Output formats: pure functions from a [`PoolReport`] (plus context) to text.
//!
//! * `menu` — the SwiftBar / xbar plugin output (two dialects)
//! * `sanitize` — making untrusted text safe for plugin output
//! * `text` — the terminal table of `poolwatch status`
//! * `json` — the stable JSON of `poolwatch status --json`
//! * `duration` — `1h12m`-style durations shared by all of them

use crate::model::Epoch;
use crate::quota::pace::Pace;
use crate::quota::SortOrder;

/// Which menu-bar host reads the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// SwiftBar (`SWIFTBAR=1`): sfimage, sfcolor, light/dark colour pairs, tooltip, symbolize.
    SwiftBar,
    /// xbar: only its known parameters; an unknown one makes xbar reject the whole output.
    Xbar,
}

impl Dialect {
    /// The host a plugin run finds itself in: SwiftBar sets `SWIFTBAR=1`.
    pub fn detect(swiftbar: Option<&str>) -> Dialect {
        if swiftbar == Some("1") {
            Dialect::SwiftBar
        } else {
            Dialect::Xbar
        }
    }
}

/// How fresh the data behind a menu is.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchStatus {
    /// The data comes from a successful fetch within the TTL.
    Fresh,
    /// The latest fetch failed; the data shown is the last good state.
    Stale { error: String },
    /// Another run is fetching right now; the data shown is the cached state.
    Refreshing,
    /// The server rejected the management key (401/403). Automatic fetches are
    /// paused until the key or config changes or the user clicks Refresh.
    AuthLatched { message: String },
}

/// Everything besides the report that a menu shows.
#[derive(Clone, Debug)]
pub struct MenuContext {
    /// Profile name (shown when not `default`).
    pub profile: String,
    /// Pool base URL; the management panel is `{pool_url}/management.html`.
    pub pool_url: String,
    /// Absolute path of the poolwatch binary, for `bash=` actions (trusted).
    pub exe: String,
    /// Path of the settings file, for "Open settings" (trusted).
    pub settings_path: String,
    /// When the pool data was last fetched successfully (None: never).
    pub updated_at: Option<Epoch>,
    pub status: FetchStatus,
    /// Extra lines to show, e.g. "cache was corrupt and has been rebuilt".
    pub notices: Vec<String>,
    /// The active sort order (checked in the sort submenu).
    pub sort: SortOrder,
    /// Serving the built-in demo pool.
    pub demo: bool,
    /// Burn rate and run-out estimate (None without enough history).
    pub pace: Option<Pace>,
    /// `now`, for ages and countdowns.
    pub now: Epoch,
    /// The server's IP ban ends then (None: no ban running); counted down from `now`.
    pub ban_until: Option<Epoch>,
    /// The menu-bar title's form (`title_format`: `share`, `5h`, `week`, `compact`).
    pub title_format: String,
    /// The global options every `bash=` action repeats so it acts on the pool
    /// this menu shows: `--profile NAME`, `--config PATH`, `--demo` (trusted:
    /// built by the commands layer; a value that cannot be written safely
    /// leaves the action out).
    pub action_args: Vec<String>,
    /// The problem's short name for the menu-bar title (`config error`,
    /// `setup needed`), shown instead of "no data", or after the figures
    /// when there is data to show.
    pub problem: Option<String>,
    /// History glance, use-first accounts and the day charts (None: not known here).
    pub over_time: Option<OverTime>,
}

impl Default for MenuContext {
    fn default() -> Self {
        MenuContext {
            profile: "default".to_string(),
            pool_url: String::new(),
            exe: String::new(),
            settings_path: String::new(),
            updated_at: None,
            status: FetchStatus::Fresh,
            notices: Vec::new(),
            sort: SortOrder::default(),
            demo: false,
            pace: None,
            now: 0,
            ban_until: None,
            title_format: "share".to_string(),
            action_args: Vec::new(),
            problem: None,
            over_time: None,
        }
    }
}

/// What the outputs show of the pool over time (issue 19): the history
/// glance of the primary section, the accounts to use first, and the
/// menu's precomputed day charts.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OverTime {
    pub glance: Option<crate::history::Glance>,
    #[serde(default)]
    pub expiring: Vec<crate::quota::expiring::Expiring>,
    #[serde(default)]
    pub chart: Option<chart::MenuChart>,
}

pub mod chart;
pub mod duration;
mod duration_zh;
pub mod history_text;
pub mod json;
pub mod keys_text;
pub mod menu;
pub mod metrics;
pub mod metrics_history;
pub mod multi;
pub mod oneline;
pub mod over_time_text;
pub mod page;
pub mod privacy;
pub mod sanitize;
pub mod text;
pub mod waybar;
/// Display width lives in the leaf module [`crate::width`] (config uses it too).
pub use crate::width;
