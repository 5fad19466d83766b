//! What a pool costs its server in an hour: every management request poolwatch
//! makes, by kind, for an idle and a busy 1000-account pool on a v7.3 mock
//! (issue 18 items 6 and 7). Simulated time: between scheduled refreshes the
//! cache's times move back by the refresh interval (no sleeping), so an hour
//! of refreshes every 2 minutes takes seconds.
//!
//! ```text
//! cargo build --release --bin poolwatch --example bench_cost
//! target/release/examples/bench_cost [--bin target/release/poolwatch] [--accounts 1000]
//! ```
//! * **idle**: nobody uses the pool (no traffic, no new observations).
//! * **busy**: every account serves requests between every two refreshes and
//!   carries a fresh passive observation (what a v7.3+ server records).
//!
//! Each runs "now" (the defaults) and "without observations and budget"
//! (`observation_max_age_minutes = 0`, `age_reads_per_hour = 0`: what the
//! planner did before issue 18). Counts only; nothing passes or fails.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use support::v8::{codex_observation, PluginMock, ServerShape};
use support::{MockAccount, MockConfig, MockServer, MockStats, DEFAULT_MANAGEMENT_KEY};

const INTERVAL: i64 = 120;
const REFRESHES_PER_HOUR: usize = 30;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Requests of one kind (management requests; api-calls split by their URL).
#[derive(Default, Clone, Copy)]
struct Kinds {
    list: u64,
    usage: u64,
    credits: u64,
    plans: u64,
    api_key_usage: u64,
    /// `GET …/plugins/:id/quota` (management requests, not api-calls).
    plugins: u64,
}

impl Kinds {
    fn of(stats: &MockStats) -> Kinds {
        let path = |p: &str| stats.calls_per_path.get(p).copied().unwrap_or(0);
        Kinds {
            list: stats.auth_files_requests,
            usage: path("/backend-api/wham/usage"),
            credits: stats.reset_credit_calls.values().sum(),
            plans: path("/api/oauth/profile") + path("/agy/v1internal:loadCodeAssist"),
            api_key_usage: stats.api_key_usage_requests,
            plugins: stats.v8.plugin_quota_requests,
        }
    }

    fn api_calls(&self) -> u64 {
        self.usage + self.credits + self.plans
    }

    fn all(&self) -> u64 {
        self.list + self.api_calls() + self.api_key_usage + self.plugins
    }

    fn add(&mut self, other: Kinds) {
        self.list += other.list;
        self.usage += other.usage;
        self.credits += other.credits;
        self.plans += other.plans;
        self.api_key_usage += other.api_key_usage;
        self.plugins += other.plugins;
    }
}

struct Sandbox {
    dir: tempfile::TempDir,
    bin: PathBuf,
    env: Vec<(String, String)>,
}

impl Sandbox {
    fn run(&self, args: &[&str]) {
        let mut command = Command::new(&self.bin);
        command
            .args(args)
            .env_clear()
            .env("HOME", self.dir.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("POOLWATCH_CONFIG", self.dir.path().join("config.toml"))
            .env("POOLWATCH_CACHE_DIR", self.dir.path().join("cache"))
            .env("POOLWATCH_MANAGEMENT_KEY", DEFAULT_MANAGEMENT_KEY)
            .env(
                "POOLWATCH_SNAPSHOT_PATH",
                self.dir.path().join("widget").join("snapshot.json"),
            );
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let output = command.output().expect("run poolwatch");
        if !matches!(output.status.code(), Some(0 | 7)) {
            eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        }
    }

    fn cache_file(&self) -> PathBuf {
        self.dir
            .path()
            .join("cache")
            .join("default")
            .join("cache.json")
    }

    /// `seconds` pass: every stored time moves back, the TTL has run out.
    fn pass(&self, seconds: i64) {
        let path = self.cache_file();
        let mut cache: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("cache")).expect("cache JSON");
        if let Some(t) = cache["last_attempt_at"].as_i64() {
            cache["last_attempt_at"] = (t - 1_000).into();
        }
        // The previous refresh was exactly one interval ago.
        cache["state"]["fetched_at"] = (now() - seconds).into();
        // The quiet re-reads of the last hour move back with it (`[when, how many]`).
        for read in cache["state"]
            .get_mut("quiet_reads")
            .and_then(serde_json::Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(t) = read[0].as_i64() {
                read[0] = (t - seconds).into();
            }
        }
        support::move_account_times_back(&mut cache, seconds);
        let temp = path.with_extension("bench.tmp");
        std::fs::write(&temp, serde_json::to_vec(&cache).unwrap()).unwrap();
        std::fs::rename(&temp, &path).unwrap();
    }
}

