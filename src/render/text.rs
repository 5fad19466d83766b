//! The terminal table of `poolwatch status`.
//!
//! Server text goes through [`terminal_text`], so labels and messages cannot
//! move the cursor, change colours or break the table.

use std::fmt::Write as _;

use super::duration::{ago, short};
use super::menu::{
    account_tags, available_meaning, ban_paused_text, bar, counts_text, duplicates_text,
    failures_text, forecast_text, fraction, fraction_percent, health_char, health_legend,
    pace_text, paused_text, plus_percent, pool_windows, sort_name, window_name, ACCOUNT_BAR_WIDTH,
    POOL_BAR_WIDTH,
};
use super::sanitize::terminal_text;
use super::width::{
    display_width, pad_left_to_width, pad_to_width, truncate_to_width, wrap_to_width,
};
use super::{FetchStatus, MenuContext};
use crate::quota::pace::Pace;
use crate::quota::{AccountView, AccountWindow, Level, PoolReport, PoolWindow};
use crate::tr;

/// The widest the label column grows (longer labels are shortened with `…`).
const LABEL_WIDTH: usize = 28;
/// Columns kept free for the status at the end of a row (`disabled`).
const STATUS_ROOM: usize = 8;
/// Labels are never shortened below this many columns.
const MIN_LABEL_WIDTH: usize = 8;
const PLAN_WIDTH: usize = 8;
const MESSAGE_CHARS: usize = 160;
/// Characters kept from a fetch problem: its advice comes last and must not be cut.
const PROBLEM_CHARS: usize = 640;

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

/// The width `status` assumes when it cannot ask the terminal and `COLUMNS`
/// is not set (output piped to a file or another program).
pub const DEFAULT_WIDTH: usize = 100;
/// The narrowest layout `status` makes; narrower terminals wrap it.
pub const MIN_WIDTH: usize = 40;

/// The width to render for: the terminal's (`tty`, when stdout is one), else
/// a positive `COLUMNS`, else [`DEFAULT_WIDTH`]; never below [`MIN_WIDTH`].
pub fn resolve_width(tty: Option<usize>, columns_env: Option<&str>) -> usize {
    tty.filter(|w| *w > 0)
        .or_else(|| {
            columns_env
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|w| *w > 0)
        })
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// The `poolwatch status` output at [`DEFAULT_WIDTH`]; `color` switches ANSI
/// colours on. Always ends with a newline.
pub fn render_status(report: Option<&PoolReport>, ctx: &MenuContext, color: bool) -> String {
    render_status_at(report, ctx, color, DEFAULT_WIDTH)
}

/// The `poolwatch status` output fitted to `width` columns (see
/// [`fit_columns`] for what gives way first). No line is wider than
/// `width` (at least [`MIN_WIDTH`]).
pub fn render_status_at(
    report: Option<&PoolReport>,
    ctx: &MenuContext,
    color: bool,
    width: usize,
) -> String {
    let width = width.max(MIN_WIDTH);
    let p = Painter { color };
    let mut out = String::new();
    header(&mut out, ctx, &p, report.is_some(), width);
    match report {
        Some(report) => {
            // The primary provider's pool and accounts, then each other provider's.
            let primary = report.primary_part();
            out.push('\n');
            pool(&mut out, &primary, ctx.pace.as_ref(), &p, width, true);
            // The pool over time (issue 19): day charts, waste, use first.
            for line in super::over_time_text::status_lines(ctx, report.now) {
                for part in wrap_to_width(&line, width, "", "  ") {
                    let part = part.replace('\u{a0}', " ");
                    let _ = writeln!(out, "{}", p.paint(&part, Style::Dim));
                }
            }
            out.push('\n');
            accounts(&mut out, &primary, &p, width);
            for section in report
                .sections
                .iter()
                .filter(|s| s.provider != report.primary_provider)
            {
                let part = report.section_report(&section.provider);
                let name = terminal_text(&section.name, 24);
                if section.quota {
                    let _ = writeln!(out, "\n{}", p.paint(&name, Style::Bold));
                    pool(&mut out, &part, None, &p, width, false);
                } else {
                    let title = if super::menu::section_has_plugin_lanes(report, &section.provider)
                    {
                        tr!(
                            "status.plugin_quota",
                            name = name,
                            counts = counts_text(&part)
                        )
                    } else {
                        tr!(
                            "status.health_only",
                            name = name,
                            counts = counts_text(&part)
                        )
                    };
                    let _ = writeln!(out, "\n{}", p.paint(&title, Style::Bold));
                }
                out.push('\n');
                accounts(&mut out, &part, &p, width);
            }
            let keys = super::keys_text::api_keys_table(report, width, &|t| p.paint(t, Style::Red));
            if !keys.is_empty() {
                out.push('\n');
                out.push_str(&keys);
            }
        }
        None => {
            let _ = writeln!(out, "{}", tr!("status.no_pool_data"));
        }
    }
    out
}

