import Foundation

// Quota over time (issue 19), as the widget draws it: the history charts, the pace stage of a window,
// the waste line and the "use first" rows. Pure: everything relative takes `now`.

// MARK: - pace stage

/// A window's pace in words, in the spirit of CodexBar's stages: `on pace`, `deficit, runs out in 2h30m`,
/// `reserve, lasts until reset`; without a stage `lasts until reset`, `runs out in 2h45m` or `-120.5%/h`.
public struct PaceViewModel: Equatable, Sendable {
    /// nil when the writer gives no stage (or one this reader does not know).
    public let stage: PaceStage?
    public let text: String
    public let tint: Tint
    public let runsOutAt: Date?
    public let lastsUntilReset: Bool?
    /// `1h before reset` when the window runs dry before its reset, nil otherwise.
    public let marginText: String?

    /// nil when there is nothing to say (no pace, or not burning and no stage).
    public init?(_ pace: PaceWindow?, now: Date, language: Language = .en) {
        guard let pace else { return nil }
        let stage = pace.stage == .unknown ? nil : pace.stage
        let runsOut = pace.runsOutAt.flatMap { $0 > now ? $0 : nil }
        let lasts = pace.lastsUntilReset
        var detail: String?
        if lasts == true {
            detail = L10n.text(.paceLastsUntilReset, language)
        } else if let runsOut {
            detail = L10n.text(.paceRunsOut, language, Format.duration(runsOut.timeIntervalSince(now), language: language))
        }
        let text: String
        switch stage {
        case .onPace?:
            // On pace means "used up right at the reset": the detail only matters when it runs out first.
            let word = L10n.text(.paceOnPace, language)
            text = lasts == false && detail != nil ? L10n.text(.paceStageDetail, language, word, detail!) : word
        case .deficit?:
            let word = L10n.text(.paceDeficit, language)
            text = detail.map { L10n.text(.paceStageDetail, language, word, $0) } ?? word
        case .reserve?:
            let word = L10n.text(.paceReserve, language)
            text = detail.map { L10n.text(.paceStageDetail, language, word, $0) } ?? word
        case .unknown?, nil:
            if let detail {
                text = detail
            } else if pace.burnPerHour > 0 {
                text = L10n.text(.pacePerHour, language, Format.compact(pace.burnPerHour))
            } else {
                return nil
            }
        }
        self.stage = stage
        self.text = text
        runsOutAt = runsOut
        lastsUntilReset = lasts
        switch stage {
        case .deficit?: tint = .red
        case .onPace?: tint = lasts == false ? .orange : .green
        case .reserve?: tint = .blue
        case .unknown?, nil: tint = lasts == true ? .green : (runsOut != nil ? .orange : .gray)
        }
        if lasts == false, let margin = pace.marginSeconds, margin < 0 {
            marginText = L10n.text(.paceMarginBefore, language, Format.duration(-margin, language: language))
        } else {
            marginText = nil
        }
    }
}

// MARK: - history chart

/// One drawable point: the share of the capacity AT THAT TIME that was left (0...100), so a pool that
/// grew or shrank still reads as "how full was it".
public struct ChartPoint: Equatable, Sendable, Identifiable {
    public let id: Int
    public let at: Date
    /// Remaining as a percent of that moment's capacity, 0...100.
    public let percent: Double
    public let remaining: Double
    public let capacity: Double
    /// Continuous run this point belongs to: a gap in the samples starts a new one (Swift Charts draws
    /// each run as its own line, so a gap is not bridged by a straight line).
    public let segment: Int
    /// The only point of its run (drawn as a dot: a line needs two points).
    public let isolated: Bool
}

/// The chart of one window: the 5h window over the last 24 h, or the weekly window over the last 7 days.
public struct HistoryChartViewModel: Equatable, Sendable {
    /// 24 h for the 5h window, 7 days for the weekly one.
    public static func span(_ kind: WindowKind) -> TimeInterval { kind == .fiveHour ? 24 * 3600 : 7 * 86400 }
    /// The writer's point budget for the span (contract: <= 96 and <= 168 points).
    public static func maxPoints(_ kind: WindowKind) -> Int { kind == .fiveHour ? 96 : 168 }
    /// Samples further in the future than this (a clock that went back) are not drawn.
    public static let futureTolerance: TimeInterval = 5 * 60

