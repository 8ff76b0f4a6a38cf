// ServiceAccount and ResourceQuota (core/v1): a workload identity, and a namespace's hard resource limits.

public struct ServiceAccount: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var secrets: [ObjectReference]?
    public var imagePullSecrets: [LocalObjectReference]?
    public var automountServiceAccountToken: Bool?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), secrets: [ObjectReference]? = nil,
                imagePullSecrets: [LocalObjectReference]? = nil, automountServiceAccountToken: Bool? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.secrets = secrets
        self.imagePullSecrets = imagePullSecrets
        self.automountServiceAccountToken = automountServiceAccountToken
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, secrets, imagePullSecrets, automountServiceAccountToken, unknownFields
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        secrets = try c.decodeIfPresent([ObjectReference].self, forKey: .secrets)
        imagePullSecrets = try c.decodeIfPresent([LocalObjectReference].self, forKey: .imagePullSecrets)
        automountServiceAccountToken = try c.decodeIfPresent(Bool.self, forKey: .automountServiceAccountToken)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct ResourceQuota: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "", version: "v1", kind: "ResourceQuota", plural: "resourcequotas", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: ResourceQuotaSpec?
    public var status: ResourceQuotaStatus?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), spec: ResourceQuotaSpec? = nil, status: ResourceQuotaStatus? = nil) {
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
        spec = try c.decodeIfPresent(ResourceQuotaSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(ResourceQuotaStatus.self, forKey: .status)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct ResourceQuotaSpec: Codable, Sendable, Hashable {
    /// Keys such as `requests.cpu`, `limits.memory`, `requests.nvidia.com/gpu`, `pods`.
    public var hard: [String: Quantity]?
    public var scopes: [String]?
    public var scopeSelector: JSONValue?
    public var unknownFields: UnknownFields? = nil

    public init(hard: [String: Quantity]? = nil, scopes: [String]? = nil, scopeSelector: JSONValue? = nil) {
        self.hard = hard
        self.scopes = scopes
        self.scopeSelector = scopeSelector
    }
}

public struct ResourceQuotaStatus: Codable, Sendable, Hashable {
    public var hard: [String: Quantity]?
    public var used: [String: Quantity]?
    public var unknownFields: UnknownFields? = nil

    public init(hard: [String: Quantity]? = nil, used: [String: Quantity]? = nil) {
        self.hard = hard
        self.used = used
    }
}
