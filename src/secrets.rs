//! The management key, first found of: the profile's own variable
//! `POOLWATCH_MANAGEMENT_KEY_<PROFILE>`, the profile's `key_file` (a 0600 file of the user, the
//! systemd-credentials way), POOLWATCH_MANAGEMENT_KEY, the macOS Keychain (service "poolwatch",
//! account = profile name). The key is wrapped in [`Secret`], which never prints its content, and no
//! error text ever contains it.

use std::fmt;
use std::io::BufRead;

/// Environment variable holding the management key (takes precedence over the Keychain).
pub const KEY_ENV: &str = "POOLWATCH_MANAGEMENT_KEY";
/// Keychain service name; the account is the profile name.
pub const KEYCHAIN_SERVICE: &str = "poolwatch";
/// Longest key line accepted from a reader.
const MAX_KEY_BYTES: u64 = 4096;

/// A secret string: `Debug` and `Display` print `<redacted>`; it is not `Serialize`.
/// The memory is overwritten (best effort) when it is dropped.
pub struct Secret(String);

impl Secret {
    /// Wrap a key.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The key itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Secret(self.0.clone())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
    }
}

/// Where the key came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    Env,
    /// `POOLWATCH_MANAGEMENT_KEY_<PROFILE>`.
    ProfileEnv,
    /// The profile's `key_file`.
    File,
    Keychain,
}

impl KeySource {
    /// The status shown by `config show`: "from POOLWATCH_MANAGEMENT_KEY" or "from keychain".
    pub fn describe(self) -> &'static str {
        match self {
            KeySource::Env => "from POOLWATCH_MANAGEMENT_KEY",
            KeySource::ProfileEnv => "from POOLWATCH_MANAGEMENT_KEY_<PROFILE>",
            KeySource::File => "from key_file",
            KeySource::Keychain => "from keychain",
        }
    }
}

/// The profile's own key variable: `POOLWATCH_MANAGEMENT_KEY_<PROFILE>`, the
/// profile name upper-cased with every other character than A-Z and 0-9 as `_`.
pub fn profile_key_env(profile: &str) -> String {
    let tail: String = profile
        .chars()
        .map(|c| match c.to_ascii_uppercase() {
            u @ ('A'..='Z' | '0'..='9') => u,
            _ => '_',
        })
        .collect();
    format!("{KEY_ENV}_{tail}")
}

/// Errors about the key. No variant ever holds the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// No key in the environment nor the Keychain.
    NotSet { profile: String },
    /// The Keychain failed (locked, denied, ...).
    Keychain(String),
    /// A key read from input was rejected (the reason, never the input).
    Invalid(&'static str),
    /// The terminal could not be used for the prompt.
    Terminal(String),
    /// A key variable is set but empty.
    EmptyEnv { var: String },
    /// A key variable holds spaces, a newline or control characters inside the key.
    BadEnv { var: String },
    /// The profile's `key_file` cannot be used (the reason says how to fix it).
    KeyFile { path: String, reason: String },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            KeyError::NotSet { profile } => crate::tr!(
                "key.not_set",
                profile = format!("{profile:?}"),
                hint = key_hint_for_profile(profile)
            ),
            KeyError::Keychain(message) => crate::tr!("key.keychain_error", message = message),
            KeyError::Invalid(reason) => crate::tr!("key.invalid", reason = reason),
            KeyError::Terminal(message) => crate::tr!("key.terminal", message = message),
            KeyError::EmptyEnv { var } => crate::tr!("key.empty_env", var = var),
            KeyError::BadEnv { var } => crate::tr!("key.bad_env", var = var),
            KeyError::KeyFile { path, reason } => {
                crate::tr!("key.key_file", path = path, reason = reason)
            }
        };
        f.write_str(&text)
    }
}

impl std::error::Error for KeyError {}

