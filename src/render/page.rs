//! `GET /` of `poolwatch serve`: a small HTML page with the pool view, readable on a phone.
//!
//! Pure: a report and its context in, one self-contained HTML document out (inline CSS, no
//! script, no external assets, so it works offline and leaks no request to a third party).
//! Every piece of server text is escaped ([`escape`]) and cut ([`super::sanitize::terminal_text`]).

use super::{FetchStatus, MenuContext};
use crate::quota::{Level, PoolReport, PoolWindow};

/// Account rows shown at most (a 1,000-account pool still gives a small page).
pub const MAX_ROWS: usize = 200;

/// HTML-escape text for element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Untrusted text made safe for the page: controls removed, length capped, escaped.
fn safe(text: &str, max_chars: usize) -> String {
    escape(&super::sanitize::terminal_text(text, max_chars))
}

const STYLE: &str = "body{font:15px/1.4 -apple-system,system-ui,sans-serif;margin:0 auto;padding:12px;max-width:40em;color:#222;background:#fff}\
@media(prefers-color-scheme:dark){body{color:#eee;background:#111}.bar{background:#333}}\
h1{font-size:1.2em;margin:0 0 .5em}h2{font-size:1em;margin:1em 0 .3em}\
.bar{background:#ddd;border-radius:4px;height:10px;overflow:hidden}.bar>span{display:block;height:100%}\
.ok{background:#2a2}.warn{background:#d90}.crit{background:#d22}\
.note{color:#a60}.err{color:#c22}table{border-collapse:collapse;width:100%;font-size:.9em}\
td,th{text-align:left;padding:2px 4px;border-bottom:1px solid #8884}td.n{text-align:right}";

fn level_class(level: Level) -> &'static str {
    match level {
        Level::Green => "ok",
        Level::Yellow => "warn",
        Level::Red => "crit",
    }
}

/// One window: name, `remaining / capacity` and a bar of the share left.
fn window_block(out: &mut String, name: &str, window: &PoolWindow) {
    out.push_str(&format!("<h2>{}</h2>", escape(name)));
    match window.known() {
        Some(w) => {
            let share = (w.remaining / w.capacity * 100.0).clamp(0.0, 100.0);
            out.push_str(&format!(
                "<p>{:.0}% / {:.0}% ({share:.0}%)</p><div class=\"bar\"><span class=\"{}\" style=\"width:{share:.0}%\"></span></div>",
                w.remaining,
                w.capacity,
                level_class(window.level),
            ));
        }
        None => out.push_str(&format!("<p>{}</p>", escape(&crate::tr!("window.no_data")))),
    }
}

/// The page of one pool; `others` are the other served profiles (linked as `?profile=NAME`).
pub fn render_page(report: Option<&PoolReport>, ctx: &MenuContext, others: &[String]) -> String {
    let mut body = String::new();
    if !others.is_empty() {
        let links: Vec<String> = others
            .iter()
            .filter(|p| crate::config::valid_profile_name(p))
            .map(|p| format!("<a href=\"?profile={p}\">{p}</a>"))
            .collect();
        body.push_str(&format!("<p>{}</p>", links.join(" · ")));
    }
    let title = if ctx.profile == crate::config::DEFAULT_PROFILE {
        "poolwatch".to_string()
    } else {
        format!("poolwatch · {}", safe(&ctx.profile, 64))
    };
    body.push_str(&format!("<h1>{title}</h1>"));
    if ctx.demo {
        body.push_str(&format!(
            "<p class=\"note\">{}</p>",
            escape(&crate::tr!("menu.demo_pool"))
        ));
    }
    match &ctx.status {
        FetchStatus::Fresh => {}
        FetchStatus::Refreshing => body.push_str(&format!(
            "<p class=\"note\">{}</p>",
            escape(&crate::tr!("status.refreshing"))
        )),
        FetchStatus::Stale { error } => {
            body.push_str(&format!("<p class=\"err\">{}</p>", safe(error, 300)))
        }
        FetchStatus::AuthLatched { message } => {
            body.push_str(&format!("<p class=\"err\">{}</p>", safe(message, 300)))
        }
    }
    body.push_str(&format!(
        "<p>{}</p>",
        escape(&match ctx.updated_at {
            Some(at) => crate::tr!(
                "menu.last_updated",
                ago = super::duration::ago(ctx.now - at)
            ),
            None => crate::tr!("menu.never_updated"),
        })
    ));
    let Some(report) = report else {
        body.push_str(&format!(
            "<p>{}</p>",
            escape(&crate::tr!("menu.no_pool_data"))
        ));
        return document(&body);
    };
    body.push_str(&format!(
        "<p>{}</p>",
        escape(&crate::tr!(
            "counts.available",
            available = report.counts.available,
            total = report.counts.total
        ))
    ));
    window_block(&mut body, &crate::tr!("window.5h"), &report.five_hour);
    window_block(&mut body, &crate::tr!("window.week"), &report.weekly);
    for section in report
        .sections
        .iter()
        .filter(|s| s.provider != report.primary_provider && s.quota)
    {
        let name = safe(&section.name, 40);
        window_block(
            &mut body,
            &format!("{name} · {}", crate::tr!("window.5h")),
            &section.five_hour,
        );
        window_block(
            &mut body,
            &format!("{name} · {}", crate::tr!("window.week")),
            &section.weekly,
        );
    }
    accounts_table(&mut body, report);
    document(&body)
}

