import Foundation
import XCTest
@testable import SnapshotKit

/// English and Simplified Chinese: every key in every language, the same placeholders, natural Chinese
/// durations, and the view models in both languages.
final class LocalizationTests: XCTestCase {
    /// Fails when any message key lacks a language (or is blank in it).
    func testEveryKeyExistsInEveryLanguage() {
        for language in Language.allCases {
            let table = L10n.table(language)
            for key in L10nKey.allCases {
                let value = table[key]
                XCTAssertNotNil(value, "\(key.rawValue) has no \(language.rawValue) text")
                XCTAssertFalse(value?.trimmingCharacters(in: .whitespaces).isEmpty ?? true,
                               "\(key.rawValue) is blank in \(language.rawValue)")
            }
            XCTAssertEqual(table.count, L10nKey.allCases.count, "\(language.rawValue) table size differs from the key count")
        }
    }

    func testTranslationsKeepTheirPlaceholders() {
        for key in L10nKey.allCases {
            let en = L10n.placeholders(L10n.template(key, .en))
            for language in Language.allCases {
                XCTAssertEqual(L10n.placeholders(L10n.template(key, language)), en,
                               "\(key.rawValue) in \(language.rawValue) has other placeholders than in English")
            }
        }
        XCTAssertEqual(L10n.placeholders("+{0}% -> {1}% in {2}"), [0, 1, 2])
        XCTAssertEqual(L10n.placeholders("{x} {} {"), [])
    }

    /// A zh-Hans text identical to the English one is almost always a forgotten translation.
    func testChineseIsActuallyTranslated() {
        // `5h` is the same word in poolwatch's Chinese menu; `+100% · 1.3h` has no words.
        let sameOnPurpose: Set<L10nKey> = [.restoreShort, .window5h, .chartTitle]
        for key in L10nKey.allCases where !sameOnPurpose.contains(key) {
            XCTAssertNotEqual(L10n.template(key, .zhHans), L10n.template(key, .en), "\(key.rawValue) is not translated")
        }
    }

    func testLanguageTags() {
        XCTAssertEqual(Language(tag: "en"), .en)
        XCTAssertEqual(Language(tag: nil), .en)
        XCTAssertEqual(Language(tag: ""), .en)
        XCTAssertEqual(Language(tag: "fr"), .en)
        XCTAssertEqual(Language(tag: "zh-Hans"), .zhHans)
        XCTAssertEqual(Language(tag: "zh_Hans"), .zhHans)
        XCTAssertEqual(Language(tag: "zh-CN"), .zhHans)
        XCTAssertEqual(Language(tag: "zh-Hans-CN"), .zhHans)
        XCTAssertEqual(Language(tag: "zh"), .zhHans)
        XCTAssertEqual(Language(tag: "zh-Hant-TW"), .en, "no Traditional Chinese table: English")
        XCTAssertEqual(Language.preferred(["zh-Hans-CN", "en-US"]), .zhHans)
        XCTAssertEqual(Language.preferred(["en-GB", "zh-Hans"]), .en)
        XCTAssertEqual(Language.preferred(["fr-FR", "zh-Hans"]), .zhHans)
        XCTAssertEqual(Language.preferred([]), .en)
        XCTAssertEqual(Language.zhHans.localeIdentifier, "zh_Hans_CN")
    }

    func testSnapshotLanguageField() throws {
        XCTAssertEqual(try SnapshotLoader.decode(Data(Samples.pool(language: "zh-Hans").utf8)).language, .zhHans)
        XCTAssertEqual(try SnapshotLoader.decode(Data(Samples.pool(language: "en").utf8)).language, .en)
        XCTAssertEqual(try SnapshotLoader.decode(Data(Samples.pool(language: nil).utf8)).language, .en, "missing -> en")
        XCTAssertEqual(try SnapshotLoader.decode(Data(Samples.pool(language: "de").utf8)).language, .en)
    }

    func testChineseDurationsReadNaturally() {
        XCTAssertEqual(Format.duration(45, language: .zhHans), "45秒")
        XCTAssertEqual(Format.duration(38 * 60, language: .zhHans), "38分钟")
        XCTAssertEqual(Format.duration(72 * 60, language: .zhHans), "1小时12分")
        XCTAssertEqual(Format.duration(3 * 3600, language: .zhHans), "3小时")
        XCTAssertEqual(Format.duration(3 * 86400, language: .zhHans), "3天")
        XCTAssertEqual(Format.duration(2 * 86400 + 3 * 3600, language: .zhHans), "2天3小时")
        XCTAssertEqual(Format.duration(-5, language: .zhHans), "0秒")
        XCTAssertEqual(Format.decimalDuration(78 * 60, language: .zhHans), "1.3小时")
        XCTAssertEqual(Format.decimalDuration(2.5 * 86400, language: .zhHans), "2.5天")
        XCTAssertEqual(Format.decimalDuration(12 * 60, language: .zhHans), "12分钟")
        // English stays exactly as before.
        XCTAssertEqual(Format.duration(72 * 60, language: .en), "1h12m")
        XCTAssertEqual(Format.decimalDuration(78 * 60, language: .en), "1.3h")
    }

