//! Parsing `GET /v0/management/auth-files`.
//!
//! The parser is lenient: unknown fields are ignored, `auth_index` may be a
//! string or a number, times may be RFC 3339 strings or epoch numbers. The
//! `account` field (the raw API key of api_key auths) is read only into
//! [`AuthFileEntry::raw_api_key`], a [`Secret`] the client hands to its
//! redactor and then drops (see `crate::redact`).

use serde_json::Value;

use crate::model::{Epoch, HealthBucket};
use crate::secrets::Secret;

/// One entry of the auth-files list, reduced to what poolwatch uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuthFileEntry {
    pub id: String,
    pub auth_index: String,
    pub name: String,
    /// `type`, lower-cased.
    pub kind: String,
    /// `provider`, lower-cased.
    pub provider: String,
    pub label: String,
    pub email: Option<String>,
    pub account_type: Option<String>,
    pub status: String,
    pub status_message: String,
    pub disabled: bool,
    pub unavailable: bool,
    pub id_token_plan: Option<String>,
    pub chatgpt_account_id: Option<String>,
    /// `project_id` (Antigravity and Gemini auth files).
    pub project_id: Option<String>,
    pub next_retry_after: Option<Epoch>,
    pub last_refresh: Option<Epoch>,
    pub success: u64,
    pub failed: u64,
    pub recent_requests: Vec<HealthBucket>,
    /// The raw upstream key of an api_key auth (`account`): only for the
    /// client's redactor, which removes it from every server text and then
    /// clears this field.
    pub raw_api_key: Option<Secret>,
    /// The passive quota observation of the entry (`quota`, `model_quotas`), if any.
    pub observation: Option<super::observations::Observation>,
    /// The quota plugin that answers for this credential (`supports_quota`
    /// with `quota_provider`, v8 servers with plugins), its id checked.
    pub quota_plugin: Option<String>,
}

impl AuthFileEntry {
    /// True for API-key auths, which have no ChatGPT quota to fetch.
    pub fn is_api_key(&self) -> bool {
        self.account_type.as_deref() == Some("api_key")
    }
}

/// One page of the credential list (or the whole list).
#[derive(Debug, Default)]
pub struct FilesPage {
    pub files: Vec<AuthFileEntry>,
    /// `total` when the server says how many entries the whole list has.
    pub total: Option<usize>,
}

/// Parse one answer of the credential list, with its `total` when present.
pub fn parse_auth_files_page(body: &str) -> Result<FilesPage, String> {
    use serde::de::Deserializer as _;
    let mut de = serde_json::Deserializer::from_str(body);
    let parsed = (&mut de)
        .deserialize_any(ListVisitor)
        .and_then(|list| de.end().map(|()| list));
    match parsed {
        Ok((Some(files), total)) => Ok(FilesPage { files, total }),
        Ok((None, _)) => Err("the auth-files answer has no \"files\" list".to_string()),
        Err(err) if err.to_string() == NOT_A_LIST => {
            Err("the auth-files \"files\" field is not a list".to_string())
        }
        Err(_) => Err(describe_non_json(body)),
    }
}

/// Parse the auth-files response body. Errors describe what was wrong in one line.
///
/// The list is read entry by entry (a streaming visitor): only one entry's
/// JSON tree exists at a time, so a 50,000-account list (88 MB) costs its
/// entries, not a JSON tree eight times its size.
pub fn parse_auth_files(body: &str) -> Result<Vec<AuthFileEntry>, String> {
    parse_auth_files_page(body).map(|page| page.files)
}

const NOT_A_LIST: &str = "files is not a list";

/// The top-level object: `files` is read by [`FilesSeed`], `total` (paged
/// answers) kept, the rest skipped.
struct ListVisitor;

impl<'de> serde::de::Visitor<'de> for ListVisitor {
    type Value = (Option<Vec<AuthFileEntry>>, Option<usize>);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with a files list")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut files = None;
        let mut total = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "files" && files.is_none() {
                files = Some(map.next_value_seed(FilesSeed)?);
            } else if key == "total" && total.is_none() {
                total = map
                    .next_value::<Value>()?
                    .as_u64()
                    .and_then(|t| usize::try_from(t).ok());
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok((files, total))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok((None, None))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok((None, None))
    }
}

/// The `files` value: a list (entries parsed one at a time) or null.
struct FilesSeed;

impl<'de> serde::de::DeserializeSeed<'de> for FilesSeed {
    type Value = Vec<AuthFileEntry>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FilesSeed {
    type Value = Vec<AuthFileEntry>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(100_000));
        while let Some(item) = seq.next_element::<Value>()? {
            if item.is_object() {
                entries.push(parse_entry(&item));
            }
        }
        Ok(entries)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Err(serde::de::Error::custom(NOT_A_LIST))
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_A_LIST))
    }
}

