//! The SwiftBar / xbar plugin output (SPEC.md §3).
//!
//! The menu is first built as a list of [`MenuLine`]s (depth, title, params),
//! then serialised. Titles that carry server text go through
//! [`sanitize::menu_text`] and always follow a fixed prefix; parameters are
//! only ever built from trusted values (the binary path, the settings path, a
//! validated pool URL, fixed colours), so untrusted text cannot reach them.

use super::duration::{ago, short};
use super::sanitize::menu_text;
use super::width::display_width;
use super::{Dialect, FetchStatus, MenuContext};
use crate::model::{Epoch, HealthBucket};
use crate::model::{Lane, ResetCredits};
use crate::provider::Unit;
use crate::quota::pace::{Pace, WindowPace};
use crate::quota::{
    AccountView, AccountWindow, ApiKeyView, Level, PoolReport, PoolWindow, ProviderSection,
    SortKey, SortOrder,
};
use crate::tr;

// The pool over time (issue 19): charts, waste, use first.
mod over_time;
// Account rows pre-rendered with the menu form (the cache-hit fast path).
pub mod rows;

use rows::{RowClock, RowTexts};

/// Width of the pool `5h` / `Week` bars, in cells.
pub const POOL_BAR_WIDTH: usize = 20;
/// Width of the per-account 5h bar, in cells.
pub const ACCOUNT_BAR_WIDTH: usize = 10;
/// Visible characters of an account label on its row (padded to this width).
const LABEL_WIDTH: usize = 22;
/// Visible characters of a plan name on an account row (padded to this width).
const PLAN_WIDTH: usize = 7;
/// Visible characters kept from a status message, error or notice.
const MESSAGE_CHARS: usize = 100;
/// Accounts shown with their detail submenu; the rest go into "More accounts".
pub const MENU_DETAILED_ACCOUNTS: usize = 60;
/// Rows listed under "More accounts": the worst ones; the rest are counted in
/// a "… N more" line that points to `poolwatch status` (a menu of 900 rows is
/// not something a person scrolls, and it is slow to print and to open).
pub const MORE_ACCOUNTS_SHOWN: usize = 40;
/// Characters kept from an error message (the host truncates for display).
const PROBLEM_CHARS: usize = 640;
/// `length=` of an error line: longer text is cut with a tooltip holding all of it.
const PROBLEM_LENGTH: &str = "100";
/// `length=` cap put on every line that carries untrusted text.
const UNTRUSTED_LENGTH: &str = "160";
/// The monospace font of bar lines (both dialects accept `font` and `size`).
const MONO_FONT: &str = "Menlo";
const MONO_SIZE: &str = "12";

/// One line of plugin output before serialisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MenuLine {
    /// Submenu depth: the number of `--` prefixes.
    pub depth: usize,
    /// A `---` separator (title and params are empty).
    pub separator: bool,
    /// The text before the `|` (already sanitised).
    pub title: String,
    /// `key=value` parameters in output order; values are unquoted here.
    pub params: Vec<(String, String)>,
}

impl MenuLine {
    fn item(depth: usize, title: impl Into<String>) -> Self {
        MenuLine {
            depth,
            separator: false,
            title: title.into(),
            params: Vec::new(),
        }
    }

    fn separator() -> Self {
        MenuLine {
            depth: 0,
            separator: true,
            title: String::new(),
            params: Vec::new(),
        }
    }

    fn param(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.push((key.to_string(), value.into()));
        self
    }

    /// The line as the plugin host reads it (without the trailing newline).
    pub fn to_output(&self) -> String {
        let mut out = String::with_capacity(self.output_len());
        self.write_output(&mut out);
        out
    }

    /// [`MenuLine::to_output`] appended to `out`.
    fn write_output(&self, out: &mut String) {
        for _ in 0..self.depth {
            out.push_str("--");
        }
        if self.separator {
            out.push_str("---");
            return;
        }
        out.push_str(&self.title);
        if !self.params.is_empty() {
            out.push_str(" |");
            for (key, value) in &self.params {
                out.push(' ');
                out.push_str(key);
                out.push('=');
                if value.contains(' ') {
                    out.push('"');
                    out.push_str(value);
                    out.push('"');
                } else {
                    out.push_str(value);
                }
            }
        }
    }

    /// An upper bound of the output's length, newline included.
    fn output_len(&self) -> usize {
        let params: usize = self.params.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
        2 * self.depth + 4 + self.title.len() + 2 + params
    }
}

/// Renders the whole plugin output: one menu-bar title line, then the dropdown.
/// Always valid UTF-8 and newline-terminated.
pub fn render_menu(report: Option<&PoolReport>, ctx: &MenuContext, dialect: Dialect) -> String {
    render_menu_omitting(report, ctx, dialect, 0)
}

/// [`render_menu`] of a report whose account list was cut to what the menu
/// shows ([`menu_accounts`]): `omitted` accounts of the pool are not in it.
/// Gives the same text as [`render_menu`] of the whole report.
pub fn render_menu_omitting(
    report: Option<&PoolReport>,
    ctx: &MenuContext,
    dialect: Dialect,
    omitted: usize,
) -> String {
    render_lines(menu_lines_omitting(report, ctx, dialect, omitted, None))
}

/// [`render_menu_omitting`] with every account's lines given, already
/// rendered ([`rows::texts_of`]): the cache-hit menu. `report`'s accounts only
/// place the rows (and are counted); their lines come from `rows`.
pub fn render_menu_with_rows(
    report: &PoolReport,
    ctx: &MenuContext,
    dialect: Dialect,
    omitted: usize,
    rows: &RowTexts,
) -> String {
    render_lines(menu_lines_omitting(
        Some(report),
        ctx,
        dialect,
        omitted,
        Some(rows),
    ))
}

fn render_lines(lines: Vec<MenuLine>) -> String {
    // Sized once: a cache-hit menu is ~40 KiB, printed right after.
    let mut out = String::with_capacity(lines.iter().map(MenuLine::output_len).sum());
    for line in &lines {
        line.write_output(&mut out);
        out.push('\n');
    }
    out
}

/// The structured menu behind [`render_menu`] (what each line is meant to be).
pub fn menu_lines(
    report: Option<&PoolReport>,
    ctx: &MenuContext,
    dialect: Dialect,
) -> Vec<MenuLine> {
    menu_lines_omitting(report, ctx, dialect, 0, None)
}

fn menu_lines_omitting(
    report: Option<&PoolReport>,
    ctx: &MenuContext,
    dialect: Dialect,
    omitted: usize,
    rows: Option<&RowTexts>,
) -> Vec<MenuLine> {
    let menu = Menu { ctx, dialect, rows };
    let mut lines = vec![menu.title_line(report), MenuLine::separator()];
    lines.extend(menu.status_lines(report));
    if let Some(report) = report {
        // The primary provider first (the title's numbers), then one section per
        // other provider, built from the same blocks.
        let several = report.sections.len() > 1;
        let primary = report.primary_part();
        lines.push(MenuLine::separator());
        if let Some(section) = report.section(&report.primary_provider).filter(|_| several) {
            lines.push(menu.section_header(section));
        }
        lines.extend(menu.pool_lines(&primary));
        lines.extend(menu.reset_credit_lines(report.section(&report.primary_provider)));
        lines.extend(menu.over_time_lines(report));
        lines.push(MenuLine::separator());
        // A menu form cut each section's rows itself (see `menu_report`).
        let primary_omitted = match report.section(&report.primary_provider) {
            Some(section) if several => section.omitted,
            _ => omitted,
        };
        lines.extend(menu.account_lines_omitting(
            &primary,
            primary_omitted,
            &report.primary_provider,
        ));
        for section in report
            .sections
            .iter()
            .filter(|s| s.provider != report.primary_provider)
        {
            let part = report.section_report(&section.provider);
            lines.push(MenuLine::separator());
            lines.push(
                menu.section_header_with(
                    section,
                    section_has_plugin_lanes(report, &section.provider),
                ),
            );
            if section.quota {
                lines.extend(menu.pool_lines_with(&part, None, false));
                lines.extend(menu.reset_credit_lines(Some(section)));
            } else {
                lines.push(MenuLine::item(0, counts_text(&part)));
                lines.extend(menu.health_lines(&part, false));
            }
            lines.extend(menu.account_lines_omitting(&part, section.omitted, &section.provider));
        }
        if !report.api_keys.is_empty() {
            lines.push(MenuLine::separator());
            lines.extend(menu.api_key_lines(report));
        }
    }
    lines.push(MenuLine::separator());
    lines.extend(menu.action_lines());
    lines
}

