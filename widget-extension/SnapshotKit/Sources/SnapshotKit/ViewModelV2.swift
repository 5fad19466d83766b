import Foundation

// View models of the schema v2 additions: provider sections, API keys, account lanes and the server ban.

// MARK: - server ban (issue 9)

/// The server's IP ban while it lasts. The views show `title` and a live `Text(until, style: .relative)`
/// between `before` and `after`; `text` is the same sentence frozen at `now` (host app, tests).
public struct BanViewModel: Equatable, Sendable {
    public let until: Date
    /// `Server ban` (`服务器封禁`)
    public let title: String
    /// `Server ban: retry in 23m` (`服务器封禁：23分钟后重试`)
    public let text: String
    /// Template parts around the countdown: `Server ban: retry in ` + … + `` / `服务器封禁：` + … + `后重试`.
    public let before: String
    public let after: String

    /// nil when there is no ban or it has passed (the widget stops showing it then).
    public init?(until: Date?, now: Date, language: Language = .en) {
        guard let until, let text = Format.banCountdown(until: until, now: now, language: language) else { return nil }
        self.until = until
        self.text = text
        title = L10n.text(.banTitle, language)
        (before, after) = L10n.split(.banRetryIn, language)
    }
}

// MARK: - providers (issue 13)

public enum WindowName {
    /// `5h` -> `5h`, `week` -> `Week`/`周`, `month` -> `Month`/`月`; any other (a provider's
    /// own lane name) is shown as written.
    public static func title(_ name: String, _ language: Language) -> String {
        switch name.trimmingCharacters(in: .whitespaces).lowercased() {
        case "5h", "five_hour", "five-hour", "5-hour": return L10n.text(.window5h, language)
        case "week", "weekly", "7d", "seven_day": return L10n.text(.windowWeek, language)
        case "month", "monthly", "30d": return L10n.text(.windowMonth, language)
        case "day", "daily", "24h": return L10n.text(.windowDay, language)
        default: return name.isEmpty ? "?" : name
        }
    }

    /// Restore accent: blue for 5h-like windows, purple for the rest (like the original restore card).
    static func restoreTint(_ name: String) -> Tint {
        WindowName.title(name, .en) == "5h" ? .blue : .purple
    }
}

/// One window of a provider section, formatted by the section's unit.
public struct ProviderWindowViewModel: Equatable, Sendable {
    /// As written (`5h`, `week`, `GPT-5.3-Codex-Spark` …).
    public let name: String
    /// `5h` / `Week` / lane name (`5h` / `周` …)
    public let title: String
    /// Share of capacity, one decimal: `64.2%` (the ring text).
    public let percentText: String
    /// The amount in the section's unit: `2955%` (Plus-base, as in the menu) or `64%` (plain percent).
    public let amountText: String
    /// `2955.0/4600%` for Plus-base sections; nil for plain percent (the share says it all).
    public let ratioText: String?
    public let fraction: Double
    public let forecastFraction: Double?
    public let level: Level
    public var tint: Tint { level.tint }
    public let restoreTint: Tint
    /// `+263% · 1.3h` / `no restore`
    public let restoreShort: String
    /// `+263% -> 3218% in 1h18m`
    public let restoreLong: String
    public let restoreAt: Date?

    public init(_ window: ProviderWindow, unit: QuotaUnit, now: Date, language: Language = .en) {
        name = window.name
        title = WindowName.title(window.name, language)
        fraction = Format.ringFraction(remaining: window.remaining, capacity: window.capacity)
        percentText = Format.poolPercent(remaining: window.remaining, capacity: window.capacity)
        switch unit {
        case .plusPercent:
            amountText = Format.compact(window.remaining) + "%"
            ratioText = Format.poolRatio(remaining: window.remaining, capacity: window.capacity)
        case .percent, .unknown:
            amountText = Format.compact(fraction * 100) + "%"
            ratioText = nil
        }
        level = window.level == .unknown ? Level.forFraction(fraction) : window.level
        restoreTint = WindowName.restoreTint(window.name)
        if let forecast = window.forecast {
            forecastFraction = max(fraction, Format.ringFraction(remaining: forecast.target, capacity: window.capacity))
            restoreAt = forecast.at
        } else {
            forecastFraction = nil
            restoreAt = nil
        }
        restoreShort = Format.restoreShort(window.forecast, now: now, language: language)
        restoreLong = Format.restoreLong(window.forecast, now: now, language: language)
    }
}