fn percent_cell(window: Option<&crate::quota::AccountWindow>) -> String {
    match window {
        Some(w) => format!(
            "<td class=\"n\"><span class=\"{}\">&nbsp;</span> {:.0}%</td>",
            level_class(w.level),
            w.remaining
        ),
        None => "<td class=\"n\">–</td>".to_string(),
    }
}

fn accounts_table(out: &mut String, report: &PoolReport) {
    out.push_str(&format!(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(&crate::tr!("col.account")),
        escape(&crate::tr!("col.plan")),
        escape(&crate::tr!("col.5h")),
        escape(&crate::tr!("col.week")),
        escape(&crate::tr!("col.status")),
    ));
    for account in report.accounts.iter().take(MAX_ROWS) {
        let state = if account.disabled {
            crate::tr!("tag.disabled")
        } else if account.error.is_some() || account.erroring {
            crate::tr!("tag.error")
        } else if account.killed {
            crate::tr!("tag.week_kill")
        } else if account.cooling {
            crate::tr!("tag.cooling")
        } else if account.stale {
            crate::tr!("tag.stale")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td>{}{}<td>{}</td></tr>",
            safe(&account.label, 40),
            safe(&account.plan, 20),
            percent_cell(account.five_hour.as_ref()),
            percent_cell(account.weekly.as_ref()),
            escape(&state)
        ));
    }
    out.push_str("</table>");
    if report.accounts.len() > MAX_ROWS {
        out.push_str(&format!(
            "<p>{}</p>",
            escape(&crate::tr!(
                "menu.more_accounts",
                n = report.accounts.len() - MAX_ROWS
            ))
        ));
    }
}

fn document(body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta http-equiv=\"refresh\" content=\"60\">\
<title>poolwatch</title><style>{STYLE}</style></head><body>{body}</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(status: FetchStatus) -> MenuContext {
        MenuContext {
            profile: "work<1>".into(),
            pool_url: "http://127.0.0.1:8317".into(),
            exe: "poolwatch".into(),
            settings_path: "/tmp/x".into(),
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

    #[test]
    fn server_text_is_escaped_and_no_external_asset_is_referenced() {
        let page = render_page(
            None,
            &ctx(FetchStatus::Stale {
                error: "<script>alert(1)</script> & \"x\"".into(),
            }),
            &["b<".into()],
        );
        assert!(
            !page.contains("b<"),
            "an invalid profile name is not linked"
        );
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"));
        assert!(page.contains("poolwatch · work&lt;1&gt;"));
        assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("src="));
        assert!(page.contains("name=\"viewport\""));
    }

    #[test]
    fn demo_pool_shows_windows_and_accounts() {
        let settings = crate::config::Settings::default();
        let state = crate::demo::pool(&crate::session::selection_of(&settings), 1_700_000_000);
        let report = crate::session::report_of_state(&state, &settings, 1_700_000_000);
        let mut c = ctx(FetchStatus::Fresh);
        c.profile = "default".into();
        let page = render_page(Some(&report), &c, &["work".into()]);
        assert!(page.contains("<a href=\"?profile=work\">work</a>"));
        assert!(page.contains("<h1>poolwatch</h1>"));
        assert!(page.contains("<table>"));
        let rows = page.matches("<tr>").count();
        assert_eq!(rows, report.accounts.len().min(MAX_ROWS) + 1);
        let w = report.five_hour.known().unwrap();
        assert!(page.contains(&format!("{:.0}% / {:.0}%", w.remaining, w.capacity)));
    }
}
