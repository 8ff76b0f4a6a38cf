// DeviceSlice: one node's accelerator inventory (after DRA's ResourceSlice). The node agent writes the spec
// (devices, temperatures, heartbeat); the pool controller writes the status (what is allocated to whom,
// folded from pods' gantry.dev/devices annotations). Cluster-scoped, named after the node.

import KubeCore

public struct DeviceSlice: GantryResource {
    public static let descriptor = GantryAPI.descriptor(kind: "DeviceSlice", plural: "deviceslices", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: DeviceSliceSpec
    public var status: DeviceSliceStatus?
    public var unknownFields: UnknownFields? = nil

    /// A slice for `node`, named after it.
    public init(node: String, spec: DeviceSliceSpec? = nil, status: DeviceSliceStatus? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        metadata = ObjectMeta(name: node)
        self.spec = spec ?? DeviceSliceSpec(node: node)
        self.status = status
    }
}

public struct DeviceHealth: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let healthy: Self = "Healthy"
    public static let unhealthy: Self = "Unhealthy"
    public static let allCases: [Self] = [.healthy, .unhealthy]
}

public struct DeviceSliceSpec: Codable, Sendable, Hashable {
    public var node: String
    public var devices: [Device]?
    public var chassisTemperatureC: Double?
    public var heartbeatTime: Time?
    public var unknownFields: UnknownFields? = nil

    public init(node: String, devices: [Device]? = nil, chassisTemperatureC: Double? = nil, heartbeatTime: Time? = nil) {
        self.node = node
        self.devices = devices
        self.chassisTemperatureC = chassisTemperatureC
        self.heartbeatTime = heartbeatTime
    }
}

/// One physical accelerator of the node.
public struct Device: Codable, Sendable, Hashable {
    public var id: String
    public var index: Int32
    public var vendor: String?
    public var model: String?
    public var memoryMiB: Int64?
    public var cores: Int32?
    public var maxSlices: Int32?
    public var health: DeviceHealth?
    public var temperatureC: Double?
    public var unknownFields: UnknownFields? = nil

    public init(id: String, index: Int32, vendor: String? = nil, model: String? = nil, memoryMiB: Int64? = nil,
                cores: Int32? = nil, maxSlices: Int32? = nil, health: DeviceHealth? = nil, temperatureC: Double? = nil) {
        self.id = id
        self.index = index
        self.vendor = vendor
        self.model = model
        self.memoryMiB = memoryMiB
        self.cores = cores
        self.maxSlices = maxSlices
        self.health = health
        self.temperatureC = temperatureC
    }
}

public struct DeviceSliceStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var devices: [DeviceAllocationStatus]?
    public var deviceCount: Int32?
    public var healthyDevices: Int32?
    public var allocatedCores: Int32?
    public var allocatedMemoryMiB: Int64?
    public var hottestC: Double?
    public var conditions: [Condition]?
    public var unknownFields: UnknownFields? = nil

    public init(observedGeneration: Int64? = nil, devices: [DeviceAllocationStatus]? = nil, deviceCount: Int32? = nil,
                healthyDevices: Int32? = nil, allocatedCores: Int32? = nil, allocatedMemoryMiB: Int64? = nil,
                hottestC: Double? = nil, conditions: [Condition]? = nil) {
        self.observedGeneration = observedGeneration
        self.devices = devices
        self.deviceCount = deviceCount
        self.healthyDevices = healthyDevices
        self.allocatedCores = allocatedCores
        self.allocatedMemoryMiB = allocatedMemoryMiB
        self.hottestC = hottestC
        self.conditions = conditions
    }
}

/// What is allocated on one device.
public struct DeviceAllocationStatus: Codable, Sendable, Hashable {
    public var id: String
    public var allocatedCores: Int32?
    public var allocatedMemoryMiB: Int64?
    public var slices: Int32?
    public var pods: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(id: String, allocatedCores: Int32? = nil, allocatedMemoryMiB: Int64? = nil, slices: Int32? = nil,
                pods: [String]? = nil) {
        self.id = id
        self.allocatedCores = allocatedCores
        self.allocatedMemoryMiB = allocatedMemoryMiB
        self.slices = slices
        self.pods = pods
    }
}

