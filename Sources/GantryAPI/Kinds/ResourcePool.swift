// ResourcePool: a set of nodes with one device class and one purpose (an "AI partition"): which nodes,
// how pods are packed onto them, the thermal limits that make the scheduler back off, the cost and speed
// used for cost/performance-aware placement, and which workspaces may use it. Cluster-scoped.

import KubeCore

public struct ResourcePool: GantryResource {
    public static let descriptor = GantryAPI.descriptor(kind: "ResourcePool", plural: "resourcepools", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ResourcePoolSpec
    public var status: ResourcePoolStatus?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, spec: ResourcePoolSpec, status: ResourcePoolStatus? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        metadata = ObjectMeta(name: name)
        self.spec = spec
        self.status = status
    }
}

public struct DeviceClass: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let enflameGCU: Self = "enflame-gcu"
    public static let nvidiaGPU: Self = "nvidia-gpu"
    public static let cpu: Self = "cpu"
    public static let allCases: [Self] = [.enflameGCU, .nvidiaGPU, .cpu]

    /// The DeviceSlice vendor whose devices belong to the class, nil for cpu.
    public var vendor: String? {
        switch self {
        case .enflameGCU: "enflame"
        case .nvidiaGPU: "nvidia"
        default: nil
        }
    }

    /// The whole-device resource name of the class.
    public var wholeDeviceResource: String? {
        switch self {
        case .enflameGCU: ResourceName.enflameGCU
        case .nvidiaGPU: ResourceName.nvidiaGPU
        default: nil
        }
    }
}

public struct PoolUsage: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let training: Self = "training"
    public static let inference: Self = "inference"
    public static let mixed: Self = "mixed"
    public static let allCases: [Self] = [.training, .inference, .mixed]
}

public struct PackingPolicy: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let binpack: Self = "Binpack"
    public static let spread: Self = "Spread"
    public static let allCases: [Self] = [.binpack, .spread]
}

public struct TaintEffect: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let noSchedule: Self = "NoSchedule"
    public static let preferNoSchedule: Self = "PreferNoSchedule"
    public static let noExecute: Self = "NoExecute"
    public static let allCases: [Self] = [.noSchedule, .preferNoSchedule, .noExecute]
}

public struct ResourcePoolSpec: Codable, Sendable, Hashable {
    public var nodeSelector: LabelSelector
    public var deviceClass: DeviceClass
    public var usage: PoolUsage?
    public var policy: PoolPolicy?
    public var thermal: ThermalPolicy?
    public var costPerDeviceHour: Double?
    public var performanceFactor: Double?
    public var taint: PoolTaint?
    public var workspaces: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(nodeSelector: LabelSelector, deviceClass: DeviceClass, usage: PoolUsage? = nil, policy: PoolPolicy? = nil,
                thermal: ThermalPolicy? = nil, costPerDeviceHour: Double? = nil, performanceFactor: Double? = nil,
                taint: PoolTaint? = nil, workspaces: [String]? = nil) {
        self.nodeSelector = nodeSelector
        self.deviceClass = deviceClass
        self.usage = usage
        self.policy = policy
        self.thermal = thermal
        self.costPerDeviceHour = costPerDeviceHour
        self.performanceFactor = performanceFactor
        self.taint = taint
        self.workspaces = workspaces
    }
}

public struct PoolPolicy: Codable, Sendable, Hashable {
    public var node: PackingPolicy?
    public var device: PackingPolicy?
    public var fragmentationAware: Bool?
    public var unknownFields: UnknownFields? = nil

    public init(node: PackingPolicy? = nil, device: PackingPolicy? = nil, fragmentationAware: Bool? = nil) {
        self.node = node
        self.device = device
        self.fragmentationAware = fragmentationAware
    }
}

/// Soft and hard limits for one temperature.
public struct ThermalThreshold: Codable, Sendable, Hashable {
    public var softC: Double?
    public var hardC: Double?
    public var unknownFields: UnknownFields? = nil