/// A one-line description of a body that is not JSON.
pub fn describe_non_json(body: &str) -> String {
    let trimmed = body.trim_start();
    if trimmed.is_empty() {
        crate::tr!("net.empty_body")
    } else if trimmed.starts_with('<') || trimmed.to_ascii_lowercase().contains("<html") {
        crate::tr!("net.html")
    } else {
        crate::tr!("net.not_json")
    }
}

fn parse_entry(item: &Value) -> AuthFileEntry {
    let mut entry = parse_fields(item);
    let section =
        crate::provider::section_id(&crate::provider::normalize(&entry.provider, &entry.kind));
    entry.observation = super::observations::from_entry(&section, item);
    entry
}

fn parse_fields(item: &Value) -> AuthFileEntry {
    let name = string_field(item, "name").unwrap_or_default();
    let id = string_field(item, "id").unwrap_or_else(|| name.clone());
    let id_token = item.get("id_token");
    // Servers without `auth_index` (older ones) address the file by its id.
    let index = auth_index(item.get("auth_index").or_else(|| item.get("authIndex")));
    AuthFileEntry {
        auth_index: if index.trim().is_empty() {
            id.clone()
        } else {
            index
        },
        kind: string_field(item, "type")
            .unwrap_or_default()
            .to_lowercase(),
        provider: string_field(item, "provider")
            .unwrap_or_default()
            .to_lowercase(),
        label: string_field(item, "label").unwrap_or_default(),
        email: string_field(item, "email").filter(|e| !e.is_empty()),
        account_type: string_field(item, "account_type").map(|t| t.to_lowercase()),
        status: string_field(item, "status")
            .unwrap_or_default()
            .to_lowercase(),
        status_message: string_field(item, "status_message").unwrap_or_default(),
        disabled: bool_field(item, "disabled"),
        unavailable: bool_field(item, "unavailable"),
        id_token_plan: id_token
            .and_then(|t| string_field(t, "plan_type"))
            .map(|p| p.to_lowercase())
            .filter(|p| !p.is_empty()),
        chatgpt_account_id: id_token
            .and_then(|t| string_field(t, "chatgpt_account_id"))
            .filter(|a| !a.is_empty()),
        project_id: project_id(item),
        next_retry_after: item.get("next_retry_after").and_then(time_value),
        last_refresh: item.get("last_refresh").and_then(time_value),
        success: count_field(item, "success"),
        failed: count_field(item, "failed"),
        recent_requests: item
            .get("recent_requests")
            .and_then(Value::as_array)
            .map(|buckets| buckets.iter().map(bucket).collect())
            .unwrap_or_default(),
        raw_api_key: (string_field(item, "account_type")
            .is_some_and(|t| t.eq_ignore_ascii_case("api_key")))
        .then(|| string_field(item, "account"))
        .flatten()
        .filter(|k| !k.trim().is_empty())
        .map(Secret::new),
        observation: None,
        quota_plugin: bool_field(item, "supports_quota")
            .then(|| string_field(item, "quota_provider"))
            .flatten()
            .and_then(|p| plugin_id(&p)),
        id,
        name,
    }
}

/// A plugin id fit for a URL path: 1–64 ASCII letters, digits, `.`, `_`, `-`
/// (upstream's plugin ids are of this kind); anything else is no plugin.
pub fn plugin_id(raw: &str) -> Option<String> {
    let id = raw.trim();
    let fits = (1..=64).contains(&id.len())
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    fits.then(|| id.to_string())
}

/// `project_id` (or `projectId`), else the same inside `metadata` or
/// `attributes` (where some servers keep it).
fn project_id(item: &Value) -> Option<String> {
    let direct = |v: &Value| {
        ["project_id", "projectId"]
            .iter()
            .filter_map(|key| string_field(v, key))
            .map(|p| p.trim().to_string())
            .find(|p| !p.is_empty())
    };
    direct(item).or_else(|| {
        ["metadata", "attributes"]
            .iter()
            .filter_map(|key| item.get(key))
            .find_map(direct)
    })
}

