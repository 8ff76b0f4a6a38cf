// A node's inventory as the engine sees it: allocatable CPU/memory/pods, placement facts (pool, rack,
// taints), its devices and the temperatures around them. Built by adapters from Node + DeviceSlice.

import Foundation

/// A temperature and when it was observed; readings older than a pool's `staleAfter` count as unknown.
public struct TemperatureReading: Hashable, Sendable, Codable {
    public var celsius: Double
    public var observedAt: Date

    public init(celsius: Double, observedAt: Date) {
        self.celsius = celsius
        self.observedAt = observedAt
    }
}

public struct DeviceSpec: Hashable, Sendable, Codable {
    public var id: String
    public var index: Int
    public var vendor: String
    public var model: String
    public var memoryMiB: Int
    /// Percent of cores the device offers; 100 = one whole device.
    public var cores: Int
    /// Most virtual devices (slices) the device can host at once.
    public var maxSlices: Int
    public var healthy: Bool
    public var temperature: TemperatureReading?

    public init(id: String, index: Int, vendor: String, model: String, memoryMiB: Int, cores: Int = 100,
                maxSlices: Int = 8, healthy: Bool = true, temperature: TemperatureReading? = nil) {
        self.id = id
        self.index = index
        self.vendor = vendor
        self.model = model
        self.memoryMiB = memoryMiB
        self.cores = cores
        self.maxSlices = maxSlices
        self.healthy = healthy
        self.temperature = temperature
    }
}

public struct NodeTaint: Hashable, Sendable, Codable {
    public var key: String
    public var value: String
    /// Only `NoSchedule` and `NoExecute` keep pods away; `PreferNoSchedule` is kube-scheduler's business.
    public var effect: String

    public init(key: String, value: String = "", effect: String = "NoSchedule") {
        self.key = key
        self.value = value
        self.effect = effect
    }

    var repels: Bool { effect == "NoSchedule" || effect == "NoExecute" }
}

public struct NodeSpec: Hashable, Sendable, Codable {
    public var name: String
    public var cpuMilli: Int64
    public var memoryBytes: Int64
    public var maxPods: Int
    public var labels: [String: String]
    public var taints: [NodeTaint]
    /// ResourcePool the node belongs to, if any.
    public var pool: String?
    /// Rack (label `topology.gantry.dev/rack`), used by gang placement and rack temperature.
    public var rack: String?
    /// Cordoned nodes take no new pods.
    public var schedulable: Bool
    public var devices: [DeviceSpec]
    public var chassisTemperature: TemperatureReading?
    public var rackTemperature: TemperatureReading?

    public init(name: String, cpuMilli: Int64, memoryBytes: Int64, maxPods: Int = 110, labels: [String: String] = [:],
                taints: [NodeTaint] = [], pool: String? = nil, rack: String? = nil, schedulable: Bool = true,
                devices: [DeviceSpec] = [], chassisTemperature: TemperatureReading? = nil,
                rackTemperature: TemperatureReading? = nil) {
        self.name = name
        self.cpuMilli = cpuMilli
        self.memoryBytes = memoryBytes
        self.maxPods = maxPods
        self.labels = labels
        self.taints = taints
        self.pool = pool
        self.rack = rack
        self.schedulable = schedulable
        self.devices = devices
        self.chassisTemperature = chassisTemperature
        self.rackTemperature = rackTemperature
    }
}
