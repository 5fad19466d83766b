//! `GET /status.json`: the `status --json` document of the profile (`?profile=NAME`), or
//! `{"profiles": [...]}` with every served profile when several are served and none is named.

use super::response::{self, Resp};
use super::{Entry, Request};
use crate::render::json::status_json;

fn document(entry: &Entry, now: crate::model::Epoch) -> String {
    let mut ctx = entry.ctx.clone();
    ctx.now = now;
    crate::i18n::with(entry.lang, || status_json(entry.report.as_ref(), &ctx))
}

pub fn handle(request: &Request) -> Resp {
    if let Some(entry) = request.chosen() {
        if request.profile.is_some() || request.entries.len() == 1 {
            return response::json(document(entry, request.now));
        }
    } else {
        return super::not_found();
    }
    let documents: Vec<String> = request
        .entries
        .iter()
        .map(|entry| document(entry, request.now))
        .collect();
    response::json(format!("{{\"profiles\": [{}]}}\n", documents.join(",\n")))
}
