//! The built-in demo pool (`--demo`): a realistic pool of 12 Codex accounts
//! plus a few Claude, Antigravity and Kimi accounts (the whole pool).
//!
//! The demo builds the same JSON a CLIProxyAPI server sends (auth-files, and
//! the api-call upstream status/body per account) and runs it through the
//! real parsers and merge, so the demo exercises the production code paths.

use serde_json::{json, Value};

use crate::api::api_keys::parse_api_key_usage;
use crate::api::auth_files::{parse_auth_files, AuthFileEntry};
use crate::api::client::FetchReport;
use crate::api::providers::wants_usage;
use crate::api::providers::{antigravity, claude, kimi, section_of};
use crate::api::usage::interpret_upstream;
use crate::api::{merge_api_keys, merge_fetch, Selection};
use crate::history::History;
use crate::model::{Epoch, PoolState};
use crate::quota::PoolReport;

const FIVE_HOURS: i64 = 18_000;
const WEEK: i64 = 604_800;

/// How one demo account's usage call answers.
enum Answer {
    /// 200 with (5h used, 5h reset in, week used, week reset in).
    Windows(f64, i64, f64, i64),
    /// 200 with only a weekly window in `primary_window` (Pro accounts).
    WeeklyOnly(f64, i64),
    /// 429 with the usage body: limit reached on the 5h window.
    LimitReached(i64, f64, i64),
    /// A Cloudflare-style HTML challenge page.
    Challenge,
    /// A monthly (team) window next to the 5h one.
    Monthly(f64, i64, f64, i64),
}

struct DemoAccount {
    email: &'static str,
    plan: &'static str,
    answer: Answer,
    status: &'static str,
    status_message: &'static str,
    disabled: bool,
    cooling_for: Option<i64>,
    /// (success, failed) per 10 minutes; repeated over 20 buckets.
    traffic: (u64, u64),
}

fn accounts() -> Vec<DemoAccount> {
    use Answer::*;
    let ok = |email, plan, answer, traffic| DemoAccount {
        email,
        plan,
        answer,
        status: "active",
        status_message: "",
        disabled: false,
        cooling_for: None,
        traffic,
    };
    vec![
        ok(
            "alice@studio.dev",
            "plus",
            Windows(42.0, 3_600, 19.0, 345_600),
            (6, 0),
        ),
        ok(
            "bob@studio.dev",
            "plus",
            LimitReached(2_280, 61.0, 260_000),
            (9, 1),
        ),
        ok(
            "carol@studio.dev",
            "prolite",
            Windows(12.0, 14_400, 33.0, 432_000),
            (14, 0),
        ),
        ok(
            "dan@studio.dev",
            "pro",
            Windows(27.0, 9_000, 48.0, 190_000),
            (30, 2),
        ),
        ok("erin@studio.dev", "pro", WeeklyOnly(22.0, 500_000), (18, 0)),
        ok(
            "frank@studio.dev",
            "plus",
            Windows(5.0, 16_000, 98.5, 86_000),
            (0, 0),
        ),
        DemoAccount {
            status: "error",
            status_message: "429 Too Many Requests: cooling down",
            cooling_for: Some(1_200),
            ..ok(
                "grace@studio.dev",
                "plus",
                Windows(88.0, 1_500, 57.0, 300_000),
                (4, 3),
            )
        },
        ok("heidi@studio.dev", "plus", Challenge, (2, 2)),
        ok(
            "ivan@studio.dev",
            "plus",
            Windows(75.0, 2_000, 80.0, 150_000),
            (7, 0),
        ),
        ok(
            "judy@studio.dev",
            "prolite",
            Windows(55.0, 4_100, 70.0, 400_000),
            (11, 0),
        ),
        DemoAccount {
            status: "disabled",
            disabled: true,
            ..ok(
                "mallory@studio.dev",
                "plus",
                Windows(0.0, FIVE_HOURS, 0.0, WEEK),
                (0, 0),
            )
        },
        ok(
            "peggy@studio.dev",
            "team",
            Monthly(30.0, 7_200, 45.0, 1_900_000),
            (5, 0),
        ),
    ]
}

fn window(used: f64, seconds: i64, reset_in: i64, now: Epoch) -> Value {
    json!({
        "used_percent": used,
        "limit_window_seconds": seconds,
        "reset_after_seconds": reset_in,
        "reset_at": now + reset_in,
    })
}

