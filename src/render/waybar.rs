//! `status --format waybar`: one JSON object per line for Waybar's `custom` module
//! (`"return-type": "json"`): `text`, `tooltip`, `class` and `percentage`.
//!
//! `class` is `ok`, `warning` or `critical` from the pool's levels, `stale` when the data is the
//! last good state after a failed fetch (or a rejected key), `error` when there is no data.
//! `percentage` is the lower share of capacity left among the known windows (0–100).

use serde::Serialize;

use super::{FetchStatus, MenuContext};
use crate::quota::{Level, PoolReport, PoolWindow};

#[derive(Serialize)]
struct Line<'a> {
    text: String,
    tooltip: String,
    class: &'a str,
    percentage: u8,
}

fn share(window: &PoolWindow) -> f64 {
    (window.remaining / window.capacity * 100.0).clamp(0.0, 100.0)
}

/// The Waybar line (without the newline).
pub fn render_waybar(report: Option<&PoolReport>, ctx: &MenuContext) -> String {
    let problem = match &ctx.status {
        FetchStatus::Stale { error } => Some(error.as_str()),
        FetchStatus::AuthLatched { message } => Some(message.as_str()),
        FetchStatus::Fresh | FetchStatus::Refreshing => None,
    };
    let clean = |s: &str| super::sanitize::terminal_text(s, 200);
    let Some(report) = report else {
        let tooltip = problem
            .map(clean)
            .unwrap_or_else(|| crate::tr!("menu.no_pool_data"));
        return encode(&Line {
            text: format!("⚠ {}", crate::tr!("title.no_data")),
            tooltip,
            class: "error",
            percentage: 0,
        });
    };
    let windows: Vec<(String, &PoolWindow)> = [
        (crate::tr!("window.5h"), &report.five_hour),
        (crate::tr!("title.week"), &report.weekly),
    ]
    .into_iter()
    .filter(|(_, w)| w.is_known())
    .collect();
    let text = if windows.is_empty() {
        crate::tr!("title.no_quota_data")
    } else {
        windows
            .iter()
            .map(|(name, w)| format!("{name} {:.0}%", share(w)))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let mut tooltip: Vec<String> = Vec::new();
    if let Some(problem) = problem {
        tooltip.push(clean(problem));
    }
    for (name, w) in &windows {
        tooltip.push(format!(
            "{name}: {:.0}% / {:.0}% ({:.0}%)",
            w.remaining,
            w.capacity,
            share(w)
        ));
    }
    tooltip.push(crate::tr!(
        "counts.available",
        available = report.counts.available,
        total = report.counts.total
    ));
    tooltip.push(match ctx.updated_at {
        Some(at) => crate::tr!(
            "menu.last_updated",
            ago = super::duration::ago(ctx.now - at)
        ),
        None => crate::tr!("menu.never_updated"),
    });
    let worst = windows.iter().map(|(_, w)| w.level).min();
    let class = if problem.is_some() {
        "stale"
    } else {
        match worst {
            Some(Level::Red) => "critical",
            Some(Level::Yellow) => "warning",
            _ => "ok",
        }
    };
    let percentage = windows
        .iter()
        .map(|(_, w)| share(w))
        .fold(None, |low: Option<f64>, s| {
            Some(low.map_or(s, |l| l.min(s)))
        })
        .unwrap_or(0.0)
        .round() as u8;
    encode(&Line {
        text,
        tooltip: tooltip.join("\n"),
        class,
        percentage,
    })
}

fn encode(line: &Line) -> String {
    // serde_json escapes newlines and controls: the object stays on one line.
    serde_json::to_string(line).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(status: FetchStatus) -> MenuContext {
        MenuContext {
            profile: "default".into(),
            pool_url: String::new(),
            exe: "poolwatch".into(),
            settings_path: String::new(),
            updated_at: Some(100),
            status,
            notices: vec![],
            sort: Default::default(),
            demo: false,
            pace: None,
            now: 160,
            ban_until: None,
        }
    }

    fn window(remaining: f64, level: Level) -> PoolWindow {
        PoolWindow {
            remaining,
            capacity: 200.0,
            forecast: None,
            level,
        }
    }

    fn report(five: PoolWindow, week: PoolWindow) -> PoolReport {
        PoolReport {
            now: 160,
            five_hour: five,
            weekly: week,
            accounts: vec![],
            counts: Default::default(),
            health: Default::default(),
            plans: vec![],
            primary_provider: "codex".into(),
            sections: vec![],
            api_keys: vec![],
        }
    }

    fn parse(line: &str) -> serde_json::Value {
        assert!(!line.contains('\n'), "{line}");
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn classes_and_percentage() {
        let r = report(window(150.0, Level::Green), window(30.0, Level::Yellow));
        let v = parse(&render_waybar(Some(&r), &ctx(FetchStatus::Fresh)));
        assert_eq!(v["class"], "warning");
        assert_eq!(v["percentage"], 15);
        assert_eq!(v["text"], "5h 75% · W 15%");
        assert!(v["tooltip"]
            .as_str()
            .unwrap()
            .contains("5h: 150% / 200% (75%)\n"));
        let r = report(window(5.0, Level::Red), PoolWindow::unknown());
        let v = parse(&render_waybar(Some(&r), &ctx(FetchStatus::Fresh)));
        assert_eq!(
            (v["class"].as_str(), v["percentage"].as_u64()),
            (Some("critical"), Some(3))
        );
        let v = parse(&render_waybar(
            Some(&r),
            &ctx(FetchStatus::Stale {
                error: "Pool unreachable\u{1b}[31m".into(),
            }),
        ));
        assert_eq!(v["class"], "stale");
        assert!(!v["tooltip"].as_str().unwrap().contains('\u{1b}'));
        let v = parse(&render_waybar(None, &ctx(FetchStatus::Fresh)));
        assert_eq!(
            (v["class"].as_str(), v["percentage"].as_u64()),
            (Some("error"), Some(0))
        );
    }
}
