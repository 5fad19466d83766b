import Foundation
import XCTest
@testable import SnapshotKit

/// Exact-value tests on snapshots built here (independent of the fixture files).
final class ViewModelTests: XCTestCase {
    static func makeSnapshot(stale: Bool = false, error: String? = nil, updatedAgo: TimeInterval = 180) -> Snapshot {
        let pool = Pool(
            fiveHour: PoolWindow(remaining: 1254, capacity: 1900, level: .yellow,
                                 forecast: Forecast(restored: 100, target: 1354, at: T0.addingTimeInterval(78 * 60))),
            weekly: PoolWindow(remaining: 1500, capacity: 1900, level: .green,
                               forecast: Forecast(restored: 300, target: 1720, at: T0.addingTimeInterval(72 * 60))),
            counts: Counts(total: 3, available: 2, killed: 1, cooling: 1, erroring: 0, disabled: 0, stale: 0),
            health: Health(buckets: (0..<17).map { _ in Bucket(success: 2, failed: 0) }
                               + [Bucket(success: 0, failed: 0), Bucket(success: 3, failed: 1), Bucket(success: 0, failed: 1)],
                           recentFailures: 2, success: 340, failed: 12),
            plans: [Plan(plan: "plus", weight: 1, accounts: 2, available: 1),
                    Plan(plan: "pro", weight: 20, accounts: 1, available: 1)],
            pace: Pace(fiveHour: PaceWindow(burnPerHour: 120.5, runsOutAt: T0.addingTimeInterval(2 * 3600 + 45 * 60)),
                       weekly: PaceWindow(burnPerHour: 41, runsOutAt: nil)))
        let accounts = [
            Account(label: "pro@example.com", plan: "pro", weight: 20,
                    fiveHour: AccountWindow(remaining: 58, resetAt: T0.addingTimeInterval(3600)),
                    weekly: AccountWindow(remaining: 81, resetAt: T0.addingTimeInterval(86400))),
            Account(label: "killed@example.com", plan: "plus", weight: 1,
                    fiveHour: AccountWindow(remaining: 90, effective: 0, resetAt: nil),
                    weekly: AccountWindow(remaining: 1.5, effective: 0, resetAt: T0.addingTimeInterval(600)),
                    killed: true),
            Account(label: "cool@example.com", plan: "plus", weight: 1, fiveHour: nil, weekly: nil,
                    available: false, cooling: true, stale: true, error: "HTTP 502", recentFailures: 2),
        ]
        return Snapshot(generatedAt: T0, updatedAt: T0.addingTimeInterval(-updatedAgo), stale: stale, error: error,
                        pool: pool, accounts: accounts)
    }

    func testWindowViewModels() throws {
        let model = PoolViewModel(snapshot: Self.makeSnapshot(), now: T0)
        let h5 = try XCTUnwrap(model.fiveHour)
        XCTAssertEqual(h5.title, "5h")
        XCTAssertEqual(h5.percentText, "66.0%")
        XCTAssertEqual(h5.ratioText, "1254.0/1900%")
        XCTAssertEqual(h5.fraction, 1254.0 / 1900.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(h5.forecastFraction), 1354.0 / 1900.0, accuracy: 1e-12)
        XCTAssertEqual(h5.level, .yellow)
        XCTAssertEqual(h5.tint, .yellow)
        XCTAssertEqual(h5.restoreShort, "+100% · 1.3h")
        XCTAssertEqual(h5.restoreLong, "+100% -> 1354% in 1h18m")
        XCTAssertEqual(h5.restoreAt, T0.addingTimeInterval(78 * 60))
        XCTAssertEqual(h5.paceText, "runs out in 2h45m")
        XCTAssertEqual(h5.kind.restoreTint, .blue)

        let week = try XCTUnwrap(model.weekly)
        XCTAssertEqual(week.title, "Week")
        XCTAssertEqual(week.percentText, "78.9%")
        XCTAssertEqual(week.ratioText, "1500.0/1900%")
        XCTAssertEqual(week.level, .green)
        XCTAssertEqual(week.restoreShort, "+300% · 1.2h")
        XCTAssertEqual(week.restoreLong, "+300% -> 1720% in 1h12m")
        XCTAssertEqual(week.paceText, "-41%/h")
        XCTAssertEqual(week.kind.restoreTint, .purple)
    }

    func testUnknownLevelIsRecomputedFromTheFraction() {
        let w = WindowViewModel(kind: .fiveHour, window: PoolWindow(remaining: 10, capacity: 100, level: .unknown),
                                pace: nil, now: T0)
        XCTAssertEqual(w.level, .red)
        XCTAssertNil(w.forecastFraction)
        XCTAssertNil(w.restoreAt)
        XCTAssertEqual(w.restoreShort, "no restore")
        XCTAssertNil(w.paceText)
    }

    func testForecastSegmentNeverShrinksBelowTheBar() {
        let w = WindowViewModel(kind: .weekly,
                                window: PoolWindow(remaining: 80, capacity: 100, level: .green,
                                                   forecast: Forecast(restored: 5, target: 50, at: T0.addingTimeInterval(60))),
                                pace: nil, now: T0)
        XCTAssertEqual(w.forecastFraction, 0.8)
    }

