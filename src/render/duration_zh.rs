//! Chinese durations: `45秒`, `38分钟`, `1小时12分`, `3天`, `2天3小时`.
//!
//! The same precision as the English form: the largest two units, seconds
//! only below a minute, smaller parts cut (not rounded).

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A positive duration in Chinese (callers handle zero and negative).
pub fn short(seconds: i64) -> String {
    if seconds < MINUTE {
        return format!("{seconds}秒");
    }
    if seconds < HOUR {
        return format!("{}分钟", seconds / MINUTE);
    }
    let (major, unit, minor, minor_unit) = if seconds < DAY {
        (seconds / HOUR, "小时", seconds % HOUR / MINUTE, "分")
    } else {
        (seconds / DAY, "天", seconds % DAY / HOUR, "小时")
    };
    if minor > 0 {
        format!("{major}{unit}{minor}{minor_unit}")
    } else {
        format!("{major}{unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn reads_naturally() {
        assert_eq!(short(45), "45秒");
        assert_eq!(short(60), "1分钟");
        assert_eq!(short(38 * 60 + 59), "38分钟");
        assert_eq!(short(3600), "1小时");
        assert_eq!(short(3600 + 12 * 60 + 30), "1小时12分");
        assert_eq!(short(3 * 86_400), "3天");
        assert_eq!(short(2 * 86_400 + 3 * 3600 + 59 * 60), "2天3小时");
        assert_eq!(short(i64::MAX), "106751991167300天15小时");
    }
}
