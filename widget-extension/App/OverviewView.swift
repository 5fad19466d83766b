import SwiftUI
import SnapshotKit

/// The host app's small pool overview window.
struct OverviewView: View {
    @ObservedObject var store: SnapshotStore
    let reloadWidgets: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            if let snapshot = store.snapshot {
                let model = PoolViewModel(snapshot: snapshot, now: store.loadedAt)
                PoolHeader(title: model.title, date: model.headerDate, stale: model.state == .stale, demo: model.isDemo,
                           subtitle: model.glanceProviderName, language: model.language)
                    .font(.headline)
                if model.state == .error {
                    PoolMessageView(title: L10n.text(.noPoolData, model.language),
                                    message: model.message ?? L10n.text(.noData, model.language),
                                    detail: model.freshnessText, banners: model.banners)
                        .frame(maxHeight: 120)
                } else {
                    ForEach(model.banners, id: \.kind) { banner in CountdownBanner(model: banner) }
                    if let week = model.weekly {
                        HStack(alignment: .center, spacing: 16) {
                            if let h5 = model.fiveHour { QuotaRing(model: h5, diameter: 84, lineWidth: 9) }
                            RestoreCard(fiveHour: model.fiveHour, weekly: week, language: model.language).frame(width: 140)
                            QuotaRing(model: week, diameter: 84, lineWidth: 9)
                        }
                        .frame(maxWidth: .infinity)
                        if let h5 = model.fiveHour { QuotaRow(model: h5, showsRestore: true) }
                        QuotaRow(model: week, showsRestore: true)
                        HStack(alignment: .top, spacing: 16) {
                            if let chart = model.fiveHourChart { HistoryChartView(model: chart, height: 60) }
                            if let chart = model.weeklyChart { HistoryChartView(model: chart, height: 60) }
                        }
                    } else if let unknown = model.quotaUnknownText {
                        QuotaUnknownLine(text: unknown)
                    }
                    if let waste = model.waste { WasteLine(model: waste) }
                    if !model.useFirst.isEmpty { UseFirstList(title: model.useFirstTitle, rows: model.useFirst) }
                    let others = model.providers.filter { !$0.isPrimary }
                    if !others.isEmpty {
                        Text(L10n.text(.providersHeader, model.language)).font(.caption.weight(.bold))
                        ForEach(others) { provider in ProviderRowView(model: provider) }
                    }
                    if !model.apiKeys.isEmpty {
                        HStack {
                            Text(L10n.text(.apiKeysHeader, model.language)).font(.caption.weight(.bold))
                            if let summary = model.apiKeysSummary {
                                Text(summary).font(.caption2).foregroundStyle(.secondary)
                            }
                        }
                        ForEach(model.apiKeys) { key in APIKeyRowView(model: key) }
                    }
                    HStack {
                        Text(model.readyText).font(.callout.weight(.semibold))
                        if !model.issuesText.isEmpty {
                            Text(model.issuesText).foregroundStyle(Tint.orange.color)
                        }
                    }
                    .font(.caption)
                    if !model.plans.isEmpty { PlanBreakdown(rows: model.plans) }
                    if let health = model.health { HealthSummaryView(model: health) }
                    AccountList(rows: model.accounts, language: model.language)
                }
                Text(model.freshnessText)
                    .font(.caption)
                    .foregroundStyle(model.state == .stale ? Tint.orange.color : .secondary)
            } else {
                PoolMessageView(title: store.loadErrorTitle ?? L10n.text(.noSnapshot, store.language),
                                message: store.loadError ?? L10n.text(.noSnapshotYetRun, store.language),
                                detail: store.url.path,
                                systemImage: "tray")
            }
            Spacer(minLength: 0)
            HStack {
                Text(store.url.path)
                    .font(.caption2)
                    .foregroundStyle(.secondary)
                    .lineLimit(1)
                    .truncationMode(.middle)
                    .textSelection(.enabled)
                Spacer()
                Button(L10n.text(.reloadButton, store.language)) { store.reload() }
                Button(L10n.text(.reloadWidgetsButton, store.language)) {
                    store.reload()
                    reloadWidgets()
                }
                .keyboardShortcut("r")
            }
        }
        .padding(16)
        .frame(minWidth: 420, minHeight: 480)
        .environment(\.locale, Locale(identifier: store.language.localeIdentifier))
        .onAppear { store.startPolling() }
        .onDisappear { store.stopPolling() }
    }
}

/// Per-account rows: label, provider, plan, 5h and Week bars, tags (weekKILL, cooling, error ...), lanes.
struct AccountList: View {
    let rows: [AccountRowViewModel]
    var language: Language = .en

    var body: some View {
        ScrollView {
            LazyVStack(alignment: .leading, spacing: 6) {
                ForEach(Array(rows.enumerated()), id: \.offset) { _, row in
                    VStack(alignment: .leading, spacing: 2) {
                        HStack(spacing: 6) {
                            Text(row.label).font(.caption.weight(.semibold)).lineLimit(1)
                            if let provider = row.provider {
                                Text(provider).font(.caption2.weight(.semibold)).foregroundStyle(Tint.blue.color)
                            }
                            Text(row.planName).font(.caption2).foregroundStyle(.secondary)
                            if let source = row.sourceText {
                                Text(source).font(.caption2).foregroundStyle(.secondary)
                            }
                            ForEach(row.tags, id: \.self) { tag in
                                Text(tag)
                                    .font(.system(size: 9, weight: .bold))
                                    .padding(.horizontal, 4)
                                    .background(Tint.orange.color.opacity(0.2), in: Capsule())
                            }
                            Spacer(minLength: 0)
                        }
                        HStack(spacing: 8) {
                            bar(WindowKind.fiveHour.title(language), row.fiveHourText, row.fiveHourFraction, row.fiveHourTint)
                            bar(WindowKind.weekly.title(language), row.weeklyText, row.weeklyFraction, row.weeklyTint)
                        }
                        .opacity(row.muted ? 0.55 : 1)
                        ForEach(Array(row.lanes.enumerated()), id: \.offset) { _, lane in
                            HStack(spacing: 4) {
                                Text(lane.name).font(.system(size: 9)).lineLimit(1)
                                if let window = lane.windowTitle {
                                    Text(window).font(.system(size: 9)).foregroundStyle(.secondary)
                                }
                                QuotaBar(fraction: lane.fraction, tint: lane.tint, height: 4)
                                Text(lane.remainingText).font(.system(size: 9, design: .monospaced))
                                    .frame(width: 38, alignment: .trailing)
                            }
                            .padding(.leading, 12)
                        }
                        if let error = row.error {
                            Text(error).font(.caption2).foregroundStyle(Tint.red.color).lineLimit(2)
                        }
                    }
                }
            }
        }
    }

    private func bar(_ title: String, _ text: String, _ fraction: Double, _ tint: Tint) -> some View {
        HStack(spacing: 4) {
            Text(title).font(.system(size: 9, weight: .bold)).foregroundStyle(.secondary).frame(width: 28, alignment: .leading)
            QuotaBar(fraction: fraction, tint: tint, height: 5)
            Text(text).font(.system(size: 9, design: .monospaced)).frame(width: 38, alignment: .trailing)
        }
    }
}
