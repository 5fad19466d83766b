import Foundation
import XCTest
@testable import SnapshotKit

/// Issue 16 item 12: counters above 2^53 (or floats where integers are expected) never blank the widget.
/// The snapshot clamps them on the Rust side; SnapshotKit decodes whatever arrives tolerantly.
final class TolerantDecodingTests: XCTestCase {
    let max53 = 9_007_199_254_740_991

    func testHugeCountsAreClampedNotFatal() throws {
        let s = try Fixtures.own("huge")
        let pool = try XCTUnwrap(s.pool, "a huge count must not sink the pool")
        XCTAssertEqual(pool.counts.total, max53, "18446744073709551615 (u64::MAX) -> 2^53 - 1")
        XCTAssertEqual(pool.counts.available, max53, "2^53 + 1 -> 2^53 - 1")
        XCTAssertEqual(pool.counts.killed, max53, "1e300 -> 2^53 - 1")
        XCTAssertEqual(pool.counts.cooling, 2, "a float where an integer is expected is truncated")
        XCTAssertEqual(pool.counts.erroring, 0, "negative -> 0")
        XCTAssertEqual(pool.counts.disabled, max53, "1.7e308 -> 2^53 - 1")
        XCTAssertEqual(pool.counts.stale, 0, "not a number -> 0")
        XCTAssertEqual(pool.health.buckets.count, 2, "bad bucket entries are skipped")
        XCTAssertEqual(pool.health.buckets[0], Bucket(success: max53, failed: max53))
        XCTAssertEqual(pool.health.success, max53)
        XCTAssertEqual(pool.plans.first?.accounts, max53)
        XCTAssertEqual(pool.plans.first?.available, 12)
        XCTAssertEqual(pool.weekly.capacity, Double(max53), "huge floats are clamped too")
        XCTAssertEqual(s.apiKeys.first?.success, max53)
        XCTAssertEqual(s.apiKeys.first?.failed, max53)
        XCTAssertEqual(s.apiKeys.first?.recentFailures, 1)
        XCTAssertEqual(s.accounts.first?.recentFailures, max53)
        XCTAssertEqual(s.providers.first?.counts?.total, max53)
        XCTAssertEqual(s.history?.fiveHour.count, 4, "malformed history points are skipped")
        XCTAssertEqual(s.expiringFirst.count, 1, "an entry without label/remaining is skipped")
        XCTAssertEqual(s.waste?.fiveHour?.wasted24h, Double(max53))
    }

    /// Every text and layout of every size can be built from it (a trap in a number conversion would
    /// blank the widget: the extension crashes and WidgetKit shows nothing).
    func testTheHugeSnapshotRendersEveryText() throws {
        let s = try Fixtures.own("huge")
        for language in Language.allCases {
            var snapshot = s
            snapshot.language = language
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            XCTAssertNotEqual(model.state, .error)
            if language == .en {
                XCTAssertEqual(model.readyText, "\(max53)/\(max53) ready")
                XCTAssertEqual(model.health?.failuresText, "\(max53) failures in 30 min")
                XCTAssertEqual(model.health?.successRateText, "50.0% ok")
            }
            XCTAssertEqual(model.weekly?.percentText, "100.0%")
            XCTAssertEqual(model.weekly?.ratioText, "\(max53).0/\(max53)%")
            XCTAssertNotNil(model.fiveHour?.paceText)
            XCTAssertFalse(model.issuesText.isEmpty)
            XCTAssertEqual(model.plans.first?.accountsText, "12/\(max53)")
            XCTAssertEqual(model.apiKeys.first?.recentFailures, 1)
            XCTAssertNotNil(model.fiveHourChart, "the chart keeps its good points")
            XCTAssertEqual(model.fiveHourChart?.points.count, 4, "the malformed points are skipped, the rest drawn")
            XCTAssertEqual(model.fiveHourChart?.points.first?.percent, 100, "1e300 of 1e300: clamped, full")
            XCTAssertNotNil(model.waste)
            _ = LargeLayout(model)
            _ = MediumLayout(model)
            for row in model.accounts { XCTAssertFalse(row.weeklyText.isEmpty) }
        }
    }

    func testNumberBounds() {
        XCTAssertEqual(NumberBounds.count(Double.nan), 0)
        XCTAssertEqual(NumberBounds.count(-1.0), 0)
        XCTAssertEqual(NumberBounds.count(2.9), 2)
        XCTAssertEqual(NumberBounds.count(1e300), max53)
        XCTAssertEqual(NumberBounds.count(Double.infinity), max53)
        XCTAssertEqual(NumberBounds.count(Int.max), max53)
        XCTAssertEqual(NumberBounds.count(-5), 0)
        XCTAssertEqual(NumberBounds.clamp(-1e300), -Double(max53))
        XCTAssertEqual(NumberBounds.clamp(.nan), 0)
        XCTAssertEqual(NumberBounds.clamp(12.5), 12.5)
    }

    /// The formatters never trap, whatever number reaches them.
    func testFormattersSurviveHugeNumbers() {
        XCTAssertEqual(Format.compact(1e300), "\(max53)")
        XCTAssertEqual(Format.oneDecimal(-1e300), "-\(max53).0")
        XCTAssertEqual(Format.duration(1e300), "\(max53 / 86400)d\(max53 / 3600 % 24)h")
        XCTAssertEqual(Format.poolRatio(remaining: 1e300, capacity: 1e300), "\(max53).0/\(max53)%")
        XCTAssertEqual(Format.restoreLong(Forecast(restored: 1e300, target: 1e300, at: T0.addingTimeInterval(60)), now: T0),
                       "+\(max53)% -> \(max53)% in 1m")
    }

    func testHugeEpochsAreClampedNotFatal() throws {
        let json = """
        {"schema_version": 3, "generated_at": 1785900000, "updated_at": 1e300, "ban_until": 18446744073709551615,
         "pause_until": -1e300, "pool": null, "accounts": []}
        """
        let s = try SnapshotLoader.decode(Data(json.utf8))
        XCTAssertEqual(s.updatedAt?.timeIntervalSince1970, Double(max53))
        XCTAssertEqual(s.banUntil?.timeIntervalSince1970, Double(max53))
        let model = PoolViewModel(snapshot: s, now: T0)
        XCTAssertNotNil(model.ban?.text)
        XCTAssertNil(model.pause, "a pause that ended long ago")
        XCTAssertNoThrow(try SnapshotLoader.makeEncoder().encode(s))
    }
}
