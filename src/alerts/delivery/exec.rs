//! Running a `[[hooks]]` command: directly (never through a shell), the event JSON on stdin,
//! a clean environment (PATH, HOME and `POOLWATCH_EVENT`, `POOLWATCH_PROFILE`,
//! `POOLWATCH_EVENT_AT` — never the management key), a timeout after which it is killed, and
//! output read into a small capped buffer (the rest is drained and dropped).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Event;

/// Bytes of a hook's stderr kept for the failure message.
const KEEP_OUTPUT: usize = 4096;

/// Drain `reader` to the end, keeping the first [`KEEP_OUTPUT`] bytes.
fn drain(mut reader: impl Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        let room = KEEP_OUTPUT.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    kept
}

/// The argv a hook is started with: the program, then its configured arguments (never any
/// event text: the event arrives on stdin and in the environment).
pub fn argv(command: &Path, args: &[String]) -> Vec<String> {
    std::iter::once(command.display().to_string())
        .chain(args.iter().cloned())
        .collect()
}

/// Run the hook and wait at most `timeout_seconds`.
pub fn run(
    command: &Path,
    args: &[String],
    event: &Event,
    timeout_seconds: u64,
) -> Result<(), String> {
    let json = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let mut child = Command::new(command)
        .args(args)
        .env_clear()
        .env(
            "PATH",
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
        )
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .env("POOLWATCH_EVENT", &event.event)
        .env("POOLWATCH_PROFILE", &event.profile)
        .env("POOLWATCH_EVENT_AT", event.at.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", command.display()))?;
    let mut stdin = child.stdin.take();
    std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(&json);
        }
    });
    let stdout = child.stdout.take();
    std::thread::spawn(move || stdout.map(drain));
    let stderr = child.stderr.take();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(stderr.map(drain).unwrap_or_default());
    });
    let until = Instant::now() + Duration::from_secs(timeout_seconds);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {timeout_seconds}s and was killed"));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    if status.success() {
        return Ok(());
    }
    let stderr = rx
        .recv_timeout(Duration::from_millis(200))
        .unwrap_or_default();
    let first = String::from_utf8_lossy(&stderr);
    let first = crate::render::sanitize::terminal_text(first.lines().next().unwrap_or(""), 200);
    Err(match status.code() {
        Some(code) if first.is_empty() => format!("exited with status {code}"),
        Some(code) => format!("exited with status {code}: {first}"),
        None => "killed by a signal".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_text_never_reaches_the_argv() {
        let argv = argv(Path::new("/usr/bin/hook"), &["--flag".into()]);
        assert_eq!(argv, ["/usr/bin/hook", "--flag"]);
    }
}
