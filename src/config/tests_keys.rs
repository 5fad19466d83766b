//! Tests of the API-key settings (`hidden_keys`, `[key_labels]`) and `language`.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use super::*;

fn load_text(dir: &Path, text: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let path = dir.join("config.toml");
    fs::write(&path, text).unwrap();
    let map: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let env = move |name: &str| map.get(name).cloned();
    load(&LoadOptions {
        config_path: Some(path),
        profile: None,
        env: &env,
    })
}

#[test]
fn hidden_keys_and_key_labels_are_fingerprints_lower_cased() {
    let dir = tempfile::tempdir().unwrap();
    let text = "hidden_keys = [\"1A2B3C4D\"]\n[key_labels]\n\"DEADBEEF\" = \"Team key\"\n";
    let settings = load_text(dir.path(), text, &[]).unwrap();
    assert_eq!(settings.hidden_keys, ["1a2b3c4d"]);
    assert_eq!(
        settings.key_labels.get("deadbeef").map(String::as_str),
        Some("Team key")
    );
    let shown = show(&settings, "x");
    assert!(shown.contains("hidden_keys = [\"1a2b3c4d\"]"), "{shown}");
    assert!(
        shown.contains("[key_labels]\n\"deadbeef\" = \"Team key\""),
        "{shown}"
    );
}

#[test]
fn anything_but_a_fingerprint_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for text in [
        "hidden_keys = [\"sk-proj-abc\"]\n",
        "hidden_keys = \"1a2b3c4d\"\n",
        "[key_labels]\n\"alice@example.com\" = \"x\"\n",
        "key_labels = 3\n",
    ] {
        let error = load_text(dir.path(), text, &[]).unwrap_err().to_string();
        assert!(
            error.contains("fingerprint") || error.contains("table"),
            "{text}: {error}"
        );
    }
}

#[test]
fn language_setting_and_env_override() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(load_text(dir.path(), "", &[]).unwrap().language, "auto");
    let settings = load_text(dir.path(), "language = \"zh\"\n", &[]).unwrap();
    assert_eq!(settings.language, "zh-Hans");
    let settings = load_text(
        dir.path(),
        "language = \"zh-Hans\"\n",
        &[("POOLWATCH_LANGUAGE", "en")],
    )
    .unwrap();
    assert_eq!(settings.language, "en");
    assert_eq!(
        settings.source("language"),
        ValueSource::Env("POOLWATCH_LANGUAGE")
    );
    let error = load_text(dir.path(), "language = \"klingon\"\n", &[]).unwrap_err();
    assert!(error.to_string().contains("zh-Hans"), "{error}");
}

#[test]
fn config_set_writes_key_labels_and_hidden_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    set_value(&path, None, "key_labels.ABCDEF01", "Team key").unwrap();
    set_value(&path, None, "hidden_keys", "abcdef01,12345678").unwrap();
    assert!(set_value(&path, None, "key_labels.nope", "x").is_err());
    assert!(set_value(&path, None, "hidden_keys", "not-a-print").is_err());
    let settings = load_text(dir.path(), &fs::read_to_string(&path).unwrap(), &[]).unwrap();
    assert_eq!(settings.hidden_keys, ["abcdef01", "12345678"]);
    assert_eq!(
        settings.key_labels.get("abcdef01").map(String::as_str),
        Some("Team key")
    );
}