fn auth_index(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn string_field(item: &Value, key: &str) -> Option<String> {
    match item.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn bool_field(item: &Value, key: &str) -> bool {
    match item.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn count_field(item: &Value, key: &str) -> u64 {
    match item.get(key) {
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

fn bucket(value: &Value) -> HealthBucket {
    HealthBucket {
        time: string_field(value, "time").unwrap_or_default(),
        success: count_field(value, "success"),
        failed: count_field(value, "failed"),
    }
}

/// An RFC 3339 string or an epoch number (seconds, or milliseconds when > 1e11).
/// Zero times (`0001-01-01T00:00:00Z`, 0) mean "not set".
pub fn time_value(value: &Value) -> Option<Epoch> {
    let epoch = match value {
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|t| t.timestamp())
            .or_else(|| s.trim().parse::<f64>().ok().map(epoch_from_number))?,
        Value::Number(n) => epoch_from_number(n.as_f64()?),
        _ => return None,
    };
    (epoch > 0).then_some(epoch)
}

fn epoch_from_number(n: f64) -> Epoch {
    if !n.is_finite() {
        return 0;
    }
    if n > 1e11 {
        (n / 1000.0) as Epoch
    } else {
        n as Epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_string_and_numeric_auth_index_and_ignores_unknown_fields() {
        let body = r#"{"files":[
          {"id":"a.json","auth_index":"0f1e2d3c4b5a6978","name":"a.json","type":"codex","provider":"codex",
           "label":"a@x.io","status":"active","status_message":"","disabled":false,"unavailable":false,
           "runtime_only":false,"source":"file","size":10,"success":5,"failed":1,
           "recent_requests":[{"time":"10:50-11:00","success":2,"failed":1}],
           "id_token":{"chatgpt_account_id":"acc-1","plan_type":"Pro"},"brand_new_field":{"x":1}},
          {"id":"b.json","auth_index":42,"name":"b.json","type":"codex","provider":"codex","label":"b",
           "status":"error","status_message":"refresh failed","disabled":true,"unavailable":true,
           "next_retry_after":"2026-11-25T10:00:00Z","account_type":"api_key","account":"sk-SECRET"}
        ]}"#;
        let files = parse_auth_files(body).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].auth_index, "0f1e2d3c4b5a6978");
        assert_eq!(files[0].id_token_plan.as_deref(), Some("pro"));
        assert_eq!(files[0].chatgpt_account_id.as_deref(), Some("acc-1"));
        assert_eq!(files[0].recent_requests[0].failed, 1);
        assert_eq!((files[0].success, files[0].failed), (5, 1));
        assert_eq!(files[1].auth_index, "42");
        assert!(files[1].disabled && files[1].unavailable && files[1].is_api_key());
        assert_eq!(files[1].next_retry_after, Some(1_795_600_800));
        assert!(!format!("{:?}", files).contains("sk-SECRET"));
    }

    #[test]
    fn a_file_without_auth_index_is_addressed_by_its_id() {
        let files = parse_auth_files(
            r#"{"files":[{"id":"codex-a.json","name":"codex-a.json","type":"codex"},
                         {"id":"b.json","auth_index":"","name":"b.json"},
                         {"name":"c.json"}]}"#,
        )
        .unwrap();
        assert_eq!(files[0].auth_index, "codex-a.json");
        assert_eq!(files[1].auth_index, "b.json");
        assert_eq!(files[2].auth_index, "c.json", "id falls back to the name");
    }

    #[test]
    fn html_and_empty_bodies_get_clear_errors() {
        assert!(parse_auth_files("<!DOCTYPE html><html>login</html>")
            .unwrap_err()
            .contains("HTML"));
        assert!(parse_auth_files("").unwrap_err().contains("empty"));
        assert!(parse_auth_files("{\"nope\":1}")
            .unwrap_err()
            .contains("no \"files\""));
        assert!(parse_auth_files("{\"files\":null}").unwrap().is_empty());
    }

    #[test]
    fn time_values_accept_rfc3339_seconds_and_milliseconds() {
        assert_eq!(time_value(&Value::from("1970-01-01T00:01:40Z")), Some(100));
        assert_eq!(
            time_value(&Value::from(1_785_903_600_000_i64)),
            Some(1_785_903_600)
        );
        assert_eq!(
            time_value(&Value::from(1_785_903_600_i64)),
            Some(1_785_903_600)
        );
        assert_eq!(time_value(&Value::from("0001-01-01T00:00:00Z")), None);
        assert_eq!(time_value(&Value::from("")), None);
    }

    #[test]
    fn project_id_is_read_at_the_top_or_in_metadata_or_attributes() {
        let body = r#"{"files":[
          {"id":"a","name":"a","provider":"antigravity","project_id":" p-top "},
          {"id":"b","name":"b","provider":"antigravity","metadata":{"projectId":"p-meta"}},
          {"id":"c","name":"c","provider":"antigravity","attributes":{"project_id":"p-attr"}},
          {"id":"d","name":"d","provider":"antigravity","project_id":"  ","metadata":{"x":1}}
        ]}"#;
        let ids: Vec<Option<String>> = parse_auth_files(body)
            .unwrap()
            .into_iter()
            .map(|e| e.project_id)
            .collect();
        assert_eq!(
            ids,
            [
                Some("p-top".to_string()),
                Some("p-meta".to_string()),
                Some("p-attr".to_string()),
                None
            ]
        );
    }
}
