import Foundation

// Every user-facing string of SnapshotKit and of the widget/app views, in English and Simplified Chinese.
//
// Why a typed table instead of Localizable.strings / String Catalogs:
// - SnapshotKit is Foundation-only and is unit-tested on Linux, where swift-corelibs-foundation's bundle
//   localisation (Bundle.module + .lproj lookup, `String(localized:)`) is incomplete and follows the
//   process locale, not a value we pass in;
// - the language is chosen by the snapshot (`language`, written by poolwatch from its `language` setting),
//   not by the widget's process locale, so the lookup has to take the language as an argument;
// - an enum of keys makes a missing or misspelt key a compile error, and LocalizationTests fail when a key
//   lacks a language or a translation drops a placeholder.
// The Chinese wording follows poolwatch's own catalogue (locales/poolwatch.toml: 号池, 周额度触线, 冷却,
// 最近 30 分钟…, and the same durations), so the menu bar and the widget say the same thing.

/// The interface language. Follows the snapshot's `language` field; missing or unknown -> English.
public enum Language: String, CaseIterable, Sendable, Codable {
    case en = "en"
    case zhHans = "zh-Hans"

    /// Lenient parse of a language tag: `zh-Hans`, `zh_Hans`, `zh-CN`, `zh-SG`, `zh` -> zh-Hans;
    /// anything else (including `zh-Hant`, `zh-TW`, `zh-HK`: no Traditional table yet) -> English.
    public init(tag: String?) {
        let t = (tag ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "_", with: "-").lowercased()
        let parts = t.split(separator: "-").map(String.init)
        guard parts.first == "zh" else {
            self = .en
            return
        }
        let rest = Set(parts.dropFirst())
        if rest.contains("hant") || rest.contains("tw") || rest.contains("hk") || rest.contains("mo") {
            self = .en
        } else {
            self = .zhHans
        }
    }

    /// The language for texts that exist before any snapshot was read (missing file, widget gallery):
    /// the first of the user's preferred languages that has a table (pass `Locale.preferredLanguages`).
    public static func preferred(_ tags: [String]) -> Language {
        for tag in tags {
            let lang = Language(tag: tag)
            if lang != .en { return lang }
            if tag.lowercased().hasPrefix("en") { return .en }
        }
        return .en
    }

    /// A locale identifier for SwiftUI's `.environment(\.locale, …)`, so `Text(date, style: .relative)`
    /// countdowns speak the same language as the rest of the widget.
    public var localeIdentifier: String { self == .en ? "en_US" : "zh_Hans_CN" }
}

/// Message keys. Templates use `{0}`, `{1}` … for arguments (the same set in every language).
public enum L10nKey: String, CaseIterable, Sendable {
    // durations (Format.duration / decimalDuration)
    case durSeconds, durMinutes, durHours, durHoursMinutes, durDays, durDaysHours
    case durDecimalHours, durDecimalDays
    // restore forecast
    case restoreShort, restoreNow, restoreNone
    case restoreLongIn, restoreLongNow, restoreLongNone
    // pace
    case paceRunsOut, pacePerHour
    // health
    case failuresNone, failuresOne, failuresMany
    case successRate
    case healthIdle, healthHealthy, healthDegraded, healthFailing
    // freshness / states
    case updatedJustNow, updatedAgo
    case staleBare, staleWithError
    case noDataYetRun, noDataYet, noData, noPoolData, noSnapshot, noSnapshotYetRun
    case defaultTitle
    // counts
    case readyCount, readyWord
    case issueKilled, issueCooling, issueErroring, issueDisabled, issueStale
    // account tags
    case tagWeekKill, tagCooling, tagDisabled, tagStale, tagError
    // window titles
    case window5h, windowWeek, windowMonth, windowDay, quotaUnknown
    // providers
    case providersHeader, providerAccounts
    // API keys
    case apiKeysHeader, apiKeyCounts, apiKeysSummary, apiKeysSummaryFailing, moreItems
    // ban
    case banTitle, banRetryIn, banRetrySoon
    // views
    case restoreCardTitle, demoBadge
    case reloadButton, reloadWidgetsButton
    case widgetDisplayName, widgetDescription
    // loader errors
    case errMissing, errUnreadable, errInvalid, errSchemaNewer, errSchemaOlder, errPermission, errSchemaMissing
    case updatePoolwatchTitle, updateWidgetTitle
    // schema 3: key-guard pause (issue 21)
    case pauseTitle, pauseRetryIn
    // schema 3: quota over time (issue 19): pace stages, charts, waste, use first, account source
    case paceOnPace, paceDeficit, paceReserve, paceLastsUntilReset, paceStageDetail, paceMarginBefore
    case chartTitle, chartAgo, chartRange, span24h, span7d
    case wasteLine, wastePart
    case useFirstTitle, resetsIn, resetsNow
    case sourceObserved, sourceObservedAgo, sourceRead, sourceReadAgo
}

