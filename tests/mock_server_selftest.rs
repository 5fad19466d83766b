//! Tests of the mock CLIProxyAPI server itself (tests/support/mock_server.rs), through the
//! std-only HTTP client of tests/support.

mod support;

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use support::*;

const KEY: &str = DEFAULT_MANAGEMENT_KEY;

fn auth_files_url(server: &MockServer) -> String {
    format!("{}/v0/management/auth-files", server.url())
}

fn api_call_url(server: &MockServer) -> String {
    format!("{}/v0/management/api-call", server.url())
}

fn get_auth_files(server: &MockServer, key: &str) -> HttpResponse {
    let auth = bearer(key);
    let headers = [("Authorization", auth.as_str())];
    request(&auth_files_url(server), "GET", &headers, None)
}

fn request(url: &str, method: &str, headers: &[(&str, &str)], body: Option<&str>) -> HttpResponse {
    match try_http(method, url, headers, body, DEFAULT_TIMEOUT) {
        Ok(response) => response,
        Err(err) => panic!("{method} {url}: {err}"),
    }
}

/// POSTs an api-call body with the right management key.
fn api_call(server: &MockServer, body: &Value) -> HttpResponse {
    let auth = bearer(KEY);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    request(
        &api_call_url(server),
        "POST",
        &headers,
        Some(&body.to_string()),
    )
}

/// The api-call body poolwatch sends for a usage fetch.
fn usage_call(server: &MockServer, auth_index: &str) -> Value {
    json!({
        "auth_index": auth_index,
        "method": "GET",
        "url": server.usage_url(),
        "header": {
            "Authorization": "Bearer $TOKEN$",
            "Accept": "application/json",
            "User-Agent": "codex_cli_rs/0.76.0 (Debian 13.0.0; x86_64) WindowsTerminal",
        },
    })
}

fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn one_account_server(account: MockAccount) -> (MockServer, String) {
    let index = account.auth_index(false);
    (
        MockServer::start(MockConfig::with_accounts(vec![account])),
        index,
    )
}

