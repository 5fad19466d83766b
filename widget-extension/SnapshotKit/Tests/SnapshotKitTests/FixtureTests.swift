import Foundation
import XCTest
@testable import SnapshotKit

/// Properties that hold for ANY valid fixture of each kind: the Rust test suite regenerates these files,
/// so nothing here depends on the exact numbers in them.
final class FixtureTests: XCTestCase {
    /// Every well-formed kind (the huge-number fixture has its own test, TolerantDecodingTests).
    static let propertyKinds = Fixtures.kinds + ["demo_zh", "paused"]

    /// The Rust-written files: schema 3 decodes; schema 1 and 2 (written before poolwatch wrote schema 3)
    /// give the clear "update poolwatch" state, never a half-drawn widget.
    func testRustFixturesAreSchema3OrAskToUpdatePoolwatch() throws {
        for kind in Fixtures.kinds + ["demo_zh"] {
            let url = Fixtures.rustURL(kind)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let version = try Fixtures.schemaVersion(url)
            if version == Snapshot.schemaVersion {
                XCTAssertNoThrow(try SnapshotLoader.load(from: url), kind)
                continue
            }
            XCTAssertLessThan(version, Snapshot.schemaVersion, "\(kind): a fixture from the future")
            XCTAssertThrowsError(try SnapshotLoader.load(from: url), kind) { error in
                let e = error as? SnapshotError
                XCTAssertEqual(e, .unsupportedSchema(found: version, supported: 3), kind)
                XCTAssertEqual(e?.remedy, .updatePoolwatch, kind)
                XCTAssertEqual(e?.title(.en), "Update poolwatch")
                XCTAssertEqual(e?.title(.zhHans), "请更新 poolwatch")
                XCTAssertTrue(e?.message(.en).hasSuffix("update poolwatch, which rewrites the file on its next run") ?? false,
                              e?.message(.en) ?? "")
            }
        }
    }

    func testAllFixturesExistAndDecode() throws {
        for kind in Self.propertyKinds {
            for (name, snapshot) in try Fixtures.loadAll(kind) {
                XCTAssertEqual(snapshot.schemaVersion, 3, name)
                XCTAssertFalse(snapshot.profile.isEmpty, name)
                XCTAssertGreaterThan(snapshot.generatedAt.timeIntervalSince1970, 0, name)
                if let updated = snapshot.updatedAt {
                    XCTAssertLessThanOrEqual(updated, snapshot.generatedAt.addingTimeInterval(60), "\(name): updated_at after generated_at")
                }
            }
        }
    }

    func testFixturesSpellOutNullableFieldsAndTopLevelKeys() throws {
        let required = ["schema_version", "generated_at", "profile", "title", "demo", "updated_at",
                        "stale", "error", "pool", "accounts",
                        // schema 3: always written, null when empty
                        "pause_until", "history", "waste", "expiring_first"]
        for kind in Self.propertyKinds {
            for url in try Fixtures.urls(kind) {
                let raw = try Fixtures.json(url)
                for key in required {
                    XCTAssertNotNil(raw[key], "\(url.lastPathComponent) lacks \(key) (nullable fields must be present as null)")
                }
                XCTAssertEqual(raw["schema_version"] as? Int, 3, url.path)
                XCTAssertNotNil(raw["generated_at"] as? Int, "\(url.path): generated_at must be integer epoch seconds")
            }
        }
    }