public enum L10n {
    /// The template of `key` in `language` (English when a translation is missing, which a test forbids).
    public static func template(_ key: L10nKey, _ language: Language) -> String {
        table(language)[key] ?? en[key] ?? key.rawValue
    }

    /// The message with `{0}`, `{1}` … replaced by `args`.
    public static func text(_ key: L10nKey, _ language: Language, _ args: String...) -> String {
        fill(template(key, language), args)
    }

    /// The parts of a one-argument template around its `{0}`: for SwiftUI views that put a live
    /// `Text(date, style: .relative)` in the middle (`Server ban: retry in ` + countdown + ``,
    /// `服务器封禁：` + countdown + `后重试`).
    public static func split(_ key: L10nKey, _ language: Language) -> (before: String, after: String) {
        let t = template(key, language)
        guard let r = t.range(of: "{0}") else { return (t, "") }
        return (String(t[..<r.lowerBound]), String(t[r.upperBound...]))
    }

    public static func table(_ language: Language) -> [L10nKey: String] {
        switch language {
        case .en: return en
        case .zhHans: return zhHans
        }
    }

    /// `{n}` placeholders of a template, as a set of indices.
    public static func placeholders(_ template: String) -> Set<Int> {
        var found = Set<Int>()
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            if let n = Int(after[..<close]) { found.insert(n) }
            rest = after[after.index(after: close)...]
        }
        return found
    }

    static func fill(_ template: String, _ args: [String]) -> String {
        var out = template
        for (i, arg) in args.enumerated() {
            out = out.replacingOccurrences(of: "{\(i)}", with: arg)
        }
        return out
    }

    static let en: [L10nKey: String] = [
        .durSeconds: "{0}s",
        .durMinutes: "{0}m",
        .durHours: "{0}h",
        .durHoursMinutes: "{0}h{1}m",
        .durDays: "{0}d",
        .durDaysHours: "{0}d{1}h",
        .durDecimalHours: "{0}h",
        .durDecimalDays: "{0}d",
        .restoreShort: "+{0}% · {1}",
        .restoreNow: "now",
        .restoreNone: "no restore",
        .restoreLongIn: "+{0}% -> {1}% in {2}",
        .restoreLongNow: "+{0}% -> {1}% now",
        .restoreLongNone: "no restore pending",
        .paceRunsOut: "runs out in {0}",
        .pacePerHour: "-{0}%/h",
        .failuresNone: "no failures in 30 min",
        .failuresOne: "1 failure in 30 min",
        .failuresMany: "{0} failures in 30 min",
        .successRate: "{0}% ok",
        .healthIdle: "Idle",
        .healthHealthy: "Healthy",
        .healthDegraded: "Degraded",
        .healthFailing: "Failing",
        .updatedJustNow: "updated just now",
        .updatedAgo: "updated {0} ago",
        .staleBare: "stale",
        .staleWithError: "stale — {0}",
        .noDataYetRun: "No data yet — run poolwatch",
        .noDataYet: "no data yet",
        .noData: "No data",
        .noPoolData: "No pool data",
        .noSnapshot: "No snapshot",
        .noSnapshotYetRun: "No snapshot yet — run poolwatch",
        .defaultTitle: "CLIProxy Pool",
        .readyCount: "{0}/{1} ready",
        .readyWord: "Ready",
        .issueKilled: "{0} killed",
        .issueCooling: "{0} cooling",
        .issueErroring: "{0} erroring",
        .issueDisabled: "{0} disabled",
        .issueStale: "{0} stale",
        .tagWeekKill: "weekKILL",
        .tagCooling: "cooling",
        .tagDisabled: "disabled",
        .tagStale: "stale",
        .tagError: "error",
        .window5h: "5h",
        .windowWeek: "Week",
        .windowMonth: "Month",
        .windowDay: "Day",
        .quotaUnknown: "Quota unknown: no account has current values",
        .providersHeader: "Providers",
        .providerAccounts: "{0}/{1} ready",
        .apiKeysHeader: "API keys",
        .apiKeyCounts: "{0} ok · {1} failed",
        .apiKeysSummary: "{0} keys",
        .apiKeysSummaryFailing: "{0} keys · {1} failing",
        .moreItems: "+{0} more",
        .banTitle: "Server ban",
        .banRetryIn: "Server ban: retry in {0}",
        .banRetrySoon: "Server ban: retry now",
        .restoreCardTitle: "Restore",
        .demoBadge: "DEMO",
        .reloadButton: "Reload",
        .reloadWidgetsButton: "Reload Widgets",
        .widgetDisplayName: "CLIProxy Pool",
        .widgetDescription: "Pool quota, restore forecast and request health from poolwatch.",
        .errMissing: "No snapshot at {0} — run poolwatch",
        .errUnreadable: "Cannot read {0}: {1}",
        .errInvalid: "Snapshot is not valid: {0}",
        .errSchemaNewer: "Snapshot schema {0} comes from a newer poolwatch (this widget reads schema {1}); update the widget",
        .errSchemaOlder: "Snapshot schema {0} comes from an older poolwatch (this widget reads schema {1}); update poolwatch, which rewrites the file on its next run",
        .errPermission: "permission denied (check the widget's home-relative-path entitlement)",
        .errSchemaMissing: "schema_version is missing",
        .updatePoolwatchTitle: "Update poolwatch",
        .updateWidgetTitle: "Update the widget",
        // schema 3: key-guard pause (issue 21)
        .pauseTitle: "Key attempts paused",
        .pauseRetryIn: "Key attempts paused: retry in {0}",
        // schema 3: quota over time (issue 19)
        .paceOnPace: "on pace",
        .paceDeficit: "deficit",
        .paceReserve: "reserve",
        .paceLastsUntilReset: "lasts until reset",
        .paceStageDetail: "{0}, {1}",
        .paceMarginBefore: "{0} before reset",
        .chartTitle: "{0} · {1}",
        .chartAgo: "{0} ago",
        .chartRange: "low {0} · now {1}",
        .span24h: "24h",
        .span7d: "7d",
        .wasteLine: "Unused at reset, 7d: {0}",
        .wastePart: "{0} {1} ({2})",
        .useFirstTitle: "Use first",
        .resetsIn: "resets in {0}",
        .resetsNow: "resetting now",
        .sourceObserved: "observed",
        .sourceObservedAgo: "observed {0} ago",
        .sourceRead: "read",
        .sourceReadAgo: "read {0} ago",
    ]

    static let zhHans: [L10nKey: String] = [
        .durSeconds: "{0}秒",
        .durMinutes: "{0}分钟",
        .durHours: "{0}小时",
        .durHoursMinutes: "{0}小时{1}分",
        .durDays: "{0}天",
        .durDaysHours: "{0}天{1}小时",
        .durDecimalHours: "{0}小时",
        .durDecimalDays: "{0}天",
        .restoreShort: "+{0}% · {1}",
        .restoreNow: "现在",
        .restoreNone: "暂无恢复",
        .restoreLongIn: "+{0}% -> {1}%，{2}后",
        .restoreLongNow: "+{0}% -> {1}%，现在",
        .restoreLongNone: "暂无待恢复额度",
        .paceRunsOut: "{0}后耗尽",
        .pacePerHour: "-{0}%/小时",
        .failuresNone: "最近 30 分钟没有失败",
        .failuresOne: "最近 30 分钟失败 1 次",
        .failuresMany: "最近 30 分钟失败 {0} 次",
        .successRate: "成功率 {0}%",
        .healthIdle: "空闲",
        .healthHealthy: "健康",
        .healthDegraded: "部分失败",
        .healthFailing: "失败",
        .updatedJustNow: "刚刚更新",
        .updatedAgo: "{0}前更新",
        .staleBare: "数据已过期",
        .staleWithError: "数据已过期 — {0}",
        .noDataYetRun: "暂无数据 — 请运行 poolwatch",
        .noDataYet: "暂无数据",
        .noData: "无数据",
        .noPoolData: "还没有号池数据",
        .noSnapshot: "没有快照",
        .noSnapshotYetRun: "还没有快照 — 请运行 poolwatch",
        .defaultTitle: "CLIProxy 号池",
        .readyCount: "{0}/{1} 可用",
        .readyWord: "可用",
        .issueKilled: "{0} 个周额度触线",
        .issueCooling: "{0} 个冷却中",
        .issueErroring: "{0} 个出错",
        .issueDisabled: "{0} 个停用",
        .issueStale: "{0} 个数据过期",
        .tagWeekKill: "周额度触线",
        .tagCooling: "冷却",
        .tagDisabled: "停用",
        .tagStale: "过期",
        .tagError: "错误",
        .window5h: "5h",
        .windowWeek: "周",
        .windowMonth: "月",
        .windowDay: "日",
        .quotaUnknown: "额度未知：没有账号有当前数值",
        .providersHeader: "提供方",
        .providerAccounts: "{0}/{1} 可用",
        .apiKeysHeader: "API 密钥",
        .apiKeyCounts: "{0} 成功 · {1} 失败",
        .apiKeysSummary: "{0} 个密钥",
        .apiKeysSummaryFailing: "{0} 个密钥 · {1} 个失败",
        .moreItems: "另有 {0} 个",
        .banTitle: "服务器封禁",
        .banRetryIn: "服务器封禁：{0}后重试",
        .banRetrySoon: "服务器封禁：现在可重试",
        .restoreCardTitle: "恢复",
        .demoBadge: "演示",
        .reloadButton: "重新读取",
        .reloadWidgetsButton: "刷新小组件",
        .widgetDisplayName: "CLIProxy 号池",
        .widgetDescription: "来自 poolwatch 的号池额度、恢复预测和请求健康状况。",
        .errMissing: "{0} 没有快照 — 请运行 poolwatch",
        .errUnreadable: "无法读取 {0}：{1}",
        .errInvalid: "快照无效：{0}",
        .errSchemaNewer: "快照格式 {0} 来自更新的 poolwatch（此小组件读取格式 {1}）；请更新小组件",
        .errSchemaOlder: "快照格式 {0} 来自旧版 poolwatch（此小组件读取格式 {1}）；请更新 poolwatch，它会在下次运行时重写该文件",
        .errPermission: "权限被拒绝（请检查小组件的 home-relative-path 授权）",
        .errSchemaMissing: "缺少 schema_version",
        .updatePoolwatchTitle: "请更新 poolwatch",
        .updateWidgetTitle: "请更新小组件",
        // schema 3: key-guard pause (issue 21)
        .pauseTitle: "已暂停尝试密钥",
        .pauseRetryIn: "已暂停尝试密钥：{0}后重试",
        // schema 3: quota over time (issue 19)
        .paceOnPace: "节奏正常",
        .paceDeficit: "超前消耗",
        .paceReserve: "有余量",
        .paceLastsUntilReset: "能撑到重置",
        .paceStageDetail: "{0}，{1}",
        .paceMarginBefore: "比重置早 {0}",
        .chartTitle: "{0} · {1}",
        .chartAgo: "{0}前",
        .chartRange: "最低 {0} · 当前 {1}",
        .span24h: "24小时",
        .span7d: "7天",
        .wasteLine: "7天内重置时未用完：{0}",
        .wastePart: "{0} {1}（{2}）",
        .useFirstTitle: "优先使用",
        .resetsIn: "{0}后重置",
        .resetsNow: "正在重置",
        .sourceObserved: "来自流量",
        .sourceObservedAgo: "{0}前从流量观测",
        .sourceRead: "已读取",
        .sourceReadAgo: "{0}前读取",
    ]
}
