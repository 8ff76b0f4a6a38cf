// The heart of the engine: every node's inventory and every per-device share held by a pod or reservation.
// A value type so planners can try placements on a copy; the extender wraps one in an actor (DESIGN §6.4).
// Updates are incremental (a pod, a device, a node) — nothing is rebuilt per decision.

import Foundation

/// Free and used state of one device. Plain integers, so filter/score loops over thousands run fast.
public struct LedgerDevice: Hashable, Sendable {
    /// Interned vendor and model (see `DeviceLedger.vendorName(_:)` / `modelName(_:)`).
    public internal(set) var vendor: Int32
    public internal(set) var model: Int32
    public internal(set) var totalCores: Int32
    public internal(set) var totalMemoryMiB: Int32
    public internal(set) var maxSlices: Int32
    public internal(set) var usedCores: Int32 = 0
    public internal(set) var usedMemoryMiB: Int32 = 0
    /// Slices currently hosted.
    public internal(set) var slices: Int32 = 0
    /// Held whole by one pod.
    public internal(set) var exclusive = false
    public internal(set) var healthy: Bool

    public var freeCores: Int { Int(totalCores) - Int(usedCores) }
    public var freeMemoryMiB: Int { Int(totalMemoryMiB) - Int(usedMemoryMiB) }
    /// Nothing on it at all: the only state in which it can be taken whole.
    public var isIdle: Bool { slices == 0 && !exclusive && usedCores == 0 && usedMemoryMiB == 0 }
}

public struct LedgerNode: Sendable {
    /// The inventory behind one immutable reference, replaced on change: copying a node (which the filter
    /// loops do) then retains one object instead of every string, array and dictionary of the spec.
    final class SpecBox: Sendable {
        let spec: NodeSpec
        init(_ spec: NodeSpec) { self.spec = spec }
    }

    private(set) var specBox: SpecBox
    public var spec: NodeSpec { specBox.spec }
    /// The first `PodRequest.maxDevicesPerPod` (64) devices of `spec.devices`, in the same order.
    public internal(set) var devices: [LedgerDevice]
    public internal(set) var cpuUsed: Int64 = 0
    public internal(set) var memoryUsed: Int64 = 0
    public internal(set) var podsUsed = 0
    /// Bumped on every change to the node, so callers can cache per-node results.
    public internal(set) var generation: UInt64 = 0
    /// False for a removed node's slot (slots are reused, never shifted).
    public internal(set) var active = true
    public internal(set) var poolCode: Int32 = -1
    public internal(set) var rackCode: Int32 = -1
    // Scalars of the spec the filter reads for every node, kept beside it.
    public private(set) var cpuCapacity: Int64
    public private(set) var memoryCapacity: Int64
    public private(set) var maxPods: Int
    public private(set) var schedulable: Bool
    private(set) var hasTaints: Bool
    /// Device sums over healthy devices, refreshed on every device change (the filter reads them per node).
    private(set) var cachedTotals = NodeTotals(freeUnits: 0, totalCores: 0, usedCores: 0)
    /// Devices that could be taken whole (healthy and idle), refreshed with `cachedTotals`.
    private(set) var idleMask = DeviceMask()
    /// Devices that could take one more slice of some size (healthy, not held whole, below their slice
    /// limit), refreshed with `cachedTotals`; the filter still checks free cores, memory, vendor and model.
    private(set) var openMask = DeviceMask()

    /// Refreshes every cached device sum and mask; call after any change to `devices`.
    mutating func refreshTotals() {
        var free = 0, total = 0, used = 0
        var idle = DeviceMask(), open = DeviceMask()
        for (i, d) in devices.enumerated() where d.healthy {
            total += Int(d.totalCores)
            used += Int(d.usedCores)
            if !d.exclusive { free += max(0, d.freeCores) }
            if d.isIdle { idle.insert(i) }
            if !d.exclusive && d.slices < d.maxSlices { open.insert(i) }
        }
        cachedTotals = NodeTotals(freeUnits: Double(free) / 100, totalCores: total, usedCores: used)
        idleMask = idle
        openMask = open
    }

    init(spec: NodeSpec, devices: [LedgerDevice]) {
        specBox = SpecBox(spec)
        self.devices = devices
        cpuCapacity = spec.cpuMilli
        memoryCapacity = spec.memoryBytes
        maxPods = spec.maxPods
        schedulable = spec.schedulable
        hasTaints = !spec.taints.isEmpty
    }

