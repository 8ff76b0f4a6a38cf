// Pods into the ledger. A bound pod's `gantry.dev/devices` annotation is the durable truth (DESIGN §5): at
// start every bound pod is recorded from it, so a restarted extender holds exactly what it held before, and a
// pod seen again (our own bind's echo, a relist) is recorded once, by UID. Finished and deleted pods free
// their shares; a gang whose last pod is gone frees its reservations.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore

extension ClusterLedger {
    public func upsertPod(_ pod: Pod) { apply(PodFacts(pod)) }

    public func deletePod(_ pod: Pod) { podGone(PodFacts(pod)) }

    /// A pod as the cache keeps it (see CachedPod).
    public func upsertPod(facts: PodFacts) { apply(facts) }

    func apply(_ f: PodFacts) {
        guard !f.uid.isEmpty else { return }
        if f.terminal {
            podGone(f)
            return
        }
        trackPending(f, waiting: f.nodeName == nil && !f.deleting)
        // Pending pods hold nothing (a bind in flight holds its shares under the pod's UID already).
        guard let node = f.nodeName else { return }
        if let held = ledger.allocation(f.uid) {
            if held.node == node {
                // Our own bind seen through the watch, or a repeat. Another writer's different record wins over ours.
                if let text = f.recordedDevices, f.recordedNode == node, text != held.devicesAnnotation, inFlight[f.uid] == nil,
                   !inferred.contains(f.uid) {
                    logger.warning("pod's device record differs from the ledger; the pod's annotation wins",
                                   ["pod": f.key, "annotation": text, "ledger": held.devicesAnnotation])
                    releaseAllocation(f.uid)
                    record(f)
                } else if inferred.contains(f.uid), f.recordedDevices != nil {
                    // The record arrived after we inferred an allocation: take the record.
                    releaseAllocation(f.uid)
                    record(f)
                }
                return
            }
            // Bound somewhere else than we hold it (a bind that raced another binder): the API server is right.
            logger.warning("pod is bound to another node than the ledger holds", ["pod": f.key, "node": node, "ledger": held.node])
            releaseAllocation(f.uid)
            inFlight[f.uid] = nil
        }
        record(f)
    }

    /// Records a bound pod from its annotations. A pod bound without a record (another binder, an ignorable
    /// extender that fell through) still holds devices on its node: the engine picks them as it would have,
    /// so they are not handed out twice; a pod whose node or devices are not known yet waits in `unresolved`.
    func record(_ f: PodFacts) {
        guard let node = f.nodeName else { return }
        unresolved[f.uid] = nil
        inferred.remove(f.uid)
        guard ledger.node(named: node) != nil else {
            unresolved[f.uid] = f
            return
        }
        var grants: [DeviceGrant] = []
        var haveRecord = false
        if let text = f.recordedDevices, (f.recordedNode ?? node) == node {
            do {
                grants = try Allocation.parseDevicesAnnotation(text)
                haveRecord = true
            } catch {
                logger.warning("ignoring a malformed device record", ["pod": f.key, "error": error])
            }
        }
        if !haveRecord && f.request.asksForDevices && f.requestError == nil {
            if let a = try? ledger.place(f.uid, request: f.request, on: node, choice: .binpack, owner: f.owner) {
                account(a, +1)
                inferred.insert(f.uid)
                logger.warning("pod bound without a device record; assumed the devices the engine would pick", ["pod": f.key, "node": node])
                return
            }
            logger.warning("pod bound without a device record and no room to assume one; only cpu and memory counted",
                           ["pod": f.key, "node": node])
        }
        var request = f.request
        if !haveRecord { request.slices = nil; request.wholeDevices = [] }
        do {
            // Running pods are facts: kept even if they exceed what the node offers (it then has no room).
            try ledger.record(Allocation(id: f.uid, node: node, request: request, grants: grants, owner: f.owner),
                              allowOvercommit: true)
            if let a = ledger.allocation(f.uid) { account(a, +1) }
            if haveRecord { engine.observe(f.request) }
        } catch {
            switch error {
            case .unknownDevice(_, let device):
                logger.debug("device of a bound pod not known yet; retried when the node's DeviceSlice changes",
                             ["pod": f.key, "device": device])
                unresolved[f.uid] = f
            case .unknownNode:
                unresolved[f.uid] = f
            case .duplicateAllocation:
                break  // Recorded already under this UID.
            default:
                logger.warning("could not record a bound pod", ["pod": f.key, "error": error])
            }
        }
    }

    func retryUnresolved(on node: String) {
        for (uid, f) in unresolved where f.nodeName == node {
            unresolved[uid] = nil
            record(f)
        }
    }

    func podGone(_ f: PodFacts) {
        releaseAllocation(f.uid)
        inFlight[f.uid] = nil
        unresolved[f.uid] = nil
        inferred.remove(f.uid)
        trackPending(f, waiting: false)
        if let gang = f.gang { gangMemberGone(gang.description) }
    }

    /// Counts for the debug endpoint and tests.
    public var bookkeeping: (allocations: Int, inFlight: Int, unresolved: Int, inferred: Int, reservations: Int) {
        (ledger.allocations.count, inFlight.count, unresolved.count, inferred.count, ledger.reservations.count)
    }
}
