import Foundation

// The widget snapshot written by `poolwatch` (schema_version 1 and 2; v2 additions in SnapshotV2.swift).
// Contract: notes/snapshot-schema.md, machine-readable: docs/snapshot.schema.json.
//
// Decoding rules:
// - keys are snake_case (explicit CodingKeys, no key strategy);
// - dates are integer epoch seconds (a float is accepted too) -> Date;
// - unknown keys are ignored (forward compatibility); nullable fields may be `null` or missing;
// - a missing non-essential list/flag falls back to an empty/false value so an older or newer writer
//   still renders instead of leaving the widget blank. `schema_version` and `generated_at` are required.

/// Colour bucket of a quota window, by remaining fraction: red < 20 %, yellow < 70 %, green otherwise.
public enum Level: String, Codable, Sendable, CaseIterable {
    case red
    case yellow
    case green
    /// Not part of schema 1: any value this reader does not know (rendered grey).
    case unknown

    public init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        self = Level(rawValue: raw.lowercased()) ?? .unknown
    }

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
    /// The newest schema this reader understands. Newer files give `SnapshotError.unsupportedSchema`.
    public static let supportedSchemaVersion = 2
    /// The oldest schema this reader still decodes (v1 files have no v2 fields; those stay empty).
    public static let minimumSchemaVersion = 1

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
    /// nil when there has never been data.
    public var pool: Pool?
    public var accounts: [Account]
    // v2 (empty / nil in v1 files)
    /// Interface language chosen by poolwatch (`language`: `en` | `zh-Hans`; missing or unknown -> en).
    public var language: Language
    /// The server's IP ban ends then (`ban_until`); nil when there is no ban.
    public var banUntil: Date?
    /// Provider of the v1 `pool` section (`primary_provider`, e.g. `codex`).
    public var primaryProvider: String?
    /// One section per provider, the primary one included.
    public var providers: [ProviderSection]
    /// Upstream API-key health rows.
    public var apiKeys: [APIKey]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case generatedAt = "generated_at"
        case profile, title, demo
        case updatedAt = "updated_at"
        case stale, error, pool, accounts
        case language
        case banUntil = "ban_until"
        case primaryProvider = "primary_provider"
        case providers
        case apiKeys = "api_keys"
    }

    public init(
        schemaVersion: Int = Snapshot.supportedSchemaVersion,
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
        primaryProvider: String? = nil,
        providers: [ProviderSection] = [],
        apiKeys: [APIKey] = []
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
        self.primaryProvider = primaryProvider
        self.providers = providers
        self.apiKeys = apiKeys
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decode(Int.self, forKey: .schemaVersion)
        generatedAt = try c.decodeEpoch(forKey: .generatedAt)
        profile = try c.decodeIfPresent(String.self, forKey: .profile) ?? "default"
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? "CLIProxy Pool"
        demo = try c.decodeIfPresent(Bool.self, forKey: .demo) ?? false
        updatedAt = try c.decodeEpochIfPresent(forKey: .updatedAt)
        stale = try c.decodeIfPresent(Bool.self, forKey: .stale) ?? false
        error = try c.decodeIfPresent(String.self, forKey: .error)
        pool = try c.decodeIfPresent(Pool.self, forKey: .pool)
        accounts = try c.decodeIfPresent([Account].self, forKey: .accounts) ?? []
        // v2: optional, and never the reason a snapshot fails to decode.
        language = Language(tag: try? c.decodeIfPresent(String.self, forKey: .language))
        banUntil = try? c.decodeEpochIfPresent(forKey: .banUntil)
        let primary = (try? c.decodeIfPresent(String.self, forKey: .primaryProvider)) ?? ""
        primaryProvider = primary.isEmpty ? nil : primary
        providers = c.decodeLossyList(ProviderSection.self, forKey: .providers)
        apiKeys = c.decodeLossyList(APIKey.self, forKey: .apiKeys)
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
        try c.encodeOrNull(primaryProvider, forKey: .primaryProvider)
        try c.encode(providers, forKey: .providers)
        try c.encode(apiKeys, forKey: .apiKeys)
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
        counts = try c.decodeIfPresent(Counts.self, forKey: .counts) ?? Counts()
        health = try c.decodeIfPresent(Health.self, forKey: .health) ?? Health()
        plans = try c.decodeIfPresent([Plan].self, forKey: .plans) ?? []
        pace = try c.decodeIfPresent(Pace.self, forKey: .pace)
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

/// A pool quota window. Values are Plus-base percent (100.0 = one full Plus account).
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
        remaining = try c.decode(Double.self, forKey: .remaining)
        capacity = try c.decode(Double.self, forKey: .capacity)
        level = try c.decodeIfPresent(Level.self, forKey: .level)
            ?? Level.forFraction(capacity > 0 ? remaining / capacity : 0)
        forecast = try c.decodeIfPresent(Forecast.self, forKey: .forecast)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(remaining, forKey: .remaining)
        try c.encode(capacity, forKey: .capacity)
        try c.encode(level, forKey: .level)
        try c.encodeOrNull(forecast, forKey: .forecast)
    }
}