/// A fraction as a bar of `width` cells: `█` remaining, `▒` the part a restore
/// brings back (up to `restore_to`), `░` empty. Inputs are fractions 0..=1
/// (clamped). Any non-zero amount shows at least one cell and anything short
/// of full leaves at least one cell unfilled.
pub fn bar(remaining: f64, restore_to: Option<f64>, width: usize) -> String {
    let filled = cells(remaining, width);
    let target = match restore_to {
        Some(to) if clamp_fraction(to) > clamp_fraction(remaining) => {
            let target = cells(to, width).max(filled);
            if target == filled && filled < width {
                filled + 1
            } else {
                target
            }
        }
        _ => filled,
    };
    let mut out = String::with_capacity(width * 3);
    out.extend(std::iter::repeat_n('█', filled));
    out.extend(std::iter::repeat_n('▒', target - filled));
    out.extend(std::iter::repeat_n('░', width - target));
    out
}

/// A Plus-base percentage: one decimal below 10 (`2.5%`), whole above (`1420%`).
pub fn plus_percent(value: f64) -> String {
    let value = if value.is_finite() {
        value.max(0.0)
    } else {
        0.0
    };
    if value < 9.95 {
        format!("{value:.1}%")
    } else {
        format!("{}%", value.round() as i64)
    }
}

/// `remaining / capacity` as a whole percentage (`68%`), or `—` without capacity.
pub fn fraction_percent(remaining: f64, capacity: f64) -> String {
    match fraction(remaining, capacity) {
        Some(f) => format!("{}%", (f * 100.0).round() as i64),
        None => "—".to_string(),
    }
}

/// `+300% -> 1720% in 1h12m` for a pool window with a restore forecast.
pub fn forecast_text(window: &PoolWindow, now: Epoch) -> Option<String> {
    let forecast = window.forecast.as_ref()?;
    let whole = tr!(
        "forecast",
        restored = plus_percent(forecast.restored),
        target = plus_percent(forecast.target),
        d = short(forecast.at - now)
    );
    // The group's first part when it comes back well before the rest.
    Some(match &forecast.first {
        Some(first) if first.at > now => tr!(
            "forecast.first",
            restored = plus_percent(first.restored),
            d = short(first.at - now),
            rest = whole
        ),
        _ => whole,
    })
}

/// The known pool windows with their names and pace, in display order. A
/// window no counted account has (e.g. 5h in a pool of week-only Pro
/// accounts) is left out: no figure rather than a red 0%.
pub fn pool_windows<'a>(
    report: &'a PoolReport,
    pace: Option<&'a Pace>,
) -> Vec<(&'static str, &'a PoolWindow, Option<&'a WindowPace>)> {
    [
        (
            "5h",
            &report.five_hour,
            pace.and_then(|p| p.five_hour.as_ref()),
        ),
        ("Week", &report.weekly, pace.and_then(|p| p.weekly.as_ref())),
    ]
    .into_iter()
    .filter(|(_, window, _)| window.is_known())
    .collect()
}

/// The pace of a window: `"burning 240%/h · runs out in 2h10m, restore in 38m"`.
/// None without a pace estimate.
pub fn pace_text(pace: Option<&WindowPace>, window: &PoolWindow, now: Epoch) -> Option<String> {
    let pace = pace?;
    let mut text = if pace.burn_per_hour < 0.05 {
        tr!("pace.idle")
    } else {
        tr!("pace.burning", rate = plus_percent(pace.burn_per_hour))
    };
    if let Some(at) = pace.runs_out_at {
        text.push_str(&tr!("pace.runs_out", d = short(at - now)));
        if let Some(forecast) = &window.forecast {
            text.push_str(&tr!("pace.restore", d = short(forecast.at - now)));
        }
    }
    Some(text)
}

/// The health strip character of one bucket: `▮` success, `◆` mixed, `✕` failed, `▯` idle.
pub fn health_char(bucket: &HealthBucket) -> char {
    match (bucket.success > 0, bucket.failed > 0) {
        (true, true) => '◆',
        (false, true) => '✕',
        (true, false) => '▮',
        (false, false) => '▯',
    }
}

/// What a latched 401/403 means for refreshing (the message says what to fix).
pub fn paused_text() -> String {
    tr!("menu.paused")
}

/// What a running IP ban means for refreshing.
pub fn ban_paused_text() -> String {
    tr!("menu.ban_paused")
}

/// Legend of the health strip (trusted text, used as tooltip and submenu).
pub fn health_legend() -> String {
    tr!("health.legend")
}

/// The display name of a pool window (`5h`, `Week`; lanes keep their own names).
pub fn window_name(name: &str) -> String {
    match name {
        "5h" => tr!("window.5h"),
        "Week" => tr!("window.week"),
        "Month" => tr!("window.month"),
        other => other.to_string(),
    }
}

/// A lane's window as the menu says it: `week` → `week` / `周`, `month`,
/// `5h`; another provider's own name stays as sent.
pub fn lane_window_name(window: &str) -> String {
    match window.trim().to_ascii_lowercase().as_str() {
        "week" | "weekly" | "7d" => tr!("lane.week"),
        "month" | "monthly" | "30d" => tr!("lane.month"),
        "5h" => tr!("window.5h"),
        _ => window.to_string(),
    }
}

/// A server status word in the current language (`active` → `正常`); a word
/// poolwatch does not know stays as sent.
pub fn status_word(status: &str) -> String {
    match status.trim().to_ascii_lowercase().as_str() {
        "active" => tr!("server_status.active"),
        "error" => tr!("tag.error"),
        "disabled" => tr!("tag.disabled"),
        "unavailable" => tr!("server_status.unavailable"),
        "pending" => tr!("server_status.pending"),
        "expired" => tr!("server_status.expired"),
        _ => status.to_string(),
    }
}

/// A plan name as shown: `unknown` in the current language, others as sent.
pub fn plan_word(plan: &str) -> String {
    if plan.trim().eq_ignore_ascii_case("unknown") {
        tr!("plan.unknown")
    } else {
        plan.to_string()
    }
}

/// An account's error detail with the phrases poolwatch's own parsers write
/// (`upstream HTTP 403: HTML page (challenge?)`) in the current language; the
/// server's own words stay as sent.
pub fn detail_text(text: &str) -> String {
    if !crate::i18n::is_zh() {
        return text.to_string();
    }
    [
        (
            "upstream answered an HTML page (challenge?)",
            tr!("detail.html_answer"),
        ),
        ("HTML page (challenge?)", tr!("detail.html_page")),
        ("upstream HTTP", tr!("detail.upstream_http")),
        ("no usage data", tr!("menu.no_usage_data")),
        ("timed out", tr!("detail.timed_out")),
    ]
    .iter()
    .fold(text.to_string(), |out, (from, to)| out.replace(from, to))
}

/// The figures of the menu-bar title in the form `title_format` names
/// (`share`, `5h`, `week`, `compact`; anything else reads as `share`). Every
/// form is a share of capacity (at most `100%`), whatever the pool's size:
/// the absolute Plus-base figures stay in the dropdown and `status`.
pub fn title_parts(report: &PoolReport, format: &str) -> Vec<String> {
    let five = report.five_hour.known().map(|w| (w.remaining, w.capacity));
    let week = report.weekly.known().map(|w| (w.remaining, w.capacity));
    let share = |(remaining, capacity): (f64, f64)| fraction_percent(remaining, capacity);
    let mut parts = Vec::new();
    match format {
        "compact" => {
            // `64·58`: bare numbers, the 5h share first (`—` when unknown).
            let bare = |w: Option<(f64, f64)>| {
                w.map_or("—".to_string(), |w| {
                    share(w).trim_end_matches('%').to_string()
                })
            };
            if five.is_some() || week.is_some() {
                parts.push(bare(five));
                parts.push(bare(week));
            }
        }
        _ => {
            let with_five = format != "week" || week.is_none();
            let with_week = format != "5h" || five.is_none();
            if let Some(w) = five.filter(|_| with_five) {
                parts.push(format!("{} {}", tr!("window.5h"), share(w)));
            }
            if let Some(w) = week.filter(|_| with_week) {
                parts.push(format!("{} {}", tr!("title.week"), share(w)));
            }
        }
    }
    if parts.is_empty() {
        parts.push(tr!("title.no_quota_data"));
    }
    parts
}

/// A problem's short title as a menu-bar word: `Setup needed` → `setup needed`
/// (Chinese has no case), cut to 24 columns.
pub fn title_word(title: &str) -> String {
    let text = menu_text(title.trim(), 24);
    let mut chars = text.chars();
    match chars.next() {
        Some(first)
            if chars
                .clone()
                .next()
                .is_some_and(|c| c.is_lowercase() || c == ' ') =>
        {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text,
    }
}

/// The commands a problem message names as fixes: each `` `poolwatch …` ``
/// quoted in it, in order, without repeats (the catalogue quotes every
/// command a message asks the user to run).
pub fn fix_commands(message: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, part) in message.split('`').enumerate() {
        let part = part.trim();
        let safe = part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " -_.:/=".contains(c));
        if i % 2 == 1 && part.starts_with("poolwatch ") && safe && !out.iter().any(|c| c == part) {
            out.push(part.to_string());
        }
    }
    out
}

