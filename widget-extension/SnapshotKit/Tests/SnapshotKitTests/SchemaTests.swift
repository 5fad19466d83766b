import Foundation
import XCTest
@testable import SnapshotKit

/// Schema 3 sections (issue 13 providers, issue 12 API keys, issue 9 ban) on hand-made samples (Samples).
final class SchemaTests: XCTestCase {
    private func decode(_ json: String) throws -> Snapshot {
        try SnapshotLoader.decode(Data(json.utf8))
    }

    func testDecodesEverySection() throws {
        let s = try decode(Samples.pool())
        XCTAssertEqual(s.schemaVersion, 3)
        XCTAssertEqual(s.language, .en)
        XCTAssertEqual(s.banUntil, T0.addingTimeInterval(23 * 60))
        XCTAssertEqual(s.primaryProvider, "codex")
        XCTAssertEqual(s.providers.map(\.provider), ["codex", "claude", "kimi"], "a non-object section is skipped")
        XCTAssertEqual(s.providers[0].unit, .plusPercent)
        XCTAssertEqual(s.providers[1].unit, .percent)
        XCTAssertEqual(s.providers[2].unit, .unknown, "a future unit is kept as unknown, not an error")
        XCTAssertEqual(s.providers[2].name, "Kimi", "a missing name comes from the provider id")
        XCTAssertEqual(s.providers[0].windows.map(\.name), ["5h", "week"])
        XCTAssertEqual(s.providers[1].windows.map(\.name), ["5h", "week"], "a window without numbers is skipped")
        XCTAssertEqual(s.providers[0].windows[0].forecast?.at, T0.addingTimeInterval(78 * 60))
        XCTAssertEqual(s.providers[1].counts?.cooling, 1)
        XCTAssertEqual(s.providers[1].health?.recentFailures, 2)
        XCTAssertNil(s.providers[2].counts)
        XCTAssertEqual(s.apiKeys.count, 4)
        XCTAssertEqual(s.apiKeys[0].fingerprint, "1a2b3c4d")
        XCTAssertEqual(s.apiKeys[0].health.count, 20)
        XCTAssertEqual(s.apiKeys[1].label, "team proxy")
        XCTAssertEqual(s.apiKeys[2].label, "gemini · generativelanguage.googleapis.com · 0badf00d",
                       "a missing label is provider · host · fingerprint")
        XCTAssertEqual(s.accounts.map(\.provider), ["codex", "claude", "kimi"])
        XCTAssertEqual(s.accounts[0].lanes, [
            Lane(name: "GPT-5.3-Codex-Spark", window: "5h", remaining: 80, resetAt: T0.addingTimeInterval(3600)),
            Lane(name: "code review", window: "week", remaining: nil, resetAt: nil),
        ])
        XCTAssertTrue(s.accounts[2].lanes.isEmpty)
    }

    func testAMinimalSchema3FileDecodesWithEmptyOptionalParts() throws {
        let s = try decode(LoaderTests.minimal)
        XCTAssertEqual(s.schemaVersion, 3)
        XCTAssertEqual(s.language, .en)
        XCTAssertNil(s.banUntil)
        XCTAssertNil(s.pauseUntil)
        XCTAssertNil(s.primaryProvider)
        XCTAssertEqual(s.providers, [])
        XCTAssertEqual(s.apiKeys, [])
        XCTAssertNil(s.history)
        XCTAssertNil(s.waste)
        XCTAssertEqual(s.expiringFirst, [])
        XCTAssertNil(s.accounts[0].provider)
        XCTAssertNil(s.accounts[0].source)
        XCTAssertEqual(s.accounts[0].lanes, [])
        let model = PoolViewModel(snapshot: s, now: T0)
        XCTAssertEqual(model.providers, [])
        XCTAssertNil(model.glanceProviderName)
        XCTAssertEqual(model.apiKeys, [])
        XCTAssertNil(model.apiKeysSummary)
        XCTAssertNil(model.ban)
        XCTAssertNil(model.pause)
        XCTAssertNil(model.fiveHourChart)
        XCTAssertNil(model.weeklyChart)
        XCTAssertNil(model.waste)
        XCTAssertEqual(model.useFirst, [])
        XCTAssertEqual(MediumLayout(model).centre, .restore, "no history: the classic Restore card")
    }

