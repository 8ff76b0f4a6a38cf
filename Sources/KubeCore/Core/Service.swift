// Service (core/v1): stable addresses for training replicas (headless, `clusterIP: None`) and inference
// endpoints.

public struct Service: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "", version: "v1", kind: "Service", plural: "services", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: ServiceSpec?
    public var status: ServiceStatus?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), spec: ServiceSpec? = nil, status: ServiceStatus? = nil) {
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
        spec = try c.decodeIfPresent(ServiceSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(ServiceStatus.self, forKey: .status)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct ServiceSpec: Codable, Sendable, Hashable {
    public var ports: [ServicePort]?
    public var selector: [String: String]?
    /// "None" makes the service headless: DNS returns the pods' addresses.
    public var clusterIP: String?
    public var clusterIPs: [String]?
    /// ClusterIP (default), NodePort, LoadBalancer, ExternalName.
    public var type: String?
    public var externalIPs: [String]?
    public var sessionAffinity: String?
    public var loadBalancerIP: String?
    public var loadBalancerSourceRanges: [String]?
    public var externalName: String?
    public var externalTrafficPolicy: String?
    public var healthCheckNodePort: Int32?
    /// Publish addresses of pods that are not ready (peers of a training gang must find each other early).
    public var publishNotReadyAddresses: Bool?
    public var sessionAffinityConfig: JSONValue?
    public var ipFamilies: [String]?
    public var ipFamilyPolicy: String?
    public var allocateLoadBalancerNodePorts: Bool?
    public var loadBalancerClass: String?
    public var internalTrafficPolicy: String?
    public var trafficDistribution: String?
    public var unknownFields: UnknownFields? = nil

    public init(
        ports: [ServicePort]? = nil, selector: [String: String]? = nil, clusterIP: String? = nil,
        clusterIPs: [String]? = nil, type: String? = nil, externalIPs: [String]? = nil, sessionAffinity: String? = nil,
        loadBalancerIP: String? = nil, loadBalancerSourceRanges: [String]? = nil, externalName: String? = nil,
        externalTrafficPolicy: String? = nil, healthCheckNodePort: Int32? = nil, publishNotReadyAddresses: Bool? = nil,
        sessionAffinityConfig: JSONValue? = nil, ipFamilies: [String]? = nil, ipFamilyPolicy: String? = nil,
        allocateLoadBalancerNodePorts: Bool? = nil, loadBalancerClass: String? = nil,
        internalTrafficPolicy: String? = nil, trafficDistribution: String? = nil
    ) {
        self.ports = ports
        self.selector = selector
        self.clusterIP = clusterIP
        self.clusterIPs = clusterIPs
        self.type = type
        self.externalIPs = externalIPs
        self.sessionAffinity = sessionAffinity
        self.loadBalancerIP = loadBalancerIP
        self.loadBalancerSourceRanges = loadBalancerSourceRanges
        self.externalName = externalName
        self.externalTrafficPolicy = externalTrafficPolicy
        self.healthCheckNodePort = healthCheckNodePort
        self.publishNotReadyAddresses = publishNotReadyAddresses
        self.sessionAffinityConfig = sessionAffinityConfig
        self.ipFamilies = ipFamilies
        self.ipFamilyPolicy = ipFamilyPolicy
        self.allocateLoadBalancerNodePorts = allocateLoadBalancerNodePorts
        self.loadBalancerClass = loadBalancerClass
        self.internalTrafficPolicy = internalTrafficPolicy
        self.trafficDistribution = trafficDistribution
    }

    public var isHeadless: Bool { clusterIP == "None" }
}

public struct ServicePort: Codable, Sendable, Hashable {
    public var name: String?
    public var `protocol`: String?
    public var appProtocol: String?
    public var port: Int32
    /// A container port number or name; defaults to `port`.
    public var targetPort: IntOrString?
    public var nodePort: Int32?
    public var unknownFields: UnknownFields? = nil

    public init(name: String? = nil, protocol proto: String? = nil, appProtocol: String? = nil, port: Int32,
                targetPort: IntOrString? = nil, nodePort: Int32? = nil) {
        self.name = name
        self.protocol = proto
        self.appProtocol = appProtocol
        self.port = port
        self.targetPort = targetPort
        self.nodePort = nodePort
    }
}

public struct ServiceStatus: Codable, Sendable, Hashable {
    public var loadBalancer: JSONValue?
    public var conditions: [Condition]?
    public var unknownFields: UnknownFields? = nil

    public init(loadBalancer: JSONValue? = nil, conditions: [Condition]? = nil) {
        self.loadBalancer = loadBalancer
        self.conditions = conditions
    }
}