fn header(out: &mut String, ctx: &MenuContext, p: &Painter, has_report: bool, width: usize) {
    let mut title = if ctx.demo {
        tr!("status.pool")
    } else if ctx.pool_url.is_empty() {
        tr!("status.pool_not_configured")
    } else {
        tr!("status.pool_url", url = terminal_text(&ctx.pool_url, 80))
    };
    if !ctx.profile.trim().is_empty() && ctx.profile != "default" {
        title.push_str(&tr!(
            "status.profile",
            name = terminal_text(&ctx.profile, 32)
        ));
    }
    if ctx.demo {
        title.push_str(&tr!("status.demo_pool"));
    }
    let title = truncate_to_width(&title, width);
    let _ = writeln!(out, "{}", p.paint(&title, Style::Bold));
    let updated = match ctx.updated_at {
        Some(at) => tr!("menu.last_updated", ago = ago(ctx.now - at)),
        None => tr!("menu.never_updated"),
    };
    let line = tr!(
        "status.updated_sort",
        updated = updated,
        sort = sort_name(ctx.sort)
    );
    wrapped(out, &line, width, "", "  ", p, None);
    match &ctx.status {
        FetchStatus::Fresh => {}
        FetchStatus::Refreshing => {
            let line = tr!("status.refreshing");
            wrapped(out, &line, width, "", "  ", p, None);
        }
        FetchStatus::Stale { error } => {
            let mut text = terminal_text(error, PROBLEM_CHARS);
            if has_report {
                text.push_str(&tr!("status.showing_last_good"));
            }
            if ctx.ban_until.is_some_and(|until| until > ctx.now) {
                wrapped(out, &text, width, "", "  ", p, Some(Style::Red));
                let line = tr!("status.sentence", text = ban_paused_text());
                wrapped(out, &line, width, "", "  ", p, None);
            } else {
                wrapped(out, &text, width, "", "  ", p, Some(Style::Yellow));
            }
        }
        FetchStatus::AuthLatched { message } => {
            let text = terminal_text(message, PROBLEM_CHARS);
            wrapped(out, &text, width, "", "  ", p, Some(Style::Red));
            let line = tr!("status.sentence", text = paused_text());
            wrapped(out, &line, width, "", "  ", p, None);
        }
    }
    for notice in &ctx.notices {
        let text = terminal_text(notice, MESSAGE_CHARS);
        let note = tr!("status.note");
        let indent = " ".repeat(display_width(&note));
        wrapped(out, &text, width, &note, &indent, p, None);
    }
}

