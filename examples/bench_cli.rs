//! End-to-end benchmarks of the release binary against the local mock server.
//!
//! ```text
//! cargo build --release --bin poolwatch --example bench_cli
//! target/release/examples/bench_cli [--bin target/release/poolwatch] [--plugin-runs 40]
//!     [--refresh-runs 3] [--baseline-runs 1] [--latency-ms 100] [--concurrency 16] [--quick]
//! ```
//! (`scripts/bench` does all of this.) Three parts, all on loopback only:
//!
//! * **plugin**: `poolwatch plugin` served from a fresh cache (pools of 10 / 1000 /
//!   5000 accounts), interleaved with `/bin/true`, `cat` of the same menu, the
//!   same run without the menu form (the scheme before issue 10) and through the
//!   installed and the original wrapper: wall time from spawn to reaping, the
//!   child's peak RSS (`ru_maxrss` from `wait4`, see [`reap`]) and, with
//!   valgrind installed, callgrind instruction counts.
//! * **delta**: usage calls per refresh of an unchanged and a 10%-busy pool
//!   (300 / 1000 accounts), Refresh now and `refresh --all`, with the
//!   server-CPU model (calls × 50–100 ms of bcrypt, SPEC.md §5).
//! * **refresh**: `poolwatch refresh --all` of 200 / 1000 accounts with a fixed latency
//!   per usage call, compared with the ideal `ceil(calls / concurrency) x latency`
//!   and with the original app's scheme (sequential batches of 4 with one retry
//!   after 350 ms), simulated in this file against the same mock.
//! * **binary**: size of the release binary.
//!
//! Figures are printed as Markdown tables (min / p25 / median / p75 / max).
//! Nothing here passes or fails on timing.

#[path = "../tests/support/mod.rs"]
mod support;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use poolwatch::api::auth_files::{parse_auth_files, AuthFileEntry};
use poolwatch::api::client::parse_envelope;
use poolwatch::api::providers::codex::usage_request;
use poolwatch::api::providers::wants_usage;
use poolwatch::api::usage::interpret_upstream;
use poolwatch::exit_codes;
use support::{bearer, generated_pool, try_http, MockConfig, MockServer, DEFAULT_MANAGEMENT_KEY};

/// Batch size of the original app's fetch.
const ORIGINAL_BATCH: usize = 4;
/// The original app's pause before its single retry.
const ORIGINAL_RETRY_PAUSE: Duration = Duration::from_millis(350);
/// Timeout of one simulated original-app request.
const ORIGINAL_TIMEOUT: Duration = Duration::from_secs(30);

/// Command-line options.
struct Options {
    bin: PathBuf,
    plugin_sizes: Vec<usize>,
    refresh_sizes: Vec<usize>,
    plugin_runs: usize,
    warmup_runs: usize,
    refresh_runs: usize,
    baseline_runs: usize,
    latency: Duration,
    concurrency: usize,
    delta_sizes: Vec<usize>,
    callgrind: bool,
    /// Keep the plugin sandboxes and print how to run the binary in them (profiling).
    keep_sandbox: bool,
}

const USAGE: &str = "usage: bench_cli [--bin PATH] [--plugin-runs N] [--warmup-runs N] \
[--refresh-runs N] [--baseline-runs N] [--latency-ms MS] [--concurrency C] \
[--plugin-sizes 10,1000,5000] [--refresh-sizes 200,1000] [--delta-sizes 300,1000] \
[--no-callgrind] [--keep-sandbox] [--quick]";

fn default_bin() -> PathBuf {
    // target/release/examples/bench_cli -> target/release/poolwatch
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("poolwatch")))
        .unwrap_or_else(|| PathBuf::from("target/release/poolwatch"))
}

fn parse_list(flag: &str, value: &str) -> Result<Vec<usize>, String> {
    // An empty list skips that part (`--refresh-sizes ''`).
    value
        .split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("{flag}: not a list of numbers: {value}"))
        })
        .collect()
}

fn parse_options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        bin: default_bin(),
        plugin_sizes: vec![10, 1000, 5000],
        refresh_sizes: vec![200, 1000],
        plugin_runs: 40,
        warmup_runs: 3,
        refresh_runs: 3,
        baseline_runs: 1,
        latency: Duration::from_millis(100),
        concurrency: 16,
        delta_sizes: vec![300, 1000],
        callgrind: Command::new("valgrind")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
        keep_sandbox: false,
    };
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        if flag == "--quick" {
            options.plugin_runs = 5;
            options.warmup_runs = 1;
            options.refresh_runs = 1;
            options.baseline_runs = 1;
            options.refresh_sizes = vec![200];
            options.plugin_sizes = vec![10, 1000];
            options.delta_sizes = vec![300];
            options.callgrind = false;
            continue;
        }
        if flag == "--no-callgrind" {
            options.callgrind = false;
            continue;
        }
        if flag == "--keep-sandbox" {
            options.keep_sandbox = true;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--bin" => options.bin = PathBuf::from(&value),
            "--plugin-runs" => options.plugin_runs = number()?.max(1),
            "--warmup-runs" => options.warmup_runs = number()?,
            "--refresh-runs" => options.refresh_runs = number()?.max(1),
            "--baseline-runs" => options.baseline_runs = number()?,
            "--latency-ms" => options.latency = Duration::from_millis(number()? as u64),
            "--concurrency" => options.concurrency = number()?.clamp(1, 64),
            "--plugin-sizes" => options.plugin_sizes = parse_list(&flag, &value)?,
            "--refresh-sizes" => options.refresh_sizes = parse_list(&flag, &value)?,
            "--delta-sizes" => options.delta_sizes = parse_list(&flag, &value)?,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(options)
}

