// The WidgetKit extension: one static widget in three sizes. It never talks to the network; it reads
// the snapshot poolwatch writes to ~/Library/Application Support/poolwatch/widget/snapshot.json
// (granted by the home-relative-path read-only entitlement) and renders SnapshotKit view models.
#if canImport(WidgetKit)
import SwiftUI
import WidgetKit
import SnapshotKit

@main
struct PoolwatchWidgetBundle: WidgetBundle {
    var body: some Widget {
        PoolWidget()
    }
}

struct PoolWidget: Widget {
    static let kind = "PoolwatchPoolWidget"

    var body: some WidgetConfiguration {
        StaticConfiguration(kind: Self.kind, provider: PoolProvider()) { entry in
            PoolWidgetView(entry: entry)
        }
        .configurationDisplayName("CLIProxy Pool")
        .description("Pool quota, restore forecast and request health from poolwatch.")
        .supportedFamilies([.systemSmall, .systemMedium, .systemLarge])
    }
}

// MARK: - timeline

struct PoolEntry: TimelineEntry {
    /// Render time; also the "now" of every relative text in the view models.
    let date: Date
    let snapshot: Snapshot?
    /// Why the snapshot could not be loaded (missing file, permissions, schema).
    let loadError: String?

    var model: PoolViewModel? {
        snapshot.map { PoolViewModel(snapshot: $0, now: date) }
    }
}

struct PoolProvider: TimelineProvider {
    /// poolwatch asks the host app to reload immediately when a visible value changed
    /// (`open -g poolwatch://reload`); this is only the fallback refresh.
    static let refreshInterval: TimeInterval = 15 * 60
    /// Extra entries inside the interval so "1.3h" / "updated 3m ago" texts do not freeze.
    static let entryStride: TimeInterval = 5 * 60

    func placeholder(in context: Context) -> PoolEntry {
        let now = Date()
        return PoolEntry(date: now, snapshot: .sample(now: now), loadError: nil)
    }

    func getSnapshot(in context: Context, completion: @escaping (PoolEntry) -> Void) {
        let now = Date()
        let entry = Self.load(now: now)
        if context.isPreview && entry.snapshot == nil {
            // Widget gallery before poolwatch ever ran: show what the widget looks like.
            completion(PoolEntry(date: now, snapshot: .sample(now: now), loadError: nil))
        } else {
            completion(entry)
        }
    }

    func getTimeline(in context: Context, completion: @escaping (Timeline<PoolEntry>) -> Void) {
        let now = Date()
        let loaded = Self.load(now: now)
        let count = Int(Self.refreshInterval / Self.entryStride)
        let entries = (0..<count).map { i in
            PoolEntry(date: now.addingTimeInterval(Double(i) * Self.entryStride),
                      snapshot: loaded.snapshot, loadError: loaded.loadError)
        }
        completion(Timeline(entries: entries, policy: .after(now.addingTimeInterval(Self.refreshInterval))))
    }

    static func load(now: Date) -> PoolEntry {
        do {
            return PoolEntry(date: now, snapshot: try SnapshotLoader.loadDefault(), loadError: nil)
        } catch {
            return PoolEntry(date: now, snapshot: nil, loadError: String(describing: error))
        }
    }
}

// MARK: - views

struct PoolWidgetView: View {
    @Environment(\.widgetFamily) private var family
    let entry: PoolEntry

    var body: some View {
        content
            .containerBackground(.background, for: .widget)
            .widgetURL(URL(string: "poolwatch://show"))
    }

    @ViewBuilder
    private var content: some View {
        if let model = entry.model {
            if model.state == .error {
                PoolMessageView(title: model.title, message: model.message ?? "No data",
                                detail: model.freshnessText)
            } else {
                switch family {
                case .systemSmall: SmallPoolView(model: model)
                case .systemMedium: MediumPoolView(model: model)
                default: LargePoolView(model: model)
                }
            }
        } else {
            PoolMessageView(title: "CLIProxy Pool",
                            message: entry.loadError ?? "No snapshot yet — run poolwatch",
                            detail: "poolwatch writes ~/Library/Application Support/poolwatch/widget/snapshot.json",
                            systemImage: "tray")
        }
    }
}

/// Footer line: `updated 3m ago`, or `stale — <error>` in orange.
struct FreshnessFooter: View {
    let model: PoolViewModel

    var body: some View {
        Text(model.freshnessText)
            .font(.system(size: 9))
            .foregroundStyle(model.state == .stale ? Tint.orange.color : .secondary)
            .lineLimit(1)
            .truncationMode(.tail)
    }
}

