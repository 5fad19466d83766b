import Foundation

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
    /// `runs out in 2h45m` / `120.5%/h` / nil when there is no pace data.
    public let paceText: String?

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
        paceText = WindowViewModel.paceText(pace, now: now, language: language)
    }

    /// `runs out in 2h45m` when a run-out time lies ahead, `-120.5%/h` when only a burn rate is known.
    public static func paceText(_ pace: PaceWindow?, now: Date, language: Language = .en) -> String? {
        guard let pace else { return nil }
        if let runsOut = pace.runsOutAt, runsOut > now {
            return L10n.text(.paceRunsOut, language, Format.duration(runsOut.timeIntervalSince(now), language: language))
        }
        guard pace.burnPerHour > 0 else { return nil }
        return L10n.text(.pacePerHour, language, Format.compact(pace.burnPerHour))
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
    /// `1/1` (available/accounts)
    public let accountsText: String
    /// Plus-base capacity of the available accounts of this plan: `2000%`.
    public let capacityText: String

    public init(_ plan: Plan) {
        name = Format.planName(plan.plan)
        weightText = Format.weight(plan.weight)
        accountsText = "\(plan.available)/\(plan.accounts)"
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
    /// v2: `Claude` (display name of the account's provider), nil in v1 snapshots.
    public let provider: String?
    /// v2: the account's extra lanes (scoped weekly limits, Spark, code review …).
    public let lanes: [LaneViewModel]

    public init(_ account: Account, language: Language = .en) {
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
    }
}

// MARK: - the whole widget

public struct PoolViewModel: Equatable, Sendable {
    public enum State: String, Sendable {
        /// Fresh data.
        case ok
        /// Data shown, but the latest fetch failed (or the file is older than `maxAge`).
        case stale
        /// No pool data at all: show the error / "no data" message.
        case error
        /// A pool with no accounts (capacity 0).
        case empty
    }

    /// The snapshot is considered outdated when older than this even if `stale` is false
    /// (poolwatch is not running any more). Twice the widget timeline interval.
    public static let defaultMaxAge: TimeInterval = 30 * 60

    public let title: String
    public let state: State
    public let isDemo: Bool
    /// The snapshot's interface language (missing -> en). Views pass it to SwiftUI's locale so live
    /// `Text(date, style: .relative)` countdowns speak it too.
    public let language: Language
    /// Header clock date (`Text(date, style: .time)`): the last successful update, else generated_at.
    public let headerDate: Date
    /// `updated 3m ago` / `stale — connection refused` / `no data yet`
    public let freshnessText: String
    /// The error to show in the error state (never nil in `.error`).
    public let message: String?
    /// nil when the pool has no such window (e.g. only week-only Pro accounts: no 5h figure at all).
    public let fiveHour: WindowViewModel?
    /// nil when no counted account has weekly values (all aged out): unknown, not a red 0%.
    public let weekly: WindowViewModel?
    /// `Quota unknown: …` when the pool has accounts but neither window has a figure; nil otherwise.
    public let quotaUnknownText: String?
    /// `10/12 ready`
    public let readyText: String
    /// `10/12` (the large widget's Ready pill)
    public let readyRatioText: String
    /// `1 killed · 1 cooling · 1 erroring` (zero counts omitted), empty when all is well.
    public let issuesText: String
    public let health: HealthViewModel?
    public let plans: [PlanRowViewModel]
    public let accounts: [AccountRowViewModel]
    /// v2: the server's IP ban while it lasts (nil once `ban_until` has passed).
    public let ban: BanViewModel?
    /// v2: every provider section, in the writer's order (the primary one marked `isPrimary`).
    public let providers: [ProviderViewModel]
    /// v2: the primary provider's name when the pool has more than one provider (the small and medium
    /// widgets show one glance on it), nil otherwise.
    public let glanceProviderName: String?
    /// v2: API-key health rows, keys with recent failures first.
    public let apiKeys: [APIKeyViewModel]
    /// v2: `3 keys · 1 failing` / nil without keys.
    public let apiKeysSummary: String?

    public init(snapshot: Snapshot, now: Date, maxAge: TimeInterval = PoolViewModel.defaultMaxAge) {
        let language = snapshot.language
        self.language = language
        // poolwatch's default title is translated too; a title the user chose is shown as written.
        let isDefaultTitle = snapshot.title.isEmpty || snapshot.title == L10n.template(.defaultTitle, .en)
        title = isDefaultTitle ? L10n.text(.defaultTitle, language) : snapshot.title
        isDemo = snapshot.demo
        headerDate = snapshot.updatedAt ?? snapshot.generatedAt
        accounts = snapshot.accounts.map { AccountRowViewModel($0, language: language) }
        ban = BanViewModel(until: snapshot.banUntil, now: now, language: language)
        providers = ProviderViewModel.rows(snapshot, now: now)
        glanceProviderName = providers.count > 1 ? providers.first(where: \.isPrimary)?.name : nil
        apiKeys = APIKeyViewModel.rows(snapshot.apiKeys, language: language)
        apiKeysSummary = APIKeyViewModel.summary(apiKeys, language: language)

        let dataDate = snapshot.updatedAt ?? snapshot.generatedAt
        let outdated = now.timeIntervalSince(dataDate) > maxAge

        guard let pool = snapshot.pool else {
            state = .error
            message = PoolViewModel.nonEmpty(snapshot.error) ?? L10n.text(.noDataYetRun, language)
            freshnessText = snapshot.updatedAt.map { Format.updatedAgo($0, now: now, language: language) }
                ?? L10n.text(.noDataYet, language)
            fiveHour = nil
            weekly = nil
            quotaUnknownText = nil
            readyText = L10n.text(.readyCount, language, "0", "0")
            readyRatioText = "0/0"
            issuesText = ""
            health = nil
            plans = []
            return
        }

        fiveHour = PoolViewModel.showsFiveHour(pool)
            ? WindowViewModel(kind: .fiveHour, window: pool.fiveHour, pace: pool.pace?.fiveHour, now: now, language: language)
            : nil
        weekly = PoolViewModel.showsWindow(pool.weekly, of: pool)
            ? WindowViewModel(kind: .weekly, window: pool.weekly, pace: pool.pace?.weekly, now: now, language: language)
            : nil
        quotaUnknownText = fiveHour == nil && weekly == nil ? L10n.text(.quotaUnknown, language) : nil
        readyText = L10n.text(.readyCount, language, "\(pool.counts.available)", "\(pool.counts.total)")
        readyRatioText = "\(pool.counts.available)/\(pool.counts.total)"
        issuesText = PoolViewModel.issues(pool.counts, language: language)
        health = HealthViewModel(pool.health, language: language)
        plans = PlanRowViewModel.rows(pool.plans)
        message = PoolViewModel.nonEmpty(snapshot.error)

        if snapshot.stale {
            state = .stale
            freshnessText = PoolViewModel.staleText(snapshot.error, language: language)
        } else if pool.counts.total == 0 && snapshot.accounts.isEmpty {
            state = .empty
            freshnessText = Format.updatedAgo(dataDate, now: now, language: language)
        } else if outdated {
            state = .stale
            freshnessText = Format.updatedAgo(dataDate, now: now, language: language)
        } else {
            state = .ok
            freshnessText = Format.updatedAgo(dataDate, now: now, language: language)
        }
    }

    /// A pool shows a 5h figure unless it has no 5h window: `five_hour` null/missing, or capacity 0 in a
    /// pool with accounts (no counted account has the window: every account week-only, or its values aged
    /// out). An empty pool keeps its 0.0%.
    public static func showsFiveHour(_ pool: Pool) -> Bool {
        guard pool.hasFiveHour else { return false }
        return showsWindow(pool.fiveHour, of: pool)
            && !(pool.fiveHour.capacity <= 0 && pool.weekly.capacity > 0)
    }

    /// Capacity 0 means "no counted account has this window" (SPEC/issue 9) when the pool has accounts:
    /// no figure then. Without accounts (an empty pool) the 0.0% stays.
    public static func showsWindow(_ window: PoolWindow, of pool: Pool) -> Bool {
        window.capacity > 0 || pool.counts.total == 0
    }

    /// `stale — <error>` (or just `stale`).
    public static func staleText(_ error: String?, language: Language = .en) -> String {
        guard let error = nonEmpty(error) else { return L10n.text(.staleBare, language) }
        return L10n.text(.staleWithError, language, error)
    }

    /// `1 killed · 1 cooling · 1 erroring · 2 disabled · 1 stale`, zero counts omitted.
    public static func issues(_ counts: Counts, language: Language = .en) -> String {
        var parts: [String] = []
        if counts.killed > 0 { parts.append(L10n.text(.issueKilled, language, "\(counts.killed)")) }
        if counts.cooling > 0 { parts.append(L10n.text(.issueCooling, language, "\(counts.cooling)")) }
        if counts.erroring > 0 { parts.append(L10n.text(.issueErroring, language, "\(counts.erroring)")) }
        if counts.disabled > 0 { parts.append(L10n.text(.issueDisabled, language, "\(counts.disabled)")) }
        if counts.stale > 0 { parts.append(L10n.text(.issueStale, language, "\(counts.stale)")) }
        return parts.joined(separator: " · ")
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let s = s?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else { return nil }
        return s
    }
}