    func testRingFractionsAndLevelsAreInRangeForEveryFixture() throws {
        for kind in Self.propertyKinds {
            for (name, snapshot) in try Fixtures.loadAll(kind) {
                let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
                for window in [model.fiveHour, model.weekly].compactMap({ $0 }) {
                    XCTAssert((0...1).contains(window.fraction), "\(name) \(window.title) fraction \(window.fraction)")
                    if let f = window.forecastFraction {
                        XCTAssert((0...1).contains(f), "\(name) forecast fraction \(f)")
                        XCTAssertGreaterThanOrEqual(f, window.fraction)
                    }
                    XCTAssertNotEqual(window.level, .unknown, "\(name): level must be red/yellow/green")
                    XCTAssertTrue(window.percentText.hasSuffix("%"))
                    XCTAssertTrue(window.ratioText.hasSuffix("%"))
                }
                for row in model.accounts {
                    XCTAssert((0...1).contains(row.fiveHourFraction))
                    XCTAssert((0...1).contains(row.weeklyFraction))
                }
                if let pool = snapshot.pool {
                    for window in [pool.fiveHour, pool.weekly] {
                        XCTAssertGreaterThanOrEqual(window.capacity, 0)
                        XCTAssertGreaterThanOrEqual(window.remaining, 0)
                        // The writer's level follows the documented thresholds (a writer that rounds the
                        // numbers it prints may land on the other side of a threshold: allow that margin).
                        let fraction = Format.ringFraction(remaining: window.remaining, capacity: window.capacity)
                        if abs(fraction - 0.2) > 0.001 && abs(fraction - 0.7) > 0.001 {
                            XCTAssertEqual(window.level, Level.forFraction(fraction),
                                           "\(name): pool level disagrees with remaining/capacity")
                        }
                        if let forecast = window.forecast {
                            XCTAssertGreaterThan(forecast.restored, 0)
                            XCTAssertLessThanOrEqual(forecast.target, window.capacity + 0.05)
                        }
                    }
                    XCTAssertLessThanOrEqual(pool.health.buckets.count, 20)
                    XCTAssertTrue(pool.health.buckets.isEmpty || pool.health.buckets.count == 20,
                                  "\(name): health buckets must be exactly 20 or 0")
                }
                for account in snapshot.accounts {
                    for window in [account.fiveHour, account.weekly].compactMap({ $0 }) {
                        XCTAssert((0...100).contains(window.remaining), "\(name) \(account.label) remaining")
                        XCTAssert((0...100).contains(window.effective), "\(name) \(account.label) effective")
                        XCTAssertLessThanOrEqual(window.effective, window.remaining + 0.0001)
                    }
                    XCTAssertGreaterThan(account.weight, 0)
                    if account.killed { XCTAssertEqual(account.fiveHour?.effective ?? 0, 0, "killed accounts count 0") }
                }
            }
        }
    }

    func testCountsMatchAccounts() throws {
        for kind in ["demo", "stale", "empty", "whole_pool"] {
            for (name, snapshot) in try Fixtures.loadAll(kind) {
                let pool = try XCTUnwrap(snapshot.pool, name)
                let c = pool.counts
                // `pool` is the primary provider's section.
                let accounts = Fixtures.primaryAccounts(snapshot)
                XCTAssertEqual(c.total, accounts.count, "\(name): counts.total")
                // counts.available is one state of a partition (available, killed, cooling, erroring,
                // no data, disabled, duplicate): never more than the accounts usable at all.
                XCTAssertLessThanOrEqual(c.available, accounts.filter(\.available).count, "\(name): counts.available")
                XCTAssertEqual(c.killed, accounts.filter(\.killed).count, "\(name): counts.killed")
                XCTAssertEqual(c.disabled, accounts.filter(\.disabled).count, "\(name): counts.disabled")
                XCTAssertLessThanOrEqual(c.available, c.total)
                XCTAssertEqual(pool.plans.reduce(0) { $0 + $1.accounts }, c.total, "\(name): plan rows cover all accounts")
                // A plan row's `available` counts the accounts summed into the pool (killed ones too).
                XCTAssertEqual(pool.plans.reduce(0) { $0 + $1.available }, accounts.filter(\.available).count, "\(name): plan availability")
                // Each plan's part of the partition (snapshots that carry it: the Rust-written ones):
                // the ready counts of the plan rows add up to the pool's.
                if pool.plans.allSatisfy({ $0.ready != nil }) {
                    XCTAssertEqual(pool.plans.reduce(0) { $0 + ($1.ready ?? 0) }, c.available, "\(name): plan ready counts partition")
                }
                let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
                XCTAssertEqual(model.readyText, "\(c.available)/\(c.total) ready")
                XCTAssertEqual(model.plans.count, pool.plans.count)
            }
        }
    }

