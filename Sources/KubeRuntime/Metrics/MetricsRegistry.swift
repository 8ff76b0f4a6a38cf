// MetricsRegistry: counters, gauges and histograms with labels, exposed in the Prometheus text format 0.0.4.
//
// Families are registered once by name (registering the same name again with the same shape returns the
// existing family, so two controllers can share `controller_runtime_reconcile_total`); children are
// looked up by label values and are cheap to keep and update from any thread.

import Synchronization

public enum MetricType: String, Sendable {
    case counter, gauge, histogram
}

public final class MetricsRegistry: Sendable {
    private struct State {
        var families: [String: any MetricFamily] = [:]
        var collectHooks: [@Sendable () -> Void] = []
        var onceKeys: Set<String> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The process-wide registry (Prometheus clients' default registry): controllers and the manager use it
    /// unless given another, so everything a process measures is served by its `/metrics`.
    public static let shared = MetricsRegistry()

    /// Runs `body` the first time it is called with `key` on this registry (idempotent registrations).
    public func once(_ key: String, _ body: () -> Void) {
        let first = state.withLock { $0.onceKeys.insert(key).inserted }
        if first { body() }
    }

    public func counter(_ name: String, help: String, labels: [String] = []) -> CounterFamily {
        register(name) { CounterFamily(name: name, help: help, labelNames: labels) }
    }

    public func gauge(_ name: String, help: String, labels: [String] = []) -> GaugeFamily {
        register(name) { GaugeFamily(name: name, help: help, labelNames: labels) }
    }

    public func histogram(_ name: String, help: String, labels: [String] = [],
                          buckets: [Double] = HistogramFamily.defaultBuckets) -> HistogramFamily {
        register(name) { HistogramFamily(name: name, help: help, labelNames: labels, buckets: buckets) }
    }

    /// Runs before every exposition: for values computed at scrape time (process metrics, in-flight work).
    public func onCollect(_ hook: @escaping @Sendable () -> Void) {
        state.withLock { $0.collectHooks.append(hook) }
    }

    private func register<F: MetricFamily>(_ name: String, make: () -> F) -> F {
        precondition(MetricName.isValidMetricName(name), "invalid metric name \(name)")
        return state.withLock { s in
            if let existing = s.families[name] {
                let fresh = make()
                guard let same = existing as? F, same.labelNames == fresh.labelNames else {
                    preconditionFailure("metric \(name) registered twice with different types or labels")
                }
                return same
            }
            let family = make()
            s.families[name] = family
            return family
        }
    }

    /// The whole registry in the Prometheus text format 0.0.4 (families sorted by name).
    public func exposition() -> String {
        let (hooks, families) = state.withLock { s in
            (s.collectHooks, s.families.values.sorted { $0.name < $1.name })
        }
        for hook in hooks { hook() }
        var out = ""
        out.reserveCapacity(families.count * 256)
        for family in families { family.write(to: &out) }
        return out
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

protocol MetricFamily: AnyObject, Sendable {
    var name: String { get }
    var labelNames: [String] { get }
    func write(to out: inout String)
}

/// Shared machinery of the three family kinds: children keyed by label values.
public class LabelledFamily<Child: Sendable>: @unchecked Sendable {
    // @unchecked: all mutable state is inside the Mutex.
    public let name: String
    public let help: String
    public let labelNames: [String]
    private let children = Mutex<[[String]: Child]>([:])
    private let makeChild: @Sendable () -> Child

    init(name: String, help: String, labelNames: [String], makeChild: @escaping @Sendable () -> Child) {
        for label in labelNames { precondition(MetricName.isValidLabelName(label), "invalid label name \(label)") }
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.makeChild = makeChild
    }

    /// The child for these label values (in the order of `labelNames`), created on first use.
    public func labels(_ values: String...) -> Child { labels(values) }

    public func labels(_ values: [String]) -> Child {
        precondition(values.count == labelNames.count, "\(name) takes \(labelNames.count) label values, got \(values.count)")
        return children.withLock { c in
            if let child = c[values] { return child }
            let child = makeChild()
            c[values] = child
            return child
        }
    }

    /// Drops one child (e.g. a controller that is gone).
    public func remove(_ values: [String]) { _ = children.withLock { $0.removeValue(forKey: values) } }

    var sortedChildren: [([String], Child)] {
        children.withLock { c in c.map { ($0.key, $0.value) } }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
    }

    func writeHeader(_ type: MetricType, to out: inout String) {
        out += "# HELP \(name) \(MetricName.escapeHelp(help))\n# TYPE \(name) \(type.rawValue)\n"
    }

    func labelText(_ values: [String], extra: (String, String)? = nil) -> String {
        var pairs = zip(labelNames, values).map { ($0, $1) }
        if let extra { pairs.append(extra) }
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0.0)=\"\(MetricName.escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
    }
}

public final class Counter: Sendable {
    private let value = Mutex<Double>(0)
    init() {}
    /// Adds `amount` (≥ 0: counters only go up).
    public func inc(by amount: Double = 1) {
        precondition(amount >= 0, "counters only go up")
        value.withLock { $0 += amount }
    }
    /// For counters mirrored from elsewhere at scrape time (process CPU seconds).
    public func set(_ v: Double) { value.withLock { $0 = v } }
    public var get: Double { value.withLock { $0 } }
}

public final class Gauge: Sendable {
    private let value = Mutex<Double>(0)
    init() {}
    public func set(_ v: Double) { value.withLock { $0 = v } }
    public func inc(by amount: Double = 1) { value.withLock { $0 += amount } }
    public func dec(by amount: Double = 1) { value.withLock { $0 -= amount } }
    public var get: Double { value.withLock { $0 } }
}

public final class Histogram: Sendable {
    struct Snapshot {
        var counts: [UInt64]
        var sum: Double
        var count: UInt64
    }

    let upperBounds: [Double]
    private let state: Mutex<Snapshot>

    init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        state = Mutex(Snapshot(counts: Array(repeating: 0, count: upperBounds.count), sum: 0, count: 0))
    }

    public func observe(_ v: Double) {
        // First bucket whose upper bound is ≥ v (binary search; buckets are sorted).
        var lo = 0, hi = upperBounds.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if upperBounds[mid] >= v { hi = mid } else { lo = mid + 1 }
        }
        state.withLock { s in
            if lo < s.counts.count { s.counts[lo] += 1 }
            s.sum += v
            s.count += 1
        }
    }

