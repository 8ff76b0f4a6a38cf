// SelfAdmission: what `--admission=self` uses instead of the quota controller. A job is admitted only when
// its whole gang fits, device by device, on the free capacity the DeviceSlices report minus what bound pods
// hold (their `gantry.dev/devices`) and what jobs admitted before it have reserved. Admissions are decided
// one at a time under a lock, so two gangs that cannot both fit are never both admitted, and so never both
// half-running. It counts the devices of TrainingJob pods only, and ignores pools, CPU and memory: the
// quota controller does the full job; this keeps a cluster without it from deadlocking its gangs.

import GantryAPI
import KubeCore
import Synchronization

public final class SelfAdmission: Sendable {
    /// One device share a pod needs: percent of a device and MiB of its memory; `whole` takes the device alone.
    struct Share: Sendable, Hashable {
        var cores: Int
        var memoryMiB: Int64
        var whole: Bool
    }

    struct Reservation: Sendable {
        var key: ObjectKey
        var made: ContinuousClock.Instant
        /// Planned device ids per pod name.
        var pods: [String: [(deviceID: String, share: Share)]]
    }

    struct FreeDevice {
        var id: String
        var node: String
        var cores: Int
        var memoryMiB: Int64
        var slices: Int
        var maxSlices: Int
        var untouched: Bool
    }

    private let ledger = Mutex<[String: Reservation]>([:])
    /// Devices of the DeviceSlices as last seen, rebuilt only when a slice changes (by resourceVersion).
    private let capacity = Mutex<(versions: [String], devices: [FreeDevice], index: [String: Int])>(([], [], [:]))

    public init() {}

    /// Device shares one pod of the replica needs (its containers' requests, limits standing in).
    static func demand(_ replica: ReplicaSpec) -> [Share] {
        var shares: [Share] = []
        for c in replica.template.spec?.containers ?? [] {
            func amount(_ name: String) -> Quantity? { c.resources?.requests?[name] ?? c.resources?.limits?[name] }
            if let n = amount(ResourceName.vgcu)?.wholeCount, n > 0 {
                let cores = amount(ResourceName.vgcuCores)?.wholeCount ?? 100
                let memory = Int64(amount(ResourceName.vgcuMemory)?.wholeCount ?? 0)
                shares += Array(repeating: Share(cores: min(100, max(1, cores)), memoryMiB: memory, whole: false), count: min(n, 64))
            }
            for name in ResourceName.wholeDevices {
                if let n = amount(name)?.wholeCount, n > 0 {
                    shares += Array(repeating: Share(cores: 100, memoryMiB: 0, whole: true), count: min(n, 64))
                }
            }
        }
        return shares
    }

    /// Decides for `job` and, when it fits, records its reservation before returning.
    /// - Parameters:
    ///   - slices: every DeviceSlice; `pods`: every TrainingJob pod; `isStillAdmitted`: whether a reserved job
    ///     (by uid and key) still holds its admission, for dropping reservations this process missed releasing.
    public func admit(_ job: TrainingJob, topology: JobTopology, slices: [DeviceSlice], pods: [Pod],
                      isStillAdmitted: (String, ObjectKey) -> Bool) -> AdmissionVerdict {
        let uid = job.metadata.uid ?? ""
        var demand: [(pod: String, shares: [Share])] = []
        for member in topology.members {
            guard let replica = job.spec.replicas.first(where: { $0.name == member.replica }) else { continue }
            let shares = Self.demand(replica)
            if !shares.isEmpty { demand.append((member.podName, shares)) }
        }
        if demand.isEmpty {
            return AdmissionVerdict(admitted: true, message: "admitted by the training controller (--admission=self); no device requests")
        }
        return ledger.withLock { ledger -> AdmissionVerdict in
            // A reservation whose job no longer holds its admission was released by a pass this process missed
            // (a restart, a deleted job). Young ones are kept: the cache may not show their admission yet.
            let now = ContinuousClock.now
            for (id, r) in ledger where id != uid && now - r.made > .seconds(30) && !isStillAdmitted(id, r.key) {
                ledger[id] = nil
            }
            var free = Self.freeDevices(base: base(slices), pods: pods, ledger: ledger, excluding: uid)
            var planned: [String: [(deviceID: String, share: Share)]] = [:]
            for (pod, shares) in demand {
                guard let picks = Self.place(shares, in: &free) else {
                    let shape = Self.describe(shares)
                    return AdmissionVerdict(admitted: false, message:
                        "waiting for capacity: the gang needs \(demand.count) pods with \(shape) each and the free devices "
                        + "cannot hold \(pod) (\(planned.count) of \(demand.count) placed)")
                }
                planned[pod] = picks
            }
            ledger[uid] = Reservation(key: job.key, made: now, pods: planned)
            let nodes = Set(planned.values.flatMap { $0.map(\.deviceID) }.compactMap { id in free.first { $0.id == id }?.node })
            return AdmissionVerdict(admitted: true, message:
                "admitted by the training controller (--admission=self): the gang's \(demand.count) pods fit free devices on "
                + "\(nodes.count) node(s)")
        }
    }

