//! `poolwatch history`: the pool over time from `history.json` (never
//! fetches; the menu, `status` and `refresh` record the history).

use super::Globals;
use crate::cli::{HistoryArgs, Since};
use crate::exit_codes;
use crate::history::History;
use crate::render::history_text::{self, SectionView};

/// Run the command.
pub fn run(globals: &Globals, args: &HistoryArgs) -> i32 {
    let settings = match globals.settings_or_exit() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let now = (globals.clock)();
    let mut notices = Vec::new();
    let history: History = if globals.demo {
        let state = crate::demo::pool(&crate::session::selection_of(&settings), now);
        let report = crate::session::report_of_state(&state, &settings, now);
        crate::demo::history(&report, now)
    } else {
        match super::session_for(globals, &settings) {
            Some(session) => session.load_history(&mut notices),
            None => History::default(),
        }
    };
    for notice in &notices {
        eprintln!("poolwatch: {notice}");
    }
    let since = args.since.map(|s| match s {
        Since::Ago(seconds) => now - seconds,
        Since::At(at) => at,
    });
    let sections: Vec<SectionView> = history
        .sections
        .iter()
        .filter(|(id, _)| args.provider.as_deref().is_none_or(|p| p == id.as_str()))
        .map(|(id, h)| SectionView {
            provider: id,
            name: crate::provider::display_name(id),
            history: h,
        })
        .collect();
    if let Some(provider) = &args.provider {
        if sections.is_empty() && !args.json && !args.csv {
            eprintln!(
                "poolwatch: {}",
                crate::tr!("history.no_provider", provider = provider)
            );
        }
    }
    if args.json {
        let doc = history_text::document(&sections, since, now);
        match serde_json::to_string_pretty(&doc) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("poolwatch: {e}");
                return exit_codes::FAILURE;
            }
        }
    } else if args.csv {
        print!("{}", history_text::csv(&sections, since));
    } else {
        print!("{}", history_text::text(&sections, since, now));
    }
    exit_codes::OK
}