/// A place keys are stored per profile (the Keychain in production; a map in tests).
pub trait KeyStore {
    /// The stored key, `Ok(None)` when there is none.
    fn get(&self, profile: &str) -> Result<Option<Secret>, KeyError>;
    /// Store or replace the key.
    fn set(&self, profile: &str, key: &Secret) -> Result<(), KeyError>;
    /// Delete the key; deleting a missing key is not an error.
    fn delete(&self, profile: &str) -> Result<(), KeyError>;
}

/// The platform credential store through the `keyring` crate (macOS Keychain; an in-memory mock on Linux).
pub struct KeyringStore;

impl KeyringStore {
    fn entry(profile: &str) -> Result<keyring::Entry, KeyError> {
        keyring::Entry::new(KEYCHAIN_SERVICE, profile).map_err(|err| keychain_error(&err, None))
    }
}

impl KeyStore for KeyringStore {
    fn get(&self, profile: &str) -> Result<Option<Secret>, KeyError> {
        match Self::entry(profile)?.get_password() {
            Ok(key) => Ok(Some(Secret::new(key))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(keychain_error(&err, None)),
        }
    }

    fn set(&self, profile: &str, key: &Secret) -> Result<(), KeyError> {
        Self::entry(profile)?
            .set_password(key.expose())
            .map_err(|err| keychain_error(&err, Some(key)))
    }

    fn delete(&self, profile: &str) -> Result<(), KeyError> {
        match Self::entry(profile)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(keychain_error(&err, None)),
        }
    }
}

/// A keyring error as text that cannot contain the key: bad encodings are described, not shown, and
/// the key being stored (if any) is scrubbed from platform messages.
fn keychain_error(err: &keyring::Error, key: Option<&Secret>) -> KeyError {
    let message = match err {
        keyring::Error::BadEncoding(_) => "the stored key is not valid UTF-8".to_string(),
        keyring::Error::Ambiguous(items) => {
            format!(
                "{} Keychain items match; delete the duplicates",
                items.len()
            )
        }
        other => other.to_string(),
    };
    let message = match key.map(Secret::expose).filter(|key| !key.is_empty()) {
        Some(key) => message.replace(key, "<redacted>"),
        None => message,
    };
    KeyError::Keychain(message)
}

/// The key for `profile`: POOLWATCH_MANAGEMENT_KEY first (trimmed, non-empty), then the Keychain entry
/// (service "poolwatch", account = profile name).
pub fn load_key(
    profile: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Secret, KeySource), KeyError> {
    load_key_from_store(profile, env, &KeyringStore)
}

/// [`load_key`] with the profile's `key_file` setting.
pub fn load_key_for(
    profile: &str,
    key_file: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Secret, KeySource), KeyError> {
    load_key_from_sources(profile, key_file, env, &KeyringStore)
}

/// [`load_key`] with an explicit store.
pub fn load_key_from_store(
    profile: &str,
    env: &dyn Fn(&str) -> Option<String>,
    store: &dyn KeyStore,
) -> Result<(Secret, KeySource), KeyError> {
    load_key_from_sources(profile, None, env, store)
}

