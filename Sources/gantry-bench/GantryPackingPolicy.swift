// Gantry's default policy on the packing benchmark: the real engine code path, not a benchmark-only model.
import Foundation
import GantryScheduling

/// Gantry's default policy on the benchmark: the engine's own filter and score (PlacementEngine with the
/// default pool policy), learning the demand mix from the pods as they arrive.
struct GantryPackingPolicy: PackingPolicy {
    var engine = PlacementEngine()
    static let epoch = Date(timeIntervalSince1970: 0)

    mutating func place(_ pod: TracePod, _ r: CompiledRequest, in ledger: DeviceLedger, rank: [Int]) -> PackingPlacement? {
        let request = pod.request
        engine.observe(request)
        guard let c = engine.best(request, in: ledger, now: Self.epoch) else { return nil }
        return PackingPlacement(slot: c.slot, assignment: c.assignment)
    }
}
