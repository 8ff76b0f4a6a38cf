// Interim node score until GantryScheduling's score policies land (engine issue §3): the pool's node packing
// (binpack fills the fullest nodes, spread the emptiest) on device compute after the placement, blended with
// the engine's own thermal headroom scores for the devices and enclosure the pod would use. 0...10.
// Replace the body with the engine's weighted policy combination; callers need only the number.

import GantryAPI
import GantryScheduling

enum NodeScoring {
    static func score(node: LedgerNode, compiled: CompiledRequest, assignment: DeviceAssignment, settings: PoolSettings,
                      thermal: NodeThermalState, weights: ScoreWeights) -> Double {
        let request = compiled.request
        var total = 0
        var used = 0
        for d in node.devices where d.healthy {
            total += Int(d.totalCores)
            used += Int(d.usedCores)
        }
        let added = assignment.whole.reduce(0) { $0 + Int(node.devices[$1].totalCores) }
            + assignment.slices.count * (request.slices?.cores ?? 0)
        let utilisation: Double
        if total > 0 {
            utilisation = min(1, Double(used + added) / Double(total))
        } else if node.spec.cpuMilli > 0 {
            utilisation = min(1, Double(node.cpuUsed + request.cpuMilli) / Double(node.spec.cpuMilli))
        } else {
            utilisation = 0
        }
        let packing = settings.nodePolicy == .spread ? 10 * (1 - utilisation) : 10 * utilisation
        var heat: [Double] = []
        if let chips = thermal.chipScores {
            for i in assignment.devices where i < chips.count { heat.append(chips[i]) }
        }
        if let c = thermal.chassisScore { heat.append(c) }
        if let r = thermal.rackScore { heat.append(r) }
        guard !heat.isEmpty, weights.thermal > 0 else { return clamp(packing) }
        let headroom = heat.reduce(0, +) / Double(heat.count)
        return clamp((weights.packing * packing + weights.thermal * headroom) / (weights.packing + weights.thermal))
    }

    static func clamp(_ v: Double) -> Double { v.isFinite ? min(10, max(0, v)) : 0 }
}
