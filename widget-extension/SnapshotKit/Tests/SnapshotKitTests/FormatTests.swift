import Foundation
import XCTest
@testable import SnapshotKit

final class FormatTests: XCTestCase {
    func testOneDecimal() {
        XCTAssertEqual(Format.oneDecimal(66), "66.0")
        XCTAssertEqual(Format.oneDecimal(1254), "1254.0")
        XCTAssertEqual(Format.oneDecimal(65.99), "66.0")
        XCTAssertEqual(Format.oneDecimal(0.04), "0.0")
        XCTAssertEqual(Format.oneDecimal(0.05), "0.1")
        XCTAssertEqual(Format.oneDecimal(12.34), "12.3")
        XCTAssertEqual(Format.oneDecimal(-2.5), "-2.5")
        XCTAssertEqual(Format.oneDecimal(-0.01), "0.0")
        XCTAssertEqual(Format.oneDecimal(.nan), "0.0")
        XCTAssertEqual(Format.oneDecimal(.infinity), "0.0")
    }

    func testCompact() {
        XCTAssertEqual(Format.compact(1900), "1900")
        XCTAssertEqual(Format.compact(100), "100")
        XCTAssertEqual(Format.compact(100.04), "100")
        XCTAssertEqual(Format.compact(12.5), "12.5")
        XCTAssertEqual(Format.compact(0), "0")
        XCTAssertEqual(Format.compact(.nan), "0")
        XCTAssertEqual(Format.weight(20), "20x")
        XCTAssertEqual(Format.weight(2.5), "2.5x")
    }

    func testPoolPercentAndRatioLikeTheOriginalMediumWidget() {
        XCTAssertEqual(Format.poolPercent(remaining: 1254, capacity: 1900), "66.0%")
        XCTAssertEqual(Format.poolRatio(remaining: 1254, capacity: 1900), "1254.0/1900%")
        XCTAssertEqual(Format.poolPercent(remaining: 1420, capacity: 2100), "67.6%")
        XCTAssertEqual(Format.poolRatio(remaining: 1420.25, capacity: 2100.5), "1420.3/2100.5%")
        XCTAssertEqual(Format.poolPercent(remaining: 0, capacity: 0), "0.0%")
        XCTAssertEqual(Format.poolPercent(remaining: 2500, capacity: 2100), "100.0%")
        XCTAssertEqual(Format.poolRatio(remaining: 0, capacity: 0), "0.0/0%")
    }

    func testRingFraction() {
        XCTAssertEqual(Format.ringFraction(remaining: 1254, capacity: 1900), 1254.0 / 1900.0, accuracy: 1e-12)
        XCTAssertEqual(Format.ringFraction(remaining: 50, capacity: 0), 0)
        XCTAssertEqual(Format.ringFraction(remaining: 50, capacity: -10), 0)
        XCTAssertEqual(Format.ringFraction(remaining: -5, capacity: 100), 0)
        XCTAssertEqual(Format.ringFraction(remaining: 300, capacity: 100), 1)
        XCTAssertEqual(Format.ringFraction(remaining: .nan, capacity: 100), 0)
        XCTAssertEqual(Format.ringFraction(remaining: 100, capacity: .infinity), 0)
    }

    func testLevelThresholds() {
        XCTAssertEqual(Level.forFraction(0), .red)
        XCTAssertEqual(Level.forFraction(0.1999), .red)
        XCTAssertEqual(Level.forFraction(0.2), .yellow)
        XCTAssertEqual(Level.forFraction(0.6999), .yellow)
        XCTAssertEqual(Level.forFraction(0.7), .green)
        XCTAssertEqual(Level.forFraction(1), .green)
        XCTAssertEqual(Level.forFraction(.nan), .red)
        XCTAssertEqual(Level.forPercent(19.9), .red)
        XCTAssertEqual(Level.forPercent(58), .yellow)
        XCTAssertEqual(Level.forPercent(81), .green)
        XCTAssertEqual(Level.red.tint.rawValue, "red")
        XCTAssertEqual(Level.yellow.tint.rawValue, "yellow")
        XCTAssertEqual(Level.green.tint.rawValue, "green")
        XCTAssertEqual(Level.unknown.tint.rawValue, "gray")
    }

    func testDuration() {
        XCTAssertEqual(Format.duration(0), "0s")
        XCTAssertEqual(Format.duration(-30), "0s")
        XCTAssertEqual(Format.duration(45), "45s")
        XCTAssertEqual(Format.duration(59.9), "59s")
        XCTAssertEqual(Format.duration(60), "1m")
        XCTAssertEqual(Format.duration(12 * 60 + 59), "12m")
        XCTAssertEqual(Format.duration(3599), "59m")
        XCTAssertEqual(Format.duration(3600), "1h")
        XCTAssertEqual(Format.duration(72 * 60), "1h12m")
        XCTAssertEqual(Format.duration(23 * 3600 + 59 * 60 + 59), "23h59m")
        XCTAssertEqual(Format.duration(86400), "1d")
        XCTAssertEqual(Format.duration(2 * 86400 + 3 * 3600 + 59 * 60), "2d3h")
        XCTAssertEqual(Format.duration(7 * 86400), "7d")
        XCTAssertEqual(Format.duration(.nan), "0s")
        XCTAssertEqual(Format.duration(.infinity), "0s")
    }

