import Foundation

// Quota over time in the snapshot (issue 19): `history`, `waste` and `expiring_first`.

/// One sample of a pool window: `[at, remaining, capacity]` on the wire.
public struct HistoryPoint: Codable, Equatable, Sendable {
    public var at: Date
    public var remaining: Double
    public var capacity: Double

    public init(at: Date, remaining: Double, capacity: Double) {
        self.at = at
        self.remaining = remaining
        self.capacity = capacity
    }

    /// Reads `[at, remaining, capacity]` (extra trailing elements ignored). Anything else throws, so a
    /// lossy list skips the entry.
    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let at = try c.decode(Double.self)
        let remaining = try c.decode(Double.self)
        let capacity = try c.decode(Double.self)
        guard at.isFinite, remaining.isFinite, capacity.isFinite else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "history point must be finite")
        }
        self.init(at: Date(timeIntervalSince1970: NumberBounds.clamp(at)), remaining: NumberBounds.clamp(remaining),
                  capacity: NumberBounds.clamp(capacity))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(Int64(NumberBounds.clamp(at.timeIntervalSince1970.rounded())))
        try c.encode(remaining)
        try c.encode(capacity)
    }
}

/// The primary section's pool remaining and capacity over time, oldest first.
public struct History: Codable, Equatable, Sendable {
    public var provider: String?
    /// Last 24 h of the 5h window (<= 96 points).
    public var fiveHour: [HistoryPoint]
    /// Last 7 days of the weekly window (<= 168 points).
    public var weekly: [HistoryPoint]

    enum CodingKeys: String, CodingKey {
        case provider
        case fiveHour = "five_hour"
        case weekly
    }

    public init(provider: String? = nil, fiveHour: [HistoryPoint], weekly: [HistoryPoint]) {
        self.provider = provider
        self.fiveHour = fiveHour
        self.weekly = weekly
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(provider: c.nonEmptyString(.provider),
                  fiveHour: c.decodeLossyList(HistoryPoint.self, forKey: .fiveHour),
                  weekly: c.decodeLossyList(HistoryPoint.self, forKey: .weekly))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeOrNull(provider, forKey: .provider)
        try c.encode(fiveHour, forKey: .fiveHour)
        try c.encode(weekly, forKey: .weekly)
    }
}

/// Used and wasted (left unused at a reset) quota of one window, in the primary section's unit.
public struct WasteWindow: Codable, Equatable, Sendable {
    public var used24h: Double
    public var wasted24h: Double
    public var used7d: Double
    public var wasted7d: Double
    public var used30d: Double
    public var wasted30d: Double

    enum CodingKeys: String, CodingKey {
        case used24h = "used_24h", wasted24h = "wasted_24h"
        case used7d = "used_7d", wasted7d = "wasted_7d"
        case used30d = "used_30d", wasted30d = "wasted_30d"
    }

    public init(used24h: Double = 0, wasted24h: Double = 0, used7d: Double = 0, wasted7d: Double = 0,
                used30d: Double = 0, wasted30d: Double = 0) {
        self.used24h = used24h
        self.wasted24h = wasted24h
        self.used7d = used7d
        self.wasted7d = wasted7d
        self.used30d = used30d
        self.wasted30d = wasted30d
    }

    /// Negative values (never written) read as 0.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func n(_ k: CodingKeys) -> Double { max(0, c.number(k) ?? 0) }
        self.init(used24h: n(.used24h), wasted24h: n(.wasted24h), used7d: n(.used7d), wasted7d: n(.wasted7d),
                  used30d: n(.used30d), wasted30d: n(.wasted30d))
    }
}

public struct Waste: Codable, Equatable, Sendable {
    public var fiveHour: WasteWindow?
    public var weekly: WasteWindow?

    enum CodingKeys: String, CodingKey {
        case fiveHour = "five_hour"
        case weekly
    }

    public init(fiveHour: WasteWindow?, weekly: WasteWindow?) {
        self.fiveHour = fiveHour
        self.weekly = weekly
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(fiveHour: c.lenient(WasteWindow.self, forKey: .fiveHour),
                  weekly: c.lenient(WasteWindow.self, forKey: .weekly))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeOrNull(fiveHour, forKey: .fiveHour)
        try c.encodeOrNull(weekly, forKey: .weekly)
    }
}

/// "Use first": an account whose remaining quota is lost soonest (`expiring_first[]`).
public struct ExpiringAccount: Codable, Equatable, Sendable {
    public var label: String
    public var provider: String?
    /// `five_hour` / `weekly` (or another window name).
    public var window: String
    /// Remaining percent of the account's window.
    public var remaining: Double
    /// The same in the section's unit (remaining × weight).
    public var remainingUnits: Double?
    public var resetsAt: Date?

    enum CodingKeys: String, CodingKey {
        case label, provider, window, remaining
        case remainingUnits = "remaining_units"
        case resetsAt = "resets_at"
    }

    public init(label: String, provider: String? = nil, window: String, remaining: Double,
                remainingUnits: Double? = nil, resetsAt: Date?) {
        self.label = label
        self.provider = provider
        self.window = window
        self.remaining = remaining
        self.remainingUnits = remainingUnits
        self.resetsAt = resetsAt
    }

    /// `label` and `remaining` are required (an entry without them is skipped).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let label = try c.decode(String.self, forKey: .label)
        self.init(label: label, provider: c.nonEmptyString(.provider), window: c.string(.window) ?? "",
                  remaining: try c.requiredNumber(.remaining), remainingUnits: c.number(.remainingUnits),
                  resetsAt: c.epoch(.resetsAt))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encodeOrNull(provider, forKey: .provider)
        try c.encode(window, forKey: .window)
        try c.encode(remaining, forKey: .remaining)
        try c.encodeOrNull(remainingUnits, forKey: .remainingUnits)
        try c.encodeEpochOrNull(resetsAt, forKey: .resetsAt)
    }
}
