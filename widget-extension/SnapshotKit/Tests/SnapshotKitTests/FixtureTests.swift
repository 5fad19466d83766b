import Foundation
import XCTest
@testable import SnapshotKit

/// Properties that hold for ANY valid fixture of each kind: the Rust test suite regenerates these files,
/// so nothing here depends on the exact numbers in them.
final class FixtureTests: XCTestCase {
    func testAllFixturesExistAndDecode() throws {
        for kind in Fixtures.kinds {
            let snapshot = try Fixtures.load(kind)
            XCTAssertTrue((Snapshot.minimumSchemaVersion...Snapshot.supportedSchemaVersion).contains(snapshot.schemaVersion),
                          "\(kind): schema \(snapshot.schemaVersion)")
            XCTAssertFalse(snapshot.profile.isEmpty, kind)
            XCTAssertGreaterThan(snapshot.generatedAt.timeIntervalSince1970, 0, kind)
            if let updated = snapshot.updatedAt {
                XCTAssertLessThanOrEqual(updated, snapshot.generatedAt.addingTimeInterval(60), "\(kind): updated_at after generated_at")
            }
        }
    }

    func testFixturesSpellOutNullableFieldsAndTopLevelKeys() throws {
        let required = ["schema_version", "generated_at", "profile", "title", "demo", "updated_at",
                        "stale", "error", "pool", "accounts"]
        for kind in Fixtures.kinds {
            let raw = try Fixtures.json(kind)
            for key in required {
                XCTAssertNotNil(raw[key], "\(kind).json lacks \(key) (nullable fields must be present as null)")
            }
            let version = try XCTUnwrap(raw["schema_version"] as? Int, kind)
            XCTAssertTrue([1, 2].contains(version), "\(kind): schema_version \(version)")
            XCTAssertNotNil(raw["generated_at"] as? Int, "\(kind): generated_at must be integer epoch seconds")
        }
    }

