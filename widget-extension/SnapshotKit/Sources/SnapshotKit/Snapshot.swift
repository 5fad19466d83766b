import Foundation

// The widget snapshot written by `poolwatch`: schema_version 3, ONE model (docs/widget.md "Schema 3",
// machine-readable contract: docs/snapshot.schema.json). Schema 1 and 2 files are refused by the loader
// with "update poolwatch", schema 4+ with "update the widget" (SnapshotLoader).
//
// Decoding rules (Decoding.swift): keys are snake_case (explicit CodingKeys); dates are epoch seconds;
// unknown keys are ignored; nullable fields may be null or missing; a bad list element is skipped;
// counters beyond 2^53 (or floats where an integer is expected) are clamped. Only `schema_version`,
// `generated_at` and, when `pool` is present, its `weekly` window are required.

/// Colour bucket of a quota window, by remaining fraction: red < 20 %, yellow < 70 %, green otherwise.
public enum Level: String, Codable, Sendable, CaseIterable, UnknownDefaulting {
    case red
    case yellow
    case green
    /// Any value this reader does not know (rendered grey, recomputed from the fraction by the view models).
    case unknown

    /// The level for a remaining fraction (0...1). NaN is treated as 0.
    public static func forFraction(_ fraction: Double) -> Level {
        let f = fraction.isNaN ? 0 : fraction
        if f < 0.2 { return .red }
        if f < 0.7 { return .yellow }
        return .green
    }

    /// The level for a 0...100 remaining percentage.
    public static func forPercent(_ percent: Double) -> Level {
        forFraction(percent / 100)
    }
}

public struct Snapshot: Codable, Equatable, Sendable {
    /// The one schema this reader decodes. Older files: "update poolwatch"; newer: "update the widget".
    public static let schemaVersion = 3

