//! `GET /`: the phone-readable page of a profile (`?profile=NAME`, else the first one).

use super::response::{self, Resp};
use super::Request;
use crate::render::page::render_page;

pub fn handle(request: &Request) -> Resp {
    let Some(entry) = request.chosen() else {
        return super::not_found();
    };
    let mut ctx = entry.ctx.clone();
    ctx.now = request.now;
    let others: Vec<String> = request
        .entries
        .iter()
        .map(|e| e.settings.profile.clone())
        .filter(|p| *p != entry.settings.profile)
        .collect();
    let body = crate::i18n::with(entry.lang, || {
        render_page(entry.report.as_ref(), &ctx, &others)
    });
    response::with(hyper::StatusCode::OK, "text/html; charset=utf-8", body)
}