    func testRingFractionsAndLevelsAreInRangeForEveryFixture() throws {
        for kind in Fixtures.kinds {
            let snapshot = try Fixtures.load(kind)
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            for window in [model.fiveHour, model.weekly].compactMap({ $0 }) {
                XCTAssert((0...1).contains(window.fraction), "\(kind) \(window.title) fraction \(window.fraction)")
                if let f = window.forecastFraction {
                    XCTAssert((0...1).contains(f), "\(kind) forecast fraction \(f)")
                    XCTAssertGreaterThanOrEqual(f, window.fraction)
                }
                XCTAssertNotEqual(window.level, .unknown, "\(kind): level must be red/yellow/green")
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
                                       "\(kind): pool level disagrees with remaining/capacity")
                    }
                    if let forecast = window.forecast {
                        XCTAssertGreaterThan(forecast.restored, 0)
                        XCTAssertLessThanOrEqual(forecast.target, window.capacity + 0.05)
                    }
                }
                XCTAssertLessThanOrEqual(pool.health.buckets.count, 20)
                XCTAssertTrue(pool.health.buckets.isEmpty || pool.health.buckets.count == 20,
                              "\(kind): health buckets must be exactly 20 or 0")
            }
            for account in snapshot.accounts {
                for window in [account.fiveHour, account.weekly].compactMap({ $0 }) {
                    XCTAssert((0...100).contains(window.remaining), "\(kind) \(account.label) remaining")
                    XCTAssert((0...100).contains(window.effective), "\(kind) \(account.label) effective")
                    XCTAssertLessThanOrEqual(window.effective, window.remaining + 0.0001)
                }
                XCTAssertGreaterThan(account.weight, 0)
                if account.killed { XCTAssertEqual(account.fiveHour?.effective ?? 0, 0, "killed accounts count 0") }
            }
        }
    }

    func testCountsMatchAccounts() throws {
        for kind in ["demo", "stale", "empty"] {
            let snapshot = try Fixtures.load(kind)
            let pool = try XCTUnwrap(snapshot.pool, kind)
            let c = pool.counts
            // `pool` is the primary provider's section (v2); in v1 every account is in it.
            let accounts = Fixtures.primaryAccounts(snapshot)
            XCTAssertEqual(c.total, accounts.count, "\(kind): counts.total")
            XCTAssertEqual(c.available, accounts.filter(\.available).count, "\(kind): counts.available")
            XCTAssertEqual(c.killed, accounts.filter(\.killed).count, "\(kind): counts.killed")
            XCTAssertEqual(c.disabled, accounts.filter(\.disabled).count, "\(kind): counts.disabled")
            XCTAssertLessThanOrEqual(c.available, c.total)
            XCTAssertEqual(pool.plans.reduce(0) { $0 + $1.accounts }, c.total, "\(kind): plan rows cover all accounts")
            XCTAssertEqual(pool.plans.reduce(0) { $0 + $1.available }, c.available, "\(kind): plan availability")
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            XCTAssertEqual(model.readyText, "\(c.available)/\(c.total) ready")
            XCTAssertEqual(model.plans.count, pool.plans.count)
        }
    }

    func testDemoFixture() throws {
        let snapshot = try Fixtures.load("demo")
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
        XCTAssertEqual(model.health?.states.count, 20)
        XCTAssertEqual(model.health?.failuresText, Format.failures(pool.health.recentFailures))
        // The ring text is the documented format.
        let h5 = try XCTUnwrap(model.fiveHour)
        XCTAssertEqual(h5.percentText, Format.oneDecimal(pool.fiveHour.remaining / pool.fiveHour.capacity * 100) + "%")
        XCTAssertEqual(h5.ratioText, "\(Format.oneDecimal(pool.fiveHour.remaining))/\(Format.compact(pool.fiveHour.capacity))%")
    }

    func testStaleFixtureIsHonoured() throws {
        let snapshot = try Fixtures.load("stale")
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

    func testErrorFixture() throws {
        let snapshot = try Fixtures.load("error")
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

    func testEmptyFixture() throws {
        let snapshot = try Fixtures.load("empty")
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

    /// v2 parts, whenever a fixture has them (the Rust side fills them in steps).
    func testV2PartsAreConsistentWhereverPresent() throws {
        for kind in Fixtures.kinds {
            let snapshot = try Fixtures.load(kind)
            let raw = try Fixtures.json(kind)
            if let language = raw["language"] as? String {
                XCTAssertTrue(["en", "zh-Hans"].contains(language), "\(kind): language \(language)")
                XCTAssertEqual(snapshot.language.rawValue, language)
            }
            for key in snapshot.apiKeys {
                XCTAssertFalse(key.fingerprint.isEmpty, "\(kind): key without fingerprint")
                XCTAssertLessThanOrEqual(key.fingerprint.count, 16, "\(kind): a fingerprint, not a key")
                XCTAssertFalse(key.label.contains("|"), "\(kind): key label looks like a raw map key: \(key.label)")
                XCTAssertTrue(key.health.isEmpty || key.health.count == 20, "\(kind): key buckets must be 20 or 0")
            }
            if let rawKeys = raw["api_keys"] as? [Any] {
                XCTAssertEqual(snapshot.apiKeys.count, rawKeys.count, "\(kind): every api_keys entry decodes")
            }
            if let rawProviders = raw["providers"] as? [Any] {
                XCTAssertEqual(snapshot.providers.count, rawProviders.count, "\(kind): every providers entry decodes")
            }
            let model = PoolViewModel(snapshot: snapshot, now: snapshot.generatedAt)
            XCTAssertEqual(model.apiKeys.count, snapshot.apiKeys.count)
            for provider in model.providers {
                for window in provider.windows {
                    XCTAssert((0...1).contains(window.fraction), "\(kind) \(provider.name) \(window.name)")
                    XCTAssertTrue(window.amountText.hasSuffix("%"))
                }
            }
            if !snapshot.providers.isEmpty {
                XCTAssertEqual(model.providers.filter(\.isPrimary).count, 1, "\(kind): exactly one primary section")
                if let primary = snapshot.primaryProvider {
                    XCTAssertTrue(snapshot.providers.contains { $0.provider == primary } || snapshot.pool == nil,
                                  "\(kind): primary_provider \(primary) has a section")
                }
            }
        }
    }

    /// The server banned this IP: the widget counts down to `ban_until` and stops at its end.
    func testBannedFixture() throws {
        let snapshot = try Fixtures.load("banned")
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
        for kind in ["demo", "stale", "error", "empty"] {
            let other = try Fixtures.load(kind)
            XCTAssertNil(PoolViewModel(snapshot: other, now: other.generatedAt).ban, kind)
        }
    }

    func testFixturesSurviveEncodeDecodeRoundTrip() throws {
        for kind in Fixtures.kinds {
            let snapshot = try Fixtures.load(kind)
            let data = try SnapshotLoader.makeEncoder().encode(snapshot)
            XCTAssertEqual(try SnapshotLoader.decode(data), snapshot, kind)
        }
    }
}