    func testFieldsOfTheWrongTypeAreIgnoredNotFatal() throws {
        let json = """
        {"schema_version": 3, "generated_at": 1785900000, "language": 7, "ban_until": "soon", "pause_until": [1],
         "history": "yesterday", "waste": 12, "expiring_first": {"a": 1},
         "primary_provider": ["codex"], "providers": {"codex": {}}, "api_keys": "none",
         "pool": null, "accounts": [{"label": "a", "provider": 3, "lanes": [{"name": "x", "remaining": "lots"}, 5]}]}
        """
        let s = try decode(json)
        XCTAssertEqual(s.language, .en)
        XCTAssertNil(s.banUntil)
        XCTAssertNil(s.pauseUntil)
        XCTAssertNil(s.history)
        XCTAssertNil(s.waste)
        XCTAssertEqual(s.expiringFirst, [])
        XCTAssertNil(s.primaryProvider)
        XCTAssertEqual(s.providers, [])
        XCTAssertEqual(s.apiKeys, [])
        XCTAssertNil(s.accounts[0].provider)
        XCTAssertEqual(s.accounts[0].lanes, [Lane(name: "x")])
    }

    func testNextMajorVersionIsRefusedClearly() {
        let json = Samples.pool().replacingOccurrences(of: #""schema_version": 3"#, with: #""schema_version": 4"#)
        XCTAssertThrowsError(try decode(json)) { error in
            XCTAssertEqual(error as? SnapshotError, .unsupportedSchema(found: 4, supported: 3))
            XCTAssertEqual((error as? SnapshotError)?.remedy, .updateWidget)
            XCTAssertEqual((error as? SnapshotError)?.title(.en), "Update the widget")
            XCTAssertTrue("\(error)".hasSuffix("update the widget"), "\(error)")
            XCTAssertEqual((error as? SnapshotError)?.message(.zhHans),
                           "快照格式 4 来自更新的 poolwatch（此小组件读取格式 3）；请更新小组件")
        }
    }

    func testRoundTrip() throws {
        let s = try decode(Samples.pool(language: "zh-Hans"))
        let data = try SnapshotLoader.makeEncoder().encode(s)
        XCTAssertEqual(try SnapshotLoader.decode(data), s)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(obj["language"] as? String, "zh-Hans")
        XCTAssertEqual(obj["ban_until"] as? Int, 1_785_901_380)
        let weekOnly = try decode(Samples.weekOnly)
        let again = try SnapshotLoader.decode(try SnapshotLoader.makeEncoder().encode(weekOnly))
        XCTAssertEqual(again, weekOnly)
        XCTAssertEqual(again.pool?.hasFiveHour, false, "an absent 5h window stays absent (written as null)")
    }

    // MARK: providers

    func testProviderRows() throws {
        let model = PoolViewModel(snapshot: try decode(Samples.pool()), now: T0)
        XCTAssertEqual(model.providers.map(\.name), ["Codex", "Claude", "Kimi"])
        XCTAssertEqual(model.providers.map(\.isPrimary), [true, false, false])
        XCTAssertEqual(model.glanceProviderName, "Codex")

        let codex = model.providers[0]
        XCTAssertEqual(codex.readyText, "3/3 ready")
        XCTAssertEqual(codex.windows.map(\.title), ["5h", "Week"])
        let h5 = codex.windows[0]
        XCTAssertEqual(h5.amountText, "2955%", "Plus-base amount, as in the menu")
        XCTAssertEqual(h5.percentText, "64.2%")
        XCTAssertEqual(h5.ratioText, "2955.0/4600%")
        XCTAssertEqual(h5.level, .yellow)
        XCTAssertEqual(h5.restoreShort, "+263% · 1.3h")
        XCTAssertEqual(h5.restoreLong, "+263% -> 3218% in 1h18m")
        XCTAssertEqual(h5.restoreAt, T0.addingTimeInterval(78 * 60))
        XCTAssertEqual(h5.restoreTint, .blue)
        XCTAssertEqual(try XCTUnwrap(h5.forecastFraction), 3218.0 / 4600.0, accuracy: 1e-12)
        XCTAssertEqual(codex.windows[1].restoreShort, "no restore")
        XCTAssertEqual(codex.windows[1].restoreTint, .purple)

        let claude = model.providers[1]
        XCTAssertEqual(claude.windows.map(\.amountText), ["64%", "81%"], "plain percent of capacity")
        XCTAssertEqual(claude.windows.map(\.ratioText), [nil, nil])
        XCTAssertEqual(claude.windows[1].percentText, "81.0%")
        XCTAssertEqual(claude.readyText, "1/2 ready")
        XCTAssertEqual(claude.issuesText, "1 cooling")
        XCTAssertEqual(claude.health?.status, .degraded)

        let kimi = model.providers[2]
        XCTAssertNil(kimi.readyText)
        XCTAssertNil(kimi.health)
        XCTAssertEqual(kimi.windows.map(\.amountText), ["12.5%"])
        XCTAssertEqual(kimi.windows[0].tint, .red)

        let clipped = ProviderViewModel.visible(model.providers, limit: 2, language: .en)
        XCTAssertEqual(clipped.rows.map(\.name), ["Codex", "Claude"])
        XCTAssertEqual(clipped.more, "+1 more")
        XCTAssertNil(ProviderViewModel.visible(model.providers, limit: 3, language: .en).more)
    }

    func testSmallAndMediumStayOnThePrimaryProvider() throws {
        let model = PoolViewModel(snapshot: try decode(Samples.pool()), now: T0)
        // `pool` is the primary provider's section: the rings show Codex, not a mix.
        XCTAssertEqual(model.fiveHour?.percentText, model.providers[0].windows[0].percentText)
        XCTAssertEqual(model.fiveHour?.ratioText, "2955.0/4600%")
        XCTAssertEqual(model.weekly?.ratioText, "3400.0/4600%")
        XCTAssertEqual(model.readyText, "3/3 ready")
    }

    func testPrimaryFallsBackToTheFirstSection() throws {
        var s = try decode(Samples.pool())
        s.primaryProvider = nil
        XCTAssertEqual(ProviderViewModel.rows(s, now: T0).map(\.isPrimary), [true, false, false])
        s.primaryProvider = "claude"
        XCTAssertEqual(ProviderViewModel.rows(s, now: T0).map(\.isPrimary), [false, true, false])
        XCTAssertEqual(PoolViewModel(snapshot: s, now: T0).glanceProviderName, "Claude")
        s.providers = [s.providers[0]]
        XCTAssertNil(PoolViewModel(snapshot: s, now: T0).glanceProviderName, "one provider: no name needed")
    }

    func testWindowNames() {
        XCTAssertEqual(WindowName.title("5h", .en), "5h")
        XCTAssertEqual(WindowName.title("week", .en), "Week")
        XCTAssertEqual(WindowName.title("month", .en), "Month")
        XCTAssertEqual(WindowName.title("GPT-5.3-Codex-Spark", .en), "GPT-5.3-Codex-Spark")
        XCTAssertEqual(WindowName.title("5h", .zhHans), "5h")
        XCTAssertEqual(WindowName.title("week", .zhHans), "周")
        XCTAssertEqual(WindowName.title("month", .zhHans), "月")
        XCTAssertEqual(WindowName.title("seven_day_opus", .zhHans), "seven_day_opus")
    }

    func testPoolWithoutA5hWindowShowsNo5hFigure() throws {
        let model = PoolViewModel(snapshot: try decode(Samples.weekOnly), now: T0)
        XCTAssertNil(model.fiveHour, "no red 0.0% for a window the pool does not have")
        XCTAssertEqual(model.weekly?.percentText, "75.0%")
        XCTAssertEqual(model.providers[0].windows.map(\.name), ["week"])
        // Older writers: a zero 5h capacity next to a real weekly one means the same.
        let zero = Pool(fiveHour: PoolWindow(remaining: 0, capacity: 0), weekly: PoolWindow(remaining: 50, capacity: 100),
                        counts: Counts(total: 1, available: 1), health: Health(), plans: [])
        XCTAssertFalse(PoolViewModel.showsFiveHour(zero))
        let empty = Pool(fiveHour: PoolWindow(remaining: 0, capacity: 0), weekly: PoolWindow(remaining: 0, capacity: 0),
                         counts: Counts(), health: Health(), plans: [])
        XCTAssertTrue(PoolViewModel.showsFiveHour(empty), "an empty pool keeps its 0.0%")
    }

    func testAPoolWhoseValuesAllAgedOutShowsUnknownNotZero() {
        // Accounts exist, but none has current values (stale ageing, issue 9): both capacities are 0.
        let zero = PoolWindow(remaining: 0, capacity: 0)
        var s = ViewModelTests.makeSnapshot()
        s.pool = Pool(fiveHour: zero, weekly: zero, counts: Counts(total: 3, available: 3, stale: 3), health: Health(), plans: [])
        let model = PoolViewModel(snapshot: s, now: T0)
        XCTAssertNil(model.fiveHour)
        XCTAssertNil(model.weekly)
        XCTAssertEqual(model.quotaUnknownText, "Quota unknown: no account has current values")
        s.language = .zhHans
        XCTAssertEqual(PoolViewModel(snapshot: s, now: T0).quotaUnknownText, "额度未知：没有账号有当前数值")
        // With figures, or in an empty pool, there is no such line.
        XCTAssertNil(PoolViewModel(snapshot: ViewModelTests.makeSnapshot(), now: T0).quotaUnknownText)
        let empty = Snapshot(generatedAt: T0, updatedAt: T0,
                             pool: Pool(fiveHour: zero, weekly: zero, counts: Counts(), health: Health(), plans: []))
        XCTAssertNil(PoolViewModel(snapshot: empty, now: T0).quotaUnknownText)
        XCTAssertEqual(PoolViewModel(snapshot: empty, now: T0).weekly?.percentText, "0.0%")
    }

    // MARK: account lanes

    func testAccountProviderAndLanes() throws {
        let model = PoolViewModel(snapshot: try decode(Samples.pool()), now: T0)
        XCTAssertEqual(model.accounts.map(\.provider), ["Codex", "Claude", "Kimi"])
        let lanes = model.accounts[0].lanes
        XCTAssertEqual(lanes.map(\.name), ["GPT-5.3-Codex-Spark", "code review"])
        XCTAssertEqual(lanes.map(\.windowTitle), ["5h", "Week"])
        XCTAssertEqual(lanes.map(\.remainingText), ["80%", "–"])
        XCTAssertEqual(lanes.map(\.tint), [.green, .gray])
        XCTAssertEqual(lanes[0].fraction, 0.8, accuracy: 1e-12)
        XCTAssertEqual(model.accounts[1].lanes.map(\.tint), [.red])
        XCTAssertEqual(model.accounts[2].fiveHourText, "–")
    }

    // MARK: API keys

    func testAPIKeyRows() throws {
        let model = PoolViewModel(snapshot: try decode(Samples.pool()), now: T0)
        let keys = model.apiKeys
        XCTAssertEqual(keys.map(\.label), ["team proxy", "openai · api.openai.com · 1a2b3c4d",
                                           "gemini · generativelanguage.googleapis.com · 0badf00d",
                                           "claude · api.anthropic.com · cafe0001"],
                       "keys with recent failures first, then the writer's order")
        let proxy = keys[0]
        XCTAssertEqual(proxy.countsText, "3 ok · 5 failed")
        XCTAssertEqual(proxy.states.count, 20)
        XCTAssertEqual(Array(proxy.states.suffix(3)), [.failed, .failed, .failed])
        XCTAssertEqual(proxy.status, .failing)
        XCTAssertEqual(proxy.statusTitle, "Failing")
        XCTAssertEqual(proxy.failuresText, "4 failures in 30 min")
        XCTAssertEqual(proxy.fingerprint, "99aa00ff")
        XCTAssertEqual(proxy.host, "llm.example.net")
        let openai = keys[1]
        XCTAssertEqual(openai.states[2], .failed)
        XCTAssertEqual(openai.status, .healthy)
        XCTAssertEqual(openai.failuresText, "no failures in 30 min")
        XCTAssertEqual(keys[2].states, [], "no buckets: an empty strip")
        XCTAssertEqual(keys[2].status, .idle)
        XCTAssertEqual(model.apiKeysSummary, "4 keys · 1 failing")
        XCTAssertEqual(APIKeyViewModel.summary([keys[1]]), "1 keys")
        let visible = APIKeyViewModel.visible(keys, limit: 3, language: .en)
        XCTAssertEqual(visible.rows.count, 3)
        XCTAssertEqual(visible.more, "+1 more")
        XCTAssertNil(APIKeyViewModel.visible(keys, limit: 4, language: .en).more)
        XCTAssertEqual(APIKeyViewModel.visible(keys, limit: 0, language: .en).more, "+4 more")
    }

    func testKeyLabelsNeverCarryMoreThanTheFingerprint() throws {
        // The snapshot never holds a key; the widget only shows label/provider/host/fingerprint.
        let model = PoolViewModel(snapshot: try decode(Samples.pool()), now: T0)
        for key in model.apiKeys {
            XCTAssertFalse(key.label.contains("|"), key.label)
            XCTAssertLessThanOrEqual(key.fingerprint.count, 16)
        }
    }

    // MARK: ban countdown

    func testBanCountdown() throws {
        let until = T0.addingTimeInterval(23 * 60)
        XCTAssertEqual(Format.banCountdown(until: until, now: T0), "Server ban: retry in 23m")
        XCTAssertEqual(Format.banCountdown(until: until, now: T0.addingTimeInterval(61)), "Server ban: retry in 21m",
                       "truncated like poolwatch's own text: 21m59s left reads 21m")
        XCTAssertEqual(Format.banCountdown(until: until, now: T0.addingTimeInterval(23 * 60 - 45)), "Server ban: retry in 45s")
        XCTAssertEqual(Format.banCountdown(until: until, now: T0.addingTimeInterval(23 * 60 - 0.5)), "Server ban: retry in 0s",
                       "still shown until the very end")
        XCTAssertEqual(Format.banCountdown(until: T0.addingTimeInterval(90 * 60), now: T0), "Server ban: retry in 1h30m")
        XCTAssertNil(Format.banCountdown(until: until, now: until), "over when it ends")
        XCTAssertNil(Format.banCountdown(until: until, now: until.addingTimeInterval(1)))
        XCTAssertNil(Format.banCountdown(until: nil, now: T0))
        XCTAssertEqual(Format.banCountdown(until: until, now: T0, language: .zhHans), "服务器封禁：23分钟后重试")
        XCTAssertEqual(Format.banCountdown(until: T0.addingTimeInterval(72 * 60), now: T0, language: .zhHans),
                       "服务器封禁：1小时12分后重试")
    }

    func testBanViewModelShowsWhileTheBanLastsOnly() throws {
        let snapshot = try decode(Samples.pool())
        let during = try XCTUnwrap(PoolViewModel(snapshot: snapshot, now: T0).ban)
        XCTAssertEqual(during.until, T0.addingTimeInterval(23 * 60))
        XCTAssertEqual(during.text, "Server ban: retry in 23m")
        XCTAssertEqual(during.title, "Server ban")
        XCTAssertEqual(during.before, "Server ban: retry in ")
        XCTAssertEqual(during.after, "")
        XCTAssertNil(PoolViewModel(snapshot: snapshot, now: T0.addingTimeInterval(23 * 60)).ban)
        XCTAssertNil(PoolViewModel(snapshot: try decode(Samples.pool(banUntil: "null")), now: T0).ban)

        let zh = try XCTUnwrap(PoolViewModel(snapshot: try decode(Samples.bannedError), now: T0).ban)
        XCTAssertEqual(zh.text, "服务器封禁：45秒后重试")
        XCTAssertEqual(zh.before, "服务器封禁：")
        XCTAssertEqual(zh.after, "后重试")
        let error = PoolViewModel(snapshot: try decode(Samples.bannedError), now: T0)
        XCTAssertEqual(error.state, .error, "the ban shows in the error state too")
        XCTAssertEqual(error.freshnessText, "暂无数据")
    }
}

final class SampleWholePoolTests: XCTestCase {
    func testWholePoolSampleIsConsistent() throws {
        let now = T0
        let s = Snapshot.sampleWholePool(now: now, language: .zhHans, banMinutes: 23)
        let model = PoolViewModel(snapshot: s, now: now)
        XCTAssertEqual(model.state, .ok)
        XCTAssertEqual(model.providers.map(\.name), ["Codex", "Claude", "Kimi"])
        XCTAssertEqual(model.providers.first?.windows.first?.percentText, model.fiveHour?.percentText)
        let codexAccounts = s.accounts.filter { $0.provider == "codex" }
        XCTAssertEqual(s.pool?.counts.total, codexAccounts.count, "pool = the primary provider's section")
        XCTAssertEqual(model.ban?.text, "服务器封禁：23分钟后重试")
        XCTAssertEqual(model.apiKeys.first?.fingerprint, "1a2b3c4d", "the key with recent failures first")
        XCTAssertEqual(model.apiKeysSummary, "3 个密钥 · 1 个失败")
        // It survives the file format.
        let data = try SnapshotLoader.makeEncoder().encode(s)
        XCTAssertEqual(try SnapshotLoader.decode(data), s)
        XCTAssertNil(PoolViewModel(snapshot: Snapshot.sampleWholePool(now: now), now: now).ban)
    }
}

final class LargeLayoutTests: XCTestCase {
    func testAPoolWithoutExtrasKeepsTheClassicLayout() {
        let layout = LargeLayout(PoolViewModel(snapshot: ViewModelTests.makeSnapshot(), now: T0))
        XCTAssertTrue(layout.showsPills)
        XCTAssertTrue(layout.showsPlans)
        XCTAssertFalse(layout.isDense)
        XCTAssertEqual(layout.providers, [])
        XCTAssertEqual(layout.keys, [])
        XCTAssertNil(layout.moreProviders)
        XCTAssertNil(layout.moreKeys)
    }

