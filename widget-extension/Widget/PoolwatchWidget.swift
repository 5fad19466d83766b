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

    /// The gallery texts exist before any snapshot: they follow the user's preferred language.
    static var galleryLanguage: Language { Language.preferred(Locale.preferredLanguages) }

    var body: some WidgetConfiguration {
        StaticConfiguration(kind: Self.kind, provider: PoolProvider()) { entry in
            PoolWidgetView(entry: entry)
        }
        .configurationDisplayName(L10n.text(.widgetDisplayName, Self.galleryLanguage))
        .description(L10n.text(.widgetDescription, Self.galleryLanguage))
        .supportedFamilies([.systemSmall, .systemMedium, .systemLarge])
    }
}

// MARK: - timeline

struct PoolEntry: TimelineEntry {
    /// Render time; also the "now" of every relative text in the view models.
    let date: Date
    let snapshot: Snapshot?
    /// Why the snapshot could not be loaded (missing file, permissions, schema), already localised.
    let loadError: String?
    /// `Update poolwatch` (schema 1/2) / `Update the widget` (schema 4+); nil for other load errors.
    var loadErrorTitle: String? = nil

    var model: PoolViewModel? {
        snapshot.map { PoolViewModel(snapshot: $0, now: date) }
    }

    /// The snapshot's language, else the user's preferred one (no snapshot to ask).
    var language: Language {
        snapshot?.language ?? Language.preferred(Locale.preferredLanguages)
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
        // A server ban that ends inside this timeline gets an entry of its own, so the banner (and its
        // live countdown, which would start counting up) disappears when the ban is over.
        // The same for the key guard's pause.
        let dates = TimelinePlan.entryDates(now: now, interval: Self.refreshInterval, stride: Self.entryStride,
                                            banUntil: loaded.snapshot?.banUntil, pauseUntil: loaded.snapshot?.pauseUntil)
        let entries = dates.map {
            PoolEntry(date: $0, snapshot: loaded.snapshot, loadError: loaded.loadError, loadErrorTitle: loaded.loadErrorTitle)
        }
        completion(Timeline(entries: entries, policy: .after(now.addingTimeInterval(Self.refreshInterval))))
    }

    static func load(now: Date) -> PoolEntry {
        do {
            return PoolEntry(date: now, snapshot: try SnapshotLoader.loadDefault(), loadError: nil)
        } catch {
            let language = Language.preferred(Locale.preferredLanguages)
            let snapshotError = error as? SnapshotError
            let text = snapshotError?.message(language) ?? String(describing: error)
            return PoolEntry(date: now, snapshot: nil, loadError: text, loadErrorTitle: snapshotError?.title(language))
        }
    }
}

// MARK: - views

struct PoolWidgetView: View {
    @Environment(\.widgetFamily) private var family
    let entry: PoolEntry

    var body: some View {
        content
            .environment(\.locale, Locale(identifier: entry.language.localeIdentifier))
            .containerBackground(.background, for: .widget)
            .widgetURL(URL(string: "poolwatch://show"))
    }

    @ViewBuilder
    private var content: some View {
        if let model = entry.model {
            if model.state == .error {
                PoolMessageView(title: model.title, message: model.message ?? L10n.text(.noData, model.language),
                                detail: model.freshnessText, banners: model.banners)
            } else {
                switch family {
                case .systemSmall: SmallPoolView(model: model)
                case .systemMedium: MediumPoolView(model: model)
                default: LargePoolView(model: model)
                }
            }
        } else {
            // A schema-1/2 file says "Update poolwatch", a schema-4 one "Update the widget".
            PoolMessageView(title: entry.loadErrorTitle ?? L10n.text(.defaultTitle, entry.language),
                            message: entry.loadError ?? L10n.text(.noSnapshotYetRun, entry.language),
                            detail: "~/Library/Application Support/poolwatch/widget/snapshot.json",
                            systemImage: entry.loadErrorTitle == nil ? "tray" : "arrow.down.circle")
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

extension PoolViewModel {
    /// The header every size shares (the glance names the primary provider when there are several).
    var header: PoolHeader {
        PoolHeader(title: title, date: headerDate, stale: state == .stale, demo: isDemo,
                   subtitle: glanceProviderName, language: language)
    }
}

/// Small: compact balance rows for 5h and Week of the primary provider.
struct SmallPoolView: View {
    let model: PoolViewModel

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            model.header
            Spacer(minLength: 0)
            if let h5 = model.fiveHour { QuotaRow(model: h5) }
            if let week = model.weekly { QuotaRow(model: week) }
            if let unknown = model.quotaUnknownText { QuotaUnknownLine(text: unknown) }
            Spacer(minLength: 0)
            if !model.banners.isEmpty {
                ForEach(model.banners, id: \.kind) { banner in CountdownBanner(model: banner, compact: true) }
            } else {
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
            }
            if model.state != .ok { FreshnessFooter(model: model) }
        }
    }
}

/// Medium: left 5h ring, right Week ring (the original layout) and in the centre the 24 h chart of the
/// 5h window with its pace stage (the original Restore card without history). `MediumLayout` decides.
struct MediumPoolView: View {
    let model: PoolViewModel