    public var schemaVersion: Int
    public var generatedAt: Date
    public var profile: String
    public var title: String
    public var demo: Bool
    /// Last successful fetch.
    public var updatedAt: Date?
    /// True when the latest fetch failed and the values are older.
    public var stale: Bool
    /// The latest error, user-readable, no secrets.
    public var error: String?
    /// The primary provider's section; nil when there has never been data.
    public var pool: Pool?
    public var accounts: [Account]
    /// Interface language chosen by poolwatch (`language`: `en` | `zh-Hans`; missing or unknown -> en).
    public var language: Language
    /// The server's IP ban ends then (`ban_until`); nil when there is no ban.
    public var banUntil: Date?
    /// The key guard paused key attempts until then (`pause_until`: 3 failed attempts in 30 min); nil otherwise.
    public var pauseUntil: Date?
    /// Provider of the `pool` section (`primary_provider`, e.g. `codex`).
    public var primaryProvider: String?
    /// One section per provider, the primary one included.
    public var providers: [ProviderSection]
    /// Upstream API-key health rows.
    public var apiKeys: [APIKey]
    /// Pool remaining and capacity over time (primary section only); nil without history yet.
    public var history: History?
    /// Quota left unused at window resets over 24 h / 7 d / 30 d; nil without history yet.
    public var waste: Waste?
    /// Accounts whose quota is lost soonest, most urgent first (<= 5).
    public var expiringFirst: [ExpiringAccount]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case generatedAt = "generated_at"
        case profile, title, demo
        case updatedAt = "updated_at"
        case stale, error, pool, accounts
        case language
        case banUntil = "ban_until"
        case pauseUntil = "pause_until"
        case primaryProvider = "primary_provider"
        case providers
        case apiKeys = "api_keys"
        case history, waste
        case expiringFirst = "expiring_first"
    }

    public init(
        schemaVersion: Int = Snapshot.schemaVersion,
        generatedAt: Date,
        profile: String = "default",
        title: String = "CLIProxy Pool",
        demo: Bool = false,
        updatedAt: Date?,
        stale: Bool = false,
        error: String? = nil,
        pool: Pool?,
        accounts: [Account] = [],
        language: Language = .en,
        banUntil: Date? = nil,
        pauseUntil: Date? = nil,
        primaryProvider: String? = nil,
        providers: [ProviderSection] = [],
        apiKeys: [APIKey] = [],
        history: History? = nil,
        waste: Waste? = nil,
        expiringFirst: [ExpiringAccount] = []
    ) {
        self.schemaVersion = schemaVersion
        self.generatedAt = generatedAt
        self.profile = profile
        self.title = title
        self.demo = demo
        self.updatedAt = updatedAt
        self.stale = stale
        self.error = error
        self.pool = pool
        self.accounts = accounts
        self.language = language
        self.banUntil = banUntil
        self.pauseUntil = pauseUntil
        self.primaryProvider = primaryProvider
        self.providers = providers
        self.apiKeys = apiKeys
        self.history = history
        self.waste = waste
        self.expiringFirst = expiringFirst
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = c.count(.schemaVersion)
        guard c.contains(.schemaVersion), version > 0 else {
            throw DecodingError.keyNotFound(CodingKeys.schemaVersion,
                                            .init(codingPath: c.codingPath, debugDescription: "schema_version is missing"))
        }
        schemaVersion = version
        generatedAt = try c.decodeEpoch(forKey: .generatedAt)
        profile = c.nonEmptyString(.profile) ?? "default"
        title = c.string(.title) ?? "CLIProxy Pool"
        demo = c.bool(.demo) ?? false
        updatedAt = c.epoch(.updatedAt)
        stale = c.bool(.stale) ?? false
        error = c.string(.error)
        // The pool is the one block the widget cannot draw without: a malformed one is an error with its
        // coding path, not a silently empty widget.
        pool = try c.decodeIfPresent(Pool.self, forKey: .pool)
        accounts = c.decodeLossyList(Account.self, forKey: .accounts)
        language = Language(tag: c.string(.language))
        banUntil = c.epoch(.banUntil)
        pauseUntil = c.epoch(.pauseUntil)
        primaryProvider = c.nonEmptyString(.primaryProvider)
        providers = c.decodeLossyList(ProviderSection.self, forKey: .providers)
        apiKeys = c.decodeLossyList(APIKey.self, forKey: .apiKeys)
        history = c.lenient(History.self, forKey: .history)
        waste = c.lenient(Waste.self, forKey: .waste)
        expiringFirst = c.decodeLossyList(ExpiringAccount.self, forKey: .expiringFirst)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encodeEpoch(generatedAt, forKey: .generatedAt)
        try c.encode(profile, forKey: .profile)
        try c.encode(title, forKey: .title)
        try c.encode(demo, forKey: .demo)
        try c.encodeEpochOrNull(updatedAt, forKey: .updatedAt)
        try c.encode(stale, forKey: .stale)
        try c.encodeOrNull(error, forKey: .error)
        try c.encodeOrNull(pool, forKey: .pool)
        try c.encode(accounts, forKey: .accounts)
        try c.encode(language, forKey: .language)
        try c.encodeEpochOrNull(banUntil, forKey: .banUntil)
        try c.encodeEpochOrNull(pauseUntil, forKey: .pauseUntil)
        try c.encodeOrNull(primaryProvider, forKey: .primaryProvider)
        try c.encode(providers, forKey: .providers)
        try c.encode(apiKeys, forKey: .apiKeys)
        try c.encodeOrNull(history, forKey: .history)
        try c.encodeOrNull(waste, forKey: .waste)
        try c.encode(expiringFirst, forKey: .expiringFirst)
    }
}

public struct Pool: Codable, Equatable, Sendable {
    /// The 5h window; a zero window when the writer has none (see `hasFiveHour`).
    public var fiveHour: PoolWindow
    /// False when the pool has no 5h window at all (`five_hour` null or missing, e.g. only week-only Pro
    /// accounts): the widget then shows no 5h figure instead of a red 0.0%.
    public var hasFiveHour: Bool
    public var weekly: PoolWindow
    public var counts: Counts
    public var health: Health
    public var plans: [Plan]
    public var pace: Pace?

    enum CodingKeys: String, CodingKey {
        case fiveHour = "five_hour"
        case weekly, counts, health, plans, pace
    }

    public init(fiveHour: PoolWindow, weekly: PoolWindow, counts: Counts, health: Health, plans: [Plan], pace: Pace? = nil,
                hasFiveHour: Bool = true) {
        self.fiveHour = fiveHour
        self.hasFiveHour = hasFiveHour
        self.weekly = weekly
        self.counts = counts
        self.health = health
        self.plans = plans
        self.pace = pace
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let window = try c.decodeIfPresent(PoolWindow.self, forKey: .fiveHour) {
            fiveHour = window
            hasFiveHour = true
        } else {
            fiveHour = PoolWindow(remaining: 0, capacity: 0)
            hasFiveHour = false
        }
        weekly = try c.decode(PoolWindow.self, forKey: .weekly)
        counts = c.lenient(Counts.self, forKey: .counts) ?? Counts()
        health = c.lenient(Health.self, forKey: .health) ?? Health()
        plans = c.decodeLossyList(Plan.self, forKey: .plans)
        pace = c.lenient(Pace.self, forKey: .pace)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeOrNull(hasFiveHour ? fiveHour : nil, forKey: .fiveHour)
        try c.encode(weekly, forKey: .weekly)
        try c.encode(counts, forKey: .counts)
        try c.encode(health, forKey: .health)
        try c.encode(plans, forKey: .plans)
        try c.encodeOrNull(pace, forKey: .pace)
    }
}

