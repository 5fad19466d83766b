import Foundation
import XCTest
@testable import SnapshotKit

final class LoaderTests: XCTestCase {
    private var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("snapshotkit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tmp)
    }

    private func write(_ json: String, name: String = "snapshot.json") throws -> URL {
        let url = tmp.appendingPathComponent(name)
        try Data(json.utf8).write(to: url)
        return url
    }

    static let minimal = """
    {"schema_version": 3, "generated_at": 1785900000, "profile": "work", "title": "CLIProxy Pool", "demo": false,
     "updated_at": 1785899990, "stale": false, "error": null,
     "pool": {"five_hour": {"remaining": 1420.0, "capacity": 2100.0, "level": "yellow",
                            "forecast": {"restored": 300.0, "target": 1720.0, "at": 1785903600}},
              "weekly": {"remaining": 1500, "capacity": 2100, "level": "green", "forecast": null},
              "counts": {"total": 1, "available": 1, "killed": 0, "cooling": 0, "erroring": 0, "disabled": 0, "stale": 0},
              "health": {"buckets": [], "recent_failures": 0, "success": 0, "failed": 0},
              "plans": [{"plan": "plus", "weight": 1.0, "accounts": 1, "available": 1}],
              "pace": {"five_hour": {"burn_per_hour": 120.5, "runs_out_at": 1785909999}, "weekly": null},
              "future_field": {"anything": [1, 2, 3]}},
     "accounts": [{"label": "alice@example.com", "plan": "plus", "weight": 1.0,
                   "five_hour": {"remaining": 58.0, "effective": 58.0, "reset_at": 1785903600, "level": "yellow"},
                   "weekly": {"remaining": 81.0, "effective": 81.0, "reset_at": null, "level": "green"},
                   "killed": false, "available": true, "cooling": false, "disabled": false, "stale": false,
                   "error": null, "recent_failures": 0, "new_flag": true}],
     "some_new_top_level_key": "ignored"}
    """

    func testDecodesSnakeCaseAndEpochSecondsAndIgnoresUnknownKeys() throws {
        let s = try SnapshotLoader.load(from: try write(Self.minimal))
        XCTAssertEqual(s.profile, "work")
        XCTAssertEqual(s.generatedAt, Date(timeIntervalSince1970: 1_785_900_000))
        XCTAssertEqual(s.updatedAt, Date(timeIntervalSince1970: 1_785_899_990))
        let pool = try XCTUnwrap(s.pool)
        XCTAssertEqual(pool.fiveHour.remaining, 1420)
        XCTAssertEqual(pool.fiveHour.level, .yellow)
        XCTAssertEqual(pool.fiveHour.forecast?.at, Date(timeIntervalSince1970: 1_785_903_600))
        XCTAssertNil(pool.weekly.forecast)
        XCTAssertEqual(pool.weekly.capacity, 2100)
        XCTAssertEqual(pool.pace?.fiveHour?.burnPerHour, 120.5)
        XCTAssertEqual(pool.pace?.fiveHour?.runsOutAt, Date(timeIntervalSince1970: 1_785_909_999))
        XCTAssertNil(pool.pace?.weekly)
        XCTAssertEqual(s.accounts.first?.fiveHour?.resetAt, Date(timeIntervalSince1970: 1_785_903_600))
        XCTAssertNil(s.accounts.first?.weekly?.resetAt)
        XCTAssertEqual(s.accounts.first?.recentFailures, 0)
        let model = PoolViewModel(snapshot: s, now: Date(timeIntervalSince1970: 1_785_900_000))
        XCTAssertEqual(model.fiveHour?.percentText, "67.6%")
        XCTAssertEqual(model.fiveHour?.ratioText, "1420.0/2100%")
        XCTAssertEqual(model.fiveHour?.restoreLong, "+300% -> 1720% in 1h")
        XCTAssertEqual(model.fiveHour?.paceText, "runs out in 2h46m")
        XCTAssertEqual(model.freshnessText, "updated 10s ago")
    }

    func testUnknownLevelAndMissingOptionalBlocksStillDecode() throws {
        let json = """
        {"schema_version": 3, "generated_at": 1785900000.0,
         "pool": {"five_hour": {"remaining": 5, "capacity": 100, "level": "purple"},
                  "weekly": {"remaining": 50, "capacity": 100}}}
        """
        let s = try SnapshotLoader.decode(Data(json.utf8))
        XCTAssertEqual(s.pool?.fiveHour.level, .unknown)
        XCTAssertEqual(s.pool?.weekly.level, .yellow, "missing level is derived from the fraction")
        XCTAssertEqual(s.accounts, [])
        XCTAssertFalse(s.stale)
        XCTAssertEqual(s.profile, "default")
        XCTAssertEqual(s.pool?.health.buckets, [])
        XCTAssertNil(s.pool?.pace)
    }

    func testMissingFile() {
        let url = tmp.appendingPathComponent("nope.json")
        XCTAssertThrowsError(try SnapshotLoader.load(from: url)) { error in
            XCTAssertEqual(error as? SnapshotError, .missing(path: url.path))
            XCTAssertEqual("\(error)", "No snapshot at \(url.path) — run poolwatch")
        }
    }

