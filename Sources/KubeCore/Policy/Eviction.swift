// policy/v1 Eviction: the body of `POST pods/{name}/eviction`, which deletes a pod if its disruption
// budget allows. Preemption of training gangs goes through it.

public struct Eviction: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "policy", version: "v1", kind: "Eviction", plural: "evictions", namespaced: true)

    public var apiVersion: String
    public var kind: String
    /// Name and namespace of the pod to evict.
    public var metadata: ObjectMeta
    /// meta/v1 DeleteOptions (gracePeriodSeconds, preconditions, propagationPolicy, dryRun).
    public var deleteOptions: JSONValue?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), deleteOptions: JSONValue? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.deleteOptions = deleteOptions
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, deleteOptions, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        deleteOptions = try c.decodeIfPresent(JSONValue.self, forKey: .deleteOptions)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}