/// The next grouped restore: `restored` Plus-base percent comes back at `at`, reaching `target`.
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
        restored = try c.decode(Double.self, forKey: .restored)
        target = try c.decode(Double.self, forKey: .target)
        at = try c.decodeEpoch(forKey: .at)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(restored, forKey: .restored)
        try c.encode(target, forKey: .target)
        try c.encodeEpoch(at, forKey: .at)
    }
}

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
        func int(_ key: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        self.init(total: try int(.total), available: try int(.available), killed: try int(.killed),
                  cooling: try int(.cooling), erroring: try int(.erroring), disabled: try int(.disabled),
                  stale: try int(.stale))
    }
}

public struct Bucket: Codable, Equatable, Sendable {
    public var success: Int
    public var failed: Int

    public init(success: Int, failed: Int) {
        self.success = success
        self.failed = failed
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
        buckets = try c.decodeIfPresent([Bucket].self, forKey: .buckets) ?? []
        recentFailures = try c.decodeIfPresent(Int.self, forKey: .recentFailures) ?? 0
        success = try c.decodeIfPresent(Int.self, forKey: .success) ?? 0
        failed = try c.decodeIfPresent(Int.self, forKey: .failed) ?? 0
    }
}

public struct Plan: Codable, Equatable, Sendable {
    public var plan: String
    public var weight: Double
    public var accounts: Int
    public var available: Int

    public init(plan: String, weight: Double, accounts: Int, available: Int) {
        self.plan = plan
        self.weight = weight
        self.accounts = accounts
        self.available = available
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
        fiveHour = try c.decodeIfPresent(PaceWindow.self, forKey: .fiveHour)
        weekly = try c.decodeIfPresent(PaceWindow.self, forKey: .weekly)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeOrNull(fiveHour, forKey: .fiveHour)
        try c.encodeOrNull(weekly, forKey: .weekly)
    }
}

public struct PaceWindow: Codable, Equatable, Sendable {
    /// Plus-base percent consumed per hour.
    public var burnPerHour: Double
    /// When the window runs dry at this pace (nil: not before the reset / not burning).
    public var runsOutAt: Date?

    enum CodingKeys: String, CodingKey {
        case burnPerHour = "burn_per_hour"
        case runsOutAt = "runs_out_at"
    }

    public init(burnPerHour: Double, runsOutAt: Date?) {
        self.burnPerHour = burnPerHour
        self.runsOutAt = runsOutAt
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        burnPerHour = try c.decodeIfPresent(Double.self, forKey: .burnPerHour) ?? 0
        runsOutAt = try c.decodeEpochIfPresent(forKey: .runsOutAt)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(burnPerHour, forKey: .burnPerHour)
        try c.encodeEpochOrNull(runsOutAt, forKey: .runsOutAt)
    }
}

public struct Account: Codable, Equatable, Sendable {
    public var label: String
    public var plan: String
    public var weight: Double
    public var fiveHour: AccountWindow?
    public var weekly: AccountWindow?
    public var killed: Bool
    public var available: Bool
    public var cooling: Bool
    public var disabled: Bool
    public var stale: Bool
    public var error: String?
    public var recentFailures: Int
    /// v2: normalised provider (`codex`, `claude`, …); nil in v1 files.
    public var provider: String?
    /// v2: scoped / per-model / extra limits, never part of the 5h/week sums.
    public var lanes: [Lane]

    enum CodingKeys: String, CodingKey {
        case label, plan, weight
        case fiveHour = "five_hour"
        case weekly, killed, available, cooling, disabled, stale, error
        case recentFailures = "recent_failures"
        case provider, lanes
    }