fn usage_body(plan: &str, primary: Value, secondary: Value, limit_reached: bool) -> String {
    json!({
        "plan_type": plan,
        "rate_limit": {
            "allowed": !limit_reached,
            "limit_reached": limit_reached,
            "primary_window": primary,
            "secondary_window": secondary,
        },
        "code_review_rate_limit": null,
        "credits": {"has_credits": false, "unlimited": false, "balance": "0"},
    })
    .to_string()
}

/// The upstream (status, body) the demo account answers at `now`.
fn upstream_answer(account: &DemoAccount, now: Epoch) -> (u16, String) {
    let plan = account.plan;
    match account.answer {
        Answer::Windows(short, short_in, long, long_in) => (
            200,
            usage_body(
                plan,
                window(short, FIVE_HOURS, short_in, now),
                window(long, WEEK, long_in, now),
                false,
            ),
        ),
        Answer::WeeklyOnly(long, long_in) => (
            200,
            usage_body(plan, window(long, WEEK, long_in, now), Value::Null, false),
        ),
        Answer::LimitReached(short_in, long, long_in) => (
            429,
            usage_body(
                plan,
                window(100.0, FIVE_HOURS, short_in, now),
                window(long, WEEK, long_in, now),
                true,
            ),
        ),
        Answer::Monthly(short, short_in, long, long_in) => (
            200,
            usage_body(
                plan,
                window(short, FIVE_HOURS, short_in, now),
                window(long, 30 * 86_400, long_in, now),
                false,
            ),
        ),
        Answer::Challenge => (
            403,
            "<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>".into(),
        ),
    }
}

/// A demo account of another provider: its quota answer and its plan answer.
struct OtherAccount {
    provider: &'static str,
    email: &'static str,
    project_id: Option<&'static str>,
    /// (success, failed) per 10 minutes; repeated over 20 buckets.
    traffic: (u64, u64),
}

fn other_accounts() -> Vec<OtherAccount> {
    let other = |provider, email, project_id, traffic| OtherAccount {
        provider,
        email,
        project_id,
        traffic,
    };
    vec![
        other("claude", "nina@studio.dev", None, (12, 0)),
        other("claude", "oscar@studio.dev", None, (5, 1)),
        other(
            "antigravity",
            "quinn@studio.dev",
            Some("demo-quinn-4821"),
            (8, 0),
        ),
        other("kimi", "rita@studio.dev", None, (3, 0)),
    ]
}

fn iso(at: Epoch) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

/// The quota answer of another provider's demo account, parsed by that
/// provider's real parser (plan or tier included).
fn other_usage(entry: &AuthFileEntry, now: Epoch) -> Option<Result<crate::model::Usage, String>> {
    let text = |e: crate::api::providers::UsageError| e.to_string();
    let usage = match entry.email.as_deref()? {
        "nina@studio.dev" => {
            let body = json!({
                "five_hour": {"utilization": 35.0, "resets_at": iso(now + 6_300)},
                "seven_day": {"utilization": 52.0, "resets_at": iso(now + 280_000)},
                "seven_day_opus": {"utilization": 70.0, "resets_at": iso(now + 280_000)},
                "seven_day_sonnet": {"utilization": 18.0, "resets_at": iso(now + 280_000)},
                "seven_day_oauth_apps": null,
                "extra_usage": {"is_enabled": false},
            });
            let profile = json!({"account": {"has_claude_max": true, "has_claude_pro": false},
                "organization": {"organization_type": "claude_max", "rate_limit_tier": "default_claude_max_20x"}});
            claude::interpret_usage(200, &body.to_string(), now).map(|mut u| {
                u.plan_type = claude::interpret_profile(200, &profile.to_string());
                u
            })
        }
        "oscar@studio.dev" => {
            let body = json!({
                "five_hour": {"utilization": 80.0, "resets_at": iso(now + 2_100)},
                "seven_day": {"utilization": 30.0, "resets_at": iso(now + 410_000)},
            });
            let profile = json!({"account": {"has_claude_max": false, "has_claude_pro": true}});
            claude::interpret_usage(200, &body.to_string(), now).map(|mut u| {
                u.plan_type = claude::interpret_profile(200, &profile.to_string());
                u
            })
        }
        "quinn@studio.dev" => {
            let body = json!({"groups": [
                {"displayName": "Gemini", "buckets": [
                    {"bucketId": "gemini-5h", "displayName": "5h", "window": "5h", "resetTime": iso(now + 9_000), "remainingFraction": 0.55},
                    {"bucketId": "gemini-week", "displayName": "Weekly", "window": "weekly", "resetTime": iso(now + 350_000), "remainingFraction": 0.8}]},
                {"displayName": "Claude", "buckets": [
                    {"bucketId": "claude-5h", "displayName": "5h", "window": "5h", "resetTime": iso(now + 9_000), "remainingFraction": 0.9}]}
            ]});
            let tier = json!({"currentTier": {"id": "g1-pro-tier"}});
            antigravity::interpret_quota(200, &body.to_string(), now).map(|mut u| {
                u.plan_type = antigravity::interpret_tier(200, &tier.to_string());
                u
            })
        }
        "rita@studio.dev" => {
            let body = json!({
                "usage": {"used": "120", "limit": "400", "resetAt": iso(now + 500_000)},
                "limits": [{"name": "5h", "window": {"duration": 300, "timeUnit": "TIME_UNIT_MINUTE"},
                    "detail": {"limit": 50, "remaining": 35, "resetAt": iso(now + 4_000)}}],
            });
            kimi::interpret_usage(200, &body.to_string(), now)
        }
        _ => return None,
    };
    Some(usage.map_err(text))
}