    /// Forgets a job's reservation (it finished, was suspended, preempted, timed out or deleted).
    public func release(uid: String) {
        _ = ledger.withLock { $0.removeValue(forKey: uid) }
    }

    var reservedJobs: Int { ledger.withLock { $0.count } }

    static func describe(_ shares: [Share]) -> String {
        guard let s = shares.first else { return "nothing" }
        if s.whole { return "\(shares.count) whole device(s)" }
        return "\(shares.count) vGCU of \(s.cores)% and \(s.memoryMiB) MiB"
    }

    /// The healthy devices of the slices, nodes in name order (cached: admissions far outnumber slice changes).
    private func base(_ slices: [DeviceSlice]) -> (devices: [FreeDevice], index: [String: Int]) {
        let sorted = slices.sorted { $0.spec.node < $1.spec.node }
        let versions = sorted.map { ($0.metadata.name ?? "") + "@" + ($0.metadata.resourceVersion ?? "") }
        return capacity.withLock { c in
            if c.versions == versions { return (c.devices, c.index) }
            var devices: [FreeDevice] = []
            var index: [String: Int] = [:]
            for slice in sorted {
                for d in slice.spec.devices ?? [] where d.health != .unhealthy {
                    index[d.id] = devices.count
                    devices.append(FreeDevice(id: d.id, node: slice.spec.node, cores: Int(d.cores ?? 100),
                                              memoryMiB: d.memoryMiB ?? 0, slices: 0,
                                              maxSlices: Int(max(1, d.maxSlices ?? 1)), untouched: true))
                }
            }
            c = (versions, devices, index)
            return (devices, index)
        }
    }

    static func freeDevices(base: (devices: [FreeDevice], index: [String: Int]), pods: [Pod], ledger: [String: Reservation],
                            excluding: String) -> [FreeDevice] {
        var devices = base.devices
        let index = base.index
        func take(_ id: String, cores: Int, memory: Int64) {
            guard let i = index[id] else { return }
            devices[i].cores -= cores
            devices[i].memoryMiB -= memory
            devices[i].slices += 1
            devices[i].untouched = false
        }
        var bound: Set<ObjectKey> = []
        var finished: Set<ObjectKey> = []
        for pod in pods {
            if pod.isTerminal {
                finished.insert(pod.key)
                continue
            }
            guard let text = pod.metadata.annotations?[AnnotationKey.devices],
                  let shares = try? DeviceAllocation.parseList(text) else { continue }
            bound.insert(pod.key)
            for s in shares { take(s.deviceID, cores: s.cores, memory: s.memoryMiB) }
        }
        for (uid, r) in ledger where uid != excluding {
            for (pod, picks) in r.pods {
                let key = ObjectKey(namespace: r.key.namespace, name: pod)
                if bound.contains(key) || finished.contains(key) { continue }
                for p in picks { take(p.deviceID, cores: p.share.cores, memory: p.share.memoryMiB) }
            }
        }
        return devices
    }

    /// First fit: the first node with enough distinct devices for every share of the pod.
    static func place(_ shares: [Share], in devices: inout [FreeDevice]) -> [(deviceID: String, share: Share)]? {
        var start = 0
        while start < devices.count {
            let node = devices[start].node
            var end = start
            while end < devices.count, devices[end].node == node { end += 1 }
            var picks: [(Int, Share)] = []
            var used: Set<Int> = []
            for share in shares {
                guard let i = (start..<end).first(where: { i in
                    !used.contains(i) && fits(share, devices[i])
                }) else { break }
                used.insert(i)
                picks.append((i, share))
            }
            if picks.count == shares.count {
                for (i, share) in picks {
                    devices[i].cores -= share.cores
                    devices[i].memoryMiB -= share.memoryMiB
                    devices[i].slices += 1
                    devices[i].untouched = false
                }
                return picks.map { (devices[$0.0].id, $0.1) }
            }
            start = end
        }
        return nil
    }

    static func fits(_ share: Share, _ d: FreeDevice) -> Bool {
        if share.whole { return d.untouched && d.cores >= 100 }
        return d.cores >= share.cores && d.memoryMiB >= share.memoryMiB && d.slices < d.maxSlices
    }
}