/// Each account's row label; when two accounts that are not the same login
/// counted twice share a label (two Team seats of one email in different
/// workspaces), each gets what tells its auth file apart:
/// `alice@example.com · team-b`. Other labels are unchanged.
pub fn seat_labels(accounts: &[AccountView]) -> Vec<String> {
    let mut count = std::collections::HashMap::new();
    for a in accounts.iter().filter(|a| a.duplicate_of.is_none()) {
        *count.entry(a.label.as_str()).or_insert(0usize) += 1;
    }
    accounts
        .iter()
        .map(|a| {
            if a.duplicate_of.is_some() || count.get(a.label.as_str()).copied().unwrap_or(0) < 2 {
                return a.label.clone();
            }
            format!("{} · {}", a.label, workspace_hint(a))
        })
        .collect()
}

/// What an auth file name says besides the provider and the login:
/// `codex-alice@example.com-team-b.json` → `team-b`; the file name itself
/// when nothing is left.
fn workspace_hint(a: &AccountView) -> String {
    let stem = a.name.strip_suffix(".json").unwrap_or(&a.name);
    let mut rest = stem.to_string();
    for known in [a.email.as_deref().unwrap_or(""), a.label.as_str()] {
        if !known.is_empty() {
            rest = rest.replace(known, "");
        }
    }
    let rest = rest
        .strip_prefix(&format!("{}-", a.provider))
        .unwrap_or(&rest)
        .trim_matches(|c: char| c == '-' || c == '_' || c == '.' || c.is_whitespace())
        .to_string();
    if rest.is_empty() {
        stem.to_string()
    } else {
        rest
    }
}

/// `1 account`, `3 accounts`: a count with the right form of its noun.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `N failures in the last 30 min` with the right plural.
pub fn failures_text(failures: u64) -> String {
    match failures {
        0 => tr!("failures.none"),
        1 => tr!("failures.one"),
        n => tr!("failures.many", n = n),
    }
}

/// `remaining / capacity` as a fraction, or None when there is no capacity.
pub fn fraction(remaining: f64, capacity: f64) -> Option<f64> {
    (capacity.is_finite() && capacity > 0.0 && remaining.is_finite())
        .then(|| (remaining / capacity).clamp(0.0, 1.0))
}

fn clamp_fraction(f: f64) -> f64 {
    if f.is_finite() {
        f.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn cells(f: f64, width: usize) -> usize {
    let f = clamp_fraction(f);
    let n = ((f * width as f64).round() as usize).min(width);
    if f > 0.0 && n == 0 {
        1.min(width)
    } else if f < 1.0 && n == width && width > 0 {
        width - 1
    } else {
        n
    }
}

/// Colour classes used in the menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tone {
    Green,
    Yellow,
    Red,
    Grey,
}

impl Tone {
    fn of(level: Level) -> Tone {
        match level {
            Level::Green => Tone::Green,
            Level::Yellow => Tone::Yellow,
            Level::Red => Tone::Red,
        }
    }

    /// SwiftBar light,dark pair.
    fn pair(self) -> &'static str {
        match self {
            Tone::Green => "#1E7E34,#4CD964",
            Tone::Yellow => "#A86400,#FFCC00",
            Tone::Red => "#C62828,#FF6B6B",
            Tone::Grey => "#8E8E93,#8E8E93",
        }
    }

    /// xbar single colour, readable on light and dark menus.
    fn single(self) -> &'static str {
        match self {
            Tone::Green => "#34A853",
            Tone::Yellow => "#E3A008",
            Tone::Red => "#E5484D",
            Tone::Grey => "#8E8E93",
        }
    }
}

/// Untrusted text for a fixed-width cell of a monospaced row: cut to `width`
/// display columns (a CJK character is two), then made safe for the menu.
fn menu_cell(text: &str, width: usize) -> String {
    let cleaned = super::sanitize::terminal_text(text, 4 * width + 8);
    menu_text(
        &super::width::truncate_to_width(&cleaned, width),
        4 * width + 8,
    )
}

/// Padding to a visible width (the sanitised text may contain doubled backslashes).
fn pad(text: &str, width: usize) -> String {
    let visible = display_width(text).saturating_sub(text.matches("\\\\").count());
    format!("{text}{}", " ".repeat(width.saturating_sub(visible)))
}

fn worst(a: Option<Level>, b: Option<Level>) -> Option<Level> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn percent_whole(value: f64) -> String {
    format!("{}%", value.clamp(0.0, 100.0).round() as i64)
}

fn weight_text(weight: f64) -> String {
    if (weight - weight.round()).abs() < 0.05 {
        format!("{}", weight.round() as i64)
    } else {
        format!("{weight:.1}")
    }
}

/// A parameter value both hosts read back verbatim, quoted when it has spaces;
/// None when it cannot be written safely (quotes, `|`, backslashes, controls).
fn param_value(raw: &str) -> Option<String> {
    let unsafe_char = |c: char| {
        c.is_control() || (c.is_whitespace() && c != ' ') || matches!(c, '"' | '\'' | '|' | '\\')
    };
    (!raw.is_empty() && !raw.chars().any(unsafe_char)).then(|| raw.to_string())
}

/// The management panel URL when the pool URL is a plain http(s) URL.
fn management_url(pool_url: &str) -> Option<String> {
    let base = pool_url.trim_end_matches('/');
    let lower = base.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let bad = |c: char| c.is_whitespace() || c.is_control() || "\"'|\\<>`".contains(c);
    if rest.is_empty() || rest.starts_with('/') || base.chars().any(bad) {
        return None;
    }
    Some(format!("{base}/management.html"))
}

struct Menu<'a> {
    ctx: &'a MenuContext,
    dialect: Dialect,
    /// Every account's lines, already rendered (the cache-hit menu).
    rows: Option<&'a RowTexts>,
}

