//! One whole fetch of a pool: the credential list, then each planned
//! account's quota read with its provider's recipe, in a sliding window of
//! `concurrency` reads, within the deadline (issue 18 item 3: the layer above
//! the client and the providers, so the client — HTTP only — never calls a
//! provider; providers call the client).
//!
//! A 401/403 from the Management API stops the fetch at once; the answers
//! that arrived before it are kept. Never more reads in flight than the
//! failed key attempts the guard still allows ([`Client::in_flight_limit`]).

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::auth_files::AuthFileEntry;
use super::client::{Client, FetchReport, UsageFailure, NOT_SENT};
use super::error::FetchError;
use super::providers::{read_usage, wants_usage};
use crate::model::Epoch;

/// The whole fetch: auth files, then usage for the entries `plan` picks out
/// of those `select` keeps (ids, in the order to ask them; see
/// [`super::refresh_plan`]), in a sliding window of `concurrency` calls,
/// within the deadline. Any fatal answer fails the whole fetch.
pub async fn fetch_pool(
    client: &Client,
    select: impl Fn(&AuthFileEntry) -> bool,
    plan: impl FnOnce(&[AuthFileEntry]) -> Vec<String>,
    now: Epoch,
) -> Result<FetchReport, FetchError> {
    let deadline = Instant::now() + client.deadline();
    match fetch_pool_keeping(client, select, plan, now, deadline).await? {
        (_, Some(fatal)) => Err(fatal),
        (report, None) => Ok(report),
    }
}

/// [`fetch_pool`] until `deadline`, keeping the answers that
/// arrived before a fatal one: `Ok((report, Some(fatal)))` when the key
/// was refused (or the server banned this IP, which wins over a 401 before
/// it) after the account list, with the usage answers received until then.
/// No more than [`Client::with_failure_budget`] requests are in flight,
/// and nothing is sent after the first 401/403.
pub async fn fetch_pool_keeping(
    client: &Client,
    select: impl Fn(&AuthFileEntry) -> bool,
    plan: impl FnOnce(&[AuthFileEntry]) -> Vec<String>,
    now: Epoch,
    deadline: Instant,
) -> Result<(FetchReport, Option<FetchError>), FetchError> {
    let seconds = client.deadline().as_secs();
    let listed = tokio::time::timeout_at(deadline, client.credentials_counted(&select))
        .await
        .map_err(|_| FetchError::Deadline { seconds })
        .and_then(|r| r);
    let (mut entries, server_version, seen) = match listed {
        Ok(listed) => listed,
        // A ban answered to the list is the ban, whatever came before.
        Err(error) => return Err(client.ban().unwrap_or(error)),
    };
    let auth_files_seen = Some(seen);
    let learned = client.learned_after(server_version.as_deref());
    let api_notice = client.route().notice;
    let order = plan(&entries);
    // A usage call needs no health buckets: leave them out of the copies
    // the calls get (at 50,000 accounts they are ~150 MB per copy).
    let buckets: Vec<_> = entries
        .iter_mut()
        .map(|e| std::mem::take(&mut e.recent_requests))
        .collect();
    // The semaphore hands out permits in FIFO order, so spawning in plan
    // order asks in plan order.
    let by_id: std::collections::HashMap<&str, &AuthFileEntry> = entries
        .iter()
        .filter(|e| wants_usage(e))
        .map(|e| (e.id.as_str(), e))
        .collect();
    let asked: Vec<AuthFileEntry> = order
        .iter()
        .filter_map(|id| by_id.get(id.as_str()).map(|e| (*e).clone()))
        .collect();
    drop(by_id);
    for (entry, kept) in entries.iter_mut().zip(buckets) {
        entry.recent_requests = kept;
    }

    // Never more requests in flight than failures the guard still allows:
    // a key rotated now makes every one in flight fail.
    let in_flight = client.in_flight_limit();
    let permits = Arc::new(Semaphore::new(in_flight));
    let mut tasks = JoinSet::new();
    for entry in asked.iter() {
        let client = client.clone();
        let entry = entry.clone();
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            if client.stopped() {
                return (entry.id, None);
            }
            let result = read_usage(&client, &entry, now).await;
            if matches!(result, Err(UsageFailure::Fatal(_))) {
                client.stop();
            }
            (entry.id, Some(result))
        });
    }

    let mut usages = Vec::with_capacity(entries.len());
    let mut fatal = None;
    let mut deadline_hit = false;
    let mut not_asked = std::collections::HashSet::new();
    loop {
        tokio::select! {
            next = tasks.join_next() => match next {
                None => break,
                Some(Ok((id, Some(Ok(mut usage))))) => {
                    usage.source = Some(crate::model::UsageSource {
                        kind: crate::model::SourceKind::Read,
                        at: now,
                    });
                    usages.push((id, Ok(usage)));
                }
                // Never sent (an earlier answer stopped the fetch): the account keeps its values.
                Some(Ok((id, Some(Err(UsageFailure::Account(msg)))))) if msg == NOT_SENT => {
                    not_asked.insert(id);
                }
                Some(Ok((id, Some(Err(UsageFailure::Account(msg)))))) => usages.push((id, Err(msg))),
                Some(Ok((id, Some(Err(UsageFailure::Fatal(err)))))) => {
                    fatal.get_or_insert(err);
                    not_asked.insert(id);
                }
                Some(Ok((id, None))) => {
                    not_asked.insert(id);
                }
                Some(Err(join_error)) => {
                    // A task panicked or was cancelled: treat as an account failure we cannot attribute.
                    let _ = join_error;
                }
            },
            _ = tokio::time::sleep_until(deadline) => {
                deadline_hit = true;
                tasks.abort_all();
                break;
            }
        }
    }
    let fatal = fatal.map(|task_error| {
        let first = client.first_refusal();
        let mut err = client.ban().or(first).unwrap_or(task_error);
        // Old servers' 404 page has no version header: the list's had one.
        if let FetchError::ServerTooOld { version } = &mut err {
            if version.is_none() {
                version.clone_from(&server_version);
            }
        }
        err
    });
    let mut cut_by_deadline = Vec::new();
    if deadline_hit {
        let answered: std::collections::HashSet<String> =
            usages.iter().map(|(id, _)| id.clone()).collect();
        for entry in asked
            .iter()
            .filter(|e| !answered.contains(&e.id) && !not_asked.contains(&e.id))
        {
            cut_by_deadline.push(entry.id.clone());
            usages.push((
                entry.id.clone(),
                Err(crate::tr!("usage.no_answer", seconds = seconds)),
            ));
        }
    }
    let report = FetchReport {
        entries,
        usages,
        server_version,
        deadline_hit,
        cut_by_deadline,
        auth_files_seen,
        management_api: learned.api.map(|api| api.name().to_string()),
        api_notice,
    };
    Ok((report, fatal))
}
