//! One redactor for every text that comes from the server.
//!
//! The API client owns one [`Redactor`]: it starts with the management key and
//! learns each raw upstream API key the server shows (the `account` of an
//! api_key auth file, the object keys of `api-key-usage`). Every body, header
//! and decoded string the client hands on passes through it first, so no
//! output, error, cache, menu form or snapshot built from server text can
//! carry a secret: redaction happens once, where server text enters the
//! program, not per output.
//!
//! Secrets shorter than [`MIN_SECRET_CHARS`] are not searched for (replacing
//! every `a` of a text would garble it without protecting anything).

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";
/// Shortest secret searched for.
pub const MIN_SECRET_CHARS: usize = 4;

/// The secrets to remove from server text; cheap to clone (shared).
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.len())
    }
}

impl Redactor {
    /// A redactor that removes `secret` (the management key).
    pub fn with_secret(secret: &str) -> Redactor {
        let redactor = Redactor::default();
        redactor.learn(secret);
        redactor
    }

    /// Remove `secret` from every later text too (ignored when too short or known).
    pub fn learn(&self, secret: &str) {
        let secret = secret.trim();
        if secret.chars().count() < MIN_SECRET_CHARS {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        if !secrets.iter().any(|known| known == secret) {
            secrets.push(secret.to_string());
            // Longest first: a key that contains another is removed whole.
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// How many secrets are known.
    pub fn len(&self) -> usize {
        self.secrets.read().map(|s| s.len()).unwrap_or(0)
    }

    /// True when no secret is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `text` with every known secret replaced by [`REDACTED`]; borrowed when
    /// nothing was found (the usual case: no copy of a large body).
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Cow<'a, str> = Cow::Borrowed(text);
        for secret in secrets.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
        out
    }

    /// Redact a string in place.
    pub fn scrub(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.redact(text) {
            *text = clean;
        }
    }

    /// Redact an owned string.
    pub fn clean(&self, text: String) -> String {
        match self.redact(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(clean) => clean,
        }
    }

    /// Redact an optional string in place.
    pub fn scrub_opt(&self, text: &mut Option<String>) {
        if let Some(text) = text {
            self.scrub(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_every_known_secret_and_borrows_when_clean() {
        let redactor = Redactor::with_secret("mgmt-secret-1");
        redactor.learn("sk-raw-2222");
        redactor.learn("ab"); // too short: ignored
        assert_eq!(redactor.len(), 2);
        let text = "Authorization: Bearer mgmt-secret-1 and sk-raw-2222 (ab)";
        assert_eq!(
            redactor.redact(text),
            "Authorization: Bearer <redacted> and <redacted> (ab)"
        );
        assert!(matches!(redactor.redact("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_longer_secret_containing_a_shorter_one_is_removed_whole() {
        let redactor = Redactor::with_secret("key1");
        redactor.learn("https://h|key1-and-more");
        assert_eq!(
            redactor.redact("x https://h|key1-and-more y"),
            "x <redacted> y"
        );
        let mut s = String::from("key1 key1");
        redactor.scrub(&mut s);
        assert_eq!(s, "<redacted> <redacted>");
    }

    #[test]
    fn clones_share_what_they_learn() {
        let a = Redactor::default();
        let b = a.clone();
        b.learn("learned-later");
        assert_eq!(a.redact("learned-later"), REDACTED);
        assert!(format!("{a:?}").contains("1 secrets"));
        assert!(!format!("{a:?}").contains("learned"));
    }
}