    public init(softC: Double? = nil, hardC: Double? = nil) {
        self.softC = softC
        self.hardC = hardC
    }
}

public struct ThermalPolicy: Codable, Sendable, Hashable {
    public var chip: ThermalThreshold?
    public var chassis: ThermalThreshold?
    public var rack: ThermalThreshold?
    public var staleAfterSeconds: Int32?
    public var unknownFields: UnknownFields? = nil

    public init(chip: ThermalThreshold? = nil, chassis: ThermalThreshold? = nil, rack: ThermalThreshold? = nil,
                staleAfterSeconds: Int32? = nil) {
        self.chip = chip
        self.chassis = chassis
        self.rack = rack
        self.staleAfterSeconds = staleAfterSeconds
    }
}

public struct PoolTaint: Codable, Sendable, Hashable {
    public var key: String
    public var value: String?
    public var effect: TaintEffect
    public var unknownFields: UnknownFields? = nil

    public init(key: String, value: String? = nil, effect: TaintEffect) {
        self.key = key
        self.value = value
        self.effect = effect
    }
}

public struct ResourcePoolStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var nodes: Int32?
    public var readyNodes: Int32?
    public var devices: Int32?
    public var healthyDevices: Int32?
    public var capacity: [String: Quantity]?
    public var allocated: [String: Quantity]?
    public var free: [String: Quantity]?
    public var utilizationPercent: Int32?
    public var hottest: PoolTemperatures?
    public var racks: [RackReading]?
    public var conditions: [Condition]?
    public var unknownFields: UnknownFields? = nil

    public init(observedGeneration: Int64? = nil, nodes: Int32? = nil, readyNodes: Int32? = nil, devices: Int32? = nil,
                healthyDevices: Int32? = nil, capacity: [String: Quantity]? = nil, allocated: [String: Quantity]? = nil,
                free: [String: Quantity]? = nil, utilizationPercent: Int32? = nil, hottest: PoolTemperatures? = nil,
                racks: [RackReading]? = nil, conditions: [Condition]? = nil) {
        self.observedGeneration = observedGeneration
        self.nodes = nodes
        self.readyNodes = readyNodes
        self.devices = devices
        self.healthyDevices = healthyDevices
        self.capacity = capacity
        self.allocated = allocated
        self.free = free
        self.utilizationPercent = utilizationPercent
        self.hottest = hottest
        self.racks = racks
        self.conditions = conditions
    }
}

public struct PoolTemperatures: Codable, Sendable, Hashable {
    public var chipC: Double?
    public var chassisC: Double?
    public var rackC: Double?
    public var unknownFields: UnknownFields? = nil

    public init(chipC: Double? = nil, chassisC: Double? = nil, rackC: Double? = nil) {
        self.chipC = chipC
        self.chassisC = chassisC
        self.rackC = rackC
    }
}

public struct RackReading: Codable, Sendable, Hashable {
    public var name: String
    public var temperatureC: Double?
    public var time: Time?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, temperatureC: Double? = nil, time: Time? = nil) {
        self.name = name
        self.temperatureC = temperatureC
        self.time = time
    }
}

// MARK: - Defaults and validation

extension ResourcePool {
    public mutating func applyDefaults() {
        if spec.usage == nil { spec.usage = .mixed }
        var policy = spec.policy ?? PoolPolicy()
        if policy.node == nil { policy.node = .binpack }
        if policy.device == nil { policy.device = .binpack }
        if policy.fragmentationAware == nil { policy.fragmentationAware = true }
        spec.policy = policy
        var thermal = spec.thermal ?? ThermalPolicy()
        if thermal.staleAfterSeconds == nil { thermal.staleAfterSeconds = 120 }
        spec.thermal = thermal
        if spec.performanceFactor == nil { spec.performanceFactor = 1 }
    }

