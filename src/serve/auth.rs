//! The bearer token of `poolwatch serve`: where it may come from, and the constant-time check.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The shortest token accepted (a guessable token on a network is no protection).
pub const MIN_TOKEN_CHARS: usize = 16;

/// A serve token. Debug and Display never show it.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// A token from its text (trimmed); None when shorter than [`MIN_TOKEN_CHARS`].
    pub fn new(text: &str) -> Option<Token> {
        let text = text.trim();
        (text.chars().count() >= MIN_TOKEN_CHARS && text.chars().all(|c| c.is_ascii_graphic()))
            .then(|| Token(text.to_string()))
    }

    /// True when an `Authorization` header value carries this token (`Bearer TOKEN`).
    ///
    /// Both sides are hashed first, so the comparison takes the same time whatever the
    /// length or content of the candidate.
    pub fn accepts(&self, header: Option<&[u8]>) -> bool {
        let Some(header) = header else {
            return false;
        };
        let candidate = header
            .strip_prefix(b"Bearer ")
            .or_else(|| header.strip_prefix(b"bearer "))
            .unwrap_or(b"");
        let want = Sha256::digest(self.0.as_bytes());
        let got = Sha256::digest(candidate);
        bool::from(want.ct_eq(&got)) && !candidate.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_is_accepted() {
        let token = Token::new("  0123456789abcdef-token \n").unwrap();
        assert!(token.accepts(Some(b"Bearer 0123456789abcdef-token")));
        assert!(!token.accepts(Some(b"Bearer 0123456789abcdef-toke")));
        assert!(!token.accepts(Some(b"Bearer 0123456789abcdef-token ")));
        assert!(!token.accepts(Some(b"0123456789abcdef-token")));
        assert!(!token.accepts(Some(b"Basic 0123456789abcdef-token")));
        assert!(!token.accepts(Some(b"")));
        assert!(!token.accepts(None));
        assert!(!format!("{token:?}").contains("0123"));
    }

    #[test]
    fn short_or_odd_tokens_are_refused() {
        assert!(Token::new("short").is_none());
        assert!(Token::new("sixteen chars ok").is_none(), "spaces inside");
        assert!(Token::new("0123456789abcdef").is_some());
    }
}
