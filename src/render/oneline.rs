//! One-line summaries for tmux status bars and shell prompts (starship etc.).
//!
//! A template is plain text with `{name}` placeholders (see [`PLACEHOLDERS`])
//! and `{{` / `}}` for literal braces. The result is always one line: line
//! breaks become spaces and other control characters are dropped.

use super::duration::{ago, short};
use super::menu::{fraction_percent, plus_percent};
use super::sanitize::terminal_text;
use super::{FetchStatus, MenuContext};
use crate::model::Epoch;
use crate::quota::{Level, PoolReport, PoolWindow};

/// The `short` preset.
pub const SHORT_PRESET: &str = "5h {5h_pct} · W {week_pct}";
/// The `long` preset.
pub const LONG_PRESET: &str =
    "5h {5h}/{5h_cap} {5h_pct} · W {week_pct} · {available}/{total} ok{restore_sep}{restore}";

/// What a numeric placeholder shows without data.
const NO_DATA: &str = "—";
/// Separator written by `{restore_sep}` when there is a 5h restore.
const RESTORE_SEPARATOR: &str = " · ";
/// Visible characters kept from the profile name.
const PROFILE_CHARS: usize = 40;

/// Placeholders as (name, description), for `--help` and the docs.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("5h", "pool 5h remaining, Plus-base percent (\"263%\")"),
    ("5h_cap", "pool 5h capacity, Plus-base percent"),
    (
        "5h_pct",
        "pool 5h remaining as a share of capacity (\"19%\")",
    ),
    ("week", "pool weekly remaining, Plus-base percent"),
    ("week_cap", "pool weekly capacity, Plus-base percent"),
    ("week_pct", "pool weekly remaining as a share of capacity"),
    (
        "available",
        "accounts in the available state (usable now, above the kill line)",
    ),
    ("total", "accounts in the pool"),
    ("killed", "accounts below the weekly kill line"),
    ("cooling", "accounts cooling down"),
    ("erroring", "accounts whose last usage fetch failed"),
    ("failures", "failed requests in the last 30 minutes"),
    (
        "restore",
        "next 5h restore (\"+263% in 38m\"), empty when none",
    ),
    ("restore_week", "next weekly restore, empty when none"),
    (
        "restore_sep",
        "\" · \" when there is a 5h restore, else empty",
    ),
    ("updated", "age of the data (\"3m ago\")"),
    ("state", "fresh, stale, refreshing or auth"),
    ("profile", "profile name"),
    (
        "level",
        "red, yellow or green: the worse of the two windows",
    ),
];

/// What a placeholder shows in the current language: `english` (from
/// [`PLACEHOLDERS`]) in an English run, else the catalogue text
/// `help.placeholder.<name>` (whose `en` column the `cli` tests keep equal to
/// `english`).
pub fn placeholder_meaning(name: &str, english: &str) -> String {
    if crate::i18n::current() == crate::i18n::Lang::En {
        return english.to_string();
    }
    crate::i18n::text(&format!("help.placeholder.{name}")).unwrap_or_else(|| english.to_string())
}

/// Expands the preset names `short` and `long`; any other template is returned as is.
pub fn expand_preset(template: &str) -> &str {
    match template {
        "short" => SHORT_PRESET,
        "long" => LONG_PRESET,
        other => other,
    }
}

/// A one-line summary for tmux/starship prompts (without a trailing newline).
///
/// Without a report every numeric placeholder shows `—` and restores are
/// empty; `{state}`, `{profile}` and `{updated}` still work. Errors name an
/// unknown placeholder or a stray brace, and list the known placeholders.
pub fn render_oneline(
    template: &str,
    report: Option<&PoolReport>,
    ctx: &MenuContext,
) -> Result<String, String> {
    // The presets speak the run's language (`W` → `周`, `ok` → `可用`).
    let localized = match template {
        SHORT_PRESET => crate::tr!("oneline.short"),
        LONG_PRESET => crate::tr!("oneline.long"),
        other => other.to_string(),
    };
    let template = localized.as_str();
    let mut out = String::new();
    for piece in parse(template)? {
        match piece {
            Piece::Text(text) => out.push_str(&text),
            Piece::Placeholder(name) => {
                let value = placeholder_value(name, report, ctx)
                    .ok_or_else(|| unknown_placeholder(name))?;
                out.push_str(&value);
            }
        }
    }
    Ok(single_line(&out))
}

/// A parsed part of a template.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(String),
    Placeholder(&'a str),
}

