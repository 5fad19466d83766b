//! Reading rate-limit JSON the way every provider answer needs it: a field by
//! its snake_case or camelCase name, numbers and booleans sent as strings,
//! times as epoch seconds, milliseconds or RFC 3339, short texts; and the
//! `rate_limit` block with its primary/secondary windows (the Codex shape,
//! also used by Codex's extra limits). Shared by `codex.rs`, `codex_extras.rs`
//! and the other providers, so none of them imports another's parser.

use serde_json::{Map, Value};

use crate::model::{Epoch, QuotaWindow};

/// Windows shorter than a day are the short (5h) window; the rest are long.
pub(crate) const DAY_SECONDS: i64 = 86_400;
/// `reset_at` values above this are milliseconds.
const MILLIS_THRESHOLD: f64 = 1e11;
/// Latest accepted epoch (9999-12-31T23:59:59Z); later values are capped.
pub(crate) const MAX_EPOCH: i64 = 253_402_300_799;

/// `rate_limit` (or `rateLimit`), else the root itself when it holds windows.
pub(crate) fn rate_limit_block(obj: &Map<String, Value>) -> Option<&Map<String, Value>> {
    if let Some(block) = field(obj, "rate_limit").and_then(Value::as_object) {
        return Some(block);
    }
    let has_windows =
        field(obj, "primary_window").is_some() || field(obj, "secondary_window").is_some();
    has_windows.then_some(obj)
}

/// The two main windows and flags of one rate-limit block.
#[derive(Default)]
pub(crate) struct ParsedBlock {
    pub(crate) five_hour: Option<QuotaWindow>,
    pub(crate) weekly: Option<QuotaWindow>,
    pub(crate) allowed: Option<bool>,
    pub(crate) limit_reached: Option<bool>,
}

/// A window before classification: its duration decides short or long.
struct SlotWindow {
    seconds: Option<i64>,
    window: QuotaWindow,
}

pub(crate) fn parse_block(block: &Map<String, Value>, now: Epoch) -> ParsedBlock {
    let allowed = field(block, "allowed").and_then(boolean);
    let limit_reached = field(block, "limit_reached").and_then(boolean);
    let limited = allowed == Some(false) || limit_reached == Some(true);
    let slot = |name: &str| {
        field(block, name)
            .and_then(Value::as_object)
            .and_then(|window| parse_window(window, limited, now))
    };
    let (five_hour, weekly) = classify(slot("primary_window"), slot("secondary_window"));
    ParsedBlock {
        five_hour,
        weekly,
        allowed,
        limit_reached,
    }
}

/// One window object; `limited` is the block-level limit flag.
fn parse_window(window: &Map<String, Value>, limited: bool, now: Epoch) -> Option<SlotWindow> {
    let seconds = window_seconds(window);
    let reset_at = reset_time(window, now);
    let window_limited = limited
        || field(window, "limit_reached").and_then(boolean) == Some(true)
        || field(window, "allowed").and_then(boolean) == Some(false);
    let used = match field(window, "used_percent").and_then(number) {
        Some(used) => used.clamp(0.0, 100.0),
        None if window_limited && reset_at.is_some() => 100.0,
        None => return None,
    };
    Some(SlotWindow {
        seconds,
        window: QuotaWindow {
            used_percent: used,
            window_seconds: seconds,
            reset_at,
        },
    })
}

/// `limit_window_seconds` (or `window_seconds`, or minutes); positive only.
fn window_seconds(window: &Map<String, Value>) -> Option<i64> {
    let seconds = field(window, "limit_window_seconds")
        .or_else(|| field(window, "window_seconds"))
        .and_then(number)
        .or_else(|| {
            field(window, "limit_window_minutes")
                .or_else(|| field(window, "window_minutes"))
                .and_then(number)
                .map(|minutes| minutes * 60.0)
        })?;
    whole_positive_seconds(seconds)
}

/// Whole seconds, kept only when at least one: a sub-second value would
/// otherwise truncate to 0 (the epoch, or a zero-length window).
pub(crate) fn whole_positive_seconds(seconds: f64) -> Option<i64> {
    let whole = seconds.min(MAX_EPOCH as f64) as i64;
    (whole > 0).then_some(whole)
}

