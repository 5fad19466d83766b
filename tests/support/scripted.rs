//! A scripted HTTP server for hostile answers the mock does not make: every
//! request is answered by a closure with raw status, headers and body (a 500
//! quoting the key, a redirect, a huge chunked stream, a key in a header).
//! std only; one thread per connection; `Connection: close` on every answer.
//! It plays a server before v8 (v7.2.x): a `/v8/...` request gets gin's
//! plain `404 page not found` without reaching the script (and is not counted),
//! so poolwatch's v8 probe falls back to `/v0` as it does on a real v7 server.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One request as the script sees it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the script answers.
pub enum Answer {
    /// Status, extra headers, body (sent with Content-Length).
    Full(u16, Vec<(String, String)>, String),
    /// Status and a chunked body of `total` bytes of `fill` (never held in memory at once).
    Stream(u16, usize, u8),
    /// Bytes written as they are (not HTTP at all).
    Raw(Vec<u8>),
    /// Say nothing for this long, then close.
    Silent(Duration),
}

impl Answer {
    pub fn json(status: u16, body: impl Into<String>) -> Answer {
        Answer::Full(
            status,
            vec![("Content-Type".into(), "application/json".into())],
            body.into(),
        )
    }
}

type Script = dyn Fn(&Request) -> Answer + Send + Sync;

/// A running scripted server; stops when dropped.
pub struct Scripted {
    port: u16,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
}

impl Scripted {
    pub fn start(script: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let script: Arc<Script> = Arc::new(script);
        let (stop2, requests2) = (Arc::clone(&stop), Arc::clone(&requests));
        std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let script = Arc::clone(&script);
                        let requests = Arc::clone(&requests2);
                        std::thread::spawn(move || serve(stream, &*script, &requests));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Scripted {
            port,
            stop,
            requests,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Requests answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(stream: TcpStream, script: &Script, requests: &AtomicUsize) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut raw_line = Vec::new();
    if reader.read_until(b'\n', &mut raw_line).unwrap_or(0) == 0 {
        return;
    }
    let Ok(line) = String::from_utf8(raw_line) else {
        // Not HTTP (a TLS handshake, say): answer like Go's net/http does.
        let _ = writer
            .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n400 Bad Request");
        return;
    };
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(1 << 20)];
    let _ = reader.read_exact(&mut body);
    if path.starts_with("/v8/") {
        let _ = writer.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 18\r\nConnection: close\r\n\r\n404 page not found",
        );
        return;
    }
    let request = Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    requests.fetch_add(1, Ordering::SeqCst);
    match script(&request) {
        Answer::Full(status, headers, body) => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = writer.write_all(head.as_bytes());
            let _ = writer.write_all(body.as_bytes());
        }
        Answer::Stream(status, total, fill) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            );
            if writer.write_all(head.as_bytes()).is_err() {
                return;
            }
            let chunk = vec![fill; 64 * 1024];
            let mut sent = 0;
            while sent < total {
                let n = chunk.len().min(total - sent);
                let frame = format!("{n:x}\r\n");
                if writer.write_all(frame.as_bytes()).is_err()
                    || writer.write_all(&chunk[..n]).is_err()
                    || writer.write_all(b"\r\n").is_err()
                {
                    return;
                }
                sent += n;
            }
            let _ = writer.write_all(b"0\r\n\r\n");
        }
        Answer::Raw(bytes) => {
            let _ = writer.write_all(&bytes);
        }
        Answer::Silent(wait) => std::thread::sleep(wait),
    }
    let _ = writer.flush();
}
