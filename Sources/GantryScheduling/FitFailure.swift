// Why a pod does not fit a node, specific enough to show a user ("2/8 devices can take a 50% slice; 3
// needed"), and whether evicting pods could ever help (kube-scheduler's FailedAndUnresolvableNodes).

/// Per-device tally behind a device shortfall: how many devices were usable and why the others were not.
public struct DeviceShortfall: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// Slices of `cores` percent and `memoryMiB` each (memory nil = in proportion to cores).
        case slices(cores: Int, memoryMiB: Int?)
        /// Whole devices of a vendor (nil = any).
        case whole(vendor: String?)
    }

    public var kind: Kind
    public var needed: Int
    /// Devices that could take one more unit of this request now.
    public var fitting: Int
    /// Devices on the node.
    public var total: Int
    public var unhealthy = 0
    public var otherVendor = 0
    public var modelNotAllowed = 0
    /// Devices over the chip temperature hard threshold.
    public var overheated = 0
    /// Held whole by another pod (for slices) or not idle (for whole devices).
    public var busy = 0
    public var atSliceLimit = 0
    public var lowCores = 0
    public var lowMemory = 0
    /// Taken by another part of the same request (mixed whole + slice pods).
    public var takenBySameRequest = 0
    /// Devices past the 64th, which the engine does not schedule.
    public var beyondLimit = 0
    /// Devices that would fit if every pod on them were evicted.
    public var fittingWhenEmpty: Int

    public init(kind: Kind, needed: Int, fitting: Int, total: Int, fittingWhenEmpty: Int) {
        self.kind = kind
        self.needed = needed
        self.fitting = fitting
        self.total = total
        self.fittingWhenEmpty = fittingWhenEmpty
    }

    public var resolvable: Bool { fittingWhenEmpty >= needed }
}

extension DeviceShortfall: CustomStringConvertible {
    public var description: String {
        let what: String
        switch kind {
        case .slices(let cores, let mem):
            what = "can take a \(cores)% cores" + (mem.map { " / \($0) MiB" } ?? "") + " slice"
        case .whole(let vendor):
            what = "are free whole" + (vendor.map { " \($0)" } ?? "") + " devices"
        }
        var reasons: [String] = []
        func add(_ n: Int, _ s: String) { if n > 0 { reasons.append("\(n) \(s)") } }
        add(busy, {
            if case .whole = kind { return "in use" }
            return "held whole"
        }())
        add(lowCores, "too few cores free")
        add(lowMemory, "too little memory free")
        add(atSliceLimit, "at their slice limit")
        add(unhealthy, "unhealthy")
        add(overheated, "over the hard temperature")
        add(modelNotAllowed, "of a model not allowed")
        add(otherVendor, "of another vendor")
        add(takenBySameRequest, "taken by the pod's other devices")
        add(beyondLimit, "beyond the 64th device")
        let tail = reasons.isEmpty ? "" : " (" + reasons.joined(separator: ", ") + ")"
        return "\(fitting)/\(total) devices \(what); \(needed) needed\(tail)"
    }
}

public enum FitFailure: Hashable, Sendable, CustomStringConvertible {
    case unknownNode(String)
    case cordoned
    case notInAllowedPool(pool: String?)
    case untoleratedTaint(key: String)
    /// Over a hard thermal threshold: never resolvable by preemption.
    case overheated(ThermalViolation)
    case insufficientCPU(freeMilli: Int64, requestedMilli: Int64, capacityMilli: Int64)
    case insufficientMemory(freeBytes: Int64, requestedBytes: Int64, capacityBytes: Int64)
    case tooManyPods(capacity: Int)
    case devices(DeviceShortfall)
    /// The pod belongs to a gang whose plan put it elsewhere.
    case outsideGangPlan(gang: String)

    /// Whether evicting pods from the node could make the pod fit.
    public var resolvable: Bool {
        switch self {
        case .unknownNode, .cordoned, .notInAllowedPool, .untoleratedTaint, .overheated, .outsideGangPlan: return false
        case .insufficientCPU(_, let req, let cap): return req <= cap
        case .insufficientMemory(_, let req, let cap): return req <= cap
        case .tooManyPods(let cap): return cap > 0
        case .devices(let s): return s.resolvable
        }
    }

    public var description: String {
        switch self {
        case .unknownNode(let n): return "node \(n) is not in the device ledger"
        case .cordoned: return "node is cordoned"
        case .notInAllowedPool(let pool): return "node is in pool \(pool ?? "(none)"), not one the pod may use"
        case .untoleratedTaint(let key): return "node has taint \(key) the pod does not tolerate"
        case .overheated(let v): return v.description
        case .insufficientCPU(let free, let req, _): return "insufficient cpu: \(free)m free, \(req)m requested"
        case .insufficientMemory(let free, let req, _):
            return "insufficient memory: \(free / (1 << 20)) MiB free, \(req / (1 << 20)) MiB requested"
        case .tooManyPods(let cap): return "node already runs its maximum of \(cap) pods"
        case .devices(let s): return s.description
        case .outsideGangPlan(let gang): return "gang \(gang) is planned onto other nodes"
        }
    }
}