/// Splits a template into text and placeholders, checking every name.
fn parse(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("{{") {
            text.push('{');
            rest = after;
        } else if let Some(after) = rest.strip_prefix("}}") {
            text.push('}');
            rest = after;
        } else if c == '}' {
            return Err(format!(
                "unmatched '}}' in the format; write '}}}}' for a literal brace. {}",
                known_list()
            ));
        } else if c == '{' {
            let Some(end) = rest.find('}') else {
                return Err(format!(
                    "unclosed '{{' in the format; write '{{{{' for a literal brace. {}",
                    known_list()
                ));
            };
            let name = &rest[1..end];
            if !is_known(name) {
                return Err(unknown_placeholder(name));
            }
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Placeholder(name));
            rest = &rest[end + 1..];
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

fn is_known(name: &str) -> bool {
    PLACEHOLDERS.iter().any(|(known, _)| *known == name)
}

fn unknown_placeholder(name: &str) -> String {
    format!(
        "unknown placeholder {{{}}} in the format. {}",
        single_line(&terminal_text(name, 40)),
        known_list()
    )
}

fn known_list() -> String {
    let names: Vec<String> = PLACEHOLDERS
        .iter()
        .map(|(name, _)| format!("{{{name}}}"))
        .collect();
    format!(
        "Known placeholders: {}; presets: short, long",
        names.join(" ")
    )
}

/// The text of one placeholder, or None when the name is unknown.
fn placeholder_value(name: &str, report: Option<&PoolReport>, ctx: &MenuContext) -> Option<String> {
    let now = ctx.now;
    let value = match name {
        "state" => state_name(&ctx.status).to_string(),
        "profile" => terminal_text(&ctx.profile, PROFILE_CHARS),
        "updated" => ctx
            .updated_at
            .map_or_else(|| NO_DATA.to_string(), |at| ago(now - at)),
        "restore" => report
            .and_then(|r| restore_text(&r.five_hour, now))
            .unwrap_or_default(),
        "restore_week" => report
            .and_then(|r| restore_text(&r.weekly, now))
            .unwrap_or_default(),
        "restore_sep" => match report.and_then(|r| restore_text(&r.five_hour, now)) {
            Some(_) => RESTORE_SEPARATOR.to_string(),
            None => String::new(),
        },
        _ => {
            if !is_known(name) {
                return None;
            }
            report.map_or_else(|| NO_DATA.to_string(), |r| report_value(name, r))
        }
    };
    Some(value)
}

/// The value of a placeholder that needs a report (numbers and the level).
fn report_value(name: &str, report: &PoolReport) -> String {
    let c = &report.counts;
    let (five, week) = (&report.five_hour, &report.weekly);
    match name {
        // A pool without a 5h window has no 5h figure, not 0%.
        "5h" | "5h_cap" | "5h_pct" if !five.is_known() => NO_DATA.to_string(),
        "week" | "week_cap" | "week_pct" if !week.is_known() => NO_DATA.to_string(),
        "5h" => plus_percent(five.remaining),
        "5h_cap" => plus_percent(five.capacity),
        "5h_pct" => fraction_percent(five.remaining, five.capacity),
        "week" => plus_percent(week.remaining),
        "week_cap" => plus_percent(week.capacity),
        "week_pct" => fraction_percent(week.remaining, week.capacity),
        "available" => c.available.to_string(),
        "total" => c.total.to_string(),
        "killed" => c.killed.to_string(),
        "cooling" => c.cooling.to_string(),
        "erroring" => c.erroring.to_string(),
        "failures" => report.health.recent_failures.to_string(),
        "level" => level_name(report.level()).to_string(),
        _ => NO_DATA.to_string(),
    }
}

/// `+263% in 38m` for a window with a restore forecast (`+263% now` once due).
fn restore_text(window: &PoolWindow, now: Epoch) -> Option<String> {
    let forecast = window.forecast.as_ref()?;
    let restored = plus_percent(forecast.restored);
    Some(if forecast.at > now {
        crate::tr!(
            "oneline.restore_in",
            restored = restored,
            d = short(forecast.at - now)
        )
    } else {
        crate::tr!("oneline.restore_now", restored = restored)
    })
}

fn state_name(status: &FetchStatus) -> &'static str {
    match status {
        FetchStatus::Fresh => "fresh",
        FetchStatus::Stale { .. } => "stale",
        FetchStatus::Refreshing => "refreshing",
        FetchStatus::AuthLatched { .. } => "auth",
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Red => "red",
        Level::Yellow => "yellow",
        Level::Green => "green",
    }
}

