//! POSTing an event to a `[[hooks]]` URL: `json`, `ntfy` or `slack` bodies, no redirects
//! followed (a redirect could carry the event elsewhere), a bounded number of attempts for 3xx,
//! 5xx and transport errors, a timeout per attempt. Error messages name the status or the
//! failure, never the URL (it may carry a token).

use std::time::Duration;

use crate::config::hooks::HookFormat;

use super::Event;

/// Attempts per event (the first and two retries).
pub const ATTEMPTS: u32 = 3;
/// Wait before retry n (n = 1, 2): n × this.
const BACKOFF: Duration = Duration::from_millis(200);

/// The request body and extra headers for `format`.
pub fn body(
    format: HookFormat,
    event: &Event,
) -> (Vec<u8>, &'static str, Vec<(&'static str, String)>) {
    match format {
        HookFormat::Json => (
            serde_json::to_vec(event).unwrap_or_default(),
            "application/json",
            Vec::new(),
        ),
        HookFormat::Ntfy => {
            let ascii_title = event
                .title
                .chars()
                .all(|c| c.is_ascii() && !c.is_ascii_control());
            let mut headers = vec![("Tags", event.event.clone())];
            let text = if ascii_title {
                headers.push(("Title", event.title.clone()));
                event.body.clone()
            } else {
                format!("{}\n{}", event.title, event.body)
            };
            (text.into_bytes(), "text/plain; charset=utf-8", headers)
        }
        HookFormat::Slack => (
            serde_json::to_vec(&serde_json::json!({
                "text": format!("*{}*\n{}", event.title, event.body)
            }))
            .unwrap_or_default(),
            "application/json",
            Vec::new(),
        ),
    }
}

/// POST the event; Ok on a 2xx answer.
pub fn post(
    url: &str,
    format: HookFormat,
    event: &Event,
    timeout_seconds: u64,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let _context = runtime.enter();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(timeout_seconds))
        .build()
        .map_err(|e| e.without_url().to_string())?;
    let (bytes, content_type, headers) = body(format, event);
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(BACKOFF * attempt);
        }
        let mut request = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes.clone());
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        match runtime.block_on(request.send()) {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) if response.status().is_redirection() => {
                last = format!(
                    "answered HTTP {} (a redirect; not followed: set the final URL)",
                    response.status().as_u16()
                );
            }
            Ok(response) if response.status().is_server_error() => {
                last = format!("answered HTTP {}", response.status().as_u16());
            }
            Ok(response) => {
                return Err(format!("answered HTTP {}", response.status().as_u16()));
            }
            Err(e) => last = e.without_url().to_string(),
        }
    }
    Err(format!("{last} ({ATTEMPTS} attempts)"))
}
