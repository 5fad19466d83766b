// Type-check stub of WidgetKit for run.sh (Linux only; never shipped).
@_exported import SwiftUI

public enum WidgetFamily { case systemSmall, systemMedium, systemLarge, systemExtraLarge }
extension EnvironmentValues { public var widgetFamily: WidgetFamily { .systemSmall } }
public struct ContainerBackgroundPlacement { public static let widget = Self() }
extension View {
    public func containerBackground<S: ShapeStyle>(_ s: S, for p: ContainerBackgroundPlacement) -> Modified<Self> { Modified() }
    public func widgetURL(_ url: URL?) -> Modified<Self> { Modified() }
}
public protocol TimelineEntry { var date: Date { get } }
public enum TimelineReloadPolicy { case atEnd, never; case after(Date) }
public struct Timeline<E: TimelineEntry> { public init(entries: [E], policy: TimelineReloadPolicy) {} }
public struct TimelineProviderContext { public var isPreview: Bool { false } }
public protocol TimelineProvider {
    associatedtype Entry: TimelineEntry
    typealias Context = TimelineProviderContext
    func placeholder(in context: Context) -> Entry
    func getSnapshot(in context: Context, completion: @escaping (Entry) -> Void)
    func getTimeline(in context: Context, completion: @escaping (Timeline<Entry>) -> Void)
}
public protocol WidgetConfiguration {}
public struct StaticConfiguration<Content: View>: WidgetConfiguration {
    public init<P: TimelineProvider>(kind: String, provider: P, @ViewBuilder content: @escaping (P.Entry) -> Content) {}
}
extension WidgetConfiguration {
    public func configurationDisplayName<S: StringProtocol>(_ s: S) -> Self { self }
    public func description<S: StringProtocol>(_ s: S) -> Self { self }
    public func supportedFamilies(_ f: [WidgetFamily]) -> Self { self }
}
public protocol Widget { associatedtype Body: WidgetConfiguration; init(); var body: Body { get } }
@resultBuilder public enum WidgetBundleBuilder {
    public static func buildBlock<W: Widget>(_ w: W) -> W { w }
}
public protocol WidgetBundle { associatedtype Body: Widget; init(); @WidgetBundleBuilder var body: Body { get } }
extension WidgetBundle { public static func main() {} }
public final class WidgetCenter { public static let shared = WidgetCenter(); public func reloadAllTimelines() {} }