    func testPaceTexts() {
        XCTAssertNil(WindowViewModel.paceText(nil, now: T0))
        XCTAssertNil(WindowViewModel.paceText(PaceWindow(burnPerHour: 0, runsOutAt: nil), now: T0))
        XCTAssertEqual(WindowViewModel.paceText(PaceWindow(burnPerHour: 120.5, runsOutAt: nil), now: T0), "-120.5%/h")
        XCTAssertEqual(WindowViewModel.paceText(PaceWindow(burnPerHour: 120.5, runsOutAt: T0.addingTimeInterval(-10)), now: T0),
                       "-120.5%/h", "a run-out time in the past falls back to the rate")
        XCTAssertEqual(WindowViewModel.paceText(PaceWindow(burnPerHour: 9, runsOutAt: T0.addingTimeInterval(2 * 86400 + 3 * 3600)), now: T0),
                       "runs out in 2d3h")
    }

    func testPoolSummaryTexts() {
        let model = PoolViewModel(snapshot: Self.makeSnapshot(), now: T0)
        XCTAssertEqual(model.state, .ok)
        XCTAssertEqual(model.title, "CLIProxy Pool")
        XCTAssertEqual(model.freshnessText, "updated 3m ago")
        XCTAssertEqual(model.headerDate, T0.addingTimeInterval(-180))
        XCTAssertNil(model.message)
        XCTAssertEqual(model.readyText, "2/3 ready")
        XCTAssertEqual(model.issuesText, "1 killed · 1 cooling")
        XCTAssertEqual(PoolViewModel.issues(Counts(total: 9, available: 1, killed: 1, cooling: 2, erroring: 3, disabled: 4, stale: 5)),
                       "1 killed · 2 cooling · 3 erroring · 4 disabled · 5 stale")
        XCTAssertEqual(PoolViewModel.issues(Counts(total: 4, available: 4)), "")
    }

    func testHealthSummary() throws {
        let model = PoolViewModel(snapshot: Self.makeSnapshot(), now: T0)
        let health = try XCTUnwrap(model.health)
        XCTAssertEqual(health.states.count, 20)
        XCTAssertEqual(health.states.first, .success)
        XCTAssertEqual(Array(health.states.suffix(3)), [.idle, .mixed, .failed])
        XCTAssertEqual(health.states.suffix(3).map(\.tint), [.gray, .yellow, .red])
        XCTAssertEqual(health.recentFailures, 2)
        XCTAssertEqual(health.failuresText, "2 failures in 30 min")
        XCTAssertEqual(health.successRateText, "96.6% ok")
        XCTAssertEqual(health.status, .degraded)
        XCTAssertEqual(health.status.title, "Degraded")
        XCTAssertEqual(health.status.tint, .yellow)
    }

    func testHealthStatuses() {
        XCTAssertEqual(HealthViewModel(Health()).status, .idle)
        XCTAssertNil(HealthViewModel(Health()).successRateText)
        XCTAssertEqual(HealthViewModel(Health()).failuresText, "no failures in 30 min")
        let quiet = Array(repeating: Bucket(success: 0, failed: 0), count: 20)
        XCTAssertEqual(HealthViewModel(Health(buckets: quiet)).status, .idle)
        var ok = quiet
        ok[3] = Bucket(success: 5, failed: 1)
        XCTAssertEqual(HealthViewModel(Health(buckets: ok, recentFailures: 0, success: 5, failed: 1)).status, .healthy)
        var failing = ok
        failing[19] = Bucket(success: 0, failed: 4)
        XCTAssertEqual(HealthViewModel(Health(buckets: failing, recentFailures: 4, success: 5, failed: 5)).status, .failing)
        XCTAssertEqual(HealthViewModel(Health(buckets: [], recentFailures: 1, success: 10, failed: 1)).status, .degraded)
        XCTAssertEqual(HealthViewModel(Health(buckets: [], recentFailures: 1, success: 0, failed: 1)).status, .failing)
        XCTAssertEqual(BucketState(Bucket(success: 0, failed: 0)), .idle)
        XCTAssertEqual(BucketState(Bucket(success: 1, failed: 0)), .success)
        XCTAssertEqual(BucketState(Bucket(success: 0, failed: 1)), .failed)
        XCTAssertEqual(BucketState(Bucket(success: 1, failed: 1)), .mixed)
    }

    func testPlanRows() {
        let model = PoolViewModel(snapshot: Self.makeSnapshot(), now: T0)
        XCTAssertEqual(model.plans.map(\.name), ["Pro", "Plus"])
        XCTAssertEqual(model.plans.map(\.weightText), ["20x", "1x"])
        XCTAssertEqual(model.plans.map(\.accountsText), ["1/1", "1/2"])
        XCTAssertEqual(model.plans.map(\.capacityText), ["2000%", "100%"])
        let rows = PlanRowViewModel.rows([Plan(plan: "plus", weight: 1, accounts: 8, available: 7),
                                          Plan(plan: "prolite", weight: 10, accounts: 2, available: 2),
                                          Plan(plan: "pro", weight: 20, accounts: 1, available: 0)])
        XCTAssertEqual(rows.map(\.name), ["Pro", "Pro Lite", "Plus"])
        XCTAssertEqual(rows.map(\.capacityText), ["0%", "2000%", "700%"])
    }