/// Small: compact balance rows for 5h and Week.
struct SmallPoolView: View {
    let model: PoolViewModel

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            PoolHeader(title: model.title, date: model.headerDate, stale: model.state == .stale, demo: model.isDemo)
            Spacer(minLength: 0)
            if let h5 = model.fiveHour { QuotaRow(model: h5) }
            if let week = model.weekly { QuotaRow(model: week) }
            Spacer(minLength: 0)
            HStack {
                Text(model.readyText)
                Spacer(minLength: 2)
                if let h5 = model.fiveHour, h5.restoreAt != nil {
                    Text(h5.restoreShort).foregroundStyle(WindowKind.fiveHour.restoreTint.color)
                }
            }
            .font(.system(size: 9, weight: .semibold).monospacedDigit())
            .foregroundStyle(.secondary)
            .lineLimit(1)
            .minimumScaleFactor(0.7)
            if model.state != .ok { FreshnessFooter(model: model) }
        }
    }
}

/// Medium: left 5h ring, centre restore card, right Week ring (the original layout).
struct MediumPoolView: View {
    let model: PoolViewModel

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            PoolHeader(title: model.title, date: model.headerDate, stale: model.state == .stale, demo: model.isDemo)
            if let h5 = model.fiveHour, let week = model.weekly {
                HStack(alignment: .center, spacing: 8) {
                    QuotaRing(model: h5)
                        .frame(maxWidth: .infinity)
                    RestoreCard(fiveHour: h5, weekly: week)
                        .frame(width: 112)
                    QuotaRing(model: week)
                        .frame(maxWidth: .infinity)
                }
            }
            Spacer(minLength: 0)
            HStack(spacing: 6) {
                Text(model.readyText)
                if !model.issuesText.isEmpty {
                    Text(model.issuesText).foregroundStyle(Tint.orange.color)
                }
                Spacer(minLength: 4)
                FreshnessFooter(model: model)
            }
            .font(.system(size: 9).monospacedDigit())
            .foregroundStyle(.secondary)
            .lineLimit(1)
        }
    }
}

/// Large: quota rows, plan breakdown, overall health strip and failures.
struct LargePoolView: View {
    let model: PoolViewModel

    var body: some View {
        VStack(alignment: .leading, spacing: 10) {
            PoolHeader(title: model.title, date: model.headerDate, stale: model.state == .stale, demo: model.isDemo)
            HStack(spacing: 8) {
                pill("Ready", model.readyText.replacingOccurrences(of: " ready", with: ""), .green)
                if let h5 = model.fiveHour { pill("5h", h5.percentText, h5.tint) }
                if let week = model.weekly { pill("Week", week.percentText, week.tint) }
            }
            if let h5 = model.fiveHour { QuotaRow(model: h5, showsRestore: true) }
            if let week = model.weekly { QuotaRow(model: week, showsRestore: true) }
            if !model.plans.isEmpty {
                Divider()
                PlanBreakdown(rows: model.plans)
            }
            if let health = model.health {
                Divider()
                HealthSummaryView(model: health)
            }
            Spacer(minLength: 0)
            HStack(spacing: 6) {
                if !model.issuesText.isEmpty {
                    Text(model.issuesText).foregroundStyle(Tint.orange.color)
                }
                Spacer(minLength: 4)
                FreshnessFooter(model: model)
            }
            .font(.system(size: 9))
            .lineLimit(1)
        }
    }

    private func pill(_ title: String, _ value: String, _ tint: Tint) -> some View {
        VStack(alignment: .leading, spacing: 1) {
            Text(title).font(.system(size: 9, weight: .bold)).foregroundStyle(.secondary)
            Text(value).font(.callout.weight(.bold).monospacedDigit()).foregroundStyle(tint.color)
                .lineLimit(1).minimumScaleFactor(0.7)
        }
        .padding(.horizontal, 8)
        .padding(.vertical, 4)
        .frame(maxWidth: .infinity, alignment: .leading)
        .background(.quaternary, in: RoundedRectangle(cornerRadius: 8, style: .continuous))
    }
}

// MARK: - previews

#if DEBUG
private let previewNow = Date()

#Preview("Small", as: .systemSmall) {
    PoolWidget()
} timeline: {
    PoolEntry(date: previewNow, snapshot: .sample(now: previewNow), loadError: nil)
}

#Preview("Medium", as: .systemMedium) {
    PoolWidget()
} timeline: {
    PoolEntry(date: previewNow, snapshot: .sample(now: previewNow), loadError: nil)
    PoolEntry(date: previewNow, snapshot: {
        var s = Snapshot.sample(now: previewNow)
        s.stale = true
        s.error = "fetch failed: connection refused"
        return s
    }(), loadError: nil)
}

#Preview("Large", as: .systemLarge) {
    PoolWidget()
} timeline: {
    PoolEntry(date: previewNow, snapshot: .sample(now: previewNow), loadError: nil)
    PoolEntry(date: previewNow, snapshot: nil, loadError: "No snapshot at ~/Library/Application Support/poolwatch/widget/snapshot.json — run poolwatch")
}
#endif
#endif