    func testDemoFixture() throws {
        for (_, snapshot) in try Fixtures.loadAll("demo") {
            XCTAssertTrue(snapshot.demo)
            XCTAssertFalse(snapshot.stale)
            let pool = try XCTUnwrap(snapshot.pool)
            XCTAssertEqual(Fixtures.primaryAccounts(snapshot).count, 12)
            XCTAssertGreaterThan(pool.fiveHour.capacity, 0)
            XCTAssertGreaterThanOrEqual(pool.counts.killed, 1, "demo has a week-killed account")
            XCTAssertGreaterThanOrEqual(pool.counts.cooling, 1, "demo has a cooling account")
            XCTAssertGreaterThanOrEqual(pool.counts.erroring, 1, "demo has an erroring account")
            let plans = Set(snapshot.accounts.map { Format.planName($0.plan) })
            XCTAssertTrue(plans.isSuperset(of: ["Plus", "Pro Lite", "Pro"]), "demo plans: \(plans)")
            XCTAssertEqual(pool.health.buckets.count, 20)
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            XCTAssertEqual(model.state, .ok)
            XCTAssertTrue(model.isDemo)
            XCTAssertTrue(model.accounts.contains { $0.tags.contains("weekKILL") && $0.muted })
            XCTAssertTrue(model.accounts.contains { $0.tags.contains("cooling") })
            for (account, row) in zip(snapshot.accounts, model.accounts) {
                XCTAssertEqual(row.tags.contains("weekKILL"), account.killed, account.label)
                XCTAssertEqual(row.tags.contains("cooling"), account.cooling, account.label)
                XCTAssertEqual(row.tags.contains("error"), account.error != nil, account.label)
                XCTAssertEqual(row.label, account.label)
            }
            XCTAssertEqual(model.plans.first?.name, "Pro", "heaviest plan first")
            // The plus row says how many of its accounts are ready (3 of 7: one week-killed,
            // one cooling, one erroring, one disabled), while its capacity counts the 6 summed.
            // A snapshot without the per-plan partition (this package's older hand-made one) shows
            // the counted ones.
            let plus = try XCTUnwrap(model.plans.first { $0.name == "Plus" })
            let hasPartition = pool.plans.contains { $0.ready != nil }
            XCTAssertEqual(plus.accountsText, hasPartition ? "3/7" : "6/7")
            XCTAssertEqual(plus.capacityText, "600%")
            XCTAssertEqual(model.health?.states.count, 20)
            XCTAssertEqual(model.health?.failuresText, Format.failures(pool.health.recentFailures))
            // The ring text is the documented format.
            let h5 = try XCTUnwrap(model.fiveHour)
            XCTAssertEqual(h5.percentText, Format.oneDecimal(pool.fiveHour.remaining / pool.fiveHour.capacity * 100) + "%")
            XCTAssertEqual(h5.ratioText, "\(Format.oneDecimal(pool.fiveHour.remaining))/\(Format.compact(pool.fiveHour.capacity))%")
        }
    }

    func testStaleFixtureIsHonoured() throws {
        for (_, snapshot) in try Fixtures.loadAll("stale") {
            XCTAssertTrue(snapshot.stale)
            let error = try XCTUnwrap(snapshot.error)
            XCTAssertFalse(error.isEmpty)
            XCTAssertNotNil(snapshot.pool, "stale keeps the old values")
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            XCTAssertEqual(model.state, .stale)
            XCTAssertEqual(model.freshnessText, "stale — \(error)")
            XCTAssertNotNil(model.fiveHour)
            XCTAssertNotNil(model.weekly)
        }
    }

    func testErrorFixture() throws {
        for (_, snapshot) in try Fixtures.loadAll("error") {
            XCTAssertNil(snapshot.pool)
            XCTAssertTrue(snapshot.accounts.isEmpty)
            let error = try XCTUnwrap(snapshot.error)
            XCTAssertFalse(error.trimmingCharacters(in: .whitespaces).isEmpty)
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            XCTAssertEqual(model.state, .error)
            XCTAssertEqual(model.message, error)
            XCTAssertNil(model.fiveHour)
            XCTAssertNil(model.weekly)
            XCTAssertNil(model.health)
        }
    }

    func testEmptyFixture() throws {
        for (_, snapshot) in try Fixtures.loadAll("empty") {
            let pool = try XCTUnwrap(snapshot.pool)
            XCTAssertTrue(snapshot.accounts.isEmpty)
            XCTAssertEqual(pool.counts.total, 0)
            XCTAssertEqual(pool.fiveHour.capacity, 0)
            XCTAssertEqual(pool.weekly.capacity, 0)
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            XCTAssertEqual(model.state, snapshot.stale ? .stale : .empty)
            XCTAssertEqual(model.fiveHour?.fraction, 0)
            XCTAssertEqual(model.fiveHour?.percentText, "0.0%")
            XCTAssertEqual(model.fiveHour?.level, .red, "capacity 0 => red")
            XCTAssertEqual(model.readyText, "0/0 ready")
        }
    }

