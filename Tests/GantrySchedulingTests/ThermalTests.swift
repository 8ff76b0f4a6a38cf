// Thermal policy: hard thresholds make a node (or device) infeasible and unresolvable, the soft band costs
// score in proportion, stale readings are unknown (neither cool nor hot), cooler devices win inside a node.

import Foundation
import Testing
@testable import GantryScheduling

struct ThermalTests {
    let policy = ThermalPolicy(chip: ThermalThreshold(softC: 80, hardC: 95), chassis: ThermalThreshold(softC: 70, hardC: 85),
                               rack: ThermalThreshold(softC: 35, hardC: 45), staleAfter: 60)

    /// Scores by thermal headroom alone, with only the chassis (or only the rack) threshold of `policy`.
    func engine(rack: Bool = false) -> PlacementEngine {
        let enclosure = rack ? ThermalPolicy(rack: policy.rack, staleAfter: policy.staleAfter)
            : ThermalPolicy(chassis: policy.chassis, staleAfter: policy.staleAfter)
        return PlacementEngine(defaultPolicy: PoolPolicy(profile: ScoringProfile([.thermalHeadroom: 1]), thermal: enclosure))
    }

    func ledger(chassis: Double?, at time: Date = t0, rack: Double? = nil) -> DeviceLedger {
        var n = node("n", devices: 2)
        n.chassisTemperature = chassis.map { TemperatureReading(celsius: $0, observedAt: time) }
        n.rackTemperature = rack.map { TemperatureReading(celsius: $0, observedAt: time) }
        return DeviceLedger(nodes: [n])
    }

    /// (chassis °C, expected headroom score or nil = infeasible) for soft 70 / hard 85.
    static let chassisCases: [(Double, Double?)] = [
        (85, nil),               // exactly hard: out
        (90, nil),
        (84.9, 0.1 / 3),         // just under hard: almost no headroom, 5 × 0.1 / 15
        (70, 5),                 // exactly soft: the start of the penalty
        (77.5, 2.5),             // halfway through the band
        (55, 10),                // a full band below soft: all headroom
        (60, 25.0 / 3),          // 5 + 5 × 10 / 15
    ]

    @Test(arguments: chassisCases)
    func chassisEdges(_ celsius: Double, _ expected: Double?) throws {
        let r = engine().evaluate(whole(1), in: ledger(chassis: celsius), now: t0)
        if let expected {
            let b = try #require(r.best)
            #expect(abs(b.score - expected) < 1e-9)
        } else {
            #expect(r.feasible.isEmpty)
            let f = try #require(r.rejected.first?.failure)
            #expect(f.resolvable == false)
            #expect(r.unresolvable.count == 1 && r.resolvable.isEmpty)
            #expect(f.description.contains("chassis at \(Int(celsius)) °C, at or over the hard limit of 85 °C"))
        }
    }

    @Test func staleReadingsAreUnknownNotCool() throws {
        // 90 °C seen 61 s ago: unknown, so the node is usable but scores like the soft threshold, not like cool.
        let stale = engine().evaluate(whole(1), in: ledger(chassis: 90, at: t0.addingTimeInterval(-61)), now: t0)
        #expect(try #require(stale.best).score == 5)
        let missing = engine().evaluate(whole(1), in: ledger(chassis: nil), now: t0)
        #expect(try #require(missing.best).score == 5)
        // Exactly at the staleness limit still counts.
        let edge = engine().evaluate(whole(1), in: ledger(chassis: 90, at: t0.addingTimeInterval(-60)), now: t0)
        #expect(edge.feasible.isEmpty)
        // A cool but stale node ranks below a cool fresh one.
        var cold = node("cold", devices: 2)
        cold.chassisTemperature = TemperatureReading(celsius: 40, observedAt: t0)
        var old = node("old", devices: 2)
        old.chassisTemperature = TemperatureReading(celsius: 40, observedAt: t0.addingTimeInterval(-3600))
        let both = engine().evaluate(whole(1), in: DeviceLedger(nodes: [old, cold]), now: t0)
        #expect(both.feasible.map(\.node) == ["cold", "old"])
    }

    @Test func rackHardLimitRemovesTheNode() throws {
        let r = engine(rack: true).evaluate(PodRequest(cpuMilli: 100), in: ledger(chassis: 40, rack: 45), now: t0)
        #expect(try #require(engine(rack: true).evaluate(PodRequest(cpuMilli: 100), in: ledger(chassis: 99, rack: 35), now: t0).best).score == 5)
        #expect(r.feasible.isEmpty)
        #expect(r.rejected.first?.failure.kind == "over a hard temperature limit")
    }

    @Test func headroomIsMonotoneInTemperature() {
        let t = ThermalThreshold(softC: 70, hardC: 85)
        let temps = stride(from: 20.0, through: 85.0, by: 2.5).map { policy.headroomScore($0, t) }
        #expect(zip(temps, temps.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(temps.first == 10 && temps.last == 0)
        #expect(policy.headroomScore(nil, t) == 5)
    }

    @Test func hotChipsAreSkippedAndCoolerChipsPreferred() throws {
        var n = node("n", devices: 4)
        n.devices[0].temperature = TemperatureReading(celsius: 96, observedAt: t0)  // over hard: never used
        n.devices[1].temperature = TemperatureReading(celsius: 85, observedAt: t0)  // soft band: last resort
        n.devices[2].temperature = TemperatureReading(celsius: 60, observedAt: t0)
        n.devices[3].temperature = TemperatureReading(celsius: 40, observedAt: t0)
        let ledger = DeviceLedger(nodes: [n])
        let e = PlacementEngine(defaultPolicy: PoolPolicy(thermal: policy))
        #expect(e.best(whole(1), in: ledger, now: t0)?.assignment.whole == DeviceMask(bits: 1 << 3))
        #expect(e.best(slices(1, 30), in: ledger, now: t0)?.assignment.slices == DeviceMask(bits: 1 << 3))
        #expect(e.best(whole(2), in: ledger, now: t0)?.assignment.whole == DeviceMask(bits: 0b1100))
        // Three devices are needed: the soft-band one joins; the one over hard never does.
        #expect(e.best(whole(3), in: ledger, now: t0)?.assignment.whole == DeviceMask(bits: 0b1110))
        let r = e.evaluate(whole(4), in: ledger, now: t0)
        guard case .devices(let s) = r.rejected.first?.failure else {
            Issue.record("expected a device shortfall")
            return
        }
        #expect(s.overheated == 1 && s.fitting == 3 && !s.resolvable)
    }

    @Test func allChipsOverHardIsUnresolvable() throws {
        var n = node("n", devices: 2)
        for i in 0..<2 { n.devices[i].temperature = TemperatureReading(celsius: 99, observedAt: t0) }
        let r = PlacementEngine(defaultPolicy: PoolPolicy(thermal: policy)).evaluate(slices(1, 10), in: DeviceLedger(nodes: [n]), now: t0)
        #expect(r.unresolvable.count == 1)
        // CPU-only work is not held back by hot chips.
        #expect(PlacementEngine(defaultPolicy: PoolPolicy(thermal: policy)).best(PodRequest(cpuMilli: 100), in: DeviceLedger(nodes: [n]), now: t0) != nil)
    }
}