fn bucket_label(now: Epoch, index: i64) -> String {
    let end = now - now.rem_euclid(600) + 600 - (19 - index) * 600;
    let fmt = |t: Epoch| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.format("%H:%M").to_string())
            .unwrap_or_default()
    };
    format!("{}-{}", fmt(end - 600), fmt(end))
}

/// The auth-files JSON body the demo server would send at `now`.
pub fn auth_files_json(now: Epoch) -> String {
    let files: Vec<Value> = accounts()
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let buckets: Vec<Value> = (0..20)
                .map(|b| {
                    // A quiet stretch in the middle keeps the strip readable.
                    let quiet = (8..11).contains(&b);
                    let (s, f) = if quiet { (0, 0) } else { a.traffic };
                    json!({"time": bucket_label(now, b), "success": s, "failed": if b >= 17 || b == 5 { f } else { 0 }})
                })
                .collect();
            let mut file = json!({
                "id": format!("codex-{}.json", a.email),
                "auth_index": format!("{:016x}", 0x5eed_0000_u64 + i as u64),
                "name": format!("codex-{}.json", a.email),
                "type": "codex",
                "provider": "codex",
                "label": a.email,
                "email": a.email,
                "account_type": "oauth",
                "status": a.status,
                "status_message": a.status_message,
                "disabled": a.disabled,
                "unavailable": a.cooling_for.is_some(),
                "runtime_only": false,
                "source": "file",
                "size": 4096,
                "success": a.traffic.0 * 140,
                "failed": a.traffic.1 * 9,
                "recent_requests": buckets,
                "last_refresh": now - 3_000 - i as i64 * 611,
                "id_token": {"chatgpt_account_id": format!("demo-account-{i}"), "plan_type": a.plan},
            });
            if let Some(cooling) = a.cooling_for {
                file["next_retry_after"] = json!(
                    chrono::DateTime::from_timestamp(now + cooling, 0)
                        .map(|d| d.to_rfc3339())
                        .unwrap_or_default()
                );
            }
            file
        })
        .chain(other_accounts().iter().enumerate().map(|(i, a)| {
            let buckets: Vec<Value> = (0..20)
                .map(|b| {
                    let (s, f) = if (8..11).contains(&b) { (0, 0) } else { a.traffic };
                    json!({"time": bucket_label(now, b), "success": s, "failed": if b >= 18 { f } else { 0 }})
                })
                .collect();
            let mut file = json!({
                "id": format!("{}-{}.json", a.provider, a.email),
                "auth_index": format!("{:016x}", 0x5eed_1000_u64 + i as u64),
                "name": format!("{}-{}.json", a.provider, a.email),
                "type": a.provider,
                "provider": a.provider,
                "label": a.email,
                "email": a.email,
                "account_type": "oauth",
                "status": "active",
                "status_message": "",
                "disabled": false,
                "unavailable": false,
                "runtime_only": false,
                "source": "file",
                "size": 2048,
                "success": a.traffic.0 * 140,
                "failed": a.traffic.1 * 9,
                "recent_requests": buckets,
            });
            if let Some(project) = a.project_id {
                file["project_id"] = json!(project);
            }
            file
        }))
        .collect();
    json!({ "files": files }).to_string()
}

