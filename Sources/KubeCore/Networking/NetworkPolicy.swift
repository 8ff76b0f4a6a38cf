// networking.k8s.io/v1 NetworkPolicy: the workspace controller's default-deny isolation between tenants.

public struct NetworkPolicy: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy", plural: "networkpolicies", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: NetworkPolicySpec?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), spec: NetworkPolicySpec? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        spec = try c.decodeIfPresent(NetworkPolicySpec.self, forKey: .spec)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct NetworkPolicySpec: Codable, Sendable, Hashable {
    /// The pods the policy applies to; empty selects every pod of the namespace.
    public var podSelector: LabelSelector
    public var ingress: [NetworkPolicyIngressRule]?
    public var egress: [NetworkPolicyEgressRule]?
    /// Ingress and/or Egress.
    public var policyTypes: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(podSelector: LabelSelector = LabelSelector(), ingress: [NetworkPolicyIngressRule]? = nil,
                egress: [NetworkPolicyEgressRule]? = nil, policyTypes: [String]? = nil) {
        self.podSelector = podSelector
        self.ingress = ingress
        self.egress = egress
        self.policyTypes = policyTypes
    }

    enum CodingKeys: String, CodingKey { case podSelector, ingress, egress, policyTypes, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        podSelector = try c.decodeIfPresent(LabelSelector.self, forKey: .podSelector) ?? LabelSelector()
        ingress = try c.decodeIfPresent([NetworkPolicyIngressRule].self, forKey: .ingress)
        egress = try c.decodeIfPresent([NetworkPolicyEgressRule].self, forKey: .egress)
        policyTypes = try c.decodeIfPresent([String].self, forKey: .policyTypes)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct NetworkPolicyIngressRule: Codable, Sendable, Hashable {
    public var ports: [NetworkPolicyPort]?
    /// Empty or missing allows every source.
    public var from: [NetworkPolicyPeer]?
    public var unknownFields: UnknownFields? = nil

    public init(ports: [NetworkPolicyPort]? = nil, from: [NetworkPolicyPeer]? = nil) {
        self.ports = ports
        self.from = from
    }
}

public struct NetworkPolicyEgressRule: Codable, Sendable, Hashable {
    public var ports: [NetworkPolicyPort]?
    public var to: [NetworkPolicyPeer]?
    public var unknownFields: UnknownFields? = nil

    public init(ports: [NetworkPolicyPort]? = nil, to: [NetworkPolicyPeer]? = nil) {
        self.ports = ports
        self.to = to
    }
}

public struct NetworkPolicyPort: Codable, Sendable, Hashable {
    public var `protocol`: String?
    public var port: IntOrString?
    public var endPort: Int32?
    public var unknownFields: UnknownFields? = nil

    public init(protocol proto: String? = nil, port: IntOrString? = nil, endPort: Int32? = nil) {
        self.protocol = proto
        self.port = port
        self.endPort = endPort
    }
}

public struct NetworkPolicyPeer: Codable, Sendable, Hashable {
    public var podSelector: LabelSelector?
    public var namespaceSelector: LabelSelector?
    public var ipBlock: IPBlock?
    public var unknownFields: UnknownFields? = nil

    public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
        self.podSelector = podSelector
        self.namespaceSelector = namespaceSelector
        self.ipBlock = ipBlock
    }
}

public struct IPBlock: Codable, Sendable, Hashable {
    public var cidr: String
    public var except: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(cidr: String, except: [String]? = nil) {
        self.cidr = cidr
        self.except = except
    }
}
