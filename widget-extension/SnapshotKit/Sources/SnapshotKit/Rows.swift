import Foundation

// Row view models: one quota window, health, plans, accounts, lanes, providers, API keys, and the
// countdown banners (server ban, key-guard pause). Pure: every relative text takes `now`.

/// Semantic colour names; the SwiftUI layer maps them to `Color` (see Widget/Palette.swift).
public enum Tint: String, Sendable, CaseIterable {
    case red, yellow, green, gray, blue, purple, orange
}

extension Level {
    /// Level -> colour name.
    public var tint: Tint {
        switch self {
        case .red: return .red
        case .yellow: return .yellow
        case .green: return .green
        case .unknown: return .gray
        }
    }
}

// MARK: - quota windows

public enum WindowKind: String, Sendable {
    case fiveHour
    case weekly

    /// English title (`5h`, `Week`); `title(_:)` for other languages.
    public var title: String { title(.en) }
    public func title(_ language: Language) -> String {
        L10n.text(self == .fiveHour ? .window5h : .windowWeek, language)
    }
    /// Accent of the restore rows (blue for 5h, purple for Week, like the original restore card).
    public var restoreTint: Tint { self == .fiveHour ? .blue : .purple }
}

/// Everything a ring, a bar or a row needs for one pool window.
public struct WindowViewModel: Equatable, Sendable {
    public let kind: WindowKind
    /// `5h` / `Week` (`5h` / `周`)
    public let title: String
    /// `66.0%`
    public let percentText: String
    /// `1254.0/1900%`
    public let ratioText: String
    /// 0...1
    public let fraction: Double
    /// Where the bar's translucent restore segment ends (0...1, >= fraction); nil without a forecast.
    public let forecastFraction: Double?
    public let level: Level
    public var tint: Tint { level.tint }
    /// `+100% · 1.3h` / `no restore`
    public let restoreShort: String
    /// `+300% -> 1720% in 1h12m`
    public let restoreLong: String
    /// For `Text(date, style: .relative)` live countdowns.
    public let restoreAt: Date?
    /// `deficit, runs out in 2h30m` / `on pace` / `lasts until reset` / `runs out in 2h45m` / `-120.5%/h`;
    /// nil when there is no pace data (PaceViewModel).
    public let paceText: String?
    /// The pace stage with its colour, nil without pace data.
    public let pace: PaceViewModel?

    public init(kind: WindowKind, window: PoolWindow, pace: PaceWindow?, now: Date, language: Language = .en) {
        self.kind = kind
        title = kind.title(language)
        percentText = Format.poolPercent(remaining: window.remaining, capacity: window.capacity)
        ratioText = Format.poolRatio(remaining: window.remaining, capacity: window.capacity)
        fraction = Format.ringFraction(remaining: window.remaining, capacity: window.capacity)
        // The writer's level is authoritative; recompute only for values this reader does not know.
        level = window.level == .unknown ? Level.forFraction(fraction) : window.level
        if let forecast = window.forecast {
            forecastFraction = max(fraction, Format.ringFraction(remaining: forecast.target, capacity: window.capacity))
            restoreAt = forecast.at
        } else {
            forecastFraction = nil
            restoreAt = nil
        }
        restoreShort = Format.restoreShort(window.forecast, now: now, language: language)
        restoreLong = Format.restoreLong(window.forecast, now: now, language: language)
        self.pace = PaceViewModel(pace, now: now, language: language)
        paceText = self.pace?.text
    }

    /// The pace text of one window (see `PaceViewModel.text`).
    public static func paceText(_ pace: PaceWindow?, now: Date, language: Language = .en) -> String? {
        PaceViewModel(pace, now: now, language: language)?.text
    }
}

// MARK: - health

public enum BucketState: String, Sendable {
    case idle, success, failed, mixed

    public init(_ bucket: Bucket) {
        switch (bucket.success > 0, bucket.failed > 0) {
        case (false, false): self = .idle
        case (true, false): self = .success
        case (false, true): self = .failed
        case (true, true): self = .mixed
        }
    }

    /// Bucket colour: success+failed yellow, failed red, success green, none grey.
    public var tint: Tint {
        switch self {
        case .idle: return .gray
        case .success: return .green
        case .failed: return .red
        case .mixed: return .yellow
        }
    }
}