    public func observe(_ d: Duration) { observe(d.inSeconds) }

    var snapshot: Snapshot { state.withLock { $0 } }
    public var count: UInt64 { state.withLock { $0.count } }
    public var sum: Double { state.withLock { $0.sum } }
}

public final class CounterFamily: LabelledFamily<Counter>, MetricFamily, @unchecked Sendable {
    init(name: String, help: String, labelNames: [String]) {
        super.init(name: name, help: help, labelNames: labelNames) { Counter() }
    }

    func write(to out: inout String) {
        writeHeader(.counter, to: &out)
        for (values, child) in sortedChildren {
            out += "\(name)\(labelText(values)) \(MetricName.formatValue(child.get))\n"
        }
    }
}

public final class GaugeFamily: LabelledFamily<Gauge>, MetricFamily, @unchecked Sendable {
    init(name: String, help: String, labelNames: [String]) {
        super.init(name: name, help: help, labelNames: labelNames) { Gauge() }
    }

    func write(to out: inout String) {
        writeHeader(.gauge, to: &out)
        for (values, child) in sortedChildren {
            out += "\(name)\(labelText(values)) \(MetricName.formatValue(child.get))\n"
        }
    }
}

public final class HistogramFamily: LabelledFamily<Histogram>, MetricFamily, @unchecked Sendable {
    /// Prometheus' default buckets.
    public static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// `count` buckets starting at `start`, each `factor` times the previous one.
    public static func exponentialBuckets(start: Double, factor: Double, count: Int) -> [Double] {
        precondition(start > 0 && factor > 1 && count > 0)
        var out: [Double] = []
        var v = start
        for _ in 0..<count {
            out.append(v)
            v *= factor
        }
        return out
    }

    public let buckets: [Double]

    init(name: String, help: String, labelNames: [String], buckets: [Double]) {
        let sorted = Array(Set(buckets.filter { $0.isFinite })).sorted()
        precondition(!labelNames.contains("le"), "histograms reserve the label le")
        self.buckets = sorted
        super.init(name: name, help: help, labelNames: labelNames) { Histogram(upperBounds: sorted) }
    }

    func write(to out: inout String) {
        writeHeader(.histogram, to: &out)
        for (values, child) in sortedChildren {
            let s = child.snapshot
            var cumulative: UInt64 = 0
            for (i, bound) in buckets.enumerated() {
                cumulative += s.counts[i]
                out += "\(name)_bucket\(labelText(values, extra: ("le", MetricName.formatValue(bound)))) \(cumulative)\n"
            }
            out += "\(name)_bucket\(labelText(values, extra: ("le", "+Inf"))) \(s.count)\n"
            out += "\(name)_sum\(labelText(values)) \(MetricName.formatValue(s.sum))\n"
            out += "\(name)_count\(labelText(values)) \(s.count)\n"
        }
    }
}

/// Name rules, escaping and number formatting of the text format.
enum MetricName {
    static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first == ":" || first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == ":" || $0.isASCIILetter || $0.isASCIIDigit }
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.isASCIILetter, !name.hasPrefix("__") else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.isASCIILetter || $0.isASCIIDigit }
    }

    /// HELP text: backslash and newline are escaped.
    static func escapeHelp(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Label values: backslash, double quote and newline are escaped.
    static func escapeLabelValue(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Integers without a fraction, `+Inf`/`-Inf`/`NaN` as Prometheus spells them, others in shortest form.
    static func formatValue(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
