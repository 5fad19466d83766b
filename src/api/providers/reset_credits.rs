//! Codex rate-limit reset credits (SPEC.md §7): `GET wham/rate-limit-reset-credits`
//! → how many credits are available and the soonest expiry. poolwatch only
//! reads them; it never calls the `…/consume` path that spends one.

use serde_json::{json, Value};

use std::collections::HashMap;

use super::codex::CODEX_USER_AGENT;
use super::json_object;
use super::rate_limits::{epoch_value, field, number, plan_string};
use crate::api::auth_files::AuthFileEntry;
use crate::model::{Account, Epoch, ResetCredits};

pub const URL: &str = crate::provider::urls::CODEX_RESET_CREDITS;

/// The api-call body: the usage headers plus `OpenAI-Beta` and `Originator`.
pub fn request(entry: &AuthFileEntry, url: &str) -> Value {
    let mut header = json!({
        "Authorization": "Bearer $TOKEN$",
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": CODEX_USER_AGENT,
        "OpenAI-Beta": "codex-1",
        "Originator": "Codex Desktop",
    });
    if let Some(account_id) = &entry.chatgpt_account_id {
        header["Chatgpt-Account-Id"] = Value::String(account_id.clone());
    }
    json!({"auth_index": entry.auth_index, "method": "GET", "url": url, "header": header})
}

/// `{available_count, applicable_available_count, credits[]{status, expires_at}}`
/// → the available count and the soonest expiry of an available credit.
/// None for anything but a 2xx JSON object.
pub fn interpret(status: u16, body: &str) -> Option<ResetCredits> {
    if !(200..300).contains(&status) {
        return None;
    }
    let root = json_object(body).ok()?;
    let credits: Vec<&serde_json::Map<String, Value>> = field(&root, "credits")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let is_available = |c: &&&serde_json::Map<String, Value>| {
        field(c, "status")
            .and_then(plan_string)
            .is_none_or(|s| s == "available" || s == "active")
    };
    let counted = ["applicable_available_count", "available_count"]
        .iter()
        .find_map(|key| field(&root, key).and_then(number))
        .map(|n| n.clamp(0.0, f64::from(u32::MAX)) as u32);
    let available = counted.unwrap_or(credits.iter().filter(is_available).count() as u32);
    if counted.is_none() && field(&root, "credits").is_none() {
        return None;
    }
    let expires_at = credits
        .iter()
        .filter(is_available)
        .filter_map(|c| field(c, "expires_at").and_then(epoch_value))
        .min();
    Some(ResetCredits {
        available,
        expires_at: if available > 0 { expires_at } else { None },
    })
}

/// After a fetch: credits read now (carried on the fresh usage) go onto the
/// account with the read time; otherwise the account keeps the earlier ones
/// (matched like its usage, by id then name). The time of the last plan call
/// is carried the same way.
pub fn carry_over(accounts: &mut [Account], previous: &HashMap<&str, &Account>, now: Epoch) {
    for account in accounts {
        let fresh = account.usage_fetched_at == Some(now);
        let before = previous
            .get(account.id.as_str())
            .or_else(|| previous.get(account.name.as_str()))
            .copied();
        let plan_checked = account
            .usage
            .as_mut()
            .is_some_and(|u| std::mem::take(&mut u.plan_checked));
        account.plan_checked_at = if plan_checked && fresh {
            Some(now)
        } else {
            before.and_then(|p| p.plan_checked_at)
        };
        let read_now = account
            .usage
            .as_mut()
            .map(|u| {
                let checked = std::mem::take(&mut u.reset_credits_checked);
                (checked && fresh, u.reset_credits.take())
            })
            .unwrap_or_default();
        match read_now {
            (true, credits) => {
                account.reset_credits = credits;
                account.reset_credits_fetched_at = Some(now);
            }
            (false, _) => {
                account.reset_credits = before.and_then(|p| p.reset_credits.clone());
                account.reset_credits_fetched_at = before.and_then(|p| p.reset_credits_fetched_at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_read_now_replace_the_old_ones_else_the_old_ones_stay() {
        let credits = |n| ResetCredits {
            available: n,
            expires_at: None,
        };
        let old = Account {
            id: "a".into(),
            name: "a.json".into(),
            reset_credits: Some(credits(3)),
            reset_credits_fetched_at: Some(50),
            ..Account::default()
        };
        let previous: HashMap<&str, &Account> = [("a", &old), ("a.json", &old)].into();
        let fresh = |checked, credits: Option<ResetCredits>| Account {
            id: "a".into(),
            name: "a.json".into(),
            usage_fetched_at: Some(100),
            usage: Some(crate::model::Usage {
                reset_credits: credits,
                reset_credits_checked: checked,
                ..Default::default()
            }),
            ..Account::default()
        };
        // Read now (even an unusable answer counts as read: no retry for 30 min).
        let mut accounts = [fresh(true, Some(credits(1))), fresh(true, None)];
        carry_over(&mut accounts, &previous, 100);
        assert_eq!(accounts[0].reset_credits, Some(credits(1)));
        assert_eq!(accounts[0].reset_credits_fetched_at, Some(100));
        assert_eq!(accounts[1].reset_credits, None);
        assert_eq!(accounts[1].reset_credits_fetched_at, Some(100));
        assert!(accounts.iter().all(|a| {
            let u = a.usage.as_ref().unwrap();
            u.reset_credits.is_none() && !u.reset_credits_checked
        }));
        // Not read in this fetch, or usage kept from an earlier fetch: the old ones stay.
        let mut stale = fresh(true, Some(credits(9)));
        stale.usage_fetched_at = Some(50);
        let mut accounts = [fresh(false, None), stale];
        carry_over(&mut accounts, &previous, 100);
        for account in &accounts {
            assert_eq!(account.reset_credits, Some(credits(3)));
            assert_eq!(account.reset_credits_fetched_at, Some(50));
        }
    }

    #[test]
    fn count_and_soonest_expiry() {
        let body = json!({"available_count": 3, "applicable_available_count": 2, "credits": [
            {"id": "a", "reset_type": "five_hour", "status": "available", "granted_at": "2026-08-01T00:00:00Z", "expires_at": "2026-08-20T00:00:00Z"},
            {"id": "b", "status": "consumed", "expires_at": "2026-08-02T00:00:00Z"},
            {"id": "c", "status": "available", "expires_at": 1_786_000_000}
        ]});
        assert_eq!(
            interpret(200, &body.to_string()),
            Some(ResetCredits {
                available: 2,
                expires_at: Some(1_786_000_000)
            })
        );
        let none = json!({"available_count": 0, "credits": []});
        assert_eq!(
            interpret(200, &none.to_string()),
            Some(ResetCredits {
                available: 0,
                expires_at: None
            })
        );
        assert_eq!(interpret(404, &body.to_string()), None);
        assert_eq!(interpret(200, "<html>"), None);
        assert_eq!(interpret(200, "{}"), None);
    }

    #[test]
    fn request_never_consumes() {
        let req = request(&AuthFileEntry::default(), URL);
        assert_eq!(req["method"], "GET");
        assert!(!req["url"].as_str().unwrap().contains("consume"));
        assert_eq!(req["header"]["OpenAI-Beta"], "codex-1");
        assert_eq!(req["header"]["Originator"], "Codex Desktop");
    }
}