    public let kind: WindowKind
    /// `5h · 24h` / `Week · 7d` (`5h · 24小时` / `周 · 7天`)
    public let title: String
    /// The x domain: `now - span ... now`.
    public let start: Date
    public let end: Date
    /// The y domain is always 0...100 (percent of capacity).
    public let points: [ChartPoint]
    /// Number of continuous runs (1 = no gap).
    public let segments: Int
    /// `24h ago` / `now` under the axis.
    public let startLabel: String
    public let endLabel: String
    /// `low 12% · now 66%`
    public let rangeText: String
    /// Level colour of the latest point.
    public let tint: Tint
    /// The pace stage of the same window, if the writer gave one.
    public let pace: PaceViewModel?

    /// nil when fewer than 2 points are drawable (nothing to chart yet).
    public init?(kind: WindowKind, points raw: [HistoryPoint], pace: PaceWindow? = nil, now: Date,
                 language: Language = .en) {
        let span = HistoryChartViewModel.span(kind)
        let start = now.addingTimeInterval(-span)
        let latest = now.addingTimeInterval(HistoryChartViewModel.futureTolerance)
        // In the span, in time order, one sample per second (the last one wins).
        var byTime: [Date: HistoryPoint] = [:]
        for p in raw where p.at >= start && p.at <= latest { byTime[p.at] = p }
        let sorted = byTime.values.sorted { $0.at < $1.at }
        let gap = HistoryChartViewModel.gapThreshold(sorted.map(\.at), kind: kind)
        var drawn: [(at: Date, percent: Double, remaining: Double, capacity: Double, segment: Int)] = []
        var segment = 0
        var previous: Date?
        var broken = false
        for p in sorted {
            // No capacity at that moment: nothing to scale against, so a gap rather than a drop to 0.
            guard p.capacity > 0 else {
                broken = true
                continue
            }
            if let prev = previous, broken || p.at.timeIntervalSince(prev) > gap { segment += 1 }
            broken = false
            previous = p.at
            let percent = Format.ringFraction(remaining: p.remaining, capacity: p.capacity) * 100
            drawn.append((p.at, percent, p.remaining, p.capacity, segment))
        }
        guard drawn.count >= 2 else { return nil }
        var sizes: [Int: Int] = [:]
        for d in drawn { sizes[d.segment, default: 0] += 1 }
        self.points = drawn.enumerated().map { i, d in
            ChartPoint(id: i, at: d.at, percent: d.percent, remaining: d.remaining, capacity: d.capacity,
                       segment: d.segment, isolated: sizes[d.segment] == 1)
        }
        self.kind = kind
        self.start = start
        end = now
        segments = segment + 1
        let spanText = L10n.text(kind == .fiveHour ? .span24h : .span7d, language)
        title = L10n.text(.chartTitle, language, kind.title(language), spanText)
        startLabel = L10n.text(.chartAgo, language, spanText)
        endLabel = L10n.text(.restoreNow, language)
        let low = drawn.map(\.percent).min() ?? 0
        let last = drawn.last?.percent ?? 0
        rangeText = L10n.text(.chartRange, language, Format.compact(low.rounded()) + "%", Format.compact(last.rounded()) + "%")
        tint = Level.forPercent(last).tint
        self.pace = PaceViewModel(pace, now: now, language: language)
    }

    /// Two samples further apart than this are a gap: three times the usual spacing of the series
    /// (its median step), but never less than three times the writer's nominal step for the span
    /// (15 min for 24 h / 96 points, 1 h for 7 d / 168 points), so a series sampled densely for a while
    /// is not cut at every slower stretch.
    public static func gapThreshold(_ times: [Date], kind: WindowKind) -> TimeInterval {
        let nominal = span(kind) / Double(maxPoints(kind))
        let steps = zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }.filter { $0 > 0 }.sorted()
        let median = steps.isEmpty ? nominal : steps[(steps.count - 1) / 2]   // the lower median
        return 3 * max(nominal, median)
    }
}