/// One pool block; `explain` adds the "Available" sentence and the health
/// legend, said once per output (the first section), not once per provider.
fn pool(
    out: &mut String,
    report: &PoolReport,
    pace: Option<&Pace>,
    p: &Painter,
    width: usize,
    explain: bool,
) {
    for (name, window, window_pace) in pool_windows(report, pace) {
        window_row(out, name, window, report.now, p, width);
        if let Some(text) = pace_text(window_pace, window, report.now) {
            for line in wrap_to_width(&text, width, "      ", "        ") {
                let (indent, body) = line.split_at(line.len() - line.trim_start().len());
                let _ = writeln!(out, "{indent}{}", p.paint(body, Style::Dim));
            }
        }
    }
    let counts = keep_parts_together(&counts_text(report), width - 2);
    for line in wrap_to_width(&counts, width, "", "  ") {
        let _ = writeln!(out, "{}", line.replace(NBSP, " "));
    }
    if explain {
        for line in wrap_to_width(&available_meaning(), width, "", "  ") {
            let _ = writeln!(out, "{}", p.paint(&line, Style::Dim));
        }
    }
    if report.counts.duplicates > 0 {
        let notice = duplicates_text(report.counts.duplicates);
        for line in wrap_to_width(&notice, width, "", "  ") {
            let _ = writeln!(out, "{line}");
        }
    }
    let strip: String = report.health.buckets.iter().map(health_char).collect();
    let failures = failures_text(report.health.recent_failures);
    let failure_style = (report.health.recent_failures > 0).then_some(Style::Red);
    if strip.is_empty() {
        let _ = writeln!(out, "{}", tr!("status.health_no_data"));
    } else {
        let head = tr!("status.health", strip = strip);
        if display_width(&head) + 2 + display_width(&failures) <= width {
            let failures = match failure_style {
                Some(style) => p.paint(&failures, style),
                None => failures,
            };
            let _ = writeln!(out, "{head}  {failures}");
        } else {
            let _ = writeln!(out, "{head}");
            wrapped(
                out,
                &failures,
                width,
                "        ",
                "        ",
                p,
                failure_style,
            );
        }
        let legend = keep_parts_together(&health_legend(), width - 8);
        let legend_lines = if explain {
            wrap_to_width(&legend, width, "        ", "        ")
        } else {
            Vec::new()
        };
        for line in legend_lines {
            let line = line.replace(NBSP, " ");
            let (indent, body) = line.split_at(line.len() - line.trim_start().len());
            let _ = writeln!(out, "{indent}{}", p.paint(body, Style::Dim));
        }
    }
}

/// A no-break space: [`wrap_to_width`] breaks only at plain spaces.
const NBSP: char = '\u{a0}';