    func testInvalidJSON() throws {
        let url = try write("{not json")
        XCTAssertThrowsError(try SnapshotLoader.load(from: url)) { error in
            guard case .invalid? = error as? SnapshotError else { return XCTFail("got \(error)") }
        }
        let truncated = try write(#"{"schema_version": 3, "generated_at": 1785900000, "pool": {"five_hour": {}}}"#, name: "t.json")
        XCTAssertThrowsError(try SnapshotLoader.load(from: truncated)) { error in
            guard case .invalid(let reason)? = error as? SnapshotError else { return XCTFail("got \(error)") }
            XCTAssertTrue(reason.contains("pool"), reason)
        }
        XCTAssertThrowsError(try SnapshotLoader.decode(Data(#"{"generated_at": 1}"#.utf8))) { error in
            XCTAssertEqual(error as? SnapshotError, .invalid(reason: "schema_version is missing"))
        }
    }

    /// One model, one schema: schema 1 and 2 (an older poolwatch) ask to update poolwatch, schema 4+ (a
    /// newer one) to update the widget; the file's content beyond the version does not matter.
    func testOnlySchema3IsRead() throws {
        for old in [0, 1, 2] {
            let json = #"{"schema_version": \#(old), "generated_at": 1785900000, "pool": null, "accounts": []}"#
            XCTAssertThrowsError(try SnapshotLoader.decode(Data(json.utf8))) { error in
                let e = error as? SnapshotError
                XCTAssertEqual(e, .unsupportedSchema(found: old, supported: 3))
                XCTAssertEqual(e?.remedy, .updatePoolwatch)
                XCTAssertEqual(e?.title(.en), "Update poolwatch")
                XCTAssertEqual("\(error)", "Snapshot schema \(old) comes from an older poolwatch (this widget reads schema 3); "
                               + "update poolwatch, which rewrites the file on its next run")
            }
        }
        // A real schema-2 file (the old loader read it) gives the same state, not a decoding error.
        XCTAssertThrowsError(try SnapshotLoader.decode(Data(LoaderTests.minimal.replacingOccurrences(
            of: #""schema_version": 3"#, with: #""schema_version": 2"#).utf8))) { error in
            XCTAssertEqual((error as? SnapshotError)?.remedy, .updatePoolwatch)
        }
        for new in [4, 17] {
            let json = #"{"schema_version": \#(new), "generated_at": 1785900000, "totally": "different"}"#
            XCTAssertThrowsError(try SnapshotLoader.decode(Data(json.utf8))) { error in
                XCTAssertEqual(error as? SnapshotError, .unsupportedSchema(found: new, supported: 3))
                XCTAssertEqual((error as? SnapshotError)?.remedy, .updateWidget)
                XCTAssertEqual("\(error)", "Snapshot schema \(new) comes from a newer poolwatch (this widget reads schema 3); update the widget")
            }
        }
        // Other errors have no remedy title: the views keep their generic one.
        XCTAssertNil(SnapshotError.missing(path: "/x").remedy)
        XCTAssertNil(SnapshotError.invalid(reason: "x").title(.en))
        // A float version is read like any number (3.0 is 3).
        XCTAssertEqual(try SnapshotLoader.decode(Data(#"{"schema_version": 3.0, "generated_at": 1785900000}"#.utf8)).schemaVersion, 3)
    }

    func testEncodingWritesIntegerEpochsAndExplicitNulls() throws {
        let s = try SnapshotLoader.decode(Data(Self.minimal.utf8))
        let data = try SnapshotLoader.makeEncoder().encode(s)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(obj["generated_at"] as? Int, 1_785_900_000)
        XCTAssertTrue(obj["error"] is NSNull, "nullable fields are written as null")
        let pool = try XCTUnwrap(obj["pool"] as? [String: Any])
        let weekly = try XCTUnwrap(pool["weekly"] as? [String: Any])
        XCTAssertTrue(weekly["forecast"] is NSNull)
        XCTAssertEqual(try SnapshotLoader.decode(data), s)
    }

    func testPaths() {
        XCTAssertEqual(SnapshotLoader.fileName(), "snapshot.json")
        XCTAssertEqual(SnapshotLoader.fileName(profile: "default"), "snapshot.json")
        XCTAssertEqual(SnapshotLoader.fileName(profile: "work"), "snapshot-work.json")
        let home = URL(fileURLWithPath: "/Users/someone", isDirectory: true)
        XCTAssertEqual(SnapshotLoader.defaultURL(home: home).path,
                       "/Users/someone/Library/Application Support/poolwatch/widget/snapshot.json")
        XCTAssertEqual(SnapshotLoader.defaultURL(profile: "work", home: home).path,
                       "/Users/someone/Library/Application Support/poolwatch/widget/snapshot-work.json")
        XCTAssertEqual(SnapshotLoader.snapshotDirectory(home: home).path,
                       "/Users/someone/Library/Application Support/poolwatch/widget")
    }

    func testRealHomeComesFromThePasswordDatabase() {
        let home = SnapshotLoader.realHomeDirectory()
        XCTAssertFalse(home.path.isEmpty)
        XCTAssertTrue(home.path.hasPrefix("/"))
        XCTAssertFalse(home.path.contains("/Library/Containers/"), "must not be the sandbox container")
        XCTAssertTrue(SnapshotLoader.defaultURL().path.hasSuffix("/Library/Application Support/poolwatch/widget/snapshot.json"))
    }
}
