import Foundation
import XCTest
@testable import SnapshotKit

/// Issue 19 in the widget: history charts, pace stages, waste, "use first"; issue 21: the pause banner.
final class HistoryChartTests: XCTestCase {
    private func p(_ minutesAgo: Double, _ remaining: Double, _ capacity: Double = 200) -> HistoryPoint {
        HistoryPoint(at: T0.addingTimeInterval(-minutesAgo * 60), remaining: remaining, capacity: capacity)
    }

    func testPointsAreScaledToTheCapacityOfTheirMoment() throws {
        // The pool grew from 200 to 400 (a new account): 100 of 200 and 200 of 400 are both half full.
        let chart = try XCTUnwrap(HistoryChartViewModel(kind: .fiveHour, points: [p(60, 100), p(45, 150), p(30, 200, 400)],
                                                        now: T0))
        XCTAssertEqual(chart.points.map(\.percent), [50, 75, 50])
        XCTAssertEqual(chart.points.map(\.remaining), [100, 150, 200])
        XCTAssertEqual(chart.start, T0.addingTimeInterval(-24 * 3600))
        XCTAssertEqual(chart.end, T0)
        XCTAssertEqual(chart.segments, 1)
        XCTAssertEqual(chart.title, "5h · 24h")
        XCTAssertEqual(chart.startLabel, "24h ago")
        XCTAssertEqual(chart.endLabel, "now")
        XCTAssertEqual(chart.rangeText, "low 50% · now 50%")
        XCTAssertEqual(chart.tint, .yellow)
        // Values outside 0...capacity are clamped to the chart's 0...100.
        let wild = try XCTUnwrap(HistoryChartViewModel(kind: .fiveHour, points: [p(30, -5), p(15, 900)], now: T0))
        XCTAssertEqual(wild.points.map(\.percent), [0, 100])
    }

