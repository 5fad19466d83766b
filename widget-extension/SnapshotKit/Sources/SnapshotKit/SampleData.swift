import Foundation

/// In-code sample data for the widget placeholder, the gallery preview and SwiftUI previews.
/// All times are relative to `now`, so countdowns look right whenever the gallery is opened.
extension Snapshot {
    public static func sample(now: Date = Date()) -> Snapshot {
        func at(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(seconds) }
        func acct(_ label: String, _ plan: String, _ weight: Double, _ h5: Double?, _ wk: Double?,
                  h5Reset: TimeInterval = 3 * 3600, wkReset: TimeInterval = 4 * 86400,
                  killed: Bool = false, available: Bool = true, cooling: Bool = false,
                  error: String? = nil, failures: Int = 0) -> Account {
            Account(
                label: label, plan: plan, weight: weight,
                fiveHour: h5.map { AccountWindow(remaining: $0, effective: killed ? 0 : $0, resetAt: at(h5Reset)) },
                weekly: wk.map { AccountWindow(remaining: $0, effective: killed ? 0 : $0, resetAt: at(wkReset)) },
                killed: killed, available: available, cooling: cooling,
                stale: error != nil, error: error, recentFailures: failures)
        }
        let accounts = [
            acct("pro-main@example.com", "pro", 20, 64, 71, h5Reset: 4500),
            acct("lite-1@example.com", "prolite", 10, 82, 90),
            acct("alice@example.com", "plus", 1, 58, 81, h5Reset: 4500),
            acct("bob@example.com", "plus", 1, 100, 96),
            acct("carol@example.com", "plus", 1, 12, 44, h5Reset: 4500),
            acct("dave@example.com", "plus", 1, 90, 1.5, wkReset: 6 * 3600, killed: true),
            acct("erin@example.com", "plus", 1, nil, nil, available: false, cooling: true),
            acct("frank@example.com", "plus", 1, 35, 62, error: "HTTP 502 from usage endpoint", failures: 2),
        ]
        let buckets = (0..<20).map { i in Bucket(success: 6 + (i * 7) % 9, failed: i == 18 ? 2 : 0) }
        let pool = Pool(
            fiveHour: PoolWindow(remaining: 2305.0, capacity: 3500.0, level: .yellow,
                                 forecast: Forecast(restored: 824.0, target: 3129.0, at: at(4500))),
            weekly: PoolWindow(remaining: 2603.0, capacity: 3500.0, level: .green,
                               forecast: Forecast(restored: 100.0, target: 2703.0, at: at(6 * 3600))),
            counts: Counts(total: 8, available: 7, killed: 1, cooling: 1, erroring: 1, disabled: 0, stale: 1),
            health: Health(buckets: buckets, recentFailures: 2,
                           success: buckets.reduce(0) { $0 + $1.success }, failed: 2),
            plans: [Plan(plan: "pro", weight: 20, accounts: 1, available: 1),
                    Plan(plan: "prolite", weight: 10, accounts: 1, available: 1),
                    Plan(plan: "plus", weight: 1, accounts: 6, available: 5)],
            pace: Pace(fiveHour: PaceWindow(burnPerHour: 310.0, runsOutAt: at(7 * 3600), lastsUntilReset: true,
                                             marginSeconds: 5700, stage: .reserve),
                       weekly: PaceWindow(burnPerHour: 21.0, runsOutAt: at(124 * 3600), lastsUntilReset: false,
                                          marginSeconds: -3 * 3600, stage: .deficit)))
        return Snapshot(generatedAt: now, demo: true, updatedAt: now.addingTimeInterval(-60),
                        pool: pool, accounts: accounts, history: sampleHistory(now: now, capacity: 3500),
                        waste: Waste(fiveHour: WasteWindow(used24h: 4100, wasted24h: 380, used7d: 26_000, wasted7d: 3100,
                                                           used30d: 98_000, wasted30d: 12_500),
                                     weekly: WasteWindow(used24h: 0, wasted24h: 0, used7d: 2900, wasted7d: 240,
                                                         used30d: 11_800, wasted30d: 900)),
                        expiringFirst: [
                            ExpiringAccount(label: "carol@example.com", provider: "codex", window: "five_hour",
                                            remaining: 12, remainingUnits: 12, resetsAt: at(4500)),
                            ExpiringAccount(label: "alice@example.com", provider: "codex", window: "five_hour",
                                            remaining: 58, remainingUnits: 58, resetsAt: at(4500)),
                            ExpiringAccount(label: "pro-main@example.com", provider: "codex", window: "five_hour",
                                            remaining: 64, remainingUnits: 1280, resetsAt: at(4500)),
                        ])
    }