    /// Language, providers and API keys, whenever a fixture has them.
    func testSectionsAreConsistentWhereverPresent() throws {
        for kind in Self.propertyKinds {
            for url in try Fixtures.urls(kind) {
                let name = url.path
                let snapshot = try SnapshotLoader.load(from: url)
                let raw = try Fixtures.json(url)
                if let language = raw["language"] as? String {
                    XCTAssertTrue(["en", "zh-Hans"].contains(language), "\(name): language \(language)")
                    XCTAssertEqual(snapshot.language.rawValue, language)
                }
                for key in snapshot.apiKeys {
                    XCTAssertFalse(key.fingerprint.isEmpty, "\(name): key without fingerprint")
                    XCTAssertLessThanOrEqual(key.fingerprint.count, 16, "\(name): a fingerprint, not a key")
                    XCTAssertFalse(key.label.contains("|"), "\(name): key label looks like a raw map key: \(key.label)")
                    XCTAssertTrue(key.health.isEmpty || key.health.count == 20, "\(name): key buckets must be 20 or 0")
                }
                if let rawKeys = raw["api_keys"] as? [Any] {
                    XCTAssertEqual(snapshot.apiKeys.count, rawKeys.count, "\(name): every api_keys entry decodes")
                }
                if let rawProviders = raw["providers"] as? [Any] {
                    XCTAssertEqual(snapshot.providers.count, rawProviders.count, "\(name): every providers entry decodes")
                }
                let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
                XCTAssertEqual(model.apiKeys.count, snapshot.apiKeys.count)
                for provider in model.providers {
                    for window in provider.windows {
                        XCTAssert((0...1).contains(window.fraction), "\(name) \(provider.name) \(window.name)")
                        XCTAssertTrue(window.amountText.hasSuffix("%"))
                    }
                }
                if !snapshot.providers.isEmpty {
                    XCTAssertEqual(model.providers.filter(\.isPrimary).count, 1, "\(name): exactly one primary section")
                    if let primary = snapshot.primaryProvider {
                        XCTAssertTrue(snapshot.providers.contains { $0.provider == primary } || snapshot.pool == nil,
                                      "\(name): primary_provider \(primary) has a section")
                    }
                }
            }
        }
    }

    /// The server banned this IP: the widget counts down to `ban_until` and stops at its end.
    func testBannedFixture() throws {
        for (_, snapshot) in try Fixtures.loadAll("banned") {
            let until = try XCTUnwrap(snapshot.banUntil, "banned.json has ban_until")
            XCTAssertGreaterThan(until, snapshot.generatedAt)
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            let ban = try XCTUnwrap(model.ban)
            XCTAssertEqual(ban.until, until)
            XCTAssertEqual(ban.text, Format.banCountdown(until: until, now: snapshot.generatedAt))
            XCTAssertTrue(ban.text.hasPrefix("Server ban: retry in "), ban.text)
            if snapshot.pool == nil {
                XCTAssertEqual(model.state, .error, "no data yet: the error state, with the ban banner")
                XCTAssertNotNil(model.message)
            }
            XCTAssertNil(PoolViewModel(snapshot: snapshot, now: until).ban, "gone when the ban ends")
            XCTAssertNil(PoolViewModel(snapshot: snapshot, now: until.addingTimeInterval(60)).ban)
            // The other fixtures carry no ban.
            for kind in ["demo", "stale", "error", "empty", "whole_pool", "paused"] {
                for (other, otherSnapshot) in try Fixtures.loadAll(kind) {
                    XCTAssertNil(PoolViewModel(snapshot: otherSnapshot, now: otherSnapshot.generatedAt).ban, other)
                }
            }
        }
    }