// ---------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------

/// Five-number summary of a sample.
#[derive(Clone, Copy, Debug)]
struct Spread {
    min: f64,
    p25: f64,
    median: f64,
    p75: f64,
    max: f64,
}

/// Quantile `q` (0..=1) of sorted values, linear between order statistics.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    let weight = position - low as f64;
    sorted[low] + (sorted[high] - sorted[low]) * weight
}

fn spread(values: &[f64]) -> Spread {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Spread {
        min: quantile(&sorted, 0.0),
        p25: quantile(&sorted, 0.25),
        median: quantile(&sorted, 0.5),
        p75: quantile(&sorted, 0.75),
        max: quantile(&sorted, 1.0),
    }
}

impl Spread {
    /// `min / p25 / median / p75 / max` with `digits` decimals.
    fn cells(&self, digits: usize) -> String {
        format!(
            "{:.d$} | {:.d$} | **{:.d$}** | {:.d$} | {:.d$}",
            self.min,
            self.p25,
            self.median,
            self.p75,
            self.max,
            d = digits
        )
    }
}

// ---------------------------------------------------------------------------------------
// Running the binary: wall time and peak RSS of the child
// ---------------------------------------------------------------------------------------

/// Argument that turns this program into the measuring launcher.
const MEASURE_CHILD: &str = "measure-child";

/// One finished run of the binary, as the launcher measured it.
#[derive(Clone, Debug, PartialEq)]
struct Measured {
    /// Exit code, or 128 + signal number.
    code: i32,
    /// From spawn to reaping, measured inside the launcher.
    wall: Duration,
    /// Peak resident set size of the child in bytes (None where unsupported).
    peak_rss: Option<u64>,
    /// The launcher's own peak RSS when it spawned the child: the floor below
    /// which the child's figure cannot go (Linux only).
    floor_rss: Option<u64>,
    stdout_bytes: usize,
}

impl Measured {
    fn success(&self) -> bool {
        self.code == 0
    }

    fn report_line(&self) -> String {
        let opt = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
        format!(
            "code={} wall_ns={} maxrss={} floor={} stdout_bytes={}",
            self.code,
            self.wall.as_nanos(),
            opt(self.peak_rss),
            opt(self.floor_rss),
            self.stdout_bytes
        )
    }
}

/// Parses the launcher's [`Measured::report_line`].
fn parse_report(stdout: &[u8]) -> Option<Measured> {
    let text = std::str::from_utf8(stdout).ok()?;
    let line = text.lines().rev().find(|l| l.starts_with("code="))?;
    let field = |name: &str| -> Option<&str> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    };
    let optional = |name: &str| field(name).and_then(|v| v.parse::<u64>().ok());
    Some(Measured {
        code: field("code")?.parse().ok()?,
        wall: Duration::from_nanos(field("wall_ns")?.parse().ok()?),
        peak_rss: optional("maxrss"),
        floor_rss: optional("floor"),
        stdout_bytes: field("stdout_bytes")?.parse().ok()?,
    })
}