/// The demo pool at `now`, named with `selection`'s labels.
pub fn pool(selection: &Selection, now: Epoch) -> PoolState {
    let entries = parse_auth_files(&auth_files_json(now)).unwrap_or_default();
    let demo = accounts();
    let seen = entries.len();
    let entries: Vec<_> = entries.into_iter().filter(|e| selection.keeps(e)).collect();
    let usages = entries
        .iter()
        .filter(|e| wants_usage(e))
        .filter_map(|entry| {
            if section_of(entry) != crate::provider::CODEX.id {
                return Some((entry.id.clone(), other_usage(entry, now)?));
            }
            let account = demo
                .iter()
                .find(|a| entry.email.as_deref() == Some(a.email))?;
            let (status, body) = upstream_answer(account, now);
            let result = interpret_upstream(status, &body, now).map_err(|e| e.to_string());
            Some((entry.id.clone(), result))
        })
        .collect();
    let report = FetchReport {
        entries,
        usages,
        server_version: Some("demo".into()),
        deadline_hit: false,
        cut_by_deadline: Vec::new(),
        auth_files_seen: Some(seen),
        ..FetchReport::default()
    };
    let mut state = merge_fetch(None, report, selection, now);
    let keys = parse_api_key_usage(&api_key_usage_json(now)).map(Some);
    state.api_keys = merge_api_keys(None, keys, selection);
    state
}

/// The demo's `api-key-usage` answer: three made-up upstream keys (the raw
/// text is invented and, like a real key, never leaves the parser).
fn api_key_usage_json(now: Epoch) -> String {
    let buckets = |seed: u64, failing: bool| -> Vec<Value> {
        (0..20u64)
            .map(|i| {
                let end = now - now.rem_euclid(600) + 600 - (19 - i as i64) * 600;
                let label = |t: Epoch| {
                    format!(
                        "{:02}:{:02}",
                        t.rem_euclid(86_400) / 3600,
                        t.rem_euclid(3600) / 60
                    )
                };
                json!({
                    "time": format!("{}-{}", label(end - 600), label(end)),
                    "success": (i * seed + 3) % 9,
                    "failed": u64::from(failing && i >= 17),
                })
            })
            .collect()
    };
    json!({
        "openai": {
            "https://api.openai.com/v1|sk-demo-not-a-real-key-0001": {
                "success": 1_284, "failed": 3, "recent_requests": buckets(5, true)
            },
        },
        "openai-compat-deepseek": {
            "https://api.deepseek.com/v1|sk-demo-not-a-real-key-0002": {
                "success": 311, "failed": 0, "recent_requests": buckets(3, false)
            },
        },
        "codex": {
            "sk-demo-not-a-real-key-0003": {"success": 42, "failed": 0, "recent_requests": []},
        },
    })
    .to_string()
}

