// Thermal policy of a pool (DESIGN §4 ResourcePool.thermal): chip, chassis and rack thresholds. At or over
// a hard threshold a node (or device) is infeasible and unresolvable — preemption cannot cool it — while
// between soft and hard it is penalised in proportion to how close it is. Stale readings are unknown.

import Foundation

public struct ThermalThreshold: Hashable, Sendable, Codable {
    public var softC: Double
    public var hardC: Double

    public init(softC: Double, hardC: Double) {
        self.softC = softC
        self.hardC = hardC
    }

    /// Width of the penalty band; a misconfigured hard ≤ soft still gives a usable, 1 °C band.
    var band: Double { max(hardC - softC, 1) }
}

public enum ThermalLevel: String, Hashable, Sendable, Codable {
    case chip, chassis, rack
}

public struct ThermalViolation: Hashable, Sendable, CustomStringConvertible {
    public var level: ThermalLevel
    public var celsius: Double
    public var hardC: Double
    public var deviceID: String?

    public var description: String {
        let what = deviceID.map { "device \($0)" } ?? level.rawValue
        return "\(what) at \(Self.format(celsius)) °C, at or over the hard limit of \(Self.format(hardC)) °C"
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }
}

/// The thermal facts of one node at one instant, as the filter and the scores need them.
public struct NodeThermalState: Sendable {
    /// Chassis or rack at/over hard: the whole node is out.
    public var violation: ThermalViolation?
    /// Devices at/over the chip hard threshold: never used.
    public var blocked: DeviceMask = .empty
    /// Devices in the chip soft band: used only when nothing cooler fits.
    public var avoid: DeviceMask = .empty
    /// Effective chip temperature per device (unknown = the soft threshold), to prefer cooler devices.
    public var heat: [Double]?
    /// Headroom scores 0...10 of the enclosure levels (nil = no threshold configured).
    public var chassisScore: Double?
    public var rackScore: Double?
    /// The chip threshold, to turn `heat` into chip headroom scores.
    public var chip: ThermalThreshold?

    public static let neutral = NodeThermalState()
}

public struct ThermalPolicy: Hashable, Sendable, Codable {
    public var chip: ThermalThreshold?
    public var chassis: ThermalThreshold?
    public var rack: ThermalThreshold?
    /// Readings older than this are unknown.
    public var staleAfter: TimeInterval

    public init(chip: ThermalThreshold? = nil, chassis: ThermalThreshold? = nil, rack: ThermalThreshold? = nil,
                staleAfter: TimeInterval = 120) {
        self.chip = chip
        self.chassis = chassis
        self.rack = rack
        self.staleAfter = staleAfter
    }

    public static let disabled = ThermalPolicy()
    public var isEnabled: Bool { chip != nil || chassis != nil || rack != nil }

    /// The reading's temperature, or nil if there is none or it is stale. A reading from the future (clock
    /// skew) counts as fresh.
    public func current(_ reading: TemperatureReading?, now: Date) -> Double? {
        guard let r = reading, r.celsius.isFinite else { return nil }
        return now.timeIntervalSince(r.observedAt) > staleAfter ? nil : r.celsius
    }

    /// Headroom score 0...10: 10 when at least one band below soft, 5 at exactly soft (and for unknown
    /// readings, which are neither cool nor known hot), falling linearly to 0 at hard.
    public func headroomScore(_ celsius: Double?, _ t: ThermalThreshold) -> Double { Self.headroom(celsius, t) }

    static func headroom(_ celsius: Double?, _ t: ThermalThreshold) -> Double {
        guard let c = celsius else { return 5 }
        if c >= t.hardC { return 0 }
        if c >= t.softC { return 5 * (t.hardC - c) / t.band }
        return 5 + 5 * min(1, (t.softC - c) / t.band)
    }

    public func evaluate(_ node: LedgerNode, now: Date) -> NodeThermalState {
        guard isEnabled else { return .neutral }
        // The spec once: each `node.spec` read goes through the node's spec box.
        let spec = node.specBox.spec
        var s = NodeThermalState()
        if let t = chassis {
            let c = current(spec.chassisTemperature, now: now)
            if let c, c >= t.hardC { s.violation = ThermalViolation(level: .chassis, celsius: c, hardC: t.hardC) }
            s.chassisScore = headroomScore(c, t)
        }
        if let t = rack {
            let c = current(spec.rackTemperature, now: now)
            if s.violation == nil, let c, c >= t.hardC { s.violation = ThermalViolation(level: .rack, celsius: c, hardC: t.hardC) }
            s.rackScore = headroomScore(c, t)
        }
        if let t = chip {
            let n = node.devices.count
            var heat: [Double] = []
            heat.reserveCapacity(n)
            for i in 0..<n {
                let c = current(spec.devices[i].temperature, now: now)
                if let c, c >= t.hardC { s.blocked.insert(i) } else if let c, c >= t.softC { s.avoid.insert(i) }
                // Unknown counts as exactly soft: its headroom score is then 5, as for any unknown reading.
                heat.append(c ?? t.softC)
            }
            s.heat = heat
            s.chip = t
        }
        return s
    }

    /// The hottest device over the chip hard threshold, for explanations.
    public func chipViolation(_ node: LedgerNode, now: Date) -> ThermalViolation? {
        guard let t = chip else { return nil }
        var worst: ThermalViolation?
        for d in node.spec.devices.prefix(node.devices.count) {
            if let c = current(d.temperature, now: now), c >= t.hardC, c > (worst?.celsius ?? -.infinity) {
                worst = ThermalViolation(level: .chip, celsius: c, hardC: t.hardC, deviceID: d.id)
            }
        }
        return worst
    }
}

extension NodeThermalState {
    /// Headroom score 0...10 of a placement: the worst configured level (chip over the assigned devices,
    /// chassis, rack); 10 when the pool sets no thresholds.
    public func headroom(for a: DeviceAssignment) -> Double {
        var s = 10.0
        if let c = chassisScore { s = min(s, c) }
        if let r = rackScore { s = min(s, r) }
        if let t = chip, let heat {
            for i in a.devices where i < heat.count { s = min(s, ThermalPolicy.headroom(heat[i], t)) }
        }
        return s
    }
}
