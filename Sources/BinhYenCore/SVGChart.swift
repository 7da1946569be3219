import Foundation

/// Bar charts drawn on the server as SVG: readable without JavaScript, printable, and each bar
/// carries its figure as a tooltip and in the accessible description.
public enum SVGChart {
    public struct Point: Sendable, Equatable {
        public var label: String
        public var value: Double

        public init(label: String, value: Double) {
            self.label = label
            self.value = value
        }
    }

    /// - Parameters:
    ///   - title: said by screen readers and shown as the chart's tooltip.
    ///   - points: in order, left to right.
    public static func bars(title: String, points: [Point], width: Int = 720, height: Int = 240) -> String {
        let left = 56.0, right = 8.0, top = 12.0, bottom = 28.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let low = min(0, points.map(\.value).min() ?? 0)
        let high = niceCeiling(max(points.map(\.value).max() ?? 0, 1))
        let span = high - low
        func y(_ value: Double) -> Double { top + plotHeight * (high - value) / span }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(width) \(height)" width="100%" \
            role="img" aria-label="\(xmlEscaped(title))"><title>\(xmlEscaped(title))</title>
            """
        // Four grid lines with their values.
        for step in 0...4 {
            let value = low + span * Double(step) / 4
            let lineY = format(y(value))
            svg += "<line x1=\"\(format(left))\" x2=\"\(format(Double(width) - right))\" y1=\"\(lineY)\" y2=\"\(lineY)\" class=\"grid\"/>"
            svg += "<text x=\"\(format(left - 6))\" y=\"\(lineY)\" class=\"axis\" text-anchor=\"end\" dominant-baseline=\"middle\">\(label(value))</text>"
        }
        guard !points.isEmpty else { return svg + "</svg>" }
        let slot = plotWidth / Double(points.count)
        let barWidth = max(1, slot * 0.8)
        let labelEvery = max(1, Int((Double(points.count) / 8).rounded(.up)))
        for (index, point) in points.enumerated() {
            let x = left + slot * Double(index) + (slot - barWidth) / 2
            let from = y(max(point.value, 0)), to = y(min(point.value, 0))
            svg += "<rect x=\"\(format(x))\" y=\"\(format(from))\" width=\"\(format(barWidth))\" height=\"\(format(max(to - from, 0)))\" class=\"bar\" "
                + "data-label=\"\(xmlEscaped(point.label))\" data-value=\"\(label(point.value))\"><title>\(xmlEscaped(point.label)): \(label(point.value))</title></rect>"
            if index % labelEvery == 0 || index == points.count - 1 {
                svg += "<text x=\"\(format(x + barWidth / 2))\" y=\"\(format(Double(height) - 8))\" class=\"axis\" text-anchor=\"middle\">\(xmlEscaped(point.label))</text>"
            }
        }
        return svg + "</svg>"
    }

    /// The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let power = pow(10, floor(log10(value)))
        for factor in [1, 2, 2.5, 5, 10] where factor * power >= value { return factor * power }
        return 10 * power
    }

    /// A figure for an axis or a tooltip, to one decimal.
    static func label(_ value: Double) -> String { vietnameseNumber(value, decimals: 1) }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// A figure as Vietnamese writes it: dots between thousands, a decimal comma, at most `decimals`
/// decimals and no trailing zeros ("1.500", "0,5", "12,25").
public func vietnameseNumber(_ value: Double, decimals: Int) -> String {
    let scale = Int64((0..<max(decimals, 0)).reduce(1) { value, _ in value * 10 })
    let scaled = Int64((abs(value) * Double(scale)).rounded())
    let digits = String(scaled / scale)
    var whole = ""
    for (index, char) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { whole += "." }
        whole.append(char)
    }
    var fraction = String(scaled % scale)
    fraction = String(repeating: "0", count: max(decimals - fraction.count, 0)) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return (value < 0 && scaled > 0 ? "-" : "") + whole + (fraction.isEmpty ? "" : "," + fraction)
}
