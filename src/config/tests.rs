//! Tests of loading, precedence, errors, `config init/set/show`.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::quota::{SortKey, SortOrder};

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config.toml");
    fs::write(&path, text).expect("write config");
    path
}

fn load_with(
    path: &Path,
    profile: Option<&str>,
    env: &[(&str, &str)],
) -> Result<Settings, ConfigError> {
    let env = env_of(env);
    load(&LoadOptions {
        config_path: Some(path.to_path_buf()),
        profile: profile.map(str::to_string),
        env: &env,
    })
}

fn load_ok(path: &Path, profile: Option<&str>, env: &[(&str, &str)]) -> Settings {
    match load_with(path, profile, env) {
        Ok(settings) => settings,
        Err(err) => panic!("load failed: {err}"),
    }
}

fn load_err(path: &Path, profile: Option<&str>, env: &[(&str, &str)]) -> String {
    match load_with(path, profile, env) {
        Ok(settings) => panic!("load succeeded: {settings:?}"),
        Err(err) => err.to_string(),
    }
}

const EXAMPLE: &str = r#"
pool_url = "127.0.0.1:8317/"
usage_url = "http://127.0.0.1:9999/wham/usage"
ttl_seconds = 60
concurrency = 4
timeout_seconds = 5
deadline_seconds = 20
kill_line = 5
sort = "week-desc"
providers = ["Codex"]
hidden = ["old@example.com"]

[weights]
plus = 1.5
pro = 0.0

[labels]
"codex-alice@example.com.json" = "Alice"
"bob@example.com" = "Bob"

[profiles.work]
pool_url = "https://pool.example.com"
ttl_seconds = 300
hidden = []

[profiles.work.weights]
prolite = 12

[profiles.work.labels]
"bob@example.com" = "Robert"

[profiles.home]
concurrency = 2
"#;

#[test]
fn a_missing_file_gives_the_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("none.toml");
    let settings = load_ok(&path, None, &[]);
    let expected = Settings {
        config_path: path,
        ..Settings::default()
    };
    assert_eq!(settings, expected);
    assert_eq!(settings.pool_url, "");
    assert_eq!(settings.ttl, Duration::from_secs(120));
    // The whole pool by default; an explicit `providers` list narrows it.
    assert_eq!(settings.providers, ["*"]);
    assert!(provider_selected("claude", "claude", &settings.providers));
    assert!(provider_selected("", "gemini-cli", &settings.providers));
    assert!(!settings.file_found);
}

#[test]
fn top_level_keys_make_the_default_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), EXAMPLE);
    let s = load_ok(&path, None, &[]);
    assert_eq!(s.profile, "default");
    assert!(s.file_found);
    assert_eq!(s.pool_url, "https://127.0.0.1:8317");
    assert_eq!(s.usage_url, "http://127.0.0.1:9999/wham/usage");
    assert_eq!(s.ttl, Duration::from_secs(60));
    assert_eq!(s.concurrency, 4);
    assert_eq!(s.request_timeout, Duration::from_secs(5));
    assert_eq!(s.deadline, Duration::from_secs(20));
    assert_eq!(s.quota.kill_line, 5.0);
    let week_desc = SortOrder {
        key: SortKey::Week,
        descending: true,
    };
    assert_eq!(s.quota.sort, week_desc);
    assert_eq!(s.providers, ["codex"]);
    assert_eq!(s.hidden, ["old@example.com"]);
    assert_eq!(s.quota.weights.plus, 1.5);
    assert_eq!(s.quota.weights.prolite, 10.0);
    assert_eq!(s.quota.weights.pro, MIN_WEIGHT, "0.0 is clamped to 0.1");
    assert_eq!(s.labels.len(), 2);
    assert_eq!(s.labels["bob@example.com"], "Bob");
    assert_eq!(s.source("ttl_seconds"), ValueSource::File { profile: None });
    assert_eq!(s.source("weights.prolite"), ValueSource::Default);
}

