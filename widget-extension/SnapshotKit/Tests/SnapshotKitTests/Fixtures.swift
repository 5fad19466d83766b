import Foundation
import XCTest
@testable import SnapshotKit

/// The snapshot fixtures the tests read:
/// - `widget-extension/fixtures/*.json`, written by the Rust test suite (regenerated at merge time; a file
///   still at schema 1/2 must give the "update poolwatch" state, a schema-3 file every property below);
/// - `SnapshotKitTests/Fixtures/*.json`, schema-3 snapshots of this package (hand-made from the contract,
///   the Rust kinds plus `paused` and `huge`), so the schema-3 properties are tested whatever the Rust side
///   currently writes.
enum Fixtures {
    /// Kinds the Rust suite writes.
    static let kinds = ["demo", "stale", "error", "empty", "banned", "whole_pool"]
    /// Kinds only this package has.
    static let ownOnly = ["demo_zh", "paused", "huge"]

    static var testsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()   // SnapshotKitTests
    }

    /// widget-extension/fixtures (Rust-written).
    static var rustDirectory: URL {
        testsDirectory
            .deletingLastPathComponent()         // Tests
            .deletingLastPathComponent()         // SnapshotKit
            .deletingLastPathComponent()         // widget-extension
            .appendingPathComponent("fixtures", isDirectory: true)
    }

    /// SnapshotKitTests/Fixtures (this package's schema-3 fixtures).
    static var ownDirectory: URL {
        testsDirectory.appendingPathComponent("Fixtures", isDirectory: true)
    }

    static func rustURL(_ name: String) -> URL { rustDirectory.appendingPathComponent("\(name).json") }
    static func ownURL(_ name: String) -> URL { ownDirectory.appendingPathComponent("\(name).json") }

    /// `schema_version` of a file, read without the model.
    static func schemaVersion(_ url: URL) throws -> Int {
        let raw = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try XCTUnwrap(raw["schema_version"] as? Int, url.lastPathComponent)
    }

    /// Every schema-3 file of `kind`: the Rust one once it is schema 3, and this package's own one.
    static func urls(_ kind: String) throws -> [URL] {
        var urls: [URL] = []
        let rust = rustURL(kind)
        if FileManager.default.fileExists(atPath: rust.path), try schemaVersion(rust) == Snapshot.schemaVersion {
            urls.append(rust)
        }
        let own = ownURL(kind)
        if FileManager.default.fileExists(atPath: own.path) { urls.append(own) }
        return urls
    }

    /// Every schema-3 snapshot of `kind` with its file name (at least this package's own one).
    static func loadAll(_ kind: String, file: StaticString = #filePath, line: UInt = #line) throws -> [(String, Snapshot)] {
        let urls = try urls(kind)
        XCTAssertFalse(urls.isEmpty, "no schema-3 fixture of kind \(kind)", file: file, line: line)
        return try urls.map { url in
            let name = url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent
            do {
                return (name, try SnapshotLoader.load(from: url))
            } catch {
                XCTFail("fixture \(name) does not decode: \(error)", file: file, line: line)
                throw error
            }
        }
    }

    /// This package's own fixture of `name`.
    static func own(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Snapshot {
        do {
            return try SnapshotLoader.load(from: ownURL(name))
        } catch {
            XCTFail("fixture \(name).json does not decode: \(error)", file: file, line: line)
            throw error
        }
    }

    /// The accounts behind the `pool` section: those of the primary provider (`primary_provider`, else
    /// the first section; an account without `provider` belongs to it).
    static func primaryAccounts(_ snapshot: Snapshot) -> [Account] {
        guard let primary = (snapshot.primaryProvider ?? snapshot.providers.first?.provider)?.lowercased() else {
            return snapshot.accounts
        }
        return snapshot.accounts.filter { ($0.provider?.lowercased() ?? primary) == primary }
    }

    /// Parsed JSON, for checks on the raw file (key presence, explicit nulls).
    static func json(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

/// Fixed reference time of the hand-written tests (the fixtures use generated_at around it).
let T0 = Date(timeIntervalSince1970: 1_785_900_000)