#[test]
fn auth_files_lists_sorted_entries_with_upstream_fields() {
    let mut bob = MockAccount::new("bob@example.com", "pro");
    bob.recent_requests = vec![(3, 1), (4, 0)];
    bob.next_retry_after = Some("2030-01-01T00:00:00Z".to_string());
    let alice = MockAccount::new("alice@example.com", "plus");
    let key_auth = MockAccount::api_key("codex-apikey.json", "sk-raw-secret");
    let server = MockServer::start(MockConfig::with_accounts(vec![bob, alice, key_auth]));

    let response = get_auth_files(&server, KEY);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("X-CPA-VERSION"), Some("6.8.15"));
    assert!(response.header("X-CPA-COMMIT").is_some());
    assert!(response.header("X-CPA-BUILD-DATE").is_some());
    let files = response.json()["files"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = files.iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "codex-alice@example.com-plus.json",
            "codex-apikey.json",
            "codex-bob@example.com-pro.json"
        ]
    );

    let bob = &files[2];
    for field in [
        "id",
        "auth_index",
        "name",
        "type",
        "provider",
        "label",
        "status",
        "status_message",
        "disabled",
        "unavailable",
        "runtime_only",
        "source",
        "size",
        "success",
        "failed",
        "recent_requests",
    ] {
        assert!(bob.get(field).is_some(), "missing {field}");
    }
    let expected_index = auth_index_for("codex-bob@example.com-pro.json", false);
    assert_eq!(bob["auth_index"], json!(expected_index));
    assert_eq!(expected_index.len(), 16);
    assert!(expected_index.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(bob["provider"], "codex");
    assert_eq!(bob["label"], "bob@example.com");
    assert_eq!(bob["email"], "bob@example.com");
    assert_eq!(bob["status"], "active");
    assert_eq!(bob["id_token"]["plan_type"], "pro");
    assert_eq!(bob["next_retry_after"], "2030-01-01T00:00:00Z");
    assert_eq!(bob["success"], 7);
    assert_eq!(bob["failed"], 1);
    assert!(bob.get("x_mock_unknown").is_some());

    let buckets = bob["recent_requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(buckets.len(), 20);
    assert_eq!(
        buckets[0],
        json!({"time": buckets[0]["time"], "success": 0, "failed": 0})
    );
    assert_eq!(buckets[18]["success"], 3);
    assert_eq!(buckets[18]["failed"], 1);
    assert_eq!(buckets[19]["success"], 4);
    let now = now_epoch();
    let start = now - now % 600;
    let hhmm = |t: i64| format!("{:02}:{:02}", t % 86_400 / 3600, t % 3600 / 60);
    let label = buckets[19]["time"].as_str().unwrap_or("");
    let expected = format!("{}-{}", hhmm(start), hhmm(start + 600));
    // Tolerate crossing a 10-minute boundary between the request and this line.
    let previous = format!("{}-{}", hhmm(start - 600), hhmm(start));
    assert!(
        label == expected || label == previous,
        "{label} vs {expected}"
    );

    let key_auth = &files[1];
    assert_eq!(key_auth["account_type"], "api_key");
    assert_eq!(key_auth["account"], "sk-raw-secret");
    assert!(key_auth.get("email").is_none());
    assert!(key_auth.get("id_token").is_none());
    assert_eq!(server.stats().auth_files_requests, 1);
}

#[test]
fn x_management_key_header_is_accepted() {
    let server = MockServer::start(MockConfig::default());
    let (status, headers, body) = http(
        "GET",
        &auth_files_url(&server),
        &[("X-Management-Key", KEY)],
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(body, "{\"files\":[]}");
    assert!(headers
        .iter()
        .any(|(k, v)| k == "Content-Type" && v.starts_with("application/json")));
}

#[test]
fn missing_and_wrong_keys_are_401_and_counted() {
    let server = MockServer::start(MockConfig::default());
    let missing = request(&auth_files_url(&server), "GET", &[], None);
    assert_eq!(missing.status, 401);
    assert_eq!(missing.body, "{\"error\":\"missing management key\"}");
    assert_eq!(missing.header("X-CPA-VERSION"), Some("6.8.15"));

    let wrong = get_auth_files(&server, "nope");
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body, "{\"error\":\"invalid management key\"}");
    get_auth_files(&server, "nope");
    get_auth_files(&server, "other");

    let stats = server.stats();
    assert_eq!(stats.failed_auth_attempts, 4);
    assert_eq!(stats.distinct_wrong_keys, 2);
    assert_eq!(stats.auth_files_requests, 4);
}

#[test]
fn five_failures_ban_the_ip_even_for_the_right_key() {
    let server = MockServer::start(MockConfig {
        ban_duration: Duration::from_secs(90),
        ..MockConfig::default()
    });
    for attempt in 1..=5 {
        let response = get_auth_files(&server, "wrong");
        assert_eq!(response.status, 401, "attempt {attempt}");
    }
    let banned = get_auth_files(&server, KEY);
    assert_eq!(banned.status, 403);
    let message = banned.json()["error"].as_str().unwrap_or("").to_string();
    let prefix = "IP banned due to too many failed attempts. Try again in ";
    assert!(message.starts_with(prefix), "{message}");
    let remaining = &message[prefix.len()..];
    assert!(remaining == "1m30s" || remaining == "1m29s", "{remaining}");
    assert_eq!(banned.header("X-CPA-VERSION"), Some("6.8.15"));

    let api = api_call(&server, &json!({}));
    assert_eq!(api.status, 403);
    let stats = server.stats();
    assert_eq!(stats.failed_auth_attempts, 5);
    assert_eq!(stats.banned_responses, 2);

    server.clear_bans();
    assert_eq!(get_auth_files(&server, KEY).status, 200);
}

#[test]
fn ban_expires_and_success_resets_the_count() {
    let server = MockServer::start(MockConfig {
        ban_duration: Duration::from_millis(300),
        ..MockConfig::default()
    });
    for _ in 0..4 {
        assert_eq!(get_auth_files(&server, "wrong").status, 401);
    }
    assert_eq!(get_auth_files(&server, KEY).status, 200);
    for _ in 0..4 {
        assert_eq!(get_auth_files(&server, "wrong").status, 401);
    }
    assert_eq!(get_auth_files(&server, KEY).status, 200, "count was reset");

    // Missing keys count too.
    for _ in 0..5 {
        assert_eq!(
            request(&auth_files_url(&server), "GET", &[], None).status,
            401
        );
    }
    assert_eq!(get_auth_files(&server, KEY).status, 403);
    thread::sleep(Duration::from_millis(400));
    assert_eq!(get_auth_files(&server, KEY).status, 200, "ban expired");
}

#[test]
fn go_duration_matches_go_formatting() {
    assert_eq!(go_duration(Duration::from_secs(1799)), "29m59s");
    assert_eq!(go_duration(Duration::from_millis(1_799_600)), "30m0s");
    assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
    assert_eq!(go_duration(Duration::from_millis(4_400)), "4s");
    assert_eq!(go_duration(Duration::ZERO), "0s");
}

#[test]
fn no_management_key_means_404_with_empty_body() {
    let server = MockServer::start(MockConfig {
        management_key: None,
        ..MockConfig::default()
    });
    let response = get_auth_files(&server, KEY);
    assert_eq!(response.status, 404);
    assert_eq!(response.body, "");
    assert_eq!(response.header("X-CPA-VERSION"), None);
    assert_eq!(api_call(&server, &json!({})).status, 404);
    assert_eq!(server.stats().failed_auth_attempts, 0);
}

#[test]
fn remote_management_disabled_is_403() {
    let server = MockServer::start(MockConfig {
        remote_disabled: true,
        ..MockConfig::default()
    });
    let response = get_auth_files(&server, KEY);
    assert_eq!(response.status, 403);
    assert_eq!(response.body, "{\"error\":\"remote management disabled\"}");
}

#[test]
fn unknown_routes_are_gin_404() {
    let server = MockServer::start(MockConfig::default());
    let response = request(
        &format!("{}/v0/management/nope", server.url()),
        "GET",
        &[],
        None,
    );
    assert_eq!(response.status, 404);
    assert_eq!(response.body, "404 page not found");
    let response = request(&format!("{}/", server.url()), "GET", &[], None);
    assert_eq!(response.status, 404);
}

#[test]
fn numeric_auth_index_is_a_json_number_and_usable_in_api_call() {
    let account = MockAccount::new("num@example.com", "plus");
    let server = MockServer::start(MockConfig {
        numeric_auth_index: true,
        ..MockConfig::with_accounts(vec![account.clone()])
    });
    let files = get_auth_files(&server, KEY).json();
    let index = &files["files"][0]["auth_index"];
    assert!(index.is_u64(), "{index}");
    assert_eq!(index.to_string(), account.auth_index(true));

    let as_string = api_call(&server, &usage_call(&server, &account.auth_index(true)));
    assert_eq!(as_string.json()["status_code"], 200);
    let mut as_number = usage_call(&server, "");
    as_number["auth_index"] = index.clone();
    assert_eq!(api_call(&server, &as_number).json()["status_code"], 200);
    assert_eq!(
        server
            .stats()
            .calls_per_auth_index
            .get(&account.auth_index(true)),
        Some(&2)
    );
}

#[test]
fn api_call_ok_returns_envelope_with_usage_body_string() {
    let account = MockAccount::new("ok@example.com", "plus").with_behaviour(UsageBehaviour::Ok {
        primary_used: 42.0,
        primary_window_s: FIVE_HOURS_S,
        primary_reset_after: 3600,
        secondary: Some((19.5, WEEK_S, 580_741)),
    });
    let account_id = account.chatgpt_account_id.clone().unwrap_or_default();
    let (server, index) = one_account_server(account);
    let mut call = usage_call(&server, &index);
    call["header"]["Chatgpt-Account-Id"] = json!(account_id);
    let before = now_epoch();
    let response = api_call(&server, &call);
    assert_eq!(response.status, 200);
    assert!(response
        .body
        .starts_with("{\"status_code\":200,\"header\":{"));
    let envelope = response.json();
    assert_eq!(
        envelope["header"]["Content-Type"],
        json!(["application/json"])
    );
    let body_text = envelope["body"].as_str().unwrap_or("");
    let usage: Value = serde_json::from_str(body_text).unwrap_or(Value::Null);
    assert_eq!(usage["plan_type"], "plus");
    let primary = &usage["rate_limit"]["primary_window"];
    assert_eq!(primary["used_percent"], json!(42));
    assert_eq!(primary["limit_window_seconds"], 18000);
    assert_eq!(primary["reset_after_seconds"], 3600);
    let reset_at = primary["reset_at"].as_i64().unwrap_or(0);
    assert!((before + 3600..=now_epoch() + 3600).contains(&reset_at));
    let secondary = &usage["rate_limit"]["secondary_window"];
    assert_eq!(secondary["used_percent"], json!(19.5));
    assert_eq!(secondary["limit_window_seconds"], WEEK_S);
    assert_eq!(usage["rate_limit"]["limit_reached"], false);
    assert_eq!(usage["credits"]["balance"], "0");

    let stats = server.stats();
    assert_eq!(stats.api_call_requests, 1);
    assert_eq!(stats.calls_with_account_id_header, 1);
    assert_eq!(stats.account_id_mismatches, 0);
}

#[test]
fn api_call_validation_errors_match_upstream_texts() {
    let (server, index) = one_account_server(MockAccount::new("v@example.com", "plus"));
    let auth = bearer(KEY);
    let post = |body: &str| {
        request(
            &api_call_url(&server),
            "POST",
            &[("Authorization", auth.as_str())],
            Some(body),
        )
    };
    let cases = [
        ("{not json", "invalid body"),
        ("", "invalid body"),
        ("[1,2]", "invalid body"),
        (
            r#"{"method":"GET","url":"http://x/","header":{"A":1}}"#,
            "invalid body",
        ),
        (
            r#"{"auth_index":7,"method":"GET","url":"http://x/"}"#,
            "invalid body",
        ),
        (r#"{"url":"http://x/"}"#, "missing method"),
        (r#"{"method":"  "}"#, "missing method"),
        (r#"{"method":"GET"}"#, "missing url"),
        (
            r#"{"method":"GET","url":"localhost:8080/x"}"#,
            "invalid url",
        ),
    ];
    for (body, message) in cases {
        let response = post(body);
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.json(), json!({ "error": message }), "{body}");
    }
    // camelCase authIndex is accepted too.
    let mut camel = usage_call(&server, "");
    camel["authIndex"] = json!(index);
    assert_eq!(api_call(&server, &camel).json()["status_code"], 200);
}

#[test]
fn upstream_refusals_are_enveloped() {
    let account = MockAccount::new("u@example.com", "plus");
    let account_id = account.chatgpt_account_id.clone().unwrap_or_default();
    let (server, index) = one_account_server(account);

    let unknown = api_call(&server, &usage_call(&server, "ffffffffffffffff"));
    assert_eq!(unknown.status, 200);
    // What the real v7.2.140 server's upstream answered to the literal `Bearer $TOKEN$`.
    assert_eq!(
        unknown.json(),
        json!({"status_code": 401, "header": unknown.json()["header"],
               "body": "{\"detail\": \"Could not parse your authentication token. Please try signing in again.\"}"})
    );

    let mut literal_token = usage_call(&server, &index);
    literal_token["header"]["Authorization"] = json!("Bearer real-token");
    assert_eq!(api_call(&server, &literal_token).json()["status_code"], 401);

    let mut wrong_url = usage_call(&server, &index);
    wrong_url["url"] = json!("https://chatgpt.com/backend-api/wham/usage");
    wrong_url["header"]["Chatgpt-Account-Id"] = json!(format!("{account_id}-other"));
    assert_eq!(api_call(&server, &wrong_url).json()["status_code"], 404);

    let stats = server.stats();
    assert_eq!(stats.upstream_unauthorized, 2);
    assert_eq!(stats.wrong_url_calls, 1);
    assert_eq!(stats.account_id_mismatches, 1);
}

#[test]
fn raw_bodies_pass_through_as_strings_with_go_escaping() {
    let limited = MockAccount::new("rl@example.com", "plus")
        .with_behaviour(UsageBehaviour::rate_limited(1200));
    let html =
        MockAccount::new("cf@example.com", "plus").with_behaviour(UsageBehaviour::html_challenge());
    let (limited_index, html_index) = (limited.auth_index(false), html.auth_index(false));
    let server = MockServer::start(MockConfig::with_accounts(vec![limited, html]));

    let response = api_call(&server, &usage_call(&server, &limited_index)).json();
    assert_eq!(response["status_code"], 429);
    let inner: Value =
        serde_json::from_str(response["body"].as_str().unwrap_or("")).unwrap_or_default();
    assert_eq!(inner["error"]["resets_in_seconds"], 1200);

    let raw = api_call(&server, &usage_call(&server, &html_index));
    assert!(
        raw.body.contains("\\u003c!DOCTYPE html\\u003e"),
        "{}",
        raw.body
    );
    let envelope = raw.json();
    assert_eq!(envelope["status_code"], 403);
    assert!(envelope["body"]
        .as_str()
        .unwrap_or("")
        .starts_with("<!DOCTYPE html>"));
    assert_eq!(
        envelope["header"]["Content-Type"],
        json!(["text/html; charset=UTF-8"])
    );
}

#[test]
fn transport_failures_and_plain_statuses() {
    let unreachable =
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::Envelope502);
    let broken =
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::Status(500));
    let no_token =
        MockAccount::new("c@example.com", "plus").with_behaviour(UsageBehaviour::NoToken);
    let indexes: Vec<String> = [&unreachable, &broken, &no_token]
        .iter()
        .map(|a| a.auth_index(false))
        .collect();
    let server = MockServer::start(MockConfig::with_accounts(vec![
        unreachable,
        broken,
        no_token,
    ]));

    let response = api_call(&server, &usage_call(&server, &indexes[0]));
    assert_eq!(response.status, 502);
    assert_eq!(response.body, "{\"error\":\"request failed\"}");
    assert_eq!(
        api_call(&server, &usage_call(&server, &indexes[1])).status,
        500
    );
    let response = api_call(&server, &usage_call(&server, &indexes[2]));
    assert_eq!(response.status, 400);
    assert_eq!(response.body, "{\"error\":\"auth token not found\"}");
}

#[test]
fn fail_times_fails_first_calls_then_succeeds() {
    let account = MockAccount::new("retry@example.com", "plus").with_behaviour(
        UsageBehaviour::FailTimes(2, Box::new(UsageBehaviour::ok(5.0, 6.0))),
    );
    let (server, index) = one_account_server(account);
    let call = usage_call(&server, &index);
    assert_eq!(api_call(&server, &call).status, 500);
    assert_eq!(api_call(&server, &call).status, 500);
    let third = api_call(&server, &call);
    assert_eq!(third.status, 200);
    assert_eq!(third.json()["status_code"], 200);
    assert_eq!(server.stats().calls_per_auth_index.get(&index), Some(&3));
}

#[test]
fn delay_behaviour_delays_the_answer() {
    let account =
        MockAccount::new("slow@example.com", "plus").with_behaviour(UsageBehaviour::Delay(
            Duration::from_millis(250),
            Box::new(UsageBehaviour::ok(1.0, 2.0)),
        ));
    let (server, index) = one_account_server(account);
    let started = Instant::now();
    assert_eq!(
        api_call(&server, &usage_call(&server, &index)).json()["status_code"],
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[test]
fn hang_never_answers_and_stop_does_not_block() {
    let account = MockAccount::new("hang@example.com", "plus").with_behaviour(UsageBehaviour::Hang);
    let (server, index) = one_account_server(account);
    let auth = bearer(KEY);
    let body = usage_call(&server, &index).to_string();
    let started = Instant::now();
    let result = try_http(
        "POST",
        &api_call_url(&server),
        &[("Authorization", auth.as_str())],
        Some(&body),
        Duration::from_millis(300),
    );
    let err = match result {
        Ok(response) => panic!("expected a timeout, got {response:?}"),
        Err(err) => err,
    };
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let stopping = Instant::now();
    server.stop();
    assert!(stopping.elapsed() < Duration::from_secs(1));
}

#[test]
fn concurrent_api_calls_are_counted() {
    let accounts: Vec<MockAccount> = (0..4)
        .map(|i| MockAccount::new(&format!("c{i}@example.com"), "plus"))
        .collect();
    let indexes: Vec<String> = accounts.iter().map(|a| a.auth_index(false)).collect();
    let server = Arc::new(MockServer::start(MockConfig {
        api_call_delay: Duration::from_millis(400),
        ..MockConfig::with_accounts(accounts)
    }));
    // Sequential calls never overlap.
    api_call(&server, &usage_call(&server, &indexes[0]));
    assert_eq!(server.stats().max_concurrent_api_calls, 1);

    let barrier = Arc::new(Barrier::new(indexes.len()));
    let workers: Vec<_> = indexes
        .iter()
        .cloned()
        .map(|index| {
            let (server, barrier) = (Arc::clone(&server), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                api_call(&server, &usage_call(&server, &index)).status
            })
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().ok(), Some(200));
    }
    let stats = server.stats();
    assert_eq!(stats.max_concurrent_api_calls, 4);
    assert_eq!(stats.api_call_requests, 5);
}

#[test]
fn auth_files_faults() {
    let server = MockServer::start(MockConfig::with_accounts(vec![MockAccount::new(
        "f@example.com",
        "plus",
    )]));
    server.set_config(|c| c.auth_files_fault = Some(Fault::Status(500)));
    assert_eq!(get_auth_files(&server, KEY).status, 500);

    server.set_config(|c| c.auth_files_fault = Some(Fault::Html));
    let html = get_auth_files(&server, KEY);
    assert_eq!(html.status, 200);
    assert!(html
        .header("Content-Type")
        .unwrap_or("")
        .starts_with("text/html"));
    assert!(html.body.starts_with("<!DOCTYPE html>"));

    server.set_config(|c| c.auth_files_fault = Some(Fault::TruncatedJson));
    let truncated = get_auth_files(&server, KEY);
    assert_eq!(truncated.status, 200);
    assert!(serde_json::from_str::<Value>(&truncated.body).is_err());

    server.set_config(|c| c.auth_files_fault = Some(Fault::CloseAfterAccept));
    let auth = bearer(KEY);
    let headers = [("Authorization", auth.as_str())];
    let closed = try_http(
        "GET",
        &auth_files_url(&server),
        &headers,
        None,
        Duration::from_secs(2),
    );
    assert!(closed.is_err());

    server.set_config(|c| c.auth_files_fault = Some(Fault::Hang));
    let hung = try_http(
        "GET",
        &auth_files_url(&server),
        &headers,
        None,
        Duration::from_millis(300),
    );
    assert!(hung.is_err());

    server.set_config(|c| c.auth_files_fault = None);
    assert_eq!(get_auth_files(&server, KEY).status, 200);
    assert_eq!(server.stats().auth_files_requests, 6);
}

#[test]
fn keep_alive_reuses_one_connection_until_close() {
    let server = MockServer::start(MockConfig::default());
    let stream = match TcpStream::connect(server.addr()) {
        Ok(stream) => stream,
        Err(err) => panic!("connect: {err}"),
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    let host = server.addr().to_string();
    let auth = bearer(KEY);
    let headers = [("Authorization", auth.as_str())];
    for close in [false, false, true] {
        let bytes = encode_request(
            "GET",
            &host,
            "/v0/management/auth-files?x=1",
            &headers,
            None,
            close,
        );
        writer.write_all(&bytes).expect("write");
        let response = read_response(&mut reader).expect("response");
        assert_eq!(response.status, 200);
        assert_eq!(response.header("Connection"), close.then_some("close"));
    }
    let mut rest = Vec::new();
    assert_eq!(reader.read_to_end(&mut rest).ok(), Some(0), "server closed");
    let stats = server.stats();
    assert_eq!(stats.connections_accepted, 1);
    assert_eq!(stats.total_requests, 3);
}

#[test]
fn set_config_changes_behaviour_at_runtime() {
    let account = MockAccount::new("rt@example.com", "plus");
    let (server, index) = one_account_server(account);
    assert_eq!(
        api_call(&server, &usage_call(&server, &index)).json()["status_code"],
        200
    );
    server.set_config(|c| c.accounts[0].behaviour = UsageBehaviour::unauthorized());
    assert_eq!(
        api_call(&server, &usage_call(&server, &index)).json()["status_code"],
        401
    );
    server.set_config(|c| c.management_key = Some("rotated".to_string()));
    assert_eq!(get_auth_files(&server, KEY).status, 401);
    assert_eq!(get_auth_files(&server, "rotated").status, 200);
}

#[test]
fn generated_pool_is_deterministic_and_varied() {
    let pool = generated_pool(200);
    assert_eq!(pool, generated_pool(200));
    assert_eq!(pool.len(), 200);
    let mut names: Vec<&str> = pool.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 200);
    let mut indexes: Vec<String> = pool.iter().map(|a| a.auth_index(false)).collect();
    indexes.sort_unstable();
    indexes.dedup();
    assert_eq!(indexes.len(), 200);
    for plan in ["plus", "prolite", "pro", "team"] {
        assert!(pool.iter().any(|a| a.plan == plan), "no {plan}");
    }
    assert_eq!(pool.iter().filter(|a| a.disabled).count(), 11); // i = 16, 33, ..., 186
    assert_eq!(pool.iter().filter(|a| a.unavailable).count(), 8); // i = 22, 45, ..., 183
    assert!(pool.iter().all(|a| a.recent_requests.len() == 20));
    let weekly_only = pool.iter().any(|a| {
        matches!(
            a.behaviour,
            UsageBehaviour::Ok {
                primary_window_s: WEEK_S,
                secondary: None,
                ..
            }
        )
    });
    assert!(weekly_only, "some pro account carries only a weekly window");

    let server = MockServer::start(MockConfig::with_accounts(pool));
    let files = get_auth_files(&server, KEY).json();
    assert_eq!(files["files"].as_array().map(Vec::len), Some(200));
}

// ----- behaviours of the real CLIProxyAPI v7.2.140 (SPEC.md §5) -----

#[test]
fn the_fifth_failure_is_still_401_and_the_ban_starts_after_it() {
    let server = MockServer::start(MockConfig::default());
    for attempt in 1..=5 {
        let response = get_auth_files(&server, "wrong");
        assert_eq!(response.status, 401, "attempt {attempt}");
        assert_eq!(
            response.json()["error"],
            "invalid management key",
            "attempt {attempt}"
        );
    }
    let sixth = get_auth_files(&server, KEY);
    assert_eq!(sixth.status, 403);
    let text = sixth.json()["error"].as_str().unwrap_or("").to_string();
    assert!(
        text.ends_with("Try again in 30m0s") || text.ends_with("Try again in 29m59s"),
        "{text}"
    );
    // Requests during the ban are refused but not counted as failures.
    assert_eq!(get_auth_files(&server, "wrong").status, 403);
    assert_eq!(server.stats().failed_auth_attempts, 5);
}

#[test]
fn a_success_resets_the_failure_count() {
    let server = MockServer::start(MockConfig::default());
    for round in 0..3 {
        for _ in 0..4 {
            assert_eq!(
                get_auth_files(&server, "wrong").status,
                401,
                "round {round}"
            );
        }
        assert_eq!(get_auth_files(&server, KEY).status, 200, "round {round}");
    }
    assert_eq!(server.stats().failed_auth_attempts, 12);
    assert_eq!(server.stats().banned_responses, 0);
}

#[test]
fn remote_management_disabled_does_not_count_toward_the_ban() {
    let server = MockServer::start(MockConfig {
        remote_disabled: true,
        ..MockConfig::default()
    });
    for _ in 0..8 {
        assert_eq!(get_auth_files(&server, "wrong").status, 403);
    }
    assert_eq!(server.stats().failed_auth_attempts, 0);
    server.set_config(|c| c.remote_disabled = false);
    assert_eq!(get_auth_files(&server, KEY).status, 200, "no ban followed");
}

#[test]
fn a_stuck_unavailable_account_stays_stuck_after_its_retry_time() {
    let account = MockAccount::stuck_after_errors("stuck@example.com", "plus", 600);
    let (server, index) = one_account_server(account);
    for round in 0..2 {
        let file = get_auth_files(&server, KEY).json()["files"][0].clone();
        assert_eq!(file["unavailable"], true, "round {round}");
        assert_eq!(file["status"], "error", "round {round}");
        assert!(
            file.get("last_refresh").is_none(),
            "the real server omits it"
        );
        let retry = file["next_retry_after"].as_str().expect("next_retry_after");
        let parsed = chrono::DateTime::parse_from_rfc3339(retry).expect("RFC 3339");
        let ago = now_epoch() - parsed.timestamp();
        assert!((600..=610).contains(&ago), "{retry}: {ago}");
        // api-call requests are not pool traffic: they change nothing.
        assert_eq!(
            api_call(&server, &usage_call(&server, &index)).json()["status_code"],
            200
        );
    }
}

#[test]
fn current_servers_refuse_a_numeric_auth_index() {
    let account = MockAccount::new("n@example.com", "plus");
    let (server, _) = one_account_server(account);
    let mut numeric = usage_call(&server, "");
    numeric["auth_index"] = json!(123);
    let response = api_call(&server, &numeric);
    assert_eq!(response.status, 400);
    assert_eq!(response.json(), json!({"error": "invalid body"}));
}

#[test]
fn old_servers_have_no_api_call_route() {
    let account = MockAccount::new("o@example.com", "plus");
    let index = account.auth_index(false);
    let server = MockServer::start(MockConfig {
        api_call_missing: true,
        version: "v6.5.0".into(),
        ..MockConfig::with_accounts(vec![account])
    });
    assert_eq!(get_auth_files(&server, KEY).status, 200);
    let response = api_call(&server, &usage_call(&server, &index));
    assert_eq!(response.status, 404);
    assert_eq!(response.body, "404 page not found");
}

#[test]
fn a_file_without_auth_index_is_addressed_by_its_id() {
    let mut account = MockAccount::new("old@example.com", "plus");
    account.omit_auth_index = true;
    let name = account.name.clone();
    let (server, _) = one_account_server(account);
    let file = get_auth_files(&server, KEY).json()["files"][0].clone();
    assert!(file.get("auth_index").is_none(), "{file}");
    assert_eq!(file["id"], name.as_str());
    let answer = api_call(&server, &usage_call(&server, &name)).json();
    assert_eq!(answer["status_code"], 200, "{answer}");
}

#[test]
fn forwarded_for_headers_are_counted() {
    let server = MockServer::start(MockConfig::default());
    let auth = bearer(KEY);
    request(
        &auth_files_url(&server),
        "GET",
        &[
            ("Authorization", auth.as_str()),
            ("X-Forwarded-For", "127.0.0.1"),
        ],
        None,
    );
    get_auth_files(&server, KEY);
    assert_eq!(server.stats().forwarded_for_headers, 1);
}

#[test]
fn rfc3339_of_epochs() {
    assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339_utc(1_795_617_711), "2026-11-25T14:41:51Z");
    assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
}