/// `a b · c d` with the spaces inside each ` · `-separated part made
/// unbreakable, so wrapping breaks only after a `·`; a part wider than
/// `room` columns keeps its plain spaces.
fn keep_parts_together(text: &str, room: usize) -> String {
    text.split(" · ")
        .map(|part| match display_width(part) + 2 <= room {
            true => part.replace(' ', &NBSP.to_string()),
            false => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(&format!("{NBSP}· "))
}

fn window_row(
    out: &mut String,
    name: &str,
    window: &PoolWindow,
    now: i64,
    p: &Painter,
    width: usize,
) {
    let name = pad_to_width(&window_name(name), 6);
    let Some(share) = fraction(window.remaining, window.capacity) else {
        let _ = writeln!(
            out,
            "{name}{}  {}",
            bar(0.0, None, POOL_BAR_WIDTH),
            tr!("window.no_data")
        );
        return;
    };
    let restore = window
        .forecast
        .as_ref()
        .and_then(|f| fraction(f.target, window.capacity));
    let bar = p.paint(
        &bar(share, restore, POOL_BAR_WIDTH),
        Style::of(window.level),
    );
    let amounts = format!(
        "{} / {} ({})",
        plus_percent(window.remaining),
        plus_percent(window.capacity),
        fraction_percent(window.remaining, window.capacity)
    );
    let pieces = [Some(amounts), forecast_text(window, now)];
    let mut lines = vec![format!("{name}{bar}")];
    for piece in pieces.into_iter().flatten() {
        let last = lines.last_mut().expect("one line");
        if display_width(last) + 2 + display_width(&piece) <= width {
            let _ = write!(last, "  {piece}");
        } else {
            lines.extend(wrap_to_width(&piece, width, "      ", "        "));
        }
    }
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
}

/// The account table's columns that can be dropped to fit the width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Columns {
    label: usize,
    plan: Option<usize>,
    bar: bool,
    five_reset: usize,
    week_reset: Option<usize>,
}

impl Columns {
    /// Columns of a row without its status text.
    fn row_width(&self) -> usize {
        let mut w = self.label;
        if let Some(plan) = self.plan {
            w += 1 + plan;
        }
        if self.bar {
            w += 1 + ACCOUNT_BAR_WIDTH;
        }
        w += 1 + 4 + 2 + 4 + 2 + self.five_reset;
        if let Some(week) = self.week_reset {
            w += 1 + week;
        }
        w
    }
}

/// Fit the table into `width` columns. The label column is as wide as the
/// longest label (at least `ACCOUNT`, at most [`LABEL_WIDTH`]), the plan
/// column as the longest plan. While a row (without its status) is wider
/// than `width` less [`STATUS_ROOM`], in this order: drop the 5h bar, drop the PLAN column, drop
/// the WK RESET column, then (only while the row alone is still too wide) shorten labels
/// (with `…`, down to [`MIN_LABEL_WIDTH`]). Status text goes at the end of the row when it fits
/// and wraps under the row when it does not.
fn fit_columns(
    label: usize,
    plan: usize,
    five_reset: usize,
    week_reset: usize,
    width: usize,
) -> Columns {
    let mut c = Columns {
        label: label.clamp(display_width(&tr!("col.account")), LABEL_WIDTH),
        plan: Some(plan.clamp(display_width(&tr!("col.plan")), PLAN_WIDTH)),
        bar: true,
        five_reset: five_reset.max(display_width(&tr!("col.5h_reset"))),
        week_reset: Some(week_reset.max(display_width(&tr!("col.week_reset")))),
    };
    let steps: [fn(&mut Columns); 3] = [
        |c| c.bar = false,
        |c| c.plan = None,
        |c| c.week_reset = None,
    ];
    for step in steps {
        if c.row_width() + 1 + STATUS_ROOM <= width {
            return c;
        }
        step(&mut c);
    }
    let over = c.row_width().saturating_sub(width);
    c.label = c
        .label
        .saturating_sub(over)
        .max(MIN_LABEL_WIDTH.min(c.label));
    c
}

fn accounts(out: &mut String, report: &PoolReport, p: &Painter, width: usize) {
    if report.accounts.is_empty() {
        let _ = writeln!(out, "{}", tr!("status.no_accounts"));
        return;
    }
    let labels: Vec<String> = super::menu::seat_labels(&report.accounts)
        .iter()
        .map(|label| terminal_text(label, MESSAGE_CHARS))
        .collect();
    let plans: Vec<String> = report
        .accounts
        .iter()
        .map(|a| terminal_text(&super::menu::plan_word(&a.plan), PLAN_WIDTH))
        .collect();
    let max_width = |texts: &mut dyn Iterator<Item = String>| {
        texts.map(|t| display_width(&t)).max().unwrap_or(0)
    };
    let columns = fit_columns(
        max_width(&mut labels.iter().cloned()),
        max_width(&mut plans.iter().cloned()),
        max_width(
            &mut report
                .accounts
                .iter()
                .map(|a| reset(a.five_hour.as_ref(), report.now)),
        ),
        max_width(
            &mut report
                .accounts
                .iter()
                .map(|a| reset(a.weekly.as_ref(), report.now)),
        ),
        width,
    );
    let mut heading = pad_to_width(&tr!("col.account"), columns.label);
    if let Some(plan) = columns.plan {
        let _ = write!(heading, " {}", pad_to_width(&tr!("col.plan"), plan));
    }
    let (five, week) = (tr!("col.5h"), tr!("col.week"));
    if columns.bar {
        let _ = write!(heading, " {}", pad_to_width(&five, ACCOUNT_BAR_WIDTH));
        let _ = write!(heading, " {:>4}  {}", "", pad_left_to_width(&week, 4));
    } else {
        let _ = write!(
            heading,
            " {}  {}",
            pad_left_to_width(&five, 4),
            pad_left_to_width(&week, 4)
        );
    }
    let _ = write!(
        heading,
        "  {}",
        pad_to_width(&tr!("col.5h_reset"), columns.five_reset)
    );
    if let Some(week) = columns.week_reset {
        let _ = write!(heading, " {}", pad_to_width(&tr!("col.week_reset"), week));
    }
    let status = format!(" {}", tr!("col.status"));
    if display_width(&heading) + display_width(&status) <= width {
        heading.push_str(&status);
    }
    let _ = writeln!(out, "{}", p.paint(heading.trim_end(), Style::Bold));
    for ((account, label), plan) in report.accounts.iter().zip(&labels).zip(&plans) {
        let row = account_row(account, label, plan, &columns, report.now, p);
        let (status, message) = status_text(account);
        let inline = format!(
            "{status}{}",
            message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        );
        if display_width(&row) + 1 + display_width(&inline) <= width {
            let _ = writeln!(out, "{row} {inline}");
        } else if display_width(&row) + 1 + display_width(&status) <= width {
            let _ = writeln!(out, "{row} {status}");
            if let Some(message) = message {
                wrapped(out, &message, width, "  ", "  ", p, None);
            }
        } else {
            let _ = writeln!(out, "{}", row.trim_end());
            wrapped(out, &inline, width, "  ", "  ", p, None);
        }
        if let Some(error) = &account.error {
            let text = terminal_text(&super::menu::detail_text(error), MESSAGE_CHARS);
            let prefix = format!("  {} ", tr!("status.error_prefix"));
            wrapped(out, &text, width, &prefix, "    ", p, Some(Style::Red));
        }
        // No 5h or Week of its own (a provider read through the server's quota
        // plugin): its lanes, one line each.
        if account.five_hour.is_none() && account.weekly.is_none() {
            for lane in &account.lanes {
                let text = terminal_text(
                    &super::menu::lane_detail(lane, &super::menu::rows::RowClock::at(report.now)),
                    MESSAGE_CHARS,
                );
                let _ = writeln!(out, "  {text}");
            }
        }
        if let Some(source) = account
            .source
            .filter(|s| s.kind == crate::model::SourceKind::Observed && !account.stale)
        {
            let text = format!(
                "  {}",
                tr!("status.observed", ago = ago(report.now - source.at))
            );
            let _ = writeln!(out, "{}", p.paint(&text, Style::Dim));
        }
        if let Some(note) = &account.observation_note {
            let text = format!(
                "  {}",
                tr!(
                    "status.observation_note",
                    text = terminal_text(note, MESSAGE_CHARS)
                )
            );
            let _ = writeln!(out, "{}", p.paint(&text, Style::Dim));
        }
        if account.token_refused {
            let text = format!("  {}", tr!("account.token_refused"));
            let _ = writeln!(out, "{}", p.paint(&text, Style::Red));
        } else if let (true, Some(at)) = (account.expired, account.usage_fetched_at) {
            let text = format!("  {}", tr!("status.too_old", ago = ago(report.now - at)));
            let _ = writeln!(out, "{}", p.paint(&text, Style::Dim));
        }
        if let Some(counted) = &account.duplicate_of {
            let text = format!(
                "  {}",
                tr!(
                    "status.same_login",
                    label = terminal_text(counted, LABEL_WIDTH)
                )
            );
            let _ = writeln!(out, "{}", p.paint(&text, Style::Dim));
        }
    }
}

/// `text` wrapped to `width` (first line after `first`, the others after
/// `rest`), each line painted with `style`.
fn wrapped(
    out: &mut String,
    text: &str,
    width: usize,
    first: &str,
    rest: &str,
    p: &Painter,
    style: Option<Style>,
) {
    for line in wrap_to_width(text, width, first, rest) {
        let line = line.trim_end();
        match style {
            Some(style) => {
                let _ = writeln!(out, "{}", p.paint(line, style));
            }
            None => {
                let _ = writeln!(out, "{line}");
            }
        }
    }
}

/// One row without its status text.
fn account_row(
    a: &AccountView,
    label: &str,
    plan: &str,
    columns: &Columns,
    now: i64,
    p: &Painter,
) -> String {
    let muted = a.killed || a.disabled;
    let five_style = match &a.five_hour {
        Some(_) if muted => Style::Dim,
        Some(w) => Style::of(w.level),
        None => Style::Dim,
    };
    let week_style = match &a.weekly {
        Some(w) => Style::of(w.level),
        None => Style::Dim,
    };
    let mut row = pad_to_width(&truncate_to_width(label, columns.label), columns.label);
    if let Some(width) = columns.plan {
        let _ = write!(
            row,
            " {}",
            pad_to_width(&truncate_to_width(plan, width), width)
        );
    }
    if columns.bar {
        let five_bar = match &a.five_hour {
            Some(w) => bar(w.remaining / 100.0, None, ACCOUNT_BAR_WIDTH),
            None => "·".repeat(ACCOUNT_BAR_WIDTH),
        };
        let _ = write!(row, " {}", p.paint(&five_bar, five_style));
    }
    let _ = write!(
        row,
        " {}  {}  {}",
        p.paint(&format!("{:>4}", percent(a.five_hour.as_ref())), five_style),
        p.paint(&format!("{:>4}", percent(a.weekly.as_ref())), week_style),
        pad_to_width(&reset(a.five_hour.as_ref(), now), columns.five_reset),
    );
    if let Some(width) = columns.week_reset {
        let _ = write!(
            row,
            " {}",
            pad_to_width(&reset(a.weekly.as_ref(), now), width)
        );
    }
    row
}

/// The short status (`active`, `error [cooling]`) and the server's message,
/// if any. A tag repeating the status (`disabled [disabled]`) is left out.
fn status_text(a: &AccountView) -> (String, Option<String>) {
    let status = terminal_text(&super::menu::status_word(&a.status), 16);
    let status = if status.is_empty() {
        "—".to_string()
    } else {
        status
    };
    let all_tags = account_tags(a);
    let tags: Vec<&str> = all_tags
        .split_whitespace()
        .filter(|tag| !tag.eq_ignore_ascii_case(&status))
        .collect();
    let text = if tags.is_empty() {
        status
    } else {
        format!("{status} [{}]", tags.join(" "))
    };
    let message = Some(terminal_text(&a.status_message, 60)).filter(|m| !m.trim().is_empty());
    (text, message)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_give_way_in_the_stated_order() {
        // Labels of 18 columns, plans of 7, resets of 6.
        let at = |width| fit_columns(18, 7, 6, 6, width);
        let full = at(200);
        assert_eq!((full.label, full.plan, full.bar), (18, Some(7), true));
        assert_eq!(full.week_reset, Some(8));
        // Each step happens only when the previous one was not enough.
        let widths: Vec<Columns> = (40..=120).map(at).collect();
        for c in &widths {
            if !c.bar || c.plan.is_none() || c.week_reset.is_none() {
                assert!(!c.bar, "the bar goes first: {c:?}");
            }
            if c.week_reset.is_none() {
                assert!(c.plan.is_none(), "plan goes before week reset: {c:?}");
            }
            if c.label < 18 {
                assert!(c.week_reset.is_none(), "labels shrink last: {c:?}");
            }
        }
        assert!(at(77).bar && !at(75).bar);
        assert_eq!(at(60).plan, None);
        assert_eq!(at(60).week_reset, Some(8));
        assert_eq!(at(40).week_reset, None);
        assert_eq!(at(40).label, 18);
        // A very long label is capped, then shortened to fit (not below 8).
        assert_eq!(fit_columns(60, 4, 3, 3, 200).label, LABEL_WIDTH);
        assert_eq!(fit_columns(28, 4, 3, 3, 40).label, 40 - 21);
        assert_eq!(fit_columns(28, 4, 3, 3, 20).label, MIN_LABEL_WIDTH);
    }

    #[test]
    fn width_comes_from_the_tty_then_columns_then_100() {
        assert_eq!(resolve_width(Some(132), Some("80")), 132);
        assert_eq!(resolve_width(None, Some(" 80 ")), 80);
        assert_eq!(resolve_width(Some(0), Some("70")), 70);
        assert_eq!(resolve_width(None, Some("wide")), DEFAULT_WIDTH);
        assert_eq!(resolve_width(None, None), DEFAULT_WIDTH);
        assert_eq!(resolve_width(None, Some("10")), MIN_WIDTH);
    }
}
