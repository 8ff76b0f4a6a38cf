// Fragmentation-aware score: how much device capacity the learned demand mix could no longer use if the pod
// went here. Capacity is stranded two ways: (1) a partly used device's remainder too small for the slices
// that come (expected dead share, from the learned slice sizes), and (2) free devices on a node whose free
// CPU or memory cannot feed them at the CPU and memory per device unit that device pods bring (learned).
// FGD (ATC '23) measures (1) only, ignores memory and treats CPU per shape; on the Alibaba trace the
// starved capacity of (2) is most of what FGD leaves idle that a better placement could use
// (docs/benchmarks.md). Placements that strand nothing tie exactly, so the stable first-fit order decides.

import Foundation

extension LedgerNode {
    /// Free device units on healthy devices not held whole (a 25 % free device counts 0.25).
    public var freeDeviceUnits: Double { totals.freeUnits }

    /// Device units the mix could not use for lack of CPU or memory: free devices beyond what the free CPU
    /// and memory feed at the mix's per-device-unit ratios.
    static func starved(freeUnits: Double, cpuFree: Int64, memoryFree: Int64, mix: DemandMix) -> Double {
        guard freeUnits > 0 else { return 0 }
        var fed = Double.infinity
        if mix.devicesPerCPU > 0 { fed = min(fed, Double(max(0, cpuFree)) * mix.devicesPerCPU) }
        if mix.devicesPerByte > 0 { fed = min(fed, Double(max(0, memoryFree)) * mix.devicesPerByte) }
        return max(0, freeUnits - fed)
    }

    /// Growth, in device units, of stranded capacity if `r` is placed with assignment `a` (negative when the
    /// pod un-strands capacity, e.g. a CPU-light pod on a CPU-starved node).
    public func strandedGrowth(_ r: CompiledRequest, _ a: DeviceAssignment, demand: ShapeDistribution) -> Double {
        strandedGrowth(r, a, mix: DemandMix(demand), freeUnits: totals.freeUnits)
    }

    func strandedGrowth(_ r: CompiledRequest, _ a: DeviceAssignment, mix: DemandMix, freeUnits: Double) -> Double {
        strandedGrowth(r, a, mix: mix, freeUnits: freeUnits,
                       before: Self.starved(freeUnits: freeUnits, cpuFree: cpuFree, memoryFree: memoryFree, mix: mix))
    }

    /// The same, with the node's starved units before placement (`starved(freeUnits:cpuFree:memoryFree:mix:)`)
    /// already known.
    @inline(__always)
    func strandedGrowth(_ r: CompiledRequest, _ a: DeviceAssignment, mix: DemandMix, freeUnits: Double, before: Double) -> Double {
        var taken = 0
        for i in a.whole where i < devices.count { taken += max(0, devices[i].freeCores) }
        var dead = 0.0
        for i in a.slices where i < devices.count {
            let free = devices[i].freeCores
            taken += Int(r.sliceCores)
            dead += mix.dead(free - Int(r.sliceCores)) - mix.dead(free)
        }
        let after = Self.starved(freeUnits: freeUnits - Double(taken) / 100, cpuFree: cpuFree - r.cpu,
                                 memoryFree: memoryFree - r.memory, mix: mix)
        return (after - before) + dead / 100
    }

    /// 0...10: 5 when nothing is stranded or freed, falling towards 0 as placement strands capacity (2.5 for
    /// one whole device stranded), rising towards 10 as it frees stranded capacity. g/(1+|g|) keeps it
    /// monotone and bounded without a libm call per candidate.
    public static func fragmentationScore(strandedGrowth g: Double) -> Double {
        if g == 0 { return 5 }
        guard g.isFinite else { return g > 0 ? 0 : 10 }
        return 5 * (1 - g / (1 + abs(g)))
    }
}

/// The learned mix reduced to what scoring reads, once per decision: per-device-unit CPU and memory, and the
/// expected dead share for every free percentage.
final class DemandMix {
    /// Device units one milli-CPU / one byte feeds (0: not learned yet, no starvation counted).
    let devicesPerCPU: Double
    let devicesPerByte: Double
    private let deadShares: [Double]

    init(_ d: ShapeDistribution) {
        devicesPerCPU = d.cpuMilliPerDevice.map { 1 / $0 } ?? 0
        devicesPerByte = d.memoryBytesPerDevice.map { 1 / $0 } ?? 0
        deadShares = (0...100).map { d.deadShare(freeCores: $0) }
    }

    @inline(__always) func dead(_ freeCores: Int) -> Double {
        freeCores > 0 && freeCores < 100 ? deadShares[freeCores] : 0
    }
}