    func testDecimalDuration() {
        XCTAssertEqual(Format.decimalDuration(45), "45s")
        XCTAssertEqual(Format.decimalDuration(12 * 60), "12m")
        XCTAssertEqual(Format.decimalDuration(3600), "1.0h")
        XCTAssertEqual(Format.decimalDuration(1.3 * 3600), "1.3h")
        XCTAssertEqual(Format.decimalDuration(78 * 60), "1.3h")
        XCTAssertEqual(Format.decimalDuration(47.9 * 3600), "47.9h")
        XCTAssertEqual(Format.decimalDuration(48 * 3600), "2.0d")
        XCTAssertEqual(Format.decimalDuration(2.5 * 86400), "2.5d")
        XCTAssertEqual(Format.decimalDuration(-5), "0s")
    }

    func testRestoreTexts() {
        let f = Forecast(restored: 100, target: 1354, at: T0.addingTimeInterval(78 * 60))
        XCTAssertEqual(Format.restoreShort(f, now: T0), "+100% · 1.3h")
        let g = Forecast(restored: 300, target: 1720, at: T0.addingTimeInterval(72 * 60))
        XCTAssertEqual(Format.restoreLong(g, now: T0), "+300% -> 1720% in 1h12m")
        XCTAssertEqual(Format.restoreShort(g, now: T0.addingTimeInterval(72 * 60)), "+300% · now")
        XCTAssertEqual(Format.restoreLong(g, now: T0.addingTimeInterval(5000)), "+300% -> 1720% now")
        let h = Forecast(restored: 12.5, target: 99.5, at: T0.addingTimeInterval(45))
        XCTAssertEqual(Format.restoreShort(h, now: T0), "+12.5% · 45s")
        XCTAssertEqual(Format.restoreLong(h, now: T0), "+12.5% -> 99.5% in 45s")
        XCTAssertEqual(Format.restoreShort(nil, now: T0), "no restore")
        XCTAssertEqual(Format.restoreLong(nil, now: T0), "no restore pending")
    }

    func testFailuresAndFreshness() {
        XCTAssertEqual(Format.failures(0), "no failures in 30 min")
        XCTAssertEqual(Format.failures(-1), "no failures in 30 min")
        XCTAssertEqual(Format.failures(1), "1 failure in 30 min")
        XCTAssertEqual(Format.failures(12), "12 failures in 30 min")
        XCTAssertEqual(Format.updatedAgo(T0, now: T0.addingTimeInterval(180)), "updated 3m ago")
        XCTAssertEqual(Format.updatedAgo(T0, now: T0.addingTimeInterval(2)), "updated just now")
        XCTAssertEqual(Format.updatedAgo(T0, now: T0.addingTimeInterval(-30)), "updated just now")
        XCTAssertEqual(Format.updatedAgo(T0, now: T0.addingTimeInterval(45)), "updated 45s ago")
        XCTAssertEqual(Format.updatedAgo(T0, now: T0.addingTimeInterval(4320)), "updated 1h12m ago")
        XCTAssertEqual(PoolViewModel.staleText("connection refused"), "stale — connection refused")
        XCTAssertEqual(PoolViewModel.staleText(nil), "stale")
        XCTAssertEqual(PoolViewModel.staleText("  "), "stale")
    }

    func testPlanNames() {
        XCTAssertEqual(Format.planName("pro"), "Pro")
        XCTAssertEqual(Format.planName("prolite"), "Pro Lite")
        XCTAssertEqual(Format.planName("pro_lite"), "Pro Lite")
        XCTAssertEqual(Format.planName("Pro-Lite"), "Pro Lite")
        XCTAssertEqual(Format.planName("plus"), "Plus")
        XCTAssertEqual(Format.planName(""), "Plus")
        XCTAssertEqual(Format.planName("team"), "Team")
        XCTAssertEqual(Format.planName("max20x"), "Max 20x")
        XCTAssertEqual(Format.planName("max5x"), "Max 5x")
        XCTAssertEqual(Format.planName("max"), "Max")
        XCTAssertEqual(Format.planName("g1-ultra-tier"), "Ultra")
        XCTAssertEqual(Format.planName("g1-ultra-lite-tier"), "Ultra Lite")
        XCTAssertEqual(Format.planName("free-tier"), "Free")
    }

    func testClock() throws {
        let utc = try XCTUnwrap(TimeZone(identifier: "UTC"))
        // 1785900000 = 2026-08-05 03:20:00 UTC
        XCTAssertEqual(Format.clock(T0, timeZone: utc), "03:20")
        XCTAssertEqual(Format.clock(T0.addingTimeInterval(12 * 3600 + 45 * 60), timeZone: utc), "16:05")
    }
}