impl Menu<'_> {
    fn swiftbar(&self) -> bool {
        self.dialect == Dialect::SwiftBar
    }

    fn color(&self, line: MenuLine, tone: Tone) -> MenuLine {
        match self.dialect {
            Dialect::SwiftBar => line.param("color", tone.pair()),
            Dialect::Xbar => line.param("color", tone.single()),
        }
    }

    fn mono(&self, line: MenuLine) -> MenuLine {
        line.param("font", MONO_FONT).param("size", MONO_SIZE)
    }

    /// Params every line with untrusted text gets: no `:symbol:` / emoji expansion, a length cap.
    fn untrusted(&self, line: MenuLine) -> MenuLine {
        self.untrusted_with_length(line, UNTRUSTED_LENGTH)
    }

    fn untrusted_with_length(&self, line: MenuLine, length: &str) -> MenuLine {
        let line = if self.swiftbar() {
            line.param("symbolize", "false")
        } else {
            line
        };
        line.param("emojize", "false").param("length", length)
    }

    /// A problem line: the whole message is kept (up to [`PROBLEM_CHARS`]) and
    /// the host shortens it to [`PROBLEM_LENGTH`] with the full text as a tooltip.
    fn problem(&self, prefix: &str, message: &str, tone: Tone) -> MenuLine {
        let line = MenuLine::item(0, format!("{prefix}{}", menu_text(message, PROBLEM_CHARS)));
        self.untrusted_with_length(self.color(line, tone), PROBLEM_LENGTH)
    }

    /// One item per fix a problem names (issue 17.5): the exact command on a
    /// line of its own, so `length=` never cuts it. A fix that is a poolwatch
    /// command needing no typing is clickable (with the menu's identity);
    /// one that asks for input opens a terminal; the rest are shown.
    fn fix_lines(&self, message: &str) -> Vec<MenuLine> {
        let mut lines = Vec::new();
        for command in fix_commands(message) {
            let title = tr!("menu.fix", command = menu_text(&command, 120));
            let line = MenuLine::item(0, title);
            let args: Vec<&str> = command.split_whitespace().skip(1).collect();
            let terminal = match args.as_slice() {
                ["refresh", "--retry-key"] | ["refresh"] | ["test-fetch"] => Some(false),
                ["config", "set-key"] => Some(true),
                _ => None,
            };
            let clickable = terminal.and_then(|terminal| {
                let line = self.action(line.clone(), &args)?;
                Some(if terminal {
                    // `terminal=true` replaces the `terminal=false` of `action`.
                    let mut line = line;
                    line.params.retain(|(k, _)| k != "terminal");
                    line.param("terminal", "true")
                } else {
                    line.param("refresh", "true")
                })
            });
            lines.push(clickable.unwrap_or_else(|| self.untrusted_with_length(line, "200")));
        }
        lines
    }

    fn tooltip(&self, line: MenuLine, text: &str) -> MenuLine {
        if self.swiftbar() {
            line.param("tooltip", text)
        } else {
            line
        }
    }

    // ----- menu-bar title -----

    fn title_line(&self, report: Option<&PoolReport>) -> MenuLine {
        let profile = self.profile_suffix();
        let ban = self.ctx.ban_until.filter(|until| *until > self.ctx.now);
        let (glyph, symbol, text, tone) = match (&self.ctx.status, report) {
            // The ban's countdown, in the title: nothing is asked until it ends.
            _ if ban.is_some() => (
                "⚠",
                "hand.raised.fill",
                tr!("title.banned", d = short(ban.unwrap_or(0) - self.ctx.now)),
                Some(Tone::Red),
            ),
            (FetchStatus::AuthLatched { .. }, _) => (
                "⚠",
                "exclamationmark.triangle.fill",
                // Paused: the server rejected the management key.
                tr!("title.key_rejected"),
                Some(Tone::Red),
            ),
            (FetchStatus::Refreshing, None) => (
                "↻",
                "arrow.triangle.2.circlepath",
                tr!("title.loading"),
                None,
            ),
            (_, None) => (
                "⚠",
                "exclamationmark.triangle.fill",
                self.ctx
                    .problem
                    .as_deref()
                    .map(title_word)
                    .unwrap_or_else(|| tr!("title.no_data")),
                Some(Tone::Yellow),
            ),
            (status, Some(report)) => {
                let level = report.level();
                let symbol = match level {
                    Level::Green => "gauge.with.dots.needle.67percent",
                    Level::Yellow => "gauge.with.dots.needle.33percent",
                    Level::Red => "gauge.with.dots.needle.0percent",
                };
                let stale = match &self.ctx.problem {
                    Some(problem) => format!(" ⚠ {}", title_word(problem)),
                    None if matches!(status, FetchStatus::Stale { .. }) => " ⚠".to_string(),
                    None => String::new(),
                };
                // Only the windows the pool has: no red 0% for a missing 5h window.
                let parts = title_parts(report, &self.ctx.title_format);
                let joiner = if self.ctx.title_format == "compact" {
                    "·"
                } else {
                    " · "
                };
                let text = format!("{}{stale}", parts.join(joiner));
                ("⚡", symbol, text, Some(Tone::of(level)))
            }
        };
        // The profile first, as the all-profiles menu names each pool.
        let title = match &profile {
            Some(p) => format!("{p} · {text}"),
            None => text,
        };
        let mut line = match self.dialect {
            Dialect::SwiftBar => {
                let line = MenuLine::item(0, title).param("sfimage", symbol);
                match tone {
                    Some(t) => line.param("sfcolor", t.pair()),
                    None => line,
                }
            }
            Dialect::Xbar => {
                let line = MenuLine::item(0, format!("{glyph} {title}"));
                match tone {
                    Some(t) => line.param("color", t.single()),
                    None => line,
                }
            }
        };
        if profile.is_some() {
            line = self.untrusted(line);
        }
        line
    }

    fn profile_suffix(&self) -> Option<String> {
        let profile = self.ctx.profile.trim();
        (!profile.is_empty() && profile != "default").then(|| menu_text(profile, 16))
    }

    // ----- status block -----

    fn status_lines(&self, report: Option<&PoolReport>) -> Vec<MenuLine> {
        let mut lines = Vec::new();
        if self.ctx.demo {
            lines.push(MenuLine::item(0, tr!("menu.demo_pool")));
        }
        if let Some(profile) = self.profile_suffix() {
            let line = MenuLine::item(0, tr!("menu.profile", name = profile));
            lines.push(self.untrusted(line));
        }
        match &self.ctx.status {
            FetchStatus::Fresh => {}
            FetchStatus::Refreshing => lines.push(MenuLine::item(0, tr!("menu.refreshing"))),
            FetchStatus::Stale { error } => {
                let tone = if self.ctx.ban_until.is_some_and(|until| until > self.ctx.now) {
                    Tone::Red
                } else {
                    Tone::Yellow
                };
                lines.push(self.problem("⚠ ", error, tone));
                lines.extend(self.fix_lines(error));
                if tone == Tone::Red {
                    lines.push(MenuLine::item(0, ban_paused_text()));
                }
                if report.is_some() {
                    lines.push(MenuLine::item(0, tr!("menu.showing_last_good")));
                }
            }
            FetchStatus::AuthLatched { message } => {
                lines.push(self.problem("⚠ ", message, Tone::Red));
                lines.extend(self.fix_lines(message));
                lines.push(MenuLine::item(0, paused_text()));
            }
        }
        for notice in &self.ctx.notices {
            let line = MenuLine::item(0, format!("ℹ {}", menu_text(notice, MESSAGE_CHARS)));
            lines.push(self.untrusted(line));
        }
        if report.is_none() && !matches!(self.ctx.status, FetchStatus::Refreshing) {
            lines.push(MenuLine::item(0, tr!("menu.no_pool_data")));
        }
        lines.push(MenuLine::item(0, self.updated_text()));
        lines
    }

    fn updated_text(&self) -> String {
        match self.ctx.updated_at {
            Some(at) => tr!("menu.last_updated", ago = ago(self.ctx.now - at)),
            None => tr!("menu.never_updated"),
        }
    }

    // ----- pool block -----

    fn pool_lines(&self, report: &PoolReport) -> Vec<MenuLine> {
        self.pool_lines_with(report, self.ctx.pace.as_ref(), true)
    }

    /// The heading of one provider's section: name, accounts and what 100% means.
    fn section_header(&self, section: &ProviderSection) -> MenuLine {
        self.section_header_with(section, false)
    }

    /// [`Self::section_header`]; `plugin`: the section's quota came from the
    /// server's quota plugin, per account (lanes, never summed).
    fn section_header_with(&self, section: &ProviderSection, plugin: bool) -> MenuLine {
        let accounts = match section.counts.total {
            1 => tr!("refresh.one_account"),
            n => tr!("refresh.n_accounts", n = n),
        };
        let note = match (section.quota, section.unit) {
            (false, _) if plugin => tr!("section.plugin_quota"),
            (false, _) => tr!("section.health_only"),
            (true, Unit::PlusPercent) => tr!("section.unit_plus"),
            (true, Unit::Percent) => match crate::provider::descriptor(&section.provider) {
                Some(d) if d.base_plan != "unknown" => {
                    tr!("section.unit_plan", plan = d.base_plan)
                }
                _ => tr!("section.unit_account"),
            },
        };
        let name = non_empty(menu_text(&section.name, 24), "?");
        self.untrusted(MenuLine::item(0, format!("{name} · {accounts} · {note}")))
    }

    /// The reset credits of a section: `Reset credits 3 · soonest expires in 4d`.
    fn reset_credit_lines(&self, section: Option<&ProviderSection>) -> Vec<MenuLine> {
        let Some(credits) = section.and_then(|s| s.reset_credits.as_ref()) else {
            return Vec::new();
        };
        vec![MenuLine::item(
            0,
            tr!(
                "credits.line",
                credits = credits_text(credits, &RowClock::at(self.ctx.now))
            ),
        )]
    }

    /// A pool block; `explain` adds the "Available" sentence and the health
    /// legend as submenus (the first section only: said once per menu).
    fn pool_lines_with(
        &self,
        report: &PoolReport,
        pace: Option<&Pace>,
        explain: bool,
    ) -> Vec<MenuLine> {
        let mut lines = Vec::new();
        let windows = pool_windows(report, pace);
        if windows.is_empty() {
            lines.push(self.color(MenuLine::item(0, tr!("menu.no_quota_windows")), Tone::Grey));
        }
        for (name, window, window_pace) in windows {
            lines.push(self.window_line(name, window));
            if let Some(text) = forecast_text(window, report.now) {
                let line = MenuLine::item(0, format!("     ↳ {text}")).param("trim", "false");
                lines.push(self.mono(line));
            }
            if let Some(text) = pace_text(window_pace, window, report.now) {
                let line = MenuLine::item(0, format!("     ⏱ {text}")).param("trim", "false");
                lines.push(self.mono(line));
            }
        }
        lines.push(MenuLine::item(0, counts_text(report)));
        if explain {
            lines.push(MenuLine::item(1, available_meaning()));
        }
        if report.counts.duplicates > 0 {
            lines.push(MenuLine::item(0, duplicates_text(report.counts.duplicates)));
        }
        lines.extend(self.health_lines(report, explain));
        lines
    }

    fn window_line(&self, name: &str, window: &PoolWindow) -> MenuLine {
        let name = pad(&window_name(name), 4);
        let share = fraction(window.remaining, window.capacity);
        let text = match share {
            Some(f) => {
                let restore = window
                    .forecast
                    .as_ref()
                    .and_then(|fc| fraction(fc.target, window.capacity));
                format!(
                    "{name} {} {} / {}  {}",
                    bar(f, restore, POOL_BAR_WIDTH),
                    plus_percent(window.remaining),
                    plus_percent(window.capacity),
                    fraction_percent(window.remaining, window.capacity)
                )
            }
            None => format!(
                "{name} {} {}",
                bar(0.0, None, POOL_BAR_WIDTH),
                tr!("window.no_data")
            ),
        };
        let line = self.mono(MenuLine::item(0, text));
        if share.is_some() {
            self.color(line, Tone::of(window.level))
        } else {
            self.color(line, Tone::Grey)
        }
    }

    fn health_lines(&self, report: &PoolReport, explain: bool) -> Vec<MenuLine> {
        let health = &report.health;
        let strip: String = if health.buckets.is_empty() {
            tr!("health.no_data")
        } else {
            health.buckets.iter().map(health_char).collect()
        };
        let line = self.mono(MenuLine::item(0, tr!("health.line", strip = strip)));
        let failures = MenuLine::item(0, failures_text(health.recent_failures));
        let failures = if health.recent_failures > 0 {
            self.color(failures, Tone::Red)
        } else {
            failures
        };
        // The legend is always the strip's tooltip; as a submenu, once.
        let mut lines = vec![self.tooltip(line, &health_legend())];
        if explain {
            lines.push(MenuLine::item(1, health_legend()));
        }
        lines.push(failures);
        lines
    }

    // ----- accounts -----

    /// The account rows of one part of the menu (`section`: its provider):
    /// the first [`MENU_DETAILED_ACCOUNTS`] with their submenus, then the
    /// worst of the rest as one-line rows under "more accounts".
    fn account_lines_omitting(
        &self,
        report: &PoolReport,
        omitted: usize,
        section: &str,
    ) -> Vec<MenuLine> {
        if report.accounts.is_empty() {
            return vec![MenuLine::item(0, tr!("menu.no_accounts"))];
        }
        let given = self
            .rows
            .filter(|rows| rows.len_of(section) == Some(report.accounts.len()));
        let detailed = report.accounts.len().min(MENU_DETAILED_ACCOUNTS);
        let labels = match given {
            Some(_) => Vec::new(),
            None => seat_labels(&report.accounts),
        };
        let clock = RowClock::at(report.now);
        let block = |i: usize, lines: &mut Vec<MenuLine>| match given {
            Some(rows) => lines.push(MenuLine::item(0, rows.take(section, i))),
            None => {
                let account = &report.accounts[i];
                let label = labels.get(i).filter(|_| i < detailed);
                lines.extend(self.account_block(account, label, &clock));
            }
        };
        let mut lines = Vec::new();
        for i in 0..detailed {
            block(i, &mut lines);
        }
        let rest = &report.accounts[detailed..];
        if !rest.is_empty() {
            // Big pools: the worst of the rest as one-line rows in a submenu
            // keeps the menu quick to open (and to print); `status` lists all.
            let total = rest.len() + omitted;
            lines.push(MenuLine::item(0, tr!("menu.more_accounts", n = total)));
            let listed = worst_rows(rest);
            for &i in &listed {
                block(detailed + i, &mut lines);
            }
            let unlisted = total - listed.len();
            if unlisted > 0 {
                lines.push(MenuLine::item(1, tr!("menu.unlisted", n = unlisted)));
            }
        }
        lines
    }

    /// One account's lines. `seat`: its label among the detailed rows (a
    /// second seat of one login names its workspace) — then its row and its
    /// submenu; None: a one-line row under "more accounts".
    fn account_block(
        &self,
        account: &AccountView,
        seat: Option<&String>,
        clock: &RowClock,
    ) -> Vec<MenuLine> {
        let Some(label) = seat else {
            let mut row = self.account_row(account);
            row.depth = 1;
            return vec![row];
        };
        let row = if *label == account.label {
            self.account_row(account)
        } else {
            let named = AccountView {
                label: label.clone(),
                ..account.clone()
            };
            self.account_row(&named)
        };
        let mut lines = vec![row];
        lines.extend(self.account_details(account, clock));
        lines
    }

    fn account_row(&self, a: &AccountView) -> MenuLine {
        let label = non_empty(menu_cell(&a.label, LABEL_WIDTH), &tr!("menu.no_label"));
        let plan = non_empty(menu_cell(&plan_word(&a.plan), PLAN_WIDTH), "?");
        let quota = match (&a.five_hour, &a.weekly) {
            (None, None) if health_only(a) => match lowest_lane(a) {
                // A provider read through the server's quota plugin: its tightest lane.
                Some(lane) => lane_glance(lane),
                None => tr!("menu.quota_not_read"),
            },
            (None, None) if a.token_refused => tr!("account.token_refused"),
            (None, None) if a.expired => tr!("menu.values_too_old"),
            // Not "no usage data error": the failure says it.
            (None, None) if a.error.is_some() && !a.stale => tr!("menu.usage_failed"),
            (None, None) => tr!("menu.no_usage_data"),
            (five, week) => format!(
                "{} {:>4}  {} {:>4}",
                five.as_ref().map_or_else(
                    || "·".repeat(ACCOUNT_BAR_WIDTH),
                    |w| bar(w.remaining / 100.0, None, ACCOUNT_BAR_WIDTH)
                ),
                five.as_ref()
                    .map_or_else(|| "—".to_string(), |w| percent_whole(w.remaining)),
                tr!("title.week"),
                week.as_ref()
                    .map_or_else(|| "—".to_string(), |w| percent_whole(w.remaining)),
            ),
        };
        let failed_row = a.five_hour.is_none()
            && a.weekly.is_none()
            && !health_only(a)
            && !a.expired
            && a.error.is_some()
            && !a.stale;
        let tags = account_tags(a);
        let tags = if failed_row {
            tags.replace(&format!(" {}", tr!("tag.error")), "")
        } else {
            tags
        };
        let text = format!(
            "{} {} {} {quota}{tags}",
            account_glyph(a),
            pad(&label, LABEL_WIDTH),
            pad(&plan, PLAN_WIDTH),
        );
        let line = self.mono(MenuLine::item(0, text));
        let line = self.color(line, account_tone(a));
        self.untrusted(line)
    }

    fn account_details(&self, a: &AccountView, clock: &RowClock) -> Vec<MenuLine> {
        let mut lines = Vec::new();
        let plan = non_empty(menu_text(&plan_word(&a.plan), 24), "?");
        lines.push(self.untrusted(MenuLine::item(
            1,
            tr!(
                "menu.plan_weight",
                plan = plan,
                weight = weight_text(a.weight)
            ),
        )));
        if let Some(email) = a
            .email
            .as_deref()
            .filter(|e| *e != a.label && !e.is_empty())
        {
            lines.push(self.untrusted(MenuLine::item(
                1,
                tr!("menu.email", email = menu_text(email, 60)),
            )));
        }
        // A plugin-read account has lanes, never a 5h or Week window of poolwatch's own.
        if !(health_only(a) && lowest_lane(a).is_some()) {
            lines.push(MenuLine::item(1, account_window_detail(a, "5h", clock)));
            lines.push(MenuLine::item(1, account_window_detail(a, "Week", clock)));
        }
        if let Some(monthly) = &a.monthly {
            lines.push(MenuLine::item(
                1,
                window_detail("Month", Some(monthly), false, clock),
            ));
        }
        for lane in &a.lanes {
            lines.push(self.untrusted(MenuLine::item(1, lane_detail(lane, clock))));
        }
        // "Reset credits none" on every account says nothing: only real credits.
        if let Some(credits) = a.reset_credits.as_ref().filter(|c| c.available > 0) {
            lines.push(MenuLine::item(
                1,
                tr!("credits.line", credits = credits_text(credits, clock)),
            ));
        }
        let status = non_empty(menu_text(&status_word(&a.status), 24), "—");
        lines.push(self.untrusted(MenuLine::item(
            1,
            tr!(
                "menu.status",
                status = status,
                flags = status_flags(a, clock)
            ),
        )));
        if !a.status_message.trim().is_empty() {
            lines.push(self.untrusted(MenuLine::item(
                1,
                tr!(
                    "menu.message",
                    text = menu_text(&a.status_message, MESSAGE_CHARS)
                ),
            )));
        }
        // The real server usually sends no `last_refresh`: then say nothing.
        if let Some(at) = a.last_refresh {
            lines.push(MenuLine::item(
                1,
                tr!("menu.token_refreshed", ago = clock.since(at)),
            ));
        }
        if let Some(counted) = &a.duplicate_of {
            lines.push(self.untrusted(MenuLine::item(
                1,
                tr!("menu.same_login", label = menu_text(counted, LABEL_WIDTH)),
            )));
        }
        lines.push(MenuLine::item(
            1,
            match a.usage_fetched_at {
                _ if a.token_refused => tr!("account.token_refused"),
                Some(at) if a.expired => tr!("menu.usage_fetched_expired", ago = clock.since(at)),
                Some(at) if a.stale => tr!("menu.usage_fetched_stale", ago = clock.since(at)),
                Some(at) if observed(a) => tr!("menu.usage_observed", ago = clock.since(at)),
                Some(at) => tr!("menu.usage_fetched", ago = clock.since(at)),
                None => tr!("menu.usage_never"),
            },
        ));
        if let Some(note) = &a.observation_note {
            lines.push(self.untrusted(MenuLine::item(
                1,
                tr!(
                    "menu.observation_note",
                    text = menu_text(note, MESSAGE_CHARS)
                ),
            )));
        }
        lines.push(MenuLine::item(
            1,
            tr!("menu.account_failures", n = a.recent_failures),
        ));
        if let Some(error) = &a.error {
            let text = menu_text(&detail_text(error), MESSAGE_CHARS);
            let line = MenuLine::item(1, tr!("menu.error", text = text));
            lines.push(self.untrusted(self.color(line, Tone::Red)));
        }
        lines
    }

    // ----- API keys -----

    fn api_key_lines(&self, report: &PoolReport) -> Vec<MenuLine> {
        let mut lines = vec![MenuLine::item(
            0,
            tr!("keys.section", n = report.api_keys.len()),
        )];
        for key in &report.api_keys {
            lines.push(self.api_key_row(key));
            lines.extend(self.api_key_details(key));
        }
        lines
    }

    fn api_key_row(&self, key: &ApiKeyView) -> MenuLine {
        let label = non_empty(key_row_label(key), &tr!("menu.no_label"));
        let strip: String = key.health.iter().map(health_char).collect();
        let counts = tr!(
            "keys.row_counts",
            ok = format!("{:>6}", key.success),
            failed = format!("{:>4}", key.failed)
        );
        let text = format!(
            "{} {} {counts}",
            key_glyph(key),
            pad(&label, KEY_LABEL_WIDTH),
        );
        let line = self.mono(MenuLine::item(0, text));
        let line = self.tooltip(self.color(line, key_tone(key)), &strip);
        self.untrusted(line)
    }

    fn api_key_details(&self, key: &ApiKeyView) -> Vec<MenuLine> {
        let mut lines = Vec::new();
        let provider = non_empty(menu_text(&key.provider, 48), "?");
        let provider_line = tr!("keys.provider", v = provider);
        lines.push(self.untrusted(MenuLine::item(1, provider_line)));
        let host = non_empty(menu_text(&key.host, 80), "—");
        lines.push(self.untrusted(MenuLine::item(1, tr!("keys.host", v = host))));
        lines.push(MenuLine::item(
            1,
            tr!("keys.fingerprint", v = menu_text(&key.fingerprint, 16)),
        ));
        lines.push(MenuLine::item(
            1,
            tr!("keys.requests", ok = key.success, failed = key.failed),
        ));
        let strip: String = if key.health.is_empty() {
            tr!("health.no_data")
        } else {
            key.health.iter().map(health_char).collect()
        };
        let line = self.mono(MenuLine::item(1, tr!("health.line", strip = strip)));
        lines.push(self.tooltip(line, &tr!("health.legend")));
        let failures = MenuLine::item(1, failures_text(key.recent_failures));
        lines.push(if key.recent_failures > 0 {
            self.color(failures, Tone::Red)
        } else {
            failures
        });
        // The only parameter is the fingerprint poolwatch computed (8 hex digits).
        if crate::model::is_fingerprint(&key.fingerprint) {
            let hide = MenuLine::item(1, tr!("keys.hide"));
            let args = ["config", "hide-key", key.fingerprint.as_str()];
            if let Some(line) = self.action(hide, &args) {
                lines.push(line.param("refresh", "true"));
            }
        }
        lines
    }

    // ----- actions -----

    /// `line` as a `bash=` action running `poolwatch GLOBALS ARGS`, where
    /// GLOBALS are the menu's identity (`--profile`, `--config`, `--demo`, see
    /// [`MenuContext::action_args`]) so the click acts on the pool shown. None
    /// when the binary path or an argument cannot be written safely.
    fn action(&self, line: MenuLine, args: &[&str]) -> Option<MenuLine> {
        let exe = param_value(&self.ctx.exe)?;
        let mut line = line.param("bash", exe);
        let all = self
            .ctx
            .action_args
            .iter()
            .map(String::as_str)
            .chain(args.iter().copied());
        for (i, arg) in all.enumerate() {
            line = line.param(&format!("param{}", i + 1), param_value(arg)?);
        }
        Some(line.param("terminal", "false"))
    }

    fn action_lines(&self) -> Vec<MenuLine> {
        let mut lines = Vec::new();
        lines.extend(self.sort_lines());
        let refresh = MenuLine::item(0, tr!("menu.refresh_now"));
        lines.push(match self.action(refresh.clone(), &["refresh"]) {
            Some(line) => line.param("refresh", "true"),
            None => refresh.param("refresh", "true"),
        });
        if let Some(url) = management_url(&self.ctx.pool_url) {
            lines.push(MenuLine::item(0, tr!("menu.open_panel")).param("href", url));
        }
        // `config edit` creates the file from the template when it is missing.
        let settings = MenuLine::item(0, tr!("menu.open_settings"));
        if let Some(line) = self.action(settings.clone(), &["config", "edit"]) {
            lines.push(line);
        } else if let Some(path) = param_value(&self.ctx.settings_path) {
            lines.push(
                settings
                    .param("bash", "/usr/bin/open")
                    .param("param1", "-t")
                    .param("param2", path)
                    .param("terminal", "false"),
            );
        }
        lines
    }

    fn sort_lines(&self) -> Vec<MenuLine> {
        let active = self.ctx.sort;
        let mut lines = vec![MenuLine::item(
            0,
            tr!("menu.sort_by", name = sort_name(active)),
        )];
        for key in [SortKey::FiveHour, SortKey::Week, SortKey::Name] {
            for descending in [false, true] {
                let order = SortOrder { key, descending };
                let checked = order == active;
                let name = sort_name(order);
                let title = if checked && !self.swiftbar() {
                    format!("✓ {name}")
                } else {
                    name
                };
                let value = sort_value(order);
                let Some(mut line) =
                    self.action(MenuLine::item(1, title), &["config", "set", "sort", &value])
                else {
                    return Vec::new();
                };
                line = line.param("refresh", "true");
                if checked && self.swiftbar() {
                    line = line.param("checked", "true");
                }
                lines.push(line);
            }
        }
        lines
    }
}