public struct HealthViewModel: Equatable, Sendable {
    public enum Status: String, Sendable {
        /// No requests at all in the timeline.
        case idle
        /// No failures in the last 30 minutes.
        case healthy
        /// Failures in the last 30 minutes, but also successes.
        case degraded
        /// Only failures in the last 30 minutes.
        case failing

        /// English title; `title(_:)` for other languages.
        public var title: String { title(.en) }

        public func title(_ language: Language) -> String {
            switch self {
            case .idle: return L10n.text(.healthIdle, language)
            case .healthy: return L10n.text(.healthHealthy, language)
            case .degraded: return L10n.text(.healthDegraded, language)
            case .failing: return L10n.text(.healthFailing, language)
            }
        }

        public var tint: Tint {
            switch self {
            case .idle: return .gray
            case .healthy: return .green
            case .degraded: return .yellow
            case .failing: return .red
            }
        }
    }

    /// Oldest first.
    public let states: [BucketState]
    public let status: Status
    /// `Degraded` (`部分失败`)
    public let statusTitle: String
    public let recentFailures: Int
    /// `2 failures in 30 min`
    public let failuresText: String
    /// `96.6% ok` over the whole window, nil without requests.
    public let successRateText: String?

    public init(_ health: Health, language: Language = .en) {
        states = health.buckets.map(BucketState.init)
        recentFailures = max(0, health.recentFailures)
        failuresText = Format.failures(recentFailures, language: language)
        let total = health.success + health.failed
        successRateText = total > 0
            ? L10n.text(.successRate, language, Format.oneDecimal(Double(health.success) / Double(total) * 100)) : nil
        let recent = health.buckets.suffix(3)
        let recentSuccess = recent.reduce(0) { $0 + $1.success }
        let anyTraffic = total > 0 || health.buckets.contains { $0.success + $0.failed > 0 }
        if recentFailures > 0 {
            status = (recentSuccess > 0 || (recent.isEmpty && health.success > 0)) ? .degraded : .failing
        } else {
            status = anyTraffic ? .healthy : .idle
        }
        statusTitle = status.title(language)
    }
}

// MARK: - plans and accounts

public struct PlanRowViewModel: Equatable, Sendable {
    /// `Pro`, `Pro Lite`, `Plus`
    public let name: String
    /// `20x`
    public let weightText: String
    /// `3/7`: accounts in the available state / all accounts of the plan (the
    /// pool's partition); older snapshots without it show the counted ones.
    public let accountsText: String
    /// Plus-base capacity of the accounts this plan counts in the sums: `2000%`.
    public let capacityText: String

    public init(_ plan: Plan) {
        name = Format.planName(plan.plan)
        weightText = Format.weight(plan.weight)
        accountsText = "\(plan.ready ?? plan.available)/\(plan.accounts)"
        capacityText = Format.compact(plan.weight * Double(plan.available) * 100) + "%"
    }

    /// Heaviest plan first, then by name.
    public static func rows(_ plans: [Plan]) -> [PlanRowViewModel] {
        plans.sorted { a, b in
            a.weight != b.weight ? a.weight > b.weight : Format.planName(a.plan) < Format.planName(b.plan)
        }.map(PlanRowViewModel.init)
    }
}

public struct AccountRowViewModel: Equatable, Sendable {
    public let label: String
    public let planName: String
    /// `58%` or `–` when the window is unknown.
    public let fiveHourText: String
    public let weeklyText: String
    public let fiveHourFraction: Double
    public let weeklyFraction: Double
    public let fiveHourTint: Tint
    public let weeklyTint: Tint
    /// Drawn muted (week-killed, unavailable or disabled).
    public let muted: Bool
    /// Short status tags: `weekKILL`, `cooling`, `disabled`, `stale`, `error`.
    public let tags: [String]
    public let error: String?
    public let fiveHourResetAt: Date?
    public let weeklyResetAt: Date?
    /// `Claude` (display name of the account's provider), nil when the writer leaves it out.
    public let provider: String?
    /// The account's extra lanes (scoped weekly limits, Spark, code review …).
    public let lanes: [LaneViewModel]
    /// `observed 3m ago` / `read 12m ago` (`3分钟前观测` / `12分钟前读取`); nil when the writer gives no source.
    public let sourceText: String?

