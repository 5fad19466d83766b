//! Answers recorded from an unmodified CLIProxyAPI v7.2.140 server
//! (`shared/fixtures/cliproxyapi-v7.2.140/`, see its README), run through
//! poolwatch's real parsers and quota model (issue 9 items 1, 5, 6).
//!
//! The fixtures live beside the repository (`<clone>/../shared`); a worktree
//! one level deeper finds them in an ancestor. Missing fixtures fail the test.

use std::path::PathBuf;

use poolwatch::api::auth_files::{parse_auth_files, AuthFileEntry};
use poolwatch::api::client::{parse_envelope, FetchReport};
use poolwatch::api::providers::codex::usage_request;
use poolwatch::api::usage::{interpret_upstream, refused_token, UsageError};
use poolwatch::api::{merge_fetch, Selection};
use poolwatch::model::{Epoch, Usage};
use poolwatch::quota::{self, QuotaSettings};
use serde_json::Value;

const FIXTURES: &str = "shared/fixtures/cliproxyapi-v7.2.140";

fn fixture_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(FIXTURES))
        .find(|dir| dir.join("README.md").is_file())
        .unwrap_or_else(|| {
            panic!(
                "the recorded server answers are missing: expected {FIXTURES} beside the \
                 repository (e.g. {}/../{FIXTURES})",
                manifest.display()
            )
        })
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture_dir().join(name)).expect("fixture readable")
}

fn epoch(rfc3339: &str) -> Epoch {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp()
}

fn codex() -> Selection {
    Selection {
        providers: vec!["codex".into(), "openai".into()],
        ..Default::default()
    }
}

/// The selected entries as one fetch without usage answers (the server's own view).
fn state_of(
    entries: Vec<AuthFileEntry>,
    usages: Vec<(String, Result<Usage, String>)>,
    now: Epoch,
) -> poolwatch::model::PoolState {
    let selection = codex();
    let seen = entries.len();
    let entries: Vec<AuthFileEntry> = entries.into_iter().filter(|e| selection.keeps(e)).collect();
    merge_fetch(
        None,
        FetchReport {
            entries,
            usages,
            server_version: Some("v7.2.140".into()),
            deadline_hit: false,
            cut_by_deadline: Vec::new(),
            auth_files_seen: Some(seen),
            ..FetchReport::default()
        },
        &selection,
        now,
    )
}

/// Case `name` of api_call.json: (the request sent, the usage or error poolwatch reads).
fn api_case(name: &str, now: Epoch) -> (Value, u16, Result<Usage, UsageError>) {
    let doc: Value = serde_json::from_str(&read("api_call.json")).unwrap();
    let case = &doc["cases"][name];
    assert!(case.is_object(), "no case {name}");
    let http_status = case["http_status"].as_u64().unwrap() as u16;
    let envelope = case["response"].to_string();
    let parsed = if http_status == 200 {
        let (status, body) = parse_envelope(&envelope).expect("an envelope");
        interpret_upstream(status, &body, now)
    } else {
        Err(UsageError::Http {
            status: http_status,
            message: case["response"]["error"].as_str().unwrap_or("").into(),
        })
    };
    (case["request"].clone(), http_status, parsed)
}

#[test]
fn fresh_pool_auth_files() {
    let files = parse_auth_files(&read("auth_files.json")).expect("parses");
    assert_eq!(files.len(), 11);
    // `last_refresh` is absent on the real server: never "unknown" on every row.
    assert!(files.iter().all(|f| f.last_refresh.is_none()));
    assert!(files.iter().all(|f| f.auth_index.len() == 16));
    let selection = codex();
    let kept: Vec<&AuthFileEntry> = files.iter().filter(|e| selection.keeps(e)).collect();
    assert_eq!(kept.len(), 10, "the claude file is not a codex account");
    let kate = files.iter().find(|f| f.name.contains("kate")).unwrap();
    assert_eq!(
        (
            kate.id_token_plan.as_deref(),
            kate.chatgpt_account_id.as_deref()
        ),
        (None, None)
    );
    // The absolute server path is never read.
    assert!(!format!("{files:?}").contains("/home/cpa"));

    let now = epoch("2026-11-25T14:30:00Z");
    let state = state_of(files, Vec::new(), now);
    let report = quota::compute(&state.accounts, &QuotaSettings::default(), now);
    let c = &report.counts;
    // alice, ivan and judy are one login (same chatgpt_account_id): counted once.
    assert_eq!((c.total, c.disabled, c.duplicates), (10, 1, 2));
    // No usage read yet: the 7 others are in the pool but have no data
    // (each account in exactly one state; issue 17 item 2).
    assert_eq!((c.available, c.no_data()), (0, 10 - 1 - 2));
    assert_eq!((c.cooling, c.erroring), (0, 0));
    let duplicates: Vec<&str> = report
        .accounts
        .iter()
        .filter(|a| a.duplicate_of.is_some())
        .map(|a| a.label.as_str())
        .collect();
    assert_eq!(duplicates.len(), 2);
    assert!(!duplicates.contains(&"alice@example.com"), "{duplicates:?}");
    // No quota data at all yet: no figure for either window.
    assert!(!report.five_hour.is_known() && !report.weekly.is_known());
}

