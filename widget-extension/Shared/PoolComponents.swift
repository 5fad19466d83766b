// SwiftUI building blocks shared by the widget extension and the host app's overview window.
// All numbers and strings come from SnapshotKit's view models; these views only draw them.
#if canImport(SwiftUI)
import Charts
import SwiftUI
import SnapshotKit

extension Tint {
    /// Colour for a SnapshotKit tint name (the red/yellow/green thresholds live in SnapshotKit).
    var color: Color {
        switch self {
        case .red: return Color(red: 0.92, green: 0.27, blue: 0.23)
        case .yellow: return Color(red: 0.95, green: 0.70, blue: 0.13)
        case .green: return Color(red: 0.20, green: 0.74, blue: 0.40)
        case .gray: return Color.gray
        case .blue: return Color(red: 0.22, green: 0.72, blue: 0.95)
        case .purple: return Color(red: 0.72, green: 0.52, blue: 0.95)
        case .orange: return Color.orange
        }
    }
}

/// "CLIProxy Pool" with the time of the last update at the right (like the original widget).
/// `subtitle` names the provider the glance is about when the pool has several.
struct PoolHeader: View {
    let title: String
    let date: Date
    var stale: Bool = false
    var demo: Bool = false
    var subtitle: String? = nil
    var language: Language = .en

    var body: some View {
        HStack(spacing: 4) {
            Label(title, systemImage: "switch.2")
                .font(.caption.weight(.bold))
                .lineLimit(1)
            if let subtitle {
                Text(subtitle)
                    .font(.caption2.weight(.semibold))
                    .foregroundStyle(.secondary)
                    .lineLimit(1)
            }
            if demo {
                Text(L10n.text(.demoBadge, language))
                    .font(.system(size: 8, weight: .heavy))
                    .padding(.horizontal, 3)
                    .background(Tint.orange.color.opacity(0.25), in: RoundedRectangle(cornerRadius: 3))
            }
            Spacer(minLength: 4)
            if stale {
                Image(systemName: "exclamationmark.arrow.triangle.2.circlepath")
                    .font(.caption2)
                    .foregroundStyle(Tint.orange.color)
            }
            Text(date, style: .time)
                .font(.caption2.monospacedDigit())
                .foregroundStyle(.secondary)
        }
    }
}

/// A quota ring: title above, percentage inside, `remaining/capacity%` below.
/// The translucent arc shows where the next grouped restore brings the window.
struct QuotaRing: View {
    let model: WindowViewModel
    var diameter: CGFloat = 64
    var lineWidth: CGFloat = 7

    var body: some View {
        VStack(spacing: 4) {
            Text(model.title)
                .font(.caption2.weight(.bold))
                .foregroundStyle(.secondary)
            ZStack {
                Circle()
                    .stroke(Color.secondary.opacity(0.2), lineWidth: lineWidth)
                if let forecast = model.forecastFraction, forecast > model.fraction {
                    Circle()
                        .trim(from: 0, to: forecast)
                        .stroke(model.tint.color.opacity(0.3), style: StrokeStyle(lineWidth: lineWidth, lineCap: .round))
                        .rotationEffect(.degrees(-90))
                }
                Circle()
                    .trim(from: 0, to: model.fraction)
                    .stroke(model.tint.color, style: StrokeStyle(lineWidth: lineWidth, lineCap: .round))
                    .rotationEffect(.degrees(-90))
                Text(model.percentText)
                    .font(.system(size: 13, weight: .bold).monospacedDigit())
                    .foregroundStyle(model.tint.color)
                    .lineLimit(1)
                    .minimumScaleFactor(0.6)
                    .padding(.horizontal, lineWidth + 2)
            }
            .frame(width: diameter, height: diameter)
            Text(model.ratioText)
                .font(.system(size: 11, weight: .heavy, design: .monospaced))
                .foregroundStyle(model.tint.color)
                .lineLimit(1)
                .minimumScaleFactor(0.6)
        }
        .accessibilityElement(children: .ignore)
        .accessibilityLabel("\(model.title) \(model.percentText), \(model.ratioText)")
    }
}