    func testWholePoolShowsProvidersAndKeys() throws {
        let model = PoolViewModel(snapshot: try SnapshotLoader.decode(Data(Samples.pool().utf8)), now: T0)
        let layout = LargeLayout(model)
        XCTAssertFalse(layout.showsPills)
        XCTAssertFalse(layout.showsPlans, "no room for the plan breakdown next to providers and keys")
        XCTAssertTrue(layout.isDense)
        XCTAssertEqual(layout.providers.map(\.name), ["Claude", "Kimi"], "the primary is drawn above as quota rows")
        XCTAssertNil(layout.moreProviders)
        XCTAssertEqual(layout.keys.map(\.fingerprint), ["99aa00ff", "1a2b3c4d"], "2 keys next to providers, failing first")
        XCTAssertEqual(layout.moreKeys, "+2 more")
        XCTAssertEqual(layout.keysTitle, "API keys")
    }

    func testKeysOnlyGetMoreRoom() throws {
        var s = try SnapshotLoader.decode(Data(Samples.pool(language: "zh-Hans").utf8))
        s.providers = [s.providers[0]]
        let layout = LargeLayout(PoolViewModel(snapshot: s, now: T0))
        XCTAssertEqual(layout.providers, [])
        XCTAssertEqual(layout.keys.count, 4)
        XCTAssertNil(layout.moreKeys)
        XCTAssertEqual(layout.keysTitle, "API 密钥")
        s.apiKeys += s.apiKeys
        let more = LargeLayout(PoolViewModel(snapshot: s, now: T0))
        XCTAssertEqual(more.moreKeys, "另有 4 个")
    }

