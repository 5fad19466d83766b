//! Notices a run adds to what it shows (pure).

use crate::config::{toml_list, Settings};
use crate::model::PoolState;

/// When the settings filter every auth file out, say so: `0 of 14 auth files
/// match providers = ["codex"]`, instead of an empty pool with no reason.
pub fn empty_selection(state: &PoolState, settings: &Settings) -> Option<String> {
    let seen = state.auth_files_seen?;
    if !state.accounts.is_empty() {
        return None;
    }
    if seen == 0 {
        return Some(crate::tr!("notes.no_auth_files"));
    }
    let hidden = match settings.hidden.is_empty() {
        true => String::new(),
        false => format!(", hidden = {}", toml_list(&settings.hidden)),
    };
    Some(crate::tr!(
        "notes.none_selected",
        seen = seen,
        providers = toml_list(&settings.providers),
        hidden = hidden
    ))
}

/// The v8 probe's notice (an HTML page, a redirect or a 5xx sent the refresh to v0).
pub fn api_notice(state: &PoolState) -> Option<String> {
    state.api_notice.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load, LoadOptions};

    fn settings(providers: &[&str], hidden: &[&str]) -> Settings {
        let env = |_: &str| None;
        let mut s = load(&LoadOptions {
            config_path: Some("/nonexistent/poolwatch.toml".into()),
            profile: None,
            env: &env,
        })
        .expect("defaults");
        s.providers = providers.iter().map(|p| p.to_string()).collect();
        s.hidden = hidden.iter().map(|p| p.to_string()).collect();
        s
    }

    fn state(seen: Option<usize>, accounts: usize) -> PoolState {
        PoolState {
            auth_files_seen: seen,
            accounts: vec![Default::default(); accounts],
            ..Default::default()
        }
    }

    #[test]
    fn says_how_many_auth_files_the_filter_dropped() {
        let s = settings(&["claude"], &[]);
        assert_eq!(
            empty_selection(&state(Some(14), 0), &s).as_deref(),
            Some("0 of 14 auth files match providers = [\"claude\"]: check these settings (`poolwatch config show`)")
        );
        let s = settings(&["codex"], &["a@x"]);
        let note = empty_selection(&state(Some(3), 0), &s).unwrap();
        assert!(
            note.contains("0 of 3") && note.contains("hidden = [\"a@x\"]"),
            "{note}"
        );
        assert!(empty_selection(&state(Some(0), 0), &s)
            .unwrap()
            .contains("no auth files"));
    }

    #[test]
    fn silent_when_accounts_match_or_the_count_is_unknown() {
        let s = settings(&["codex"], &[]);
        assert_eq!(empty_selection(&state(Some(14), 2), &s), None);
        assert_eq!(empty_selection(&state(None, 0), &s), None);
    }
}