/// A horizontal quota bar: solid = remaining, translucent = after the next restore.
struct QuotaBar: View {
    let fraction: Double
    var forecastFraction: Double? = nil
    let tint: Tint
    var height: CGFloat = 6

    var body: some View {
        GeometryReader { geo in
            ZStack(alignment: .leading) {
                Capsule().fill(Color.secondary.opacity(0.18))
                if let forecast = forecastFraction, forecast > fraction {
                    Capsule()
                        .fill(tint.color.opacity(0.3))
                        .frame(width: geo.size.width * forecast)
                }
                Capsule()
                    .fill(tint.color)
                    .frame(width: geo.size.width * fraction)
            }
        }
        .frame(height: height)
    }
}

/// One row per window: `5h  66.0%  1254.0/1900%` above a bar.
struct QuotaRow: View {
    let model: WindowViewModel
    var showsRestore = false

    var body: some View {
        VStack(alignment: .leading, spacing: 3) {
            HStack(alignment: .firstTextBaseline, spacing: 6) {
                Text(model.title)
                    .font(.caption2.weight(.bold))
                    .foregroundStyle(.secondary)
                    .frame(width: 30, alignment: .leading)
                Text(model.percentText)
                    .font(.callout.weight(.bold).monospacedDigit())
                    .foregroundStyle(model.tint.color)
                Spacer(minLength: 2)
                Text(model.ratioText)
                    .font(.system(size: 10, weight: .semibold, design: .monospaced))
                    .foregroundStyle(.secondary)
                    .lineLimit(1)
                    .minimumScaleFactor(0.7)
            }
            QuotaBar(fraction: model.fraction, forecastFraction: model.forecastFraction, tint: model.tint)
            if showsRestore {
                HStack(spacing: 4) {
                    Text(model.restoreLong)
                        .foregroundStyle(model.kind.restoreTint.color)
                    if let at = model.restoreAt, at > Date() {
                        // Live countdown, updated by the system without a new timeline entry.
                        Text(at, style: .relative)
                            .foregroundStyle(.secondary)
                    }
                    Spacer(minLength: 0)
                    if let pace = model.pace {
                        Text(pace.text).foregroundStyle(pace.tint.color)
                    }
                }
                .font(.system(size: 9, weight: .semibold, design: .monospaced))
                .lineLimit(1)
                .minimumScaleFactor(0.7)
            }
        }
    }
}

/// The original medium widget's centre card: `Restore` with `5h  +100% · 1.3h` and `Week  +100% · 1.3h`.
/// Without a 5h window (week-only pools) only the Week row is shown.
struct RestoreCard: View {
    let fiveHour: WindowViewModel?
    let weekly: WindowViewModel
    var language: Language = .en

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text(L10n.text(.restoreCardTitle, language))
                .font(.caption2.weight(.bold))
                .foregroundStyle(.secondary)
            if let fiveHour { row(fiveHour) }
            row(weekly)
        }
        .padding(.horizontal, 8)
        .padding(.vertical, 7)
        .background(.quaternary, in: RoundedRectangle(cornerRadius: 12, style: .continuous))
    }

    private func row(_ model: WindowViewModel) -> some View {
        HStack(spacing: 6) {
            Text(model.title)
                .font(.system(size: 9, weight: .bold))
                .foregroundStyle(.secondary)
                .frame(width: 26, alignment: .leading)
            Text(model.restoreShort)
                .font(.system(size: 9, weight: .bold, design: .monospaced))
                .foregroundStyle(model.kind.restoreTint.color)
                .lineLimit(1)
                .minimumScaleFactor(0.7)
            Spacer(minLength: 0)
        }
    }
}

/// 20 ten-minute buckets, oldest left: green ok, yellow mixed, red failed, grey idle.
struct HealthStrip: View {
    let states: [BucketState]
    var height: CGFloat = 10