    /// Changes the spec (a new box) and refreshes the cached scalars.
    mutating func updateSpec(_ change: (inout NodeSpec) -> Void) {
        var s = specBox.spec
        change(&s)
        specBox = SpecBox(s)
        cpuCapacity = s.cpuMilli
        memoryCapacity = s.memoryBytes
        maxPods = s.maxPods
        schedulable = s.schedulable
        hasTaints = !s.taints.isEmpty
    }

    public var name: String { specBox.spec.name }
    public var cpuFree: Int64 { cpuCapacity - cpuUsed }
    public var memoryFree: Int64 { memoryCapacity - memoryUsed }
    public var podsFree: Int { maxPods - podsUsed }
    public var totalCores: Int { devices.reduce(0) { $0 + Int($1.totalCores) } }
    public var freeCores: Int { devices.reduce(0) { $0 + max(0, $1.healthy ? $1.freeCores : 0) } }
    public var usedCores: Int { devices.reduce(0) { $0 + Int($1.usedCores) } }
    public var idleDevices: Int { devices.reduce(0) { $0 + ($1.isIdle && $1.healthy ? 1 : 0) } }
}

public enum LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownNode(String)
    case unknownAllocation(String)
    case duplicateAllocation(String)
    case unknownDevice(node: String, device: String)
    case doesNotFit(node: String, FitFailure)
    case assignmentMismatch(String)
    case notAReservation(String)
    case malformedAnnotation(String)
    case invalidRequest(RequestError)

    public var description: String {
        switch self {
        case .unknownNode(let n): return "unknown node \(n)"
        case .unknownAllocation(let id): return "no allocation \(id)"
        case .duplicateAllocation(let id): return "allocation \(id) already exists"
        case .unknownDevice(let n, let d): return "node \(n) has no device \(d)"
        case .doesNotFit(let n, let f): return "does not fit on \(n): \(f)"
        case .assignmentMismatch(let why): return "device assignment does not match the request: \(why)"
        case .notAReservation(let id): return "allocation \(id) is not a reservation"
        case .malformedAnnotation(let part): return "malformed gantry.dev/devices entry '\(part)'"
        case .invalidRequest(let e): return "invalid request: \(e)"
        }
    }
}

/// Small string table so devices compare vendors/models as integers.
struct Interner: Sendable {
    private(set) var names: [String] = []
    private var codes: [String: Int32] = [:]

    mutating func code(_ name: String) -> Int32 {
        if let c = codes[name] { return c }
        let c = Int32(names.count)
        names.append(name)
        codes[name] = c
        return c
    }

    func existing(_ name: String) -> Int32? { codes[name] }
    func name(_ code: Int32) -> String { code >= 0 && Int(code) < names.count ? names[Int(code)] : "" }
    var count: Int { names.count }
}

public struct DeviceLedger: Sendable {
    public private(set) var nodes: [LedgerNode] = []
    private var slotByName: [String: Int] = [:]
    /// The same map for `slot(of:)`, cheaper to probe (see NameIndex).
    private var nameIndex = NameIndex()
    private var freeSlots: [Int] = []
    public private(set) var allocations: [String: Allocation] = [:]
    /// Allocation IDs per node slot.
    private var nodeAllocations: [Set<String>] = []
    private var reservationIDs: Set<String> = []
    var vendors = Interner()
    var models = Interner()
    var pools = Interner()
    var racks = Interner()
    /// Bumped on every change anywhere in the ledger.
    public private(set) var generation: UInt64 = 0
    /// Position of each slot's node name in name order: the engine breaks equal scores by it (first-fit in
    /// a stable order) without comparing strings. Kept up to date as nodes come and go.
    public private(set) var nameRank: [Int] = []
    private var sortedNames: [String] = []

    public init() {}

    public init(nodes: [NodeSpec]) {
        for n in nodes { upsertNode(n) }
    }

    // MARK: - Lookup

