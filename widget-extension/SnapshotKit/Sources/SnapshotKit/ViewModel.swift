import Foundation

// The whole widget: `PoolViewModel` (one view model for the one snapshot model), what the medium and
// large sizes show (`MediumLayout`, `LargeLayout`) and the timeline entry dates.

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
    /// The server's IP ban while it lasts (nil once `ban_until` has passed).
    public let ban: BannerViewModel?
    /// The key guard's pause of key attempts while it lasts (nil once `pause_until` has passed).
    public let pause: BannerViewModel?
    /// Every provider section, in the writer's order (the primary one marked `isPrimary`).
    public let providers: [ProviderViewModel]
    /// The primary provider's name when the pool has more than one provider (the small and medium
    /// widgets show one glance on it), nil otherwise.
    public let glanceProviderName: String?
    /// API-key health rows, keys with recent failures first.
    public let apiKeys: [APIKeyViewModel]
    /// `3 keys · 1 failing` / nil without keys.
    public let apiKeysSummary: String?
    /// The 24 h chart of the 5h window, nil without drawable history.
    public let fiveHourChart: HistoryChartViewModel?
    /// The 7 d chart of the weekly window, nil without drawable history.
    public let weeklyChart: HistoryChartViewModel?
    /// Quota left unused at resets (last 7 days), nil without waste data.
    public let waste: WasteViewModel?
    /// "Use first" rows: accounts whose quota is lost soonest, most urgent first.
    public let useFirst: [ExpiringRowViewModel]
    /// `Use first` (`优先使用`)
    public let useFirstTitle: String

    /// Every banner that applies now: the ban first (it blocks everything), then the pause.
    public var banners: [BannerViewModel] { [ban, pause].compactMap { $0 } }

    public init(snapshot: Snapshot, now: Date, maxAge: TimeInterval = PoolViewModel.defaultMaxAge) {
        let language = snapshot.language
        self.language = language
        // poolwatch's default title is translated too; a title the user chose is shown as written.
        let isDefaultTitle = snapshot.title.isEmpty || snapshot.title == L10n.template(.defaultTitle, .en)
        title = isDefaultTitle ? L10n.text(.defaultTitle, language) : snapshot.title
        isDemo = snapshot.demo
        headerDate = snapshot.updatedAt ?? snapshot.generatedAt
        accounts = snapshot.accounts.map { AccountRowViewModel($0, now: now, language: language) }
        ban = BannerViewModel(.ban, until: snapshot.banUntil, now: now, language: language)
        pause = BannerViewModel(.pause, until: snapshot.pauseUntil, now: now, language: language)
        fiveHourChart = snapshot.history.flatMap {
            HistoryChartViewModel(kind: .fiveHour, points: $0.fiveHour, pace: snapshot.pool?.pace?.fiveHour, now: now,
                                  language: language)
        }
        weeklyChart = snapshot.history.flatMap {
            HistoryChartViewModel(kind: .weekly, points: $0.weekly, pace: snapshot.pool?.pace?.weekly, now: now,
                                  language: language)
        }
        waste = snapshot.waste.flatMap { WasteViewModel($0, language: language) }
        useFirst = ExpiringRowViewModel.rows(snapshot.expiringFirst, now: now, language: language)
        useFirstTitle = L10n.text(.useFirstTitle, language)
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

// MARK: - medium widget layout

/// What the medium widget shows: the 5h ring, a centre card and the Week ring. The centre card is the
/// 24 h chart of the 5h window when there is history (the Week chart in a pool without a 5h window),
/// else the original Restore card. Banners (ban, pause) shrink the rings.
public struct MediumLayout: Equatable, Sendable {
    public enum Centre: Equatable, Sendable {
        case chart(HistoryChartViewModel)
        case restore
    }

    public let centre: Centre
    public let ringDiameter: Double
    public let banners: [BannerViewModel]

    public init(_ model: PoolViewModel) {
        let chart = model.fiveHour != nil ? (model.fiveHourChart ?? model.weeklyChart) : model.weeklyChart
        centre = chart.map { .chart($0) } ?? .restore
        banners = model.banners
        switch banners.count {
        case 0: ringDiameter = 64
        case 1: ringDiameter = 54
        default: ringDiameter = 46
        }
    }
}

// MARK: - large widget layout

/// What the large widget shows, decided here so that it is tested. Without anything else: the classic
/// layout (pills and plan breakdown). With history: two charts (5h over 24 h, Week over 7 days), the waste
/// line and up to 3 "use first" rows instead of pills and plans. Other providers (up to 3, 2 next to
/// history) and API keys (up to 4; 2 next to providers; 2 and 1 next to history) follow, each list with
/// `+N more`; the health strip goes when history and providers/keys compete for the room.
public struct LargeLayout: Equatable, Sendable {
    public static let maxProviders = 3
    public static let maxProvidersWithHistory = 2
    public static let maxKeys = 4
    public static let maxKeysWithProviders = 2
    public static let maxKeysWithHistory = 2
    public static let maxKeysWithHistoryAndProviders = 1
    public static let maxUseFirst = 3
    public static let maxUseFirstWithExtras = 2

    /// Ready / 5h / Week pills (classic layout only).
    public let showsPills: Bool
    /// The plan breakdown (classic layout only: it does not fit next to history, providers and keys).
    public let showsPlans: Bool
    /// The 5h (24 h) and Week (7 d) charts; nil entries are not drawn.
    public let charts: [HistoryChartViewModel]
    /// The waste line (`Unused at reset, 7 d: …`).
    public let waste: WasteViewModel?
    /// "Use first" rows shown.
    public let useFirst: [ExpiringRowViewModel]
    /// Non-primary providers shown, and `+N more` for the rest.
    public let providers: [ProviderViewModel]
    public let moreProviders: String?
    /// API keys shown (failing first), and `+N more` for the rest.
    public let keys: [APIKeyViewModel]
    public let moreKeys: String?
    /// `API keys` header (`API 密钥`).
    public let keysTitle: String
    /// The overall health strip.
    public let showsHealth: Bool
    /// Tighter spacing when history, other sections or a banner are shown.
    public let isDense: Bool

    public init(_ model: PoolViewModel) {
        let others = model.providers.filter { !$0.isPrimary }
        let extras = !others.isEmpty || !model.apiKeys.isEmpty
        charts = [model.fiveHour != nil ? model.fiveHourChart : nil, model.weeklyChart].compactMap { $0 }
        waste = model.waste
        let history = !charts.isEmpty || waste != nil || !model.useFirst.isEmpty
        showsPills = !extras && model.banners.isEmpty && !history
        showsPlans = !extras && !history && !model.plans.isEmpty
        showsHealth = !(history && extras)
        isDense = extras || history || !model.banners.isEmpty
        useFirst = Array(model.useFirst.prefix(extras ? LargeLayout.maxUseFirstWithExtras : LargeLayout.maxUseFirst))
        let providerLimit = history ? LargeLayout.maxProvidersWithHistory : LargeLayout.maxProviders
        (providers, moreProviders) = ProviderViewModel.visible(others, limit: providerLimit, language: model.language)
        let keyLimit: Int
        switch (history, others.isEmpty) {
        case (false, true): keyLimit = LargeLayout.maxKeys
        case (false, false): keyLimit = LargeLayout.maxKeysWithProviders
        case (true, true): keyLimit = LargeLayout.maxKeysWithHistory
        case (true, false): keyLimit = LargeLayout.maxKeysWithHistoryAndProviders
        }
        (keys, moreKeys) = APIKeyViewModel.visible(model.apiKeys, limit: keyLimit, language: model.language)
        keysTitle = L10n.text(.apiKeysHeader, model.language)
    }
}

// MARK: - timeline

public enum TimelinePlan {
    /// Entry dates of one widget timeline: every `stride` within `interval` from `now` (so relative texts
    /// keep moving), plus one second after a server ban or a key-guard pause ends inside it, so its banner
    /// goes away on time.
    public static func entryDates(now: Date, interval: TimeInterval, stride: TimeInterval, banUntil: Date?,
                                  pauseUntil: Date? = nil) -> [Date] {
        let count = max(1, Int(interval / max(1, stride)))
        var dates = (0..<count).map { now.addingTimeInterval(Double($0) * stride) }
        for end in [banUntil, pauseUntil].compactMap({ $0 }) where end > now && end < now.addingTimeInterval(interval) {
            dates.append(end.addingTimeInterval(1))
        }
        return Array(Set(dates)).sorted()
    }
}