    public init(label: String, plan: String, weight: Double, fiveHour: AccountWindow?, weekly: AccountWindow?,
                killed: Bool = false, available: Bool = true, cooling: Bool = false, disabled: Bool = false,
                stale: Bool = false, error: String? = nil, recentFailures: Int = 0,
                provider: String? = nil, lanes: [Lane] = []) {
        self.label = label
        self.plan = plan
        self.weight = weight
        self.fiveHour = fiveHour
        self.weekly = weekly
        self.killed = killed
        self.available = available
        self.cooling = cooling
        self.disabled = disabled
        self.stale = stale
        self.error = error
        self.recentFailures = recentFailures
        self.provider = provider
        self.lanes = lanes
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? "?"
        plan = try c.decodeIfPresent(String.self, forKey: .plan) ?? "plus"
        weight = try c.decodeIfPresent(Double.self, forKey: .weight) ?? 1
        fiveHour = try c.decodeIfPresent(AccountWindow.self, forKey: .fiveHour)
        weekly = try c.decodeIfPresent(AccountWindow.self, forKey: .weekly)
        killed = try c.decodeIfPresent(Bool.self, forKey: .killed) ?? false
        available = try c.decodeIfPresent(Bool.self, forKey: .available) ?? false
        cooling = try c.decodeIfPresent(Bool.self, forKey: .cooling) ?? false
        disabled = try c.decodeIfPresent(Bool.self, forKey: .disabled) ?? false
        stale = try c.decodeIfPresent(Bool.self, forKey: .stale) ?? false
        error = try c.decodeIfPresent(String.self, forKey: .error)
        recentFailures = try c.decodeIfPresent(Int.self, forKey: .recentFailures) ?? 0
        let provider = (try? c.decodeIfPresent(String.self, forKey: .provider)) ?? ""
        self.provider = provider.isEmpty ? nil : provider
        lanes = c.decodeLossyList(Lane.self, forKey: .lanes)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encode(plan, forKey: .plan)
        try c.encode(weight, forKey: .weight)
        try c.encodeOrNull(fiveHour, forKey: .fiveHour)
        try c.encodeOrNull(weekly, forKey: .weekly)
        try c.encode(killed, forKey: .killed)
        try c.encode(available, forKey: .available)
        try c.encode(cooling, forKey: .cooling)
        try c.encode(disabled, forKey: .disabled)
        try c.encode(stale, forKey: .stale)
        try c.encodeOrNull(error, forKey: .error)
        try c.encode(recentFailures, forKey: .recentFailures)
        try c.encodeOrNull(provider, forKey: .provider)
        try c.encode(lanes, forKey: .lanes)
    }
}

/// A per-account quota window, 0...100 percent.
public struct AccountWindow: Codable, Equatable, Sendable {
    /// Raw remaining percent.
    public var remaining: Double
    /// Remaining percent that counts toward the pool (0 when week-killed).
    public var effective: Double
    public var resetAt: Date?
    public var level: Level

    enum CodingKeys: String, CodingKey {
        case remaining, effective
        case resetAt = "reset_at"
        case level
    }

    public init(remaining: Double, effective: Double? = nil, resetAt: Date?, level: Level? = nil) {
        self.remaining = remaining
        self.effective = effective ?? remaining
        self.resetAt = resetAt
        self.level = level ?? Level.forPercent(remaining)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        remaining = try c.decode(Double.self, forKey: .remaining)
        effective = try c.decodeIfPresent(Double.self, forKey: .effective) ?? remaining
        resetAt = try c.decodeEpochIfPresent(forKey: .resetAt)
        level = try c.decodeIfPresent(Level.self, forKey: .level) ?? Level.forPercent(remaining)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(remaining, forKey: .remaining)
        try c.encode(effective, forKey: .effective)
        try c.encodeEpochOrNull(resetAt, forKey: .resetAt)
        try c.encode(level, forKey: .level)
    }
}

// MARK: - epoch-seconds helpers

extension KeyedDecodingContainer {
    func decodeEpoch(forKey key: Key) throws -> Date {
        if let seconds = try? decode(Int64.self, forKey: key) {
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        let seconds = try decode(Double.self, forKey: key)
        guard seconds.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "epoch seconds must be finite")
        }
        return Date(timeIntervalSince1970: seconds)
    }

    func decodeEpochIfPresent(forKey key: Key) throws -> Date? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeEpoch(forKey: key)
    }
}

extension KeyedEncodingContainer {
    mutating func encodeEpoch(_ date: Date, forKey key: Key) throws {
        try encode(Int64(date.timeIntervalSince1970.rounded()), forKey: key)
    }

    mutating func encodeEpochOrNull(_ date: Date?, forKey key: Key) throws {
        if let date { try encodeEpoch(date, forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// Nullable fields are written as an explicit `null`, as the contract requires.
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
