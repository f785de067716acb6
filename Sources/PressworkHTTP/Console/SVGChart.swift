import Foundation

/// Bar charts drawn by the server as SVG (no script, no library): one bar per label, stacked by
/// series, with a title and a text description for screen readers, and the figures as a table
/// beside each chart for those who want numbers.
enum SVGChart {
    struct Series: Sendable {
        let name: String
        let colour: String
    }

    /// `values[label index][series index]`.
    static func stackedBars(title: String, labels: [String], series: [Series], values: [[Double]], unit: String) -> HTML {
        let width = 720.0
        let height = 220.0
        let left = 48.0
        let bottom = 24.0
        let top = 10.0
        let totals = values.map { $0.reduce(0, +) }
        let maximum = max(totals.max() ?? 0, 1)
        let slot = (width - left) / Double(max(labels.count, 1))
        let barWidth = max(2, slot * 0.7)
        let scale = (height - bottom - top) / maximum
        var bars: [HTML] = []
        for (index, label) in labels.enumerated() {
            var y = height - bottom
            let x = left + Double(index) * slot + (slot - barWidth) / 2
            for (seriesIndex, item) in series.enumerated() {
                let value = index < values.count && seriesIndex < values[index].count ? values[index][seriesIndex] : 0
                guard value > 0 else { continue }
                let barHeight = value * scale
                y -= barHeight
                bars.append(
                    """
                    <rect x="\(format(x))" y="\(format(y))" width="\(format(barWidth))" height="\(format(barHeight))" fill="\(item.colour)"><title>\(label): \(item.name) \(number(value)) \(unit)</title></rect>
                    """)
            }
            if labels.count <= 16 || index % max(1, labels.count / 8) == 0 {
                bars.append(
                    "<text x=\"\(format(left + Double(index) * slot + slot / 2))\" y=\"\(format(height - 6))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#4f5b68\">\(label.suffix(5))</text>"
                )
            }
        }
        let axis: HTML = """
            <line x1="\(format(left))" y1="\(format(height - bottom))" x2="\(format(width))" y2="\(format(height - bottom))" stroke="#8a96a3"/>
            <text x="\(format(left - 6))" y="\(format(top + 10))" text-anchor="end" font-size="11" fill="#4f5b68">\(number(maximum))</text>
            <text x="\(format(left - 6))" y="\(format(height - bottom))" text-anchor="end" font-size="11" fill="#4f5b68">0</text>
            """
        let legend = HTML.join(
            series.map { item in
                "<span><svg class=\"swatch\" viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"\(item.colour)\"/></svg>\(item.name)</span>"
            })
        let description = labels.isEmpty ? "no data" : "\(labels.count) days; the highest total is \(number(maximum)) \(unit)"
        return """
            <figure>
              <svg class="chart" viewBox="0 0 \(format(width)) \(format(height))" role="img" aria-labelledby="\(slug(title))-title \(slug(title))-desc">
                <title id="\(slug(title))-title">\(title)</title>
                <desc id="\(slug(title))-desc">\(description)</desc>
                \(axis)
                \(bars)
              </svg>
              <figcaption><strong>\(title)</strong> <span class="legend">\(legend)</span></figcaption>
            </figure>
            """
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.4g", value)
    }

    static func slug(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}
