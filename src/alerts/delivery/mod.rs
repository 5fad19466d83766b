//! Delivery of fired alerts and events: macOS notifications (`macos.rs`), `[[hooks]]` programs
//! (`exec.rs`) and webhooks (`webhook.rs`). Delivery is best effort and bounded: a hook that
//! hangs, fails or prints megabytes, or a webhook that redirects or answers 5xx, never fails or
//! holds up a run beyond the hook's timeout; each failure is returned for `poolwatch alerts`.

pub mod exec;
pub mod macos;
pub mod webhook;

use serde::{Deserialize, Serialize};

use super::Alert;
use crate::config::hooks::Hook;
use crate::model::Epoch;

/// How many delivery failures `poolwatch alerts` keeps.
pub const FAILURE_LOG_LEN: usize = 50;

/// The JSON document a hook receives (stdin of a command, body of a `json` webhook).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Version of this document.
    pub version: u32,
    /// The event name (`pool_5h_low`, `refresh_failing`, …; docs/hooks.md).
    pub event: String,
    pub at: Epoch,
    pub profile: String,
    pub title: String,
    pub body: String,
}

impl Event {
    /// The event of a fired alert in `profile`.
    pub fn of(alert: &Alert, profile: &str) -> Event {
        Event {
            version: 1,
            event: alert.kind.event_name().to_string(),
            at: alert.at,
            profile: profile.to_string(),
            title: alert.title.clone(),
            body: alert.body.clone(),
        }
    }
}

/// One failed delivery, as `poolwatch alerts` lists it (no URL, no secret: the hook's name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryFailure {
    pub at: Epoch,
    pub hook: String,
    pub event: String,
    pub error: String,
}

/// Deliver every alert to every hook that wants it; returns the failures.
pub fn deliver_hooks(
    hooks: &[Hook],
    alerts: &[Alert],
    profile: &str,
    now: Epoch,
) -> Vec<DeliveryFailure> {
    let mut failures = Vec::new();
    for alert in alerts {
        let event = Event::of(alert, profile);
        for hook in hooks.iter().filter(|h| h.wants(&event.event)) {
            let mut result = Ok(());
            if let Some(command) = &hook.command {
                result = exec::run(command, &hook.args, &event, hook.timeout_seconds);
            }
            if let (Ok(()), Some(url)) = (&result, &hook.url) {
                result = webhook::post(url, hook.format, &event, hook.timeout_seconds);
            }
            if let Err(error) = result {
                failures.push(DeliveryFailure {
                    at: now,
                    hook: hook.display_name(),
                    event: event.event.clone(),
                    error,
                });
            }
        }
    }
    failures
}

/// Append `new` failures to a log, keeping the newest [`FAILURE_LOG_LEN`].
pub fn record(log: &mut Vec<DeliveryFailure>, new: Vec<DeliveryFailure>) {
    log.extend(new);
    let excess = log.len().saturating_sub(FAILURE_LOG_LEN);
    log.drain(..excess);
}
