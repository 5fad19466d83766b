//! `[[hooks]]` (issue 20): programs to run and URLs to POST when an alert or event fires.
//! Top level only (every profile's events go to every hook; the event names its profile).
//!
//! ```toml
//! [[hooks]]
//! command = "/usr/local/bin/on-pool-event"   # run directly (no shell); event JSON on stdin
//! events = ["pool_5h_low", "refresh_failing"] # empty or absent: every event
//! timeout_seconds = 10
//!
//! [[hooks]]
//! url = "https://ntfy.sh/my-pool-topic"      # HTTP POST of the event
//! format = "ntfy"                            # json (default) | ntfy | slack
//! ```

use std::path::PathBuf;

use serde::Deserialize;

/// The table name in the settings file.
pub const HOOKS: &str = "hooks";
/// Default and bounds of `timeout_seconds`.
pub const DEFAULT_HOOK_TIMEOUT: u64 = 10;
const MAX_HOOK_TIMEOUT: u64 = 120;
/// At most this many hooks.
const MAX_HOOKS: usize = 16;

/// The body a webhook receives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HookFormat {
    /// The event JSON, as a command gets it on stdin.
    #[default]
    Json,
    /// ntfy: the body as text, the title in the `Title` header.
    Ntfy,
    /// Slack-compatible incoming webhook: `{"text": "*title*\nbody"}`.
    Slack,
}

/// One `[[hooks]]` entry. Its Debug never shows the URL (it may carry a token).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hook {
    /// A name for `poolwatch alerts` (default: the program's file name or the URL's host).
    #[serde(default)]
    pub name: Option<String>,
    /// An absolute path of a program, run directly with `args`.
    #[serde(default)]
    pub command: Option<PathBuf>,
    #[serde(default)]
    pub args: Vec<String>,
    /// An http(s) URL to POST the event to.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub format: HookFormat,
    /// Event names to deliver (empty: all).
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_timeout() -> u64 {
    DEFAULT_HOOK_TIMEOUT
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("name", &self.display_name())
            .field("command", &self.command)
            .field("url", &self.url.as_ref().map(|_| "…"))
            .field("format", &self.format)
            .field("events", &self.events)
            .finish()
    }
}

impl Hook {
    /// What `poolwatch alerts` calls this hook: its name, else the program's file name, else
    /// the URL's host (never the URL's path or query, where tokens live).
    pub fn display_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        if let Some(command) = &self.command {
            return command
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "command".into());
        }
        self.url
            .as_deref()
            .and_then(|u| reqwest::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "webhook".into())
    }

    /// True when this hook wants `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event)
    }
}

/// Parse and check the `hooks` array; the error is a sentence for the settings error.
pub(crate) fn parse(value: &toml::Value, known_events: &[&str]) -> Result<Vec<Hook>, String> {
    let hooks: Vec<Hook> = value
        .clone()
        .try_into()
        .map_err(|e: toml::de::Error| format!("[[hooks]]: {}", e.message()))?;
    if hooks.len() > MAX_HOOKS {
        return Err(format!("[[hooks]]: at most {MAX_HOOKS} hooks"));
    }
    for (i, hook) in hooks.iter().enumerate() {
        let at = format!("[[hooks]] #{}", i + 1);
        if hook.command.is_none() && hook.url.is_none() {
            return Err(format!("{at}: give a command or a url"));
        }
        if let Some(command) = &hook.command {
            if !command.is_absolute() {
                return Err(format!(
                    "{at}: command must be an absolute path (it is run directly, not through a shell)"
                ));
            }
        }
        if let Some(url) = &hook.url {
            let ok = reqwest::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if !ok {
                return Err(format!("{at}: url must be an http:// or https:// URL"));
            }
        }
        if !(1..=MAX_HOOK_TIMEOUT).contains(&hook.timeout_seconds) {
            return Err(format!(
                "{at}: timeout_seconds must be 1 to {MAX_HOOK_TIMEOUT}"
            ));
        }
        if let Some(unknown) = hook
            .events
            .iter()
            .find(|e| !known_events.contains(&e.as_str()))
        {
            return Err(format!(
                "{at}: unknown event {unknown:?} (known: {})",
                known_events.join(", ")
            ));
        }
    }
    Ok(hooks)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: &[&str] = &["pool_5h_low", "refresh_failing"];

    fn parse_text(text: &str) -> Result<Vec<Hook>, String> {
        let table: toml::Table = text.parse().unwrap();
        parse(&table["hooks"], EVENTS)
    }

    #[test]
    fn hooks_parse_and_are_checked() {
        let hooks = parse_text(
            "[[hooks]]\ncommand = \"/bin/true\"\nevents = [\"pool_5h_low\"]\n[[hooks]]\nurl = \"https://ntfy.example/topic?auth=SECRET\"\nformat = \"ntfy\"\n",
        )
        .unwrap();
        assert_eq!(hooks.len(), 2);
        assert!(hooks[0].wants("pool_5h_low") && !hooks[0].wants("refresh_failing"));
        assert!(hooks[1].wants("refresh_failing"));
        assert_eq!(hooks[1].format, HookFormat::Ntfy);
        assert_eq!(hooks[1].display_name(), "ntfy.example");
        assert!(!format!("{:?}", hooks[1]).contains("SECRET"));
        for bad in [
            "[[hooks]]\nevents = []\n",
            "[[hooks]]\ncommand = \"relative/prog\"\n",
            "[[hooks]]\nurl = \"file:///etc/passwd\"\n",
            "[[hooks]]\ncommand = \"/bin/true\"\nevents = [\"nope\"]\n",
            "[[hooks]]\ncommand = \"/bin/true\"\ntimeout_seconds = 0\n",
            "[[hooks]]\ncommand = \"/bin/true\"\nshell = true\n",
        ] {
            assert!(parse_text(bad).is_err(), "{bad}");
        }
    }
}