#[test]
fn after_upstream_errors_the_stuck_accounts_recover_when_the_retry_time_passes() {
    let files = parse_auth_files(&read("auth_files_after_upstream_errors.json")).expect("parses");
    let alice = files.iter().find(|f| f.name.contains("alice")).unwrap();
    assert!(alice.unavailable && alice.status == "error");
    let retry = alice.next_retry_after.expect("next_retry_after");
    assert_eq!(retry, epoch("2026-11-25T14:21:51Z"));

    // During the cooldown the six failed accounts cool (erroring, but each
    // account is counted in one state: cooling).
    let before = retry - 30;
    let state = state_of(files.clone(), Vec::new(), before);
    let cooling = quota::compute(&state.accounts, &QuotaSettings::default(), before);
    assert_eq!((cooling.counts.cooling, cooling.counts.erroring), (6, 0));
    assert_eq!(cooling.accounts.iter().filter(|a| a.erroring).count(), 6);

    // After it (the fixture was recorded then, still `unavailable`/`error`):
    // usable again, neither cooling nor erroring; "recovering".
    let after = epoch("2026-11-25T14:30:00Z");
    let state = state_of(files, Vec::new(), after);
    let report = quota::compute(&state.accounts, &QuotaSettings::default(), after);
    let c = &report.counts;
    assert_eq!((c.cooling, c.erroring), (0, 0), "{c:?}");
    let recovering = report.accounts.iter().filter(|a| a.recovering).count();
    assert_eq!(recovering, 6);
    assert!(report
        .accounts
        .iter()
        .filter(|a| a.recovering)
        .all(|a| a.available));
}

#[test]
fn recorded_usage_answers() {
    let now = epoch("2026-11-25T14:26:40Z");
    // The request poolwatch builds for alice is exactly the one the server accepted.
    let files = parse_auth_files(&read("auth_files.json")).unwrap();
    let alice = files.iter().find(|f| f.name.contains("alice")).unwrap();
    let (sent, _, plus) = api_case("plus_200", now);
    let url = sent["url"].as_str().unwrap();
    assert_eq!(usage_request(alice, url), sent);

    let plus = plus.expect("usage");
    assert_eq!(plus.plan_type.as_deref(), Some("plus"));
    assert_eq!(plus.five_hour.as_ref().unwrap().remaining_percent(), 58.0);
    assert_eq!(plus.weekly.as_ref().unwrap().remaining_percent(), 81.0);

    // A 429 with the usage body is quota state: 5h used up, resets in 30 min.
    let (_, _, limited) = api_case("limit_reached_429", now);
    let limited = limited.expect("429 with reset info is quota state");
    assert_eq!(limited.five_hour.as_ref().unwrap().used_percent, 100.0);
    assert_eq!(limited.limit_reached, Some(true));

    // Pro, weekly window only (in primary_window): no 5h window at all.
    let (_, _, pro) = api_case("pro_weekly_only_200", now);
    let pro = pro.expect("usage");
    assert_eq!(pro.plan_type.as_deref(), Some("pro"));
    assert_eq!(pro.five_hour, None);
    assert_eq!(pro.weekly.as_ref().unwrap().remaining_percent(), 75.0);

    // A challenge page is this account's error, not a refused token.
    let (_, _, challenge) = api_case("html_challenge_403", now);
    let challenge = challenge.expect_err("an error").to_string();
    assert!(challenge.contains("HTML"), "{challenge}");
    assert!(!refused_token(&challenge));

    // Unknown auth_index: the literal `Bearer $TOKEN$` went upstream, which said 401.
    let (_, _, unknown) = api_case("unknown_auth_index_token_not_substituted", now);
    let unknown = unknown.expect_err("an error").to_string();
    assert!(unknown.starts_with("upstream HTTP 401"), "{unknown}");
    assert!(refused_token(&unknown));

    // A numeric auth_index is refused by the server: poolwatch always sends strings.
    let (sent, status, _) = api_case("numeric_auth_index", now);
    assert!(sent["auth_index"].is_number() && status == 400);
    assert!(usage_request(alice, url)["auth_index"].is_string());
}

#[test]
fn a_pool_of_week_only_pro_accounts_has_no_5h_figure() {
    let now = epoch("2026-11-25T14:26:40Z");
    let files = parse_auth_files(&read("auth_files.json")).unwrap();
    let dave = files
        .into_iter()
        .find(|f| f.name.contains("dave"))
        .expect("the pro account");
    let (_, _, pro) = api_case("pro_weekly_only_200", now);
    let id = dave.id.clone();
    let state = state_of(vec![dave], vec![(id, Ok(pro.unwrap()))], now);
    let report = quota::compute(&state.accounts, &QuotaSettings::default(), now);
    assert!(!report.five_hour.is_known());
    assert_eq!(report.weekly.remaining, 20.0 * 75.0);
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["five_hour"].is_null());
}