#[test]
fn a_named_profile_inherits_and_overrides_the_top_level() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), EXAMPLE);
    let s = load_ok(&path, Some("work"), &[]);
    assert_eq!(s.profile, "work");
    assert_eq!(s.pool_url, "https://pool.example.com");
    assert_eq!(s.ttl, Duration::from_secs(300));
    assert_eq!(s.concurrency, 4, "inherited");
    assert_eq!(s.hidden, Vec::<String>::new(), "lists replace as a whole");
    assert_eq!(s.quota.weights.plus, 1.5, "weights merge per plan");
    assert_eq!(s.quota.weights.prolite, 12.0);
    assert_eq!(
        s.labels["bob@example.com"], "Robert",
        "labels merge per entry"
    );
    assert_eq!(s.labels["codex-alice@example.com.json"], "Alice");
    let work = ValueSource::File {
        profile: Some("work".into()),
    };
    assert_eq!(s.source("pool_url"), work);
    assert_eq!(s.source("labels.bob@example.com"), work);
    assert_eq!(s.source("concurrency"), ValueSource::File { profile: None });
    assert_eq!(s.source("profile"), ValueSource::Flag("--profile"));
}

#[test]
fn profile_precedence_is_flag_then_env_then_default_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("default_profile = \"home\"\n{EXAMPLE}");
    let path = write_config(dir.path(), &text);
    assert_eq!(load_ok(&path, None, &[]).profile, "home");
    let env = [("POOLWATCH_PROFILE", "work")];
    assert_eq!(load_ok(&path, None, &env).profile, "work");
    assert_eq!(load_ok(&path, Some("default"), &env).profile, "default");
    assert_eq!(load_ok(&path, Some("default"), &env).concurrency, 4);
    let from_file = load_ok(&path, None, &[]);
    assert_eq!(
        from_file.source("profile"),
        ValueSource::File { profile: None }
    );
    assert_eq!(
        load_ok(&path, None, &env).source("profile"),
        ValueSource::Env("POOLWATCH_PROFILE")
    );
}

#[test]
fn env_overrides_beat_the_profile_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), EXAMPLE);
    let env = [
        ("POOLWATCH_POOL_URL", "http://10.0.0.2:8317/"),
        ("POOLWATCH_USAGE_URL", "http://127.0.0.1:1/u"),
        ("POOLWATCH_TTL_SECONDS", " 30 "),
        ("POOLWATCH_CONCURRENCY", "16"),
        ("POOLWATCH_TIMEOUT_SECONDS", "7"),
        ("POOLWATCH_DEADLINE_SECONDS", "70"),
        ("POOLWATCH_KILL_LINE", "2.5"),
        ("POOLWATCH_SORT", "name"),
        ("POOLWATCH_CACHE_DIR", "/tmp/pw-cache"),
        ("POOLWATCH_SNAPSHOT_PATH", "/tmp/pw/snapshot.json"),
    ];
    let s = load_ok(&path, Some("work"), &env);
    assert_eq!(s.pool_url, "http://10.0.0.2:8317");
    assert_eq!(s.usage_url, "http://127.0.0.1:1/u");
    assert_eq!(s.ttl, Duration::from_secs(30));
    assert_eq!(s.concurrency, 16);
    assert_eq!(s.request_timeout, Duration::from_secs(7));
    assert_eq!(s.deadline, Duration::from_secs(70));
    assert_eq!(s.quota.kill_line, 2.5);
    assert_eq!(s.quota.sort.key, SortKey::Name);
    assert_eq!(s.cache_dir, Some(PathBuf::from("/tmp/pw-cache")));
    assert_eq!(
        s.snapshot_path,
        Some(PathBuf::from("/tmp/pw/snapshot.json"))
    );
    assert_eq!(
        s.source("ttl_seconds"),
        ValueSource::Env("POOLWATCH_TTL_SECONDS")
    );
    assert_eq!(
        s.source("cache_dir"),
        ValueSource::Env("POOLWATCH_CACHE_DIR")
    );
}

#[test]
fn empty_env_values_are_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), EXAMPLE);
    let env = [
        ("POOLWATCH_POOL_URL", ""),
        ("POOLWATCH_TTL_SECONDS", "  "),
        ("POOLWATCH_PROFILE", ""),
    ];
    let s = load_ok(&path, None, &env);
    assert_eq!(s.pool_url, "https://127.0.0.1:8317");
    assert_eq!(s.ttl, Duration::from_secs(60));
    assert_eq!(s.profile, "default");
}

#[test]
fn the_config_path_comes_from_the_flag_then_poolwatch_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    fs::write(&a, "concurrency = 3\n").expect("write a");
    fs::write(&b, "concurrency = 5\n").expect("write b");
    let env = env_of(&[("POOLWATCH_CONFIG", b.to_str().expect("utf-8 path"))]);
    let from_env = load(&LoadOptions {
        config_path: None,
        profile: None,
        env: &env,
    });
    assert_eq!(from_env.map(|s| s.concurrency).ok(), Some(5));
    let from_flag = load(&LoadOptions {
        config_path: Some(a.clone()),
        profile: None,
        env: &env,
    });
    assert_eq!(
        from_flag.map(|s| (s.concurrency, s.config_path)).ok(),
        Some((3, a))
    );
}

