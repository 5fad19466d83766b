//! The terminal table of `poolwatch status`.
//!
//! Server text goes through [`terminal_text`], so labels and messages cannot
//! move the cursor, change colours or break the table.

use std::fmt::Write as _;

use super::duration::{ago, short};
use super::menu::{
    account_tags, bar, counts_text, failures_text, forecast_text, fraction, fraction_percent,
    health_char, pace_text, plus_percent, pool_windows, sort_name, ACCOUNT_BAR_WIDTH,
    HEALTH_LEGEND, POOL_BAR_WIDTH,
};
use super::sanitize::terminal_text;
use super::{FetchStatus, MenuContext};
use crate::quota::pace::Pace;
use crate::quota::{AccountView, AccountWindow, Level, PoolReport, PoolWindow};

const LABEL_WIDTH: usize = 28;
const PLAN_WIDTH: usize = 8;
const MESSAGE_CHARS: usize = 160;

/// ANSI styles used by the table.
#[derive(Clone, Copy)]
enum Style {
    Green,
    Yellow,
    Red,
    Dim,
    Bold,
}

impl Style {
    fn of(level: Level) -> Style {
        match level {
            Level::Green => Style::Green,
            Level::Yellow => Style::Yellow,
            Level::Red => Style::Red,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Red => "31",
            Style::Dim => "90",
            Style::Bold => "1",
        }
    }
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            format!("\u{1b}[{}m{text}\u{1b}[0m", style.code())
        } else {
            text.to_string()
        }
    }
}

/// The `poolwatch status` output; `color` switches ANSI colours on.
/// Always ends with a newline.
pub fn render_status(report: Option<&PoolReport>, ctx: &MenuContext, color: bool) -> String {
    let p = Painter { color };
    let mut out = String::new();
    header(&mut out, ctx, &p, report.is_some());
    match report {
        Some(report) => {
            out.push('\n');
            pool(&mut out, report, ctx.pace.as_ref(), &p);
            out.push('\n');
            accounts(&mut out, report, &p);
            let keys = super::keys_text::api_keys_table(report, 100, &|t| p.paint(t, Style::Red));
            if !keys.is_empty() {
                out.push('\n');
                out.push_str(&keys);
            }
        }
        None => {
            let _ = writeln!(out, "No pool data yet.");
        }
    }
    out
}

fn header(out: &mut String, ctx: &MenuContext, p: &Painter, has_report: bool) {
    let mut title = if ctx.demo {
        "Pool".to_string()
    } else if ctx.pool_url.is_empty() {
        "Pool (not configured)".to_string()
    } else {
        format!("Pool {}", terminal_text(&ctx.pool_url, 80))
    };
    if !ctx.profile.trim().is_empty() && ctx.profile != "default" {
        let _ = write!(title, " (profile {})", terminal_text(&ctx.profile, 32));
    }
    if ctx.demo {
        title.push_str(" [demo pool]");
    }
    let _ = writeln!(out, "{}", p.paint(&title, Style::Bold));
    let updated = match ctx.updated_at {
        Some(at) => format!("Last updated {}", ago(ctx.now - at)),
        None => "Never updated".to_string(),
    };
    let _ = writeln!(out, "{updated} · sort: {}", sort_name(ctx.sort));
    match &ctx.status {
        FetchStatus::Fresh => {}
        FetchStatus::Refreshing => {
            let _ = writeln!(out, "Another run is refreshing; showing cached data.");
        }
        FetchStatus::Stale { error } => {
            let mut text = terminal_text(error, MESSAGE_CHARS);
            if has_report {
                text.push_str(" (showing the last good data)");
            }
            let _ = writeln!(out, "{}", p.paint(&text, Style::Yellow));
        }
        FetchStatus::AuthLatched { message } => {
            let text = format!(
                "Server rejected the key: {}",
                terminal_text(message, MESSAGE_CHARS)
            );
            let _ = writeln!(out, "{}", p.paint(&text, Style::Red));
            let _ = writeln!(
                out,
                "Automatic refresh is paused until the key or settings change (or `poolwatch refresh`)."
            );
        }
    }
    for notice in &ctx.notices {
        let _ = writeln!(out, "Note: {}", terminal_text(notice, MESSAGE_CHARS));
    }
}

