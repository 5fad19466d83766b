//! Passive quota observations (pure): the `quota {observed_at, signals}` and
//! `model_quotas` fields newer servers (v7.2.149+, v8) put on every credential
//! entry, recorded from the upstream response headers of the account's real
//! traffic (SPEC.md §9; upstream `sdk/cliproxy/auth/*quota*`). They cost
//! nothing to read: no api-call, no upstream request.
//!
//! * Codex: `X-Codex-{Primary,Secondary}-{Used-Percent,Window-Minutes,Reset-At,
//!   Reset-After-Seconds}`, `X-Codex-Plan-Type`, `X-Codex-Limit-Reached`,
//!   `X-Codex-Allowed`, `X-Codex-Credits-*`, and the same per named limit
//!   (`X-Codex-<name>-Primary-…` with `X-Codex-<name>-Limit-Name`, code review
//!   included) as lanes. Primary/secondary are positions: each window is
//!   classified by its `-Window-Minutes` (< 1 day: 5h; 28–31 days: month;
//!   else week); a zero-length window is "not applicable".
//! * Claude: `Anthropic-Ratelimit-Unified-{5h,7d,7d_oi}-{Utilization,Reset,
//!   Status}`; utilisation is a 0..1 fraction of the window USED; reset in
//!   epoch seconds.
//!
//! The values are untrusted strings. Anything that does not make sense (not a
//! number, a percentage outside 0..=100, a fraction above 1, a reset time in
//! milliseconds, an ISO date where a number belongs, a reset before the
//! observation) makes the whole observation unusable with a note naming the
//! signal; the account then gets a usage read as before. Never a guess.

use serde_json::{Map, Value};

use crate::model::{Epoch, Lane, NamedLimit, QuotaWindow, Usage};

/// Signals looked at per observation; the rest is ignored (noise).
const MAX_SIGNALS: usize = 256;
/// One day in seconds.
const DAY: i64 = 86_400;

/// One account's observation.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// `observed_at`.
    pub at: Epoch,
    /// The usage it shows, or why it cannot be used (a one-line note).
    pub usage: Result<Usage, String>,
    /// The credits signals as one string (a change says reset credits may have changed).
    pub credits: Option<String>,
}

impl Observation {
    /// True when this observation IS the account's usage at `now`: it parsed,
    /// it is younger than `max_age` seconds, it is newer than the last read
    /// (`read_at`), and no window it shows has reset since.
    pub fn usable(&self, read_at: Option<Epoch>, max_age: i64, now: Epoch) -> bool {
        let Ok(usage) = &self.usage else {
            return false;
        };
        let fresh = max_age > 0 && self.at <= now + 60 && now - self.at <= max_age;
        let newer = read_at.is_none_or(|read| self.at > read);
        let windows = [&usage.five_hour, &usage.weekly, &usage.monthly];
        let unreset = windows
            .into_iter()
            .flatten()
            .all(|w| w.reset_at.is_none_or(|at| at > now));
        fresh && newer && unreset
    }
}

/// The observation of a credential entry of `section` (`codex`, `claude`), if any.
pub fn from_entry(section: &str, item: &Value) -> Option<Observation> {
    let quota = item.get("quota").filter(|q| q.is_object());
    let models = item.get("model_quotas").and_then(Value::as_object);
    if quota.is_none() && models.is_none_or(|m| m.is_empty()) {
        return None;
    }
    let parser: fn(&Signals, Epoch) -> Result<Usage, String> = match section {
        "codex" => codex,
        "claude" => claude,
        _ => return None,
    };
    let (at, main) = match quota {
        Some(quota) => {
            let Some(at) = observed_at(quota) else {
                return Some(Observation {
                    at: 0,
                    usage: Err("observation without a usable observed_at".into()),
                    credits: None,
                });
            };
            let signals = signals_of(quota);
            (at, Some((signals.credits(), parser(&signals, at))))
        }
        None => (0, None),
    };
    let (credits, mut usage) = match main {
        Some((credits, usage)) => (credits, usage),
        None => (
            None,
            Err("model quotas without an account observation".into()),
        ),
    };
    if let (Ok(usage), Some(models)) = (&mut usage, models) {
        for (model, quota) in models.iter().take(64) {
            let Some(model_at) = observed_at(quota) else {
                continue;
            };
            match parser(&signals_of(quota), model_at) {
                Ok(parsed) => usage.lanes.extend(model_lanes(model, &parsed)),
                Err(note) => {
                    return Some(Observation {
                        at,
                        usage: Err(format!("model {}: {note}", short(model))),
                        credits,
                    })
                }
            }
        }
    }
    Some(Observation { at, usage, credits })
}

