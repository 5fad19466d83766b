//! OpenMetrics families of the pool over time (issue 19.5): used and wasted
//! quota and utilisation per window over 24 h, 7 d and 30 d, and the pace
//! per window. `commands::shell::metrics` writes them before `# EOF` of
//! [`super::metrics::openmetrics`]; same conventions (gauges, `# UNIT` when
//! the name ends in it, families without samples left out).

use std::fmt::Write as _;

use super::OverTime;
use crate::history::waste::WindowWaste;
use crate::quota::pace::Pace;

/// One pool's history data.
#[derive(Clone, Copy, Debug)]
pub struct HistoryMetrics<'a> {
    pub profile: &'a str,
    pub over_time: Option<&'a OverTime>,
    pub pace: Option<&'a Pace>,
}

fn escape(value: &str) -> String {
    let mut out = String::new();
    for c in value
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(128)
    {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

struct Family {
    name: &'static str,
    unit: Option<&'static str>,
    help: &'static str,
    lines: Vec<String>,
}

impl Family {
    fn new(name: &'static str, unit: Option<&'static str>, help: &'static str) -> Family {
        Family {
            name,
            unit,
            help,
            lines: Vec::new(),
        }
    }

    fn push(&mut self, labels: &[(&str, &str)], value: f64) {
        if !value.is_finite() {
            return;
        }
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect();
        self.lines
            .push(format!("{}{{{}}} {value}", self.name, labels.join(",")));
    }

    fn write(&self, out: &mut String) {
        if self.lines.is_empty() {
            return;
        }
        let _ = writeln!(out, "# TYPE {} gauge", self.name);
        if let Some(unit) = self.unit {
            let _ = writeln!(out, "# UNIT {} {unit}", self.name);
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
    }
}

/// The families of every pool (empty when none has history or pace).
pub fn history_families(pools: &[HistoryMetrics]) -> String {
    let mut used = Family::new(
        "poolwatch_window_used_percent",
        Some("percent"),
        "Quota used in window cycles that ended within the span, per window, in the primary section's unit (Plus-base percent for Codex).",
    );
    let mut wasted = Family::new(
        "poolwatch_window_wasted_percent",
        Some("percent"),
        "Quota left unused when account windows reset within the span (wasted), per window, in the primary section's unit.",
    );
    let mut utilisation = Family::new(
        "poolwatch_window_utilisation_ratio",
        Some("ratio"),
        "Used / (used + wasted) of the window cycles that ended within the span (0 to 1).",
    );
    let mut burn = Family::new(
        "poolwatch_pace_burn_percent_per_hour",
        None,
        "Pool quota burned per hour per window (5h: last hour, week: last 24 h), in the primary section's unit.",
    );
    let mut runs_out = Family::new(
        "poolwatch_pace_runs_out_timestamp_seconds",
        Some("seconds"),
        "When the pool window runs out at the current pace, restores counted (Unix time).",
    );
    let mut lasts = Family::new(
        "poolwatch_pace_lasts_until_reset",
        None,
        "1 when the pool window lasts until every account's window has reset at the current pace.",
    );
    for pool in pools {
        if let Some(glance) = pool.over_time.and_then(|o| o.glance.as_ref()) {
            let windows: [(&str, &WindowWaste); 2] = [
                ("five_hour", &glance.waste.five_hour),
                ("weekly", &glance.waste.weekly),
            ];
            for (window, w) in windows {
                for (span, u, x) in [
                    ("24h", w.used_24h, w.wasted_24h),
                    ("7d", w.used_7d, w.wasted_7d),
                    ("30d", w.used_30d, w.wasted_30d),
                ] {
                    let labels = [
                        ("profile", pool.profile),
                        ("provider", glance.provider.as_str()),
                        ("window", window),
                        ("span", span),
                    ];
                    used.push(&labels, u);
                    wasted.push(&labels, x);
                    if u + x > 0.0 {
                        utilisation.push(&labels, u / (u + x));
                    }
                }
            }
        }
        if let Some(pace) = pool.pace {
            for (window, p) in [("five_hour", &pace.five_hour), ("weekly", &pace.weekly)] {
                let Some(p) = p else { continue };
                let labels = [("profile", pool.profile), ("window", window)];
                burn.push(&labels, p.burn_per_hour);
                if let Some(at) = p.runs_out_at {
                    runs_out.push(&labels, at as f64);
                }
                lasts.push(&labels, if p.lasts_until_reset { 1.0 } else { 0.0 });
            }
        }
    }
    let mut out = String::new();
    for family in [&used, &wasted, &utilisation, &burn, &runs_out, &lasts] {
        family.write(&mut out);
    }
    out
}

/// `text` (an exposition ending in `# EOF\n`) with `families` inserted before the end.
pub fn insert_before_eof(mut text: String, families: &str) -> String {
    match text.rfind("# EOF\n") {
        Some(at) if !families.is_empty() => {
            text.insert_str(at, families);
            text
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::waste::Waste;
    use crate::history::Glance;

    #[test]
    fn waste_utilisation_and_pace_families() {
        let over = OverTime {
            glance: Some(Glance {
                provider: "codex".into(),
                waste: Waste {
                    five_hour: WindowWaste {
                        used_7d: 300.0,
                        wasted_7d: 100.0,
                        ..Default::default()
                    },
                    ..Default::default()
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        let pace = Pace {
            five_hour: Some(crate::quota::pace::WindowPace::simple(240.0, Some(1000))),
            weekly: None,
        };
        let pools = [HistoryMetrics {
            profile: "wo\"rk",
            over_time: Some(&over),
            pace: Some(&pace),
        }];
        let text = insert_before_eof("# EOF\n".to_string(), &history_families(&pools));
        assert!(text.contains(
            "poolwatch_window_wasted_percent{profile=\"wo\\\"rk\",provider=\"codex\",window=\"five_hour\",span=\"7d\"} 100\n"
        ), "{text}");
        assert!(text.contains("poolwatch_window_utilisation_ratio{profile=\"wo\\\"rk\",provider=\"codex\",window=\"five_hour\",span=\"7d\"} 0.75\n"));
        assert!(!text.contains("span=\"24h\"} NaN"));
        assert!(text.contains(
            "poolwatch_pace_lasts_until_reset{profile=\"wo\\\"rk\",window=\"five_hour\"} 0\n"
        ));
        assert!(text.ends_with("# EOF\n"));
        assert_eq!(history_families(&[]), "");
    }
}