    func testFormattersInBothLanguages() {
        let f = Forecast(restored: 300, target: 1720, at: T0.addingTimeInterval(72 * 60))
        XCTAssertEqual(Format.restoreShort(f, now: T0, language: .zhHans), "+300% · 1.2小时")
        XCTAssertEqual(Format.restoreLong(f, now: T0, language: .zhHans), "+300% -> 1720%，1小时12分后")
        XCTAssertEqual(Format.restoreLong(f, now: T0.addingTimeInterval(9999), language: .zhHans), "+300% -> 1720%，现在")
        XCTAssertEqual(Format.restoreShort(nil, now: T0, language: .zhHans), "暂无恢复")
        XCTAssertEqual(Format.restoreLong(nil, now: T0, language: .zhHans), "暂无待恢复额度")
        XCTAssertEqual(Format.failures(0, language: .zhHans), "最近 30 分钟没有失败")
        XCTAssertEqual(Format.failures(1, language: .zhHans), "最近 30 分钟失败 1 次")
        XCTAssertEqual(Format.failures(12, language: .zhHans), "最近 30 分钟失败 12 次")
        XCTAssertEqual(Format.updatedAgo(T0, now: T0.addingTimeInterval(2), language: .zhHans), "刚刚更新")
        XCTAssertEqual(Format.updatedAgo(T0, now: T0.addingTimeInterval(38 * 60), language: .zhHans), "38分钟前更新")
        XCTAssertEqual(PoolViewModel.staleText("连接被拒绝", language: .zhHans), "数据已过期 — 连接被拒绝")
        XCTAssertEqual(PoolViewModel.staleText(nil, language: .zhHans), "数据已过期")
        XCTAssertEqual(PoolViewModel.issues(Counts(total: 5, available: 2, killed: 1, cooling: 2), language: .zhHans),
                       "1 个周额度触线 · 2 个冷却中")
        XCTAssertEqual(WindowViewModel.paceText(PaceWindow(burnPerHour: 9, runsOutAt: T0.addingTimeInterval(38 * 60)),
                                                now: T0, language: .zhHans), "38分钟后耗尽")
        XCTAssertEqual(WindowViewModel.paceText(PaceWindow(burnPerHour: 120.5, runsOutAt: nil), now: T0, language: .zhHans),
                       "-120.5%/小时")
    }

    func testPoolViewModelInChinese() throws {
        let snapshot = try SnapshotLoader.decode(Data(Samples.pool(language: "zh-Hans").utf8))
        let model = PoolViewModel(snapshot: snapshot, now: T0)
        XCTAssertEqual(model.language, .zhHans)
        XCTAssertEqual(model.title, "CLIProxy 号池", "poolwatch's default title is translated")
        var custom = snapshot
        custom.title = "我的号池"
        XCTAssertEqual(PoolViewModel(snapshot: custom, now: T0).title, "我的号池", "a chosen title is kept")
        custom.title = "Team pool"
        XCTAssertEqual(PoolViewModel(snapshot: custom, now: T0).title, "Team pool")
        XCTAssertEqual(model.readyText, "3/3 可用")
        XCTAssertEqual(model.freshnessText, "1分钟前更新")
        XCTAssertEqual(model.fiveHour?.title, "5h")
        XCTAssertEqual(model.weekly?.title, "周")
        XCTAssertEqual(model.fiveHour?.restoreShort, "+263% · 1.3小时")
        XCTAssertEqual(model.fiveHour?.restoreLong, "+263% -> 3218%，1小时18分后")
        XCTAssertEqual(model.fiveHour?.percentText, "64.2%", "numbers are the same in every language")
        XCTAssertEqual(model.health?.statusTitle, "健康")
        XCTAssertEqual(model.health?.successRateText, "成功率 100.0%")
        XCTAssertEqual(model.ban?.text, "服务器封禁：23分钟后重试")
        XCTAssertEqual(model.providers.map(\.readyText), ["3/3 可用", "1/2 可用", nil])
        XCTAssertEqual(model.providers[1].issuesText, "1 个冷却中")
        XCTAssertEqual(model.providers[1].health?.statusTitle, "部分失败")
        XCTAssertEqual(model.providers[0].windows.map(\.title), ["5h", "周"])
        XCTAssertEqual(model.apiKeysSummary, "4 个密钥 · 1 个失败")
        XCTAssertEqual(model.apiKeys[0].countsText, "3 成功 · 5 失败")
        XCTAssertEqual(model.apiKeys[0].failuresText, "最近 30 分钟失败 4 次")
        XCTAssertEqual(model.apiKeys[0].statusTitle, "失败")
        XCTAssertEqual(APIKeyViewModel.visible(model.apiKeys, limit: 2, language: .zhHans).more, "另有 2 个")
        XCTAssertEqual(model.accounts[0].lanes.map(\.windowTitle), ["5h", "周"])
    }