#[test]
fn an_unknown_profile_lists_the_known_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), EXAMPLE);
    let message = load_err(&path, Some("wrok"), &[]);
    assert_eq!(
        message,
        format!(
            "unknown profile \"wrok\" (known profiles: default, home, work; config file {})",
            path.display()
        )
    );
    let from_env = load_err(&path, None, &[("POOLWATCH_PROFILE", "nope")]);
    assert!(
        from_env.starts_with("unknown profile \"nope\""),
        "{from_env}"
    );
}

#[test]
fn invalid_profile_names_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), EXAMPLE);
    let message = load_err(&path, Some("a b"), &[]);
    assert!(message.contains("\"a b\" from flag --profile"), "{message}");
    let long = "x".repeat(65);
    assert!(!valid_profile_name(&long));
    assert!(valid_profile_name(&"x".repeat(64)));
    assert!(valid_profile_name("Work_2-b"));
    assert!(!valid_profile_name(""));
    assert!(!valid_profile_name("wörk"));
}

#[test]
fn unknown_keys_suggest_the_closest_key_and_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "tll_seconds = 60\n");
    assert_eq!(
        load_err(&path, None, &[]),
        format!(
            "config error in {}: unknown key \"tll_seconds\" (did you mean \"ttl_seconds\"?)",
            path.display()
        )
    );
}

#[test]
fn unknown_keys_in_a_profile_or_table_name_the_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "[profiles.work]\nconcurency = 2\n");
    assert_eq!(
        load_err(&path, None, &[]),
        format!(
            "config error in {} [profiles.work]: unknown key \"concurency\" (did you mean \"concurrency\"?)",
            path.display()
        )
    );
    let path = write_config(dir.path(), "[weights]\nplux = 2\n");
    assert!(load_err(&path, None, &[])
        .ends_with("unknown key \"weights.plux\" (did you mean \"weights.plus\"?)"));
    let path = write_config(dir.path(), "[profiles.work]\ndefault_profile = \"work\"\n");
    let message = load_err(&path, None, &[]);
    assert!(
        message.contains("[profiles.work]: unknown key \"default_profile\""),
        "{message}"
    );
}

#[test]
fn out_of_range_values_name_key_profile_and_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "[profiles.work]\nconcurrency = 0\n");
    assert_eq!(
        load_err(&path, None, &[]),
        format!(
            "config error in {} [profiles.work]: concurrency = 0 is out of range (1..=64)",
            path.display()
        )
    );
    let cases = [
        (
            "ttl_seconds = 4",
            "ttl_seconds = 4 is out of range (5..=86400)",
        ),
        (
            "ttl_seconds = 86401",
            "ttl_seconds = 86401 is out of range (5..=86400)",
        ),
        (
            "timeout_seconds = 121",
            "timeout_seconds = 121 is out of range (1..=120)",
        ),
        (
            "deadline_seconds = 301",
            "deadline_seconds = 301 is out of range (1..=300)",
        ),
        ("kill_line = -1", "kill_line = -1 is out of range (0..=100)"),
        (
            "kill_line = 100.5",
            "kill_line = 100.5 is out of range (0..=100)",
        ),
        (
            "ttl_seconds = \"120\"",
            "ttl_seconds = \"120\" is not a whole number",
        ),
        ("sort = \"month\"", "sort = \"month\" is not a sort order"),
        (
            "providers = \"codex\"",
            "providers = \"codex\" is not a list of strings",
        ),
        ("pool_url = 8317", "pool_url = 8317 is not a string"),
        ("weights = 3", "weights must be a table"),
        ("labels = 3", "labels must be a table"),
    ];
    for (text, expected) in cases {
        let path = write_config(dir.path(), text);
        let message = load_err(&path, None, &[]);
        let prefix = format!("config error in {}: {expected}", path.display());
        assert!(message.starts_with(&prefix), "{text}: {message}");
    }
}

#[test]
fn bad_urls_in_the_file_are_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "pool_url = \"ftp://pool\"\n");
    let message = load_err(&path, None, &[]);
    assert!(
        message.contains("pool_url = \"ftp://pool\" is not a valid URL: the URL scheme \"ftp\""),
        "{message}"
    );
    let path = write_config(dir.path(), "pool_url = \"http://a|b\"\n");
    assert!(load_err(&path, None, &[]).contains("forbidden character '|'"));
    let path = write_config(dir.path(), "pool_url = \"\"\n");
    assert_eq!(
        load_ok(&path, None, &[]).pool_url,
        "",
        "empty means not configured"
    );
}

