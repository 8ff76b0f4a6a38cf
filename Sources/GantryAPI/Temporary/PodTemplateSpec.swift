// TEMPORARY stand-in for KubeCore's PodTemplateSpec (core/v1), which the KubeCore engineer is landing on
// main: only the fields GantryAPI reads, everything else kept in unknownFields. Delete when it lands.

import KubeCore

public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta? = nil, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct PodSpec: Codable, Sendable, Hashable {
    public var containers: [Container]
    public var unknownFields: UnknownFields? = nil

    public init(containers: [Container]) { self.containers = containers }
}

public struct Container: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?
    public var resources: ResourceRequirements?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, image: String? = nil, resources: ResourceRequirements? = nil) {
        self.name = name
        self.image = image
        self.resources = resources
    }
}

public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var limits: [String: Quantity]?
    public var requests: [String: Quantity]?
    public var unknownFields: UnknownFields? = nil

    public init(limits: [String: Quantity]? = nil, requests: [String: Quantity]? = nil) {
        self.limits = limits
        self.requests = requests
    }
}