/// VmHWM of this process in bytes (Linux).
fn own_peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Launcher mode: run `bin args` (environment inherited), drain its stdout,
/// reap it with `wait4` and print one [`Measured::report_line`].
///
/// Why a launcher: on Linux the `ru_maxrss` of an exec'd process also covers
/// the memory image it replaced at `execve` (the kernel keeps the old image's
/// high-water mark), and `std::process::Command` spawns with vfork/posix_spawn,
/// so a child spawned directly by the benchmark would report at least the
/// benchmark's own peak RSS (tens of MiB with a 1000-account mock in memory).
/// This small, fresh process has a peak RSS of about 2 MiB, so what its child
/// reports is the child's own peak (never below that floor, which is printed).
fn measure_child(bin: &str, args: &[String]) -> std::process::ExitCode {
    let floor_rss = own_peak_rss();
    let started = Instant::now();
    let child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("cannot run {bin}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut stdout_bytes = 0;
    if let Some(mut pipe) = child.stdout.take() {
        // Read to EOF before reaping: a large menu would otherwise fill the pipe.
        let mut buffer = [0u8; 64 * 1024];
        while let Ok(n) = pipe.read(&mut buffer) {
            if n == 0 {
                break;
            }
            stdout_bytes += n;
        }
    }
    let (status, peak_rss) = match reap(child) {
        Ok(reaped) => reaped,
        Err(e) => {
            eprintln!("wait4: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let wall = started.elapsed();
    let code = status.code().unwrap_or_else(|| 128 + signal_of(&status));
    let measured = Measured {
        code,
        wall,
        peak_rss,
        floor_rss,
        stdout_bytes,
    };
    println!("{}", measured.report_line());
    std::process::ExitCode::SUCCESS
}

#[cfg(unix)]
fn signal_of(status: &ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.signal().unwrap_or(0)
}

#[cfg(not(unix))]
fn signal_of(_status: &ExitStatus) -> i32 {
    0
}

/// Waits for `pid` with `wait4(2)`, which returns the child's own resource
/// usage: `ru_maxrss` is the peak RSS of exactly that process (not of the
/// benchmark, not the maximum over all children as `RUSAGE_CHILDREN` would be).
#[cfg(all(unix, target_pointer_width = "64"))]
fn reap(child: std::process::Child) -> std::io::Result<(ExitStatus, Option<u64>)> {
    use std::os::raw::{c_int, c_long};
    use std::os::unix::process::ExitStatusExt;

    // `struct rusage` on 64-bit Linux and macOS: two `struct timeval` (16 bytes
    // each) then 14 longs; `ru_maxrss` is the first long after the timevals.
    const RUSAGE_LONGS: usize = 18;
    const MAXRSS_INDEX: usize = 4;
    // Linux reports KiB, macOS bytes.
    const MAXRSS_UNIT: u64 = if cfg!(target_os = "macos") { 1 } else { 1024 };

    extern "C" {
        fn wait4(pid: c_int, status: *mut c_int, options: c_int, rusage: *mut c_long) -> c_int;
    }

    let pid = c_int::try_from(child.id()).map_err(std::io::Error::other)?;
    let mut status: c_int = 0;
    let mut usage = [0 as c_long; RUSAGE_LONGS];
    loop {
        // SAFETY: `status` and `usage` are valid, writable and large enough for
        // `int` and `struct rusage`; `pid` is our own unreaped child. std never
        // waits for it afterwards because `child` is dropped without `wait`.
        let result = unsafe { wait4(pid, &mut status, 0, usage.as_mut_ptr()) };
        if result == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    drop(child);
    let peak = u64::try_from(usage[MAXRSS_INDEX])
        .ok()
        .map(|v| v * MAXRSS_UNIT);
    Ok((ExitStatus::from_raw(status), peak))
}

/// Fallback without `wait4`: no RSS figure.
#[cfg(not(all(unix, target_pointer_width = "64")))]
fn reap(mut child: std::process::Child) -> std::io::Result<(ExitStatus, Option<u64>)> {
    Ok((child.wait()?, None))
}

/// A sandbox for the binary: its own config, cache, snapshot and HOME.
struct Sandbox {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Sandbox {
    fn new(bin: &Path, config: &str) -> Result<Sandbox, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        std::fs::create_dir_all(dir.path().join("home")).map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("config.toml"), config).map_err(|e| e.to_string())?;
        Ok(Sandbox {
            dir,
            bin: bin.to_path_buf(),
        })
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    fn cache_file(&self) -> PathBuf {
        self.cache_dir().join("default").join("cache.json")
    }

    /// Runs the binary with a clean environment through the small launcher
    /// process (see [`measure_child`]); stderr goes to a file in the sandbox.
    fn run(&self, args: &[&str]) -> Result<Measured, String> {
        self.run_program(&self.bin, args)
    }

    /// [`Sandbox::run`] of any program (`/bin/true`, `cat`, a wrapper script).
    fn run_program(&self, program: &Path, args: &[&str]) -> Result<Measured, String> {
        let stderr = File::create(self.dir.path().join("stderr.txt")).map_err(|e| e.to_string())?;
        let launcher = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
        let mut command = Command::new(launcher);
        command.arg(MEASURE_CHILD).arg(program).args(args);
        self.environment(&mut command);
        let output = command
            .stdin(Stdio::null())
            .stderr(Stdio::from(stderr))
            .output()
            .map_err(|e| format!("cannot run the launcher: {e}"))?;
        parse_report(&output.stdout).ok_or_else(|| {
            format!(
                "launcher failed ({}): {}",
                output.status,
                self.stderr().trim()
            )
        })
    }

    /// The clean environment of every run in this sandbox.
    fn environment(&self, command: &mut Command) {
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path().join("home"))
            .env("POOLWATCH_CONFIG", self.dir.path().join("config.toml"))
            .env("POOLWATCH_CACHE_DIR", self.cache_dir())
            .env(
                "POOLWATCH_SNAPSHOT_PATH",
                self.dir.path().join("widget").join("snapshot.json"),
            )
            .env("POOLWATCH_MANAGEMENT_KEY", DEFAULT_MANAGEMENT_KEY)
            .env("SWIFTBAR", "1");
    }

    /// Pretend the last fetch happened `seconds` earlier (the cache is due),
    /// replacing the file the way poolwatch does (temp file + rename).
    fn age_cache(&self, seconds: i64) -> Result<(), String> {
        let path = self.cache_file();
        let bytes = std::fs::read(&path).map_err(|e| format!("read cache: {e}"))?;
        let mut cache: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("cache JSON: {e}"))?;
        if let Some(t) = cache["last_attempt_at"].as_i64() {
            cache["last_attempt_at"] = (t - seconds).into();
        }
        let temp = path.with_extension("aged.tmp");
        std::fs::write(
            &temp,
            serde_json::to_vec(&cache).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        std::fs::rename(&temp, &path).map_err(|e| e.to_string())
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.txt")).unwrap_or_default()
    }
}

fn config_text(server: &MockServer, concurrency: usize) -> String {
    format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\nttl_seconds = 3600\nconcurrency = {concurrency}\n\
         timeout_seconds = 30\ndeadline_seconds = 300\n",
        server.url(),
        server.usage_url()
    )
}

fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

// ---------------------------------------------------------------------------------------
// plugin from a fresh cache
// ---------------------------------------------------------------------------------------

/// The wrapper `plugin/poolwatch.1m.sh` before issue 10 (bash; a subshell
/// and `command -v` before the exec), for the side-by-side wrapper cost.
const ORIGINAL_WRAPPER: &str = r#"#!/usr/bin/env bash
POOLWATCH_BIN_DEFAULT=""
find_poolwatch() {
  local candidate
  for candidate in "${VAR_POOLWATCH_BIN:-}" "$POOLWATCH_BIN_DEFAULT" "$(command -v poolwatch 2>/dev/null)" \
    "$HOME/.cargo/bin/poolwatch" /opt/homebrew/bin/poolwatch /usr/local/bin/poolwatch; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && [ ! -d "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}
if ! bin="$(find_poolwatch)"; then
  echo "poolwatch binary not found"
  exit 0
fi
if [ "${VAR_ALL_PROFILES:-false}" = "true" ]; then
  export POOLWATCH_ALL_PROFILES=1
fi
if [ -n "${VAR_PROFILE:-}" ]; then
  exec "$bin" plugin --profile "$VAR_PROFILE"
fi
exec "$bin" plugin
"#;

/// What one menu-run variant runs.
struct Variant {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
    /// The sandbox it runs in (the "no form" variant has its own).
    sandbox: usize,
}

/// Results of the cached-plugin benchmark for one pool size.
struct PluginRow {
    accounts: usize,
    cache_bytes: usize,
    form_bytes: usize,
    menu_bytes: usize,
    runs: usize,
    /// Wall ms per variant, in [`Variant`] order.
    walls: Vec<(&'static str, Spread)>,
    rss_mib: Option<Spread>,
    /// The launcher's peak RSS (the child's figure cannot go below it).
    floor_mib: Option<f64>,
    /// callgrind instruction counts per variant (when valgrind is installed).
    instructions: Vec<(&'static str, u64)>,
}

impl PluginRow {
    fn median(&self, name: &str) -> f64 {
        self.walls
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |(_, s)| s.median)
    }

    fn instructions(&self, name: &str) -> Option<u64> {
        self.instructions
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, i)| *i)
    }
}

/// Every variant of a menu run, measured in one interleaved loop so that the
/// machine's noise (other builds on a shared machine) hits them alike:
/// `/bin/true`, `cat` of the finished menu, the cache hit (menu form), the
/// same without a form (the whole cache parsed, as before issue 10), and the
/// hit through the installed wrapper and through the original wrapper.
fn bench_plugin(options: &Options, accounts: usize) -> Result<PluginRow, String> {
    let server = MockServer::start(MockConfig::with_accounts(generated_pool(accounts)));
    let sandbox = Sandbox::new(&options.bin, &config_text(&server, options.concurrency))?;
    // One real fetch fills the cache; afterwards no run may touch the network.
    let prime = sandbox.run(&["refresh"])?;
    let fetched_calls = server.stats().api_call_requests;
    server.stop();
    let cache = std::fs::read(sandbox.cache_file()).map_err(|e| {
        format!(
            "priming run left no cache ({e}); stderr: {}",
            sandbox.stderr()
        )
    })?;
    if fetched_calls == 0 || ![exit_codes::OK, exit_codes::PARTIAL].contains(&prime.code) {
        return Err(format!(
            "priming run did not fetch (exit code {}, {fetched_calls} api-calls)",
            prime.code
        ));
    }
    // 35 days of synthetic history (issue 19), so the menu carries its charts,
    // waste and use-first lines; the form is made again from it below.
    // (BENCH_NO_HISTORY=1 leaves it out, to measure what the history adds.)
    if std::env::var_os("BENCH_NO_HISTORY").is_none() {
        write_synthetic_history(&sandbox)?;
    }
    let _ = std::fs::remove_file(sandbox.cache_file().with_file_name("menu.json"));
    // The first plugin run writes the menu form; keep its menu for `cat`.
    let menu = plugin_output(&sandbox)?;
    let menu_file = sandbox.dir.path().join("menu.txt");
    std::fs::write(&menu_file, &menu).map_err(|e| e.to_string())?;
    let form = sandbox.cache_file().with_file_name("menu.json");
    let form_bytes = std::fs::metadata(&form)
        .map(|m| m.len() as usize)
        .unwrap_or(0);

    // The same cache without a usable form: menu.json is a folder, so every
    // run parses cache.json (its attempt to write a form fails and is ignored).
    let no_form = Sandbox::new(
        &options.bin,
        &std::fs::read_to_string(sandbox.dir.path().join("config.toml"))
            .map_err(|e| e.to_string())?,
    )?;
    std::fs::create_dir_all(no_form.cache_file().parent().unwrap()).map_err(|e| e.to_string())?;
    std::fs::write(no_form.cache_file(), &cache).map_err(|e| e.to_string())?;
    let history = poolwatch::store::history::path_beside(&sandbox.cache_file());
    std::fs::copy(
        &history,
        poolwatch::store::history::path_beside(&no_form.cache_file()),
    )
    .map_err(|e| e.to_string())?;
    std::fs::create_dir_all(no_form.cache_file().with_file_name("menu.json"))
        .map_err(|e| e.to_string())?;

    let plugin_dir = sandbox.dir.path().join("plugins");
    std::fs::create_dir_all(&plugin_dir).map_err(|e| e.to_string())?;
    sandbox.run(&["install-plugin", "--dir", &plugin_dir.to_string_lossy()])?;
    let wrapper = plugin_dir.join("poolwatch.1m.sh");
    let original = sandbox.dir.path().join("original.1m.sh");
    let quoted = format!("'{}'", options.bin.display());
    std::fs::write(
        &original,
        ORIGINAL_WRAPPER.replacen(
            "POOLWATCH_BIN_DEFAULT=\"\"",
            &format!("POOLWATCH_BIN_DEFAULT={quoted}"),
            1,
        ),
    )
    .map_err(|e| e.to_string())?;

    let sandboxes = [&sandbox, &no_form];
    let string = |p: &Path| p.to_string_lossy().into_owned();
    let variants = [
        Variant {
            name: "/bin/true",
            program: PathBuf::from("/bin/true"),
            args: vec![],
            sandbox: 0,
        },
        Variant {
            name: "cat menu",
            program: PathBuf::from("/bin/cat"),
            args: vec![string(&menu_file)],
            sandbox: 0,
        },
        Variant {
            name: "hit (form)",
            program: options.bin.clone(),
            args: vec!["plugin".into()],
            sandbox: 0,
        },
        Variant {
            name: "no form (before)",
            program: options.bin.clone(),
            args: vec!["plugin".into()],
            sandbox: 1,
        },
        Variant {
            name: "hit via wrapper (sh)",
            program: PathBuf::from("/bin/sh"),
            args: vec![string(&wrapper)],
            sandbox: 0,
        },
        Variant {
            name: "hit via wrapper (bash)",
            program: PathBuf::from("/bin/bash"),
            args: vec![string(&wrapper)],
            sandbox: 0,
        },
        Variant {
            name: "hit via original wrapper",
            program: PathBuf::from("/bin/bash"),
            args: vec![string(&original)],
            sandbox: 0,
        },
    ];
    let mut walls: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    let mut rss = Vec::new();
    let mut floor = None;
    for round in 0..options.warmup_runs + options.plugin_runs {
        for (i, variant) in variants.iter().enumerate() {
            let args: Vec<&str> = variant.args.iter().map(String::as_str).collect();
            let run = sandboxes[variant.sandbox].run_program(&variant.program, &args)?;
            if !run.success() || (i > 0 && run.stdout_bytes == 0) {
                return Err(format!(
                    "{} failed (exit code {}): {}",
                    variant.name,
                    run.code,
                    sandboxes[variant.sandbox].stderr()
                ));
            }
            if round < options.warmup_runs {
                continue;
            }
            walls[i].push(run.wall.as_secs_f64() * 1e3);
            if variant.name == "hit (form)" {
                floor = floor.max(run.floor_rss);
                if let Some(peak) = run.peak_rss {
                    rss.push(mib(peak as f64));
                }
            }
        }
    }
    if std::fs::read(sandbox.cache_file()).unwrap_or_default() != cache {
        eprintln!("warning: the cache changed during the plugin runs ({accounts} accounts): a run fetched");
    }
    let instructions = if options.callgrind {
        variants
            .iter()
            .filter(|v| ["cat menu", "hit (form)", "no form (before)"].contains(&v.name))
            .filter_map(|v| {
                let args: Vec<&str> = v.args.iter().map(String::as_str).collect();
                callgrind(sandboxes[v.sandbox], &v.program, &args).map(|n| (v.name, n))
            })
            .collect()
    } else {
        Vec::new()
    };
    if options.keep_sandbox {
        // For a profiler: `env -i $(cat DIR/env) valgrind --tool=callgrind BIN plugin`.
        let mut command = Command::new("env");
        sandbox.environment(&mut command);
        let env: Vec<String> = command
            .get_envs()
            .filter_map(|(k, v)| Some(format!("{}={}", k.to_str()?, v?.to_str()?)))
            .collect();
        let dir = sandbox.dir.keep();
        std::fs::write(dir.join("env"), env.join("\n") + "\n").map_err(|e| e.to_string())?;
        eprintln!(
            "kept the {accounts}-account sandbox: {} (env -i $(cat {}/env) {} plugin)",
            dir.display(),
            dir.display(),
            options.bin.display()
        );
    }
    Ok(PluginRow {
        accounts,
        cache_bytes: cache.len(),
        form_bytes,
        menu_bytes: menu.len(),
        runs: options.plugin_runs,
        walls: variants
            .iter()
            .zip(&walls)
            .map(|(v, w)| (v.name, spread(w)))
            .collect(),
        rss_mib: (!rss.is_empty()).then(|| spread(&rss)),
        floor_mib: floor.map(|b| mib(b as f64)),
        instructions,
    })
}

/// The menu a plugin run prints in `sandbox`.
/// A worst-case 35-day history of the cached pool's accounts beside its cache
/// (`poolwatch::history::synthetic`, the size docs/history.md measures).
fn write_synthetic_history(sandbox: &Sandbox) -> Result<(), String> {
    let cache: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sandbox.cache_file()).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let accounts: Vec<(String, String, f64)> = cache["state"]["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let text = |k: &str| a[k].as_str().unwrap_or_default().to_string();
            (text("name"), text("label"), 1.0)
        })
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let history = poolwatch::history::synthetic::synthetic("codex", &accounts, now);
    let path = poolwatch::store::history::path_beside(&sandbox.cache_file());
    poolwatch::store::history::save(&path, &history).map_err(|e| e.to_string())
}

fn plugin_output(sandbox: &Sandbox) -> Result<Vec<u8>, String> {
    let mut command = Command::new(&sandbox.bin);
    command.arg("plugin");
    sandbox.environment(&mut command);
    let output = command.output().map_err(|e| e.to_string())?;
    Ok(output.stdout)
}

/// Instructions executed by `program args` under callgrind (None without valgrind).
fn callgrind(sandbox: &Sandbox, program: &Path, args: &[&str]) -> Option<u64> {
    let mut command = Command::new("valgrind");
    command
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(program)
        .args(args);
    sandbox.environment(&mut command);
    let output = command.stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let line = text.lines().find(|l| l.contains("Collected :"))?;
    line.rsplit(':').next()?.trim().parse().ok()
}

fn print_plugin(rows: &[PluginRow]) {
    println!("\n## a menu run served from the cache (SWIFTBAR=1, release), side by side");
    println!(
        "Wall time (spawn to reap) in ms, every variant measured in one interleaved loop \
         (the machine is shared: compare ratios). `hit` reads the menu form (menu.json); \
         `no form` parses the whole cache.json as every run did before issue 10.\n"
    );
    println!("| accounts | variant | runs | wall min | p25 | median | p75 | max |");
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        for (name, wall) in &row.walls {
            println!(
                "| {} | {} | {} | {} |",
                row.accounts,
                name,
                row.runs,
                wall.cells(2)
            );
        }
    }
    println!(
        "\n| accounts | cache.json KiB | menu.json KiB | menu KiB | hit / cat | hit / true | \
         no form / hit | wrapper sh − hit ms | wrapper bash − hit ms | original wrapper − hit ms | \
         hit RSS MiB (median) | RSS floor |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let hit = row.median("hit (form)");
        println!(
            "| {} | {:.0} | {:.1} | {:.1} | {:.2}x | {:.2}x | {:.2}x | {:+.2} | {:+.2} | {:+.2} | {} | {} |",
            row.accounts,
            row.cache_bytes as f64 / 1024.0,
            row.form_bytes as f64 / 1024.0,
            row.menu_bytes as f64 / 1024.0,
            hit / row.median("cat menu"),
            hit / row.median("/bin/true"),
            row.median("no form (before)") / hit,
            row.median("hit via wrapper (sh)") - hit,
            row.median("hit via wrapper (bash)") - hit,
            row.median("hit via original wrapper") - hit,
            row.rss_mib
                .map(|s| format!("{:.1}", s.median))
                .unwrap_or_else(|| "-".into()),
            row.floor_mib
                .map(|m| format!("{m:.1}"))
                .unwrap_or_else(|| "-".into())
        );
    }
    if let (Some(small), Some(big)) = (
        rows.iter().find(|r| r.accounts == 1000),
        rows.iter().find(|r| r.accounts == 5000),
    ) {
        println!(
            "\nhit at 5000 / hit at 1000 accounts: {:.2}x (wall medians)",
            big.median("hit (form)") / small.median("hit (form)")
        );
    }
    if rows.iter().any(|r| !r.instructions.is_empty()) {
        println!("\nInstructions (valgrind --tool=callgrind; deterministic, unlike wall time):\n");
        println!(
            "| accounts | cat menu | hit (form) | no form (before) | hit / cat | no form / hit |"
        );
        println!("|---:|---:|---:|---:|---:|---:|");
        for row in rows {
            let of = |n: &str| row.instructions(n);
            let ratio = |a: Option<u64>, b: Option<u64>| match (a, b) {
                (Some(a), Some(b)) if b > 0 => format!("{:.2}x", a as f64 / b as f64),
                _ => "-".into(),
            };
            let cell = |v: Option<u64>| v.map_or("-".into(), |v| v.to_string());
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                row.accounts,
                cell(of("cat menu")),
                cell(of("hit (form)")),
                cell(of("no form (before)")),
                ratio(of("hit (form)"), of("cat menu")),
                ratio(of("no form (before)"), of("hit (form)"))
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// usage calls per refresh: delta refresh
// ---------------------------------------------------------------------------------------

/// Usage calls and wall time of one refresh kind.
struct DeltaRow {
    accounts: usize,
    kind: &'static str,
    usage_calls: u64,
    wall_s: f64,
}

/// The calls a pool of `accounts` costs: a first (full) refresh, a scheduled
/// refresh of the unchanged pool, one after 10% of the accounts served
/// requests, and `refresh --all`.
fn bench_delta(options: &Options, accounts: usize) -> Result<Vec<DeltaRow>, String> {
    let config = MockConfig {
        api_call_delay: options.latency,
        ..MockConfig::with_accounts(generated_pool(accounts))
    };
    let server = MockServer::start(config);
    let sandbox = Sandbox::new(&options.bin, &config_text(&server, options.concurrency))?;
    let mut rows = Vec::new();
    let mut step = |kind: &'static str, args: &[&str]| -> Result<(), String> {
        server.reset_stats();
        let run = sandbox.run(args)?;
        rows.push(DeltaRow {
            accounts,
            kind,
            usage_calls: server.stats().api_call_requests,
            wall_s: run.wall.as_secs_f64(),
        });
        Ok(())
    };
    step("first refresh (every account)", &["refresh"])?;
    sandbox.age_cache(100_000)?;
    step("scheduled, unchanged pool", &["status", "--json"])?;
    let names: Vec<String> = server
        .config()
        .accounts
        .iter()
        .map(|a| a.name.clone())
        .collect();
    for name in names.iter().step_by(10) {
        server.serve_requests(name, 3, 0);
    }
    sandbox.age_cache(100_000)?;
    step("scheduled, 10% of accounts busy", &["status", "--json"])?;
    sandbox.age_cache(60)?;
    step("Refresh now, unchanged pool", &["refresh"])?;
    sandbox.age_cache(60)?;
    step("refresh --all", &["refresh", "--all"])?;
    server.stop();
    Ok(rows)
}

fn print_delta(rows: &[DeltaRow], options: &Options) {
    println!(
        "\n## usage calls per refresh (delta refresh), {} ms per usage call",
        options.latency.as_millis()
    );
    println!(
        "Server CPU: every management call costs the server one bcrypt comparison, 50–100 ms \
         of CPU (SPEC.md §5: 308 accounts took ~16 s whatever the client's concurrency), so \
         server CPU ≈ (usage calls + 1 auth-files) × 50–100 ms. Per hour at the default TTL \
         (120 s: 30 scheduled refreshes).\n"
    );
    println!(
        "| accounts | refresh | usage calls | share of the pool | wall s | server CPU s (50–100 ms/call) | per hour of scheduled refreshes |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let calls = row.usage_calls + 1;
        let hourly = if row.kind.starts_with("scheduled") {
            format!(
                "{:.0}–{:.0} s",
                calls as f64 * 0.05 * 30.0,
                calls as f64 * 0.1 * 30.0
            )
        } else {
            "".into()
        };
        println!(
            "| {} | {} | {} | {:.1}% | {:.2} | {:.1}–{:.1} | {} |",
            row.accounts,
            row.kind,
            row.usage_calls,
            100.0 * row.usage_calls as f64 / row.accounts as f64,
            row.wall_s,
            calls as f64 * 0.05,
            calls as f64 * 0.1,
            hourly
        );
    }
}

// ---------------------------------------------------------------------------------------
// full refresh vs. the original app's batches of 4
// ---------------------------------------------------------------------------------------

/// Results of one fetch scheme for one pool size.
struct RefreshRow {
    accounts: usize,
    scheme: String,
    usage_calls: u64,
    runs: usize,
    wall_s: Spread,
    ideal_s: f64,
    peak_in_flight: usize,
    peak_rss_mib: Option<f64>,
}

fn ideal_seconds(calls: u64, width: usize, latency: Duration) -> f64 {
    calls.div_ceil(width.max(1) as u64) as f64 * latency.as_secs_f64()
}

fn bench_refresh(options: &Options, accounts: usize) -> Result<Vec<RefreshRow>, String> {
    let config = MockConfig {
        api_call_delay: options.latency,
        ..MockConfig::with_accounts(generated_pool(accounts))
    };
    let server = MockServer::start(config);
    let sandbox = Sandbox::new(&options.bin, &config_text(&server, options.concurrency))?;

    let mut walls = Vec::new();
    let mut calls = 0;
    let mut peak_in_flight = 0;
    let mut peak_rss: Option<u64> = None;
    for _ in 0..options.refresh_runs {
        // A fresh cache each run: a refresh within 5 s of the last attempt is
        // debounced; `--all`: every account's usage, the full cost.
        let _ = std::fs::remove_dir_all(sandbox.cache_dir());
        server.reset_stats();
        let run = sandbox.run(&["refresh", "--all"])?;
        let stats = server.stats();
        if stats.api_call_requests == 0 {
            return Err(format!(
                "refresh made no usage calls (exit code {}): {}",
                run.code,
                sandbox.stderr()
            ));
        }
        // 7 (partial) is expected: the generated pool has accounts whose
        // upstream answers 429, 401 or an HTML page.
        if ![exit_codes::OK, exit_codes::PARTIAL].contains(&run.code) {
            eprintln!(
                "note: refresh of {accounts} exited with code {}: {}",
                run.code,
                sandbox.stderr().trim()
            );
        }
        calls = stats.api_call_requests;
        peak_in_flight = peak_in_flight.max(stats.max_concurrent_api_calls);
        peak_rss = peak_rss.max(run.peak_rss);
        walls.push(run.wall.as_secs_f64());
    }
    let mut rows = vec![RefreshRow {
        accounts,
        scheme: format!("poolwatch sliding window, C={}", options.concurrency),
        usage_calls: calls,
        runs: walls.len(),
        wall_s: spread(&walls),
        ideal_s: ideal_seconds(calls, options.concurrency, options.latency),
        peak_in_flight,
        peak_rss_mib: peak_rss.map(|b| mib(b as f64)),
    }];

    if options.baseline_runs > 0 {
        let mut walls = Vec::new();
        let mut calls = 0;
        let mut peak_in_flight = 0;
        for _ in 0..options.baseline_runs {
            server.reset_stats();
            let started = Instant::now();
            original_fetch(&server)?;
            walls.push(started.elapsed().as_secs_f64());
            let stats = server.stats();
            calls = stats.api_call_requests;
            peak_in_flight = peak_in_flight.max(stats.max_concurrent_api_calls);
        }
        rows.push(RefreshRow {
            accounts,
            scheme: "original: batches of 4, 1 retry (simulated)".into(),
            usage_calls: calls,
            runs: walls.len(),
            wall_s: spread(&walls),
            ideal_s: ideal_seconds(calls, ORIGINAL_BATCH, options.latency),
            peak_in_flight,
            peak_rss_mib: None,
        });
    }
    server.stop();
    Ok(rows)
}

/// The original app's fetch, simulated: auth-files, then the usage calls in
/// sequential batches of 4 concurrent requests (each batch waits for its
/// slowest call), each call retried once after 350 ms when it fails.
fn original_fetch(server: &MockServer) -> Result<usize, String> {
    let auth = bearer(DEFAULT_MANAGEMENT_KEY);
    let headers = [("Authorization", auth.as_str())];
    let url = format!("{}/v0/management/auth-files", server.url());
    let response = try_http("GET", &url, &headers, None, ORIGINAL_TIMEOUT)
        .map_err(|e| format!("auth-files: {e}"))?;
    let entries: Vec<AuthFileEntry> = parse_auth_files(&response.body)?
        .into_iter()
        .filter(wants_usage)
        .collect();
    let api_call = format!("{}/v0/management/api-call", server.url());
    let usage_url = server.usage_url();
    let mut parsed = 0;
    for batch in entries.chunks(ORIGINAL_BATCH) {
        parsed += std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|entry| {
                    scope.spawn(|| original_usage_call(&api_call, &auth, entry, &usage_url))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(false))
                .filter(|ok| *ok)
                .count()
        });
    }
    Ok(parsed)
}

/// One usage call of the original scheme; true when a usage body was parsed.
fn original_usage_call(api_call: &str, auth: &str, entry: &AuthFileEntry, usage_url: &str) -> bool {
    let body = usage_request(entry, usage_url).to_string();
    let headers = [
        ("Authorization", auth),
        ("Content-Type", "application/json"),
    ];
    let attempt = || {
        try_http("POST", api_call, &headers, Some(&body), ORIGINAL_TIMEOUT)
            .ok()
            .filter(|r| r.status == 200)
    };
    let response = match attempt() {
        Some(response) => Some(response),
        None => {
            std::thread::sleep(ORIGINAL_RETRY_PAUSE);
            attempt()
        }
    };
    let now = poolwatch::commands::system_now();
    response
        .and_then(|r| parse_envelope(&r.body).ok())
        .is_some_and(|(status, body)| interpret_upstream(status, &body, now).is_ok())
}

fn print_refresh(rows: &[RefreshRow], options: &Options) {
    println!(
        "\n## full refresh, {} ms per usage call (`poolwatch refresh`, release)",
        options.latency.as_millis()
    );
    println!("Wall time in seconds; ideal = ceil(usage calls / width) x latency.\n");
    println!(
        "| accounts | scheme | usage calls | runs | min | p25 | median | p75 | max | ideal | \
         median / ideal | peak in flight | peak RSS MiB |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} | {:.2} | {:.3}x | {} | {} |",
            row.accounts,
            row.scheme,
            row.usage_calls,
            row.runs,
            row.wall_s.cells(2),
            row.ideal_s,
            row.wall_s.median / row.ideal_s,
            row.peak_in_flight,
            row.peak_rss_mib
                .map(|m| format!("{m:.1}"))
                .unwrap_or_else(|| "-".into())
        );
    }
    let mut sizes: Vec<usize> = rows.iter().map(|r| r.accounts).collect();
    sizes.dedup();
    for size in sizes {
        let of = |prefix: &str| {
            rows.iter()
                .find(|r| r.accounts == size && r.scheme.starts_with(prefix))
                .map(|r| r.wall_s.median)
        };
        if let (Some(new), Some(old)) = (of("poolwatch"), of("original")) {
            println!(
                "\n{size} accounts: poolwatch is {:.1}x faster than the original scheme",
                old / new
            );
        }
    }
}