/// `reset_at` (seconds or milliseconds), else `now + reset_after_seconds`.
pub(crate) fn reset_time(obj: &Map<String, Value>, now: Epoch) -> Option<Epoch> {
    let absolute = field(obj, "reset_at")
        .or_else(|| field(obj, "resets_at"))
        .and_then(epoch_value);
    if absolute.is_some() {
        return absolute;
    }
    let after = field(obj, "reset_after_seconds")
        .or_else(|| field(obj, "resets_after_seconds"))
        .or_else(|| field(obj, "resets_in_seconds"))
        .or_else(|| field(obj, "reset_in_seconds"))
        .and_then(number)
        .filter(|seconds| *seconds >= 0.0)?;
    Some(
        now.saturating_add(after.min(MAX_EPOCH as f64) as i64)
            .min(MAX_EPOCH),
    )
}

/// An absolute time: epoch seconds, epoch milliseconds (> 1e11) or RFC 3339.
pub(crate) fn epoch_value(value: &Value) -> Option<Epoch> {
    if let Some(raw) = number(value) {
        let seconds = if raw > MILLIS_THRESHOLD {
            raw / 1000.0
        } else {
            raw
        };
        return whole_positive_seconds(seconds);
    }
    let text = value.as_str()?.trim();
    let parsed = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    let seconds = parsed.timestamp();
    (seconds > 0).then_some(seconds.min(MAX_EPOCH))
}

/// Sort slot windows into (short, long) by duration; slots only when it is unknown.
///
/// Among several long windows the shortest wins (weekly over monthly); among
/// several short ones the primary slot wins. A window without a duration takes
/// its slot's default (primary = short, secondary = long) only when that is free.
fn classify(
    primary: Option<SlotWindow>,
    secondary: Option<SlotWindow>,
) -> (Option<QuotaWindow>, Option<QuotaWindow>) {
    let mut short: Option<QuotaWindow> = None;
    let mut long: Option<(i64, QuotaWindow)> = None;
    let mut unknown: Vec<(bool, QuotaWindow)> = Vec::new();
    for (is_primary, slot) in [(true, primary), (false, secondary)] {
        let Some(slot) = slot else { continue };
        match slot.seconds {
            Some(seconds) if seconds < DAY_SECONDS => {
                short.get_or_insert(slot.window);
            }
            Some(seconds) => {
                if long.as_ref().is_none_or(|(current, _)| seconds < *current) {
                    long = Some((seconds, slot.window));
                }
            }
            None => unknown.push((is_primary, slot.window)),
        }
    }
    let mut long = long.map(|(_, window)| window);
    for (is_primary, window) in unknown {
        let target = if is_primary { &mut short } else { &mut long };
        if target.is_none() {
            *target = Some(window);
        }
    }
    (short, long)
}

/// Look a key up by its snake_case name or its camelCase spelling; null is absent.
pub(crate) fn field<'a>(obj: &'a Map<String, Value>, snake: &str) -> Option<&'a Value> {
    let found = obj.get(snake).or_else(|| obj.get(&camel_case(snake)));
    found.filter(|value| !value.is_null())
}

fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A finite number from a JSON number or a numeric string.
pub(crate) fn number(value: &Value) -> Option<f64> {
    let parsed = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    parsed.filter(|n| n.is_finite())
}

/// A boolean from `true`/`false`, `"true"`/`"false"` or 0/1.
pub(crate) fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_u64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A plan name: trimmed, lower-cased, control characters removed; None when empty.
pub(crate) fn plan_string(value: &Value) -> Option<String> {
    let plan = snippet(value.as_str()?, 40).to_lowercase();
    (!plan.is_empty()).then_some(plan)
}

/// At most `max` characters of `text`: control and line-separator characters
/// dropped, whitespace runs collapsed to one space, trimmed.
pub(crate) fn snippet(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') {
            continue;
        }
        if pending_space {
            if count + 1 >= max {
                break;
            }
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        if count >= max {
            break;
        }
        out.push(c);
        count += 1;
    }
    out
}