#[test]
fn bad_env_values_name_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "");
    let cases = [
        (
            "POOLWATCH_CONCURRENCY",
            "abc",
            "\"abc\" is not a whole number",
        ),
        (
            "POOLWATCH_CONCURRENCY",
            "65",
            "\"65\" is out of range (1..=64)",
        ),
        (
            "POOLWATCH_KILL_LINE",
            "nan",
            "\"nan\" is not a finite number",
        ),
        ("POOLWATCH_SORT", "up", "\"up\" is not a sort order"),
        (
            "POOLWATCH_POOL_URL",
            "gopher://x",
            "\"gopher://x\" is not a valid URL",
        ),
        (
            "POOLWATCH_USAGE_URL",
            "http://",
            "\"http://\" is not a valid URL",
        ),
        (
            "POOLWATCH_CACHE_DIR",
            "relative/dir",
            "\"relative/dir\" is not an absolute path",
        ),
        (
            "POOLWATCH_SNAPSHOT_PATH",
            "s.json",
            "\"s.json\" is not an absolute path",
        ),
    ];
    for (var, value, expected) in cases {
        let message = load_err(&path, None, &[(var, value)]);
        let prefix = format!("bad environment variable {var}: {expected}");
        assert!(message.starts_with(&prefix), "{var}={value}: {message}");
    }
}

#[test]
fn the_deadline_must_cover_one_request_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "[profiles.work]\ntimeout_seconds = 30\n");
    let message = load_err(&path, Some("work"), &[]);
    assert_eq!(
        message,
        format!(
            "config error in {} [profiles.work]: deadline_seconds = 25 is less than timeout_seconds = 30 (the deadline of a whole fetch must be >= the per-request timeout)",
            path.display()
        )
    );
    let env = [("POOLWATCH_DEADLINE_SECONDS", "20")];
    let message = load_err(&path, Some("work"), &env);
    assert!(
        message.starts_with(
            "bad environment variable POOLWATCH_DEADLINE_SECONDS: deadline_seconds = 20"
        ),
        "{message}"
    );
    let equal = [("POOLWATCH_DEADLINE_SECONDS", "30")];
    assert_eq!(
        load_ok(&path, Some("work"), &equal).deadline,
        Duration::from_secs(30)
    );
}

#[test]
fn profile_tables_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "[profiles.default]\nttl_seconds = 60\n");
    assert!(load_err(&path, None, &[]).contains("[profiles.default] is not allowed"));
    let path = write_config(dir.path(), "[profiles.\"a b\"]\nttl_seconds = 60\n");
    assert!(load_err(&path, None, &[]).contains("invalid profile name \"a b\""));
    let path = write_config(dir.path(), "profiles = 3\n");
    assert!(load_err(&path, None, &[]).contains("profiles must be a table"));
    let path = write_config(dir.path(), "default_profile = \"work\"\n");
    assert_eq!(
        load_err(&path, None, &[]),
        format!(
            "config error in {}: default_profile = \"work\" names no profile (known profiles: default)",
            path.display()
        )
    );
}

#[test]
fn invalid_toml_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "pool_url = \n");
    let message = load_err(&path, None, &[]);
    let prefix = format!("config error in {}: invalid TOML: ", path.display());
    assert!(message.starts_with(&prefix), "{message}");
}

#[cfg(unix)]
#[test]
fn a_world_writable_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "ttl_seconds = 60\n");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).expect("chmod");
    let message = load_err(&path, None, &[]);
    assert!(
        message.contains("writable by every user (mode 0666)"),
        "{message}"
    );
    fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).expect("chmod");
    assert_eq!(load_ok(&path, None, &[]).ttl, Duration::from_secs(60));
}

#[cfg(unix)]
#[test]
fn a_file_in_a_folder_writable_by_every_user_is_refused_unless_sticky() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("conf");
    fs::create_dir(&folder).expect("mkdir");
    let path = write_config(&folder, "ttl_seconds = 60\n");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o777)).expect("chmod");
    let message = load_err(&path, None, &[]);
    assert!(
        message.contains("folder is writable by every user (mode 0777)"),
        "{message}"
    );
    assert!(message.contains("chmod 700"), "{message}");
    // `config set` refuses it too (it reads the file first).
    assert!(set_value(&path, None, "ttl_seconds", "90").is_err());
    // Sticky (like /tmp): others cannot replace the file.
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o1777)).expect("chmod");
    assert_eq!(load_ok(&path, None, &[]).ttl, Duration::from_secs(60));
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o775)).expect("chmod");
    assert_eq!(load_ok(&path, None, &[]).ttl, Duration::from_secs(60));
}

