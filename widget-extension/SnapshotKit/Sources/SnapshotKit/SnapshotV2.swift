import Foundation

// Schema v2 additions (all optional for readers; a v1 file decodes with them empty/nil):
//   language, ban_until, primary_provider, providers[], api_keys[], and per account provider + lanes[].
//
// Decoding is permissive but typed: a v2 list whose elements this reader cannot decode keeps the elements it
// can (an element of a future shape is skipped, not the whole snapshot); unknown keys are ignored.

/// Unit of a provider section's numbers.
public enum QuotaUnit: String, Codable, Sendable, CaseIterable {
    /// Plus-base percent (100 = one full ChatGPT Plus account): Codex.
    case plusPercent = "plus_percent"
    /// Plain percent.
    case percent
    /// A unit this reader does not know: drawn like `percent`, without the ratio.
    case unknown

    public init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        self = QuotaUnit(rawValue: raw.lowercased()) ?? .unknown
    }
}

/// One provider's pool section (`providers[]`).
public struct ProviderSection: Codable, Equatable, Sendable {
    /// Normalised provider id: `codex`, `claude`, `antigravity`, `kimi`, …
    public var provider: String
    /// Display name: `Codex`, `Claude`, …
    public var name: String
    public var unit: QuotaUnit
    /// `5h`, `week`, `month`, or a provider's own lane name; in the writer's order.
    public var windows: [ProviderWindow]
    public var counts: Counts?
    public var health: Health?

    enum CodingKeys: String, CodingKey { case provider, name, unit, windows, counts, health }
    /// A section written with v1-style window keys instead of `windows[]` is read too.
    enum WindowKeys: String, CodingKey, CaseIterable {
        case fiveHour = "five_hour", weekly, monthly

        var windowName: String {
            switch self {
            case .fiveHour: return "5h"
            case .weekly: return "week"
            case .monthly: return "month"
            }
        }
    }

    public init(provider: String, name: String? = nil, unit: QuotaUnit = .percent, windows: [ProviderWindow],
                counts: Counts? = nil, health: Health? = nil) {
        self.provider = provider
        self.name = name ?? ProviderSection.displayName(provider)
        self.unit = unit
        self.windows = windows
        self.counts = counts
        self.health = health
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        provider = try c.decodeIfPresent(String.self, forKey: .provider) ?? ""
        let decodedName = (try? c.decodeIfPresent(String.self, forKey: .name)) ?? ""
        name = decodedName.isEmpty ? ProviderSection.displayName(provider) : decodedName
        unit = (try? c.decodeIfPresent(QuotaUnit.self, forKey: .unit))
            ?? (provider.lowercased() == "codex" ? .plusPercent : .percent)
        if c.contains(.windows) {
            windows = c.decodeLossyList(ProviderWindow.self, forKey: .windows)
        } else {
            let w = try decoder.container(keyedBy: WindowKeys.self)
            windows = WindowKeys.allCases.compactMap { key in
                guard let window = try? w.decodeIfPresent(PoolWindow.self, forKey: key) else { return nil }
                return ProviderWindow(name: key.windowName, remaining: window.remaining, capacity: window.capacity,
                                      level: window.level, forecast: window.forecast)
            }
        }
        counts = try? c.decodeIfPresent(Counts.self, forKey: .counts)
        health = try? c.decodeIfPresent(Health.self, forKey: .health)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(provider, forKey: .provider)
        try c.encode(name, forKey: .name)
        try c.encode(unit, forKey: .unit)
        try c.encode(windows, forKey: .windows)
        try c.encodeOrNull(counts, forKey: .counts)
        try c.encodeOrNull(health, forKey: .health)
    }

    /// `codex` -> `Codex`, `antigravity` -> `Antigravity`, `` -> `?`.
    public static func displayName(_ provider: String) -> String {
        switch provider.lowercased() {
        case "codex": return "Codex"
        case "claude": return "Claude"
        case "antigravity": return "Antigravity"
        case "kimi": return "Kimi"
        case "gemini", "gemini-cli": return "Gemini"
        case "openai": return "OpenAI"
        case "xai": return "xAI"
        case "": return "?"
        default: return provider.prefix(1).uppercased() + provider.dropFirst()
        }
    }
}

/// A window of a provider section: the v1 `PoolWindow` plus its name.
public struct ProviderWindow: Codable, Equatable, Sendable {
    public var name: String
    public var remaining: Double
    public var capacity: Double
    public var level: Level
    public var forecast: Forecast?

    enum CodingKeys: String, CodingKey { case name, remaining, capacity, level, forecast }

    public init(name: String, remaining: Double, capacity: Double, level: Level? = nil, forecast: Forecast? = nil) {
        self.name = name
        self.remaining = remaining
        self.capacity = capacity
        self.level = level ?? Level.forFraction(capacity > 0 ? remaining / capacity : 0)
        self.forecast = forecast
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        let w = try PoolWindow(from: decoder)
        self.init(name: name, remaining: w.remaining, capacity: w.capacity, level: w.level, forecast: w.forecast)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(remaining, forKey: .remaining)
        try c.encode(capacity, forKey: .capacity)
        try c.encode(level, forKey: .level)
        try c.encodeOrNull(forecast, forKey: .forecast)
    }

    public var poolWindow: PoolWindow {
        PoolWindow(remaining: remaining, capacity: capacity, level: level, forecast: forecast)
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
        func str(_ k: CodingKeys) -> String { (try? c.decodeIfPresent(String.self, forKey: k)) ?? "" }
        func int(_ k: CodingKeys) -> Int { max(0, (try? c.decodeIfPresent(Int.self, forKey: k)) ?? 0) }
        let label = str(.label)
        self.init(provider: str(.provider), host: str(.host), fingerprint: str(.fingerprint),
                  label: label.isEmpty ? nil : label,
                  success: int(.success), failed: int(.failed), recentFailures: int(.recentFailures),
                  health: c.decodeLossyList(Bucket.self, forKey: .health))
    }

    /// `openai · api.openai.com · 1a2b3c4d` (empty parts left out).
    public static func defaultLabel(provider: String, host: String, fingerprint: String) -> String {
        [provider, host, fingerprint].filter { !$0.isEmpty }.joined(separator: " · ")
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
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        window = try? c.decodeIfPresent(String.self, forKey: .window)
        remaining = try? c.decodeIfPresent(Double.self, forKey: .remaining)
        resetAt = try? c.decodeEpochIfPresent(forKey: .resetAt)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeOrNull(window, forKey: .window)
        try c.encodeOrNull(remaining, forKey: .remaining)
        try c.encodeEpochOrNull(resetAt, forKey: .resetAt)
    }
}

// MARK: - lossy lists

/// Decodes one element, or nothing when it does not fit (so one odd element does not sink the list).
struct Lossy<T: Decodable>: Decodable {
    let value: T?
    init(from decoder: Decoder) throws {
        value = try? T(from: decoder)
    }
}

extension KeyedDecodingContainer {
    /// A list whose undecodable elements are skipped; missing, null or not a list -> [].
    func decodeLossyList<T: Decodable>(_ type: T.Type, forKey key: Key) -> [T] {
        guard let items = try? decodeIfPresent([Lossy<T>].self, forKey: key) else { return [] }
        return items.compactMap(\.value)
    }
}