/// The demo's history: a week of synthetic pool balances (the last hour
/// burns 240%/h on the 5h window, the last day 36%/h on the week) and window
/// cycles of the counted accounts, so every output shows charts, waste and
/// pace. Nothing of it is written anywhere.
pub fn history(report: &PoolReport, now: Epoch) -> History {
    use crate::history::cycles::Cycle;
    use crate::history::series::{record, Point};
    use crate::history::{SectionHistory, Window};
    let (five, week) = (&report.five_hour, &report.weekly);
    let mut section = SectionHistory::default();
    let mut at = now - 7 * 86_400;
    while at <= now {
        let hours = (now - at) as f64 / 3600.0;
        let wave = 1.0 - libm::cos(std::f64::consts::TAU * ((hours - 1.0).max(0.0) / 5.0));
        let five_value = if hours <= 1.0 {
            five.remaining + 240.0 * hours
        } else {
            five.remaining + 240.0 + 0.3 * five.capacity * wave
        };
        let week_value = if hours <= 24.0 {
            week.remaining + 36.0 * hours
        } else if hours <= 80.0 {
            week.remaining + 36.0 * 24.0 + 20.0 * (hours - 24.0)
        } else {
            0.15 * week.capacity + 10.0 * (168.0 - hours)
        };
        let pair = |value: f64, w: &crate::quota::PoolWindow| {
            w.is_known()
                .then_some((value.clamp(0.0, w.capacity), w.capacity))
        };
        record(
            &mut section.points,
            Point {
                at,
                five_hour: pair(five_value, five),
                weekly: pair(week_value, week),
            },
        );
        at += 900;
    }
    let counted = report
        .accounts_of(&report.primary_provider)
        .filter(|v| crate::quota::counts_in_pool(v))
        .take(6);
    for (i, view) in counted.enumerate() {
        let cycle = |window, ended_at, used_percent: f64| Cycle {
            account: view.name.clone(),
            label: view.label.clone(),
            window,
            ended_at,
            used_percent,
            used: view.weight * used_percent,
            wasted: view.weight * (100.0 - used_percent),
        };
        for k in 1..=33 {
            let used = 40.0 + ((k * 37 + i as i64 * 53) % 60) as f64;
            section.cycles.push(cycle(
                Window::FiveHour,
                now - k * 18_000 - i as i64 * 1234,
                used,
            ));
        }
        section.cycles.push(cycle(
            Window::Weekly,
            now - 80 * 3600 - i as i64 * 600,
            70.0 + (i as f64 * 7.0) % 29.0,
        ));
    }
    section.cycles.sort_by_key(|c| c.ended_at);
    section.bound(now);
    let mut history = History::default();
    history
        .sections
        .insert(report.primary_provider.clone(), section);
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codex() -> Selection {
        Selection {
            providers: vec!["codex".into()],
            ..Default::default()
        }
    }

    #[test]
    fn demo_pool_goes_through_the_real_parsers() {
        let now = 1_785_900_000;
        let pool = pool(&codex(), now);
        assert_eq!(pool.accounts.len(), 12);
        let by = |email: &str| {
            pool.accounts
                .iter()
                .find(|a| a.email.as_deref() == Some(email))
                .unwrap()
        };
        // 429 with reset info is quota state, not an error.
        let bob = by("bob@studio.dev");
        assert!(bob.usage_error.is_none());
        let bob_5h = bob.usage.as_ref().unwrap().five_hour.as_ref().unwrap();
        assert_eq!(bob_5h.used_percent, 100.0);
        assert_eq!(bob_5h.reset_at, Some(now + 2_280));
        // The HTML challenge is an error for that account only.
        assert!(by("heidi@studio.dev").usage_error.is_some());
        // Pro with only a weekly window in primary_window.
        let erin = by("erin@studio.dev").usage.as_ref().unwrap();
        assert!(erin.five_hour.is_none());
        assert_eq!(erin.weekly.as_ref().unwrap().window_seconds, Some(WEEK));
        // Cooling account carries next_retry_after.
        assert_eq!(by("grace@studio.dev").next_retry_after, Some(now + 1_200));
        // The disabled account is listed but not asked.
        let mallory = by("mallory@studio.dev");
        assert!(mallory.disabled && mallory.usage.is_none());
        assert!(pool.accounts.iter().all(|a| a.recent_requests.len() == 20));
        // Peggy's 30-day team window is also a monthly lane.
        let peggy = by("peggy@studio.dev").usage.as_ref().unwrap();
        assert_eq!(peggy.monthly.as_ref().map(|m| m.used_percent), Some(45.0));
    }

    #[test]
    fn the_whole_demo_pool_has_every_provider_and_the_same_codex_numbers() {
        let now = 1_785_900_000;
        let all = Selection {
            providers: vec!["*".into()],
            ..Default::default()
        };
        let settings = crate::quota::QuotaSettings::default();
        let whole = crate::quota::compute(&pool(&all, now).accounts, &settings, now);
        let codex_only = crate::quota::compute(&pool(&codex(), now).accounts, &settings, now);
        assert_eq!(whole.primary_provider, "codex");
        assert_eq!(whole.five_hour, codex_only.five_hour);
        assert_eq!(whole.weekly, codex_only.weekly);
        assert_eq!(whole.counts, codex_only.counts);
        assert_eq!(whole.health, codex_only.health);
        let ids: Vec<&str> = whole.sections.iter().map(|s| s.provider.as_str()).collect();
        assert_eq!(ids, ["codex", "claude", "antigravity", "kimi"]);
        let claude = whole.section("claude").unwrap();
        // nina max20x: 65 * 20; oscar pro: 20 * 1.
        assert_eq!(claude.five_hour.remaining, 1320.0);
        assert_eq!(claude.five_hour.capacity, 2100.0);
        let nina = whole
            .accounts_of("claude")
            .find(|a| a.plan == "max20x")
            .unwrap();
        assert_eq!(nina.lanes.len(), 2);
        let quinn = whole.section("antigravity").unwrap();
        assert_eq!(quinn.five_hour.remaining, 55.0);
        let kimi = whole.section("kimi").unwrap();
        assert_eq!(
            (kimi.five_hour.remaining, kimi.weekly.remaining),
            (70.0, 70.0)
        );
        assert!(whole
            .accounts
            .iter()
            .all(|a| a.error.is_none() || a.label.starts_with("heidi")));
    }
}