    /// The whole pool: Codex primary (`pool`), then Claude, Antigravity and Kimi.
    func testWholePoolFixture() throws {
        for (name, snapshot) in try Fixtures.loadAll("whole_pool") {
            XCTAssertEqual(snapshot.schemaVersion, 3, name)
            XCTAssertEqual(snapshot.primaryProvider, "codex")
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            XCTAssertEqual(model.state, .ok)
            XCTAssertEqual(model.providers.map(\.provider), ["codex", "claude", "antigravity", "kimi"])
            XCTAssertEqual(model.providers.map(\.isPrimary), [true, false, false, false])
            XCTAssertEqual(model.glanceProviderName, "Codex")
            // Small/medium: one glance on the primary = `pool`, in Plus-base units.
            let codex = model.providers[0]
            XCTAssertEqual(codex.unit, .plusPercent)
            XCTAssertEqual(codex.windows.first?.name, "5h")
            XCTAssertEqual(codex.windows.first?.percentText, model.fiveHour?.percentText)
            XCTAssertEqual(codex.windows.first?.ratioText, model.fiveHour?.ratioText)
            XCTAssertEqual(codex.readyText, model.readyText)
            let pool = try XCTUnwrap(snapshot.pool)
            XCTAssertEqual(codex.windows.first?.amountText, Format.compact(pool.fiveHour.remaining) + "%")
            // The others in plain percent.
            for provider in model.providers.dropFirst() {
                XCTAssertEqual(provider.unit, .percent, provider.name)
                XCTAssertFalse(provider.windows.isEmpty, provider.name)
                for window in provider.windows {
                    XCTAssertNil(window.ratioText)
                    XCTAssertEqual(window.amountText, Format.compact(window.fraction * 100) + "%")
                }
                XCTAssertNotNil(provider.readyText)
            }
            XCTAssertEqual(model.providers[1].windows.map(\.title), ["5h", "Week"])
            // Large: the other providers in order; with the history chart drawn, those that
            // do not fit are "+N more".
            let layout = LargeLayout(model)
            let shown = layout.providers.map(\.name)
            XCTAssertFalse(shown.isEmpty)
            XCTAssertEqual(shown, Array(["Claude", "Antigravity", "Kimi"].prefix(shown.count)))
            XCTAssertEqual(layout.moreProviders, shown.count == 3 ? nil : "+\(3 - shown.count) more")
            XCTAssertFalse(layout.showsPills)
            // Accounts carry their provider; lanes are drawn per account.
            XCTAssertEqual(Set(snapshot.accounts.compactMap(\.provider)), ["codex", "claude", "antigravity", "kimi"])
            XCTAssertTrue(model.accounts.contains { !$0.lanes.isEmpty })
            for row in model.accounts {
                for lane in row.lanes {
                    XCTAssert((0...1).contains(lane.fraction), lane.name)
                    XCTAssertFalse(lane.name.isEmpty)
                }
            }
        }
    }

    /// The Chinese demo (`language: zh-Hans`): the widget speaks Chinese with the same numbers as the
    /// English demo of the same directory.
    func testChineseDemoFixture() throws {
        for url in try Fixtures.urls("demo_zh") {
            let zh = try SnapshotLoader.load(from: url)
            XCTAssertEqual(zh.language, .zhHans)
            let model = PoolViewModel(snapshot: zh, now: zh.generatedAt)
            XCTAssertEqual(model.language, .zhHans)
            XCTAssertTrue(model.readyText.hasSuffix(" 可用"), model.readyText)
            XCTAssertEqual(model.fiveHour?.title, "5h")
            XCTAssertEqual(model.weekly?.title, "周")
            XCTAssertTrue(model.health.map { L10n.table(.zhHans).values.contains($0.statusTitle) } ?? true)
            for key in model.apiKeys {
                XCTAssertTrue(key.countsText.contains("成功"), key.countsText)
            }
            let en = try SnapshotLoader.load(from: url.deletingLastPathComponent().appendingPathComponent("demo.json"))
            let enModel = PoolViewModel(snapshot: en, now: en.generatedAt)
            XCTAssertEqual(model.fiveHour?.percentText, enModel.fiveHour?.percentText, "same numbers in both languages")
            XCTAssertEqual(model.weekly?.ratioText, enModel.weekly?.ratioText)
            XCTAssertEqual(model.fiveHourChart?.points.count, enModel.fiveHourChart?.points.count)
            XCTAssertEqual(model.fiveHourChart?.title, "5h · 24小时")
        }
    }