    func testBanAloneMakesTheLayoutDenseButKeepsPlans() {
        var s = ViewModelTests.makeSnapshot()
        s.banUntil = T0.addingTimeInterval(600)
        let layout = LargeLayout(PoolViewModel(snapshot: s, now: T0))
        XCTAssertTrue(layout.isDense)
        XCTAssertFalse(layout.showsPills, "the banner takes the pills' place")
        XCTAssertTrue(layout.showsPlans)
    }
}

final class TimelinePlanTests: XCTestCase {
    func testEntriesEveryFiveMinutes() {
        let dates = TimelinePlan.entryDates(now: T0, interval: 900, stride: 300, banUntil: nil)
        XCTAssertEqual(dates, [T0, T0.addingTimeInterval(300), T0.addingTimeInterval(600)])
    }

    func testABanEndingInsideTheTimelineGetsItsOwnEntry() throws {
        let end = T0.addingTimeInterval(420)
        let dates = TimelinePlan.entryDates(now: T0, interval: 900, stride: 300, banUntil: end)
        XCTAssertEqual(dates, [T0, T0.addingTimeInterval(300), T0.addingTimeInterval(421), T0.addingTimeInterval(600)])
        // At that entry the banner is gone; at the one before it is still there.
        var s = ViewModelTests.makeSnapshot()
        s.banUntil = end
        XCTAssertNotNil(PoolViewModel(snapshot: s, now: dates[1]).ban)
        XCTAssertNil(PoolViewModel(snapshot: s, now: dates[2]).ban)
        // Bans outside the timeline add nothing.
        XCTAssertEqual(TimelinePlan.entryDates(now: T0, interval: 900, stride: 300, banUntil: T0.addingTimeInterval(-5)).count, 3)
        XCTAssertEqual(TimelinePlan.entryDates(now: T0, interval: 900, stride: 300, banUntil: T0.addingTimeInterval(3600)).count, 3)
    }
}
