//! `poolwatch serve`: a small read-only HTTP server over the latest pool views.
//!
//! hyper's HTTP/1 server on a current-thread tokio runtime (docs/architecture.md says why).
//! Requests never fetch: they render what the [`Board`] holds, which the refresher
//! (`commands/serve.rs`) replaces through the same Session as every other run.
//!
//! Bounds (docs/serve.md): at most [`Limits::max_connections`] connections (more are answered
//! 503 and closed at once), request headers must arrive within [`Limits::header_timeout`] and fit
//! in [`Limits::max_header_bytes`], a connection lives at most [`Limits::connection_lifetime`],
//! only GET and HEAD without a body are accepted. One file per route.

mod auth;
mod board;
mod healthz;
mod history;
mod metrics;
mod page;
mod response;
mod status;

pub use auth::{Token, MIN_TOKEN_CHARS};
pub use board::{Board, Entry};
pub use history::history_json;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, AUTHORIZATION, CONTENT_LENGTH, TRANSFER_ENCODING};
use hyper::{Method, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{watch, Semaphore};

use crate::model::Epoch;
use response::Resp;

/// The address served when `--listen` is not given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

/// The server's resource bounds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub connection_lifetime: Duration,
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 64,
            header_timeout: Duration::from_secs(10),
            connection_lifetime: Duration::from_secs(60),
            max_header_bytes: 16 * 1024,
        }
    }
}

/// How the server runs.
pub struct Options {
    pub token: Option<Token>,
    pub limits: Limits,
    /// The clock for `now` in rendered documents.
    pub clock: fn() -> Epoch,
}

/// True when `addr` may be served without a token.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// One request as the routes see it.
pub struct Request {
    pub entries: Vec<Entry>,
    /// `?profile=NAME`, when given.
    pub profile: Option<String>,
    pub now: Epoch,
}

impl Request {
    /// The named profile's entry, else the first one (None: no such profile).
    pub fn chosen(&self) -> Option<&Entry> {
        match &self.profile {
            Some(name) => self.entries.iter().find(|e| e.settings.profile == *name),
            None => self.entries.first(),
        }
    }
}

fn not_found() -> Resp {
    response::text(StatusCode::NOT_FOUND, "not found\n")
}

/// The `profile` parameter of a query string (profile names are plain `[A-Za-z0-9_-]`).
fn profile_param(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "profile")
        .map(|(_, value)| value.to_string())
}

/// Answer one request (pure apart from reading the board).
pub fn answer<B>(
    request: &hyper::Request<B>,
    board: &Board,
    token: Option<&Token>,
    now: Epoch,
) -> Resp {
    let headers = request.headers();
    let has_body = headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if has_body {
        let mut response = response::text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "this server accepts no request body\n",
        );
        response
            .headers_mut()
            .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = response::text(StatusCode::METHOD_NOT_ALLOWED, "use GET\n");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let path = request.uri().path();
    if path == "/healthz" {
        return healthz::handle();
    }
    if let Some(token) = token {
        if !token.accepts(headers.get(AUTHORIZATION).map(|v| v.as_bytes())) {
            let mut response = response::text(
                StatusCode::UNAUTHORIZED,
                "a bearer token is required: Authorization: Bearer <token>\n",
            );
            response.headers_mut().insert(
                hyper::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"poolwatch\""),
            );
            return response;
        }
    }
    let req = Request {
        entries: board.entries(),
        profile: profile_param(request.uri().query()),
        now,
    };
    let mut response = match path {
        "/" => page::handle(&req),
        "/metrics" => metrics::handle(&req),
        "/status.json" => status::handle(&req),
        "/history.json" => history::handle(&req),
        _ => not_found(),
    };
    if request.method() == Method::HEAD {
        *response.body_mut() = Full::new(Bytes::new());
    }
    response
}

/// Serve `listener` until SIGTERM or SIGINT; in-flight requests get a few seconds to finish.
pub fn run(listener: std::net::TcpListener, board: Board, options: Options) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(listener, board, options))
}

async fn serve(
    listener: std::net::TcpListener,
    board: Board,
    options: Options,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let limits = options.limits;
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let token = Arc::new(options.token);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    loop {
        let accepted = tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            // Full: say so without waiting for the client, then close.
            let _ = stream.try_write(
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
            continue;
        };
        let _ = stream.set_nodelay(true);
        let board = board.clone();
        let token = token.clone();
        let clock = options.clock;
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let response = answer(&request, &board, token.as_ref().as_ref(), clock());
                async move { Ok::<Response<Full<Bytes>>, Infallible>(response) }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(limits.max_header_bytes.max(8192))
                .max_headers(64)
                .keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let lifetime = tokio::time::sleep(limits.connection_lifetime);
            tokio::pin!(lifetime);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = &mut lifetime => {}
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(3), connection).await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection gives its slot back when it ends: wait for all of them, briefly.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(5), slots.acquire_many(all)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_parameter() {
        assert_eq!(profile_param(Some("profile=work")).as_deref(), Some("work"));
        assert_eq!(profile_param(Some("a=1&profile=x")).as_deref(), Some("x"));
        assert_eq!(profile_param(Some("profiles=x")), None);
        assert_eq!(profile_param(None), None);
    }

    #[test]
    fn loopback_addresses() {
        assert!(is_loopback(&"127.0.0.1:9464".parse().unwrap()));
        assert!(is_loopback(&"[::1]:9464".parse().unwrap()));
        assert!(!is_loopback(&"0.0.0.0:9464".parse().unwrap()));
        assert!(!is_loopback(&"192.168.1.2:9464".parse().unwrap()));
    }

    fn get(path: &str, auth: Option<&str>) -> hyper::Request<()> {
        let mut builder = hyper::Request::get(path);
        if let Some(auth) = auth {
            builder = builder.header(AUTHORIZATION, auth);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn token_guards_everything_but_healthz() {
        let token = Token::new("0123456789abcdef").unwrap();
        let board = Board::default();
        let status = |path, auth| answer(&get(path, auth), &board, Some(&token), 0).status();
        assert_eq!(status("/healthz", None), StatusCode::OK);
        assert_eq!(status("/metrics", None), StatusCode::UNAUTHORIZED);
        assert_eq!(
            status("/", Some("Bearer wrong-token-123456")),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(status("/nope", None), StatusCode::UNAUTHORIZED);
        assert_eq!(
            status("/metrics", Some("Bearer 0123456789abcdef")),
            StatusCode::OK
        );
        assert_eq!(
            status("/nope", Some("Bearer 0123456789abcdef")),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn bodies_and_other_methods_are_refused() {
        let board = Board::default();
        let post = hyper::Request::post("/metrics").body(()).unwrap();
        assert_eq!(
            answer(&post, &board, None, 0).status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
        let with_body = hyper::Request::get("/metrics")
            .header(CONTENT_LENGTH, "5")
            .body(())
            .unwrap();
        assert_eq!(
            answer(&with_body, &board, None, 0).status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let chunked = hyper::Request::get("/metrics")
            .header(TRANSFER_ENCODING, "chunked")
            .body(())
            .unwrap();
        assert_eq!(
            answer(&chunked, &board, None, 0).status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    #[test]
    fn history_is_a_404_until_wired() {
        let board = Board::default();
        let response = answer(&get("/history.json", None), &board, None, 0);
        // No profile on an empty board: still a 404.
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}