// ---------------------------------------------------------------------------------------

fn run(options: &Options) -> Result<(), String> {
    let size = std::fs::metadata(&options.bin)
        .map_err(|e| {
            format!(
                "{}: {e} (build it with cargo build --release)",
                options.bin.display()
            )
        })?
        .len();
    println!("## binary\n");
    println!(
        "`{}`: {} bytes ({:.2} MiB)",
        options.bin.display(),
        size,
        mib(size as f64)
    );

    let mut plugin_rows = Vec::new();
    for &accounts in &options.plugin_sizes {
        eprintln!(
            "plugin: {accounts} accounts, {} runs ...",
            options.plugin_runs
        );
        plugin_rows.push(bench_plugin(options, accounts)?);
    }
    print_plugin(&plugin_rows);

    let mut delta_rows = Vec::new();
    for &accounts in &options.delta_sizes {
        eprintln!("delta refresh: {accounts} accounts ...");
        delta_rows.extend(bench_delta(options, accounts)?);
    }
    if !delta_rows.is_empty() {
        print_delta(&delta_rows, options);
    }

    let mut refresh_rows = Vec::new();
    for &accounts in &options.refresh_sizes {
        eprintln!(
            "refresh: {accounts} accounts, {} runs + {} original-scheme runs ...",
            options.refresh_runs, options.baseline_runs
        );
        refresh_rows.extend(bench_refresh(options, accounts)?);
    }
    if !refresh_rows.is_empty() {
        print_refresh(&refresh_rows, options);
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, bin, rest @ ..] = args.as_slice() {
        if mode == MEASURE_CHILD {
            return measure_child(bin, rest);
        }
    }
    let options = match parse_options(args.into_iter()) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench_cli: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
