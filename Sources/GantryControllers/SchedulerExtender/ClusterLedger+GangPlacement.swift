// Interim gang placement until GantryScheduling's GangPlanner lands (engine issue §5): members placed one by
// one on a scratch copy of the ledger with the engine's own fit (thermal limits and pool policy applied),
// preferring nodes the gang already uses, then its rack, so either every member has a slot or none is taken.
// Replace the body of `placeGang` with a call to the engine's planner; the callers need only its result.

import Foundation
import GantryScheduling

/// One planned member: where it goes and on which devices.
struct GangMemberPlacement: Sendable {
    var request: PodRequest
    var node: String
    var assignment: DeviceAssignment
}

extension ClusterLedger {
    func placeGang(_ requests: [PodRequest], now: Date) -> Result<[GangMemberPlacement], GangPlacementFailure> {
        var scratch = ledger
        var out: [GangMemberPlacement] = []
        var used: [Int] = []
        var racks = Set<Int32>()
        let slots = scratch.activeSlots
        // Largest members first: they have the fewest places to go.
        let order = requests.indices.sorted { (requests[$0].devicePercent, -$0) > (requests[$1].devicePercent, -$1) }
        var placed = [GangMemberPlacement?](repeating: nil, count: requests.count)
        for i in order {
            let compiled = scratch.compile(requests[i])
            let preferred = used + slots.filter { !used.contains($0) && racks.contains(scratch.nodes[$0].rackCode) }
            var chosen: (Int, DeviceAssignment)?
            var lastFailure: FitFailure?
            for slot in preferred + slots {
                switch fit(compiled, slot: slot, now: now, in: scratch).result {
                case .fits(let a): chosen = (slot, a)
                case .fails(let f): lastFailure = f
                }
                if chosen != nil { break }
            }
            guard let (slot, assignment) = chosen else {
                return .failure(GangPlacementFailure(member: i, of: requests.count, lastReason: lastFailure.map(Self.reason)))
            }
            let name = scratch.nodes[slot].name
            do {
                try scratch.allocate("plan#\(i)", request: requests[i], on: name, assignment: assignment)
            } catch {
                return .failure(GangPlacementFailure(member: i, of: requests.count, lastReason: "\(error)"))
            }
            if !used.contains(slot) { used.append(slot) }
            racks.insert(scratch.nodes[slot].rackCode)
            placed[i] = GangMemberPlacement(request: requests[i], node: name, assignment: assignment)
        }
        out = placed.compactMap { $0 }
        return .success(out)
    }
}

struct GangPlacementFailure: Error, CustomStringConvertible {
    var member: Int
    var of: Int
    var lastReason: String?

    var description: String {
        "no node can take member \(member + 1) of \(of) once the others are placed" + (lastReason.map { " (e.g. \($0))" } ?? "")
    }
}