/// The `poolwatch config set sort <value>` value of a sort order: `5h`, `week-desc`, ...
pub fn sort_value(order: SortOrder) -> String {
    order.setting()
}

/// Human name of a sort order: `5h, lowest first`, `Name, Z to A`, ...
pub fn sort_name(order: SortOrder) -> String {
    let direction = match (order.key, order.descending) {
        (SortKey::Name, false) => tr!("sort.a_to_z"),
        (SortKey::Name, true) => tr!("sort.z_to_a"),
        (_, false) => tr!("sort.lowest_first"),
        (_, true) => tr!("sort.highest_first"),
    };
    let key = match order.key {
        SortKey::FiveHour => tr!("sort.5h"),
        SortKey::Week => tr!("sort.week"),
        SortKey::Name => tr!("sort.name"),
    };
    tr!("sort.item", key = key, direction = direction)
}

/// What "available" counts, in the menu's words (docs/quota-model.md).
pub fn available_meaning() -> String {
    tr!("menu.available_meaning")
}

/// The notice about auth files of a login that is already counted.
pub fn duplicates_text(duplicates: usize) -> String {
    match duplicates {
        1 => tr!("menu.duplicates_one"),
        n => tr!("menu.duplicates", n = n),
    }
}

/// `4/9 available · 1 week-killed · 1 cooling · 1 erroring · 1 no data ·
/// 1 disabled`: every account in exactly one state, so the parts add up to
/// the total (zero counts left out; docs/quota-model.md, "Counts").
pub fn counts_text(report: &PoolReport) -> String {
    let c = &report.counts;
    let mut parts = vec![tr!(
        "counts.available",
        available = c.available,
        total = c.total
    )];
    for (n, what) in [
        (c.killed, tr!("counts.week_killed", n = c.killed)),
        (c.cooling, tr!("counts.cooling", n = c.cooling)),
        (c.erroring, tr!("counts.erroring", n = c.erroring)),
        (c.no_data(), tr!("counts.no_data", n = c.no_data())),
        (c.disabled, tr!("counts.disabled", n = c.disabled)),
        (c.duplicates, tr!("counts.duplicates", n = c.duplicates)),
    ] {
        if n > 0 {
            parts.push(what);
        }
    }
    parts.join(" · ")
}

