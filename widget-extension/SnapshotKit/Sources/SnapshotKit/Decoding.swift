import Foundation

// Tolerant decoding shared by every part of the snapshot model (schema 3).
//
// The rules of the contract (docs/widget.md "Schema 3"):
// - unknown keys are ignored; a nullable field may be `null` or missing;
// - a bad element of a list is skipped, never fatal (`decodeLossyList`);
// - a number larger than 2^53 (or a float where an integer is expected) is clamped, never an error
//   (`count`, `number`): a counter that overflowed on the writer's side must not blank the widget;
// - dates are integer epoch seconds (a float is accepted too), clamped to ±2^53 seconds.

/// A string enum of the snapshot that decodes any value it does not know (in any letter case) as its
/// `unknown` case instead of failing: a newer writer's word must not blank the widget.
public protocol UnknownDefaulting: RawRepresentable, Decodable where RawValue == String {
    static var unknown: Self { get }
}

extension UnknownDefaulting {
    public init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        self = Self(rawValue: raw.lowercased()) ?? Self.unknown
    }
}

/// Bounds of the numbers the widget keeps. The Rust writer clamps counters to 2^53 - 1 too, so the two
/// sides agree on the largest value that is still exact in a JSON double.
public enum NumberBounds {
    /// 2^53 - 1: the largest integer a JSON double holds exactly.
    public static let maxExactInteger: Int = 9_007_199_254_740_991
    public static let maxMagnitude: Double = 9_007_199_254_740_991

    /// A count from any JSON number: NaN and negatives -> 0, fractions truncated, huge -> 2^53 - 1.
    public static func count(_ value: Double) -> Int {
        guard !value.isNaN, value > 0 else { return 0 }
        if value >= maxMagnitude { return maxExactInteger }
        return Int(value.rounded(.towardZero))
    }

    /// A count from an integer: negatives -> 0, above 2^53 - 1 -> 2^53 - 1.
    public static func count(_ value: Int) -> Int {
        min(max(0, value), maxExactInteger)
    }

    /// A finite number within ±2^53 - 1 (NaN -> 0, ±infinity -> the bound).
    public static func clamp(_ value: Double) -> Double {
        if value.isNaN { return 0 }
        return min(maxMagnitude, max(-maxMagnitude, value))
    }
}

extension KeyedDecodingContainer {
    /// A non-negative integer counter: 0 when missing, null or not a number; floats truncated; huge
    /// values (beyond Int or beyond 2^53) clamped to 2^53 - 1.
    func count(_ key: Key) -> Int {
        if let int = try? decode(Int.self, forKey: key) { return NumberBounds.count(int) }
        if let double = try? decode(Double.self, forKey: key) { return NumberBounds.count(double) }
        return 0
    }

    /// A number clamped to ±2^53 - 1; nil when missing, null or not a number.
    func number(_ key: Key) -> Double? {
        guard let value = try? decode(Double.self, forKey: key) else { return nil }
        return NumberBounds.clamp(value)
    }

    /// A required number (clamped); throws when missing or not a number.
    func requiredNumber(_ key: Key) throws -> Double {
        NumberBounds.clamp(try decode(Double.self, forKey: key))
    }

    /// A string, nil when missing, null or not a string.
    func string(_ key: Key) -> String? {
        try? decode(String.self, forKey: key)
    }

    /// A non-empty string, nil otherwise.
    func nonEmptyString(_ key: Key) -> String? {
        guard let s = string(key), !s.isEmpty else { return nil }
        return s
    }

    /// A boolean, nil when missing, null or not a boolean.
    func bool(_ key: Key) -> Bool? {
        try? decode(Bool.self, forKey: key)
    }

    /// Required epoch seconds (integer or float, clamped).
    func decodeEpoch(forKey key: Key) throws -> Date {
        if let seconds = try? decode(Int64.self, forKey: key) {
            return Date(timeIntervalSince1970: NumberBounds.clamp(Double(seconds)))
        }
        let seconds = try decode(Double.self, forKey: key)
        guard seconds.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "epoch seconds must be finite")
        }
        return Date(timeIntervalSince1970: NumberBounds.clamp(seconds))
    }

    /// Optional epoch seconds; nil when missing, null or not a number (never an error).
    func epoch(_ key: Key) -> Date? {
        try? decodeEpoch(forKey: key)
    }

    /// A list whose undecodable elements are skipped; missing, null or not a list -> [].
    func decodeLossyList<T: Decodable>(_ type: T.Type, forKey key: Key) -> [T] {
        guard let items = try? decodeIfPresent([Lossy<T>].self, forKey: key) else { return [] }
        return items.compactMap(\.value)
    }

    /// An optional object that is nil when missing, null or of a shape this reader cannot decode.
    func lenient<T: Decodable>(_ type: T.Type, forKey key: Key) -> T? {
        (try? decodeIfPresent(T.self, forKey: key)) ?? nil
    }
}

/// Decodes one element, or nothing when it does not fit (so one odd element does not sink the list).
struct Lossy<T: Decodable>: Decodable {
    let value: T?
    init(from decoder: Decoder) throws {
        value = try? T(from: decoder)
    }
}

extension KeyedEncodingContainer {
    mutating func encodeEpoch(_ date: Date, forKey key: Key) throws {
        try encode(Int64(NumberBounds.clamp(date.timeIntervalSince1970.rounded())), forKey: key)
    }

    mutating func encodeEpochOrNull(_ date: Date?, forKey key: Key) throws {
        if let date { try encodeEpoch(date, forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// Nullable fields are written as an explicit `null`, as the contract requires.
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
