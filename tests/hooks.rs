//! `[[hooks]]` and `poolwatch watch` on the real binary against the mock: a command gets the
//! event JSON on stdin and a clean environment, a webhook gets POSTs with bounded retries, and
//! failures (hangs, 500s, redirects) are bounded, listed by `poolwatch alerts`, and never
//! show the webhook's token.

mod common;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Sandbox;
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

const URL_TOKEN: &str = "URLTOKEN-abcdef123456";

/// A webhook receiver on 127.0.0.1 answering each request with the next status (the last
/// one repeats); records (path, headers, body).
struct Receiver {
    addr: String,
    seen: Arc<Mutex<Vec<(String, String, String)>>>,
}

impl Receiver {
    fn start(statuses: Vec<u16>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for (i, stream) in listener.incoming().take(50).enumerate() {
                let Ok(mut stream) = stream else { continue };
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap_or(0);
                let mut headers = String::new();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    headers.push_str(&line);
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let path = request_line.split(' ').nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push((
                    path,
                    headers,
                    String::from_utf8_lossy(&body).into_owned(),
                ));
                let status = statuses[i.min(statuses.len() - 1)];
                let extra = if status == 302 {
                    "Location: http://127.0.0.1:9/elsewhere\r\n"
                } else {
                    ""
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Receiver { addr, seen }
    }

    fn requests(&self) -> Vec<(String, String, String)> {
        self.seen.lock().unwrap().clone()
    }
}

/// A pool with 5 % of its 5h window left: `pool_5h_low` fires at the first fetch.
fn low_pool() -> MockServer {
    MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(95.0, 10.0)),
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(95.0, 10.0)),
    ]))
}

fn script(sandbox: &Sandbox, name: &str, body: &str) -> String {
    let path = sandbox.dir.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn configure(sandbox: &Sandbox, server: &MockServer, hooks: &str) {
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\ntimeout_seconds = 3\ndeadline_seconds = 8\n{}{hooks}",
        server.url(),
        server.usage_url(),
        common::provider_urls_for(&server.usage_url())
    ));
}

#[test]
fn a_command_hook_gets_the_event_on_stdin_and_never_the_key() {
    let server = low_pool();
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let out = sandbox.dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let hook = script(
        &sandbox,
        "hook.sh",
        &format!(
            "cat > {0}/event.json\nenv > {0}/env.txt\necho \"$@\" > {0}/argv.txt\nhead -c 5000000 /dev/zero",
            out.display()
        ),
    );
    let filtered = script(
        &sandbox,
        "never.sh",
        &format!("touch {}/never", out.display()),
    );
    configure(
        &sandbox,
        &server,
        &format!(
            "[[hooks]]\ncommand = \"{hook}\"\nargs = [\"--from-poolwatch\"]\n[[hooks]]\ncommand = \"{filtered}\"\nevents = [\"refresh_failing\"]\n"
        ),
    );
    let started = Instant::now();
    let run = sandbox.run(&["watch", "--once"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(run.stdout.contains("default pool_5h_low"), "{}", run.stdout);
    let event: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("event.json")).unwrap()).unwrap();
    assert_eq!(event["event"], "pool_5h_low");
    assert_eq!(event["profile"], "default");
    assert_eq!(event["version"], 1);
    assert!(event["title"].as_str().unwrap().contains("5%"), "{event}");
    let env = std::fs::read_to_string(out.join("env.txt")).unwrap();
    assert!(env.contains("POOLWATCH_EVENT=pool_5h_low"), "{env}");
    assert!(env.contains("POOLWATCH_PROFILE=default"));
    assert!(!env.contains(DEFAULT_MANAGEMENT_KEY) && !env.contains("MANAGEMENT_KEY"));
    assert_eq!(
        std::fs::read_to_string(out.join("argv.txt"))
            .unwrap()
            .trim(),
        "--from-poolwatch"
    );
    assert!(!out.join("never").exists(), "the events filter holds");
    // 5 MB of output and the hook still counts as delivered: nothing failed.
    let alerts = sandbox.run(&["alerts", "--json"]);
    assert_eq!(alerts.json()["hook_failures"], serde_json::json!([]));
}

#[test]
fn failing_webhooks_and_hanging_hooks_are_bounded_and_listed_without_the_token() {
    let server = low_pool();
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let failing = Receiver::start(vec![500]);
    let redirecting = Receiver::start(vec![302]);
    let flaky = Receiver::start(vec![500, 200]);
    let hang = script(&sandbox, "hang.sh", "sleep 30");
    configure(
        &sandbox,
        &server,
        &format!(
            "[[hooks]]\nurl = \"http://{}/hook?token={URL_TOKEN}\"\n[[hooks]]\nurl = \"http://{}/r?token={URL_TOKEN}\"\nformat = \"slack\"\n[[hooks]]\nurl = \"http://{}/ntfy\"\nformat = \"ntfy\"\n[[hooks]]\nname = \"slow\"\ncommand = \"{hang}\"\ntimeout_seconds = 1\n",
            failing.addr, redirecting.addr, flaky.addr
        ),
    );
    let started = Instant::now();
    let run = sandbox.run(&["watch", "--once"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    // 500: three attempts, then a failure. 302: never followed, retried, failed. 500 then 200: ok.
    assert_eq!(failing.requests().len(), 3);
    assert!(failing.requests()[0]
        .2
        .contains("\"event\":\"pool_5h_low\""));
    assert_eq!(redirecting.requests().len(), 3);
    assert!(redirecting.requests()[0].2.starts_with("{\"text\":\"*"));
    let ntfy = flaky.requests();
    assert_eq!(ntfy.len(), 2);
    assert!(ntfy[1].1.to_ascii_lowercase().contains("tags: pool_5h_low"));
    let alerts = sandbox.run(&["alerts", "--json"]);
    let failures = alerts.json()["hook_failures"].as_array().unwrap().clone();
    let by_hook = |name: &str| {
        failures
            .iter()
            .find(|f| f["hook"] == name)
            .unwrap_or_else(|| panic!("no failure of {name}: {failures:?}"))
            .clone()
    };
    assert_eq!(failures.len(), 3, "{failures:?}");
    assert!(by_hook("127.0.0.1")["error"]
        .as_str()
        .unwrap()
        .contains("HTTP 500"));
    assert!(by_hook("slow")["error"]
        .as_str()
        .unwrap()
        .contains("timed out"));
    let text = sandbox.run(&["alerts"]);
    for output in [&alerts.stdout, &text.stdout, &run.stdout, &run.stderr] {
        assert!(!output.contains(URL_TOKEN), "{output}");
    }
    assert!(
        text.stdout.contains("slow (pool_5h_low): timed out"),
        "{}",
        text.stdout
    );
    // Nothing poolwatch writes holds the token either: the cache and the failure log.
    for (path, bytes) in sandbox.written_files() {
        if path == sandbox.config_path() {
            continue; // the user's own settings hold the URL
        }
        assert!(
            !String::from_utf8_lossy(&bytes).contains(URL_TOKEN),
            "{}",
            path.display()
        );
    }
}