    @inline(__always)
    public func slot(of node: String) -> Int? { nameIndex.find(node) ?? slotByName[node] }
    public func node(named name: String) -> LedgerNode? { slotByName[name].map { nodes[$0] } }
    public var activeSlots: [Int] { nodes.indices.filter { nodes[$0].active } }
    public var nodeCount: Int { slotByName.count }
    public func vendorName(_ code: Int32) -> String { vendors.name(code) }
    public func modelName(_ code: Int32) -> String { models.name(code) }
    public func rackName(_ code: Int32) -> String? { code < 0 ? nil : racks.name(code) }
    public func allocation(_ id: String) -> Allocation? { allocations[id] }
    public var reservations: [Allocation] { reservationIDs.sorted().compactMap { allocations[$0] } }

    public func allocations(onNode name: String) -> [Allocation] {
        guard let s = slotByName[name] else { return [] }
        return nodeAllocations[s].sorted().compactMap { allocations[$0] }
    }

    // MARK: - Inventory updates

    /// Adds a node or replaces its inventory. Existing allocations on it are kept and re-applied to the new
    /// device list by device ID, so a restart of the node agent or a changed device set never loses them.
    public mutating func upsertNode(_ spec: NodeSpec) {
        generation &+= 1
        var node = LedgerNode(spec: spec, devices: [])
        node.poolCode = spec.pool.map { pools.code($0) } ?? -1
        node.rackCode = spec.rack.map { racks.code($0) } ?? -1
        node.devices = spec.devices.prefix(PodRequest.maxDevicesPerPod).map { d in
            LedgerDevice(vendor: vendors.code(d.vendor), model: models.code(d.model),
                         totalCores: Self.clamp32(d.cores), totalMemoryMiB: Self.clamp32(d.memoryMiB),
                         maxSlices: Self.clamp32(d.maxSlices), healthy: d.healthy)
        }
        node.refreshTotals()
        if let slot = slotByName[spec.name] {
            node.generation = nodes[slot].generation &+ 1
            for id in nodeAllocations[slot].sorted() {
                if let a = allocations[id] { Self.apply(a, to: &node, sign: 1) }
            }
            nodes[slot] = node
        } else if let slot = freeSlots.popLast() {
            node.generation = nodes[slot].generation &+ 1
            nodes[slot] = node
            nodeAllocations[slot] = []
            slotByName[spec.name] = slot
            nameIndex.insert(spec.name, slot: slot)
            insertRank(spec.name, slot: slot)
        } else {
            slotByName[spec.name] = nodes.count
            nameIndex.insert(spec.name, slot: nodes.count)
            nodes.append(node)
            nodeAllocations.append([])
            nameRank.append(0)
            insertRank(spec.name, slot: nodes.count - 1)
        }
    }

    /// Removes a node and every allocation on it; returns those allocations so the caller can act on the pods.
    @discardableResult
    public mutating func removeNode(_ name: String) -> [Allocation] {
        guard let slot = slotByName.removeValue(forKey: name) else { return [] }
        nameIndex.remove(slot: slot)
        generation &+= 1
        let removed = nodeAllocations[slot].sorted().compactMap { allocations.removeValue(forKey: $0) }
        for a in removed { reservationIDs.remove(a.id) }
        nodes[slot].active = false
        nodeAllocations[slot] = []
        removeRank(name, slot: slot)
        nodes[slot].devices = []
        nodes[slot].refreshTotals()
        nodes[slot].generation &+= 1
        freeSlots.append(slot)
        return removed
    }

    /// Marks one device healthy or not; allocations on it stay (the pods still run there).
    public mutating func setDeviceHealth(node: String, device: String, healthy: Bool) throws(LedgerError) {
        let (slot, pos) = try locate(node: node, device: device)
        generation &+= 1
        nodes[slot].updateSpec { $0.devices[pos].healthy = healthy }
        if pos < nodes[slot].devices.count { nodes[slot].devices[pos].healthy = healthy }
        nodes[slot].refreshTotals()
        nodes[slot].generation &+= 1
    }

    public mutating func setDeviceTemperature(node: String, device: String, _ reading: TemperatureReading?) throws(LedgerError) {
        let (slot, pos) = try locate(node: node, device: device)
        generation &+= 1
        nodes[slot].updateSpec { $0.devices[pos].temperature = reading }
        nodes[slot].generation &+= 1
    }

    public mutating func setEnclosureTemperatures(node: String, chassis: TemperatureReading?, rack: TemperatureReading?) throws(LedgerError) {
        guard let slot = slotByName[node] else { throw .unknownNode(node) }
        generation &+= 1
        nodes[slot].updateSpec {
            $0.chassisTemperature = chassis
            $0.rackTemperature = rack
        }
        nodes[slot].generation &+= 1
    }

