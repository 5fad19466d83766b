//! Privacy mode (`privacy = true`, `--privacy`): emails and account labels
//! masked in every output, for screenshots and shared screens.
//!
//! `alice@studio.dev` becomes `a…@s…dev·3f2`: the first letter of the name
//! and of the domain, the top-level domain, and three hex digits of a hash of
//! the whole value, so the same account always reads the same and two
//! accounts of one domain can still be told apart. A label that is not an
//! email keeps its first and last character (`A…e·9c1`). Pure: the report is
//! copied with the masked texts; server messages that quote an email are
//! masked too.

use sha2::{Digest, Sha256};

use crate::quota::PoolReport;

/// `text` masked; the same input always gives the same output.
pub fn mask(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let tag = tag(text);
    match text.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
            let tld = domain.rsplit_once('.').map_or("", |(_, tld)| tld);
            format!("{}…@{}…{tld}·{tag}", first(local), first(domain))
        }
        _ => {
            let last = text.chars().last().map(String::from).unwrap_or_default();
            if text.chars().count() <= 2 {
                format!("{}…·{tag}", first(text))
            } else {
                format!("{}…{last}·{tag}", first(text))
            }
        }
    }
}

/// Every email-like word of `text` masked, the rest kept.
pub fn mask_emails(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let core = word.trim_matches(|c: char| !c.is_alphanumeric());
            if core.contains('@') && core.contains('.') {
                word.replace(core, &mask(core))
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A copy of `report` with every account's label, email and file name masked
/// (and emails inside its messages); API-key labels too.
pub fn mask_report(report: &PoolReport) -> PoolReport {
    let mut out = report.clone();
    for a in &mut out.accounts {
        mask_account(a);
    }
    for key in &mut out.api_keys {
        if !key.label.trim().is_empty() && key.label != key.fingerprint {
            key.label = mask_emails(&key.label);
        }
    }
    out
}

/// `a` with its label, email and file name masked (and emails inside its messages).
pub fn mask_account(a: &mut crate::quota::AccountView) {
    a.label = mask(&a.label);
    a.name = mask(&a.name);
    a.id = mask(&a.id);
    a.email = a.email.as_deref().map(mask);
    a.duplicate_of = a.duplicate_of.as_deref().map(mask);
    a.status_message = mask_emails(&a.status_message);
    a.error = a.error.as_deref().map(mask_emails);
}

/// A copy of the pool-over-time view with the use-first accounts' labels masked.
pub fn mask_over_time(over_time: &crate::render::OverTime) -> crate::render::OverTime {
    let mut out = over_time.clone();
    for entry in &mut out.expiring {
        entry.label = mask(&entry.label);
    }
    out
}

fn first(text: &str) -> String {
    text.chars().next().map(String::from).unwrap_or_default()
}

fn tag(text: &str) -> String {
    let digest = Sha256::digest(text.to_lowercase().as_bytes());
    format!("{:02x}{:x}", digest[0], digest[1] >> 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_keep_their_shape_and_stay_apart() {
        let alice = mask("alice@studio.dev");
        assert!(alice.starts_with("a…@s…dev·"), "{alice}");
        assert_eq!(alice, mask("alice@studio.dev"), "stable");
        assert_ne!(alice, mask("anna@studio.dev"), "told apart");
        assert!(!alice.contains("alice") && !alice.contains("studio"));
        assert_eq!(
            mask_emails("token of bob@x.io expired"),
            format!("token of {} expired", mask("bob@x.io"))
        );
        assert!(mask("Alice Work").starts_with("A…k·"));
        assert_eq!(mask(""), "");
    }
}
