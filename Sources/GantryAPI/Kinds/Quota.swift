// Quota: a queue and a node of the quota tree. It holds per-resource guaranteed / deserved / limit /
// lendable amounts (Volcano's guarantee/deserved/capability, Kueue's nominalQuota/borrowingLimit/
// lendingLimit), a weight for fair sharing, a state, preemption policy and time windows. Cluster-scoped.

import KubeCore

public struct Quota: GantryResource {
    public static let descriptor = GantryAPI.descriptor(kind: "Quota", plural: "quotas", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: QuotaSpec
    public var status: QuotaStatus?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, spec: QuotaSpec = QuotaSpec(), status: QuotaStatus? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        metadata = ObjectMeta(name: name)
        self.spec = spec
        self.status = status
    }
}

public struct QuotaState: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Accepts new work and dispatches queued work.
    public static let open: Self = "Open"
    /// Takes no new work (new jobs stay Queued with reason QuotaClosed) and dispatches nothing.
    public static let closed: Self = "Closed"
    /// Accepts no new work but dispatches what is already queued, to empty the queue.
    public static let draining: Self = "Draining"
    /// Neither accepts nor dispatches, and lends all its capacity.
    public static let inactive: Self = "Inactive"
    public static let allCases: [Self] = [.open, .closed, .draining, .inactive]

    /// Whether new TrainingJobs/InferenceServices are queued in this state.
    public var acceptsNewWork: Bool { self == .open }
    /// Whether queued work is admitted in this state.
    public var dispatches: Bool { self == .open || self == .draining }
}

public struct QueueingStrategy: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let strictFIFO: Self = "StrictFIFO"
    public static let bestEffortFIFO: Self = "BestEffortFIFO"
    public static let allCases: [Self] = [.strictFIFO, .bestEffortFIFO]
}

/// Kueue's withinClusterQueue values.
public struct WithinQuotaPolicy: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let never: Self = "Never"
    public static let lowerPriority: Self = "LowerPriority"
    public static let lowerOrNewerEqualPriority: Self = "LowerOrNewerEqualPriority"
    public static let allCases: [Self] = [.never, .lowerPriority, .lowerOrNewerEqualPriority]
}

/// Kueue's reclaimWithinCohort values.
public struct ReclaimPolicy: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let never: Self = "Never"
    public static let lowerPriority: Self = "LowerPriority"
    public static let any: Self = "Any"
    public static let allCases: [Self] = [.never, .lowerPriority, .any]
}

public struct Weekday: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let allCases: [Self] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
}

public struct QuotaSpec: Codable, Sendable, Hashable {
    public var parent: String?
    public var workspace: String?
    public var namespaces: [String]?
    public var resources: [String: QuotaResource]?
    public var weight: Int32?
    public var priority: Int32?
    public var state: QuotaState?
    public var queueing: QueueingStrategy?
    public var preemption: QuotaPreemption?
    public var timeWindows: [TimeWindow]?
    public var unknownFields: UnknownFields? = nil

    public init(parent: String? = nil, workspace: String? = nil, namespaces: [String]? = nil,
                resources: [String: QuotaResource]? = nil, weight: Int32? = nil, priority: Int32? = nil,
                state: QuotaState? = nil, queueing: QueueingStrategy? = nil, preemption: QuotaPreemption? = nil,
                timeWindows: [TimeWindow]? = nil) {
        self.parent = parent
        self.workspace = workspace
        self.namespaces = namespaces
        self.resources = resources
        self.weight = weight
        self.priority = priority
        self.state = state
        self.queueing = queueing
        self.preemption = preemption
        self.timeWindows = timeWindows
    }
}

/// The amounts of one resource.
public struct QuotaResource: Codable, Sendable, Hashable {
    public var guaranteed: Quantity?
    public var deserved: Quantity?
    public var limit: Quantity?
    public var lendable: Quantity?
    public var unknownFields: UnknownFields? = nil

    public init(guaranteed: Quantity? = nil, deserved: Quantity? = nil, limit: Quantity? = nil, lendable: Quantity? = nil) {
        self.guaranteed = guaranteed
        self.deserved = deserved
        self.limit = limit
        self.lendable = lendable
    }
}

public struct QuotaPreemption: Codable, Sendable, Hashable {
    public var withinQuota: WithinQuotaPolicy?
    public var reclaimFromOthers: ReclaimPolicy?
    public var borrowWhenIdle: Bool?
    public var unknownFields: UnknownFields? = nil

    public init(withinQuota: WithinQuotaPolicy? = nil, reclaimFromOthers: ReclaimPolicy? = nil, borrowWhenIdle: Bool? = nil) {
        self.withinQuota = withinQuota
        self.reclaimFromOthers = reclaimFromOthers
        self.borrowWhenIdle = borrowWhenIdle
    }
}

