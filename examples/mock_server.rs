//! Runs the mock CLIProxyAPI Management API server until killed.
//!
//! ```text
//! cargo run --example mock_server -- --accounts 200 --latency-ms 100 --port 0 [--key KEY] [--numeric-index]
//! ```
//! Prints `listening on http://127.0.0.1:PORT` on the first stdout line, then the
//! management key and the usage URL to put in api-call bodies on stderr.

#[path = "../tests/support/mock_guard.rs"]
mod mock_guard;
#[path = "../tests/support/mock_server.rs"]
mod mock_server;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use mock_server::{generated_pool, MockConfig, MockServer, DEFAULT_MANAGEMENT_KEY};

/// Command-line options.
struct Options {
    accounts: usize,
    latency: Duration,
    port: u16,
    key: String,
    numeric_index: bool,
}

const USAGE: &str = "usage: mock_server [--accounts N] [--latency-ms MS] [--port PORT] [--key KEY] [--numeric-index]";

fn parse_options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        accounts: 20,
        latency: Duration::ZERO,
        port: 0,
        key: DEFAULT_MANAGEMENT_KEY.to_string(),
        numeric_index: false,
    };
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        if flag == "--numeric-index" {
            options.numeric_index = true;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--accounts" => options.accounts = number()? as usize,
            "--latency-ms" => options.latency = Duration::from_millis(number()?),
            "--port" => {
                options.port = u16::try_from(number()?).map_err(|_| format!("bad port {value}"))?
            }
            "--key" => options.key = value.clone(),
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let config = MockConfig {
        management_key: Some(options.key.clone()),
        accounts: generated_pool(options.accounts),
        numeric_auth_index: options.numeric_index,
        auth_files_delay: options.latency,
        api_call_delay: options.latency,
        ..MockConfig::default()
    };
    let server = match MockServer::try_start(config, options.port) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("cannot listen on 127.0.0.1:{}: {err}", options.port);
            return ExitCode::from(1);
        }
    };
    println!("listening on {}", server.url());
    let _ = std::io::stdout().flush();
    eprintln!("management key: {}", options.key);
    eprintln!("usage url: {}", server.usage_url());
    loop {
        std::thread::park();
    }
}