    func testPoolViewModelInEnglishIsUnchanged() throws {
        let model = PoolViewModel(snapshot: try SnapshotLoader.decode(Data(Samples.pool(language: "en").utf8)), now: T0)
        XCTAssertEqual(model.readyText, "3/3 ready")
        XCTAssertEqual(model.freshnessText, "updated 1m ago")
        XCTAssertEqual(model.fiveHour?.title, "5h")
        XCTAssertEqual(model.fiveHour?.restoreShort, "+263% · 1.3h")
        XCTAssertEqual(model.health?.statusTitle, "Healthy")
        XCTAssertEqual(model.health?.successRateText, "100.0% ok")
        XCTAssertEqual(model.apiKeys[0].countsText, "3 ok · 5 failed")
    }

    func testAccountTagsAndStatesInChinese() {
        var snapshot = ViewModelTests.makeSnapshot(stale: true, error: "连接被拒绝")
        snapshot.language = .zhHans
        let model = PoolViewModel(snapshot: snapshot, now: T0)
        XCTAssertEqual(model.accounts[1].tags, ["周额度触线"])
        XCTAssertEqual(model.accounts[2].tags, ["冷却", "过期", "错误"])
        XCTAssertEqual(model.freshnessText, "数据已过期 — 连接被拒绝")
        XCTAssertEqual(model.issuesText, "1 个周额度触线 · 1 个冷却中")
        XCTAssertEqual(model.weekly?.paceText, "-41%/小时")
        XCTAssertEqual(model.fiveHour?.paceText, "2小时45分后耗尽")
        XCTAssertEqual(model.health?.failuresText, "最近 30 分钟失败 2 次")

        var empty = Snapshot(generatedAt: T0, title: "", updatedAt: nil, pool: nil)
        empty.language = .zhHans
        let none = PoolViewModel(snapshot: empty, now: T0)
        XCTAssertEqual(none.title, "CLIProxy 号池")
        XCTAssertEqual(none.message, "暂无数据 — 请运行 poolwatch")
        XCTAssertEqual(none.readyText, "0/0 可用")
    }

    func testLoaderErrorsInBothLanguages() {
        XCTAssertEqual(SnapshotError.missing(path: "/x/snapshot.json").message(.zhHans),
                       "/x/snapshot.json 没有快照 — 请运行 poolwatch")
        XCTAssertEqual(SnapshotError.missing(path: "/x/snapshot.json").message(.en),
                       "No snapshot at /x/snapshot.json — run poolwatch")
        let denied = SnapshotError.unreadable(path: "/x", reason: L10n.template(.errPermission, .en))
        XCTAssertEqual(denied.message(.zhHans), "无法读取 /x：权限被拒绝（请检查小组件的 home-relative-path 授权）")
        XCTAssertEqual(SnapshotError.invalid(reason: "schema_version is missing").message(.zhHans), "快照无效：缺少 schema_version")
        XCTAssertEqual(SnapshotError.unsupportedSchema(found: 2, supported: 3).message(.zhHans),
                       "快照格式 2 来自旧版 poolwatch（此小组件读取格式 3）；请更新 poolwatch，它会在下次运行时重写该文件")
        XCTAssertEqual(SnapshotError.unsupportedSchema(found: 2, supported: 3).title(.zhHans), "请更新 poolwatch")
        XCTAssertEqual(SnapshotError.unsupportedSchema(found: 4, supported: 3).title(.zhHans), "请更新小组件")
    }

    func testSplitAroundTheCountdown() {
        XCTAssertEqual(L10n.split(.banRetryIn, .en).before, "Server ban: retry in ")
        XCTAssertEqual(L10n.split(.banRetryIn, .en).after, "")
        XCTAssertEqual(L10n.split(.banRetryIn, .zhHans).before, "服务器封禁：")
        XCTAssertEqual(L10n.split(.banRetryIn, .zhHans).after, "后重试")
        XCTAssertEqual(L10n.split(.banTitle, .en).before, "Server ban")
    }
}