/// Signals by lower-cased name, values as trimmed strings.
struct Signals(Map<String, Value>);

impl Signals {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn names(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    fn credits(&self) -> Option<String> {
        let parts: Vec<String> = self
            .0
            .iter()
            .filter(|(k, _)| k.starts_with("x-codex-credits-"))
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect();
        (!parts.is_empty()).then(|| parts.join(";"))
    }
}

fn signals_of(quota: &Value) -> Signals {
    let mut map = Map::new();
    if let Some(signals) = quota.get("signals").and_then(Value::as_object) {
        for (name, value) in signals.iter().take(MAX_SIGNALS) {
            let text = match value {
                Value::String(s) => s.chars().take(64).collect(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Array(items) => match items.first() {
                    Some(Value::String(s)) => s.chars().take(64).collect(),
                    _ => continue,
                },
                _ => continue,
            };
            map.insert(name.to_ascii_lowercase(), Value::String(text));
        }
    }
    Signals(map)
}

fn observed_at(quota: &Value) -> Option<Epoch> {
    match quota.get("observed_at")? {
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|t| t.timestamp())
            .filter(|t| *t > 0),
        _ => None,
    }
}

fn short(text: &str) -> String {
    text.chars().take(40).collect()
}

/// A plain decimal number (no ISO date, no unit), finite.
fn number(name: &str, value: &str) -> Result<f64, String> {
    let ok = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    match value.parse::<f64>() {
        Ok(n) if ok && n.is_finite() => Ok(n),
        _ => Err(format!("{name} is not a number ({})", short(value))),
    }
}

/// A reset time in epoch seconds, after the observation.
fn reset_at(name: &str, value: &str, at: Epoch) -> Result<Epoch, String> {
    let n = number(name, value)?;
    if n > 1e11 {
        return Err(format!("{name} looks like milliseconds ({})", short(value)));
    }
    let epoch = n as Epoch;
    if epoch <= at {
        return Err(format!(
            "{name} is before the observation ({})",
            short(value)
        ));
    }
    Ok(epoch)
}

fn percent(name: &str, value: &str) -> Result<f64, String> {
    let n = number(name, value)?;
    if !(0.0..=100.0).contains(&n) {
        return Err(format!("{name} is outside 0..100 ({})", short(value)));
    }
    Ok(n)
}

fn flag(value: Option<&str>) -> Option<bool> {
    match value?.to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Where a window goes, by its length.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    FiveHour,
    Week,
    Month,
}

fn slot_of(seconds: i64) -> Slot {
    if seconds < DAY {
        Slot::FiveHour
    } else if (28 * DAY..=31 * DAY).contains(&seconds) {
        Slot::Month
    } else {
        Slot::Week
    }
}

/// One Codex window (`prefix` = `x-codex-primary` …); None when absent or not applicable.
fn codex_window(
    s: &Signals,
    prefix: &str,
    at: Epoch,
) -> Result<Option<(Slot, QuotaWindow)>, String> {
    let used_name = format!("{prefix}-used-percent");
    let Some(used) = s.get(&used_name) else {
        return Ok(None);
    };
    let used = percent(&used_name, used)?;
    let minutes_name = format!("{prefix}-window-minutes");
    let minutes = match s.get(&minutes_name) {
        Some(v) => number(&minutes_name, v)?,
        None => return Err(format!("{minutes_name} is missing")),
    };
    if minutes < 0.0 || minutes.fract() != 0.0 {
        return Err(format!("{minutes_name} is not a length ({minutes})"));
    }
    if minutes == 0.0 {
        return Ok(None);
    }
    let seconds = minutes as i64 * 60;
    let reset_name = format!("{prefix}-reset-at");
    let after_name = format!("{prefix}-reset-after-seconds");
    let reset = match (s.get(&reset_name), s.get(&after_name)) {
        (Some(v), _) => Some(reset_at(&reset_name, v, at)?),
        (None, Some(v)) => {
            let after = number(&after_name, v)?;
            if after < 0.0 || after > 400.0 * DAY as f64 {
                return Err(format!("{after_name} is out of range ({})", short(v)));
            }
            Some(at + after as Epoch)
        }
        (None, None) => None,
    };
    Ok(Some((
        slot_of(seconds),
        QuotaWindow {
            used_percent: used,
            window_seconds: Some(seconds),
            reset_at: reset,
        },
    )))
}

/// The windows of one Codex family (`x-codex` or `x-codex-<name>`).
fn codex_family(s: &Signals, family: &str, at: Epoch) -> Result<[Option<QuotaWindow>; 3], String> {
    let mut slots: [Option<QuotaWindow>; 3] = [None, None, None];
    for position in ["primary", "secondary"] {
        if let Some((slot, window)) = codex_window(s, &format!("{family}-{position}"), at)? {
            let index = slot as usize;
            if slots[index].is_some() {
                return Err(format!("{family}: two windows of the same length"));
            }
            slots[index] = Some(window);
        }
    }
    Ok(slots)
}

fn codex(s: &Signals, at: Epoch) -> Result<Usage, String> {
    let [five_hour, weekly, monthly] = codex_family(s, "x-codex", at)?;
    if five_hour.is_none() && weekly.is_none() && monthly.is_none() {
        return Err("no Codex quota signals".into());
    }
    let mut usage = Usage {
        plan_type: s
            .get("x-codex-plan-type")
            .map(|p| p.to_ascii_lowercase())
            .filter(|p| {
                p.len() <= 32
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            }),
        // Today's numbers: without a weekly window, a monthly one is the long window.
        weekly: weekly.clone().or_else(|| monthly.clone()),
        five_hour,
        monthly,
        allowed: flag(s.get("x-codex-allowed")),
        limit_reached: flag(s.get("x-codex-limit-reached")),
        ..Usage::default()
    };
    // Named limits: `x-codex-<name>-primary-used-percent` (code review included).
    let mut families: Vec<String> = s
        .names()
        .filter_map(|n| {
            let rest = n.strip_prefix("x-codex-")?;
            let family = rest
                .strip_suffix("-primary-used-percent")
                .or_else(|| rest.strip_suffix("-secondary-used-percent"))?;
            (!family.is_empty()).then(|| family.to_string())
        })
        .collect();
    families.sort();
    families.dedup();
    for family in families.into_iter().take(16) {
        let prefix = format!("x-codex-{family}");
        let [five, week, month] = codex_family(s, &prefix, at)?;
        let name = match s.get(&format!("{prefix}-limit-name")) {
            Some(name) => short(name),
            None if family == "code-review" => "Code review".to_string(),
            None => short(&family),
        };
        let limit = NamedLimit {
            name: name.clone(),
            five_hour: five,
            weekly: week.or(month),
        };
        usage
            .lanes
            .extend(lanes_of(&name, &limit.five_hour, &limit.weekly));
        usage.additional.push(limit);
    }
    Ok(usage)
}

fn claude(s: &Signals, at: Epoch) -> Result<Usage, String> {
    let window = |key: &str, seconds: i64| -> Result<Option<QuotaWindow>, String> {
        let name = format!("anthropic-ratelimit-unified-{key}-utilization");
        let Some(value) = s.get(&name) else {
            return Ok(None);
        };
        let fraction = number(&name, value)?;
        if !(0.0..=1.0).contains(&fraction) {
            return Err(format!("{name} is not a 0..1 fraction ({})", short(value)));
        }
        let reset_name = format!("anthropic-ratelimit-unified-{key}-reset");
        let reset = match s.get(&reset_name) {
            Some(v) => Some(reset_at(&reset_name, v, at)?),
            None => None,
        };
        let rejected = s
            .get(&format!("anthropic-ratelimit-unified-{key}-status"))
            .is_some_and(|st| st.eq_ignore_ascii_case("rejected"));
        Ok(Some(QuotaWindow {
            used_percent: if rejected { 100.0 } else { fraction * 100.0 },
            window_seconds: Some(seconds),
            reset_at: reset,
        }))
    };
    let five_hour = window("5h", 5 * 3600)?;
    let weekly = window("7d", 7 * DAY)?;
    let oi = window("7d_oi", 7 * DAY)?;
    if five_hour.is_none() && weekly.is_none() {
        return Err("no Claude quota signals".into());
    }
    let mut usage = Usage {
        five_hour,
        weekly,
        ..Usage::default()
    };
    usage.lanes.extend(lanes_of("7d_oi", &None, &oi));
    Ok(usage)
}

fn model_lanes(model: &str, usage: &Usage) -> Vec<Lane> {
    lanes_of(&short(model), &usage.five_hour, &usage.weekly)
}

fn lanes_of(
    name: &str,
    five_hour: &Option<QuotaWindow>,
    weekly: &Option<QuotaWindow>,
) -> Vec<Lane> {
    Lane::of_windows(name, five_hour, weekly)
}

#[cfg(test)]
#[path = "observations_tests.rs"]
mod tests;
