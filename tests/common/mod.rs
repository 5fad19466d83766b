//! Running the real `poolwatch` binary in an isolated sandbox (temp HOME,
//! config, cache and snapshot paths) against the mock Management API.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Parameter keys xbar accepts; it rejects the whole output on any other
/// (xbar's plugin parser). SwiftBar accepts these and more.
pub const XBAR_PARAMS: &[&str] = &[
    "disabled",
    "key",
    "href",
    "color",
    "font",
    "size",
    "shell",
    "bash",
    "terminal",
    "refresh",
    "dropdown",
    "length",
    "trim",
    "alternate",
    "templateImage",
    "image",
    "emojize",
    "ansi",
];

/// A first menu run waits this long for the detached fetch: long enough for
/// any mock answer or deadline here, so a cold menu shows what it fetched.
pub const COLD_START: &str = "cold_start_wait_seconds = 20\n";

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
    /// The result of a finished command.
    pub fn from(output: Output) -> Run {
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

/// Config lines pointing every other provider URL at the mock that serves `usage_url`
/// (nothing when `usage_url` is not a mock's), so no test ever leaves loopback.
pub fn provider_urls_for(usage_url: &str) -> String {
    let Some(origin) = usage_url.strip_suffix("/backend-api/wham/usage") else {
        return String::new();
    };
    format!(
        "reset_credits_url = \"{origin}/backend-api/wham/rate-limit-reset-credits\"\nclaude_usage_url = \"{origin}/api/oauth/usage\"\nclaude_profile_url = \"{origin}/api/oauth/profile\"\nantigravity_urls = [\"{origin}/agy-denied\", \"{origin}/agy\"]\nkimi_usage_url = \"{origin}/coding/v1/usages\"\nxai_billing_url = \"{origin}/v1/billing?format=credits\"\ngemini_cli_quota_url = \"{origin}/v1internal:retrieveUserQuota\"\n"
    )
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
            "pool_url = \"{pool_url}\"\nusage_url = \"{usage_url}\"\ntimeout_seconds = 3\ndeadline_seconds = 8\n{COLD_START}{}",
            provider_urls_for(usage_url)
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

    /// Where a detached refresh reports that it ended (one line each).
    pub fn notify_file(&self) -> PathBuf {
        self.dir.path().join("refresh-notify.log")
    }

    /// How many detached refreshes have ended.
    pub fn refreshes_ended(&self) -> usize {
        std::fs::read_to_string(self.notify_file())
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    /// Wait until more than `seen` detached refreshes have ended (true), or 30 s.
    pub fn wait_for_refresh(&self, seen: usize) -> bool {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < until {
            if self.refreshes_ended() > seen {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }

    /// Wait until every detached refresh has ended: one ended, the profile's
    /// lock is free and no other refresh ended for half a second.
    pub fn wait_for_quiet(&self, profile: &str, seen: usize) {
        assert!(self.wait_for_refresh(seen), "a detached refresh ended");
        let lock = self.cache_dir().join(profile).join("cache.lock");
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut last = (self.refreshes_ended(), std::time::Instant::now());
        while std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let count = self.refreshes_ended();
            if count != last.0 {
                last = (count, std::time::Instant::now());
                continue;
            }
            let free = std::fs::File::open(&lock)
                .map(|f| f.try_lock().is_ok())
                .unwrap_or(true);
            if free && last.1.elapsed() > std::time::Duration::from_millis(500) {
                return;
            }
        }
        panic!("detached refreshes did not settle");
    }

    /// A plugin run as the user sees it: when it shows the cache while a
    /// detached refresh runs, wait for that refresh and run again (what
    /// SwiftBar does when the refresh asks it to).
    pub fn run_plugin_settled(&self, env: &[(&str, &str)]) -> Run {
        let mut seen = self.refreshes_ended();
        let mut run = self.run_env(&["plugin"], env);
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while run.stdout.contains("Refreshing…") {
            assert!(
                std::time::Instant::now() < until,
                "the detached refresh never ended:\n{}",
                run.stdout
            );
            if self.wait_for_refresh(seen) {
                seen = self.refreshes_ended();
                run = self.run_env(&["plugin"], env);
            }
        }
        run
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
            .env("POOLWATCH_REFRESH_NOTIFY_FILE", self.notify_file())
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
        if let Some(points) = cache["history"].as_array_mut() {
            for point in points {
                if let Some(t) = point["at"].as_i64() {
                    point["at"] = (t - seconds).into();
                }
            }
        }
        // The history file (issue 19) ages with it: its points and the last
        // observation of each account.
        let history = path.with_file_name("history.json");
        if let Ok(bytes) = std::fs::read(&history) {
            let mut doc: serde_json::Value = serde_json::from_slice(&bytes).expect("history JSON");
            if let Some(sections) = doc["sections"].as_object_mut() {
                for section in sections.values_mut() {
                    for point in section["points"].as_array_mut().into_iter().flatten() {
                        if let Some(t) = point[0].as_i64() {
                            point[0] = (t - seconds).into();
                        }
                    }
                    for account in section["last"]
                        .as_object_mut()
                        .into_iter()
                        .flat_map(|m| m.values_mut())
                    {
                        for window in ["five_hour", "weekly"] {
                            if let Some(t) = account[window]["at"].as_i64() {
                                account[window]["at"] = (t - seconds).into();
                            }
                        }
                    }
                }
            }
            std::fs::write(&history, serde_json::to_vec(&doc).unwrap()).unwrap();
        }
        // Replaced like poolwatch writes it (temp file + rename: a new inode),
        // so the menu form made from the old file no longer matches it.
        let temp = path.with_extension("aged.tmp");
        std::fs::write(&temp, serde_json::to_vec(&cache).unwrap()).unwrap();
        std::fs::rename(&temp, &path).unwrap();
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

// ----- Plugin output as SwiftBar / xbar read it (used by faults.rs and security.rs) -----

/// Every character SwiftBar (Foundation `CharacterSet.newlines`) or xbar may treat as a line
/// break, other than the `\n` that ends each plugin line.
pub const FOREIGN_LINE_BREAKS: [char; 6] =
    ['\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}'];

/// One plugin output line, split with the host's simple rules: `--` prefixes give the depth,
/// `---` (after the prefixes) is a separator, the title is the text before the FIRST `|`,
/// and the rest is space-separated `key=value` parameters (values may be quoted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginLine {
    pub raw: String,
    pub depth: usize,
    pub separator: bool,
    pub title: String,
    pub params: Vec<(String, String)>,
}

impl PluginLine {
    /// The value of parameter `key`, if present.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Split plugin stdout into lines the way SwiftBar/xbar do.
pub fn parse_plugin_output(stdout: &str) -> Vec<PluginLine> {
    stdout
        .strip_suffix('\n')
        .unwrap_or(stdout)
        .split('\n')
        .map(parse_plugin_line)
        .collect()
}

fn parse_plugin_line(raw: &str) -> PluginLine {
    let mut rest = raw;
    let mut depth = 0;
    let dashes = raw.chars().take_while(|&c| c == '-').count();
    let separator = dashes >= 3 && (dashes - 3) % 2 == 0 && raw.trim_end().len() == dashes;
    if separator {
        return PluginLine {
            raw: raw.to_string(),
            depth: (dashes - 3) / 2,
            separator: true,
            title: String::new(),
            params: Vec::new(),
        };
    }
    while let Some(stripped) = rest.strip_prefix("--") {
        depth += 1;
        rest = stripped;
    }
    let (title, params) = match rest.split_once('|') {
        Some((title, params)) => (title, parse_params(params)),
        None => (rest, Vec::new()),
    };
    PluginLine {
        raw: raw.to_string(),
        depth,
        separator: false,
        title: title.trim_end().to_string(),
        params,
    }
}

/// `key=value key="a b" key='c'` into pairs; a token without `=` becomes `(token, "")`.
pub fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return out;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            match chars.peek().copied() {
                Some(quote @ ('"' | '\'')) => {
                    chars.next();
                    for c in chars.by_ref() {
                        if c == quote {
                            break;
                        }
                        value.push(c);
                    }
                }
                _ => {
                    while let Some(&c) = chars.peek() {
                        if c.is_whitespace() {
                            break;
                        }
                        value.push(c);
                        chars.next();
                    }
                }
            }
        }
        out.push((key, value));
    }
}

/// Checks what SwiftBar/xbar need to show a plugin at all and returns the parsed lines:
/// exit code 0, non-empty output ending in `\n`, no line break other than `\n`, a title
/// line first (not a separator, no `--` prefix, non-empty), then a `---` separator.
pub fn assert_valid_menu(run: &Run, what: &str) -> Vec<PluginLine> {
    assert_eq!(
        run.code, 0,
        "{what}: plugin must exit 0; stderr: {}",
        run.stderr
    );
    assert!(
        run.stdout.ends_with('\n'),
        "{what}: output must end with a newline: {:?}",
        run.stdout
    );
    if let Some(c) = run.stdout.chars().find(|c| FOREIGN_LINE_BREAKS.contains(c)) {
        panic!("{what}: output contains line break {c:?}:\n{}", run.stdout);
    }
    let lines = parse_plugin_output(&run.stdout);
    assert!(lines.len() >= 2, "{what}: too short:\n{}", run.stdout);
    let title = &lines[0];
    assert!(
        !title.separator && title.depth == 0 && !title.title.trim().is_empty(),
        "{what}: first line must be a menu-bar title:\n{}",
        run.stdout
    );
    assert!(
        lines[1].separator && lines[1].depth == 0,
        "{what}: a `---` separator must follow the title:\n{}",
        run.stdout
    );
    lines
}

impl Sandbox {
    /// `poolwatch plugin`, as xbar (no SWIFTBAR) or SwiftBar (`SWIFTBAR=1`) runs it.
    /// A plugin run, settled (see [`Sandbox::run_plugin_settled`]).
    pub fn run_plugin(&self, swiftbar: bool) -> Run {
        if swiftbar {
            self.run_plugin_settled(&[("SWIFTBAR", "1")])
        } else {
            self.run_plugin_settled(&[])
        }
    }

    /// [`Sandbox::age_cache`] when the cache exists and is JSON; true when it aged it.
    pub fn age_cache_if_present(&self, profile: &str, seconds: i64) -> bool {
        let readable = std::fs::read(self.cache_file(profile))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some();
        if readable {
            self.age_cache(profile, seconds);
        }
        readable
    }
}

/// The menu context the rendering tests share: the default profile, updated
/// three minutes before `now`, sorted by week descending, no pace or ban.
pub fn menu_context(
    status: poolwatch::render::FetchStatus,
    now: poolwatch::model::Epoch,
) -> poolwatch::render::MenuContext {
    poolwatch::render::MenuContext {
        profile: "default".to_string(),
        pool_url: "http://127.0.0.1:8317".to_string(),
        exe: "/usr/local/bin/poolwatch".to_string(),
        settings_path: "/Users/me/Library/Application Support/poolwatch/config.toml".to_string(),
        updated_at: Some(now - 180),
        status,
        notices: Vec::new(),
        sort: poolwatch::quota::SortOrder {
            key: poolwatch::quota::SortKey::Week,
            descending: true,
        },
        demo: false,
        pace: None,
        now,
        ban_until: None,
        ..Default::default()
    }
}

/// The wall clock in epoch seconds (what the binary reads when no test clock is set).
pub fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The JSON document of a menu form (`menu.json`): after the header line,
/// the first value; the parts it points into follow it.
#[allow(dead_code)]
pub fn menu_form_document(bytes: &[u8]) -> serde_json::Value {
    let header = bytes
        .iter()
        .position(|&b| b == b'\n')
        .expect("a header line")
        + 1;
    serde_json::Deserializer::from_slice(&bytes[header..])
        .into_iter::<serde_json::Value>()
        .next()
        .expect("a menu form starts with a JSON document")
        .expect("the menu form's document is JSON")
}

/// Whether `bytes` is a whole menu form: the header's length of document,
/// rows and clock rows is there, the document is JSON, and the listed
/// accounts' views end where the file ends.
#[allow(dead_code)]
pub fn menu_form_is_whole(bytes: &[u8]) -> Result<(), String> {
    let header = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("no header line")?;
    let hot: usize = std::str::from_utf8(&bytes[..header])
        .map_err(|e| e.to_string())?
        .parse()
        .map_err(|e| format!("header: {e}"))?;
    let cold = header + 1 + hot;
    if cold > bytes.len() {
        return Err(format!(
            "{} bytes, the header says {cold} at least",
            bytes.len()
        ));
    }
    let document: serde_json::Value =
        serde_json::Deserializer::from_slice(&bytes[header + 1..cold])
            .into_iter()
            .next()
            .ok_or("no document")?
            .map_err(|e| format!("document: {e}"))?;
    let views = document["tail"]["views"].as_array().ok_or("no views")?;
    let end = views
        .last()
        .and_then(|span| span[1].as_u64())
        .map_or(0, |end| end as usize + 1);
    if cold + end != bytes.len() {
        return Err(format!(
            "{} bytes, the form says {}",
            bytes.len(),
            cold + end
        ));
    }
    Ok(())
}