/// A pool quota window, in the section's unit (Codex: Plus-base percent, 100.0 = one full Plus account).
public struct PoolWindow: Codable, Equatable, Sendable {
    public var remaining: Double
    public var capacity: Double
    public var level: Level
    public var forecast: Forecast?

    enum CodingKeys: String, CodingKey {
        case remaining, capacity, level, forecast
    }

    public init(remaining: Double, capacity: Double, level: Level? = nil, forecast: Forecast? = nil) {
        self.remaining = remaining
        self.capacity = capacity
        self.level = level ?? Level.forFraction(capacity > 0 ? remaining / capacity : 0)
        self.forecast = forecast
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        remaining = try c.requiredNumber(.remaining)
        capacity = try c.requiredNumber(.capacity)
        level = c.lenient(Level.self, forKey: .level) ?? Level.forFraction(capacity > 0 ? remaining / capacity : 0)
        forecast = c.lenient(Forecast.self, forKey: .forecast)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(remaining, forKey: .remaining)
        try c.encode(capacity, forKey: .capacity)
        try c.encode(level, forKey: .level)
        try c.encodeOrNull(forecast, forKey: .forecast)
    }
}

/// The next grouped restore: `restored` comes back at `at`, reaching `target`.
public struct Forecast: Codable, Equatable, Sendable {
    public var restored: Double
    public var target: Double
    public var at: Date

    enum CodingKeys: String, CodingKey { case restored, target, at }

    public init(restored: Double, target: Double, at: Date) {
        self.restored = restored
        self.target = target
        self.at = at
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        restored = try c.requiredNumber(.restored)
        target = try c.requiredNumber(.target)
        at = try c.decodeEpoch(forKey: .at)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(restored, forKey: .restored)
        try c.encode(target, forKey: .target)
        try c.encodeEpoch(at, forKey: .at)
    }
}

/// Account counts; every field a clamped counter (Decoding.swift).
public struct Counts: Codable, Equatable, Sendable {
    public var total: Int
    public var available: Int
    public var killed: Int
    public var cooling: Int
    public var erroring: Int
    public var disabled: Int
    public var stale: Int

    enum CodingKeys: String, CodingKey { case total, available, killed, cooling, erroring, disabled, stale }

    public init(total: Int = 0, available: Int = 0, killed: Int = 0, cooling: Int = 0,
                erroring: Int = 0, disabled: Int = 0, stale: Int = 0) {
        self.total = total
        self.available = available
        self.killed = killed
        self.cooling = cooling
        self.erroring = erroring
        self.disabled = disabled
        self.stale = stale
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(total: c.count(.total), available: c.count(.available), killed: c.count(.killed),
                  cooling: c.count(.cooling), erroring: c.count(.erroring), disabled: c.count(.disabled),
                  stale: c.count(.stale))
    }
}

public struct Bucket: Codable, Equatable, Sendable {
    public var success: Int
    public var failed: Int

    enum CodingKeys: String, CodingKey { case success, failed }

    public init(success: Int, failed: Int) {
        self.success = success
        self.failed = failed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(success: c.count(.success), failed: c.count(.failed))
    }
}

public struct Health: Codable, Equatable, Sendable {
    /// Exactly 20 or 0 ten-minute buckets, oldest first.
    public var buckets: [Bucket]
    /// Failed requests in the last 3 buckets (30 minutes).
    public var recentFailures: Int
    public var success: Int
    public var failed: Int

    enum CodingKeys: String, CodingKey {
        case buckets
        case recentFailures = "recent_failures"
        case success, failed
    }

    public init(buckets: [Bucket] = [], recentFailures: Int = 0, success: Int = 0, failed: Int = 0) {
        self.buckets = buckets
        self.recentFailures = recentFailures
        self.success = success
        self.failed = failed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(buckets: c.decodeLossyList(Bucket.self, forKey: .buckets), recentFailures: c.count(.recentFailures),
                  success: c.count(.success), failed: c.count(.failed))
    }
}

