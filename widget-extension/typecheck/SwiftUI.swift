// Type-check stubs of the SwiftUI API surface the poolwatch views use (Linux only, see run.sh; never shipped).
@_exported import Foundation

public protocol View {
    associatedtype Body: View
    @ViewBuilder var body: Body { get }
}
extension Never: View { public var body: Never { fatalError() } }
public protocol PrimitiveView: View where Body == Never {}
extension PrimitiveView { public var body: Never { fatalError() } }

public struct TupleView<T>: PrimitiveView { public init(_ t: T) {} }
public struct EmptyView: PrimitiveView { public init() {} }
public struct ConditionalContent<A: View, B: View>: PrimitiveView {}
extension Optional: View where Wrapped: View { public var body: Never { fatalError() } }

@resultBuilder public enum ViewBuilder {
    public static func buildBlock() -> EmptyView { EmptyView() }
    public static func buildBlock<C: View>(_ c: C) -> C { c }
    public static func buildBlock<each C: View>(_ c: repeat each C) -> TupleView<(repeat each C)> { TupleView((repeat each c)) }
    public static func buildOptional<C: View>(_ c: C?) -> C? { c }
    public static func buildEither<A: View, B: View>(first: A) -> ConditionalContent<A, B> { ConditionalContent() }
    public static func buildEither<A: View, B: View>(second: B) -> ConditionalContent<A, B> { ConditionalContent() }
}

public struct Modified<Content: View>: PrimitiveView { public init() {} }

public protocol ShapeStyle {}
public struct HierarchicalShapeStyle: ShapeStyle {}
extension ShapeStyle where Self == HierarchicalShapeStyle {
    public static var primary: HierarchicalShapeStyle { .init() }
    public static var secondary: HierarchicalShapeStyle { .init() }
    public static var quaternary: HierarchicalShapeStyle { .init() }
}
public struct BackgroundStyle: ShapeStyle {}
extension ShapeStyle where Self == BackgroundStyle { public static var background: BackgroundStyle { .init() } }

public struct Color: ShapeStyle, PrimitiveView, Equatable {
    public init(red: Double, green: Double, blue: Double) {}
    public static let gray = Color(red: 0, green: 0, blue: 0)
    public static let orange = Color(red: 0, green: 0, blue: 0)
    public static let primary = Color(red: 0, green: 0, blue: 0)
    public static let secondary = Color(red: 0, green: 0, blue: 0)
    public func opacity(_ o: Double) -> Color { self }
}

public struct Font {
    public enum Weight { case regular, semibold, bold, heavy }
    public enum Design { case `default`, monospaced }
    public static let caption = Font(), caption2 = Font(), callout = Font(), headline = Font()
    public static func system(size: CGFloat, weight: Weight? = nil, design: Design? = nil) -> Font { Font() }
    public func weight(_ w: Weight) -> Font { self }
    public func monospacedDigit() -> Font { self }
}

public struct HorizontalAlignment { public static let leading = Self(), center = Self(), trailing = Self() }
public struct VerticalAlignment { public static let top = Self(), center = Self(), firstTextBaseline = Self() }
public struct Alignment { public static let leading = Self(), trailing = Self(), center = Self(), topLeading = Self() }
public enum Edge { public struct Set { public static let horizontal = Set(), vertical = Set(), leading = Set(), all = Set() } }
public struct Angle { public static func degrees(_ d: Double) -> Angle { Angle() } }
public enum RoundedCornerStyle { case circular, continuous }
public enum CGLineCap { case butt, round }
public struct StrokeStyle { public init(lineWidth: CGFloat = 1, lineCap: CGLineCap = .butt) {} }
public enum Visibility { case automatic, hidden }
public struct AccessibilityChildBehavior { public static let ignore = Self(), combine = Self() }
public struct TextSelectability { public static let enabled = Self() }
public struct KeyEquivalent: ExpressibleByStringLiteral { public init(stringLiteral: String) {} }

