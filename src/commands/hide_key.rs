//! `poolwatch config hide-key|show-key <FINGERPRINT>`: the menu's "Hide this key".
//!
//! The only parameter is a fingerprint (8 hex digits) that poolwatch itself
//! printed, so the menu's `bash=` line never carries server text. The new
//! `hidden_keys` list (the effective one plus or minus this key) is written to
//! the selected profile through `config set`, so the usual checks apply.

use super::Globals;
use crate::config;
use crate::exit_codes;
use crate::model::is_fingerprint;
use crate::tr;

/// Hide (`hide = true`) or show again the key with `fingerprint`.
pub fn run(globals: &Globals, fingerprint: &str, hide: bool) -> i32 {
    let fingerprint = fingerprint.trim().to_ascii_lowercase();
    if !is_fingerprint(&fingerprint) {
        eprintln!(
            "poolwatch: {}",
            tr!(
                "cfg.not_fingerprint",
                text = format!("{:?}", fingerprint.chars().take(20).collect::<String>())
            )
        );
        return exit_codes::USAGE;
    }
    let Some(path) = globals.config_path() else {
        eprintln!("poolwatch: {}", tr!("cfg.no_home"));
        return exit_codes::CONFIG;
    };
    // Read, change and write under the settings lock: 20 clicks at once keep all 20.
    let result = config::with_settings_lock(&path, || {
        let settings = globals.settings()?;
        let was_hidden = settings.hidden_keys.contains(&fingerprint);
        let mut list: Vec<String> = settings
            .hidden_keys
            .iter()
            .filter(|k| **k != fingerprint)
            .cloned()
            .collect();
        if hide {
            list.push(fingerprint.clone());
        } else if !was_hidden {
            return Ok(false);
        }
        let profile =
            (settings.profile != config::DEFAULT_PROFILE).then_some(settings.profile.as_str());
        config::set_value_locked(&path, profile, "hidden_keys", &list.join(","))?;
        Ok(true)
    });
    match result {
        Ok(false) => {
            println!("{}", tr!("cfg.key_not_hidden", fp = &fingerprint));
            exit_codes::OK
        }
        Ok(true) => {
            if hide {
                println!("{}", tr!("cfg.key_hidden", fp = &fingerprint));
            } else {
                println!("{}", tr!("cfg.key_shown", fp = &fingerprint));
            }
            exit_codes::OK
        }
        Err(e) => {
            eprintln!("poolwatch: {e}");
            exit_codes::CONFIG
        }
    }
}