#[test]
fn profile_names_lists_default_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), EXAMPLE);
    let names = profile_names(&path).expect("names");
    assert_eq!(names, ["default", "home", "work"]);
    let missing = dir.path().join("missing.toml");
    assert_eq!(profile_names(&missing).expect("names"), ["default"]);
}

#[test]
fn providers_match_by_contains_on_provider_or_type() {
    let providers = vec!["codex".to_string(), "openai".to_string()];
    assert!(provider_selected("codex", "", &providers));
    assert!(provider_selected("", "Codex-OAuth", &providers));
    assert!(provider_selected("azure-openai", "api", &providers));
    assert!(!provider_selected("gemini", "gemini-cli", &providers));
    assert!(!provider_selected("codex", "codex", &[]));
    assert!(!provider_selected("codex", "codex", &[" ".to_string()]));
}

#[test]
fn hidden_and_labels_match_names_and_emails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), EXAMPLE);
    let s = load_ok(&path, None, &[]);
    assert!(s.is_hidden("x.json", Some("Old@Example.com")));
    assert!(!s.is_hidden("x.json", Some("new@example.com")));
    assert!(!s.is_hidden("x.json", None));
    assert_eq!(
        s.label_for("codex-alice@example.com.json", None),
        Some("Alice")
    );
    assert_eq!(
        s.label_for("codex-bob.json", Some("BOB@example.com")),
        Some("Bob")
    );
    assert_eq!(
        s.label_for("codex-carol.json", Some("carol@example.com")),
        None
    );
}

#[test]
fn labels_must_be_non_empty_strings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "[labels]\n\"a.json\" = \" \"\n");
    let message = load_err(&path, None, &[]);
    assert!(
        message.ends_with("labels.\"a.json\" = \" \" is empty"),
        "{message}"
    );
    let path = write_config(dir.path(), "[labels]\n\"a.json\" = 3\n");
    assert!(load_err(&path, None, &[]).ends_with("labels.\"a.json\" = 3 is not a string"));
}

// ---- config init ----

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0)
}

#[test]
fn init_writes_a_template_that_loads_to_the_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("poolwatch/config.toml");
    init_file(&path, Some("127.0.0.1:8317/"), false).expect("init");
    let text = fs::read_to_string(&path).expect("read");
    assert!(
        text.contains("\npool_url = \"https://127.0.0.1:8317\"\n"),
        "{text}"
    );
    assert!(text.contains("\n# ttl_seconds = 120\n"), "{text}");
    assert!(text.contains("\n# [profiles.work]\n"), "{text}");
    let s = load_ok(&path, None, &[]);
    let expected = Settings {
        config_path: path.clone(),
        pool_url: "https://127.0.0.1:8317".into(),
        file_found: true,
        sources: [("pool_url".to_string(), ValueSource::File { profile: None })].into(),
        ..Settings::default()
    };
    assert_eq!(s, expected);
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("poolwatch")), 0o700);
    }
}

#[test]
fn init_without_a_url_leaves_the_pool_unconfigured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    init_file(&path, None, false).expect("init");
    assert_eq!(load_ok(&path, None, &[]).pool_url, "");
}

#[test]
fn init_refuses_to_overwrite_unless_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "ttl_seconds = 60\n");
    let err = init_file(&path, None, false).expect_err("must refuse");
    assert!(matches!(err, ConfigError::AlreadyExists { .. }));
    assert!(err.to_string().contains("--force"));
    assert_eq!(
        fs::read_to_string(&path).ok().as_deref(),
        Some("ttl_seconds = 60\n")
    );
    init_file(&path, Some("http://h:1"), true).expect("forced");
    assert_eq!(load_ok(&path, None, &[]).pool_url, "http://h:1");
}

#[test]
fn init_rejects_a_bad_url_without_writing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    let err = init_file(&path, Some("ftp://x"), false).expect_err("bad url");
    assert!(err
        .to_string()
        .contains("pool_url = \"ftp://x\" is not a valid URL"));
    assert!(!path.exists());
}

// ---- config set ----

fn set_ok(path: &Path, profile: Option<&str>, key: &str, value: &str) {
    if let Err(err) = set_value(path, profile, key, value) {
        panic!("set {key} {value:?} failed: {err}");
    }
}