fn non_empty(text: String, fallback: &str) -> String {
    if text.is_empty() {
        fallback.to_string()
    } else {
        text
    }
}

/// Visible characters of an API-key label on its row.
const KEY_LABEL_WIDTH: usize = 36;

/// The label of an API key's row within [`KEY_LABEL_WIDTH`]: the provider
/// and host (or the custom label) shortened, the fingerprint always whole
/// (labels and `hide-key` refer to it).
fn key_row_label(key: &ApiKeyView) -> String {
    let fingerprint = menu_text(&key.fingerprint, 16);
    let default = crate::quota::default_key_label(&key.provider, &key.host, &key.fingerprint);
    let head = if key.label == default {
        crate::quota::default_key_label(&key.provider, &key.host, "")
    } else {
        key.label.clone()
    };
    if fingerprint.is_empty() {
        return menu_cell(&head, KEY_LABEL_WIDTH);
    }
    if head.trim().is_empty() {
        return fingerprint;
    }
    let room = KEY_LABEL_WIDTH.saturating_sub(fingerprint.chars().count() + 3);
    // A default label too long: the host goes first (its submenu shows it).
    let head = if key.label == default && head.chars().count() > room && !key.provider.is_empty() {
        key.provider.clone()
    } else {
        head
    };
    format!("{} · {fingerprint}", menu_cell(&head, room))
}

