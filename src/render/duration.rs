//! Compact durations (`45s`, `12m`, `1h12m`, `2d3h`) shared by every renderer.

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Formats a duration with its largest two units and no spaces: `45s`, `12m`, `1h12m`, `2d3h`.
///
/// One precision rule everywhere: seconds are shown only below one minute, so a
/// countdown never reads `33m20s` beside `38m` (both whole minutes: `33m`, `38m`).
/// Smaller parts are cut, not rounded (`1m59s` is `1m`). A zero second unit is
/// left out (`1h`, `3d`); 0 or negative is `now`.
pub fn short(seconds: i64) -> String {
    if seconds <= 0 {
        return crate::tr!("dur.now");
    }
    if crate::i18n::is_zh() {
        return crate::i18n::script(super::duration_zh::short(seconds));
    }
    let mut out = String::with_capacity(8);
    write_short_en(&mut out, seconds);
    out
}

/// [`short`] appended to `out` (the menu's pre-rendered rows fill in
/// hundreds of these per run: in English without an allocation).
pub fn write_short(out: &mut String, seconds: i64) {
    if seconds <= 0 || crate::i18n::is_zh() {
        out.push_str(&short(seconds));
    } else {
        write_short_en(out, seconds);
    }
}

/// A positive duration in English, appended to `out`.
fn write_short_en(out: &mut String, seconds: i64) {
    let mut number = itoa::Buffer::new();
    if seconds < MINUTE {
        out.push_str(number.format(seconds));
        out.push('s');
        return;
    }
    let units = [(DAY, 'd'), (HOUR, 'h'), (MINUTE, 'm')];
    let first = units
        .iter()
        .position(|(size, _)| seconds >= *size)
        .unwrap_or(units.len() - 1);
    let (size, name) = units[first];
    out.push_str(number.format(seconds / size));
    out.push(name);
    if let Some(&(minor_size, minor_name)) = units.get(first + 1) {
        let minor = (seconds % size) / minor_size;
        if minor > 0 {
            out.push_str(number.format(minor));
            out.push(minor_name);
        }
    }
}

/// `3m ago`, or `just now` for ages of zero or less (clock skew).
pub fn ago(seconds: i64) -> String {
    if seconds <= 0 {
        crate::tr!("dur.just_now")
    } else {
        crate::tr!("dur.ago", d = short(seconds))
    }
}

/// [`ago`] for many ages in one run: the catalogue is read once.
pub struct Ages {
    just_now: String,
    /// The text before and after the duration (None: the message is not
    /// one duration in a text, and each age is [`ago`]).
    around: Option<(&'static str, &'static str)>,
}

impl Ages {
    /// The current language's texts.
    pub fn new() -> Ages {
        let template = crate::i18n::catalogue::text(crate::i18n::current(), "dur.ago");
        Ages {
            just_now: crate::tr!("dur.just_now"),
            around: template
                .split_once("%{d}")
                .filter(|(_, after)| !after.contains("%{d}")),
        }
    }

    /// [`ago`]`(seconds)` appended to `out`.
    pub fn write(&self, out: &mut String, seconds: i64) {
        match self.around {
            _ if seconds <= 0 => out.push_str(&self.just_now),
            Some((before, after)) => {
                out.push_str(before);
                write_short(out, seconds);
                out.push_str(after);
            }
            None => out.push_str(&ago(seconds)),
        }
    }
}

impl Default for Ages {
    fn default() -> Self {
        Ages::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_negative_are_now() {
        assert_eq!(short(0), "now");
        assert_eq!(short(-5), "now");
        assert_eq!(short(i64::MIN), "now");
    }

    #[test]
    fn seconds_only_below_a_minute() {
        assert_eq!(short(1), "1s");
        assert_eq!(short(45), "45s");
        assert_eq!(short(59), "59s");
    }

    #[test]
    fn minutes_drop_seconds_like_every_other_unit() {
        assert_eq!(short(60), "1m");
        assert_eq!(short(90), "1m");
        assert_eq!(short(119), "1m");
        assert_eq!(short(12 * 60), "12m");
        assert_eq!(short(2000), "33m"); // not 33m20s beside a 38m
        assert_eq!(short(3599), "59m");
    }

    #[test]
    fn no_duration_of_a_minute_or_more_shows_seconds() {
        for seconds in (60..200_000).step_by(7) {
            let text = short(seconds);
            assert!(!text.ends_with('s'), "{seconds}: {text}");
            assert!(text.chars().filter(|c| c.is_alphabetic()).count() <= 2);
        }
    }

    #[test]
    fn hours_with_minutes_drop_seconds() {
        assert_eq!(short(3600), "1h");
        assert_eq!(short(3600 + 12 * 60), "1h12m");
        assert_eq!(short(3600 + 12 * 60 + 59), "1h12m");
        assert_eq!(short(23 * 3600 + 59 * 60), "23h59m");
    }

    #[test]
    fn days_with_hours() {
        assert_eq!(short(86_400), "1d");
        assert_eq!(short(2 * 86_400 + 3 * 3600), "2d3h");
        assert_eq!(short(2 * 86_400 + 3 * 3600 + 59 * 60), "2d3h");
        assert_eq!(short(400 * 86_400), "400d");
    }

    #[test]
    fn huge_values_do_not_panic() {
        assert_eq!(short(i64::MAX), "106751991167300d15h");
    }

    #[test]
    fn chinese_durations_follow_the_thread_language() {
        crate::i18n::with(crate::i18n::Lang::ZhHans, || {
            assert_eq!(short(0), "现在");
            assert_eq!(short(38 * 60), "38分钟");
            assert_eq!(short(3600 + 12 * 60), "1小时12分");
            assert_eq!(short(3 * 86_400), "3天");
            assert_eq!(ago(180), "3分钟前");
            assert_eq!(ago(0), "刚刚");
        });
        assert_eq!(short(38 * 60), "38m");
    }

    #[test]
    fn ago_wording() {
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(-3), "just now");
        assert_eq!(ago(180), "3m ago");
    }

    #[test]
    fn written_durations_and_ages_are_the_returned_ones() {
        for lang in crate::i18n::Lang::ALL {
            crate::i18n::with(lang, || {
                let ages = Ages::new();
                for seconds in [
                    i64::MIN,
                    -5,
                    0,
                    1,
                    59,
                    60,
                    61,
                    3_599,
                    3_600,
                    3_660,
                    86_399,
                    86_400,
                    90_000,
                    i64::MAX,
                ] {
                    let mut out = String::from("x");
                    write_short(&mut out, seconds);
                    assert_eq!(out, format!("x{}", short(seconds)), "{lang:?} {seconds}");
                    let mut out = String::from("y");
                    ages.write(&mut out, seconds);
                    assert_eq!(out, format!("y{}", ago(seconds)), "{lang:?} {seconds}");
                }
            });
        }
    }
}
