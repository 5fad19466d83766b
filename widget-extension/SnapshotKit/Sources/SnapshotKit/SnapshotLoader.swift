import Foundation
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a snapshot could not be loaded; `description` is shown in the widget's error state.
public enum SnapshotError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist (poolwatch has not run with the widget output enabled yet).
    case missing(path: String)
    /// The file exists but cannot be read (permissions, or the sandbox entitlement is missing).
    case unreadable(path: String, reason: String)
    /// Not valid JSON / does not match the schema.
    case invalid(reason: String)
    /// Written by a newer (or older) poolwatch with another schema: `remedy` says which side to update.
    case unsupportedSchema(found: Int, supported: Int)

    /// What the user has to do about it: the widget shows this as its title ("Update poolwatch").
    public enum Remedy: String, Sendable {
        /// Schema 1 or 2: poolwatch is older than the widget.
        case updatePoolwatch
        /// Schema 4 or newer: the widget is older than poolwatch.
        case updateWidget
    }

    /// nil for errors that are not a version mismatch.
    public var remedy: Remedy? {
        guard case .unsupportedSchema(let found, let supported) = self else { return nil }
        return found > supported ? .updateWidget : .updatePoolwatch
    }

    /// The title of the widget's message state: `Update poolwatch` / `Update the widget` for a version
    /// mismatch, nil otherwise (the views use their generic title then).
    public func title(_ language: Language) -> String? {
        switch remedy {
        case .updatePoolwatch?: return L10n.text(.updatePoolwatchTitle, language)
        case .updateWidget?: return L10n.text(.updateWidgetTitle, language)
        case nil: return nil
        }
    }

    public var description: String { message(.en) }

    /// The user-readable text in `language` (the widget passes the user's preferred language: there is
    /// no snapshot to take it from).
    public func message(_ language: Language) -> String {
        switch self {
        case .missing(let path):
            return L10n.text(.errMissing, language, path)
        case .unreadable(let path, let reason):
            return L10n.text(.errUnreadable, language, path, SnapshotError.localizedReason(reason, language))
        case .invalid(let reason):
            return L10n.text(.errInvalid, language, SnapshotError.localizedReason(reason, language))
        case .unsupportedSchema(let found, let supported):
            // Newer than this widget: the widget is outdated; older than it reads: poolwatch is.
            let key: L10nKey = found > supported ? .errSchemaNewer : .errSchemaOlder
            return L10n.text(key, language, "\(found)", "\(supported)")
        }
    }

    /// Reasons the loader itself words (permission, missing version) are translated; decoding paths stay.
    static func localizedReason(_ reason: String, _ language: Language) -> String {
        for key in [L10nKey.errPermission, .errSchemaMissing] where reason == L10n.template(key, .en) {
            return L10n.template(key, language)
        }
        return reason
    }
}

extension SnapshotError: LocalizedError {
    public var errorDescription: String? { description }
}

public enum SnapshotLoader {
    /// Folder below the home directory, as granted by the widget's
    /// `com.apple.security.temporary-exception.files.home-relative-path.read-only` entitlement.
    public static let relativeDirectory = "Library/Application Support/poolwatch/widget"

    /// `snapshot.json` for the default profile, `snapshot-<profile>.json` otherwise.
    public static func fileName(profile: String = "default") -> String {
        let p = profile.trimmingCharacters(in: .whitespacesAndNewlines)
        return p.isEmpty || p == "default" ? "snapshot.json" : "snapshot-\(p).json"
    }

    /// The user's real home directory from the password database. Inside the widget's sandbox
    /// `NSHomeDirectory()` and `$HOME` point at the container (~/Library/Containers/<id>/Data), which is
    /// not where poolwatch writes.
    public static func realHomeDirectory() -> URL {
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir {
            let path = String(cString: dir)
            if !path.isEmpty { return URL(fileURLWithPath: path, isDirectory: true) }
        }
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true)
        }
        return URL(fileURLWithPath: NSHomeDirectory(), isDirectory: true)
    }

    /// `<home>/Library/Application Support/poolwatch/widget/`
    public static func snapshotDirectory(home: URL = realHomeDirectory()) -> URL {
        home.appendingPathComponent(relativeDirectory, isDirectory: true)
    }

    /// `<real home>/Library/Application Support/poolwatch/widget/snapshot.json`
    public static func defaultURL(profile: String = "default", home: URL = realHomeDirectory()) -> URL {
        snapshotDirectory(home: home).appendingPathComponent(fileName(profile: profile), isDirectory: false)
    }

    public static func makeDecoder() -> JSONDecoder {
        // Dates are decoded by the model itself (integer epoch seconds), so no strategy is needed.
        JSONDecoder()
    }

    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    /// Decodes and checks the schema version.
    public static func decode(_ data: Data) throws -> Snapshot {
        // Check the version first, so a future layout reports "unsupported schema", not a decoding error.
        struct Version: Decodable {
            let schemaVersion: Int?
            enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version" }
            init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                // An integer, or a float such as 3.0 (truncated; huge values clamped like any counter).
                schemaVersion = c.contains(.schemaVersion) && (try? c.decodeNil(forKey: .schemaVersion)) == false
                    && (c.number(.schemaVersion) != nil) ? c.count(.schemaVersion) : nil
            }
        }
        let version: Version
        do {
            version = try makeDecoder().decode(Version.self, from: data)
        } catch {
            throw SnapshotError.invalid(reason: describe(error))
        }
        guard let found = version.schemaVersion else {
            throw SnapshotError.invalid(reason: L10n.template(.errSchemaMissing, .en))
        }
        // One model, one schema: an older file gets a clear "update poolwatch" (poolwatch writes schema 3
        // now, so the next run fixes it), a newer one "update the widget", never a half-drawn widget.
        guard found == Snapshot.schemaVersion else {
            throw SnapshotError.unsupportedSchema(found: found, supported: Snapshot.schemaVersion)
        }
        do {
            return try makeDecoder().decode(Snapshot.self, from: data)
        } catch {
            throw SnapshotError.invalid(reason: describe(error))
        }
    }

    public static func load(from url: URL) throws -> Snapshot {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            if !FileManager.default.fileExists(atPath: url.path) {
                throw SnapshotError.missing(path: url.path)
            }
            throw SnapshotError.unreadable(path: url.path, reason: describe(error))
        }
        return try decode(data)
    }

    /// Loads the default snapshot of `profile` from the real home directory.
    public static func loadDefault(profile: String = "default") throws -> Snapshot {
        try load(from: defaultURL(profile: profile))
    }

    /// A short, user-readable description of a decoding / IO error (the coding path, not a dump).
    static func describe(_ error: Error) -> String {
        if let e = error as? DecodingError {
            func path(_ ctx: DecodingError.Context) -> String {
                let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                return p.isEmpty ? "" : " at \(p)"
            }
            switch e {
            case .keyNotFound(let key, let ctx): return "missing key \(key.stringValue)\(path(ctx))"
            case .typeMismatch(_, let ctx): return "wrong type\(path(ctx))"
            case .valueNotFound(_, let ctx): return "null value\(path(ctx))"
            case .dataCorrupted(let ctx): return "corrupted data\(path(ctx))"
            @unknown default: return "decoding failed"
            }
        }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain && ns.code == NSFileReadNoPermissionError {
            return L10n.template(.errPermission, .en)
        }
        return ns.localizedDescription
    }
}
