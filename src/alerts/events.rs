//! The conditions hooks care about beyond the pool's alert lines (issue 20), evaluated after
//! [`super::evaluate`] on the same fetch. Pure: the previous state, the report and
//! `now` in; the new state and the events out, each once per occurrence.
//!
//! (`run_out_before_reset` is the pace condition of [`super::evaluate_pace`], evaluated once
//! where the history is recorded: one source of truth for hooks, notifications and status.)
//! * `reset_credit_available` — an account has more Codex reset credits than before.
//! * `reset_credit_expiring` — an account's soonest credit expires within
//!   `credit_expiry_days` (once per expiry time).
//! * `refresh_failing` — the fetch failed; coalesced to one event per [`REFRESH_FAILING_EVERY`].

use super::{Alert, AlertKind, AlertSettings, AlertState};
use crate::model::Epoch;
use crate::quota::PoolReport;

/// At most one `refresh_failing` event in this many seconds.
pub const REFRESH_FAILING_EVERY: Epoch = 600;

/// What one fetch ended with, as far as these conditions care.
pub struct FetchResult<'a> {
    pub report: Option<&'a PoolReport>,
    /// The fetch failed (any reason); `error` says why (already free of secrets).
    pub failed: bool,
    pub error: Option<&'a str>,
}

/// Evaluate the extra conditions.
pub fn evaluate_more(
    previous: AlertState,
    fetch: &FetchResult,
    settings: &AlertSettings,
    now: Epoch,
) -> (AlertState, Vec<Alert>) {
    let mut state = previous;
    let mut fired = Vec::new();
    let mut fire = |kind, title: String, body: String| {
        fired.push(Alert {
            at: now,
            kind,
            title,
            body,
        })
    };
    if fetch.failed {
        let due = state
            .refresh_failing_at
            .is_none_or(|at| now - at >= REFRESH_FAILING_EVERY || now < at);
        if due {
            state.refresh_failing_at = Some(now);
            fire(
                AlertKind::RefreshFailing,
                crate::tr!("event.refresh_failing_title"),
                fetch.error.unwrap_or_default().to_string(),
            );
        }
    } else {
        state.refresh_failing_at = None;
    }
    let Some(report) = fetch.report.filter(|_| !fetch.failed) else {
        return (state, fired);
    };

    // Reset credits, per account.
    let mut credits = std::collections::BTreeMap::new();
    let horizon = i64::from(settings.credit_expiry_days) * 86_400;
    for account in &report.accounts {
        let Some(c) = account.reset_credits.as_ref().filter(|c| c.available > 0) else {
            continue;
        };
        credits.insert(account.id.clone(), c.available);
        let before = previous_count(&state, &account.id);
        if state.initialized && c.available > before {
            fire(
                AlertKind::ResetCreditAvailable,
                crate::tr!("event.credit_title", account = account.label),
                crate::tr!("event.credit_body", n = c.available),
            );
        }
        if let Some(expires) = c.expires_at {
            let soon = settings.credit_expiry_days > 0 && expires > now && expires - now <= horizon;
            let warned = state.credit_expiry_warned.get(&account.id) == Some(&expires);
            if soon && !warned {
                fire(
                    AlertKind::ResetCreditExpiring,
                    crate::tr!("event.credit_expiring_title", account = account.label),
                    crate::tr!(
                        "event.credit_expiring_body",
                        d = crate::render::duration::short(expires - now)
                    ),
                );
                state
                    .credit_expiry_warned
                    .insert(account.id.clone(), expires);
            }
        }
    }
    state
        .credit_expiry_warned
        .retain(|id, _| credits.contains_key(id));
    state.credits = credits;
    (state, fired)
}

fn previous_count(state: &AlertState, id: &str) -> u32 {
    state.credits.get(id).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResetCredits;
    use crate::quota::{AccountView, Forecast, Level, PoolWindow};

    fn report(credits: Option<ResetCredits>, restore_at: Epoch) -> PoolReport {
        let window = PoolWindow {
            remaining: 100.0,
            capacity: 1000.0,
            forecast: Some(Forecast {
                restored: 100.0,
                target: 200.0,
                at: restore_at,
                first: None,
            }),
            level: Level::Red,
        };
        PoolReport {
            now: 0,
            five_hour: window.clone(),
            weekly: PoolWindow::unknown(),
            accounts: vec![AccountView {
                id: "a".into(),
                label: "a@x".into(),
                reset_credits: credits,
                ..Default::default()
            }],
            counts: Default::default(),
            health: Default::default(),
            plans: vec![],
            primary_provider: "codex".into(),
            sections: vec![],
            api_keys: vec![],
        }
    }

    fn ok(report: &PoolReport) -> FetchResult<'_> {
        FetchResult {
            report: Some(report),
            failed: false,
            error: None,
        }
    }

    fn kinds(alerts: &[Alert]) -> Vec<&'static str> {
        alerts.iter().map(|a| a.kind.event_name()).collect()
    }

    fn initialized() -> AlertState {
        AlertState {
            initialized: true,
            ..Default::default()
        }
    }

    #[test]
    fn refresh_failing_is_coalesced_to_one_per_ten_minutes() {
        let settings = AlertSettings::default();
        let failed = FetchResult {
            report: None,
            failed: true,
            error: Some("pool unreachable"),
        };
        let (s, a) = evaluate_more(initialized(), &failed, &settings, 1000);
        assert_eq!(kinds(&a), ["refresh_failing"]);
        assert_eq!(a[0].body, "pool unreachable");
        let (s, a) = evaluate_more(s, &failed, &settings, 1000 + 599);
        assert!(a.is_empty());
        let (s, a) = evaluate_more(s, &failed, &settings, 1000 + 600);
        assert_eq!(kinds(&a), ["refresh_failing"]);
        // A success re-arms it at once.
        let r = report(None, 10_000);
        let (s, _) = evaluate_more(s, &ok(&r), &settings, 1700);
        let (_, a) = evaluate_more(s, &failed, &settings, 1701);
        assert_eq!(kinds(&a), ["refresh_failing"]);
    }

    #[test]
    fn credits_new_and_expiring() {
        let settings = AlertSettings::default(); // 3 days
        let day = 86_400;
        let credit = |n, expires| {
            Some(ResetCredits {
                available: n,
                expires_at: Some(expires),
            })
        };
        // First sight (not initialized): the baseline, except a near expiry.
        let r = report(credit(1, 10 * day), 0);
        let (mut s, a) = evaluate_more(AlertState::default(), &ok(&r), &settings, 0);
        assert!(a.is_empty());
        s.initialized = true;
        // One more credit: announced.
        let r = report(credit(2, 10 * day), 0);
        let (s, a) = evaluate_more(s, &ok(&r), &settings, day);
        assert_eq!(kinds(&a), ["reset_credit_available"]);
        // 3 days before the expiry: announced once.
        let (s, a) = evaluate_more(s, &ok(&r), &settings, 7 * day);
        assert_eq!(kinds(&a), ["reset_credit_expiring"]);
        let (s, a) = evaluate_more(s, &ok(&r), &settings, 8 * day);
        assert!(a.is_empty());
        // Used up: forgotten; a new credit is news again.
        let r0 = report(None, 0);
        let (s, _) = evaluate_more(s, &ok(&r0), &settings, 9 * day);
        assert!(s.credits.is_empty() && s.credit_expiry_warned.is_empty());
        let r = report(credit(1, 30 * day), 0);
        let (_, a) = evaluate_more(s, &ok(&r), &settings, 9 * day + 1);
        assert_eq!(kinds(&a), ["reset_credit_available"]);
    }
}