fn set_err(path: &Path, profile: Option<&str>, key: &str, value: &str) -> String {
    match set_value(path, profile, key, value) {
        Ok(()) => panic!("set {key} {value:?} succeeded"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn set_preserves_comments_and_layout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = "# my pool\npool_url = \"http://a:1\" # local\n\n# cache\nttl_seconds = 60\n\n[weights] # plans\npro = 25.0\n";
    let path = write_config(dir.path(), original);
    set_ok(&path, None, "ttl_seconds", "90");
    set_ok(&path, None, "pool_url", "b.example/");
    set_ok(&path, None, "weights.plus", "2");
    let text = fs::read_to_string(&path).expect("read");
    assert_eq!(
        text,
        "# my pool\npool_url = \"https://b.example\" # local\n\n# cache\nttl_seconds = 90\n\n[weights] # plans\npro = 25.0\nplus = 2.0\n"
    );
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn set_creates_the_file_and_profile_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new/config.toml");
    set_ok(&path, None, "pool_url", "http://127.0.0.1:8317");
    set_ok(&path, Some("work"), "pool_url", "https://pool.example.com");
    set_ok(&path, Some("work"), "weights.pro", "30");
    set_ok(&path, Some("work"), "labels.codex-a@x.com.json", " Alice ");
    set_ok(&path, None, "hidden", "old@x.com, gone.json");
    set_ok(&path, None, "default_profile", "work");
    let text = fs::read_to_string(&path).expect("read");
    assert!(text.contains("[profiles.work]\n"), "{text}");
    assert!(!text.contains("[profiles]\n"), "{text}");
    assert!(
        text.contains("[profiles.work.labels]\n\"codex-a@x.com.json\" = \"Alice\"\n"),
        "{text}"
    );
    let s = load_ok(&path, None, &[]);
    assert_eq!(s.profile, "work");
    assert_eq!(s.pool_url, "https://pool.example.com");
    assert_eq!(s.quota.weights.pro, 30.0);
    assert_eq!(s.labels["codex-a@x.com.json"], "Alice");
    assert_eq!(s.hidden, ["old@x.com", "gone.json"]);
    let default = load_ok(&path, Some("default"), &[]);
    assert_eq!(default.pool_url, "http://127.0.0.1:8317");
    assert_eq!(default.quota.weights.pro, 20.0);
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("new")), 0o700);
    }
}

#[test]
fn set_with_an_empty_value_removes_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        "ttl_seconds = 60\n[labels]\n\"a.json\" = \"A\"\n[profiles.work]\nttl_seconds = 30\n",
    );
    set_ok(&path, Some("work"), "ttl_seconds", "");
    set_ok(&path, None, "labels.a.json", "");
    let s = load_ok(&path, Some("work"), &[]);
    assert_eq!(
        s.ttl,
        Duration::from_secs(60),
        "inherits the top level again"
    );
    assert!(s.labels.is_empty());
    set_ok(&path, None, "ttl_seconds", "");
    assert_eq!(load_ok(&path, None, &[]).ttl, Duration::from_secs(120));
}

#[test]
fn set_writes_typed_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    set_ok(&path, None, "kill_line", "4");
    set_ok(&path, None, "sort", "Week-Desc");
    set_ok(&path, None, "providers", "Codex");
    set_ok(&path, None, "concurrency", "12");
    let text = fs::read_to_string(&path).expect("read");
    assert_eq!(
        text,
        "kill_line = 4.0\nsort = \"week-desc\"\nproviders = [\"Codex\"]\nconcurrency = 12\n"
    );
    assert_eq!(load_ok(&path, None, &[]).providers, ["codex"]);
}

#[test]
fn set_rejects_bad_values_without_touching_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = "# keep\nttl_seconds = 60\n";
    let path = write_config(dir.path(), original);
    // A bad command-line value is the command line's fault, not the file's.
    assert_eq!(
        set_err(&path, Some("work"), "concurrency", "0"),
        "cannot set concurrency: concurrency = \"0\" is out of range (1..=64)"
    );
    assert_eq!(
        set_err(&path, None, "tll_seconds", "5"),
        "cannot set tll_seconds: unknown key \"tll_seconds\" (did you mean \"ttl_seconds\"?)"
    );
    assert!(set_err(&path, None, "pool_url", "http://a b").contains("is not a valid URL"));
    assert!(set_err(&path, None, "weights", "1")
        .contains("weights is a table: set one entry, e.g. weights.plus"));
    assert!(set_err(&path, None, "labels", "1").contains("labels is a table"));
    assert!(set_err(&path, Some("work"), "default_profile", "work")
        .contains("only be set at the top level"));
    assert!(set_err(&path, None, "default_profile", "nope").contains("names no profile"));
    assert!(set_err(&path, None, "timeout_seconds", "60")
        .contains("deadline_seconds = 25 is less than timeout_seconds = 60"));
    assert!(set_err(&path, Some("bad name"), "ttl_seconds", "60").contains("invalid profile name"));
    assert_eq!(fs::read_to_string(&path).ok().as_deref(), Some(original));
}

