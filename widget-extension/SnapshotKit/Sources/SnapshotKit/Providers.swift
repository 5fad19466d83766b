import Foundation

// Provider sections of the snapshot (`providers[]`): one per provider in the pool, the primary included.

/// Unit of a provider section's numbers.
public enum QuotaUnit: String, Codable, Sendable, CaseIterable, UnknownDefaulting {
    /// Plus-base percent (100 = one full ChatGPT Plus account): Codex.
    case plusPercent = "plus_percent"
    /// Plain percent.
    case percent
    /// A unit this reader does not know: drawn like `percent`, without the ratio.
    case unknown
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
        let provider = c.string(.provider) ?? ""
        self.init(provider: provider, name: c.nonEmptyString(.name) ?? ProviderSection.displayName(provider),
                  unit: c.lenient(QuotaUnit.self, forKey: .unit) ?? (provider.lowercased() == "codex" ? .plusPercent : .percent),
                  windows: c.decodeLossyList(ProviderWindow.self, forKey: .windows),
                  counts: c.lenient(Counts.self, forKey: .counts), health: c.lenient(Health.self, forKey: .health))
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

/// A window of a provider section: a `PoolWindow` plus its name.
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
        let w = try PoolWindow(from: decoder)
        self.init(name: c.string(.name) ?? "", remaining: w.remaining, capacity: w.capacity, level: w.level,
                  forecast: w.forecast)
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
