//! Shared integration-test support: the mock CLIProxyAPI server ([`mock_server`]) and a
//! minimal blocking HTTP/1.1 client over `std::net::TcpStream` ([`http`], [`try_http`]).
//!
//! Use from an integration test with `mod support;` then `support::mock_server::MockServer`
//! (everything is also re-exported here).
#![allow(dead_code, unused_imports)]

pub mod mock_guard;
pub mod mock_server;
pub mod scripted;

pub use mock_guard::*;
pub use mock_server::*;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Every stored answer time of every account in a parsed `cache.json` moved
/// `seconds` into the past (usage, reset credits, plan, the next due time and
/// the usage's source): simulated time for the refresh-cost tests and bench.
pub fn move_account_times_back(cache: &mut serde_json::Value, seconds: i64) {
    for a in cache["state"]["accounts"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        for key in [
            "usage_fetched_at",
            "usage_checked_at",
            "reset_credits_fetched_at",
            "plan_checked_at",
            "usage_due_at",
        ] {
            if let Some(t) = a[key].as_i64() {
                a[key] = (t - seconds).into();
            }
        }
        if let Some(t) = a["usage"]["source"]["at"].as_i64() {
            a["usage"]["source"]["at"] = (t - seconds).into();
        }
    }
}

/// Timeout used by [`http`] for connect, read and write.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// One HTTP response as read by the test client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names as sent by the server, in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body parsed as JSON; panics with the body text when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        match serde_json::from_str(&self.body) {
            Ok(value) => value,
            Err(err) => panic!("body is not JSON ({err}): {:?}", self.body),
        }
    }
}

/// `Authorization` header value for a management key.
pub fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// Sends one request (with `Connection: close`) and returns `(status, headers, body)`.
/// Panics on transport errors; 5 s timeouts.
pub fn http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, Vec<(String, String)>, String) {
    match try_http(method, url, headers, body, DEFAULT_TIMEOUT) {
        Ok(response) => (response.status, response.headers, response.body),
        Err(err) => panic!("{method} {url} failed: {err}"),
    }
}

/// Sends one request (with `Connection: close`) with `timeout` on connect, read and write.
pub fn try_http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    timeout: Duration,
) -> io::Result<HttpResponse> {
    let (host, target) = split_url(url)?;
    let address = host
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| invalid_input("no address"))?;
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(&encode_request(method, &host, &target, headers, body, true))?;
    read_response(&mut BufReader::new(stream))
}

/// `http://host:port/path?q` => (`host:port`, `/path?q`).
pub fn split_url(url: &str) -> io::Result<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| invalid_input("only http:// URLs"))?;
    let (host, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    Ok((host.to_string(), path.to_string()))
}

/// Serialises a request; adds `Host`, `Content-Length` (with a body) and, when `close`,
/// `Connection: close`.
pub fn encode_request(
    method: &str,
    host: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    close: bool,
) -> Vec<u8> {
    let mut text = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if close {
        text.push_str("Connection: close\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body.unwrap_or(""));
    text.into_bytes()
}

/// Reads one response: status line, headers, then `Content-Length` bytes (or to EOF).
pub fn read_response<R: Read>(reader: &mut BufReader<R>) -> io::Result<HttpResponse> {
    let status_line = read_crlf_line(reader)?;
    if status_line.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed before a response",
        ));
    }
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| invalid_data(&status_line))?;
    let mut headers = Vec::new();
    loop {
        let line = read_crlf_line(reader)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').ok_or_else(|| invalid_data(&line))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<usize>().ok());
    let mut body = Vec::new();
    match length {
        Some(length) => {
            body.resize(length, 0);
            reader.read_exact(&mut body)?;
        }
        None => {
            reader.read_to_end(&mut body)?;
        }
    }
    Ok(HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn read_crlf_line<R: Read>(reader: &mut BufReader<R>) -> io::Result<String> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    let text = String::from_utf8_lossy(&line);
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

fn invalid_input(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_string())
}

fn invalid_data(line: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("bad response line {line:?}"),
    )
}