fn key_glyph(key: &ApiKeyView) -> char {
    if key.recent_failures > 0 {
        '✕'
    } else if key.health.iter().any(|b| b.success > 0) {
        '●'
    } else {
        '○'
    }
}

fn key_tone(key: &ApiKeyView) -> Tone {
    if key.recent_failures > 0 {
        Tone::Red
    } else if key.health.iter().any(|b| b.success > 0) {
        Tone::Green
    } else {
        Tone::Grey
    }
}

/// The accounts a menu of `accounts` (in display order) lists: the first
/// [`MENU_DETAILED_ACCOUNTS`] and the worst [`MORE_ACCOUNTS_SHOWN`] of the rest,
/// in display order; and how many it leaves out. A report cut to these gives
/// the same menu ([`render_menu_omitting`]).
pub fn menu_accounts(accounts: &[AccountView]) -> (Vec<AccountView>, usize) {
    let detailed = accounts.len().min(MENU_DETAILED_ACCOUNTS);
    let (shown, rest) = accounts.split_at(detailed);
    let listed = worst_rows(rest);
    let mut out = Vec::with_capacity(detailed + listed.len());
    out.extend_from_slice(shown);
    out.extend(listed.iter().map(|&i| rest[i].clone()));
    (out, rest.len() - listed.len())
}

/// The report a menu needs of `report`: the accounts of [`menu_accounts`],
/// without the per-account health strips (the menu shows the pool's), and
/// the number of accounts left out. [`render_menu_omitting`] of it gives the
/// same text as [`render_menu`] of `report`.
pub fn menu_report(report: &PoolReport) -> (PoolReport, usize) {
    if report.sections.len() > 1 {
        return menu_report_by_section(report);
    }
    let (mut accounts, omitted) = menu_accounts(&report.accounts);
    for account in &mut accounts {
        account.health = Vec::new();
    }
    let mut cut = PoolReport {
        accounts: Vec::new(),
        ..report.clone()
    };
    cut.accounts = accounts;
    (cut, omitted)
}

/// [`menu_report`] of a pool with several providers: each section lists its
/// own rows, so each is cut on its own and keeps how many it left out.
fn menu_report_by_section(report: &PoolReport) -> (PoolReport, usize) {
    let mut cut = PoolReport {
        accounts: Vec::new(),
        sections: Vec::new(),
        ..report.clone()
    };
    let mut total = 0;
    for section in &report.sections {
        let rows: Vec<AccountView> = report.accounts_of(&section.provider).cloned().collect();
        let (mut accounts, omitted) = menu_accounts(&rows);
        for account in &mut accounts {
            account.health = Vec::new();
        }
        cut.accounts.extend(accounts);
        cut.sections.push(ProviderSection {
            omitted,
            plugin_lanes: section_has_plugin_lanes(report, &section.provider),
            ..section.clone()
        });
        total += omitted;
    }
    (cut, total)
}

/// Indexes (ascending) of the worst [`MORE_ACCOUNTS_SHOWN`] of `rest`: failing,
/// then week-killed, cooling, stale, then the least quota left; disabled last.
fn worst_rows(rest: &[AccountView]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rest.len()).collect();
    if rest.len() > MORE_ACCOUNTS_SHOWN {
        order.sort_by(|&a, &b| {
            let (ra, rb) = (worst_key(&rest[a]), worst_key(&rest[b]));
            ra.0.cmp(&rb.0).then(ra.1.total_cmp(&rb.1)).then(a.cmp(&b))
        });
        order.truncate(MORE_ACCOUNTS_SHOWN);
        order.sort_unstable();
    }
    order
}

fn worst_key(a: &AccountView) -> (u8, f64) {
    let rank = if a.disabled {
        5
    } else if a.error.is_some() && !a.stale {
        0
    } else if a.killed {
        1
    } else if a.cooling {
        2
    } else if a.stale {
        3
    } else {
        4
    };
    let left = [a.five_hour.as_ref(), a.weekly.as_ref()]
        .into_iter()
        .flatten()
        .map(|w| w.remaining)
        .fold(f64::INFINITY, f64::min);
    (rank, if left.is_finite() { left } else { -1.0 })
}

fn account_glyph(a: &AccountView) -> char {
    if a.disabled {
        '⊘'
    } else if a.killed {
        '○'
    } else if a.error.is_some() && !a.stale {
        '✕'
    } else if a.cooling {
        '❄'
    } else if a.stale {
        '◐'
    } else {
        '●'
    }
}

/// Row markers: ` weekKILL`, ` cooling`, ` stale`, ` error`, ` disabled`.
pub fn account_tags(a: &AccountView) -> String {
    let mut tags = String::new();
    for (on, tag) in [
        (a.killed, "tag.week_kill"),
        (a.cooling, "tag.cooling"),
        (a.recovering, "tag.recovering"),
        (a.stale && !a.token_refused, "tag.stale"),
        (
            a.error.is_some() && (!a.stale || a.token_refused),
            "tag.error",
        ),
        (a.disabled, "tag.disabled"),
        (a.duplicate_of.is_some(), "tag.duplicate"),
        (
            a.five_hour_unconfirmed || a.weekly_unconfirmed,
            "tag.unconfirmed",
        ),
    ] {
        if on {
            tags.push(' ');
            tags.push_str(&tag_text(tag));
        }
    }
    tags
}

/// A row marker in the current language.
fn tag_text(key: &str) -> String {
    match key {
        "tag.week_kill" => tr!("tag.week_kill"),
        "tag.cooling" => tr!("tag.cooling"),
        "tag.recovering" => tr!("tag.recovering"),
        "tag.stale" => tr!("tag.stale"),
        "tag.error" => tr!("tag.error"),
        "tag.disabled" => tr!("tag.disabled"),
        "tag.unconfirmed" => tr!("tag.unconfirmed"),
        _ => tr!("tag.duplicate"),
    }
}

fn account_tone(a: &AccountView) -> Tone {
    if a.killed || a.disabled {
        return Tone::Grey;
    }
    let level = worst(
        a.five_hour.as_ref().map(|w| w.level),
        a.weekly.as_ref().map(|w| w.level),
    );
    match level {
        Some(level) => Tone::of(level),
        None if health_only(a) && a.error.is_none() => match lowest_lane(a) {
            Some(lane) => Tone::of(crate::quota::level(lane.remaining.unwrap_or(0.0) / 100.0)),
            None => Tone::Grey,
        },
        None => Tone::Red,
    }
}

/// An account of a provider whose quota poolwatch does not read (listed with its health).
fn health_only(a: &AccountView) -> bool {
    !a.provider.is_empty() && crate::provider::descriptor(&a.provider).is_none()
}

/// The lane with the least quota left (a provider without a recipe of its own
/// whose quota the server's plugin gave as lanes, docs/providers.md).
pub(crate) fn lowest_lane(a: &AccountView) -> Option<&Lane> {
    a.lanes
        .iter()
        .filter(|l| l.remaining.is_some())
        .min_by(|x, y| {
            x.remaining
                .partial_cmp(&y.remaining)
                .unwrap_or(std::cmp::Ordering::Equal)
        })
}

/// `Daily requests 25%`: a lane in an account row.
fn lane_glance(lane: &Lane) -> String {
    let name = non_empty(menu_cell(&lane.name, 20), &tr!("lane.limit"));
    format!(
        "{name} {}",
        lane.remaining.map(percent_whole).unwrap_or_default()
    )
}

