//! Misbehaviour of the mock that tries the key guard (issue 16 items 1, 10):
//! a management key rotated in the middle of a refresh, a proxy in front of
//! the pool that answers 401 to every third request, slow management
//! answers (to see how many requests are in flight at once) and a slow
//! `api-key-usage`.
//!
//! Set with `server.set_config(|c| c.chaos.push(Chaos::…))`; read what happened with
//! [`chaos_counts`]. Runs before the pool's own management middleware (a proxy
//! answers before the server sees anything).

#![allow(dead_code)]

use std::sync::Mutex;
use std::time::Duration;

use super::mock_server::MockConfig;

/// One misbehaviour.
#[derive(Clone, Debug, PartialEq)]
pub enum Chaos {
    /// The pool's key changes to this one when the first api-call arrives
    /// (after the account list was read with the old key).
    RotateKeyOnFirstApiCall(String),
    /// A proxy in front of the pool answers every `every`-th management
    /// request 401 itself; `seen` and `answered` count requests and 401s.
    ProxyUnauthorizedEvery {
        every: u64,
        seen: u64,
        answered: u64,
    },
    /// Every management request waits this long before the pool looks at it;
    /// `in_flight`/`peak` count requests inside that wait.
    DelayManagement {
        delay: Duration,
        in_flight: u64,
        peak: u64,
    },
    /// `api-key-usage` answers only after this long.
    DelayApiKeyUsage(Duration),
    /// When the first management request arrived (set by the mock).
    FirstRequestAt(Option<std::time::Instant>),
}

impl Chaos {
    /// A proxy answering 401 to every `every`-th management request.
    pub fn proxy_401_every(every: u64) -> Chaos {
        Chaos::ProxyUnauthorizedEvery {
            every,
            seen: 0,
            answered: 0,
        }
    }

    /// Every management request delayed by `delay`, in-flight requests counted.
    pub fn delay_management(delay: Duration) -> Chaos {
        Chaos::DelayManagement {
            delay,
            in_flight: 0,
            peak: 0,
        }
    }
}

/// What the chaos saw: (401s answered by the proxy, peak of management requests in flight).
pub fn chaos_counts(config: &MockConfig) -> (u64, u64) {
    let mut counts = (0, 0);
    for chaos in &config.chaos {
        match chaos {
            Chaos::ProxyUnauthorizedEvery { answered, .. } => counts.0 += answered,
            Chaos::DelayManagement { peak, .. } => counts.1 = counts.1.max(*peak),
            _ => {}
        }
    }
    counts
}

/// When the first management request arrived ([`Chaos::FirstRequestAt`]).
pub fn first_request_at(config: &MockConfig) -> Option<std::time::Instant> {
    config.chaos.iter().find_map(|c| match c {
        Chaos::FirstRequestAt(at) => *at,
        _ => None,
    })
}

/// The hook the mock's router calls for every management request (`route`:
/// `auth-files`, `api-call`, `api-key-usage`, `other`) before its middleware.
/// `sleep` waits (false when the server stops). Returns a response
/// `(status, error text)` to send instead of the pool's.
pub fn before_auth(
    route: &str,
    config: &Mutex<MockConfig>,
    sleep: &dyn Fn(Duration) -> bool,
) -> Option<(u16, String)> {
    let lock = || config.lock().unwrap_or_else(|p| p.into_inner());
    let mut delay = Duration::ZERO;
    let mut key_usage_delay = Duration::ZERO;
    let mut respond = None;
    {
        let mut config = lock();
        let mut new_key = None;
        for chaos in config.chaos.iter_mut() {
            match chaos {
                Chaos::RotateKeyOnFirstApiCall(key) if route == "api-call" => {
                    new_key = Some(key.clone());
                }
                Chaos::ProxyUnauthorizedEvery {
                    every,
                    seen,
                    answered,
                } => {
                    *seen += 1;
                    if *every > 0 && *seen % *every == 0 {
                        *answered += 1;
                        respond = Some((401, "Unauthorized".to_string()));
                    }
                }
                Chaos::DelayManagement {
                    delay: d,
                    in_flight,
                    peak,
                } => {
                    delay = *d;
                    *in_flight += 1;
                    *peak = (*peak).max(*in_flight);
                }
                Chaos::DelayApiKeyUsage(d) if route == "api-key-usage" => key_usage_delay = *d,
                Chaos::FirstRequestAt(at) => {
                    at.get_or_insert_with(std::time::Instant::now);
                }
                _ => {}
            }
        }
        if let Some(key) = new_key {
            config.management_key = Some(key);
            config
                .chaos
                .retain(|c| !matches!(c, Chaos::RotateKeyOnFirstApiCall(_)));
        }
    }
    if !delay.is_zero() {
        sleep(delay);
        for chaos in lock().chaos.iter_mut() {
            if let Chaos::DelayManagement { in_flight, .. } = chaos {
                *in_flight = in_flight.saturating_sub(1);
            }
        }
    }
    if !key_usage_delay.is_zero() {
        sleep(key_usage_delay);
    }
    respond
}