    func testAGapStartsANewSegment() throws {
        // Every 15 min, then nothing for 2 hours, then every 15 min again.
        let points = [p(300, 100), p(285, 90), p(270, 80), p(150, 200), p(135, 190), p(120, 180)]
        let chart = try XCTUnwrap(HistoryChartViewModel(kind: .fiveHour, points: points, now: T0))
        XCTAssertEqual(chart.points.map(\.segment), [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(chart.segments, 2)
        XCTAssertFalse(chart.points.contains(where: \.isolated))
        // A lone sample between two gaps is a dot.
        let lone = try XCTUnwrap(HistoryChartViewModel(kind: .fiveHour, points: [p(600, 10), p(585, 10), p(400, 50),
                                                                                  p(200, 60), p(185, 70)], now: T0))
        XCTAssertEqual(lone.points.map(\.segment), [0, 0, 1, 2, 2])
        XCTAssertEqual(lone.points.map(\.isolated), [false, false, true, false, false])
    }

    func testAMomentWithoutCapacityIsAGapNotADropToZero() throws {
        let chart = try XCTUnwrap(HistoryChartViewModel(kind: .fiveHour,
                                                        points: [p(60, 100), p(45, 0, 0), p(30, 100), p(15, 90)], now: T0))
        XCTAssertEqual(chart.points.map(\.percent), [50, 50, 45])
        XCTAssertEqual(chart.points.map(\.segment), [0, 1, 1])
        XCTAssertEqual(chart.rangeText, "low 45% · now 45%")
    }

    func testOnlyTheSpanIsDrawnInTimeOrderOncePerSecond() throws {
        let points = [p(30, 120), p(25 * 60, 10), p(60, 100), p(45, 110), p(45, 111), p(-60, 5)]
        let chart = try XCTUnwrap(HistoryChartViewModel(kind: .fiveHour, points: points, now: T0))
        XCTAssertEqual(chart.points.map(\.remaining), [100, 111, 120],
                       "older than 24 h and an hour in the future (a clock that went back) are left out; sorted; the last duplicate wins")
        XCTAssertEqual(chart.points.map(\.id), [0, 1, 2])
        // The weekly chart keeps 7 days.
        // Hourly for 10 hours three days ago, then hourly for the last 10 hours, plus one sample 8 days ago.
        let hourly = (0..<10).map { p(Double(72 + $0) * 60, 150) } + (0..<10).map { p(Double($0) * 60, 100) }
        let week = try XCTUnwrap(HistoryChartViewModel(kind: .weekly, points: hourly + [p(8 * 1440, 1)], now: T0))
        XCTAssertEqual(week.points.count, 20)
        XCTAssertEqual(week.title, "Week · 7d")
        XCTAssertEqual(week.startLabel, "7d ago")
        XCTAssertEqual(week.segments, 2, "a day-long hole in an hourly series is a gap")
    }

    func testNothingToDrawGivesNoChart() {
        XCTAssertNil(HistoryChartViewModel(kind: .fiveHour, points: [], now: T0))
        XCTAssertNil(HistoryChartViewModel(kind: .fiveHour, points: [p(10, 100)], now: T0))
        XCTAssertNil(HistoryChartViewModel(kind: .fiveHour, points: [p(10, 100), p(5, 0, 0)], now: T0))
        XCTAssertNil(HistoryChartViewModel(kind: .fiveHour, points: [p(30 * 60, 100), p(29 * 60, 100)], now: T0))
    }

    func testGapThresholdFollowsTheSeries() {
        let every5min = (0..<10).map { T0.addingTimeInterval(Double($0) * 300) }
        XCTAssertEqual(HistoryChartViewModel.gapThreshold(every5min, kind: .fiveHour), 45 * 60,
                       "never below 3x the nominal 15 min")
        let every30min = (0..<10).map { T0.addingTimeInterval(Double($0) * 1800) }
        XCTAssertEqual(HistoryChartViewModel.gapThreshold(every30min, kind: .fiveHour), 90 * 60,
                       "a poolwatch that runs every 30 min is not all gaps")
        XCTAssertEqual(HistoryChartViewModel.gapThreshold([], kind: .weekly), 3 * 3600)
    }

    func testChineseChart() throws {
        let chart = try XCTUnwrap(HistoryChartViewModel(kind: .weekly, points: [p(120, 30), p(60, 20)], now: T0,
                                                        language: .zhHans))
        XCTAssertEqual(chart.title, "周 · 7天")
        XCTAssertEqual(chart.startLabel, "7天前")
        XCTAssertEqual(chart.endLabel, "现在")
        XCTAssertEqual(chart.rangeText, "最低 10% · 当前 10%")
        XCTAssertEqual(chart.tint, .red)
    }

    func testTheSampleHasCharts() {
        let model = PoolViewModel(snapshot: .sample(now: T0), now: T0)
        XCTAssertEqual(model.fiveHourChart?.segments, 2)
        XCTAssertEqual(model.weeklyChart?.points.count, 168)
        XCTAssertNotNil(model.waste)
        XCTAssertEqual(model.useFirst.count, 3)
    }
}

final class PaceStageTests: XCTestCase {
    private func text(_ pace: PaceWindow, _ language: Language = .en) -> String? {
        PaceViewModel(pace, now: T0, language: language)?.text
    }

    func testStages() {
        let in150 = T0.addingTimeInterval(150 * 60)
        XCTAssertEqual(text(PaceWindow(burnPerHour: 240, runsOutAt: in150, lastsUntilReset: false, marginSeconds: -3600,
                                       stage: .deficit)), "deficit, runs out in 2h30m")
        XCTAssertEqual(text(PaceWindow(burnPerHour: 100, runsOutAt: in150, lastsUntilReset: true, marginSeconds: 0,
                                       stage: .onPace)), "on pace")
        XCTAssertEqual(text(PaceWindow(burnPerHour: 10, runsOutAt: nil, lastsUntilReset: true, marginSeconds: 7200,
                                       stage: .reserve)), "reserve, lasts until reset")
        XCTAssertEqual(text(PaceWindow(burnPerHour: 10, runsOutAt: nil, lastsUntilReset: true, stage: nil)),
                       "lasts until reset")
        XCTAssertEqual(text(PaceWindow(burnPerHour: 10, runsOutAt: in150, lastsUntilReset: false, stage: .onPace)),
                       "on pace, runs out in 2h30m", "on pace but still short of the reset: say when")
        XCTAssertEqual(text(PaceWindow(burnPerHour: 10, runsOutAt: nil, lastsUntilReset: nil, stage: .deficit)), "deficit")
        // Without a stage: as before (run-out time, else the rate).
        XCTAssertEqual(text(PaceWindow(burnPerHour: 10, runsOutAt: in150)), "runs out in 2h30m")
        XCTAssertEqual(text(PaceWindow(burnPerHour: 10, runsOutAt: nil)), "-10%/h")
        XCTAssertNil(text(PaceWindow(burnPerHour: 0, runsOutAt: nil)))
        XCTAssertEqual(text(PaceWindow(burnPerHour: 10, runsOutAt: nil, stage: .unknown)), "-10%/h",
                       "a stage from a newer writer is left out, not guessed")
        // A run-out time that has passed is not a countdown.
        XCTAssertEqual(text(PaceWindow(burnPerHour: 10, runsOutAt: T0.addingTimeInterval(-5), lastsUntilReset: false,
                                       stage: .deficit)), "deficit")
    }

    func testTintsAndMargin() throws {
        let deficit = try XCTUnwrap(PaceViewModel(PaceWindow(burnPerHour: 240, runsOutAt: T0.addingTimeInterval(9000),
                                                             lastsUntilReset: false, marginSeconds: -3600, stage: .deficit),
                                                  now: T0))
        XCTAssertEqual(deficit.tint, .red)
        XCTAssertEqual(deficit.marginText, "1h before reset")
        XCTAssertEqual(deficit.stage, .deficit)
        let reserve = try XCTUnwrap(PaceViewModel(PaceWindow(burnPerHour: 1, runsOutAt: nil, lastsUntilReset: true,
                                                             marginSeconds: 99, stage: .reserve), now: T0))
        XCTAssertEqual(reserve.tint, .blue)
        XCTAssertNil(reserve.marginText)
        XCTAssertEqual(PaceViewModel(PaceWindow(burnPerHour: 1, runsOutAt: nil, lastsUntilReset: true, stage: .onPace),
                                     now: T0)?.tint, .green)
    }

    func testStagesInChinese() {
        let in150 = T0.addingTimeInterval(150 * 60)
        XCTAssertEqual(text(PaceWindow(burnPerHour: 240, runsOutAt: in150, lastsUntilReset: false, stage: .deficit), .zhHans),
                       "超前消耗，2小时30分后耗尽")
        XCTAssertEqual(text(PaceWindow(burnPerHour: 1, runsOutAt: nil, lastsUntilReset: true, stage: .reserve), .zhHans),
                       "有余量，能撑到重置")
        XCTAssertEqual(text(PaceWindow(burnPerHour: 1, runsOutAt: nil, lastsUntilReset: true, stage: .onPace), .zhHans), "节奏正常")
    }

    func testPaceDecodesFromTheContract() throws {
        let json = """
        {"schema_version": 3, "generated_at": 1785900000, "accounts": [],
         "pool": {"five_hour": {"remaining": 1240, "capacity": 1900},
                  "weekly": {"remaining": 1500, "capacity": 1900},
                  "pace": {"five_hour": {"burn_per_hour": 240.0, "runs_out_at": 1785909000, "lasts_until_reset": false,
                                         "margin_seconds": -3600, "stage": "deficit"},
                           "weekly": {"burn_per_hour": 5.0, "runs_out_at": null, "lasts_until_reset": true,
                                      "margin_seconds": null, "stage": "on_pace"}}}}
        """
        let s = try SnapshotLoader.decode(Data(json.utf8))
        XCTAssertEqual(s.pool?.pace?.fiveHour, PaceWindow(burnPerHour: 240, runsOutAt: T0.addingTimeInterval(9000),
                                                          lastsUntilReset: false, marginSeconds: -3600, stage: .deficit))
        XCTAssertEqual(s.pool?.pace?.weekly?.stage, .onPace)
        let model = PoolViewModel(snapshot: s, now: T0)
        XCTAssertEqual(model.fiveHour?.paceText, "deficit, runs out in 2h30m")
        XCTAssertEqual(model.fiveHour?.pace?.tint, .red)
        XCTAssertEqual(model.weekly?.paceText, "on pace")
    }
}

final class WasteAndUseFirstTests: XCTestCase {
    func testWasteLine() throws {
        let waste = Waste(fiveHour: WasteWindow(used24h: 310, wasted24h: 90, used7d: 2100, wasted7d: 640, used30d: 9000,
                                                wasted30d: 2500),
                          weekly: WasteWindow(used7d: 1200, wasted7d: 50))
        let model = try XCTUnwrap(WasteViewModel(waste))
        XCTAssertEqual(model.text, "Unused at reset, 7d: 5h 640% (23%) · Week 50% (4%)")
        XCTAssertEqual(model.rows.map(\.kind), [.fiveHour, .weekly])
        XCTAssertEqual(model.rows[0].usedText, "2100%")
        XCTAssertEqual(model.rows[0].wasted24hText, "90%")
        XCTAssertEqual(model.rows[0].wasted30dText, "2500%")
        XCTAssertEqual(model.rows[0].share, 640.0 / 2740.0, accuracy: 1e-12)
        XCTAssertEqual(WasteViewModel(waste, language: .zhHans)?.text, "7天内重置时未用完：5h 640%（23%） · 周 50%（4%）")
        // Only one window, nothing used: 0%, no division by zero.
        XCTAssertEqual(WasteViewModel(Waste(fiveHour: nil, weekly: WasteWindow()))?.text, "Unused at reset, 7d: Week 0% (0%)")
        XCTAssertNil(WasteViewModel(Waste(fiveHour: nil, weekly: nil)))
    }

    func testWasteDecodingNeverGoesNegative() throws {
        let json = """
        {"schema_version": 3, "generated_at": 1785900000, "pool": null, "accounts": [],
         "waste": {"five_hour": {"used_24h": -5, "wasted_24h": 3, "used_7d": "x"}, "weekly": 7}}
        """
        let s = try SnapshotLoader.decode(Data(json.utf8))
        XCTAssertEqual(s.waste?.fiveHour, WasteWindow(used24h: 0, wasted24h: 3))
        XCTAssertNil(s.waste?.weekly)
    }

    func testUseFirstRows() throws {
        let entries = [
            ExpiringAccount(label: "alice@example.com", provider: "codex", window: "five_hour", remaining: 60,
                            remainingUnits: 60, resetsAt: T0.addingTimeInterval(40 * 60)),
            ExpiringAccount(label: "pro@example.com", provider: "claude", window: "weekly", remaining: 12.5,
                            remainingUnits: 250, resetsAt: T0.addingTimeInterval(-1)),
            ExpiringAccount(label: "", window: "five_hour", remaining: 5, resetsAt: nil),
        ]
        let rows = ExpiringRowViewModel.rows(entries, now: T0)
        XCTAssertEqual(rows.map(\.label), ["alice@example.com", "pro@example.com", "?"], "the writer's order")
        XCTAssertEqual(rows.map(\.windowTitle), ["5h", "Week", "5h"])
        XCTAssertEqual(rows.map(\.remainingText), ["60%", "12.5%", "5%"])
        XCTAssertEqual(rows.map(\.unitsText), [nil, "250%", nil], "units only when they say more")
        XCTAssertEqual(rows.map(\.providerName), ["Codex", "Claude", nil])
        XCTAssertEqual(rows.map(\.resetText), ["resets in 40m", "resetting now", nil])
        XCTAssertEqual(rows.map(\.tint), [.yellow, .red, .red])
        XCTAssertEqual(rows.map(\.id), [0, 1, 2])
        let zh = ExpiringRowViewModel.rows(entries, now: T0, language: .zhHans)
        XCTAssertEqual(zh.map(\.resetText), ["40分钟后重置", "正在重置", nil])
        XCTAssertEqual(zh[1].windowTitle, "周")
    }

    func testAccountSourceText() {
        let observed = AccountSource(kind: .observed, at: T0.addingTimeInterval(-180))
        XCTAssertEqual(AccountRowViewModel.sourceText(observed, now: T0), "observed 3m ago")
        XCTAssertEqual(AccountRowViewModel.sourceText(observed, now: T0, language: .zhHans), "3分钟前从流量观测")
        XCTAssertEqual(AccountRowViewModel.sourceText(AccountSource(kind: .read, at: nil), now: T0), "read")
        XCTAssertNil(AccountRowViewModel.sourceText(AccountSource(kind: .unknown, at: T0), now: T0))
    }
}

final class LayoutWithHistoryTests: XCTestCase {
    func testLargeWithHistoryTradesPillsAndPlansForChartsWasteAndUseFirst() {
        let model = PoolViewModel(snapshot: .sample(now: T0), now: T0)
        let layout = LargeLayout(model)
        XCTAssertEqual(layout.charts.map(\.kind), [.fiveHour, .weekly])
        XCTAssertNotNil(layout.waste)
        XCTAssertEqual(layout.useFirst.count, 3)
        XCTAssertFalse(layout.showsPills)
        XCTAssertFalse(layout.showsPlans)
        XCTAssertTrue(layout.showsHealth, "no providers or keys compete: the health strip stays")
        XCTAssertTrue(layout.isDense)
    }

    func testLargeWithHistoryAndEverythingElse() {
        var s = Snapshot.sampleWholePool(now: T0)
        s.apiKeys += s.apiKeys
        s.providers.append(ProviderSection(provider: "gemini", windows: []))
        s.providers.append(ProviderSection(provider: "xai", windows: []))
        let layout = LargeLayout(PoolViewModel(snapshot: s, now: T0))
        XCTAssertEqual(layout.providers.count, LargeLayout.maxProvidersWithHistory)
        XCTAssertEqual(layout.moreProviders, "+2 more")
        XCTAssertEqual(layout.keys.count, LargeLayout.maxKeysWithHistoryAndProviders)
        XCTAssertEqual(layout.moreKeys, "+5 more")
        XCTAssertEqual(layout.useFirst.count, LargeLayout.maxUseFirstWithExtras)
        XCTAssertFalse(layout.showsHealth)
    }

    func testAWeekOnlyPoolChartsTheWeek() {
        var s = Snapshot.sample(now: T0)
        s.pool?.hasFiveHour = false
        let model = PoolViewModel(snapshot: s, now: T0)
        XCTAssertNil(model.fiveHour)
        XCTAssertEqual(LargeLayout(model).charts.map(\.kind), [.weekly], "no 5h chart without a 5h window")
        guard case .chart(let chart) = MediumLayout(model).centre else { return XCTFail("medium has a chart") }
        XCTAssertEqual(chart.kind, .weekly)
    }

    func testMediumRingsShrinkPerBanner() {
        var s = Snapshot.sample(now: T0)
        s.history = nil
        XCTAssertEqual(MediumLayout(PoolViewModel(snapshot: s, now: T0)).ringDiameter, 64)
        XCTAssertEqual(MediumLayout(PoolViewModel(snapshot: s, now: T0)).centre, .restore)
        s.banUntil = T0.addingTimeInterval(600)
        XCTAssertEqual(MediumLayout(PoolViewModel(snapshot: s, now: T0)).ringDiameter, 54)
        s.pauseUntil = T0.addingTimeInterval(900)
        let both = MediumLayout(PoolViewModel(snapshot: s, now: T0))
        XCTAssertEqual(both.ringDiameter, 46)
        XCTAssertEqual(both.banners.map(\.kind), [.ban, .pause], "the ban first: it blocks everything")
    }
}

final class PauseBannerTests: XCTestCase {
    func testPauseCountdown() throws {
        let until = T0.addingTimeInterval(28 * 60)
        XCTAssertEqual(Format.pauseCountdown(until: until, now: T0), "Key attempts paused: retry in 28m")
        XCTAssertEqual(Format.pauseCountdown(until: until, now: T0, language: .zhHans), "已暂停尝试密钥：28分钟后重试")
        XCTAssertNil(Format.pauseCountdown(until: until, now: until))
        XCTAssertNil(Format.pauseCountdown(until: nil, now: T0))
        let zh = try XCTUnwrap(BannerViewModel(.pause, until: until, now: T0, language: .zhHans))
        XCTAssertEqual(zh.title, "已暂停尝试密钥")
        XCTAssertEqual(zh.before, "已暂停尝试密钥：")
        XCTAssertEqual(zh.after, "后重试")
        XCTAssertEqual(zh.tint, .orange)
        XCTAssertEqual(BannerViewModel(.ban, until: until, now: T0)?.tint, .red)
    }

    func testPauseDecodesAndShowsInTheErrorStateToo() throws {
        let json = """
        {"schema_version": 3, "generated_at": 1785900000, "updated_at": null, "stale": true,
         "error": "3 failed key attempts", "pause_until": 1785901680, "pool": null, "accounts": []}
        """
        let s = try SnapshotLoader.decode(Data(json.utf8))
        XCTAssertEqual(s.pauseUntil, T0.addingTimeInterval(28 * 60))
        let model = PoolViewModel(snapshot: s, now: T0)
        XCTAssertEqual(model.state, .error)
        XCTAssertEqual(model.pause?.text, "Key attempts paused: retry in 28m")
        XCTAssertEqual(model.banners.count, 1)
        let data = try SnapshotLoader.makeEncoder().encode(s)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(obj["pause_until"] as? Int, 1_785_901_680)
    }

    func testTimelineEndsBothBannersOnTime() {
        let dates = TimelinePlan.entryDates(now: T0, interval: 900, stride: 300, banUntil: T0.addingTimeInterval(420),
                                            pauseUntil: T0.addingTimeInterval(700))
        XCTAssertEqual(dates, [T0, T0.addingTimeInterval(300), T0.addingTimeInterval(421), T0.addingTimeInterval(600),
                               T0.addingTimeInterval(701)])
        XCTAssertEqual(TimelinePlan.entryDates(now: T0, interval: 900, stride: 300, banUntil: nil,
                                               pauseUntil: T0.addingTimeInterval(600)).count, 4,
                       "an end that falls on an entry adds one a second later")
    }
}