public struct Text: PrimitiveView, Equatable {
    public enum DateStyle { case time, date, relative, offset, timer }
    public enum TruncationMode { case head, middle, tail }
    public init<S: StringProtocol>(_ s: S) {}
    public init(_ date: Date, style: DateStyle) {}
    public static func + (a: Text, b: Text) -> Text { a }
    public func font(_ f: Font?) -> Text { self }
    public func fontWeight(_ w: Font.Weight?) -> Text { self }
    public func monospacedDigit() -> Text { self }
    public func foregroundStyle<S: ShapeStyle>(_ s: S) -> Text { self }
}
public struct Image: PrimitiveView { public init(systemName: String) {} }
public struct Label: PrimitiveView { public init<S: StringProtocol>(_ title: S, systemImage: String) {} }
public struct Spacer: PrimitiveView { public init(minLength: CGFloat? = nil) {} }
public struct Divider: PrimitiveView { public init() {} }
public struct HStack<Content: View>: PrimitiveView {
    public init(alignment: VerticalAlignment = .center, spacing: CGFloat? = nil, @ViewBuilder content: () -> Content) {}
}
public struct VStack<Content: View>: PrimitiveView {
    public init(alignment: HorizontalAlignment = .center, spacing: CGFloat? = nil, @ViewBuilder content: () -> Content) {}
}
public struct LazyVStack<Content: View>: PrimitiveView {
    public init(alignment: HorizontalAlignment = .center, spacing: CGFloat? = nil, @ViewBuilder content: () -> Content) {}
}
public struct ZStack<Content: View>: PrimitiveView {
    public init(alignment: Alignment = .center, @ViewBuilder content: () -> Content) {}
}
public struct ScrollView<Content: View>: PrimitiveView { public init(@ViewBuilder content: () -> Content) {} }
public struct Grid<Content: View>: PrimitiveView {
    public init(alignment: Alignment = .center, horizontalSpacing: CGFloat? = nil, verticalSpacing: CGFloat? = nil,
                @ViewBuilder content: () -> Content) {}
}
public struct GridRow<Content: View>: PrimitiveView { public init(@ViewBuilder content: () -> Content) {} }
public struct GeometryProxy { public var size: CGSize { .zero } }
public struct GeometryReader<Content: View>: PrimitiveView {
    public init(@ViewBuilder content: @escaping (GeometryProxy) -> Content) {}
}
public struct Button<L: View>: PrimitiveView {
    public init<S: StringProtocol>(_ title: S, action: @escaping () -> Void) where L == Text {}
}
public struct ForEach<Data: RandomAccessCollection, ID: Hashable, Content: View>: PrimitiveView {
    public init(_ data: Data, id: KeyPath<Data.Element, ID>, @ViewBuilder content: @escaping (Data.Element) -> Content) {}
}
extension ForEach where Data.Element: Identifiable, ID == Data.Element.ID {
    public init(_ data: Data, @ViewBuilder content: @escaping (Data.Element) -> Content) {}
}

public protocol Shape: View {}
extension Shape {
    public var body: Never { fatalError() }
    public func fill<S: ShapeStyle>(_ s: S) -> Modified<Self> { Modified() }
    public func stroke<S: ShapeStyle>(_ s: S, lineWidth: CGFloat = 1) -> Modified<Self> { Modified() }
    public func stroke<S: ShapeStyle>(_ s: S, style: StrokeStyle) -> Modified<Self> { Modified() }
    public func trim(from: CGFloat = 0, to: CGFloat = 1) -> Self { self }
}
public struct Circle: Shape { public init() {} }
public struct Capsule: Shape { public init() {} }
public struct RoundedRectangle: Shape { public init(cornerRadius: CGFloat, style: RoundedCornerStyle = .circular) {} }

public struct EnvironmentValues {
    public var locale: Locale { get { .current } set {} }
}
@propertyWrapper public struct Environment<Value> {
    public init(_ kp: KeyPath<EnvironmentValues, Value>) {}
    public var wrappedValue: Value { fatalError() }
}
@propertyWrapper public struct ObservedObject<O: AnyObject> {
    public init(wrappedValue: O) { self.wrappedValue = wrappedValue }
    public var wrappedValue: O
}

extension View {
    public func font(_ f: Font?) -> Modified<Self> { Modified() }
    public func fontWeight(_ w: Font.Weight?) -> Modified<Self> { Modified() }
    public func foregroundStyle<S: ShapeStyle>(_ s: S) -> Modified<Self> { Modified() }
    public func lineLimit(_ n: Int?) -> Modified<Self> { Modified() }
    public func minimumScaleFactor(_ f: CGFloat) -> Modified<Self> { Modified() }
    public func truncationMode(_ m: Text.TruncationMode) -> Modified<Self> { Modified() }
    public func padding(_ edges: Edge.Set = .all, _ length: CGFloat? = nil) -> Modified<Self> { Modified() }
    public func padding(_ length: CGFloat) -> Modified<Self> { Modified() }
    public func frame(width: CGFloat? = nil, height: CGFloat? = nil, alignment: Alignment = .center) -> Modified<Self> { Modified() }
    public func frame(minWidth: CGFloat? = nil, maxWidth: CGFloat? = nil, minHeight: CGFloat? = nil, maxHeight: CGFloat? = nil,
                      alignment: Alignment = .center) -> Modified<Self> { Modified() }
    public func background<S: ShapeStyle, T: Shape>(_ s: S, in shape: T) -> Modified<Self> { Modified() }
    public func opacity(_ o: Double) -> Modified<Self> { Modified() }
    public func rotationEffect(_ a: Angle) -> Modified<Self> { Modified() }
    public func accessibilityElement(children: AccessibilityChildBehavior) -> Modified<Self> { Modified() }
    public func accessibilityLabel<S: StringProtocol>(_ s: S) -> Modified<Self> { Modified() }
    public func gridColumnAlignment(_ a: HorizontalAlignment) -> Modified<Self> { Modified() }
    public func fixedSize() -> Modified<Self> { Modified() }
    public func textSelection(_ s: TextSelectability) -> Modified<Self> { Modified() }
    public func keyboardShortcut(_ k: KeyEquivalent) -> Modified<Self> { Modified() }
    public func onAppear(perform: (() -> Void)? = nil) -> Modified<Self> { Modified() }
    public func onDisappear(perform: (() -> Void)? = nil) -> Modified<Self> { Modified() }
    public func environment<V>(_ kp: WritableKeyPath<EnvironmentValues, V>, _ v: V) -> Modified<Self> { Modified() }
}
