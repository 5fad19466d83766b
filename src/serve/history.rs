//! `GET /history.json`: the `poolwatch history --json` document of the profile.
//!
//! Read from the profile's `history.json` (written by every refresh under the cache lock);
//! 404 when the profile has no usable cache folder.

use super::response::{self, Resp};
use super::Request;
use crate::config::Settings;
use crate::model::Epoch;

/// The `history --json` document of `settings`' profile at `now`; None while history is absent.
pub fn history_json(settings: &Settings, now: Epoch) -> Option<String> {
    use crate::render::history_text::{document, SectionView};
    let dir = crate::session::Session::cache_dir(settings, &crate::config::process_env)?;
    let paths = crate::store::cache::CachePaths::in_dir(&dir, &settings.profile);
    let path = crate::store::history::path_beside(&paths.data);
    let history = match crate::store::history::load(&path) {
        Ok(crate::store::history::Loaded::Found(history)) => *history,
        _ => crate::history::History::default(),
    };
    let sections: Vec<SectionView> = history
        .sections
        .iter()
        .map(|(id, h)| SectionView {
            provider: id,
            name: crate::provider::display_name(id),
            history: h,
        })
        .collect();
    serde_json::to_string(&document(&sections, None, now)).ok()
}

pub fn handle(request: &Request) -> Resp {
    let Some(entry) = request.chosen() else {
        return super::not_found();
    };
    match crate::i18n::with(entry.lang, || history_json(&entry.settings, request.now)) {
        Some(body) => response::json(body),
        None => response::text(
            hyper::StatusCode::NOT_FOUND,
            "history not available in this build\n",
        ),
    }
}
