//! Memory per refresh (issue 16 item 9): api-call answers are capped small and
//! share one in-flight budget, so a refresh stays small whatever the
//! concurrency when every usage answer is hostile; a 50,000-account list
//! (88 MB, real-shaped) is read within a few hundred MB. Peak RSS is the
//! child's own `ru_maxrss` (wait4), so parallel tests do not blur it.
#![cfg(target_os = "linux")]

mod common;
mod support;

use std::process::Stdio;

use common::Sandbox;
use support::scripted::{Answer, Scripted};

const KEY: &str = "pw-memory-key-0123456789";

/// One auth file shaped like the recorded v7.2.140 answer (about 1.7 KB).
fn real_shaped(i: usize) -> serde_json::Value {
    let buckets: Vec<serde_json::Value> = (0..20)
        .map(|b| serde_json::json!({"time": format!("{:02}:{:02}-{:02}:{:02}", b / 6, b % 6 * 10, b / 6, b % 6 * 10 + 9), "success": b, "failed": 0}))
        .collect();
    serde_json::json!({
        "account": format!("user{i}@example.com"), "account_type": "oauth",
        "auth_index": format!("{i:016x}"), "created_at": "2026-11-25T14:19:32.619214275Z",
        "disabled": false, "email": format!("user{i}@example.com"), "failed": 0,
        "id": format!("codex-user{i}@example.com.json"), "label": format!("user{i}@example.com"),
        "modtime": "2026-11-25T14:19:32.619214275Z", "name": format!("codex-user{i}@example.com.json"),
        "path": format!("/home/cpa/.cli-proxy-api/codex-user{i}@example.com.json"),
        "provider": "codex", "recent_requests": buckets, "runtime_only": false, "size": 212,
        "source": "file", "status": "active", "status_message": "", "success": 0, "type": "codex",
        "unavailable": false, "updated_at": "2026-11-25T14:25:22.628044603Z",
        "id_token": {"plan_type": "plus", "chatgpt_account_id": format!("acc-{i}")}
    })
}

fn list(n: usize) -> String {
    let files: Vec<serde_json::Value> = (0..n).map(real_shaped).collect();
    serde_json::json!({ "files": files }).to_string()
}

/// Run `args` under `/usr/bin/time` and return (exit code, stdout, peak RSS
/// in MiB) of poolwatch alone. (`wait4` on a child spawned from this test
/// would report the test process's own size: Linux records the parent's
/// high-water mark when a vforked child execs.)
fn run_measured(sandbox: &Sandbox, args: &[&str]) -> (i32, String, f64) {
    let inner = sandbox.command(args);
    let mut cmd = std::process::Command::new("/usr/bin/time");
    cmd.args(["-f", "PEAK_KIB=%M"])
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear()
        .stdin(Stdio::null());
    for (key, value) in inner.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let output = cmd.output().expect("run /usr/bin/time");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kib: f64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("PEAK_KIB="))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak in {stderr}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code().unwrap_or(-1), stdout, kib / 1024.0)
}

#[test]
fn hostile_usage_answers_keep_a_refresh_small_at_any_concurrency() {
    let accounts = 48;
    let body = list(accounts);
    let pool = Scripted::start(move |req| {
        if req.path.contains("auth-files") {
            Answer::json(200, body.clone())
        } else {
            // Every api-call: a 200 that never ends being large (48 MiB).
            Answer::Stream(200, 48 * 1024 * 1024, b' ')
        }
    });
    for concurrency in [8, 32, 64] {
        let sandbox = Sandbox::new(
            &pool.url(),
            "http://127.0.0.1:9/backend-api/wham/usage",
            Some(KEY),
        );
        sandbox.write_config(&format!(
            "pool_url = \"{}\"\nconcurrency = {concurrency}\ntimeout_seconds = 20\ndeadline_seconds = 60\n",
            pool.url()
        ));
        let (_, stdout, peak) = run_measured(&sandbox, &["status"]);
        eprintln!("hostile answers, concurrency {concurrency}: peak RSS {peak:.1} MiB");
        assert!(stdout.contains("user0@example.com"), "{stdout}");
        assert!(
            peak < 64.0,
            "concurrency {concurrency}: peak RSS {peak:.1} MiB"
        );
    }
}

/// 50,000 real-shaped accounts (an 88 MB list); every usage call is cut by
/// the deadline. Slow in a debug build: run with `--ignored` (numbers in
/// docs/performance.md).
#[test]
#[ignore]
fn a_50000_account_list_is_read_within_400_mib() {
    let body = std::sync::Arc::new(list(50_000));
    eprintln!("list: {:.1} MB", body.len() as f64 / 1e6);
    let served = std::sync::Arc::clone(&body);
    let pool = Scripted::start(move |req| {
        if req.path.contains("auth-files") {
            Answer::json(200, served.as_str())
        } else {
            Answer::json(500, "{\"error\":\"busy\"}")
        }
    });
    let sandbox = Sandbox::new(
        &pool.url(),
        "http://127.0.0.1:9/backend-api/wham/usage",
        Some(KEY),
    );
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nconcurrency = 8\ntimeout_seconds = 30\ndeadline_seconds = 30\n",
        pool.url()
    ));
    let (code, stdout, peak) = run_measured(&sandbox, &["status"]);
    eprintln!("50,000 accounts: exit {code}, peak RSS {peak:.1} MiB");
    assert!(
        stdout.contains("user49999@example.com") || stdout.contains("50000"),
        "{}",
        &stdout[..stdout.len().min(2000)]
    );
    assert!(peak < 400.0, "peak RSS {peak:.1} MiB");
}
