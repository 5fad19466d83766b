// Type-check stub of Swift Charts for run.sh (Linux only; never shipped). Only what the views use.
@_exported import SwiftUI

public protocol Plottable {}
extension Date: Plottable {}
extension Double: Plottable {}
extension Int: Plottable {}
extension String: Plottable {}

public struct PlottableValue<Value: Plottable> {
    public static func value<S: StringProtocol>(_ label: S, _ value: Value) -> PlottableValue<Value> { .init() }
}

public protocol ChartContent {}
public struct ChartTuple<T>: ChartContent { public init(_ t: T) {} }
public struct EmptyChartContent: ChartContent { public init() {} }
public struct ChartConditional<A: ChartContent, B: ChartContent>: ChartContent {}
extension Optional: ChartContent where Wrapped: ChartContent {}
public struct ModifiedChartContent<C: ChartContent>: ChartContent { public init() {} }

@resultBuilder public enum ChartContentBuilder {
    public static func buildBlock() -> EmptyChartContent { EmptyChartContent() }
    public static func buildBlock<C: ChartContent>(_ c: C) -> C { c }
    public static func buildBlock<each C: ChartContent>(_ c: repeat each C) -> ChartTuple<(repeat each C)> {
        ChartTuple((repeat each c))
    }
    public static func buildIf<C: ChartContent>(_ c: C?) -> C? { c }
    public static func buildEither<A: ChartContent, B: ChartContent>(first: A) -> ChartConditional<A, B> { .init() }
    public static func buildEither<A: ChartContent, B: ChartContent>(second: B) -> ChartConditional<A, B> { .init() }
}

public struct InterpolationMethod { public static let linear = Self(), monotone = Self(), catmullRom = Self() }

public struct LineMark: ChartContent {
    public init<X: Plottable, Y: Plottable>(x: PlottableValue<X>, y: PlottableValue<Y>) {}
    public init<X: Plottable, Y: Plottable, S: Plottable>(x: PlottableValue<X>, y: PlottableValue<Y>, series: PlottableValue<S>) {}
}
public struct AreaMark: ChartContent {
    public init<X: Plottable, Y: Plottable>(x: PlottableValue<X>, yStart: PlottableValue<Y>, yEnd: PlottableValue<Y>) {}
    public init<X: Plottable, Y: Plottable, S: Plottable>(x: PlottableValue<X>, yStart: PlottableValue<Y>,
                                                         yEnd: PlottableValue<Y>, series: PlottableValue<S>) {}
}
public struct PointMark: ChartContent {
    public init<X: Plottable, Y: Plottable>(x: PlottableValue<X>, y: PlottableValue<Y>) {}
}
public struct RuleMark: ChartContent {
    public init<Y: Plottable>(y: PlottableValue<Y>) {}
}

extension ChartContent {
    public func foregroundStyle<S: ShapeStyle>(_ s: S) -> ModifiedChartContent<Self> { .init() }
    public func interpolationMethod(_ m: InterpolationMethod) -> ModifiedChartContent<Self> { .init() }
    public func lineStyle(_ s: StrokeStyle) -> ModifiedChartContent<Self> { .init() }
    public func symbolSize(_ s: CGFloat) -> ModifiedChartContent<Self> { .init() }
}

public struct Chart<Content: ChartContent>: PrimitiveView {
    public init(@ChartContentBuilder content: () -> Content) {}
    public init<Data: RandomAccessCollection>(_ data: Data, @ChartContentBuilder content: @escaping (Data.Element) -> Content)
        where Data.Element: Identifiable {}
}

extension View {
    public func chartXScale(domain: ClosedRange<Date>) -> Modified<Self> { Modified() }
    public func chartYScale(domain: ClosedRange<Double>) -> Modified<Self> { Modified() }
    public func chartXAxis(_ v: Visibility) -> Modified<Self> { Modified() }
    public func chartYAxis(_ v: Visibility) -> Modified<Self> { Modified() }
    public func chartLegend(_ v: Visibility) -> Modified<Self> { Modified() }
}