    var body: some View {
        HStack(spacing: 2) {
            if states.isEmpty {
                RoundedRectangle(cornerRadius: 2).fill(Color.secondary.opacity(0.15))
            } else {
                ForEach(Array(states.enumerated()), id: \.offset) { _, state in
                    RoundedRectangle(cornerRadius: 2)
                        .fill(state == .idle ? Color.secondary.opacity(0.2) : state.tint.color)
                }
            }
        }
        .frame(height: height)
    }
}

/// Overall health: status word, strip, `N failures in 30 min`, success rate.
struct HealthSummaryView: View {
    let model: HealthViewModel

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack(spacing: 6) {
                Circle().fill(model.status.tint.color).frame(width: 7, height: 7)
                Text(model.statusTitle)
                    .font(.caption.weight(.bold))
                Spacer(minLength: 4)
                Text(model.failuresText)
                    .font(.caption2)
                    .foregroundStyle(model.recentFailures > 0 ? Tint.red.color : .secondary)
                if let rate = model.successRateText {
                    Text(rate)
                        .font(.caption2.monospacedDigit())
                        .foregroundStyle(.secondary)
                }
            }
            HealthStrip(states: model.states)
        }
    }
}

/// `Pro  20x  1/1  2000%`
struct PlanBreakdown: View {
    let rows: [PlanRowViewModel]

    var body: some View {
        Grid(alignment: .leading, horizontalSpacing: 10, verticalSpacing: 2) {
            ForEach(Array(rows.enumerated()), id: \.offset) { _, row in
                GridRow {
                    Text(row.name).font(.caption2.weight(.semibold))
                    Text(row.weightText).foregroundStyle(.secondary)
                    Text(row.accountsText)
                    Text(row.capacityText).foregroundStyle(.secondary)
                        .gridColumnAlignment(.trailing)
                }
                .font(.caption2.monospacedDigit())
            }
        }
    }
}

/// Error / no-data / "update poolwatch" state (with the ban and pause countdowns while they last).
struct PoolMessageView: View {
    let title: String
    let message: String
    var detail: String? = nil
    var systemImage = "exclamationmark.triangle"
    var banners: [BannerViewModel] = []

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Label(title, systemImage: systemImage)
                .font(.caption.weight(.bold))
                .foregroundStyle(Tint.orange.color)
            ForEach(banners, id: \.kind) { banner in CountdownBanner(model: banner) }
            Text(message)
                .font(.caption)
                .foregroundStyle(.primary)
                .lineLimit(5)
                .minimumScaleFactor(0.8)
            if let detail {
                Text(detail)
                    .font(.caption2)
                    .foregroundStyle(.secondary)
            }
            Spacer(minLength: 0)
        }
        .frame(maxWidth: .infinity, maxHeight: .infinity, alignment: .topLeading)
    }
}
/// `Server ban: retry in` / `Key attempts paused: retry in` + a live countdown (`服务器封禁：` + countdown +
/// `后重试`). The countdown is `Text(date, style: .relative)`, which the system keeps current between
/// timeline entries; the widget adds a timeline entry at the end, where SnapshotKit drops the banner.
struct CountdownBanner: View {
    let model: BannerViewModel
    var compact = false

    var body: some View {
        HStack(spacing: 4) {
            Image(systemName: model.kind == .ban ? "hand.raised.fill" : "pause.circle.fill")
            Text(model.before) + Text(model.until, style: .relative).monospacedDigit() + Text(model.after)
        }
        .font(.system(size: compact ? 9 : 10, weight: .semibold))
        .foregroundStyle(model.tint.color)
        .lineLimit(1)
        .minimumScaleFactor(0.7)
        .accessibilityElement(children: .ignore)
        .accessibilityLabel(model.text)
    }
}