    /// The key guard paused attempts: every size shows the pause and when it ends; the cached values stay.
    func testPausedFixture() throws {
        for (name, snapshot) in try Fixtures.loadAll("paused") {
            let until = try XCTUnwrap(snapshot.pauseUntil, "\(name) has pause_until")
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            let pause = try XCTUnwrap(model.pause, name)
            XCTAssertEqual(pause.kind, .pause)
            XCTAssertEqual(pause.until, until)
            XCTAssertEqual(pause.text, "Key attempts paused: retry in 28m")
            XCTAssertEqual(pause.before, "Key attempts paused: retry in ")
            XCTAssertEqual(pause.tint, .orange)
            XCTAssertNil(model.ban)
            XCTAssertEqual(model.banners.map(\.kind), [.pause])
            XCTAssertNotNil(model.fiveHour, "the cached values are still drawn")
            XCTAssertEqual(MediumLayout(model).banners.map(\.kind), [.pause])
            XCTAssertEqual(MediumLayout(model).ringDiameter, 54)
            XCTAssertNil(PoolViewModel(snapshot: snapshot, now: until).pause, "gone when the pause ends")
            let dates = TimelinePlan.entryDates(now: snapshot.generatedAt, interval: 3600, stride: 900,
                                                banUntil: snapshot.banUntil, pauseUntil: snapshot.pauseUntil)
            XCTAssertTrue(dates.contains(until.addingTimeInterval(1)), "a timeline entry right after the pause ends")
        }
        // (banned.json carries a pause too: its ban followed failed key attempts.)
        for kind in ["demo", "stale", "error", "empty", "whole_pool"] {
            for (name, snapshot) in try Fixtures.loadAll(kind) {
                XCTAssertNil(PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt).pause, name)
            }
        }
    }

    /// The demo with history (this package's demo.json; the Rust demo once it writes history): charts,
    /// pace stages, waste and "use first" reach the view model.
    func testDemoHistoryReachesTheViewModel() throws {
        for (name, snapshot) in try Fixtures.loadAll("demo") {
            guard let history = snapshot.history else { continue }
            let now = snapshot.generatedAt
            // Re-derived from the raw points: a series with two samples with capacity in its span is drawn.
            func drawable(_ points: [HistoryPoint], _ kind: WindowKind) -> Bool {
                points.filter { $0.capacity > 0 && $0.at >= now.addingTimeInterval(-HistoryChartViewModel.span(kind))
                    && $0.at <= now.addingTimeInterval(300) }.count >= 2
            }
            let model = PoolViewModel(snapshot: snapshot, now: now)
            XCTAssertEqual(model.weeklyChart != nil, drawable(history.weekly, .weekly), name)
            guard drawable(history.fiveHour, .fiveHour) else {
                XCTAssertNil(model.fiveHourChart, name)
                continue
            }
            let h5 = try XCTUnwrap(model.fiveHourChart, name)
            XCTAssertGreaterThanOrEqual(h5.points.count, 2)
            XCTAssertTrue(h5.points.allSatisfy { (0...100).contains($0.percent) }, name)
            XCTAssertTrue(h5.points.allSatisfy { $0.at >= h5.start && $0.at <= h5.end.addingTimeInterval(300) }, name)
            XCTAssertEqual(h5.points.map(\.at), h5.points.map(\.at).sorted(), "\(name): oldest first")
            if snapshot.waste != nil { XCTAssertNotNil(model.waste, name) }
            XCTAssertEqual(model.useFirst.count, snapshot.expiringFirst.count, name)
            let layout = LargeLayout(model)
            XCTAssertFalse(layout.charts.isEmpty)
            XCTAssertFalse(layout.showsPlans, "\(name): history takes the plans' room")
            XCTAssertLessThanOrEqual(layout.useFirst.count, LargeLayout.maxUseFirst)
            if case .chart = MediumLayout(model).centre {} else { XCTFail("\(name): the medium widget draws the chart") }
        }
        // This package's demo has all of it.
        let own = PoolViewModel(snapshot: try Fixtures.own("demo"), now: T0)
        XCTAssertEqual(own.fiveHourChart?.segments, 2, "the hour without samples is a gap")
        XCTAssertEqual(own.fiveHour?.paceText, "deficit, runs out in 12h13m")
        XCTAssertEqual(own.weekly?.paceText, "reserve, lasts until reset")
        XCTAssertEqual(own.waste?.text, "Unused at reset, 7d: 5h 640% (23%) · Week 50% (4%)")
        XCTAssertEqual(own.useFirst.count, 3)
    }

    func testFixturesSurviveEncodeDecodeRoundTrip() throws {
        for kind in Self.propertyKinds + ["huge"] {
            for (name, snapshot) in try Fixtures.loadAll(kind) {
                let data = try SnapshotLoader.makeEncoder().encode(snapshot)
                XCTAssertEqual(try SnapshotLoader.decode(data), snapshot, name)
            }
        }
    }
}
