import Foundation

/// Hand-written, locale-independent formatting. DateComponentsFormatter is missing from
/// swift-corelibs-foundation, and widget text must not change with the user's locale settings
/// (the numbers are compared against the CLI and the menu bar output).
public enum Format {
    // MARK: numbers

    /// One decimal place, always: `66.0`, `1254.0`, `0.5`. Non-finite values give `0.0`.
    /// Values beyond ±2^53 are shown as ±2^53 - 1 (never a trap in the Int64 conversion).
    public static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return "0.0" }
        if let whole = wholeIfHuge(value) { return "\(whole).0" }
        let tenths = (value * 10).rounded()
        let negative = tenths < 0
        let magnitude = abs(tenths)
        let whole = Int64(magnitude / 10)
        let fraction = Int64(magnitude.truncatingRemainder(dividingBy: 10))
        return (negative ? "-" : "") + "\(whole).\(fraction)"
    }

    /// Whole numbers without decimals, everything else with one decimal: `1900`, `100`, `12.5`.
    public static func compact(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if let whole = wholeIfHuge(value) { return "\(whole)" }
        let tenths = (value * 10).rounded()
        if tenths.truncatingRemainder(dividingBy: 10) == 0 {
            return "\(Int64(tenths / 10))"
        }
        return oneDecimal(value)
    }

    /// Beyond 2^53 / 10 a double has no tenths left to show: the (clamped) whole number, else nil.
    static func wholeIfHuge(_ value: Double) -> Int64? {
        guard abs(value) >= NumberBounds.maxMagnitude / 10 else { return nil }
        return Int64(NumberBounds.clamp(value).rounded())
    }

    /// A plan weight: `20x`, `1x`, `2.5x`.
    public static func weight(_ value: Double) -> String {
        compact(value) + "x"
    }

    // MARK: pool windows

    /// Remaining as a share of capacity with one decimal: `66.0%`. Capacity <= 0 gives `0.0%`.
    public static func poolPercent(remaining: Double, capacity: Double) -> String {
        oneDecimal(ringFraction(remaining: remaining, capacity: capacity) * 100) + "%"
    }

    /// The original medium widget's detail line under a ring: `1254.0/1900%`.
    public static func poolRatio(remaining: Double, capacity: Double) -> String {
        "\(oneDecimal(remaining))/\(compact(capacity))%"
    }

    /// remaining / capacity clamped to 0...1 (0 when capacity <= 0 or a value is not finite).
    public static func ringFraction(remaining: Double, capacity: Double) -> Double {
        guard capacity > 0, remaining.isFinite, capacity.isFinite else { return 0 }
        return min(1, max(0, remaining / capacity))
    }

    // MARK: durations

    /// Compact countdown: `45s`, `12m`, `1h12m`, `3h`, `2d3h`, `2d`. Negative durations give `0s`.
    /// Seconds are truncated (a countdown never claims more time than is left).
    /// Chinese: `45秒`, `38分钟`, `1小时12分`, `3小时`, `2天3小时`, `3天`.
    public static func duration(_ interval: TimeInterval, language: Language = .en) -> String {
        let total = interval.isFinite ? max(0, Int64(NumberBounds.clamp(interval).rounded(.down))) : 0
        if total < 60 { return L10n.text(.durSeconds, language, "\(total)") }
        let minutes = total / 60
        if minutes < 60 { return L10n.text(.durMinutes, language, "\(minutes)") }
        let hours = minutes / 60
        let restMinutes = minutes % 60
        if hours < 24 {
            return restMinutes == 0 ? L10n.text(.durHours, language, "\(hours)")
                : L10n.text(.durHoursMinutes, language, "\(hours)", "\(restMinutes)")
        }
        let days = hours / 24
        let restHours = hours % 24
        return restHours == 0 ? L10n.text(.durDays, language, "\(days)")
            : L10n.text(.durDaysHours, language, "\(days)", "\(restHours)")
    }

    /// The original restore card's short style: `45s`, `12m` below one hour, `1.3h` below two days,
    /// `2.5d` above (Chinese: `1.3小时`, `2.5天`).
    public static func decimalDuration(_ interval: TimeInterval, language: Language = .en) -> String {
        let total = interval.isFinite ? max(0, interval) : 0
        if total < 3600 { return duration(total, language: language) }
        if total < 48 * 3600 { return L10n.text(.durDecimalHours, language, oneDecimal(total / 3600)) }
        return L10n.text(.durDecimalDays, language, oneDecimal(total / 86400))
    }

    // MARK: restore forecast

    /// Restore card row: `+100% · 1.3h`; `+100% · now` when the time has passed; `no restore` without a forecast.
    public static func restoreShort(_ forecast: Forecast?, now: Date, language: Language = .en) -> String {
        guard let forecast else { return L10n.text(.restoreNone, language) }
        let remaining = forecast.at.timeIntervalSince(now)
        let when = remaining > 0 ? decimalDuration(remaining, language: language) : L10n.text(.restoreNow, language)
        return L10n.text(.restoreShort, language, compact(forecast.restored), when)
    }

    /// Long form used on bars and in the host app: `+300% -> 1720% in 1h12m` (`... -> 1720% now` when due).
    public static func restoreLong(_ forecast: Forecast?, now: Date, language: Language = .en) -> String {
        guard let forecast else { return L10n.text(.restoreLongNone, language) }
        let remaining = forecast.at.timeIntervalSince(now)
        let restored = compact(forecast.restored)
        let target = compact(forecast.target)
        return remaining > 0
            ? L10n.text(.restoreLongIn, language, restored, target, duration(remaining, language: language))
            : L10n.text(.restoreLongNow, language, restored, target)
    }

    // MARK: health and freshness

    /// `no failures in 30 min`, `1 failure in 30 min`, `12 failures in 30 min`.
    public static func failures(_ count: Int, language: Language = .en) -> String {
        switch count {
        case ..<1: return L10n.text(.failuresNone, language)
        case 1: return L10n.text(.failuresOne, language)
        default: return L10n.text(.failuresMany, language, "\(count)")
        }
    }

    /// `updated just now` (< 5 s), `updated 45s ago`, `updated 3m ago`, `updated 1h12m ago`.
    /// A date in the future (clock skew) counts as just now.
    public static func updatedAgo(_ date: Date, now: Date, language: Language = .en) -> String {
        let age = now.timeIntervalSince(date)
        if age < 5 { return L10n.text(.updatedJustNow, language) }
        return L10n.text(.updatedAgo, language, duration(age, language: language))
    }

    // MARK: server ban (issue 9)

    /// `Server ban: retry in 23m` while `until` lies ahead (`服务器封禁：23分钟后重试`); nil once it has
    /// passed, so the widget stops showing it. Truncated like every countdown here and like poolwatch's
    /// own "the ban ends in 29m" (29m59s left reads `29m`), so the menu and the widget agree.
    public static func banCountdown(until: Date?, now: Date, language: Language = .en) -> String? {
        countdown(.banRetryIn, until: until, now: now, language: language)
    }

    /// `Key attempts paused: retry in 28m` while the key guard's pause lasts (issue 21); nil after it.
    public static func pauseCountdown(until: Date?, now: Date, language: Language = .en) -> String? {
        countdown(.pauseRetryIn, until: until, now: now, language: language)
    }

    /// A one-argument template filled with the time left until `until`; nil once it has passed.
    static func countdown(_ key: L10nKey, until: Date?, now: Date, language: Language) -> String? {
        guard let until else { return nil }
        let left = until.timeIntervalSince(now)
        guard left > 0 else { return nil }
        return L10n.text(key, language, duration(left, language: language))
    }

    /// Plan display name: `pro` -> `Pro`, `prolite`/`pro_lite`/`pro-lite` -> `Pro Lite`, `plus` -> `Plus`,
    /// Claude `max20x` -> `Max 20x`, Antigravity `g1-ultra-tier` -> `Ultra`,
    /// anything else capitalised as given (`team` -> `Team`), empty -> `Plus`.
    public static func planName(_ plan: String) -> String {
        let key = plan.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        switch key {
        case "pro": return "Pro"
        case "prolite", "pro_lite", "pro-lite", "pro lite": return "Pro Lite"
        case "plus", "": return "Plus"
        // Claude (oauth/profile) and Antigravity (loadCodeAssist) plans, as poolwatch normalises them.
        case "max": return "Max"
        case "max5x", "max_5x", "max-5x": return "Max 5x"
        case "max20x", "max_20x", "max-20x": return "Max 20x"
        case "free-tier": return "Free"
        case "g1-pro-tier": return "Pro"
        case "g1-ultra-lite-tier": return "Ultra Lite"
        case "g1-ultra-tier": return "Ultra"
        default: return key.prefix(1).uppercased() + key.dropFirst()
        }
    }

    /// `HH:mm` in the given time zone (the header clock; the widget views use `Text(date, style: .time)`,
    /// this is for the host app and tests). Gregorian, locale-independent.
    public static func clock(_ date: Date, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let h = parts.hour ?? 0
        let m = parts.minute ?? 0
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}
