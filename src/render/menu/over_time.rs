//! The menu's part of the pool over time (issue 19.5): a day chart per
//! window (a 2x PNG on `image=` with `width=`/`height=` under SwiftBar, a
//! sparkline in xbar), the pace's stage, last week's waste, and the accounts
//! to use first. Everything comes precomputed in [`crate::render::OverTime`]
//! (the menu form carries it), so a cache-hit run only prints it.

use super::*;
use crate::history::Window;

impl Menu<'_> {
    pub(super) fn over_time_lines(&self, report: &PoolReport) -> Vec<MenuLine> {
        let Some(over) = self.ctx.over_time.as_ref() else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        if let Some(chart) = &over.chart {
            for row in &chart.rows {
                let name = match row.window {
                    Window::FiveHour => window_name("5h"),
                    Window::Weekly => window_name("Week"),
                };
                let stage = self
                    .ctx
                    .pace
                    .as_ref()
                    .and_then(|p| match row.window {
                        Window::FiveHour => p.five_hour.as_ref(),
                        Window::Weekly => p.weekly.as_ref(),
                    })
                    .and_then(crate::render::over_time_text::stage_text);
                let low = tr!("chart.low", low = format!("{:.0}%", row.low * 100.0));
                let suffix = match stage {
                    Some(s) => format!("{low} · {s}"),
                    None => low,
                };
                let image = chart.form.shows_image(self.swiftbar()) && !row.png_base64.is_empty();
                let line = if image && self.swiftbar() {
                    MenuLine::item(
                        0,
                        format!("{} · {}  {suffix}", pad(&name, 4), tr!("chart.day")),
                    )
                    .param("image", row.png_base64.as_str())
                    .param("width", row.width_pt.to_string())
                    .param("height", row.height_pt.to_string())
                } else if image {
                    // xbar knows `image=` but not `width=`/`height=` (an
                    // unknown parameter makes it reject the whole output).
                    MenuLine::item(
                        0,
                        format!("{} · {}  {suffix}", pad(&name, 4), tr!("chart.day")),
                    )
                    .param("image", row.png_base64.as_str())
                } else {
                    self.mono(MenuLine::item(
                        0,
                        format!("{} {}  {suffix}", pad(&name, 4), row.sparkline),
                    ))
                    .param("trim", "false")
                };
                lines.push(line);
            }
        }
        if let Some(glance) = &over.glance {
            let waste = &glance.waste;
            if waste.five_hour.used_7d
                + waste.five_hour.wasted_7d
                + waste.weekly.used_7d
                + waste.weekly.wasted_7d
                > 0.0
            {
                lines.push(MenuLine::item(
                    0,
                    tr!(
                        "menu.waste_week",
                        five = plus_percent(waste.five_hour.wasted_7d),
                        week = plus_percent(waste.weekly.wasted_7d)
                    ),
                ));
                for (name, w) in [
                    (window_name("5h"), &waste.five_hour),
                    (window_name("Week"), &waste.weekly),
                ] {
                    for (span, used, wasted) in [
                        (tr!("history.span_24h"), w.used_24h, w.wasted_24h),
                        (tr!("history.span_7d"), w.used_7d, w.wasted_7d),
                        (tr!("history.span_30d"), w.used_30d, w.wasted_30d),
                    ] {
                        let util = if used + wasted > 0.0 {
                            format!("{:.0}%", used / (used + wasted) * 100.0)
                        } else {
                            "—".into()
                        };
                        lines.push(self.mono(MenuLine::item(
                            1,
                            tr!(
                                "menu.waste_row",
                                window = pad(&name, 4),
                                span = span,
                                used = plus_percent(used),
                                wasted = plus_percent(wasted),
                                util = util
                            ),
                        )));
                    }
                }
            }
        }
        if !over.expiring.is_empty() {
            lines.push(MenuLine::item(0, tr!("menu.use_first")));
            for e in &over.expiring {
                let label = non_empty(menu_text(&e.label, LABEL_WIDTH), &tr!("menu.no_label"));
                let window = if e.window == "weekly" {
                    window_name("Week")
                } else {
                    window_name("5h")
                };
                let text = tr!(
                    "menu.use_first_row",
                    label = pad(&label, LABEL_WIDTH),
                    window = window,
                    remaining = format!("{:.0}%", e.remaining),
                    resets = short((e.resets_at - report.now).max(0))
                );
                lines.push(self.untrusted(self.mono(MenuLine::item(1, format!("   {text}")))));
            }
        }
        lines
    }
}
