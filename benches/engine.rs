//! In-process benchmarks of the work a cached `poolwatch plugin` run does:
//! parse `cache.json`, compute the quota report, render the SwiftBar menu.
//!
//! The pools are real: an in-process mock Management API serves
//! `generated_pool(n)` and the library's own session fetches it once (the same
//! code path as `poolwatch refresh`), so the cache bytes are exactly what the
//! binary would read from disk.
//!
//! ```text
//! cargo bench --bench engine            # or scripts/bench
//! ```
//! Criterion prints its usual report; a final table lists median ± MAD per
//! benchmark (read back from criterion's `estimates.json`).

#[path = "../tests/support/mock_guard.rs"]
mod mock_guard;
#[path = "../tests/support/mock_server.rs"]
mod mock_server;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use criterion::{black_box, BenchmarkId, Criterion};
use mock_server::{generated_pool, MockConfig, MockServer, DEFAULT_MANAGEMENT_KEY};
use poolwatch::config::Settings;
use poolwatch::model::{Account, Epoch};
use poolwatch::quota::{self, PoolReport, QuotaSettings};
use poolwatch::render::menu::render_menu;
use poolwatch::render::{Dialect, FetchStatus, MenuContext};
use poolwatch::secrets::KEY_ENV;
use poolwatch::session::{Session, Trigger};
use poolwatch::store::cache::{CacheFile, CachePaths};

/// Pool sizes measured.
const SIZES: [usize; 3] = [10, 100, 1000];

/// One pool prepared for the benchmarks.
struct Fixture {
    size: usize,
    /// The bytes of `cache.json` as the binary wrote them.
    cache_bytes: Vec<u8>,
    accounts: Vec<Account>,
    report: PoolReport,
    now: Epoch,
}

fn system_now() -> Epoch {
    poolwatch::commands::system_now()
}

/// Fetch `generated_pool(size)` from an in-process mock through the real
/// session code and return the cache file it wrote.
fn fetch_cache_bytes(size: usize) -> Result<Vec<u8>, String> {
    let server = MockServer::start(MockConfig::with_accounts(generated_pool(size)));
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let settings = Settings {
        pool_url: server.url(),
        usage_url: server.usage_url(),
        concurrency: 16,
        deadline: Duration::from_secs(120),
        ..Settings::default()
    };
    let env = |name: &str| (name == KEY_ENV).then(|| DEFAULT_MANAGEMENT_KEY.to_string());
    let session = Session {
        settings: &settings,
        paths: CachePaths::in_dir(dir.path(), &settings.profile),
        env: &env,
        clock: &system_now,
        refresh_all: false,
        menu_style: poolwatch::render::menu::rows::MenuStyle {
            dialect: poolwatch::render::Dialect::SwiftBar,
            privacy: false,
        },
    };
    let outcome = session.obtain(Trigger::Explicit);
    if let Some(error) = outcome.error {
        return Err(format!("fetch of {size} accounts failed: {error}"));
    }
    let bytes = std::fs::read(&session.paths.data).map_err(|e| format!("read cache: {e}"))?;
    server.stop();
    Ok(bytes)
}

fn fixture(size: usize) -> Result<Fixture, String> {
    let cache_bytes = fetch_cache_bytes(size)?;
    let cache: CacheFile =
        serde_json::from_slice(&cache_bytes).map_err(|e| format!("cache JSON: {e}"))?;
    let accounts = cache.state.map(|s| s.accounts).unwrap_or_default();
    let now = system_now();
    let report = quota::compute(&accounts, &QuotaSettings::default(), now);
    Ok(Fixture {
        size,
        cache_bytes,
        accounts,
        report,
        now,
    })
}

fn menu_context(now: Epoch) -> MenuContext {
    MenuContext {
        profile: "default".into(),
        pool_url: "http://127.0.0.1:8317".into(),
        exe: "/usr/local/bin/poolwatch".into(),
        settings_path: "/home/user/.config/poolwatch/config.toml".into(),
        updated_at: Some(now - 30),
        status: FetchStatus::Fresh,
        notices: Vec::new(),
        sort: Default::default(),
        demo: false,
        pace: None,
        now,
        ban_until: None,
        ..Default::default()
    }
}

