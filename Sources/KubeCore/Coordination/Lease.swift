// coordination.k8s.io/v1 Lease: the lock of leader election and of node heartbeats. Times are MicroTime
// (exactly six fractional digits on the wire).

public struct Lease: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: LeaseSpec?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), spec: LeaseSpec? = nil) {
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
        spec = try c.decodeIfPresent(LeaseSpec.self, forKey: .spec)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct LeaseSpec: Codable, Sendable, Hashable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int32?
    public var acquireTime: MicroTime?
    public var renewTime: MicroTime?
    public var leaseTransitions: Int32?
    /// Coordinated leader election strategy (e.g. OldestEmulationVersion).
    public var strategy: String?
    public var preferredHolder: String?
    public var unknownFields: UnknownFields? = nil

    public init(holderIdentity: String? = nil, leaseDurationSeconds: Int32? = nil, acquireTime: MicroTime? = nil,
                renewTime: MicroTime? = nil, leaseTransitions: Int32? = nil, strategy: String? = nil,
                preferredHolder: String? = nil) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
        self.strategy = strategy
        self.preferredHolder = preferredHolder
    }
}
