import Foundation
import XCTest
@testable import SnapshotKit

/// Locates the shared fixture files in widget-extension/fixtures/ relative to this source file.
enum Fixtures {
    static let kinds = ["demo", "stale", "error", "empty", "banned"]

    static var directory: URL {
        URL(fileURLWithPath: #filePath)          // .../widget-extension/SnapshotKit/Tests/SnapshotKitTests/Fixtures.swift
            .deletingLastPathComponent()         // SnapshotKitTests
            .deletingLastPathComponent()         // Tests
            .deletingLastPathComponent()         // SnapshotKit
            .deletingLastPathComponent()         // widget-extension
            .appendingPathComponent("fixtures", isDirectory: true)
    }

    static func url(_ name: String) -> URL {
        directory.appendingPathComponent("\(name).json")
    }

    static func load(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Snapshot {
        do {
            return try SnapshotLoader.load(from: url(name))
        } catch {
            XCTFail("fixture \(name).json does not decode: \(error)", file: file, line: line)
            throw error
        }
    }

    /// The accounts behind the `pool` section: those of the primary provider (v2: `primary_provider`, else
    /// the first section; an account without `provider` belongs to it), or all accounts in v1.
    static func primaryAccounts(_ snapshot: Snapshot) -> [Account] {
        guard let primary = (snapshot.primaryProvider ?? snapshot.providers.first?.provider)?.lowercased() else {
            return snapshot.accounts
        }
        return snapshot.accounts.filter { ($0.provider?.lowercased() ?? primary) == primary }
    }

    /// Parsed JSON, for checks on the raw file (key presence, explicit nulls).
    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: url(name))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

/// Fixed reference time of the hand-written tests (the fixtures use generated_at around it).
let T0 = Date(timeIntervalSince1970: 1_785_900_000)