/// True when some account of `provider` had its quota read through a plugin.
pub(crate) fn section_has_plugin_lanes(report: &PoolReport, provider: &str) -> bool {
    // A cut report (menu form) says so for the accounts it left out.
    report.section(provider).is_some_and(|s| s.plugin_lanes)
        || report
            .accounts
            .iter()
            .any(|a| a.provider == provider && health_only(a) && lowest_lane(a).is_some())
}

/// The 5h or Week line of an account's submenu: a window restored at its
/// reset says it is not yet confirmed; an account with a weekly window only
/// (a Pro account) says it has no 5h window rather than "no data".
fn account_window_detail(a: &AccountView, name: &str, clock: &RowClock) -> String {
    let (window, unconfirmed) = match name {
        "5h" => (a.five_hour.as_ref(), a.five_hour_unconfirmed),
        _ => (a.weekly.as_ref(), a.weekly_unconfirmed),
    };
    if window.is_none() && name == "5h" && a.weekly.is_some() && !a.expired {
        return tr!("window.no_five_hour");
    }
    if window.is_none() && name == "Week" && a.monthly.is_some() && !a.expired {
        return tr!("window.no_week_monthly");
    }
    let mut text = window_detail(name, window, a.killed, clock);
    if unconfirmed && window.is_some() {
        text.push_str(&tr!("window.unconfirmed"));
    }
    text
}

fn window_detail(
    name: &str,
    window: Option<&AccountWindow>,
    killed: bool,
    clock: &RowClock,
) -> String {
    let shown = window_name(name);
    let Some(w) = window else {
        return tr!("window.detail_no_data", name = shown);
    };
    let note = match (name, killed) {
        ("Week", true) => tr!("window.below_kill_line"),
        (_, true) => tr!("window.not_counted"),
        _ => String::new(),
    };
    let reset = match w.reset_at {
        Some(at) if clock.ahead(at) => tr!("window.resets_in", d = clock.until(at)),
        Some(_) => tr!("window.reset_due"),
        None => String::new(),
    };
    tr!(
        "window.left",
        name = shown,
        pct = percent_whole(w.remaining),
        note = note,
        reset = reset
    )
}

/// `Opus (week) 20% left · resets in 2d` (the lane name is server text).
pub(crate) fn lane_detail(lane: &Lane, clock: &RowClock) -> String {
    let name = non_empty(menu_text(&lane.name, 40), &tr!("lane.limit"));
    // `Claude · 5h` already names its window: no `(5h)` after it.
    let window = lane
        .window
        .as_deref()
        .filter(|w| {
            !lane
                .name
                .to_ascii_lowercase()
                .contains(&w.to_ascii_lowercase())
        })
        .map(|w| format!(" ({})", menu_text(&lane_window_name(w), 12)))
        .unwrap_or_default();
    let left = lane.remaining.map_or_else(
        || tr!("window.no_data"),
        |r| tr!("lane.left", pct = percent_whole(r)),
    );
    let reset = match lane.reset_at {
        Some(at) if clock.ahead(at) => tr!("window.resets_in", d = clock.until(at)),
        _ => String::new(),
    };
    format!("{name}{window} {left}{reset}")
}

/// `2 · soonest expires in 4d` (or `none`).
fn credits_text(credits: &ResetCredits, clock: &RowClock) -> String {
    match (credits.available, credits.expires_at) {
        (0, _) => tr!("tf.none"),
        (n, Some(at)) if clock.ahead(at) => tr!("credits.soonest", n = n, d = clock.until(at)),
        (n, _) => n.to_string(),
    }
}

fn status_flags(a: &AccountView, clock: &RowClock) -> String {
    let mut flags = String::new();
    // Not again when the status already says so (`disabled · disabled`).
    if a.disabled && !a.status.trim().eq_ignore_ascii_case("disabled") {
        flags.push_str(&tr!("flag.disabled"));
    }
    if a.cooling {
        match a.next_retry_after {
            Some(at) if clock.ahead(at) => {
                flags.push_str(&tr!("flag.cooling_retry", d = clock.until(at)))
            }
            _ => flags.push_str(&tr!("flag.cooling")),
        }
    }
    if a.recovering {
        flags.push_str(&tr!("flag.recovering"));
    }
    if a.token_refused {
        flags.push_str(&tr!("flag.token_refused"));
    } else if !a.available && !a.disabled {
        flags.push_str(&tr!("flag.unavailable"));
    }
    flags
}

/// True when the account's numbers were observed from its traffic (no usage call).
fn observed(account: &crate::quota::AccountView) -> bool {
    account
        .source
        .is_some_and(|s| s.kind == crate::model::SourceKind::Observed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_fills_by_rounding() {
        assert_eq!(bar(0.5, None, 10), "█████░░░░░");
        assert_eq!(bar(0.0, None, 4), "░░░░");
        assert_eq!(bar(1.0, None, 4), "████");
        assert_eq!(bar(0.26, None, 4), "█░░░");
    }

    #[test]
    fn bar_keeps_small_and_nearly_full_visible() {
        assert_eq!(bar(0.01, None, 10), "█░░░░░░░░░");
        assert_eq!(bar(0.99, None, 10), "█████████░");
    }

    #[test]
    fn bar_restore_segment() {
        assert_eq!(bar(0.3, Some(0.6), 10), "███▒▒▒░░░░");
        assert_eq!(bar(0.3, Some(1.0), 10), "███▒▒▒▒▒▒▒");
        // A restore smaller than one cell still shows one cell.
        assert_eq!(bar(0.3, Some(0.31), 10), "███▒░░░░░░");
        // A restore target at or below the remaining shows no segment.
        assert_eq!(bar(0.5, Some(0.4), 10), "█████░░░░░");
    }

    #[test]
    fn bar_clamps_bad_input() {
        assert_eq!(bar(f64::NAN, Some(f64::NAN), 3), "░░░");
        assert_eq!(bar(-1.0, None, 3), "░░░");
        assert_eq!(bar(7.0, Some(9.0), 3), "███");
        assert_eq!(bar(0.5, Some(0.9), 0), "");
    }

    #[test]
    fn plus_percent_decimals_only_below_ten() {
        assert_eq!(plus_percent(2.54), "2.5%");
        assert_eq!(plus_percent(9.94), "9.9%");
        assert_eq!(plus_percent(9.96), "10%");
        assert_eq!(plus_percent(1420.4), "1420%");
        assert_eq!(plus_percent(-3.0), "0.0%");
    }

    #[test]
    fn fraction_percent_rounds_and_handles_no_capacity() {
        assert_eq!(fraction_percent(1428.0, 2100.0), "68%");
        assert_eq!(fraction_percent(5.0, 0.0), "—");
    }

    #[test]
    fn param_values_reject_quotes_and_pipes() {
        assert_eq!(
            param_value("/usr/local/bin/poolwatch").as_deref(),
            Some("/usr/local/bin/poolwatch")
        );
        assert_eq!(param_value("/a b/c").as_deref(), Some("/a b/c"));
        assert_eq!(param_value("/a\"b"), None);
        assert_eq!(param_value("/a'b"), None);
        assert_eq!(param_value("/a|b"), None);
        assert_eq!(param_value("/a\nb"), None);
        assert_eq!(param_value(""), None);
    }

    #[test]
    fn management_url_validation() {
        assert_eq!(
            management_url("http://127.0.0.1:8317/").as_deref(),
            Some("http://127.0.0.1:8317/management.html")
        );
        assert_eq!(
            management_url("HTTPS://pool.example.com").as_deref(),
            Some("HTTPS://pool.example.com/management.html")
        );
        assert_eq!(management_url("file:///etc/passwd"), None);
        assert_eq!(management_url("javascript:alert(1)"), None);
        assert_eq!(management_url("http://a b"), None);
        assert_eq!(management_url("http://a|bash=x"), None);
        assert_eq!(management_url("http://a\"b"), None);
        assert_eq!(management_url("http://"), None);
    }

    #[test]
    fn sort_values() {
        let order = |key, descending| SortOrder { key, descending };
        assert_eq!(sort_value(order(SortKey::FiveHour, false)), "5h");
        assert_eq!(sort_value(order(SortKey::Week, true)), "week-desc");
        assert_eq!(sort_value(order(SortKey::Name, true)), "name-desc");
    }

    #[test]
    fn quoted_params_in_output() {
        let line = MenuLine::item(1, "Open")
            .param("bash", "/usr/bin/open")
            .param("param1", "/a b");
        assert_eq!(
            line.to_output(),
            "--Open | bash=/usr/bin/open param1=\"/a b\""
        );
        assert_eq!(MenuLine::separator().to_output(), "---");
    }
}