    public func validate() -> FieldErrors {
        var errors = validateTypeMeta()
        // The name becomes the gantry.dev/pool label value on member nodes.
        errors.checkObjectName(metadata, Self.definition.nameRule)
        let spec = FieldPath("spec")
        errors += Self.validateSelector(self.spec.nodeSelector, spec.child("nodeSelector"))
        errors.checkEnum(self.spec.deviceClass, spec.child("deviceClass"))
        errors.checkEnum(self.spec.usage, spec.child("usage"))
        errors.checkEnum(self.spec.policy?.node, spec.child("policy", "node"))
        errors.checkEnum(self.spec.policy?.device, spec.child("policy", "device"))
        if let thermal = self.spec.thermal {
            let p = spec.child("thermal")
            for (name, threshold) in [("chip", thermal.chip), ("chassis", thermal.chassis), ("rack", thermal.rack)] {
                guard let threshold else { continue }
                let tp = p.child(name)
                if let s = threshold.softC { errors.checkTemperature(s, tp.child("softC")) }
                if let h = threshold.hardC { errors.checkTemperature(h, tp.child("hardC")) }
                if let s = threshold.softC, let h = threshold.hardC, s.isFinite, h.isFinite, s >= h {
                    errors.append(.invalid(tp.child("softC"), Self.number(s),
                                           "must be less than hardC (\(Self.number(h))): the soft limit is where the scheduler starts avoiding the device"))
                }
            }
            errors.checkRange(thermal.staleAfterSeconds, p.child("staleAfterSeconds"), min: 1)
        }
        if let cost = self.spec.costPerDeviceHour, !(cost >= 0) || !cost.isFinite {
            errors.append(.invalid(spec.child("costPerDeviceHour"), Self.number(cost), "must be greater than or equal to 0"))
        }
        if let factor = self.spec.performanceFactor, !(factor > 0) || !factor.isFinite {
            errors.append(.invalid(spec.child("performanceFactor"), Self.number(factor), "must be greater than 0"))
        }
        if let taint = self.spec.taint {
            let p = spec.child("taint")
            errors.checkQualifiedName(taint.key, p.child("key"))
            if let v = taint.value { errors.checkLabelValue(v, p.child("value")) }
            errors.checkEnum(taint.effect, p.child("effect"))
        }
        errors.checkNameSet(self.spec.workspaces, .dns1123Label, spec.child("workspaces"))
        return errors
    }

    /// A label selector: keys are qualified names, values label values, operators known, and values present
    /// exactly for In/NotIn, as the API server checks metav1.LabelSelector.
    static func validateSelector(_ s: LabelSelector, _ path: FieldPath) -> FieldErrors {
        var errors = FieldErrors()
        for key in (s.matchLabels ?? [:]).keys.sorted() {
            errors.checkQualifiedName(key, path.child("matchLabels"))
            errors.checkLabelValue(s.matchLabels?[key] ?? "", path.child("matchLabels").key(key))
        }
        for (i, r) in (s.matchExpressions ?? []).enumerated() {
            let p = path.child("matchExpressions").index(i)
            errors.checkQualifiedName(r.key, p.child("key"))
            switch r.operator.rawValue {
            case "In", "NotIn":
                if (r.values ?? []).isEmpty {
                    errors.append(.required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
                }
            case "Exists", "DoesNotExist":
                if !(r.values ?? []).isEmpty {
                    errors.append(.forbidden(p.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
                }
            default:
                errors.append(.notSupported(p.child("operator"), r.operator.rawValue, SelectorOperator.allCases.map(\.rawValue)))
            }
            for (j, v) in (r.values ?? []).enumerated() { errors.checkLabelValue(v, p.child("values").index(j)) }
        }
        return errors
    }

    /// Whole numbers print without ".0", as a user wrote them.
    static func number(_ d: Double) -> JSONValue {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return .int(Int64(d)) }
        return d.isFinite ? .double(d) : .string("\(d)")
    }
}