/// First refresh, then one simulated hour; returns (first, hour, worst refresh).
/// With `plugins` > 0 the mock is a v8 server and that many of the accounts
/// are of a provider poolwatch has no recipe for, read through a quota plugin.
fn run(
    bin: &Path,
    accounts: usize,
    busy: bool,
    before: bool,
    plugins: usize,
) -> (Kinds, Kinds, u64) {
    let codex = accounts - plugins.min(accounts);
    let mut pool: Vec<MockAccount> = (0..codex)
        .map(|i| MockAccount::new(&format!("b{i:05}@example.com"), "plus"))
        .collect();
    pool.extend(
        (0..accounts - codex)
            .map(|i| MockAccount::provider("workbuddy", &format!("p{i:05}@example.com"), 500, "")),
    );
    let shape = if plugins > 0 {
        ServerShape::V8
    } else {
        ServerShape::V7_3
    };
    let mut mock = MockConfig::shaped(shape, pool);
    let answer = serde_json::json!({"groups": [{"displayName": "Daily", "buckets": [
        {"remainingFraction": 0.5, "resetTime": "2099-01-01T00:00:00Z"}]}]});
    for account in mock.accounts.iter().filter(|a| a.provider == "workbuddy") {
        mock.v8
            .plugins
            .insert(account.name.clone(), PluginMock::ok("wb", answer.clone()));
    }
    let server = MockServer::start(mock);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "pool_url = \"{}\"\nusage_url = \"{}\"\ntimeout_seconds = 30\ndeadline_seconds = 120\nconcurrency = 16\n{}{}",
        server.url(),
        server.usage_url(),
        server.provider_url_config(),
        if before {
            "observation_max_age_minutes = 0\nage_reads_per_hour = 0\n"
        } else {
            ""
        }
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    let sandbox = Sandbox {
        dir,
        bin: bin.to_path_buf(),
        env: Vec::new(),
    };
    let names: Vec<String> = server
        .config()
        .accounts
        .iter()
        .map(|a| a.name.clone())
        .collect();
    sandbox.run(&["refresh"]);
    let first = Kinds::of(&server.stats());
    let mut hour = Kinds::default();
    let mut worst = 0;
    for _ in 0..REFRESHES_PER_HOUR {
        server.reset_stats();
        sandbox.pass(INTERVAL);
        if busy {
            let at = now();
            for name in &names {
                server.serve_requests(name, 2, 0);
            }
            server.set_config(|c| {
                for name in &names {
                    c.v8.observations
                        .insert(name.clone(), codex_observation(at, "plus", 30.0, 40.0));
                }
            });
        }
        sandbox.run(&["status", "--json"]);
        let kinds = Kinds::of(&server.stats());
        worst = worst.max(kinds.api_calls());
        hour.add(kinds);
    }
    (first, hour, worst)
}

fn main() {
    let mut bin = PathBuf::from("target/release/poolwatch");
    let mut accounts = 1000;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--bin" => bin = PathBuf::from(args.next().expect("--bin PATH")),
            "--accounts" => {
                accounts = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--accounts N")
            }
            _ => {}
        }
    }
    if !bin.exists() {
        eprintln!("no poolwatch binary at {}", bin.display());
        std::process::exit(2);
    }
    println!("Management requests of a {accounts}-account pool on a v7.3 mock (the plugin row: v8), one refresh every {INTERVAL} s ({REFRESHES_PER_HOUR} an hour).\n");
    println!("| pool | planner | first refresh (list / usage / credits / plans / key usage / plugin quota) | next hour: list | usage | credits | plans | key usage | plugin quota | api-calls/h | worst refresh (api-calls) |");
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let cases = [
        (false, true, 0),
        (false, false, 0),
        (true, true, 0),
        (true, false, 0),
        (false, false, accounts / 10),
    ];
    for (busy, before, plugins) in cases {
        {
            let (first, hour, worst) = run(&bin, accounts, busy, before, plugins);
            println!(
                "| {} | {} | {} / {} / {} / {} / {} / {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                match (busy, plugins) {
                    (true, _) => "busy".to_string(),
                    (false, 0) => "idle".to_string(),
                    (false, n) => format!("idle, v8, {n} plugin accounts"),
                },
                if before {
                    "no observations, no budget"
                } else {
                    "now (defaults)"
                },
                first.list,
                first.usage,
                first.credits,
                first.plans,
                first.api_key_usage,
                first.plugins,
                hour.list,
                hour.usage,
                hour.credits,
                hour.plans,
                hour.api_key_usage,
                hour.plugins,
                hour.api_calls(),
                worst,
            );
            let _ = hour.all();
        }
    }
}
