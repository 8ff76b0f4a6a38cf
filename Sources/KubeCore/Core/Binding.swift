// Binding (core/v1): the body of `POST pods/{name}/binding`, which assigns a pod to a node.

public struct Binding: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", kind: "Binding", plural: "bindings", namespaced: true)

    public var apiVersion: String
    public var kind: String
    /// Name, namespace and uid of the pod being bound.
    public var metadata: ObjectMeta
    /// The node: `{"apiVersion":"v1","kind":"Node","name":...}`.
    public var target: ObjectReference
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), target: ObjectReference = ObjectReference()) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.target = target
    }

    /// The binding of `pod` to the node named `node`.
    public init(pod: Pod, node: String) {
        self.init(
            metadata: ObjectMeta(name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid),
            target: ObjectReference(kind: "Node", name: node, apiVersion: "v1"))
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, target, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        target = try c.decodeIfPresent(ObjectReference.self, forKey: .target) ?? ObjectReference()
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}
