// Amounts per resource name for quotas and fair share: CPU in milli, memory in bytes, devices in device units
// (DESIGN §6: a 25 % vGCU is 0.25 of a device), optionally per vendor. Missing names are zero.

public struct ResourceVector: Hashable, Sendable, Codable, CustomStringConvertible {
    public static let cpu = "cpu"
    public static let memory = "memory"
    public static let devices = "devices"

    public private(set) var values: [String: Double]

    public init(_ values: [String: Double] = [:]) {
        self.values = values.filter { $0.value != 0 && $0.value.isFinite }
    }

    /// A pod's demand: CPU, memory and device units (all vendors under `devices`, and per vendor under
    /// `devices/<vendor>` when the request names one).
    public init(_ r: PodRequest) {
        var v: [String: Double] = [Self.cpu: Double(r.cpuMilli), Self.memory: Double(r.memoryBytes), Self.devices: r.deviceUnits]
        for w in r.wholeDevices where w.count > 0 {
            if let vendor = w.vendor { v["\(Self.devices)/\(vendor)", default: 0] += Double(w.count) }
        }
        if let s = r.slices, let vendor = s.vendor { v["\(Self.devices)/\(vendor)", default: 0] += Double(s.count * s.cores) / 100 }
        self.init(v)
    }

    public static let zero = ResourceVector()

    public subscript(_ name: String) -> Double {
        get { values[name] ?? 0 }
        set { values[name] = newValue == 0 || !newValue.isFinite ? nil : newValue }
    }

    public var names: [String] { values.keys.sorted() }
    public var isZero: Bool { values.isEmpty }

    public static func + (a: ResourceVector, b: ResourceVector) -> ResourceVector {
        var out = a
        for (k, v) in b.values { out[k] += v }
        return out
    }

    public static func - (a: ResourceVector, b: ResourceVector) -> ResourceVector {
        var out = a
        for (k, v) in b.values { out[k] -= v }
        return out
    }

    public static func += (a: inout ResourceVector, b: ResourceVector) { a = a + b }
    public static func -= (a: inout ResourceVector, b: ResourceVector) { a = a - b }

    public func scaled(by f: Double) -> ResourceVector { ResourceVector(values.mapValues { $0 * f }) }

    /// Every component ≤ the other's (missing = 0), with a small tolerance for float sums.
    public func fits(within other: ResourceVector, tolerance: Double = 1e-9) -> Bool {
        values.allSatisfy { k, v in v <= other[k] + tolerance * max(1, abs(other[k])) }
    }

    /// Components where this exceeds `other`, with the excess.
    public func excess(over other: ResourceVector) -> ResourceVector {
        var out = ResourceVector()
        for (k, v) in values where v > other[k] { out[k] = v - other[k] }
        return out
    }

    public var description: String {
        if values.isEmpty { return "{}" }
        return "{" + names.map { k in "\(k): \(Self.format(k, self[k]))" }.joined(separator: ", ") + "}"
    }

    static func format(_ name: String, _ v: Double) -> String {
        switch name {
        case cpu: return "\(Int(v.rounded()))m"
        case memory: return "\(Int((v / Double(1 << 20)).rounded()))Mi"
        default:
            let r = (v * 100).rounded() / 100
            return r == r.rounded() ? String(Int(r)) : String(r)
        }
    }
}