public struct Plan: Codable, Equatable, Sendable {
    public var plan: String
    public var weight: Double
    public var accounts: Int
    /// Accounts of this plan counted in the pool's sums (`counted`; older
    /// snapshots call it `available`). Week-killed accounts are counted.
    public var available: Int
    /// The plan's accounts in the available state (its part of the pool's
    /// partition, `counts.available`); nil in snapshots before it existed.
    public var ready: Int?

    enum CodingKeys: String, CodingKey { case plan, weight, accounts, available, counted, counts }

    public init(plan: String, weight: Double, accounts: Int, available: Int, ready: Int? = nil) {
        self.plan = plan
        self.weight = weight
        self.accounts = accounts
        self.available = available
        self.ready = ready
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let counted = c.contains(.counted) ? c.count(.counted) : c.count(.available)
        self.init(plan: c.string(.plan) ?? "", weight: c.number(.weight) ?? 1,
                  accounts: c.count(.accounts), available: counted,
                  ready: c.lenient(Counts.self, forKey: .counts)?.available)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(plan, forKey: .plan)
        try c.encode(weight, forKey: .weight)
        try c.encode(accounts, forKey: .accounts)
        try c.encode(available, forKey: .available)
        try c.encode(available, forKey: .counted)
        if let ready { try c.encode(Counts(available: ready), forKey: .counts) }
    }
}

public struct Pace: Codable, Equatable, Sendable {
    public var fiveHour: PaceWindow?
    public var weekly: PaceWindow?

    enum CodingKeys: String, CodingKey {
        case fiveHour = "five_hour"
        case weekly
    }

    public init(fiveHour: PaceWindow?, weekly: PaceWindow?) {
        self.fiveHour = fiveHour
        self.weekly = weekly
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fiveHour = c.lenient(PaceWindow.self, forKey: .fiveHour)
        weekly = c.lenient(PaceWindow.self, forKey: .weekly)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeOrNull(fiveHour, forKey: .fiveHour)
        try c.encodeOrNull(weekly, forKey: .weekly)
    }
}

/// CodexBar-style pace stage of a window: using it up exactly by the reset, faster, or slower.
public enum PaceStage: String, Codable, Sendable, CaseIterable, UnknownDefaulting {
    case onPace = "on_pace"
    case deficit
    case reserve
    /// A stage this reader does not know (drawn without a stage word).
    case unknown
}

public struct PaceWindow: Codable, Equatable, Sendable {
    /// Units consumed per hour.
    public var burnPerHour: Double
    /// When the window runs dry at this pace (nil: not burning).
    public var runsOutAt: Date?
    /// True when the window lasts until its reset at this pace; nil when the writer does not know.
    public var lastsUntilReset: Bool?
    /// Run-out time minus reset time, in seconds: negative = runs out that long before the reset.
    public var marginSeconds: Double?
    /// on pace / deficit / reserve; nil when the writer has no stage (too little history).
    public var stage: PaceStage?

    enum CodingKeys: String, CodingKey {
        case burnPerHour = "burn_per_hour"
        case runsOutAt = "runs_out_at"
        case lastsUntilReset = "lasts_until_reset"
        case marginSeconds = "margin_seconds"
        case stage
    }

    public init(burnPerHour: Double, runsOutAt: Date?, lastsUntilReset: Bool? = nil, marginSeconds: Double? = nil,
                stage: PaceStage? = nil) {
        self.burnPerHour = burnPerHour
        self.runsOutAt = runsOutAt
        self.lastsUntilReset = lastsUntilReset
        self.marginSeconds = marginSeconds
        self.stage = stage
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(burnPerHour: c.number(.burnPerHour) ?? 0, runsOutAt: c.epoch(.runsOutAt),
                  lastsUntilReset: c.bool(.lastsUntilReset), marginSeconds: c.number(.marginSeconds),
                  stage: c.lenient(PaceStage.self, forKey: .stage))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(burnPerHour, forKey: .burnPerHour)
        try c.encodeEpochOrNull(runsOutAt, forKey: .runsOutAt)
        try c.encodeOrNull(lastsUntilReset, forKey: .lastsUntilReset)
        try c.encodeOrNull(marginSeconds, forKey: .marginSeconds)
        try c.encodeOrNull(stage, forKey: .stage)
    }
}
