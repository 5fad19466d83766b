//! The pool over time in `poolwatch status` (issue 19.5): the day sparkline
//! and pace stage per window, last week's waste, the accounts to use first.
//! Pure; `text.rs` prints these lines under the pool block.

use super::duration::short;
use super::menu::{plus_percent, window_name};
use super::sanitize::terminal_text;
use super::MenuContext;
use crate::history::Window;
use crate::model::Epoch;
use crate::quota::pace::{Stage, WindowPace};
use crate::tr;

/// `lasts until reset` / `runs out 1h12m before reset` / `on pace` (None without a stage).
pub fn stage_text(pace: &WindowPace) -> Option<String> {
    Some(match (pace.stage?, pace.margin_seconds) {
        (Stage::Deficit, Some(margin)) => tr!("pace.deficit", d = short(-margin)),
        (Stage::Deficit, None) => tr!("pace.deficit_plain"),
        (Stage::OnPace, _) => tr!("pace.on_pace"),
        (Stage::Reserve, _) => tr!("pace.reserve"),
    })
}

/// The pace of `window` in `ctx`.
pub fn window_pace(ctx: &MenuContext, window: Window) -> Option<&WindowPace> {
    let pace = ctx.pace.as_ref()?;
    match window {
        Window::FiveHour => pace.five_hour.as_ref(),
        Window::Weekly => pace.weekly.as_ref(),
    }
}

/// The localized name of a window.
pub fn name_of(window: Window) -> String {
    match window {
        Window::FiveHour => window_name("5h"),
        Window::Weekly => window_name("Week"),
    }
}

/// `text` padded to `width` display columns with no-break spaces (kept
/// through wrapping; the caller prints them as spaces).
fn padded(text: &str, width: usize) -> String {
    let missing = width.saturating_sub(super::width::display_width(text));
    format!("{text}{}", "\u{a0}".repeat(missing))
}

/// The status lines (empty when nothing is known). Alignment uses no-break
/// spaces: print them as spaces.
pub fn status_lines(ctx: &MenuContext, now: Epoch) -> Vec<String> {
    let Some(over) = ctx.over_time.as_ref() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if let Some(chart) = &over.chart {
        for row in &chart.rows {
            let mut line = format!(
                "{}{}\u{a0}{}\u{a0}\u{a0}{}",
                padded(&name_of(row.window), 5),
                tr!("chart.day").replace(' ', "\u{a0}"),
                row.sparkline,
                tr!("chart.low", low = format!("{:.0}%", row.low * 100.0))
            );
            if let Some(stage) = window_pace(ctx, row.window).and_then(stage_text) {
                line.push_str(" · ");
                line.push_str(&stage);
            }
            lines.push(line);
        }
    }
    if let Some(glance) = &over.glance {
        let w = &glance.waste;
        if w.five_hour.used_7d + w.five_hour.wasted_7d + w.weekly.used_7d + w.weekly.wasted_7d > 0.0
        {
            lines.push(tr!(
                "menu.waste_week",
                five = plus_percent(w.five_hour.wasted_7d),
                week = plus_percent(w.weekly.wasted_7d)
            ));
        }
    }
    if !over.expiring.is_empty() {
        let names: Vec<String> = over
            .expiring
            .iter()
            .take(3)
            .map(|e| {
                tr!(
                    "status.use_first_item",
                    label = terminal_text(&e.label, 32),
                    window = if e.window == "weekly" {
                        name_of(Window::Weekly)
                    } else {
                        name_of(Window::FiveHour)
                    },
                    remaining = format!("{:.0}%", e.remaining),
                    resets = short((e.resets_at - now).max(0))
                )
            })
            .collect();
        lines.push(tr!("status.use_first", list = names.join(" · ")));
    }
    lines
}
