//! Several pools in one menu (`poolwatch plugin --all-profiles`): the title
//! is the worst pool's, and the dropdown has one section per pool whose own
//! menu sits in a submenu.

use super::menu::{menu_lines, MenuLine};
use super::sanitize::menu_text;
use super::{Dialect, FetchStatus, MenuContext};
use crate::quota::{Level, PoolReport};

/// One pool of a combined menu.
pub struct PoolMenu<'a> {
    pub report: Option<&'a PoolReport>,
    pub ctx: &'a MenuContext,
}

/// How bad a pool looks: no data or a rejected key first, then by the worse
/// of its two windows' levels.
fn severity(pool: &PoolMenu) -> (u8, Option<Level>) {
    match (pool.report, &pool.ctx.status) {
        (None, _) | (_, FetchStatus::AuthLatched { .. }) => (0, None),
        (Some(r), _) => (1, Some(r.level())),
    }
}

/// `profile · title`; a pool's own title already names a named profile
/// (`⚡ work · 5h 64% · W 58%`), which is dropped so the name is not shown
/// twice (`work · ⚡ 5h 64% · W 58%`).
fn labelled(mut line: MenuLine, profile: &str) -> MenuLine {
    let shown = menu_text(profile, 16);
    let own = format!("{shown} · ");
    let title = match line.title.find(&own) {
        Some(at) => format!("{}{}", &line.title[..at], &line.title[at + own.len()..]),
        None => line
            .title
            .strip_suffix(&format!(" · {shown}"))
            .unwrap_or(&line.title)
            .to_string(),
    };
    line.title = format!("{shown} · {title}");
    line
}

/// The combined menu of `pools` (at least one).
pub fn render_multi(pools: &[PoolMenu], dialect: Dialect) -> String {
    let menus: Vec<Vec<MenuLine>> = pools
        .iter()
        .map(|p| menu_lines(p.report, p.ctx, dialect))
        .collect();
    let worst = (0..pools.len()).min_by_key(|&i| severity(&pools[i]));
    let mut out: Vec<MenuLine> = Vec::new();
    if let Some(i) = worst {
        if let Some(title) = menus[i].first() {
            out.push(labelled(title.clone(), &pools[i].ctx.profile));
        }
    }
    out.push(MenuLine {
        depth: 0,
        separator: true,
        title: String::new(),
        params: Vec::new(),
    });
    for (pool, lines) in pools.iter().zip(&menus) {
        let Some(title) = lines.first() else { continue };
        out.push(labelled(title.clone(), &pool.ctx.profile));
        out.extend(
            lines
                .iter()
                .skip(1)
                .filter(|l| !l.separator)
                .map(|l| MenuLine {
                    depth: l.depth + 1,
                    ..l.clone()
                }),
        );
    }
    let mut text = String::new();
    for line in out {
        text.push_str(&line.to_output());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(title: &str) -> MenuLine {
        MenuLine {
            depth: 0,
            separator: false,
            title: title.into(),
            params: Vec::new(),
        }
    }

    #[test]
    fn the_profile_name_is_shown_once() {
        assert_eq!(
            labelled(line("no data · work"), "work").title,
            "work · no data"
        );
        assert_eq!(
            labelled(line("⚠ key rejected · work"), "work").title,
            "work · ⚠ key rejected"
        );
        assert_eq!(
            labelled(line("no data"), "default").title,
            "default · no data"
        );
        // Only the pool's own suffix goes, not a similar one.
        assert_eq!(
            labelled(line("1900% · W 68% · workshop"), "work").title,
            "work · 1900% · W 68% · workshop"
        );
    }
}