fn bench_engine(c: &mut Criterion, fixtures: &[Fixture]) {
    let settings = QuotaSettings::default();
    let mut group = c.benchmark_group("engine");
    for f in fixtures {
        // 40 samples of a 10 ms call do not fit in 2 s; fewer for the big pool.
        group.sample_size(if f.size >= 1000 { 20 } else { 40 });
        group.bench_with_input(BenchmarkId::new("cache_parse", f.size), f, |b, f| {
            b.iter(|| serde_json::from_slice::<CacheFile>(black_box(&f.cache_bytes)))
        });
        group.bench_with_input(BenchmarkId::new("quota_compute", f.size), f, |b, f| {
            b.iter(|| quota::compute(black_box(&f.accounts), &settings, f.now))
        });
        let ctx = menu_context(f.now);
        group.bench_with_input(
            BenchmarkId::new("render_menu_swiftbar", f.size),
            f,
            |b, f| b.iter(|| render_menu(Some(black_box(&f.report)), &ctx, Dialect::SwiftBar)),
        );
        group.bench_with_input(BenchmarkId::new("render_menu_xbar", f.size), f, |b, f| {
            b.iter(|| render_menu(Some(black_box(&f.report)), &ctx, Dialect::Xbar))
        });
        group.bench_with_input(
            BenchmarkId::new("parse_compute_render", f.size),
            f,
            |b, f| b.iter(|| parse_compute_render(black_box(&f.cache_bytes), &ctx)),
        );
    }
    group.finish();
}

/// What a cached plugin run does in memory, end to end.
fn parse_compute_render(bytes: &[u8], ctx: &MenuContext) -> usize {
    let Ok(cache) = serde_json::from_slice::<CacheFile>(bytes) else {
        return 0;
    };
    let accounts = cache.state.map(|s| s.accounts).unwrap_or_default();
    let report = quota::compute(&accounts, &QuotaSettings::default(), ctx.now);
    render_menu(Some(&report), ctx, Dialect::SwiftBar).len()
}

/// Where criterion writes its results (same rules as criterion's default).
fn output_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("criterion")
}

/// Median and median absolute deviation (ns) of one benchmark, from criterion's
/// files; None when it did not run after `since` (e.g. filtered out).
fn median_and_mad(dir: &Path, id: &str, since: SystemTime) -> Option<(f64, f64)> {
    let path = dir.join(id).join("new").join("estimates.json");
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    if modified < since {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let median = value["median"]["point_estimate"].as_f64()?;
    let mad = value["median_abs_dev"]["point_estimate"].as_f64()?;
    Some((median, mad))
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn print_summary(dir: &Path, fixtures: &[Fixture], since: SystemTime) {
    let names = [
        "cache_parse",
        "quota_compute",
        "render_menu_swiftbar",
        "render_menu_xbar",
        "parse_compute_render",
    ];
    println!("\n## engine (in-process, criterion): median ± MAD per call");
    println!("| benchmark | accounts | cache.json bytes | median | MAD |");
    println!("|---|---:|---:|---:|---:|");
    for f in fixtures {
        for name in names {
            let id = format!("engine/{name}/{}", f.size);
            match median_and_mad(dir, &id, since) {
                Some((median, mad)) => println!(
                    "| {name} | {} | {} | {} | {} |",
                    f.size,
                    f.cache_bytes.len(),
                    human(median),
                    human(mad)
                ),
                None => println!(
                    "| {name} | {} | {} | (not run) | |",
                    f.size,
                    f.cache_bytes.len()
                ),
            }
        }
    }
}

fn main() {
    let fixtures: Vec<Fixture> = match SIZES.iter().map(|&n| fixture(n)).collect() {
        Ok(fixtures) => fixtures,
        Err(message) => {
            eprintln!("engine bench: cannot prepare pools: {message}");
            std::process::exit(1);
        }
    };
    let dir = output_dir();
    let started = SystemTime::now();
    let mut criterion = Criterion::default()
        .output_directory(&dir)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench_engine(&mut criterion, &fixtures);
    criterion.final_summary();
    print_summary(&dir, &fixtures, started);
}