/// A provider's pool section: name, each window, ready count and health.
public struct ProviderViewModel: Equatable, Sendable, Identifiable {
    public var id: String { provider }
    /// `codex`
    public let provider: String
    /// `Codex`
    public let name: String
    public let unit: QuotaUnit
    /// The section behind the v1 `pool` (what the small and medium widgets show).
    public let isPrimary: Bool
    public let windows: [ProviderWindowViewModel]
    /// `3/4 ready`, nil without counts.
    public let readyText: String?
    /// `1 killed · 1 cooling`, empty when all is well.
    public let issuesText: String
    public let health: HealthViewModel?

    public init(_ section: ProviderSection, isPrimary: Bool, now: Date, language: Language = .en) {
        provider = section.provider
        name = section.name
        unit = section.unit
        self.isPrimary = isPrimary
        windows = section.windows.map { ProviderWindowViewModel($0, unit: section.unit, now: now, language: language) }
        readyText = section.counts.map { L10n.text(.providerAccounts, language, "\($0.available)", "\($0.total)") }
        issuesText = section.counts.map { PoolViewModel.issues($0, language: language) } ?? ""
        health = section.health.map { HealthViewModel($0, language: language) }
    }

    /// The snapshot's sections in the writer's order. The primary one is `primary_provider`, else the
    /// first section (the writer puts the primary first).
    public static func rows(_ snapshot: Snapshot, now: Date) -> [ProviderViewModel] {
        let sections = snapshot.providers
        let primary = snapshot.primaryProvider?.lowercased()
        let primaryIndex = sections.firstIndex { $0.provider.lowercased() == primary } ?? (sections.isEmpty ? nil : 0)
        return sections.enumerated().map { i, section in
            ProviderViewModel(section, isPrimary: i == primaryIndex, now: now, language: snapshot.language)
        }
    }

    /// At most `limit` rows and the `+N more` text for the rest (nil when everything fits).
    public static func visible(_ rows: [ProviderViewModel], limit: Int, language: Language)
        -> (rows: [ProviderViewModel], more: String?) {
        clip(rows, limit: limit, language: language)
    }
}

// MARK: - account lanes

/// One extra lane of an account: `Spark  80%`, or `–` when unknown.
public struct LaneViewModel: Equatable, Sendable {
    public let name: String
    /// `5h` / `Week` / `Month` of the lane's window, nil when the writer gives none.
    public let windowTitle: String?
    public let remainingText: String
    public let fraction: Double
    public let tint: Tint
    public let resetAt: Date?

    public init(_ lane: Lane, language: Language = .en) {
        name = lane.name.isEmpty ? "?" : lane.name
        windowTitle = lane.window.map { WindowName.title($0, language) }
        remainingText = lane.remaining.map { Format.compact($0) + "%" } ?? "–"
        fraction = lane.remaining.map { Format.ringFraction(remaining: $0, capacity: 100) } ?? 0
        tint = lane.remaining.map { Level.forPercent($0).tint } ?? .gray
        resetAt = lane.resetAt
    }
}

// MARK: - API keys (issue 12)

/// One upstream API key's health: label, success/failed, the 20-bucket strip and recent failures.
public struct APIKeyViewModel: Equatable, Sendable, Identifiable {
    public var id: String { "\(provider)|\(host)|\(fingerprint)" }
    /// The configured label, else `provider · host · fingerprint`. Never the key.
    public let label: String
    public let provider: String
    public let host: String
    public let fingerprint: String
    /// `12 ok · 1 failed` (`成功 12 · 失败 1`)
    public let countsText: String
    /// Oldest first; empty when the writer sent no buckets.
    public let states: [BucketState]
    public let status: HealthViewModel.Status
    /// `Degraded` (`部分失败`)
    public let statusTitle: String
    public let recentFailures: Int
    /// `2 failures in 30 min`
    public let failuresText: String

    public init(_ key: APIKey, language: Language = .en) {
        label = key.label.isEmpty
            ? APIKey.defaultLabel(provider: key.provider, host: key.host, fingerprint: key.fingerprint) : key.label
        provider = key.provider
        host = key.host
        fingerprint = key.fingerprint
        countsText = L10n.text(.apiKeyCounts, language, "\(key.success)", "\(key.failed)")
        let health = HealthViewModel(Health(buckets: key.health, recentFailures: key.recentFailures,
                                            success: key.success, failed: key.failed), language: language)
        states = health.states
        status = health.status
        statusTitle = health.statusTitle
        recentFailures = health.recentFailures
        failuresText = health.failuresText
    }

