import Foundation

// Per-account parts of the snapshot: accounts with their windows, lanes and data source, and the
// upstream API keys. Tolerant decoding as described in Decoding.swift.

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
    /// Normalised provider (`codex`, `claude`, …); nil when the writer leaves it out (= the primary).
    public var provider: String?
    /// Scoped / per-model / extra limits, never part of the 5h/week sums.
    public var lanes: [Lane]
    /// Where the numbers come from: observed in traffic or read by a usage call; nil when unknown.
    public var source: AccountSource?

    enum CodingKeys: String, CodingKey {
        case label, plan, weight
        case fiveHour = "five_hour"
        case weekly, killed, available, cooling, disabled, stale, error
        case recentFailures = "recent_failures"
        case provider, lanes, source
    }

    public init(label: String, plan: String, weight: Double, fiveHour: AccountWindow?, weekly: AccountWindow?,
                killed: Bool = false, available: Bool = true, cooling: Bool = false, disabled: Bool = false,
                stale: Bool = false, error: String? = nil, recentFailures: Int = 0,
                provider: String? = nil, lanes: [Lane] = [], source: AccountSource? = nil) {
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
        self.source = source
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(label: c.string(.label) ?? "?", plan: c.string(.plan) ?? "plus", weight: c.number(.weight) ?? 1,
                  fiveHour: c.lenient(AccountWindow.self, forKey: .fiveHour),
                  weekly: c.lenient(AccountWindow.self, forKey: .weekly),
                  killed: c.bool(.killed) ?? false, available: c.bool(.available) ?? false,
                  cooling: c.bool(.cooling) ?? false, disabled: c.bool(.disabled) ?? false,
                  stale: c.bool(.stale) ?? false, error: c.string(.error), recentFailures: c.count(.recentFailures),
                  provider: c.nonEmptyString(.provider), lanes: c.decodeLossyList(Lane.self, forKey: .lanes),
                  source: c.lenient(AccountSource.self, forKey: .source))
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
        try c.encodeOrNull(source, forKey: .source)
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
        let remaining = try c.requiredNumber(.remaining)
        self.init(remaining: remaining, effective: c.number(.effective), resetAt: c.epoch(.resetAt),
                  level: c.lenient(Level.self, forKey: .level))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(remaining, forKey: .remaining)
        try c.encode(effective, forKey: .effective)
        try c.encodeEpochOrNull(resetAt, forKey: .resetAt)
        try c.encode(level, forKey: .level)
    }
}

/// Where an account's numbers come from (`accounts[].source`).
public struct AccountSource: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, UnknownDefaulting {
        /// Seen in the quota headers of proxied traffic.
        case observed
        /// Read by a usage call.
        case read
        case unknown
    }

    public var kind: Kind
    public var at: Date?

    enum CodingKeys: String, CodingKey { case kind, at }

    public init(kind: Kind, at: Date?) {
        self.kind = kind
        self.at = at
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: c.lenient(Kind.self, forKey: .kind) ?? .unknown, at: c.epoch(.at))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encodeEpochOrNull(at, forKey: .at)
    }
}

/// A scoped / per-model / extra limit of one account (`accounts[].lanes[]`), remaining in percent.
public struct Lane: Codable, Equatable, Sendable {
    public var name: String
    /// `5h`, `week`, `month`, … or nil.
    public var window: String?
    public var remaining: Double?
    public var resetAt: Date?

    enum CodingKeys: String, CodingKey {
        case name, window, remaining
        case resetAt = "reset_at"
    }

    public init(name: String, window: String? = nil, remaining: Double? = nil, resetAt: Date? = nil) {
        self.name = name
        self.window = window
        self.remaining = remaining
        self.resetAt = resetAt
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: c.string(.name) ?? "", window: c.string(.window), remaining: c.number(.remaining),
                  resetAt: c.epoch(.resetAt))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeOrNull(window, forKey: .window)
        try c.encodeOrNull(remaining, forKey: .remaining)
        try c.encodeEpochOrNull(resetAt, forKey: .resetAt)
    }
}

/// One upstream API key (`api_keys[]`). Never holds the key itself: only provider, host and a fingerprint.
public struct APIKey: Codable, Equatable, Sendable {
    public var provider: String
    public var host: String
    /// Short fingerprint (first hex digits of a hash of the key), e.g. `1a2b3c4d`.
    public var fingerprint: String
    /// Configured label or `provider · host · fingerprint`.
    public var label: String
    public var success: Int
    public var failed: Int
    /// Failed requests in the last 3 buckets (30 minutes).
    public var recentFailures: Int
    /// 20 ten-minute buckets, oldest first (or none).
    public var health: [Bucket]

    enum CodingKeys: String, CodingKey {
        case provider, host, fingerprint, label, success, failed
        case recentFailures = "recent_failures"
        case health
    }

    public init(provider: String, host: String, fingerprint: String, label: String? = nil,
                success: Int = 0, failed: Int = 0, recentFailures: Int = 0, health: [Bucket] = []) {
        self.provider = provider
        self.host = host
        self.fingerprint = fingerprint
        self.label = label ?? APIKey.defaultLabel(provider: provider, host: host, fingerprint: fingerprint)
        self.success = success
        self.failed = failed
        self.recentFailures = recentFailures
        self.health = health
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(provider: c.string(.provider) ?? "", host: c.string(.host) ?? "",
                  fingerprint: c.string(.fingerprint) ?? "", label: c.nonEmptyString(.label),
                  success: c.count(.success), failed: c.count(.failed), recentFailures: c.count(.recentFailures),
                  health: c.decodeLossyList(Bucket.self, forKey: .health))
    }

    /// `openai · api.openai.com · 1a2b3c4d` (empty parts left out).
    public static func defaultLabel(provider: String, host: String, fingerprint: String) -> String {
        [provider, host, fingerprint].filter { !$0.isEmpty }.joined(separator: " · ")
    }
}
