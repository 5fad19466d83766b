//! `poolwatch status --json`: a stable, versioned document (docs/status-json.md).

use serde::Serialize;

use super::{FetchStatus, MenuContext};
use crate::model::Epoch;
use crate::quota::pace::Pace;
use crate::quota::PoolReport;

/// Version of the `status --json` document.
pub const STATUS_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct StatusDocument<'a> {
    schema_version: u32,
    profile: &'a str,
    demo: bool,
    generated_at: Epoch,
    updated_at: Option<Epoch>,
    /// `fresh`, `stale`, `refreshing`, `auth_failed`, `banned` or `paused`.
    state: &'static str,
    error: Option<&'a str>,
    /// The server's IP ban ends then; null when no ban runs.
    ban_until: Option<Epoch>,
    /// The key guard pauses attempts until then (3 failed key attempts in a
    /// row); null when no pause runs.
    pause_until: Option<Epoch>,
    notices: &'a [String],
    report: Option<&'a PoolReport>,
    /// Burn rate, run-out estimate and whether it lasts until the reset; null without enough history.
    pace: Option<&'a Pace>,
    /// Used and wasted quota of the primary section over 24 h, 7 d, 30 d; null without history.
    waste: Option<&'a crate::history::waste::Waste>,
    /// Accounts whose remaining quota resets soonest (use them first), most urgent first.
    expiring_first: &'a [crate::quota::expiring::Expiring],
}

/// The JSON document for a report and its context (pretty-printed).
pub fn status_json(report: Option<&PoolReport>, ctx: &MenuContext) -> String {
    status_json_paused(report, ctx, None)
}

/// [`status_json`] with the key guard's pause end (`pause_until`).
pub fn status_json_paused(
    report: Option<&PoolReport>,
    ctx: &MenuContext,
    pause_until: Option<Epoch>,
) -> String {
    let ban_until = ctx.ban_until.filter(|until| *until > ctx.now);
    let pause_until = pause_until.filter(|until| *until > ctx.now);
    let (state, error) = match &ctx.status {
        FetchStatus::Stale { error } if ban_until.is_some() => ("banned", Some(error.as_str())),
        FetchStatus::Stale { error } | FetchStatus::AuthLatched { message: error }
            if pause_until.is_some() =>
        {
            ("paused", Some(error.as_str()))
        }
        FetchStatus::Fresh => ("fresh", None),
        FetchStatus::Stale { error } => ("stale", Some(error.as_str())),
        FetchStatus::Refreshing => ("refreshing", None),
        FetchStatus::AuthLatched { message } => ("auth_failed", Some(message.as_str())),
    };
    let document = StatusDocument {
        schema_version: STATUS_SCHEMA_VERSION,
        profile: &ctx.profile,
        demo: ctx.demo,
        generated_at: ctx.now,
        updated_at: ctx.updated_at,
        state,
        error,
        ban_until,
        pause_until,
        notices: &ctx.notices,
        report,
        pace: ctx.pace.as_ref(),
        waste: ctx
            .over_time
            .as_ref()
            .and_then(|o| o.glance.as_ref())
            .map(|g| &g.waste),
        expiring_first: ctx
            .over_time
            .as_ref()
            .map_or(&[][..], |o| o.expiring.as_slice()),
    };
    serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string())
}