fn pool(out: &mut String, report: &PoolReport, pace: Option<&Pace>, p: &Painter) {
    for (name, window, window_pace) in pool_windows(report, pace) {
        let _ = writeln!(out, "{}", window_row(name, window, report.now, p));
        if let Some(text) = pace_text(window_pace, window, report.now) {
            let _ = writeln!(out, "      {}", p.paint(&text, Style::Dim));
        }
    }
    let _ = writeln!(out, "{}", counts_text(report));
    let strip: String = report.health.buckets.iter().map(health_char).collect();
    let failures = failures_text(report.health.recent_failures);
    let failures = if report.health.recent_failures > 0 {
        p.paint(&failures, Style::Red)
    } else {
        failures
    };
    if strip.is_empty() {
        let _ = writeln!(out, "Health  no data");
    } else {
        let _ = writeln!(out, "Health  {strip}  {failures}");
        let _ = writeln!(out, "        {}", p.paint(HEALTH_LEGEND, Style::Dim));
    }
}

fn window_row(name: &str, window: &PoolWindow, now: i64, p: &Painter) -> String {
    let Some(share) = fraction(window.remaining, window.capacity) else {
        return format!("{name:<6}{}  no data", bar(0.0, None, POOL_BAR_WIDTH));
    };
    let restore = window
        .forecast
        .as_ref()
        .and_then(|f| fraction(f.target, window.capacity));
    let bar = p.paint(
        &bar(share, restore, POOL_BAR_WIDTH),
        Style::of(window.level),
    );
    let mut row = format!(
        "{name:<6}{bar}  {} / {} ({})",
        plus_percent(window.remaining),
        plus_percent(window.capacity),
        fraction_percent(window.remaining, window.capacity)
    );
    if let Some(forecast) = forecast_text(window, now) {
        let _ = write!(row, "  {forecast}");
    }
    row
}

fn accounts(out: &mut String, report: &PoolReport, p: &Painter) {
    if report.accounts.is_empty() {
        let _ = writeln!(out, "No accounts.");
        return;
    }
    let heading = format!(
        "{:<lw$} {:<pw$} {:<bw$} {:>4}  {:>4}  {:<8} {:<8} STATUS",
        "ACCOUNT",
        "PLAN",
        "5H",
        "",
        "WEEK",
        "5H RESET",
        "WK RESET",
        lw = LABEL_WIDTH,
        pw = PLAN_WIDTH,
        bw = ACCOUNT_BAR_WIDTH,
    );
    let _ = writeln!(out, "{}", p.paint(heading.trim_end(), Style::Bold));
    for account in &report.accounts {
        let _ = writeln!(out, "{}", account_row(account, report.now, p));
        if let Some(error) = &account.error {
            let text = format!("  error: {}", terminal_text(error, MESSAGE_CHARS));
            let _ = writeln!(out, "{}", p.paint(&text, Style::Red));
        }
    }
}

fn account_row(a: &AccountView, now: i64, p: &Painter) -> String {
    let label = padded(&terminal_text(&a.label, LABEL_WIDTH), LABEL_WIDTH);
    let plan = padded(&terminal_text(&a.plan, PLAN_WIDTH), PLAN_WIDTH);
    let muted = a.killed || a.disabled;
    let five_bar = match &a.five_hour {
        Some(w) => bar(w.remaining / 100.0, None, ACCOUNT_BAR_WIDTH),
        None => "·".repeat(ACCOUNT_BAR_WIDTH),
    };
    let five_style = match &a.five_hour {
        Some(_) if muted => Style::Dim,
        Some(w) => Style::of(w.level),
        None => Style::Dim,
    };
    let week_style = match &a.weekly {
        Some(w) => Style::of(w.level),
        None => Style::Dim,
    };
    let status = status_text(a);
    let row = format!(
        "{label} {plan} {} {}  {}  {:<8} {:<8} {status}",
        p.paint(&five_bar, five_style),
        p.paint(&format!("{:>4}", percent(a.five_hour.as_ref())), five_style),
        p.paint(&format!("{:>4}", percent(a.weekly.as_ref())), week_style),
        reset(a.five_hour.as_ref(), now),
        reset(a.weekly.as_ref(), now),
    );
    row.trim_end().to_string()
}

fn status_text(a: &AccountView) -> String {
    let status = terminal_text(&a.status, 16);
    let status = if status.is_empty() {
        "—".to_string()
    } else {
        status
    };
    let tags = account_tags(a);
    let mut text = if tags.is_empty() {
        status
    } else {
        format!("{status} [{}]", tags.trim_start())
    };
    if !a.status_message.trim().is_empty() {
        let _ = write!(text, ": {}", terminal_text(&a.status_message, 60));
    }
    text
}

fn percent(window: Option<&AccountWindow>) -> String {
    match window {
        Some(w) => format!("{}%", w.remaining.clamp(0.0, 100.0).round() as i64),
        None => "—".to_string(),
    }
}

fn reset(window: Option<&AccountWindow>, now: i64) -> String {
    match window.and_then(|w| w.reset_at) {
        Some(at) => short(at - now),
        None => "—".to_string(),
    }
}

fn padded(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}