// MARK: - Defaults and validation

extension DeviceSlice {
    public mutating func applyDefaults() {
        guard let devices = spec.devices else { return }
        spec.devices = devices.map { d in
            var d = d
            if d.cores == nil { d.cores = 100 }
            if d.maxSlices == nil { d.maxSlices = 1 }
            if d.health == nil { d.health = .healthy }
            return d
        }
    }

    public func validate() -> FieldErrors {
        var errors = validateTypeMeta()
        errors.checkObjectName(metadata, Self.definition.nameRule)
        let spec = FieldPath("spec")
        errors.checkRequiredName(self.spec.node, .dns1123Subdomain, spec.child("node"))
        if let name = metadata.name, !name.isEmpty, !self.spec.node.isEmpty, name != self.spec.node {
            errors.append(.invalid(spec.child("node"), .string(self.spec.node),
                                   "must equal metadata.name (\(FieldError.quote(name))): a DeviceSlice is named after its node"))
        }
        var ids = Set<String>()
        var indexes = Set<Int32>()
        var byID: [String: Device] = [:]
        for (i, d) in (self.spec.devices ?? []).enumerated() {
            let p = spec.child("devices").index(i)
            if d.id.isEmpty {
                errors.append(.required(p.child("id")))
            } else if d.id.contains(",") || d.id.contains(" ") {
                // The id is written into the comma-separated gantry.dev/devices annotation.
                errors.append(.invalid(p.child("id"), .string(d.id), "must not contain ',' or spaces"))
            } else if !ids.insert(d.id).inserted {
                errors.append(.duplicate(p.child("id"), .string(d.id)))
            }
            byID[d.id] = d
            errors.checkRange(d.index, p.child("index"), min: 0)
            if d.index >= 0, !indexes.insert(d.index).inserted {
                errors.append(.duplicate(p.child("index"), .int(Int64(d.index))))
            }
            if let vendor = d.vendor { errors.checkName(vendor, .dns1123Label, p.child("vendor")) }
            errors.checkRange(d.memoryMiB, p.child("memoryMiB"), min: 0)
            errors.checkRange(d.cores, p.child("cores"), min: 1, max: 100)
            errors.checkRange(d.maxSlices, p.child("maxSlices"), min: 1)
            if let slices = d.maxSlices, let cores = d.cores, slices > cores, cores >= 1 {
                errors.append(.invalid(p.child("maxSlices"), .int(Int64(slices)),
                                       "must not exceed cores (\(cores)): every slice needs at least 1 percent of the device"))
            }
            errors.checkEnum(d.health, p.child("health"))
            if let t = d.temperatureC { errors.checkTemperature(t, p.child("temperatureC")) }
        }
        if let t = self.spec.chassisTemperatureC { errors.checkTemperature(t, spec.child("chassisTemperatureC")) }

        let status = FieldPath("status")
        var statusIDs = Set<String>()
        for (i, a) in (self.status?.devices ?? []).enumerated() {
            let p = status.child("devices").index(i)
            guard let device = byID[a.id] else {
                errors.append(.invalid(p.child("id"), .string(a.id), "is not the id of a device in spec.devices"))
                continue
            }
            if !statusIDs.insert(a.id).inserted { errors.append(.duplicate(p.child("id"), .string(a.id))) }
            // Checked against the device only when the device itself is valid, so one mistake is one error.
            let cores = device.cores ?? 100
            if (1...100).contains(cores) {
                errors.checkRange(a.allocatedCores, p.child("allocatedCores"), min: 0, max: cores)
            }
            if let mem = a.allocatedMemoryMiB, let total = device.memoryMiB, mem > total || mem < 0 {
                errors.append(.invalid(p.child("allocatedMemoryMiB"), .int(mem),
                                       "must be between 0 and the device's memoryMiB (\(total))"))
            }
            errors.checkRange(a.slices, p.child("slices"), min: 0, max: device.maxSlices ?? 1)
        }
        return errors
    }
}