    /// Keys with recent failures first (most first), then by label: a widget that shows only a few
    /// keys shows the ones that need attention.
    public static func rows(_ keys: [APIKey], language: Language = .en) -> [APIKeyViewModel] {
        keys.map { APIKeyViewModel($0, language: language) }
            .enumerated()
            .sorted { a, b in
                if a.element.recentFailures != b.element.recentFailures {
                    return a.element.recentFailures > b.element.recentFailures
                }
                return a.offset < b.offset
            }
            .map(\.element)
    }

    /// `3 keys` / `3 keys · 1 failing` (failing = failures in the last 30 min); nil without keys.
    public static func summary(_ rows: [APIKeyViewModel], language: Language = .en) -> String? {
        guard !rows.isEmpty else { return nil }
        let failing = rows.filter { $0.recentFailures > 0 }.count
        return failing > 0
            ? L10n.text(.apiKeysSummaryFailing, language, "\(rows.count)", "\(failing)")
            : L10n.text(.apiKeysSummary, language, "\(rows.count)")
    }

    /// At most `limit` rows and `+N more` for the rest (nil when everything fits).
    public static func visible(_ rows: [APIKeyViewModel], limit: Int, language: Language)
        -> (rows: [APIKeyViewModel], more: String?) {
        clip(rows, limit: limit, language: language)
    }
}

/// The first `limit` items and `+N more` (`另有 N 个`) when some are left out.
func clip<T>(_ items: [T], limit: Int, language: Language) -> (rows: [T], more: String?) {
    let n = max(0, limit)
    guard items.count > n else { return (items, nil) }
    return (Array(items.prefix(n)), L10n.text(.moreItems, language, "\(items.count - n)"))
}

// MARK: - large widget layout

/// What the large widget shows, decided here so that it is tested: the v1 layout (pills and plan
/// breakdown) when there is nothing else, else the primary's quota rows, up to 3 other providers and up to
/// 4 API keys (2 when providers are shown too), each list with `+N more`.
public struct LargeLayout: Equatable, Sendable {
    public static let maxProviders = 3
    public static let maxKeys = 4
    public static let maxKeysWithProviders = 2

    /// Ready / 5h / Week pills (v1 layout only).
    public let showsPills: Bool
    /// The plan breakdown (v1 layout only: it does not fit next to providers and keys).
    public let showsPlans: Bool
    /// Non-primary providers shown, and `+N more` for the rest.
    public let providers: [ProviderViewModel]
    public let moreProviders: String?
    /// API keys shown (failing first), and `+N more` for the rest.
    public let keys: [APIKeyViewModel]
    public let moreKeys: String?
    /// `API keys` header (`API 密钥`).
    public let keysTitle: String
    /// Tighter spacing when the v2 sections or the ban banner are shown.
    public let isDense: Bool

    public init(_ model: PoolViewModel) {
        let others = model.providers.filter { !$0.isPrimary }
        let extras = !others.isEmpty || !model.apiKeys.isEmpty
        showsPills = !extras && model.ban == nil
        showsPlans = !extras && !model.plans.isEmpty
        isDense = extras || model.ban != nil
        (providers, moreProviders) = ProviderViewModel.visible(others, limit: LargeLayout.maxProviders,
                                                               language: model.language)
        let keyLimit = others.isEmpty ? LargeLayout.maxKeys : LargeLayout.maxKeysWithProviders
        (keys, moreKeys) = APIKeyViewModel.visible(model.apiKeys, limit: keyLimit, language: model.language)
        keysTitle = L10n.text(.apiKeysHeader, model.language)
    }
}

// MARK: - timeline

public enum TimelinePlan {
    /// Entry dates of one widget timeline: every `stride` within `interval` from `now` (so relative texts
    /// keep moving), plus one second after a server ban ends inside it, so the banner goes away on time.
    public static func entryDates(now: Date, interval: TimeInterval, stride: TimeInterval, banUntil: Date?) -> [Date] {
        let count = max(1, Int(interval / max(1, stride)))
        var dates = (0..<count).map { now.addingTimeInterval(Double($0) * stride) }
        if let banEnd = banUntil, banEnd > now, banEnd < now.addingTimeInterval(interval) {
            dates.append(banEnd.addingTimeInterval(1))
            dates.sort()
        }
        return dates
    }
}
