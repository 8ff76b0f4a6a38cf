// Namespace (core/v1): a tenant's project. The workspace controller creates and labels them.

public struct Namespace: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: NamespaceSpec?
    public var status: NamespaceStatus?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), spec: NamespaceSpec? = nil, status: NamespaceStatus? = nil) {
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
        spec = try c.decodeIfPresent(NamespaceSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(NamespaceStatus.self, forKey: .status)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct NamespaceSpec: Codable, Sendable, Hashable {
    public var finalizers: [String]?
    public var unknownFields: UnknownFields? = nil
    public init(finalizers: [String]? = nil) { self.finalizers = finalizers }
}

public struct NamespaceStatus: Codable, Sendable, Hashable {
    /// Active or Terminating.
    public var phase: String?
    public var conditions: [NamespaceCondition]?
    public var unknownFields: UnknownFields? = nil

    public init(phase: String? = nil, conditions: [NamespaceCondition]? = nil) {
        self.phase = phase
        self.conditions = conditions
    }
}

public struct NamespaceCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: ConditionStatus
    public var lastTransitionTime: Time?
    public var reason: String?
    public var message: String?
    public var unknownFields: UnknownFields? = nil

    public init(type: String, status: ConditionStatus, lastTransitionTime: Time? = nil, reason: String? = nil,
                message: String? = nil) {
        self.type = type
        self.status = status
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}