/// Line breaks and other whitespace controls become spaces; remaining
/// control characters (C0, DEL, C1) are dropped. Spacing is otherwise kept,
/// so templates may pad on purpose.
fn single_line(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() && c != ' ' {
                Some(' ')
            } else if c.is_control() {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::{Forecast, PoolCounts, PoolHealth, SortOrder};

    const NOW: Epoch = 1_700_000_000;

    fn ctx(status: FetchStatus) -> MenuContext {
        MenuContext {
            profile: "work".to_string(),
            pool_url: "http://127.0.0.1:8317".to_string(),
            exe: "/usr/local/bin/poolwatch".to_string(),
            settings_path: "/tmp/config.toml".to_string(),
            updated_at: Some(NOW - 180),
            status,
            notices: Vec::new(),
            sort: SortOrder::default(),
            demo: false,
            pace: None,
            now: NOW,
            ban_until: None,
            ..Default::default()
        }
    }

    fn fresh() -> MenuContext {
        ctx(FetchStatus::Fresh)
    }

    fn report() -> PoolReport {
        PoolReport {
            now: NOW,
            five_hour: PoolWindow {
                remaining: 263.0,
                capacity: 1420.0,
                forecast: Some(Forecast {
                    restored: 263.0,
                    target: 526.0,
                    at: NOW + 38 * 60,
                    first: None,
                }),
                level: Level::Yellow,
            },
            weekly: PoolWindow {
                remaining: 1428.0,
                capacity: 2100.0,
                forecast: Some(Forecast {
                    restored: 4.5,
                    target: 1432.5,
                    at: NOW + 2 * 86_400 + 3 * 3600,
                    first: None,
                }),
                level: Level::Green,
            },
            accounts: Vec::new(),
            counts: PoolCounts {
                total: 12,
                available: 9,
                killed: 1,
                cooling: 2,
                erroring: 1,
                disabled: 0,
                stale: 0,
                duplicates: 0,
            },
            health: PoolHealth {
                recent_failures: 4,
                ..PoolHealth::default()
            },
            plans: Vec::new(),
            primary_provider: "codex".into(),
            sections: Vec::new(),
            api_keys: Vec::new(),
        }
    }

    fn render(template: &str, report: Option<&PoolReport>, ctx: &MenuContext) -> String {
        render_oneline(expand_preset(template), report, ctx).expect("valid template")
    }

    #[test]
    fn presets_expand_and_others_pass_through() {
        assert_eq!(expand_preset("short"), SHORT_PRESET);
        assert_eq!(expand_preset("long"), LONG_PRESET);
        assert_eq!(expand_preset("{5h}"), "{5h}");
        assert_eq!(expand_preset("Short"), "Short");
    }

    #[test]
    fn short_preset() {
        assert_eq!(render("short", Some(&report()), &fresh()), "5h 19% · W 68%");
    }

    #[test]
    fn long_preset_with_restore() {
        assert_eq!(
            render("long", Some(&report()), &fresh()),
            "5h 263%/1420% 19% · W 68% · 9/12 ok · +263% in 38m"
        );
    }

    #[test]
    fn long_preset_without_restore_drops_the_separator() {
        let mut r = report();
        r.five_hour.forecast = None;
        assert_eq!(
            render("long", Some(&r), &fresh()),
            "5h 263%/1420% 19% · W 68% · 9/12 ok"
        );
    }

    #[test]
    fn custom_template_uses_every_kind_of_value() {
        let template = "{profile} {level} {state} {updated} f={failures} k={killed} \
                        c={cooling} e={erroring} w={week}/{week_cap} rw={restore_week}";
        assert_eq!(
            render(template, Some(&report()), &fresh()),
            "work yellow fresh 3m ago f=4 k=1 c=2 e=1 w=1428%/2100% rw=+4.5% in 2d3h"
        );
    }

    #[test]
    fn small_values_keep_one_decimal() {
        let mut r = report();
        r.five_hour.remaining = 2.54;
        r.five_hour.capacity = 100.0;
        assert_eq!(render("{5h} {5h_pct}", Some(&r), &fresh()), "2.5% 3%");
    }

    #[test]
    fn a_pool_without_a_5h_window_has_no_5h_figure() {
        let mut r = report();
        r.five_hour = PoolWindow::unknown();
        assert_eq!(
            render("{5h} {5h_cap} {5h_pct} w={week_pct}", Some(&r), &fresh()),
            "— — — w=68%"
        );
        // The level is the known window's, not the red of the missing one.
        r.weekly.level = Level::Green;
        assert_eq!(render("{level}", Some(&r), &fresh()), "green");
    }

    #[test]
    fn level_is_the_worse_window() {
        let mut r = report();
        r.weekly.level = Level::Red;
        assert_eq!(render("{level}", Some(&r), &fresh()), "red");
        r.weekly.level = Level::Green;
        r.five_hour.level = Level::Green;
        assert_eq!(render("{level}", Some(&r), &fresh()), "green");
    }

    #[test]
    fn state_names() {
        let r = report();
        let cases = [
            (FetchStatus::Fresh, "fresh"),
            (
                FetchStatus::Stale {
                    error: "timeout".to_string(),
                },
                "stale",
            ),
            (FetchStatus::Refreshing, "refreshing"),
            (
                FetchStatus::AuthLatched {
                    message: "401".to_string(),
                },
                "auth",
            ),
        ];
        for (status, name) in cases {
            assert_eq!(render("{state}", Some(&r), &ctx(status)), name);
        }
    }

    #[test]
    fn no_data_shows_dashes_and_state_still_works() {
        let mut c = ctx(FetchStatus::AuthLatched {
            message: "401".to_string(),
        });
        c.updated_at = None;
        assert_eq!(render("long", None, &c), "5h —/— — · W — · —/— ok");
        assert_eq!(
            render(
                "{state} {level} {failures} {killed}[{restore}][{restore_week}] {updated} {profile}",
                None,
                &c
            ),
            "auth — — —[][] — work"
        );
    }

    #[test]
    fn no_report_but_known_update_time_shows_its_age() {
        assert_eq!(render("{updated}", None, &fresh()), "3m ago");
        let mut c = fresh();
        c.updated_at = Some(NOW + 30);
        assert_eq!(render("{updated}", None, &c), "just now");
    }

    #[test]
    fn double_braces_are_literal() {
        assert_eq!(
            render("{{5h}} = {5h}}}", Some(&report()), &fresh()),
            "{5h} = 263%}"
        );
        assert_eq!(render("{{}}", None, &fresh()), "{}");
    }

    #[test]
    fn unknown_placeholder_is_an_error_listing_the_known_ones() {
        let err = render_oneline("5h {nope}", Some(&report()), &fresh()).unwrap_err();
        assert!(err.contains("unknown placeholder {nope}"), "{err}");
        for (name, _) in PLACEHOLDERS {
            assert!(err.contains(&format!("{{{name}}}")), "{err} lacks {name}");
        }
        // Checked even when there is nothing to show.
        assert!(render_oneline("{nope}", None, &fresh()).is_err());
        assert!(render_oneline("{}", None, &fresh())
            .unwrap_err()
            .contains("unknown placeholder {}"));
        // Case matters.
        assert!(render_oneline("{5H}", None, &fresh()).is_err());
    }

    #[test]
    fn stray_braces_are_errors() {
        let unclosed = render_oneline("5h {5h", None, &fresh()).unwrap_err();
        assert!(unclosed.contains("unclosed '{'"), "{unclosed}");
        let unmatched = render_oneline("a } b", None, &fresh()).unwrap_err();
        assert!(unmatched.contains("unmatched '}'"), "{unmatched}");
        assert!(render_oneline("{5h}}", None, &fresh()).is_err());
    }

    #[test]
    fn hostile_placeholder_name_in_the_error_is_one_line() {
        let err = render_oneline("{a\nb\u{1b}[2J}", None, &fresh()).unwrap_err();
        assert!(!err.contains(['\n', '\u{1b}']), "{err:?}");
        assert!(err.contains("unknown placeholder {a b}"), "{err}");
    }

    #[test]
    fn output_is_a_single_line() {
        let mut c = fresh();
        c.profile = "evil\nname\u{1b}[31m\u{2028}x".to_string();
        assert_eq!(
            render("a\nb\tc\u{7}d\r\n{profile}\u{85}!", None, &c),
            "a b cd  evil name x !"
        );
    }

    #[test]
    fn spacing_in_the_template_is_kept() {
        assert_eq!(
            render("  {total}  ok ", Some(&report()), &fresh()),
            "  12  ok "
        );
    }

    #[test]
    fn every_placeholder_renders_with_and_without_data() {
        for (name, description) in PLACEHOLDERS {
            assert!(!description.is_empty());
            let template = format!("{{{name}}}");
            for r in [Some(report()), None] {
                let line = render_oneline(&template, r.as_ref(), &fresh())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(!line.contains('\n'), "{name}");
            }
        }
    }

    #[test]
    fn restore_due_reads_now() {
        let mut r = report();
        if let Some(f) = r.five_hour.forecast.as_mut() {
            f.at = NOW - 10;
        }
        assert_eq!(render("{restore}", Some(&r), &fresh()), "+263% now");
    }
}