// MARK: - waste

/// Quota left unused at window resets, in the primary section's unit.
public struct WasteViewModel: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public let kind: WindowKind
        public let title: String
        /// Wasted over the last 7 days: `640%`.
        public let wastedText: String
        /// Used over the last 7 days: `2100%`.
        public let usedText: String
        /// wasted / (used + wasted) over 7 days, 0...1.
        public let share: Double
        /// `23%`
        public let shareText: String
        /// Wasted over 24 h and 30 days: `90%`, `2500%`.
        public let wasted24hText: String
        public let wasted30dText: String
    }

    public let rows: [Row]
    /// `Unused at reset, 7d: 5h 640% (23%) · Week 90% (4%)`
    public let text: String

    /// nil without any window in `waste`.
    public init?(_ waste: Waste, language: Language = .en) {
        let windows: [(WindowKind, WasteWindow?)] = [(.fiveHour, waste.fiveHour), (.weekly, waste.weekly)]
        let rows: [Row] = windows.compactMap { kind, w in
            guard let w else { return nil }
            let total = w.used7d + w.wasted7d
            let share = total > 0 ? min(1, max(0, w.wasted7d / total)) : 0
            return Row(kind: kind, title: kind.title(language), wastedText: Format.compact(w.wasted7d) + "%",
                       usedText: Format.compact(w.used7d) + "%", share: share,
                       shareText: Format.compact((share * 100).rounded()) + "%",
                       wasted24hText: Format.compact(w.wasted24h) + "%", wasted30dText: Format.compact(w.wasted30d) + "%")
        }
        guard !rows.isEmpty else { return nil }
        self.rows = rows
        let parts = rows.map { L10n.text(.wastePart, language, $0.title, $0.wastedText, $0.shareText) }
        text = L10n.text(.wasteLine, language, parts.joined(separator: " · "))
    }
}

// MARK: - use first

/// One "use first" row: `alice@example.com  5h  60%  resets in 40m`.
public struct ExpiringRowViewModel: Equatable, Sendable, Identifiable {
    public let id: Int
    public let label: String
    /// `Claude`, nil when the writer gives no provider.
    public let providerName: String?
    /// `5h` / `Week` (`5h` / `周`)
    public let windowTitle: String
    /// Remaining percent of the account's window: `60%`.
    public let remainingText: String
    /// The same in the section's unit when it differs (a Pro account: `1200%`), else nil.
    public let unitsText: String?
    public let fraction: Double
    public let tint: Tint
    /// For a live `Text(date, style: .relative)`.
    public let resetsAt: Date?
    /// `resets in 40m` / `resetting now` (frozen at `now`).
    public let resetText: String?

    public init(_ entry: ExpiringAccount, index: Int, now: Date, language: Language = .en) {
        id = index
        label = entry.label.isEmpty ? "?" : entry.label
        providerName = entry.provider.map(ProviderSection.displayName)
        windowTitle = WindowName.title(entry.window, language)
        remainingText = Format.compact(entry.remaining) + "%"
        if let units = entry.remainingUnits, Format.compact(units) != Format.compact(entry.remaining) {
            unitsText = Format.compact(units) + "%"
        } else {
            unitsText = nil
        }
        fraction = Format.ringFraction(remaining: entry.remaining, capacity: 100)
        tint = Level.forPercent(entry.remaining).tint
        resetsAt = entry.resetsAt
        resetText = entry.resetsAt.map { at in
            at > now ? L10n.text(.resetsIn, language, Format.duration(at.timeIntervalSince(now), language: language))
                : L10n.text(.resetsNow, language)
        }
    }

    /// The writer's order (most urgent first).
    public static func rows(_ entries: [ExpiringAccount], now: Date, language: Language = .en) -> [ExpiringRowViewModel] {
        entries.enumerated().map { ExpiringRowViewModel($1, index: $0, now: now, language: language) }
    }
}