#[test]
fn set_refuses_to_edit_an_invalid_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "ttl_seconds = [\n");
    assert!(set_err(&path, None, "ttl_seconds", "60").contains("invalid TOML"));
}

// ---- config show ----

#[test]
fn show_lists_values_with_their_sources_and_only_the_key_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), EXAMPLE);
    let env = [("POOLWATCH_CONCURRENCY", "9")];
    let s = load_ok(&path, Some("work"), &env);
    let text = show(&s, "from keychain");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("# config file: {}", path.display()));
    let find = |prefix: &str| {
        lines
            .iter()
            .find(|line| line.starts_with(prefix))
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    assert_eq!(find("profile "), "profile = \"work\" # flag --profile");
    assert_eq!(
        find("pool_url "),
        "pool_url = \"https://pool.example.com\" # file [profiles.work]"
    );
    assert_eq!(
        find("concurrency "),
        "concurrency = 9 # env POOLWATCH_CONCURRENCY"
    );
    assert_eq!(find("deadline_seconds "), "deadline_seconds = 20 # file");
    assert_eq!(find("kill_line "), "kill_line = 5.0 # file");
    assert_eq!(
        find("cache_dir "),
        "cache_dir = (default location) # default"
    );
    assert_eq!(find("management_key"), "management_key = <from keychain>");
    assert_eq!(find("prolite "), "prolite = 12.0 # file [profiles.work]");
    assert_eq!(
        find("\"codex-alice@example.com.json\""),
        "\"codex-alice@example.com.json\" = \"Alice\" # file"
    );
    assert!(
        text.contains("\n[weights]\n") && text.contains("\n[labels]\n"),
        "{text}"
    );
}

#[test]
fn show_says_when_the_file_is_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("missing.toml");
    let text = show(&load_ok(&path, None, &[]), "not set");
    let first = text.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!("# config file: {} (not found: defaults)", path.display())
    );
    assert!(text.contains("management_key = <not set>\n"));
}

#[test]
fn show_aligns_comments_without_letting_one_long_value_push_them_away() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("missing.toml");
    let text = show(&load_ok(&path, None, &[]), "not set");
    let column = |prefix: &str| {
        let line = text.lines().find(|l| l.starts_with(prefix)).unwrap();
        (line.find("  # ").unwrap(), line.len())
    };
    // The URL list is longer than the aligned column: two spaces, then its comment.
    let (list_at, list_len) = column("antigravity_urls ");
    assert!(list_len > 100, "{text}");
    assert_eq!(list_at, list_len - "  # default".len());
    // Short lines share one column, well left of the long line's comment.
    let (ttl_at, _) = column("ttl_seconds ");
    assert_eq!(column("concurrency ").0, ttl_at);
    assert!(ttl_at <= 60 && ttl_at < list_at, "{text}");
}

#[test]
fn show_speaks_the_chosen_language_in_its_comments_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("missing.toml");
    let settings = load_ok(&path, None, &[("POOLWATCH_TTL_SECONDS", "90")]);
    crate::i18n::set(crate::i18n::Lang::ZhHans);
    let text = show(&settings, "not set");
    crate::i18n::set(crate::i18n::Lang::En);
    let line = |prefix: &str| text.lines().find(|l| l.starts_with(prefix)).unwrap();
    assert!(text.starts_with("# 配置文件:"), "{text}");
    assert!(line("ttl_seconds = 90").ends_with("# 环境变量 POOLWATCH_TTL_SECONDS"));
    assert!(line("concurrency = 8").ends_with("# 默认值"));
}

