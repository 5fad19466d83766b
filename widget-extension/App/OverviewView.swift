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
                PoolHeader(title: model.title, date: model.headerDate, stale: model.state == .stale, demo: model.isDemo)
                    .font(.headline)
                if model.state == .error {
                    PoolMessageView(title: "No pool data", message: model.message ?? "No data", detail: model.freshnessText)
                        .frame(maxHeight: 120)
                } else {
                    if let h5 = model.fiveHour, let week = model.weekly {
                        HStack(alignment: .center, spacing: 16) {
                            QuotaRing(model: h5, diameter: 84, lineWidth: 9)
                            RestoreCard(fiveHour: h5, weekly: week).frame(width: 140)
                            QuotaRing(model: week, diameter: 84, lineWidth: 9)
                        }
                        .frame(maxWidth: .infinity)
                        QuotaRow(model: h5, showsRestore: true)
                        QuotaRow(model: week, showsRestore: true)
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
                    AccountList(rows: model.accounts)
                }
                Text(model.freshnessText)
                    .font(.caption)
                    .foregroundStyle(model.state == .stale ? Tint.orange.color : .secondary)
            } else {
                PoolMessageView(title: "No snapshot",
                                message: store.loadError ?? "No snapshot yet — run poolwatch",
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
                Button("Reload") { store.reload() }
                Button("Reload Widgets") {
                    store.reload()
                    reloadWidgets()
                }
                .keyboardShortcut("r")
            }
        }
        .padding(16)
        .frame(minWidth: 420, minHeight: 480)
        .onAppear { store.startPolling() }
        .onDisappear { store.stopPolling() }
    }
}

/// Per-account rows: label, plan, 5h and Week bars, tags (weekKILL, cooling, error ...).
struct AccountList: View {
    let rows: [AccountRowViewModel]

    var body: some View {
        ScrollView {
            LazyVStack(alignment: .leading, spacing: 6) {
                ForEach(Array(rows.enumerated()), id: \.offset) { _, row in
                    VStack(alignment: .leading, spacing: 2) {
                        HStack(spacing: 6) {
                            Text(row.label).font(.caption.weight(.semibold)).lineLimit(1)
                            Text(row.planName).font(.caption2).foregroundStyle(.secondary)
                            ForEach(row.tags, id: \.self) { tag in
                                Text(tag)
                                    .font(.system(size: 9, weight: .bold))
                                    .padding(.horizontal, 4)
                                    .background(Tint.orange.color.opacity(0.2), in: Capsule())
                            }
                            Spacer(minLength: 0)
                        }
                        HStack(spacing: 8) {
                            bar("5h", row.fiveHourText, row.fiveHourFraction, row.fiveHourTint)
                            bar("Week", row.weeklyText, row.weeklyFraction, row.weeklyTint)
                        }
                        .opacity(row.muted ? 0.55 : 1)
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