    func testAccountRows() {
        let model = PoolViewModel(snapshot: Self.makeSnapshot(), now: T0)
        XCTAssertEqual(model.accounts.count, 3)
        let pro = model.accounts[0]
        XCTAssertEqual(pro.planName, "Pro")
        XCTAssertEqual(pro.fiveHourText, "58%")
        XCTAssertEqual(pro.weeklyText, "81%")
        XCTAssertEqual(pro.fiveHourFraction, 0.58, accuracy: 1e-12)
        XCTAssertEqual(pro.fiveHourTint, .yellow)
        XCTAssertEqual(pro.weeklyTint, .green)
        XCTAssertFalse(pro.muted)
        XCTAssertEqual(pro.tags, [])
        let killed = model.accounts[1]
        XCTAssertTrue(killed.muted)
        XCTAssertEqual(killed.tags, ["weekKILL"])
        XCTAssertEqual(killed.fiveHourText, "90%", "killed rows still show the raw 5h value")
        XCTAssertEqual(killed.fiveHourTint, .gray)
        XCTAssertEqual(killed.weeklyText, "1.5%")
        XCTAssertEqual(killed.weeklyTint, .red)
        let cool = model.accounts[2]
        XCTAssertEqual(cool.fiveHourText, "–")
        XCTAssertEqual(cool.fiveHourFraction, 0)
        XCTAssertEqual(cool.tags, ["cooling", "stale", "error"])
        XCTAssertEqual(cool.error, "HTTP 502")
        XCTAssertTrue(cool.muted)
    }

    func testStaleState() {
        let model = PoolViewModel(snapshot: Self.makeSnapshot(stale: true, error: "connection refused"), now: T0)
        XCTAssertEqual(model.state, .stale)
        XCTAssertEqual(model.freshnessText, "stale — connection refused")
        XCTAssertEqual(model.message, "connection refused")
        XCTAssertEqual(model.fiveHour?.percentText, "66.0%", "stale data is still shown")
    }

    func testOutdatedSnapshotCountsAsStaleEvenWithoutTheFlag() {
        let model = PoolViewModel(snapshot: Self.makeSnapshot(updatedAgo: 2 * 3600), now: T0)
        XCTAssertEqual(model.state, .stale)
        XCTAssertEqual(model.freshnessText, "updated 2h ago")
        let fresh = PoolViewModel(snapshot: Self.makeSnapshot(updatedAgo: 29 * 60), now: T0)
        XCTAssertEqual(fresh.state, .ok)
    }

    func testErrorAndNoDataStates() {
        let error = Snapshot(generatedAt: T0, updatedAt: nil, error: "401 Unauthorized", pool: nil)
        let m = PoolViewModel(snapshot: error, now: T0)
        XCTAssertEqual(m.state, .error)
        XCTAssertEqual(m.message, "401 Unauthorized")
        XCTAssertEqual(m.freshnessText, "no data yet")
        XCTAssertEqual(m.readyText, "0/0 ready")
        XCTAssertTrue(m.plans.isEmpty)
        let nothing = Snapshot(generatedAt: T0, updatedAt: nil, error: nil, pool: nil)
        XCTAssertEqual(PoolViewModel(snapshot: nothing, now: T0).message, "No data yet — run poolwatch")
    }

    func testEmptyState() {
        let zero = PoolWindow(remaining: 0, capacity: 0)
        XCTAssertEqual(zero.level, .red)
        let snap = Snapshot(generatedAt: T0, updatedAt: T0,
                            pool: Pool(fiveHour: zero, weekly: zero, counts: Counts(), health: Health(), plans: []))
        let m = PoolViewModel(snapshot: snap, now: T0.addingTimeInterval(61))
        XCTAssertEqual(m.state, .empty)
        XCTAssertEqual(m.fiveHour?.percentText, "0.0%")
        XCTAssertEqual(m.fiveHour?.ratioText, "0.0/0%")
        XCTAssertEqual(m.health?.status, .idle)
        XCTAssertEqual(m.freshnessText, "updated 1m ago")
    }

    func testSampleDataIsConsistent() {
        let now = Date()
        let sample = Snapshot.sample(now: now)
        let model = PoolViewModel(snapshot: sample, now: now)
        XCTAssertEqual(model.state, .ok)
        XCTAssertTrue(model.isDemo)
        XCTAssertEqual(sample.pool?.counts.total, sample.accounts.count)
        XCTAssertEqual(sample.pool?.counts.available, sample.accounts.filter(\.available).count)
        XCTAssertEqual(sample.pool?.health.buckets.count, 20)
        XCTAssertEqual(model.fiveHour?.percentText, "65.9%")
        XCTAssertEqual(model.fiveHour?.restoreShort, "+824% · 1.3h")
    }
}