/// The history of one window (Swift Charts): remaining as a share of that moment's capacity, 0–100 %,
/// over the last 24 h (5h window) or 7 days (Week). Each continuous run of samples is its own series, so a
/// gap (poolwatch not running) stays a gap instead of a straight line; a lone sample is a dot.
struct HistoryChartView: View {
    let model: HistoryChartViewModel
    var showsTitle = true
    var showsAxisLabels = true
    var height: CGFloat = 40

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            if showsTitle {
                HStack(spacing: 4) {
                    Text(model.title)
                        .font(.system(size: 9, weight: .bold))
                        .foregroundStyle(.secondary)
                    Spacer(minLength: 2)
                    Text(model.rangeText)
                        .font(.system(size: 8).monospacedDigit())
                        .foregroundStyle(.secondary)
                }
                .lineLimit(1)
                .minimumScaleFactor(0.7)
            }
            Chart(model.points) { point in
                AreaMark(x: .value("Time", point.at), yStart: .value("Empty", 0.0),
                         yEnd: .value("Left", point.percent), series: .value("Run", point.segment))
                    .foregroundStyle(model.tint.color.opacity(0.18))
                    .interpolationMethod(.monotone)
                LineMark(x: .value("Time", point.at), y: .value("Left", point.percent),
                         series: .value("Run", point.segment))
                    .foregroundStyle(model.tint.color)
                    .lineStyle(StrokeStyle(lineWidth: 1.5))
                    .interpolationMethod(.monotone)
                if point.isolated {
                    PointMark(x: .value("Time", point.at), y: .value("Left", point.percent))
                        .foregroundStyle(model.tint.color)
                        .symbolSize(10)
                }
            }
            .chartXScale(domain: model.start...model.end)
            .chartYScale(domain: 0.0...100.0)
            .chartXAxis(.hidden)
            .chartYAxis(.hidden)
            .chartLegend(.hidden)
            .frame(height: height)
            if showsAxisLabels {
                HStack {
                    Text(model.startLabel)
                    Spacer(minLength: 2)
                    Text(model.endLabel)
                }
                .font(.system(size: 7))
                .foregroundStyle(.secondary)
            }
        }
        .accessibilityElement(children: .ignore)
        .accessibilityLabel("\(model.title), \(model.rangeText)")
    }
}

/// The medium widget's centre card when there is history: the 5h chart and its pace stage.
struct ChartCard: View {
    let model: HistoryChartViewModel

    var body: some View {
        VStack(alignment: .leading, spacing: 3) {
            HistoryChartView(model: model, showsAxisLabels: false, height: 38)
            if let pace = model.pace {
                Text(pace.text)
                    .font(.system(size: 8, weight: .semibold))
                    .foregroundStyle(pace.tint.color)
                    .lineLimit(1)
                    .minimumScaleFactor(0.7)
            }
        }
        .padding(.horizontal, 7)
        .padding(.vertical, 6)
        .background(.quaternary, in: RoundedRectangle(cornerRadius: 12, style: .continuous))
    }
}

/// `Unused at reset, 7d: 5h 640% (23%) · Week 50% (4%)`
struct WasteLine: View {
    let model: WasteViewModel

    var body: some View {
        HStack(spacing: 4) {
            Image(systemName: "hourglass.bottomhalf.filled")
            Text(model.text)
        }
        .font(.system(size: 9))
        .foregroundStyle(.secondary)
        .lineLimit(1)
        .minimumScaleFactor(0.7)
    }
}

/// "Use first": accounts whose quota is lost soonest, most urgent first (a hint: CLIProxyAPI routes by its
/// own rules).
struct UseFirstList: View {
    let title: String
    let rows: [ExpiringRowViewModel]

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(title).font(.caption2.weight(.bold))
            ForEach(rows) { row in
                HStack(spacing: 6) {
                    Circle().fill(row.tint.color).frame(width: 6, height: 6)
                    Text(row.label)
                        .font(.system(size: 9, weight: .semibold))
                        .lineLimit(1)
                        .truncationMode(.middle)
                    Spacer(minLength: 4)
                    Text(row.windowTitle).foregroundStyle(.secondary)
                    Text(row.remainingText).fontWeight(.bold).foregroundStyle(row.tint.color)
                    if let units = row.unitsText {
                        Text(units).foregroundStyle(.secondary)
                    }
                    if let reset = row.resetText {
                        Text(reset).foregroundStyle(.secondary)
                    }
                }
                .font(.system(size: 9).monospacedDigit())
                .lineLimit(1)
            }
        }
    }
}

