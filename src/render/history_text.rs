//! `poolwatch history` in the terminal, as JSON and as CSV (pure: the
//! history and `now` in, text out). docs/history.md shows the output.

use serde::Serialize;

use super::chart::{resample, sparkline};
use super::menu::plus_percent;
use crate::history::cycles::{Cycle, CycleHour};
use crate::history::waste::{self, Waste, WindowWaste};
use crate::history::{SectionHistory, Window};
use crate::model::Epoch;
use crate::tr;

/// Sparkline cells of a terminal chart.
pub const TERMINAL_CELLS: usize = 48;
/// Cycle rows the table lists before it says how many more there are.
pub const MAX_CYCLE_ROWS: usize = 40;

/// One section as `history` shows it.
pub struct SectionView<'a> {
    pub provider: &'a str,
    /// Display name (`Codex`).
    pub name: String,
    pub history: &'a SectionHistory,
}

/// The JSON document of `history --json`.
#[derive(Serialize)]
pub struct HistoryDocument<'a> {
    pub generated_at: Epoch,
    pub since: Option<Epoch>,
    pub sections: Vec<SectionDocument<'a>>,
}

#[derive(Serialize)]
pub struct SectionDocument<'a> {
    pub provider: &'a str,
    pub series: SeriesDocument,
    /// Closed cycles of the last 48 h (full detail), oldest first.
    pub cycles: Vec<&'a Cycle>,
    /// Older cycles summed per hour and window.
    pub cycle_hours: Vec<&'a CycleHour>,
    pub waste: Waste,
}

#[derive(Serialize)]
pub struct SeriesDocument {
    pub five_hour: Vec<(Epoch, f64, f64)>,
    pub weekly: Vec<(Epoch, f64, f64)>,
}

/// The JSON document of the sections since `since` (None: everything kept).
pub fn document<'a>(
    sections: &[SectionView<'a>],
    since: Option<Epoch>,
    now: Epoch,
) -> HistoryDocument<'a> {
    let from = since.unwrap_or(Epoch::MIN);
    HistoryDocument {
        generated_at: now,
        since,
        sections: sections
            .iter()
            .map(|s| SectionDocument {
                provider: s.provider,
                series: SeriesDocument {
                    five_hour: s.history.series(Window::FiveHour, from),
                    weekly: s.history.series(Window::Weekly, from),
                },
                cycles: s
                    .history
                    .cycles
                    .iter()
                    .filter(|c| c.ended_at >= from)
                    .collect(),
                cycle_hours: s
                    .history
                    .cycle_hours
                    .iter()
                    .filter(|h| h.hour >= from)
                    .collect(),
                waste: waste::totals(s.history, now),
            })
            .collect(),
    }
}

/// A CSV field: quoted when needed; text that a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@`, tab, CR at the start) gets a leading `'`.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// `history --csv`: a point row per window and point, a cycle row per cycle,
/// an hour row per hourly sum, since `since`.
pub fn csv(sections: &[SectionView], since: Option<Epoch>) -> String {
    let from = since.unwrap_or(Epoch::MIN);
    let mut out = String::from(
        "kind,provider,window,at,remaining,capacity,account,label,used_percent,used,wasted,cycles\n",
    );
    for s in sections {
        let provider = csv_field(s.provider);
        for window in Window::ALL {
            for (at, remaining, capacity) in s.history.series(window, from) {
                out.push_str(&format!(
                    "point,{provider},{},{at},{remaining},{capacity},,,,,,\n",
                    window.key()
                ));
            }
        }
        for c in s.history.cycles.iter().filter(|c| c.ended_at >= from) {
            out.push_str(&format!(
                "cycle,{provider},{},{},,,{},{},{},{},{},1\n",
                c.window.key(),
                c.ended_at,
                csv_field(&c.account),
                csv_field(&c.label),
                c.used_percent,
                c.used,
                c.wasted
            ));
        }
        for h in s.history.cycle_hours.iter().filter(|h| h.hour >= from) {
            out.push_str(&format!(
                "hour,{provider},{},{},,,,,,{},{},{}\n",
                h.window.key(),
                h.hour,
                h.used,
                h.wasted,
                h.cycles
            ));
        }
    }
    out
}

fn window_name(window: Window) -> String {
    match window {
        Window::FiveHour => tr!("window.5h"),
        Window::Weekly => tr!("window.week"),
    }
}

/// One chart line: name, sparkline, latest and lowest share of capacity.
fn chart_line(
    history: &SectionHistory,
    window: Window,
    span: Epoch,
    span_name: &str,
    now: Epoch,
) -> Option<String> {
    let series = history.series(window, now - span);
    let (_, remaining, capacity) = *series.last()?;
    let cells = resample(&series, span, TERMINAL_CELLS, now);
    let low = cells.iter().flatten().copied().fold(1.0, f64::min);
    Some(tr!(
        "history.chart_line",
        window = format!("{:<5}", window_name(window)),
        span = span_name,
        chart = sparkline(&cells),
        remaining = plus_percent(remaining),
        capacity = plus_percent(capacity),
        low = format!("{:.0}%", low * 100.0)
    ))
}

