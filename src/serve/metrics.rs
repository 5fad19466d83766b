//! `GET /metrics`: the exposition of `poolwatch metrics` (every served profile), for Prometheus.

use super::response::{self, Resp};
use super::Request;
use crate::render::metrics::{openmetrics, PoolMetrics};

/// The content type Prometheus negotiates for OpenMetrics 1.0.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub fn handle(request: &Request) -> Resp {
    let pools: Vec<PoolMetrics> = request
        .entries
        .iter()
        .map(|entry| PoolMetrics {
            profile: &entry.settings.profile,
            report: entry.report.as_ref(),
            updated_at: entry.ctx.updated_at,
            stale: entry.stale,
            auth_failed: entry.auth_failed,
            banned: entry.ctx.ban_until.is_some_and(|until| until > request.now),
        })
        .collect();
    response::with(
        hyper::StatusCode::OK,
        CONTENT_TYPE,
        openmetrics(&pools, request.now),
    )
}
