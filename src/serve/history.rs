//! `GET /history.json`: the `poolwatch history --json` document of the profile.
//!
//! The history store is built in parallel (issue 19); until it is wired, [`history_json`] has
//! nothing and the route answers 404 "history not available in this build".
//! LEAD (merge): make [`history_json`] call the history helper's JSON renderer.

use super::response::{self, Resp};
use super::Request;
use crate::config::Settings;
use crate::model::Epoch;

/// The `history --json` document of `settings`' profile at `now`; None while history is absent.
pub fn history_json(settings: &Settings, now: Epoch) -> Option<String> {
    let _ = (settings, now);
    None
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
