//! Running the real `poolwatch` binary in an isolated sandbox (temp HOME,
//! config, cache and snapshot paths) against the mock Management API.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A sandbox: its own HOME, settings file, cache dir and snapshot path.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub key: Option<String>,
    pub extra_env: Vec<(String, String)>,
}

/// The result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout is valid UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is valid UTF-8"),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

impl Sandbox {
    /// A sandbox whose settings point at `pool_url` and the mock's usage URL.
    pub fn new(pool_url: &str, usage_url: &str, key: Option<&str>) -> Sandbox {
        let sandbox = Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
            key: key.map(str::to_string),
            extra_env: Vec::new(),
        };
        sandbox.write_config(&format!(
            "pool_url = \"{pool_url}\"\nusage_url = \"{usage_url}\"\ntimeout_seconds = 3\ndeadline_seconds = 8\n"
        ));
        sandbox
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).expect("write config");
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    pub fn cache_file(&self, profile: &str) -> PathBuf {
        self.cache_dir().join(profile).join("cache.json")
    }

    pub fn snapshot_path(&self) -> PathBuf {
        self.dir.path().join("widget").join("snapshot.json")
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The command with a clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_poolwatch"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("POOLWATCH_CONFIG", self.config_path())
            .env("POOLWATCH_CACHE_DIR", self.cache_dir())
            .env("POOLWATCH_SNAPSHOT_PATH", self.snapshot_path())
            .stdin(Stdio::null());
        if let Some(key) = &self.key {
            cmd.env("POOLWATCH_MANAGEMENT_KEY", key);
        }
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run poolwatch"))
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("run poolwatch"))
    }

    /// Pretend the last fetch happened `seconds` earlier (TTL expiry without sleeping).
    pub fn age_cache(&self, profile: &str, seconds: i64) {
        let path = self.cache_file(profile);
        let mut cache: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("cache exists"))
                .expect("cache JSON");
        if let Some(t) = cache["last_attempt_at"].as_i64() {
            cache["last_attempt_at"] = (t - seconds).into();
        }
        if let Some(t) = cache["state"]["fetched_at"].as_i64() {
            cache["state"]["fetched_at"] = (t - seconds).into();
        }
        std::fs::write(&path, serde_json::to_vec(&cache).unwrap()).unwrap();
    }

    pub fn read_cache(&self, profile: &str) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.cache_file(profile)).expect("cache exists"))
            .expect("cache is JSON")
    }

    /// Every file poolwatch wrote in the sandbox, with its content.
    pub fn written_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        collect(self.dir.path(), &mut out);
        out
    }
}

fn collect(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
}