public struct QuotaStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var allocated: [String: Quantity]?
    public var used: [String: Quantity]?
    public var fairShare: [String: Quantity]?
    public var dominantShare: Double?
    public var pending: Int32?
    public var admitted: Int32?
    public var usage: QuotaUsage?
    public var conditions: [Condition]?
    public var unknownFields: UnknownFields? = nil

    public init(observedGeneration: Int64? = nil, allocated: [String: Quantity]? = nil, used: [String: Quantity]? = nil,
                fairShare: [String: Quantity]? = nil, dominantShare: Double? = nil, pending: Int32? = nil,
                admitted: Int32? = nil, usage: QuotaUsage? = nil, conditions: [Condition]? = nil) {
        self.observedGeneration = observedGeneration
        self.allocated = allocated
        self.used = used
        self.fairShare = fairShare
        self.dominantShare = dominantShare
        self.pending = pending
        self.admitted = admitted
        self.usage = usage
        self.conditions = conditions
    }
}

/// Accrued consumption, for metering and chargeback.
public struct QuotaUsage: Codable, Sendable, Hashable {
    public var deviceHours: Double?
    public var cpuHours: Double?
    public var since: Time?
    public var unknownFields: UnknownFields? = nil

    public init(deviceHours: Double? = nil, cpuHours: Double? = nil, since: Time? = nil) {
        self.deviceHours = deviceHours
        self.cpuHours = cpuHours
        self.since = since
    }
}

// MARK: - Defaults and validation

extension Quota {
    public static let weightRange: ClosedRange<Int32> = 1...65535

    public mutating func applyDefaults() {
        if spec.weight == nil { spec.weight = 1 }
        if spec.priority == nil { spec.priority = 0 }
        if spec.state == nil { spec.state = .open }
        if spec.queueing == nil { spec.queueing = .bestEffortFIFO }
        var p = spec.preemption ?? QuotaPreemption()
        if p.withinQuota == nil { p.withinQuota = .lowerPriority }
        if p.reclaimFromOthers == nil { p.reclaimFromOthers = .any }
        if p.borrowWhenIdle == nil { p.borrowWhenIdle = true }
        spec.preemption = p
        if let windows = spec.timeWindows {
            spec.timeWindows = windows.map { w in
                var w = w
                if w.timeZone == nil { w.timeZone = "UTC" }
                return w
            }
        }
    }

    public func validate() -> FieldErrors {
        var errors = validateTypeMeta()
        // The name becomes the gantry.dev/quota label value on pods.
        errors.checkObjectName(metadata, Self.definition.nameRule)
        let spec = FieldPath("spec")
        if let parent = self.spec.parent {
            errors.checkName(parent, .dns1123Label, spec.child("parent"))
            if parent == metadata.name {
                errors.append(.invalid(spec.child("parent"), .string(parent), "a quota cannot be its own parent"))
            }
        }
        errors.checkOptionalName(self.spec.workspace, .dns1123Label, spec.child("workspace"))
        errors.checkNameSet(self.spec.namespaces, .dns1123Label, spec.child("namespaces"))
        for name in (self.spec.resources ?? [:]).keys.sorted() {
            errors += Self.validateResource(name, self.spec.resources?[name] ?? QuotaResource(),
                                            spec.child("resources").key(name))
        }
        if let w = self.spec.weight, !Self.weightRange.contains(w) {
            errors.append(.invalid(spec.child("weight"), .int(Int64(w)), "must be between 1 and 65535"))
        }
        errors.checkEnum(self.spec.state, spec.child("state"))
        errors.checkEnum(self.spec.queueing, spec.child("queueing"))
        errors.checkEnum(self.spec.preemption?.withinQuota, spec.child("preemption", "withinQuota"))
        errors.checkEnum(self.spec.preemption?.reclaimFromOthers, spec.child("preemption", "reclaimFromOthers"))
        for (i, w) in (self.spec.timeWindows ?? []).enumerated() {
            errors += w.validate(spec.child("timeWindows").index(i))
        }
        return errors
    }

    /// A resource entry: a valid resource name, non-negative amounts, guaranteed ≤ deserved ≤ limit and
    /// lendable ≤ deserved.
    static func validateResource(_ name: String, _ r: QuotaResource, _ path: FieldPath) -> FieldErrors {
        var errors = FieldErrors()
        errors.checkResourceName(name, path)
        let amounts: [(String, Quantity?)] = [("guaranteed", r.guaranteed), ("deserved", r.deserved), ("limit", r.limit),
                                              ("lendable", r.lendable)]
        if amounts.allSatisfy({ $0.1 == nil }) {
            errors.append(.required(path, "at least one of guaranteed, deserved, limit or lendable"))
        }
        var valid: [String: Quantity] = [:]
        for (field, q) in amounts {
            guard let q else { continue }
            if q.isNegative {
                errors.append(.invalid(path.child(field), q.jsonValue, "must be greater than or equal to 0"))
            } else {
                valid[field] = q
            }
        }
        func atMost(_ lower: String, _ upper: String) {
            if let a = valid[lower], let b = valid[upper], a > b {
                errors.append(.invalid(path.child(lower), a.jsonValue, "must be less than or equal to \(upper) (\(b))"))
            }
        }
        atMost("guaranteed", "deserved")
        atMost("deserved", "limit")
        if valid["deserved"] == nil { atMost("guaranteed", "limit") }
        atMost("lendable", "deserved")
        return errors
    }
}
