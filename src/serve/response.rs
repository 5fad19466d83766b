//! Small response builders shared by the routes.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Response, StatusCode};

/// Every response of the server.
pub type Resp = Response<Full<Bytes>>;

/// A response with `status`, `content_type` and `body`; never cached by proxies or browsers.
pub fn with(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A plain-text response.
pub fn text(status: StatusCode, body: impl Into<Bytes>) -> Resp {
    with(status, "text/plain; charset=utf-8", body)
}

/// A JSON response.
pub fn json(body: impl Into<Bytes>) -> Resp {
    with(StatusCode::OK, "application/json", body)
}
