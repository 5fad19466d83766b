//! Bounds of the network side (issue 16 items 6, 9, 14): redirects are never
//! followed, TLS failures are named, hostile answers are capped.

mod common;
mod support;

use common::Sandbox;
use support::scripted::{Answer, Scripted};

const KEY: &str = "pw-bounds-key-0123456789";

/// A codex account list of `n` accounts.
fn list(n: usize) -> String {
    let files: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "id": format!("a{i}.json"), "name": format!("a{i}.json"), "type": "codex",
                "provider": "codex", "email": format!("a{i}@example.com"),
                "auth_index": format!("i{i}"), "account_type": "oauth", "status": "active",
                "id_token": {"plan_type": "plus", "chatgpt_account_id": format!("acc-{i}")}
            })
        })
        .collect();
    serde_json::json!({ "files": files }).to_string()
}

fn sandbox_for(pool_url: &str) -> Sandbox {
    Sandbox::new(
        pool_url,
        "http://127.0.0.1:9/backend-api/wham/usage",
        Some(KEY),
    )
}

#[test]
fn a_redirect_is_an_error_naming_the_location_never_followed_nor_latched() {
    let elsewhere = Scripted::start(|_| Answer::json(200, list(1)));
    let target = format!("{}/v0/management/auth-files", elsewhere.url());
    let pool = Scripted::start(move |_| {
        Answer::Full(
            301,
            vec![("Location".into(), target.clone())],
            String::new(),
        )
    });
    let sandbox = sandbox_for(&pool.url());
    let first = sandbox.run(&["status"]);
    let text = format!("{}{}", first.stdout, first.stderr);
    assert_ne!(first.code, 0, "{text}");
    assert!(text.contains("redirects"), "{text}");
    assert!(
        text.contains(&elsewhere.url()),
        "names the location: {text}"
    );
    assert!(text.contains("set pool_url"), "{text}");
    assert!(!text.contains("rejected"), "{text}");
    assert_eq!(elsewhere.requests(), 0, "the redirect was followed");
    // Not a failed key attempt: the next refresh asks again.
    let asked = pool.requests();
    sandbox.age_cache_if_present("default", 1_000);
    let again = sandbox.run(&["status"]);
    assert!(
        pool.requests() > asked,
        "latched after a redirect: {}",
        again.stdout
    );
}

#[test]
fn a_redirected_api_call_stops_the_fetch_with_the_location() {
    let pool = Scripted::start(|req| {
        if req.path.contains("auth-files") {
            Answer::json(200, list(2))
        } else {
            Answer::Full(
                307,
                vec![(
                    "Location".into(),
                    "https://other.example/v0/management/api-call".into(),
                )],
                String::new(),
            )
        }
    });
    let sandbox = sandbox_for(&pool.url());
    let run = sandbox.run(&["status"]);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(
        text.contains("https://other.example/v0/management/api-call"),
        "{text}"
    );
}

#[test]
fn a_plain_http_server_on_an_https_url_is_named_as_such() {
    let pool = Scripted::start(|_| Answer::json(200, list(1)));
    let https = pool.url().replacen("http://", "https://", 1);
    let sandbox = sandbox_for(&https);
    let run = sandbox.run(&["status"]);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("plain HTTP on an https URL"), "{text}");
    assert!(!text.contains("refused"), "{text}");
}

#[test]
fn a_silent_pool_costs_one_timeout_not_two() {
    let pool = Scripted::start(|_| Answer::Silent(std::time::Duration::from_secs(6)));
    let sandbox = sandbox_for(&pool.url());
    sandbox.write_config(&format!(
        "pool_url = \"{}\"\ntimeout_seconds = 1\ndeadline_seconds = 8\n",
        pool.url()
    ));
    let start = std::time::Instant::now();
    let run = sandbox.run(&["status"]);
    let took = start.elapsed();
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        took < std::time::Duration::from_millis(1900),
        "took {took:?}"
    );
    assert_eq!(pool.requests(), 1, "retried past timeout_seconds");
}

/// A self-signed certificate (served by `openssl s_server`, when installed)
/// is reported as untrusted, not as a refused connection.
#[test]
fn a_self_signed_certificate_is_named_untrusted() {
    use std::process::{Command, Stdio};
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl not installed: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(port.to_string())
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < until, "s_server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let sandbox = sandbox_for(&format!("https://127.0.0.1:{port}"));
    let run = sandbox.run(&["status"]);
    let _ = server.kill();
    let _ = server.wait();
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(text.contains("not trusted"), "{text}");
    assert!(
        !text.contains("refused") && !text.contains("http://"),
        "{text}"
    );
}