/// One provider in a line: `Claude  5h 64% ▬▬  Week 81% ▬▬  1/2 ready`.
struct ProviderRowView: View {
    let model: ProviderViewModel
    var maxWindows = 3

    var body: some View {
        HStack(alignment: .center, spacing: 6) {
            Text(model.name)
                .font(.caption2.weight(.bold))
                .lineLimit(1)
                .frame(width: 62, alignment: .leading)
            ForEach(Array(model.windows.prefix(maxWindows).enumerated()), id: \.offset) { _, window in
                VStack(alignment: .leading, spacing: 2) {
                    HStack(spacing: 3) {
                        Text(window.title).foregroundStyle(.secondary)
                        Text(window.amountText).fontWeight(.bold).foregroundStyle(window.tint.color)
                    }
                    .font(.system(size: 9).monospacedDigit())
                    .lineLimit(1)
                    .minimumScaleFactor(0.6)
                    QuotaBar(fraction: window.fraction, forecastFraction: window.forecastFraction,
                             tint: window.tint, height: 4)
                }
                .frame(maxWidth: .infinity, alignment: .leading)
            }
            if model.windows.isEmpty, let health = model.health {
                // A provider whose quota poolwatch does not read: its request health only.
                HStack(spacing: 4) {
                    Circle().fill(health.status.tint.color).frame(width: 6, height: 6)
                    Text(health.statusTitle)
                    Text(health.failuresText).foregroundStyle(.secondary)
                }
                .font(.system(size: 9))
                .lineLimit(1)
                .frame(maxWidth: .infinity, alignment: .leading)
            }
            if let ready = model.readyText {
                Text(ready)
                    .font(.system(size: 9).monospacedDigit())
                    .foregroundStyle(model.issuesText.isEmpty ? Color.secondary : Tint.orange.color)
                    .lineLimit(1)
                    .fixedSize()
            }
        }
    }
}

/// One API key: status dot, label (never the key), its 20-bucket strip, `12 ok · 1 failed`.
struct APIKeyRowView: View {
    let model: APIKeyViewModel

    var body: some View {
        HStack(spacing: 6) {
            Circle().fill(model.status.tint.color).frame(width: 6, height: 6)
            Text(model.label)
                .font(.system(size: 9, weight: .semibold))
                .lineLimit(1)
                .truncationMode(.middle)
                .frame(width: 110, alignment: .leading)
            HealthStrip(states: model.states, height: 6)
            Text(model.countsText)
                .font(.system(size: 8).monospacedDigit())
                .foregroundStyle(model.recentFailures > 0 ? Tint.red.color : .secondary)
                .lineLimit(1)
                .fixedSize()
        }
        .accessibilityElement(children: .ignore)
        .accessibilityLabel("\(model.label), \(model.statusTitle), \(model.countsText), \(model.failuresText)")
    }
}

/// In place of the quota rows when no counted account has values (all aged out): unknown, not 0%.
struct QuotaUnknownLine: View {
    let text: String

    var body: some View {
        Label(text, systemImage: "questionmark.circle")
            .font(.caption2)
            .foregroundStyle(Tint.orange.color)
            .lineLimit(2)
            .minimumScaleFactor(0.8)
    }
}

/// `+2 more` under a clipped list.
struct MoreLine: View {
    let text: String?

    var body: some View {
        if let text {
            Text(text)
                .font(.system(size: 8, weight: .semibold))
                .foregroundStyle(.secondary)
        }
    }
}
#endif
