// Node (core/v1): capacity and allocatable resources, taints, conditions and addresses, as the scheduler
// extender and the pool controller read them.

public struct Node: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: NodeSpec?
    public var status: NodeStatus?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), spec: NodeSpec? = nil, status: NodeStatus? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, status, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        spec = try c.decodeIfPresent(NodeSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(NodeStatus.self, forKey: .status)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }

    /// The fields node selector terms may match (`matchFields`): only `metadata.name`.
    public var selectableFields: [String: String] { ["metadata.name": metadata.name ?? ""] }

    /// The `Ready` condition is True.
    public var isReady: Bool { status?.condition("Ready")?.status == .true }
}

public struct NodeSpec: Codable, Sendable, Hashable {
    public var podCIDR: String?
    public var podCIDRs: [String]?
    public var providerID: String?
    public var unschedulable: Bool?
    public var taints: [Taint]?
    public var configSource: JSONValue?
    public var externalID: String?
    public var unknownFields: UnknownFields? = nil

    public init(podCIDR: String? = nil, podCIDRs: [String]? = nil, providerID: String? = nil, unschedulable: Bool? = nil,
                taints: [Taint]? = nil, configSource: JSONValue? = nil, externalID: String? = nil) {
        self.podCIDR = podCIDR
        self.podCIDRs = podCIDRs
        self.providerID = providerID
        self.unschedulable = unschedulable
        self.taints = taints
        self.configSource = configSource
        self.externalID = externalID
    }
}

public struct NodeStatus: Codable, Sendable, Hashable {
    public var capacity: [String: Quantity]?
    /// Capacity minus what the system reserves: what pods may request.
    public var allocatable: [String: Quantity]?
    public var phase: String?
    public var conditions: [NodeCondition]?
    public var addresses: [NodeAddress]?
    public var daemonEndpoints: JSONValue?
    public var nodeInfo: NodeSystemInfo?
    public var images: [JSONValue]?
    public var volumesInUse: [String]?
    public var volumesAttached: [JSONValue]?
    public var config: JSONValue?
    public var runtimeHandlers: [JSONValue]?
    public var features: JSONValue?
    public var declaredFeatures: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(
        capacity: [String: Quantity]? = nil, allocatable: [String: Quantity]? = nil, phase: String? = nil,
        conditions: [NodeCondition]? = nil, addresses: [NodeAddress]? = nil, daemonEndpoints: JSONValue? = nil,
        nodeInfo: NodeSystemInfo? = nil, images: [JSONValue]? = nil, volumesInUse: [String]? = nil,
        volumesAttached: [JSONValue]? = nil, config: JSONValue? = nil, runtimeHandlers: [JSONValue]? = nil,
        features: JSONValue? = nil, declaredFeatures: [String]? = nil
    ) {
        self.capacity = capacity
        self.allocatable = allocatable
        self.phase = phase
        self.conditions = conditions
        self.addresses = addresses
        self.daemonEndpoints = daemonEndpoints
        self.nodeInfo = nodeInfo
        self.images = images
        self.volumesInUse = volumesInUse
        self.volumesAttached = volumesAttached
        self.config = config
        self.runtimeHandlers = runtimeHandlers
        self.features = features
        self.declaredFeatures = declaredFeatures
    }

    public func condition(_ type: String) -> NodeCondition? { conditions?.first { $0.type == type } }
}

public struct NodeCondition: Codable, Sendable, Hashable {
    /// Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable.
    public var type: String
    public var status: ConditionStatus
    public var lastHeartbeatTime: Time?
    public var lastTransitionTime: Time?
    public var reason: String?
    public var message: String?
    public var unknownFields: UnknownFields? = nil

    public init(type: String, status: ConditionStatus, lastHeartbeatTime: Time? = nil, lastTransitionTime: Time? = nil,
                reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.lastHeartbeatTime = lastHeartbeatTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

public struct NodeAddress: Codable, Sendable, Hashable {
    /// Hostname, InternalIP, ExternalIP, InternalDNS, ExternalDNS.
    public var type: String
    public var address: String
    public var unknownFields: UnknownFields? = nil

    public init(type: String, address: String) {
        self.type = type
        self.address = address
    }
}

public struct NodeSystemInfo: Codable, Sendable, Hashable {
    public var machineID: String?
    public var systemUUID: String?
    public var bootID: String?
    public var kernelVersion: String?
    public var osImage: String?
    public var containerRuntimeVersion: String?
    public var kubeletVersion: String?
    public var kubeProxyVersion: String?
    public var operatingSystem: String?
    public var architecture: String?
    public var swap: JSONValue?
    public var unknownFields: UnknownFields? = nil

    public init(
        machineID: String? = nil, systemUUID: String? = nil, bootID: String? = nil, kernelVersion: String? = nil,
        osImage: String? = nil, containerRuntimeVersion: String? = nil, kubeletVersion: String? = nil,
        kubeProxyVersion: String? = nil, operatingSystem: String? = nil, architecture: String? = nil,
        swap: JSONValue? = nil
    ) {
        self.machineID = machineID
        self.systemUUID = systemUUID
        self.bootID = bootID
        self.kernelVersion = kernelVersion
        self.osImage = osImage
        self.containerRuntimeVersion = containerRuntimeVersion
        self.kubeletVersion = kubeletVersion
        self.kubeProxyVersion = kubeProxyVersion
        self.operatingSystem = operatingSystem
        self.architecture = architecture
        self.swap = swap
    }
}