/// A key variable's value: `Ok(None)` when unset, an error when set but
/// empty (`empty_is_error`) or when the key has a newline, spaces or control
/// characters inside (never "cannot reach the pool" later).
fn env_key(var: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Secret>, KeyError> {
    let Some(value) = env(var) else {
        return Ok(None);
    };
    let key = Secret::new(value);
    let trimmed = key.expose().trim();
    if trimmed.is_empty() {
        return Err(KeyError::EmptyEnv { var: var.into() });
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(KeyError::BadEnv { var: var.into() });
    }
    Ok(Some(Secret::new(trimmed)))
}

/// Every source in order: profile variable, key_file, POOLWATCH_MANAGEMENT_KEY, the store.
pub fn load_key_from_sources(
    profile: &str,
    key_file: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    store: &dyn KeyStore,
) -> Result<(Secret, KeySource), KeyError> {
    if let Some(key) = env_key(&profile_key_env(profile), env)? {
        return Ok((key, KeySource::ProfileEnv));
    }
    if let Some(path) = key_file {
        return read_key_file(path, env).map(|key| (key, KeySource::File));
    }
    let empty_env = match env_key(KEY_ENV, env) {
        Ok(Some(key)) => return Ok((key, KeySource::Env)),
        Ok(None) => None,
        Err(err @ KeyError::EmptyEnv { .. }) => Some(err),
        Err(err) => return Err(err),
    };
    match store.get(profile)? {
        Some(stored) if !stored.expose().trim().is_empty() => {
            Ok((Secret::new(stored.expose().trim()), KeySource::Keychain))
        }
        _ => Err(empty_env.unwrap_or(KeyError::NotSet {
            profile: profile.to_string(),
        })),
    }
}

/// The key in `path` (`~/` = `$HOME`): a regular file of this user that no one
/// else may read (mode 0600 or 0400), its first line the key.
pub fn read_key_file(path: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Secret, KeyError> {
    let full = match path.strip_prefix("~/") {
        Some(rest) => match env("HOME") {
            Some(home) => std::path::Path::new(&home).join(rest),
            None => std::path::PathBuf::from(path),
        },
        None => std::path::PathBuf::from(path),
    };
    let refuse = |reason: String| KeyError::KeyFile {
        path: full.display().to_string(),
        reason,
    };
    let file = crate::store::safe_file::open_regular(&full).map_err(|e| refuse(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = file.metadata().map_err(|e| refuse(e.to_string()))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        if meta.uid() != unsafe { libc::geteuid() } {
            return Err(refuse(crate::tr!("key.file_not_ours")));
        }
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(refuse(crate::tr!("key.file_open", path = full.display())));
        }
    }
    read_key_from(std::io::BufReader::new(file)).map_err(|e| match e {
        KeyError::Invalid(reason) => refuse(reason.to_string()),
        other => refuse(other.to_string()),
    })
}

/// Where to put the key of `profile`: its own variable (or `key_file`) when
/// several pools need several keys, else the usual [`key_hint`].
pub fn key_hint_for_profile(profile: &str) -> String {
    match profile {
        "default" => crate::tr!(
            "key.hint_profile_default",
            hint = key_hint(),
            var = profile_key_env(profile)
        ),
        _ => crate::tr!(
            "key.hint_profile",
            hint = key_hint(),
            var = profile_key_env(profile),
            profile = profile
        ),
    }
}

/// Store the key of `profile` in the Keychain.
pub fn store_key(profile: &str, key: &Secret) -> Result<(), KeyError> {
    KeyringStore.set(profile, key)
}

/// Delete the key of `profile` from the Keychain: `Ok(false)` when there was none.
pub fn delete_key(profile: &str) -> Result<bool, KeyError> {
    delete_key_from_store(profile, &KeyringStore)
}

/// [`delete_key`] with an explicit store: `Ok(true)` when a key was there and is gone.
pub fn delete_key_from_store(profile: &str, store: &dyn KeyStore) -> Result<bool, KeyError> {
    let existed = store.get(profile)?.is_some();
    store.delete(profile)?;
    Ok(existed)
}

/// How to give poolwatch the key here: `config set-key` where a Keychain keeps it (macOS), else
/// the environment variable (keyring's store on other platforms forgets it when the process ends).
pub fn key_hint() -> String {
    key_hint_for(keychain_persistent())
}

/// [`key_hint`] for a platform with (`true`) or without a persistent Keychain.
pub fn key_hint_for(keychain: bool) -> String {
    if keychain {
        crate::tr!("key.hint_keychain")
    } else {
        crate::tr!("key.hint_env")
    }
}

/// True when [`store_key`] persists beyond this process (macOS Keychain); false with keyring's mock
/// store (Linux builds), where `config set-key` should point the user to POOLWATCH_MANAGEMENT_KEY.
pub fn keychain_persistent() -> bool {
    use keyring::credential::CredentialPersistence;
    matches!(
        keyring::default::default_credential_builder().persistence(),
        CredentialPersistence::UntilDelete
    )
}

/// Read a key: the first line, trimmed; empty keys and keys with whitespace or control characters
/// inside are rejected. Error texts never contain the input.
pub fn read_key_from(reader: impl BufRead) -> Result<Secret, KeyError> {
    let mut line = Vec::new();
    reader
        .take(MAX_KEY_BYTES + 1)
        .read_until(b'\n', &mut line)
        .map_err(|err| KeyError::Terminal(err.kind().to_string()))?;
    let too_long = line.len() as u64 > MAX_KEY_BYTES;
    let text = String::from_utf8(line).map_err(|err| {
        let mut bytes = err.into_bytes();
        bytes.fill(0);
        KeyError::Invalid("the key is not valid UTF-8")
    })?;
    let key = Secret::new(text);
    if too_long {
        return Err(KeyError::Invalid("the key is longer than 4096 bytes"));
    }
    let trimmed = key.expose().trim();
    if trimmed.is_empty() {
        return Err(KeyError::Invalid("the key is empty"));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(KeyError::Invalid(
            "the key contains spaces or control characters",
        ));
    }
    Ok(Secret::new(trimmed))
}

/// Prompt on the terminal with echo off (`stty -echo` on /dev/tty) and read one line; echo is restored
/// even when reading fails. An interrupt (Ctrl-C) during the prompt can leave echo off: `stty echo`
/// or `reset` restores it.
#[cfg(unix)]
pub fn prompt_key_no_echo(prompt: &str) -> Result<Secret, KeyError> {
    use std::io::Write;
    let terminal_error = |err: std::io::Error| KeyError::Terminal(err.to_string());
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(terminal_error)?;
    tty.write_all(prompt.as_bytes())
        .and_then(|()| tty.flush())
        .map_err(terminal_error)?;
    stty(&tty, "-echo")?;
    let result = read_key_from(std::io::BufReader::new(&tty));
    let restored = stty(&tty, "echo");
    let _ = tty.write_all(b"\n");
    restored?;
    result
}

/// Run `stty ARG` with its stdin on the terminal.
#[cfg(unix)]
fn stty(tty: &std::fs::File, arg: &str) -> Result<(), KeyError> {
    let stdin = tty
        .try_clone()
        .map_err(|err| KeyError::Terminal(err.to_string()))?;
    let status = std::process::Command::new("stty")
        .arg(arg)
        .stdin(stdin)
        .status()
        .map_err(|err| KeyError::Terminal(format!("cannot run stty: {err}")))?;
    match status.success() {
        true => Ok(()),
        false => Err(KeyError::Terminal(format!("stty {arg} failed ({status})"))),
    }
}

/// No terminal prompt off Unix: pipe the key on stdin instead.
#[cfg(not(unix))]
pub fn prompt_key_no_echo(_prompt: &str) -> Result<Secret, KeyError> {
    Err(KeyError::Terminal(
        "no-echo prompt is not supported on this platform; pipe the key on stdin".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    const KEY: &str = "mgmt-Key_0123456789abcdef";

    /// An in-memory store that persists across calls (keyring's mock does not: see keychain tests).
    #[derive(Default)]
    struct MapStore {
        keys: RefCell<HashMap<String, String>>,
        fail_with: Option<String>,
    }

    impl KeyStore for MapStore {
        fn get(&self, profile: &str) -> Result<Option<Secret>, KeyError> {
            if let Some(message) = &self.fail_with {
                return Err(KeyError::Keychain(message.clone()));
            }
            Ok(self.keys.borrow().get(profile).map(Secret::new))
        }

        fn set(&self, profile: &str, key: &Secret) -> Result<(), KeyError> {
            let value = key.expose().to_string();
            self.keys.borrow_mut().insert(profile.into(), value);
            Ok(())
        }

        fn delete(&self, profile: &str) -> Result<(), KeyError> {
            self.keys.borrow_mut().remove(profile);
            Ok(())
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn use_mock_keyring() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    }

    #[test]
    fn secret_never_prints_its_content() {
        let secret = Secret::new(KEY);
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(
            format!("{:?}", Some(secret.clone())),
            "Some(Secret(<redacted>))"
        );
        assert_eq!(secret.expose(), KEY);
    }

    #[test]
    fn the_env_key_wins_over_the_store_and_is_trimmed() {
        let store = MapStore::default();
        store.set("default", &Secret::new("stored")).expect("set");
        let env = |name: &str| (name == KEY_ENV).then(|| format!("  {KEY}\n"));
        let (key, source) = load_key_from_store("default", &env, &store).expect("key");
        assert_eq!((key.expose(), source), (KEY, KeySource::Env));
    }

    #[test]
    fn a_profile_variable_wins_and_names_are_upper_cased() {
        assert_eq!(profile_key_env("work"), "POOLWATCH_MANAGEMENT_KEY_WORK");
        assert_eq!(
            profile_key_env("my-pool.2"),
            "POOLWATCH_MANAGEMENT_KEY_MY_POOL_2"
        );
        let store = MapStore::default();
        let env = |name: &str| match name {
            "POOLWATCH_MANAGEMENT_KEY_WORK" => Some("work-key".to_string()),
            KEY_ENV => Some("generic-key".to_string()),
            _ => None,
        };
        let (key, source) = load_key_from_store("work", &env, &store).expect("key");
        assert_eq!((key.expose(), source), ("work-key", KeySource::ProfileEnv));
        let (key, source) = load_key_from_store("default", &env, &store).expect("key");
        assert_eq!((key.expose(), source), ("generic-key", KeySource::Env));
    }

    #[test]
    fn a_key_with_a_newline_or_an_empty_variable_is_named() {
        let store = MapStore::default();
        let newline = |name: &str| (name == KEY_ENV).then(|| "abc\ndef".to_string());
        let err = load_key_from_store("default", &newline, &store).expect_err("bad");
        assert_eq!(
            err,
            KeyError::BadEnv {
                var: KEY_ENV.into()
            }
        );
        assert!(err.to_string().contains("newline"), "{err}");
        let empty = |name: &str| (name == KEY_ENV).then(String::new);
        let err = load_key_from_store("default", &empty, &store).expect_err("empty");
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, format!("{KEY}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = MapStore::default();
        let p = path.to_str().unwrap();
        let err = load_key_from_sources("work", Some(p), &no_env, &store).expect_err("open");
        assert!(err.to_string().contains("chmod 600"), "{err}");
        assert!(!err.to_string().contains(KEY));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (key, source) = load_key_from_sources("work", Some(p), &no_env, &store).unwrap();
        assert_eq!((key.expose(), source), (KEY, KeySource::File));
    }

    #[test]
    fn an_empty_env_key_falls_back_to_the_store() {
        let store = MapStore::default();
        store
            .set("work", &Secret::new(" stored-key "))
            .expect("set");
        let env = |name: &str| (name == KEY_ENV).then(|| "   ".to_string());
        let (key, source) = load_key_from_store("work", &env, &store).expect("key");
        assert_eq!((key.expose(), source), ("stored-key", KeySource::Keychain));
    }

    #[test]
    fn keys_are_per_profile_and_can_be_deleted() {
        let store = MapStore::default();
        store.set("work", &Secret::new("w")).expect("set");
        let err = load_key_from_store("default", &no_env, &store).expect_err("none");
        assert_eq!(
            err,
            KeyError::NotSet {
                profile: "default".into()
            }
        );
        assert!(delete_key_from_store("work", &store).expect("delete"));
        assert!(load_key_from_store("work", &no_env, &store).is_err());
        assert!(!delete_key_from_store("work", &store).expect("nothing to delete"));
    }

    #[test]
    fn not_set_explains_how_to_fix_it() {
        let err = KeyError::NotSet {
            profile: "default".into(),
        };
        assert_eq!(
            err.to_string(),
            format!(
                "no management key for profile \"default\": {}",
                key_hint_for_profile("default")
            )
        );
    }

    #[test]
    fn hints_name_set_key_only_where_a_keychain_keeps_the_key() {
        assert!(key_hint_for(true).contains("config set-key"));
        assert!(key_hint_for(true).contains(KEY_ENV));
        assert!(key_hint_for(false).starts_with("set POOLWATCH_MANAGEMENT_KEY"));
        assert!(!key_hint_for(false).contains("run `poolwatch config set-key`"));
        // This build: macOS has the Keychain, other platforms do not.
        assert_eq!(keychain_persistent(), cfg!(target_os = "macos"));
        assert_eq!(key_hint(), key_hint_for(cfg!(target_os = "macos")));
    }

    #[test]
    fn store_failures_are_reported() {
        let store = MapStore {
            fail_with: Some("locked".into()),
            ..MapStore::default()
        };
        let err = load_key_from_store("default", &no_env, &store).expect_err("fails");
        assert_eq!(err.to_string(), "keychain error: locked");
    }

    #[test]
    fn keyring_errors_never_contain_the_key() {
        let key = Secret::new(KEY);
        let platform = keyring::Error::PlatformFailure(Box::new(std::io::Error::other(format!(
            "cannot store {KEY}"
        ))));
        let bad_encoding = keyring::Error::BadEncoding(KEY.as_bytes().to_vec());
        for (err, with_key) in [(platform, Some(&key)), (bad_encoding, None)] {
            let mapped = keychain_error(&err, with_key);
            assert!(!mapped.to_string().contains(KEY), "{mapped}");
            assert!(!format!("{mapped:?}").contains(KEY), "{mapped:?}");
        }
        let mapped = keychain_error(&keyring::Error::BadEncoding(vec![0xff]), None);
        assert_eq!(
            mapped.to_string(),
            "keychain error: the stored key is not valid UTF-8"
        );
    }

    #[test]
    fn the_keyring_mock_store_has_no_entry_for_a_new_profile() {
        // keyring 3's mock keeps the password inside one Entry object only, so a store_key followed
        // by a load_key (two entries) cannot round-trip; the round trip is tested with MapStore.
        use_mock_keyring();
        let err = load_key("poolwatch-test-profile", &no_env).expect_err("mock is empty");
        assert_eq!(
            err,
            KeyError::NotSet {
                profile: "poolwatch-test-profile".into()
            }
        );
        store_key("poolwatch-test-profile", &Secret::new(KEY)).expect("mock accepts a set");
        delete_key("poolwatch-test-profile").expect("deleting a missing key is fine");
    }

    #[cfg(not(target_os = "macos"))]
    #[test]
    fn the_linux_store_is_not_persistent() {
        assert!(!keychain_persistent());
    }

    #[test]
    fn read_key_takes_the_first_trimmed_line() {
        let key = read_key_from(format!("  {KEY} \r\nsecond line\n").as_bytes()).expect("key");
        assert_eq!(key.expose(), KEY);
        let key = read_key_from(KEY.as_bytes()).expect("no newline");
        assert_eq!(key.expose(), KEY);
    }

    #[test]
    fn read_key_rejects_bad_input_without_echoing_it() {
        let secret_part = "s3cr3t-part";
        let cases = [
            ("".to_string(), "invalid management key: the key is empty"),
            (
                "  \n".to_string(),
                "invalid management key: the key is empty",
            ),
            (
                format!("{secret_part} more\n"),
                "invalid management key: the key contains spaces or control characters",
            ),
            (
                format!("{secret_part}\u{7}\n"),
                "invalid management key: the key contains spaces or control characters",
            ),
            (
                "x".repeat(5000),
                "invalid management key: the key is longer than 4096 bytes",
            ),
        ];
        for (input, expected) in cases {
            let err = read_key_from(input.as_bytes()).expect_err("rejected");
            assert_eq!(err.to_string(), expected);
            assert!(!format!("{err:?}").contains(secret_part));
        }
        let invalid_utf8: &[u8] = b"abc\xff\n";
        let err = read_key_from(invalid_utf8).expect_err("rejected");
        assert_eq!(err, KeyError::Invalid("the key is not valid UTF-8"));
    }

    #[test]
    fn key_sources_describe_themselves_for_config_show() {
        assert_eq!(KeySource::Env.describe(), "from POOLWATCH_MANAGEMENT_KEY");
        assert_eq!(KeySource::Keychain.describe(), "from keychain");
    }
}