    /// A plausible 24 h of the 5h window (a saw-tooth of 5-hour cycles, one hour missing) and 7 days of the
    /// weekly window, oldest first, ending at `now`.
    public static func sampleHistory(now: Date, capacity: Double) -> History {
        let fiveHour: [HistoryPoint] = (0..<96).compactMap { i in
            let age = Double(95 - i) * 900
            if age > 6 * 3600 && age <= 7 * 3600 { return nil } // poolwatch did not run for an hour
            let intoCycle = (age / 3600).truncatingRemainder(dividingBy: 5)
            let remaining = capacity * (0.35 + 0.6 * intoCycle / 5)
            return HistoryPoint(at: now.addingTimeInterval(-age), remaining: remaining, capacity: capacity)
        }
        let weekly: [HistoryPoint] = (0..<168).map { i in
            let age = Double(167 - i) * 3600
            let remaining = capacity * (0.75 + 0.2 * (age / (7 * 86400)))
            return HistoryPoint(at: now.addingTimeInterval(-age), remaining: remaining, capacity: capacity)
        }
        return History(provider: "codex", fiveHour: fiveHour, weekly: weekly)
    }

    /// The whole-pool sample: `sample(now:)` as the Codex section of a pool that also holds Claude and Kimi
    /// accounts, three API keys, and optionally a server ban `banMinutes` from now.
    public static func sampleWholePool(now: Date = Date(), language: Language = .en, banMinutes: Double? = nil,
                                       pauseMinutes: Double? = nil) -> Snapshot {
        func at(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(seconds) }
        var s = sample(now: now)
        s.language = language
        s.banUntil = banMinutes.map { at($0 * 60) }
        s.pauseUntil = pauseMinutes.map { at($0 * 60) }
        s.primaryProvider = "codex"
        s.accounts = s.accounts.map { account in
            var a = account
            a.provider = "codex"
            a.source = AccountSource(kind: .read, at: now.addingTimeInterval(-300))
            return a
        }
        s.accounts[0].lanes = [Lane(name: "GPT-5.3-Codex-Spark", window: "5h", remaining: 80, resetAt: at(4500))]
        s.accounts.append(Account(label: "claude-max@example.com", plan: "max", weight: 20,
                                  fiveHour: AccountWindow(remaining: 64, resetAt: at(2 * 3600)),
                                  weekly: AccountWindow(remaining: 81, resetAt: at(3 * 86400)),
                                  provider: "claude",
                                  lanes: [Lane(name: "seven_day_opus", window: "week", remaining: 15, resetAt: at(3 * 86400))]))
        s.accounts.append(Account(label: "kimi@example.com", plan: "", weight: 1, fiveHour: nil,
                                  weekly: AccountWindow(remaining: 42, resetAt: at(5 * 86400)), provider: "kimi"))
        let buckets = (0..<20).map { i in Bucket(success: 3, failed: i >= 18 ? 1 : 0) }
        if let pool = s.pool {
            s.providers = [
                ProviderSection(provider: "codex", name: "Codex", unit: .plusPercent, windows: [
                    ProviderWindow(name: "5h", remaining: pool.fiveHour.remaining, capacity: pool.fiveHour.capacity,
                                   level: pool.fiveHour.level, forecast: pool.fiveHour.forecast),
                    ProviderWindow(name: "week", remaining: pool.weekly.remaining, capacity: pool.weekly.capacity,
                                   level: pool.weekly.level, forecast: pool.weekly.forecast),
                ], counts: pool.counts, health: pool.health),
                ProviderSection(provider: "claude", name: "Claude", unit: .percent, windows: [
                    ProviderWindow(name: "5h", remaining: 64, capacity: 100),
                    ProviderWindow(name: "week", remaining: 81, capacity: 100,
                                   forecast: Forecast(restored: 19, target: 100, at: at(3 * 86400))),
                ], counts: Counts(total: 1, available: 1)),
                ProviderSection(provider: "kimi", name: "Kimi", unit: .percent, windows: [
                    ProviderWindow(name: "week", remaining: 42, capacity: 100),
                ], counts: Counts(total: 1, available: 1)),
            ]
        }
        s.apiKeys = [
            APIKey(provider: "openai", host: "api.openai.com", fingerprint: "1a2b3c4d", success: 58, failed: 2,
                   recentFailures: 2, health: buckets),
            APIKey(provider: "claude", host: "api.anthropic.com", fingerprint: "cafe0001", label: "team claude",
                   success: 31, failed: 0, health: (0..<20).map { _ in Bucket(success: 2, failed: 0) }),
            APIKey(provider: "gemini", host: "generativelanguage.googleapis.com", fingerprint: "0badf00d"),
        ]
        return s
    }
}
