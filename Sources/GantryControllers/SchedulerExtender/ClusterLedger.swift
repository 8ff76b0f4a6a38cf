// ClusterLedger: the extender's single writer (DESIGN §6.4). One actor owns the engine's DeviceLedger together
// with the cluster facts it is built from (Nodes, DeviceSlices, ResourcePools) and the bookkeeping of binds in
// flight, so a filter sees one consistent state and two binds can never take the same device share: each bind
// re-checks fit and takes its shares inside one actor turn, before any network call.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore
import KubeRuntime

public actor ClusterLedger {
    /// The engine's ledger: every node's devices and every share held by a pod, a bind in flight or a reservation.
    public internal(set) var ledger = DeviceLedger()

    // Cluster facts. The engine's NodeSpec is the only copy of a node (the informer's store has the objects); a
    // DeviceSlice that arrives before its Node waits here.
    private var pendingSlices: [String: DeviceSlice] = [:]
    private var pools: [String: ResourcePool] = [:]
    /// The engine's placement: per-pool policies (from ResourcePools) and the demand mix learned from placed pods.
    var engine: PlacementEngine
    var quotas: [String: Quota] = [:]

    /// Binds between reserve and commit/rollback, by pod UID.
    var inFlight: [String: BindTicket] = [:]
    /// Bound pods whose record could not be applied yet (node or device not known yet), retried on node changes.
    var unresolved: [String: PodFacts] = [:]
    /// Bound pods whose allocation was inferred (bound without a `gantry.dev/devices` record), by UID.
    var inferred: Set<String> = []
    /// Live gang reservations (engine reservation IDs) by gang.
    var gangPlans: [String: Set<String>] = [:]
    /// What each quota's own pods hold (bound, binding or reserved for a gang): in the Quota's resource names and
    /// units for its limits, and in engine units for fair share. Kept in step with every allocation change.
    var quotaCharges: [String: [String: Int64]] = [:]
    var quotaUsage: [String: ResourceVector] = [:]
    /// Pods waiting for a node, per quota (uid → demand), for "others wait" in the fair-share gate.
    var pendingDemand: [String: [String: ResourceVector]] = [:]
    var pendingQuotaOf: [String: String] = [:]
    /// Bumped when a node is added, removed or changed, to cache the cluster capacity fair share divides.
    var nodesVersion: UInt64 = 0
    var capacityCache: (version: UInt64, capacity: ResourceVector)?
    /// Taints per node, and every taint by key (rebuilt when asked after a change), to turn a pod's tolerations
    /// into the engine's set of tolerated keys.
    private var taintsByNode: [String: [Taint]] = [:]
    private var taintKeys: [String: [Taint]]?

    let configuration: Configuration
    let clock: @Sendable () -> Date
    let logger: Logger
    /// Pending gang members are looked up here (by the gang label index) when a gang is planned.
    let podStore: Store<CachedPod>?
    /// Counts per reason and decision, and ledger gauges.
    let metrics: ExtenderMetrics?

    public struct Configuration: Sendable {
        /// How long a gang's reservations hold devices for members not yet bound.
        public var reservationTTL: TimeInterval
        /// Staleness of temperatures for pools that do not set `thermal.staleAfterSeconds`.
        public var thermalStaleAfter: TimeInterval
        /// Scores of nodes outside any ResourcePool (pools bring their own from `spec.policy`).
        public var defaultProfile: ScoringProfile

        public init(reservationTTL: TimeInterval = 120, thermalStaleAfter: TimeInterval = 120,
                    defaultProfile: ScoringProfile = .gantryDefault) {
            self.reservationTTL = reservationTTL
            self.thermalStaleAfter = thermalStaleAfter
            self.defaultProfile = defaultProfile
        }
    }

    public init(configuration: Configuration = Configuration(), podStore: Store<CachedPod>? = nil, metrics: ExtenderMetrics? = nil,
                logger: Logger = Logger(label: "ledger", sink: .discarding), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.podStore = podStore
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        // A live cluster's mix drifts: observations older than ~10,000 newer pods count half.
        engine = PlacementEngine(defaultPolicy: GantryScheduling.PoolPolicy(profile: configuration.defaultProfile),
                                 demand: ShapeDistribution(halfLife: 10_000))
    }

    // MARK: Reading

    /// The engine policy a node is scheduled with.
    func policy(of node: LedgerNode) -> GantryScheduling.PoolPolicy { engine.policy(forPool: node.spec.pool) }

    /// Every allocation as `node → [pod or reservation id: gantry.dev/devices]`, for tests and the debug endpoint.
    public func allocationsByNode() -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for (id, a) in ledger.allocations { out[a.node, default: [:]][id] = a.devicesAnnotation }
        return out
    }

    public func allocation(ofPod uid: String) -> Allocation? { ledger.allocation(uid) }

    public var nodeCount: Int { ledger.nodeCount }

    /// Taint keys among the known node taints that the pod's tolerations cover (the engine matches by key).
    func toleratedKeys(_ tolerations: [Toleration]) -> Set<String> {
        guard !tolerations.isEmpty else { return [] }
        if taintKeys == nil {
            var keys: [String: [Taint]] = [:]
            for taints in taintsByNode.values { for t in taints { keys[t.key, default: []].append(t) } }
            taintKeys = keys
        }
        var out = Set<String>()
        for (key, taints) in taintKeys ?? [:] where taints.allSatisfy({ t in tolerations.contains { $0.tolerates(t) } }) {
            out.insert(key)
        }
        return out
    }

    // MARK: Cluster facts

    public func upsertNode(_ node: Node) {
        guard let name = node.metadata.name, !name.isEmpty else { return }
        let taints = (node.spec?.taints ?? []).filter { $0.effect != .preferNoSchedule }
        if taintsByNode[name] ?? [] != taints {
            taintsByNode[name] = taints.isEmpty ? nil : taints
            taintKeys = nil
        }
        var spec = NodeInventory.spec(node: node, pool: NodeInventory.pool(labels: node.metadata.labels ?? [:], pools: pools))
        if let current = ledger.node(named: name) {
            spec.devices = current.spec.devices
            spec.chassisTemperature = current.spec.chassisTemperature
        } else {
            NodeInventory.apply(pendingSlices.removeValue(forKey: name), to: &spec)
        }
        install(spec)
    }

    public func deleteNode(named name: String) {
        if taintsByNode.removeValue(forKey: name) != nil { taintKeys = nil }
        pendingSlices[name] = nil
        let removed = ledger.removeNode(name)
        nodesVersion &+= 1
        // Pods still bound there (the node object went first) are forgotten: their deletion follows, or the node
        // comes back and the next relist of pods records them again.
        for a in removed {
            account(a, -1)
            inFlight[a.id] = nil
            inferred.remove(a.id)
            if a.reservation != nil { forget(reservation: a.id) }
        }
    }

    public func upsertSlice(_ slice: DeviceSlice) {
        guard let name = slice.metadata.name, !name.isEmpty else { return }
        guard var spec = ledger.node(named: name)?.spec else {
            pendingSlices[name] = slice
            return
        }
        NodeInventory.apply(slice, to: &spec)
        install(spec)
    }

    public func deleteSlice(named name: String) {
        pendingSlices[name] = nil
        guard var spec = ledger.node(named: name)?.spec else { return }
        NodeInventory.apply(nil, to: &spec)
        install(spec)
    }

    public func upsertPool(_ pool: ResourcePool) {
        guard let name = pool.metadata.name, !name.isEmpty else { return }
        pools[name] = pool
        engine.poolPolicies[name] = GantryScheduling.PoolPolicy(pool, defaultStaleAfter: configuration.thermalStaleAfter)
        repool()
    }

    public func deletePool(named name: String) {
        pools[name] = nil
        engine.poolPolicies[name] = nil
        repool()
    }

    public func upsertQuota(_ quota: Quota) {
        guard let name = quota.metadata.name else { return }
        quotas[name] = quota
    }

    public func deleteQuota(named name: String) { quotas[name] = nil }

    /// Pool membership by selector may have changed for any node.
    private func repool() {
        for slot in ledger.activeSlots {
            var spec = ledger.nodes[slot].spec
            spec.pool = NodeInventory.pool(labels: spec.labels, pools: pools)
            install(spec)
        }
    }

    /// Puts a node spec into the engine's ledger when it changed; allocations on the node are kept by device ID
    /// (the engine re-applies them), so a node agent restart or a relabel loses nothing.
    private func install(_ spec: GantryScheduling.NodeSpec) {
        if let current = ledger.node(named: spec.name), current.spec == spec { return }
        ledger.upsertNode(spec)
        nodesVersion &+= 1
        retryUnresolved(on: spec.name)
    }

    // MARK: Allocation bookkeeping

    /// Releases an allocation (pod or reservation) and takes it off its quota's usage.
    @discardableResult
    func releaseAllocation(_ id: String) -> Allocation? {
        let a = ledger.release(id)
        if let a { account(a, -1) }
        return a
    }

    /// Adds (+1) or removes (-1) an allocation's charge on its quota; every ledger insert and release goes through
    /// here or `releaseAllocation`, so quota usage never drifts from the ledger.
    func account(_ a: Allocation, _ sign: Int64) {
        guard let q = a.owner.queue else { return }
        var charges = quotaCharges[q] ?? [:]
        for (k, v) in Self.charge(a.request, grants: a.grants) where v != 0 {
            let n = (charges[k] ?? 0) + sign * v
            charges[k] = n == 0 ? nil : n
        }
        quotaCharges[q] = charges.isEmpty ? nil : charges
        let usage = sign > 0 ? (quotaUsage[q] ?? .zero) + ResourceVector(a.request) : (quotaUsage[q] ?? .zero) - ResourceVector(a.request)
        quotaUsage[q] = usage.isZero ? nil : usage
    }

    /// Keeps the per-quota demand of pods waiting for a node.
    func trackPending(_ f: PodFacts, waiting: Bool) {
        if let old = pendingQuotaOf.removeValue(forKey: f.uid) {
            pendingDemand[old]?[f.uid] = nil
            if pendingDemand[old]?.isEmpty == true { pendingDemand[old] = nil }
        }
        guard waiting, let q = f.quota, f.requestError == nil else { return }
        pendingQuotaOf[f.uid] = q
        pendingDemand[q, default: [:]][f.uid] = ResourceVector(f.request)
    }

    // MARK: Metrics

    /// Recomputes the ledger gauges; called periodically (a full pass over the devices is too much per event).
    public func refreshGauges() {
        guard let metrics else { return }
        var cores: [String: Int] = [:]
        var memory: [String: Int] = [:]
        var capacity: [String: Int] = [:]
        for slot in ledger.activeSlots {
            let n = ledger.nodes[slot]
            let pool = n.spec.pool ?? ""
            for d in n.devices {
                cores[pool, default: 0] += Int(d.usedCores)
                memory[pool, default: 0] += Int(d.usedMemoryMiB)
                capacity[pool, default: 0] += Int(d.totalCores)
            }
        }
        metrics.setLedger(allocatedCores: cores, allocatedMemoryMiB: memory, capacityCores: capacity,
                          reservations: ledger.reservations.count, inFlight: inFlight.count)
    }
}
