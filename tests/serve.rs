//! `poolwatch serve`: the real binary against the mock, spoken to over raw TCP on 127.0.0.1 —
//! the routes, the shared cache, garbage, huge headers, many and slow connections, the token
//! off loopback, and SIGTERM.

mod common;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::Sandbox;
use support::{MockAccount, MockConfig, MockServer, UsageBehaviour, DEFAULT_MANAGEMENT_KEY};

const TOKEN: &str = "serve-token-0123456789-SECRET";

/// A running `poolwatch serve` and the address it listens on.
struct Served {
    child: Child,
    addr: String,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Served {
    fn start(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut command = sandbox.command(&[&["serve"], args].concat());
        command.stderr(Stdio::piped()).stdout(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start serve");
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("serve says where it listens");
        let start = first.find("http://").expect(&first) + "http://".len();
        let addr = first[start..].split('/').next().unwrap().to_string();
        Served {
            child,
            addr: addr.replace("0.0.0.0", "127.0.0.1"),
            stderr: rx,
        }
    }

    fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        raw(
            &self.addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n").as_bytes(),
        )
    }

    /// Poll until `path` answers a body containing `needle` (bounded).
    fn wait_for(&self, path: &str, needle: &str) -> String {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let (_, body) = self.get(path, None);
            if body.contains(needle) {
                return body;
            }
            assert!(
                Instant::now() < until,
                "{path} never showed {needle}: {body}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn terminate(mut self) -> (i32, String) {
        let pid = self.child.id().to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
        let until = Instant::now() + Duration::from_secs(15);
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < until, "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        let rest: Vec<String> = self.stderr.try_iter().collect();
        (code, rest.join("\n"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Send `request` and read the answer until the server closes: (status, body).
fn raw(addr: &str, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn pool() -> MockServer {
    MockServer::start(MockConfig::with_accounts(vec![
        MockAccount::new("a@example.com", "plus").with_behaviour(UsageBehaviour::ok(40.0, 50.0)),
        MockAccount::new("b@example.com", "plus").with_behaviour(UsageBehaviour::ok(10.0, 20.0)),
    ]))
}

fn sample<'a>(exposition: &'a str, series: &str) -> &'a str {
    exposition
        .lines()
        .find(|l| l.starts_with(series))
        .unwrap_or_else(|| panic!("no {series} in\n{exposition}"))
}

#[test]
fn routes_serve_the_mock_pool_and_share_the_menus_cache() {
    let server = pool();
    let sandbox = Sandbox::new(
        &server.url(),
        &server.usage_url(),
        Some(DEFAULT_MANAGEMENT_KEY),
    );
    let served = Served::start(&sandbox, &["--listen", "127.0.0.1:0"], &[]);
    // (100-40 + 100-10) = 150 of 200 Plus-base percent in the 5h window.
    let metrics = served.wait_for(
        "/metrics",
        "poolwatch_pool_remaining_plus_percent{profile=\"default\",window=\"5h\"} 150",
    );
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
    let (code, status) = served.get("/status.json", None);
    assert_eq!(code, 200);
    let doc: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(doc["profile"], "default");
    assert_eq!(doc["report"]["accounts"].as_array().unwrap().len(), 2);
    let (code, page) = served.get("/", None);
    assert_eq!(code, 200);
    assert!(page.contains("a@example.com") && page.contains("name=\"viewport\""));
    assert_eq!(served.get("/healthz", None), (200, "ok\n".to_string()));
    // The history the server's own refresh recorded (issue 19).
    let (code, body) = served.get("/history.json", None);
    assert_eq!(code, 200, "{body}");
    let history: serde_json::Value = serde_json::from_str(&body).unwrap();
    let codex = &history["sections"][0];
    assert_eq!(codex["provider"], "codex", "{history}");
    let point = &codex["series"]["five_hour"][0];
    assert_eq!(point[1].as_f64(), Some(150.0), "{history}");
    assert_eq!(served.get("/nope", None).0, 404);
    let (code, _) = raw(
        &served.addr,
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
    );
    assert_eq!(code, 413);
    // A menu run and `metrics` on the same machine read the server's fetch: no second fetch.
    let fetches = server.stats().auth_files_requests;
    assert_eq!(fetches, 1);
    let cli = sandbox.run(&["metrics"]);
    assert_eq!(cli.code, 0, "{}", cli.stderr);
    let series = "poolwatch_pool_remaining_plus_percent{profile=\"default\",window=\"week\"}";
    assert_eq!(sample(&cli.stdout, series), sample(&metrics, series));
    sandbox.run(&["plugin"]);
    assert_eq!(server.stats().auth_files_requests, fetches);
    for text in [&metrics, &status, &page] {
        assert!(!text.contains(DEFAULT_MANAGEMENT_KEY));
    }
    let (code, stderr) = served.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
}

#[test]
fn garbage_huge_headers_slow_and_many_clients_never_take_it_down() {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    let served = Served::start(
        &sandbox,
        &[
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--max-connections",
            "4",
            "--request-timeout",
            "1",
        ],
        &[],
    );
    // Garbage: refused with 400 (or closed), never a crash.
    let (code, _) = raw(&served.addr, b"\x16\x03\x01\x00\xff garbage \r\n\r\n");
    assert!(code == 400 || code == 0, "{code}");
    let (code, _) = raw(&served.addr, b"GET /metrics HTTP/9.9 junk\r\n\r\n");
    assert!(code == 400 || code == 505 || code == 0, "{code}");
    // 100 KB of headers: refused, not buffered.
    let huge = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100_000)
    );
    let (code, _) = raw(&served.addr, huge.as_bytes());
    assert!(code == 431 || code == 400 || code == 0, "{code}");
    assert_eq!(served.get("/healthz", None).0, 200);
    // A slow client that never finishes its headers is cut off after the header timeout.
    let mut slow = TcpStream::connect(&served.addr).unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "the slow client was not cut off: {:?}",
        started.elapsed()
    );
    drop(slow);
    // Many idle connections: at most 4 are served, the rest get a quick 503.
    let idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(&served.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut refused = 0;
    for _ in 0..40 {
        let (code, _) = served.get("/healthz", None);
        if code == 503 {
            refused += 1;
        }
    }
    assert_eq!(refused, 40, "every extra connection was refused at once");
    drop(idle);
    let until = Instant::now() + Duration::from_secs(10);
    while served.get("/healthz", None).0 != 200 {
        assert!(Instant::now() < until, "the server came back");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(served.get("/metrics", None).1.contains("# EOF"));
    let (code, _) = served.terminate();
    assert_eq!(code, 0);
}

#[test]
fn off_loopback_needs_a_token_and_every_request_carries_it() {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    let refused = sandbox.run(&["--demo", "serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("POOLWATCH_SERVE_TOKEN"),
        "{}",
        refused.stderr
    );
    let short = sandbox.run_env(
        &["--demo", "serve", "--listen", "0.0.0.0:0"],
        &[("POOLWATCH_SERVE_TOKEN", "short")],
    );
    assert_eq!(short.code, 3, "{}", short.stderr);
    assert!(!short.stderr.contains("short"), "{}", short.stderr);

    let served = Served::start(
        &sandbox,
        &["--demo", "--listen", "0.0.0.0:0"],
        &[("POOLWATCH_SERVE_TOKEN", TOKEN)],
    );
    assert_eq!(served.get("/metrics", None).0, 401);
    assert_eq!(served.get("/", Some("wrong-token-wrong-token")).0, 401);
    assert_eq!(served.get("/healthz", None).0, 200);
    let (code, body) = served.get("/metrics", Some(TOKEN));
    assert_eq!(code, 200);
    assert!(body.contains("poolwatch_pool_remaining_plus_percent"));
    assert!(!body.contains(TOKEN));
    let (code, stderr) = served.terminate();
    assert_eq!(code, 0);
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn token_file_must_be_private() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    let file = sandbox.dir.path().join("serve.token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    sandbox.write_config(&format!(
        "pool_url = \"http://127.0.0.1:9\"\n[serve]\ntoken_file = \"{}\"\n",
        file.display()
    ));
    let run = sandbox.run(&["--demo", "serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    assert!(!run.stderr.contains(TOKEN));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let served = Served::start(&sandbox, &["--demo", "--listen", "0.0.0.0:0"], &[]);
    assert_eq!(served.get("/status.json", None).0, 401);
    assert_eq!(served.get("/status.json", Some(TOKEN)).0, 200);
    assert_eq!(served.terminate().0, 0);
}

#[test]
fn all_profiles_are_served_side_by_side() {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9/u", None);
    sandbox.write_config(
        "pool_url = \"http://127.0.0.1:9\"\n[profiles.work]\npool_url = \"http://127.0.0.1:9\"\n",
    );
    let served = Served::start(
        &sandbox,
        &["--demo", "--all-profiles", "--listen", "127.0.0.1:0"],
        &[],
    );
    let (code, body) = served.get("/status.json", None);
    assert_eq!(code, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let profiles: Vec<&str> = doc["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    assert_eq!(profiles, ["default", "work"]);
    let (_, work) = served.get("/status.json?profile=work", None);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&work).unwrap()["profile"],
        "work"
    );
    assert_eq!(served.get("/status.json?profile=nope", None).0, 404);
    let (_, metrics) = served.get("/metrics", None);
    for profile in ["default", "work"] {
        let series =
            format!("poolwatch_pool_remaining_plus_percent{{profile=\"{profile}\",window=\"5h\"}}");
        assert!(metrics.contains(&series), "{metrics}");
    }
    let (_, page) = served.get("/?profile=work", None);
    assert!(
        page.contains("poolwatch · work") && page.contains("?profile=default"),
        "{page}"
    );
    assert_eq!(served.terminate().0, 0);
}

/// poolwatch starts from the C `main` (docs/performance.md), so it must put
/// `/dev/null` on a closed standard descriptor itself, as Rust's runtime
/// did: else the listening socket or a file it opens would become its
/// standard input or output. Started with 0 and 1 closed, a running `serve`
/// has both on `/dev/null`.
#[cfg(target_os = "linux")]
#[test]
fn closed_standard_descriptors_are_opened_on_dev_null() {
    let sandbox = Sandbox::new("http://127.0.0.1:9", "http://127.0.0.1:9", None);
    let mut command = sandbox.command(&["--demo", "serve", "--listen", "127.0.0.1:0"]);
    command.stderr(Stdio::piped());
    // SAFETY: only `close` runs in the child, between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            extern "C" {
                fn close(fd: i32) -> i32;
            }
            close(0);
            close(1);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("start serve");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr
        .read_line(&mut first)
        .expect("serve says where it listens");
    assert!(first.contains("http://"), "{first}");
    let fd = |n: u32| std::fs::read_link(format!("/proc/{}/fd/{n}", child.id()));
    let (stdin, stdout) = (fd(0), fd(1));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(stdin.unwrap(), std::path::Path::new("/dev/null"));
    assert_eq!(stdout.unwrap(), std::path::Path::new("/dev/null"));
}