    public mutating func setSchedulable(node: String, _ schedulable: Bool) throws(LedgerError) {
        guard let slot = slotByName[node] else { throw .unknownNode(node) }
        generation &+= 1
        nodes[slot].updateSpec { $0.schedulable = schedulable }
        nodes[slot].generation &+= 1
    }

    private mutating func insertRank(_ name: String, slot: Int) {
        var lo = 0, hi = sortedNames.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedNames[mid] < name { lo = mid + 1 } else { hi = mid }
        }
        sortedNames.insert(name, at: lo)
        for s in nameRank.indices where nodes[s].active && nameRank[s] >= lo && s != slot { nameRank[s] += 1 }
        nameRank[slot] = lo
    }

    private mutating func removeRank(_ name: String, slot: Int) {
        let r = nameRank[slot]
        if r < sortedNames.count && sortedNames[r] == name { sortedNames.remove(at: r) }
        for s in nameRank.indices where nodes[s].active && nameRank[s] > r { nameRank[s] -= 1 }
        nameRank[slot] = Int.max
    }

    private func locate(node: String, device: String) throws(LedgerError) -> (Int, Int) {
        guard let slot = slotByName[node] else { throw .unknownNode(node) }
        guard let pos = nodes[slot].spec.devices.firstIndex(where: { $0.id == device }) else {
            throw .unknownDevice(node: node, device: device)
        }
        return (slot, pos)
    }

    // MARK: - Allocations

    /// Places `request` on `node` with the given device assignment, after checking it against the free state:
    /// the only way shares enter the ledger besides `record`, so nothing can over-commit a device or node.
    @discardableResult
    public mutating func allocate(_ id: String, request: PodRequest, on node: String, assignment: DeviceAssignment,
                                  owner: WorkloadRef = .init(), reservation: Reservation? = nil) throws(LedgerError) -> Allocation {
        do { try request.validate() } catch { throw .invalidRequest(error) }
        guard allocations[id] == nil else { throw .duplicateAllocation(id) }
        guard let slot = slotByName[node] else { throw .unknownNode(node) }
        let compiled = compile(request)
        try nodes[slot].check(compiled, assignment: assignment)
        let grants = nodes[slot].grants(for: compiled, assignment: assignment)
        let a = Allocation(id: id, node: node, request: request, grants: grants, owner: owner, reservation: reservation)
        insert(a, slot: slot)
        return a
    }

    /// Fits and allocates in one step, choosing devices with `choice`.
    @discardableResult
    public mutating func place(_ id: String, request: PodRequest, on node: String, choice: DeviceChoice = .binpack,
                               owner: WorkloadRef = .init(), reservation: Reservation? = nil) throws(LedgerError) -> Allocation {
        guard let slot = slotByName[node] else { throw .unknownNode(node) }
        switch fit(compile(request), slot: slot, choice: choice) {
        case .fits(let assignment):
            return try allocate(id, request: request, on: node, assignment: assignment, owner: owner, reservation: reservation)
        case .fails(let why):
            throw .doesNotFit(node: node, why)
        }
    }

    /// Records an allocation known from durable state (pod annotations after a restart). Device shares are
    /// taken by device ID. With `allowOvercommit` the record is kept even if it exceeds free capacity, because
    /// running pods are facts; the node then simply has no room until they leave.
    public mutating func record(_ allocation: Allocation, allowOvercommit: Bool = false) throws(LedgerError) {
        guard allocations[allocation.id] == nil else { throw .duplicateAllocation(allocation.id) }
        guard let slot = slotByName[allocation.node] else { throw .unknownNode(allocation.node) }
        var a = allocation
        var seen = Set<String>()
        for (i, g) in a.grants.enumerated() {
            guard let pos = nodes[slot].spec.devices.firstIndex(where: { $0.id == g.deviceID }) else {
                throw .unknownDevice(node: allocation.node, device: g.deviceID)
            }
            guard seen.insert(g.deviceID).inserted else { throw .assignmentMismatch("device \(g.deviceID) granted twice") }
            let spec = nodes[slot].spec.devices[pos]
            if g.cores >= spec.cores && g.memoryMiB >= spec.memoryMiB { a.grants[i].whole = true }
            if allowOvercommit || pos >= nodes[slot].devices.count { continue }
            let d = nodes[slot].devices[pos]
            let ok = a.grants[i].whole
                ? d.isIdle
                : !d.exclusive && d.slices < d.maxSlices && d.freeCores >= g.cores && d.freeMemoryMiB >= g.memoryMiB
            if !ok { throw .doesNotFit(node: allocation.node, .devices(nodes[slot].diagnose(compile(allocation.request), blocked: .empty, excluding: .empty))) }
        }
        if !allowOvercommit {
            let n = nodes[slot]
            if n.cpuFree < a.request.cpuMilli {
                throw .doesNotFit(node: a.node, .insufficientCPU(freeMilli: n.cpuFree, requestedMilli: a.request.cpuMilli, capacityMilli: n.cpuCapacity))
            }
            if n.memoryFree < a.request.memoryBytes {
                throw .doesNotFit(node: a.node, .insufficientMemory(freeBytes: n.memoryFree, requestedBytes: a.request.memoryBytes, capacityBytes: n.spec.memoryBytes))
            }
            if n.podsFree < 1 { throw .doesNotFit(node: a.node, .tooManyPods(capacity: n.spec.maxPods)) }
        }
        insert(a, slot: slot)
    }

    /// Releases an allocation or reservation; returns it, or nil if unknown (releasing twice is harmless).
    @discardableResult
    public mutating func release(_ id: String) -> Allocation? {
        guard let a = allocations.removeValue(forKey: id) else { return nil }
        generation &+= 1
        reservationIDs.remove(id)
        if let slot = slotByName[a.node] {
            Self.apply(a, to: &nodes[slot], sign: -1)
            nodeAllocations[slot].remove(id)
            nodes[slot].generation &+= 1
        }
        return a
    }

    /// Turns a reservation into the bound allocation of pod `podID`, keeping its devices.
    @discardableResult
    public mutating func bindReservation(_ reservationID: String, to podID: String, owner: WorkloadRef? = nil) throws(LedgerError) -> Allocation {
        guard var a = allocations[reservationID] else { throw .unknownAllocation(reservationID) }
        guard a.reservation != nil else { throw .notAReservation(reservationID) }
        guard podID == reservationID || allocations[podID] == nil else { throw .duplicateAllocation(podID) }
        generation &+= 1
        allocations.removeValue(forKey: reservationID)
        reservationIDs.remove(reservationID)
        a.id = podID
        a.reservation = nil
        if let owner { a.owner = owner }
        allocations[podID] = a
        if let slot = slotByName[a.node] {
            nodeAllocations[slot].remove(reservationID)
            nodeAllocations[slot].insert(podID)
            nodes[slot].generation &+= 1
        }
        return a
    }

    /// Releases every reservation whose TTL has passed; returns them.
    @discardableResult
    public mutating func expireReservations(now: Date) -> [Allocation] {
        let expired = reservationIDs.sorted().filter { id in
            guard let r = allocations[id]?.reservation else { return true }
            return r.expiresAt <= now
        }
        return expired.compactMap { release($0) }
    }

    private mutating func insert(_ a: Allocation, slot: Int) {
        generation &+= 1
        allocations[a.id] = a
        if a.reservation != nil { reservationIDs.insert(a.id) }
        Self.apply(a, to: &nodes[slot], sign: 1)
        nodeAllocations[slot].insert(a.id)
        nodes[slot].generation &+= 1
    }

    /// Adds (sign 1) or removes (sign -1) an allocation's usage on a node, matching devices by ID.
    private static func apply(_ a: Allocation, to node: inout LedgerNode, sign: Int64) {
        node.cpuUsed += sign * a.request.cpuMilli
        node.memoryUsed += sign * a.request.memoryBytes
        node.podsUsed += Int(sign)
        for g in a.grants {
            guard let pos = node.spec.devices.firstIndex(where: { $0.id == g.deviceID }), pos < node.devices.count else { continue }
            let s32 = Int32(sign)
            node.devices[pos].usedCores &+= s32 &* clamp32(g.cores)
            node.devices[pos].usedMemoryMiB &+= s32 &* clamp32(g.memoryMiB)
            if g.whole {
                node.devices[pos].exclusive = sign > 0
            } else {
                node.devices[pos].slices &+= s32
            }
        }
        if !a.grants.isEmpty { node.refreshTotals() }
    }

    static func clamp32(_ v: Int) -> Int32 { Int32(clamping: v) }
}