fn waste_row(name: &str, w: &WindowWaste) -> String {
    let cell = |used: f64, wasted: f64| {
        let share = if used + wasted > 0.0 {
            format!("{:.0}%", used / (used + wasted) * 100.0)
        } else {
            "—".to_string()
        };
        format!(
            "{:>8} {:>8} {:>5}",
            plus_percent(used),
            plus_percent(wasted),
            share
        )
    };
    format!(
        "{name:<6} {}  {}  {}",
        cell(w.used_24h, w.wasted_24h),
        cell(w.used_7d, w.wasted_7d),
        cell(w.used_30d, w.wasted_30d)
    )
}

/// Local `MM-DD HH:MM` of an epoch.
fn when(at: Epoch) -> String {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_opt(at, 0)
        .single()
        .map(|t| t.format("%m-%d %H:%M").to_string())
        .unwrap_or_else(|| at.to_string())
}

/// The terminal view: charts per window for 24 h and 7 days, waste totals,
/// and the closed cycles since `since` (default: the last 7 days), newest first.
pub fn text(sections: &[SectionView], since: Option<Epoch>, now: Epoch) -> String {
    let mut out = String::new();
    if sections.is_empty() {
        out.push_str(&tr!("history.empty"));
        out.push('\n');
        return out;
    }
    for (i, s) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&tr!("history.section_title", name = &s.name));
        out.push('\n');
        let mut charts = 0;
        for window in Window::ALL {
            for (span, name) in [
                (86_400, tr!("history.span_24h")),
                (7 * 86_400, tr!("history.span_7d")),
            ] {
                if let Some(line) = chart_line(s.history, window, span, &name, now) {
                    out.push_str("  ");
                    out.push_str(&line);
                    out.push('\n');
                    charts += 1;
                }
            }
        }
        if charts == 0 {
            out.push_str(&format!("  {}\n", tr!("history.no_points")));
        }
        let totals = waste::totals(s.history, now);
        out.push('\n');
        out.push_str(&format!("  {}\n", tr!("history.waste_title")));
        out.push_str(&format!(
            "  {:<6} {:^23}  {:^23}  {:^23}\n",
            "",
            tr!("history.span_24h"),
            tr!("history.span_7d"),
            tr!("history.span_30d")
        ));
        let head = format!(
            "{:>8} {:>8} {:>5}",
            tr!("history.col_used"),
            tr!("history.col_wasted"),
            tr!("history.col_util")
        );
        out.push_str(&format!("  {:<6} {head}  {head}  {head}\n", ""));
        for window in Window::ALL {
            out.push_str(&format!(
                "  {}\n",
                waste_row(&window_name(window), totals.window(window))
            ));
        }
        let from = since.unwrap_or(now - 7 * 86_400);
        let cycles: Vec<&Cycle> = s
            .history
            .cycles
            .iter()
            .rev()
            .filter(|c| c.ended_at >= from)
            .collect();
        let summed: u32 = s
            .history
            .cycle_hours
            .iter()
            .filter(|h| h.hour >= from)
            .map(|h| h.cycles)
            .sum();
        out.push('\n');
        out.push_str(&format!(
            "  {}\n",
            tr!("history.cycles_title", n = cycles.len() + summed as usize)
        ));
        if cycles.is_empty() {
            out.push_str(&format!("  {}\n", tr!("history.no_cycles")));
        } else {
            out.push_str(&format!(
                "  {:<11}  {:<5}  {:<32} {:>5} {:>8}\n",
                tr!("history.col_ended"),
                tr!("history.col_window"),
                tr!("history.col_account"),
                tr!("history.col_used"),
                tr!("history.col_wasted")
            ));
            for c in cycles.iter().take(MAX_CYCLE_ROWS) {
                let label = super::sanitize::terminal_text(&c.label, 32);
                out.push_str(&format!(
                    "  {:<11}  {:<5}  {:<32} {:>4.0}% {:>8}\n",
                    when(c.ended_at),
                    window_name(c.window),
                    label,
                    c.used_percent,
                    plus_percent(c.wasted)
                ));
            }
            if cycles.len() > MAX_CYCLE_ROWS {
                out.push_str(&format!(
                    "  {}\n",
                    tr!("history.more_cycles", n = cycles.len() - MAX_CYCLE_ROWS)
                ));
            }
        }
        if summed > 0 {
            out.push_str(&format!("  {}\n", tr!("history.older_cycles", n = summed)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("alice@x"), "alice@x");
        assert_eq!(csv_field("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_field("@x"), "'@x");
    }
}