    public init(_ account: Account, now: Date? = nil, language: Language = .en) {
        label = account.label
        planName = Format.planName(account.plan)
        func text(_ w: AccountWindow?) -> String { w.map { Format.compact($0.remaining) + "%" } ?? "–" }
        func frac(_ w: AccountWindow?) -> Double { w.map { Format.ringFraction(remaining: $0.remaining, capacity: 100) } ?? 0 }
        fiveHourText = text(account.fiveHour)
        weeklyText = text(account.weekly)
        fiveHourFraction = frac(account.fiveHour)
        weeklyFraction = frac(account.weekly)
        muted = account.killed || account.disabled || !account.available
        fiveHourTint = muted ? .gray : (account.fiveHour?.level.tint ?? .gray)
        weeklyTint = account.weekly?.level.tint ?? .gray
        var tags: [String] = []
        if account.killed { tags.append(L10n.text(.tagWeekKill, language)) }
        if account.cooling { tags.append(L10n.text(.tagCooling, language)) }
        if account.disabled { tags.append(L10n.text(.tagDisabled, language)) }
        if account.stale { tags.append(L10n.text(.tagStale, language)) }
        if account.error != nil { tags.append(L10n.text(.tagError, language)) }
        self.tags = tags
        error = account.error
        fiveHourResetAt = account.fiveHour?.resetAt
        weeklyResetAt = account.weekly?.resetAt
        provider = account.provider.map(ProviderSection.displayName)
        lanes = account.lanes.map { LaneViewModel($0, language: language) }
        sourceText = account.source.flatMap { AccountRowViewModel.sourceText($0, now: now, language: language) }
    }

    /// `observed 3m ago`, `read just now`; `observed` alone without a time or `now`; nil for an unknown kind.
    public static func sourceText(_ source: AccountSource, now: Date?, language: Language = .en) -> String? {
        let keys: (bare: L10nKey, ago: L10nKey)
        switch source.kind {
        case .observed: keys = (.sourceObserved, .sourceObservedAgo)
        case .read: keys = (.sourceRead, .sourceReadAgo)
        case .unknown: return nil
        }
        guard let at = source.at, let now else { return L10n.text(keys.bare, language) }
        return L10n.text(keys.ago, language, Format.duration(max(0, now.timeIntervalSince(at)), language: language))
    }
}


// MARK: - countdown banners: server ban (issue 9), key-guard pause (issue 21)

/// A banner with a live countdown: the server's IP ban (`ban_until`) or the key guard's pause of key
/// attempts (`pause_until`). The views show `before` + `Text(until, style: .relative)` + `after`; `text` is
/// the same sentence frozen at `now` (host app, tests).
public struct BannerViewModel: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The server banned this IP after too many failed key attempts.
        case ban
        /// poolwatch itself holds key attempts back (3 failures in 30 min) so the server never bans.
        case pause

        var titleKey: L10nKey { self == .ban ? .banTitle : .pauseTitle }
        var countdownKey: L10nKey { self == .ban ? .banRetryIn : .pauseRetryIn }
        /// Red for a ban (nothing works until it ends), orange for a pause (the cached values still show).
        public var tint: Tint { self == .ban ? .red : .orange }
    }

    public let kind: Kind
    public let until: Date
    /// `Server ban` / `Key attempts paused` (`服务器封禁` / `已暂停尝试密钥`)
    public let title: String
    /// `Server ban: retry in 23m` / `Key attempts paused: retry in 28m`
    public let text: String
    /// Template parts around the countdown: `Server ban: retry in ` + … + `` / `服务器封禁：` + … + `后重试`.
    public let before: String
    public let after: String
    public var tint: Tint { kind.tint }

    /// nil when there is no such time or it has passed (the widget stops showing the banner then).
    public init?(_ kind: Kind, until: Date?, now: Date, language: Language = .en) {
        guard let until, let text = Format.countdown(kind.countdownKey, until: until, now: now, language: language) else {
            return nil
        }
        self.kind = kind
        self.until = until
        self.text = text
        title = L10n.text(kind.titleKey, language)
        (before, after) = L10n.split(kind.countdownKey, language)
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
    /// The section behind `pool` (what the small and medium widgets show).
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