#[test]
fn set_fills_in_the_commented_template_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    init_file(&path, Some("http://127.0.0.1:8317"), false).expect("init");
    set_ok(&path, None, "ttl_seconds", "60");
    set_ok(&path, None, "sort", "name");
    set_ok(&path, Some("work"), "ttl_seconds", "30");
    let text = fs::read_to_string(&path).expect("read");
    assert!(
        text.contains("# Cache time-to-live in seconds (5..=86400).\nttl_seconds = 60\n"),
        "{text}"
    );
    assert!(text.contains("\nsort = \"name\"\n"), "{text}");
    assert!(!text.contains("# ttl_seconds"), "{text}");
    assert!(
        text.contains("# [weights]\n# plus = 1.0\n"),
        "table examples stay commented"
    );
    assert_eq!(text.matches("ttl_seconds = ").count(), 2, "{text}");
    assert_eq!(load_ok(&path, None, &[]).ttl, Duration::from_secs(60));
    assert_eq!(
        load_ok(&path, Some("work"), &[]).ttl,
        Duration::from_secs(30)
    );
}

#[test]
fn set_never_uncomments_keys_inside_commented_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = "# [profiles.work]\n# ttl_seconds = 30\n";
    let path = write_config(dir.path(), original);
    set_ok(&path, None, "ttl_seconds", "60");
    let text = fs::read_to_string(&path).expect("read");
    assert!(
        text.contains("# [profiles.work]\n# ttl_seconds = 30\n"),
        "{text}"
    );
    assert!(text.contains("ttl_seconds = 60\n"), "{text}");
    assert_eq!(load_ok(&path, None, &[]).ttl, Duration::from_secs(60));
}

#[test]
fn provider_urls_primary_provider_and_provider_weights_load_from_file_and_env() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        "claude_usage_url = \"http://127.0.0.1:9/api/oauth/usage\"\nantigravity_urls = [\"http://127.0.0.1:9/a\", \"http://127.0.0.1:9/b\"]\nprimary_provider = \"Claude\"\n[weights]\nclaude_max20x = 15\nantigravity_g1_ultra_tier = 0.0\n",
    );
    let s = load_ok(&path, None, &[]);
    assert_eq!(s.claude_usage_url, "http://127.0.0.1:9/api/oauth/usage");
    assert_eq!(s.claude_profile_url, crate::provider::urls::CLAUDE_PROFILE);
    assert_eq!(
        s.antigravity_urls,
        ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    );
    assert_eq!(s.quota.primary_provider.as_deref(), Some("claude"));
    assert_eq!(s.quota.provider_weights["claude_max20x"], 15.0);
    // Weights are raised to the minimum like the Codex ones.
    assert_eq!(s.quota.provider_weights["antigravity_g1_ultra_tier"], 0.1);
    assert!(!s.quota.provider_weights.contains_key("claude_pro"));

    let env = [
        ("POOLWATCH_KIMI_USAGE_URL", "http://127.0.0.1:9/k"),
        ("POOLWATCH_RESET_CREDITS_URL", "http://127.0.0.1:9/r"),
        (
            "POOLWATCH_ANTIGRAVITY_URLS",
            "http://127.0.0.1:9/x, http://127.0.0.1:9/y",
        ),
        ("POOLWATCH_PRIMARY_PROVIDER", "kimi"),
    ];
    let s = load_ok(&path, None, &env);
    assert_eq!(s.kimi_usage_url, "http://127.0.0.1:9/k");
    assert_eq!(s.reset_credits_url, "http://127.0.0.1:9/r");
    assert_eq!(
        s.antigravity_urls,
        ["http://127.0.0.1:9/x", "http://127.0.0.1:9/y"]
    );
    assert_eq!(s.quota.primary_provider.as_deref(), Some("kimi"));

    let bad = write_config(dir.path(), "antigravity_urls = [\"not a url\"]\n");
    let err = load_with(&bad, None, &[]).unwrap_err().to_string();
    assert!(err.contains("antigravity_urls"), "{err}");
}

#[test]
fn stale_limit_minutes_from_file_env_and_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let none = write_config(dir.path(), "pool_url = \"http://127.0.0.1:8317\"\n");
    assert_eq!(load_ok(&none, None, &[]).quota.stale_limit, 30 * 60);
    let path = write_config(
        dir.path(),
        "pool_url = \"http://127.0.0.1:8317\"\nstale_limit_minutes = 45\n",
    );
    assert_eq!(load_ok(&path, None, &[]).quota.stale_limit, 45 * 60);
    let env = [("POOLWATCH_STALE_LIMIT_MINUTES", "5")];
    assert_eq!(load_ok(&path, None, &env).quota.stale_limit, 5 * 60);
    let zero = write_config(
        dir.path(),
        "pool_url = \"http://127.0.0.1:8317\"\nstale_limit_minutes = 0\n",
    );
    assert!(load_err(&zero, None, &[]).contains("stale_limit_minutes"));
}
