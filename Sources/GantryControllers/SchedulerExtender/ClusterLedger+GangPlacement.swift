// Interim gang placement until GantryScheduling's GangPlanner lands (engine issue §5): members placed one by one,
// largest first, on a scratch copy of the ledger with the engine's own choice (`PlacementEngine.best`, whose
// gang-affinity score keeps them on the nodes and racks the gang already uses), so either every member has a
// slot or none is taken. Replace the body of `placeGang` with the engine's planner; callers need only its result.

import Foundation
import GantryScheduling

/// One planned member: where it goes and on which devices.
struct GangMemberPlacement: Sendable {
    var request: PodRequest
    var node: String
    var assignment: DeviceAssignment
}

struct GangPlacementFailure: Error, CustomStringConvertible {
    var member: Int
    var of: Int
    var why: String

    var description: String { "member \(member + 1) of \(of) has no room once the others are placed: \(why)" }
}

extension ClusterLedger {
    func placeGang(_ requests: [PodRequest], gang: String, now: Date) -> Result<[GangMemberPlacement], GangPlacementFailure> {
        var scratch = ledger
        var context = GangContext(gang: gang)
        var placed = [GangMemberPlacement?](repeating: nil, count: requests.count)
        // Largest members first: they have the fewest places to go.
        let order = requests.indices.sorted { (requests[$0].devicePercent, -$0) > (requests[$1].devicePercent, -$1) }
        for i in order {
            guard let c = engine.best(requests[i], in: scratch, now: now, gang: context) else {
                let why = engine.evaluate(requests[i], in: scratch, now: now, gang: context).explanation
                return .failure(GangPlacementFailure(member: i, of: requests.count, why: why))
            }
            do {
                try scratch.allocate("plan#\(i)", request: requests[i], on: c.node, assignment: c.assignment)
            } catch {
                return .failure(GangPlacementFailure(member: i, of: requests.count, why: "\(error)"))
            }
            context.nodes.insert(c.node)
            if let rack = scratch.node(named: c.node)?.spec.rack { context.racks.insert(rack) }
            placed[i] = GangMemberPlacement(request: requests[i], node: c.node, assignment: c.assignment)
        }
        return .success(placed.compactMap { $0 })
    }
}
