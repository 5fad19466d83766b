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
            pace: Pace(fiveHour: PaceWindow(burnPerHour: 310.0, runsOutAt: at(7 * 3600)), weekly: nil))
        return Snapshot(generatedAt: now, demo: true, updatedAt: now.addingTimeInterval(-60),
                        pool: pool, accounts: accounts)
    }
}