    var body: some View {
        let layout = MediumLayout(model)
        VStack(alignment: .leading, spacing: layout.banners.isEmpty ? 8 : 5) {
            model.header
            if let week = model.weekly {
                let diameter = CGFloat(layout.ringDiameter)
                HStack(alignment: .center, spacing: 8) {
                    if let h5 = model.fiveHour {
                        QuotaRing(model: h5, diameter: diameter)
                            .frame(maxWidth: .infinity)
                    }
                    switch layout.centre {
                    case .chart(let chart):
                        ChartCard(model: chart)
                            .frame(width: 128)
                    case .restore:
                        RestoreCard(fiveHour: model.fiveHour, weekly: week, language: model.language)
                            .frame(width: 112)
                    }
                    QuotaRing(model: week, diameter: diameter)
                        .frame(maxWidth: .infinity)
                }
            } else if let unknown = model.quotaUnknownText {
                QuotaUnknownLine(text: unknown)
            }
            Spacer(minLength: 0)
            ForEach(layout.banners, id: \.kind) { banner in CountdownBanner(model: banner, compact: true) }
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

/// Large: the primary provider's quota rows, the 5h (24 h) and Week (7 d) charts, the waste line and the
/// "use first" rows when there is history, the other providers' rows, API-key health, plan breakdown (when
/// there is room), overall health strip and failures. `LargeLayout` (SnapshotKit) decides what fits.
struct LargePoolView: View {
    let model: PoolViewModel

    var body: some View {
        let layout = LargeLayout(model)
        VStack(alignment: .leading, spacing: layout.isDense ? 5 : 10) {
            model.header
            ForEach(model.banners, id: \.kind) { banner in CountdownBanner(model: banner) }
            if layout.showsPills {
                HStack(spacing: 8) {
                    pill(L10n.text(.readyWord, model.language), model.readyRatioText, .green)
                    if let h5 = model.fiveHour { pill(h5.title, h5.percentText, h5.tint) }
                    if let week = model.weekly { pill(week.title, week.percentText, week.tint) }
                }
            }
            if let h5 = model.fiveHour { QuotaRow(model: h5, showsRestore: true) }
            if let week = model.weekly { QuotaRow(model: week, showsRestore: true) }
            if let unknown = model.quotaUnknownText { QuotaUnknownLine(text: unknown) }
            if !layout.charts.isEmpty {
                HStack(alignment: .top, spacing: 10) {
                    ForEach(layout.charts, id: \.kind) { chart in HistoryChartView(model: chart, height: 34) }
                }
            }
            if let waste = layout.waste { WasteLine(model: waste) }
            if !layout.useFirst.isEmpty {
                Divider()
                UseFirstList(title: model.useFirstTitle, rows: layout.useFirst)
            }
            if !layout.providers.isEmpty {
                Divider()
                ForEach(layout.providers) { provider in ProviderRowView(model: provider) }
                MoreLine(text: layout.moreProviders)
            }
            if !layout.keys.isEmpty {
                Divider()
                HStack {
                    Text(layout.keysTitle).font(.caption2.weight(.bold))
                    Spacer(minLength: 4)
                    if let summary = model.apiKeysSummary {
                        Text(summary).font(.system(size: 9)).foregroundStyle(.secondary)
                    }
                }
                ForEach(layout.keys) { key in APIKeyRowView(model: key) }
                MoreLine(text: layout.moreKeys)
            }
            if layout.showsPlans {
                Divider()
                PlanBreakdown(rows: model.plans)
            }
            if layout.showsHealth, let health = model.health {
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

#Preview("Large, whole pool", as: .systemLarge) {
    PoolWidget()
} timeline: {
    PoolEntry(date: previewNow, snapshot: .sampleWholePool(now: previewNow, banMinutes: 23), loadError: nil)
    PoolEntry(date: previewNow, snapshot: .sampleWholePool(now: previewNow, language: .zhHans, banMinutes: 23), loadError: nil)
    PoolEntry(date: previewNow, snapshot: .sampleWholePool(now: previewNow, language: .zhHans), loadError: nil)
}

#Preview("Paused key attempts", as: .systemMedium) {
    PoolWidget()
} timeline: {
    PoolEntry(date: previewNow, snapshot: .sampleWholePool(now: previewNow, pauseMinutes: 28), loadError: nil)
    PoolEntry(date: previewNow, snapshot: .sampleWholePool(now: previewNow, language: .zhHans, pauseMinutes: 28), loadError: nil)
}

#Preview("Schema 2 file", as: .systemSmall) {
    PoolWidget()
} timeline: {
    PoolEntry(date: previewNow, snapshot: nil,
              loadError: SnapshotError.unsupportedSchema(found: 2, supported: Snapshot.schemaVersion).message(.en),
              loadErrorTitle: SnapshotError.unsupportedSchema(found: 2, supported: Snapshot.schemaVersion).title(.en))
}

#Preview("Medium, 中文", as: .systemMedium) {
    PoolWidget()
} timeline: {
    PoolEntry(date: previewNow, snapshot: .sampleWholePool(now: previewNow, language: .zhHans, banMinutes: 23), loadError: nil)
}
#endif
#endif
